"""Whether two quotes databases hold the same rows: every table, row for row.

    python -m benchmarks.samedb A.db B.db

Each table's rows in rowid order (all columns, in column order, for a table
without rowid) are hashed, rowids included; the schema is compared as a set
of (type, name, table, SQL), so the order objects were created in does not
count. ``ingest_state`` is left out, and so is the articles' ``path`` (the
corpus path as given on the command line). Prints a line per table and exits
1 when any differs.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys


def digests(path: str) -> dict[str, tuple[int, str]]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        schema = sorted(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"
                                   " WHERE name NOT LIKE 'sqlite_%'").fetchall(), key=repr)
        out = {"(schema)": (len(schema), hashlib.sha256(repr(schema).encode()).hexdigest())}
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                           " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        for name in tables:
            if name == "ingest_state":
                continue
            try:
                rows = db.execute(f"SELECT rowid, * FROM [{name}] ORDER BY rowid")
            except sqlite3.OperationalError:  # WITHOUT ROWID
                columns = [r[1] for r in db.execute(f"PRAGMA table_info([{name}])")]
                rows = db.execute(f"SELECT * FROM [{name}] ORDER BY "
                                  + ", ".join(f"[{c}]" for c in columns))
            digest, n = hashlib.sha256(), 0
            for row in rows:
                digest.update(repr(row[:-1] if name == "articles" else row).encode())
                n += 1
            out[name] = (n, digest.hexdigest())
        return out
    finally:
        db.close()


def main(argv=None) -> int:
    a_path, b_path = (argv or sys.argv[1:])[:2]
    a, b = digests(a_path), digests(b_path)
    same = True
    for name in sorted(set(a) | set(b)):
        equal = a.get(name) == b.get(name)
        same &= equal
        print(f"{'same' if equal else 'DIFFERENT':9} {name}: {a.get(name, ('-',))[0]} / {b.get(name, ('-',))[0]} rows")
    print("the same rows" if same else "the rows differ")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
