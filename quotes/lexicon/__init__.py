"""Word lists as data files: one entry a line, `#` starts a comment, TAB separates columns."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import regex

HERE = Path(__file__).parent


@cache
def rows(name: str) -> tuple[tuple[str, ...], ...]:
    """The rows of lexicon/<name>.txt, each a tuple of its TAB-separated columns."""
    result = []
    for line in (HERE / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            result.append(tuple(col.strip() for col in line.split("\t")))
    return tuple(result)


@cache
def words(name: str) -> frozenset[str]:
    """The first column of lexicon/<name>.txt as a set."""
    return frozenset(row[0] for row in rows(name))


@cache
def mapping(name: str) -> dict[str, str]:
    """lexicon/<name>.txt as {first column: second column}."""
    return {row[0]: (row[1] if len(row) > 1 else "") for row in rows(name)}


def choice(name: str, *more: str) -> str:
    """The words of lexicon/<name>.txt and `more` as the branches of a regex
    alternation, escaped, longest first (so "Gov." is tried before "Gov")."""
    return "|".join(sorted(map(regex.escape, words(name) | set(more)), key=len, reverse=True))


def alternation(name: str, *more: str) -> str:
    """The words of lexicon/<name>.txt and `more` as a regex alternation of
    whole words in any case, longest first."""
    return r"(?<![\p{L}])(?i:" + choice(name, *more) + r")(?![\p{L}])"
