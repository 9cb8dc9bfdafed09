"""The package's own Datasette plugin, registered by :func:`quotes.publish.make_datasette`.

- ``speaker_key(name, kind)``, an SQL function: the identity key of a name
  (:func:`quotes.identity.key`), so canned queries find a speaker however the
  name is written ("president fuad masum" finds Fuad Masum).
- Speaker pages: ``templates/row-quotes-speakers.html`` shows a speaker's
  titles over time and aliases, which this plugin reads for it.
- Search (:mod:`quotes.search`): the SQL functions ``fts_query(q)`` (what a
  person typed as an FTS5 query that cannot fail), ``fts_any(q)``,
  ``quote_similarity(q, text)`` and ``snippet_html(snippet)`` for the canned
  queries ``find`` and ``closest``; their cells ``snippet`` (only ``<mark>``
  kept, the rest escaped), ``quote`` (a link to the quote page), ``first_url``
  and ``occurrences`` are rendered as links.
- Quote pages: ``templates/row-quotes-quotes.html`` shows the quote inside its
  paragraph, the speaker, title, cue, the article link and the other
  occurrences of the quote, which this plugin reads for it.
"""

from __future__ import annotations

import json

from datasette import hookimpl
from datasette.utils import urlsafe_components
from markupsafe import Markup, escape

from . import search

DB_NAME = "quotes"


speaker_key = search.speaker_key


@hookimpl
def prepare_connection(conn):
    search.register_functions(conn)  # speaker_key, fts_query, fts_any, quote_similarity, snippet_html


def web_url(url) -> str | None:
    """url when it is an http(s) address, else None: nothing else becomes a link."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None


def _link(href, text) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


@hookimpl
def render_cell(value, column, table, database, datasette):
    if database != DB_NAME or table is not None or not isinstance(value, str):
        return None  # only the query results; tables keep Datasette's rendering
    if column == "snippet":
        return search.safe_snippet(value)
    if column == "quote":
        return Markup(_link(datasette.urls.row(database, "quotes", value), "open"))
    if column == "first_url" and web_url(value):
        return Markup(_link(value, value))
    if column == "occurrences":
        try:
            occurrences = json.loads(value)
            items = [f"<li>{escape(o.get('published') or 'undated')} "
                     f"{_link(web_url(o.get('url')) or datasette.urls.row(database, 'quotes', o['quote']), o.get('source') or o.get('url') or 'article')}</li>"
                     for o in occurrences]
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        return Markup(f'<ol class="occurrences">{"".join(items)}</ol>')
    return None


@hookimpl
def extra_template_vars(database, table, view_name, request, datasette):
    if view_name != "row" or database != DB_NAME or request is None:
        return {}
    if table == "quotes":
        return _quote_page(request, datasette, database)
    if table != "speakers":
        return {}

    async def speaker_page():
        (pk,) = urlsafe_components(request.url_vars["pks"])
        db = datasette.get_database(database)
        titles = await db.execute(
            "SELECT title, affiliation, first_seen, last_seen, articles, quotes"
            " FROM speaker_titles WHERE speaker_id = ? ORDER BY first_seen, last_seen, title", [pk])
        aliases = await db.execute(
            "SELECT alias, first_seen, last_seen, articles, quotes"
            " FROM speaker_aliases WHERE speaker_id = ? ORDER BY quotes DESC, alias", [pk])
        return {"speaker_id": pk,
                "speaker_titles": [dict(r) for r in titles.rows],
                "speaker_aliases": [dict(r) for r in aliases.rows]}

    return speaker_page


def paragraph_around(text: str, start: int, end: int) -> tuple[str, str, str]:
    """(before, quote, after): the paragraph of text[start:end], split around it."""
    lo = text.rfind("\n\n", 0, start)
    lo = 0 if lo < 0 else lo + 2
    hi = text.find("\n\n", end)
    hi = len(text) if hi < 0 else hi
    return text[lo:start].lstrip(), text[start:end], text[end:hi].rstrip()


def _quote_page(request, datasette, database):
    async def quote_page():
        (pk,) = urlsafe_components(request.url_vars["pks"])
        db = datasette.get_database(database)
        rows = (await db.execute(
            "SELECT quotes.*, articles.text AS article_text, articles.url AS article_url,"
            " articles.title AS article_title, speakers.name AS speaker_name,"
            " speakers.kind AS speaker_kind"
            " FROM quotes JOIN articles ON articles.id = quotes.article_id"
            " LEFT JOIN speakers ON speakers.id = quotes.speaker_id WHERE quotes.id = ?", [pk])).rows
        if not rows:
            return {}
        quote = dict(rows[0])
        text = quote.pop("article_text") or ""
        if 0 <= (quote["start"] or 0) <= (quote["end"] or 0) <= len(text):
            before, passage, after = paragraph_around(text, quote["start"], quote["end"])
        else:
            before, passage, after = "", quote["text"], ""
        others = []
        if await db.table_exists(search.VARIANTS):
            others = [dict(r) for r in (await db.execute(
                "SELECT quotes.id, quotes.text, quotes.published, quotes.source, articles.url,"
                " articles.title AS article_title, speakers.name AS speaker"
                " FROM quote_variants AS mine"
                " JOIN quote_variants AS theirs ON theirs.group_id = mine.group_id"
                " JOIN quotes ON quotes.id = theirs.quote_id"
                " JOIN articles ON articles.id = quotes.article_id"
                " LEFT JOIN speakers ON speakers.id = quotes.speaker_id"
                " WHERE mine.quote_id = ?"
                " ORDER BY quotes.published IS NULL, quotes.published, articles.url, quotes.id",
                [pk])).rows]
        for other in others:
            other["href"] = web_url(other["url"])
        first = others[0]["id"] if others else pk
        return {"quote": quote, "before": before, "passage": passage, "after": after,
                "article_href": web_url(quote["article_url"]), "is_first": first == pk,
                "occurrences": others}

    return quote_page
