"""Within one article, turn mentions into canonical speakers.

A surname ("Masum") or a role noun ("the president") resolves to the full
name used for the same person in the article; a pronoun resolves to the
last named speaker whose gender fits. Gender comes from honorifics, the
pronouns already attributed to a name, role nouns and first names.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field, fields
from functools import cache, lru_cache

import regex
from nameparser import HumanName

from . import lexicon
from .mentions import (clean_name, common_word_title, find_longer_names, is_organisation, lowercase_words,
                       split_title)
from .identity import normalise as _normalise
from .model import Mention


@dataclass
class Person:
    name: str
    kind: str
    position: int  # where the article last named them
    title: str | None = None
    affiliation: str | None = None  # "Iraq" for "Iraq's President ..."
    gender: str | None = None
    titles: list[str] = field(default_factory=list)


@cache
def _gender_detector():
    try:
        import gender_guesser.detector as detector
    except ImportError:  # optional: genders then come from honorifics and pronouns
        return None
    return detector.Detector(case_sensitive=False)


@lru_cache(maxsize=65536)
def is_first_name(word: str) -> bool:
    """Whether the word is a given name the first-name data knows ("Trish")."""
    detector = _gender_detector()
    return detector is not None and len(word) > 1 and detector.get_gender(word) != "unknown"


@lru_cache(maxsize=65536)  # names recur across articles
def first_name_gender(name: str) -> str | None:
    """"m" or "f" from a full name's first name (nameparser finds it past titles
    and initials: "Dr. J. Maria Lopez" -> Maria), None when unknown."""
    given_names = _given_names(name)
    if given_names is None:
        return None
    detector = _gender_detector()
    if detector is None:
        return None
    for given in given_names:
        given = given.strip(".")
        if len(given) > 1:
            guess = detector.get_gender(given)
            # "mostly" tells too little: Bernie Sanders and Lindsey Graham are
            # "mostly_female" in the data, and a wrong gender hides the speaker.
            return {"male": "m", "female": "f"}.get(guess)
    return None


def _given_names(name: str) -> tuple[str, ...] | None:
    """The first and middle names of a full name as nameparser reads them,
    None when it finds no family name or no given name. Parsing costs about
    0.2 ms; a plain "Ana Ruiz", two capitalised words in none of nameparser's
    word lists, is its first and last name without it."""
    words = name.split(" ")
    if len(words) == 2 and all(map(_plain_name_word, words)):
        return (words[0],)
    parsed = HumanName(name)
    if not parsed.last or not (parsed.first or parsed.middle):
        return None
    return (parsed.first, *parsed.middle.split())


_CAPITALISED = regex.compile(r"[A-Z][a-z]+")
_ROMAN_NUMERAL = regex.compile(r"[IVXivx]+")  # "Vi" may be a suffix, as VI


def _plain_name_word(word: str) -> bool:
    """A capitalised a-z word that nameparser knows nothing about: no title,
    suffix, particle, conjunction, ... ("Sister", "Van", "Jr" are)."""
    vocabulary = _nameparser_words()
    return vocabulary is not None and bool(_CAPITALISED.fullmatch(word)) \
        and not _ROMAN_NUMERAL.fullmatch(word) and word.lower() not in vocabulary


@cache
def _nameparser_words() -> frozenset[str] | None:
    """Every word in nameparser's word lists, lower case; None for a
    nameparser before 2.0, which does not list them in one place."""
    try:
        from nameparser import Lexicon
    except ImportError:
        return None
    lexicon = Lexicon.default()
    words = set()
    for listed in fields(lexicon):
        entries = getattr(lexicon, listed.name)
        if isinstance(entries, (frozenset, tuple)):
            for entry in entries:  # a word, a phrase, or a (word, spelling) pair
                for text in (entry if isinstance(entry, tuple) else (entry,)):
                    if isinstance(text, str):
                        words.update(text.lower().replace("-", " ").replace(".", " ").split())
    return frozenset(words)


# Names recur within and across articles; normalising one is costly.
normalise = lru_cache(maxsize=65536)(_normalise)


# How many names back (or ahead) a pronoun, role noun or organisation noun may
# look for what it means: more than any article needs, and a bound on the cost.
LOOKAROUND = 60


class ArticleSpeakers:
    """The people and organisations an article names, in reading order."""

    def __init__(self, text: str):
        self.text = text
        self._by_key: dict[str, Person] = {}
        # first and last word of every longer name -> [(position, person)], sorted,
        # so that a surname finds its full name without walking the article.
        self._by_word: dict[str, list[tuple[int, Person]]] = {}
        # (position, person, salient) for every time the article names someone, in
        # order; salient when the name is a sentence's subject or a quote's speaker.
        self.occurrences: list[tuple[int, Person, bool]] = []
        honorifics = lexicon.mapping("honorifics")
        # A one-word name has no title either (a title is followed by a blank,
        # see split_title): nobody to note.
        for match in find_longer_names(text):
            title, name = split_title(clean_name(match.group()))
            if title is None:
                title, name = common_word_title(name, text)
            honorific = honorifics.get(title or "")
            if len(name.split()) >= 2 or (title and len(name.split()) == 1 and name[:1].isupper()):
                owner = _OWNER_BEFORE.search(text, max(0, match.start() - 60), match.start()) \
                    if title and not honorific else None
                self.note(Mention(match.start(), match.end(), match.group(), "person",
                                  name=name, title=title if not honorific else None,
                                  gender=honorific if honorific in ("m", "f") else None,
                                  owner=owner.group("owner") if owner else None),
                          salient=_opens_sentence(text, match.start()))
        self.occurrences.sort(key=lambda item: item[0])

    def note(self, mention: Mention, salient: bool = True) -> Person | None:
        """Record a named mention; return the person or organisation it names."""
        if not mention.name:
            return None
        kind = "organisation" if is_organisation(mention.name) else mention.kind
        if kind not in ("person", "organisation"):
            return None
        key = normalise(mention.name)
        person = self._by_key.get(key)
        if person is None:
            person = Person(mention.name, kind, mention.start)
            self._by_key[key] = person
        person.position = mention.start
        if self.occurrences and self.occurrences[-1][0] > mention.start:
            bisect.insort(self.occurrences, (mention.start, person, salient), key=lambda item: item[0])
        else:
            self.occurrences.append((mention.start, person, salient))
        words = key.split()
        if len(words) >= 2:
            for word in {words[0], words[-1]}:
                named = self._by_word.setdefault(word, [])
                if named and named[-1][0] > mention.start:
                    bisect.insort(named, (mention.start, person), key=lambda item: item[0])
                else:  # in reading order, as the article's own names come
                    named.append((mention.start, person))
        if mention.title and mention.title not in person.titles:
            person.titles.append(mention.title)
            person.title = mention.title
            person.affiliation = mention.owner or person.affiliation
        if mention.gender and not person.gender:
            person.gender = mention.gender
        return person

    def _before(self, position: int):
        """The occurrences before position, nearest first, and those after it,
        each at most LOOKAROUND of them: resolution stays linear in the article."""
        index = bisect.bisect_left(self.occurrences, position, key=lambda item: item[0])
        occurrences = self.occurrences
        earlier = (occurrences[j] for j in range(index - 1, max(-1, index - 1 - LOOKAROUND), -1))
        later = (occurrences[j] for j in range(index, min(len(occurrences), index + LOOKAROUND)))
        return earlier, later

    def full_name(self, short: str, position: int) -> Person | None:
        """The person a short name points to ("Masum", "van Heerveld"): the
        nearest earlier longer name that ends with it, else the first later
        one; only where none ends with it, one that starts with it the same way."""
        short_words = normalise(short).split()
        size = len(short_words)

        def fits_at(end: bool):
            def fits(person: Person) -> bool:
                words = normalise(person.name).split()
                return len(words) > size and (words[-size:] if end else words[:size]) == short_words
            return fits

        # A surname ends the full name; only where none does is a name that
        # starts with it taken ("Xi" of "Xi Jinping"), so "Trump" is not "Trump Tower".
        for fits in (fits_at(end=True), fits_at(end=False)):
            best_earlier, best_later = None, None
            for word in {short_words[0], short_words[-1]}:
                named = self._by_word.get(word, [])
                index = bisect.bisect_left(named, position, key=lambda item: item[0])
                earlier = next((item for item in reversed(named[max(0, index - LOOKAROUND):index])
                                if fits(item[1])), None)
                later = next((item for item in named[index:index + LOOKAROUND] if fits(item[1])), None)
                if earlier and (best_earlier is None or earlier[0] > best_earlier[0]):
                    best_earlier = earlier
                if later and (best_later is None or later[0] < best_later[0]):
                    best_later = later
            found = best_earlier or best_later
            if found:
                return found[1]
        return None

    def last_fitting(self, position: int, gender: str | None) -> Person | None:
        """The person a pronoun or a definite role points back to: the last
        salient person named before position whose gender fits, else the last
        person of any kind whose gender fits."""
        earlier, _ = self._before(position)
        fallback = None
        for _, person, salient in earlier:
            if person.kind != "person" or (fallback is not None and not salient):
                continue  # (a later fallback changes nothing: its gender need not be found)
            if gender in ("m", "f") and _gender_of(person) not in (None, gender):
                continue
            if gender in ("m", "f") and not self._may_be_someone(person):
                continue  # "she" is not "the Great Recession"
            if salient:
                return person
            fallback = person
        return fallback

    def _may_be_someone(self, person: Person) -> bool:
        """Whether a "person" the name scan found may be a he or a she: not when
        its first word is a common word the article also writes in lower case
        and no first name ("Great Recession", "Second Amendment", "Star Wars")."""
        words = person.name.split()
        if len(words) == 1 or _gender_of(person) is not None or person.titles:
            return True
        first = words[0]
        if not (first[:1].isupper() and first[1:].islower()) or is_first_name(first):
            return True
        # (not its plural: "Whit" is a name though the article writes "whites")
        return not lowercase_words(self.text).holds(first.casefold(), plural=False)

    def last_named(self, position: int) -> Person | None:
        """The salient person or organisation last named before position."""
        earlier, _ = self._before(position)
        for _, person, salient in earlier:
            if salient or person.kind == "organisation":
                return person
        return None

    def nearest(self, position: int, within: int = 120) -> Person | None:
        """The person or organisation named last before position, if close: who
        a relative "who" stands for. A place is no one ("Braynard, a South
        Carolina native who writes" is not South Carolina)."""
        earlier, _ = self._before(position)
        for start, person, _salient in earlier:
            if position - start > within or person.name in lexicon.words("places"):
                return None
            return person
        return None

    def last_organisation(self, position: int) -> Person | None:
        """The organisation last named before position ("it said")."""
        earlier, _ = self._before(position)
        for _, person, _salient in earlier:
            if person.kind == "organisation":
                return person
        return None

    def with_title(self, role_words: tuple[str, ...], position: int) -> Person | None:
        """The person last named before position with a title holding the role
        noun, or all of the role's words ("secretary", "state": not "State
        Sen."), or nothing but some of them (a title the name scan cut short:
        "State" of "Secretary of State")."""
        words = {w.casefold() for w in role_words}
        earlier, _ = self._before(position)
        for _, person, _salient in earlier:
            if any(words <= roles or (len(words) > 1 and roles <= words)
                   for roles in map(_title_roles, person.titles)):
                return person
        return None

    def organisation(self, noun: str, position: int) -> Person | None:
        """The organisation named before position whose name holds the noun."""
        noun = normalise(noun)
        earlier, _ = self._before(position)
        for _, person, _salient in earlier:
            if person.kind == "organisation" and noun in normalise(person.name):
                return person
        return None


_OWNER_BEFORE = regex.compile(r"(?P<owner>\p{Lu}[\p{L}\.\-]*(?:[ \t]+\p{Lu}[\p{L}\.\-]*){0,3})['’]s?[ \t]+\Z")


def _gender_of(person: Person) -> str | None:
    """The person's gender as the article tells it, else from the first name;
    looked up only when a pronoun asks, since most people are never referred to."""
    if person.gender is None and person.kind == "person":
        return first_name_gender(person.name)  # cached: cheap when asked again
    return person.gender


def _opens_sentence(text: str, pos: int) -> bool:
    """True when pos starts a sentence or paragraph: the subject position."""
    before = text[max(0, pos - 3):pos].rstrip(" \t\u00a0")
    return not before or before[-1] in ".!?\n\"”:"


def _title_roles(title: str) -> set[str]:
    """The role nouns a title answers to: "Sen." -> senator, "campaign manager" -> manager."""
    roles = set(title.casefold().replace("-", " ").split())
    titles = lexicon.mapping("titles")
    for word in [title, *title.split()]:
        if titles.get(word):
            roles.add(titles[word])
    return roles
