"""The package's own Datasette plugin, registered by :func:`quotes.publish.make_datasette`.

- ``speaker_key(name, kind)``, an SQL function: the identity key of a name
  (:func:`quotes.identity.key`), so canned queries find a speaker however the
  name is written ("president fuad masum" finds Fuad Masum).
- Speaker pages: ``templates/row-quotes-speakers.html`` shows a speaker's
  titles over time and aliases, which this plugin reads for it.
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils import urlsafe_components

from . import identity

DB_NAME = "quotes"


def speaker_key(name, kind):
    return identity.lookup_key(name, kind) if name else None


@hookimpl
def prepare_connection(conn):
    conn.create_function("speaker_key", 2, speaker_key, deterministic=True)


@hookimpl
def extra_template_vars(database, table, view_name, request, datasette):
    if view_name != "row" or database != DB_NAME or table != "speakers" or request is None:
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
