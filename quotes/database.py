"""Datasette's :class:`~datasette.database.Database` for the quote index: some
statements Datasette 0.65 builds for its table pages, for which it has no plugin
hook, are answered with cheaper SQL that returns the same result.

Datasette runs, for a table page, the rows, then ``select count(*) from <table>
where <filters>``, then the facets. At a million quotes (benchmarks/README.md):

- ``quotes_view`` joins every quote to its article, so counting a page filtered
  by a title (14,000 to 55,000 quotes) looked up each quote's row and article:
  20 to 130 ms, where the same count on ``quotes`` reads one index (under 2 ms).
  When every quote has exactly one article (checked once per file, see
  :func:`facts`), a count over the view whose filters only name columns the
  view copies from ``quotes`` is the same count over ``quotes``; the unfiltered
  view's count is the one counted when the file was opened.
- A table search (``?_search=``) ran the full-text match in every statement:
  the rows, the count and the facets each found every match. When the index
  holds exactly the quotes (checked once per file), the matches are found once
  per search (:meth:`QuotesDatabase.matches`: their number and rowids, kept for
  the searches served last; the file is immutable, and a swapped-in file gets
  a new Database): the count is their number, the rows and the facets
  (quotes.plugin.CountedFacet) read their rowids.
- Its rows, newest first: SQLite read every match's row to sort them (47,000
  for a template's words: 55 to 130 ms). For a search matching many quotes it
  is cheaper to walk the ``published`` index from the newest and keep the
  matches (:func:`index_walk_pays`), bounded by a time budget after which the
  sorting plan runs anyway. Quotes published the same day, which Datasette's
  first page leaves in any order, are ordered by ``id`` as its next pages
  assume, so both plans give the same rows.

Anything else runs as Datasette built it.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from datasette.database import Database, QueryInterrupted, Results

from .store import VIEW_SQL

VIEW = "quotes_view"
# Columns quotes_view copies from quotes, with the same meaning, read off
# store.VIEW_SQL (the lines "quotes.<column>," with no alias); the others come
# from its joins.
VIEW_FROM_QUOTES = frozenset(re.findall(r"^[ \t]*quotes\.(\w+),?[ \t]*$", VIEW_SQL, re.M))
# Words Datasette's filters write around a column (datasette/filters.py).
FILTER_WORDS = frozenset({"and", "or", "not", "is", "null", "like", "glob", "in", "date"})
PUBLISHED_INDEX = "idx_quotes_published"

# The statements of a table search as Datasette 0.65 builds them (views/table.py,
# filters.py search_filters), the search being the page's only filter.
_MATCH = r"(?P<match>escape_fts\(:search\)|:search)"
_SEARCH = rf"rowid in \(select rowid from quotes_fts where quotes_fts match {_MATCH}\)"
SEARCH_COUNT = re.compile(rf"select count\(\*\) from quotes where {_SEARCH} ")
SEARCH_ROWS = re.compile(
    rf"(?P<select>select (?P<columns>[^;]+?) from quotes) where (?P<where>{_SEARCH}) "
    rf"order by published desc limit (?P<limit>\d+)")
VIEW_COUNT = re.compile(rf"select count\(\*\) from {VIEW} (?:where (?P<where>.+) )?", re.S)
# The rows a table page's facets count (its SQL without order or limit).
SEARCH_ONLY = re.compile(rf"(?P<select>select (?P<columns>[^;]+?) from quotes) where {_SEARCH} ")
VIEW_ROWS = re.compile(rf"select [^;]+? from {VIEW} (?:where (?P<where>.+) )?", re.S)

# Walking the published index costs about 0.3 µs per entry and finds the
# newest `limit` matches after limit * rows / matches entries; sorting costs
# about 1.5 µs per match (measured at a million quotes).
WALK_US, SORT_US = 0.3, 1.5
WALK_BUDGET_MS = 60  # past this the walk stops and the matches are sorted instead
# The matches of the searches served last are kept, up to this many bytes of
# rowids (about 8 bytes a match; 47,000 matches take 370 kB).
KEPT_MATCHES_BYTES = 32 << 20
MATCHES_PARAM = "_quotes_matches"  # the parameter that carries them into SQL


def index_walk_pays(matches: int, rows: int, limit: int) -> bool:
    """Whether walking the published index beats sorting `matches` of `rows` quotes."""
    return matches > 0 and limit * rows / matches * WALK_US < matches * SORT_US


_TOKEN = re.compile(r"""'(?:[^']|'')*'|:\w+|\d+(?:\.\d*)?|"((?:[^"]|"")*)"|\[([^\]]*)\]|`([^`]*)`|([A-Za-z_]\w*)|(\S)""")


def names_only_quote_columns(where: str) -> bool:
    """Whether a WHERE clause names only columns quotes_view copies from quotes
    (besides literals, parameters and the words of Datasette's filters): it
    then selects the same quotes from quotes as from the view."""
    for match in _TOKEN.finditer(where):
        quoted = next((q for q in match.group(1, 2, 3) if q is not None), None)
        word, other = match.group(4), match.group(5)
        if quoted is not None and quoted.replace('""', '"') not in VIEW_FROM_QUOTES:
            return False
        if word is not None and word.lower() not in FILTER_WORDS and word not in VIEW_FROM_QUOTES:
            return False
        if other is not None and other not in "=<>!(),":
            return False
    return True


def facts(conn) -> dict:
    """What the rewrites rely on, checked on an open (immutable) quote database:

    - ``view_is_quotes``: quotes_view is store.VIEW_SQL and every quote has
      exactly one article (articles.id and speakers.id are primary keys), so
      the view has one row per quote; ``view_count`` is its row count;
    - ``fts_is_quotes``: quotes_fts indexes exactly the quotes' rowids;
    - ``published_index``: the index on quotes(published) exists.

    About half a second at a million quotes (the article check)."""
    from .store import VIEW_SQL

    def one(sql, params=()):
        return conn.execute(sql, params).fetchone()[0]

    def sql_of(name):
        row = conn.execute("select sql from sqlite_master where name = ?", [name]).fetchone()
        return " ".join(row[0].split()) if row and row[0] else ""

    def single_pk(table):
        return [r[1] for r in conn.execute(f"pragma table_info([{table}])") if r[5]] == ["id"]

    result = {"view_is_quotes": False, "view_count": None, "fts_is_quotes": False,
              "published_index": False}
    tables = {r[0] for r in conn.execute("select name from sqlite_master")}
    if not {"quotes", "articles", "speakers", VIEW} <= tables:
        return result
    quotes = one("select count(*) from quotes")
    if sql_of(VIEW) == " ".join(f'CREATE VIEW "{VIEW}" AS {VIEW_SQL}'.split()) \
            and single_pk("articles") and single_pk("speakers"):
        orphans = one("select count(*) from quotes where article_id is null or article_id not in"
                      " (select id from articles where id is not null)")
        result["view_is_quotes"] = orphans == 0
        result["view_count"] = quotes - orphans
    if "quotes_fts_docsize" in tables and 'content="quotes"' in sql_of("quotes_fts").replace("'", '"'):
        indexed = one("select count(*) from quotes_fts_docsize")
        if indexed == quotes:
            if quotes == 0:
                result["fts_is_quotes"] = True
            else:
                low, high = one("select min(rowid) from quotes"), one("select max(rowid) from quotes")
                ilow, ihigh = one("select min(id) from quotes_fts_docsize"), one("select max(id) from quotes_fts_docsize")
                if high - low + 1 == quotes:  # rowids without gaps: equal ranges, equal sets
                    result["fts_is_quotes"] = low <= ilow and ihigh <= high
                else:
                    result["fts_is_quotes"] = one(
                        "select count(*) from quotes_fts_docsize where id not in (select rowid from quotes)") == 0
    result["published_index"] = conn.execute(
        "select 1 from pragma_index_info(?) where seqno = 0 and name = 'published'",
        [PUBLISHED_INDEX]).fetchone() is not None
    return result


@dataclass(frozen=True)
class Matches:
    """A search's full-text matches: how many, and their rowids as a JSON array."""

    count: int
    rowids: str


class QuotesDatabase(Database):
    """An immutable quote database whose table pages run cheaper equivalent SQL."""

    def __init__(self, ds, path):
        super().__init__(ds, path=str(path), is_mutable=False)
        self._matches: OrderedDict[tuple[str, str], Matches] = OrderedDict()

    @property
    def facts(self) -> dict:
        return (self.ds.inspect_data or {}).get(self.name, {}).get("facts", {})

    def _rows(self) -> int | None:
        return (self.ds.inspect_data or {}).get(self.name, {}).get("tables", {}).get("quotes", {}).get("count")

    async def matches(self, match: str, params: dict) -> Matches:
        """The search's matches, found once per search (the file never changes):
        a page's rows, count and facets each read them from here instead of
        running the full-text query again."""
        key = (match, params["search"])
        found = self._matches.get(key)
        if found is None:
            count, rowids = (await super().execute(
                f"select count(*), json_group_array(rowid) from quotes_fts where quotes_fts match {match}",
                params)).rows[0]
            found = self._matches[key] = Matches(count, rowids)
            while sum(len(m.rowids) for m in self._matches.values()) > KEPT_MATCHES_BYTES \
                    and len(self._matches) > 1:
                self._matches.popitem(last=False)
        self._matches.move_to_end(key)
        return found

    async def execute(self, sql, params=None, truncate=False, custom_time_limit=None,
                      page_size=None, log_sql_errors=True):
        facts = self.facts
        kwargs = dict(truncate=truncate, custom_time_limit=custom_time_limit,
                      page_size=page_size, log_sql_errors=log_sql_errors)
        if not sql.startswith("select "):
            return await super().execute(sql, params, **kwargs)
        if facts.get("view_is_quotes") and (view := VIEW_COUNT.fullmatch(sql)):
            where = view.group("where")
            if where is None:
                return Results([(facts["view_count"],)], False, [("count(*)",)])
            if names_only_quote_columns(where):
                return await super().execute(f"select count(*) from quotes where {where} ", params, **kwargs)
        if facts.get("fts_is_quotes") and isinstance(params, dict) and isinstance(params.get("search"), str):
            if count := SEARCH_COUNT.fullmatch(sql):
                return Results([((await self.matches(count.group("match"), params)).count,)],
                               False, [("count(*)",)])
            if rows := SEARCH_ROWS.fullmatch(sql):
                return await self._search_rows(rows, params, kwargs)
        return await super().execute(sql, params, **kwargs)

    async def _search_rows(self, rows: re.Match, params: dict, kwargs: dict) -> Results:
        """A search's newest rows: by the published index when that pays, else sorted."""
        found = await self.matches(rows.group("match"), params)
        params = {**params, MATCHES_PARAM: found.rowids}
        tail = (f"where rowid in (select value from json_each(:{MATCHES_PARAM}))"
                f" order by published desc, id limit {rows.group('limit')}")
        total = self._rows()
        if self.facts.get("published_index") and total \
                and index_walk_pays(found.count, total, int(rows.group("limit"))):
            limit = kwargs["custom_time_limit"]
            walk = {**kwargs, "custom_time_limit": min(limit or WALK_BUDGET_MS, WALK_BUDGET_MS)}
            try:
                return await super().execute(
                    f"{rows.group('select')} indexed by {PUBLISHED_INDEX} {tail}", params, **walk)
            except QueryInterrupted:
                pass  # matches clustered among old quotes: sort them instead
        return await super().execute(f"{rows.group('select')} {tail}", params, **kwargs)
