"""Read inputs into :class:`quotes.model.Article` objects.

Inputs are ``.txt``, ``.html``/``.htm`` and ``.jsonl`` files, folders (read
recursively, in sorted order, only those extensions) and ``-`` for standard input.

Why it looks the way it does:

- ``read_articles`` is a generator: one file (one JSONL line) at a time, so a folder
  of a million articles never sits in memory.
- Offsets index ``Article.text`` exactly, so plain text is kept byte for byte as the
  file holds it (UTF-8, only a leading BOM dropped; CRLF is *not* translated).
- HTML goes through trafilatura, never hand-written regexes: it strips navigation
  and footers and finds title, url, site name and date in the page's metadata.
- Bad input never stops a batch: each problem becomes a :class:`ReadError` passed to
  ``on_error`` (or printed to stderr) and reading goes on with the next input.
  That covers undecodable bytes, binary and empty files, malformed or deeply
  nested JSON, strings that are not valid Unicode (lone surrogates, which SQLite
  cannot store), pages with no text, and inputs over ``MAX_ARTICLE_BYTES``, which
  are refused before they are read into memory.
"""

from __future__ import annotations

import io
import json
import os
import sys
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from .model import Article

TEXT_EXTENSIONS = (".txt",)
HTML_EXTENSIONS = (".html", ".htm")
JSONL_EXTENSIONS = (".jsonl",)
EXTENSIONS = TEXT_EXTENSIONS + HTML_EXTENSIONS + JSONL_EXTENSIONS

STDIN_NAME = "<stdin>"
BOM = "\ufeff"
# How far into a JSONL file we look for NUL bytes (binary files are refused whole),
# and into stdin for an HTML start tag.
SNIFF_BYTES = 8192
HTML_SNIFF_CHARS = 1024
# The largest article read: a .txt or .html file, one JSONL line, or standard input
# that is not JSONL. News articles are tens of kilobytes; attribution runs at about
# 1 MB/s, so a bigger input is a mistake (a dump, a log, a binary) and is refused
# before it is read into memory.
MAX_ARTICLE_BYTES = 16 * 1024 * 1024
# Bytes read at a time while skipping an over-long JSONL line.
_CHUNK = 1024 * 1024

# JSONL field names, first match wins: ours first, then the gold data's
# (/work/shared/eval: doc_id, publisher, publication_date) and a few common ones.
ID_FIELDS = ("id", "doc_id")
URL_FIELDS = ("url",)
TITLE_FIELDS = ("title",)
SOURCE_FIELDS = ("source", "publisher", "sitename")
PUBLISHED_FIELDS = ("published", "publication_date", "date")


@dataclass
class ReadError:
    """One input that could not be read; reading goes on without it."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


ErrorHandler = Callable[[ReadError], None]


def _print_error(error: ReadError) -> None:
    print(f"error: {error}", file=sys.stderr)


class _Skip(Exception):
    """Raised inside a reader for one bad input; turned into a ReadError."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


# --------------------------------------------------------------------------- API


def read_articles(
    paths: Iterable[str],
    on_error: ErrorHandler | None = None,
    stdin=None,
    max_bytes: int | None = None,
) -> Iterator[Article]:
    """Yield one Article per input article, lazily.

    `paths` may name files, folders or ``-`` (standard input: `stdin` if given,
    else ``sys.stdin``; text or binary streams both work). Problems are reported
    through `on_error` (default: printed to stderr) and never raised. An article
    over `max_bytes` (default ``MAX_ARTICLE_BYTES``) is refused.
    """
    report = on_error or _print_error
    limit = MAX_ARTICLE_BYTES if max_bytes is None else max_bytes
    for path in paths:
        if path == "-":
            yield from _guarded(_read_stdin(stdin if stdin is not None else sys.stdin, report, limit),
                                STDIN_NAME, report)
            continue
        if not os.path.exists(path):
            report(ReadError(path, None, "no such file or directory"))
            continue
        if os.path.isdir(path):
            found = False
            for file_path in _walk(path, report):
                found = True
                yield from _guarded(_read_file(file_path, report, limit), file_path, report)
            if not found:
                report(ReadError(path, None, "no " + ", ".join(EXTENSIONS) + " files in this folder"))
            continue
        if not path.lower().endswith(EXTENSIONS):
            report(ReadError(path, None, "unsupported file type (expected "
                             + ", ".join(EXTENSIONS) + ")"))
            continue
        if not os.path.isfile(path):
            # A FIFO or a device would block or never end.
            report(ReadError(path, None, "not a regular file"))
            continue
        yield from _guarded(_read_file(path, report, limit), path, report)


def _guarded(articles: Iterator[Article], path: str, report: ErrorHandler) -> Iterator[Article]:
    """The articles of one input; an error nobody foresaw ends that input only."""
    try:
        yield from articles
    except Exception as exc:  # the last guard: the next input is still read
        report(ReadError(path, None, f"could not be read ({type(exc).__name__}: {exc})"))


def count_inputs(paths: Iterable[str], per_line: bool = True) -> int | None:
    """How many articles `read_articles(paths)` will yield at most, for a progress bar.

    Each .txt/.html file counts one; each .jsonl file counts its non-blank lines
    (a fast byte count, no JSON parsing), so the total matches the articles that
    stream out. With ``per_line=False`` a .jsonl file counts one: the number of
    files. Missing paths count nothing. None when ``-`` (stdin) is among the paths,
    since stdin cannot be counted without consuming it.
    """
    paths = list(paths)
    if "-" in paths:
        return None
    total = 0
    for path in paths:
        if os.path.isdir(path):
            files: Iterable[str] = _walk(path, lambda error: None)
        elif os.path.isfile(path) and path.lower().endswith(EXTENSIONS):
            files = [path]
        else:
            continue
        for file_path in files:
            if per_line and file_path.lower().endswith(JSONL_EXTENSIONS):
                total += _count_lines(file_path)
            else:
                total += 1
    return total


# ------------------------------------------------------------------- file walking


def _walk(folder: str, report: ErrorHandler) -> Iterator[str]:
    """The readable files under `folder`, recursively, in sorted order.

    Files and subfolders are sorted together by name so the order is the same on
    every machine. Hidden entries (dotfiles) are skipped; symlinked folders are
    followed once (a loop is not followed twice).
    """
    seen: set[tuple[int, int]] = set()

    def walk(current: str) -> Iterator[str]:
        try:
            stat = os.stat(current)
        except OSError as exc:
            report(ReadError(current, None, _os_message(exc)))
            return
        key = (stat.st_dev, stat.st_ino)
        if key in seen:
            return
        seen.add(key)
        try:
            with os.scandir(current) as entries:
                names = sorted(entry.name for entry in entries)
        except OSError as exc:
            report(ReadError(current, None, _os_message(exc)))
            return
        for name in names:
            if name.startswith("."):
                continue
            full = os.path.join(current, name)
            if os.path.isdir(full):
                yield from walk(full)
            elif name.lower().endswith(EXTENSIONS) and os.path.isfile(full):
                yield full

    yield from walk(folder)


def _count_lines(path: str) -> int:
    count = 0
    try:
        with open(path, "rb") as handle:
            for line in handle:
                if line.strip():
                    count += 1
    except OSError:
        return 0
    return count


def _os_message(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


# ------------------------------------------------------------------- one file


def _read_file(path: str, report: ErrorHandler, limit: int = MAX_ARTICLE_BYTES) -> Iterator[Article]:
    lower = path.lower()
    if lower.endswith(JSONL_EXTENSIONS):
        # Streamed line by line: a big JSONL file is never loaded whole.
        try:
            handle = open(path, "rb")
        except OSError as exc:
            report(ReadError(path, None, _os_message(exc)))
            return
        with handle:
            head = handle.peek(SNIFF_BYTES)[:SNIFF_BYTES] if hasattr(handle, "peek") else b""
            if b"\x00" in head:
                report(ReadError(path, None, "binary file (NUL bytes), not JSONL"))
                return
            if not (yield from _read_jsonl_lines(_bounded_lines(handle, limit), path, report)):
                report(ReadError(path, None, "empty file (no JSON lines)"))
        return

    try:
        with open(path, "rb") as handle:
            # Read one byte past the limit: the file's size as stat reports it may lie.
            data = handle.read(limit + 1)
    except OSError as exc:
        report(ReadError(path, None, _os_message(exc)))
        return
    if len(data) > limit:
        report(ReadError(path, None, f"file too large (over {_size(limit)}); not read"))
        return
    try:
        if lower.endswith(HTML_EXTENSIONS):
            article = _article_from_html_bytes(data, path)
        else:
            article = _article_from_text_bytes(data, path)
    except _Skip as skip:
        report(ReadError(path, skip.line, skip.message))
        return
    yield article


def _size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB"
    return f"{n} bytes"


def _check_unicode(value: str, field: str) -> None:
    """Refuse lone surrogates (JSON can escape them): SQLite cannot store them."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _Skip(f'"{field}" is not valid Unicode (lone surrogate '
                    f"U+{ord(value[exc.start]):04X} at character {exc.start})") from None


def _check_bytes(data: bytes) -> None:
    if not data:
        raise _Skip("empty file")
    if b"\x00" in data:  # no text format we read has NUL bytes
        raise _Skip("binary file (NUL bytes), not text")


def _decode(data: bytes) -> str:
    """Strict UTF-8, leading BOM dropped; undecodable input is skipped, not guessed."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _Skip(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                    f"{exc.start}); file skipped", line) from None
    return text[1:] if text.startswith(BOM) else text


def _article_from_text_bytes(data: bytes, path: str) -> Article:
    _check_bytes(data)
    text = _decode(data)
    if not text.strip():
        raise _Skip("no text (only blanks)")
    # The text is the file's content exactly; the title is only a copy of its
    # first non-empty line, not cut from the text, so offsets stay true.
    return Article(text=text, title=_first_line(text), path=path)


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return None


# ------------------------------------------------------------------- HTML


def _article_from_html_bytes(data: bytes, path: str) -> Article:
    _check_bytes(data)
    # UTF-8 (the common case) is decoded here so a BOM or a wrong <meta charset>
    # cannot mislead; anything else goes to trafilatura as bytes, which honours the
    # page's own charset declaration (legacy pages are often windows-1252).
    try:
        content: str | bytes = _decode(data)
    except _Skip:
        content = data
    text, meta = _extract_html(content)
    return Article(text=text, path=path, **meta)


def _extract_html(content: str | bytes, url: str | None = None) -> tuple[str, dict]:
    """Main text and metadata of an HTML page, through trafilatura.

    Returns (text, {"url", "title", "source", "published"}); raises _Skip when the
    page has no extractable text. Blocks (paragraphs, headings, lists) are joined
    by a blank line, the paragraph break of plain-text articles, so that quote
    scanning sees paragraphs the same way in every format.
    """
    try:
        import trafilatura
    except ImportError as exc:  # e.g. lxml>=5.2 without lxml_html_clean
        raise _Skip(f"cannot read HTML: trafilatura failed to import ({exc})") from None
    try:
        document = trafilatura.bare_extraction(
            content,
            url=url,
            with_metadata=True,
            include_comments=False,  # reader comments are not the article
            include_images=False,
            include_links=False,
        )
    except Exception as exc:  # a broken page must not stop the batch
        raise _Skip(f"HTML extraction failed: {type(exc).__name__}: {exc}") from None
    if document is None:
        raise _Skip("no extractable text in HTML")
    text = _document_text(document)
    if not text.strip():
        raise _Skip("no extractable text in HTML")
    meta = {
        "url": _field(document, "url") or url,
        "title": _field(document, "title"),
        "source": _field(document, "sitename") or _field(document, "hostname"),
        "published": _field(document, "date"),
    }
    return text, meta


def _field(document, name: str) -> str | None:
    # trafilatura 2 returns a Document object, 1.x a dict.
    value = document.get(name) if isinstance(document, dict) else getattr(document, name, None)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _document_text(document) -> str:
    body = document.get("body") if isinstance(document, dict) else getattr(document, "body", None)
    try:
        from trafilatura.xml import xmltotxt
    except ImportError:
        xmltotxt = None
    if body is not None and xmltotxt is not None and len(body):
        blocks = [xmltotxt(block, False).strip() for block in body]
        text = "\n\n".join(block for block in blocks if block)
        if text:
            return text
    # Fallback: trafilatura's own text, one block a line.
    plain = _field(document, "text") or ""
    return "\n\n".join(line.strip() for line in plain.split("\n") if line.strip())


# ------------------------------------------------------------------- JSONL


class _LongLine:
    """Stands in for a JSONL line over the size limit, which is never held whole."""

    def __init__(self, limit: int):
        self.limit = limit

    def strip(self) -> bool:
        return True


def _bounded_lines(stream, limit: int) -> Iterator[bytes | _LongLine]:
    """The lines of a binary stream, each read whole only if it holds at most `limit`
    bytes (its newline aside); a longer line is skipped in chunks and yields a _LongLine."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if line.endswith(b"\n") or len(line) <= limit:
            yield line
            continue
        while line and not line.endswith(b"\n"):
            line = stream.readline(_CHUNK)
        yield _LongLine(limit)


def _read_jsonl_lines(lines: Iterable, path: str, report: ErrorHandler):
    """Yield the Articles of JSONL `lines`; return how many non-blank lines there were."""
    seen = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        seen += 1
        if isinstance(raw, _LongLine):
            report(ReadError(path, number, f"line too large (over {_size(raw.limit)}); line skipped"))
            continue
        try:
            yield _article_from_json_line(raw, path, number)
        except _Skip as skip:
            report(ReadError(path, number, skip.message))
    return seen


def _article_from_json_line(raw: bytes, path: str, number: int) -> Article:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Skip(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); line skipped") from None
    if line.startswith(BOM):
        line = line[1:]
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _Skip(f"malformed JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise _Skip("malformed JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise _Skip(f"malformed JSON: {str(exc).split(';')[0]}") from None
    if not isinstance(record, dict):
        raise _Skip(f"expected a JSON object, got {type(record).__name__}")

    label = f"{path}:{number}"
    meta = {
        "id": _pick(record, ID_FIELDS) or "",
        "url": _pick(record, URL_FIELDS),
        "title": _pick(record, TITLE_FIELDS),
        "source": _pick(record, SOURCE_FIELDS),
        "published": _pick(record, PUBLISHED_FIELDS),
    }
    text = record.get("text")
    html = record.get("html")
    if text is not None and not isinstance(text, str):
        raise _Skip(f'"text" must be a string, got {type(text).__name__}')
    if html is not None and not isinstance(html, str):
        raise _Skip(f'"html" must be a string, got {type(html).__name__}')
    for field, value in (*meta.items(), ("text", text), ("html", html)):
        if value:
            _check_unicode(value, field)
    if text and text.strip():
        # Kept exactly as given: gold offsets index this very string.
        return Article(text=text, path=label, **meta)
    if html and html.strip():
        extracted, found = _extract_html(html, url=meta["url"])
        # What the record says wins over what the page says.
        for key, value in found.items():
            if not meta.get(key):
                meta[key] = value
        return Article(text=extracted, path=label, **meta)
    raise _Skip('no "text" or "html" to read')


def _pick(record: dict, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = record.get(name)
        if value is None or isinstance(value, (dict, list, bool)):
            continue
        value = str(value).strip()
        if value:
            return value
    return None


# ------------------------------------------------------------------- stdin


def _read_stdin(stream, report: ErrorHandler, limit: int = MAX_ARTICLE_BYTES) -> Iterator[Article]:
    """Standard input, sniffed: JSONL if it starts with ``{``, HTML if it looks
    like a page, plain text otherwise. JSONL is streamed line by line."""
    lines = _byte_lines(stream, limit)
    # Find the first non-blank line without reading further: a JSONL producer
    # can keep streaming while we already yield articles.
    head: list = []
    for raw in lines:
        head.append(raw)
        if raw.strip():
            break
    first = head[-1] if head else b""
    if isinstance(first, _LongLine):
        report(ReadError(STDIN_NAME, len(head), f"line too large (over {_size(limit)}); input not read"))
        return
    stripped = first.lstrip()
    if stripped.startswith(BOM.encode("utf-8")):
        stripped = stripped[3:].lstrip()
    if stripped.startswith(b"{"):
        if b"\x00" in first:
            report(ReadError(STDIN_NAME, None, "binary input (NUL bytes), not JSONL"))
            return
        yield from _read_jsonl_lines(_chain(head, lines), STDIN_NAME, report)
        return

    parts: list[bytes] = []
    size = 0
    for raw in _chain(head, lines):
        size += raw.limit + 1 if isinstance(raw, _LongLine) else len(raw)
        if size > limit:
            report(ReadError(STDIN_NAME, None, f"input too large (over {_size(limit)}); not read"))
            return
        parts.append(raw)
    data = b"".join(parts)
    try:
        _check_bytes(data)
    except _Skip as skip:
        message = skip.message.replace("file", "input")
        report(ReadError(STDIN_NAME, None, message))
        return
    start = data[:HTML_SNIFF_CHARS].lstrip().lower()
    is_html = b"<html" in start or b"<!doctype" in start
    try:
        if is_html:
            article = _article_from_html_bytes(data, STDIN_NAME)
        else:
            article = _article_from_text_bytes(data, STDIN_NAME)
    except _Skip as skip:
        report(ReadError(STDIN_NAME, skip.line, skip.message))
        return
    yield article


class _EncodedLines:
    """A text stream seen as a binary one: readline returns UTF-8 bytes."""

    def __init__(self, stream):
        self.stream = stream

    def readline(self, size: int = -1) -> bytes:
        return self.encode(self.stream.readline(size))

    @staticmethod
    def encode(line: str | bytes) -> bytes:
        return line.encode("utf-8", "surrogateescape") if isinstance(line, str) else line


def _byte_lines(stream, limit: int = MAX_ARTICLE_BYTES) -> Iterator[bytes | _LongLine]:
    """Lines of `stream` as bytes, whether it is a text or a binary stream; a line
    over `limit` is never held whole (see _bounded_lines)."""
    if isinstance(stream, (bytes, str)):
        stream = io.BytesIO(stream.encode("utf-8") if isinstance(stream, str) else stream)
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        # sys.stdin: read the raw bytes, so our UTF-8/BOM handling applies and
        # the locale's decoding (or newline translation) does not.
        stream = buffer
    if not hasattr(stream, "readline"):  # any iterable of lines
        stream = io.BytesIO(b"".join(_EncodedLines.encode(line) for line in stream))
    # A text stream counts characters, not bytes: close enough for a size guard.
    yield from _bounded_lines(_EncodedLines(stream), limit)


def _chain(head: list, rest: Iterator) -> Iterator:
    yield from head
    yield from rest
