"""Crash safety and serving while ingesting, with a real `quotes ingest` subprocess.

A corpus of a few thousand invented articles (tests/crash_corpus.py) is
ingested by ``python -m quotes.cli ingest``, which is killed with SIGKILL at
several points: as soon as the database file appears, in the middle of the
load, and while finalizing. After every kill the database must pass
``PRAGMA integrity_check`` and hold together (foreign keys, an FTS index that
matches its table); running the same command again must give exactly what one
clean run gives: the same articles and quotes, no duplicate, the FTS index,
speakers with the right counts, titles and aliases, the variant groups.

Both modes are tested: ``--in-place`` (batches committed as they go, the
``ingest_state`` row making the next run rebuild what a killed run left) and
``--swap``, the default (the target is untouched until a finished copy
replaces it). The last test reads the served path with fresh immutable
connections and a Datasette app the whole time a swap ingest runs.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from quotes import publish

sys.path.insert(0, str(Path(__file__).resolve().parent))
import crash_corpus  # noqa: E402

SIZE = 2000  # articles: four batches of 500, about 3 s a run on this machine
DEADLINE = 120  # seconds any one run may take


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return crash_corpus.write(tmp_path_factory.mktemp("corpus"), SIZE)


@pytest.fixture(scope="module")
def half_corpus(tmp_path_factory):
    """The first half of the same articles, for an index that already exists."""
    folder = tmp_path_factory.mktemp("half")
    records = crash_corpus.articles(SIZE)[: SIZE // 2]
    (folder / "half.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return folder


def command(corpus, db, *flags):
    return [sys.executable, "-m", "quotes.cli", "ingest", str(corpus), "--db", str(db),
            "--no-progress", *flags]


def run(corpus, db, *flags):
    done = subprocess.run(command(corpus, db, *flags), capture_output=True, text=True,
                          timeout=DEADLINE)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    """What one clean, uninterrupted run gives."""
    db = tmp_path_factory.mktemp("clean") / "quotes.db"
    run(corpus, db, "--in-place")
    return state(db)


# ---------------------------------------------------------------------------
# Looking at a database


def connect(path, immutable=False):
    uri = f"{Path(path).resolve().as_uri()}?{'immutable=1' if immutable else 'mode=ro'}"
    return sqlite3.connect(uri, uri=True, timeout=0.05)


def articles_written(path) -> int | None:
    """Articles committed so far, or None while the file is missing or locked."""
    try:
        conn = connect(path)
        try:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def check_consistent(path) -> None:
    """What must hold after any kill: a sound file whose tables agree."""
    conn = sqlite3.connect(path)  # read-write: rolls back a hot journal, as any next opener would
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "quotes" not in tables:
            return
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        if "quotes_fts" in tables:
            # An external-content FTS5 index checked against its table.
            conn.execute("INSERT INTO quotes_fts(quotes_fts) VALUES('integrity-check')")
        orphans = conn.execute("SELECT count(*) FROM quotes WHERE article_id NOT IN"
                               " (SELECT id FROM articles)").fetchone()[0]
        assert orphans == 0
    finally:
        conn.rollback()
        conn.close()


def state(path) -> dict:
    """Everything a finished ingest is judged on, comparable between two files."""
    check_consistent(path)
    conn = connect(path)
    try:
        def rows(sql):
            return sorted(conn.execute(sql).fetchall(), key=repr)

        quote_ids = [r[0] for r in conn.execute("SELECT id FROM quotes")]
        assert len(quote_ids) == len(set(quote_ids)), "duplicate quote ids"
        return {
            "articles": rows("SELECT id, url, title, source, published, text FROM articles"),
            "quotes": rows("SELECT id, article_id, speaker_id, text, start, end, mention, title,"
                           " cue, sieve FROM quotes"),
            "fts": rows("SELECT quotes.id FROM quotes_fts JOIN quotes ON quotes.rowid = quotes_fts.rowid"
                        " WHERE quotes_fts MATCH 'bridge OR fees'"),
            "fts_count": conn.execute("SELECT count(*) FROM quotes_fts").fetchone()[0],
            "speakers": rows("SELECT * FROM speakers"),
            "titles": rows("SELECT * FROM speaker_titles"),
            "aliases": rows("SELECT * FROM speaker_aliases"),
            "groups": rows("SELECT id, text, speaker_id, occurrences, first_quote_id FROM quote_groups"),
            "variants": rows("SELECT quote_id, group_id FROM quote_variants"),
            "indexes": rows("SELECT name FROM sqlite_master WHERE type = 'index'"),
            "unfinished": rows("SELECT * FROM ingest_state"),
        }
    finally:
        conn.close()


def assert_same(got: dict, want: dict) -> None:
    for key in want:
        assert got[key] == want[key], key


# ---------------------------------------------------------------------------
# Killing a run


def work_file(db: Path) -> Path:
    """The file the run is writing: the swap copy when there is one."""
    copies = sorted(db.parent.glob(f"{db.name}-ingest-*.tmp"))
    return copies[0] if copies else db


def kill_at(corpus, db, point: str, *flags) -> bool:
    """Start an ingest and SIGKILL it at point; return False if it finished first.

    early: as soon as the file it writes exists (schema being created);
    load: after the first batch is committed, inside a later one;
    finalize: once every article is committed, while finalizing.
    """
    swap = "--in-place" not in flags
    before = (articles_written(db) or 0) if db.exists() else 0
    proc = subprocess.Popen(command(corpus, db, *flags), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    start = time.monotonic()
    try:
        while proc.poll() is None and time.monotonic() - start < DEADLINE:
            target = work_file(db)
            if point == "early" and (target != db if swap else db.exists()):
                break
            n = articles_written(target) if target.exists() else None
            if point == "load" and n is not None and n >= before + 500:
                time.sleep(0.15)  # into the next batch
                break
            if point == "finalize" and n == SIZE and unfinished(target):
                time.sleep(0.1)
                break
            time.sleep(0.005)
        alive = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        return alive
    finally:
        if proc.poll() is None:
            proc.kill()


def unfinished(path: Path) -> bool:
    try:
        conn = connect(path)
        try:
            return bool(conn.execute("SELECT count(*) FROM ingest_state").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def kill_series(corpus, db, flags, points=("early", "load", "finalize")):
    """Kill a run at each point in turn, checking the database after each kill."""
    killed = []
    for point in points:
        if kill_at(corpus, db, point, *flags):
            killed.append(point)
        if db.exists():
            check_consistent(db)
    return killed


# ---------------------------------------------------------------------------
# Tests


def test_killed_in_place_runs_leave_a_sound_database_and_a_rerun_completes(corpus, reference, tmp_path):
    db = tmp_path / "quotes.db"
    killed = kill_series(corpus, db, ("--in-place",))
    assert killed == ["early", "load", "finalize"]
    # Killed while finalizing: the rows are in, the derived tables are not done.
    assert unfinished(db)
    assert articles_written(db) == SIZE
    run(corpus, db, "--in-place")
    assert_same(state(db), reference)
    assert reference["unfinished"] == [] and reference["fts_count"] == 2 * SIZE


def test_killed_incremental_in_place_run_over_a_finished_index(corpus, half_corpus, reference, tmp_path):
    """With FTS triggers and speaker aggregates already there, a kill mid-load and
    one while finalizing leave them consistent; the rerun catches up."""
    db = tmp_path / "quotes.db"
    run(half_corpus, db, "--in-place")
    killed = kill_series(corpus, db, ("--in-place",), points=("load", "finalize"))
    assert killed == ["load", "finalize"]
    run(corpus, db, "--in-place")
    assert_same(state(db), reference)


def test_killed_swap_runs_never_touch_the_database(corpus, half_corpus, reference, tmp_path):
    db = tmp_path / "quotes.db"
    run(half_corpus, db)
    before = state(db)
    mtime = db.stat().st_mtime_ns
    killed = kill_series(corpus, db, ())
    assert killed == ["early", "load", "finalize"]
    assert db.stat().st_mtime_ns == mtime and state(db) == before
    assert work_file(db) != db  # the killed run's copy is still there...
    run(corpus, db)
    assert_same(state(db), reference)
    # ... and is gone after the next run: only the database and its lock file remain.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quotes.db", "quotes.db-ingest.lock"]


def test_killed_first_swap_run_leaves_no_database(corpus, reference, tmp_path):
    db = tmp_path / "quotes.db"
    assert kill_series(corpus, db, (), points=("load",)) == ["load"]
    assert not db.exists()
    run(corpus, db)
    assert_same(state(db), reference)


def test_a_second_ingest_into_the_same_database_is_refused(corpus, tmp_path):
    db = tmp_path / "quotes.db"
    first = subprocess.Popen(command(corpus, db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        start = time.monotonic()
        while not (tmp_path / "quotes.db-ingest.lock").exists() and time.monotonic() - start < 30:
            time.sleep(0.01)
        time.sleep(0.2)
        second = subprocess.run(command(corpus, db), capture_output=True, text=True, timeout=DEADLINE)
        assert first.poll() is None, "the first run ended before the second started"
        assert second.returncode == 1
        assert "another `quotes ingest` or speaker change is writing" in second.stderr
    finally:
        first.kill()
        first.wait()


def test_an_unfinished_run_makes_the_next_finalize_rebuild_everything(tmp_path):
    """The ingest_state row of a run that did not finish: the next finalize
    rebuilds the FTS index and recounts every speaker, even ones not marked
    stale, then clears the row."""
    import sqlite_utils

    from quotes import store
    from quotes.model import Article, Quote

    db = sqlite_utils.Database(tmp_path / "q.db")
    text = '"The dam will hold," said Oda Lunde.'
    article = Article(text=text, url="https://news.example/dam")
    quote = Quote(start=0, end=20, text=text[:20], speaker="Oda Lunde", speaker_kind="person",
                  cue="said", sieve="quote_cue_speaker", confidence=0.9)
    store.write_batch(db, [(article, [quote])])
    store.finalize(db)
    assert store.mark_running(db) is False  # nothing unfinished before
    assert store.mark_running(db) is True   # this one was never finalized
    # Damage only a rebuild repairs: an emptied FTS index, a wrong count not marked stale.
    db.execute("INSERT INTO quotes_fts(quotes_fts) VALUES('delete-all')")
    db.execute("UPDATE speakers SET quote_count = 99")
    db.conn.commit()
    assert list(db["quotes"].search("dam")) == []
    store.finalize(db)
    assert [r["text"] for r in db["quotes"].search("dam")] == [text[:20]]
    assert [r["quote_count"] for r in db["speakers"].rows] == [1]
    assert db["ingest_state"].count == 0
    db.close()


HOOKS = Path(__file__).resolve().parent / "crash_hooks.py"


@pytest.mark.parametrize("step, flags, fresh", [
    ("batch", ("--in-place",), False), ("fts", ("--in-place",), True),
    ("speakers", ("--in-place",), False), ("groups", ("--in-place",), False),
    ("rename", (), False), ("renamed", (), False),
])
def test_killed_at_each_narrow_window(step, flags, fresh, corpus, half_corpus, reference, tmp_path):
    """SIGKILL exactly between two steps (tests/crash_hooks.py), over an index that
    already holds half the articles (the FTS index is first built by a fresh
    load): the file stays sound, and the rerun ends where one clean run ends."""
    db = tmp_path / "quotes.db"
    if not fresh:
        run(half_corpus, db, *flags)
        before = state(db)
    killed = subprocess.run([sys.executable, str(HOOKS), step, *command(corpus, db, *flags)[3:]],
                            capture_output=True, timeout=DEADLINE)
    assert killed.returncode == -signal.SIGKILL
    check_consistent(db)
    if step == "rename":
        assert state(db) == before
    elif step == "renamed":
        assert_same(state(db), reference)
    else:
        assert unfinished(db)
    if step in ("speakers", "groups"):
        # Finalizing is one transaction: killed inside it, nothing derived changed.
        after = state(db)
        for key in ("groups", "variants", "titles", "aliases"):
            assert after[key] == before[key], key
    run(corpus, db, *flags)
    assert_same(state(db), reference)
    assert not list(tmp_path.glob("*.tmp*"))


@pytest.mark.asyncio
async def test_readers_never_see_a_broken_database_during_a_swap_ingest(corpus, half_corpus, reference, tmp_path):
    """The served path is read the whole time an ingest runs, by fresh immutable
    connections (what a newly started `quotes serve` opens) and by a Datasette
    app started before the ingest: each sees a complete index, old or new."""
    db = tmp_path / "quotes.db"
    run(half_corpus, db)
    ds = publish.make_datasette(db)
    proc = subprocess.Popen(command(corpus, db), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen, reads = set(), 0
    try:
        start = time.monotonic()
        while time.monotonic() - start < DEADLINE:
            finished = proc.poll() is not None
            conn = connect(db, immutable=True)
            try:
                assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
                articles, quotes = conn.execute(
                    "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM quotes)").fetchone()
                assert quotes == 2 * articles
                assert conn.execute("SELECT count(*) FROM quotes_fts").fetchone()[0] == quotes
                assert conn.execute("SELECT count(*) FROM quote_variants").fetchone()[0] == quotes
                assert conn.execute("SELECT count(*) FROM speakers WHERE quote_count IS NULL"
                                    ).fetchone()[0] == 0
                assert conn.execute("SELECT count(*) FROM quotes_fts WHERE quotes_fts MATCH 'fees'"
                                    ).fetchone()[0] > 0
                seen.add(articles)
            finally:
                conn.close()
            response = await ds.client.get("/quotes/quotes.json",
                                           params={"_search": "fees", "_shape": "objects"})
            assert response.status_code == 200, response.text
            assert response.json()["rows"]
            reads += 1
            if finished:
                break
            time.sleep(0.02)
        assert proc.wait(timeout=DEADLINE) == 0, proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert seen == {SIZE // 2, SIZE}  # the old index while the run lasted, then the new one
    assert reads > 20
    assert_same(state(db), reference)
