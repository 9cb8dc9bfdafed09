"""The published app: the real Datasette 0.65, driven through datasette.client."""

import hashlib
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from quotes import publish, store
from quotes.model import Article, Quote

ARTICLES = [
    ('"We will never negotiate with Daesh," said Karim Haddad, the defence minister.',
     '"We will never negotiate with Daesh,"', "Karim Haddad", "person", "defence minister",
     dict(url="https://news.example/haddad", title="Minister rules out talks",
          source="Example Gazette", published="2023-05-04")),
    ('The Green Valley Cooperative said: "Our harvest doubled this year."',
     '"Our harvest doubled this year."', "Green Valley Cooperative", "organisation", None,
     dict(url="https://news.example/harvest", title="A record harvest",
          source="Example Post", published="2024-09-10")),
    ('"Talks with the rebels must wait," Karim Haddad told reporters.',
     '"Talks with the rebels must wait,"', "Karim Haddad", "person", "defence minister",
     dict(url="https://news.example/talks", title="No talks yet",
          source="Example Post", published="2024-01-20")),
]


def build(path: Path) -> Path:
    """A finished quote database made with write_batch, independent of the attributor."""
    db = sqlite_utils.Database(path)
    batch = []
    for text, passage, speaker, kind, title, fields in ARTICLES:
        article = Article(text=text, **fields)
        start = text.index(passage)
        batch.append((article, [Quote(start=start, end=start + len(passage), text=passage,
                                      speaker=speaker, speaker_kind=kind, title=title,
                                      cue="said", sieve="trigram", confidence=1.0)]))
    store.write_batch(db, batch)
    store.finalize(db)
    db.close()
    return path


@pytest.fixture
def db_path(tmp_path):
    return build(tmp_path / "quotes.db")


@pytest.fixture
def ds(db_path):
    return publish.make_datasette(db_path)


async def get_json(ds, path):
    response = await ds.client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.asyncio
async def test_table_search_returns_quote_with_speaker(ds):
    data = await get_json(ds, "/quotes/quotes.json?_search=harvest&_labels=on&_shape=objects")
    (row,) = data["rows"]
    assert row["text"] == '"Our harvest doubled this year."'
    assert row["speaker_id"]["label"] == "Green Valley Cooperative"
    assert row["article_id"]["label"] == "A record harvest"


@pytest.mark.asyncio
async def test_table_search_survives_unbalanced_quote(ds):
    data = await get_json(ds, '/quotes/quotes.json?_search="Daesh&_shape=objects')
    assert [r["title"] for r in data["rows"]] == ["defence minister"]


@pytest.mark.asyncio
async def test_canned_search_ranks_and_joins(ds):
    rows = await get_json(ds, "/quotes/search.json?q=talks+rebels&_shape=array")
    assert rows == [{
        "text": '"Talks with the rebels must wait,"', "speaker": "Karim Haddad",
        "title": "defence minister", "article_title": "No talks yet",
        "article_url": "https://news.example/talks", "published": "2024-01-20",
        "source": "Example Post", "id": rows[0]["id"]}]


@pytest.mark.asyncio
@pytest.mark.parametrize("q", ['"Daesh', 'negotiate with "Daesh', 'Daesh"', "NEAR(", "-"])
async def test_canned_search_takes_any_input(ds, q):
    response = await ds.client.get("/quotes/search.json", params={"q": q, "_shape": "array"})
    assert response.status_code == 200, response.text
    if "Daesh" in q:
        assert [r["speaker"] for r in response.json()] == ["Karim Haddad"]


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/quotes/search.json?q=", '/quotes/search.json?q="',
                                  "/quotes/search.json", "/quotes/search"])
async def test_canned_search_without_words_is_empty_not_an_error(ds, path):
    response = await ds.client.get(path)
    assert response.status_code == 200, response.text


@pytest.mark.asyncio
async def test_canned_search_phrase(ds):
    rows = await get_json(ds, '/quotes/search.json?q="harvest doubled"&_shape=array')
    assert [r["speaker"] for r in rows] == ["Green Valley Cooperative"]
    assert await get_json(ds, '/quotes/search.json?q="doubled harvest"&_shape=array') == []


@pytest.mark.asyncio
async def test_canned_speaker_quotes(ds):
    rows = await get_json(ds, "/quotes/speaker_quotes.json?speaker=karim+haddad&_shape=array")
    # Newest first.
    assert [r["article_title"] for r in rows] == ["No talks yet", "Minister rules out talks"]


@pytest.mark.asyncio
async def test_metadata_facets(ds):
    data = await get_json(ds, "/quotes/quotes.json")
    facets = data["facet_results"]
    assert {"speaker_id", "title", "source", "published"} <= set(facets)
    # A plain column facet on the dates (date() on every row was the slowest facet at 1M quotes).
    assert facets["published"]["type"] == "column"
    assert {r["value"]: r["count"] for r in facets["published"]["results"]} == {
        "2024-09-10": 1, "2024-01-20": 1, "2023-05-04": 1}
    speakers = {r["label"]: r["count"] for r in facets["speaker_id"]["results"]}
    assert speakers == {"Karim Haddad": 2, "Green Valley Cooperative": 1}
    # Sorted by publication date, newest first.
    assert [r[data["columns"].index("published")] for r in data["rows"]] == [
        "2024-09-10", "2024-01-20", "2023-05-04"]


@pytest.mark.asyncio
async def test_view_and_metadata_pages(ds):
    rows = await get_json(ds, "/quotes/quotes_view.json?_shape=array&speaker=Karim+Haddad")
    assert {r["article_url"] for r in rows} == {
        "https://news.example/haddad", "https://news.example/talks"}
    metadata = await get_json(ds, "/-/metadata.json")
    assert metadata["title"] == "Quotes"
    assert {"search", "speaker_quotes"} <= set(metadata["databases"]["quotes"]["queries"])
    settings = await get_json(ds, "/-/settings.json")
    assert settings["sql_time_limit_ms"] == publish.SETTINGS["sql_time_limit_ms"]
    assert settings["max_returned_rows"] == publish.SETTINGS["max_returned_rows"]
    page = await ds.client.get("/")
    assert page.status_code == 200 and "Quotes" in page.text


@pytest.mark.asyncio
async def test_served_immutable(ds, db_path):
    before = hashlib.sha256(db_path.read_bytes()).hexdigest()
    (database,) = await get_json(ds, "/-/databases.json")
    assert database["name"] == "quotes" and database["is_mutable"] is False
    assert ds.databases["quotes"].is_mutable is False
    await get_json(ds, "/quotes/quotes.json?_search=harvest")
    write = await ds.client.get("/quotes.json", params={"sql": "delete from quotes"})
    assert write.status_code == 400
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before


@pytest.mark.asyncio
async def test_any_file_name_is_served_as_quotes(tmp_path):
    ds = publish.make_datasette(build(tmp_path / "news-2024.db"))
    data = await get_json(ds, "/quotes/quotes.json?_search=harvest")
    assert len(data["rows"]) == 1
    assert "facet_results" in data and "speaker_id" in data["facet_results"]


def test_default_metadata_is_the_projects():
    assert publish.metadata_file() == Path(__file__).resolve().parent.parent / "metadata.yml"


def test_missing_database_names_the_file(tmp_path):
    missing = tmp_path / "nowhere.db"
    with pytest.raises(publish.PublishError, match="nowhere.db.*quotes ingest"):
        publish.make_datasette(missing)
    assert not missing.exists()


def test_not_a_quote_database(tmp_path):
    other = tmp_path / "other.db"
    sqlite_utils.Database(other)["things"].insert({"id": 1})
    with pytest.raises(publish.PublishError, match="other.db.*quotes ingest"):
        publish.make_datasette(other)
    junk = tmp_path / "junk.db"
    junk.write_text("not sqlite at all, " * 100)
    with pytest.raises(publish.PublishError, match="junk.db"):
        publish.make_datasette(junk)


def test_missing_metadata_names_the_file(db_path, tmp_path):
    with pytest.raises(publish.PublishError, match="absent.yml"):
        publish.make_datasette(db_path, metadata_path=tmp_path / "absent.yml")


def test_serve_runs_datasette_app(db_path, monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    publish.serve(db_path, host="0.0.0.0", port=9123)
    ((app, kwargs),) = calls
    assert kwargs["host"] == "0.0.0.0" and kwargs["port"] == 9123


def test_cli_serve_reports_missing_database(tmp_path):
    from quotes.cli import cli

    result = CliRunner().invoke(cli, ["serve", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert "none.db" in result.output and "quotes ingest" in result.output


@pytest.mark.asyncio
async def test_a_running_app_serves_the_file_an_ingest_swapped_in(tmp_path):
    """No restart after a swapping ingest: the next request finds the new
    file (quotes.reload), counts and all; the replaced file is closed."""
    from quotes import reload

    path = build(tmp_path / "q.db")
    ds = publish.make_datasette(path)
    reload.reloader_of(ds).check_every = 0  # look at the file on every request
    before = (await ds.client.get("/quotes/quotes.json?_shape=array")).json()
    assert len(before) == 3
    old_db = ds.databases["quotes"]
    text = '"The port reopens on Monday," said Oda Lunde.'
    summary = store.ingest(path, [Article(text=text, url="https://news.example/port")], workers=1)
    assert summary.quotes == 4
    response = await ds.client.get("/quotes/quotes.json?_shape=array&_size=max")
    assert response.status_code == 200
    assert len(response.json()) == 4 and any("port reopens" in row["text"] for row in response.json())
    table = (await ds.client.get("/quotes/quotes.json")).json()
    assert table["filtered_table_rows_count"] == 4  # the count is the new file's
    assert ds.databases["quotes"] is not old_db and reload.reloader_of(ds).reloads == 1
    assert (await ds.client.get("/quotes/speakers.json?_shape=array&name=Oda+Lunde")).json()
