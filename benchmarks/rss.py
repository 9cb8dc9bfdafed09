"""Run a command and sample the resident memory of it and of every process it forks.

    python -m benchmarks.rss [--every 0.5] [--out FILE.json] -- quotes ingest big.jsonl --db big.db

``/usr/bin/time -v`` reports the largest single process's peak; an ingest forks
extraction workers and a grouping helper, so this samples ``/proc/PID/status``
(VmRSS, RssAnon, RssFile) of the whole process tree every ``--every`` seconds
and prints, per process, its peak RSS, its command line and when the peak was
seen, plus the peak of the tree's total. Wall time, and the load average before
and after, go with it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(_children(p))
    return found


def _status(pid: int) -> dict[str, int] | None:
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key = line.split(":", 1)[0]
                if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
                    values[key] = int(line.split()[1])  # KiB
    except OSError:
        return None
    return values


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return None


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()[:120]
    except OSError:
        return ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=0.5)
    parser.add_argument("--out")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    load_before = os.getloadavg()
    start = time.monotonic()
    proc = subprocess.Popen(command)
    peaks: dict[int, dict] = {}
    total_peak = (0, 0.0)
    while proc.poll() is None:
        now = time.monotonic() - start
        total = 0
        for pid in _tree(proc.pid):
            status = _status(pid)
            if not status or "VmRSS" not in status:
                continue
            total += status["VmRSS"]
            peak = peaks.setdefault(pid, {"pid": pid, "cmd": _cmdline(pid), "rss": 0, "first_s": round(now, 1)})
            peak["hwm"] = max(peak.get("hwm", 0), status.get("VmHWM", 0))
            peak["last_s"] = round(now, 1)
            cpu = _cpu_s(pid)
            if cpu is not None:
                peak["cpu_s"] = cpu
            if status["VmRSS"] > peak["rss"]:
                peak.update(rss=status["VmRSS"], anon=status.get("RssAnon", 0),
                            file=status.get("RssFile", 0), shmem=status.get("RssShmem", 0),
                            at_s=round(now, 1))
        if total > total_peak[0]:
            total_peak = (total, now)
        time.sleep(args.every)
    wall = time.monotonic() - start
    report = {"command": command, "exit": proc.returncode, "wall_s": round(wall, 1),
              "load_before": load_before, "load_after": os.getloadavg(),
              "tree_peak_mib": round(total_peak[0] / 1024, 1), "tree_peak_at_s": round(total_peak[1], 1),
              "processes": sorted(peaks.values(), key=lambda p: -p["rss"])}
    for p in report["processes"]:
        for key in ("rss", "anon", "file", "shmem", "hwm"):
            if key in p:
                p[key] = round(p[key] / 1024, 1)  # MiB
    text = json.dumps(report, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(f"wall {wall:.1f} s, load {load_before[0]:.2f} -> {report['load_after'][0]:.2f},"
          f" tree peak {report['tree_peak_mib']} MiB", file=sys.stderr)
    for p in report["processes"][:8]:
        print(f"  pid {p['pid']}: peak {p['rss']} MiB (anon {p.get('anon')}, file {p.get('file')},"
              f" hwm {p.get('hwm')}) at {p.get('at_s')} s, {p.get('cpu_s', 0):.1f} CPU-s,"
              f" alive {p['first_s']}-{p['last_s']} s: {p['cmd']}",
              file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
