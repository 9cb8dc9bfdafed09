"""The attribution sieves, most certain first.

Each sieve looks at one quote in its context and either names the mention
that carries the attribution or passes. The first sieve that is sure wins,
and the quote records its name, so every attribution can be explained.
"""

from __future__ import annotations

import dataclasses
import itertools
from functools import cache
from typing import Callable

import regex

from . import lexicon
from .context import Attribution, Context
from .mentions import office_words, patterns, phrase_after, subject_before
from .model import Mention

Sieve = Callable[[Context, int], "Attribution | None"]

_BLANKS = regex.compile(r"[ \t\u00a0]+")
# What may stand between a closing mark and the speaker or verb that follows it.
_LEAD = regex.compile(r"[ \t\u00a0,—–\-]*")
# What may stand between a verb and the quote it introduces: "told reporters on
# Tuesday:", "said in a statement", "wrote on Twitter,".
_VERB_TAIL = regex.compile(r"[^.!?:;\n\"“”]{0,60}?(?:[ \t\u00a0]*[:,])?(?:[ \t\u00a0]*that)?\Z")


def _leads_into(ctx: Context, cue, quote_start: int) -> bool:
    """Whether the verb leads straight into the quote: at most a short complement
    ("told reporters on Tuesday:") between them. Blanks before the quote are
    dropped first, so a run of them costs one pass, not one per length tried."""
    gap = ctx.text[cue.end():quote_start] if quote_start - cue.end() <= 200 else None
    return gap is not None and bool(_VERB_TAIL.match(gap.rstrip(" \t\u00a0")))
_ACCORDING = regex.compile(r"(?<![\p{L}])(?:[Aa]ccording[ \t\u00a0]+to|[Pp]er)[ \t\u00a0]+")
# Phrases that clearly are not speakers even though they fit the pattern.
_NOT_SPEAKER = regex.compile(r"\A(?:this|that)\Z", regex.I)


def _cues(ctx: Context, start: int, end: int):
    return patterns()["cue"].finditer(ctx.text, start, end)


def _all_cues(ctx: Context, start: int, end: int) -> list:
    """Every verb of _cues, found once per span: speaker_cue_quote,
    paraphrase_speaker and continuation read those of the same spans."""
    return ctx.cached(("cues", start, end), lambda: list(_cues(ctx, start, end)))


def _attribution(mention, cue) -> Attribution | None:
    if mention is None or _NOT_SPEAKER.match(mention.text):
        return None
    return Attribution(mention, cue.group("cue"), cue.start("cue"), cue.end("cue"))


def _closes_a_fragment(ctx: Context, i: int, start: int) -> bool:
    """True when quote i is a fragment inside a sentence that ends with it
    (“… in his final year.” He pledged …): what follows is a new sentence, and
    its subject is not the quote's speaker."""
    quote = ctx.quotes[i]
    inner = ctx.text[quote.start:quote.end].rstrip("\"”»’' ")
    if not inner.endswith("."):
        return False
    sentence = ctx.sentence_start(quote.start, ctx.floor(i))
    return bool(ctx.text[sentence:quote.start].strip()) and ctx.text[start:start + 1].isupper()


def _ends_a_sentence(ctx: Context, i: int) -> bool:
    """Whether quote i ends with a full stop (a question or an exclamation
    often stands before its verb: “Why?” he asked)."""
    quote = ctx.quotes[i]
    return ctx.text[quote.start:quote.end].rstrip("\"”»’' ").endswith(".")


# After a verb that attributes a quote, what may close its sentence: a time, a
# place or a manner ("said Tuesday in Ohio"); a clause or an object ("noted a
# rally", "said he would …") means the verb starts a sentence of its own.
_ATTRIBUTION_TAIL = regex.compile(
    r"[ \t\u00a0,]*(?:[.!?]|\Z|(?:on|in|at|to|during|after|before|from|with|outside|inside|while|as|of"
    r"|afterward|later|earlier|then|again|today|yesterday|tonight|recently|last|this|\p{Lu}\p{Ll}+day)(?![\p{L}]))")


def _goes_on(text: str, start: int, end: int) -> bool:
    """Whether the verb ending at start takes an object or a clause before end."""
    return not _ATTRIBUTION_TAIL.match(text, start, end)


def quote_speaker_cue(ctx: Context, i: int) -> Attribution | None:
    """“…,” X said — the speaker right after the quote, then the verb."""
    quote = ctx.quotes[i]
    start = _LEAD.match(ctx.text, quote.end, ctx.ceiling(i)).end()
    if _closes_a_fragment(ctx, i, start):
        return None
    limit = min(ctx.ceiling(i), ctx.sentence_end(start, ctx.ceiling(i)), start + 160)
    # The first verb after the quote; a noun that looks like one ("the report
    # stated") is passed over.
    cue = next((c for c in itertools.islice(_cues(ctx, start, limit), 3)
                if not _AFTER_DETERMINER.search(ctx.text, max(start, c.start() - 6), c.start())), None)
    if cue is None:
        return None
    if _ends_a_sentence(ctx, i) and _goes_on(ctx.text, cue.end(), limit):
        return None  # “… a wall.” She noted a rally …: a new sentence, not an attribution
    trimmed = _strip_between(ctx.text[start:cue.start()])
    mention = subject_before(ctx.text, start + len(trimmed), floor=start)
    if mention is not None and mention.start != start:
        leading = _LEADING_WORDS.fullmatch(ctx.text, start, mention.start)
        mention = _with_leading_words(ctx.text, mention, start) if leading else None
    if mention is not None and mention.gender == "r":
        return None  # "a “chief trade prosecutor” who reports to …": the quoted phrase's clause
    if mention is None:
        mention = _description(ctx.text, start, start + len(trimmed), whole=True)
    if mention is None and _hands_on(ctx, i):
        mention = _opening_speaker(ctx.text, start, start + len(trimmed))
    return _attribution(mention, cue)


# A closing comma inside or just after the quote: “…,” hands the sentence on to
# its attribution.
_HANDING_ON = regex.compile(r",[\"”»’' \t\u00a0]*\Z")
# After the speaker that opens the words between a quote and its verb: an
# appositive, a second speaker, or what it belongs to ("Jeffrey Lewis of the
# James Martin Center for Nonproliferation Studies wrote").
_SPEAKER_GOES_ON = regex.compile(r",|[ \t\u00a0]+(?:and|of|from|at)[ \t\u00a0]")
# One capitalised word alone between a quote and its verb is a name, whatever
# else it may be ("“…,” Read said").
_ONE_WORD = regex.compile(r"\p{Lu}[\p{Ll}\-’']+[ \t\u00a0]*")


def _second_speaker_ends(text: str, start: int, end: int) -> bool:
    """After "X and": a second name or role that runs to the verb, or to what
    it belongs to ("Dover and Gabriel Deben wrote", "… and Serena Keller of the
    Institute wrote"), not a modifier of a noun ("Clinton and Sanders
    supporters said")."""
    second = phrase_after(text, start, end)
    if second is None or second.kind not in ("person", "role"):
        return False
    noun = _WORD_AFTER.match(text, second.end, end)
    if noun is None or noun.group("word") in lexicon.words("prepositions"):
        return True
    # "… and Republican presidential candidate said": words that end in one
    # person's role (not "… and Sanders supporters said")
    rest = text[second.end:end].split()
    return all(w.islower() for w in rest) and rest[-1] in _describing_words() and not rest[-1].endswith("s")


_WORD_AFTER = regex.compile(r"[ \t\u00a0]+(?P<word>\p{Ll}+)(?![\p{L}])")


def _hands_on(ctx: Context, i: int) -> bool:
    """Whether quote i ends with a comma, inside its closing marks or just after
    them (“…,” or "…",): only its last few characters and the next are read."""
    quote = ctx.quotes[i]
    return bool(_HANDING_ON.search(ctx.text, max(quote.start, quote.end - 6), min(len(ctx.text), quote.end + 1)))


def _opening_speaker(text: str, start: int, end: int) -> Mention | None:
    """The speaker that opens a longer run between “…,” and its verb: "Texas
    delegate Bill Eastland, wearing a cowboy hat and “Ted Cruz” pins, said",
    "Edward-Isaac Dovere and Gabriel Debenedetti wrote"."""
    mention = phrase_after(text, start, end)
    if mention is not None and mention.kind != "pronoun" and mention.name not in lexicon.words("places"):
        goes_on = _SPEAKER_GOES_ON.match(text, mention.end, end)
        if goes_on and (goes_on.group().strip() != "and" or _second_speaker_ends(text, goes_on.end(), end)):
            return mention
    word = _ONE_WORD.fullmatch(text, start, end)
    if word and text[start:end].strip().casefold() not in lexicon.words("pronouns"):
        name = text[start:end].strip()
        return Mention(start, start + len(name), name, "person", name=name, name_start=start)
    return None


_AFTER_DETERMINER = regex.compile(r"(?<![\p{L}])(?i:the|a|an|his|her|its|their)[ \t\u00a0]+\Z")


def _with_leading_words(text: str, mention: Mention, start: int) -> Mention:
    """The mention grown back to start, the words it gains added to its title."""
    title = " ".join(filter(None, (text[start:mention.start].strip(), mention.title)))
    return dataclasses.replace(mention, start=start, text=text[start:mention.end],
                               title=title if mention.kind == "person" else mention.title)


# Words before the phrase found that belong to it though it does not take
# them in: "New York City Public Advocate Trish James", "Fight for $15
# organizing director Kendall Fells". No clause fits in them.
_LEADING_WORDS = regex.compile(r"(?:\p{Lu}[\p{L}\d\-.’']*|for|of|\$?\d+)(?:[ \t\u00a0]+(?:\p{Lu}[\p{L}\d\-.’']*|for|of|the|\$?\d+)){0,5}[ \t\u00a0]+")


def quote_cue_speaker(ctx: Context, i: int) -> Attribution | None:
    """“…,” said X — the verb right after the quote, then the speaker."""
    quote = ctx.quotes[i]
    start = _LEAD.match(ctx.text, quote.end, ctx.ceiling(i)).end()
    cue = patterns()["cue"].match(ctx.text, start, ctx.ceiling(i))
    if not cue or cue.group("cue").endswith("ing"):
        return None  # “…,” saying they were wrong: the participle reports someone else
    after = _BLANKS.match(ctx.text, cue.end(), ctx.ceiling(i))
    if not after:
        return None
    mention = phrase_after(ctx.text, after.end(), ctx.ceiling(i)) \
        or _description(ctx.text, after.end(), ctx.ceiling(i), whole=False)
    return _attribution(mention, cue)


# A speaker the article describes without a name or a known role noun:
# "the 46-year-old", "one district GOP leader", "the progressive heavyweights",
# "a Wednesday editorial in The Des Moines Register", "federal prosecutors".
_DESCRIPTION = regex.compile(
    r"(?P<determiner>(?:(?:[Oo]ne|[Ss]ome|[Mm]any|[Tt]wo|[Tt]hree|[Ss]everal|[Mm]ost)[ \t\u00a0]+of[ \t\u00a0]+"
    r"(?:the|those|these|his|her|their|its|our)|[Tt]he|[Aa]n?|[Aa]nother|[Oo]ne|[Tt]his|[Tt]hose|[Tt]hese|[Ss]ome|[Ss]everal|[Mm]any|[Tt]wo|[Tt]hree"
    r"|[Hh]is|[Hh]er|[Tt]heir|[Ii]ts|[Mm]y|[Oo]ur|[Yy]our)[ \t\u00a0]+)?"
    r"(?P<words>(?:(?!{stop})\p{Ll}[\p{L}\-’']*|\d[\p{L}\d\-]*|\p{Lu}[\p{Lu}\d&]+|\p{Lu}\p{Ll}+(?=[ \t\u00a0]+\p{Ll}))"
    r"(?:[ \t\u00a0]+(?:(?!{stop})\p{Ll}[\p{L}\-’']*|\d[\p{L}\d\-]*|\p{Lu}[\p{Lu}\d&]+|\p{Lu}\p{Ll}+(?=[ \t\u00a0]+\p{Ll}))){0,4})"
    r"(?![\p{L}\d\-’'])"
    # "of those advisers", "in The Des Moines Register": up to the clause's end
    r"(?P<complement>[ \t\u00a0]+(?:of|in|at|for|from|with)[ \t\u00a0]+[^,.;:!?\"“”\n]{1,80})?"
    .replace("{stop}", r"(?:of|in|at|for|from|with|on|to|by|as|and|or|but|who|whom|whose|which|that)(?![\p{L}])")
)
# A determiner standing for the people just described: "Another said …", "read one".
_BARE_DETERMINER = regex.compile(
    r"(?:[Aa]nother|[Oo]thers|[Ss]ome|[Mm]any|[Mm]ost|[Bb]oth|[Ss]everal|[Oo]ne|[Ff]ew)(?![\p{L}\d\-’'])")
# What may follow a described speaker after an inverted verb: "said the designer, who ...".
_DESCRIPTION_END = regex.compile(r"[ \t\u00a0]*(?:[,.;:!?]|\Z)")


def _closes_clause(text: str, start: int, ceiling: int) -> bool:
    """Whether a clause ends at start: punctuation, or the end of the paragraph
    (not the next quote, which would make the phrase part of a sentence)."""
    end = _DESCRIPTION_END.match(text, start, ceiling)
    return end is not None and (end.group().strip() != "" or ceiling == len(text) or text[ceiling] == "\n")


def _description(text: str, start: int, end: int, whole: bool) -> Mention | None:
    """The described speaker starting at start: filling the span up to end when
    `whole` (between a quote and its verb), else closing its clause (after an
    inverted verb). Its words must not be verbs, function words or times, and
    without a determiner it is a plural ("critics", "federal prosecutors")."""
    determiner = _BARE_DETERMINER.match(text, start, end)
    if determiner and (determiner.end() == end if whole else _closes_clause(text, determiner.end(), end)):
        return Mention(determiner.start(), determiner.end(), determiner.group(), "description")  # "Another said"
    match = _DESCRIPTION.match(text, start, end)
    if match is None:
        return None
    candidates = [match]
    if match.group("complement"):  # the phrase may also end before its complement
        candidates.append(_DESCRIPTION.match(text, start, match.start("complement")))
    for match in candidates:
        if match is None:
            continue
        if (match.end() != end) if whole else not _closes_clause(text, match.end(), end):
            continue
        words = match.group("words").split()
        if any(w in _not_described() for w in words) or words[-1].casefold() in lexicon.words("time_nouns"):
            continue
        written = match.group("words")
        if not match.group("determiner") and not (words[-1].endswith("s")
                                                  and (written[:1].lower() + written[1:]).islower()):
            continue  # a bare plural, capitalised at most on its first word ("Critics said")
        return Mention(match.start(), match.end(), match.group(), "description")
    return None


@cache
def _not_described() -> frozenset[str]:
    """Words that cannot stand in a described speaker: verbs and function words."""
    return frozenset(lexicon.words("cue_verbs") | lexicon.words("function_words")
                     | lexicon.words("auxiliaries") | lexicon.words("prepositions") | {"the", "a", "an"})


def speaker_cue_quote(ctx: Context, i: int) -> Attribution | None:
    """X said: “…” — a speaker and verb leading into the quote."""
    quote = ctx.quotes[i]
    floor = ctx.sentence_start(quote.start, ctx.floor(i))
    inverted = _INVERTED_OPENER.match(ctx.text, floor, quote.start)
    if inverted:  # "Said Ellis: “…”": the verb opens the sentence, the speaker follows it
        mention = phrase_after(ctx.text, inverted.end(), quote.start)
        if mention is not None and _LEADS_TO_QUOTE.fullmatch(ctx.text, mention.end, quote.start):
            return _attribution(mention, _Verb(inverted, "cue"))
    cues = _all_cues(ctx, floor, quote.start)
    if not cues or not _leads_into(ctx, cues[-1], quote.start):
        return None  # the verb nearest the quote must lead straight into it
    found = _speaker_of_cue(ctx, floor, cues[-1])
    if _INTRODUCES.search(ctx.text, cues[-1].end(), quote.start):
        return found  # "Aides said Trump told them: “…”": the words are Trump's own
    return _outer_reporter(ctx, floor, cues, found) or found


# A verb that introduces direct speech: a colon or comma before the quote.
_INTRODUCES = regex.compile(r"[:,][ \t\u00a0]*\Z")


# Between a reporting verb and the subject of the clause it reports: "said (that)",
# "told reporters that".
_REPORTED_CLAUSE = regex.compile(r"[ \t\u00a0]+(?:(?:[^,.;:!?\"“”\n]{1,40}?[ \t\u00a0]+)?that[ \t\u00a0]+)?")


def _outer_reporter(ctx: Context, floor: int, cues: list, found: Attribution | None) -> Attribution | None:
    """The speaker who reports the clause the found speaker opens: in "Trump
    said that Romney begged him and “would have dropped to his knees”" the
    words are Trump's, who tells what Romney did."""
    if found is None:
        return None
    start = found.mention.start
    for cue in reversed(cues):
        if cue.end() <= start:
            if _REPORTED_CLAUSE.fullmatch(ctx.text, cue.end(), start):
                return _speaker_of_cue(ctx, floor, cue)
            return None
    return None


_INVERTED_OPENER = regex.compile(
    r"(?P<cue>Said|Says|Added|Adds|Wrote|Writes|Asked|Asks|Stated|Continued|Explained|Recalled)[ \t\u00a0]+")
# After the speaker of an inverted opener: an aside, then a colon or comma.
_LEADS_TO_QUOTE = regex.compile(r"(?:,[^,\n\"“”]{1,120},?)?[ \t\u00a0]*[:,]?[ \t\u00a0]*(?:\n[ \t\u00a0]*)?")


# "is calling", "were saying": a verb in the progressive, not a participle.
_PROGRESSIVE = regex.compile(r"(?<![\p{L}])(?:is|are|was|were|am|be|been|['’]s|['’]re)[ \t\u00a0]+\Z")


def _speaker_of_cue(ctx: Context, floor: int, cue) -> Attribution | None:
    """Who speaks through the verb `cue`, in the sentence that starts at floor."""
    progressive = _PROGRESSIVE.search(ctx.text, max(floor, cue.start() - 8), cue.start()) \
        if cue.group("cue").endswith("ing") else None
    # "Johnson's doctor is calling the candidate “…”": the subject is before the auxiliary
    trimmed = _strip_between(ctx.text[floor:progressive.start() if progressive else cue.start()])
    participle = cue.group("cue").endswith("ing") and progressive is None
    if participle and trimmed.rstrip().endswith(","):
        # "…, saying: “…”": the participle's subject is the sentence's, or the
        # speaker of an attribution just before it ("…, Nefzi said, adding …").
        comma = floor + len(trimmed.rstrip()) - 1
        found = _closing_attribution(ctx, floor, comma) or _subject(ctx, floor, cue.start())
        return Attribution(found.mention, cue.group("cue"), cue.start(), cue.end()) if found else None
    end = floor + len(trimmed)
    mention = subject_before(ctx.text, end, floor=floor) or _subject_before_aside(ctx.text, end, floor) or (
        None if participle else _described_subject(ctx.text, floor, end))  # not "the polls closed, stating"
    if mention is not None and mention.gender == "r" and _AFTER_A_QUOTE.search(ctx.text, max(0, mention.start - 3),
                                                                          mention.start):
        return None  # "a “chief trade prosecutor” who reports to …": a quoted phrase speaks for no one
    if mention is not None and mention.kind == "document" and _ISSUED_DOCUMENT.match(mention.text) and participle:
        # "she released a statement saying “…”": the statement is hers
        found = _subject(ctx, floor, mention.start)
        if found is not None:
            return Attribution(found.mention, cue.group("cue"), cue.start(), cue.end())
    return _attribution(mention, cue)


# An aside between a subject and its verb that the subject's own phrase does
# not take in: ", during a town hall in Columbus, Ohio,", "— a teacher from Ohio —".
_ASIDE_END = regex.compile(
    r"(?:,[^,\n\"“”]{1,80}(?:,[^,\n\"“”]{1,40}){0,2},|[ \t\u00a0]*[—–][^—–\n\"“”]{1,100}[—–])[ \t\u00a0]*\Z")


def _subject_before_aside(text: str, end: int, floor: int) -> Mention | None:
    """The subject before an aside that ends at `end` ("Clinton, during a town
    hall meeting in Columbus, Ohio, said …"), when no phrase takes it in."""
    aside = _ASIDE_END.search(text, max(floor, end - 200), end)
    if aside is None or aside.start() <= floor:
        return None
    mention = subject_before(text, aside.start(), floor=floor)
    return mention if mention is not None and mention.kind in ("person", "organisation", "role") else None


# A closing mark just before: not after a comma, where a title in an
# appositive ends ("Solovey, a contestant on “The Apprentice,” who went on …").
_AFTER_A_QUOTE = regex.compile(r"(?<!,)[”\"’'][ \t\u00a0]*\Z")
# "a statement", "her statement": a document the subject issued (not "the statement", one named before).
_ISSUED_DOCUMENT = regex.compile(r"(?:[Aa]n?|[Hh]is|[Hh]er|[Tt]heir|[Ii]ts)[ \t\u00a0]")


def _described_subject(text: str, floor: int, end: int, clause_starts: bool = True) -> Mention | None:
    """A described speaker that is the whole subject before a verb ("the
    announcer said", "one questioner claimed"): opening the sentence, or
    (with clause_starts) the clause after its opener, its last comma or its
    last subordinator ("…, when many commentators called him …")."""
    if end >= len(text) or text[end] not in _BLANK_CHARS:
        return None  # "The so-called “reform”": a word runs on into the verb
    last = _LAST_WORD.search(text, max(floor, end - 40), end)
    if last is None or last.group().casefold() in _not_described():
        return None  # the description's last word would be ruled out below; cheaper here
    starts = [floor]
    opener = sentence_opener().match(text, floor, end) if clause_starts else None
    if opener:
        starts.append(opener.end())
    # Only the last stretch can hold a subject of a few words: looking no
    # further keeps a sentence of a thousand verbs linear.
    reach = max(floor, end - SUBJECT_DESCRIPTION_REACH)
    comma = None
    for comma in _CLAUSE_BREAK.finditer(text, reach, end) if clause_starts else ():
        pass
    if comma:
        starts.append(comma.end())
    clause = None
    for clause in _CLAUSE_OPENER.finditer(text, reach, end) if clause_starts else ():
        pass
    if clause:  # "… a strong debate, when many commentators called him …"
        starts.append(clause.end())
    for start in starts:
        if start != (clause.end() if clause else None) and _SHARE.fullmatch(text, start, end) \
                and _POLL_VERB.match(text, end):
            # "14 percent said", "Only 52 percent of registered voters agreed"; not
            # in a clause ("the poll finds that, while 37 percent say …": the poll's)
            return Mention(start, end, text[start:end].rstrip(_BLANK_CHARS), "description")
        mention = _description(text, start, end, whole=True)
        if mention is not None:
            words = mention.text.split()
            # A subject runs a few words and holds no clause: not "The
            # rejection of the party’s wisdom was complete when Trump …".
            if len(words) <= SUBJECT_DESCRIPTION_WORDS and words[-1].casefold() not in _not_described() \
                    and not any(w.casefold() in _clause_words() for w in words):
                return mention
    return None


_LAST_WORD = regex.compile(r"[^ \t\u00a0]+\Z")
# What a share of the people a poll asked does when it speaks.
_POLL_VERB = regex.compile(r"[ \t\u00a0]+(?:say|says|said|agree|agrees|agreed|told)(?![\p{L}])")
# A share of the people a poll asked, as the subject of what they said.
_SHARE = regex.compile(
    r"(?:(?:[Oo]nly|[Jj]ust|[Aa]bout|[Nn]early|[Aa]lmost|[Rr]oughly|[Aa]t[ \t\u00a0]+least|[Mm]ore[ \t\u00a0]+than"
    r"|[Ff]ewer[ \t\u00a0]+than|[Aa]n[ \t\u00a0]+average[ \t\u00a0]+of)[ \t\u00a0]+)?"
    r"(?:\d+(?:\.\d+)?(?:[ \t\u00a0]*%|[ \t\u00a0]+percent)|[Hh]alf|[Aa][ \t\u00a0]+(?:majority|third|quarter)"
    r"|[Tt]wo-thirds|[Tt]hree-quarters)"
    r"(?:[ \t\u00a0]+of[ \t\u00a0]+[\p{L}\d\-’' \t\u00a0]{1,60}?)?[ \t\u00a0]*")
SUBJECT_DESCRIPTION_WORDS = 8
SUBJECT_DESCRIPTION_REACH = 200  # characters before the verb
_CLAUSE_OPENER = regex.compile(lexicon.alternation("subordinators", "but") + r"[ \t\u00a0]+")
_NEXT_WORD = regex.compile(r"[ \t\u00a0]+(?P<word>\p{Ll}[\p{L}’']*)")


def _described_before_verb(text: str, start: int, end: int) -> Mention | None:
    """A described subject opening a clause, ended by a word that is surely a
    verb: a reporting verb, an auxiliary, or a past form ("Several
    environmental groups granted …", "one questioner claimed …")."""
    words = _WORDS_AHEAD.match(text, start, end)
    if words is None:
        return None
    for gap in _NEXT_WORD.finditer(text, words.start(), words.end()):
        verb = gap.group("word")
        if verb in lexicon.words("cue_verbs") or verb in lexicon.words("auxiliaries"):
            return _described_subject(text, start, gap.start(), clause_starts=False)
        if len(verb) > 4 and verb.endswith("ed"):  # any past form: only a subject that can speak
            mention = _described_subject(text, start, gap.start(), clause_starts=False)
            return mention if mention is not None and _can_speak(mention) else None
    return None


def _can_speak(mention: Mention) -> bool:
    """Whether a described subject names people, a body or a document ("the
    city council", "a legal opinion", "many", "demonstrators"), not a thing
    ("the bill passed", "the stock market crashed")."""
    words = mention.text.split()
    head = _head_noun(words)
    return len(words) == 1 or head.endswith("s") or head in _speaking_nouns()


_COMPLEMENT_WORDS = frozenset({"of", "for", "in", "at", "from", "with"})
_QUANTITIES = frozenset({"hundreds", "thousands", "dozens", "millions", "scores"})


def _head_noun(words: list[str]) -> str:
    """The noun a description is about: its last word before a complement
    ("the head of the committee" -> head), but the noun counted after a
    quantity ("Hundreds of pro-Sanders demonstrators" -> demonstrators)."""
    for i in range(1, len(words)):
        if words[i] in _COMPLEMENT_WORDS and words[i - 1].casefold() not in _QUANTITIES:
            return words[i - 1].casefold()
    return words[-1].casefold()


@cache
def _speaking_nouns() -> frozenset[str]:
    """Nouns for people, bodies and documents (lexicon role, organisation and document nouns)."""
    return frozenset(n.split()[-1] for n in lexicon.words("role_nouns") | lexicon.words("org_nouns")
                     | lexicon.words("document_nouns"))


_WORDS_AHEAD = regex.compile(r"[\p{L}\d’'\-]+(?:[ \t\u00a0]+[\p{L}\d’'\-]+){1,8}")


@cache
def _clause_words() -> frozenset[str]:
    """Words that make a phrase a clause rather than a subject: verbs,
    auxiliaries, subordinators (when, while, if) and possessives standing on
    their own ("particularly his")."""
    return frozenset(lexicon.words("cue_verbs") | lexicon.words("auxiliaries")
                     | lexicon.words("subordinators") | {"his", "her", "its", "their", "our", "my", "your"})


_COLON_END = regex.compile(r":[ \t\u00a0]*\Z")


def speaker_colon_quote(ctx: Context, i: int) -> Attribution | None:
    """Rep. Jane Doe (D-Ore.): “…” — a name and a colon, as in a transcript."""
    quote = ctx.quotes[i]
    floor = ctx.sentence_start(quote.start, ctx.floor(i))
    colon = _COLON_END.search(ctx.text, floor, quote.start)
    if not colon:
        return None
    mention = subject_before(ctx.text, colon.start(), floor=floor)
    if mention is None or mention.kind not in ("person", "organisation") \
            or ctx.text[floor:mention.start].strip() and not _AFTER_DASH.search(ctx.text, floor, mention.start):
        return None
    return Attribution(mention, ":", colon.start(), colon.start() + 1)


# What may stand before the name of a transcript line, if anything: a headline
# and a dash, as in a newsletter ("RED STATES OUTNUMBER BLUE - Jeffrey M. Jones: “…”").
_AFTER_DASH = regex.compile(r"[ \t\u00a0][—–-][ \t\u00a0]*\Z")


_DASH = regex.compile(r"[ \t\u00a0]*[―—–-][ \t\u00a0]*")  # ― (U+2015) signs quotes in some outlets
_PHRASE_END = regex.compile(r"[ \t\u00a0]*(?:[,.;]|\Z)")


def dash_speaker(ctx: Context, i: int) -> Attribution | None:
    """“…” — Jane Doe: a dash and a name after the quote, as under an epigraph."""
    quote = ctx.quotes[i]
    ceiling = ctx.ceiling(i)
    dash = _DASH.match(ctx.text, quote.end, ceiling)
    if not dash and not ctx.text[quote.end:ceiling].strip():
        # The signature may stand in a paragraph of its own: "— Jane Doe."
        p = ctx.paragraph_of(quote.end - 1) + 1
        if p < len(ctx.paragraphs) and (i + 1 == len(ctx.quotes) or ctx.quotes[i + 1].start >= ctx.paragraphs[p][1]):
            start, ceiling = ctx.paragraphs[p]
            dash = _DASH.match(ctx.text, start, ceiling)
    if not dash:
        return None
    mention = phrase_after(ctx.text, dash.end(), ceiling)
    if mention is None or mention.kind not in ("person", "organisation") \
            or not _PHRASE_END.match(ctx.text, mention.end, ceiling):
        return None
    mark = ctx.text[dash.start():dash.end()].strip()
    return Attribution(mention, mark, ctx.text.index(mark, dash.start()), ctx.text.index(mark, dash.start()) + 1)


def according_to(ctx: Context, i: int) -> Attribution | None:
    """“…,” according to X — or According to X, “…”."""
    quote = ctx.quotes[i]
    floor = ctx.sentence_start(quote.start, ctx.floor(i))
    ceiling = ctx.sentence_end(quote.end, ctx.ceiling(i))
    for start, end in ((quote.end, ceiling), (floor, quote.start)):
        for match in _ACCORDING.finditer(ctx.text, start, end):
            mention = phrase_after(ctx.text, match.end(), end)
            if mention is not None:
                cue = match.group().strip()
                return Attribution(mention, cue, match.start(), match.start() + len(cue))
    return None


def according_to_described(ctx: Context, i: int) -> Attribution | None:
    """According to his physician, he is in “astonishingly excellent” health —
    an unnamed source the sentence credits, when no verb of the sentence
    reports the quote (after paraphrase_speaker, which would have found one)."""
    quote = ctx.quotes[i]
    floor = ctx.sentence_start(quote.start, ctx.floor(i))
    ceiling = ctx.sentence_end(quote.end, ctx.ceiling(i))
    for start, end in ((quote.end, ceiling), (floor, quote.start)):
        for match in _ACCORDING_TO.finditer(ctx.text, start, end):
            mention = _description(ctx.text, match.end(), end, whole=False)
            if mention is not None:
                cue = match.group().strip()
                return Attribution(mention, cue, match.start(), match.start() + len(cue))
    return None


# _ACCORDING without "per": "per a translator" names a go-between, not a source.
_ACCORDING_TO = regex.compile(r"(?<![\p{L}])[Aa]ccording[ \t\u00a0]+to[ \t\u00a0]+")


def passive_by(ctx: Context, i: int) -> Attribution | None:
    """The movement has been called “strategic ambiguity” by X; “…” — as
    described by X —: a passive reporting verb and its agent."""
    quote = ctx.quotes[i]
    ceiling = min(ctx.sentence_end(quote.end, ctx.ceiling(i)), quote.end + 80)
    by = _AGENT.match(ctx.text, quote.end, ceiling)
    if by is None:
        return None
    before, after = _passive_patterns()
    participle = before.search(ctx.text, max(0, quote.start - 40), quote.start) \
        or after.search(ctx.text, quote.end, by.end())
    if participle is None:
        return None
    mention = phrase_after(ctx.text, by.end(), ceiling) or _description(ctx.text, by.end(), ceiling, whole=False)
    if mention is None:
        return None
    return Attribution(mention, participle.group("cue"), participle.start("cue"), participle.end("cue"))


@cache
def _passive_patterns() -> tuple[regex.Pattern, regex.Pattern]:
    """The participle just before the quote ("has been called “…”", "often
    labeled as a “…”") and one after it ("“…” — as described by"), from
    lexicon/passive_verbs.txt."""
    verb = "(?P<cue>" + lexicon.choice("passive_verbs") + ")"
    before = regex.compile(rf"(?<![\p{{L}}]){verb}(?:[ \t\u00a0]+as)?(?:[ \t\u00a0]+(?:a|an|the))?[ \t\u00a0]*\Z")
    return before, regex.compile(rf"(?<![\p{{L}}]){verb}")


# "by" right after the quote, or after the participle ("“…” — as described by",
# "“…” was called by"): not "passed the Senate by a vote of 52 to 48".
_AGENT = regex.compile(
    r"[ \t\u00a0,—–\-]*(?:(?:as|was|were|is|are|has[ \t\u00a0]+been|have[ \t\u00a0]+been)[ \t\u00a0]+"
    r"(?:\p{Ll}+ly[ \t\u00a0]+)?\p{Ll}+[ \t\u00a0]+)?by[ \t\u00a0]+")


def paraphrase_speaker(ctx: Context, i: int) -> Attribution | None:
    """X said the plan was “a disaster” — the speaker of the paraphrase around the quote."""
    quote = ctx.quotes[i]
    floor = ctx.sentence_start(quote.start, ctx.floor(i))
    cues = _all_cues(ctx, floor, quote.start)
    for cue in reversed(cues):
        found = _speaker_of_cue(ctx, floor, cue)
        if found is not None:
            return _main_clause_pronoun(ctx, cue.end(), quote.start) or _outer_reporter(ctx, floor, cues, found) \
                or found
    return None


# ", he infamously referred to …": after a clause, a pronoun and its verb.
_CLAUSE_PRONOUN = regex.compile(
    r",[ \t\u00a0]+(?P<pronoun>he|she|they)[ \t\u00a0]+(?:\p{Ll}+ly[ \t\u00a0]+)?(?P<verb>\p{Ll}[\p{L}’']*)")


def _main_clause_pronoun(ctx: Context, start: int, end: int) -> Attribution | None:
    """“When Trump announced his bid, he referred to them as “criminals””: the
    main clause after the verb's clause has its own subject, a pronoun, and the
    quote is in it."""
    found = None
    for found in _CLAUSE_PRONOUN.finditer(ctx.text, start, end):
        pass
    if found is None or found.group("verb") in lexicon.words("function_words"):
        return None
    mention = phrase_after(ctx.text, found.start("pronoun"), found.end("pronoun"))
    return _attribution(mention, _Verb(found, "verb")) if mention is not None else None


_BEFORE_LATE_SUBJECT = regex.compile(r"(?:[,—–]|(?<![\p{L}])as)[ \t\u00a0]*\Z")
# A comma or dash just before: "“…,” said X", and the speaker who closes a
# sentence ("…, Schiff said."), but not after "as" ("…, as Nate Silver
# predicted." says what Silver foresaw, not said).
_COMMA_OR_DASH_END = regex.compile(r"[,—–][ \t\u00a0]*\Z")


_NEW_SENTENCE = regex.compile(r"[ \t\u00a0]+[(\"“]?\p{Lu}")


def sentence_end_cue(ctx: Context, i: int) -> Attribution | None:
    """“…” more words, X said. — the verb closes the sentence that holds the quote."""
    quote = ctx.quotes[i]
    if _ends_a_sentence(ctx, i) and _NEW_SENTENCE.match(ctx.text, quote.end, ctx.ceiling(i)):
        return None  # “… the floor.” At the same time, the person added …: another sentence
    # The attribution closes the sentence within a few hundred characters; a few
    # verbs at most are tried, so a sentence of nothing but verbs stays cheap.
    ceiling = min(ctx.sentence_end(quote.end, ctx.ceiling(i)), quote.end + 300)
    for cue in itertools.islice(_cues(ctx, quote.end, ceiling), 4):
        before = ctx.text[quote.end:cue.start()]
        trimmed = _strip_between(before)
        mention = subject_before(ctx.text, quote.end + len(trimmed), floor=quote.end)
        # "…,” X said" or "…,” as X said on the radio"
        if mention is not None and _BEFORE_LATE_SUBJECT.search(ctx.text, quote.end, mention.start):
            return _attribution(mention, cue)
        if _COMMA_OR_DASH_END.search(before):
            after = _BLANKS.match(ctx.text, cue.end(), ceiling)
            if after:
                found = _attribution(phrase_after(ctx.text, after.end(), ceiling), cue)
                if found:
                    return found
    return None


_CLAUSE_BREAK = regex.compile(r"[,;][”\"’]?[ \t\u00a0]+")
# After a subject: an optional appositive, an optional adverb, then a verb.
_VERB_NEXT = regex.compile(
    r"(?:,[^,\n\"“”]{1,120},)?[ \t\u00a0]+(?:\p{Ll}+ly[ \t\u00a0]+)?(?P<verb>\p{Ll}[\p{L}’']*)"
)


# ", who" after the phrase it describes: a non-restrictive relative clause.
_RELATIVE_WHO = regex.compile(r",[ \t\u00a0]+(?P<who>who)(?![\p{L}])")
_RELATIVE_REACH = 400
_LOWER_WORD = regex.compile(r"(?<![\p{L}])\p{Ll}[\p{L}\-]*")


def _describes_the_name(words: str) -> bool:
    """Whether the words a phrase takes in before its name describe the person
    ("Texas Sen.", "Harvard professor", "the former"), rather than make a
    clause of which the name is the object ("the mayor met", "he toasted"):
    its lower-case words are titles, roles or articles."""
    return all(w.group() in _describing_words() for w in _LOWER_WORD.finditer(words))


@cache
def _describing_words() -> frozenset[str]:
    return office_words() | {r.split()[-1].casefold() for r in lexicon.words("role_nouns")} \
        | {"the", "a", "an", "of", "and", "for"}
# What ends a relative clause before the quote: a sentence break.
_RELATIVE_BREAK = regex.compile(r"[.;!?:]|\n")
# A comma or dash after "who": the relative clause may have closed, and the
# quote be in the main clause.
_RELATIVE_CLOSE = regex.compile(r"[,—–]|--")
# What may stand before a sentence's subject: nothing, a phrase that opens
# with a preposition and ends with a comma ("In Ohio, Smith, who …"), a
# description set off by a dash ("A former candidate -- John McCain, who …").
# No clause: in "In Ohio, he toasted Brennock, who quit, as “…”" Brennock is
# the object.
_BEFORE_SUBJECT = regex.compile(
    r"(?:" + lexicon.alternation("prepositions") + r"[^,\n\"“”]{0,80},[ \t\u00a0]+)?"
    r"(?:[^,\n\"“”—–]{0,100}(?:[—–]|--)[ \t\u00a0]*)?")


def relative_clause(ctx: Context, i: int) -> Attribution | None:
    """Beck, who has described Trump as “a narcissist” — the quote is in a
    relative clause, spoken by the phrase the clause describes."""
    quote = ctx.quotes[i]
    # (a relative clause is read back a few hundred characters at most, so a
    # paragraph of many quotes and no full stop is not read again for each)
    reach = max(ctx.paragraph_start(quote.start), quote.start - _RELATIVE_REACH)
    if ctx.text.find("who", reach, quote.start) < 0:
        return None  # most quotes have no "who" before them: spare the sentence's start
    start = ctx.sentence_start(quote.start, reach)
    found = None
    for found in _RELATIVE_WHO.finditer(ctx.text, start, quote.start):
        pass
    if found is None or _RELATIVE_BREAK.search(ctx.text, found.end(), quote.start):
        return None
    mention = subject_before(ctx.text, found.start(), floor=start)
    if mention is None or mention.kind not in ("person", "role", "organisation"):
        return None
    if _RELATIVE_CLOSE.search(ctx.text, found.end(), quote.start) and not (
            _BEFORE_SUBJECT.fullmatch(ctx.text, start, mention.start)
            and _describes_the_name(ctx.text[mention.start:mention.name_start or mention.start])):
        return None  # "Cruz is praising Bush, who quit, as “…”": the main clause has its own subject
    who = dataclasses.replace(mention, end=found.end("who"), text=ctx.text[mention.start:found.end("who")])
    return Attribution(who, "who", found.start("who"), found.end("who"))


def sentence_subject(ctx: Context, i: int) -> Attribution | None:
    """She called for “flexibility” — the subject of the sentence the quote sits in.

    The subject is the phrase that opens the sentence, or opens the clause
    after an introductory phrase ("In an interview, the senator stated ...").
    """
    quote = ctx.quotes[i]
    floor = ctx.sentence_start(quote.start, ctx.floor(i))
    if not ctx.text[floor:quote.start].strip():
        return None  # the quote opens its sentence: nothing before it to speak
    if _spoken_by_the_sentence_subject(ctx, i):
        return None  # "Kerry said that although the vote was “…,” they were “…”": same_paragraph's case
    return _subject(ctx, floor, quote.start)


def _spoken_by_the_sentence_subject(ctx: Context, i: int) -> bool:
    """Whether the quote before quote i stands in the same sentence and was
    attributed to the subject that opens it: the sentence is that speaker's,
    whatever clause the later quote sits in."""
    before = ctx.attributions[i - 1] if i > 0 else None
    if before is None or ctx.floor(i) != ctx.quotes[i - 1].end:
        return False
    # (from where the text before the earlier quote starts: its paragraph or
    # the quote before it, so a paragraph of many quotes is not read again)
    start = ctx.sentence_start(ctx.quotes[i].start, ctx.floor(i - 1))
    mention = before.mention
    return start < ctx.floor(i) and start <= mention.start < ctx.quotes[i - 1].start \
        and not _CLAUSE_BEFORE_SUBJECT.search(ctx.text, start, mention.start)


# Before a sentence's opening subject: nothing that makes it a subordinate clause's.
_CLAUSE_BEFORE_SUBJECT = regex.compile(r"[,;—–]|" + lexicon.alternation("subordinators", "that", "which", "who"))


_BLANK_CHARS = " \t\u00a0"


_CONTRACTION = regex.compile(
    r"(?<![\p{L}])(?i:he|she|they|we|i|it)(?P<suffix>['’](?:s|ve|d|ll|re))"
    r"(?:[ \t\u00a0]+(?:\p{Ll}+ly|also|long|since|not|never|often|repeatedly|publicly|previously))*[ \t\u00a0]*\Z")


def _strip_between(text: str) -> str:
    """text without the adverbs and auxiliaries at its end ("Clinton has also
    said" -> "Clinton"), word by word from the end: linear, no backtracking."""
    auxiliaries = lexicon.words("auxiliaries")
    end = len(text)
    # "he’s said", "they’ve argued": the pronoun speaks. Only the end is looked
    # at, so a sentence of a thousand verbs stays linear.
    contraction = _CONTRACTION.search(text, max(0, len(text) - 80))
    if contraction:
        end = contraction.start("suffix")
    while True:
        while end and text[end - 1] in _BLANK_CHARS:
            end -= 1
        start = end
        while start and text[start - 1] not in _BLANK_CHARS:
            start -= 1
        word = text[start:end]
        adverb = len(word) > 3 and word.endswith("ly") and word.islower()
        if start and (word in auxiliaries or adverb):
            end = start
            continue
        # "Beck on Wednesday called", "Clinton last week said": the last word
        # tells whether a time can end here before the pattern is tried.
        time = _time_before_verb().search(text, max(0, end - 40), end) if _ends_a_time(word) else None
        if not time:
            return text[:end]
        end = time.start()


def _ends_a_time(word: str) -> bool:
    return word.endswith("day") or word.casefold() in lexicon.words("time_nouns") or (
        len(word) == 4 and word.isdigit())


@cache
def _time_before_verb() -> regex.Pattern:
    """A time between a subject and its verb: "on Wednesday", "last week",
    "earlier this month", "in 2006" (nouns from lexicon/time_nouns.txt)."""
    nouns = lexicon.choice("time_nouns")
    return regex.compile(
        r"(?:,?[ \t\u00a0]+(?:on|last|this|earlier|later|late|early|in|that|next)){1,2}"
        rf"(?:[ \t\u00a0]+(?:\p{{Lu}}\p{{Ll}}+day|{nouns}|\d{{4}})){{1,2}}\Z")  # not before ", saying"


@cache
def sentence_opener() -> regex.Pattern:
    """A sentence opener that is not the subject (lexicon/sentence_openers.txt)."""
    return regex.compile("(?:" + lexicon.choice("sentence_openers") + r")(?:,?[ \t\u00a0]+)")


# A dateline before a story's first sentence: a place in capitals, perhaps a
# date and an agency, and a dash.
_DATELINE = regex.compile(
    r"\p{Lu}{2,}(?:[ .'\-]+\p{Lu}{2,})*\.?(?:,[^—–\n]{1,40}?)?(?:[ \t\u00a0]*\([^()\n]{2,20}\))?"
    r"[ \t\u00a0]*[—–-]{1,2}[ \t\u00a0]*")


def _subject(ctx: Context, start: int, end: int) -> Attribution | None:
    """The subject of the sentence running from start to end, and its verb."""
    dateline = _DATELINE.match(ctx.text, start, end)
    if dateline:  # "PHILADELPHIA, July 25 (UPI) — The committee released …"
        start = dateline.end()
    starts = [start] + [m.end() for m in _CLAUSE_BREAK.finditer(ctx.text, start, end)][:2]
    opener = sentence_opener().match(ctx.text, start, end)
    if opener:  # "Then he cut into Bush, calling him …": the subject follows the opener
        starts.insert(1, opener.end())
    for start in starts:
        mention = phrase_after(ctx.text, start, end)
        if mention is None or not _plausible_subject(ctx, mention):
            mention = _described_before_verb(ctx.text, start, end)  # "Several groups granted …"
            if mention is None:
                continue
        if start != starts[0] and mention.name in lexicon.words("places"):
            continue  # "in Birmingham, Alabama, on Saturday": a place after a comma
        verb = _VERB_NEXT.match(ctx.text, mention.end, end)
        if verb:
            return _attribution(mention, _Verb(verb, "verb"))
    return None


_THE = regex.compile(r"\A[Tt]he[ \t\u00a0]+")


def _plausible_subject(ctx: Context, mention) -> bool:
    """Rule out what only looks like a subject at the head of a clause:
    "it", a lower-case run ("ripped FBI Director ..."), a one-word capitalised
    word the article never uses as a name mid-sentence ("Beyond", "Given")."""
    if mention.kind == "pronoun":
        return mention.gender in ("m", "f", "p")
    if mention.kind in ("person", "organisation") and not mention.text[:1].isupper() \
            and not _THE.sub("", mention.text)[:1].isupper():
        return False  # "ripped FBI Director ...", but "the American Bar Association" is a subject
    if mention.kind == "person" and mention.name and len(mention.name.split()) == 1 \
            and mention.name == mention.text:
        return mention.name in ctx.names_mid_sentence()
    return True


class _Verb:
    """A regex match stand-in naming the verb that follows a subject."""

    def __init__(self, match, group: str):
        self._match, self._group = match, group

    def group(self, _name=None):
        return self._match.group(self._group)

    def start(self, _name=None):
        return self._match.start(self._group)

    def end(self, _name=None):
        return self._match.end(self._group)


def same_paragraph(ctx: Context, i: int) -> Attribution | None:
    """A quote in a paragraph whose other quote is attributed has the same speaker:
    the nearest attributed quote before it in the paragraph, else after it."""
    nearest = ctx.cached("same_paragraph", lambda: _nearest_in_paragraph(ctx))
    j = nearest[i]
    if j is not None and j < i and _speaker_of_a_reported_sentence_before(ctx, i) is not None:
        return None  # “A,” X said. She says … “B.”: previous_sentence's case
    return None if j is None else _borrow(ctx.attributions[j], j)


def _speaker_of_a_reported_sentence_before(ctx: Context, i: int) -> Attribution | None:
    """The speaker of a whole sentence of reported speech between quote i and
    the quote before it in its paragraph ("She says people should be able to
    choose."), when quote i opens a sentence of its own: a person or a singular
    pronoun, subject of a reporting verb. Read from the earlier quote's end on,
    so a paragraph of many quotes is not read again for each."""
    return ctx.cached(("reported_sentence_before", i), lambda: _find_speaker_of_a_reported_sentence_before(ctx, i))


def _find_speaker_of_a_reported_sentence_before(ctx: Context, i: int) -> Attribution | None:
    quote = ctx.quotes[i]
    floor = ctx.floor(i)
    if ctx.text[ctx.sentence_start(quote.start, floor):quote.start].strip() or _says_more(ctx, i):
        return None
    end = floor + len(ctx.text[floor:quote.start].rstrip(" \t\u00a0")) - 1  # its full stop
    start = ctx.sentence_start(end, floor)
    if start >= end or not ctx.text[floor:start].strip():
        return None  # no sentence of its own: “A,” he said. “B.”
    if not any(_speaker_of_cue(ctx, start, cue) is not None for cue in itertools.islice(_cues(ctx, start, end), 3)):
        return None
    return _acceptable_previous_speaker(_closing_attribution(ctx, start, end) or _subject(ctx, start, end))


def _acceptable_previous_speaker(found: Attribution | None) -> Attribution | None:
    """A sentence's speaker that may speak the quote after it: a person or a
    pronoun for one ("he", "she"), not "it", "they" or "who"."""
    if found is None or found.mention.kind not in ("person", "pronoun") or found.mention.gender in ("n", "p", "r"):
        return None
    return found


def _nearest_in_paragraph(ctx: Context) -> list[int | None]:
    """For each quote, the nearest quote of its paragraph attributed by a rule of
    its own (not borrowed): two linear passes, so many quotes stay cheap."""
    n = len(ctx.quotes)
    paragraph_start = [ctx.paragraph_of(q.start) for q in ctx.quotes]
    paragraph_end = [ctx.paragraph_of(q.end - 1) for q in ctx.quotes]
    own = [a is not None and a.borrowed_from is None for a in ctx.attributions]
    before: list[int | None] = [None] * n
    last = None
    for i in range(n):
        if last is not None and paragraph_end[last] != paragraph_start[i]:
            last = None
        before[i] = last
        if own[i]:
            last = i
    after: list[int | None] = [None] * n
    following = None
    for i in range(n - 1, -1, -1):
        if following is not None and paragraph_start[following] != paragraph_end[i]:
            following = None
        after[i] = following
        if own[i]:
            following = i
    return [b if b is not None else a for b, a in zip(before, after)]


def continuation(ctx: Context, i: int) -> Attribution | None:
    """A paragraph that opens with a quote continues the previous paragraph's speaker."""
    quote = ctx.quotes[i]
    paragraph = ctx.paragraph_of(quote.start)
    if paragraph == 0 or ctx.text[ctx.paragraphs[paragraph][0]:quote.start].strip():
        return None
    if _says_more(ctx, i):
        return None  # “…,” an angry Hollande retaliated: its own speaker, whom no sieve knew
    previous = paragraph - 1
    for j in range(i - 1, -1, -1):
        p = ctx.paragraph_of(ctx.quotes[j].start)
        if p < previous:
            break
        if p == previous or ctx.paragraph_of(ctx.quotes[j].end - 1) == previous:
            found = ctx.attributions[j]
            if found is not None:
                return _borrow(found, j)
            break
    # A lead-in that ends with a colon: "In a 1963 speech, he declared:"
    p_start, p_end = ctx.paragraphs[previous]
    lead = ctx.text[p_start:p_end].rstrip()
    if lead.endswith(":"):
        end = p_start + len(lead)
        sentence = ctx.sentence_start(end, p_start)
        inverted = _INVERTED_OPENER.match(ctx.text, sentence, end)
        if inverted:  # "Stated Stone:" over the quote
            found = _attribution(phrase_after(ctx.text, inverted.end(), end - 1), _Verb(inverted, "cue"))
            if found:
                return found
        for cue in reversed(_all_cues(ctx, sentence, end)):
            found = _speaker_of_cue(ctx, sentence, cue)
            if found:
                return found
        # No reporting verb ("… released the following statement:"): its subject.
        return _subject(ctx, sentence, end)
    return None


def _says_more(ctx: Context, i: int) -> bool:
    """Whether quote i's sentence goes on after it (beyond its punctuation)."""
    quote = ctx.quotes[i]
    return bool(ctx.text[quote.end:ctx.sentence_end(quote.end, ctx.ceiling(i))].strip(" \t\u00a0.!?,;:—–-"))


def previous_sentence(ctx: Context, i: int) -> Attribution | None:
    """Lynch announced the lawsuit on Monday. “We are seeking a court order …” —
    a quote that makes a sentence of its own, with no speaker in it, is the
    subject's of the sentence just before it (in its paragraph, or the last of
    the previous paragraph when the quote opens its own)."""
    quote = ctx.quotes[i]
    floor = ctx.floor(i)
    if ctx.text[ctx.sentence_start(quote.start, floor):quote.start].strip():
        return None  # the quote does not open its sentence
    if _says_more(ctx, i):
        return None  # nor close it: what follows ("…,” the report stated) is for other sieves
    p = ctx.paragraph_of(quote.start)
    p_start = ctx.paragraphs[p][0]
    if ctx.text[p_start:quote.start].strip():
        end = quote.start
        if i > 0 and ctx.quotes[i - 1].end > p_start:
            if ctx.attributions[i - 1] is not None:  # same_paragraph's case, unless a sentence reports between
                return _speaker_of_a_reported_sentence_before(ctx, i)
            p_start = floor  # (a title in quotes before: read back to it, no further)
    elif p > 0 and not (i > 0 and ctx.paragraph_of(ctx.quotes[i - 1].end - 1) >= p - 1):
        p_start, end = ctx.paragraphs[p - 1]
    else:
        return None
    end = p_start + len(ctx.text[p_start:end].rstrip(" \t\u00a0")) - 1  # before its full stop
    sentence = ctx.sentence_start(end, p_start)
    if sentence >= end:
        return None
    return _acceptable_previous_speaker(_closing_attribution(ctx, sentence, end) or _subject(ctx, sentence, end))


def _closing_attribution(ctx: Context, start: int, end: int) -> Attribution | None:
    """The speaker named at the close of the sentence from start to end (its
    full stop): "… the administration may be weighing, Schiff said." """
    cue = None
    for cue in _cues(ctx, max(start, end - 160), end + 1):
        pass
    if cue is None or _goes_on(ctx.text, cue.end(), end + 1):
        return None
    trimmed = _strip_between(ctx.text[start:cue.start()])
    mention = subject_before(ctx.text, start + len(trimmed), floor=start)
    if mention is None or not _COMMA_OR_DASH_END.search(ctx.text, start, mention.start):
        return None
    return _attribution(mention, cue)


def _borrow(found: Attribution, j: int) -> Attribution:
    """Quote j's attribution, reused by another quote and marked as borrowed."""
    return Attribution(found.mention, found.cue, found.cue_start, found.cue_end, borrowed_from=j)


# The order matters: the first sieve that is sure attributes the quote.
SIEVES: list[Sieve] = [
    quote_speaker_cue,
    quote_cue_speaker,
    speaker_cue_quote,
    speaker_colon_quote,
    dash_speaker,
    according_to,
    sentence_end_cue,
    paraphrase_speaker,
    according_to_described,
    passive_by,
    relative_clause,
    sentence_subject,
    same_paragraph,
    continuation,
    previous_sentence,
]
