"""The attributor: marks -> sieves -> speakers, for one article."""

from __future__ import annotations

from functools import cache

from . import lexicon
from .context import Context
from .marks import find_marks
from .mentions import definite
from .model import Article, Mention, Quote
from .sieves import SIEVES
from .speakers import ArticleSpeakers


@cache
def _confidence() -> dict[str, float]:
    """Each sieve's speaker accuracy measured on the train split (lexicon/sieve_confidence.txt)."""
    return {row[0]: float(row[1]) for row in lexicon.rows("sieve_confidence")}


@cache
def _anaphoric_roles() -> frozenset[str]:
    return frozenset(row[0].split()[-1] for row in lexicon.rows("role_nouns") if row[-1] == "a")


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
    _resolve(ctx, ArticleSpeakers(text))
    return ctx.quotes


def _resolve(ctx: Context, people: ArticleSpeakers) -> None:
    """Fill each quote's speaker, title and cue from its attribution, in reading order."""
    resolved: dict[int, tuple] = {}  # id(mention) -> (name, title, kind), shared by borrowers
    for quote, found in zip(ctx.quotes, ctx.attributions):
        if found is None:
            continue
        mention = found.mention
        key = id(mention)
        if key not in resolved:
            resolved[key] = _speaker_of(mention, people)
        name, title, kind = resolved[key]
        quote.speaker, quote.title, quote.speaker_kind = name, title, kind
        quote.speaker_start, quote.speaker_end, quote.mention = mention.start, mention.end, mention.text
        quote.cue, quote.cue_start, quote.cue_end = found.cue, found.cue_start, found.cue_end


def _speaker_of(mention: Mention, people: ArticleSpeakers):
    """(canonical name, title, kind) for a mention, or (None, title, kind) if unresolved."""
    if mention.kind in ("person", "organisation") and mention.name:
        person = None
        if mention.kind == "person" and (len(mention.name.split()) == 1 or mention.name[:1].islower()):
            person = people.full_name(mention.name, mention.start)
        if person is None:
            person = people.note(mention)
        else:
            people.note(Mention(mention.start, mention.end, mention.text, "person", name=person.name,
                                title=mention.title, gender=mention.gender))
        if person is None:
            return None, mention.title, mention.kind
        return person.name, mention.title or person.title, person.kind
    if mention.kind == "pronoun":
        if mention.gender == "n":  # "it said": the organisation last named
            org = people.last_organisation(mention.start)
            return (org.name, None, "organisation") if org else (None, None, None)
        if mention.gender in ("m", "f", None):
            person = people.last_fitting(mention.start, mention.gender)
            if person is not None:
                if mention.gender and not person.gender:
                    person.gender = mention.gender
                return person.name, person.title, "person"
        return None, None, None
    if mention.kind == "role":
        role = (mention.title or mention.text).split()[-1].casefold()
        person = people.with_title(role, mention.start)
        if person is not None:  # "the president": the title as the article first gave it
            return person.name, person.title or mention.title, person.kind
        if definite(mention) and role in _anaphoric_roles():
            person = people.last_fitting(mention.start, mention.gender)
        if person is not None:
            return person.name, mention.title, person.kind
        return None, mention.title, "person"
    if mention.kind == "document":  # "the statement said": whoever issued it
        issuer = people.last_named(mention.start)
        return (issuer.name, mention.title, issuer.kind) if issuer else (None, mention.title, None)
    if mention.kind == "organisation":
        noun = (mention.title or mention.text).split()[-1]
        org = people.organisation(noun, mention.start)
        return (org.name if org else mention.title), None, "organisation"
    return None, None, None
