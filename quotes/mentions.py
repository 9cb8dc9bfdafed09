"""Candidate speakers: the noun phrase that stands next to a reporting verb.

A mention is a pronoun ("she"), a named person with the titles and
descriptors written before the name ("Iraq's President Fuad Masum",
"campaign manager Kellyanne Conway"), a role noun ("the spokeswoman") or an
organisation ("the Pentagon", "the task force"). `subject_before` finds the
phrase that ends where a verb begins; `phrase_after` the one that starts
where an inverted verb ("said Masum") ends. Both look at a bounded window, so
the cost per quote is constant.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import cache, lru_cache

import regex

from . import lexicon
from .model import Mention

_ = r"[ \t\u00a0]+"  # blanks inside a paragraph: a phrase never crosses a line
# What may not stand before a name's first letter: a name never starts inside a word.
# Inside a name word: the bytes of a letter decoded twice ("FranÃ\x83Â§ois" for
# "François"), as scraped pages often have them. C1 controls and Latin-1 signs,
# but no blank, guillemet or Latin-1 letter, which stand for themselves.
_MOJIBAKE = r"\u0080-\u009f\u00a1-\u00aa\u00ac-\u00ba\u00bc-\u00bf"
_NAME_LOOKBEHIND = rf"[\p{{L}}\p{{M}}\d'’.\-{_MOJIBAKE}]"
WINDOW = 320


def _alternation(entries, ignore_case: bool = False) -> str:
    """A regex alternation of lexicon entries, longest first, blanks flexible.

    Written as a trie ("d(?:e(?:l(?:la)?)?|i)" for "della|del|de|di"): the
    regex engine tries a flat alternation one entry at a time, at every
    position, which made the name scan the slowest step of extraction. The
    trie matches exactly what the flat alternation matches, longest first;
    where that cannot be guaranteed the flat alternation is kept.
    `ignore_case` when the alternation is used inside (?i:...).
    """
    parts = sorted(entries, key=len, reverse=True)
    flat = "|".join(_.join(regex.escape(w) for w in e.split()) for e in parts)
    return _trie(parts, ignore_case) or flat


def _trie(entries, ignore_case: bool) -> str | None:
    """The trie pattern of entries, or None when it might not match as the
    longest-first alternation does: an entry with a run of blanks (its length
    would no longer rank it), or, under ignore_case, two branches of a node
    that match the same character."""
    root: dict = {}
    for entry in entries:
        if " ".join(entry.split()) != entry:
            return None
        node = root
        for k, word in enumerate(entry.split(" ")):
            letters = [c.lower() for c in word] if ignore_case else list(word)
            if ignore_case and not all(len(low) == 1 and regex.fullmatch(f"(?i:{regex.escape(low)})", c)
                                       for low, c in zip(letters, word)):
                return None  # a letter whose lower case is not its case-insensitive equal
            for atom in ([_] if k else []) + letters:
                node = node.setdefault(atom, {})
        node[None] = {}  # an entry ends here

    def build(node: dict) -> str | None:
        keys = [key for key in node if key is not None]
        if not keys:
            return ""
        if ignore_case and any(regex.fullmatch(f"(?i:{regex.escape(a)})", b)
                               for a in keys for b in keys if a is not b and a != _ and b != _):
            return None
        branches = []
        for key in keys:
            child, head = node[key], key if key == _ else regex.escape(key)
            while len(child) == 1 and None not in child:  # a chain of single letters
                (key, child), = child.items()
                head += key if key == _ else regex.escape(key)
            rest = build(child)
            if rest is None:
                return None
            # Longer entries first: an entry that ends here is tried last.
            branches.append(head + (f"(?:{rest})?" if rest and None in child else rest))
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return build(root) if root else None


# A dot ends a name word that is an abbreviation ("Gov.", "St.", "Calif."),
# but after a longer word it ends the sentence: "Trump Taj Mahal. Roffman" is
# no name.
# A dot that keeps a name going: after a capitalised word of three letters at
# most ("Sen.", "Gov.", "St.", "Ala.") or one capital, or after a longer
# abbreviation of a state or a title. Not after any four-letter word ("Iowa.
# Sanders said" is two sentences), nor after an acronym ("CNN. Vask said"),
# nor "Mass."/"Wash.", which end sentences as words.
_ABBREVIATION_DOT = (r"(?:(?<=(?<![\p{L}])(?:\p{Lu}\p{Ll}{0,2}|\p{Lu}|Calif|Wisc|Mont|Nebr|Penna|Ariz|Colo|Conn"
                     r"|Mich|Minn|Okla|Tenn|Sens|Reps|Govs|Gens|Pres|Prof|Capt|Cmdr|Supt|Atty|Msgr))\.)?")


# Before a possessive name: a name is written in letters, digits, dots, hyphens,
# commas, blanks and apostrophes, so an apostrophe must come before anything
# else does. Where none comes, this fails at once, before the name is tried in
# every length.
_APOSTROPHE_AHEAD = r"(?=[\p{L}\p{M}\d\-. \t\u00a0,]*+['’])"


@cache
def _role_nouns() -> frozenset[str]:
    return lexicon.words("role_nouns") | lexicon.words("org_nouns") | lexicon.words("document_nouns")


@cache
def _role_end() -> str:
    """A look-behind true where a role noun ends (perhaps with "s" or "es"):
    the reverse search tries a role at the end of every phrase, and the trie
    of the role nouns, read from their end, would try them all in turn."""
    return rf"(?<=(?:{_suffix_trie({noun.split()[-1] for noun in _role_nouns()})})(?:e?s)?)"


def _introduced(words: str, most: int) -> str:
    """A look-behind true at the end of a name that one of the words
    introduces, at most `most` words after it ("of the Sierra Club"). The
    reverse search meets such a name before the word that introduces it, and
    would try it in every length where none does."""
    return rf"(?<=[ \t\u00a0](?:{words})(?:[ \t\u00a0]+[^ \t\u00a0\n]+){{1,{most}}})"


@cache
def patterns() -> dict[str, regex.Pattern]:
    particles = _alternation(lexicon.words("name_particles"))
    not_names = _alternation(lexicon.words("not_names"))
    honorifics = _alternation(lexicon.words("honorifics"))
    titles = _alternation(lexicon.words("titles") | lexicon.words("honorifics"), ignore_case=True)
    modifiers = _alternation(lexicon.words("title_modifiers"))
    roles = _alternation(_role_nouns())
    pronouns = _alternation(lexicon.words("pronouns"), ignore_case=True)
    cues = _alternation(lexicon.words("cue_verbs"))
    # A capitalised name word; "’s" is a possessive, not part of the name.
    token = (
        rf"(?:(?:{particles})-)?(?!(?:{not_names})\b)"
        rf"\p{{Lu}}(?:[\p{{L}}\p{{M}}\d\-{_MOJIBAKE}]|['’](?=\p{{L}})(?![sS]\b))*" + _dot_first(_ABBREVIATION_DOT)
    )
    initial = r"\p{Lu}\.(?:\p{Lu}\.)*"  # "J." and "U.S."
    # A surname may open with a particle: "van Heerveld", "de la Torre". Particle
    # runs are bounded so that "de de de ..." cannot make the scan quadratic.
    name = (
        rf"(?<!{_NAME_LOOKBEHIND})(?:(?:{particles}){_}){{0,3}}(?:{token}|{initial})"
        rf"(?:{_}(?:(?:{particles}){_}){{0,3}}(?:{token}|{initial})){{0,5}}"
        rf"(?:,?{_}(?:Jr\.|Sr\.|II|III|IV)(?![\p{{L}}]))?"
    )
    # The most blank-separated words a name holds: 6 words, up to 3 particles
    # before each, and "Jr.".
    name_words = 6 * (1 + 3 * max(len(w.split()) for w in lexicon.words("name_particles"))) + 1

    def introduced(words: str, between: int) -> str:
        return _introduced(words, between + name_words)

    title = rf"(?:(?:{modifiers}){_})*(?i:{titles})(?![\p{{L}}])"
    # Descriptors written before a name: "Republican presidential nominee".
    function_words = _alternation(lexicon.words("function_words"))
    # A descriptor word: no function word, no verb, no -ing form.
    plain = (rf"(?!(?:{not_names}|{cues}|{function_words}|{particles})(?![\p{{L}}]))"
             rf"(?![\p{{L}}]+ing(?![\p{{L}}]))")
    possessive = rf"{_APOSTROPHE_AHEAD}{name}['’]s?"  # "Trump's"
    # Lower-case words, capitalised words before a lower-case word ("Democratic
    # presidential", "White House press"), numbers and possessives describe a
    # speaker. The first two share one check of `plain`, so a number comes
    # third: it starts with a digit or "$", where no word, name or particle
    # does, so what matches, and in which order, is the same.
    descriptor = (
        rf"(?:{plain}(?:\p{{Ll}}[\p{{L}}\d\-\.]*|{name}(?={_}(?!(?:{particles})(?:{_}|-))\p{{Ll}}))"
        rf"|[\d$][\p{{L}}\d\-\./]*|{possessive})"
    )
    # A short parenthesis after a name is part of the phrase: "Ted Cruz (R-Tex.)".
    # "Mr. Morgan of the Sierra Club": the organisation a name belongs to.
    named = (rf"(?:(?:(?:[Tt]he|[Aa]n?){_})?(?:{descriptor}{_}){{0,4}}(?:{title}{_})?)(?P<name>{name})"
             rf"(?:{_}\([^()\n]{{1,25}}\))?"
             rf"(?:{_}(?:of|at|from){_}(?:the{_})?(?P<member_of>{name}){introduced('of|at|from', 1)})?")
    # "a spokesman for the Velmora Port Authority", "the head of Right to Rise"
    complement = (rf"(?:{_}(?:for|of|at|with|from){_}(?:\p{{Ll}}[\p{{L}}\-]*{_}){{0,2}}(?P<complement>{name})"
                  rf"{introduced('for|of|at|with|from', 2)})")
    # "that campaign", but in "said that her campaign" the conjunction "that"
    # opens a clause whose subject is "her campaign".
    that_determiner = rf"[Tt]hat(?!{_}(?:the|an?|her|his|their|its|our|my|your)(?![\p{{L}}]))"
    role = (
        rf"(?:(?:[Tt]he|[Aa]n?|[Aa]nother|[Oo]ne|[Hh]is|[Hh]er|[Tt]heir|[Tt]his|{that_determiner}|{possessive})"
        rf"(?:{_}{plain}[\p{{L}}\-\.’']+){{0,5}}?{_}(?P<role>{roles})(?:e?s)?{_role_end()}(?![\p{{L}}]){complement}?)"
        rf"(?![\p{{L}}])"
    )
    pronoun = rf"(?P<pronoun>(?i:{pronouns}))(?![\p{{L}}])"
    phrase = rf"(?:{pronoun}|{role}|{named})"
    return {
        "name": regex.compile(name),
        "title": regex.compile(rf"(?P<title>{title}){_}"),
        "honorific": regex.compile(rf"(?:{honorifics})(?![\p{{L}}])"),
        "cue": regex.compile(rf"(?<![\p{{L}}])(?P<cue>{cues})(?![\p{{L}}])"),
        "before": regex.compile(rf"(?<![\p{{L}}\p{{M}}\d'’\-])(?P<np>{phrase})(?P<tail>(?:,[^,\n\"“”]{{1,200}}?){{1,3}}?,)?[ \t\u00a0]*\Z"),
        "before_reverse": regex.compile(
            rf"(?r)(?<![\p{{L}}\p{{M}}\d'’\-])(?P<np>{phrase})(?P<tail>(?:,[^,\n\"“”]{{1,200}}?){{1,3}}?,)?[ \t\u00a0]*\Z"),
        "after": regex.compile(rf"\A(?P<np>{phrase})(?![\p{{L}}])"),
        "possessive": regex.compile(rf"\A(?P<owner>{name})['’]s?{_}"),
        # "Another delegate on the slate, Jim Poolman," before a verb: a
        # description no role noun heads, then the name it describes. The
        # description opens with a determiner and has no comma, so "In Ohio,
        # Smith, Jones," is no speaker.
        "described_name": regex.compile(
            rf"(?r)(?<![\p{{L}}\p{{M}}\d'’\-])(?:[Tt]he|[Aa]n?|[Aa]nother|[Oo]ne|[Hh]is|[Hh]er|[Tt]heir|[Oo]ur|{possessive})"
            rf"(?:{_}{plain}[\p{{L}}\d\-\.’']+){{1,6}},{_}(?P<name>{name}),[ \t\u00a0]*\Z"),
        # ", James B. Comey," after a role: the appositive names the person.
        "appositive_name": regex.compile(rf",{_}(?:(?:{title}){_})?(?P<name>{name})(?=[ \t]*(?:,|\Z|[.;]))"),
    }


@cache
def _name_scanner(longer: bool = False) -> regex.Pattern | None:
    """A scan that finds what patterns()["name"].finditer finds, and marks
    where a name may open with particles instead, 3 times faster than that
    pattern: its first step is a capital, so the engine skips straight to the
    capitals rather than trying the particle runs at every position.

    A name that opens with particles ("de la Torre", "al-Assad") has a capital
    right after the last one. The scan marks such a capital: as group
    "particle" on the name it opens (there may be no particle name before it:
    "made Smith"), as a one-letter match of group "hyphen" after a hyphen,
    where no name can start ("al-Assad"). None when a particle is not plain
    lower-case a-z (then a particle and a capital could open the same name,
    and the plain pattern is used).

    `longer`: skip the capitals that can only open a one-word name, and no
    particle name: those where the word that starts there is not followed by
    a blank (or a comma and a blank) and a capital or a particle. Most
    capitals open a sentence or a one-word name; this spares the scan all
    its checks there."""
    words = lexicon.words("name_particles")
    if not all(regex.fullmatch(r"[a-z]+", w) for w in words):
        return None
    particles = _alternation(words)
    not_names = _alternation(lexicon.words("not_names"))
    # A name word, as in patterns()["name"], possessive: a scan never backtracks into it.
    rest_of_word = (rf"[\p{{L}}\p{{M}}\d\-{_MOJIBAKE}]*+(?:['’](?=\p{{L}})(?![sS]\b)[\p{{L}}\p{{M}}\d\-{_MOJIBAKE}]*+)*+"
                    + _dot_first(_ABBREVIATION_DOT))
    token = rf"(?:(?:{particles})-)?(?!(?:{not_names})\b)\p{{Lu}}{rest_of_word}"
    initial = r"\p{Lu}\.(?:\p{Lu}\.)*"
    firsts = "".join(sorted({w[0] for w in words}))
    # After the first capital: the checks the plain pattern makes before it,
    # the rest of the first word, the other words.
    particle = rf"(?<=(?:{_suffix_trie(words)}){_}\p{{Lu}})(?P<particle>)"
    # A longer name's first word ends at a blank or comma, where the run of
    # word characters stops; a capital or a particle opens the next word.
    second_word = rf"(?={_NAME_LOOKBEHIND}*+,?{_}(?:\p{{Lu}}|(?:{particles})[ \t\u00a0\-]))"
    opening = rf"(?:{particle}|{second_word})" if longer else rf"(?:{particle})?"
    name = (rf"(?<!{_NAME_LOOKBEHIND}\p{{Lu}}){opening}"
            rf"(?:(?<!(?=(?:{not_names})\b)\p{{Lu}}){rest_of_word}|\.(?:\p{{Lu}}\.)*)"
            rf"(?:{_}(?=[\p{{Lu}}{firsts}])(?:(?:{particles}){_}){{0,3}}(?:{token}|{initial})){{0,5}}"
            rf"(?:,?{_}(?:Jr\.|Sr\.|II|III|IV)(?![\p{{L}}]))?")
    return regex.compile(rf"\p{{Lu}}(?:{name}|(?<=(?:{particles})-\p{{Lu}})(?P<hyphen>))")


def _suffix_trie(words) -> str:
    """An alternation of words that shares their endings ("l(?:e)?" ...
    read backwards): a look-behind matches backwards, and a trie of the
    words' beginnings would make it try every word in turn."""
    def build(group: list[str], depth: int) -> str:
        by_letter: dict[str, list[str]] = {}
        for word in group:
            if len(word) > depth:
                by_letter.setdefault(word[-1 - depth], []).append(word)
        if not by_letter:
            return ""
        body = "(?:" + "|".join(build(g, depth + 1) + regex.escape(letter) for letter, g in by_letter.items()) + ")"
        return body + "?" if any(len(word) == depth for word in group) else body
    return build(sorted(words), 0)


def _dot_first(abbreviation_dot: str) -> str:
    r""""(?:(?<=X)\.)?" as "(?:\.(?<=X\.))?": the same, but the look-behind is
    only tried where a dot follows, not after every word."""
    head, tail = "(?:(?<=", r")\.)?"
    if not (abbreviation_dot.startswith(head) and abbreviation_dot.endswith(tail)):
        return abbreviation_dot
    return rf"(?:\.(?<={abbreviation_dot[len(head):-len(tail)]}\.))?"


def find_names(text: str):
    """The matches of patterns()["name"].finditer(text), in order."""
    return _scan_names(text, _name_scanner())


def find_longer_names(text: str):
    """The matches of find_names(text) of more than one word (they hold a
    blank), in order, found faster than by filtering find_names. Where the
    scan skips a one-word name instead of stepping over it, it finds no
    other name inside it: a capital inside a word follows a word character."""
    scanner = _name_scanner(longer=True)
    for found in _scan_names(text, scanner):
        written = found.group()
        if " " in written or "\t" in written or "\u00a0" in written:
            yield found


def _scan_names(text: str, scanner: regex.Pattern | None):
    """The names a scanner of _name_scanner() finds, as find_names does."""
    if scanner is None:
        yield from patterns()["name"].finditer(text)
        return
    end = 0  # of the last name found
    while True:
        for found in scanner.finditer(text, end):
            if found.lastgroup is not None:  # particles before this capital
                opened = _name_opening_with_particles(text, found.start(), end)
                if opened is not None:  # it covers the capital: scan again after it
                    yield opened
                    end = opened.end()
                    break
                if found.lastgroup == "hyphen":
                    continue
            yield found
            end = found.end()
        else:
            return


def _name_opening_with_particles(text: str, capital: int, pos: int):
    """The name that opens with the particles just before the capital at
    `capital`, not before pos, if any: "de la Torre" may open at "de" or "la".
    A name holds at most three particles and a blank after each ("van der
    Berg"), then perhaps one with a hyphen ("al-Assad")."""
    particles = lexicon.words("name_particles")
    starts = []
    end = capital
    if text[end - 1] == "-":
        word = _lower_word_before(text, end - 1)
        if text[word:end - 1] not in particles:
            return None
        starts.append(word)
        end = word
    for _ in range(3):
        blanks = end
        while blanks > 0 and text[blanks - 1] in " \t\u00a0":
            blanks -= 1
        word = _lower_word_before(text, blanks)
        if blanks == end or text[word:blanks] not in particles:
            break
        starts.append(word)
        end = word
    name = patterns()["name"]
    for start in reversed(starts):
        if start >= pos and (found := name.match(text, start)):
            return found
    return None


def _lower_word_before(text: str, end: int) -> int:
    """Where the run of a-z letters that ends at `end` starts."""
    start = end
    while start > 0 and "a" <= text[start - 1] <= "z":
        start -= 1
    return start


def subject_before(text: str, end: int, floor: int = 0) -> Mention | None:
    """The speaker phrase that ends at `end` (just before a verb), if any.

    An appositive between phrase and verb is skipped: "Flynn, a top Trump
    surrogate, said" gives Flynn.
    """
    start = max(floor, end - WINDOW)
    window = text[start:end]
    match = _longest_ending_phrase(window)
    if not match:
        return _described_name(text, start, end)
    mention = make_mention(text, start + match.start("np"), start + match.end("np"), match)
    if _after_preposition(text, mention.start, start):
        return _name_after_setting(text, mention, end, floor)
    if mention.kind == "role" and match.group("tail"):
        named = _appositive_name(text, start + match.start("tail"), start + match.end("tail"), mention)
        if named:
            return named
    return mention


_WORD_START = regex.compile(r"(?<![\p{L}\p{M}\d'’\-.])[\p{L}\d$(]")


def _per_window(compute):
    """compute(window), remembered for the most recent windows.

    Sieves ask for the phrase of the same window again and again (one quote
    tried by several sieves, the same words across articles). What a match
    found is kept as plain spans, not as the match: thousands of kept match
    objects would all be walked by every full garbage collection, and make
    extraction of a long text slower than linear. A result cut short by
    MATCH_TIMEOUT is not kept, and one kept is only for the same timeout.
    """
    # An OrderedDict drops its oldest entry at once; a dict finds its first key
    # only past the holes its earlier deletions left, a cost that grows.
    results: OrderedDict = OrderedDict()

    def cached(window: str) -> "_Phrase | None":
        key = (window, MATCH_TIMEOUT)
        if key not in results:
            timeouts = _TIMEOUTS[0]
            found = compute(window)
            spans = None if found is None else _spans(found)
            if _TIMEOUTS[0] != timeouts:
                return None if spans is None else _Phrase(window, spans)
            if len(results) >= PHRASE_CACHE:
                results.popitem(last=False)  # the oldest
            results[key] = spans
        spans = results[key]
        return None if spans is None else _Phrase(window, spans)

    cached.cache_clear = results.clear
    return cached


def _spans(match) -> dict:
    """Every group's span, the whole match's under 0."""
    spans = {name: match.span(name) for name in match.re.groupindex}
    spans[0] = match.span()
    return spans


class _Phrase:
    """What a phrase pattern matched in a window, read as from a match."""

    __slots__ = ("_window", "_spans")

    def __init__(self, window: str, spans: dict):
        self._window, self._spans = window, spans

    def start(self, group=0) -> int:
        return self._spans[group][0]

    def end(self, group=0) -> int:
        return self._spans[group][1]

    def span(self, group=0) -> tuple[int, int]:
        return self._spans[group]

    def group(self, group=0) -> str | None:
        start, end = self._spans[group]
        return None if start < 0 else self._window[start:end]


PHRASE_CACHE = 8192  # windows


@_per_window
def _longest_ending_phrase(window: str):
    """The longest speaker phrase that ends the window.

    Searching forward tries every start and costs milliseconds a window; a
    reverse search finds the phrase's end at once but may stop short of a
    title ("Secretary of State John Kerry"), so the forward pattern is then
    tried, anchored, at the few word starts just before what it found."""
    found = _guarded(patterns()["before_reverse"].search, window)
    if not found:
        return None
    for word in _WORD_START.finditer(window, max(0, found.start() - 40), found.start()):
        longer = _guarded(patterns()["before"].match, window, word.start())
        if longer and longer.end("np") == found.end("np"):  # a longer title, not a longer tail
            return longer
    return _guarded(patterns()["before"].match, window, found.start()) or found


# The last guard against a pattern that backtracks on text nobody foresaw: a
# match over one window that takes longer than this finds nothing.
MATCH_TIMEOUT = 0.05  # seconds; a window normally takes microseconds


_TIMEOUTS = [0]  # how many matches ran out of time so far


def _guarded(method, *args):
    try:
        return method(*args, timeout=MATCH_TIMEOUT)
    except TimeoutError:
        _TIMEOUTS[0] += 1
        return None


_WORD_BEFORE = regex.compile(r"([\p{L}]+)[ \t\u00a0]+\Z")


def _name_after_setting(text: str, mention: Mention, end: int, floor: int) -> Mention | None:
    """"In an interview Trump said": no comma closes the phrase that opens the
    sentence, and the name after the noun that ends it is the subject. After
    a title the name is the preposition's object ("from spokesman John Smith"),
    and within a clause the preposition's ("in many Asian states")."""
    if mention.kind != "person" or mention.name_start is None or mention.name_start <= mention.start:
        return None
    preposition = _WORD_BEFORE.search(text, max(floor, mention.start - 20), mention.start)
    if text[floor:preposition.start()].strip():
        return None
    before = _WORD_BEFORE.search(text, max(mention.start, mention.name_start - 30), mention.name_start)
    if before is None or not before.group(1).islower() or before.group(1) in _title_words() \
            or text[before.start() - 1:before.start()] in ("'", "’"):
        return None  # not after a title, nor a possessive ("From Bush's Facebook post")
    return subject_before(text, end, floor=mention.name_start)


@cache
def office_words() -> frozenset[str]:
    """Titles, honorifics and their modifiers ("sen.", "president", "former"), in lower case."""
    return frozenset(w.casefold() for w in lexicon.words("titles") | lexicon.words("honorifics")
                     | lexicon.words("title_modifiers"))


@cache
def _title_words() -> frozenset[str]:
    """Lower-case words that name an office or a role before a name."""
    return office_words() | {w.casefold() for w in _role_nouns()}


def _after_preposition(text: str, start: int, floor: int) -> bool:
    """True when the phrase at start is a preposition's object ("in Velmora")."""
    before = _WORD_BEFORE.search(text, max(floor, start - 20), start)
    return bool(before) and before.group(1).casefold() in lexicon.words("prepositions")


def phrase_after(text: str, start: int, ceiling: int | None = None) -> Mention | None:
    """The speaker phrase that starts at `start` (just after an inverted verb)."""
    end = min(len(text) if ceiling is None else ceiling, start + WINDOW)
    match = _starting_phrase(text[start:end])
    if not match:
        return None
    mention = make_mention(text, start + match.start("np"), start + match.end("np"), match)
    if mention.kind == "role":
        named = _appositive_name(text, mention.end, end, mention)
        if named:
            return named
    return mention


@_per_window
def _starting_phrase(window: str):
    """The speaker phrase that opens the window."""
    return _guarded(patterns()["after"].match, window)


def _described_name(text: str, start: int, end: int) -> Mention | None:
    """"One attendee, Jim Poolman," -> Jim Poolman: the name a description gives."""
    if not text[start:end].rstrip(" \t\u00a0").endswith(","):
        return None
    match = _guarded(patterns()["described_name"].search, text, start, end)
    if not match or is_organisation(clean_name(match.group("name"))):
        return None
    written = clean_name(match.group("name"))
    title, name = split_title(written)
    name_start = match.start("name")
    stop = name_start + len(written)
    return Mention(match.start(), stop, text[match.start():stop], "person", name=name,
                   title=title, name_start=name_start)


def _appositive_name(text: str, start: int, end: int, role: Mention) -> Mention | None:
    """"the bureau's director, James B. Comey," -> James B. Comey, titled by the role."""
    match = patterns()["appositive_name"].match(text, start, end)
    if not match or is_organisation(clean_name(match.group("name"))):
        return None
    written = clean_name(match.group("name"))
    name_start = match.start("name")
    name, letters = split_postnominal(written)
    title = " ".join(filter(None, (role.title, letters)))
    end = name_start + len(written)
    return Mention(role.start, end, text[role.start:end], "person",
                   name=name, title=title or None, gender=role.gender, name_start=name_start)


def make_mention(text: str, start: int, end: int, match) -> Mention:
    """Turn a matched phrase into a Mention, its title kept apart from its name."""
    phrase = text[start:end]
    pronoun = match.group("pronoun")
    if pronoun:
        gender = lexicon.mapping("pronouns").get(pronoun.lower()) or lexicon.mapping("pronouns").get(pronoun)
        return Mention(start, end, phrase, "pronoun", gender=gender if gender != "-" else None)
    role = match.group("role")
    if role:
        role_l = role.lower()
        kind = ("organisation" if role_l in lexicon.words("org_nouns")
                else "document" if role_l in lexicon.words("document_nouns") else "role")
        gender = lexicon.mapping("role_nouns").get(role_l) or None
        owner = _possessive_owner(phrase)
        descriptor = phrase
        if match.group("complement"):  # "a spokeswoman for Dunmore Minerals"
            owner = clean_name(match.group("complement"))
            descriptor = text[start:start + match.end("role") - match.start("np")]
        return Mention(start, end, phrase, kind, title=_strip_article(descriptor),
                       gender=gender if gender in ("m", "f") else None, owner=owner)
    name_start = start + match.start("name") - match.start("np")
    name = clean_name(match.group("name"))
    if not text[start:end].rstrip().endswith(name.split()[-1]):
        end = start + len(text[start:end].rstrip(". "))  # the sentence's dot is not the name's
    leading_title, name = split_title(name)
    if leading_title is None:
        leading_title, name = common_word_title(name, text)
    before_name = (text[start:name_start] + " " + (leading_title or "")).strip()
    if leading_title is not None:  # the name starts after the title the name pattern took in
        found = text.find(name, name_start, end)
        name_start = found if found >= 0 else name_start
    title, gender = _split_title(before_name)
    owner = _possessive_owner(before_name + " ")
    if owner is None and match.group("member_of"):  # "Mr. Morgan of the Sierra Club"
        owner = clean_name(match.group("member_of"))
    kind = "organisation" if is_organisation(name) else "person"
    return Mention(start, end, text[start:end], kind, name=name, title=title, gender=gender,
                   owner=owner, name_start=name_start)


def split_postnominal(name: str) -> tuple[str, str | None]:
    """("Ian Kerr", "MP") from "Ian Kerr MP": letters after a name for an
    office or an honour (lexicon/postnominals.txt) are a title."""
    words = name.split()
    if len(words) >= 3 and words[-1] in lexicon.words("postnominals"):
        return " ".join(words[:-1]), words[-1]
    return name, None


@lru_cache(maxsize=65536)
def split_title(name: str) -> tuple[str | None, str]:
    """("General", "Najim al-Jabouri") from "General Najim al-Jabouri": the
    name regex takes capitalised titles in, this takes them out again."""
    bare, letters = split_postnominal(name)
    if letters:
        title, rest = split_title(bare)
        return " ".join(filter(None, (title, letters))), rest
    title_re = patterns()["title"]
    position = 0
    # A title may stand after capitalised qualifiers: "U.S. District Judge",
    # "Texas Sen.", "FBI Director". The name starts after the last title.
    for match in title_re.finditer(name, overlapped=True):
        if match.start() == 0 or name[match.start() - 1] == " ":
            if len(name[match.end():].split()) >= 1:
                position = max(position, match.end())
    if position == 0:
        return None, name
    return name[:position].strip(), name[position:].strip()


def common_word_title(name: str, text: str) -> tuple[str | None, str]:
    """("Grower", "Luc Ferrant") from "Grower Luc Ferrant": a first word that
    is capitalised only because it opens the sentence, a common noun the
    article also writes in lower case, describes the person."""
    words = name.split()
    if len(words) >= 2 and not_a_name_word(words[0]):
        # "Does Rubio", "See Sexton", "Former Obama": a word that opens the
        # sentence, no part of the name ("Former" is kept as the title).
        first = words[0] if words[0] in lexicon.words("title_modifiers") else None
        return first, " ".join(words[1:])
    if len(words) < 3:
        return None, name
    first = words[0]
    lower = first.casefold()
    if first[1:].islower() and (lower in lexicon.words("role_nouns")
                                or lowercase_words(text).holds(lower)):
        return first, " ".join(words[1:])
    return None, name


@lru_cache(maxsize=4096)
def not_a_name_word(word: str) -> bool:
    """A capitalised word that is a function word, an auxiliary, a preposition,
    a sentence opener or a title modifier, and no one's first name ("Will",
    "May" and "Don" are)."""
    lower = word.casefold()
    if not word[1:].islower() or not (
            lower in _not_name_words() or word in lexicon.words("title_modifiers")):
        return False
    from .speakers import is_first_name  # speakers builds on this module
    return not is_first_name(word)


@cache
def _not_name_words() -> frozenset[str]:
    words = (lexicon.words("function_words") | lexicon.words("auxiliaries") | lexicon.words("prepositions")
             | {w.casefold() for w in lexicon.words("sentence_openers")}
             | lexicon.words("cue_verbs"))  # "Stated Stone:", "Continued Stone:"
    return frozenset(w for w in words if " " not in w)


_LOWERCASE_WORD = regex.compile(r"(?<![\p{L}])\p{Ll}[\p{Ll}\-]*")


class _LowercaseWords:
    """Whether an article writes a word in lower case: is the word, or its
    plural, one of _LOWERCASE_WORD.findall(text)?

    Listing every word takes a pass over the whole article, and most words
    asked about are not in it at all. So the word is first looked for as a
    substring: absent, or present as a word of its own, answers at once. Only
    an occurrence after a hyphen (it may end a longer word: "pro-growth"), or
    more than a few lookups or occurrences, needs the list; the lookups are
    bounded, so an article costs at most a few passes.
    """

    LOOKUPS = 16  # substring lookups before listing the words
    OCCURRENCES = 16  # occurrences of the word examined in one lookup

    def __init__(self, text: str):
        self.text = text
        self.lookups = 0
        self.words: frozenset[str] | None = None
        self.answers: dict[tuple[str, bool], bool] = {}

    def holds(self, word: str, plural: bool = True) -> bool:
        """Whether the article writes the word (or, with plural, its plural) in lower case."""
        key = (word, plural)
        if key not in self.answers:
            forms = (word, word + "s", word + "es") if plural else (word,)
            found = None
            if self.words is None and self.lookups < self.LOOKUPS:
                self.lookups += 1
                found = self._look_up(word, forms)
            if found is None:
                if self.words is None:
                    self.words = frozenset(_LOWERCASE_WORD.findall(self.text))
                found = not self.words.isdisjoint(forms)
            self.answers[key] = found
        return self.answers[key]

    def _look_up(self, word: str, forms: tuple[str, ...]) -> bool | None:
        """True or False from the occurrences of word, None when they cannot tell."""
        if not _LOWERCASE_WORD.fullmatch(word):
            return False  # not a lower-case word at all, nor are its plurals
        text = self.text
        at = text.find(word)
        for _ in range(self.OCCURRENCES):
            if at < 0:
                return False
            written = _LOWERCASE_WORD.match(text, at)
            if written and written.group() in forms:
                return True if at == 0 or text[at - 1] != "-" else None
            at = text.find(word, at + 1)
        return None


@lru_cache(maxsize=2)  # the article being read; a str caches its own hash
def lowercase_words(text: str) -> _LowercaseWords:
    """Whether the article writes a word in lower case: lowercase_words(text).holds(word)."""
    return _LowercaseWords(text)


_LEADING_ARTICLE = regex.compile(r"\A(?:[Tt]he|[Aa]n?|[Aa]nother|[Oo]ne|[Tt]his|[Tt]hat)\s+")


def _strip_article(phrase: str) -> str:
    return _LEADING_ARTICLE.sub("", phrase)


_DEFINITE = regex.compile(r"(?:[Tt]he|[Hh]is|[Hh]er)\s")


def definite(mention: Mention) -> bool:
    """"the senator", "The candidate": a role that can point back to a named person."""
    return bool(_DEFINITE.match(mention.text))


_DOT_OF_NAME = regex.compile(r"(?:\b\p{Lu}|Jr|Sr)\.\Z")


@lru_cache(maxsize=65536)
def clean_name(name: str) -> str:
    name = name.strip()
    # A final dot belongs to the name only after an initial or a suffix ("J.", "Jr.").
    if name.endswith(".") and not _DOT_OF_NAME.search(name):
        name = name[:-1]
    return name


@lru_cache(maxsize=65536)  # the same few words stand before names again and again
def _possessive_owner(words: str) -> str | None:
    """"Iraq" from "Iraq's President ": the possessive that opens the words."""
    owner = patterns()["possessive"].match(words)
    return owner.group("owner") if owner else None


_ARTICLE = regex.compile(r"\A(?:[Tt]he|[Aa]n?)(?:\s+|\Z)")


@lru_cache(maxsize=65536)  # as _possessive_owner
def _split_title(before_name: str) -> tuple[str | None, str | None]:
    """The title written before a name, without possessive affiliation or honorific."""
    text = before_name
    owner = patterns()["possessive"].match(text + " ") if text else None
    if owner:
        text = text[owner.end():]
    text = _ARTICLE.sub("", text).strip()
    gender = None
    honorifics = lexicon.mapping("honorifics")
    words = text.split()
    kept = []
    for word in words:
        if word in honorifics:
            g = honorifics[word]
            gender = g if g in ("m", "f") else gender
        else:
            kept.append(word)
    title = " ".join(kept).strip(" ,")
    return (title or None), gender


@lru_cache(maxsize=65536)
def is_organisation(name: str) -> bool:
    """Whether a capitalised name names an organisation, not a person. A country
    or city that speaks ("Russia said") speaks for its government."""
    if name in lexicon.words("places"):
        return True
    orgs = lexicon.words("organisations")
    words = name.split()
    if any(w in orgs for w in words) or any(w.rstrip(".") + "." in orgs for w in words):
        return True
    if " ".join(words[-2:]) in orgs:
        return True
    # All-capital short names are acronyms of organisations (CNN, FBI, NATO).
    return len(words) == 1 and words[0].isupper() and len(words[0]) > 1
