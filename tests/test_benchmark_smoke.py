"""A small, fast run of the benchmark in benchmarks/ (a few seconds).

The generator's known quotes and speakers are a correctness check: the floors
below sit under what was measured (every generated quote found and attributed
at 10k, 100k and 1M quotes; see benchmarks/README.md). Speed is not asserted
here: timings belong to `python -m benchmarks.run`, not to CI.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # benchmarks/ is not part of the installed package

from benchmarks import generate, run, stages  # noqa: E402

FOUND_FLOOR = 0.98  # measured: 1.000
ATTRIBUTED_FLOOR = 0.97  # measured: 1.000
EXTRA_CEILING = 0.01  # quotes extracted that the generator did not write; measured: 0


def test_generator_is_deterministic_and_records_spans(tmp_path):
    a = list(generate.Generator(300, seed=7).articles())
    b = list(generate.Generator(300, seed=7).articles())
    assert a == b
    assert sum(len(expected) for _, expected in a) == 300
    patterns = set()
    for record, expected in a:
        for e in expected:
            quote = record["text"][e.start:e.end]
            assert quote[0] in "\"\u201c" and quote[-1] in "\"\u201d", quote
            patterns.add(e.pattern.split("/")[1])
    assert patterns == {"full", "appositive", "titled", "surname", "pronoun"}


def test_benchmark_pipeline_finds_and_attributes_generated_quotes(tmp_path):
    size = 400
    assert run.main(["--sizes", str(size), "--out", str(tmp_path), "--requests", "3",
                     "--no-isolate"]) == 0
    result = json.loads((tmp_path / "results.json").read_text())[run.label(size)]

    assert result["expected_quotes"] == size
    assert result["found"] >= FOUND_FLOOR, result["misses"]
    assert result["attributed"] >= ATTRIBUTED_FLOOR, result["misses"]
    assert result["extra_quotes"] <= EXTRA_CEILING * size
    # Every stage ran on the same corpus: the database holds what extraction found.
    assert result["read_errors"] == 0
    assert result["db_articles"] == result["articles"]
    assert result["db_quotes"] == result["extracted_quotes"]
    search = result["search"]
    assert search["cold_status"] == 200
    for kind in stages.QUERY_TYPES:
        assert search[kind]["n"] == 3, kind
        assert search[kind]["errors"] == {}, search[kind].get("first_error")
        assert search[kind]["mean_rows"], kind  # every sampled query finds something


def test_sizes_parse():
    assert [run.parse_size(s) for s in ("10k", "100k", "1m", "2500", "1.5k")] == \
        [10_000, 100_000, 1_000_000, 2500, 1500]
    assert [run.label(n) for n in (10_000, 1_000_000, 400)] == ["10k", "1m", "400"]
