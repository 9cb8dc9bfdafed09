"""Who a speaker is across articles: the identity key of a speaker's name.

The attributor names a speaker within one article. The store keeps one record
per speaker across articles, keyed on the name with everything that varies
from article to article taken away: titles and honorifics ("Retired Lt. Gen.",
"Mr."), descriptors ("campaign manager", "Republican"), a possessive
affiliation ("Iraq's"), diacritics, case, dots, apostrophes and hyphens.
Organisations are keyed on their normalised name without a leading "the".

    >>> parse("Iraq's President Fuad Masum")
    Name(name='Fuad Masum', title='President', affiliation='Iraq')
    >>> key("Fuad Ma'sum") == key("President Fuad Masum") == key("FUAD MASUM")
    True

A bare surname is never keyed across articles by itself when its article
quotes the full name (:func:`within_article`); two people sharing a surname
keep their own full names and so their own keys. People's decisions (merge,
rename, kind) are replayed over these keys by :class:`Curation`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache

import regex

from . import lexicon
from .model import Quote, content_id

PERSON, ORGANISATION = "person", "organisation"
KINDS = (PERSON, ORGANISATION)
DESCRIPTION = "description"  # an unnamed speaker ("a senior official"): never a speaker record
_SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})
_DETERMINERS = frozenset({"the", "a", "an", "another", "one", "his", "her", "its", "their", "our"})
_DROPPED = str.maketrans({".": "", "'": "", "’": "", "‘": "", "-": " ", "‐": " ", "–": " "})
# "Iraq's President ...": up to four capitalised words and a possessive.
_POSSESSIVE = regex.compile(
    r"\A(?P<owner>(?:\p{Lu}[\p{L}\p{M}.\-]*|U\.S\.)(?:[ ](?:\p{Lu}[\p{L}\p{M}.\-]*)){0,3})['’]s?[ ](?P<rest>.+)\Z"
)


@dataclass(frozen=True)
class Name:
    """A speaker's name apart from what was written around it."""

    name: str
    title: str | None = None
    affiliation: str | None = None


@dataclass(frozen=True)
class Identity:
    """Who one quote's speaker is across articles."""

    id: str
    name: str  # display name: the parsed name as written in this article
    kind: str
    title: str | None = None  # recovered from the name when the quote had none
    affiliation: str | None = None


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Casefold, strip diacritics, drop dots and apostrophes, hyphens to blanks.

    "José  Ramos-Horta" -> "jose ramos horta"; "U.S." -> "us"; "O’Neill" -> "oneill".
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().translate(_DROPPED).split())


@cache
def _vocabulary() -> dict[str, object]:
    titles = lexicon.words("titles") | lexicon.words("honorifics")
    return {
        "titles": titles,
        "honorifics": lexicon.words("honorifics"),
        "modifiers": lexicon.words("title_modifiers"),
        "roles": frozenset(r for r in lexicon.words("role_nouns") if " " not in r),
        "particles": lexicon.words("name_particles"),
        "longest": max(len(t.split()) for t in titles),
    }


def _title_length(tokens: list[str], i: int) -> int:
    """How many tokens from i form a title: modifiers, then a listed title or honorific."""
    vocabulary = _vocabulary()
    j = i
    while j < len(tokens) and tokens[j] in vocabulary["modifiers"]:
        j += 1
    for size in range(min(vocabulary["longest"], len(tokens) - j), 0, -1):
        if " ".join(tokens[j:j + size]) in vocabulary["titles"]:
            return j + size - i
    return 0


def _is_particle(token: str) -> bool:
    particles = _vocabulary()["particles"]
    return token in particles or token.split("-")[0] in particles


def _starts_name(tokens: list[str]) -> bool:
    """True when tokens can be a name: capitalised or particle-led, not a bare suffix."""
    if not tokens or all(t in _SUFFIXES for t in tokens):
        return False
    first = tokens[0]
    return first[:1].isupper() or _is_particle(first)


def _descriptor_length(tokens: list[str], i: int) -> int:
    """1 when tokens[i] describes rather than names: "campaign", or a role noun
    capitalised before a full name ("Republican Donald Trump")."""
    token = tokens[i]
    if token[:1].islower() and not _is_particle(token):
        return 1
    if token.casefold() in _vocabulary()["roles"] and len(tokens) - i - 1 >= 2:
        return 1
    return 0


@lru_cache(maxsize=65536)  # the same few thousand names recur across a corpus
def parse(raw: str, kind: str | None = PERSON) -> Name:
    """Split a speaker name as the attributor gave it into name, title and affiliation.

    The name starts after the last title or descriptor that a name follows
    ("Texas Sen. Ted Cruz" -> Ted Cruz, "Texas Sen."). Honorifics are dropped
    from the title. Organisations lose only a leading "the".
    """
    text = " ".join(raw.split()).strip(" ,;:")
    if kind == ORGANISATION:
        words = text.split(" ")
        if len(words) > 1 and words[0].casefold() == "the":
            text = " ".join(words[1:])
        return Name(text)
    affiliation = None
    owned = _POSSESSIVE.match(text)
    if owned and _starts_name(owned.group("rest").split()[-1:]):
        affiliation, text = owned.group("owner"), owned.group("rest")
    tokens = text.split(" ")
    cut = i = 0
    while i < len(tokens):
        size = _title_length(tokens, i) or _descriptor_length(tokens, i)
        if size and _starts_name(tokens[i + size:]):
            cut = i + size
        i += max(size, 1)
    honorifics = _vocabulary()["honorifics"]
    title = " ".join(t for t in tokens[:cut] if t not in honorifics)
    return Name(" ".join(tokens[cut:]), title or None, affiliation)


@lru_cache(maxsize=65536)
def key(name: str, kind: str | None = PERSON) -> str:
    """The identity key of a speaker name: equal keys, same speaker (of one kind)."""
    return normalise(parse(name, kind).name)


def lookup_key(text: str, kind: str | None = PERSON) -> str:
    """The key of a name as a person types it: "president tereza novak" finds
    Tereza Novák although titles are recognised by their capitals."""
    if text == text.lower() or text == text.upper():
        text = " ".join(word[:1].upper() + word[1:].lower() for word in text.split())
    return key(text, kind)


@lru_cache(maxsize=65536)
def speaker_id(name: str, kind: str | None = PERSON) -> str:
    """One id per speaker across articles, from the key of the name and the kind."""
    kind = kind or PERSON
    return content_id(key(name, kind), kind)


def is_proper(name: str) -> bool:
    """A name names someone; "company" or "editorial board" (no capital) does not."""
    return any(c.isupper() for c in name)


@lru_cache(maxsize=65536)  # "he", "she" and a few thousand names, over and over
def alias(mention: str | None) -> str | None:
    """The mention as a surface form of a name, without a leading article.

    Pronouns ("she") and role nouns ("the minister") are not aliases:
    "the Pentagon" -> "Pentagon", "Iraq's President Fuad Masum" is kept whole.
    """
    if not mention:
        return None
    words = mention.split()
    if len(words) > 1 and words[0].casefold() in _DETERMINERS:
        words = words[1:]
    text = " ".join(words).strip(" ,;:")
    if not any(c.isupper() for c in text) or text.casefold() in _pronouns():
        return None
    return text


@cache
def _pronouns() -> frozenset[str]:
    return frozenset(w.casefold() for w in lexicon.words("pronouns"))


def within_article(quotes: list[Quote]) -> list[Identity | None]:
    """The identity of each quote's speaker, the quotes all from one article.

    A short name ("Masum", "de Blasio", "task force") whose words end exactly
    one longer name of the same kind quoted in the same article is that
    speaker; with two candidates ("Clinton" beside Hillary and Bill Clinton) it
    has no identity, and neither has a speaker without a proper name
    ("ministry") that names nobody in the article: their quotes keep the
    mention but join no speaker record.
    """
    named = {(q.speaker, _kind(q)) for q in quotes if _named(q)}
    if not named:
        return [None] * len(quotes)
    found = {item: _identity(*item) for item in named}
    if len(found) > 1:  # short names stand for the one longer name they end
        longest = {}
        for who, words in found.values():
            if who is not None:
                longest.setdefault((who.kind, words), who)
        for (raw, kind), (who, words) in found.items():
            longer = [full for (k, other), full in longest.items()
                      if k == kind and len(other) > len(words) and other[-len(words):] == words]
            if len(longer) == 1:  # "Masum"; "task force" for the Joint Flood Task Force
                title, affiliation = (who.title, who.affiliation) if who else (None, None)
                found[(raw, kind)] = (replace(longer[0], title=title, affiliation=affiliation), words)
            elif longer:  # "Clinton" beside two Clintons: nobody can tell which
                found[(raw, kind)] = (None, words)
    return [found[(q.speaker, _kind(q))][0] if _named(q) else None for q in quotes]


def _named(quote: Quote) -> bool:
    """Whether the quote's speaker has a name ("a senior official" has none)."""
    return bool(quote.speaker) and quote.speaker_kind != DESCRIPTION


@lru_cache(maxsize=65536)
def _identity(raw: str, kind: str) -> tuple[Identity | None, tuple[str, ...]]:
    """A speaker name's identity on its own, and the words of its key."""
    name = parse(raw, kind)
    words = tuple(normalise(name.name).split())
    if not is_proper(name.name):
        return None, words
    return Identity(content_id(" ".join(words), kind), name.name, kind, name.title, name.affiliation), words


def _kind(quote: Quote) -> str:
    return quote.speaker_kind if quote.speaker_kind in KINDS else PERSON


@dataclass
class Curation:
    """What people decided about speakers, replayed from the curation log.

    ``redirect`` sends a speaker id to the speaker it was merged into (or to
    the speaker that a renamed or re-kinded speaker's new name and kind now
    stand for); ``names`` and ``kinds`` override what the articles say.
    Every value of ``redirect`` leads, through at most a chain, to a speaker
    that is not redirected: entries only ever point at resolved ids.
    """

    redirect: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    def resolve(self, sid: str) -> str:
        """The speaker id that sid stands for after every decision."""
        while sid in self.redirect:
            sid = self.redirect[sid]
        return sid

    def curated(self, sid: str) -> bool:
        return sid in self.names or sid in self.kinds

    def overrides(self, sid: str) -> dict:
        """The speaker row fields people decided for sid, with its id."""
        fields = {"id": sid}
        if sid in self.names:
            fields["name"] = self.names[sid]
        if sid in self.kinds:
            fields["kind"] = self.kinds[sid]
        return fields

    @classmethod
    def replay(cls, entries) -> Curation:
        """Apply log entries (mappings with action, speaker_id, speaker_name,
        speaker_kind, target_id, name, kind), oldest first."""
        state = cls()
        for entry in entries:
            sid = state.resolve(entry["speaker_id"])
            kind = state.kinds.get(sid, entry["speaker_kind"])
            if entry["action"] == "merge":
                target = state.resolve(entry["target_id"])
                if target == sid:
                    continue
                state.redirect[sid] = target
                state.names.pop(sid, None)
                state.kinds.pop(sid, None)
                state.names[target], state.kinds[target] = entry["name"], entry["kind"]
            elif entry["action"] == "rename":
                state.names[sid] = entry["name"]
                state._claim(speaker_id(entry["name"], kind), sid)
            elif entry["action"] == "kind":
                state.kinds[sid] = entry["kind"]
                name = state.names.get(sid, entry["speaker_name"])
                state._claim(speaker_id(name, entry["kind"]), sid)
        return state

    def _claim(self, natural: str, sid: str) -> None:
        """Articles that name natural from now on mean sid."""
        if natural != sid and natural not in self.redirect:
            self.redirect[natural] = sid
