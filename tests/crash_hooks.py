"""Run the `quotes` command, SIGKILLing itself at a named step (for tests/test_crash.py).

    python tests/crash_hooks.py STEP ingest PATH --db FILE ...

Timing-based kills land where the time goes (reading, attributing, grouping);
these land exactly on the narrow windows in between:

    batch      inside the second batch's transaction, its rows written, not committed
    fts        while finalizing: the FTS index populated, its triggers not yet made
    speakers   while finalizing: speakers recounted, variant groups not yet rebuilt
    groups     while finalizing: groups rebuilt, the ingest_state row not yet cleared
    rename     (swap) the finished copy closed and synced, not yet renamed
    renamed    (swap) just after the rename, before the copy's leftovers are removed
"""

from __future__ import annotations

import os
import signal
import sys

import sqlite_utils.db

from quotes import cli, search, store


def die():
    os.kill(os.getpid(), signal.SIGKILL)


def kill_after(owner, name, nth=1, before=False):
    original = getattr(owner, name)
    calls = [0]

    def wrapper(*args, **kwargs):
        calls[0] += 1
        if before and calls[0] == nth:
            die()
        result = original(*args, **kwargs)
        if not before and calls[0] == nth:
            die()
        return result

    setattr(owner, name, wrapper)


STEPS = {
    "batch": lambda: kill_after(store, "mark_stale", nth=2),
    "fts": lambda: kill_after(sqlite_utils.db.Table, "populate_fts"),
    "speakers": lambda: kill_after(store, "refresh_speakers"),
    "groups": lambda: kill_after(search, "build_groups"),
    "rename": lambda: kill_after(os, "replace", before=True),
    "renamed": lambda: kill_after(os, "replace"),
}

if __name__ == "__main__":
    STEPS[sys.argv[1]]()
    sys.argv = ["quotes", *sys.argv[2:]]
    cli.cli()
