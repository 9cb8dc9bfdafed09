"""A bounded load test of `quotes serve`, on this machine only.

    python benchmarks/load.py                      # examples/ into a temporary database
    python benchmarks/load.py --db db/quotes.db --concurrency 16 --requests 5000
    python benchmarks/load.py --url http://127.0.0.1:8001   # a server already running

Starts `quotes serve` on 127.0.0.1 (a free port) unless --url names a running
server, sends a fixed number of requests from concurrent clients (a mix of what
a fact-checker's browser and API clients ask: table pages, search, facets, the
canned queries, row pages, JSON), stops the server it started, and reports
requests per second, latency percentiles and errors. It stops by itself: after
--requests requests or --max-seconds, whichever comes first. Only loopback
addresses are accepted as targets.

The exit status is 1 when any request failed (a transport error or an HTTP
status of 500 or more; 4xx counts too unless it is expected, see MIX).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent

# (name, path template, weight). {quote}, {speaker}, {article}, {word}, {name} are
# filled from the database, so every request asks for something that exists.
MIX = [
    ("index", "/", 2),
    ("database", "/quotes", 1),
    ("quotes table", "/quotes/quotes", 4),
    ("quotes json", "/quotes/quotes.json?_shape=objects&_labels=on", 6),
    ("table search", "/quotes/quotes.json?_search={word}&_shape=array", 10),
    ("table search page", "/quotes/quotes?_search={word}", 4),
    ("facet by title", "/quotes/quotes.json?_facet=title&_nocount=1&_shape=objects", 3),
    ("canned search", "/quotes/search.json?q={word}&_shape=array", 10),
    ("canned search page", "/quotes/search?q={word}", 3),
    ("find", "/quotes/find.json?q={word}&_shape=array", 6),
    ("find page", "/quotes/find?q={word}", 2),
    ("closest", "/quotes/closest.json?q={word}+{word}&_shape=array", 3),
    ("speaker quotes", "/quotes/speaker_quotes.json?speaker={name}&_shape=array", 6),
    ("view", "/quotes/quotes_view.json?_shape=array&_size=20", 4),
    ("speakers", "/quotes/speakers", 2),
    ("quote row", "/quotes/quotes/{quote}", 4),
    ("speaker row", "/quotes/speakers/{speaker}", 4),
    ("article row", "/quotes/articles/{article}.json", 3),
    ("robots", "/robots.txt", 1),
]


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_database(path: Path, folder: Path) -> None:
    """Ingest `folder` (the project's examples/ by default) into a new database."""
    from quotes import read, store

    errors = []
    summary = store.ingest(str(path), read.read_articles([str(folder)], on_error=errors.append))
    if errors or not summary.quotes:
        raise SystemExit(f"could not build a database from {folder}: {errors or 'no quotes'}")


def samples(db_path: Path) -> dict[str, list[str]]:
    """Values to put in the URLs: ids, speaker names and words that occur in quotes."""
    import sqlite3

    conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = lambda sql: [r[0] for r in conn.execute(sql)]  # noqa: E731
        words = Counter()
        for text in rows("select text from quotes limit 2000"):
            words.update(w.strip('"“”.,;:!?()').lower() for w in text.split())
        return {
            "quote": rows("select id from quotes limit 200"),
            "speaker": rows("select id from speakers limit 200"),
            "article": rows("select id from articles limit 200"),
            "name": rows("select name from speakers limit 200"),
            "word": [w for w, _ in words.most_common(300) if len(w) > 3 and w.isalpha()][:100],
        }
    finally:
        conn.close()


def plan(values: dict[str, list[str]], count: int) -> list[tuple[str, str]]:
    """`count` (name, path) pairs, the MIX in proportion, filled round-robin."""
    weighted = [(name, path) for name, path, weight in MIX for _ in range(weight)
                if all(values.get(key) for key in ("quote", "speaker", "article", "name", "word")
                       if "{" + key + "}" in path)]
    used = defaultdict(int)
    result = []
    for i in range(count):
        name, template = weighted[i % len(weighted)]
        fields = {}
        for key, options in values.items():
            if "{" + key + "}" in template:
                fields[key] = quote(options[used[key] % len(options)], safe="")
                used[key] += 1
        result.append((name, template.format(**fields)))
    return result


async def run_load(base: str, requests: list[tuple[str, str]], concurrency: int,
                   timeout: float, max_seconds: float) -> dict:
    queue: asyncio.Queue = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: Counter = Counter()
    failures: Counter = Counter()
    deadline = time.perf_counter() + max_seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            try:
                name, path = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            try:
                response = await client.get(path)
                await response.aread()
                statuses[response.status_code] += 1
                if response.status_code >= 400:
                    failures[f"{name}: HTTP {response.status_code}"] += 1
            except httpx.HTTPError as error:
                statuses[type(error).__name__] += 1
                failures[f"{name}: {type(error).__name__}"] += 1
            latencies[name].append(time.perf_counter() - started)

    async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits,
                                 follow_redirects=False) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started

    everything = sorted(t for values in latencies.values() for t in values)
    done = len(everything)
    return {
        "requests": done,
        "planned": len(requests),
        "stopped_by_deadline": done < len(requests),
        "concurrency": concurrency,
        "seconds": round(elapsed, 3),
        "requests_per_second": round(done / elapsed, 1) if elapsed else None,
        "errors": sum(failures.values()),
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))},
        "failures": dict(failures.most_common()),
        "latency_ms": percentiles(everything),
        "by_request": {name: {"count": len(values), **percentiles(sorted(values))}
                       for name, values in sorted(latencies.items())},
    }


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    pick = lambda q: round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)  # noqa: E731
    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99),
            "max": round(values[-1] * 1000, 1), "mean": round(statistics.fmean(values) * 1000, 1)}


def start_server(db: Path, port: int, extra: list[str], log) -> subprocess.Popen:
    command = [sys.executable, "-m", "quotes.cli", "serve", str(db), "--host", "127.0.0.1",
               "--port", str(port), *extra]
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_until_up(base: str, server: subprocess.Popen | None, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise SystemExit(f"quotes serve exited with status {server.returncode}")
        try:
            if httpx.get(base + "/-/versions.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{base} did not answer within {seconds:.0f} s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly on Ctrl-C
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def report(result: dict, out=sys.stdout) -> None:
    lat = result["latency_ms"]
    print(f"{result['requests']} requests ({result['planned']} planned) from {result['concurrency']} "
          f"concurrent clients in {result['seconds']} s: {result['requests_per_second']} requests/s, "
          f"{result['errors']} errors", file=out)
    if lat:
        print(f"latency ms: p50 {lat['p50']}, p95 {lat['p95']}, p99 {lat['p99']}, max {lat['max']}",
              file=out)
    print(f"statuses: {result['statuses']}", file=out)
    if result["stopped_by_deadline"]:
        print("stopped by --max-seconds before all requests were sent", file=out)
    for failure, count in result["failures"].items():
        print(f"  error: {failure} x{count}", file=out)
    print(f"\n{'request':<20} {'count':>6} {'p50':>8} {'p95':>8} {'max':>8}  (ms)", file=out)
    for name, row in result["by_request"].items():
        print(f"{name:<20} {row['count']:>6} {row['p50']:>8} {row['p95']:>8} {row['max']:>8}", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="quote database to serve (default: examples/ "
                        "ingested into a temporary file)")
    parser.add_argument("--articles", type=Path, default=ROOT / "examples",
                        help="what to ingest when --db is not given (default: examples/)")
    parser.add_argument("--url", help="load a server already running here instead (loopback only)")
    parser.add_argument("--requests", type=int, default=3000, help="requests to send (default 3000)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request (default 30)")
    parser.add_argument("--max-seconds", type=float, default=300,
                        help="stop sending after this long (default 300)")
    parser.add_argument("--no-sql", action="store_true", help="serve with --no-sql")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1 or args.max_seconds <= 0:
        parser.error("--requests, --concurrency and --max-seconds must be positive")

    with tempfile.TemporaryDirectory(prefix="quotes-load-") as tmp:
        server = None
        if args.url:
            parts = urlsplit(args.url)
            if parts.scheme != "http" or not parts.hostname or not loopback(parts.hostname):
                parser.error("--url must be http:// on a loopback address (127.0.0.1, localhost, [::1])")
            if args.db is None:
                parser.error("--url needs --db too, to pick ids and words for the requests")
            base = args.url.rstrip("/")
            db = args.db
        else:
            db = args.db or Path(tmp) / "quotes.db"
            if args.db is None:
                build_database(db, args.articles)
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            log = open(Path(tmp) / "serve.log", "wb")
            server = start_server(db, port, ["--no-sql"] if args.no_sql else [], log)
        try:
            wait_until_up(base, server)
            values = samples(db)
            requests = plan(values, args.requests)
            result = asyncio.run(run_load(base, requests, args.concurrency, args.timeout, args.max_seconds))
        finally:
            if server is not None:
                stop_server(server)
                log.close()
        result.update(database=str(db), quotes=_count(db), target=base,
                      cpus=os.cpu_count(), python=sys.version.split()[0])
        report(result)
        if args.json:
            args.json.write_text(json.dumps(result, indent=2) + "\n")
        return 1 if result["errors"] else 0


def _count(db: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("select count(*) from quotes").fetchone()[0]
    finally:
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
