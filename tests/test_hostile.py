"""Hostile text: `quotes.extract` never raises, keeps its offsets true, and runs in
time linear in the length of its input.

A scraper brings home whatever it finds: pages of quote marks, megabyte lines,
control characters, mixed scripts, text built to make a regex backtrack. The
properties below are checked on random text (hypothesis) and on crafted inputs.

Timing tests compare an input with one ten times longer (best of several runs
of this process's CPU time, garbage collector off), never absolute times, so
they hold on a slow or busy machine: ten times the text may take at most about
twelve times the time.

`TestOnceSlow` holds the inputs the review of every regex found to grow faster
than that (or to raise), one test per cause: they were `TestKnownSlow` and
`TestKnownFailing`, marked xfail, until the code was fixed.
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
# Lone surrogates are valid in a Python str (JSON's "\\ud800", surrogateescape) though
# not in UTF-8.
CONTROL = ["\x00", "\x01", "\x07", "\x1b[31m", "\x7f", "\u200e", "\u200f", "\u202e",
           "\u2066", "\ufeff", "\ufffd", "\ufffe", "\U0010ffff", "\ud800", "\udfff", "\udc80"]
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
    # Any code point at all, lone surrogates included.
    st.text(st.characters(codec=None, exclude_categories=()), max_size=4),
)
hostile = st.lists(token, max_size=200).map("".join)
# A hostile chunk repeated: thousands of marks, long runs of one pattern.
repeated = st.tuples(st.lists(token, min_size=1, max_size=8).map("".join),
                     st.integers(1, 400)).map(lambda pair: pair[0] * pair[1])


# ---------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(codec=None, exclude_categories=())))
@example("")
@example("\x00\"\U0010ffff\"")
@example("\ud800\"\udfff\"")
def test_any_string_at_all(text):
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
    "\ud800\"\udc00\" he said \udfff" * 2_000,
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
    """Empty the package's bounded caches of names and of phrases found in a
    window (lru_cache with a maxsize, and mentions._per_window's), so every run
    pays what a first run on a new article pays: a warm-up run over the small
    text must not make its measured runs cheaper than the large text's.
    Unbounded caches (compiled patterns, word lists) stay: every article
    shares them."""
    for name, module in list(sys.modules.items()):
        if name == "quotes" or name.startswith("quotes."):
            for value in list(vars(module).values()):
                info = getattr(value, "cache_info", None)
                if callable(info):
                    if info().maxsize is not None:
                        value.cache_clear()
                elif callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def _best(text: str, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        _forget_names()
        gc.collect()
        gc.disable()
        try:
            started = time.process_time()
            extract(text)
            best = min(best, time.process_time() - started)
        finally:
            gc.enable()
    return best


def growth(make, n: int, attempts: int = 5) -> tuple[float, float, float]:
    """(time of make(n), time of make(10 n), ratio), best of several runs.

    Times are this process's CPU time, so other processes on the machine do not
    count; both sizes are measured again, up to `attempts` times, while the
    ratio is over BOUND, so that a moment of cache or memory pressure does not
    fail the test.
    """
    small, big = make(n), make(10 * n)
    extract(small)  # warm caches: compiled patterns, word lists
    t_small, t_big = float("inf"), float("inf")
    for _ in range(attempts):
        t_small = min(t_small, _best(small, 5))
        t_big = min(t_big, _best(big, 3))
        if t_big <= BOUND * t_small:
            break
    return t_small, t_big, t_big / t_small


def _letters(i: int) -> str:
    """A different lower-case word for each i."""
    word = ""
    for _ in range(5):
        word += "bcdfghjklmnpqrstvwxz"[i % 20]
        i //= 20
    return word


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
    "pronouns-and-groups": (lambda n: ('Later Markova said he had asked his "people" to look. '
                                       'Harbour pilots said they want "a new pier" now. ' * n)[:n], 10_000),
    "described-speakers": (lambda n: ('"We stay," said one of those fishing crews in the Velmora '
                                      'harbour. "We go," a NY1 representative said. ' * n)[:n], 10_000),
    # one paragraph of many quotes, each after a clause pronoun or another quote
    "clause-pronouns": (lambda n: ('Ana Ruiz said that when she was young the pier was "very good indeed." '
                                   * n)[:n], 10_000),
    "quote-pairs-in-a-paragraph": (lambda n: ('Ana Ruiz said "a b c," and "d e f." ' * n)[:n], 10_000),
    "no-break-verbs": (lambda n: "said\u00a0" * (n // 5) + '"We will win."', 1_000),
    "according-to": (lambda n: "according to " * (n // 13) + '"a b c d."', 1_000),
    "called-before": (lambda n: "called " * (n // 7) + '"a b c" by the man.', 1_000),
    "times-before-a-verb": (lambda n: "Ana Ruiz" + " on Wednesday" * (n // 13) + ' said "a b c d."', 1_000),
    # a sentence of reported speech between each two quotes of one paragraph
    "reported-between-quotes": (lambda n: ('"A b c," Ana Ruiz said. Bo Li says people should choose. "D e f." '
                                           * n)[:n], 10_000),
    # a new capitalised phrase before each "she": one lower-case lookup each
    "phrases-before-pronouns": (lambda n: "".join(
        f"Z{_letters(i)} Qorvath met the board. She said \u201cfine for now.\u201d\n\n"
        for i in range(n // 50 + 1))[:n], 20_000),
    "relative-clauses": (lambda n: ('Ana Ruiz, who met Bo Li, who spoke, praised the "new pier." ' * n)[:n], 10_000),
    "one-long-word": (lambda n: "A" + "a" * n, 30_000),
    "one-long-line": (lambda n: ("word " * n)[:n], 100_000),
}


@pytest.mark.parametrize("name", list(LINEAR))
def test_ten_times_the_text_takes_at_most_about_twelve_times_the_time(name):
    make, n = LINEAR[name]
    t_small, t_big, ratio = growth(make, n)
    assert ratio <= BOUND, f"{name}: {n} chars {t_small * 1000:.1f} ms, {10 * n} chars {t_big * 1000:.1f} ms (x{ratio:.1f})"


# ---------------------------------------------------------------- found by the review


class TestOnceSlow:
    """What the review of every regex in quotes/ found, kept as regressions.

    Each input grew faster than linearly (or raised) until the fix named in its
    docstring; the sizes are those that showed it.
    """

    @staticmethod
    def check(make, n):
        t_small, t_big, ratio = growth(make, n)
        assert ratio <= BOUND, f"{n} units {t_small * 1000:.1f} ms, {10 * n} units {t_big * 1000:.1f} ms (x{ratio:.1f})"

    def test_run_of_name_particles(self):
        """mentions.py, patterns()["name"]: `(?:(?:{particles}){_})*` before a name's
        first token was unbounded, and ArticleSpeakers scans the whole text with
        finditer, so each particle started a scan over all the particles after it:
        "de " * 1600 (4.8 KB) took 9.5 s. Fixed by bounding the run to {0,3}. An
        attributed quote comes first: without one no names are scanned."""
        quote = '"We will win," said Ana Ruiz. '
        self.check(lambda n: quote + "de " * n, 1_000)
        self.check(lambda n: quote + "Ana " + "van der " * n + "x", 300)

    def test_blanks_between_a_verb_and_its_quote(self):
        r"""sieves.py, _VERB_TAIL: `[ \t\u00a0]*[:,]?[ \t\u00a0]*` (two runs of blanks
        with only an optional character between them), tried again for each length
        of the lazy `{0,60}?` before `\Z` failed, matched from the verb to the quote:
        10 KB of blanks after "said" took 1.1 s, x56 for x10. Fixed: optional groups
        `(?:[ \t\u00a0]*[:,])?`, blanks stripped first, a gap of 200 at most."""
        self.check(lambda n: "Ana Ruiz said" + " " * n + 'x "We will win."', 1_000)
        self.check(lambda n: "Ana Ruiz said" + " \t\u00a0" * n + 'x: "We will win."', 1_000)

    def test_blanks_and_adverbs_before_a_verb(self):
        r"""sieves.py, _between(): `(?:[ \t\u00a0]+(?:\p{Ll}+ly|{auxiliaries}))*[ \t\u00a0]*\Z`
        used with .sub (a search) over the whole sentence before the verb: 3,000
        blanks took 2.6 s. Fixed by searching only the last 100 characters
        (_strip_between); the pattern itself is still quadratic on its input."""
        self.check(lambda n: "x" + " " * n + 'b said: "We will win."', 1_000)
        self.check(lambda n: "Ana Ruiz" + " also" * n + 'x said: "We will win."', 1_000)

    def test_many_verbs_before_a_quote(self):
        """sieves.py, paraphrase_speaker: every verb of the sentence before the quote
        was tried, each with a forward search of the 160-character window that tried
        every start (1 ms each): "said " * 1000 took 1.6 s. Fixed by the reverse
        search in mentions._longest_ending_phrase."""
        self.check(lambda n: "said " * n + '"We will win."', 300)

    def test_many_verbs_after_a_quote(self):
        """sieves.py, sentence_end_cue: every verb between the quote and its sentence's
        end was tried, each slicing and searching the text from the quote to the verb:
        x67 for x10. Fixed: 300 characters and four verbs at most."""
        self.check(lambda n: '"We will win," ' + "said " * n + ".", 300)

    def test_pronouns_with_no_fitting_salient_antecedent(self):
        """speakers.py, ArticleSpeakers.last_fitting: a pronoun walked back over every
        earlier name until it found a salient one of its gender; with none, the whole
        article, once per pronoun: 390 KB took over 60 s. Fixed by a bounded look-back."""
        self.check(lambda n: 'Ann Lee met Bob Ray.\n\n"Yes," he said.\n\n' * n, 100)
        self.check(lambda n: 'Ann Lee met Bob Ray.\n\n"Yes," the senator said.\n\n' * n, 100)
        self.check(lambda n: "".join(f'Ann Lee{i} met Bob.\n\n"Yes," Lee{i + 1} said.\n\n'
                                     for i in range(n)), 100)

    def test_lone_surrogates(self):
        """model.content_id encoded the text as strict UTF-8, so any text holding a
        lone surrogate raised UnicodeEncodeError. Fixed in content_id."""
        for text in ("\ud800", '"We will win," said Ana Ruiz.\udfff', "\udc80\"a\udc81\" he said"):
            run(text)
