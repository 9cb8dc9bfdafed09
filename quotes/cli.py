"""The `quotes` command: a thin click layer over the library."""

from __future__ import annotations

import json
import os
import sys

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
    """


def _report_error(error) -> None:
    click.echo(f"error: {error}", err=True)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True,
              help="SQLite database to write (created if missing).")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar (default: when stderr is a terminal).")
def ingest(paths, db_path, progress):
    """Read articles from PATHS, attribute their quotes, and store them in the database.

    PATHS are .txt, .html, .jsonl files, folders (read recursively) or - for
    standard input. Ingesting the same article again changes nothing.
    """
    from . import read, store

    errors = []

    def on_error(error):
        errors.append(error)
        _report_error(error)

    if progress is None:
        progress = sys.stderr.isatty()
    articles = read.read_articles(paths, on_error=on_error)
    summary = store.ingest(db_path, articles, progress=progress)
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
def serve(db_path, host, port, metadata_path):
    """Publish the quote index in DB_PATH with Datasette, read-only."""
    from . import publish

    try:
        publish.serve(db_path, host=host, port=port, metadata_path=metadata_path)
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


if __name__ == "__main__":
    cli()
