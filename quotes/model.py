"""The plain data that flows between the stages of the pipeline."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field


def content_id(*parts: str | None, length: int = 16) -> str:
    """A deterministic id: the same inputs always give the same id."""
    # surrogatepass: a str may hold lone surrogates (JSON's "\ud800"); it still has an id.
    digest = hashlib.sha1("\x1f".join(p or "" for p in parts).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:length]


@dataclass
class Article:
    """One news article as read: `text` is what every offset indexes."""

    text: str
    id: str = ""
    url: str | None = None
    title: str | None = None
    source: str | None = None
    published: str | None = None  # ISO 8601 date or datetime, as given
    path: str | None = None  # the file (and line) it came from, for messages

    def __post_init__(self) -> None:
        if not self.id:
            # The url identifies an article across re-scrapes; the text otherwise.
            self.id = content_id(self.url) if self.url else content_id(self.text)


@dataclass
class Mark:
    """A quoted passage found by the mark scanner: text[start:end] includes the marks."""

    start: int
    end: int
    closed: bool = True  # False when the passage ran to a paragraph end unclosed

    @property
    def inner(self) -> tuple[int, int]:
        return self.start + 1, self.end - 1 if self.closed else self.end


@dataclass
class Mention:
    """A span of text that can name a speaker: a name, organisation, pronoun or role noun."""

    start: int
    end: int
    text: str
    kind: str  # "person", "organisation", "pronoun", "role", "document", "description"
    name: str | None = None  # canonical name once known
    title: str | None = None  # title or role held, kept apart from the name
    gender: str | None = None  # "m", "f"; for pronouns also "n" (it), "p" (they, we), "r" (who)
    owner: str | None = None  # possessive affiliation: "Iraq" in "Iraq's President ..."
    name_start: int | None = None  # where the name begins, after titles


@dataclass
class Quote:
    """A quoted passage and who said it. text == article.text[start:end]."""

    start: int
    end: int
    text: str
    speaker: str | None = None  # canonical name, or None when unresolved
    speaker_start: int | None = None  # the mention that carries the attribution
    speaker_end: int | None = None
    mention: str | None = None  # that mention as written ("he", "Masum")
    title: str | None = None
    affiliation: str | None = None  # possessive affiliation written with the title ("Iraq")
    speaker_kind: str | None = None  # "person", "organisation" or "description" (unnamed)
    cue: str | None = None  # the reporting verb as written
    cue_start: int | None = None
    cue_end: int | None = None
    sieve: str | None = None  # the rule that attributed the quote
    confidence: float | None = None
    extra: dict = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("extra")
        return data
