"""The speaker database: identity across articles, titles over time, aliases,
curation that survives re-ingest, speaker pages and queries in Datasette.

Every person, organisation and place here is invented. The quotes are built
by hand (offsets real, as the attributor's are) so these tests hold whatever
the attributor does; one test runs the real attributor end to end.
"""

from __future__ import annotations

import doctest
import json
import sys
import types

import pytest
import sqlite_utils
from click.testing import CliRunner

from quotes import curation, identity, publish, store
from quotes.cli import cli
from quotes.model import Article, Quote


def said(text, passage, speaker=None, mention=None, title=None, affiliation=None,
         kind="person"):
    """A Quote of passage in text, attributed through mention (found after the passage
    when it occurs twice) to speaker, as the attributor would give it."""
    start = text.index(passage)
    quote = Quote(start=start, end=start + len(passage), text=passage, speaker=speaker,
                  speaker_kind=kind if speaker else None, title=title, affiliation=affiliation,
                  cue="said", sieve="quote_speaker_cue", confidence=0.9)
    if mention:
        quote.speaker_start = text.index(mention)
        quote.speaker_end = quote.speaker_start + len(mention)
        quote.mention = mention
    return quote


def article(slug, published, text, *quotes):
    """(Article, [Quote]) with each quote given as said()'s arguments after text."""
    item = Article(text=text, url=f"https://news.example/{slug}", title=slug.replace("-", " "),
                   source="Example Courier", published=published)
    return item, [said(text, *args[:3], **args[3]) if len(args) > 3 else said(text, *args)
                  for args in quotes]


# Tereza Novák holds one title, then another; the articles write her name
# with and without its accent, with a possessive affiliation, and once with
# the title left inside the name.
DAM_2015 = article(
    "dam-announced", "2015-03-02",
    "Veloria's President Tereza Novák said: \u201cThe dam will be finished by spring.\u201d",
    ("\u201cThe dam will be finished by spring.\u201d", "Tereza Novák",
     "Veloria's President Tereza Novák", dict(title="President", affiliation="Veloria")),
)
DAM_2016 = article(
    "dam-delayed", "2016-07-19",
    "President Tereza Novak toured the site. \u201cWe are on schedule,\u201d Novak said. "
    "\u201cThe turbines arrive in May,\u201d she added.",
    ("\u201cWe are on schedule,\u201d", "Tereza Novak", "Novak", dict(title="President")),
    ("\u201cThe turbines arrive in May,\u201d", "Tereza Novak", "she", dict(title="President")),
)
DAM_2019 = article(
    "dam-memoir", "2019-11-05",
    "Former President Tereza Novák said: \u201cI warned them about the river.\u201d",
    ("\u201cI warned them about the river.\u201d", "Former President Tereza Novák",
     "Former President Tereza Novák"),
)
# Two people named Brook, each in an article of their own, and both in a third.
BROOK_HANNA = article(
    "orchard-grant", "2018-04-10",
    "Farmer Hanna Brook won the grant. \u201cThe orchard will double,\u201d Brook said. "
    "\u201cMy neighbours helped,\u201d Hanna Brook said.",
    ("\u201cThe orchard will double,\u201d", "Brook", "Brook"),
    ("\u201cMy neighbours helped,\u201d", "Hanna Brook", "Hanna Brook"),
)
BROOK_OSKAR = article(
    "ferry-fares", "2018-05-02",
    "Ferry captain Oskar Brook said: \u201cFares must rise.\u201d "
    "\u201cThe river is rising too,\u201d Brook said.",
    ("\u201cFares must rise.\u201d", "Oskar Brook", "Ferry captain Oskar Brook",
     dict(title="Ferry captain")),
    ("\u201cThe river is rising too,\u201d", "Oskar Brook", "Brook", dict(title="Ferry captain")),
)
BROOK_BOTH = article(
    "brook-family", "2018-06-20",
    "Hanna Brook said: \u201cWe share a name.\u201d Oskar Brook said: \u201cAnd a river.\u201d "
    "\u201cNothing else,\u201d Brook said.",
    ("\u201cWe share a name.\u201d", "Hanna Brook", "Hanna Brook"),
    ("\u201cAnd a river.\u201d", "Oskar Brook", "Oskar Brook"),
    ("\u201cNothing else,\u201d", "Brook", "Brook"),
)
# A person and the organisation she runs; an unnamed organisation.
SHIPPING = article(
    "shipping-strike", "2020-02-14",
    "Edith Marlow, who runs Marlow Shipping, said: \u201cThe strike is over.\u201d "
    "The Marlow Shipping board said: \u201cWages rise in March.\u201d "
    "\u201cWe are relieved,\u201d Marlow said. "
    "The company said: \u201cNo ship was damaged.\u201d",
    ("\u201cThe strike is over.\u201d", "Edith Marlow", "Edith Marlow"),
    ("\u201cWages rise in March.\u201d", "The Marlow Shipping", "The Marlow Shipping board",
     dict(kind="organisation")),
    ("\u201cWe are relieved,\u201d", "Marlow", "Marlow"),
    ("\u201cNo ship was damaged.\u201d", "company", "The company", dict(kind="organisation")),
)
SHIPPING_LATER = article(
    "shipping-fleet", "2021-08-30",
    "Marlow Shipping said: \u201cTwo new ships join the fleet.\u201d",
    ("\u201cTwo new ships join the fleet.\u201d", "Marlow Shipping", "Marlow Shipping",
     dict(kind="organisation")),
)
# An organisation's short form within its article; the same short form alone.
FLOOD = article(
    "flood-barriers", "2021-10-04",
    "The Joint Flood Task Force said: \u201cThe barriers held.\u201d "
    "\u201cPumps run all night,\u201d the task force said.",
    ("\u201cThe barriers held.\u201d", "Joint Flood Task Force", "The Joint Flood Task Force",
     dict(kind="organisation")),
    ("\u201cPumps run all night,\u201d", "task force", "the task force", dict(kind="organisation")),
)
FLOOD_ELSEWHERE = article(
    "storm-drill", "2021-11-20",
    "\u201cThe drill went well,\u201d the task force said.",
    ("\u201cThe drill went well,\u201d", "task force", "the task force", dict(kind="organisation")),
)
CORPUS = [DAM_2015, DAM_2016, DAM_2019, BROOK_HANNA, BROOK_OSKAR, BROOK_BOTH, SHIPPING,
          SHIPPING_LATER, FLOOD, FLOOD_ELSEWHERE]


def build(path, corpus=CORPUS):
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA foreign_keys = ON")
    store.write_batch(db, corpus)
    store.finalize(db)
    return db


@pytest.fixture
def db(tmp_path):
    database = build(tmp_path / "quotes.db")
    yield database
    database.close()


def speaker(db, name, kind="person"):
    """The stored speaker row for name, looked up by its deterministic id."""
    return db["speakers"].get(identity.speaker_id(name, kind))


def speakers_of(db, slug):
    """{quote text: speaker name or None} for one article."""
    rows = db.query(
        "SELECT quotes.text, speakers.name FROM quotes JOIN articles ON articles.id = quotes.article_id"
        " LEFT JOIN speakers ON speakers.id = quotes.speaker_id WHERE articles.url = ?",
        [f"https://news.example/{slug}"])
    return {r["text"]: r["name"] for r in rows}


def titles(db, sid):
    return [(r["title"], r["affiliation"], r["first_seen"], r["last_seen"], r["articles"], r["quotes"])
            for r in db.query("SELECT * FROM speaker_titles WHERE speaker_id = ? ORDER BY first_seen",
                              [sid])]


def aliases(db, sid):
    return {r["alias"]: r["quotes"]
            for r in db.query("SELECT * FROM speaker_aliases WHERE speaker_id = ?", [sid])}


def ingest_with(monkeypatch, path, corpus):
    """store.ingest over corpus, with quotes.attribute standing in for the attributor."""
    quotes_by_url = {item.url: quotes for item, quotes in corpus}
    module = types.ModuleType("quotes.attribute")
    module.extract_article = lambda item: quotes_by_url[item.url]
    monkeypatch.setitem(sys.modules, "quotes.attribute", module)
    return store.ingest(path, [item for item, _quotes in corpus])


# ------------------------------------------------------------ identity keys


def test_identity_doctests():
    assert doctest.testmod(identity).failed == 0


@pytest.mark.parametrize("written, name, title, affiliation", [
    ("Veloria's President Tereza Novák", "Tereza Novák", "President", "Veloria"),
    ("Former President Tereza Novák", "Tereza Novák", "Former President", None),
    ("Retired Lt. Gen. Anton Grell", "Anton Grell", "Retired Lt. Gen.", None),
    ("Saltmere Mayor Ines Karro", "Ines Karro", "Saltmere Mayor", None),
    ("Mrs. Ines Karro", "Ines Karro", None, None),
    ("campaign manager Jonas Pell", "Jonas Pell", "campaign manager", None),
    ("Karro's campaign manager Jonas Pell", "Jonas Pell", "campaign manager", "Karro"),
    ("Bruno de Vries", "Bruno de Vries", None, None),
    ("Amal al-Qasri", "Amal al-Qasri", None, None),
    ("Walter King Jr.", "Walter King Jr.", None, None),  # a title word inside a name stays
    ("President Karro", "Karro", "President", None),
])
def test_parse_keeps_the_name_apart(written, name, title, affiliation):
    assert identity.parse(written) == identity.Name(name, title, affiliation)


def test_keys_ignore_titles_accents_case_dots_and_hyphens():
    assert identity.key("Former President Tereza Novák") == identity.key("TEREZA NOVAK") == "tereza novak"
    assert identity.key("Amal al-Qasri") == identity.key("Amal Al Qasri")
    assert identity.key("Dara O’Neill") == identity.key("Dara O'Neill") == identity.key("Dara ONeill")
    assert identity.key("The Marlow Shipping", "organisation") == identity.key("marlow shipping", "organisation")
    assert identity.key("Hanna Brook") != identity.key("Oskar Brook")
    # Organisations keep their words: a ministry's owner is part of its name.
    assert identity.parse("Veloria's Fisheries Ministry", "organisation").name == "Veloria's Fisheries Ministry"
    assert identity.speaker_id("Marlow", "organisation") != identity.speaker_id("Marlow", "person")


@pytest.mark.parametrize("mention, expected", [
    ("she", None), ("It", None), ("the minister", None), ("The company", None),
    ("Novak", "Novak"), ("the Marlow Shipping board", "Marlow Shipping board"),
    ("Veloria's President Tereza Novák", "Veloria's President Tereza Novák"), (None, None),
])
def test_alias_is_a_written_name_not_a_pronoun_or_role(mention, expected):
    assert identity.alias(mention) == expected


# ------------------------------------------------------- the speaker tables


def test_tables_columns_and_keys(db):
    assert set(db["speakers"].columns_dict) == {
        "id", "name", "kind", "latest_title", "quote_count", "article_count",
        "first_quoted", "last_quoted"}
    assert set(db["speaker_titles"].columns_dict) == {
        "speaker_id", "title", "affiliation", "first_seen", "last_seen", "articles", "quotes"}
    assert set(db["speaker_aliases"].columns_dict) == {
        "speaker_id", "alias", "first_seen", "last_seen", "articles", "quotes"}
    assert "affiliation" in db["quotes"].columns_dict
    for table in ("speaker_titles", "speaker_aliases"):
        assert [(fk.column, fk.other_table) for fk in db[table].foreign_keys] == [("speaker_id", "speakers")]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_one_speaker_with_titles_over_time(db):
    novak = speaker(db, "Tereza Novák")
    assert novak["name"] == "Tereza Novák"  # as first written
    assert (novak["quote_count"], novak["article_count"]) == (4, 3)
    assert (novak["first_quoted"], novak["last_quoted"]) == ("2015-03-02", "2019-11-05")
    assert novak["latest_title"] == "Former President"
    assert titles(db, novak["id"]) == [
        ("President", "Veloria", "2015-03-02", "2015-03-02", 1, 1),
        ("President", None, "2016-07-19", "2016-07-19", 1, 2),
        ("Former President", None, "2019-11-05", "2019-11-05", 1, 1),
    ]
    assert aliases(db, novak["id"]) == {
        "Veloria's President Tereza Novák": 1, "Novak": 1, "Former President Tereza Novák": 1}
    # The title left inside the name went to the quote's title.
    (quote,) = db["quotes"].rows_where("published = ?", ["2019-11-05"])
    assert (quote["title"], quote["speaker_id"]) == ("Former President", novak["id"])
    (first,) = db["quotes"].rows_where("published = ?", ["2015-03-02"])
    assert (first["title"], first["affiliation"]) == ("President", "Veloria")


def test_two_people_sharing_a_surname_stay_apart(db):
    hanna, oskar = speaker(db, "Hanna Brook"), speaker(db, "Oskar Brook")
    assert hanna["id"] != oskar["id"]
    # A bare surname is the one full name its article quotes...
    assert speakers_of(db, "orchard-grant") == {
        "\u201cThe orchard will double,\u201d": "Hanna Brook",
        "\u201cMy neighbours helped,\u201d": "Hanna Brook"}
    assert speakers_of(db, "ferry-fares") == {
        "\u201cFares must rise.\u201d": "Oskar Brook",
        "\u201cThe river is rising too,\u201d": "Oskar Brook"}
    # ...and nobody when the article quotes two people of that surname.
    assert speakers_of(db, "brook-family")["\u201cNothing else,\u201d"] is None
    assert (hanna["quote_count"], oskar["quote_count"]) == (3, 3)
    assert db["speakers"].count_where("name = ?", ["Brook"]) == 0
    assert aliases(db, hanna["id"]) == {"Brook": 1, "Hanna Brook": 2}
    assert aliases(db, oskar["id"]) == {"Ferry captain Oskar Brook": 1, "Brook": 1, "Oskar Brook": 1}
    assert titles(db, oskar["id"]) == [("Ferry captain", None, "2018-05-02", "2018-05-02", 1, 2)]


def test_a_person_and_an_organisation(db):
    marlow = speaker(db, "Edith Marlow")
    shipping = speaker(db, "Marlow Shipping", "organisation")
    assert (marlow["kind"], shipping["kind"]) == ("person", "organisation")
    assert shipping["name"] == "Marlow Shipping"  # no leading "The"
    assert (shipping["quote_count"], shipping["article_count"]) == (2, 2)
    assert (shipping["first_quoted"], shipping["last_quoted"]) == ("2020-02-14", "2021-08-30")
    assert speakers_of(db, "shipping-strike") == {
        "\u201cThe strike is over.\u201d": "Edith Marlow",
        "\u201cWages rise in March.\u201d": "Marlow Shipping",
        "\u201cWe are relieved,\u201d": "Edith Marlow",  # the surname is the person, not the firm
        "\u201cNo ship was damaged.\u201d": None,  # "the company" names no one
    }
    assert db["speakers"].count_where("name = ?", ["company"]) == 0
    (unnamed,) = db["quotes"].rows_where("text = ?", ["\u201cNo ship was damaged.\u201d"])
    assert unnamed["mention"] == "The company"


def test_an_organisations_short_form_within_its_article(db):
    assert speakers_of(db, "flood-barriers") == {
        "\u201cThe barriers held.\u201d": "Joint Flood Task Force",
        "\u201cPumps run all night,\u201d": "Joint Flood Task Force"}
    # Where no task force is named, "the task force" is nobody in particular.
    assert speakers_of(db, "storm-drill") == {"\u201cThe drill went well,\u201d": None}
    assert speaker(db, "Joint Flood Task Force", "organisation")["quote_count"] == 2
    assert db["speakers"].count_where("name = ?", ["task force"]) == 0


def test_counts_follow_a_reingest_that_changes_quotes(db):
    # The 2016 article now has only its first quote; Novák's figures follow.
    item, quotes = DAM_2016
    store.write_batch(db, [(item, quotes[:1])])
    store.finalize(db)
    novak = speaker(db, "Tereza Novák")
    assert (novak["quote_count"], novak["article_count"]) == (3, 3)
    assert ("President", None, "2016-07-19", "2016-07-19", 1, 1) in titles(db, novak["id"])
    # Dropping all of an article's quotes drops what only it said.
    store.write_batch(db, [(SHIPPING_LATER[0], [])])
    store.finalize(db)
    shipping = speaker(db, "Marlow Shipping", "organisation")
    assert (shipping["quote_count"], shipping["last_quoted"]) == (1, "2020-02-14")
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_speakers_without_quotes_leave_with_their_titles_and_aliases(db):
    oskar = speaker(db, "Oskar Brook")["id"]
    for slug_article in (BROOK_OSKAR, BROOK_BOTH):
        store.write_batch(db, [(slug_article[0], [])])
    store.finalize(db)
    assert not db["speakers"].count_where("id = ?", [oskar])
    assert titles(db, oskar) == [] and aliases(db, oskar) == {}


def test_refresh_is_only_for_what_changed(db):
    assert store.refresh_speakers(db) == 0
    item, quotes = SHIPPING_LATER
    store.write_batch(db, [(item, quotes)])
    assert store.refresh_speakers(db) == 1  # only Marlow Shipping was touched


def test_old_database_gains_the_speaker_tables(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    old["articles"].create({"id": str, "url": str, "title": str, "source": str,
                            "published": str, "text": str, "path": str}, pk="id")
    old["speakers"].create({"id": str, "name": str, "kind": str}, pk="id")
    old["quotes"].create({"id": str, "article_id": str, "speaker_id": str, "text": str,
                          "start": int, "end": int, "speaker_start": int, "speaker_end": int,
                          "mention": str, "title": str, "cue": str, "sieve": str,
                          "confidence": float, "published": str, "source": str}, pk="id")
    old.close()
    summary = ingest_with(monkeypatch, path, [DAM_2015, DAM_2019])
    assert (summary.quotes, summary.speakers) == (2, 1)
    db = sqlite_utils.Database(path)
    assert {"latest_title", "quote_count"} <= set(db["speakers"].columns_dict)
    assert len(titles(db, speaker(db, "Tereza Novák")["id"])) == 2


# ------------------------------------------------------------------ curation


def test_find_by_id_name_or_alias(db):
    novak = speaker(db, "Tereza Novák")
    assert curation.find(db, novak["id"])["id"] == novak["id"]
    assert curation.find(db, "president tereza novak")["id"] == novak["id"]
    assert curation.find(db, "Novak")["id"] == novak["id"]  # an alias, when no name matches
    with pytest.raises(curation.CurationError, match="names 2 speakers.*Hanna Brook.*Oskar Brook"):
        curation.find(db, "Brook")
    with pytest.raises(curation.CurationError, match="no speaker named 'Nobody Atall'"):
        curation.find(db, "Nobody Atall")


T_NOVAK = article(
    "dam-inquiry", "2021-01-12",
    "T. Novák told the inquiry: \u201cThe river was never the problem.\u201d",
    ("\u201cThe river was never the problem.\u201d", "T. Novák", "T. Novák"),
)


def test_merge_survives_reingest_and_takes_new_articles(tmp_path, monkeypatch):
    path = tmp_path / "q.db"
    ingest_with(monkeypatch, path, CORPUS + [T_NOVAK])
    db = sqlite_utils.Database(path)
    assert speaker(db, "T. Novák")["quote_count"] == 1
    merged = curation.merge(db, ["T. Novák"], "Tereza Novák")
    assert (merged["name"], merged["quote_count"], merged["last_quoted"]) == (
        "Tereza Novák", 5, "2021-01-12")
    assert not db["speakers"].count_where("id = ?", [identity.speaker_id("T. Novák")])
    assert aliases(db, merged["id"])["T. Novák"] == 1
    before = sorted(tuple(r.values()) for r in db["speakers"].rows)
    db.close()

    # The same articles again: the merge holds, nothing changes.
    ingest_with(monkeypatch, path, CORPUS + [T_NOVAK])
    db = sqlite_utils.Database(path)
    assert sorted(tuple(r.values()) for r in db["speakers"].rows) == before
    db.close()

    # A new article naming the merged-away form goes to the same speaker.
    later = article("dam-anniversary", "2022-03-02",
                    "\u201cTen years on, it holds,\u201d said T. Novak.",
                    ("\u201cTen years on, it holds,\u201d", "T. Novak", "T. Novak"))
    ingest_with(monkeypatch, path, [later])
    db = sqlite_utils.Database(path)
    novak = speaker(db, "Tereza Novák")
    assert (novak["quote_count"], novak["last_quoted"]) == (6, "2022-03-02")
    assert db["speakers"].count_where("name LIKE 'T. Nov%'") == 0
    (entry,) = db[store.CURATION_TABLE].rows
    assert (entry["action"], entry["speaker_name"], entry["target_id"]) == (
        "merge", "T. Novák", novak["id"])


def test_rename_survives_reingest_and_claims_the_new_name(tmp_path, monkeypatch):
    path = tmp_path / "q.db"
    ingest_with(monkeypatch, path, CORPUS)
    db = sqlite_utils.Database(path)
    renamed = curation.rename(db, "Tereza Novák", "Tereza Nováková")
    assert renamed["id"] == identity.speaker_id("Tereza Novák")  # ids stay, links stay valid
    assert renamed["name"] == "Tereza Nováková"
    db.close()
    new_name = article("dam-award", "2023-06-01",
                       "Tereza Nováková said: \u201cThe award belongs to the engineers.\u201d",
                       ("\u201cThe award belongs to the engineers.\u201d", "Tereza Nováková",
                        "Tereza Nováková"))
    ingest_with(monkeypatch, path, CORPUS + [new_name])
    db = sqlite_utils.Database(path)
    (row,) = db["speakers"].rows_where("name LIKE 'Tereza%'")
    assert (row["name"], row["id"], row["quote_count"]) == ("Tereza Nováková", renamed["id"], 5)
    assert curation.find(db, "tereza novakova")["id"] == renamed["id"]
    assert curation.find(db, "Tereza Novák")["id"] == renamed["id"]  # the old name still finds her


def test_rename_onto_an_existing_name_merges(db):
    result = curation.rename(db, "Oskar Brook", "Hanna Brook")
    assert result["id"] == speaker(db, "Hanna Brook")["id"]
    assert result["quote_count"] == 6
    (entry,) = db[store.CURATION_TABLE].rows
    assert entry["action"] == "merge"


def test_kind_survives_reingest_and_merges_the_other_kind(tmp_path, monkeypatch):
    # One article takes the port authority for a person, another for an organisation.
    as_person = article("port-dues", "2022-02-01",
                        "Saltmere Port Authority said: \u201cDues go up.\u201d",
                        ("\u201cDues go up.\u201d", "Saltmere Port Authority", "Saltmere Port Authority"))
    # Another spelling: the name first seen stays, only the kind was curated.
    as_org = article("port-dredging", "2022-03-01",
                     "The Saltmere port authority said: \u201cDredging starts.\u201d",
                     ("\u201cDredging starts.\u201d", "Saltmere port authority",
                      "The Saltmere port authority", dict(kind="organisation")))
    path = tmp_path / "q.db"
    ingest_with(monkeypatch, path, [as_person])
    db = sqlite_utils.Database(path)
    changed = curation.set_kind(db, "Saltmere Port Authority", "organisation")
    assert (changed["kind"], changed["quote_count"]) == ("organisation", 1)
    db.close()
    ingest_with(monkeypatch, path, [as_person, as_org])
    db = sqlite_utils.Database(path)
    (row,) = db["speakers"].rows
    assert (row["name"], row["kind"], row["quote_count"]) == ("Saltmere Port Authority", "organisation", 2)
    with pytest.raises(curation.CurationError, match="kind must be one of"):
        curation.set_kind(db, "Saltmere Port Authority", "robot")


def test_kind_onto_an_existing_speaker_of_that_kind_merges(tmp_path, monkeypatch):
    path = tmp_path / "q.db"
    item, quotes = SHIPPING_LATER
    as_person = article("fleet-person", "2021-09-01", item.text,
                        ("\u201cTwo new ships join the fleet.\u201d", "Marlow Shipping", "Marlow Shipping"))
    ingest_with(monkeypatch, path, [SHIPPING_LATER, as_person])
    db = sqlite_utils.Database(path)
    assert db["speakers"].count == 2
    result = curation.set_kind(db, identity.speaker_id("Marlow Shipping", "person"), "organisation")
    assert result["id"] == identity.speaker_id("Marlow Shipping", "organisation")
    assert (db["speakers"].count, result["quote_count"]) == (1, 2)


def test_merge_errors(db):
    with pytest.raises(curation.CurationError, match="already"):
        curation.merge(db, ["Novak"], "Tereza Novák")
    with pytest.raises(curation.CurationError, match="no speaker"):
        curation.merge(db, ["Nobody Atall"], "Tereza Novák")
    assert db[store.CURATION_TABLE].count == 0


def test_curation_replay_follows_chains():
    a, b, c = (identity.speaker_id(n) for n in ("Ana Pell", "Bo Pell", "Cy Pell"))
    log = [
        {"action": "merge", "speaker_id": a, "speaker_name": "Ana Pell", "speaker_kind": "person",
         "target_id": b, "name": "Bo Pell", "kind": "person"},
        {"action": "merge", "speaker_id": b, "speaker_name": "Bo Pell", "speaker_kind": "person",
         "target_id": c, "name": "Cy Pell", "kind": "person"},
        # Merging back what is already one speaker changes nothing.
        {"action": "merge", "speaker_id": c, "speaker_name": "Cy Pell", "speaker_kind": "person",
         "target_id": a, "name": "Cy Pell", "kind": "person"},
        {"action": "rename", "speaker_id": a, "speaker_name": "Cy Pell", "speaker_kind": "person",
         "target_id": None, "name": "Cyrus Pell", "kind": "person"},
    ]
    state = identity.Curation.replay(log)
    assert state.resolve(a) == state.resolve(b) == state.resolve(c) == c
    assert state.resolve(identity.speaker_id("Cyrus Pell")) == c
    assert state.names[c] == "Cyrus Pell"


# ----------------------------------------------------------------------- CLI


def test_cli_speakers_commands(tmp_path):
    path = tmp_path / "q.db"
    build(path, CORPUS + [T_NOVAK]).close()
    runner = CliRunner()
    result = runner.invoke(cli, ["speakers", "merge", "T. Novák", "Tereza Novák", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Tereza Novák (person, 5 quotes, id ")
    result = runner.invoke(cli, ["speakers", "rename", "Edith Marlow", "Edith M. Marlow", "--db", str(path)])
    assert result.exit_code == 0 and result.output.startswith("Edith M. Marlow (person, 2 quotes")
    result = runner.invoke(cli, ["speakers", "kind", "Hanna Brook", "organisation", "--db", str(path)])
    assert result.exit_code == 0 and result.output.startswith("Hanna Brook (organisation, 3 quotes")
    result = runner.invoke(cli, ["speakers", "show", "novak", "--db", str(path)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert (record["name"], record["quote_count"], record["last_quoted"]) == ("Tereza Novák", 5, "2021-01-12")
    assert [(t["title"], t["first_seen"]) for t in record["titles"]] == [
        ("President", "2015-03-02"), ("President", "2016-07-19"), ("Former President", "2019-11-05")]
    assert [a["alias"] for a in record["aliases"]] == [  # most quoted first, then by name
        "Former President Tereza Novák", "Novak", "T. Novák", "Veloria's President Tereza Novák"]
    result = runner.invoke(cli, ["speakers", "show", "Brook", "--db", str(path)])
    assert result.exit_code == 1 and "give an id" in result.output
    result = runner.invoke(cli, ["speakers", "show", "x", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and "none.db" in result.output


def test_cli_speaker_changes_wait_for_no_ingest(tmp_path):
    """While an ingest (or another change) holds the database's write lock, a
    change is refused with a message, not written where the ingest's copy
    would overwrite it; looking a speaker up still works."""
    from quotes import store

    path = tmp_path / "q.db"
    build(path, CORPUS + [T_NOVAK]).close()
    runner = CliRunner()
    with store.write_lock(path):
        result = runner.invoke(cli, ["speakers", "rename", "Edith Marlow", "Edith M. Marlow", "--db", str(path)])
        assert result.exit_code == 1
        assert "is writing this database" in result.output and str(path) in result.output
        assert runner.invoke(cli, ["speakers", "show", "Edith Marlow", "--db", str(path)]).exit_code == 0
    result = runner.invoke(cli, ["speakers", "rename", "Edith Marlow", "Edith M. Marlow", "--db", str(path)])
    assert result.exit_code == 0 and result.output.startswith("Edith M. Marlow (person, 2 quotes")


def test_cli_help_lists_speakers_commands():
    runner = CliRunner()
    assert "speakers" in runner.invoke(cli, ["--help"]).output
    output = runner.invoke(cli, ["speakers", "--help"]).output
    for command in ("merge", "rename", "kind", "show"):
        assert command in output


# ---------------------------------------------------------------- Datasette


@pytest.fixture
def ds(tmp_path):
    build(tmp_path / "served.db").close()
    return publish.make_datasette(tmp_path / "served.db")


async def get_json(ds, path, **params):
    response = await ds.client.get(path, params=params or None)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.asyncio
async def test_speaker_page_shows_name_titles_and_counts(ds):
    sid = identity.speaker_id("Tereza Novák")
    response = await ds.client.get(f"/quotes/speakers/{sid}")
    assert response.status_code == 200, response.text
    html = response.text
    assert "<h1" in html and ">Tereza Novák</h1>" in html
    assert "4 quotes</a>" in html and "in 3 articles" in html
    assert "first quoted 2015-03-02, last quoted 2019-11-05" in html
    titles_table = html.split('class="rows-and-columns speaker-titles"')[1].split("</table>")[0]
    assert titles_table.index("<td>President</td><td>Veloria</td>") < titles_table.index(
        "<td>Former President</td>")
    assert "Veloria&#39;s President Tereza Novák" in html  # an alias
    assert f'name="speaker" value="{sid}"' in html  # search within this speaker


@pytest.mark.asyncio
async def test_speakers_table_json_and_labels(ds):
    rows = await get_json(ds, "/quotes/speakers.json", _shape="array")
    assert [r["name"] for r in rows][:3] == ["Tereza Novák", "Hanna Brook", "Oskar Brook"]  # most quoted
    data = await get_json(ds, "/quotes/speaker_titles.json", _labels="on", _shape="array",
                          title="Former President")
    assert [r["speaker_id"]["label"] for r in data] == ["Tereza Novák"]


@pytest.mark.asyncio
async def test_quotes_faceted_by_speaker_and_title(ds):
    data = await get_json(ds, "/quotes/quotes.json")
    facets = data["facet_results"]
    by_speaker = {r["label"]: r["count"] for r in facets["speaker_id"]["results"]}
    assert by_speaker["Tereza Novák"] == 4 and by_speaker["Marlow Shipping"] == 2
    by_title = {r["value"]: r["count"] for r in facets["title"]["results"]}
    assert by_title["President"] == 3 and by_title["Former President"] == 1
    view = await get_json(ds, "/quotes/quotes_view.json")
    assert {"speaker", "title", "source"} <= set(view["facet_results"])


@pytest.mark.asyncio
async def test_canned_speaker_search_is_fts_within_one_speaker(ds):
    rows = await get_json(ds, "/quotes/speaker_search.json", speaker="president tereza novak",
                          q="river", _shape="array")
    assert [(r["speaker"], r["title"], r["published"]) for r in rows] == [
        ("Tereza Novák", "Former President", "2019-11-05")]
    # Oskar Brook said "river" too, but is another speaker.
    rows = await get_json(ds, "/quotes/speaker_search.json", speaker="Oskar Brook", q="river",
                          _shape="array")
    # Best match first: the shorter quote.
    assert [r["text"] for r in rows] == ["\u201cAnd a river.\u201d", "\u201cThe river is rising too,\u201d"]
    # An alias shared by two people stands for both, and each row names its speaker.
    rows = await get_json(ds, "/quotes/speaker_search.json", speaker="Brook", q="orchard",
                          _shape="array")
    assert [(r["speaker"], r["text"]) for r in rows] == [
        ("Hanna Brook", "\u201cThe orchard will double,\u201d")]
    rows = await get_json(ds, "/quotes/speaker_quotes.json", speaker="Brook", _shape="array")
    assert sorted(r["speaker"] for r in rows) == ["Hanna Brook"] * 3 + ["Oskar Brook"] * 3


@pytest.mark.asyncio
@pytest.mark.parametrize("q", ["", '"', "NEAR(", "river\""])
async def test_canned_speaker_search_takes_any_input(ds, q):
    response = await ds.client.get("/quotes/speaker_search.json",
                                   params={"speaker": "Tereza Novák", "q": q, "_shape": "array"})
    assert response.status_code == 200, response.text
    assert [r["speaker"] for r in response.json()] == (["Tereza Novák"] if "river" in q else [])


@pytest.mark.asyncio
async def test_curation_log_is_published(tmp_path):
    db = build(tmp_path / "curated.db")
    curation.merge(db, ["Oskar Brook"], "Hanna Brook")
    db.close()
    ds = publish.make_datasette(tmp_path / "curated.db")
    rows = await get_json(ds, "/quotes/speaker_curation.json", _shape="array")
    assert [(r["action"], r["speaker_name"], r["name"]) for r in rows] == [
        ("merge", "Oskar Brook", "Hanna Brook")]


# -------------------------------------------------------- through the attributor


def test_real_attributor_titles_over_time_and_surnames(tmp_path):
    corpus = [
        Article(text="Port news\n\nHarbour master Ilse Marrow said: \u201cThe channel is open.\u201d\n\n"
                     "\u201cShips can enter at dawn,\u201d Marrow said.",
                url="https://news.example/channel", published="2016-04-01"),
        Article(text="Port news\n\nFormer harbour master Ilse Marrow said: \u201cThe channel silted up.\u201d",
                url="https://news.example/silt", published="2020-09-09"),
    ]
    summary = store.ingest(tmp_path / "q.db", corpus)
    db = sqlite_utils.Database(tmp_path / "q.db")
    (row,) = db["speakers"].rows
    assert (summary.speakers, row["name"], row["quote_count"], row["article_count"]) == (
        1, "Ilse Marrow", 3, 2)
    assert [(t[0], t[2]) for t in titles(db, row["id"])] == [
        ("Harbour master", "2016-04-01"), ("Former harbour master", "2020-09-09")]
