"""Publish a quote database with Datasette 0.65: read-only, with our metadata.

No web server of our own: :func:`make_datasette` builds the Datasette app
(also used by the tests through ``datasette.client``) and :func:`serve` runs
it under uvicorn the way the ``datasette serve`` command does.

Safe for the open web by default: the database is opened immutable, every
query has a time limit (``sql_time_limit_ms``) and a row cap
(``max_returned_rows``), arbitrary SQL can be switched off (``allow_sql=False``,
``quotes serve --no-sql``: Datasette's ``default_allow_sql`` setting; canned
queries, table search and facets still work), and robots are asked to stay
away (``/robots.txt`` from the datasette-block-robots plugin and an
``X-Robots-Tag`` header) unless ``allow_robots=True``. Datasette's templates
escape every value they show, and show only ``http(s)://`` values as links;
:func:`asgi_app` adds ``X-Content-Type-Options: nosniff`` to every answer.
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils import parse_metadata

from . import plugin, reload
from .database import QuotesDatabase, facts

DB_NAME = "quotes"  # the URL path (/quotes/...) and the key in metadata.yml
PROJECT_METADATA = Path(__file__).resolve().parent.parent / "metadata.yml"
TEMPLATES = Path(__file__).resolve().parent / "templates"  # speaker pages
TABLES = {"quotes", "speakers", "articles", "quotes_fts", "speaker_titles", "speaker_aliases"}

# Datasette 0.65 takes settings apart from metadata. Facets on a large index
# need more than the 200 ms default or they silently disappear from the page.
# Suggested facets (a query per column on every table page) are off: the
# metadata names the useful facets, and on 10,000 quotes they made table pages
# two to five times slower (benchmarks/load.py).
SETTINGS = {
    "sql_time_limit_ms": 3000,
    "max_returned_rows": 1000,
    "facet_time_limit_ms": 1000,
    "suggest_facets": False,
}

ROBOTS_PLUGIN = "datasette-block-robots"
# What /robots.txt says with allow_robots=True: everything may be crawled.
ROBOTS_ALLOW_ALL = "User-agent: *\nDisallow:"


class PublishError(Exception):
    """A database or metadata file that cannot be published, with the reason."""


def metadata_file(metadata_path=None) -> Path:
    """The metadata file to use: the given one, the project's, or a packaged copy."""
    if metadata_path is not None:
        path = Path(metadata_path)
        if not path.is_file():
            raise PublishError(f"{path}: metadata file not found")
        return path
    if PROJECT_METADATA.is_file():  # a checkout, or `pip install -e .`
        return PROJECT_METADATA
    # A wheel carries metadata.yml only if the build copied it into the package.
    packaged = resources.files("quotes") / "metadata.yml"
    if packaged.is_file():
        return Path(str(packaged))
    raise PublishError(
        f"{PROJECT_METADATA}: metadata file not found; install the project with "
        "`pip install -e .` or pass --metadata"
    )


def load_metadata(metadata_path=None) -> dict:
    """Parse the metadata file (YAML or JSON) into Datasette's metadata dict."""
    path = metadata_file(metadata_path)
    try:
        return parse_metadata(path.read_text(encoding="utf-8"))
    except Exception as error:  # BadMetadataError or a decoding error
        raise PublishError(f"{path}: {error}") from error


def check_database(db_path) -> Path:
    """Fail early, naming the file, unless db_path is a built quote database."""
    path = Path(db_path)
    if not path.is_file():
        raise PublishError(f"{path}: database not found; run `quotes ingest` first")
    try:
        # mode=ro: checking must not create or touch the file.
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("select name from sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise PublishError(f"{path}: not an SQLite database ({error})") from error
    if not TABLES <= tables:
        raise PublishError(f"{path}: not a complete quote database; run `quotes ingest` first")
    return path


def make_datasette(db_path, metadata_path=None, settings: dict | None = None, *,
                   allow_sql: bool = True, allow_robots: bool = False) -> Datasette:
    """A Datasette app serving db_path immutably, as /quotes whatever the file is called.

    Immutable (``datasette -i``): Datasette opens the file read-only and may
    cache counts. Rebuild into another file and swap it (as ``quotes ingest``
    does): the app serves the new file from the next request on
    (quotes.reload); writing to a served file breaks the running app. `allow_sql=False` refuses arbitrary SQL
    (``?sql=``, ``_where=``); `allow_robots=True` lets crawlers in.
    """
    path = check_database(db_path)
    register_plugin()
    metadata = load_metadata(metadata_path)
    if allow_robots:
        metadata.setdefault("plugins", {})[ROBOTS_PLUGIN] = {"literal": ROBOTS_ALLOW_ALL}
    settings = {**SETTINGS, **(settings or {})}
    if not allow_sql:
        settings["default_allow_sql"] = False
    ds = Datasette(
        immutables=[str(path)],
        metadata=metadata,
        settings=settings,
        template_dir=str(TEMPLATES),
        inspect_data={DB_NAME: inspect(path)},
    )
    # A stable name keeps URLs and the metadata's `databases: quotes:` valid
    # for db/quotes.db and for any other file name alike. The database is a
    # QuotesDatabase: the same file, cheaper SQL for some table pages.
    (name,) = [n for n in ds.databases if n != "_internal"]
    ds.remove_database(name)
    ds.add_database(QuotesDatabase(ds, path), name=DB_NAME)
    reload.watch(ds, DB_NAME, path)  # a swapping ingest's new file is served without a restart
    return ds


def inspect(path: Path) -> dict:
    """What ``datasette inspect`` records of an immutable file, computed once at
    start: each table's row count, so an unfiltered table page does not count
    a million rows on every request, and the facts about the file that
    :class:`quotes.database.QuotesDatabase` relies on
    (:func:`quotes.database.facts`). The hash is the size and modification
    time, not a digest of the whole file (Datasette shows it, nothing checks it)."""
    stat = path.stat()
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    try:
        names = [r[0] for r in conn.execute(
            "select name from sqlite_master where type = 'table' and sql not like 'CREATE VIRTUAL%'")]
        tables = {name: {"count": conn.execute(f'select count(*) from "{name}"').fetchone()[0]}
                  for name in names}
        known = facts(conn)  # what QuotesDatabase's cheaper SQL relies on
    finally:
        conn.close()
    return {"hash": f"{stat.st_size:x}-{stat.st_mtime_ns:x}", "size": stat.st_size,
            "file": path.name, "tables": tables, "facts": known}


def register_plugin() -> None:
    """Register the package's plugin (quotes.plugin) with Datasette, once per process."""
    if not pm.is_registered(plugin):
        pm.register(plugin, name="quotes")


def asgi_app(ds: Datasette, allow_robots: bool = False):
    """The ASGI app to serve: Datasette's, adding to every response
    ``X-Content-Type-Options: nosniff`` (a browser never runs a JSON or CSV
    answer holding HTML as a page) and, unless robots are allowed,
    ``X-Robots-Tag: noindex, nofollow`` (robots.txt only asks crawlers not to
    fetch pages; the header also keeps pages linked from elsewhere out of
    search results)."""
    app = ds.app()
    extra = [(b"x-content-type-options", b"nosniff")]
    if not allow_robots:
        extra.append((b"x-robots-tag", b"noindex, nofollow"))
    names = {name for name, _ in extra}

    async def with_headers(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in names]
                message = {**message, "headers": headers + extra}
            await send(message)

        return await app(scope, receive, send_with_headers)

    return with_headers


def serve(db_path, host: str = "127.0.0.1", port: int = 8001, metadata_path=None, *,
          allow_sql: bool = True, allow_robots: bool = False, settings: dict | None = None) -> None:
    """Serve db_path read-only on http://host:port until interrupted."""
    import asyncio

    import uvicorn

    ds = make_datasette(db_path, metadata_path, settings, allow_sql=allow_sql, allow_robots=allow_robots)
    asyncio.run(ds.invoke_startup())  # plugin startup hooks, as `datasette serve` runs them
    uvicorn.run(asgi_app(ds, allow_robots), host=host, port=port, log_level="info",
                lifespan="on", workers=1)
