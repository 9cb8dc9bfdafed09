"""The measured stages: extract, ingest, search. Each returns a dict of figures.

Each stage can run in a fresh process of its own (see :func:`isolated`), so
its peak RSS (``ru_maxrss``) is its own and not the high-water mark of an
earlier stage.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import sqlite3
import statistics
import time
import traceback
from collections import Counter, defaultdict
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlencode

from .generate import Expected, expected_path


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_parts_mb() -> dict[str, float]:
    """This process's resident memory now, in MiB, by kind (Linux): ``anon``,
    its own (heap, stacks), and ``file``, pages of mapped files, such as a
    memory-mapped database, that the kernel can drop and read back at will."""
    parts = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(("RssAnon:", "RssFile:")):
                    parts[line[3:7].lower()] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return parts


class StageTimeout(Exception):
    """A stage ran past its time limit and was stopped."""


class StageError(Exception):
    """A stage failed in its own process; the message holds its traceback."""


def _child(conn, func, args, kwargs) -> None:
    try:
        conn.send(("ok", func(*args, **kwargs)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def isolated(func, *args, timeout: float | None = None, **kwargs):
    """func(*args, **kwargs) in a fresh spawned process; its return value.

    Past `timeout` seconds the process is terminated and StageTimeout raised.
    """
    ctx = get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(send, func, args, kwargs))
    process.start()
    send.close()
    try:
        if not receive.poll(timeout):
            raise StageTimeout(f"{func.__name__} stopped after {timeout:,.0f} s")
        status, value = receive.recv()
    except EOFError:
        raise StageError(f"{func.__name__} died (exit code {process.exitcode})") from None
    finally:
        if process.is_alive() and not receive.poll(0):
            process.terminate()
        process.join()
        receive.close()
    if status == "error":
        raise StageError(value)
    return value


# ------------------------------------------------------------------ extract


def extract(corpus: Path) -> dict:
    """Time `quotes.extract` on every article text, on one core, and check the
    quotes found against the generator's expected quotes.

    Only the calls to `quotes.extract` are timed (not reading or checking).
    A quote is *found* when an extracted quote has exactly the generated span
    (marks included), *attributed* when it also has the generated speaker.
    """
    from quotes import extract as extract_quotes

    elapsed = cpu = 0.0
    load_before = os.getloadavg()[0]
    nbytes = articles = extracted = extra = 0
    per_pattern: dict[str, Counter] = defaultdict(Counter)
    titled = title_ok = 0
    misses: list[dict] = []
    with open(corpus, encoding="utf-8") as texts, open(expected_path(corpus), encoding="utf-8") as exp:
        # Word lists, compiled patterns and the gender guesser load on first use:
        # one untimed call, so small corpora measure the same steady state as large.
        first = texts.readline()
        extract_quotes(json.loads(first)["text"] if first else "")
        texts.seek(0)
        for line, exp_line in zip(texts, exp):
            text = json.loads(line)["text"]
            expected = [Expected.from_list(row) for row in json.loads(exp_line)]
            start, cpu_start = time.perf_counter(), time.thread_time()
            quotes = extract_quotes(text)
            elapsed += time.perf_counter() - start
            cpu += time.thread_time() - cpu_start
            articles += 1
            nbytes += len(text.encode("utf-8"))
            extracted += len(quotes)
            by_span = {(q.start, q.end): q for q in quotes}
            for e in expected:
                counts = per_pattern[e.pattern]
                counts["quotes"] += 1
                q = by_span.pop((e.start, e.end), None)
                found = q is not None
                right = found and q.speaker == e.speaker
                counts["found"] += found
                counts["attributed"] += right
                if e.title:
                    titled += 1
                    title_ok += found and q.title == e.title
                if not right and len(misses) < 20:
                    misses.append({"pattern": e.pattern, "expected": e.speaker,
                                   "got": q.speaker if q else None,
                                   "sieve": q.sieve if q else None,
                                   "context": text[max(0, e.start - 120):e.end + 80]})
            extra += len(by_span)
    total = sum(c["quotes"] for c in per_pattern.values())
    found = sum(c["found"] for c in per_pattern.values())
    attributed = sum(c["attributed"] for c in per_pattern.values())
    return {
        "articles": articles,
        "text_mb": nbytes / 1e6,
        "extract_s": elapsed,
        "extract_mb_s": nbytes / 1e6 / elapsed if elapsed else None,
        "extract_articles_s": articles / elapsed if elapsed else None,
        # CPU time of this thread alone: what one core does when nothing else
        # competes for it (the wall-clock figures above include any contention).
        "extract_cpu_s": cpu,
        "extract_cpu_mb_s": nbytes / 1e6 / cpu if cpu else None,
        "extract_load": [load_before, os.getloadavg()[0]],
        "expected_quotes": total,
        "extracted_quotes": extracted,
        "found": found / total if total else None,
        "attributed": attributed / total if total else None,
        "title_right": title_ok / titled if titled else None,
        "extra_quotes": extra,
        "per_pattern": {p: {"quotes": c["quotes"], "found": c["found"] / c["quotes"],
                            "attributed": c["attributed"] / c["quotes"]}
                        for p, c in sorted(per_pattern.items())},
        "misses": misses,
        "extract_peak_rss_mb": peak_rss_mb(),
    }


# ------------------------------------------------------------------ ingest


class _Timed:
    """An iterator that records the time spent inside it and when it ran out,
    and every 1,000 items writes its progress to `progress` (a JSON file), so a
    run stopped for taking too long still tells how far it got."""

    def __init__(self, iterable, progress: Path | None = None):
        self.iterator = iter(iterable)
        self.inside = 0.0
        self.count = 0
        self.began = time.perf_counter()
        self.exhausted_at: float | None = None
        self.progress = progress

    def __iter__(self):
        return self

    def __next__(self):
        start = time.perf_counter()
        try:
            item = next(self.iterator)
        except StopIteration:
            self.exhausted_at = time.perf_counter()
            self._report()
            raise
        finally:
            self.inside += time.perf_counter() - start
        self.count += 1
        if self.count % 1000 == 0:
            self._report()
        return item

    def _report(self) -> None:
        if self.progress is None:
            return
        self.progress.write_text(json.dumps({
            "articles_read": self.count,
            "elapsed_s": time.perf_counter() - self.began,
            "all_read_after_s": (self.exhausted_at - self.began) if self.exhausted_at else None,
        }))


def progress_path(db_path: Path) -> Path:
    return Path(str(db_path) + ".progress.json")


def _cpu_s() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def ingest(corpus: Path, db_path: Path, workers: int | None = None) -> dict:
    """`quotes.store.ingest` of the corpus JSONL read by `quotes.read`, as
    `quotes ingest corpus.jsonl --db db_path` does, into a new database, with
    `workers` extraction processes (default: one per core)."""
    from quotes import extract as extract_quotes
    from quotes import read, store

    # Word lists, patterns and the gender guesser load on first use: loaded
    # here, untimed, as in the extract stage (about a second, once per process).
    extract_quotes('"Loaded," Ana Ruiz said.')
    db_path = Path(db_path)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    errors: list = []
    load_before = os.getloadavg()[0]
    own_start, children_start = _cpu_s()
    articles = _Timed(read.read_articles([str(corpus)], on_error=errors.append),
                      progress=progress_path(db_path))
    start = time.perf_counter()
    summary = store.ingest(db_path, articles, workers=workers)
    end = time.perf_counter()
    own_end, children_end = _cpu_s()
    elapsed = end - start
    return {
        "ingest_s": elapsed,
        # CPU time of the writer and of the extraction workers (SQLite included, I/O waits not).
        "ingest_cpu_s": (own_end - own_start) + (children_end - children_start),
        "ingest_writer_cpu_s": own_end - own_start,
        "ingest_workers": workers or store.default_workers(),
        "ingest_load": [load_before, os.getloadavg()[0]],
        "ingest_articles_s": summary.read / elapsed,
        "ingest_quotes_s": summary.quotes / elapsed,
        # Time spent reading JSONL inside the iterator, and after the last
        # article was read: the last batch, indexes, FTS and counts.
        "ingest_read_s": articles.inside,
        "ingest_tail_s": end - articles.exhausted_at if articles.exhausted_at else None,
        "ingest_peak_rss_mb": peak_rss_mb(),  # the writer
        # The largest extraction worker (Linux: the largest finished child).
        "ingest_worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "read_errors": len(errors),
        "db_articles": summary.articles,
        "db_quotes": summary.quotes,
        "db_speakers": summary.speakers,
        "db_mb": db_path.stat().st_size / 1e6,
    }


# ------------------------------------------------------------------ search

QUERY_TYPES = ("search", "table_search", "speaker_quotes", "speaker_table", "speaker_row",
               "facets", "facets_nosuggest", "view_filter")


def _sample_inputs(db_path: Path, n: int, seed: int) -> dict[str, list[str]]:
    """URLs to request per query type, from rows picked at random in the database."""
    rng = random.Random(seed)
    conn = sqlite3.connect(f"{Path(db_path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        max_rowid = conn.execute("select max(rowid) from quotes").fetchone()[0] or 0
        rows = []
        while len(rows) < n and max_rowid:
            row = conn.execute(
                "select quotes.text, quotes.speaker_id, speakers.name from quotes "
                "left join speakers on speakers.id = quotes.speaker_id "
                "where quotes.rowid = ?", (rng.randint(1, max_rowid),)).fetchone()
            if row and row[1]:
                rows.append(row)
        sources = [r[0] for r in conn.execute("select distinct source from quotes where source is not null")]
        titles = [r[0] for r in conn.execute("select distinct title from quotes where title is not null")]
    finally:
        conn.close()

    def phrase(text: str) -> str:
        # What a fact-checker pastes: a few consecutive words of the quote.
        words = text.strip("\"“”").split()
        length = min(len(words), rng.randint(3, 5))
        first = rng.randint(0, len(words) - length)
        return " ".join(words[first:first + length])

    urls: dict[str, list[str]] = defaultdict(list)
    for i, (text, speaker_id, name) in enumerate(rows):
        q = phrase(text)
        urls["search"].append("/quotes/search.json?" + urlencode({"q": q, "_shape": "array"}))
        urls["table_search"].append("/quotes/quotes.json?" + urlencode(
            {"_search": q, "_labels": "on", "_shape": "objects"}))
        urls["speaker_quotes"].append("/quotes/speaker_quotes.json?" + urlencode(
            {"speaker": name, "_shape": "array"}))
        urls["speaker_table"].append("/quotes/quotes.json?" + urlencode(
            {"speaker_id": speaker_id, "_labels": "on", "_shape": "objects"}))
        urls["speaker_row"].append(f"/quotes/speakers/{speaker_id}.json")
        # The table page with the metadata's facets: unfiltered, or narrowed by
        # a facet value as a click on one does.
        choice = i % 3
        if choice == 0 or not (sources and titles):
            facet = {"_shape": "objects"}
        elif choice == 1:
            facet = {"source": rng.choice(sources), "_shape": "objects"}
        else:
            facet = {"title": rng.choice(titles), "_shape": "objects"}
        urls["facets"].append("/quotes/quotes.json?" + urlencode(facet))
        # The same without Datasette's suggested facets (one query per column).
        urls["facets_nosuggest"].append("/quotes/quotes.json?" + urlencode({**facet, "_nosuggest": 1}))
        urls["view_filter"].append("/quotes/quotes_view.json?" + urlencode(
            {"title": rng.choice(titles) if titles else "President", "_shape": "objects"}))
    return urls


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    # Linear interpolation between closest ranks (numpy's default).
    position = (len(ordered) - 1) * p / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def search(db_path: Path, requests: int = 50, seed: int = 0, warmup: int = 2,
           type_budget_s: float = 120.0) -> dict:
    """Latency of each query type through the Datasette app, in process.

    Requests are sequential (one at a time) through `make_datasette(db).client`,
    which runs the full ASGI app without a socket. Each type gets `warmup`
    untimed requests first, then up to `requests` timed ones (fewer if the type
    runs past `type_budget_s`). Table pages are checked for facets left out
    because they timed out.
    """
    from quotes.publish import load_metadata, make_datasette

    urls = _sample_inputs(db_path, requests + warmup, seed)
    # Datasette 0.65 leaves a facet out of the JSON when it runs past
    # facet_time_limit_ms: count the pages that lack one of the configured facets.
    tables = load_metadata().get("databases", {}).get("quotes", {}).get("tables", {})
    configured = {name: len(table.get("facets", [])) for name, table in tables.items()}

    async def run() -> dict:
        ds = make_datasette(db_path)
        start = time.perf_counter()
        first = await ds.client.get("/quotes.json")  # startup, schema, table counts
        cold_ms = (time.perf_counter() - start) * 1000
        figures = {"cold_first_request_ms": cold_ms, "cold_status": first.status_code}
        for kind in QUERY_TYPES:
            times, errors, dropped, rows = [], Counter(), 0, []
            began = time.perf_counter()
            for i, url in enumerate(urls[kind]):
                start = time.perf_counter()
                response = await ds.client.get(url)
                ms = (time.perf_counter() - start) * 1000
                if response.status_code != 200:
                    errors[response.status_code] += 1
                    if "first_error" not in figures.get(kind, {}):
                        figures.setdefault(kind, {})["first_error"] = f"{url}: {response.text[:300]}"
                if i < warmup:
                    continue
                times.append(ms)
                if response.status_code == 200:
                    data = response.json()
                    if isinstance(data, dict):
                        if "facet_results" in data:  # a table page, not a row page
                            dropped += len(data["facet_results"]) < configured.get(data.get("table"), 0)
                        rows.append(len(data.get("rows", [])))
                    else:
                        rows.append(len(data))
                if time.perf_counter() - began > type_budget_s:
                    break
            for part, mb in rss_parts_mb().items():  # sampled after each type: its peak
                figures[f"search_rss_{part}_mb"] = max(figures.get(f"search_rss_{part}_mb", 0), mb)
            figures.setdefault(kind, {}).update({
                "n": len(times),
                "p50_ms": _percentile(times, 50) if times else None,
                "p95_ms": _percentile(times, 95) if times else None,
                "max_ms": max(times) if times else None,
                "errors": dict(errors),
                "facets_dropped": dropped,
                "mean_rows": statistics.mean(rows) if rows else None,
            })
        return figures

    load_before = os.getloadavg()[0]
    figures = asyncio.run(run())
    figures["load"] = [load_before, os.getloadavg()[0]]
    figures["search_peak_rss_mb"] = peak_rss_mb()
    figures["pid"] = os.getpid()
    return figures
