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
- Facets: :class:`CountedFacet`, the ``counted`` facets of ``metadata.yml``,
  are column facets whose counts over a whole table come from the
  ``facet_counts`` table that ingest keeps, not from grouping every row.
- Connections map the (immutable) database file into memory: reading a page
  is then a memory access, not a system call (:data:`MMAP_BYTES`).
"""

from __future__ import annotations

import json
import urllib.parse

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args, urlsafe_components
from markupsafe import Markup, escape

from . import search
from .database import (MATCHES_PARAM, SEARCH_ONLY, VIEW, VIEW_FROM_QUOTES, VIEW_ROWS,
                       QuotesDatabase, names_only_quote_columns)
from .store import FACET_COUNTS

DB_NAME = "quotes"
# SQLite reads pages of a memory-mapped file in place instead of copying each
# one in with a read(): a search looking up 47,000 quotes at 1M took a third
# of the time (benchmarks/README.md). The file is served immutable and only
# ever replaced, never written, so the mapping stays valid. SQLite caps the
# size at its compile-time maximum (2 GB by default).
MMAP_BYTES = 1 << 31
# A search's facets count at most this many of its matches (CountedFacet), as
# many as the canned `search` ranks: 5,000 took 23 to 36 ms at a million quotes
# at a load of 5 (2,000: 7 to 10 ms), where the 47,000 matches of a template's
# words took 120 to 210 ms (benchmarks/README.md).
SEARCH_FACET_ROWS = 2_000


speaker_key = search.speaker_key


@hookimpl
def asgi_wrapper(datasette):
    """Before each request, serve the file a swapping ingest put in place (quotes.reload)."""
    from .reload import reloader_of

    def wrap(app):
        async def checked(scope, receive, send):
            reloader = reloader_of(datasette)
            if reloader is not None and scope["type"] == "http":
                reloader.check()
            await app(scope, receive, send)

        return checked

    return wrap


@hookimpl
def prepare_connection(conn):
    search.register_functions(conn)  # speaker_key, fts_query, fts_any, quote_similarity, snippet_html
    conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")


@hookimpl
def register_facet_classes():
    return [CountedFacet]


class CountedFacet(ColumnFacet):
    """A column facet (``- counted: speaker_id`` in metadata.yml) counted the
    cheapest way that gives the same result as a column facet:

    - over the whole table, from ``facet_counts`` (kept by ingest,
      :func:`quotes.store.count_facets`) instead of grouping every row: four
      facets took about 250 ms at a million quotes. Only when every column was
      counted and the counts are of the rows served (the same row count);
    - over a search (``_search``), every facet in one query: the matches are
      found and their rows read once, not once per facet. A search matching
      more than :data:`SEARCH_FACET_ROWS` quotes is counted among the last
      that many matches in index order (the most recently ingested), and its
      facets say so (``counted_among``, and a line on the page): exact counts
      cost about 3 µs a match (47,000 for a template's words at a million
      quotes: 120 to 210 ms), while the page's row count stays exact;
    - on ``quotes_view``, when it has one row per quote
      (:func:`quotes.database.facts`) and the page filters only columns the
      view copies from ``quotes``: from ``quotes`` and its (column, ...)
      indexes, the speaker's name joined to the counts per speaker id, instead
      of joining every row to its article (50 to 480 ms for a title at a
      million quotes); unfiltered, from ``facet_counts``;
    - otherwise (a filter) one query per facet as a column facet runs, which
      the (column, ...) indexes of :data:`quotes.store.INDEXES` answer.

    Results are a column facet's, and say so (``type: column``)."""

    type = "counted"

    async def suggest(self):
        return []  # the column facet suggests columns; once is enough

    def _columns(self) -> list[str]:
        return [c["config"].get("column") or c["config"]["simple"] for c in self.get_configs()]

    async def facet_results(self):
        columns = self._columns()
        if not columns:
            return [], []
        limit = self.get_facet_size() + 1
        sample = None
        view_where = self._view_where(columns)
        if view_where is not None:
            if view_where == "" and await self._kept_counts("quotes", columns_of_quotes(columns)):
                sql, params = self._view_sql(columns, None, limit), {}
            else:
                sql, params = self._view_sql(columns, view_where, limit), self.params
        elif await self._kept_counts(self.table, columns):
            sql = " UNION ALL ".join(
                f"SELECT * FROM (SELECT {n} AS facet, value, count FROM [{FACET_COUNTS}]"
                f" WHERE [table] = :table AND [column] = :c{n} AND value IS NOT NULL"
                f" ORDER BY count DESC, value LIMIT {limit})" for n in range(len(columns)))
            params = {"table": self.table, **{f"c{n}": c for n, c in enumerate(columns)}}
        elif any(key.startswith("_search") for key in self.request.args):
            # The matching rows once, into a temporary b-tree, then grouped per column.
            matched, params, sample = await self._search_matches()
            picked = ", ".join(escape_sqlite(c) for c in dict.fromkeys(columns))
            sql = f"WITH matched AS MATERIALIZED (SELECT {picked} FROM ({matched})) " + " UNION ALL ".join(
                f"SELECT * FROM (SELECT {n} AS facet, {escape_sqlite(c)} AS value, count(*) AS count"
                f" FROM matched WHERE {escape_sqlite(c)} IS NOT NULL GROUP BY {escape_sqlite(c)}"
                f" ORDER BY count DESC, value LIMIT {limit})" for n, c in enumerate(columns))
        else:
            results, timed_out = await super().facet_results()
            for result in results:
                result["type"] = "column"
            return results, timed_out
        try:
            rows = (await self.ds.execute(self.database, sql, params, truncate=False,
                                          custom_time_limit=self.ds.setting("facet_time_limit_ms"))).rows
        except QueryInterrupted:
            return [], columns
        by_facet: dict[int, list] = {n: [] for n in range(len(columns))}
        for row in rows:
            by_facet[row["facet"]].append(row)
        results = [await self._result(column, by_facet[n], limit - 1) for n, column in enumerate(columns)]
        if sample is not None:
            for result in results:
                result["counted_among"] = sample
        return results, []

    async def _search_matches(self) -> tuple[str, dict, dict | None]:
        """The SQL and parameters of the rows a search page's facets count, and,
        when they are not all the matches, what they are (``rows``, ``of``,
        ``description``)."""
        shape = SEARCH_ONLY.fullmatch(self.sql)
        db = self.ds.get_database(self.database)
        if not (shape and isinstance(db, QuotesDatabase) and db.facts.get("fts_is_quotes")):
            if self.row_count is None or self.row_count <= SEARCH_FACET_ROWS:
                return self.sql, self.params, None
            return (f"{self.sql} ORDER BY rowid DESC LIMIT {SEARCH_FACET_ROWS}", self.params,
                    self._sample(self.row_count))
        found = await db.matches(shape.group("match"), self.params)
        if found.count <= SEARCH_FACET_ROWS:  # the matches the page's count and rows came from
            return (f"{shape.group('select')} WHERE rowid IN (SELECT value FROM json_each(:{MATCHES_PARAM}))",
                    {**self.params, MATCHES_PARAM: found.rowids}, None)
        # The full-text index gives its last matches without finding them all.
        return (f"{shape.group('select')} WHERE rowid IN (SELECT rowid FROM quotes_fts"
                f" WHERE quotes_fts MATCH {shape.group('match')} ORDER BY rowid DESC LIMIT {SEARCH_FACET_ROWS})",
                self.params, self._sample(found.count))

    @staticmethod
    def _sample(matches: int) -> dict:
        return {"rows": SEARCH_FACET_ROWS, "of": matches,
                "description": f"counted among the last {SEARCH_FACET_ROWS:,} of the {matches:,}"
                               " matches in index order (the most recently ingested)"}

    def _view_where(self, columns: list[str]) -> str | None:
        """On quotes_view with one row per quote: the page's WHERE clause ('' for
        none) when it names only columns the view copies from quotes and every
        facet is one of those or the speaker's name or kind; else None."""
        if self.table != VIEW or not set(columns) <= VIEW_FROM_QUOTES | set(SPEAKER_COLUMNS):
            return None
        db = self.ds.get_database(self.database)
        if not isinstance(db, QuotesDatabase) or not db.facts.get("view_is_quotes"):
            return None
        shape = VIEW_ROWS.fullmatch(self.sql)
        if shape is None:
            return None
        where = shape.group("where") or ""
        return where if names_only_quote_columns(where) else None

    @staticmethod
    def _view_sql(columns: list[str], where: str | None, limit: int) -> str:
        """Each facet of quotes_view counted on quotes (where: the page's filter,
        '' for none), or read from the counts kept for quotes (where None): a
        column the view copies as it is, the speaker's name or kind summed over
        the counts per speaker id."""
        def per_value(column: str) -> str:  # (value, count) of a quotes column
            if where is None:
                return (f"SELECT value, count FROM [{FACET_COUNTS}] WHERE [table] = 'quotes'"
                        f" AND [column] = '{column}' AND value IS NOT NULL")
            c = escape_sqlite(column)
            condition = f"({where}) AND " if where else ""
            return f"SELECT {c} AS value, count(*) AS count FROM quotes WHERE {condition}{c} IS NOT NULL GROUP BY {c}"

        parts = []
        for n, column in enumerate(columns):
            if column in SPEAKER_COLUMNS:
                name = f"speakers.[{SPEAKER_COLUMNS[column]}]"
                parts.append(f"SELECT {n} AS facet, {name} AS value, sum(per.count) AS count"
                             f" FROM ({per_value('speaker_id')}) AS per JOIN speakers ON speakers.id = per.value"
                             f" WHERE {name} IS NOT NULL GROUP BY {name}")
            else:
                parts.append(f"SELECT {n} AS facet, value, count FROM ({per_value(column)})")
        return " UNION ALL ".join(f"SELECT * FROM ({part} ORDER BY count DESC, value LIMIT {limit})"
                                  for part in parts)

    async def _result(self, column: str, rows: list, facet_size: int) -> dict:
        """One facet's JSON from its (value, count) rows, as ColumnFacet builds it
        (each value's toggle URL as path_with_added_args and absolute_url make
        it, without parsing the page's query string again for every value)."""
        qs_pairs = self.get_querystring_pairs()
        expanded = await self.ds.expand_foreign_keys(
            self.database, self.table, column, [row["value"] for row in rows[:facet_size]])
        column_qs = f"{column}__exact" if column.startswith("_") else column  # a click adds column=value
        kept = urllib.parse.urlencode(urllib.parse.parse_qsl(self.request.query_string))
        page = self.ds.absolute_url(self.request, self.ds.urls.path(self.request.path))
        values = []
        for row in rows[:facet_size]:
            selected = (column_qs, str(row["value"])) in qs_pairs
            if selected:
                toggle_url = self.ds.absolute_url(self.request, self.ds.urls.path(
                    path_with_removed_args(self.request, {column_qs: str(row["value"])})))
            elif row["value"] is None:  # (facets leave null out)
                toggle_url = self.ds.absolute_url(self.request, self.ds.urls.path(
                    path_with_added_args(self.request, {column_qs: None})))
            else:
                added = urllib.parse.urlencode([(column_qs, row["value"])])
                toggle_url = f"{page}?{kept}&{added}" if kept else f"{page}?{added}"
            values.append({
                "value": row["value"],
                "label": expanded.get((column, row["value"]), row["value"]),
                "count": row["count"],
                "toggle_url": toggle_url,
                "selected": selected,
            })
        return {"name": column, "type": "column", "hideable": False,
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                "results": values, "truncated": len(rows) > facet_size}

    async def _kept_counts(self, table: str, columns: list[str]) -> bool:
        """Whether this page's facets can be read from FACET_COUNTS kept for
        table: the page is the whole table (no filter, search or next page),
        every facet's column was counted, and the counts are of the rows served
        (the same row count)."""
        if not self.table or self.row_count is None \
                or not self.sql.rstrip().endswith(f" from {escape_sqlite(self.table)}"):
            return False
        db = self.ds.get_database(self.database)
        if not await db.table_exists(FACET_COUNTS):
            return False
        counted = dict((await db.execute(
            f"SELECT [column], count FROM [{FACET_COUNTS}] WHERE [table] = ? AND value IS NULL",
            [table])).rows)
        return counted.get("") == self.row_count and set(columns) <= set(counted)


# quotes_view's columns from its speakers join: the column of speakers each is.
SPEAKER_COLUMNS = {"speaker": "name", "speaker_kind": "kind"}


def columns_of_quotes(columns: list[str]) -> list[str]:
    """The quotes columns whose kept counts give these quotes_view facets."""
    return ["speaker_id" if c in SPEAKER_COLUMNS else c for c in columns]


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
