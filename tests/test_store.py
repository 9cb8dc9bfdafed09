"""The SQLite schema and writes: tables, keys, indexes, FTS, idempotent ingest, worker processes."""

import json
import sys
import types
from pathlib import Path

import pytest
import sqlite_utils

from quotes import store
from quotes.model import Article, Quote


def make_quote(text, passage, speaker=None, kind="person", mention=None, title=None,
               sieve="trigram", cue="said"):
    """A Quote whose offsets really index `text`, as the attributor's do."""
    start = text.index(passage)
    quote = Quote(start=start, end=start + len(passage), text=passage, speaker=speaker,
                  speaker_kind=kind if speaker else None, title=title, cue=cue,
                  sieve=sieve, confidence=0.9)
    if mention:
        quote.speaker_start = text.index(mention)
        quote.speaker_end = quote.speaker_start + len(mention)
        quote.mention = mention
    return quote


TEXT_A = ('"The bridge will open in spring," the mayor, Ana Ruiz, said. '
          '"Not one day later," she added.')
TEXT_B = ('"We were never consulted," said José Ramos, a fisherman. '
          'The harbour authority said: "The works are lawful."')


def article_a(quotes_text=TEXT_A):
    return Article(text=quotes_text, url="https://news.example/a", title="Bridge to open",
                   source="Example Gazette", published="2024-03-01", path="a.txt")


def article_b():
    return Article(text=TEXT_B, url="https://news.example/b", title="Harbour row",
                   source="Example Post", published="2024-04-02", path="b.txt")


def quotes_a(article):
    return [
        make_quote(article.text, '"The bridge will open in spring,"', "Ana Ruiz",
                   mention="Ana Ruiz", title="mayor"),
        make_quote(article.text, '"Not one day later,"', "Ana Ruiz", mention="she",
                   title="mayor", sieve="pronoun"),
    ]


def quotes_b(article):
    return [
        make_quote(article.text, '"We were never consulted,"', "José Ramos",
                   mention="José Ramos", title="fisherman"),
        make_quote(article.text, '"The works are lawful."', "Harbour Authority",
                   kind="organisation", mention="The harbour authority"),
    ]


@pytest.fixture
def db(tmp_path):
    database = sqlite_utils.Database(tmp_path / "quotes.db")
    a, b = article_a(), article_b()
    store.write_batch(database, [(a, quotes_a(a)), (b, quotes_b(b))])
    store.finalize(database)
    yield database
    database.close()


@pytest.fixture
def fake_attributor(monkeypatch):
    """Stand in for quotes.attribute so ingest() runs without the real attributor."""
    extractors = {"https://news.example/a": quotes_a, "https://news.example/b": quotes_b}
    module = types.ModuleType("quotes.attribute")
    module.extract_article = lambda article: extractors[article.url](article)
    monkeypatch.setitem(sys.modules, "quotes.attribute", module)
    return extractors


def snapshot(database):
    return {t: sorted(tuple(r.values()) for r in database[t].rows)
            for t in ("articles", "speakers", "quotes")}


def test_tables_and_columns(db):
    assert {"articles", "speakers", "quotes"} <= set(db.table_names())
    assert set(db["articles"].columns_dict) == {
        "id", "url", "title", "source", "published", "text", "path"}
    assert set(db["speakers"].columns_dict) == {
        "id", "name", "kind", "latest_title", "quote_count", "article_count",
        "first_quoted", "last_quoted"}
    assert set(db["quotes"].columns_dict) == {
        "id", "article_id", "speaker_id", "text", "start", "end", "speaker_start",
        "speaker_end", "mention", "title", "affiliation", "cue", "sieve", "confidence",
        "published", "source"}
    assert {"speaker_titles", "speaker_aliases", "speaker_curation"} <= set(db.table_names())
    for table in ("articles", "speakers", "quotes"):
        assert db[table].pks == ["id"]


def test_foreign_keys_declared_and_satisfied(db):
    fks = {(fk.column, fk.other_table, fk.other_column) for fk in db["quotes"].foreign_keys}
    assert fks == {("article_id", "articles", "id"), ("speaker_id", "speakers", "id")}
    assert list(db.execute("PRAGMA foreign_key_check").fetchall()) == []


def test_indexes(db):
    def indexed(table):
        return {tuple(i.columns) for i in db[table].indexes}

    # Each column leads an index (speaker_id, title and source lead the composite
    # ones of the filtered table pages: tests/test_publish_scale.py).
    assert {"speaker_id", "article_id", "title", "published", "source", "sieve"} <= {
        columns[0] for columns in indexed("quotes")}
    assert {("published",), ("source",)} <= indexed("articles")


def test_fts_finds_quote_text(db):
    assert db["quotes"].detect_fts() == "quotes_fts"
    hits = list(db["quotes"].search("consulted"))
    assert [h["text"] for h in hits] == ['"We were never consulted,"']
    assert {t.name for t in db["quotes"].triggers} >= {"quotes_ai", "quotes_ad", "quotes_au"}


def test_rows_and_speakers(db):
    assert store.counts(db) == {"articles": 2, "quotes": 4, "speakers": 3}
    ruiz = db["speakers"].get(store.speaker_id("Ana Ruiz"))
    assert ruiz == {"id": ruiz["id"], "name": "Ana Ruiz", "kind": "person",
                    "latest_title": "mayor", "quote_count": 2, "article_count": 1,
                    "first_quoted": "2024-03-01", "last_quoted": "2024-03-01"}
    org = db["speakers"].get(store.speaker_id("Harbour Authority", "organisation"))
    assert org["kind"] == "organisation"
    quote = next(db["quotes"].rows_where("text = ?", ['"Not one day later,"']))
    article = db["articles"].get(quote["article_id"])
    assert article["text"][quote["start"]:quote["end"]] == quote["text"]
    assert article["text"][quote["speaker_start"]:quote["speaker_end"]] == "she"
    # Copied from the article for facets and sorting.
    assert (quote["published"], quote["source"]) == ("2024-03-01", "Example Gazette")
    assert quote["id"] == store.quote_id(article["id"], quote["start"], quote["end"])


def test_view_joins_speaker_and_article(db):
    rows = {r["text"]: r for r in db["quotes_view"].rows}
    row = rows['"We were never consulted,"']
    assert row["speaker"] == "José Ramos"
    assert row["title"] == "fisherman"
    assert row["article_title"] == "Harbour row"
    assert row["article_url"] == "https://news.example/b"


def test_unattributed_quote_has_no_speaker(tmp_path):
    database = sqlite_utils.Database(tmp_path / "q.db")
    article = Article(text='"Nobody knows," it was reported.', url="https://news.example/n")
    store.write_batch(database, [(article, [make_quote(article.text, '"Nobody knows,"')])])
    (row,) = database["quotes_view"].rows
    assert row["speaker_id"] is None and row["speaker"] is None
    assert database["speakers"].count == 0


def test_speaker_id_ignores_case_accents_and_spaces():
    assert store.normalise_name("  José   RAMOS ") == "jose ramos"
    assert store.speaker_id("José Ramos") == store.speaker_id("jose  ramos")
    assert store.speaker_id("Apple", "organisation") != store.speaker_id("Apple", "person")


def test_one_speaker_across_articles(tmp_path):
    database = sqlite_utils.Database(tmp_path / "q.db")
    first = Article(text='"Yes," said José Ramos.', url="https://news.example/1")
    second = Article(text='"No," said Jose Ramos.', url="https://news.example/2")
    store.write_batch(database, [
        (first, [make_quote(first.text, '"Yes,"', "José Ramos")]),
        (second, [make_quote(second.text, '"No,"', "Jose Ramos")]),
    ])
    (speaker,) = database["speakers"].rows
    assert speaker["name"] == "José Ramos"  # the first spelling seen
    assert {q["speaker_id"] for q in database["quotes"].rows} == {speaker["id"]}


def test_ingest_twice_changes_nothing(tmp_path, fake_attributor):
    path = tmp_path / "new" / "folder" / "quotes.db"  # parent folders are created
    summary = store.ingest(path, [article_a(), article_b()])
    assert summary == store.IngestSummary(articles=2, quotes=4, speakers=3, read=2)
    before = snapshot(sqlite_utils.Database(path))
    again = store.ingest(path, [article_a(), article_b(), article_a()], batch_size=1)
    assert again == store.IngestSummary(articles=2, quotes=4, speakers=3, read=3)
    database = sqlite_utils.Database(path)
    assert snapshot(database) == before
    assert len(list(database["quotes"].search("bridge"))) == 1


def test_reingest_replaces_changed_quotes(tmp_path, fake_attributor):
    path = tmp_path / "quotes.db"
    store.ingest(path, [article_a(), article_b()])
    # The attributor now finds one quote in article b, by a new speaker.
    fake_attributor["https://news.example/b"] = lambda article: [
        make_quote(article.text, '"The works are lawful."', "Port of Example",
                   kind="organisation")]
    summary = store.ingest(path, [article_b()])
    assert (summary.articles, summary.quotes, summary.speakers) == (2, 3, 2)
    database = sqlite_utils.Database(path)
    names = {s["name"] for s in database["speakers"].rows}
    assert names == {"Ana Ruiz", "Port of Example"}  # speakers left without quotes go
    # The FTS index followed the change through its triggers.
    assert list(database["quotes"].search("consulted")) == []
    (hit,) = database["quotes"].search("lawful")
    assert hit["speaker_id"] == store.speaker_id("Port of Example", "organisation")
    assert list(database.execute("PRAGMA foreign_key_check").fetchall()) == []


def test_duplicate_article_in_one_batch_keeps_last_copy(tmp_path):
    database = sqlite_utils.Database(tmp_path / "q.db")
    a = article_a()
    store.write_batch(database, [(a, quotes_a(a)), (a, quotes_a(a)[:1])])
    assert store.counts(database) == {"articles": 1, "quotes": 1, "speakers": 1}


def test_ingest_progress_bar_on_stderr(tmp_path, fake_attributor, capsys):
    store.ingest(tmp_path / "q.db", [article_a()], progress=True)
    captured = capsys.readouterr()
    assert "articles" in captured.err and captured.out == ""


def test_ingest_nothing_still_builds_schema(tmp_path, fake_attributor):
    summary = store.ingest(tmp_path / "q.db", [])
    assert summary == store.IngestSummary(articles=0, quotes=0, speakers=0, read=0)
    assert sqlite_utils.Database(tmp_path / "q.db")["quotes"].detect_fts() == "quotes_fts"


def test_worker_processes_write_what_one_process_writes(tmp_path):
    """Attributing in worker processes gives the very rows one process gives, in input
    order: the last copy of an article read twice wins in both."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import crash_corpus

    from quotes import read

    folder = crash_corpus.write(tmp_path / "corpus", 120, files=1)
    records = crash_corpus.articles(120)
    changed = {**records[5], "text": records[5]["text"].replace("Residents", "Neighbours")}
    with open(folder / "part-0.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(changed) + "\n")  # the same article again, later, changed
    snapshots = []
    for workers in (1, 2):
        db_path = tmp_path / f"w{workers}.db"
        summary = store.ingest(db_path, read.read_articles([str(folder)]), workers=workers,
                               batch_size=50)
        assert summary.read == 121 and summary.articles == 120
        database = sqlite_utils.Database(db_path)
        # Grouping keys (computed by the workers, or when grouping) and groups agree too.
        snapshots.append({**snapshot(database), "keys": sorted(database.execute(
            "SELECT quotes.id, k.words, k.exact, k.keys FROM quote_keys AS k"
            " JOIN quotes ON quotes.rowid = k.quote_rowid").fetchall()),
            "variants": sorted(database.execute("SELECT * FROM quote_variants").fetchall()),
            "groups": sorted(database.execute("SELECT * FROM quote_groups").fetchall())})
        (text,) = database.execute("SELECT text FROM articles WHERE url = ?", [changed["url"]]).fetchone()
        assert "Neighbours" in text
        database.close()
    assert snapshots[0] == snapshots[1]
    assert len(snapshots[0]["quotes"]) == len(snapshots[0]["keys"]) == 240


def test_workers_stop_with_the_generator():
    """Closing the results early stops the worker processes."""
    import multiprocessing

    from quotes import search
    from quotes.model import Article

    articles = (Article(text=f'"Item {n} is late," said Oda Lunde.', url=f"https://x.example/{n}")
                for n in range(10_000))
    found = store.extracted(articles, workers=2)
    article, quotes, keys = next(found)
    assert keys == [search.key_row(quotes[0].text)]  # grouping keys computed by the worker
    assert article.url == "https://x.example/0" and [q.speaker for q in quotes] == ["Oda Lunde"]
    assert len(multiprocessing.active_children()) == 2
    found.close()
    assert multiprocessing.active_children() == []


def test_speakers_are_found_by_indexed_lookup_keys(db):
    """Names and aliases are looked up through speaker_lookup (an index, not a
    Python call per speaker), and the keys follow renames and kind changes."""
    from quotes import curation, search

    ruiz = store.speaker_id("Ana Ruiz")
    assert search.resolve_speakers(db, "ana ruiz") == [ruiz]
    assert search.resolve_speakers(db, ruiz) == [ruiz]
    assert search.resolve_speakers(db, "Nobody") == []
    plan = db.execute("EXPLAIN QUERY PLAN " + search._SPEAKERS_SQL, {"speaker": "x"}).fetchall()
    assert any("USING INDEX" in row[-1] and "speaker_lookup" in row[-1] for row in plan), plan
    curation.rename(db, "Ana Ruiz", "Ana Ruiz-Vega")
    assert search.resolve_speakers(db, "ana ruiz vega") == [ruiz]
    assert search.resolve_speakers(db, "Ana Ruiz") == [ruiz]  # now an alias: the quotes wrote it so
    authority = search.resolve_speakers(db, "harbour authority")
    assert len(authority) == 1
    curation.set_kind(db, "Harbour Authority", "person")
    assert search.resolve_speakers(db, "harbour authority") == authority
    rows = db.execute("SELECT kind FROM speaker_lookup WHERE speaker_id = ?", authority).fetchall()
    assert rows and {kind for (kind,) in rows} == {"person"}


def test_cli_ingest_workers_option(tmp_path):
    from click.testing import CliRunner

    from quotes.cli import cli

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import crash_corpus

    folder = crash_corpus.write(tmp_path / "corpus", 40, files=1)
    db_path = tmp_path / "q.db"
    done = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(db_path), "--workers", "2"])
    assert done.exit_code == 0, done.output
    assert "40 articles read" in done.output and "80 quotes" in done.output
    refused = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(db_path), "--workers", "0"])
    assert refused.exit_code == 2 and "--workers" in refused.output
