"""Fact-checker search: FTS5 queries, variant groups, the closest wording, the
`quotes search` command, and search and quote pages in Datasette.

tests/fixtures/variants.jsonl is invented: sets of one quote as several
outlets reported it (punctuation, dashes, dropped words, partial quotes,
spellings, contractions, an unattributed copy) and distinct quotes that
share many words with them (another month, another number, another
speaker, another continuation). Each line is one article quoting it once.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from quotes import publish, search, store
from quotes.cli import cli
from quotes.model import Article, Quote

FIXTURE = Path(__file__).parent / "fixtures" / "variants.jsonl"
SETS = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]
TITLES = {"Ana Ruiz": "Mayor", "Tomas Keller": "Finance Minister", "Lena Okafor": "Labour Secretary"}


def fixture_article(n: int, row: dict) -> tuple[Article, list[Quote]]:
    speaker = row["speaker"]
    lead = f"{row['source']} reported on {row['published']}."
    said = f" {speaker} said." if speaker else " it was reported."
    text = f"{lead}\n\nIn a statement, {row['text']}{said}\n\nMore on this later."
    start = text.index(row["text"])
    kind = "organisation" if speaker and speaker.endswith(("Cooperative", "Authority")) else "person"
    quote = Quote(start=start, end=start + len(row["text"]), text=row["text"], speaker=speaker,
                  speaker_kind=kind if speaker else None, title=TITLES.get(speaker),
                  cue="said" if speaker else None, sieve="quote_speaker_cue" if speaker else None,
                  confidence=0.9)
    if speaker:
        quote.speaker_start = text.index(speaker, start + len(row["text"]))
        quote.speaker_end = quote.speaker_start + len(speaker)
        quote.mention = speaker
    slug = row["source"].lower().replace(" ", "-")
    article = Article(text=text, url=f"https://{slug}.example/{row['set']}/{n}",
                      title=f"{row['set']} ({n})", source=row["source"], published=row["published"])
    return article, [quote]


def build(path: Path, extra: list[tuple[Article, list[Quote]]] = ()) -> Path:
    db = sqlite_utils.Database(path)
    store.write_batch(db, [fixture_article(n, row) for n, row in enumerate(SETS)] + list(extra))
    store.finalize(db)
    db.close()
    return path


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    return build(tmp_path_factory.mktemp("search") / "quotes.db")


@pytest.fixture
def db(db_path):
    database = sqlite_utils.Database(db_path)
    yield database
    database.close()


def texts(results):
    return [r["text"] for r in results]


# ---------------------------------------------------------------------------
# Grouping, measured

def grouping_figures(rows: list[dict]) -> dict:
    """Pairwise precision and recall of search.group_quotes against the sets."""
    items = [search.Item(str(n), r["text"], r["speaker"], r["published"]) for n, r in enumerate(rows)]
    grouped = search.group_quotes(items)
    tp = fp = fn = 0
    for a, b in itertools.combinations(range(len(rows)), 2):
        gold = rows[a]["set"] == rows[b]["set"]
        predicted = grouped[str(a)][0] == grouped[str(b)][0]
        tp += gold and predicted
        fp += predicted and not gold
        fn += gold and not predicted
    groups = len({g for g, _ in grouped.values()})
    return {"quotes": len(rows), "sets": len({r["set"] for r in rows}), "groups": groups,
            "pairs": tp + fn, "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0}


def test_grouping_precision_and_recall(capsys):
    figures = grouping_figures(SETS)
    with capsys.disabled():
        print(f"\nvariant grouping on {FIXTURE.name}: {json.dumps(figures)}")
    assert figures["precision"] >= 0.98
    assert figures["recall"] >= 0.9


def test_groups_in_the_database(db):
    groups = {g["id"]: g for g in db[search.GROUPS].rows}
    variants = list(db[search.VARIANTS].rows)
    assert len(variants) == db["quotes"].count
    ((spring,),) = [[g for g in groups.values() if "in spring, and not one day later" in g["text"]]]
    assert spring["occurrences"] == 4 and spring["sources"] == 4
    assert spring["first_published"] == "2024-03-01" and spring["first_source"] == "Harbour Gazette"
    assert spring["first_url"].startswith("https://harbour-gazette.example/bridge-spring/")
    assert spring["title"] == "Mayor"
    assert db["speakers"].get(spring["speaker_id"])["name"] == "Ana Ruiz"
    # The earliest report wins first appearance even when it is not the fullest wording.
    (ceasefire,) = [g for g in groups.values() if "every hostage is home" in g["text"]
                    and g["speaker_id"] == store.speaker_id("Karim Haddad")]
    assert ceasefire["first_published"] == "2023-05-03" and ceasefire["occurrences"] == 5
    assert ceasefire["first_source"] == "Harbour Gazette"


@pytest.mark.parametrize("short, long, grouped", [
    ("The bridge will open in spring", "The bridge will open in spring, and not one day later", True),
    ("Our harvest doubled this year thanks to new canals", "Our harvest doubled this year, thanks to the new canals", True),
    ("Unemployment fell to 3.9 percent in April", "Unemployment fell to 4.1 percent in March", False),
    ("We will raise taxes on large companies", "We will not raise taxes on farmers", False),
    ("We will raise taxes on working families", "We will not raise taxes on working families", False),
    ("We will not raise taxes on working families", "We will raise taxes on working families next year", False),
    ("a disaster", "The new dam is a disaster for the valley", False),
    ("The organization has followed every rule in the license", "The organisation has followed every rule in the licence", True),
])
def test_variant_score(short, long, grouped):
    assert bool(search.variant_score(search.words(short), search.words(long))) is grouped


def test_speakers_keep_quotes_apart():
    items = [search.Item("a", "We will never back down from this fight.", "rafael"),
             search.Item("b", "We will never back down from this fight", "oona"),
             search.Item("c", "never back down from this fight", None)]
    grouped = search.group_quotes(items)
    assert grouped["a"][0] != grouped["b"][0]
    assert grouped["c"][0] in (grouped["a"][0], grouped["b"][0])  # unknown speaker: joins one


def test_regrouping_after_reingest(tmp_path):
    path = build(tmp_path / "q.db")
    db = sqlite_utils.Database(path)
    before = {(v["quote_id"], v["group_id"]) for v in db[search.VARIANTS].rows}
    # Writing an article again (its old quotes are deleted) and finalising keeps the groups.
    store.write_batch(db, [fixture_article(0, SETS[0])])
    store.finalize(db)
    assert {(v["quote_id"], v["group_id"]) for v in db[search.VARIANTS].rows} == before


def group_tables(db) -> tuple[list, list]:
    return (sorted(tuple(g.values()) for g in db[search.GROUPS].rows),
            sorted((v["quote_id"], v["group_id"], v["score"]) for v in db[search.VARIANTS].rows))


def test_incremental_grouping_equals_a_full_build(tmp_path):
    """Articles added to a grouped index regroup only around themselves, and end
    where grouping everything at once ends; so does deleting one."""
    articles = [fixture_article(n, row) for n, row in enumerate(SETS)]
    full = build(tmp_path / "full.db")
    db = sqlite_utils.Database(tmp_path / "steps.db")
    # Every other article first, so variant sets are split across the two ingests.
    store.write_batch(db, articles[::2])
    store.finalize(db)
    assert db[search.PENDING].count == 0
    for n in range(1, len(articles), 2):
        store.write_batch(db, [articles[n]])
        assert db[search.PENDING].count >= 1
        store.finalize(db)
    assert db[search.PENDING].count == 0
    assert db[search.KEYS].count == db["quotes"].count
    assert group_tables(db) == group_tables(sqlite_utils.Database(full))
    # A quote gone (its article now has no quote) leaves its group, which is rebuilt.
    (gone,) = [a for a, _ in articles if "bridge" in a.text.lower()][:1]
    store.write_batch(db, [(gone, [])])
    store.finalize(db)
    assert db[search.VARIANTS].count == db["quotes"].count == len(articles) - 1
    reference = sqlite_utils.Database(tmp_path / "reference.db")
    store.write_batch(reference, [(a, [] if a.id == gone.id else q) for a, q in articles])
    store.finalize(reference)
    assert group_tables(db) == group_tables(reference)


def test_a_helper_process_finding_candidates_groups_the_same(tmp_path, monkeypatch):
    """A large build may find each quote's candidates in a helper process (chunks
    of rows sent ahead): the groups are those of one process, and the helper ends."""
    import multiprocessing

    alone = build(tmp_path / "alone.db")
    # Every chunk boundary and many chunks in flight, on the fixture's few quotes.
    monkeypatch.setattr(search, "HELPER_MIN_QUOTES", 1)
    monkeypatch.setattr(search, "_HELPER_CHUNK", 3)
    helped = sqlite_utils.Database(tmp_path / "helped.db")
    store.write_batch(helped, [fixture_article(n, row) for n, row in enumerate(SETS)])
    store.finalize(helped, helper=True)
    assert multiprocessing.active_children() == []
    assert group_tables(helped) == group_tables(sqlite_utils.Database(alone))
    assert len({g for _, g, _ in helped.execute("SELECT * FROM quote_variants")}) < len(SETS)


def test_a_helper_that_fails_fails_the_build(tmp_path, monkeypatch):
    """A helper process that ends early (here its candidates raise) makes the build
    fail, and finalize roll back, instead of waiting for it forever."""
    monkeypatch.setattr(search, "HELPER_MIN_QUOTES", 1)

    def broken(rows, df):
        raise MemoryError("no room")
        yield

    monkeypatch.setattr(search, "_candidates", broken)  # the forked helper inherits it
    db = sqlite_utils.Database(tmp_path / "q.db")
    store.write_batch(db, [fixture_article(n, row) for n, row in enumerate(SETS)])
    with pytest.raises(RuntimeError, match="grouping helper"):
        store.finalize(db, helper=True)
    assert not db[search.VARIANTS].exists()


def test_large_group_sets_stay_bounded():
    """A word triple in more than POSTINGS_CAP quotes is not followed, so a stock
    phrase does not make every quote a candidate of every other; variants
    still group through their rarer triples."""
    stock = "we will not back down"
    items = [search.Item(f"s{n}", f"{stock} on issue number {n} of the year", None)
             for n in range(search.POSTINGS_CAP + 50)]
    items += [search.Item("long", "Our harvest doubled this year, thanks to the new canals", "x"),
              search.Item("short", "Our harvest doubled this year thanks to new canals", "x")]
    grouped = search.group_quotes(items)
    assert grouped["short"][0] == "long"
    assert len({g for g, _ in grouped.values()}) == len(items) - 1


# ---------------------------------------------------------------------------
# Queries

@pytest.mark.parametrize("typed, query", [
    ("nobody goes", '"nobody" AND "goes"'),
    ('"nobody goes" engine*', '"nobody goes" AND "engine"*'),
    ("ceasefire OR truce NOT talks", '"ceasefire" OR "truce" NOT "talks"'),
    ("(ceasefire OR truce) hostage", '( "ceasefire" OR "truce" ) AND "hostage"'),
    ('"unbalanced', '"unbalanced"'),
    ("AND OR NOT", '""'),
    ("it's -- what?!", '"its" AND "what"'),
])
def test_fts_query(typed, query):
    assert search.fts_query(typed) == query


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list('ab c"()*-^:+{}') + [" AND ", " OR ", " NOT ", "NEAR", "ceasefire"]),
                max_size=20).map("".join))
def test_fts_query_never_fails(typed):
    database = sqlite_utils.Database(memory=True)
    database.execute("CREATE VIRTUAL TABLE t USING fts5(text)")
    database.execute("INSERT INTO t VALUES ('a b c ceasefire')")
    database.execute("SELECT * FROM t WHERE t MATCH ?", [search.fts_query(typed)]).fetchall()
    database.execute("SELECT * FROM t WHERE t MATCH ?", [search.any_words_query(typed)]).fetchall()


# ---------------------------------------------------------------------------
# The library search

def test_fragment_finds_group_with_first_appearance(db):
    (first, *_) = search.search(db, "nobody goes underground until")
    assert first["speaker"] == "Orla Brennick" and first["score"] == 1.0
    assert first["text"].startswith("\u201cNobody goes underground until our engineers have checked every single")
    assert first["first_published"] == "2024-02-08"
    assert [o["published"] for o in first["occurrences"]] == sorted(o["published"] for o in first["occurrences"])
    assert len(first["occurrences"]) == 4
    assert {o["source"] for o in first["occurrences"]} == {"Northwind Wire", "Capital Times",
                                                            "Evening Ledger", "Wire Digest"}
    assert "<mark>" in first["snippet"]


def test_phrase_prefix_and_boolean(db):
    phrase = search.search(db, '"lowest in a decade"')
    assert len(phrase) == 2  # March (and its variants) and April: two quotes, not four rows
    assert all("lowest in a decade" in r["text"] for r in phrase)
    # No quote holds the phrase: the closest wordings come back, none scoring 1.
    assert all(r["score"] < 1 for r in search.search(db, '"decade lowest in"'))
    prefix = search.search(db, "counsel*")
    assert [r["speaker"] for r in prefix] == ["Sanna Lind"] and prefix[0]["score"] == 1.0
    boolean = search.search(db, "unemployment NOT April")
    assert sorted(r["text"].split(" in ")[1][:5] for r in boolean) == ["March", "May, "]
    either = search.search(db, "(gym OR nurse) school")
    assert len(either) == 2


def test_filters(db):
    keller = search.search(db, "raise taxes", speaker="tomas keller")
    assert keller and {r["speaker"] for r in keller} == {"Tomas Keller"}
    assert search.search(db, "raise taxes", speaker="Nobody Known") == []
    # Titles and sources in any case; the match is the filtered quote.
    assert {r["speaker"] for r in search.search(db, "bridge open", title="mayor")} == {"Ana Ruiz"}
    coastal = search.search(db, '"bridge will open"', source="coastal post")
    assert len(coastal) == 1 and coastal[0]["first_source"] == "Harbour Gazette"
    assert coastal[0]["matched"].startswith('"The bridge will open in spring \u2014')
    # Dates, inclusive; the group keeps its first appearance whatever the filter.
    late = search.search(db, '"never back down"', since="2018-03-04", until="2018-03-04")
    assert [r["speaker"] for r in late] == ["Rafael Quint"]
    assert late[0]["first_published"] == "2018-03-03"
    assert search.search(db, "ceasefire", since="2023-05-08") == []
    assert len(search.search(db, "unemployment", until="2021-05")) == 2


def test_misquote_returns_closest_first(db):
    results = search.search(db, "we won't raise taxes on working families next year")
    assert results[0]["text"].startswith("\u201cWe will not raise taxes on working families, not this year")
    assert results[0]["score"] >= 0.8
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    farmers = [r for r in results if "farmers" in r["text"]]
    assert farmers and farmers[0]["score"] < results[0]["score"]
    # A paraphrase with its quote marks still finds the real wording.
    (best, *_) = search.search(db, '"The voters are always right, I will accept the election result"')
    assert best["speaker"] == "Pavel Ostrow" and 0.3 < best["score"] < 1


def test_similarity():
    assert search.similarity("lowest in a decade", "Unemployment fell to 4.1 percent in March, the lowest in a decade.") == 1.0
    close = search.similarity("we will never raise taxes", "We will not raise taxes on families")
    far = search.similarity("we will never raise taxes", "Every school will have a nurse")
    assert 0.7 < close < 1 and far <= 0.5
    assert search.similarity("", "anything") == 0.0


# ---------------------------------------------------------------------------
# The command

def test_cli_search_json(db_path):
    result = CliRunner().invoke(cli, ["search", "no ceasefire until every hostage", "--db", str(db_path),
                                      "--speaker", "Karim Haddad", "--json"])
    assert result.exit_code == 0, result.output
    (first, *_) = json.loads(result.output)
    assert {"text", "speaker", "title", "first_published", "first_url", "occurrences", "score"} <= set(first)
    assert first["speaker"] == "Karim Haddad" and first["first_published"] == "2023-05-03"
    assert all({"url", "source", "published"} <= set(o) for o in first["occurrences"])
    assert len(first["occurrences"]) == 5


def test_cli_search_text_and_errors(db_path, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["search", "harvest doubled", "--db", str(db_path), "--since", "2024-09-11"])
    assert result.exit_code == 0
    assert "Green Valley Cooperative" in result.output and "first 2024-09-10" in result.output
    none = runner.invoke(cli, ["search", "zebra quantum", "--db", str(db_path)])
    assert none.exit_code == 1 and "no quote found" in none.output
    missing = runner.invoke(cli, ["search", "x", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "quotes ingest" in missing.output


# ---------------------------------------------------------------------------
# Datasette

HOSTILE = ("<script>alert(1)</script> \u201cWe will <b>never</b> sell the harbour\u201d",
           "javascript:alert(1)")


def hostile_article():
    text = f"Intro.\n\n{HOSTILE[0]}, said Mal <i>Icious</i>.\n\nEnd <img src=x onerror=alert(2)>."
    passage = "\u201cWe will <b>never</b> sell the harbour\u201d"
    start = text.index(passage)
    quote = Quote(start=start, end=start + len(passage), text=passage, speaker="Mal <i>Icious</i>",
                  speaker_kind="person", title="<em>Boss</em>", cue="said", sieve="quote_speaker_cue")
    article = Article(text=text, url=HOSTILE[1], title="<script>t()</script>", source="<u>Src</u>",
                      published="2024-01-01")
    return article, [quote]


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    path = build(tmp_path_factory.mktemp("ds") / "quotes.db", [hostile_article()])
    return publish.make_datasette(path)


async def get(ds, path, **params):
    response = await ds.client.get(path, params=params or None)
    assert response.status_code == 200, response.text
    return response


@pytest.mark.asyncio
async def test_find_json(ds):
    rows = (await get(ds, "/quotes/find.json", q="nobody goes underground", _shape="array",
                      _json="occurrences")).json()
    (row,) = rows
    assert row["speaker"] == "Orla Brennick" and row["first_published"] == "2024-02-08"
    assert "<mark>nobody</mark>" in row["snippet"].lower()
    assert [o["published"] for o in row["occurrences"]] == ["2024-02-08", "2024-02-08", "2024-02-09", "2024-02-10"]
    assert {"url", "source", "published", "quote"} <= set(row["occurrences"][0])


@pytest.mark.asyncio
async def test_find_filters_and_syntax(ds):
    async def speakers(**params):
        rows = (await get(ds, "/quotes/find.json", _shape="array", **params)).json()
        return [r["speaker"] for r in rows]

    assert await speakers(q='"never back down"') == ["Rafael Quint", "Oona Varga"]
    assert await speakers(q='"never back down"', speaker="oona varga") == ["Oona Varga"]
    assert await speakers(q="unemploy* NOT April", until="2021-04-30") == ["Lena Okafor"]
    assert await speakers(q="bridge", title="MAYOR", source="harbour gazette") == ["Ana Ruiz", "Ana Ruiz"]
    assert await speakers(q="ceasefire", since="2023-05-07") == ["Mira Solberg"]
    for hostile in ['"', "NOT", "(((", 'a" OR', "NEAR(", "*", ""]:
        await get(ds, "/quotes/find.json", q=hostile)


@pytest.mark.asyncio
async def test_closest_json(ds):
    rows = (await get(ds, "/quotes/closest.json", q="we won't raise taxes on working families next year",
                      _shape="array")).json()
    assert rows[0]["text"].startswith("\u201cWe will not raise taxes on working families")
    assert rows[0]["score"] >= 0.8 and rows[0]["occurrences"] == 5
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


@pytest.mark.asyncio
async def test_find_page_links_to_quote_page(ds):
    page = (await get(ds, "/quotes/find", q="harvest doubled")).text
    assert "<mark>harvest</mark>" in page.lower()
    assert 'href="/quotes/quotes/' in page


@pytest.mark.asyncio
async def test_quote_page(ds):
    (row,) = (await get(ds, "/quotes/find.json", q='"organization has followed"', _shape="array")).json()
    page = (await get(ds, f"/quotes/quotes/{row['quote']}")).text
    assert "In a statement," in page and "Harbour Authority said." in page  # its paragraph
    assert 'class="quote-speaker"><a href="/quotes/speakers/' in page
    assert 'class="article-link" href="https://coastal-post.example/organisation/' in page
    assert "Every occurrence" in page and "Harbour Gazette" in page  # the other outlet
    # Both outlets published on 2024-04-02; the tie goes to the first url, this one.
    assert "this article is the earliest" in page.split("First appearance")[1].split("</dd>")[0]
    later = (await get(ds, "/quotes/find.json", q='"organisation has followed"', _shape="array")).json()
    other = (await get(ds, f"/quotes/quotes/{later[0]['quote']}")).text
    assert "2024-04-02, Coastal Post" in other.split("First appearance")[1].split("</dd>")[0]


@pytest.mark.asyncio
async def test_pages_escape_everything(ds):
    (row,) = (await get(ds, "/quotes/find.json", q="sell the harbour", _shape="array")).json()
    assert "<b>" not in row["snippet"] and "&lt;b&gt;" in row["snippet"]
    for path in [f"/quotes/quotes/{row['quote']}", "/quotes/find?q=sell+the+harbour",
                 "/quotes/closest?q=sell+the+harbour"]:
        page = (await get(ds, path)).text
        for raw in ("<script>alert", "<b>never", "<i>Icious", "<em>Boss", "<u>Src", "<img src=x",
                    'href="javascript:'):
            assert raw not in page, (path, raw)
    page = (await get(ds, f"/quotes/quotes/{row['quote']}")).text
    assert "&lt;i&gt;Icious&lt;/i&gt;" in page and "&lt;em&gt;Boss&lt;/em&gt;" in page


def test_safe_snippet():
    assert str(search.safe_snippet("a <mark>b</mark> <script>")) == "a <mark>b</mark> &lt;script&gt;"
    assert str(search.safe_snippet("<mark>open")) == "<mark>open</mark>"
    assert search.snippet_html("<b>" + search.MARK_OPEN + "x" + search.MARK_CLOSE) == "&lt;b&gt;<mark>x</mark>"
