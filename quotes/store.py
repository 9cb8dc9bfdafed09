"""The SQLite schema and its writes, through sqlite-utils.

Tables: ``articles``, ``quotes`` and the speaker database: ``speakers`` (one
row per speaker across articles, with counts and first and last quoted),
``speaker_titles`` (each title and affiliation a speaker was given, first and
last seen), ``speaker_aliases`` (each way a speaker was written) and
``speaker_curation`` (the log of merges, renames and kind changes people made,
re-applied whenever quotes are written). Plus ``quotes_fts`` (FTS5 over the
quote text) and the ``quotes_view`` browsing view. Every id is derived from
content, so writing the same article twice changes nothing.

``quote_groups`` and ``quote_variants`` group the quotes that are one quote
reported differently (:mod:`quotes.search`); each load brings them up to date,
regrouping only around the quotes it wrote once the index has groups.
``speaker_lookup`` holds the indexed lookup keys of speaker names and aliases.

Bulk loads are fast when secondary indexes, the FTS index, the speaker
aggregates and the variant groups are built once, after the rows are in (see :func:`finalize`);
later incremental ingests keep FTS in sync through the triggers that
:func:`finalize` installs, and refresh only the speakers they touched.

Crash safety (a run killed at any point, even with SIGKILL): every batch of
articles is one transaction, and so is the whole of :func:`finalize`, so the
file is always a consistent SQLite database. The ``ingest_state`` table holds
a row while a run is loading; :func:`finalize` deletes it in its own
transaction. A run that finds the row left by a run that did not finish
rebuilds every derived table (FTS, all speaker aggregates, variant groups)
before it clears the row, and re-reading the same inputs writes nothing twice
(ids derive from content). By default :func:`ingest` goes further and builds
into a copy that replaces the target only once finished (:func:`ingest`,
``swap``), so a served file is never written in place.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import sqlite3
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from . import identity, search
from .identity import Curation
from .model import Article, Quote, content_id

# Columns indexed after a load; quotes.article_id is the exception, created
# with the table because every write deletes an article's old quotes by it.
INDEXES = {
    # (speaker_id, ...), (title, ...), (source, ...): the table page filtered by
    # a facet value (a click on a speaker, a title or an outlet) reads its rows
    # newest first and counts its facets from one index alone, without a sort
    # or a row lookup (benchmarks/README.md). They also serve a lookup by their
    # first column, so that column needs no index of its own.
    "quotes": [["published"], ["sieve"],
               ["speaker_id", "published"], ["speaker_id", "title"], ["speaker_id", "source"],
               ["title", "published"], ["title", "speaker_id"], ["title", "source"],
               ["source", "published"], ["source", "speaker_id"], ["source", "title"]],
    "articles": [["published"], ["source"]],
}
# Value counts of the columns the metadata facets on, over the whole table:
# an unfiltered table page shows them from FACET_COUNTS instead of grouping
# every row per facet (quotes.plugin.CountedFacet). Kept by finalize and
# apply_curation, the only writers of these columns.
FACET_COUNTS = "facet_counts"
COUNTED_FACETS = {"quotes": ["speaker_id", "title", "source", "published"],
                  "quote_groups": ["first_source"]}
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


SPEAKER_COLUMNS = {"id": str, "name": str, "kind": str, "latest_title": str,
                   "quote_count": int, "article_count": int,
                   "first_quoted": str, "last_quoted": str}
# speaker_titles and speaker_aliases: one row per speaker and form, aggregated over quotes.
SEEN_COLUMNS = {"first_seen": str, "last_seen": str, "articles": int, "quotes": int}
STATE_TABLE = "ingest_state"  # one row while an ingest is loading: see mark_running
CURATION_TABLE = "speaker_curation"
LOOKUP_TABLE = "speaker_lookup"  # indexed name and alias keys: see _LOOKUP_SQL
CURATION_COLUMNS = {"id": int, "action": str, "speaker_id": str, "speaker_name": str,
                    "speaker_kind": str, "target_id": str, "name": str, "kind": str,
                    "created": str}


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create the tables and the view if missing; cheap to call repeatedly.

    A database written before the speaker database existed gains its columns
    and tables here; its speakers are then refreshed by :func:`finalize`.
    """
    db["articles"].create(
        {"id": str, "url": str, "title": str, "source": str,
         "published": str, "text": str, "path": str},
        pk="id", if_not_exists=True,
    )
    db["speakers"].create(SPEAKER_COLUMNS, pk="id", if_not_exists=True)
    db["quotes"].create(
        {"id": str, "article_id": str, "speaker_id": str, "text": str,
         "start": int, "end": int, "speaker_start": int, "speaker_end": int,
         "mention": str, "title": str, "affiliation": str, "cue": str, "sieve": str,
         "confidence": float, "published": str, "source": str},
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("speaker_id", "speakers", "id")],
        not_null=["article_id"],
        if_not_exists=True,
    )
    _add_missing_columns(db["speakers"], SPEAKER_COLUMNS)
    _add_missing_columns(db["quotes"], {"affiliation": str})
    for table, form in (("speaker_titles", {"title": str, "affiliation": str}),
                        ("speaker_aliases", {"alias": str})):
        db[table].create({"speaker_id": str, **form, **SEEN_COLUMNS},
                         foreign_keys=[("speaker_id", "speakers", "id")],
                         not_null=["speaker_id"], if_not_exists=True)
        db[table].create_index(["speaker_id"], if_not_exists=True)
    db[CURATION_TABLE].create(CURATION_COLUMNS, pk="id", not_null=["action", "speaker_id"],
                              if_not_exists=True)
    db["quotes"].create_index(["article_id"], if_not_exists=True)
    if not db[LOOKUP_TABLE].exists():
        db[LOOKUP_TABLE].create({"lookup": str, "kind": str, "via": str, "speaker_id": str})
        db[LOOKUP_TABLE].create_index(["lookup"])
        db[LOOKUP_TABLE].create_index(["speaker_id"])
        db.execute("UPDATE speakers SET quote_count = NULL")  # all stale: refresh_speakers fills it
    db.create_view("quotes_view", VIEW_SQL, replace=True)


def _add_missing_columns(table: sqlite_utils.db.Table, columns: dict) -> None:
    existing = table.columns_dict
    for name, kind in columns.items():
        if name not in existing:
            table.add_column(name, kind)


@contextlib.contextmanager
def step(name: str):
    """Time a step of an ingest: with QUOTES_TIMING set in the environment, its
    wall and CPU seconds and this process's RSS go to standard error."""
    if not os.environ.get("QUOTES_TIMING"):
        yield
        return
    wall, cpu = time.monotonic(), time.process_time()
    try:
        yield
    finally:
        rss = ""
        with contextlib.suppress(OSError), open("/proc/self/status") as status:
            rss = next((line.split(None, 1)[1].strip() for line in status if line.startswith("VmRSS")), "")
        print(f"[quotes] {name}: {time.monotonic() - wall:.1f} s, {time.process_time() - cpu:.1f} CPU-s,"
              f" RSS {rss}", file=sys.stderr, flush=True)


def finalize(db: sqlite_utils.Database, helper: bool = False, parallel: bool = False) -> None:
    """Build the indexes, the FTS index, the speaker aggregates and the variant groups after a load.

    One transaction: a run killed while finalizing leaves the derived tables
    as they were, and the ``ingest_state`` row that makes the next run
    finalize again. When that row says an earlier run did not finish
    (``recover``), the FTS index is rebuilt and every speaker recounted.

    Cheap when nothing changed: ``enable_fts(replace=True)`` recreates (and
    repopulates) the index only when it is missing or misconfigured, e.g.
    after ``transform()`` dropped its triggers, and only speakers whose quotes
    changed are refreshed.

    ``helper``: grouping may use a second process (:func:`quotes.search.build_groups`),
    as an ingest with extraction workers does once they are done.

    ``parallel``: the database is a swapping ingest's copy, which nothing else
    opens and a killed run leaves to be deleted, so finalizing need not be one
    transaction. A first build then groups the quotes while a second
    connection, in a thread, builds the indexes, the FTS index and the
    speakers (SQLite works without Python's lock, so the two use both cores),
    in WAL mode for that time (:func:`_finalize_in_parallel`). The rows are
    the same.
    """
    if parallel and not _interrupted(db) and search.fresh_build_reads_only(db):
        _finalize_in_parallel(db, helper)
        return
    with db.atomic():
        recover = _interrupted(db)
        _build_derived(db, recover)
        with step("groups"):
            search.build_groups(db, full=recover, helper=helper)
        with step("facet counts"):
            count_facets(db)
        if db[STATE_TABLE].exists():
            db.execute(f"DELETE FROM [{STATE_TABLE}]")


def _interrupted(db: sqlite_utils.Database) -> bool:
    return db[STATE_TABLE].exists() and bool(db.execute(
        f"SELECT count(*) FROM [{STATE_TABLE}] WHERE recover").fetchone()[0])


def _build_derived(db: sqlite_utils.Database, recover: bool = False) -> None:
    """The indexes, the FTS index and the speaker aggregates after a load;
    ``recover``: after one that did not finish, FTS rebuilt and every speaker recounted."""
    with step("indexes"):
        for table, indexes in INDEXES.items():
            for columns in indexes:
                db[table].create_index(columns, if_not_exists=True)
    if recover:
        db.execute("UPDATE speakers SET quote_count = NULL")
        if db["quotes"].detect_fts():
            db["quotes"].rebuild_fts()
    with step("fts"):
        db["quotes"].enable_fts(FTS_COLUMNS, create_triggers=True, replace=True)
    with step("speakers"):
        refresh_speakers(db)


def _finalize_in_parallel(db: sqlite_utils.Database, helper: bool) -> None:
    """:func:`finalize` of a first build into a copy: the grouping (reading only,
    its results in temporary tables) on this connection while a thread builds
    the indexes, FTS and speakers on another, then the groups and the facet
    counts. WAL mode lets the one read while the other writes; the database
    is back in its rollback journal mode when this returns."""
    import threading

    path = db.execute("PRAGMA database_list").fetchone()[2]
    journal = db.execute("PRAGMA journal_mode").fetchone()[0]
    db.execute("PRAGMA journal_mode = WAL")
    failed: list[BaseException] = []

    def derived() -> None:
        other = sqlite_utils.Database(path)
        try:
            other.execute("PRAGMA synchronous = OFF")  # a copy: fsynced once finished
            with other.atomic():
                _build_derived(other)
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
            failed.append(exc)
        finally:
            other.close()

    thread = threading.Thread(target=derived, name="quotes-finalize", daemon=True)

    def start() -> None:  # once the grouping helper is forked: never fork beside a running thread
        if thread.ident is None:
            thread.start()

    try:
        # One transaction, which writes temporary tables only: its snapshot of the
        # quotes is the loaded one; once it ends, this connection sees the thread's tables.
        with db.atomic():
            search.group_fresh(db.conn, helper, forked=start)
    finally:
        start()  # so that the join below always has a thread to wait for
        with step("waited for the indexes"):
            thread.join()
    if failed:
        raise failed[0]
    with db.atomic():
        with step("groups: written"):
            search.write_fresh_groups(db)
        with step("facet counts"):
            count_facets(db)
        if db[STATE_TABLE].exists():
            db.execute(f"DELETE FROM [{STATE_TABLE}]")
    with step("checkpoint"):
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute(f"PRAGMA journal_mode = {journal}")


def count_facets(db: sqlite_utils.Database) -> None:
    """Rebuild FACET_COUNTS: per counted column, each value not null and its rows
    (and a row with ``value`` NULL: the column was counted), and per table its
    row count (``column`` '', ``value`` NULL), by which a reader checks that the
    counts are those of the rows it sees. About a second per
    million quotes, from the indexes; an incremental ingest rebuilds them too.
    """
    with db.atomic():
        db.execute(f"DROP TABLE IF EXISTS [{FACET_COUNTS}]")
        # value has no declared type: each keeps its own (a count of 2 stays an integer).
        db.execute(f"CREATE TABLE [{FACET_COUNTS}] ([table] TEXT NOT NULL, [column] TEXT NOT NULL,"
                   " value, count INTEGER NOT NULL)")
        for table, columns in COUNTED_FACETS.items():
            if not db[table].exists():
                continue
            db.execute(f"INSERT INTO [{FACET_COUNTS}] SELECT ?, '', NULL, count(*) FROM [{table}]", [table])
            for column in columns:
                db.execute(f"INSERT INTO [{FACET_COUNTS}] SELECT ?, ?, [{column}], count(*) FROM [{table}]"
                           f" WHERE [{column}] IS NOT NULL GROUP BY [{column}]", [table, column])
                # The column's own row (value NULL: the rows with a value) says it was counted.
                db.execute(f"INSERT INTO [{FACET_COUNTS}] SELECT ?, ?, NULL, coalesce(sum(count), 0)"
                           f" FROM [{FACET_COUNTS}] WHERE [table] = ? AND [column] = ?",
                           [table, column, table, column])
        # A facet shows its most frequent values: read in index order, no sort.
        db.execute(f"CREATE INDEX [idx_{FACET_COUNTS}_top] ON [{FACET_COUNTS}]"
                   " ([table], [column], count DESC, value)")


def forget_facet_counts(db: sqlite_utils.Database) -> None:
    """Drop FACET_COUNTS, in the transaction that changes the quotes: until
    :func:`count_facets` runs again, pages count their facets from the rows,
    so a run killed in between never leaves counts that are no longer true."""
    db.execute(f"DROP TABLE IF EXISTS [{FACET_COUNTS}]")


def mark_running(db: sqlite_utils.Database) -> bool:
    """Record that an ingest is loading; return True when an earlier one did not finish.

    The row is committed before the first batch and deleted by
    :func:`finalize`. A row already there means a run was killed (or failed)
    before finalizing: its ``recover`` flag is set, and stays set until a
    finalize completes, so the derived tables are rebuilt even if this run
    is killed too.
    """
    with db.atomic():
        db[STATE_TABLE].create({"id": int, "started": str, "pid": int, "recover": int},
                               pk="id", if_not_exists=True)
        interrupted = bool(db.execute(f"SELECT count(*) FROM [{STATE_TABLE}]").fetchone()[0])
        db[STATE_TABLE].upsert({"id": 1, "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
                                "pid": os.getpid(), "recover": int(interrupted)}, pk="id")
        if interrupted:
            db.execute(f"UPDATE [{STATE_TABLE}] SET recover = 1")
    return interrupted


def load_curation(db: sqlite_utils.Database) -> Curation:
    """The decisions recorded in the curation log, replayed in order."""
    if not db[CURATION_TABLE].exists():
        return Curation()
    return Curation.replay(db.query(f"SELECT * FROM [{CURATION_TABLE}] ORDER BY id"))


ARTICLE_COLUMNS = ("id", "url", "title", "source", "published", "text", "path")
QUOTE_COLUMNS = ("id", "article_id", "speaker_id", "text", "start", "end", "speaker_start",
                 "speaker_end", "mention", "title", "affiliation", "cue", "sieve", "confidence",
                 "published", "source")
# Prepared statements on the raw connection: sqlite-utils' insert_all / upsert_all
# build the SQL and convert every row, a third of the writer's time before finalizing.
_UPSERT_ARTICLES = (f"INSERT INTO articles ({', '.join(f'[{c}]' for c in ARTICLE_COLUMNS)})"
                    f" VALUES ({', '.join('?' * len(ARTICLE_COLUMNS))}) ON CONFLICT(id) DO UPDATE SET "
                    + ", ".join(f"[{c}] = excluded.[{c}]" for c in ARTICLE_COLUMNS[1:]))
_INSERT_SPEAKERS = "INSERT OR IGNORE INTO speakers (id, name, kind) VALUES (?, ?, ?)"
_REPLACE_QUOTES = (f"INSERT OR REPLACE INTO quotes ({', '.join(f'[{c}]' for c in QUOTE_COLUMNS)})"
                   f" VALUES ({', '.join('?' * len(QUOTE_COLUMNS))})")


def write_batch(db: sqlite_utils.Database, batch: list[tuple[Article, list[Quote]]],
                keys: dict[str, tuple[int, int, bytes]] | None = None,
                schema: bool = True,
                article_keys: dict[str, list[tuple[int, int, bytes]]] | None = None) -> None:
    """Write articles with their quotes and speakers in one transaction.

    ``keys`` maps quote ids to their grouping keys (:func:`quotes.search.key_row`)
    when the ingest workers computed them; quotes without are keyed when the
    groups are built. ``article_keys`` gives them instead per article id, in the
    order of its quotes (as :func:`ingest` has them, without a quote id to hash).
    ``schema=False`` skips :func:`ensure_schema` (ingest checks it once).

    Each quote's speaker is identified across articles (:mod:`quotes.identity`)
    and then through the curation log, so merges, renames and kind changes
    hold for new and re-ingested articles alike. An article written again
    replaces its old quotes. The speakers touched are marked for
    :func:`refresh_speakers`, which :func:`finalize` runs.
    """
    if not batch:
        return
    _write_prepared(db, [(article, prepare_quotes(article, quotes)) for article, quotes in batch],
                    keys, schema, article_keys)


def prepare_quotes(article: Article, quotes: list[Quote]) -> list[tuple]:
    """What :func:`write_batch` needs of an article's quotes before the curation
    log: per quote its id, its speaker's identity across articles (id, name and
    kind, or None) and the columns of its row. Ingest workers compute this
    beside the quotes, so the writer only resolves curation and writes."""
    aid, rows = article.id, []
    for quote, who in zip(quotes, identity.within_article(quotes)):
        title, affiliation = quote.title, quote.affiliation
        if who is not None and not title:  # a title the attributor left inside the name
            title, affiliation = who.title, affiliation or who.affiliation
        rows.append((quote_id(aid, quote.start, quote.end),
                     *((who.id, who.name, who.kind) if who is not None else (None, None, None)),
                     quote.text, quote.start, quote.end, quote.speaker_start, quote.speaker_end,
                     quote.mention, title, affiliation, quote.cue, quote.sieve, quote.confidence))
    return rows


def _write_prepared(db: sqlite_utils.Database, batch: list[tuple[Article, list[tuple]]],
                    keys: dict[str, tuple[int, int, bytes]] | None = None, schema: bool = True,
                    article_keys: dict[str, list[tuple[int, int, bytes]]] | None = None) -> None:
    """:func:`write_batch` of articles with their :func:`prepare_quotes` rows."""
    if not batch:
        return
    if schema:  # ingest checks it once, not per batch
        ensure_schema(db)
    curation = load_curation(db)
    resolve, names, kinds = curation.resolve, curation.names, curation.kinds
    latest = {article.id: (article, rows) for article, rows in batch}  # last copy wins
    if article_keys:
        keys = dict(keys or {})
    articles, speakers, quote_rows = [], {}, {}
    for article in (pair[0] for pair in latest.values()):
        articles.append((article.id, article.url, article.title, article.source,
                         article.published, article.text, article.path))
    for article, rows in latest.values():
        aid, published, source = article.id, article.published, article.source
        found_keys = article_keys.get(aid) if article_keys else None
        for n, (qid, who, name, kind, *columns) in enumerate(rows):
            sid = None
            if who is not None:
                sid = resolve(who)
                if sid not in speakers:
                    speakers[sid] = (sid, names.get(sid, name), kinds.get(sid, kind))
            if found_keys is not None:
                keys[qid] = found_keys[n]
            # published and source copied from the article so facets and sorting need no join
            quote_rows[qid] = (qid, aid, sid, *columns, published, source)

    with db.atomic():
        forget_facet_counts(db)  # finalize counts again
        ids = list(latest)
        marks = ", ".join("?" * len(ids))
        # Only articles already stored can have old quotes: a fresh load skips the delete.
        stored = [r[0] for r in db.execute(f"SELECT id FROM articles WHERE id IN ({marks})", ids)]
        old_speakers: set[str] = set()
        old_quotes: list[str] = []
        if stored:
            marks_s = ", ".join("?" * len(stored))
            old = db.execute(f"SELECT id, speaker_id FROM quotes WHERE article_id IN ({marks_s})",
                             stored).fetchall()
            old_quotes = [quote for quote, _ in old]
            old_speakers = {speaker for _, speaker in old if speaker is not None}
            if db[search.KEYS].exists():
                db.execute(f"DELETE FROM [{search.KEYS}] WHERE quote_rowid IN"
                           f" (SELECT rowid FROM quotes WHERE article_id IN ({marks_s}))", stored)
            db.execute(f"DELETE FROM quotes WHERE article_id IN ({marks_s})", stored)
        conn = db.conn
        conn.executemany(_UPSERT_ARTICLES, articles)
        # The first spelling seen names a speaker, unless people decided otherwise.
        conn.executemany(_INSERT_SPEAKERS, speakers.values())
        curated = [curation.overrides(sid) for sid in speakers if curation.curated(sid)]
        if curated:
            db["speakers"].upsert_all(curated, pk="id")
        conn.executemany(_REPLACE_QUOTES, quote_rows.values())
        if keys:
            search.ensure_keys_table(db.conn)
            written = db.execute(f"SELECT rowid, id FROM quotes WHERE article_id IN ({marks})", ids)
            search.store_keys(db.conn, [(rowid, keys[qid]) for rowid, qid in written if qid in keys])
        mark_stale(db, old_speakers | set(speakers))
        search.mark_pending(db, old_quotes + list(quote_rows))  # to regroup


def mark_stale(db: sqlite_utils.Database, speaker_ids: Iterable[str]) -> None:
    """Mark speakers for :func:`refresh_speakers`: a NULL quote_count means stale.

    New speaker rows start stale; the mark lives in the file, so a refresh
    after reopening the database still finds them.
    """
    ids = list(speaker_ids)
    for start in range(0, len(ids), 500):  # under SQLite's limit on parameters
        chunk = ids[start:start + 500]
        db.execute(f"UPDATE speakers SET quote_count = NULL WHERE quote_count IS NOT NULL"
                   f" AND id IN ({', '.join('?' * len(chunk))})", chunk)


# Per stale speaker and form (a title with its affiliation, or an alias): first
# and last publication date, articles and quotes. {forms} computes the form's
# {columns} from a quote; quotes for which {present} is false have no form.
_SEEN_SQL = """INSERT INTO [{table}] (speaker_id, {columns}, first_seen, last_seen, articles, quotes)
SELECT speaker_id, {columns}, min(published), max(published), count(DISTINCT article_id), count(*)
FROM (SELECT speaker_id, {forms}, published, article_id FROM quotes
      WHERE speaker_id IN (SELECT id FROM temp.stale_speakers))
WHERE {present}
GROUP BY speaker_id, {columns}"""


# How canned queries find a speaker by a name as typed without calling a Python
# function on every speaker: the lookup key (search.speaker_key) of each
# speaker's name and of each of its aliases, indexed.
_LOOKUP_SQL = f"""INSERT INTO [{LOOKUP_TABLE}] (lookup, kind, via, speaker_id)
SELECT speaker_key(name, kind), kind, 'name', id FROM speakers
WHERE id IN (SELECT id FROM temp.stale_speakers)
UNION
SELECT speaker_key(speaker_aliases.alias, speakers.kind), speakers.kind, 'alias', speakers.id
FROM speaker_aliases JOIN speakers ON speakers.id = speaker_aliases.speaker_id
WHERE speakers.id IN (SELECT id FROM temp.stale_speakers)"""


def refresh_speakers(db: sqlite_utils.Database) -> int:
    """Recount the stale speakers from their quotes; return how many were refreshed.

    Removes speakers left without quotes, rebuilds their titles and aliases,
    and sets quote and article counts, first and last quoted and the latest
    title. A fresh load marks every speaker stale, so this runs once over all
    quotes; an incremental ingest touches only the speakers it wrote.
    """
    db.register_function(identity.alias, name="speaker_alias", deterministic=True)
    db.register_function(search.speaker_key, name="speaker_key", deterministic=True)
    with db.atomic():
        db.execute("CREATE TEMP TABLE IF NOT EXISTS stale_speakers (id TEXT PRIMARY KEY)")
        db.execute("DELETE FROM temp.stale_speakers")
        db.execute("INSERT INTO temp.stale_speakers SELECT id FROM speakers WHERE quote_count IS NULL")
        stale = db.execute("SELECT count(*) FROM temp.stale_speakers").fetchone()[0]
        if not stale:
            return 0
        for table in ("speaker_titles", "speaker_aliases"):
            db.execute(f"DELETE FROM [{table}] WHERE speaker_id IN (SELECT id FROM temp.stale_speakers)")
        db.execute("DELETE FROM speakers WHERE id IN (SELECT id FROM temp.stale_speakers)"
                   " AND NOT EXISTS (SELECT 1 FROM quotes WHERE quotes.speaker_id = speakers.id)")
        db.execute(_SEEN_SQL.format(table="speaker_titles", columns="title, affiliation",
                                    forms="title, affiliation", present="title IS NOT NULL"))
        db.execute(_SEEN_SQL.format(table="speaker_aliases", columns="alias",
                                    forms="speaker_alias(mention) AS alias", present="alias IS NOT NULL"))
        db.execute("""UPDATE speakers SET quote_count = counted.quotes, article_count = counted.articles,
            first_quoted = counted.first, last_quoted = counted.last,
            latest_title = (SELECT title FROM speaker_titles WHERE speaker_id = speakers.id
                            ORDER BY last_seen DESC, quotes DESC, title LIMIT 1)
        FROM (SELECT speaker_id, count(*) AS quotes, count(DISTINCT article_id) AS articles,
                     min(published) AS first, max(published) AS last
              FROM quotes WHERE speaker_id IN (SELECT id FROM temp.stale_speakers)
              GROUP BY speaker_id) AS counted
        WHERE speakers.id = counted.speaker_id""")
        db.execute(f"DELETE FROM [{LOOKUP_TABLE}] WHERE speaker_id IN (SELECT id FROM temp.stale_speakers)")
        db.execute(_LOOKUP_SQL)
        db.execute("DELETE FROM temp.stale_speakers")
    return stale


def apply_curation(db: sqlite_utils.Database) -> None:
    """Re-apply the whole curation log to the quotes already stored.

    Quotes of a speaker merged away move to the speaker it was merged into;
    curated names and kinds replace what the articles said. The speakers
    whose quotes moved are then refreshed.
    """
    ensure_schema(db)
    curation = load_curation(db)
    with db.atomic():
        moved, renamed = set(), set()
        for row in list(db["speakers"].rows_where(select="id, name, kind")):
            sid, target = row["id"], curation.resolve(row["id"])
            name = curation.names.get(target, row["name"])
            kind = curation.kinds.get(target, row["kind"])
            if target != sid:
                forget_facet_counts(db)  # until count_facets, below, counts the moved quotes
                db["speakers"].insert({"id": target, "name": name, "kind": kind}, pk="id", ignore=True)
                db.execute("UPDATE quotes SET speaker_id = ? WHERE speaker_id = ?", [target, sid])
                moved |= {sid, target}
            elif (name, kind) != (row["name"], row["kind"]):
                db["speakers"].update(sid, {"name": name, "kind": kind})
                renamed.add(sid)  # its lookup keys change
        mark_stale(db, moved | renamed)
        refresh_speakers(db)
        if moved:  # variants group by speaker
            for start in range(0, len(moved_ids := sorted(moved)), 500):
                chunk = moved_ids[start:start + 500]
                search.mark_pending(db, [r[0] for r in db.execute(
                    f"SELECT id FROM quotes WHERE speaker_id IN ({', '.join('?' * len(chunk))})", chunk)])
    if moved:
        search.build_groups(db)
        count_facets(db)


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Rows per table, zero for a table not yet created."""
    return {t: (db[t].count if db[t].exists() else 0) for t in ("articles", "quotes", "speakers")}


class IngestBusy(Exception):
    """Another ``quotes ingest`` is writing the same database."""


def ingest(db_path, articles: Iterable[Article], progress: bool = False,
           batch_size: int = 500, swap: bool = True, workers: int | None = None) -> IngestSummary:
    """Attribute the quotes of each article and store everything in db_path.

    ``workers`` processes attribute the quotes (default: one per core the
    process may use, :func:`default_workers`); this process reads the
    articles and is the only writer, taking results in input order. With
    ``workers=1`` everything happens in this process. Articles in flight are
    bounded, so memory stays flat whatever the input size.

    With ``swap`` (the default) the run builds into a copy of db_path in the
    same folder (``NAME-ingest-PID.tmp``) and, once finalized, renames
    it over db_path with :func:`os.replace`: a reader, such as ``quotes
    serve`` with its immutable database, sees the old file or the new one,
    never one being written, and a killed run leaves db_path untouched (its
    copy is removed by the next run). One ingest at a time per database: a
    second one raises :class:`IngestBusy`.

    Without ``swap`` the run writes db_path in place: each batch is committed
    on its own, so an interrupted run keeps what it wrote, and the next run
    rebuilds what the interrupted one left unfinished (see :func:`finalize`).
    Running again is safe either way: every write is an upsert.
    """
    path = Path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not swap:
        return _ingest_into(path, articles, progress, batch_size, workers)
    with write_lock(path):
        for leftover in path.parent.glob(f"{glob.escape(path.name)}-ingest-*"):
            leftover.unlink(missing_ok=True)  # a killed run's copy and its journal
        work = path.with_name(f"{path.name}-ingest-{os.getpid()}.tmp")
        try:
            if path.exists():
                copy_database(path, work)
                os.chmod(work, path.stat().st_mode & 0o7777)
            summary = _ingest_into(work, articles, progress, batch_size, workers, scratch=True)
            _fsync(work)
            os.replace(work, path)
            _fsync(path.parent)
        finally:
            for name in (work, *(Path(f"{work}-{end}") for end in ("journal", "wal", "shm"))):
                name.unlink(missing_ok=True)
        return summary


def copy_database(source: Path, target: Path) -> None:
    """Copy an SQLite database with the backup API (a hot journal left by a
    killed in-place run is rolled back first, not copied as half a write)."""
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


@contextlib.contextmanager
def write_lock(path: Path):
    """An exclusive lock on ``NAME-ingest.lock`` beside the database, released when the
    process ends however it ends. Ingest holds it, and so does a speaker change
    (quotes.curation): a change written while an ingest builds its copy would
    be lost when the copy replaces the database."""
    import fcntl

    lock = open(path.with_name(f"{path.name}-ingest.lock"), "a+")
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestBusy(f"{path}: another `quotes ingest` or speaker change is writing this database;"
                             " try again when it has finished") from None
        yield
    finally:
        lock.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def default_workers() -> int:
    """One extraction process per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


CHUNK = 16  # articles per task sent to a worker
AHEAD = 24  # tasks in flight per worker: more than a batch of articles, so none waits while one is written


_worker_init = search.die_with_parent  # in each worker: die with the writer


def _extract_chunk(articles: list[Article]) -> list[tuple[list[Quote], list[tuple]]]:
    """Each article's quotes, and their grouping keys (computed here, off the writer)."""
    from .attribute import extract_article

    done = []
    for article in articles:
        quotes = extract_article(article)
        done.append((quotes, [search.key_row(quote.text) for quote in quotes]))
    return done


def _prepare_chunk(articles: list[Article]) -> list[tuple[list[tuple], list[tuple]]]:
    """Each article's :func:`prepare_quotes` rows and grouping keys: all the
    writer needs, as plain tuples (cheaper to send back than Quote objects)."""
    return [(prepare_quotes(article, quotes), keys)
            for article, (quotes, keys) in zip(articles, _extract_chunk(articles))]


def extracted(articles: Iterable[Article], workers: int | None = None, prepared: bool = False):
    """(article, its quotes, their grouping keys) for each article, in input order,
    found by `workers` processes (forked when this is first iterated; 1: this
    process, which leaves the keys to :func:`quotes.search.build_groups`: None).
    With ``prepared`` the quotes are given as :func:`prepare_quotes` rows.

    At most ``workers * AHEAD`` chunks of CHUNK articles are in flight, so a
    huge input is never read ahead. The workers are stopped when the
    generator is closed, and die with this process.
    """
    import importlib
    from collections import deque

    attribute = importlib.import_module(".attribute", __package__)
    workers = default_workers() if workers is None else workers
    source = iter(articles)
    first = list(itertools.islice(source, CHUNK))
    if workers <= 1 or len(first) < CHUNK:  # a handful of articles: no processes to start
        for article in itertools.chain(first, source):
            quotes = attribute.extract_article(article)
            yield article, prepare_quotes(article, quotes) if prepared else quotes, None
        return
    task = _prepare_chunk if prepared else _extract_chunk
    import multiprocessing

    if hasattr(attribute, "extract"):  # word lists and patterns loaded once, shared by the forks
        attribute.extract('"Warm," said Ana Ruiz.')
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_worker_init)
    try:
        pending: deque = deque([(first, pool.apply_async(task, (first,)))])
        while True:
            while len(pending) < workers * AHEAD:
                chunk = list(itertools.islice(source, CHUNK))
                if not chunk:
                    break
                pending.append((chunk, pool.apply_async(task, (chunk,))))
            if not pending:
                break
            chunk, result = pending.popleft()
            for article, (quotes, keys) in zip(chunk, result.get()):
                yield article, quotes, keys
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _ingest_into(path: Path, articles: Iterable[Article], progress: bool,
                 batch_size: int, workers: int | None = None, scratch: bool = False) -> IngestSummary:
    """Ingest into path. ``scratch``: path is the copy a swapping ingest builds, which
    a killed run leaves for the next run to delete and a finished one fsyncs before
    renaming it: its transactions need no durability (no fsync per commit, the
    rollback journal in memory), only atomicity within this process."""
    found = extracted(articles, workers, prepared=True)
    # Workers fork on the first article, before this process opens the database.
    first = next(found, None)
    results = found
    db = sqlite_utils.Database(path)
    try:
        db.execute("PRAGMA foreign_keys = ON")  # a quote never points at nothing
        if scratch:
            db.execute("PRAGMA journal_mode = MEMORY")
            db.execute("PRAGMA synchronous = OFF")
        ensure_schema(db)
        mark_running(db)
        read = 0
        batch: list[tuple[Article, list[tuple]]] = []  # prepare_quotes rows
        keys: dict[str, list[tuple]] = {}  # per article id, in the order of its quotes
        if first is not None:
            results = itertools.chain([first], results)
        if progress:
            from tqdm import tqdm
            results = tqdm(results, unit="articles", file=sys.stderr)
        for article, rows, found_keys in results:
            batch.append((article, rows))
            if found_keys is not None:
                keys[article.id] = found_keys  # the last copy of an article wins, as in write_batch
            read += 1
            if len(batch) >= batch_size:
                _write_prepared(db, batch, schema=False, article_keys=keys)
                batch, keys = [], {}
        _write_prepared(db, batch, schema=False, article_keys=keys)
        if os.environ.get("QUOTES_TIMING"):
            print(f"[quotes] loaded {read:,} articles", file=sys.stderr, flush=True)
        helper = (default_workers() if workers is None else workers) > 1
        finalize(db, helper=helper, parallel=scratch and helper)
        n = counts(db)
        return IngestSummary(articles=n["articles"], quotes=n["quotes"],
                             speakers=n["speakers"], read=read)
    finally:
        found.close()
        db.close()
