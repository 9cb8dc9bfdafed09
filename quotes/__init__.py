"""quotes: find quoted passages in news, attribute them to speakers, publish them.

The library entry point is :func:`extract`::

    >>> from quotes import extract
    >>> [q.speaker for q in extract('"We will win," the mayor, Ana Ruiz, said.')]
    ['Ana Ruiz']
"""

from .model import Article, Mark, Mention, Quote
from .attribute import extract, extract_article

__all__ = ["Article", "Mark", "Mention", "Quote", "extract", "extract_article"]
