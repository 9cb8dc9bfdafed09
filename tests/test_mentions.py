"""quotes.mentions: the speaker phrase next to a reporting verb, titles kept apart.

The shapes follow news copy (possessive country + title + name, military
ranks, Arabic, Dutch and Spanish particles), but every name and place here is
invented.
"""

from __future__ import annotations

import pytest

from quotes.mentions import _described_name, phrase_after, split_title, subject_before
from quotes.model import Mention


def before(text: str, floor: int = 0) -> Mention | None:
    """The phrase that ends where text ends (where the verb would begin)."""
    return subject_before(text, len(text), floor=floor)


def after(text: str, ceiling: int | None = None) -> Mention | None:
    return phrase_after(text, 0, ceiling)


def assert_indexes(text: str, m: Mention) -> None:
    """The mention's offsets index the text, and name_start points at its name."""
    assert text[m.start:m.end] == m.text
    if m.name is not None and m.name_start is not None:
        assert text[m.name_start:].startswith(m.name)


# ---------------------------------------------------------------- titles apart from names


TITLED = [
    # (phrase, name, title)
    ("Velmora's President Ilse Markova", "Ilse Markova", "President"),
    ("General Oskar al-Hadrami", "Oskar al-Hadrami", "General"),
    ("Retired Lt. Gen. Tobias Quell", "Tobias Quell", "Retired Lt. Gen."),
    ("Sen. Orrin Vasquez", "Orrin Vasquez", "Sen."),
    ("Foreign Minister Ilse Markova", "Ilse Markova", "Foreign Minister"),
    ("Former President Ilse Markova", "Ilse Markova", "Former President"),
    ("campaign manager Rosalind Achebe-Price", "Rosalind Achebe-Price", "campaign manager"),
    ("Dr. Jun Okafor", "Jun Okafor", "Dr."),
    ("Dr Jun Okafor", "Jun Okafor", "Dr"),  # British style, no dot
    ("Cllr Jun Okafor", "Jun Okafor", "Cllr"),
    ("Jun Okafor MP", "Jun Okafor", "MP"),  # letters after the name
]


@pytest.mark.parametrize("phrase, name, title", TITLED)
def test_subject_before_keeps_title_apart(phrase, name, title):
    text = "At the summit on Monday, " + phrase
    m = before(text)
    assert m is not None
    assert m.kind == "person"
    assert m.text == phrase
    assert m.name == name
    assert m.title == title
    assert_indexes(text, m)


@pytest.mark.parametrize("phrase, name, title", TITLED)
def test_phrase_after_keeps_title_apart(phrase, name, title):
    text = phrase + ", in a statement on Monday."
    m = after(text)
    assert m is not None
    assert m.kind == "person"
    assert m.text == phrase
    assert m.name == name
    assert m.title == title
    assert_indexes(text, m)


def test_possessive_affiliation_is_not_part_of_title_or_name():
    m = before("In an interview, Velmora's President Ilse Markova")
    assert "Velmora" not in m.name
    assert "Velmora" not in (m.title or "")


@pytest.mark.parametrize("name, expected", [
    ("General Oskar al-Hadrami", ("General", "Oskar al-Hadrami")),
    ("President Ilse Markova", ("President", "Ilse Markova")),
    ("Retired Lt. Gen. Tobias Quell", ("Retired Lt. Gen.", "Tobias Quell")),
    ("Lt. Gen. Tobias Quell", ("Lt. Gen.", "Tobias Quell")),
    ("Former President Ilse Markova", ("Former President", "Ilse Markova")),
    ("Sen. Orrin Vasquez", ("Sen.", "Orrin Vasquez")),
    ("Mrs. Edith Harrow", ("Mrs.", "Edith Harrow")),
    ("Ilse Markova", (None, "Ilse Markova")),
    ("General", (None, "General")),  # a title alone is not emptied into no name
])
def test_split_title(name, expected):
    assert split_title(name) == expected


@pytest.mark.parametrize("name", [
    "Karim bin Sulaiman", "Joost van Heerveld", "Inés de la Torre", "Oskar al-Hadrami",
])
def test_split_title_leaves_particle_names_whole(name):
    assert split_title(name) == (None, name)


# ---------------------------------------------------------------- particles


def test_hyphenated_al_particle_stays_in_the_name():
    m = before("At the base, General Oskar al-Hadrami")
    assert m.name == "Oskar al-Hadrami"
    m = before("Later, al-Hadrami")
    assert m is not None and m.name == "al-Hadrami"


def test_honorific_before_a_particle_name():
    m = before("On Monday, Sheikh Karim bin Sulaiman")
    assert (m.name, m.gender, m.title) == ("Karim bin Sulaiman", "m", None)


@pytest.mark.parametrize("name", [
    "Karim bin Sulaiman", "Joost van Heerveld", "Inés de la Torre",
])
def test_subject_before_keeps_particle_names_whole(name):
    text = "At the summit, " + name
    m = before(text)
    assert m is not None
    assert (m.text, m.kind, m.name, m.title) == (name, "person", name, None)
    assert_indexes(text, m)


@pytest.mark.parametrize("name", [
    "Karim bin Sulaiman", "Joost van Heerveld", "Inés de la Torre",
])
def test_phrase_after_keeps_particle_names_whole(name):
    text = name + ", the envoy, in a statement."
    m = after(text)
    assert m is not None
    assert (m.text, m.kind, m.name, m.title) == (name, "person", name, None)


# ---------------------------------------------------------------- honorifics


@pytest.mark.parametrize("phrase, name, gender", [
    ("Mrs. Edith Harrow", "Edith Harrow", "f"),
    ("Mrs. Harrow", "Harrow", "f"),
    ("Ms. Inés Calderón", "Inés Calderón", "f"),
    ("Dame Edith Harrow", "Edith Harrow", "f"),
    ("Mr. Tobias Quell", "Tobias Quell", "m"),
])
def test_honorific_gives_gender_and_is_not_a_title(phrase, name, gender):
    text = "On Monday, " + phrase
    m = before(text)
    assert m.kind == "person"
    assert m.name == name
    assert m.gender == gender
    assert m.title is None
    assert_indexes(text, m)


def test_honorific_with_phrase_after():
    m = after("Mrs. Edith Harrow, who chairs the council.")
    assert (m.name, m.gender, m.title) == ("Edith Harrow", "f", None)


# ---------------------------------------------------------------- roles and organisations


@pytest.mark.parametrize("phrase, kind, title, gender", [
    ("the task force", "organisation", "task force", None),
    ("the ministry", "organisation", "ministry", None),
    ("the spokeswoman", "role", "spokeswoman", "f"),
    ("the spokesman", "role", "spokesman", "m"),
    ("the mayor", "role", "mayor", None),
])
def test_role_nouns_and_organisation_nouns(phrase, kind, title, gender):
    text = "Later on Friday, " + phrase
    m = before(text)
    assert m is not None
    assert (m.text, m.kind, m.title, m.gender, m.name) == (phrase, kind, title, gender, None)
    assert_indexes(text, m)
    m = after(phrase + " in a statement")
    assert (m.text, m.kind, m.title, m.gender) == (phrase, kind, title, gender)


def test_possessive_role_has_an_owner():
    m = before("Velmora's foreign ministry")
    assert m.kind == "organisation"
    assert m.owner == "Velmora"


def test_named_organisation():
    m = before("the Velmora Harbour Authority")
    assert (m.kind, m.name) == ("organisation", "Velmora Harbour Authority")


def test_acronym_is_an_organisation():
    m = before("Later, VTN")
    assert (m.kind, m.name) == ("organisation", "VTN")


def test_role_with_appositive_name_names_the_person():
    text = "the mayor, Edith Harrow,"
    m = before(text)
    assert (m.kind, m.name, m.title) == ("person", "Edith Harrow", "mayor")
    assert_indexes(text, m)
    text = "the spokeswoman, Inés Calderón, told"
    m = after(text)
    assert (m.kind, m.name, m.title, m.gender) == ("person", "Inés Calderón", "spokeswoman", "f")
    assert m.text == "the spokeswoman, Inés Calderón"


def test_appositive_description_is_skipped():
    m = before("Brennock, a former harbour master,")
    assert (m.text, m.kind, m.name) == ("Brennock", "person", "Brennock")
    m = before("Talia Brennock, 54,")
    assert m.name == "Talia Brennock"


# ---------------------------------------------------------------- pronouns


@pytest.mark.parametrize("pronoun, gender", [
    ("she", "f"), ("She", "f"), ("he", "m"), ("He", "m"), ("they", "p"), ("They", "p"), ("it", "n"),
])
def test_pronouns(pronoun, gender):
    text = "Later, " + pronoun
    m = before(text)
    assert (m.text, m.kind, m.gender, m.name) == (pronoun, "pronoun", gender, None)
    assert_indexes(text, m)
    m = after(pronoun + ".")
    assert (m.text, m.kind, m.gender) == (pronoun, "pronoun", gender)


@pytest.mark.parametrize("text", ["Later, Tobias Quell met the", "Later, the catcher", "The ferry left at nine"])
def test_pronoun_inside_a_word_is_not_a_pronoun(text):
    m = before(text)
    assert m is None or m.kind != "pronoun"


# ---------------------------------------------------------------- windows


def test_subject_before_respects_floor():
    text = "Talia Brennock met Tobias Quell"
    m = subject_before(text, len(text), floor=text.index("Quell"))
    assert (m.text, m.start) == ("Quell", text.index("Quell"))


def test_phrase_after_respects_ceiling():
    text = "Talia Brennock of Velmora"
    m = phrase_after(text, 0, ceiling=len("Talia"))
    assert m.text == "Talia"


def test_phrase_after_starts_where_told():
    text = "said Tobias Quell, the harbour master."
    m = phrase_after(text, len("said "))
    assert (m.text, m.start, m.name) == ("Tobias Quell", 5, "Tobias Quell")


def test_no_phrase():
    assert after("reporters on Tuesday") is None
    assert before("on Tuesday, after the storm,") is None


class TestOwner:
    """The possessive affiliation is the mention's owner: "Iraq" in "Iraq's President ..."."""

    def test_possessive_affiliation_of_a_named_person_is_the_owner(self):
        m = before("In an interview, Velmora's President Ilse Markova")
        assert (m.name, m.title, m.owner) == ("Ilse Markova", "President", "Velmora")


def test_a_window_match_past_the_timeout_finds_nothing_instead_of_hanging(monkeypatch):
    from quotes import mentions

    text = "Retired Lt. Gen. Tobias Quell said"
    end = text.rindex(" said")
    assert mentions.subject_before(text, end).name == "Tobias Quell"
    monkeypatch.setattr(mentions, "MATCH_TIMEOUT", 1e-12)
    assert mentions.subject_before(text, end) is None


@pytest.mark.parametrize("text, name, owner", [
    ("Mr. Morven of the Velmora Harbour Trust", "Morven", "Velmora Harbour Trust"),
    ("Ilse Markova of Dunmore Minerals", "Ilse Markova", "Dunmore Minerals"),
])
def test_a_name_with_the_organisation_it_belongs_to(text, name, owner):
    for found in (before(text), after(text)):
        assert (found.text, found.name, found.owner) == (text, name, owner)
        assert_indexes(text, found)


def test_a_full_stop_after_a_word_ends_the_name_but_not_after_an_abbreviation():
    from quotes.mentions import find_names
    text = "He sued the Velmora Grand Hotel. Roffman said so. Calif. Gov. Ilse Markova and St. Paul agreed."
    assert [m.group() for m in find_names(text)] == [
        "Velmora Grand Hotel", "Roffman", "Calif. Gov. Ilse Markova", "St. Paul"]


@pytest.mark.parametrize("name, split", [
    ("Does Markova", (None, "Markova")),          # a question opens the sentence
    ("See Markova", (None, "Markova")),
    ("Former Markova", ("Former", "Markova")),  # a title modifier is the title
    ("Will Markova", (None, "Will Markova")),    # Will is a first name
    ("Stated Markova", (None, "Markova")),       # a reporting verb opening the line
    ("Don Markova", (None, "Don Markova")),
])
def test_a_sentence_opening_word_is_no_part_of_a_name(name, split):
    from quotes.mentions import common_word_title
    assert common_word_title(name, f"{name} spoke.") == split


def test_an_apostrophe_ends_a_name_unless_a_letter_follows():
    from quotes.mentions import find_names
    text = "They questioned Markova’ faith. Piet O’Rourke and Ana O'Connor spoke."
    assert [m.group() for m in find_names(text)] == ["Markova", "Piet O’Rourke", "Ana O'Connor"]


@pytest.mark.parametrize("text, name, mention", [
    ("Another delegate, Oren Vask, ", "Oren Vask", "Another delegate, Oren Vask"),
    ("One longtime harbour pilot, Talia Brennock, ", "Talia Brennock", "One longtime harbour pilot, Talia Brennock"),
    ("Her longtime neighbour, Oren Vask, ", "Oren Vask", "Her longtime neighbour, Oren Vask"),
])
def test_a_description_then_the_name_it_gives(text, name, mention):
    """No role noun heads the description: the name after it is the speaker."""
    m = before(text)
    assert m is not None and m.kind == "person" and m.name == name
    assert m.text == mention
    assert_indexes(text, m)


@pytest.mark.parametrize("text", [
    "In Velmora, Brennock, Vask, ",  # no determiner opens a description
    "The port, ",  # no name after the description
    "The port, Oren Vask said, ",  # no comma between description and name: a clause
])
def test_no_described_name_without_determiner_name_and_commas(text):
    assert _described_name(text, 0, len(text)) is None


@pytest.mark.parametrize("text, name", [
    ("In an interview Brennock ", "Brennock"),
    ("In a Velmora Post interview Talia Brennock ", "Talia Brennock"),
])
def test_a_name_after_an_opening_phrase_without_comma_is_the_subject(text, name):
    m = before(text.rstrip())
    assert m is not None and m.name == name and m.text == name


@pytest.mark.parametrize("text", [
    "a statement from spokesman Oren Vask",  # after a title: the preposition's object
    "and in many Velmora ports",  # within a clause: the preposition's object
])
def test_a_preposition_object_is_no_subject(text):
    m = before(text)
    assert m is None or m.kind != "person"


def test_that_opening_a_clause_is_no_determiner():
    """"said that her campaign": the clause's subject is "her campaign", not "that her campaign"."""
    text = "She said that her campaign"
    m = before(text, floor=9)
    assert m is not None and m.text == "her campaign"


def test_a_number_with_a_slash_describes_a_speaker():
    m = after("9/11 widow Talia Brennock said")
    assert m is not None and m.name == "Talia Brennock" and m.text == "9/11 widow Talia Brennock"


@pytest.mark.parametrize("text, name", [
    # "François" and "Sarukhán" decoded twice, as scraped pages often have them
    ("French President Fran\u00c3\u0083\u00c2\u00a7ois Hollande", "Fran\u00c3\u0083\u00c2\u00a7ois Hollande"),
    ("Arturo Sarukh\u00c3\u0083\u00c2\u00a1n", "Arturo Sarukh\u00c3\u0083\u00c2\u00a1n"),
    ("Enrique Pe\u00c3\u00b1a Nieto", "Enrique Pe\u00c3\u00b1a Nieto"),
])
def test_a_name_with_a_letter_decoded_twice_stays_whole(text, name):
    m = before(text)
    assert m is not None and m.name == name
    assert_indexes(text, m)


def test_guillemets_and_blanks_still_end_a_name():
    """Only the signs a double decoding leaves stand inside a name word."""
    m = before("Talia Brennock\u00bb")
    assert m is None or m.name != "Talia Brennock\u00bb"
    m = after("Talia\u00a0Brennock said")
    assert m is not None and m.name == "Talia\u00a0Brennock"


def test_no_name_after_a_possessive_opening_phrase():
    """"From Vask's Facebook post:": the name after the possessive is no subject."""
    from quotes import extract
    text = "Aides say he will back the plan. From Vask's Facebook post: \"For the sake of our port, we must move on.\""
    (q,) = extract(text)
    assert q.speaker != "Facebook"