"""Repeat a corpus with new article ids and urls: a larger corpus from a generated one.

    python -m benchmarks.repeat benchmarks/out/corpus-1m-seed0-v1.jsonl 8.5 > big.jsonl

Copy r (from 0) of an article has the id ``ID-rR`` and the url ``URL?r=R`` (copy 0 is
the article as it was); a fractional count ends with the first part of a copy. The
quotes and speakers are those of the corpus again, so every quote has a copy per
repetition (more variant grouping than real news): how the "1 million articles"
figures of benchmarks/README.md were made.
"""

from __future__ import annotations

import json
import math
import sys


def repeat(path: str, times: float, out) -> int:
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    written = 0
    for r in range(math.ceil(times)):
        part = lines if r + 1 <= times else lines[:round(len(lines) * (times - r))]
        for line in part:
            if r:
                article = json.loads(line)
                article["id"] = f"{article['id']}-r{r}"
                article["url"] = f"{article['url']}?r={r}"
                line = json.dumps(article, ensure_ascii=False) + "\n"
            out.write(line)
            written += 1
    return written


if __name__ == "__main__":
    n = repeat(sys.argv[1], float(sys.argv[2]), sys.stdout)
    print(f"{n:,} articles", file=sys.stderr)
