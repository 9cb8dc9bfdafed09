"""The article as the sieves see it: quotes with their paragraph and neighbours.

Windows never cross a paragraph or another quote, so every look-around a
sieve makes is bounded and a stray mark elsewhere cannot mislead it.
"""

from __future__ import annotations

import bisect
from functools import cache, lru_cache
from dataclasses import dataclass, field

import regex

from . import lexicon
from .model import Mark, Mention, Quote

_PARAGRAPH = regex.compile(r"[^\n]+")
# A sentence ends at . ! or ? (perhaps inside a closing mark) before a blank.
_MID_SENTENCE_CAPITAL = regex.compile(r"(?<=[\p{Ll},;][ \t\u00a0]+)\p{Lu}[\p{L}\-]+")
_SENTENCE_END = regex.compile(r"[.!?]['’\"”»)]*(?=[ \t\u00a0]+|\Z)")


@dataclass
class Attribution:
    """What a sieve found: the mention that carries the attribution and its verb."""

    mention: Mention
    cue: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    borrowed_from: int | None = None  # index of the quote whose speaker is reused


@dataclass
class Context:
    text: str
    marks: list[Mark]
    quotes: list[Quote]
    attributions: list[Attribution | None] = field(default_factory=list)
    paragraphs: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def build(cls, text: str, marks: list[Mark]) -> "Context":
        quotes = [Quote(m.start, m.end, text[m.start:m.end]) for m in marks]
        paragraphs = [m.span() for m in _PARAGRAPH.finditer(text)]
        return cls(text, marks, quotes, [None] * len(quotes), paragraphs)

    def __post_init__(self) -> None:
        self._starts = [p[0] for p in self.paragraphs]
        self._cache: dict = {}
        # Sieves ask for the same bounds and sentences of a quote again and
        # again; each is computed once (the text and the quotes never change).
        # Plain lists and int keys: little memory, nothing for the garbage
        # collector to walk, so a long article costs no more per quote.
        self._floors: list[int | None] = [None] * len(self.quotes)
        self._ceilings: list[int | None] = [None] * len(self.quotes)
        self._sentence_starts: dict[int, int] = {}
        self._sentence_ends: dict[int, int] = {}
        self._span = len(self.text) + 1  # (a, b) as the int a * _span + b

    def cached(self, key, compute):
        """compute() once per article and key: for sieves that index the whole
        article, or read the same span again."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def paragraph_of(self, pos: int) -> int:
        """The index of the paragraph that holds pos."""
        return max(0, bisect.bisect_right(self._starts, pos) - 1)

    def paragraph_start(self, pos: int) -> int:
        """Where the paragraph that holds pos starts (0 in a text of none)."""
        return self.paragraphs[self.paragraph_of(pos)][0] if self.paragraphs else 0

    def floor(self, i: int) -> int:
        """Where the text before quote i starts: its paragraph or the previous quote."""
        if i < 0:
            return self._floor(i)  # (a list would take it for another quote's)
        if self._floors[i] is None:
            self._floors[i] = self._floor(i)
        return self._floors[i]

    def _floor(self, i: int) -> int:
        quote = self.quotes[i]
        floor = self.paragraph_start(quote.start)
        if i > 0 and self.quotes[i - 1].end > floor:
            floor = self.quotes[i - 1].end
        return floor

    def ceiling(self, i: int) -> int:
        """Where the text after quote i stops: its paragraph's end or the next quote."""
        if i < 0:
            return self._ceiling(i)  # (a list would take it for another quote's)
        if self._ceilings[i] is None:
            self._ceilings[i] = self._ceiling(i)
        return self._ceilings[i]

    def _ceiling(self, i: int) -> int:
        quote = self.quotes[i]
        p = self.paragraph_of(quote.end - 1)
        ceiling = self.paragraphs[p][1] if self.paragraphs else len(self.text)
        if i + 1 < len(self.quotes) and self.quotes[i + 1].start < ceiling:
            ceiling = self.quotes[i + 1].start
        return ceiling

    def names_mid_sentence(self) -> frozenset[str]:
        """Capitalised words the article writes inside a sentence."""
        return names_mid_sentence(self.text)

    def sentence_end(self, start: int, ceiling: int) -> int:
        """The end of the sentence that runs on from start (at most ceiling)."""
        key = start * self._span + ceiling
        if key not in self._sentence_ends:
            self._sentence_ends[key] = self._sentence_end(start, ceiling)
        return self._sentence_ends[key]

    def _sentence_end(self, start: int, ceiling: int) -> int:
        for match in _SENTENCE_END.finditer(self.text, start, ceiling):
            if not _is_abbreviation(self.text, match.start()):
                return match.end()
        return ceiling

    def sentence_start(self, end: int, floor: int) -> int:
        """The start of the sentence that contains end (at least floor)."""
        key = end * self._span + floor
        if key not in self._sentence_starts:
            self._sentence_starts[key] = self._sentence_start(end, floor)
        return self._sentence_starts[key]

    def _sentence_start(self, end: int, floor: int) -> int:
        start = floor
        for match in _SENTENCE_END.finditer(self.text, floor, end):
            if not _is_abbreviation(self.text, match.start()):
                start = match.end()
        while start < end and self.text[start] in " \t\u00a0":
            start += 1
        return start


@lru_cache(maxsize=2)  # the article being attributed: one scan for every sieve and pronoun
def names_mid_sentence(text: str) -> frozenset[str]:
    """Capitalised words the text writes inside a sentence: names, not words
    capitalised only because they open one."""
    return frozenset(_MID_SENTENCE_CAPITAL.findall(text))


def _is_abbreviation(text: str, dot: int) -> bool:
    """A dot after a title, an initial or a known abbreviation does not end a sentence."""
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:dot + 1].lstrip("(\"“")
    if text[word_start] == "(" and text[dot + 1:dot + 2] == ")":
        return True  # a party and state after a name: "Ted Cruz (Tex.)", "(D-Nev.)"
    if len(word) == 2 and word[0].isupper():
        return True  # an initial: "Donald J. Trump"
    if "." in word[:-1]:
        return True  # "U.S." "p.m."
    return word in _abbreviations()


@cache
def _abbreviations() -> frozenset[str]:
    found = {w for w in lexicon.words("titles") | lexicon.words("honorifics") | lexicon.words("title_modifiers")
             if w.endswith(".") and " " not in w}
    for w in lexicon.words("titles") | lexicon.words("title_modifiers"):
        found.update(part for part in w.split() if part.endswith("."))
    return frozenset(found | {"Jr.", "Sr.", "St.", "Mt.", "No.", "vs.", "Inc.", "Corp.", "Co.", "Ltd."})
