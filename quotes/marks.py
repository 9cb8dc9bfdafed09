"""Find quoted passages: pair quote marks, paragraph by paragraph.

Marks are paired within a paragraph, so a stray mark costs at most its own
paragraph, never the rest of the article. A passage left open at the end of a
paragraph continues into the next paragraph when that one opens with a quote
mark (news style for quotes that run over several paragraphs). Single quotes
are only ever nested inside double quotes, and are left alone: as top-level
marks they are indistinguishable from apostrophes.

Every step is a single left-to-right pass: linear in the length of the text.
"""

from __future__ import annotations

import regex

from .model import Mark

OPENING = "“„«‟"
CLOSING = "”»"
STRAIGHT = '"'
ALL_MARKS = OPENING + CLOSING + STRAIGHT

_MARK = regex.compile(f"[{regex.escape(ALL_MARKS)}]")
_PARAGRAPH = regex.compile(r"[^\n]+")
# Characters after which a straight quote opens rather than closes.
# Punctuation such as "," is not here: a mark straight after a comma closes (“…,”).
_OPEN_CONTEXT = set(" \t\r\n([{—–-/") | {"\u00a0"}


def _role(text: str, pos: int, start: int, end: int) -> str:
    """Decide whether the mark at pos opens or closes, from its neighbours.

    Curly marks say which they are, but typists and converters get them wrong,
    so a mark with a space after it and a word before it closes, and the
    reverse opens, whatever its shape.
    """
    char = text[pos]
    before = text[pos - 1] if pos > start else " "
    after = text[pos + 1] if pos + 1 < end else " "
    before_blank = before in _OPEN_CONTEXT
    after_blank = after.isspace() or after in ",.;:!?)]}—–"
    if before_blank and not after_blank:
        return "open"
    if after_blank and not before_blank:
        return "close"
    if char in OPENING:
        return "open"
    if char in CLOSING:
        return "close"
    return "either"


def find_marks(text: str) -> list[Mark]:
    """All quoted passages in text, in order; text[m.start:m.end] includes the marks."""
    marks: list[Mark] = []
    carried: int | None = None  # an opening mark left open by the previous paragraph
    for p_start, p_end in _paragraphs_to_read(text, lambda: carried):
        first = p_start
        while first < p_end and text[first].isspace():
            first += 1
        if carried is not None and not (first < p_end and text[first] in OPENING + STRAIGHT):
            # The open passage did not continue here: it ends with its own paragraph.
            marks.append(Mark(carried, _previous_end(text, first), closed=False))
            carried = None
        open_at = carried
        continuing = carried is not None
        for match in _MARK.finditer(text, p_start, p_end):
            pos = match.start()
            if continuing and pos == first:
                continuing = False  # the re-opening mark of a continued quote
                continue
            continuing = False
            role = _role(text, pos, p_start, p_end)
            if open_at is None:
                if role != "close":
                    open_at = pos
            elif role != "open":
                marks.append(Mark(open_at, pos + 1))
                open_at = None
            else:
                # Two openings in a row: the first was stray, start again here.
                open_at = pos
        carried = open_at
        if carried is not None and not _may_run_on(text, carried, p_start):
            # Only a quote that opens its paragraph or follows a lead-in runs on
            # into the next paragraph; a fragment opened mid-sentence ends here.
            marks.append(Mark(carried, _previous_end(text, p_end), closed=False))
            carried = None
    if carried is not None:
        marks.append(Mark(carried, _previous_end(text, len(text)), closed=False))
    # A value after "=" is markup left in the text (<tweet author="…">), not a quote.
    return [m for m in marks if m.end - m.start > 2 and text[m.start - 1:m.start] != "="]


def _paragraphs_to_read(text: str, carried):
    """The (start, end) of each paragraph that holds a mark, and of the one
    after a paragraph that leaves a passage open (carried() is not None):
    nothing happens in the others, and most paragraphs quote nobody."""
    pos = 0
    while True:
        if carried() is None:
            mark = _MARK.search(text, pos)
            if mark is None:
                return
            start = text.rfind("\n", 0, mark.start()) + 1
        else:
            paragraph = _PARAGRAPH.search(text, pos)
            if paragraph is None:
                return
            start = paragraph.start()
        end = text.find("\n", start)
        pos = len(text) if end < 0 else end
        yield start, pos


def _may_run_on(text: str, opening: int, p_start: int) -> bool:
    """Whether a passage left open at a paragraph's end may continue into the next."""
    before = text[p_start:opening].rstrip()
    return not before or before[-1] in ":,—–-"


def _previous_end(text: str, pos: int) -> int:
    """The end of the paragraph before pos, trailing blanks dropped."""
    while pos > 0 and text[pos - 1].isspace():
        pos -= 1
    return pos
