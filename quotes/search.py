"""Fact-checker search: a fragment finds the quote, its variants and its first appearance.

Three parts, each a plain function over plain data, used by ``quotes search``,
by :func:`quotes.store.finalize` and (as SQL functions) by the Datasette
plugin:

- **Queries.** :func:`fts_query` turns what a person types into an FTS5 query
  that is always valid: ``"a phrase"``, ``prefix*``, ``AND``/``OR``/``NOT`` and
  parentheses keep their meaning; every other word is quoted, so punctuation,
  an unbalanced quote mark or a stray operator never makes an error.
- **Variant groups.** The same quote reported by several outlets with small
  differences (punctuation, a dash for a comma, a dropped word, a partial
  quote of a longer one) is one group: :func:`group_quotes` compares word
  sequences (:func:`variant_score`) of quotes whose speakers do not conflict,
  longest first, so a partial quote joins the fullest wording it belongs to
  and never bridges two distinct quotes. :func:`build_groups` writes the
  ``quote_groups`` and ``quote_variants`` tables after a load.
- **Closest wording.** :func:`similarity` scores how close typed words are to
  the closest stretch of a recorded quote (1.0: the words are in it, in
  order), so a misremembered or paraphrased wording finds the real one first.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import os
import sys
import unicodedata
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache

import regex
import sqlite_utils
from markupsafe import Markup, escape

from . import identity, lexicon
from .model import content_id
from .spill import SpillDict

GROUPS, VARIANTS = "quote_groups", "quote_variants"
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"  # snippet() markers, turned into <mark> by snippet_html
# A quote shorter than this many words joins a group only when its words are
# exactly another quote's: "a disaster" is in too many quotes to be a partial one.
MIN_PARTIAL_WORDS = 4
# A spelling variant ("organisation"/"organization", "per cent"/"percent").
SPELLING_RATIO = 0.8
CANDIDATES = 200  # FTS hits scored per search, best bm25 first
FALLBACK, FALLBACK_SCORE = 3, 0.3  # when no wording is close: the 3 closest above 0.3

_APOSTROPHES = str.maketrans("", "", "'’‘`´")
_NON_WORD = regex.compile(r"[^\p{L}\p{N}]+")
# English contractions, spelt out before apostrophes go: outlets transcribe
# "I'll" and "I will", "won't" and "will not" for the same words.
_CONTRACTIONS = [
    (regex.compile(r"\b(won|can|shan)['’]t\b", regex.I), lambda m: {"won": "will", "can": "can", "shan": "shall"}[m.group(1).lower()] + " not"),
    (regex.compile(r"n['’]t\b", regex.I), lambda m: " not"),
    (regex.compile(r"['’]ll\b", regex.I), lambda m: " will"),
    (regex.compile(r"['’]re\b", regex.I), lambda m: " are"),
    (regex.compile(r"['’]ve\b", regex.I), lambda m: " have"),
    (regex.compile(r"\b(i)['’]m\b", regex.I), lambda m: m.group(1) + " am"),
]


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """The words of text without case, accents, apostrophes and punctuation.

    >>> words("We'll fight — and WIN, “whatever” it doesn't cost…")
    ('we', 'will', 'fight', 'and', 'win', 'whatever', 'it', 'does', 'not', 'cost')
    """
    text = text or ""
    if "'" in text or "’" in text:
        for pattern, spelt in _CONTRACTIONS:
            text = pattern.sub(spelt, text)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return tuple(_NON_WORD.sub(" ", stripped.casefold().translate(_APOSTROPHES)).split())


@cache
def function_words() -> frozenset[str]:
    return frozenset(w for w in lexicon.words("function_words") | lexicon.words("pronouns")
                     if w.isalpha()) | {"the", "a", "an", "to", "of", "is", "are", "was", "be"}


# ---------------------------------------------------------------------------
# Queries

_QUERY_TOKENS = regex.compile(
    r'(?P<phrase>"[^"]*"?)|(?P<lp>\()|(?P<rp>\))|(?P<word>[\p{L}\p{N}_]+(?:[\'’][\p{L}\p{N}_]+)*\*?)|.',
    regex.DOTALL)
_OPERATORS = frozenset({"AND", "OR", "NOT"})


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def parse_query(text: str) -> list[tuple[str, str]]:
    """What a person typed as (kind, value) items: term, prefix, phrase, op, (, )."""
    items: list[tuple[str, str]] = []
    for m in _QUERY_TOKENS.finditer(text or ""):
        if m.group("phrase"):
            inner = " ".join(words(m.group("phrase").strip('"')))
            if inner:
                items.append(("phrase", inner))
        elif m.group("lp"):
            items.append(("(", "("))
        elif m.group("rp"):
            items.append((")", ")"))
        elif m.group("word"):
            word = m.group("word")
            if word in _OPERATORS:
                items.append(("op", word))
            elif word.endswith("*") and words(word):
                items.append(("prefix", " ".join(words(word))))
            else:
                items.extend(("term", w) for w in words(word))
    return items


def _well_formed(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop operators with nothing on one side and parentheses that do not pair."""
    depth, balanced = 0, True
    for kind, _ in items:
        depth += {"(": 1, ")": -1}.get(kind, 0)
        balanced &= depth >= 0
    if depth or not balanced:
        items = [i for i in items if i[0] not in "()"]
    out: list[tuple[str, str]] = []
    for item in items:
        kind = item[0]
        if kind == "op":
            if not out or out[-1][0] in ("op", "("):
                if out and out[-1][0] == "op":
                    out[-1] = item  # "a AND NOT b": the last operator wins
                continue
        elif kind == ")":
            while out and out[-1][0] == "op":
                out.pop()
            if out and out[-1][0] == "(":
                out.pop()  # "()" is nothing
                continue
        elif out and out[-1][0] in ("term", "prefix", "phrase", ")"):
            out.append(("op", "AND"))  # adjacent operands: FTS5 wants an explicit AND before "("
        out.append(item)
    while out and out[-1][0] == "op":
        out.pop()
    # Unwrap parentheses left empty by the clean-up, e.g. "( AND )".
    return out if any(k in ("term", "prefix", "phrase") for k, _ in out) else []


def fts_query(text: str | None) -> str:
    """An FTS5 query for what a person typed that can never be a syntax error.

    >>> fts_query('"many fronts" tax* NOT (peace OR truce')
    '"many fronts" AND "tax"* NOT "peace" OR "truce"'
    >>> fts_query('he said "unbalanced')
    '"he" AND "said" AND "unbalanced"'
    >>> fts_query('-- AND (')
    '""'
    """
    parts = []
    for kind, value in _well_formed(parse_query(text or "")):
        if kind == "prefix":
            parts.append(_quoted(value) + "*")
        elif kind in ("term", "phrase"):
            parts.append(_quoted(value))
        else:
            parts.append(value)
    return " ".join(parts) or '""'  # '""' matches nothing


def any_words_query(text: str | None) -> str:
    """An FTS5 query matching any of the content words of text (all words when
    text has only function words): the candidates for the closest wording."""
    typed = words(text or "")
    content = [w for w in typed if w not in function_words()] or list(typed)
    return " OR ".join(_quoted(w) for w in dict.fromkeys(content)) or '""'


def uses_syntax(text: str) -> bool:
    """Whether text asks for FTS syntax: a phrase, a prefix, an operator, parentheses."""
    return any(kind not in ("term",) for kind, _ in parse_query(text))


def positive_words(text: str) -> str:
    """The words a match should contain: all but those after NOT."""
    kept, negate = [], False
    for kind, value in parse_query(text):
        if kind == "op":
            negate = value == "NOT"
        elif kind in ("term", "prefix", "phrase"):
            if not negate:
                kept.append(value)
    return " ".join(kept)


# ---------------------------------------------------------------------------
# Similarity of typed words to a recorded quote

def similarity(query: str | None, text: str | None, prefixes: tuple[str, ...] = ()) -> float:
    """How close the typed words are to the closest stretch of text, 0 to 1.

    1.0 when the words are all in text, in order ("raise taxes" in "we will not
    raise taxes"); a misremembered wording ("we will never raise taxes") scores
    high against the real one and lower against the rest.

    >>> similarity("we will never raise taxes", '"We will not raise taxes on families," she said')
    0.875
    >>> similarity("raise taxes", "We will not raise taxes.")
    1.0

    A word of text that begins with one of `prefixes` counts as that prefix
    (a prefix search for "tax*" finds "taxes" exactly).
    """
    q, t = words(query or ""), words(text or "")
    if prefixes:
        t = tuple(next((p for p in prefixes if w.startswith(p)), w) for w in t)
    if not q or not t:
        return 0.0
    matcher = SequenceMatcher(None, t, q, autojunk=False)
    a, b, size = matcher.find_longest_match(0, len(t), 0, len(q))
    q_text = " ".join(q)
    if not size:
        return round(SequenceMatcher(None, q_text, " ".join(t), autojunk=False).ratio() * 0.5, 3)
    anchor = a - b  # where the query would begin in text
    best = 0.0
    for start in range(anchor - 2, anchor + 3):
        for length in range(len(q) - 2, len(q) + 4):
            lo, hi = max(0, start), min(len(t), start + length)
            if hi <= lo:
                continue
            window = SequenceMatcher(None, q_text, " ".join(t[lo:hi]), autojunk=False)
            if window.real_quick_ratio() > best and window.quick_ratio() > best:
                best = max(best, window.ratio())
    return round(best, 3)


# ---------------------------------------------------------------------------
# Variant groups

def _spelling(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two word runs are one spelling apart ("per cent" and "percent")."""
    x, y = " ".join(a), " ".join(b)
    if any(c.isdigit() for c in x + y):
        return x.replace(" ", "") == y.replace(" ", "")
    return SequenceMatcher(None, x, y, autojunk=False).ratio() >= SPELLING_RATIO


def variant_score(short: tuple[str, ...], long: tuple[str, ...]) -> float:
    """How far the words of `short` are one wording of `long` (0 when they are not).

    A variant keeps every content word of `short`, in order, inside `long`:
    words of `long` may be missing from `short` (a dropped word, a partial
    quote), a function word of `short` may be missing from `long` (one in ten),
    and a word may be spelt otherwise. A different content word or number
    ("in March" for "in April", "four" for "five"), or a negation on one side
    only ("will not raise" for "will raise"), makes another quote.
    The score is the share of `short`'s words found in `long`.
    """
    if not short or not long:
        return 0.0
    if short == long:
        return 1.0
    matcher = SequenceMatcher(None, short, long, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    if matched < min(MIN_PARTIAL_WORDS, len(short)) or len(short) < MIN_PARTIAL_WORDS:
        return 0.0  # a short fragment: only its exact words (checked by the caller) join
    loose = 0  # function words of short that long lacks
    negations = lexicon.words("negations")
    opcodes = matcher.get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            continue
        if tag == "insert":
            # Words of long around the part short quotes (a partial quote) are free,
            # and so is a clause elided inside it ("families … not next year"); a
            # bare "not" inside it, on one side only, says the opposite.
            inserted = long[j1:j2]
            inside = 0 < n < len(opcodes) - 1
            if inside and not negations.isdisjoint(inserted) \
                    and all(w in negations or w in function_words() for w in inserted):
                return 0.0
            continue
        if not negations.isdisjoint(short[i1:i2] + long[j1:j2]):
            return 0.0  # a negation replaced or dropped: the other wording says the opposite
        if tag == "replace" and _spelling(short[i1:i2], long[j1:j2]):
            continue
        missing = short[i1:i2]
        if any(word not in function_words() for word in missing):
            return 0.0
        loose += len(missing)
    if loose > len(short) // 10:
        return 0.0
    return round(matched / len(short), 3)


@dataclass
class Item:
    """One quote as grouping sees it."""

    id: str
    text: str
    speaker_id: str | None = None
    published: str | None = None


# Grouping compares a quote only with quotes sharing a word triple (shingle)
# that at most POSTINGS_CAP quotes hold: a triple in more quotes ("we will
# not", "the end of") is a stock phrase, no evidence of one quote, and
# following it made grouping quadratic (benchmarks/README.md). Of the quotes
# sharing the most triples, the best CANDIDATES_PER_QUOTE are scored.
POSTINGS_CAP = 200
CANDIDATES_PER_QUOTE = 20
_EXACT_SEED = 0x5BD1E995  # exact-wording keys hash apart from triple keys


def _shingles(ws: tuple[str, ...]) -> set[tuple[str, ...]]:
    return {ws[i:i + 3] for i in range(len(ws) - 2)} if len(ws) >= 3 else {ws}


def quote_keys(ws: tuple[str, ...]) -> tuple[int, array]:
    """(exact, triples): a hash of the whole wording and the sorted hashes of its
    word triples (CRC-32, stable across processes, so they can be stored)."""
    exact = zlib.crc32(" ".join(ws).encode("utf-8", "surrogatepass"), _EXACT_SEED)
    triples = array("I", sorted({zlib.crc32(" ".join(s).encode("utf-8", "surrogatepass"))
                                 for s in _shingles(ws)}))
    return exact, triples


@dataclass
class _Row:
    """A quote in grouping order: ``ref`` is how :func:`_group_ordered`'s fetch finds it."""

    ref: object
    speaker: int  # interned speaker id, -1 when unknown
    nwords: int
    exact: int
    keys: array


def _group_ordered(rows, df, fetch, placed=None, budgets=None, plain=False):
    """Group quotes given longest first; yield (ref, founding ref, score) for each.

    Each quote joins the group of the earlier (so at least as long) quote it
    is the best variant of, or founds its own: an earlier quote with exactly
    its words and a speaker that does not conflict (the same, or one of them
    unknown) first, else the best :func:`variant_score` among the
    CANDIDATES_PER_QUOTE earlier quotes sharing the most of its word triples
    (at least a third of them), on a tie the one published first. Triples held
    by more than POSTINGS_CAP quotes (``df(key)``) are not followed; they
    lower the third required instead. ``fetch(ref)`` gives (text, published)
    of a quote, only for quotes that have candidates. Memory is bounded:
    the postings of the shared triples spill to a temporary file past
    ``budgets`` (:func:`_candidates`), and ``placed`` may keep the quotes
    placed in a table (:class:`_PlacedInTable`).

    Two stages: :func:`_candidates` (which earlier quotes to compare, from the
    triples alone) and :func:`_choose` (the comparisons); a large build runs
    the first in a helper process (:func:`_group_subset`).
    """
    rows, ahead = itertools.tee(rows)  # each row's ref, beside its candidates
    return _choose(((row.ref, *found) for row, found in zip(rows, _candidates(ahead, df, budgets, plain))),
                   fetch, placed)


# What grouping keeps per word triple and per wording, in memory at most (the
# rest spills to a temporary file: quotes.spill): a build's memory is bounded
# whatever the corpus size. 1M quotes fit in memory; 8.5M spill.
POSTINGS_BUDGET = 128 << 20
WORDINGS_BUDGET = 48 << 20
_LOW = 0xFFFFFFFF


def _wording(row) -> int:
    """A 64-bit identity of a quote's wording: its exact hash, word count and triples."""
    return row.exact << 32 | zlib.crc32(row.keys, row.nwords)


class _ExactCollision(Exception):
    """Two wordings with the same 64-bit identity (:func:`_wording`): grouping
    starts again in plain mode (``plain``), which never relies on it."""


def _candidates(rows, df, budgets=None, plain=False):
    """For each row, in order: (the first earlier quote with its exact wording,
    as a list of 0 or 1, and the earlier quotes sharing the most of its
    triples, best first), positions in the order given, those whose speaker
    conflicts left out. Depends only on the rows before, never on how they
    were grouped.

    A quote with an earlier one of the same wording joins it: :func:`_choose`
    never looks at its triples then, so they are not ranked (None; most of the
    work, for a quote that many outlets reported word for word). That wording
    is found by a 64-bit identity (:func:`_wording`) and confirmed by the
    words; should two wordings ever share one, :func:`_choose` raises
    :class:`_ExactCollision` and the caller groups again with ``plain``: every
    earlier quote with the same exact hash is given, as the words decide, and
    every quote's triples ranked, as before this shortcut.

    Memory is bounded (``budgets``: bytes for the postings and for the
    wordings, POSTINGS_BUDGET and WORDINGS_BUDGET by default): the postings of
    a triple hold each quote as ``position << 32 | speaker + 1``, so that no
    array per quote is needed, and a wording only its first position overall,
    with no speaker, and per speaker: the first quote that fits is all
    :func:`_choose` takes of the quotes with the same words.
    """
    postings_budget, wordings_budget = budgets or (POSTINGS_BUDGET, WORDINGS_BUDGET)
    postings = SpillDict("Q", postings_budget)  # triple -> quotes holding it, in order
    # wording -> [first position, first with no speaker (-1: none),
    #             then speaker << 32 | first position of that speaker, sorted]
    wordings = SpillDict("q", wordings_budget)
    get = postings.get
    try:
        for pos, row in enumerate(rows):
            speaker = row.speaker

            def fits(other_speaker):
                return speaker < 0 or other_speaker < 0 or other_speaker == speaker

            exact_others: list[int] = []
            exact_shared = row.nwords and df(row.exact) > 1
            seen = wording = None
            if exact_shared and plain:  # every earlier quote with this exact hash that fits
                wording = row.exact
                seen = wordings.get(wording)
                if seen is not None:
                    exact_others = [other >> 32 for other in seen if fits((other & _LOW) - 1)]
            elif exact_shared:
                wording = _wording(row)
                seen = wordings.get(wording)
                if seen is not None:
                    first = seen[0] if speaker < 0 else seen[1]
                    if speaker >= 0:
                        i = bisect.bisect_left(seen, speaker << 32, 2)
                        if i < len(seen) and seen[i] >> 32 == speaker:
                            own = seen[i] & _LOW
                            first = own if first < 0 else min(first, own)
                    if first >= 0:
                        exact_others = [first]
            followed: list[int] = []  # triples that 2 to POSTINGS_CAP quotes hold, the only ones indexed
            skipped = 0
            if row.nwords >= MIN_PARTIAL_WORDS:  # df once per triple, for the search and the index
                for key in row.keys:
                    n = df(key)
                    if n > POSTINGS_CAP:
                        skipped += 1
                    elif n > 1:
                        followed.append(key)
            ranked: list | None = None if exact_others and not plain else []
            if followed and ranked is not None:
                # One Counter over all the postings (one update per triple cost more).
                # Its keys order as the positions do (the speaker is in the low bits).
                shared = Counter(chain_postings(p for p in map(get, followed) if p is not None))
                if shared:
                    need = max(1, len(row.keys) // 3 - skipped)
                    floor = 0
                    if len(shared) > CANDIDATES_PER_QUOTE:
                        # The CANDIDATES_PER_QUOTE best all share at least `floor` triples, and
                        # fewer than that many share more: the best are those, then the quotes
                        # sharing exactly `floor`, first in order (the same as ranking them all).
                        held = 0
                        for floor, k in sorted(Counter(shared.values()).items(), reverse=True):
                            held += k
                            if held >= CANDIDATES_PER_QUOTE:
                                break
                    if floor >= need:
                        ranked = sorted([(-n, p) for p, n in shared.items() if n > floor])
                        ties = sorted([p for p, n in shared.items() if n == floor])
                        ranked += [(-floor, p) for p in ties[:CANDIDATES_PER_QUOTE - len(ranked)]]
                    else:
                        ranked = [(-n, p) for p, n in shared.items() if n >= need]
                        if len(ranked) > CANDIDATES_PER_QUOTE:
                            ranked = heapq.nsmallest(CANDIDATES_PER_QUOTE, ranked)
                        else:
                            ranked.sort()
                    ranked = [other >> 32 for _, other in ranked if fits((other & _LOW) - 1)]
            yield exact_others, ranked
            # Shorter quotes only ever join by their exact words: followed is empty for them.
            item = pos << 32 | (speaker + 1)
            for key in followed:
                postings.append(key, item)
            if exact_shared and plain:
                wordings.append(wording, item)
            elif exact_shared:
                seen = wordings.get(wording)  # the same array: nothing spilled it since
                if seen is None:
                    wordings.new(wording, array("q", (pos, pos if speaker < 0 else -1)
                                                + ((speaker << 32 | pos,) if speaker >= 0 else ())))
                elif speaker < 0:
                    if seen[1] < 0:
                        seen[1] = pos
                else:
                    i = bisect.bisect_left(seen, speaker << 32, 2)
                    if i == len(seen) or seen[i] >> 32 != speaker:
                        seen.insert(i, speaker << 32 | pos)
                        wordings.grew(1)
    finally:
        if os.environ.get("QUOTES_TIMING"):
            for name, spilled in (("postings", postings), ("wordings", wordings)):
                print(f"[quotes] grouping {name}: {spilled.spills} spills, {spilled.written:,} entries written,"
                      f" {spilled.read:,} read back", file=sys.stderr, flush=True)
        postings.close()
        wordings.close()


class _Placed:
    """The quotes :func:`_choose` has placed, by position: each one's ref and its
    group's founding ref (in memory; :class:`_PlacedInTable` keeps them in SQLite)."""

    def __init__(self) -> None:
        self.refs: list = []
        self.founders: list = []

    def __len__(self) -> int:
        return len(self.refs)

    def ref(self, pos: int):
        return self.refs[pos]

    def founder(self, pos: int):
        return self.founders[pos]

    def add(self, ref, founder, score: float) -> None:
        self.refs.append(ref)
        self.founders.append(founder)


class _PlacedInTable:
    """:class:`_Placed` in SQLite: temp.group_order (pos, quote_rowid, founder),
    written _CHUNK at a time, and each chunk's (quote_rowid, founder, score)
    into temp.group_result; memory holds the chunk not yet written."""

    def __init__(self, conn) -> None:
        self.conn = conn
        conn.execute("DROP TABLE IF EXISTS temp.group_order")
        conn.execute("CREATE TEMP TABLE group_order (pos INTEGER PRIMARY KEY, quote_rowid INTEGER, founder INTEGER)")
        self.start = 0  # the position of recent[0]
        self.recent: list[tuple[int, int, float]] = []

    def __len__(self) -> int:
        return self.start + len(self.recent)

    def _row(self, pos: int):
        if pos >= self.start:
            return self.recent[pos - self.start]
        return self.conn.execute("SELECT quote_rowid, founder FROM temp.group_order WHERE pos = ?",
                                 (pos,)).fetchone()

    def ref(self, pos: int) -> int:
        return self._row(pos)[0]

    def founder(self, pos: int) -> int:
        return self._row(pos)[1]

    def add(self, ref: int, founder: int, score: float) -> None:
        self.recent.append((ref, founder, score))
        if len(self.recent) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        self.conn.executemany("INSERT INTO temp.group_order VALUES (?, ?, ?)",
                              ((self.start + i, ref, founder) for i, (ref, founder, _) in enumerate(self.recent)))
        self.conn.executemany("INSERT INTO temp.group_result VALUES (?, ?, ?)", self.recent)
        self.start += len(self.recent)
        self.recent = []

    def close(self) -> None:
        self.conn.execute("DROP TABLE IF EXISTS temp.group_order")


def _choose(found, fetch, placed=None):
    """Group quotes given longest first with their :func:`_candidates`, as
    (ref, exact others, ranked others); yield (ref, founding ref, score).
    ``fetch(ref)`` gives a quote's (text, published)."""
    placed = _Placed() if placed is None else placed

    @lru_cache(maxsize=4096)
    def words_of(ref) -> tuple[str, ...]:
        return _words(fetch(ref)[0] or "")

    for ref, exact_others, ranked in found:
        text = None
        best: tuple[float, int, str] | None = None  # score, position, published key
        for other in exact_others:
            text = text if text is not None else fetch(ref)[0]
            other_ref = placed.ref(other)
            # Not a hash collision: the same text (a copy: no words to compare), or the same words.
            if fetch(other_ref)[0] == text or words_of(other_ref) == words_of(ref):
                best = (1.0, other, "")
                break
        if best is None:
            if ranked is None:  # another wording had the same identity
                raise _ExactCollision(ref)
            for other in ranked:
                other_ref = placed.ref(other)
                score = variant_score(words_of(ref), words_of(other_ref))
                published = fetch(other_ref)[1] or "\uffff"  # undated last
                # On a tie the quote that appeared first wins.
                if score and (best is None or score > best[0] or (
                        score == best[0] and published < best[2])):
                    best = (score, other, published)
        if best is None:
            founder, score = ref, 1.0
        else:
            founder, score = placed.founder(best[1]), best[0]
        placed.add(ref, founder, score)
        yield ref, founder, score


chain_postings = itertools.chain.from_iterable


class _Speakers(dict):
    """Speaker ids as small integers (-1 for none)."""

    def __missing__(self, key):
        value = self[key] = len(self)
        return value

    def number(self, speaker_id: str | None) -> int:
        return -1 if speaker_id is None else self[speaker_id]


def group_quotes(items: list[Item]) -> dict[str, tuple[str, float]]:
    """Group the quotes that are one quote reported differently.

    Returns {quote id: (id of the group's founding quote, score)}. Quotes are
    taken longest first; each joins the group of the earlier (so at least as
    long) quote it is the best variant of, among quotes sharing word
    triples with it and whose speaker does not conflict (the same speaker, or
    one of them unknown), or founds a group of its own (see
    :func:`_group_ordered`). A partial quote thus joins the fullest wording
    and cannot join two distinct quotes together.
    """
    by_id = {item.id: item for item in items}
    numbers = _Speakers()
    rows, counts = [], Counter()
    for item in items:
        ws = words(item.text)
        exact, keys = quote_keys(ws)
        counts.update(keys)
        counts[exact] += 1
        rows.append(_Row(item.id, numbers.number(item.speaker_id), len(ws), exact, keys))
    rows.sort(key=lambda r: (-r.nwords, by_id[r.ref].published or "\uffff", r.ref))

    def fetch(ref):
        item = by_id[ref]
        return item.text, item.published

    try:
        return {ref: (founder, score) for ref, founder, score in
                _group_ordered(rows, counts.__getitem__, fetch)}
    except _ExactCollision:
        return {ref: (founder, score) for ref, founder, score in
                _group_ordered(rows, counts.__getitem__, fetch, plain=True)}


def group_id(founding_quote_id: str) -> str:
    return content_id("group", founding_quote_id)


KEYS, PENDING = "quote_keys", "quote_groups_pending"


GROUP_COLUMNS = {"id": str, "text": str, "speaker_id": str, "title": str, "first_quote_id": str,
                 "first_published": str, "first_url": str, "first_source": str,
                 "last_published": str, "occurrences": int, "sources": int}
VARIANT_COLUMNS = {"quote_id": str, "group_id": str, "score": float}


def ensure_tables(db: sqlite_utils.Database) -> None:
    """Create the group tables if missing. They are derived data, rebuilt after
    every load, so they declare no foreign keys that a re-ingest would trip.

    ``quote_keys`` holds each grouped quote's word count and word-triple hashes
    (:func:`quote_keys`), by quote rowid; ``quote_groups_pending`` the ids of
    quotes written, rewritten or deleted since the groups were last built
    (:func:`mark_pending`), so the next :func:`build_groups` regroups only
    around them.
    """
    db[GROUPS].create(GROUP_COLUMNS, pk="id", if_not_exists=True)
    db[VARIANTS].create(VARIANT_COLUMNS, pk="quote_id", if_not_exists=True)
    db[VARIANTS].create_index(["group_id"], if_not_exists=True)
    db[GROUPS].create_index(["speaker_id"], if_not_exists=True)
    ensure_keys_table(db.conn)
    db.execute(f"CREATE TABLE IF NOT EXISTS [{PENDING}] (quote_id TEXT PRIMARY KEY)")


def mark_pending(db: sqlite_utils.Database, quote_ids: Iterable[str]) -> None:
    """Record quotes whose groups must be rebuilt (written, rewritten, deleted, or
    given another speaker). Nothing is recorded before the groups were first
    built: the first :func:`build_groups` groups every quote anyway."""
    if not db[VARIANTS].exists():
        return
    ensure_tables(db)
    db.conn.executemany(f"INSERT OR IGNORE INTO [{PENDING}] (quote_id) VALUES (?)",
                        ((q,) for q in quote_ids))


# A full rebuild once this share of the quotes changed: regrouping around them
# would touch most groups anyway.
FULL_REBUILD_SHARE = 0.25
_CHUNK = 5000


def build_groups(db: sqlite_utils.Database, full: bool = False, helper: bool = False) -> int:
    """Build quote_groups and quote_variants from the quotes; return the groups written.

    The first build, a build after a run that did not finish (``full``), or
    one after a quarter of the quotes changed groups every quote, streaming
    them from SQLite in grouping order. Otherwise only the quotes recorded
    by :func:`mark_pending` are regrouped, with the groups that held them and
    the groups of the CANDIDATES_PER_QUOTE stored quotes each shares the most
    word triples with (as :func:`_group_ordered` picks candidates): the groups
    of the rest stay as they are, so adding a batch to a large index costs
    about the batch and one pass over the stored triple hashes.

    A group's ``text`` is its fullest wording, its speaker the one most of its
    occurrences name, and its first appearance the earliest published
    occurrence (an undated one only when none is dated).

    ``helper``: a build of HELPER_MIN_QUOTES or more may fork a process to
    find the candidates while this one compares them (the groups are the same).
    """
    fresh = not db[VARIANTS].exists()
    ensure_tables(db)
    conn = db.conn
    total = conn.execute("SELECT count(*) FROM quotes").fetchone()[0]
    pending = conn.execute(f"SELECT count(*) FROM [{PENDING}]").fetchone()[0]
    keyed = conn.execute(f"SELECT count(*) FROM [{KEYS}]").fetchone()[0]
    if not full and not fresh and not pending and keyed == total:
        return 0  # nothing changed
    conn.execute("DROP TABLE IF EXISTS temp.group_subset")
    conn.execute("CREATE TEMP TABLE group_subset (quote_rowid INTEGER PRIMARY KEY)")
    if full or fresh or pending >= FULL_REBUILD_SHARE * total or keyed < total - pending:
        # Keys written with the quotes (by ingest workers) are kept, unless
        # recovering; the rest are computed here.
        if full:
            conn.execute(f"DELETE FROM [{KEYS}]")
        else:
            conn.execute(f"DELETE FROM [{KEYS}] WHERE quote_rowid NOT IN (SELECT rowid FROM quotes)")
        _store_keys(conn, f"SELECT rowid, text FROM quotes"
                          f" WHERE rowid NOT IN (SELECT quote_rowid FROM [{KEYS}])")
        conn.execute("INSERT INTO temp.group_subset SELECT rowid FROM quotes")
        drop_groups = drop_quotes = ""
    else:
        _regroup_around_pending(conn)
        drop_groups = " WHERE id IN (SELECT group_id FROM temp.group_dropped)"
        drop_quotes = " WHERE quote_id IN (SELECT quote_id FROM temp.group_dropped_quotes)"
    from .store import step

    with step("groups: candidates and comparisons"):
        result = _group_subset(conn, helper)
    conn.execute(f"DELETE FROM [{VARIANTS}]{drop_quotes}")
    conn.execute(f"DELETE FROM [{GROUPS}]{drop_groups}")
    if not drop_quotes:  # all rewritten: their secondary indexes are built once, after
        for index in (f"idx_{VARIANTS}_group_id", f"idx_{GROUPS}_speaker_id"):
            conn.execute(f"DROP INDEX IF EXISTS [{index}]")
    with step("groups: written"):
        written = _write_groups(conn, result)
        ensure_tables(db)
    conn.execute(f"DELETE FROM [{PENDING}]")
    for table in ("group_subset", "group_result", "group_dropped", "group_dropped_quotes"):
        conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
    return written


def fresh_build_reads_only(db: sqlite_utils.Database) -> bool:
    """Whether the next :func:`build_groups` is a first build whose keys the
    ingest workers all wrote: then :func:`group_fresh` computes it reading the
    database only, and :func:`write_fresh_groups` writes it (what
    :func:`quotes.store.finalize` does while another connection builds the
    indexes)."""
    if db[VARIANTS].exists() or not db[KEYS].exists():
        return False
    total = db.execute("SELECT count(*) FROM quotes").fetchone()[0]
    return db.execute(f"SELECT count(*) FROM [{KEYS}]").fetchone()[0] == total and not db.execute(
        f"SELECT count(*) FROM [{KEYS}] WHERE quote_rowid NOT IN (SELECT rowid FROM quotes)").fetchone()[0]


def group_fresh(conn, helper: bool = False, forked=None) -> int:
    """The grouping of a first build (:func:`fresh_build_reads_only`), summarised
    in temporary tables, the only ones it writes; return the groups.
    :func:`write_fresh_groups` then writes them as :func:`build_groups` would.
    ``forked()`` is called once the grouping helper process is forked, or when
    none will be (see :func:`_group_subset`)."""
    from .store import step

    conn.execute("DROP TABLE IF EXISTS temp.group_subset")
    conn.execute("CREATE TEMP TABLE group_subset (quote_rowid INTEGER PRIMARY KEY)")
    conn.execute("INSERT INTO temp.group_subset SELECT rowid FROM quotes")
    with step("groups: candidates and comparisons"):
        result = _group_subset(conn, helper, forked)
    with step("groups: summarised"):
        return _summarise_groups(conn, result)


def write_fresh_groups(db: sqlite_utils.Database) -> None:
    """Write the groups :func:`group_fresh` summarised (the tables are new)."""
    ensure_tables(db)
    conn = db.conn
    for index in (f"idx_{VARIANTS}_group_id", f"idx_{GROUPS}_speaker_id"):
        conn.execute(f"DROP INDEX IF EXISTS [{index}]")  # built once, after the rows
    _insert_groups(conn)
    ensure_tables(db)
    conn.execute(f"DELETE FROM [{PENDING}]")
    for table in ("group_subset", "group_result"):
        conn.execute(f"DROP TABLE IF EXISTS temp.{table}")


# words() without its cache, for passes over every quote: a cache of 65,536
# wordings that are each seen once held 75 MB and saved nothing.
_words = words.__wrapped__


def key_row(text: str | None) -> tuple[int, int, bytes]:
    """(words, exact, triples) of a quote's text as quote_keys stores them. Ingest
    workers compute them beside the quotes, so the writer only stores them."""
    ws = _words(text or "")
    exact, keys = quote_keys(ws)
    return len(ws), exact, keys.tobytes()


_INSERT_KEYS = f"INSERT OR REPLACE INTO [{KEYS}] (quote_rowid, words, exact, keys) VALUES (?, ?, ?, ?)"


def ensure_keys_table(conn) -> None:
    conn.execute(f"CREATE TABLE IF NOT EXISTS [{KEYS}] (quote_rowid INTEGER PRIMARY KEY,"
                 " words INTEGER, exact INTEGER, keys BLOB)")


def store_keys(conn, rows: Iterable[tuple[int, tuple[int, int, bytes]]]) -> None:
    """Store (quote rowid, :func:`key_row`) pairs."""
    conn.executemany(_INSERT_KEYS, ((rowid, *row) for rowid, row in rows))


def _store_keys(conn, sql: str, params=()) -> None:
    """Compute and store the keys of the quotes `sql` selects (rowid, text)."""
    batch = []
    for rowid, text in conn.execute(sql, params):
        batch.append((rowid, key_row(text)))
        if len(batch) >= _CHUNK:
            store_keys(conn, batch)
            batch = []
    store_keys(conn, batch)


def _keys(blob: bytes) -> array:
    keys = array("I")
    keys.frombytes(blob)
    return keys


def _regroup_around_pending(conn) -> None:
    """Fill temp.group_subset with the pending quotes still there and every member
    of the groups they touch; temp.group_dropped(_quotes) with what to replace."""
    conn.execute("CREATE TEMP TABLE group_new (quote_rowid INTEGER PRIMARY KEY)")
    conn.execute(f"INSERT INTO temp.group_new SELECT quotes.rowid FROM [{PENDING}]"
                 f" JOIN quotes ON quotes.id = [{PENDING}].quote_id")
    # Keys of quotes gone or rewritten are stale; the rewritten get new ones.
    conn.execute(f"DELETE FROM [{KEYS}] WHERE quote_rowid NOT IN (SELECT rowid FROM quotes)")
    _store_keys(conn, f"SELECT quotes.rowid, quotes.text FROM temp.group_new"
                      f" JOIN quotes ON quotes.rowid = group_new.quote_rowid"
                      f" WHERE quotes.rowid NOT IN (SELECT quote_rowid FROM [{KEYS}])")
    new: dict[int, array] = {}
    new_exact: set[int] = set()
    for rowid, exact, blob in conn.execute(f"SELECT quote_rowid, exact, keys FROM [{KEYS}] WHERE"
                                           " quote_rowid IN (SELECT quote_rowid FROM temp.group_new)"):
        new_exact.add(exact)
        new[rowid] = _keys(blob)
    new_keys = set().union(*new.values())
    # One pass over the stored keys: who holds each new triple (up to the cap).
    holders: dict[int, list[int]] = defaultdict(list)
    sizes: dict[int, int] = {}
    related: set[int] = set()
    for rowid, exact, blob in conn.execute(f"SELECT quote_rowid, exact, keys FROM [{KEYS}]"):
        if exact in new_exact:
            related.add(rowid)
        keys = _keys(blob)
        for key in new_keys.intersection(keys):
            found = holders[key]
            if len(found) <= POSTINGS_CAP:
                found.append(rowid)
                sizes[rowid] = len(keys)
    # As grouping compares them: a new quote is related to the stored quotes
    # sharing the most of its triples, at least a third of the shorter one's
    # (triples held by more than the cap aside), CANDIDATES_PER_QUOTE at most.
    for rowid, keys in new.items():
        followed = [holders[key] for key in keys if len(holders[key]) <= POSTINGS_CAP]
        stops = len(keys) - len(followed)
        shared = Counter(itertools.chain.from_iterable(followed))
        shared.pop(rowid, None)
        related.update(other for _, other in heapq.nsmallest(CANDIDATES_PER_QUOTE, (
            (-n, other) for other, n in shared.items()
            if n >= max(1, min(len(keys), sizes[other]) // 3 - stops))))
    conn.execute("CREATE TEMP TABLE group_related (quote_rowid INTEGER PRIMARY KEY)")
    conn.executemany("INSERT OR IGNORE INTO temp.group_related VALUES (?)", ((r,) for r in related))
    conn.execute("CREATE TEMP TABLE group_dropped (group_id TEXT PRIMARY KEY)")
    conn.execute(f"""INSERT OR IGNORE INTO temp.group_dropped
        SELECT group_id FROM [{VARIANTS}] WHERE quote_id IN (
          SELECT quote_id FROM [{PENDING}]
          UNION SELECT quotes.id FROM temp.group_related JOIN quotes ON quotes.rowid = group_related.quote_rowid)""")
    conn.execute("CREATE TEMP TABLE group_dropped_quotes (quote_id TEXT PRIMARY KEY)")
    conn.execute(f"""INSERT OR IGNORE INTO temp.group_dropped_quotes
        SELECT quote_id FROM [{VARIANTS}] WHERE group_id IN (SELECT group_id FROM temp.group_dropped)
        UNION SELECT quote_id FROM [{PENDING}]""")
    conn.execute("""INSERT OR IGNORE INTO temp.group_subset
        SELECT quotes.rowid FROM temp.group_dropped_quotes JOIN quotes ON quotes.id = group_dropped_quotes.quote_id
        UNION SELECT quote_rowid FROM temp.group_new""")
    conn.execute("DROP TABLE temp.group_new")
    conn.execute("DROP TABLE temp.group_related")


_DF_BITS = 23  # key counts in 2**23 buckets (32 MiB): exact for small sets, a rare collision at scale


# A build of at least this many quotes, when allowed a helper (an ingest with
# extraction workers, whose cores are free once they finish), finds the
# candidates of each quote in a helper process while this one compares them.
HELPER_MIN_QUOTES = 20_000
_HELPER_CHUNK, _HELPER_AHEAD = 2000, 4  # rows per message, messages in flight


def _group_subset(conn, helper: bool = False, forked=None) -> str:
    """Group the quotes in temp.group_subset into temp.group_result(quote_rowid, founder, score).

    ``forked()``, when given, is called once the helper process is forked, or
    right away when there is none: a caller may then start threads. A process
    forked while another thread holds a lock (SQLite's, which the helper takes
    when it spills) would wait for it forever; grouping again in plain mode
    therefore forks no helper when ``forked`` is given."""
    threads_started = forked is not None  # by the time a plain-mode grouping starts
    forked = forked or (lambda: None)
    counts = array("I", bytes(4 << _DF_BITS))
    mask = (1 << _DF_BITS) - 1
    query = (f"SELECT [{KEYS}].exact, [{KEYS}].keys FROM temp.group_subset"
             f" JOIN [{KEYS}] ON [{KEYS}].quote_rowid = group_subset.quote_rowid")
    for exact, blob in conn.execute(query):
        counts[exact & mask] += 1
        for key in _keys(blob):
            counts[key & mask] += 1

    def df(key: int) -> int:
        return counts[key & mask]

    subset = conn.execute("SELECT count(*) FROM temp.group_subset").fetchone()[0]

    @lru_cache(maxsize=4096)
    def fetch(rowid):
        return conn.execute("SELECT text, published FROM quotes WHERE rowid = ?", (rowid,)).fetchone()

    def group(plain: bool) -> None:
        numbers = _Speakers()
        ordered = conn.execute(f"""SELECT k.quote_rowid, quotes.speaker_id, k.words, k.exact, k.keys
            FROM temp.group_subset JOIN [{KEYS}] AS k ON k.quote_rowid = group_subset.quote_rowid
            JOIN quotes ON quotes.rowid = k.quote_rowid
            ORDER BY k.words DESC, coalesce(quotes.published, char(65535)), quotes.id""")
        rows = ((rowid, numbers.number(speaker), nwords, exact, blob)
                for rowid, speaker, nwords, exact, blob in ordered)
        conn.execute("DROP TABLE IF EXISTS temp.group_result")
        conn.execute("CREATE TEMP TABLE group_result (quote_rowid INTEGER PRIMARY KEY, founder INTEGER, score REAL)")
        placed = _PlacedInTable(conn)  # each quote's rowid and founder: no array per quote here
        grouped = None
        try:
            if helper and subset >= HELPER_MIN_QUOTES and not (plain and threads_started):
                grouped = _choose(_candidates_elsewhere(rows, df, plain, forked), fetch, placed)
            else:
                forked()
                grouped = _group_ordered((_Row(ref, *row, _keys(blob)) for ref, *row, blob in rows),
                                         df, fetch, placed, plain=plain)
            for _ in grouped:
                pass
            placed.flush()
        finally:
            if grouped is not None:
                grouped.close()  # a helper process still running is stopped
            ordered.close()
            placed.close()

    try:
        group(plain=False)
    except _ExactCollision:
        group(plain=True)
    return "temp.group_result"


def _candidates_elsewhere(rows, df, plain=False, forked=None):
    """:func:`_candidates` of rows (ref, speaker, words, exact, triples blob),
    found by a forked helper process, as (ref, exact others, ranked others):
    the two processes work at once, this one comparing the candidates of the
    rows the helper has done while it does the next ones. ``df`` and the
    other data are the helper's by the fork; rows go in chunks, a few ahead."""
    import multiprocessing
    from collections import deque

    context = multiprocessing.get_context("fork")
    inbox, outbox = context.Queue(), context.Queue()
    helper = context.Process(target=_candidates_helper, args=(inbox, outbox, df, plain), daemon=True)
    helper.start()
    if forked is not None:
        forked()
    try:
        refs: deque = deque()

        def send() -> None:
            chunk = list(itertools.islice(rows, _HELPER_CHUNK))
            if chunk:
                inbox.put([row[1:] for row in chunk])
                refs.append([row[0] for row in chunk])

        for _ in range(_HELPER_AHEAD):
            send()
        while refs:
            chunk = refs.popleft()
            found = _received(outbox, helper)
            send()
            for ref, (exact_others, ranked) in zip(chunk, found, strict=True):
                yield ref, exact_others, ranked
        inbox.put(None)
        helper.join()
    finally:
        if helper.is_alive():
            helper.kill()
            helper.join()
        inbox.close()
        outbox.close()


def _received(outbox, helper):
    """The helper's next message; an error, not a wait forever, if it ended first."""
    import queue

    while True:
        try:
            return outbox.get(timeout=1)
        except queue.Empty:
            if not helper.is_alive():
                raise RuntimeError(f"the grouping helper process ended (exit code {helper.exitcode})") from None


def _candidates_helper(inbox, outbox, df, plain=False) -> None:
    """In the helper process: :func:`_candidates` of each chunk of rows received."""
    die_with_parent()
    from collections import deque

    waiting: deque = deque()

    def received():
        while True:
            yield waiting.popleft()  # never empty: one row in per candidate asked for

    candidates = _candidates(received(), df, plain=plain)
    while (chunk := inbox.get()) is not None:
        waiting.extend(_Row(None, speaker, nwords, exact, _keys(blob))
                       for speaker, nwords, exact, blob in chunk)
        outbox.put([next(candidates) for _ in chunk])


def die_with_parent() -> None:
    """In a process forked by ingest: die with it. A SIGKILLed ``quotes ingest``
    must not leave processes behind (they would hold its pipes open, and CPU)."""
    import os
    import signal

    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the process ends when its queue closes
        pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


# A group of one quote, summarised in SQL (most groups are): what the loop in
# _write_groups computes for a single member.
_SINGLE_GROUPS = """INSERT INTO temp.group_rows (id, text, speaker_id, title, first_quote_id,
  first_published, first_url, first_source, last_published, occurrences, sources)
SELECT quote_group_id(quotes.id), quotes.text, nullif(quotes.speaker_id, ''),
  nullif(quotes.title, ''), quotes.id, quotes.published, articles.url, quotes.source,
  nullif(quotes.published, ''), 1, coalesce(quotes.source, '') != ''
FROM {result} AS r JOIN quotes ON quotes.rowid = r.quote_rowid
JOIN articles ON articles.id = quotes.article_id
WHERE r.founder NOT IN (SELECT founder FROM temp.group_shared)"""
_SINGLE_VARIANTS = """INSERT INTO temp.group_variant_rows (quote_id, group_id, score)
SELECT quotes.id, quote_group_id(quotes.id), r.score
FROM {result} AS r JOIN quotes ON quotes.rowid = r.quote_rowid
WHERE r.founder NOT IN (SELECT founder FROM temp.group_shared)"""


def _write_groups(conn, result: str) -> int:
    """Summarise each group of `result` into quote_groups and quote_variants."""
    written = _summarise_groups(conn, result)
    _insert_groups(conn)
    return written


def _temp_table(conn, name: str, columns: dict) -> None:
    """A temporary table with the columns (and so the affinities) of a group table."""
    types = {str: "TEXT", int: "INTEGER", float: "FLOAT"}  # as sqlite-utils declares them
    conn.execute(f"CREATE TEMP TABLE {name} ({', '.join(f'[{c}] {types[t]}' for c, t in columns.items())})")


def _summarise_groups(conn, result: str) -> int:
    """The rows of quote_groups and quote_variants for the groups of `result`, in
    temp.group_rows and temp.group_variant_rows (reading the database only)."""
    # Rows go to temp tables first and then into the real ones in key order:
    # a million inserts in random key order into their indexes took minutes.
    _temp_table(conn, "group_rows", GROUP_COLUMNS)
    _temp_table(conn, "group_variant_rows", VARIANT_COLUMNS)
    conn.execute("DROP TABLE IF EXISTS temp.group_shared")
    conn.execute("CREATE TEMP TABLE group_shared (founder INTEGER PRIMARY KEY)")
    conn.execute(f"INSERT INTO temp.group_shared SELECT founder FROM {result}"
                 " GROUP BY founder HAVING count(*) > 1")
    conn.create_function("quote_group_id", 1, group_id, deterministic=True)
    written = conn.execute(_SINGLE_GROUPS.format(result=result)).rowcount
    conn.execute(_SINGLE_VARIANTS.format(result=result))
    members = conn.execute(f"""SELECT r.founder, r.quote_rowid = r.founder, r.score, quotes.id,
          CASE WHEN r.quote_rowid = r.founder THEN quotes.text END, quotes.speaker_id,
          quotes.published, quotes.title, quotes.source, articles.url
        FROM temp.group_shared JOIN {result} AS r ON r.founder = group_shared.founder
        JOIN quotes ON quotes.rowid = r.quote_rowid
        JOIN articles ON articles.id = quotes.article_id
        ORDER BY r.founder, quotes.published IS NULL, quotes.published, articles.url, quotes.id""")
    groups, variants = [], []

    def flush():
        conn.executemany("INSERT INTO temp.group_rows (id, text, speaker_id, title, first_quote_id,"
                         " first_published, first_url, first_source, last_published, occurrences,"
                         " sources) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", groups)
        conn.executemany("INSERT INTO temp.group_variant_rows (quote_id, group_id, score) VALUES (?, ?, ?)",
                         variants)
        groups.clear()
        variants.clear()

    for _, rows in itertools.groupby(members, key=lambda r: r[0]):
        rows = list(rows)  # one group, earliest first
        founding = next(r for r in rows if r[1])
        gid = group_id(founding[3])
        first = rows[0]
        speakers = Counter(r[5] for r in rows if r[5])
        speaker = max(speakers, key=lambda s: (speakers[s], s == first[5]), default=None)
        titled = [r[7] for r in rows if r[7] and r[5] == speaker]
        groups.append((gid, founding[4], speaker, titled[0] if titled else None, first[3],
                       first[6], first[9], first[8],
                       max((r[6] for r in rows if r[6]), default=None), len(rows),
                       len({r[8] for r in rows if r[8]})))
        variants.extend((r[3], gid, r[2]) for r in rows)
        written += 1
        if len(variants) >= _CHUNK:
            flush()
    flush()
    return written


def _insert_groups(conn) -> None:
    """Write what :func:`_summarise_groups` summarised into the group tables."""
    conn.execute(f"INSERT INTO [{GROUPS}] SELECT * FROM temp.group_rows ORDER BY id")
    conn.execute(f"INSERT INTO [{VARIANTS}] SELECT * FROM temp.group_variant_rows ORDER BY quote_id")
    for table in ("group_rows", "group_variant_rows", "group_shared"):
        conn.execute(f"DROP TABLE temp.{table}")


# ---------------------------------------------------------------------------
# Snippets

def snippet_html(snippet: str | None) -> str | None:
    """An FTS5 snippet made with the MARK_OPEN/MARK_CLOSE markers as HTML: the text
    escaped, the matched words in <mark>."""
    if snippet is None:
        return None
    html = str(escape(snippet))
    return html.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")


_MARK_TAGS = regex.compile(r"(</?mark>)")


def safe_snippet(value: str) -> Markup:
    """Markup for a snippet_html() value from anywhere: only <mark> tags survive,
    everything else is escaped again (a value from arbitrary SQL cannot inject)."""
    import html

    parts = []
    for piece in _MARK_TAGS.split(value):
        parts.append(piece if piece in ("<mark>", "</mark>") else str(escape(html.unescape(piece))))
    opened = sum(p == "<mark>" for p in parts) - sum(p == "</mark>" for p in parts)
    return Markup("".join(parts) + "</mark>" * max(0, opened))


# ---------------------------------------------------------------------------
# The library search

def speaker_key(name, kind):
    """The identity key of a speaker's name as a person types it (:func:`quotes.identity.lookup_key`)."""
    return identity.lookup_key(name, kind) if name else None


def register_functions(conn) -> None:
    """The SQL functions the canned queries and search() use, on a sqlite3 connection."""
    conn.create_function("fts_query", 1, fts_query, deterministic=True)
    conn.create_function("fts_any", 1, any_words_query, deterministic=True)
    conn.create_function("quote_similarity", 2, similarity, deterministic=True)
    conn.create_function("snippet_html", 1, snippet_html, deterministic=True)
    conn.create_function("speaker_key", 2, speaker_key, deterministic=True)


# speaker_lookup holds the speaker_key of every speaker's name and aliases
# (quotes.store), indexed: the IN finds the few rows whose key is that of the
# typed name as a person or as an organisation, the equality keeps those of
# their own kind.
_LOOKUP_SQL = """SELECT speaker_id AS id FROM speaker_lookup
WHERE via = '{via}'
  AND lookup IN (speaker_key(:speaker, 'person'), speaker_key(:speaker, 'organisation'))
  AND lookup = speaker_key(:speaker, kind)"""
_SPEAKERS_SQL = "SELECT id FROM speakers WHERE id = :speaker UNION " + _LOOKUP_SQL.format(via="name")
_ALIASES_SQL = _LOOKUP_SQL.format(via="alias")

_HITS_SQL = """SELECT quotes.id, quotes.text, quotes.published, quote_variants.group_id,
  snippet_html(snippet(quotes_fts, 0, :mark_open, :mark_close, '…', 32)) AS snippet,
  quotes_fts.rank AS rank
FROM quotes_fts
JOIN quotes ON quotes.rowid = quotes_fts.rowid
JOIN quote_variants ON quote_variants.quote_id = quotes.id
WHERE quotes_fts MATCH :match {filters}
ORDER BY quotes_fts.rank
LIMIT :limit"""


def resolve_speakers(db: sqlite_utils.Database, speaker: str) -> list[str]:
    """Speaker ids for a name (any case, accents, titles), an id, or else an alias."""
    ids = sorted({r["id"] for r in db.query(_SPEAKERS_SQL, {"speaker": speaker})})
    return ids or sorted({r["id"] for r in db.query(_ALIASES_SQL, {"speaker": speaker})})


def search(db: sqlite_utils.Database, text: str, *, speaker: str | None = None,
           title: str | None = None, source: str | None = None, since: str | None = None,
           until: str | None = None, limit: int = 20, min_score: float = 0.6) -> list[dict]:
    """Search the quotes for what a person typed: one result per variant group.

    Plain words find the closest recorded wording: every quote holding any of
    the content words is a candidate, scored by :func:`similarity` (a
    misremembered quote finds the real one first). A phrase, a prefix or an
    operator (see :func:`fts_query`) is an exact FTS5 search, ranked by the
    similarity of its words and then bm25. The filters apply to the quote
    matched (speaker as a name, id or alias; title and source in any case;
    since/until as ISO dates, inclusive); the result still gives the group's
    first appearance and every occurrence, whatever their dates.

    Each result: ``text`` (the fullest wording), ``speaker``, ``title``,
    ``first_published``, ``first_url``, ``first_source``, ``occurrences`` (each
    with ``url``, ``source``, ``published``, ``text``, ``quote_id``; earliest
    first), ``score``, and the matched quote's ``quote_id``, ``matched`` wording
    and highlighted ``snippet`` (HTML).
    """
    register_functions(db.conn)
    if not db[VARIANTS].exists() or not db["quotes_fts"].exists():
        return []
    filters, params = [], {"mark_open": MARK_OPEN, "mark_close": MARK_CLOSE, "limit": CANDIDATES}
    if speaker:
        ids = resolve_speakers(db, speaker)
        if not ids:
            return []
        filters.append(f"quotes.speaker_id IN ({', '.join(f':s{i}' for i in range(len(ids)))})")
        params.update({f"s{i}": sid for i, sid in enumerate(ids)})
    for name, value, clause in (
            ("title", title, "quotes.title = :title COLLATE NOCASE"),
            ("source", source, "quotes.source = :source COLLATE NOCASE"),
            ("since", since, "quotes.published >= :since"),
            ("until", until, "substr(quotes.published, 1, length(:until)) <= :until")):
        if value:
            filters.append(clause)
            params[name] = value
    sql = _HITS_SQL.format(filters="".join(f" AND {f}" for f in filters))
    exact = uses_syntax(text)
    matches = [fts_query(text)] if exact else [fts_query(text), any_words_query(text)]
    wanted = positive_words(text) if exact else text
    prefixes = tuple(value for kind, value in parse_query(text) if kind == "prefix" and " " not in value)
    hits: dict[str, dict] = {}
    for match in matches:
        for row in db.query(sql, {**params, "match": match}):
            hits.setdefault(row["id"], row)
    for row in hits.values():
        row["score"] = similarity(wanted, row["text"], prefixes)
    if not exact:
        # Only close wordings; when none is close, the few least far, their scores saying so.
        close = [r for r in hits.values() if r["score"] >= min_score]
        hits = {r["id"]: r for r in close or sorted(
            (r for r in hits.values() if r["score"] >= FALLBACK_SCORE), key=lambda r: -r["score"])[:FALLBACK]}
    best: dict[str, dict] = {}
    for row in hits.values():
        key = (-row["score"], row["rank"], row["published"] or "\uffff")
        if row["group_id"] not in best or key < best[row["group_id"]]["key"]:
            best[row["group_id"]] = {**row, "key": key}
    if exact and not best and any(kind == "phrase" for kind, _ in parse_query(text)):
        # Pasted with its quote marks but not word for word: look for the closest wording.
        return search(db, " ".join(words(text)), speaker=speaker, title=title, source=source,
                      since=since, until=until, limit=limit, min_score=min_score)
    chosen = sorted(best.values(), key=lambda r: r["key"])[:limit]
    return [_result(db, hit) for hit in chosen]


def _result(db: sqlite_utils.Database, hit: dict) -> dict:
    group = db[GROUPS].get(hit["group_id"])
    speaker = db["speakers"].get(group["speaker_id"]) if group["speaker_id"] else None
    occurrences = [dict(r) for r in db.query(
        """SELECT articles.url, quotes.source, quotes.published, quotes.text, quotes.id AS quote_id,
                  articles.title AS article_title
           FROM quote_variants JOIN quotes ON quotes.id = quote_variants.quote_id
           JOIN articles ON articles.id = quotes.article_id
           WHERE quote_variants.group_id = ?
           ORDER BY quotes.published IS NULL, quotes.published, articles.url, quotes.id""",
        [group["id"]])]
    return {
        "text": group["text"], "speaker": speaker["name"] if speaker else None,
        "title": group["title"], "first_published": group["first_published"],
        "first_url": group["first_url"], "first_source": group["first_source"],
        "occurrences": occurrences, "score": hit["score"],
        "quote_id": hit["id"], "matched": hit["text"], "snippet": hit["snippet"],
        "group_id": group["id"],
    }
