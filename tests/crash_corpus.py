"""A corpus of small invented articles for the crash and swap tests (and for measuring them).

Deterministic for a given (count, seed). Every name, outlet and quote is made
up from the word lists below; some quotes recur across articles, so variant
groups have something to group, and speakers recur, so their counts matter.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

FIRST = "Ana Boris Carla Dario Elin Farid Greta Hugo Ines Jonas Kira Luca Mina Nils Oda Pavel".split()
LAST = "Brennow Castell Dravik Elmsworth Farrow Galdi Holm Istvan Jarle Korvin Lunde Morrow".split()
TITLES = ["Mayor", "Senator", "Minister", "Director", "Professor", "Judge"]
OUTLETS = ["Northwind Wire", "Harbour Post", "Valley Courier", "Example Gazette"]
SUBJECTS = "the bridge|the harbour wall|the new school|the mine|the ferry line|the budget|the dam|the clinic".split("|")
VERBS = "will open|must wait|is safe|was never approved|will cost more|needs a second look".split("|")
WHEN = "in spring|this year|before the winter|next month|by the election|in March".split("|")
NOUNS = """roads fees nurses trains boats wages rents taxes bins lamps parks ferries tunnels
grants permits meters pipes farms mills docks quays rates loans drains buses clinics""".split()
ADJS = """late unfair costly urgent broken cheap quiet crowded unsafe fair slow open""".split()


def articles(count: int, seed: int = 1) -> list[dict]:
    """count JSONL records (id, url, title, source, published, text), two quotes each."""
    rng = random.Random(seed)
    records = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        other = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        title = rng.choice(TITLES)
        subject = rng.choice(SUBJECTS)
        said = f"{subject.capitalize()} {rng.choice(VERBS)} {rng.choice(WHEN)}"
        picked = rng.sample(NOUNS, 4)
        extra = (f"The {picked[0]} are {rng.choice(ADJS)} and the {picked[1]} are "
                 f"{rng.choice(ADJS)}, so {picked[2]} and {picked[3]} come first")
        text = (f"Report {n} on {subject}\n\n"
                f"\u201c{said},\u201d {title} {first} {last} said on Tuesday.\n\n"
                f"Residents disagreed. \u201c{extra},\u201d said {other}.\n")
        records.append({
            "id": f"crash-{seed}-{n}",
            "url": f"https://news.example/{seed}/{n}",
            "title": f"Report {n} on {subject}",
            "source": rng.choice(OUTLETS),
            "published": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "text": text,
        })
    return records


def write(folder: Path, count: int, seed: int = 1, files: int = 4) -> Path:
    """Write the corpus as `files` JSONL files under folder; return folder."""
    folder.mkdir(parents=True, exist_ok=True)
    records = articles(count, seed)
    for part in range(files):
        with open(folder / f"part-{part}.jsonl", "w", encoding="utf-8") as out:
            for record in records[part::files]:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return folder
