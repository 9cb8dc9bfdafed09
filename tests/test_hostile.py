"""Hostile text: `quotes.extract` never raises, keeps its offsets true, and runs in
time linear in the length of its input.

A scraper brings home whatever it finds: pages of quote marks, megabyte lines,
control characters, mixed scripts, text built to make a regex backtrack. The
properties below are checked on random text (hypothesis) and on crafted inputs.

Timing tests compare an input with one ten times longer (best of several runs,
garbage collector off), never absolute times, so they hold on a slow machine:
ten times the text may take at most about twelve times the time.

`TestKnownSlow` holds the inputs found to grow faster than that, one test per
cause, each marked xfail until the code is fixed; remove the mark then.
"""

from __future__ import annotations

import gc
import random
import sys
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from quotes import extract

# ---------------------------------------------------------------- invariants


def check_quotes(text: str, quotes) -> None:
    """Every offset a quote carries indexes `text`."""
    previous = -1
    for q in quotes:
        assert 0 <= q.start < q.end <= len(text), (q.start, q.end, len(text))
        assert text[q.start:q.end] == q.text
        assert q.start >= previous  # in reading order
        previous = q.start
        if q.speaker_start is not None or q.speaker_end is not None:
            assert 0 <= q.speaker_start <= q.speaker_end <= len(text)
            assert text[q.speaker_start:q.speaker_end] == q.mention
        if q.cue_start is not None or q.cue_end is not None:
            assert 0 <= q.cue_start <= q.cue_end <= len(text)
            assert text[q.cue_start:q.cue_end] == q.cue
        if q.confidence is not None:
            assert 0.0 <= q.confidence <= 1.0
        assert q.speaker is None or isinstance(q.speaker, str)


def run(text: str):
    quotes = extract(text)
    check_quotes(text, quotes)
    return quotes


# ---------------------------------------------------------------- strategies

MARKS = ['"', "\u201c", "\u201d", "\u201e", "\u201f", "\u00ab", "\u00bb", "\u2039", "\u203a",
         "'", "\u2018", "\u2019", "\u300c", "\u300d", "\uff02", "\u2033"]
BLANKS = [" ", "  ", "\t", "\u00a0", "\n", "\n\n", "\r\n", "\r", "\u2028", "\u2029",
          "\u200b", "\u3000", "\x0b", "\x0c", "\x85"]
CONTROL = ["\x00", "\x01", "\x07", "\x1b[31m", "\x7f", "\u200e", "\u200f", "\u202e",
           "\u2066", "\ufeff", "\ufffd", "\ufffe", "\U0010ffff"]
# Lone surrogates are valid in a Python str but not in UTF-8: see TestKnownFailing.
SURROGATES = ["\ud800", "\udfff", "\udc80"]
WORDS = ["said", "told", "says", "according to", "per", "he", "she", "it", "they", "I",
         "the", "a", "his", "her", "Mr.", "Dr.", "Sen.", "President", "Former", "former",
         "the senator", "the spokeswoman", "the ministry", "the statement", "also", "has",
         "quickly", "de", "van", "der", "al-", "bin", "la", "Jr.", "III", "U.S.", "J.",
         "Ana Ruiz", "Fuad Masum", "O'Neil", "Iraq's", "D-Ore.", "who", "that", "and"]
PUNCT = [",", ".", ":", ";", "!", "?", "\u2014", "\u2013", "-", "(", ")", "[", "]", "...",
         "\u2026", "/", "&", "<b>", "</p>", "javascript:", "'s", "\u2019s"]
SCRIPTS = ["\u041c\u044b \u043f\u043e\u0431\u0435\u0434\u0438\u043c", "\u6211\u4eec\u4f1a\u8d62",
           "\u0646\u062d\u0646 \u0633\u0646\u0646\u062a\u0635\u0631", "\u05d0\u05de\u05e8",
           "\u0915\u0939\u093e", "\u0e01\u0e25\u0e48\u0e32\u0e27", "Zo\u00eb", "e\u0301",
           "\U0001f600", "\U0001f1fa\U0001f1f8", "\u00c5ngstr\u00f6m", "\u0130stanbul", "\u00df"]

token = st.one_of(
    st.sampled_from(MARKS),
    st.sampled_from(BLANKS),
    st.sampled_from(CONTROL),
    st.sampled_from(WORDS),
    st.sampled_from(PUNCT),
    st.sampled_from(SCRIPTS),
    # Any code point but a lone surrogate.
    st.text(max_size=4),
)
hostile = st.lists(token, max_size=200).map("".join)
# A hostile chunk repeated: thousands of marks, long runs of one pattern.
repeated = st.tuples(st.lists(token, min_size=1, max_size=8).map("".join),
                     st.integers(1, 400)).map(lambda pair: pair[0] * pair[1])


# ---------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
@example("")
@example("\x00\"\U0010ffff\"")
def test_any_string_of_unicode_characters(text):
    run(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile)
@example('"We will win," said Ana Ruiz. "And soon."')
@example("\u201cA\u201d \u201c" * 50)
def test_hostile_token_soup(text):
    run(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(repeated)
def test_hostile_repetitions(text):
    run(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(MARKS), st.text(max_size=30), st.sampled_from(["", ",", "."]),
                          st.sampled_from(MARKS), st.sampled_from(["", " he said.", " said Ana Ruiz,",
                                                                    "\n\n", " \u2014 Ana Ruiz\n"])),
                max_size=60))
def test_unbalanced_and_mixed_marks(parts):
    text = "".join("".join(p) for p in parts)
    run(text)


# ---------------------------------------------------------------- crafted inputs

MB = 1_000_000


@pytest.mark.parametrize("text", [
    "",
    " ",
    "\n" * 1000,
    '"',
    '""',
    '"""',
    '"' * 10_000,
    "\u201c" * 10_000,
    "\u201d" * 10_000,
    "\u00ab\u00bb" * 5_000,
    "\u201e\u201c" * 5_000,
    '"a" ' * 5_000,
    '"a' * 5_000,
    'a"' * 5_000,
    '"\n' * 5_000,
    '\u201cWe will\n\n\u201cwin\n\n' * 2_000,  # quotes running over paragraphs, never closed
    '"Yes," he said. ' * 2_000,
    "He said: \u201c" * 2_000,
    "\x00\x01\x02\x1b[0m\x7f" * 2_000,
    "\u202e\"\u202dtext\u202c\"" * 2_000,
    "e\u0301\u0301\u0301\"" * 2_000,
    "\u00abNous gagnerons\u00bb, a dit Ana Ruiz. \u300c\u6211\u4eec\u4f1a\u8d62\u300d\u4ed6\u8bf4\u3002 " * 500,
    "Mr. Dr. Sen. Gen. Lt. Col. Jr. U.S. J. " * 1_000 + '"Quote."',
    "'" * 10_000 + '"quoted"' + "\u2019" * 10_000,
], ids=lambda text: repr(text[:12]) + f"x{len(text)}")
def test_crafted_inputs(text):
    run(text)


@pytest.mark.parametrize("make", [
    lambda: ("lorem ipsum dolor sit amet " * MB)[:MB],
    lambda: '"' * MB,
    lambda: "\u201c" * MB,
    lambda: ("\u201cWe will win,\u201d said Ana Ruiz, " * MB)[:MB],
    lambda: "".join(random.Random(1).choice('"\u201c\u201d\u201e\u00ab\u00bb a,.\n') for _ in range(MB)),
], ids=["words", "straight-marks", "open-marks", "attributed-quotes", "random-marks"])
def test_megabyte_line(make):
    text = make()
    assert len(text) == MB
    started = time.perf_counter()
    run(text)
    # Generous: the point is that it ends, not how fast (about 1 MB/s on plain news).
    assert time.perf_counter() - started < 60


def test_megabyte_line_between_ordinary_paragraphs():
    article = '"We will win," said Ana Ruiz.\n\n'
    text = article + ("x" * MB) + "\n\n" + article
    quotes = run(text)
    assert [q.speaker for q in quotes] == ["Ana Ruiz", "Ana Ruiz"]


# ---------------------------------------------------------------- linear time

BOUND = 12  # ten times the input may take at most this many times as long


def _forget_names() -> None:
    """Empty the package's bounded caches of names (lru_cache with a maxsize), so
    every run pays what a first run on a new article pays. Unbounded caches
    (compiled patterns, word lists) stay: every article shares them."""
    for name, module in list(sys.modules.items()):
        if name == "quotes" or name.startswith("quotes."):
            for value in list(vars(module).values()):
                info = getattr(value, "cache_info", None)
                if callable(info) and info().maxsize is not None:
                    value.cache_clear()


def _best(text: str, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        _forget_names()
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            extract(text)
            best = min(best, time.perf_counter() - started)
        finally:
            gc.enable()
    return best


def growth(make, n: int, attempts: int = 3) -> tuple[float, float, float]:
    """(time of make(n), time of make(10 n), ratio), best of several runs.

    Measured again up to `attempts` times while the ratio is over BOUND, so that
    another process stealing the CPU for a moment does not fail the test.
    """
    small, big = make(n), make(10 * n)
    extract(small)  # warm caches: compiled patterns, word lists
    t_small, t_big = _best(small, 5), float("inf")
    for _ in range(attempts):
        t_big = min(t_big, _best(big, 2))
        if t_big <= BOUND * t_small:
            break
        t_small = min(t_small, _best(small, 5))
    return t_small, t_big, t_big / t_small


def _random_marks(n: int) -> str:
    rnd = random.Random(n)
    alphabet = ['"', "\u201c", "\u201d", "\u201e", "\u00ab", "\u00bb", "'", "\u2019", " ", "\n", "a",
                "B", ",", ".", "said", " he ", "\x00", "\u202e", "\u0434", "\u4e2d", "\t"]
    return "".join(rnd.choice(alphabet) for _ in range(n))


LINEAR = {
    # name: (make(n) -> text of about n characters, n)
    "straight-marks": (lambda n: '"' * n, 40_000),
    "mixed-marks": (lambda n: ("\u201ca\u201eb\u00abc\u00bbd\u201de\"" * n)[:n], 10_000),
    "random-marks": (_random_marks, 10_000),
    "attributed-paragraphs": (lambda n: ('"We will win soon," she said.\n\n' * n)[:n], 20_000),
    "unbalanced": (lambda n: ('He said "no and she said \u201cyes. ' * n)[:n], 20_000),
    "control-characters": (lambda n: ("\x00\x01\x1b[31m\r\x0b\x0c\u2028\u2029 \"a\" " * n)[:n], 10_000),
    "mixed-scripts": (lambda n: ("\u00abNous gagnerons\u00bb, a dit Ana Ruiz. \u300c\u6211\u4eec\u300d"
                                 "\u4ed6\u8bf4\u3002 \"\u0646\u062d\u0646\" \u0642\u0627\u0644. " * n)[:n], 10_000),
    "named-speakers": (lambda n: ('Ana Ruiz said: "We will win." ' * n)[:n], 10_000),
    "verbs-before-a-quote": (lambda n: "said " * (n // 5) + '"We will win."', 1_000),
    "one-long-word": (lambda n: "A" + "a" * n, 100_000),
    "one-long-line": (lambda n: ("word " * n)[:n], 100_000),
}


@pytest.mark.parametrize("name", list(LINEAR))
def test_ten_times_the_text_takes_at_most_about_twelve_times_the_time(name):
    make, n = LINEAR[name]
    t_small, t_big, ratio = growth(make, n)
    assert ratio <= BOUND, f"{name}: {n} chars {t_small * 1000:.1f} ms, {10 * n} chars {t_big * 1000:.1f} ms (x{ratio:.1f})"


# ---------------------------------------------------------------- known failing


class TestKnownFailing:
    """Inputs on which extract raises today; remove the mark once fixed."""

    @pytest.mark.xfail(reason="model.content_id encodes the text as UTF-8; a lone surrogate "
                              "raises UnicodeEncodeError", raises=UnicodeEncodeError, strict=True)
    @settings(max_examples=50, deadline=None)
    @given(st.lists(st.one_of(st.sampled_from(SURROGATES), hostile), min_size=1, max_size=5).map("".join)
           .filter(lambda t: any("\ud800" <= c <= "\udfff" for c in t)))
    @example("\ud800\"\udfff\"")
    def test_lone_surrogates(self, text):
        """A str holding a lone surrogate (JSON's "\\ud800", Python's surrogateescape)
        is still a string: extract should attribute it, not raise."""
        run(text)


# ---------------------------------------------------------------- known slow

SLOW = "super-linear: see the test's docstring; remove this mark once fixed"


class TestKnownSlow:
    """Inputs that grow faster than linearly today, one per cause.

    Each test measures growth over ten times the input, as above, and is marked
    xfail (not strict, as timings are) until the code is fixed. Sizes are kept
    small so a failing test still ends in seconds.
    """

    @staticmethod
    def check(make, n):
        t_small, t_big, ratio = growth(make, n, attempts=1)
        assert ratio <= BOUND, f"{n} units {t_small * 1000:.1f} ms, {10 * n} units {t_big * 1000:.1f} ms (x{ratio:.1f})"

    @pytest.mark.xfail(reason=SLOW, strict=False)
    def test_run_of_name_particles(self):
        """mentions.py, patterns()["name"]: `(?:(?:{particles}){_})*` before the first
        capitalised token is unbounded, and ArticleSpeakers scans the whole text with
        finditer, so every particle starts a scan over all the particles after it:
        quadratic ("de de de ..." of 3 KB took 0.9 s, 30 KB far longer)."""
        self.check(lambda n: "de " * n, 100)

    @pytest.mark.xfail(reason=SLOW, strict=False)
    def test_blanks_between_a_verb_and_its_quote(self):
        """sieves.py, _VERB_TAIL: `[ \\t\\u00a0]*[:,]?[ \\t\\u00a0]*` are two runs of blanks
        with only an optional character between them, tried again for each of the 61
        lengths of the lazy `{0,60}?`, before `\\Z` fails: quadratic in a run of blanks
        between "said" and the quote."""
        self.check(lambda n: "Ana Ruiz said" + " " * n + 'x "We will win."', 1_000)

    @pytest.mark.xfail(reason=SLOW, strict=False)
    def test_many_verbs_after_a_quote(self):
        """sieves.py, sentence_end_cue: every reporting verb between the quote and its
        sentence's end is tried in turn, each slicing the text from the quote to the
        verb and searching that slice: quadratic in a sentence of verbs."""
        self.check(lambda n: '"We will win," ' + "said " * n + ".", 300)

    @pytest.mark.xfail(reason=SLOW, strict=False)
    def test_pronouns_with_no_fitting_salient_antecedent(self):
        """speakers.py, ArticleSpeakers.last_fitting: a pronoun walks back over every
        earlier name until it finds a salient one of its gender; when there is none it
        walks the whole article, once per pronoun: quadratic."""
        self.check(lambda n: 'Ann Lee met Bob Ray.\n\n"Yes," he said.\n\n' * n, 100)
