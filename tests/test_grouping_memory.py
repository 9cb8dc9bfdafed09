"""Grouping in bounded memory: what grouping keeps per word triple and per
wording spills to a temporary file past a budget (quotes.spill), and the
quotes placed so far live in a table; the groups are the same whatever the
budget, and the same as the plain in-memory algorithm this replaced (kept
below as the reference, as it was at f37824f)."""

from __future__ import annotations

import heapq
import itertools
import random
from array import array
from collections import Counter

import pytest
import sqlite_utils

from quotes import search, store
from quotes.spill import SpillDict

from test_search import SETS, fixture_article, group_tables  # tests/ is on sys.path (rootdir-relative imports)


# ---------------------------------------------------------------------------
# The algorithm before bounded memory: every earlier quote with the same exact
# hash, postings and speakers as plain dicts and arrays, words fetched.

def reference_candidates(rows, df):
    """For each row, in order: (the earlier quotes with its exact wording, the
    earlier quotes sharing the most of its triples, best first), positions in
    the order given, those whose speaker conflicts left out. Depends only on the
    rows before, never on how they were grouped."""
    speakers = array("i")
    index: dict[int, array] = {}
    exact_index: dict[int, list[int]] = {}
    for row in rows:
        pos = len(speakers)
        speaker = row.speaker

        def fits(other):
            return speaker < 0 or speakers[other] < 0 or speakers[other] == speaker

        exact_others: list[int] = []
        exact_shared = row.nwords and df(row.exact) > 1
        if exact_shared:
            exact_others = [other for other in exact_index.get(row.exact, ()) if fits(other)]
        followed: list[int] = []  # triples that 2 to search.POSTINGS_CAP quotes hold, the only ones indexed
        skipped = 0
        if row.nwords >= search.MIN_PARTIAL_WORDS:  # df once per triple, for the search and the index
            for key in row.keys:
                n = df(key)
                if n > search.POSTINGS_CAP:
                    skipped += 1
                elif n > 1:
                    followed.append(key)
        ranked: list = []
        if followed:
            get = index.get
            # One Counter over all the postings (one update per triple cost more).
            shared = Counter(itertools.chain.from_iterable(p for p in map(get, followed) if p is not None))
            if shared:
                need = max(1, len(row.keys) // 3 - skipped)
                floor = 0
                if len(shared) > search.CANDIDATES_PER_QUOTE:
                    # The search.CANDIDATES_PER_QUOTE best all share at least `floor` triples, and
                    # fewer than that many share more: the best are those, then the quotes
                    # sharing exactly `floor`, first in order (the same as ranking them all).
                    held = 0
                    for floor, k in sorted(Counter(shared.values()).items(), reverse=True):
                        held += k
                        if held >= search.CANDIDATES_PER_QUOTE:
                            break
                if floor >= need:
                    ranked = sorted([(-n, p) for p, n in shared.items() if n > floor])
                    ties = sorted([p for p, n in shared.items() if n == floor])
                    ranked += [(-floor, p) for p in ties[:search.CANDIDATES_PER_QUOTE - len(ranked)]]
                else:
                    ranked = [(-n, p) for p, n in shared.items() if n >= need]
                    if len(ranked) > search.CANDIDATES_PER_QUOTE:
                        ranked = heapq.nsmallest(search.CANDIDATES_PER_QUOTE, ranked)
                    else:
                        ranked.sort()
                ranked = [other for _, other in ranked if fits(other)]
        speakers.append(speaker)
        yield exact_others, ranked
        # Shorter quotes only ever join by their exact words: followed is empty for them.
        for key in followed:
            postings = index.get(key)
            if postings is None:
                index[key] = array("I", (pos,))
            else:
                postings.append(pos)
        if exact_shared:
            exact_index.setdefault(row.exact, []).append(pos)


def reference_choose(found, fetch, refs=None):
    """Group quotes given longest first with their :func:`_candidates`, as
    (ref, exact others, ranked others); yield (ref, founding ref, score)."""
    refs = [] if refs is None else refs  # an array("q") when refs are rowids
    founders = array("I")
    for ref, exact_others, ranked in found:
        pos = len(refs)
        ws = None
        best: tuple[float, int, str] | None = None  # score, position, published key
        for other in exact_others:
            ws = ws if ws is not None else fetch(ref)[0]
            if fetch(refs[other])[0] == ws:  # not a hash collision
                best = (1.0, other, "")
                break
        if best is None:
            for other in ranked:
                if ws is None:
                    ws = fetch(ref)[0]
                other_ws, other_published = fetch(refs[other])
                score = search.variant_score(ws, other_ws)
                published = other_published or "\uffff"  # undated last
                # On a tie the quote that appeared first wins.
                if score and (best is None or score > best[0] or (
                        score == best[0] and published < best[2])):
                    best = (score, other, published)
        if best is None:
            founder, score = pos, 1.0
        else:
            founder, score = founders[best[1]], best[0]
        refs.append(ref)
        founders.append(founder)
        yield ref, refs[founder], score


def reference_groups(rows, df, texts):
    def fetch(ref):
        return search.words(texts[ref][0]), texts[ref][1]

    rows, ahead = itertools.tee(rows)
    found = ((row.ref, *f) for row, f in zip(rows, reference_candidates(ahead, df)))
    return {ref: (founder, score) for ref, founder, score in reference_choose(found, fetch, [])}


def new_groups(rows, df, texts, budgets=None):
    def fetch(ref):
        return texts[ref]

    try:  # as its callers do
        return {ref: (founder, score) for ref, founder, score in
                search._group_ordered(rows, df, fetch, budgets=budgets)}
    except search._ExactCollision:
        return {ref: (founder, score) for ref, founder, score in
                search._group_ordered(rows, df, fetch, budgets=budgets, plain=True)}


# ---------------------------------------------------------------------------
# A corpus with what grouping must tell apart: copies, copies with other
# punctuation (the same words), dropped words, partial quotes, another number,
# speakers that conflict or are unknown, undated quotes.

WORDS = ("council budget harbour wall cheque families taxes winter road school bridge river"
         " mine miners safety promise election vote minister mayor company workers").split()
FUNCTION = ["the", "a", "of", "to", "and", "we", "will", "not", "in", "for"]


def corpus(n: int, seed: int) -> list[tuple[str, str, str | None, str | None]]:
    rng = random.Random(seed)
    bases = []
    for _ in range(max(1, n // 6)):
        length = rng.randint(2, 16)
        ws = [rng.choice(WORDS + FUNCTION) for _ in range(length)]
        bases.append((ws, rng.choice(["s1", "s2", "s3", None])))
    items = []
    for i in range(n):
        ws, speaker = rng.choice(bases)
        ws = list(ws)
        roll = rng.random()
        if roll < 0.15 and len(ws) > 5:
            del ws[rng.randrange(1, len(ws) - 1)]  # a dropped word
        elif roll < 0.25 and len(ws) > 6:
            ws = ws[: rng.randint(4, len(ws) - 1)]  # a partial quote
        elif roll < 0.3:
            ws[rng.randrange(len(ws))] = str(rng.randint(1, 9))  # another number
        text = " ".join(ws)
        if rng.random() < 0.3:
            text = text.capitalize() + rng.choice([".", "!", " —", ","])  # other marks, the same words
        who = speaker if rng.random() < 0.8 else rng.choice(["s1", "s2", None])
        published = None if rng.random() < 0.05 else f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        items.append((f"q{i:05d}", text, who, published))
    return items


def ordered_rows(items):
    numbers = search._Speakers()
    rows, counts = [], Counter()
    for ref, text, speaker, published in items:
        ws = search.words(text)
        exact, keys = search.quote_keys(ws)
        counts.update(keys)
        counts[exact] += 1
        rows.append((search._Row(ref, numbers.number(speaker), len(ws), exact, keys), published))
    rows.sort(key=lambda r: (-r[0].nwords, r[1] or "\uffff", r[0].ref))
    texts = {ref: (text, published) for ref, text, _, published in items}
    return [row for row, _ in rows], counts.__getitem__, texts


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_groups_are_those_of_the_plain_algorithm_whatever_the_budget(seed):
    rows, df, texts = ordered_rows(corpus(3000, seed))
    reference = reference_groups(rows, df, texts)
    assert sum(founder != ref for ref, (founder, _) in reference.items()) > 500  # grouping happened
    assert new_groups(rows, df, texts) == reference
    # Budgets of a few entries: nearly every postings list and wording goes to disk and back.
    assert new_groups(rows, df, texts, budgets=(4000, 1000)) == reference
    assert new_groups(rows, df, texts, budgets=(1, 1)) == reference


def test_quotes_with_a_copy_before_them_are_not_ranked_and_a_collision_groups_again(monkeypatch):
    """A quote whose wording an earlier quote has joins it without its triples
    being ranked; wordings made to share identities (as a 64-bit hash
    collision would) make grouping start again in plain mode, with the same
    groups as the reference."""
    rows, df, texts = ordered_rows(corpus(3000, 4))
    reference = reference_groups(rows, df, texts)
    rankings = []
    real = search._candidates

    def counting(*args, **kwargs):
        for exact_others, ranked in real(*args, **kwargs):
            rankings.append((bool(exact_others), ranked is None, kwargs.get("plain", args[3] if len(args) > 3 else False)))
            yield exact_others, ranked

    monkeypatch.setattr(search, "_candidates", counting)
    assert new_groups(rows, df, texts) == reference
    skipped = sum(1 for exact, unranked, _ in rankings if unranked)
    assert skipped > 300 and all(exact for exact, unranked, _ in rankings if unranked)
    rankings.clear()
    # 16 identities for all wordings: the first wording found for one is another's.
    monkeypatch.setattr(search, "_wording", lambda row: row.exact & 15)
    assert new_groups(rows, df, texts) == reference
    assert {plain for _, _, plain in rankings} == {False, True}  # started again in plain mode
    rankings.clear()
    assert new_groups(rows, df, texts, budgets=(2000, 500)) == reference


def test_a_tiny_budget_spills_and_reads_back(monkeypatch):
    rows, df, texts = ordered_rows(corpus(2000, 3))
    made = []
    real = SpillDict.__init__

    def init(self, *args):
        real(self, *args)
        made.append(self)

    monkeypatch.setattr(SpillDict, "__init__", init)
    list(search._group_ordered(rows, df, lambda ref: texts[ref], budgets=(4000, 1000)))
    postings, wordings = made
    assert postings.spills > 10 and postings.read > 100
    assert wordings.spills > 10 and wordings.read > 10
    assert postings.disk is None and not postings.hot  # closed: the temporary file is gone


def test_spill_dict_holds_what_a_dict_holds():
    """Random appends, reads and changes: the same arrays as a plain dict,
    within the budget in memory after each append or change (a read may
    bring an entry back above it until the next)."""
    rng = random.Random(7)
    spilled, plain = SpillDict("q", 3000), {}
    for step in range(20000):
        key = rng.choice([rng.randrange(50), rng.randrange(1 << 64)]) if step % 3 else rng.randrange(200)
        if rng.random() < 0.5:
            spilled.append(key, step)
            plain.setdefault(key, array("q")).append(step)
            assert spilled.hot_size + spilled.cold_size <= 3000
        else:
            value = spilled.get(key)
            assert (value is None) == (key not in plain)
            if value is not None:
                assert value == plain[key]
                if rng.random() < 0.3:
                    value.insert(0, -step)
                    plain[key].insert(0, -step)
                    spilled.grew(1)
                    assert spilled.hot_size + spilled.cold_size <= 3000
    assert spilled.spills > 100
    for key, value in plain.items():
        assert spilled.get(key) == value
    spilled.close()


def test_a_build_with_tiny_budgets_and_the_helper_writes_the_same_tables(tmp_path, monkeypatch):
    """Through finalize: the helper process with budgets that spill, and the
    placed quotes in their table, give the tables of a build in one process."""
    articles = [fixture_article(n, row) for n, row in enumerate(SETS)]
    alone = sqlite_utils.Database(tmp_path / "alone.db")
    store.write_batch(alone, articles)
    store.finalize(alone)
    monkeypatch.setattr(search, "HELPER_MIN_QUOTES", 1)
    monkeypatch.setattr(search, "_HELPER_CHUNK", 3)
    monkeypatch.setattr(search, "_CHUNK", 4)  # placed quotes written to their table every 4
    monkeypatch.setattr(search, "POSTINGS_BUDGET", 300)
    monkeypatch.setattr(search, "WORDINGS_BUDGET", 300)
    spilled = sqlite_utils.Database(tmp_path / "spilled.db")
    store.write_batch(spilled, articles)
    store.finalize(spilled, helper=True)
    assert group_tables(spilled) == group_tables(alone)
    # Wordings made to share identities: the build starts again in plain mode, the same groups.
    monkeypatch.setattr(search, "_wording", lambda row: row.exact & 3)
    collided = sqlite_utils.Database(tmp_path / "collided.db")
    store.write_batch(collided, articles)
    store.finalize(collided, helper=True)
    assert group_tables(collided) == group_tables(alone)
