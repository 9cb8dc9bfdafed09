"""The attributor: marks -> sieves -> speakers, for one article."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Iterable, NamedTuple

import regex

from . import lexicon
from .context import Context, names_mid_sentence
from .marks import find_marks
from .identity import DESCRIPTION
from .mentions import (clean_name, common_word_title, definite, is_organisation, not_a_name_word, phrase_after,
                       patterns, split_title, subject_before)
from .model import Article, Mention, Quote
from .sieves import SIEVES, sentence_opener
from .speakers import ArticleSpeakers, Person, first_name_gender, is_first_name


@cache
def _confidence() -> dict[str, float]:
    """Each sieve's speaker accuracy measured on the train split (lexicon/sieve_confidence.txt)."""
    return {row[0]: float(row[1]) for row in lexicon.rows("sieve_confidence")}


@cache
def _anaphoric_roles() -> frozenset[str]:
    return frozenset(row[0].split()[-1] for row in lexicon.rows("role_nouns")
                     if row[-1] == "a" and " of " not in row[0])


@cache
def _roles_of_a_domain() -> tuple[tuple[str, bool], ...]:
    """Role nouns with their domain after "of" ("secretary of state"), longest
    first, each with whether it is anaphoric."""
    rows = [(row[0], row[-1] == "a") for row in lexicon.rows("role_nouns") if " of " in row[0]]
    return tuple(sorted(rows, key=lambda r: len(r[0]), reverse=True))


# Words before a role that leave it the same office ("the former secretary of state").
_SAME_OFFICE = regex.compile(r"\A(?:(?:the|a|former|then|outgoing|incoming|new|acting)[ \t\u00a0]+)*")


def _role_words(phrase: str) -> tuple[tuple[str, ...], bool]:
    """The words a person's title must hold to have the role the phrase names,
    and whether "the <role>" means the last person named. Mostly the last word
    ("the campaign manager" -> manager); for a role with its domain after "of",
    all of its words ("secretary", "state"), anaphoric as that whole role says
    and only when nothing but "former" or the like stands before it ("the
    deputy secretary of defense" is someone else)."""
    phrase = phrase.casefold()
    head = phrase.split()[-1]
    for role, anaphoric in _roles_of_a_domain():
        if phrase == role or phrase.endswith(" " + role):
            words = tuple(w for w in role.split() if w != "of")
            same_office = _SAME_OFFICE.match(phrase).end() == len(phrase) - len(role)
            return words, anaphoric and same_office
    return (head,), head in _anaphoric_roles()


def extract(text: str) -> list[Quote]:
    """The quotes in text, each attributed to a speaker where a sieve is sure."""
    return extract_article(Article(text=text))


def extract_article(article: Article) -> list[Quote]:
    """The quotes of one article; offsets index article.text."""
    text = article.text
    ctx = Context.build(text, find_marks(text))
    for sieve in SIEVES:
        for i, found in enumerate(ctx.attributions):
            if found is None:
                found = sieve(ctx, i)
                if found is not None:
                    ctx.attributions[i] = found
                    ctx.quotes[i].sieve = sieve.__name__
                    ctx.quotes[i].confidence = _confidence().get(sieve.__name__)
    if any(found is not None for found in ctx.attributions):  # nothing to resolve, no name scan
        _resolve(ctx, ArticleSpeakers(text))
    # Attributed passages are quotes unless they name a work; the others must look like one.
    return [q for q in ctx.quotes
            if (not names_a_work(text, q) if q.sieve is not None else is_quotation(q.text))]


# An unattributed passage of one word is a scare quote (so-called “reform”).
SCARE_QUOTE_WORDS = 1
_WORD = regex.compile(r"[\p{L}\d'’\-]+")


def is_quotation(passage: str) -> bool:
    """Whether an unattributed quoted passage is a quotation rather than a scare
    quote (at most SCARE_QUOTE_WORDS words) or the title of a work in title
    case ("Face the Nation")."""
    words = _WORD.findall(passage)
    return len(words) > SCARE_QUOTE_WORDS and not _title_case(words)


def _title_case(words: Iterable[str]) -> bool:
    """Whether 2 to 8 words are written as a title: capitalised, but for
    digits and minor words after the first. Words are taken only until one
    decides, so a passage's words may come lazily."""
    minor = lexicon.words("title_minor_words")
    count = 0
    for count, w in enumerate(words, 1):
        if count > 8 or not (w[0].isupper() or count > 1 and (w[0].isdigit() or w.casefold() in minor)):
            return False
    return count > 1


@cache
def _work_lead() -> regex.Pattern:
    """What stands before a title: a possessive ("CBS’s"), "on", "in", "told",
    or a work noun ("the documentary") (lexicon/work_nouns.txt)."""
    nouns = lexicon.choice("work_nouns")
    return regex.compile(rf"(?:['’]s|(?<![\p{{L}}])(?:[Oo]n|[Ii]n|[Ff]or|[Tt]o|told|{nouns}),?)[ \t\u00a0]*\Z")


def names_a_work(text: str, quote: Quote) -> bool:
    """Whether the passage is the title of a work even though a sieve found a
    speaker nearby: title case right after what introduces a title ("Graham
    said on MSNBC's “Morning Joe”", "told “Fox and Friends”")."""
    return _title_case(w.group() for w in _WORD.finditer(quote.text)) \
        and bool(_work_lead().search(text, max(0, quote.start - 30), quote.start))



class Resolved(NamedTuple):
    """Who a mention names: canonical name (None if unresolved), title, kind, affiliation."""

    name: str | None = None
    title: str | None = None
    kind: str | None = None
    affiliation: str | None = None


def _resolve(ctx: Context, people: ArticleSpeakers) -> None:
    """Fill each quote's speaker, title and cue from its attribution, in reading order."""
    resolved: dict[int, Resolved] = {}  # id(mention) -> speaker, shared by borrowing quotes
    unnamed: tuple[int, Resolved] | None = None  # the last organisation or description that spoke
    for i, (quote, found) in enumerate(zip(ctx.quotes, ctx.attributions)):
        if found is None:
            continue
        mention = found.mention
        key = id(mention)
        if key not in resolved:
            if mention.kind == "pronoun" and mention.gender == "n" and unnamed is not None:
                resolved[key] = _it(mention, people, unnamed, ctx)
            else:
                resolved[key] = _speaker_of(mention, people, ctx)
        speaker = resolved[key]
        if speaker.name and speaker.kind in ("organisation", DESCRIPTION):
            unnamed = (mention.start, speaker)
        quote.speaker, quote.title, quote.speaker_kind = speaker.name, speaker.title, speaker.kind
        quote.affiliation = speaker.affiliation
        if speaker.kind == "person" and speaker.name and mention.end <= quote.start:
            mention = _clause_subject(ctx, i, mention, speaker.name) or mention
        quote.speaker_start, quote.speaker_end, quote.mention = mention.start, mention.end, mention.text
        quote.cue, quote.cue_start, quote.cue_end = found.cue, found.cue_start, found.cue_end


# A pronoun that opens a clause of its own: "although she made it clear",
# "as he keeps talking", "and she said"; not "noted that he", a reported clause.
_SUBORDINATE_PRONOUN = regex.compile(
    lexicon.alternation("subordinators", "and", "but", "yet") + r"[ \t\u00a0]+((?:[Hh]e|[Ss]he))(?=[ \t\u00a0]+\p{Ll})")
_PRONOUN_GENDER = {"he": "m", "she": "f"}
_PRONOUN = regex.compile(r"(?<![\p{L}])(?:[Hh]e|[Ss]he)[ \t\u00a0]")


def _clause_subject(ctx: Context, i: int, mention: Mention, name: str) -> Mention | None:
    """The pronoun that is the subject of the clause that carries quote i,
    when it is the speaker again: in "Clinton endorsed the deal, although she
    made it clear that she has “serious concerns”" the quote's source is the
    first "she", who is Clinton. The speaker stays as resolved; only the
    mention, the words that carry the attribution, moves to that clause.
    Not past another name ("Ann Lee said that Mary Ray cried when she …")."""
    quote = ctx.quotes[i]
    if mention.kind == "pronoun" or not _PRONOUN.search(ctx.text, max(mention.end, quote.start - 300), quote.start):
        return None
    gender = mention.gender if mention.gender in ("m", "f") else first_name_gender(name)
    if gender not in ("m", "f"):
        return None
    paragraph = ctx.paragraph_start(quote.start)
    start = max(mention.end, ctx.sentence_start(quote.start, max(paragraph, quote.start - 300)))
    found = None
    for clause in _SUBORDINATE_PRONOUN.finditer(ctx.text, start, quote.start):
        if not _in_an_earlier_quote(ctx, i, clause.start()):
            found = clause
    if found is None or _PRONOUN_GENDER[found.group(1).casefold()] != gender \
            or _reports_someone_else(ctx.text, mention.end, found.start(1)):
        return None
    return Mention(found.start(1), found.end(1), found.group(1), "pronoun", gender=gender)


def _reports_someone_else(text: str, start: int, end: int) -> bool:
    """Whether a reporting verb between start and end opens a clause about a
    named person ("said that Mary Ray cried when she …"): the pronoun may be hers."""
    return any(_NAMED_CLAUSE.match(text, cue.end(), end) for cue in patterns()["cue"].finditer(text, start, end))


_NAMED_CLAUSE = regex.compile(r"[ \t\u00a0]+(?:that[ \t\u00a0]+)?(?!\p{L}+day(?![\p{L}]))\p{Lu}")  # not "Saturday"


def _in_an_earlier_quote(ctx: Context, i: int, position: int) -> bool:
    """Whether position lies inside one of the quotes before quote i (they end
    in order, so only those still open at position need a look)."""
    for j in range(i - 1, -1, -1):
        earlier = ctx.quotes[j]
        if earlier.end <= position:
            return False
        if earlier.start <= position:
            return True
    return False


def _it(mention: Mention, people: ArticleSpeakers, unnamed: tuple[int, Resolved], ctx: Context) -> Resolved:
    """ “It added”: the organisation or description that spoke just before
    ("…,” the company wrote. It added …), else the organisation last named."""
    position, speaker = unnamed
    if 0 <= mention.start - position <= IT_LOOKBACK:
        return speaker
    return _speaker_of(mention, people, ctx)


IT_LOOKBACK = 400  # characters: about a paragraph


def _of_person(person: Person, title: str | None = None, owner: str | None = None) -> Resolved:
    """A resolved person; the mention's own title wins over the article's earlier one."""
    if title:
        return Resolved(person.name, title, person.kind, owner)
    return Resolved(person.name, person.title, person.kind, person.affiliation)


def _title_run_apart(mention: Mention) -> Mention:
    """A long capitalised run split where its first name starts: "New York City
    Public Advocate Trish James" is Trish James, titled by what stands before."""
    words = mention.name.split()
    if mention.kind != "person" or len(words) < 4:
        return mention
    for i in range(1, len(words) - 1):
        if words[i][:1].isupper() and is_first_name(words[i]):  # not "de" in "Clara de la Cruz"
            name = " ".join(words[i:])
            title = mention.text[:mention.text.rindex(name)].strip() if name in mention.text else mention.title
            return replace(mention, name=name, title=title or mention.title)
    return mention


def _speaker_of(mention: Mention, people: ArticleSpeakers, ctx: Context) -> Resolved:
    """Who the mention names, as far as the article tells."""
    if mention.kind == "person" and mention.name:
        mention = _title_run_apart(mention)
    if mention.kind in ("person", "organisation") and mention.name:
        person = None
        if mention.kind == "person" and (len(mention.name.split()) == 1 or mention.name[:1].islower()):
            person = people.full_name(mention.name, mention.start)
        if person is None:
            person = people.note(mention)
        else:
            people.note(Mention(mention.start, mention.end, mention.text, "person", name=person.name,
                                title=mention.title, gender=mention.gender, owner=mention.owner))
        if person is None:
            return Resolved(None, mention.title, mention.kind, mention.owner)
        return _of_person(person, mention.title, mention.owner)
    if mention.kind == "pronoun":
        if mention.gender == "n":  # "it said": the organisation that opens its sentence, or last named
            subject = _organisation_opening_sentence(ctx, mention)
            if subject is not None:
                return _speaker_of(subject, people, ctx)
            org = people.last_organisation(mention.start)
            return _of_person(org) if org else Resolved()
        if mention.gender == "p" and mention.text.casefold() == "they":
            group = _plural_subject_before(people.text, mention)
            return _speaker_of(group, people, ctx) if group else Resolved()
        if mention.gender == "r":  # "Santilli, who responds": the name just before
            named = people.nearest(mention.start)
            if named:
                return _of_person(named)
            before = _phrase_before_relative(people.text, mention.start)
            return _speaker_of(before, people, ctx) if before else Resolved()
        if mention.gender in ("m", "f", None):
            subject = _sentence_subject_before(ctx, mention)
            if subject is not None:  # "Trump at the time said he’d asked …"
                named = _speaker_of(subject, people, ctx)
                gender = first_name_gender(named.name) if named.name else None
                if named.name and not (mention.gender and gender and gender != mention.gender):
                    return named  # not when "Fiorina" turned out to be Frank and the pronoun "she"
            person = people.last_fitting(mention.start, mention.gender)
            if person is not None:
                if mention.gender and not person.gender:
                    person.gender = mention.gender
                return _of_person(person)
        return Resolved()
    if mention.kind == "role":
        role_words, anaphoric = _role_words(mention.title or mention.text)
        person = people.with_title(role_words, mention.start)
        if person is not None:  # "the president": the title as the article first gave it
            return _of_person(person)
        if definite(mention) and anaphoric:
            person = people.last_fitting(mention.start, mention.gender)
        if person is not None:
            return _of_person(person, mention.title, mention.owner)
        return _described(mention)
    if mention.kind == "description":
        return _described(mention)
    if mention.kind == "document":  # "the statement said": whoever issued it
        owner = _owner_mention(mention)
        if owner is not None:  # "Ivana Trump's brief said": hers
            return _speaker_of(owner, people, ctx)
        issuer = people.last_named(mention.start)
        return _of_person(issuer) if issuer else _described(mention)
    if mention.kind == "organisation":
        noun = (mention.title or mention.text).split()[-1]
        # The organisation named with that noun, else the last one named ("the
        # group said" after "Velmora Harbour Watch announced ...").
        org = people.organisation(noun, mention.start) or (
            people.last_organisation(mention.start) if definite(mention) else None)
        if org:
            return Resolved(org.name, None, "organisation", mention.owner)
        # "the Clinton campaign" names an organisation; a bare "the ministry" does
        # not, and must not become one speaker shared by every ministry.
        if mention.title and mention.title[:1].isupper():
            return Resolved(mention.title, None, "organisation", mention.owner)
        return _described(mention)
    return Resolved()


def _owner_mention(mention: Mention) -> Mention | None:
    """The owner named in a document's phrase ("Ivana Trump's brief"), as a mention."""
    if not mention.owner:
        return None
    at = mention.text.find(mention.owner)
    if at < 0:
        return None
    start = mention.start + at
    kind = "organisation" if is_organisation(mention.owner) else "person"
    return Mention(start, start + len(mention.owner), mention.owner, kind, name=mention.owner, name_start=start)


_SENTENCE_BREAK = regex.compile(r"(?r)[.!?]['’\"”)]*[ \t\u00a0]+|\n")
SENTENCE_REACH = 300  # characters a pronoun's sentence is looked back for


def _subject_starts(ctx: Context, pronoun: Mention) -> list[int]:
    """Where the subject of the pronoun's sentence may start, when the pronoun
    comes later in it: the sentence's start, after a subordinator that opens
    it ("When Trump announced …, he …"), after an introduction ("And in those
    last nights, Fiorina wrote, she …")."""
    text = ctx.text
    paragraph = ctx.paragraph_start(pronoun.start)
    floor = max(paragraph, pronoun.start - SENTENCE_REACH)
    start = ctx.sentence_start(pronoun.start, floor)
    if start >= pronoun.start or (start == floor and floor > paragraph):
        return []  # the pronoun opens its sentence, or the sentence runs too long to tell
    opener = sentence_opener().match(text, start, pronoun.start)  # "Later Hallstrom said …"
    if opener:
        start = opener.end()
    starts = [start]
    clause = _SUBORDINATOR.match(text, start, pronoun.start)
    if clause:
        starts.append(clause.end())
    comma = _INTRO_COMMA.search(text, start, pronoun.start)
    if comma:
        starts.append(comma.end())
    return starts


def _organisation_opening_sentence(ctx: Context, pronoun: Mention) -> Mention | None:
    """The organisation that opens the sentence of a later "it": "The Security
    Council on Friday condemned the test, which it called “a clear threat”"."""
    for start in _subject_starts(ctx, pronoun):
        found = phrase_after(ctx.text, start, pronoun.start)
        if found is not None and found.kind == "organisation" \
                and _VERB_AFTER_SUBJECT.match(ctx.text, found.end, pronoun.start):
            return found
    return None


def _sentence_subject_before(ctx: Context, pronoun: Mention) -> Mention | None:
    """The named person who opens the pronoun's sentence, when the pronoun
    comes later in it and its gender does not rule them out: in "Trump at the
    time said he’d asked …" he is Trump, whoever the article named last."""
    text = ctx.text
    for start in _subject_starts(ctx, pronoun):
        found = patterns()["name"].match(text, start, pronoun.start)
        if found is not None and _VERB_AFTER_SUBJECT.match(text, found.end(), pronoun.start):
            break
    else:
        return None
    title, name = split_title(clean_name(found.group()))
    if title is None:
        title, name = common_word_title(name, text)
    words = name.split()
    if not words or is_organisation(name) or (len(words) == 1 and (
            not _proper_word(words[0], text) or words[0].endswith("ing"))):
        return None  # "Perhaps, he said", "Marking the moment, he ..."
    honorific = lexicon.mapping("honorifics").get(title or "")
    gender = honorific if honorific in ("m", "f") else first_name_gender(name)
    if pronoun.gender and gender and gender != pronoun.gender:
        return None
    return Mention(found.start(), found.end(), found.group(), "person", name=name, title=title)


_SUBORDINATOR = regex.compile(lexicon.alternation("subordinators") + r"[ \t\u00a0]+")
# An introduction ends at the first comma (and blanks) after a run of other
# characters: where a search of r"[^,\n\"“”]{1,60}?,[ \t\u00a0]+" ends (only
# the end is read), without trying 60 lengths at every position of the run.
_INTRO_COMMA = regex.compile(r"(?:\G|(?<![^,\n\"“”]))[^,\n\"“”]++,[ \t\u00a0]+")


# A plural group opening a sentence: "Senate Democrats", "the groups", "Protesters".
_PLURAL_GROUP = regex.compile(
    r"(?:(?:[Tt]he|[Mm]any|[Ss]ome|[Tt]wo|[Tt]hree|[Ss]everal|[Mm]ost)[ \t\u00a0]+)?"
    r"(?:[\p{L}\-]+[ \t\u00a0]+){0,3}?[\p{L}\-]+s(?![\p{L}])")


def _plural_subject_before(text: str, pronoun: Mention) -> Mention | None:
    """The group that opens the sentence of a later "they" ("Senate Democrats
    blocked the bill because they said …"), or of the sentence before when
    "they" opens its own, as a description or an organisation."""
    floor = max(0, pronoun.start - 400)
    starts = [b.end() for b in _SENTENCE_BREAK.finditer(text, floor, pronoun.start)][:2]
    if len(starts) < 2 and floor == 0:
        starts.append(0)  # the article's first sentence
    if starts and starts[0] == pronoun.start:
        starts = starts[1:]  # "They" opens its sentence: the sentence before
    for start in starts[:1]:
        opener = sentence_opener().match(text, start, pronoun.start)
        start = opener.end() if opener else start
        group = _PLURAL_GROUP.match(text, start, pronoun.start)
        if group is None or not _VERB_AFTER_SUBJECT.match(text, group.end(), pronoun.start):
            continue
        words = group.group().split()
        if words[-1].casefold() in lexicon.words("time_nouns") or any(
                w.casefold() in lexicon.words("function_words") for w in words):
            continue  # "As they made their way", "Two weeks later they"
        kind = "organisation" if is_organisation(group.group()) else "description"
        return Mention(group.start(), group.end(), group.group(), kind,
                       name=group.group() if kind == "organisation" else None)
    return None


# After a sentence's subject: a verb, perhaps after an adverb or an aside.
_VERB_AFTER_SUBJECT = regex.compile(r"(?:,[^,\n]{1,80},)?[ \t\u00a0]+(?:\p{Ll}+ly[ \t\u00a0]+)?\p{Ll}")


def _proper_word(word: str, text: str) -> bool:
    """A one-word name the article also writes mid-sentence, and no common word."""
    return not not_a_name_word(word) and word in names_mid_sentence(text)


_RELATIVE_GAP = regex.compile(r"[ \t\u00a0]*,?[ \t\u00a0]*\Z")


def _phrase_before_relative(text: str, position: int) -> Mention | None:
    """The name a relative "who" follows ("Trump, who has called …") when the
    article's name scan did not list it (a surname on its own)."""
    gap = _RELATIVE_GAP.search(text, max(0, position - 4), position)
    mention = subject_before(text, gap.start(), floor=max(0, position - 200)) if gap else None
    return mention if mention is not None and mention.kind in ("person", "organisation") else None


def _described(mention: Mention) -> Resolved:
    """A speaker the article describes but never names ("a senior official",
    "the ministry"): the description as written is what a reader learns, so it
    is the speaker, of kind "description", which joins no speaker record."""
    return Resolved(mention.text.strip(" ,;:"), mention.title, DESCRIPTION, mention.owner)
