"""The quote page says who spoke as the article does: a name, a description
that names no one, or nobody. Driven through the real app (datasette.client)."""

import pytest
import sqlite_utils

from quotes import publish, store
from quotes.model import Article

TEXT = ('"The harbour will reopen in May," said a senior port official.\n\n'
        'The sign on the gate read "closed until further notice" all winter.')


@pytest.fixture
def ds(tmp_path):
    path = tmp_path / "quotes.db"
    store.ingest(path, [Article(text=TEXT, url="https://news.example/port", title="Port")])
    return publish.make_datasette(path)


async def page_of(ds, passage: str) -> str:
    db = sqlite_utils.Database(ds.databases["quotes"].path)
    (quote_id,) = [r["id"] for r in db["quotes"].rows if r["text"] == passage]
    response = await ds.client.get(f"/quotes/quotes/{quote_id}")
    assert response.status_code == 200, response.text
    return response.text


@pytest.mark.asyncio
async def test_a_described_speaker_is_shown_as_the_article_puts_it(ds):
    page = await page_of(ds, '"The harbour will reopen in May,"')
    assert "“a senior port official”, as the article puts it: no name given" in page
    assert "not attributed" not in page


@pytest.mark.asyncio
async def test_a_quote_no_rule_attributed_says_so(ds):
    page = await page_of(ds, '"closed until further notice"')
    assert "not attributed" in page
