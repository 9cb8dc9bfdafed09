"""The SQLite schema and its writes, through sqlite-utils.

Tables: ``articles``, ``quotes`` and the speaker database: ``speakers`` (one
row per speaker across articles, with counts and first and last quoted),
``speaker_titles`` (each title and affiliation a speaker was given, first and
last seen), ``speaker_aliases`` (each way a speaker was written) and
``speaker_curation`` (the log of merges, renames and kind changes people made,
re-applied whenever quotes are written). Plus ``quotes_fts`` (FTS5 over the
quote text) and the ``quotes_view`` browsing view. Every id is derived from
content, so writing the same article twice changes nothing.

Bulk loads are fast when secondary indexes, the FTS index and the speaker
aggregates are built once, after the rows are in (see :func:`finalize`);
later incremental ingests keep FTS in sync through the triggers that
:func:`finalize` installs, and refresh only the speakers they touched.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from . import identity
from .identity import Curation
from .model import Article, Quote, content_id

# Columns indexed after a load; quotes.article_id is the exception, created
# with the table because every write deletes an article's old quotes by it.
INDEXES = {
    "quotes": [["speaker_id"], ["title"], ["published"], ["source"], ["sieve"]],
    "articles": [["published"], ["source"]],
}
FTS_COLUMNS = ["text"]  # the words a fact-checker pastes; speaker and title are facets

VIEW_SQL = """SELECT
    quotes.id,
    quotes.text,
    speakers.name AS speaker,
    speakers.kind AS speaker_kind,
    quotes.title,
    quotes.affiliation,
    quotes.cue,
    quotes.mention,
    quotes.sieve,
    quotes.confidence,
    quotes.published,
    quotes.source,
    articles.title AS article_title,
    articles.url AS article_url,
    quotes.article_id,
    quotes.speaker_id
FROM quotes
JOIN articles ON articles.id = quotes.article_id
LEFT JOIN speakers ON speakers.id = quotes.speaker_id"""


@dataclass
class IngestSummary:
    """Rows in the database after an ingest, and articles read by this run."""

    articles: int
    quotes: int
    speakers: int
    read: int


normalise_name = identity.normalise
speaker_id = identity.speaker_id  # one id per speaker across articles: see quotes.identity


def quote_id(article_id: str, start: int, end: int) -> str:
    """A quote is its span in its article."""
    return content_id(article_id, str(start), str(end))


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create the tables and the view if missing; cheap to call repeatedly."""
    db["articles"].create(
        {"id": str, "url": str, "title": str, "source": str,
         "published": str, "text": str, "path": str},
        pk="id", if_not_exists=True,
    )
    db["speakers"].create(
        {"id": str, "name": str, "kind": str}, pk="id", if_not_exists=True,
    )
    db["quotes"].create(
        {"id": str, "article_id": str, "speaker_id": str, "text": str,
         "start": int, "end": int, "speaker_start": int, "speaker_end": int,
         "mention": str, "title": str, "cue": str, "sieve": str,
         "confidence": float, "published": str, "source": str},
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("speaker_id", "speakers", "id")],
        not_null=["article_id"],
        if_not_exists=True,
    )
    db["quotes"].create_index(["article_id"], if_not_exists=True)
    db.create_view("quotes_view", VIEW_SQL, replace=True)


def finalize(db: sqlite_utils.Database) -> None:
    """Build the indexes and the FTS index after a load; a no-op when they exist.

    ``enable_fts(replace=True)`` recreates (and repopulates) the index only when
    it is missing or misconfigured, e.g. after ``transform()`` dropped its triggers.
    """
    for table, indexes in INDEXES.items():
        for columns in indexes:
            db[table].create_index(columns, if_not_exists=True)
    db["quotes"].enable_fts(FTS_COLUMNS, create_triggers=True, replace=True)


def _article_row(article: Article) -> dict:
    return {"id": article.id, "url": article.url, "title": article.title,
            "source": article.source, "published": article.published,
            "text": article.text, "path": article.path}


def _quote_row(article: Article, quote: Quote, speaker: str | None) -> dict:
    return {
        "id": quote_id(article.id, quote.start, quote.end),
        "article_id": article.id, "speaker_id": speaker, "text": quote.text,
        "start": quote.start, "end": quote.end,
        "speaker_start": quote.speaker_start, "speaker_end": quote.speaker_end,
        "mention": quote.mention, "title": quote.title, "cue": quote.cue,
        "sieve": quote.sieve, "confidence": quote.confidence,
        # Copied from the article so facets and sorting need no join.
        "published": article.published, "source": article.source,
    }


def write_batch(db: sqlite_utils.Database, batch: list[tuple[Article, list[Quote]]]) -> None:
    """Write articles with their quotes and speakers in one transaction.

    An article written again replaces its old quotes; speakers left without
    any quote by that replacement are removed.
    """
    if not batch:
        return
    ensure_schema(db)
    latest = {article.id: (article, quotes) for article, quotes in batch}  # last copy wins
    articles, speakers, quote_rows = [], {}, {}
    for article, quotes in latest.values():
        articles.append(_article_row(article))
        for quote in quotes:
            sid = None
            if quote.speaker:
                kind = quote.speaker_kind or "person"
                sid = speaker_id(quote.speaker, kind)
                speakers.setdefault(sid, {"id": sid, "name": quote.speaker, "kind": kind})
            row = _quote_row(article, quote, sid)
            quote_rows[row["id"]] = row

    with db.atomic():
        ids = list(latest)
        marks = ", ".join("?" * len(ids))
        # Only articles already stored can have old quotes: a fresh load skips the delete.
        stored = [r[0] for r in db.execute(f"SELECT id FROM articles WHERE id IN ({marks})", ids)]
        old_speakers: set[str] = set()
        if stored:
            marks_s = ", ".join("?" * len(stored))
            old_speakers = {r[0] for r in db.execute(
                f"SELECT DISTINCT speaker_id FROM quotes WHERE article_id IN ({marks_s})"
                " AND speaker_id IS NOT NULL", stored)}
            db.execute(f"DELETE FROM quotes WHERE article_id IN ({marks_s})", stored)
        db["articles"].upsert_all(articles, pk="id")
        # The first spelling seen names a speaker; later spellings keep it stable.
        db["speakers"].insert_all(speakers.values(), pk="id", ignore=True)
        db["quotes"].insert_all(quote_rows.values(), pk="id", replace=True)
        orphans = old_speakers - set(speakers)
        if orphans:
            marks_o = ", ".join("?" * len(orphans))
            db.execute(
                f"DELETE FROM speakers WHERE id IN ({marks_o}) AND NOT EXISTS "
                "(SELECT 1 FROM quotes WHERE quotes.speaker_id = speakers.id)",
                list(orphans),
            )


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Rows per table, zero for a table not yet created."""
    return {t: (db[t].count if db[t].exists() else 0) for t in ("articles", "quotes", "speakers")}


def ingest(db_path, articles: Iterable[Article], progress: bool = False,
           batch_size: int = 500) -> IngestSummary:
    """Attribute the quotes of each article and store everything in db_path.

    Each batch is committed on its own, so an interrupted run keeps what it
    wrote; running again is safe because every write is an upsert.
    """
    from .attribute import extract_article  # imported late: optional at import time

    path = Path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    try:
        db.execute("PRAGMA foreign_keys = ON")  # a quote never points at nothing
        ensure_schema(db)
        read = 0
        batch: list[tuple[Article, list[Quote]]] = []
        if progress:
            from tqdm import tqdm
            articles = tqdm(articles, unit="articles", file=sys.stderr)
        for article in articles:
            batch.append((article, extract_article(article)))
            read += 1
            if len(batch) >= batch_size:
                write_batch(db, batch)
                batch = []
        write_batch(db, batch)
        finalize(db)
        n = counts(db)
        return IngestSummary(articles=n["articles"], quotes=n["quotes"],
                             speakers=n["speakers"], read=read)
    finally:
        db.close()
