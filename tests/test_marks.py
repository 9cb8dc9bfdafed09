"""quotes.marks.find_marks: pairing quote marks into quoted passages.

Every example is invented: the people and places do not exist.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotes.marks import ALL_MARKS, find_marks
from quotes.model import Mark


def spans(text: str) -> list[str]:
    """The passages find_marks returns, as text (marks included)."""
    return [text[m.start:m.end] for m in find_marks(text)]


def assert_offsets(text: str, marks: list[Mark]) -> None:
    """text[m.start:m.end] starts with a mark, and ends with one when closed."""
    previous_end = 0
    for m in marks:
        assert 0 <= previous_end <= m.start < m.end <= len(text)
        assert text[m.start] in ALL_MARKS, (text, m)
        if m.closed:
            assert text[m.end - 1] in ALL_MARKS, (text, m)
        previous_end = m.end


# ---------------------------------------------------------------- mark shapes


def test_straight_double_quotes():
    text = 'Odile Ferrand said "the tide is late" and then "the nets are empty".'
    assert spans(text) == ['"the tide is late"', '"the nets are empty"']
    assert all(m.closed for m in find_marks(text))


def test_curly_double_quotes():
    text = "\u201cThe tide is late,\u201d Odile Ferrand said. \u201cThe nets are empty.\u201d"
    assert spans(text) == ["\u201cThe tide is late,\u201d", "\u201cThe nets are empty.\u201d"]


def test_guillemets():
    text = "Le maire de Brisvanne a déclaré « nous reconstruirons le port » lundi."
    assert spans(text) == ["« nous reconstruirons le port »"]


def test_guillemets_with_non_breaking_spaces():
    text = "«\u00a0Nous reconstruirons le port\u00a0», a déclaré Odile Ferrand."
    assert spans(text) == ["«\u00a0Nous reconstruirons le port\u00a0»"]


def test_german_low_high_quotes():
    text = "Bürgermeisterin Hanne Wittkopf sagte „wir bauen den Hafen neu“ am Montag."
    assert spans(text) == ["„wir bauen den Hafen neu“"]


def test_mixed_styles_in_one_article():
    text = (
        '"Straight ones," said Odile Ferrand.\n\n'
        "\u201cCurly ones,\u201d said Piet Hallstrom.\n\n"
        "« Guillemets », a dit Jules Marnier.\n\n"
        "„Tiefe“, sagte Hanne Wittkopf."
    )
    assert spans(text) == ['"Straight ones,"', "\u201cCurly ones,\u201d", "« Guillemets »", "„Tiefe“"]


# ---------------------------------------------------------------- nesting and apostrophes


def test_straight_single_quotes_nested_inside_double_are_not_split():
    text = "\"The harbour master told me 'never again' and left,\" Odile Ferrand said."
    assert spans(text) == ["\"The harbour master told me 'never again' and left,\""]


def test_curly_single_quotes_nested_inside_double_are_not_split():
    text = "\u201cShe called it \u2018the worst storm in years\u2019 on the radio,\u201d Piet Hallstrom said."
    assert spans(text) == ["\u201cShe called it \u2018the worst storm in years\u2019 on the radio,\u201d"]


def test_nested_single_quote_at_the_end_of_the_double_quote():
    text = "\"He called the plan 'a gift',\" Odile Ferrand said."
    assert spans(text) == ["\"He called the plan 'a gift',\""]


def test_apostrophes_do_not_make_quotes():
    text = "\"It's the town's pier, isn't it,\" said Piet Hallstrom. Brisvanne's council didn't reply."
    assert spans(text) == ["\"It's the town's pier, isn't it,\""]


# ---------------------------------------------------------------- multi-paragraph quotes


MULTI = (
    "Odile Ferrand, the harbour master of Brisvanne, spoke at length.\n"
    "\n"
    "\u201cThe pier was built in 1911 and nobody has repaired it since.\n"
    "\n"
    "\u201cEvery winter the storms take another plank.\n"
    "\n"
    "\u201cWe will rebuild it before the summer,\u201d she said.\n"
    "\n"
    "Piet Hallstrom disagreed. \u201cThere is no money,\u201d he said."
)


def test_multi_paragraph_quote_is_one_mark():
    marks = find_marks(MULTI)
    assert len(marks) == 2
    first = marks[0]
    assert first.start == MULTI.index("\u201cThe pier")
    assert first.end == MULTI.index("summer,\u201d") + len("summer,\u201d")
    assert first.closed
    passage = MULTI[first.start:first.end]
    assert passage.count("\n\n") == 2  # it spans all three paragraphs
    assert "Every winter" in passage


def test_multi_paragraph_quote_does_not_cost_the_next_quote():
    marks = find_marks(MULTI)
    assert MULTI[marks[1].start:marks[1].end] == "\u201cThere is no money,\u201d"


def test_multi_paragraph_quote_with_straight_marks():
    text = (
        '"First we lost the ferry.\n'
        "\n"
        '"Then we lost the school," said Jules Marnier.'
    )
    marks = find_marks(text)
    assert len(marks) == 1
    assert (marks[0].start, marks[0].end) == (0, len(text) - len(" said Jules Marnier."))
    assert marks[0].closed


def test_quote_left_open_at_the_end_of_the_article_is_kept_unclosed():
    text = "Jules Marnier said:\n\n\u201cThe ferry will not come back."
    marks = find_marks(text)
    assert len(marks) == 1
    assert text[marks[0].start:marks[0].end] == "\u201cThe ferry will not come back."
    assert marks[0].closed is False


# ---------------------------------------------------------------- stray marks


def test_inch_mark_does_not_cost_later_quotes():
    text = (
        'A 12" water main burst under the quay at Brisvanne.\n'
        "\n"
        'Odile Ferrand said: "We fixed it overnight."\n'
        "\n"
        '"It holds for now," said Piet Hallstrom.'
    )
    assert spans(text) == ['"We fixed it overnight."', '"It holds for now,"']


def test_unclosed_quote_costs_only_its_own_paragraph():
    text = (
        'Piet Hallstrom called the vote "a farce and walked out.\n'
        "\n"
        "The council met again on Thursday.\n"
        "\n"
        '"We will appeal," Odile Ferrand said. "And we will win."\n'
        "\n"
        'Jules Marnier said the plan was "too little, too late."'
    )
    found = spans(text)
    assert found[-3:] == ['"We will appeal,"', '"And we will win."', '"too little, too late."']
    # Whatever the stray mark became, it did not run past its own paragraph.
    first = find_marks(text)[0]
    assert "\n" not in text[first.start:first.end]


def test_stray_mark_between_balanced_quotes_in_one_paragraph():
    text = 'He said "one" and then the 5 " gauge and "two" later.'
    assert spans(text) == ['"one"', '"two"']


def test_stray_closing_mark_at_paragraph_start():
    text = "The odd \u201d mark here.\n\n\u201cA good quote,\u201d Odile Ferrand said."
    assert spans(text) == ["\u201cA good quote,\u201d"]


# ---------------------------------------------------------------- wrong-way curly marks


def test_curly_marks_typed_the_wrong_way_round_mid_sentence():
    text = "Piet Hallstrom said \u201dwe will stay\u201c and left the hall."
    assert spans(text) == ["\u201dwe will stay\u201c"]


def test_closing_curly_mark_used_at_both_ends():
    text = "\u201dWe will stay,\u201d Piet Hallstrom said."
    assert spans(text) == ["\u201dWe will stay,\u201d"]


def test_wrong_way_marks_before_a_full_stop():
    text = "\u201dWe will stay.\u201c Piet Hallstrom left the hall."
    assert spans(text) == ["\u201dWe will stay.\u201c"]


def test_opening_curly_mark_used_at_both_ends_before_said():
    # A comma before the mark and a blank after: it closes, whatever its shape.
    text = "\u201cWe will stay,\u201c Piet Hallstrom said."
    assert spans(text) == ["\u201cWe will stay,\u201c"]


def test_fully_reversed_curly_marks_before_said():
    text = "\u201dWe will stay,\u201c Piet Hallstrom said."
    assert spans(text) == ["\u201dWe will stay,\u201c"]


# ---------------------------------------------------------------- offsets


@pytest.mark.parametrize("text", [
    'Odile Ferrand said "the tide is late" and then "the nets are empty".',
    MULTI,
    "«\u00a0Nous reconstruirons le port\u00a0», a déclaré Odile Ferrand.",
    "Bürgermeisterin Hanne Wittkopf sagte „wir bauen den Hafen neu“ am Montag.",
    "\"The harbour master told me 'never again' and left,\" Odile Ferrand said.",
    'Piet Hallstrom called the vote "a farce and walked out.\n\n"We will appeal," she said.',
    "Piet Hallstrom said \u201dwe will stay\u201c and left the hall.",
])
def test_offsets_start_and_end_with_marks(text):
    marks = find_marks(text)
    assert marks
    assert_offsets(text, marks)


def test_no_marks_no_passages():
    assert find_marks("The council of Brisvanne met on Tuesday. Nobody spoke.") == []
    assert find_marks("") == []


PIECES = st.sampled_from([
    "word", " ", " ", "Ferrand", ",", ".", "\n", "\n\n", '"', '"', "\u201c", "\u201d",
    "«", "»", "„", "'", "\u2019", "\u00a0", "said", ":",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=60).map("".join))
def test_offsets_hold_on_any_text(text):
    """Any mix of marks, words and paragraphs: ordered, non-overlapping, mark-bounded."""
    assert_offsets(text, find_marks(text))


def test_fragment_opened_mid_sentence_does_not_run_into_the_next_paragraph():
    # The writer forgot to close "a disaster; the next paragraph's own quote
    # must stay a quote of its own.
    text = ('Piet Hallstrom called the plan \u201ca disaster.\n\n'
            '\u201cWe will appeal,\u201d Odile Ferrand said.')
    assert spans(text) == ["\u201ca disaster.", "\u201cWe will appeal,\u201d"]


def test_quote_after_a_lead_in_runs_on_into_the_next_paragraph():
    text = ('Odile Ferrand said: \u201cThe nets are empty.\n\n'
            '\u201cThe harbour is closed.\u201d')
    assert spans(text) == [text[text.index("\u201c"):]]


def test_a_markup_attribute_value_is_no_quote():
    text = 'We rounded them up:\n\n<tweet pic="pic.example.org/abc" author="harbourwatch">Gates open</tweet>\n\n"We are ready," she said.'
    spans = [text[m.start:m.end] for m in find_marks(text)]
    assert spans == ['"We are ready,"']
