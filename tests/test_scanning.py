"""The fast forms of the mention patterns find exactly what the plain forms find.

Word lists are compiled as tries and names are scanned in two passes for speed
(quotes/mentions.py); both must match what a flat longest-first alternation and
a single finditer of the name pattern match, on crafted text and on random text
built from the pieces that matter (particles, capitals, initials, apostrophes,
odd word characters). The longer-name scan finds the names of more than one
word the plain scan finds. The phrase patterns match what they match without
the look-arounds that only make them fail sooner, and _INTRO_COMMA ends where
the lazy search it replaced ended. Plain two-word names are read without
nameparser (quotes/speakers.py), as nameparser reads them.
"""

from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from quotes import lexicon
from quotes.mentions import _, _alternation, find_longer_names, find_names, patterns


def flat(entries) -> str:
    """The alternation as it was written before tries: longest first."""
    parts = sorted(entries, key=len, reverse=True)
    return "|".join(_.join(regex.escape(w) for w in e.split()) for e in parts)


def all_matches(pattern: str, text: str) -> list[tuple[int, int] | None]:
    compiled = regex.compile(pattern)
    return [m.span() if (m := compiled.match(text, i)) else None for i in range(len(text) + 1)]


LISTS = ["name_particles", "not_names", "honorifics", "title_modifiers", "role_nouns",
         "pronouns", "cue_verbs", "function_words", "titles"]


@pytest.mark.parametrize("name", LISTS)
def test_trie_matches_the_flat_alternation(name):
    entries = lexicon.words(name)
    # Every entry, run together and apart, in both cases, with blanks of every kind.
    text = " ".join(sorted(entries)) + "\n" + "\t".join(e.upper() for e in entries) \
        + "\u00a0".join(e.replace(" ", "  ") for e in entries)
    for wrap in ("(?:{})", "(?:{})(?![\\p{{L}}])", "(?i:{})", "(?i:{})(?![\\p{{L}}])"):
        ignore_case = wrap.startswith("(?i")
        assert all_matches(wrap.format(_alternation(entries, ignore_case)), text) \
            == all_matches(wrap.format(flat(entries)), text)


def test_trie_keeps_longest_first():
    assert regex.match(_alternation(["de", "del", "della"]), "della").group() == "della"
    assert regex.match(f"(?:{_alternation(['de', 'del'])})l", "dell").group() == "dell"
    assert regex.match(_alternation(["vice president", "vice"]), "vice  president").group() \
        == "vice  president"


def test_trie_falls_back_where_it_could_differ():
    # A run of blanks in an entry would rank it by a length the trie does not see.
    assert _alternation(["a  b", "a b c"]) == flat(["a  b", "a b c"])
    # Under (?i), two branches that match the same letter.
    assert _alternation(["Sen", "sen."], ignore_case=True) == "sen(?:\\.)?"
    assert _alternation(["ǅx", "ǆyz"], ignore_case=True) == "ǆ(?:yz|x)"  # one letter, in any case
    # A letter whose lower case is two letters.
    assert _alternation(["İx", "iy"], ignore_case=True) == flat(["İx", "iy"])


def names(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in find_names(text)]


def plain_names(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in patterns()["name"].finditer(text)]


def longer_names(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in find_longer_names(text)]


def plain_longer_names(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in patterns()["name"].finditer(text) if regex.search(r"[ \t\u00a0]", m.group())]


@pytest.mark.parametrize("text", [
    "Pedro de la Torre met al-Assad and Osama bin Laden.",
    "de la Torre said; van Heerveld said; el-Sisi said",
    "The Smith family, I. M. Pei, U.S. officials and J. Edgar Hoover",
    "Martin Luther King, Jr. and O'Brien's dog, and Mr. O’Neil’s",
    "snake_de la Torre x2de Vries ²de Vries Ⅻde Vries a\u200dde Vries",
    "de de de de de Smith; al-al-Assad; Al-Qaeda; del-Potro; y Gasset",
    "ade Smith, made van Dyke, Ade la Rue, Yde Vries",
    "",
    "de ",
])
def test_two_pass_name_scan_matches_plain_scan(text):
    assert names(text) == plain_names(text)
    assert longer_names(text) == plain_longer_names(text)


PIECES = ["de ", "la ", "al-", "Al-", "bin ", "van ", "y ", "della ", "Smith", "O'Brien", "'s",
          "’s", " ", "  ", "\t", "\u00a0", ",", ".", "-", "_", "²", "\u200d", "The ", "I.", "J. ",
          "U.S.", ", Jr.", " II", "(", "\"", "\n", "x", "said ", "Tuesday", "é", "\u0301", "2", "É"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=16))
def test_two_pass_name_scan_on_random_text(pieces):
    text = "".join(pieces)
    assert names(text) == plain_names(text)
    assert longer_names(text) == plain_longer_names(text)


PHRASE_PIECES = ["Trump", "’s", "'s", "'", "O'Brien", "Iraq", " ", "\t", ",", ", Jr.", ".", "J.", "de ", "al-",
                 "the ", "a ", "spokesman", "spokesmen", "es", " for ", "President ", "said", "campaign ", "(R-Tex.)",
                 "\n", "-", "2", "é", "\u0301", "she", "co-anchor", "manager"]


def pruning(pattern: str) -> list[str]:
    """The look-arounds in a phrase pattern that only make it fail sooner."""
    from quotes.mentions import _APOSTROPHE_AHEAD, _introduced, _role_end
    found = [_APOSTROPHE_AHEAD] * pattern.count(_APOSTROPHE_AHEAD) + [_role_end()] * pattern.count(_role_end())
    for words in ("of|at|from", "for|of|at|with|from"):
        found += regex.findall(regex.escape(_introduced(words, 12345)).replace("12345", r"\d+"), pattern)
    return found


def assert_phrases_match_as_without_pruning(text: str):
    for key, method in (("after", "match"), ("before", "match"), ("before_reverse", "search")):
        fast = patterns()[key]
        look_arounds = pruning(fast.pattern)
        assert len(look_arounds) == 5  # before a possessive twice, after a role, "of" and "for"
        plain = fast.pattern
        for look_around in look_arounds:
            plain = plain.replace(look_around, "")
        plain = regex.compile(plain, fast.flags)
        for start in range(len(text) + 1):
            found, expected = getattr(fast, method)(text, start), getattr(plain, method)(text, start)
            assert (found and found.regs) == (expected and expected.regs)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(PHRASE_PIECES), max_size=14))
def test_phrase_patterns_match_as_without_their_pruning_look_arounds(pieces):
    assert_phrases_match_as_without_pruning("".join(pieces))


def test_name_particles_start_with_a_letter():
    # The descriptor pattern tries a number after a name (quotes/mentions.py):
    # no name may start where a number does.
    assert all(regex.match(r"\p{L}", particle) for particle in lexicon.words("name_particles"))


def test_the_longest_name_after_of_is_found_as_without_pruning():
    particles = "de la van "
    longest = " ".join(particles + word for word in ["Aa", "Bb", "Cc", "Dd", "Ee", "Ff"]) + ", Jr."
    assert patterns()["name"].fullmatch(longest)
    assert not patterns()["name"].fullmatch("de " + longest)
    for text in (f"Ana Ruiz of the {longest}", f"a spokesman for the {longest}"):
        assert_phrases_match_as_without_pruning(text)
        assert patterns()["before_reverse"].search(text).group("member_of", "complement") in (
            (longest, None), (None, longest))


def test_longer_names_skip_one_word_names():
    text = "The mayor, Ana Ruiz, met Ruiz’s deputy, de la Torre. Martin Luther King, Jr. and al-Assad came."
    assert [text[a:b] for a, b in longer_names(text)] == ["Ana Ruiz", "de la Torre", "Martin Luther King, Jr."]


def test_repeated_windows_give_equal_but_separate_mentions():
    # The phrase of a window is cached; each call still makes its own Mention,
    # since attribution tells quotes that share a mention by its identity.
    from quotes.mentions import phrase_after, subject_before
    text = "Iraq's President Fuad Masum said it. Iraq's President Fuad Masum said it."
    verb, second = text.index(" said"), text.index("Iraq", 1)
    first, again = subject_before(text, verb), subject_before(text, verb)
    assert first == again and first is not again and first.name == "Fuad Masum"
    later = subject_before(text, text.index(" said", second), floor=second)
    assert (later.start, later.name, later.title) == (second, "Fuad Masum", "President")
    assert phrase_after(text, second) == phrase_after(text, second)
    assert phrase_after(text, second) is not phrase_after(text, second)


def test_a_window_cut_short_by_the_timeout_is_tried_again(monkeypatch):
    from quotes import mentions
    text = "Retired Lt. Gen. Tobias Quell said"
    end = text.rindex(" said")
    monkeypatch.setattr(mentions, "MATCH_TIMEOUT", 1e-12)
    assert mentions.subject_before(text, end) is None
    monkeypatch.undo()
    assert mentions.subject_before(text, end).name == "Tobias Quell"


def lowercase_words_listed(text: str, word: str) -> bool:
    """The plain answer: the word or its plural among all the lower-case words."""
    from quotes.mentions import _LOWERCASE_WORD
    return not frozenset(_LOWERCASE_WORD.findall(text)).isdisjoint((word, word + "s", word + "es"))


@pytest.mark.parametrize("text, word", [
    ("The grower said growers grow.", "grower"),
    ("Growers, not the Grower.", "grower"),
    ("a pro-grower stance", "grower"),
    ("-grower is here", "grower"),
    ("Ma-grower", "grower"),
    ("x- grower", "grower"),
    ("growerly and agrower", "grower"),
    ("boxes of box", "box"),
    ("the boxes", "box"),
    ("é-grower", "grower"),
    ("O'Neil o'neil", "o'neil"),
    ("grower" * 40 + " grower", "grower"),
    ("", "grower"),
])
def test_lowercase_lookup_matches_the_list_of_words(text, word):
    from quotes.mentions import _LowercaseWords
    assert _LowercaseWords(text).holds(word) == lowercase_words_listed(text, word)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(["grower", "growers", "growe", "s", "es", "-", " ", "A", "a", "é",
                                 "\u0301", ".", "Grower", "_", "1"]), max_size=12),
       st.lists(st.sampled_from(["grower", "growe", "a", "s", "é", *"bcdfghijklmnopqrtuvw"]), min_size=1,
                max_size=30))
def test_lowercase_lookup_on_random_text(pieces, words):
    from quotes.mentions import _LowercaseWords
    text = "".join(pieces)
    index = _LowercaseWords(text)  # one article, many lookups: past the substring lookups too
    for word in words:
        assert index.holds(word) == lowercase_words_listed(text, word)


def marks_read_paragraph_by_paragraph(text: str):
    """find_marks as it was: every paragraph read, whether it holds a mark or not."""
    from unittest import mock
    from quotes import marks
    every = lambda text, carried: (p.span() for p in marks._PARAGRAPH.finditer(text))  # noqa: E731
    with mock.patch.object(marks, "_paragraphs_to_read", every):
        return marks.find_marks(text)


MARK_PIECES = ['"', "\u201c", "\u201d", "\u201e", "\u00ab", "\u00bb", "\n", "\n\n", " \n", "\n ", " ", "a",
               "We win", ":", ",", "—", ".", "\t", "\r\n", "\u2028"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(MARK_PIECES), max_size=30))
def test_marks_read_only_where_needed_on_random_text(pieces):
    from quotes.marks import find_marks
    text = "".join(pieces)
    assert find_marks(text) == marks_read_paragraph_by_paragraph(text)


def test_marks_read_only_where_needed_on_articles():
    from quotes.marks import find_marks
    text = ('Plain.\n\n"We will win,\n\n"and soon.\n\nNo marks here.\n\n'
            'She said: "It runs on\n\nand stops here.\n\n\u201cOpen\n\n\u201cStill open.\u201d\n\nEnd "x"')
    assert find_marks(text) == marks_read_paragraph_by_paragraph(text)


def given_names_parsed(name: str):
    """The first and middle names as nameparser reads them, as first_name_gender took them."""
    from nameparser import HumanName
    parsed = HumanName(name)
    if not parsed.last or not (parsed.first or parsed.middle):
        return None
    return (parsed.first, *parsed.middle.split())


@pytest.mark.parametrize("name", [
    "Ana Ruiz", "Lena Marvell", "Dean Smith", "Sister Mary", "Van Morrison", "Maria de Souza", "Abu Bakr",
    "John Jr", "Henry Viii", "Louis Xiv", "Mary Vi", "First Lady", "Signora Rossi", "Sheikh Hasina", "Jack Ma",
    "Anna Nee", "Ana Y", "Ana  Ruiz", "ANA RUIZ", "Dr. J. Maria Lopez", "Ruiz, Ana", "Ana", "",
])
def test_given_names_are_those_nameparser_reads(name):
    from quotes.speakers import _given_names
    assert _given_names(name) == given_names_parsed(name)


def test_a_plain_name_is_read_without_nameparser():
    from quotes.speakers import _plain_name_word
    assert _plain_name_word("Ana") and _plain_name_word("Ruiz")
    assert not any(map(_plain_name_word, ["Sister", "Van", "Jr", "Viii", "First", "Ana.", "ANA", "O'Neil"]))


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"[A-Z][a-z]{1,7}", fullmatch=True), st.from_regex(r"[A-Z][a-z]{1,7}", fullmatch=True))
def test_given_names_of_random_plain_names(first, last):
    from quotes.speakers import _given_names
    name = f"{first} {last}"
    assert _given_names(name) == given_names_parsed(name)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(["a", "b c", " ", ",", ", ", ",,", "\n", '"', "“", "”", "\t", "\u00a0", "x" * 30,
                                 "y" * 61]), max_size=12),
       st.integers(0, 400), st.integers(0, 400))
def test_introduction_ends_where_the_lazy_search_ended(pieces, start, end):
    from quotes.attribute import _INTRO_COMMA
    text = "".join(pieces)
    start, end = min(start, len(text)), min(end, len(text))
    lazy = regex.compile(r"\A?[^,\n\"“”]{1,60}?,[ \t\u00a0]+").search(text, start, end)
    found = _INTRO_COMMA.search(text, start, end)
    assert (found and found.end()) == (lazy and lazy.end())
