"""Publishing to the open web: nothing let in, nothing run.

The quote index is built with `store.write_batch` from invented articles whose
quote text, titles, names, sources and urls hold HTML and `javascript:` urls,
then every page that shows them is fetched through `datasette.client`: table
pages, row pages, the view, canned queries, arbitrary SQL, facets, error pages.
Each must show the values escaped (or not at all), never as markup or a link.
Also: read-only, query time limit and row cap, `--no-sql`, robots.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import sqlite_utils
from click.testing import CliRunner
from markupsafe import escape

from quotes import publish, store
from quotes.model import Article, Quote

SCRIPT = '<script>alert("quote")</script>'
IMG = "<img src=x onerror=alert(1)>"
BREAKOUT = "'\"><svg onload=alert(2)>"
JS_URL = "javascript:alert(document.cookie)"
DATA_URL = "data:text/html,<script>alert(3)</script>"
EVIL_NAME = "Mal Loury<script>alert(4)</script>"
EVIL_NAME_2 = 'Ines "><b onmouseover=alert(5)>Varo'
EVIL_ORG = "Acme<iframe src=javascript:alert(6)> Ministry"
# The payloads, and their markup alone (Datasette's own pages have <script> tags, not these).
PAYLOADS = [SCRIPT, IMG, BREAKOUT, DATA_URL, EVIL_NAME, EVIL_NAME_2, EVIL_ORG,
            "<script>alert", "<img src=x", "<svg onload", "<iframe src", "<b onmouseover"]
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "srcdoc", "data"}
SCRIPT_SCHEME = re.compile(r"(?i)^\s*(?:javascript|vbscript|data):")


class Markup(HTMLParser):
    """What a browser would act on: tags, their attributes, the text of scripts."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for name, value in attrs:
            value = value or ""
            if name in URL_ATTRIBUTES and SCRIPT_SCHEME.match(value):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name.startswith("on") and "alert" in value:
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in ("svg", "iframe", "img") and any("alert" in (v or "") for _, v in attrs):
            self.problems.append(f"<{tag} {attrs!r}>")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(" in data:
            self.problems.append(f"<script>{data[:80]!r}")


def _article(passage, speaker, kind, quote_title, **fields):
    text = f"{passage} said {speaker}, in the square."
    speaker_start = len(passage) + len(" said ")
    quote = Quote(start=0, end=len(passage), text=passage, speaker=speaker, speaker_kind=kind,
                  speaker_start=speaker_start, speaker_end=speaker_start + len(speaker), mention=speaker,
                  title=quote_title, affiliation=IMG, cue="said", cue_start=len(passage) + 1,
                  cue_end=len(passage) + 5, sieve="quote_cue_speaker", confidence=0.9)
    return Article(text=text, **fields), [quote]


def build(path: Path) -> Path:
    db = sqlite_utils.Database(path)
    store.write_batch(db, [
        _article(f'"{SCRIPT} we will win {IMG}"', EVIL_NAME, "person", IMG,
                 url=JS_URL, title=BREAKOUT + SCRIPT, source=IMG, published="2024-01-01"),
        _article(f'"plain words {BREAKOUT}"', EVIL_NAME_2, "person", SCRIPT,
                 url=DATA_URL, title=IMG, source=SCRIPT, published="2024-01-02"),
        _article(f'"we regret {DATA_URL}"', EVIL_ORG, "organisation", BREAKOUT,
                 url="https://news.example/ok", title="An ordinary headline", source="Example Post",
                 published="2024-01-03"),
    ])
    store.finalize(db)
    db.close()
    return path


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    return build(tmp_path_factory.mktemp("hostile") / "quotes.db")


@pytest.fixture(scope="module")
def ids(db_path):
    db = sqlite_utils.Database(db_path)
    try:
        return {table: [row["id"] for row in db[table].rows] for table in ("quotes", "speakers", "articles")}
    finally:
        db.close()


@pytest.fixture
def ds(db_path):
    return publish.make_datasette(db_path)


def assert_safe(page: str, where: str) -> None:
    """No payload as markup: not in the page's source, not in what a parser finds."""
    for payload in PAYLOADS:
        assert payload not in page, f"{where}: raw {payload!r} in the page"
    problems = Markup(page).problems
    assert not problems, f"{where}: {problems}"


def shown(page: str, *values: str) -> bool:
    return all(str(escape(value)) in page for value in values)


def pages(ids) -> list[tuple[str, tuple[str, ...]]]:
    """(path, values the page must show escaped) for every page that shows data."""
    q, s, a = ids["quotes"], ids["speakers"], ids["articles"]
    return [
        ("/", ()),
        ("/quotes", ()),
        # Table pages, with facets (speaker names as labels, titles, sources).
        ("/quotes/quotes", (SCRIPT, IMG, BREAKOUT, EVIL_NAME, EVIL_NAME_2)),
        ("/quotes/quotes?_facet=mention&_facet=affiliation&_facet=cue", (EVIL_NAME, IMG)),
        ("/quotes/quotes?_search=win", (SCRIPT, IMG)),
        ("/quotes/quotes?_sort=title&_labels=on", (IMG, SCRIPT)),
        (f"/quotes/quotes?title={httpx.URL(IMG)}", ()),
        ("/quotes/speakers", (EVIL_NAME, EVIL_NAME_2, EVIL_ORG)),
        ("/quotes/articles", (JS_URL, DATA_URL, BREAKOUT + SCRIPT)),
        ("/quotes/speaker_titles", (IMG, SCRIPT)),
        ("/quotes/speaker_aliases", (EVIL_NAME,)),
        # The view.
        ("/quotes/quotes_view", (SCRIPT, EVIL_NAME, JS_URL, DATA_URL, BREAKOUT + SCRIPT)),
        ("/quotes/quotes_view?_facet=speaker&_facet=article_url", (EVIL_NAME, JS_URL)),
        # Row pages, the speaker's own template included.
        *[(f"/quotes/quotes/{i}", ()) for i in q],
        *[(f"/quotes/speakers/{i}", ()) for i in s],
        *[(f"/quotes/articles/{i}", ()) for i in a],
        # Canned queries.
        ("/quotes/search?q=win", (SCRIPT, EVIL_NAME, JS_URL)),
        ("/quotes/search?q=regret", (DATA_URL, EVIL_ORG)),
        ("/quotes/speaker_quotes?speaker=Mal+Loury%3Cscript%3Ealert(4)%3C%2Fscript%3E", ()),
        ("/quotes/find?q=win", ()),
        ("/quotes/find?q=regret&speaker=" + str(httpx.URL(EVIL_ORG)), ()),
        ("/quotes/closest?q=we+will+win", ()),
        ("/quotes/quote_groups", ()),
        ("/quotes/quote_variants", ()),
        ("/quotes/speaker_search?speaker=" + str(httpx.URL(EVIL_NAME_2)) + "&q=words", ()),
        # Arbitrary SQL returning hostile values.
        ("/quotes?sql=select+text,+speaker,+article_title,+article_url+from+quotes_view",
         (SCRIPT, EVIL_NAME, JS_URL, BREAKOUT + SCRIPT)),
    ]


@pytest.mark.asyncio
async def test_every_page_shows_hostile_values_escaped(ds, ids):
    for path, expected in pages(ids):
        response = await ds.client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        assert_safe(response.text, path)
        assert shown(response.text, *expected), (path, [v for v in expected if not shown(response.text, v)])


@pytest.mark.asyncio
async def test_row_pages_show_their_values_escaped(ds, ids):
    for table, column_values in (("speakers", (EVIL_NAME, EVIL_NAME_2, EVIL_ORG)),
                                 ("articles", (JS_URL, DATA_URL))):
        bodies = [(await ds.client.get(f"/quotes/{table}/{i}")).text for i in ids[table]]
        for value in column_values:
            assert any(shown(body, value) for body in bodies), (table, value)


@pytest.mark.asyncio
# An error page abandons Datasette's facet coroutines: "never awaited", harmless.
@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
@pytest.mark.parametrize("payload", [SCRIPT, BREAKOUT, IMG, JS_URL])
async def test_reflected_input_is_escaped(ds, payload):
    """What a visitor types comes back in forms, filters and error messages: escaped."""
    paths = [
        ("/quotes/search", {"q": payload}),
        ("/quotes/speaker_quotes", {"speaker": payload}),
        ("/quotes/speaker_search", {"speaker": payload, "q": payload}),
        ("/quotes/find", {"q": payload, "speaker": payload, "title": payload, "source": payload}),
        ("/quotes/closest", {"q": payload}),
        ("/quotes/quotes", {"_search": payload}),
        ("/quotes/quotes", {"title": payload}),
        ("/quotes/quotes", {"_sort": payload}),  # unknown column: an error page
        ("/quotes/quotes", {"_facet": payload}),
        ("/quotes/quotes_view", {"speaker__contains": payload}),
        ("/quotes", {"sql": f"select {sqlite_literal(payload)} as v"}),
        ("/quotes/" + payload, {}),  # unknown table: a 404 page
    ]
    for path, params in paths:
        response = await ds.client.get(path, params=params)
        # Datasette 0.65 answers an unknown _sort column with a 500 page (still
        # escaped), and redirects a table name holding quote marks to its escaped form.
        assert response.status_code in (200, 302, 400, 404, 500), (path, params, response.status_code)
        assert not SCRIPT_SCHEME.match(response.headers.get("location", ""))
        assert_safe(response.text, f"{path} {params}")


@pytest.mark.asyncio
async def test_arbitrary_sql_cannot_smuggle_markup_through_rendered_columns(ds):
    """The package's render_cell turns some result columns into HTML (snippet, quote,
    first_url, occurrences) for any query, arbitrary SQL included: whatever a
    visitor selects under those names stays escaped, and only http(s) urls link."""
    occurrences = ('[{"url": "javascript:alert(10)", "source": "<img src=x onerror=alert(11)>",'
                   ' "quote": "q\\"><svg onload=alert(12)>", "published": "<script>alert(13)</script>"},'
                   ' {"url": "https://ok.example/\\" onmouseover=\\"alert(14)", "source": "fine"}]')
    columns = {
        "snippet": "<mark>win</mark><script>alert(7)</script></mark><mark>",
        "quote": 'x"><img src=x onerror=alert(8)>',
        "first_url": "javascript:alert(9)",
        "occurrences": occurrences,
    }
    sql = "select " + ", ".join(f"{sqlite_literal(v)} as {k}" for k, v in columns.items())
    sql += ", 'https://ok.example/\"><svg onload=alert(15)>' as first_url"
    for path in ("/quotes", "/quotes.json"):
        response = await ds.client.get(path, params={"sql": sql})
        assert response.status_code == 200, response.text[:300]
    page = (await ds.client.get("/quotes", params={"sql": sql})).text
    assert_safe(page, "rendered columns")
    for fragment in ("<script>alert(", "<img src=x", "<svg onload", 'onmouseover="alert', "javascript:alert(9)\""):
        assert fragment not in page, fragment
    assert "<mark>win</mark>" in page  # the one tag a snippet may carry


def sqlite_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@pytest.mark.asyncio
async def test_urls_are_links_only_when_http(ds):
    for path in ("/quotes/articles", "/quotes/quotes_view", "/quotes/search?q=regret"):
        page = (await ds.client.get(path)).text
        assert '<a href="https://news.example/ok">' in page, path
    page = (await ds.client.get("/quotes/articles")).text
    assert shown(page, JS_URL, DATA_URL)
    assert_safe(page, "/quotes/articles")


@pytest.mark.asyncio
async def test_json_is_served_as_json(ds):
    for path in ("/quotes/quotes.json", "/quotes/search.json?q=win", "/quotes/quotes_view.json",
                 "/quotes/articles.json?_shape=array"):
        response = await ds.client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json"), path
    rows = (await ds.client.get("/quotes/articles.json?_shape=array")).json()
    assert {row["url"] for row in rows} >= {JS_URL, DATA_URL}  # the data as stored


# ---------------------------------------------------------------- SQL


@pytest.mark.asyncio
async def test_arbitrary_sql_is_read_only_time_limited_and_capped(db_path):
    ds = publish.make_datasette(db_path, settings={"sql_time_limit_ms": 200})
    before = Path(db_path).read_bytes()
    for sql in ("delete from quotes", "update speakers set name = 'x'", "drop table quotes",
                "attach database ':memory:' as other", "pragma writable_schema = 1"):
        response = await ds.client.get("/quotes.json", params={"sql": sql})
        assert response.status_code in (400, 403), (sql, response.status_code)
    assert Path(db_path).read_bytes() == before

    endless = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    started = time.perf_counter()
    response = await ds.client.get("/quotes", params={"sql": endless + f" -- {SCRIPT}"})
    assert time.perf_counter() - started < 10
    assert response.status_code == 400 and "took too long" in response.text
    assert_safe(response.text, "interrupted query page")  # the SQL is echoed, escaped

    many = "with recursive c(x) as (select 1 union all select x + 1 from c limit 5000) select x from c"
    data = (await ds.client.get("/quotes.json", params={"sql": many})).json()
    assert len(data["rows"]) == publish.SETTINGS["max_returned_rows"] and data["truncated"] is True


@pytest.mark.asyncio
async def test_no_sql_refuses_arbitrary_sql_but_keeps_search(db_path):
    ds = publish.make_datasette(db_path, allow_sql=False)
    settings = (await ds.client.get("/-/settings.json")).json()
    assert settings["default_allow_sql"] is False
    for path in ("/quotes.json?sql=select+1", "/quotes?sql=select+1", "/quotes/quotes.json?_where=1=1"):
        assert (await ds.client.get(path)).status_code == 403, path
    assert "<textarea" not in (await ds.client.get("/quotes")).text  # no SQL editor
    for path in ("/quotes/search.json?q=win", "/quotes/quotes.json?_search=win&_facet=title",
                 "/quotes/quotes_view.json?speaker__contains=Loury", "/quotes/speakers.json"):
        response = await ds.client.get(path)
        assert response.status_code == 200, (path, response.text[:300])


@pytest.mark.asyncio
async def test_canned_queries_cannot_write():
    metadata = publish.load_metadata()
    for name, query in metadata["databases"]["quotes"].get("queries", {}).items():
        assert not query.get("write"), name


# ---------------------------------------------------------------- robots


@pytest.mark.asyncio
async def test_robots_are_blocked_by_default(ds):
    response = await ds.client.get("/robots.txt")
    assert response.status_code == 200
    assert response.text.splitlines()[:2] == ["User-agent: *", "Disallow: /"]


@pytest.mark.asyncio
async def test_robots_allowed_on_request(db_path):
    ds = publish.make_datasette(db_path, allow_robots=True)
    lines = (await ds.client.get("/robots.txt")).text.splitlines()
    assert "Disallow: /" not in lines and "Disallow:" in lines


@pytest.mark.asyncio
@pytest.mark.parametrize("allow_robots", [False, True])
async def test_served_app_sends_noindex_and_nosniff_headers(db_path, allow_robots):
    ds = publish.make_datasette(db_path, allow_robots=allow_robots)
    await ds.invoke_startup()
    transport = httpx.ASGITransport(app=publish.asgi_app(ds, allow_robots=allow_robots))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        for path in ("/", "/quotes/quotes", "/quotes/quotes.json", "/robots.txt"):
            response = await client.get(path)
            assert response.status_code == 200, path
            assert (response.headers.get("x-robots-tag") == "noindex, nofollow") is (not allow_robots), path
            assert response.headers["x-content-type-options"] == "nosniff", path


# ---------------------------------------------------------------- the command


@pytest.mark.parametrize("args, expected", [
    ([], dict(allow_sql=True, allow_robots=False, settings=None)),
    (["--no-sql"], dict(allow_sql=False, allow_robots=False, settings=None)),
    (["--sql-time-limit", "500", "--allow-robots"],
     dict(allow_sql=True, allow_robots=True, settings={"sql_time_limit_ms": 500})),
])
def test_serve_options(db_path, monkeypatch, args, expected):
    from quotes.cli import cli

    calls = []
    monkeypatch.setattr(publish, "serve", lambda *a, **kw: calls.append((a, kw)))
    result = CliRunner().invoke(cli, ["serve", str(db_path), *args])
    assert result.exit_code == 0, result.output
    ((_, kwargs),) = calls
    assert kwargs["host"] == "127.0.0.1"
    assert {k: kwargs[k] for k in expected} == expected


def test_serve_passes_no_sql_to_datasette(db_path, monkeypatch):
    import uvicorn

    apps = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: apps.append(kwargs))
    built = []
    original = publish.make_datasette
    monkeypatch.setattr(publish, "make_datasette", lambda *a, **kw: built.append(original(*a, **kw)) or built[-1])
    publish.serve(db_path, allow_sql=False)
    assert built[0].setting("default_allow_sql") is False
    assert built[0].setting("sql_time_limit_ms") == publish.SETTINGS["sql_time_limit_ms"]
    assert apps[0]["host"] == "127.0.0.1"


# ---------------------------------------------------------------- a real server


ROOT = Path(__file__).resolve().parent.parent
LOAD = ROOT / "benchmarks" / "load.py"


@pytest.mark.skipif(not LOAD.is_file(), reason="benchmarks/load.py not present")
def test_load_script_against_a_real_server(tmp_path):
    """`quotes serve` under uvicorn answers a small bounded load with no error."""
    import json
    import subprocess
    import sys

    out = tmp_path / "load.json"
    result = subprocess.run([sys.executable, str(LOAD), "--requests", "60", "--concurrency", "4",
                             "--max-seconds", "60", "--json", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(out.read_text())
    assert figures["requests"] == 60 and figures["errors"] == 0
    assert figures["target"].startswith("http://127.0.0.1:")


@pytest.mark.skipif(not LOAD.is_file(), reason="benchmarks/load.py not present")
@pytest.mark.parametrize("url", ["http://10.0.0.1:8001", "http://example.com", "https://127.0.0.1:8001"])
def test_load_script_refuses_other_targets(url):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(LOAD), "--url", url, "--requests", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "loopback" in result.stderr
