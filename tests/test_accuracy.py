"""Accuracy cannot silently drop: the evaluation on PolNeAR dev, against floors
set just under the figures reached (see the README's Accuracy section)."""

from pathlib import Path

import pytest

from quotes.evaluate import evaluate

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "polnear-dev.jsonl"

FLOORS = {
    "lenient_f1": 0.955,
    "strict_f1": 0.955,
    "speaker_accuracy": 0.93,
    "e2e_f1": 0.895,
}


@pytest.fixture(scope="module")
def figures():
    if not DEV.exists():
        pytest.skip(f"{DEV} is not here (it ships with the shared workspace, not the project)")
    return evaluate(str(DEV)).figures()


@pytest.mark.parametrize("measure", sorted(FLOORS))
def test_floor(figures, measure):
    assert figures[measure] >= FLOORS[measure], f"{measure} fell to {figures[measure]}"
