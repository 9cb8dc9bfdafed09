"""Publish a quote database with Datasette 0.65: read-only, with our metadata.

No web server of our own: :func:`make_datasette` builds the Datasette app
(also used by the tests through ``datasette.client``) and :func:`serve` runs
it under uvicorn the way the ``datasette serve`` command does.
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils import parse_metadata

from . import plugin

DB_NAME = "quotes"  # the URL path (/quotes/...) and the key in metadata.yml
PROJECT_METADATA = Path(__file__).resolve().parent.parent / "metadata.yml"
TEMPLATES = Path(__file__).resolve().parent / "templates"  # speaker pages
TABLES = {"quotes", "speakers", "articles", "quotes_fts", "speaker_titles", "speaker_aliases"}

# Datasette 0.65 takes settings apart from metadata. Facets on a large index
# need more than the 200 ms default or they silently disappear from the page.
SETTINGS = {
    "sql_time_limit_ms": 3000,
    "max_returned_rows": 1000,
    "facet_time_limit_ms": 1000,
}


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


def make_datasette(db_path, metadata_path=None, settings: dict | None = None) -> Datasette:
    """A Datasette app serving db_path immutably, as /quotes whatever the file is called.

    Immutable (``datasette -i``): Datasette opens the file read-only and may
    cache counts. Rebuild into another file and swap it; writing to a served
    file breaks the running app.
    """
    path = check_database(db_path)
    register_plugin()
    ds = Datasette(
        immutables=[str(path)],
        metadata=load_metadata(metadata_path),
        settings={**SETTINGS, **(settings or {})},
        template_dir=str(TEMPLATES),
    )
    # A stable name keeps URLs and the metadata's `databases: quotes:` valid
    # for db/quotes.db and for any other file name alike.
    (name,) = [n for n in ds.databases if n != "_internal"]
    if name != DB_NAME:
        database = ds.databases[name]
        ds.remove_database(name)
        ds.add_database(database, name=DB_NAME)
    return ds


def register_plugin() -> None:
    """Register the package's plugin (quotes.plugin) with Datasette, once per process."""
    if not pm.is_registered(plugin):
        pm.register(plugin, name="quotes")


def serve(db_path, host: str = "127.0.0.1", port: int = 8001, metadata_path=None) -> None:
    """Serve db_path read-only on http://host:port until interrupted."""
    import asyncio

    import uvicorn

    ds = make_datasette(db_path, metadata_path)
    asyncio.run(ds.invoke_startup())  # plugin startup hooks, as `datasette serve` runs them
    uvicorn.run(ds.app(), host=host, port=port, log_level="info", lifespan="on", workers=1)
