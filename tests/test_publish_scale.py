"""What keeps the published pages fast on a large index, checked for what they
return: bounded canned queries, index-only speaker pages, counts from the
inspected file. (Timings are the benchmark's business: benchmarks/README.md.)"""

import sqlite3

import pytest
import sqlite_utils

from quotes import publish, store
from quotes.model import Article, Quote

QUOTES = 1_100  # more than Datasette's 1,000 returned rows


def article(n: int) -> tuple[Article, list[Quote]]:
    passage = f'"We will fix the harbour wall number {n}"'
    text = f"{passage}, said Oda Lunde.\n\nMore later."
    published = f"20{10 + n % 15:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}"
    quote = Quote(start=0, end=len(passage), text=passage, speaker="Oda Lunde",
                  speaker_kind="person", title="Mayor" if n % 2 else "Senator", cue="said",
                  sieve="quote_cue_speaker", confidence=0.9)
    return (Article(text=text, url=f"https://news.example/{n}", title=f"Wall {n}",
                    source=f"Outlet {n % 3}", published=published), [quote])


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "quotes.db"
    db = sqlite_utils.Database(path)
    store.write_batch(db, [article(n) for n in range(QUOTES)])
    store.finalize(db)
    db.close()
    return path


@pytest.fixture(scope="module")
def ds(db_path):
    return publish.make_datasette(db_path)


async def get_json(ds, path, **params):
    response = await ds.client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.asyncio
async def test_speaker_quotes_newest_first_and_truncated(ds, db_path):
    data = await get_json(ds, "/quotes/speaker_quotes.json", speaker="oda lunde")
    rows = data["rows"]
    assert len(rows) == 1000 and data["truncated"]
    published = [r[data["columns"].index("published")] for r in rows]
    assert published == sorted(published, reverse=True)
    conn = sqlite3.connect(db_path)
    newest = [r[0] for r in conn.execute("SELECT published FROM quotes ORDER BY published DESC LIMIT 1000")]
    assert published == newest


@pytest.mark.parametrize("filtered", ["speaker_id", "title", "source"])
def test_filtered_pages_read_indexes_only(db_path, filtered):
    """A page filtered by a speaker, a title or an outlet (a click on a facet) reads
    its rows newest first, and counts its facets, from the (column, ...) indexes
    without sorting or reading the rows."""
    conn = sqlite3.connect(db_path)
    value = {"speaker_id": store.speaker_id("Oda Lunde"), "title": "Mayor", "source": "Outlet 1"}[filtered]
    newest = conn.execute(f"EXPLAIN QUERY PLAN SELECT rowid FROM quotes WHERE {filtered} = ?"
                          " ORDER BY published DESC LIMIT 1001", [value]).fetchall()
    assert "COVERING INDEX" in str(newest) and "TEMP B-TREE" not in str(newest)
    for column in {"speaker_id", "title", "source", "published"} - {filtered}:
        plan = str(conn.execute(
            f"EXPLAIN QUERY PLAN SELECT {column}, count(*) FROM (SELECT * FROM quotes WHERE {filtered} = ?)"
            f" WHERE {column} IS NOT NULL GROUP BY {column}", [value]).fetchall())
        assert "COVERING INDEX" in plan and "TEMP B-TREE FOR GROUP BY" not in plan, (column, plan)


@pytest.mark.asyncio
async def test_search_returns_the_best_hundred(ds):
    rows = await get_json(ds, "/quotes/search.json", q="harbour wall", _shape="array")
    assert len(rows) == 100
    exact = await get_json(ds, "/quotes/search.json", q="number 1099", _shape="array")
    assert [r["text"] for r in exact] == ['"We will fix the harbour wall number 1099"']


@pytest.mark.asyncio
async def test_table_counts_come_from_the_inspected_file(ds):
    data = await get_json(ds, "/quotes/quotes.json", _shape="objects")
    assert data["filtered_table_rows_count"] == QUOTES
    filtered = await get_json(ds, "/quotes/quotes.json", source="Outlet 0", _shape="objects")
    assert filtered["filtered_table_rows_count"] == len(range(0, QUOTES, 3))
    speakers = await get_json(ds, "/quotes/speakers.json", _shape="objects")
    assert speakers["filtered_table_rows_count"] == 1


def facet_counts(data) -> dict:
    return {name: {r["value"]: r["count"] for r in facet["results"]}
            for name, facet in data["facet_results"].items()}


def true_counts(db_path, where="", params=()) -> dict:
    conn = sqlite3.connect(db_path)
    return {column: dict(conn.execute(
        f"SELECT {column}, count(*) FROM quotes WHERE {column} IS NOT NULL {where}"
        f" GROUP BY {column} ORDER BY count(*) DESC, {column} LIMIT 30", params).fetchall())
        for column in ("speaker_id", "title", "source", "published")}


@pytest.mark.asyncio
async def test_facets_of_the_whole_table_are_read_from_kept_counts(tmp_path):
    """The unfiltered page's facets come from facet_counts (kept at ingest), exactly
    the column facets' counts; counts that are not of the rows served (another
    row count), or none, are not used: the page counts the rows instead."""
    path = tmp_path / "quotes.db"
    db = sqlite_utils.Database(path)
    store.write_batch(db, [article(n) for n in range(90)])
    store.finalize(db)
    data = await get_json(publish.make_datasette(path), "/quotes/quotes.json")
    assert {f["type"] for f in data["facet_results"].values()} == {"column"}
    assert facet_counts(data) == true_counts(path)
    assert facet_counts(data)["title"] == {"Mayor": 45, "Senator": 45}
    # Read from the table: a count changed there shows (the row count still agrees).
    db.execute("UPDATE facet_counts SET count = 44 WHERE [column] = 'title' AND value = 'Mayor'")
    db.conn.commit()
    data = await get_json(publish.make_datasette(path), "/quotes/quotes.json")
    assert facet_counts(data)["title"] == {"Senator": 45, "Mayor": 44}
    # Counts of another row count than the table's are not used.
    db.execute("UPDATE facet_counts SET count = 89 WHERE [table] = 'quotes' AND [column] = ''")
    db.conn.commit()
    data = await get_json(publish.make_datasette(path), "/quotes/quotes.json")
    assert facet_counts(data) == true_counts(path)
    # Writing quotes drops the counts until finalize counts them again.
    store.write_batch(db, [article(n) for n in range(90, 100)])
    assert not db["facet_counts"].exists()
    data = await get_json(publish.make_datasette(path), "/quotes/quotes.json")
    assert facet_counts(data) == true_counts(path) and facet_counts(data)["title"]["Mayor"] == 50
    store.finalize(db)
    assert db["facet_counts"].exists()
    data = await get_json(publish.make_datasette(path), "/quotes/quotes.json")
    assert facet_counts(data) == true_counts(path)


@pytest.mark.asyncio
async def test_facets_of_a_search_or_a_filter_count_the_matching_rows(ds, db_path):
    data = await get_json(ds, "/quotes/quotes.json", _search="harbour 109")
    assert data["filtered_table_rows_count"] == 1
    searched = await get_json(ds, "/quotes/quotes.json", _search="harbour wall")
    assert searched["filtered_table_rows_count"] == QUOTES
    assert facet_counts(searched) == true_counts(db_path)
    both = await get_json(ds, "/quotes/quotes.json", _search="harbour wall", source="Outlet 2")
    assert facet_counts(both) == true_counts(db_path, "AND source = ?", ["Outlet 2"])
    filtered = await get_json(ds, "/quotes/quotes.json", title="Senator")
    assert facet_counts(filtered) == true_counts(db_path, "AND title = ?", ["Senator"])
