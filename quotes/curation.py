"""Curating the speaker database: merge, rename and re-kind speakers.

Every decision is appended to the ``speaker_curation`` table and then the
whole log is re-applied to the stored quotes (:func:`quotes.store.apply_curation`).
Ingest re-applies it too, to every quote it writes, so a decision holds when
the same articles are ingested again and for articles not yet seen:

    merge(db, ["Hillary Rodham Clinton"], "Hillary Clinton")
    rename(db, "Fuad Masum", "Fuad Ma'sum")
    set_kind(db, "Harbour Authority", "organisation")

A speaker is named by its id, its name (titles, case and accents do not
matter), or, when no name matches, a way it was written (an alias).
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlite_utils

from . import identity, store
from .model import content_id


class CurationError(Exception):
    """A speaker that cannot be found or a decision that cannot be made, with why."""


def find(db: sqlite_utils.Database, text: str) -> dict:
    """The speaker row that text names: an id, a name, or else an alias."""
    text = text.strip()
    rows = list(db["speakers"].rows_where("id = ?", [text])) if db["speakers"].exists() else []
    if not rows:
        rows = _by_name(db, text) or _by_alias(db, text)
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise CurationError(f"no speaker named {text!r}")
    listed = "; ".join(f"{r['name']} ({r['kind']}, {r['quote_count']} quotes, id {r['id']})"
                       for r in rows)
    raise CurationError(f"{text!r} names {len(rows)} speakers: {listed}; give an id")


def _by_name(db: sqlite_utils.Database, text: str) -> list[dict]:
    curation = store.load_curation(db)
    ids = {curation.resolve(content_id(identity.lookup_key(text, kind), kind)) for kind in identity.KINDS}
    marks = ", ".join("?" * len(ids))
    return list(db["speakers"].rows_where(f"id IN ({marks})", sorted(ids), order_by="id"))


def _by_alias(db: sqlite_utils.Database, text: str) -> list[dict]:
    wanted = identity.normalise(text)
    ids = sorted({row["speaker_id"] for row in db["speaker_aliases"].rows_where(select="speaker_id, alias")
                  if identity.normalise(row["alias"]) == wanted})
    marks = ", ".join("?" * len(ids))
    return list(db["speakers"].rows_where(f"id IN ({marks})", ids, order_by="id")) if ids else []


def merge(db: sqlite_utils.Database, sources: list[str], target: str) -> dict:
    """Merge each source speaker into target; return the target's row afterwards."""
    store.ensure_schema(db)
    into = find(db, target)
    with db.atomic():
        for text in sources:
            source = find(db, text)
            if source["id"] == into["id"]:
                raise CurationError(f"{text!r} is already {into['name']!r}")
            _record(db, "merge", source, target_id=into["id"], name=into["name"], kind=into["kind"])
        store.apply_curation(db)
    return db["speakers"].get(into["id"])


def rename(db: sqlite_utils.Database, speaker: str, name: str) -> dict:
    """Give a speaker a new canonical name; return its row afterwards.

    Articles that name the speaker by the new name from now on mean this
    speaker. If another speaker already has that name, the two are one:
    this speaker is merged into it.
    """
    store.ensure_schema(db)
    row = find(db, speaker)
    name = " ".join(name.split())
    if not name:
        raise CurationError("the new name is empty")
    return _decide(db, row, identity.speaker_id(name, row["kind"]), "rename", name=name, kind=row["kind"])


def set_kind(db: sqlite_utils.Database, speaker: str, kind: str) -> dict:
    """Make a speaker a person or an organisation; return its row afterwards.

    If a speaker of that kind with the same name exists, the two are one:
    this speaker is merged into it.
    """
    if kind not in identity.KINDS:
        raise CurationError(f"kind must be one of {', '.join(identity.KINDS)}, not {kind!r}")
    store.ensure_schema(db)
    row = find(db, speaker)
    return _decide(db, row, identity.speaker_id(row["name"], kind), "kind", name=row["name"], kind=kind)


def _decide(db, row: dict, natural: str, action: str, name: str, kind: str) -> dict:
    """Record a rename or kind change, or a merge when it makes row another speaker."""
    with db.atomic():
        other = store.load_curation(db).resolve(natural)
        existing = list(db["speakers"].rows_where("id = ?", [other]))
        if existing and other != row["id"]:
            (into,) = existing
            _record(db, "merge", row, target_id=into["id"], name=into["name"], kind=into["kind"])
            result = into["id"]
        else:
            _record(db, action, row, name=name, kind=kind)
            result = row["id"]
        store.apply_curation(db)
    return db["speakers"].get(result)


def _record(db: sqlite_utils.Database, action: str, row: dict, target_id: str | None = None,
            name: str | None = None, kind: str | None = None) -> None:
    db[store.CURATION_TABLE].insert({
        "action": action, "speaker_id": row["id"], "speaker_name": row["name"],
        "speaker_kind": row["kind"], "target_id": target_id, "name": name, "kind": kind,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    })


def describe(db: sqlite_utils.Database, speaker: str) -> dict:
    """A speaker's row with its titles over time and the ways it was written."""
    row = find(db, speaker)
    return {
        **row,
        "titles": list(db.query(
            "SELECT title, affiliation, first_seen, last_seen, articles, quotes FROM speaker_titles"
            " WHERE speaker_id = ? ORDER BY first_seen, last_seen, title", [row["id"]])),
        "aliases": list(db.query(
            "SELECT alias, first_seen, last_seen, articles, quotes FROM speaker_aliases"
            " WHERE speaker_id = ? ORDER BY quotes DESC, alias", [row["id"]])),
    }
