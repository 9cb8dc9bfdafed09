"""The `quotes` command: a thin click layer over the library."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

import click

DEFAULT_DB = "db/quotes.db"


@click.group()
@click.version_option(package_name="quotes")
def cli():
    """Find quotes in news articles, attribute them to speakers, publish them.

    \b
    Quick start:
        quotes ingest examples/        # read articles into db/quotes.db
        quotes serve                   # browse them on http://127.0.0.1:8001
        quotes extract article.txt     # print quotes as JSON lines
        quotes search "half a quote"   # who said it, where first
    """


def _report_error(error) -> None:
    click.echo(f"error: {error}", err=True)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True,
              help="SQLite database to write (created if missing).")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar (default: when stderr is a terminal).")
@click.option("--swap/--in-place", default=True, show_default=True,
              help="Build into a copy of the database and rename it over the original when "
                   "finished (safe while `quotes serve` publishes it), or write it in place.")
@click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
              help="Processes attributing quotes, beside the one writing the database; "
                   "1 does everything in one process.  [default: one per core]")
def ingest(paths, db_path, progress, swap, workers):
    """Read articles from PATHS, attribute their quotes, and store them in the database.

    PATHS are .txt, .html, .jsonl files, folders (read recursively) or - for
    standard input. Ingesting the same article again changes nothing.

    By default the database is rebuilt in a copy that replaces it only when
    complete, so it can be ingested into while it is served, and a run
    killed at any point leaves it as it was; run the same command again.
    """
    from . import read, store

    errors = []

    def on_error(error):
        errors.append(error)
        _report_error(error)

    if progress is None:
        progress = sys.stderr.isatty()
    articles = read.read_articles(paths, on_error=on_error)
    try:
        summary = store.ingest(db_path, articles, progress=progress, swap=swap, workers=workers)
    except store.IngestBusy as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"{summary.read} articles read; {db_path} holds {summary.articles} articles, "
        f"{summary.quotes} quotes, {summary.speakers} speakers"
        + (f", {len(errors)} inputs failed" if errors else ""),
        err=True,
    )
    if errors:
        sys.exit(1)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--pretty", is_flag=True, help="Indent the JSON.")
def extract(paths, pretty):
    """Print the attributed quotes of each article in PATHS as one JSON line.

    Each line is {"id": ..., "quotes": [...]}; every quote has start, end,
    text, speaker, speaker_start, speaker_end, title, cue and sieve. Offsets
    index the article text as read (for JSONL, its "text" field).
    """
    from . import read
    from .attribute import extract_article

    errors = []

    def on_error(error):
        errors.append(error)
        _report_error(error)

    for article in read.read_articles(paths, on_error=on_error):
        quotes = extract_article(article)
        record = {"id": article.id, "quotes": [q.to_dict() for q in quotes]}
        click.echo(json.dumps(record, ensure_ascii=False, indent=2 if pretty else None))
    if errors:
        sys.exit(1)


@cli.command()
@click.argument("db_path", default=DEFAULT_DB, required=False)
@click.option("-h", "--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on.")
@click.option("-p", "--port", default=8001, show_default=True, type=int)
@click.option("--metadata", "metadata_path", default=None,
              help="Datasette metadata file (default: the project's metadata.yml).")
@click.option("--no-sql", "no_sql", is_flag=True,
              help="Refuse arbitrary SQL (?sql=, _where=); canned queries, search and facets still work.")
@click.option("--sql-time-limit", "sql_time_limit_ms", type=click.IntRange(min=1), default=None,
              metavar="MS", help="Stop any query after MS milliseconds.  [default: 3000]")
@click.option("--allow-robots", is_flag=True,
              help="Let search engines crawl and index the pages (blocked by default).")
def serve(db_path, host, port, metadata_path, no_sql, sql_time_limit_ms, allow_robots):
    """Publish the quote index in DB_PATH with Datasette, read-only.

    Every query has a time limit and a row cap; robots are asked to stay away
    (robots.txt and an X-Robots-Tag header). For a public server, consider
    --no-sql.
    """
    from . import publish

    settings = {"sql_time_limit_ms": sql_time_limit_ms} if sql_time_limit_ms else None
    try:
        publish.serve(db_path, host=host, port=port, metadata_path=metadata_path,
                      allow_sql=not no_sql, allow_robots=allow_robots, settings=settings)
    except publish.PublishError as error:
        raise click.ClickException(str(error)) from error


@cli.command(name="eval")
@click.argument("gold_path")
@click.option("--split", default=None, help="Only records of this split (train, dev).")
@click.option("--errors", "show_errors", is_flag=True,
              help="List missed quotes and wrong speakers with their context.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--limit", type=click.IntRange(min=0), default=None,
              help="Only the first N articles (after --split).")
@click.option("--by-publisher", is_flag=True, help="Add figures per publisher.")
@click.option("--save-confidence", "confidence_path", default=None, metavar="FILE",
              help="Write each sieve's measured speaker accuracy to FILE, the data "
                   "behind Quote.confidence (run it on the train split).")
def evaluate(gold_path, split, show_errors, as_json, limit, by_publisher, confidence_path):
    """Measure attribution accuracy against a gold JSONL file (see FORMAT.md).

    \b
    Example:
        quotes eval ../shared/eval/polnear-dev.jsonl --errors | less
    """
    from . import evaluate as evaluation

    report = evaluation.evaluate(gold_path, split=split, limit=limit)
    if confidence_path:
        evaluation.save_confidence(report, confidence_path, source=os.path.basename(gold_path))
    if as_json:
        click.echo(json.dumps(report.figures(), indent=2))
    else:
        click.echo(evaluation.format_report(report, by_publisher=by_publisher))
    if show_errors:
        click.echo(evaluation.format_errors(report))


@cli.command(name="search")
@click.argument("text")
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, help="The quote database.")
@click.option("--speaker", default=None, help="Only quotes of this speaker (name, id or a way it was written).")
@click.option("--title", default=None, help="Only quotes given under this title (any case).")
@click.option("--source", default=None, help="Only quotes from this outlet (any case).")
@click.option("--since", default=None, metavar="DATE", help="Only quotes published on or after DATE (ISO).")
@click.option("--until", default=None, metavar="DATE", help="Only quotes published on or before DATE (ISO).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="Print the results as a JSON list.")
def search_command(text, db_path, speaker, title, source, since, until, limit, as_json):
    """Who said TEXT, when, where first, and in what words exactly?

    TEXT may be half a sentence, misremembered: the closest recorded quotes
    come first, each with a score (1: every word is in the quote, in order).
    "A phrase", prefix* and AND, OR, NOT search exactly (SQLite FTS5). Each
    result is one quote however many outlets reported it, with its first
    appearance and every occurrence.

    \b
    Examples:
        quotes search "we won't raise taxes on families"
        quotes search '"many fronts"' --speaker "fuad masum" --since 2015-01-01 --json
    """
    import sqlite_utils

    from . import search

    if not os.path.isfile(db_path):
        raise click.ClickException(f"{db_path}: database not found; run `quotes ingest` first")
    db = sqlite_utils.Database(db_path)
    try:
        results = search.search(db, text, speaker=speaker, title=title, source=source,
                                 since=since, until=until, limit=limit)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
        return
    if not results:
        click.echo("no quote found", err=True)
        sys.exit(1)
    for result in results:
        who = result["speaker"] or "(speaker unknown)"
        if result["title"]:
            who += f", {result['title']}"
        click.echo(f"{result['score']:.3f}  {who}: {result['text']}")
        click.echo(f"       first {result['first_published'] or 'undated'} "
                   f"{result['first_source'] or ''} {result['first_url'] or ''}".rstrip())
        for other in result["occurrences"][1:]:
            click.echo(f"       also  {other['published'] or 'undated'} {other['source'] or ''} "
                       f"{other['url'] or ''}".rstrip())


@cli.group()
def speakers():
    """Look up and curate the speaker database.

    A SPEAKER is an id, a name (titles, case and accents do not matter) or,
    when no name matches, a way the speaker was written. Every change is
    recorded in the speaker_curation table and re-applied whenever quotes
    are written, so it survives ingesting the same articles again. Change a
    copy of a served database, then swap it in. A change is refused while
    `quotes ingest` writes the database.

    \b
    Examples:
        quotes speakers show "Fuad Masum"
        quotes speakers merge "Hillary Rodham Clinton" "Hillary Clinton"
        quotes speakers rename "Fuad Masum" "Fuad Ma'sum"
        quotes speakers kind "Harbour Authority" organisation
    """


def _db_option(command):
    return click.option("--db", "db_path", default=DEFAULT_DB, show_default=True,
                        help="The quote database.")(command)


def _curate(db_path, action, *args):
    """Run a curation function on the database; errors become messages."""
    import sqlite_utils

    from . import curation, store

    if not os.path.isfile(db_path):
        raise click.ClickException(f"{db_path}: database not found; run `quotes ingest` first")
    # A change waits for no ingest: it would be lost when the ingest's copy replaced the database.
    lock = contextlib.nullcontext() if action == "describe" else store.write_lock(Path(db_path))
    try:
        with lock:
            db = sqlite_utils.Database(db_path)
            try:
                db.execute("PRAGMA foreign_keys = ON")
                return getattr(curation, action)(db, *args)
            finally:
                db.close()
    except (curation.CurationError, store.IngestBusy) as error:
        raise click.ClickException(str(error)) from error


def _echo_speaker(row: dict) -> None:
    click.echo(f"{row['name']} ({row['kind']}, {row['quote_count']} quotes, id {row['id']})")


@speakers.command(name="show")
@click.argument("speaker")
@_db_option
def speakers_show(speaker, db_path):
    """Print SPEAKER as JSON: counts, first and last quoted, titles over time, aliases."""
    record = _curate(db_path, "describe", speaker)
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))


@speakers.command(name="merge")
@click.argument("sources", nargs=-1, required=True)
@click.argument("target")
@_db_option
def speakers_merge(sources, target, db_path):
    """Merge the SOURCES speakers into TARGET: their quotes become TARGET's.

    Ingesting later quotes of a source speaker gives them to TARGET too.
    """
    _echo_speaker(_curate(db_path, "merge", list(sources), target))


@speakers.command(name="rename")
@click.argument("speaker")
@click.argument("name")
@_db_option
def speakers_rename(speaker, name, db_path):
    """Give SPEAKER the canonical NAME.

    Articles that use NAME from now on mean this speaker; if another speaker
    already has NAME, SPEAKER is merged into it.
    """
    _echo_speaker(_curate(db_path, "rename", speaker, name))


@speakers.command(name="kind")
@click.argument("speaker")
@click.argument("kind", type=click.Choice(["person", "organisation"]))
@_db_option
def speakers_kind(speaker, kind, db_path):
    """Make SPEAKER a person or an organisation.

    If a speaker of that kind with the same name exists, SPEAKER is merged into it.
    """
    _echo_speaker(_curate(db_path, "set_kind", speaker, kind))


if __name__ == "__main__":
    cli()
