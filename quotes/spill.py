"""A dict of integer keys to arrays that holds a bounded amount in memory and
keeps the rest in a temporary SQLite file: what grouping keeps per word triple
and per wording grows with the corpus, its memory must not
(benchmarks/README.md, "1 million articles").
"""

from __future__ import annotations

import sqlite3
from array import array

# Bytes an entry costs besides its items: the dict slot, the key object, the
# array object and its over-allocation (measured with tracemalloc: 180 to 230).
ENTRY_BYTES = 200
_BUCKET_BITS = 24  # a bit per bucket of key hashes: which keys may be on disk


class SpillDict:
    """``key -> array(typecode)``, with about ``budget`` bytes in memory.

    Two generations: the entries used since the last spill are *hot*, the
    rest *cold*. When the estimated size passes the budget, the cold entries
    are written to a temporary SQLite database (SQLite's own, deleted when
    closed) and the hot ones become cold; an entry read back is hot again. A
    key never written to disk costs no disk read: a bitmap of key buckets says
    which keys may be there. The values are those a plain dict would hold,
    whatever the budget; only where they are differs.

    ``get(key)`` returns the array, or None; a caller that changes it says so
    (:meth:`grew`) before the next call. Keys are integers of up to 64 bits.
    """

    def __init__(self, typecode: str, budget: int) -> None:
        self.typecode = typecode
        self.itemsize = array(typecode).itemsize
        self.budget = budget
        self.hot: dict[int, array] = {}
        self.cold: dict[int, array] = {}
        self.hot_size = self.cold_size = 0
        self.disk: sqlite3.Connection | None = None
        self.on_disk = bytearray(1 << (_BUCKET_BITS - 3))
        self.spills = self.written = self.read = 0

    def _size(self, value: array) -> int:
        return ENTRY_BYTES + len(value) * self.itemsize

    def get(self, key: int) -> array | None:
        value = self.hot.get(key)
        if value is not None:
            return value
        value = self.cold.pop(key, None)
        if value is not None:
            size = self._size(value)
            self.cold_size -= size
        else:
            bucket = key & ((1 << _BUCKET_BITS) - 1)
            if self.disk is None or not self.on_disk[bucket >> 3] & (1 << (bucket & 7)):
                return None
            row = self.disk.execute("SELECT v FROM spill WHERE k = ?", (_signed(key),)).fetchone()
            if row is None:
                return None
            value = array(self.typecode)
            value.frombytes(row[0])
            self.read += 1
            size = self._size(value)
        self.hot[key] = value
        self.hot_size += size  # bounded by the next append or put, once the caller is done with it
        return value

    def append(self, key: int, item: int) -> None:
        """Append item to key's array, a new one if key has none."""
        value = self.get(key)
        if value is None:
            self.hot[key] = array(self.typecode, (item,))
            self.hot_size += ENTRY_BYTES + self.itemsize
        else:
            value.append(item)
            self.hot_size += self.itemsize
        self._bound()

    def new(self, key: int, value: array) -> None:
        """Set the array of a key that has none."""
        self.hot[key] = value
        self.hot_size += self._size(value)
        self._bound()

    def grew(self, items: int) -> None:
        """Count ``items`` more in an array :meth:`get` returned and the caller
        then extended, before any other call (the array is then a hot one)."""
        self.hot_size += items * self.itemsize
        self._bound()

    def _bound(self) -> None:
        if self.hot_size + self.cold_size <= self.budget:
            return
        self._spill_cold()
        self.cold, self.cold_size = self.hot, self.hot_size
        self.hot, self.hot_size = {}, 0
        if self.cold_size > self.budget:  # what was used since the last spill is too much alone
            self._spill_cold()

    def _spill_cold(self) -> None:
        if not self.cold:
            return
        if self.disk is None:
            self.disk = sqlite3.connect("")  # a private temporary file, deleted when closed
            self.disk.execute("PRAGMA journal_mode = OFF")
            self.disk.execute("PRAGMA synchronous = OFF")
            self.disk.execute("CREATE TABLE spill (k INTEGER PRIMARY KEY, v BLOB)")
        mask = (1 << _BUCKET_BITS) - 1
        for key in self.cold:
            bucket = key & mask
            self.on_disk[bucket >> 3] |= 1 << (bucket & 7)
        self.disk.executemany("INSERT OR REPLACE INTO spill (k, v) VALUES (?, ?)",
                              ((_signed(key), value.tobytes()) for key, value in sorted(self.cold.items())))
        self.spills += 1
        self.written += len(self.cold)
        self.cold, self.cold_size = {}, 0

    def close(self) -> None:
        if self.disk is not None:
            self.disk.close()
            self.disk = None
        self.hot, self.cold = {}, {}
        self.hot_size = self.cold_size = 0


def _signed(key: int) -> int:
    """An unsigned 64-bit key as SQLite's signed integer."""
    return key - (1 << 64) if key >= 1 << 63 else key
