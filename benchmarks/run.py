"""Build corpora of generated news articles and measure `quotes` on them.

    python -m benchmarks.run --sizes 10k,100k,1m

For each size (a number of quotes): generate a corpus (cached under --out),
check and time extraction, time ingest into a new database, and time searches
through the Datasette app. Each stage runs in a fresh process so its peak
memory is its own. Figures are printed as a Markdown table, one column per
size, and saved to OUT/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # `python benchmarks/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

from benchmarks import generate, stages  # noqa: E402

STAGES = ("generate", "extract", "ingest", "search")
DEFAULT_OUT = Path(__file__).resolve().parent / "out"


def parse_size(text: str) -> int:
    """'10k' -> 10_000, '1m' -> 1_000_000, '2500' -> 2500."""
    text = text.strip().lower().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if factor > 1 else text) * factor)


def label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


def corpus_path(out: Path, size: int, seed: int) -> Path:
    return out / f"corpus-{label(size)}-seed{seed}-v{generate.VERSION}.jsonl"


def run_size(size: int, out: Path, wanted: set[str], seed: int, requests: int,
             isolate: bool, log=print, save=lambda result: None,
             ingest_limit: float | None = None, workers: int | None = None) -> dict:
    """Every wanted stage for one size; figures in one flat dict (plus nested parts).

    `save(result)` is called after each stage, so a long run keeps what it
    measured. An ingest past `ingest_limit` seconds (isolated runs only) is
    stopped and reported with how far it got; search is then skipped.
    """
    def call(func, *args, timeout=None, **kwargs):
        if isolate:
            return stages.isolated(func, *args, timeout=timeout, **kwargs)
        return func(*args, **kwargs)

    corpus = corpus_path(out, size, seed)
    db_path = out / f"quotes-{label(size)}.db"
    result: dict = {"size": size, "label": label(size)}
    have_corpus = corpus.exists() and generate.expected_path(corpus).exists()
    if "generate" in wanted or not have_corpus:
        log(f"[{label(size)}] generating {corpus} ...")
        start = time.perf_counter()
        result["generated"] = generate.write_corpus(corpus, size, seed)
        result["generate_s"] = time.perf_counter() - start
        save(result)
    if "extract" in wanted:
        log(f"[{label(size)}] extract + correctness check ...")
        result.update(call(stages.extract, corpus))
        save(result)
    if "ingest" in wanted:
        log(f"[{label(size)}] ingest into {db_path} ...")
        progress = stages.progress_path(db_path)
        progress.unlink(missing_ok=True)
        try:
            result.update(call(stages.ingest, corpus, db_path, workers=workers, timeout=ingest_limit))
            result["ingest_stopped"] = None
        except stages.StageTimeout:
            got = json.loads(progress.read_text()) if progress.exists() else {}
            result.update({key: None for key in INGEST_KEYS})
            result["ingest_stopped"] = {"after_s": ingest_limit, **got}
            log(f"[{label(size)}] ingest stopped after {ingest_limit:,.0f} s: {got}")
            for leftover in out.glob(f"{db_path.name}-ingest-*.tmp*"):  # the store's work file
                leftover.unlink()
            wanted = wanted - {"search"}
        finally:
            progress.unlink(missing_ok=True)
        save(result)
    if "search" in wanted:
        log(f"[{label(size)}] search through Datasette ({requests} requests per type) ...")
        result["search"] = call(stages.search, db_path, requests=requests, seed=seed)
        save(result)
    return result


INGEST_KEYS = ("ingest_s", "ingest_cpu_s", "ingest_articles_s", "ingest_quotes_s", "ingest_read_s",
               "ingest_tail_s", "ingest_peak_rss_mb", "ingest_worker_peak_rss_mb", "ingest_writer_cpu_s",
               "db_articles", "db_quotes", "db_speakers",
               "db_mb")


def code_version() -> str:
    """Which `quotes` is measured: its commit, and whether its files differ from it."""
    import subprocess

    import quotes

    where = Path(quotes.__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "-C", str(where), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(where), "status", "--porcelain", "--", "."],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"quotes from {where} (not a git checkout)"
    return f"quotes {commit}{' with uncommitted changes' if dirty else ''} ({where})"


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def table(results: list[dict]) -> str:
    """A Markdown table: one row per figure, one column per size."""
    def get(r, *keys):
        for key in keys:
            if not isinstance(r, dict) or key not in r:
                return None
            r = r[key]
        return r

    rows: list[tuple[str, callable]] = [
        ("articles", lambda r: _fmt(get(r, "articles") or get(r, "db_articles"))),
        ("generated quotes", lambda r: _fmt(get(r, "expected_quotes"))),
        ("article text, MB", lambda r: _fmt(get(r, "text_mb"))),
        ("found (exact span)", lambda r: _fmt_pct(get(r, "found"))),
        ("attributed to the right speaker", lambda r: _fmt_pct(get(r, "attributed"))),
        ("title right (titled speakers)", lambda r: _fmt_pct(get(r, "title_right"))),
        ("extra quotes (not generated)", lambda r: _fmt(get(r, "extra_quotes"))),
        ("extract, MB/s (1 core)", lambda r: _fmt(get(r, "extract_mb_s"), 2)),
        ("extract, MB/s of CPU time", lambda r: _fmt(get(r, "extract_cpu_mb_s"), 2)),
        ("extract, articles/s (1 core)", lambda r: _fmt(get(r, "extract_articles_s"), 0)),
        ("extract, peak RSS MiB", lambda r: _fmt(get(r, "extract_peak_rss_mb"), 0)),
        ("ingest, s (CPU s)", lambda r: f"{_fmt(get(r, 'ingest_s'), 1)} ({_fmt(get(r, 'ingest_cpu_s'), 1)})"),
        ("ingest, articles/s", lambda r: _fmt(get(r, "ingest_articles_s"), 0)),
        ("ingest, quotes/s", lambda r: _fmt(get(r, "ingest_quotes_s"), 0)),
        ("ingest, after last article (indexes, FTS), s", lambda r: _fmt(get(r, "ingest_tail_s"), 1)),
        ("ingest, extraction processes", lambda r: _fmt(get(r, "ingest_workers"))),
        ("ingest, CPU s of the writer", lambda r: _fmt(get(r, "ingest_writer_cpu_s"), 1)),
        ("ingest, peak RSS MiB (writer / largest worker or grouping helper)", lambda r: (
            f"{_fmt(get(r, 'ingest_peak_rss_mb'), 0)} / {_fmt(get(r, 'ingest_worker_peak_rss_mb'), 0)}")),
        ("ingest stopped at the limit", lambda r: _stopped(get(r, "ingest_stopped"))),
        ("database, MB", lambda r: _fmt(get(r, "db_mb"), 0)),
        ("quotes / speakers in database", lambda r: (
            f"{_fmt(get(r, 'db_quotes'))} / {_fmt(get(r, 'db_speakers'))}")),
        ("Datasette first request (cold), ms", lambda r: _fmt(get(r, "search", "cold_first_request_ms"), 0)),
    ]
    for kind in stages.QUERY_TYPES:
        rows.append((f"{kind} p50 / p95, ms", lambda r, k=kind: _latency(get(r, "search", k))))
    rows.append(("search, peak RSS MiB", lambda r: _fmt(get(r, "search", "search_peak_rss_mb"), 0)))
    # The database is memory-mapped (quotes/plugin.py): its pages count in RSS as
    # mapped file pages, once per connection mapping them; the process's own memory is anon.
    rows.append(("search, RSS MiB: own (anon) / mapped file, highest sampled",
                 lambda r: f"{_fmt(get(r, 'search', 'search_rss_anon_mb'), 0)} / "
                           f"{_fmt(get(r, 'search', 'search_rss_file_mb'), 0)}"))
    rows.append(("load average before extract / ingest / search", lambda r: " / ".join(
        _fmt(x[0], 1) if x else "—" for x in (get(r, "extract_load"), get(r, "ingest_load"),
                                               get(r, "search", "load")))))

    header = "| | " + " | ".join(r["label"] for r in results) + " |"
    lines = [header, "| --- |" + " ---: |" * len(results)]
    for name, cell in rows:
        lines.append(f"| {name} | " + " | ".join(cell(r) for r in results) + " |")
    return "\n".join(lines)


def _stopped(info) -> str:
    if not info:
        return "—"
    read = info.get("articles_read")
    text = f"after {_fmt(info.get('after_s'), 0)} s, {_fmt(read)} articles read"
    if info.get("all_read_after_s") is not None:
        text += f" (all by {_fmt(info['all_read_after_s'], 0)} s, then finalizing)"
    return text


def _fmt_pct(value) -> str:
    return "—" if value is None else f"{100 * value:.2f} %"


def _latency(figures) -> str:
    if not figures or figures.get("p50_ms") is None:
        return "—"
    text = f"{figures['p50_ms']:,.1f} / {figures['p95_ms']:,.1f}"
    notes = []
    if figures.get("errors"):
        notes.append("errors " + ",".join(f"{k}×{v}" for k, v in figures["errors"].items()))
    if figures.get("facets_dropped"):
        notes.append(f"a facet timed out in {figures['facets_dropped']}/{figures['n']}")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k,1m",
                        help="comma-separated numbers of quotes (default: 10k,100k,1m)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="where corpora, databases and results.json go (default: benchmarks/out)")
    parser.add_argument("--stages", default="extract,ingest,search",
                        help="comma-separated, from generate,extract,ingest,search; a missing "
                             "corpus is always generated (default: extract,ingest,search)")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per query type")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ingest-limit", type=float, default=None, metavar="SECONDS",
                        help="stop an ingest that runs longer and report how far it got")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="extraction processes for ingest (default: one per core; 1: none)")
    parser.add_argument("--no-isolate", action="store_true",
                        help="run stages in this process (peak memory is then cumulative)")
    args = parser.parse_args(argv)

    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    wanted = {s.strip() for s in args.stages.split(",") if s.strip()}
    unknown = wanted - set(STAGES)
    if unknown:
        parser.error(f"unknown stages: {', '.join(sorted(unknown))}")
    args.out.mkdir(parents=True, exist_ok=True)
    results_path = args.out / "results.json"
    saved = json.loads(results_path.read_text()) if results_path.exists() else {}

    def log(message):
        print(message, file=sys.stderr, flush=True)

    import sqlite3

    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
               f"SQLite {sqlite3.sqlite_version}")
    code = code_version()
    log(f"machine: {machine}\ncode: {code}")
    results = []
    for size in sizes:
        start = time.perf_counter()
        before = saved.get(label(size), {})

        def save(result, before=before, size=size):
            # Figures of stages not run this time are kept from the last run.
            saved[label(size)] = {**before, **result, "machine": machine, "code": code,
                                  "when": time.strftime("%Y-%m-%d %H:%M:%S")}
            results_path.write_text(json.dumps(saved, indent=2))

        result = run_size(size, args.out, wanted, args.seed, args.requests,
                          isolate=not args.no_isolate, log=log, save=save,
                          ingest_limit=args.ingest_limit, workers=args.workers)
        save(result)
        merged = saved[label(size)]
        results.append(merged)
        log(f"[{label(size)}] done in {time.perf_counter() - start:,.0f} s")
        log(table([merged]))
        for miss in merged.get("misses", [])[:5] if "extract" in wanted else []:
            log(f"  miss ({miss['pattern']}): expected {miss['expected']}, got {miss['got']} "
                f"({miss['sieve']}): {miss['context']!r}")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
