"""Tests for quotes.read: every input kind, every kind of bad input, and streaming."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotes.model import Article, content_id
from quotes.read import ReadError, count_inputs, read_articles

ROOT = Path(__file__).resolve().parent.parent

TXT = (
    "Harbour wall vote delayed\n"
    "\n"
    "VALDEN — The council put off a vote on the harbour wall on Tuesday.\n"
    "\n"
    "\u201cWe cannot keep patching it,\u201d Mayor Ana Ruiz said.\n"
)

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Ferry strike ends after nine days | The Lorvik Herald</title>
<meta property="og:title" content="Ferry strike ends after nine days">
<meta property="og:url" content="https://herald.example/news/ferry-strike-ends">
<meta property="og:site_name" content="The Lorvik Herald">
<meta property="article:published_time" content="2023-06-02T08:15:00+00:00">
</head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">Latest news</a></li>
<li><a href="/weather">Weather</a></li></ul></nav>
<main><article>
<h1>Ferry strike ends after nine days</h1>
<p>Ferry crews on the Lorvik islands returned to work on Friday after the union and
the operator agreed a new pay deal late on Thursday night.</p>
<p>"Nine days is a long time to be cut off from the mainland," said Ilse Varga, who
runs the bakery on the quay at Stornholm. "People ran out of medicine."</p>
<p>Union secretary Bram Kettle said the deal was "the best we could get without
another month on the picket line."</p>
<p>The operator said in a statement that the timetable would be back to normal by
Monday, with two extra crossings added on Saturday to clear the backlog of freight.</p>
</article></main>
<footer><p>Copyright 2023 Lorvik Herald Media. Cookie settings.</p>
<a href="/privacy">Privacy policy</a></footer>
</body>
</html>
"""


def collect(paths, stdin=None):
    """Read `paths`; return (articles, errors)."""
    errors: list[ReadError] = []
    articles = list(read_articles(paths, on_error=errors.append, stdin=stdin))
    return articles, errors


def write(path: Path, content: str | bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return str(path)


# ------------------------------------------------------------------ ReadError


def test_read_error_str_with_and_without_line():
    assert str(ReadError("a.jsonl", 3, "malformed JSON")) == "a.jsonl:3: malformed JSON"
    assert str(ReadError("a.txt", None, "empty file")) == "a.txt: empty file"


# ------------------------------------------------------------------ .txt


def test_txt_text_is_the_file_content_exactly(tmp_path):
    path = write(tmp_path / "wall.txt", TXT)
    [article], errors = collect([path])
    assert errors == []
    assert article.text == TXT
    assert article.title == "Harbour wall vote delayed"
    assert article.id == content_id(TXT)
    assert (article.url, article.source, article.published) == (None, None, None)
    assert article.path == path
    # Offsets found in the article index the file's own characters.
    quote = "\u201cWe cannot keep patching it,\u201d"
    start = article.text.index(quote)
    assert Path(path).read_text(encoding="utf-8")[start:start + len(quote)] == quote


def test_txt_bom_is_dropped_and_crlf_kept(tmp_path):
    body = "\r\n  \r\nTitle line  \r\n\"Yes,\" she said.\r\n"
    path = write(tmp_path / "crlf.txt", b"\xef\xbb\xbf" + body.encode("utf-8"))
    [article], errors = collect([path])
    assert errors == []
    assert article.text == body  # no BOM, no newline translation
    assert article.title == "Title line"


def test_txt_same_content_same_id(tmp_path):
    a = write(tmp_path / "a.txt", TXT)
    b = write(tmp_path / "copy" / "b.txt", TXT)
    articles, _ = collect([a, b])
    assert articles[0].id == articles[1].id


def test_txt_not_utf8_is_skipped_with_line(tmp_path):
    bad = write(tmp_path / "latin1.txt", "First line\nCaf\xe9 society\n".encode("latin-1"))
    good = write(tmp_path / "good.txt", TXT)
    articles, errors = collect([bad, good])
    assert [a.path for a in articles] == [good]
    assert len(errors) == 1
    assert errors[0].path == bad and errors[0].line == 2
    assert "UTF-8" in errors[0].message
    assert str(errors[0]).startswith(f"{bad}:2: ")


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"\n  \n\t\n", "no text"),
        ("binary.txt", b"PK\x03\x04\x00\x00\x01binary", "binary"),
        ("empty.html", b"", "empty file"),
        ("binary.html", b"\x00\x01\x02<html>", "binary"),
    ],
)
def test_bad_files_are_reported_and_skipped(tmp_path, name, content, message):
    bad = write(tmp_path / name, content)
    good = write(tmp_path / "z_good.txt", TXT)
    articles, errors = collect([bad, good])
    assert [a.path for a in articles] == [good]
    assert [(e.path, e.line) for e in errors] == [(bad, None)]
    assert message in errors[0].message


def test_missing_path_and_unsupported_type(tmp_path):
    missing = str(tmp_path / "nope.txt")
    odd = write(tmp_path / "notes.docx", b"whatever")
    good = write(tmp_path / "good.txt", TXT)
    articles, errors = collect([missing, odd, good])
    assert len(articles) == 1
    assert [(e.path, e.line) for e in errors] == [(missing, None), (odd, None)]
    assert "no such file" in errors[0].message
    assert "unsupported file type" in errors[1].message


# ------------------------------------------------------------------ .html


def test_html_main_text_and_metadata(tmp_path):
    path = write(tmp_path / "ferry.html", PAGE)
    [article], errors = collect([path])
    assert errors == []
    assert article.title == "Ferry strike ends after nine days"
    assert article.url == "https://herald.example/news/ferry-strike-ends"
    assert article.source == "The Lorvik Herald"
    assert article.published == "2023-06-02"
    assert article.id == content_id(article.url)  # the url identifies the article
    assert article.path == path
    text = article.text
    assert "Ilse Varga" in text and "two extra crossings" in text
    # Navigation and footer furniture are gone.
    for furniture in ("Latest news", "Weather", "Cookie settings", "Privacy policy"):
        assert furniture not in text
    # Paragraphs are separated by a blank line, as in plain-text articles.
    paragraphs = text.split("\n\n")
    assert any(p.startswith('"Nine days is a long time') for p in paragraphs)
    assert any(p.startswith("Union secretary Bram Kettle said") for p in paragraphs)


def test_htm_extension_and_legacy_charset(tmp_path):
    page = PAGE.replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
    page = page.replace("Ilse Varga", "Ilse V\u00e1rga")
    path = write(tmp_path / "legacy.htm", page.encode("cp1252"))
    [article], errors = collect([path])
    assert errors == []
    assert "Ilse V\u00e1rga" in article.text


def test_html_without_text_is_reported(tmp_path):
    bad = write(tmp_path / "empty-page.html", "<!DOCTYPE html><html><head><title>x</title>"
                                              "</head><body></body></html>")
    articles, errors = collect([bad])
    assert articles == []
    assert [(e.path, e.line) for e in errors] == [(bad, None)]
    assert "no extractable text" in errors[0].message


# ------------------------------------------------------------------ .jsonl


def jsonl(*records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def test_jsonl_fields_ids_and_line_paths(tmp_path):
    first = {"id": "lk-001", "url": "https://herald.example/a", "title": "A",
             "source": "Lorvik Herald", "published": "2023-06-01",
             "text": "  Leading blanks kept. \"Yes,\" he said.\n"}
    second = {"url": "https://herald.example/b", "title": "B", "text": "Second article."}
    third = {"text": "No url, no id."}
    path = write(tmp_path / "batch.jsonl", jsonl(first, "", second, third))
    articles, errors = collect([path])
    assert errors == []
    a, b, c = articles
    assert (a.id, a.url, a.title, a.source, a.published) == (
        "lk-001", "https://herald.example/a", "A", "Lorvik Herald", "2023-06-01")
    assert a.text == first["text"]  # exactly as given: offsets index this string
    assert a.path == f"{path}:1"
    assert b.id == content_id("https://herald.example/b")
    assert b.path == f"{path}:3"  # the blank line 2 still counts
    assert c.id == content_id("No url, no id.")
    assert c.path == f"{path}:4"


def test_jsonl_aliases_of_the_gold_format(tmp_path):
    record = {"doc_id": "herald_2023-06-01_ferry", "publisher": "herald",
              "publication_date": "2023-06-01", "title": "Ferry", "text": "Text.",
              "split": "dev", "quotes": []}
    path = write(tmp_path / "gold.jsonl", jsonl(record))
    [article], errors = collect([path])
    assert errors == []
    assert article.id == "herald_2023-06-01_ferry"
    assert article.source == "herald"
    assert article.published == "2023-06-01"


def test_jsonl_html_only_is_extracted(tmp_path):
    record = {"id": "h1", "source": "Our feed", "html": PAGE}
    path = write(tmp_path / "html.jsonl", jsonl(record))
    [article], errors = collect([path])
    assert errors == []
    assert article.id == "h1"
    assert article.source == "Our feed"  # the record wins over the page
    assert article.title == "Ferry strike ends after nine days"  # the page fills gaps
    assert article.url == "https://herald.example/news/ferry-strike-ends"
    assert article.published == "2023-06-02"
    assert "Ilse Varga" in article.text and "Latest news" not in article.text


def test_jsonl_bad_lines_are_reported_and_reading_goes_on(tmp_path):
    lines = [
        {"id": "ok1", "text": "One."},
        '{"id": "broken", "text": "no closing brace"',
        {"id": "notext", "title": "Nothing to read"},
        '["a", "list"]',
        {"id": "blank", "text": "   "},
        {"id": "num", "text": 42},
        {"id": "ok2", "text": "Two."},
    ]
    path = write(tmp_path / "mixed.jsonl", jsonl(*lines))
    articles, errors = collect([path])
    assert [a.id for a in articles] == ["ok1", "ok2"]
    assert [a.path for a in articles] == [f"{path}:1", f"{path}:7"]
    assert [(e.path, e.line) for e in errors] == [(path, 2), (path, 3), (path, 4),
                                                   (path, 5), (path, 6)]
    assert "malformed JSON" in errors[0].message
    assert 'no "text" or "html"' in errors[1].message
    assert "JSON object" in errors[2].message
    assert str(errors[0]).startswith(f"{path}:2: malformed JSON")


def test_jsonl_undecodable_line_and_bom(tmp_path):
    data = (b"\xef\xbb\xbf" + json.dumps({"id": "first", "text": "A."}).encode() + b"\n"
            + b'{"id": "bad", "text": "\xff\xfe"}\n'
            + json.dumps({"id": "third", "text": "C."}).encode() + b"\n")
    path = write(tmp_path / "bytes.jsonl", data)
    articles, errors = collect([path])
    assert [a.id for a in articles] == ["first", "third"]
    assert [(e.line, "UTF-8" in e.message) for e in errors] == [(2, True)]


def test_jsonl_empty_and_binary_files(tmp_path):
    empty = write(tmp_path / "empty.jsonl", "\n\n")
    binary = write(tmp_path / "binary.jsonl", b"\x00\x01\x02{\n\x00\n")
    articles, errors = collect([empty, binary])
    assert articles == []
    assert [(e.path, e.line) for e in errors] == [(empty, None), (binary, None)]
    assert "empty" in errors[0].message and "binary" in errors[1].message


# ------------------------------------------------------------------ folders


def test_folder_is_read_recursively_sorted_known_extensions_only(tmp_path):
    folder = tmp_path / "corpus"
    write(folder / "b.txt", "Bee.")
    write(folder / "a" / "z.txt", "Zed.")
    write(folder / "a" / "deeper" / "y.HTML", PAGE)
    write(folder / "c.jsonl", jsonl({"id": "c1", "text": "C one."}, {"id": "c2", "text": "C two."}))
    write(folder / "notes.md", "not an article")
    write(folder / "image.png", b"\x89PNG\x00\x00")
    write(folder / ".hidden.txt", "hidden")
    articles, errors = collect([str(folder)])
    assert errors == []
    relative = [os.path.relpath(a.path, folder) for a in articles]
    assert relative == [
        os.path.join("a", "deeper", "y.HTML"),
        os.path.join("a", "z.txt"),
        "b.txt",
        "c.jsonl:1",
        "c.jsonl:2",
    ]
    assert count_inputs([str(folder)]) == 5
    assert count_inputs([str(folder)], per_line=False) == 4


def test_folder_with_a_bad_file_goes_on(tmp_path):
    folder = tmp_path / "corpus"
    write(folder / "1.txt", b"")
    write(folder / "2.txt", "Fine.")
    articles, errors = collect([str(folder)])
    assert [Path(a.path).name for a in articles] == ["2.txt"]
    assert [Path(e.path).name for e in errors] == ["1.txt"]


# ------------------------------------------------------------------ stdin


def test_stdin_text_from_a_text_stream():
    [article], errors = collect(["-"], stdin=io.StringIO(TXT))
    assert errors == []
    assert article.text == TXT
    assert article.title == "Harbour wall vote delayed"
    assert article.path == "<stdin>"


def test_stdin_binary_stream_and_buffer_attribute():
    class FakeStdin(io.TextIOWrapper):
        pass

    stream = FakeStdin(io.BytesIO(b"\xef\xbb\xbf" + TXT.encode("utf-8")), encoding="latin-1")
    [article], errors = collect(["-"], stdin=stream)
    assert errors == []
    assert article.text == TXT  # read as UTF-8 bytes from .buffer, BOM dropped


def test_stdin_jsonl_is_sniffed_and_numbered():
    data = jsonl({"id": "s1", "text": "One."}, "{oops", {"id": "s2", "text": "Two."})
    articles, errors = collect(["-"], stdin=io.BytesIO(("\n" + data).encode()))
    assert [a.id for a in articles] == ["s1", "s2"]
    assert [a.path for a in articles] == ["<stdin>:2", "<stdin>:4"]
    assert [(e.path, e.line) for e in errors] == [("<stdin>", 3)]


def test_stdin_html_is_sniffed():
    [article], errors = collect(["-"], stdin=io.BytesIO(b"\n  " + PAGE.encode()))
    assert errors == []
    assert article.url == "https://herald.example/news/ferry-strike-ends"
    assert "Latest news" not in article.text


def test_stdin_text_that_mentions_html_later_stays_text():
    text = "A story about markup.\n\n" + "words " * 300 + "<html> is a tag.\n"
    [article], errors = collect(["-"], stdin=io.StringIO(text))
    assert errors == []
    assert article.text == text


def test_stdin_empty_and_missing():
    articles, errors = collect(["-"], stdin=io.BytesIO(b""))
    assert articles == []
    assert [(e.path, e.line) for e in errors] == [("<stdin>", None)]
    assert "empty" in errors[0].message


def test_count_inputs_is_none_with_stdin(tmp_path):
    path = write(tmp_path / "a.txt", TXT)
    assert count_inputs([path, "-"]) is None
    assert count_inputs([path, str(tmp_path / "missing.txt")]) == 1


# ------------------------------------------------------------------ behaviour


def test_reading_is_lazy_and_errors_interleave(tmp_path):
    first = write(tmp_path / "1.txt", "First.")
    missing = str(tmp_path / "2.txt")
    third = write(tmp_path / "3.txt", "Third.")
    events: list[str] = []
    articles = read_articles([first, missing, third],
                             on_error=lambda e: events.append(f"error {e.path}"))
    assert events == []  # nothing happens before iteration starts
    for article in articles:
        events.append(f"article {article.path}")
    assert events == [f"article {first}", f"error {missing}", f"article {third}"]


def test_default_error_handler_prints_to_stderr(tmp_path, capsys):
    missing = str(tmp_path / "missing.txt")
    assert list(read_articles([missing])) == []
    assert f"{missing}: no such file or directory" in capsys.readouterr().err


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1).filter(lambda t: t.strip() and not t.startswith("\ufeff")))
def test_any_text_reads_back_exactly(text):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "any.txt")
        with open(path, "wb") as handle:
            handle.write(text.encode("utf-8", "surrogatepass"))
        errors: list[ReadError] = []
        articles = list(read_articles([path], on_error=errors.append))
    if "\x00" in text:
        assert articles == [] and "binary" in errors[0].message
    elif any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert articles == [] and "UTF-8" in errors[0].message
    else:
        assert errors == []
        assert articles[0].text == text
        assert articles[0].id == Article(text=text).id


# ------------------------------------------------------------------ shipped data


def test_project_examples_read_cleanly():
    folder = ROOT / "examples"
    if not folder.is_dir():
        pytest.skip("no examples/ folder")
    articles, errors = collect([str(folder)])
    assert errors == []
    assert len(articles) >= 5
    assert len({a.id for a in articles}) == len(articles)
    assert count_inputs([str(folder)]) == len(articles)
    html = [a for a in articles if a.path.endswith(".html")]
    assert html and all(a.url and a.title and a.published for a in html)


def _shared_eval() -> Path | None:
    for candidate in (ROOT.parent / "shared" / "eval", Path("/work/shared/eval")):
        if (candidate / "polnear-dev.jsonl").is_file():
            return candidate / "polnear-dev.jsonl"
    return None


def test_gold_eval_file_reads_with_offsets_intact():
    gold = _shared_eval()
    if gold is None:
        pytest.skip("shared eval data not available")
    articles, errors = collect([str(gold)])
    assert errors == []
    with open(gold, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    assert len(articles) == len(records)
    for article, record in zip(articles, records):
        assert article.id == record["doc_id"]
        assert article.source == record["publisher"]
        assert article.published == record["publication_date"]
        for quote in record.get("quotes", []):
            assert article.text[quote["start"]:quote["end"]] == quote["text"]


# ------------------------------------------------------------------ hostile inputs
# Every bad input gets one message naming its file (and line); the rest is read.


def test_deeply_nested_and_huge_number_json_lines_are_refused(tmp_path):
    path = write(tmp_path / "nested.jsonl", "\n".join([
        "[" * 100_000,
        '{"id": ' + "9" * 5000 + ', "text": "Too many digits."}',
        json.dumps({"id": "ok", "text": "Fine."}),
    ]) + "\n")
    articles, errors = collect([path])
    assert [a.id for a in articles] == ["ok"]
    assert [(e.path, e.line) for e in errors] == [(path, 1), (path, 2)]
    assert "nested too deeply" in errors[0].message
    assert "malformed JSON" in errors[1].message and "set_int_max" not in errors[1].message


@pytest.mark.parametrize("field", ["text", "title", "url", "id"])
def test_jsonl_lone_surrogates_are_refused(tmp_path, field):
    # JSON may escape a lone surrogate; SQLite cannot store one, so the line is refused
    # here rather than failing the whole ingest later.
    record = {"id": "s", "text": "Text.", field: "bad \\ud800 value"}
    line = json.dumps(record).replace("\\\\ud800", "\\ud800")
    path = write(tmp_path / "surrogate.jsonl", line + "\n" + json.dumps({"id": "ok", "text": "Fine."}) + "\n")
    articles, errors = collect([path])
    assert [a.id for a in articles] == ["ok"]
    assert [(e.path, e.line) for e in errors] == [(path, 1)]
    assert f'"{field}" is not valid Unicode' in errors[0].message


def test_file_over_the_size_limit_is_not_read(tmp_path):
    big = write(tmp_path / "big.txt", "words " * 100)
    page = write(tmp_path / "big.html", PAGE)
    good = write(tmp_path / "small.txt", "Fine.")
    errors: list[ReadError] = []
    articles = list(read_articles([big, page, good], on_error=errors.append, max_bytes=500))
    assert [a.path for a in articles] == [good]
    assert [(e.path, e.line) for e in errors] == [(big, None), (page, None)]
    assert all("too large (over 500 bytes)" in e.message for e in errors)


def test_default_size_limit_refuses_a_huge_file(tmp_path):
    from quotes import read

    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as handle:
        handle.truncate(read.MAX_ARTICLE_BYTES + 1)  # sparse: no disk used
    articles, errors = collect([str(huge), write(tmp_path / "ok.txt", "Fine.")])
    assert len(articles) == 1
    assert "too large (over 16 MiB)" in errors[0].message


def test_jsonl_line_over_the_size_limit_is_skipped_not_held(tmp_path):
    lines = [json.dumps({"id": "a", "text": "x" * 50}),
             json.dumps({"id": "long", "text": "y" * 5000}),
             json.dumps({"id": "b", "text": "z" * 50})]
    path = write(tmp_path / "long.jsonl", "\n".join(lines))  # no final newline
    errors: list[ReadError] = []
    articles = list(read_articles([path], on_error=errors.append, max_bytes=100))
    assert [a.id for a in articles] == ["a", "b"]
    assert [(e.path, e.line) for e in errors] == [(path, 2)]
    assert "line too large" in errors[0].message


def test_stdin_over_the_size_limit(tmp_path):
    errors: list[ReadError] = []
    articles = list(read_articles(["-"], on_error=errors.append, max_bytes=100,
                                  stdin=io.BytesIO(b"line of text\n" * 20)))
    assert articles == []
    assert [(e.path, "too large" in e.message) for e in errors] == [("<stdin>", True)]


def test_not_a_regular_file_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # opening it for reading would block forever
    articles, errors = collect([str(fifo), write(tmp_path / "ok.txt", "Fine.")])
    assert len(articles) == 1
    assert [(e.path, e.message) for e in errors] == [(str(fifo), "not a regular file")]


def test_folder_without_articles_is_reported(tmp_path):
    folder = tmp_path / "empty"
    write(folder / "notes.md", "no articles here")
    articles, errors = collect([str(folder)])
    assert articles == []
    assert [(e.path, "no .txt" in e.message) for e in errors] == [(str(folder), True)]


@pytest.mark.parametrize("page", [
    b"<html><body><p>\"We will win,\" said Ana Ruiz. <b><i><div><p>unclosed" * 20,
    b"<html><head><title>Only a title</title></head><body></body></html>",
    b"<<<>>><p></div></span></html><!-- never closed",
    b"<html>" + b"<div>" * 5000 + b"deep" + b"</div>" * 10,
    "<html><body><p>Caf\xe9 \"vite\", a-t-il dit.</p></body></html>".encode("latin-1"),
])
def test_broken_html_is_read_or_reported_never_raised(tmp_path, page):
    path = write(tmp_path / "broken.html", page)
    articles, errors = collect([path, write(tmp_path / "ok.txt", "Fine.")])
    assert articles[-1].text == "Fine."
    assert len(articles) + len(errors) == 2
    for error in errors:
        assert error.path == path and error.message


def test_an_unforeseen_error_ends_only_that_input(tmp_path, monkeypatch):
    from quotes import read

    def explode(data, path):
        if path.endswith("bad.txt"):
            raise MemoryError("simulated")
        return original(data, path)

    original = read._article_from_text_bytes
    monkeypatch.setattr(read, "_article_from_text_bytes", explode)
    bad = write(tmp_path / "bad.txt", "Anything.")
    good = write(tmp_path / "good.txt", "Fine.")
    articles, errors = collect([bad, good])
    assert [a.path for a in articles] == [good]
    assert [(e.path, e.line) for e in errors] == [(bad, None)]
    assert "MemoryError: simulated" in errors[0].message


# ------------------------------------------------------------------ through the CLI


def test_ingest_of_a_hostile_batch_names_each_bad_input_and_keeps_the_rest(tmp_path):
    from click.testing import CliRunner

    from quotes.cli import cli

    folder = tmp_path / "batch"
    good = [write(folder / "a_good.txt", TXT),
            write(folder / "b_page.html", PAGE)]
    bad = {
        write(folder / "binary.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00" + os.urandom(64)): (None, "binary"),
        write(folder / "empty.html", b""): (None, "empty file"),
        write(folder / "latin1.txt", "Line one\nCaf\xe9\n".encode("latin-1")): (2, "not valid UTF-8"),
        write(folder / "nothing.html", b"<html><body><script>var a = 1;</script></body></html>"): (None, "no extractable text"),
    }
    lines = write(folder / "feed.jsonl", "\n".join([
        json.dumps({"id": "j1", "url": "https://news.example/j1",
                    "text": '"We will win," said Ana Ruiz.'}),
        '{"id": "j2", "text": "unterminated',
        "[" * 50_000,
        json.dumps({"id": "j4", "title": "no text"}),
        json.dumps({"id": "j5", "text": '"Not today," Peter Quell said.'}),
    ]) + "\n")
    db = tmp_path / "out.db"
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(db), "--no-progress"])
    assert result.exit_code == 1, result.output
    stderr = result.stderr
    for path, (line, message) in bad.items():
        where = f"{path}:{line}:" if line else f"{path}:"
        assert any(l.startswith(f"error: {where}") and message in l for l in stderr.splitlines()), (path, stderr)
    for line in (2, 3, 4):
        assert f"error: {lines}:{line}: " in stderr
    assert "7 inputs failed" in stderr
    rows = sqlite_rows(db)
    assert sorted(rows) == sorted([good[0], good[1], f"{lines}:1", f"{lines}:5"])


def sqlite_rows(db) -> list[str]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return [path for (path,) in conn.execute("select path from articles")]
