"""Serve the database a swapping ingest put in place, without a restart.

`quotes ingest` builds a copy and renames it over the served file
(:func:`quotes.store.ingest`). A running Datasette keeps reading the file it
opened: its connections hold the old inode, and its row counts and schema are
the old file's. :class:`Reloader` notices the new file (a ``stat`` at most once
a second, on a request) and swaps the database in Datasette: a new
:class:`quotes.database.QuotesDatabase` for the same name, counted anew
(:func:`quotes.publish.inspect`), and a new pool of query threads, because
Datasette keeps each thread's connection by database name. Queries already
running finish on the old file; its connections are closed once they have.
"""

from __future__ import annotations

import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from datasette.app import Datasette

from .database import QuotesDatabase

CHECK_EVERY = 1.0  # seconds between two looks at the file

_reloaders: "weakref.WeakKeyDictionary[Datasette, Reloader]" = weakref.WeakKeyDictionary()


def _identity(path: Path) -> tuple[int, int, int]:
    """What changes when another file takes the path: inode, size, modification time."""
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


class Reloader:
    """Watches the file behind one immutable database of a Datasette app."""

    def __init__(self, ds: Datasette, name: str, path: Path, check_every: float = CHECK_EVERY):
        self.ds, self.name, self.path, self.check_every = ds, name, path, check_every
        self.served = _identity(path)
        self.checked = time.monotonic()
        self.reloads = 0

    def check(self) -> bool:
        """Swap the database in if another file has taken its path; True if it did."""
        now = time.monotonic()
        if now - self.checked < self.check_every:
            return False
        self.checked = now
        try:
            current = _identity(self.path)
        except OSError:  # mid-rename or removed: keep serving what is open
            return False
        if current == self.served:
            return False
        self._swap()
        self.served = current
        self.reloads += 1
        return True

    def _swap(self) -> None:
        from .publish import inspect  # (publish imports the plugin that imports this)

        old = self.ds.databases[self.name]
        self.ds.inspect_data[self.name] = inspect(self.path)
        fresh = QuotesDatabase(self.ds, self.path)
        old_threads = self.ds.executor
        if old_threads is not None:
            self.ds.executor = ThreadPoolExecutor(max_workers=old_threads._max_workers)
        self.ds.remove_database(self.name)
        self.ds.add_database(fresh, name=self.name, route=old.route)

        def close_when_done():
            if old_threads is not None:
                old_threads.shutdown(wait=True)
            old.close()  # frees the replaced file, which no path names any more

        threading.Thread(target=close_when_done, name="quotes-reload", daemon=True).start()


def watch(ds: Datasette, name: str, path: Path, check_every: float = CHECK_EVERY) -> Reloader:
    """Start watching path for the database `name` of ds."""
    reloader = _reloaders[ds] = Reloader(ds, name, path, check_every)
    return reloader


def reloader_of(ds: Datasette) -> Reloader | None:
    return _reloaders.get(ds)
