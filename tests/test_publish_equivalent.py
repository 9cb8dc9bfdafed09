"""The cheaper SQL of quotes.database.QuotesDatabase and the facets of
quotes.plugin.CountedFacet give the pages Datasette's own SQL gives: the same
rows, counts and facets, through the real app. (Their speed is the benchmark's
business: benchmarks/README.md.)"""

import sqlite3

import pytest
import sqlite_utils
from datasette.database import Database

from quotes import database, plugin, publish, store
from quotes.model import Article, Quote

SPEAKERS = ["Oda Lunde", "Ivo Marsh", "Ana Ruiz", "Harbour Authority"]
TITLES = ["Mayor", "Senator", None]
WORDS = ["harbour", "wall", "budget", "ferry"]


def article(n: int) -> tuple[Article, list[Quote]]:
    """An article of two quotes; many share a day (ties in the newest-first order)."""
    quotes, text = [], ""
    for k in range(2):
        passage = f'"We will fix the {WORDS[(n + k) % 4]} {WORDS[n % 3]} number {n}"'
        start = len(text)
        text += f"{passage}, said {SPEAKERS[(n + k) % 4]}.\n\n"
        quotes.append(Quote(start=start, end=start + len(passage), text=passage,
                            speaker=SPEAKERS[(n + k) % 4],
                            speaker_kind="organisation" if (n + k) % 4 == 3 else "person",
                            title=TITLES[n % 3], cue="said", sieve="quote_cue_speaker",
                            confidence=0.5 + (n % 5) / 10))
    return (Article(text=text, url=f"https://news.example/{n}", title=f"Wall {n}",
                    source=f"Outlet {n % 3}", published=f"2024-{1 + n % 12:02d}-{1 + n % 9:02d}"),
            quotes)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("equivalent") / "quotes.db"
    db = sqlite_utils.Database(path)
    store.write_batch(db, [article(n) for n in range(300)])
    store.finalize(db)
    db.close()
    return path


def plain(path, **settings):
    """The app serving the file through Datasette's own Database: its own SQL."""
    ds = publish.make_datasette(path, settings=settings or None)
    ds.remove_database(publish.DB_NAME)
    ds.add_database(Database(ds, path=str(path), is_mutable=False), name=publish.DB_NAME)
    return ds


async def page(ds, path, **params) -> dict:
    response = await ds.client.get(path, params={"_shape": "objects", **params})
    assert response.status_code == 200, response.text
    data = response.json()
    return {"rows": data["rows"], "count": data["filtered_table_rows_count"],
            "facets": {name: [(r["value"], r["count"]) for r in facet["results"]]
                       for name, facet in data["facet_results"].items()},
            "timed_out": data.get("facets_timed_out"), "next": data["next"]}


def ordered(rows: list[dict], key: str = "published") -> list[dict]:
    """Rows in Datasette's first-page order with ties broken by id, as its next pages assume."""
    return sorted(rows, key=lambda r: r["id"]) and sorted(
        sorted(rows, key=lambda r: r["id"]), key=lambda r: r[key] or "", reverse=True)


def test_facts_of_a_built_database(db_path):
    conn = sqlite3.connect(db_path)
    assert database.facts(conn) == {"view_is_quotes": True, "view_count": 600,
                                    "fts_is_quotes": True, "published_index": True}
    served = publish.make_datasette(db_path).get_database(publish.DB_NAME)
    assert isinstance(served, database.QuotesDatabase) and served.facts["view_is_quotes"]


VIEW_PAGES = [
    {},
    {"title": "Mayor"},
    {"source": "Outlet 2"},
    {"title": "Senator", "source": "Outlet 1"},
    {"title__contains": "ay", "published__gte": "2024-06-01"},
    {"speaker_id__in": f"{store.speaker_id('Ana Ruiz')},{store.speaker_id('Ivo Marsh')}"},
    {"title__isnull": "1"},
    {"_where": "confidence > 0.65"},
    # Filters naming the view's joined columns run as Datasette built them.
    {"speaker": "Oda Lunde"},
    {"article_title": "Wall 7"},
    {"_where": "speaker_kind = 'organisation'"},
    {"title": "Mayor", "_facet": "article_url"},
    {"title": "Mayor", "_facet_size": "max"},
]


@pytest.mark.asyncio
@pytest.mark.parametrize("params", VIEW_PAGES)
async def test_view_pages_are_those_of_datasettes_sql(db_path, params):
    fast, slow = publish.make_datasette(db_path), plain(db_path)
    got, want = await page(fast, "/quotes/quotes_view.json", **params), \
        await page(slow, "/quotes/quotes_view.json", **params)
    assert got == want
    assert got["facets"]["speaker"] and not got["timed_out"]
    html = await fast.client.get("/quotes/quotes_view", params=params)
    assert html.status_code == 200


@pytest.mark.asyncio
async def test_view_counts_and_facets_read_quotes_not_the_join(db_path):
    ds = publish.make_datasette(db_path, settings={"trace_debug": True})
    response = await ds.client.get("/quotes/quotes_view.json",
                                   params={"title": "Mayor", "_trace": "1", "_shape": "objects"})
    statements = [" ".join(t["sql"].split()) for t in response.json()["_trace"]["traces"]]
    counts = [s for s in statements if s.startswith("select count(*)")]
    assert counts == ['select count(*) from quotes where "title" = :p0']
    facets = [s for s in statements if "AS facet" in s]
    assert facets and all("quotes_view" not in s and "articles" not in s for s in facets)
    assert response.json()["filtered_table_rows_count"] == 200
    # Unfiltered: the count of the file, the facets from the counts kept at ingest.
    response = await ds.client.get("/quotes/quotes_view.json", params={"_trace": "1", "_shape": "objects"})
    statements = [" ".join(t["sql"].split()) for t in response.json()["_trace"]["traces"]]
    assert not [s for s in statements if s.startswith("select count(*)")]
    assert [s for s in statements if "AS facet" in s and "facet_counts" in s]
    assert response.json()["filtered_table_rows_count"] == 600


@pytest.mark.asyncio
async def test_a_view_without_one_row_per_quote_is_counted_through_its_joins(tmp_path):
    path = tmp_path / "quotes.db"
    db = sqlite_utils.Database(path)
    store.write_batch(db, [article(n) for n in range(30)])
    store.finalize(db)
    db.execute("DELETE FROM articles WHERE url = 'https://news.example/4'")  # its 2 quotes lose their article
    db.conn.commit()
    facts = database.facts(db.conn)
    assert not facts["view_is_quotes"] and facts["view_count"] == 58
    fast, slow = publish.make_datasette(path), plain(path)
    for params in ({}, {"title": "Senator"}):
        got = await page(fast, "/quotes/quotes_view.json", **params)
        assert got == await page(slow, "/quotes/quotes_view.json", **params)
    assert (await page(fast, "/quotes/quotes_view.json"))["count"] == 58


SEARCHES = ["harbour", "wall number", "ferry wall", "number 17", "nothing here", 'unbalanced "quote',
            "harbour OR"]


@pytest.mark.asyncio
@pytest.mark.parametrize("q", SEARCHES)
async def test_search_pages_are_those_of_datasettes_sql(db_path, q):
    """Same count and facets; the same rows, quotes of the same day ordered by id
    (Datasette's first page leaves them in any order, its next pages assume id)."""
    fast, slow = publish.make_datasette(db_path), plain(db_path)
    for params in ({"_search": q}, {"_search": q, "_labels": "on"}, {"_search": q, "source": "Outlet 1"},
                   {"_search": q, "_sort": "confidence"}, {"_search": q, "_searchmode": "raw"}):
        got_response = await fast.client.get("/quotes/quotes.json", params={"_shape": "objects", **params})
        want_response = await slow.client.get("/quotes/quotes.json", params={"_shape": "objects", **params})
        assert got_response.status_code == want_response.status_code
        if want_response.status_code != 200:
            continue
        got, want = await page(fast, "/quotes/quotes.json", **params), await page(slow, "/quotes/quotes.json", **params)
        assert got["count"] == want["count"] and got["facets"] == want["facets"], params
        if "_sort" in params or "source" in params:
            assert got["rows"] == want["rows"]
        else:
            assert got["rows"] == ordered(want["rows"]) and [r["published"] for r in got["rows"]] == \
                [r["published"] for r in want["rows"]]


async def all_pages(ds, **params) -> list[dict]:
    rows, next_token = [], None
    while True:
        data = await page(ds, "/quotes/quotes.json", **params, **({"_next": next_token} if next_token else {}))
        rows += data["rows"]
        next_token = data["next"]
        if not next_token:
            return rows


@pytest.mark.asyncio
@pytest.mark.parametrize("walk", [True, False])
async def test_search_rows_by_either_plan_and_every_page(db_path, monkeypatch, walk):
    """Walking the published index or sorting the matches gives the same rows,
    and following the next pages gives every match once, newest first."""
    monkeypatch.setattr(database, "index_walk_pays", lambda *args: walk)
    ds = publish.make_datasette(db_path)
    rows = await all_pages(ds, _search="harbour", _size="40")
    conn = sqlite3.connect(db_path)
    want = [r[0] for r in conn.execute(
        "SELECT id FROM quotes WHERE rowid IN (SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH 'harbour')"
        " ORDER BY published DESC, id")]
    assert len(want) > 100 and [r["id"] for r in rows] == want


@pytest.mark.asyncio
async def test_a_walk_past_its_budget_sorts_instead(db_path, monkeypatch):
    monkeypatch.setattr(database, "index_walk_pays", lambda *args: True)
    monkeypatch.setattr(database, "WALK_BUDGET_MS", 0.001)
    got = await page(publish.make_datasette(db_path), "/quotes/quotes.json", _search="wall")
    want = await page(plain(db_path), "/quotes/quotes.json", _search="wall")
    assert got["rows"] == ordered(want["rows"]) and got["count"] == want["count"]


@pytest.mark.asyncio
async def test_a_search_runs_its_full_text_query_once(db_path):
    ds = publish.make_datasette(db_path, settings={"trace_debug": True})
    response = await ds.client.get("/quotes/quotes.json", params={"_search": "ferry", "_trace": "1",
                                                                   "_shape": "objects"})
    statements = [t["sql"] for t in response.json()["_trace"]["traces"]]
    assert len([s for s in statements if "quotes_fts match" in s.lower()]) == 1


@pytest.mark.asyncio
async def test_facets_of_a_search_with_many_matches_say_what_they_count(db_path, monkeypatch):
    """Past SEARCH_FACET_ROWS matches the facets count the last of them in index
    order and say so, in the JSON and on the page; the row count stays exact."""
    monkeypatch.setattr(plugin, "SEARCH_FACET_ROWS", 50)
    ds = publish.make_datasette(db_path)
    response = await ds.client.get("/quotes/quotes.json", params={"_search": "harbour", "_shape": "objects"})
    data = response.json()
    conn = sqlite3.connect(db_path)
    matches = "SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH 'harbour'"
    total = conn.execute(f"SELECT count(*) FROM ({matches})").fetchone()[0]
    assert data["filtered_table_rows_count"] == total > 50
    last = f"SELECT * FROM quotes WHERE rowid IN ({matches} ORDER BY rowid DESC LIMIT 50)"
    for name, facet in data["facet_results"].items():
        assert facet["counted_among"]["rows"] == 50 and facet["counted_among"]["of"] == total
        want = conn.execute(f"SELECT {name}, count(*) FROM ({last}) WHERE {name} IS NOT NULL"
                            f" GROUP BY {name} ORDER BY count(*) DESC, {name} LIMIT 30").fetchall()
        assert [(r["value"], r["count"]) for r in facet["results"]] == want
    html = (await ds.client.get("/quotes/quotes", params={"_search": "harbour"})).text
    # A search with a filter: the last matches of the two.
    both = (await ds.client.get("/quotes/quotes.json", params={"_search": "harbour", "title": "Mayor",
                                                                "_shape": "objects"})).json()
    assert both["filtered_table_rows_count"] > 50
    assert {f["counted_among"]["of"] for f in both["facet_results"].values()} == {both["filtered_table_rows_count"]}
    last_mayors = conn.execute(f"SELECT source, count(*) FROM (SELECT * FROM quotes WHERE rowid IN ({matches})"
                               " AND title = 'Mayor' ORDER BY rowid DESC LIMIT 50) GROUP BY source"
                               " ORDER BY count(*) DESC, source").fetchall()
    assert [(r["value"], r["count"]) for r in both["facet_results"]["source"]["results"]] == last_mayors
    assert f"counted among the last 50 of the {total} matches in index order" in html
    # At most SEARCH_FACET_ROWS matches: every match counted, nothing said.
    few = (await ds.client.get("/quotes/quotes.json", params={"_search": "number 17", "_shape": "objects"})).json()
    assert few["facet_results"] and not any("counted_among" in f for f in few["facet_results"].values())


def test_where_clauses_that_select_the_same_quotes():
    assert database.names_only_quote_columns('"title" = :p0 and "published" >= :p1')
    assert database.names_only_quote_columns("[source] in (:p0, :p1) and date(\"published\") = :p2")
    assert database.names_only_quote_columns("confidence > 0.5 and title is not null")
    for where in ('"speaker" = :p0', "article_title like :p0", ':p0 in (select value from json_each("quotes_view"."title"))',
                  "rowid > 5", "title = :p0 -- comment", "exists (select 1 from articles)", "start > 3"):
        assert not database.names_only_quote_columns(where), where


@pytest.mark.asyncio
@pytest.mark.parametrize("params", [
    {"title": "Mayor"}, {"title": "Senator", "source": "Outlet 1"}, {"_search": "harbour", "source": "Outlet 0"},
    {"_search": "wall"}, {}])
async def test_counted_facets_are_column_facets(db_path, params):
    """A counted facet's JSON (values, counts, labels, links, selection) is the
    one Datasette's column facet gives for the same column on the same page."""
    ds = publish.make_datasette(db_path)
    for path, columns in (("/quotes/quotes.json", ["speaker_id", "source", "title"]),
                          ("/quotes/quotes_view.json", ["speaker", "source"])):
        data = (await ds.client.get(path, params={**params, "_facet": columns, "_labels": "on",
                                                  "_shape": "objects"})).json()
        facets = data["facet_results"]
        for column in columns:
            counted, column_facet = facets[column], facets[f"{column}_2"]
            assert counted["results"] == column_facet["results"] and counted["results"], (path, column)
            assert {k: v for k, v in counted.items() if k not in ("results", "hideable", "toggle_url")} == \
                {k: v for k, v in column_facet.items() if k not in ("results", "hideable", "toggle_url")}
