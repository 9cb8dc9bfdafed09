"""Measure quote detection and attribution against gold JSONL (PolNeAR format).

The figures follow the evaluation definitions that come with the gold data:

- only ``direct`` and ``mixed`` gold quotes count;
- a quote's *core* is its span with quote marks, blanks and punctuation trimmed
  from both ends;
- detection, strict: equal cores; lenient: the overlap covers at least half of
  each core; matching is one-to-one, largest overlap first;
- speaker accuracy, on lenient matches whose gold quote has a speaker: right when
  the predicted speaker is a name and either its mention overlaps the gold source
  span or the name's last word is a word of the gold source span;
- end to end: a predicted quote is right when it matches and its speaker is
  right; precision over all predicted quotes, recall over gold quotes with a
  speaker.

Typical use::

    report = evaluate("polnear-dev.jsonl")
    print(format_report(report))
    report.wrong_speakers[:5]          # error records, for study
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from .model import Article, Quote

COUNTED_KINDS = ("direct", "mixed")
QUOTE_MARKS = frozenset("\"“”„‟«»'‘’‹›")
CONTEXT_CHARS = 150  # context shown before a quote with a wrong speaker
SHORT_QUOTE = 100  # quote text is shortened to this many characters in listings

# An unresolved pronoun names nobody, even if an extractor leaks it as a name.
PRONOUNS = frozenset(
    "he she they it i we you him her them his hers their its us me".split()
)

Extractor = Callable[[Article], list[Quote]]


# --- spans and words ---------------------------------------------------------

def _trimmable(ch: str) -> bool:
    return ch in QUOTE_MARKS or ch.isspace() or unicodedata.category(ch).startswith("P")


def core_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` with quote marks, blanks and punctuation trimmed from both ends.

    A span made only of such characters gives an empty core (start == end).
    """
    while start < end and _trimmable(text[start]):
        start += 1
    while end > start and _trimmable(text[end - 1]):
        end -= 1
    return start, end


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _spans_overlap(a0, a1, b0, b1) -> bool:
    if None in (a0, a1, b0, b1):
        return False
    return max(a0, b0) < min(a1, b1)


def normalize_word(word: str) -> str:
    """Casefolded, punctuation stripped from both ends, possessive 's removed."""
    word = _strip_punct(word)
    for suffix in ("'s", "’s", "'S", "’S"):
        if word.endswith(suffix):
            word = _strip_punct(word[: -len(suffix)])
            break
    return word.casefold()


def _strip_punct(word: str) -> str:
    start, end = core_span(word, 0, len(word))
    return word[start:end]


def _words(text: str) -> set[str]:
    return {w for w in (normalize_word(t) for t in text.split()) if w}


def _last_word(name: str) -> str:
    words = [w for w in (normalize_word(t) for t in name.split()) if w]
    return words[-1] if words else ""


def speaker_is_right(pred: Quote, gold: dict, text: str) -> bool:
    """The speaker rule of the evaluation, for one predicted quote and one gold quote."""
    name = (pred.speaker or "").strip()
    if not name or name.casefold() in PRONOUNS or not gold.get("speaker"):
        return False
    gs, ge = gold.get("speaker_start"), gold.get("speaker_end")
    if _spans_overlap(pred.speaker_start, pred.speaker_end, gs, ge):
        return True
    source = text[gs:ge] if gs is not None and ge is not None else gold["speaker"]
    return _last_word(name) in _words(source)


def _greedy_match(pairs: list[tuple[int, int, int]]) -> dict[int, int]:
    """One-to-one matching over (overlap, gold index, predicted index), largest first.

    Returns {gold index: predicted index}. Ties go to the earlier gold, then the
    earlier prediction, so the result is deterministic.
    """
    pairs = sorted(pairs, key=lambda p: (-p[0], p[1], p[2]))
    matched: dict[int, int] = {}
    used: set[int] = set()
    for _, g, p in pairs:
        if g not in matched and p not in used:
            matched[g] = p
            used.add(p)
    return matched


# --- the report ----------------------------------------------------------------

def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Tally:
    """Raw counts; every figure is computed from these."""

    articles: int = 0
    gold: int = 0  # direct and mixed gold quotes
    gold_with_speaker: int = 0
    predicted: int = 0
    strict: int = 0  # strict matches
    lenient: int = 0  # lenient matches
    judged: int = 0  # lenient matches whose gold quote has a speaker
    right: int = 0  # of those, with the right speaker (= end-to-end right)

    def add(self, other: Tally) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self) -> dict:
        """Counts and P/R/F1 figures, rounded to 4 places."""
        sp, sr = _ratio(self.strict, self.predicted), _ratio(self.strict, self.gold)
        lp, lr = _ratio(self.lenient, self.predicted), _ratio(self.lenient, self.gold)
        ep, er = _ratio(self.right, self.predicted), _ratio(self.right, self.gold_with_speaker)
        numbers = {
            "strict_precision": sp, "strict_recall": sr, "strict_f1": _f1(sp, sr),
            "lenient_precision": lp, "lenient_recall": lr, "lenient_f1": _f1(lp, lr),
            "speaker_accuracy": _ratio(self.right, self.judged),
            "e2e_precision": ep, "e2e_recall": er, "e2e_f1": _f1(ep, er),
        }
        counts = {
            "articles": self.articles,
            "gold_quotes": self.gold,
            "gold_quotes_with_speaker": self.gold_with_speaker,
            "predicted_quotes": self.predicted,
            "strict_matches": self.strict,
            "lenient_matches": self.lenient,
            "speaker_judged": self.judged,
            "speaker_right": self.right,
        }
        return counts | {k: round(v, 4) for k, v in numbers.items()}


@dataclass
class SieveRow:
    """What one sieve did: quotes it attributed, how many matched gold, how many right."""

    attributed: int = 0
    matched: int = 0  # lenient-matched a gold quote
    judged: int = 0  # matched a gold quote that has a speaker
    right: int = 0

    @property
    def precision(self) -> float:
        return _ratio(self.right, self.attributed)

    @property
    def accuracy(self) -> float:
        """Speaker accuracy on matched quotes: the sieve's own error, detection aside."""
        return _ratio(self.right, self.judged)


@dataclass
class Miss:
    """A gold quote that no predicted quote matched (leniently)."""

    doc_id: str
    start: int
    end: int
    text: str
    kind: str
    speaker: str | None
    cue: str | None


@dataclass
class FalsePositive:
    """A predicted quote that matched no gold quote."""

    doc_id: str
    start: int
    end: int
    text: str
    speaker: str | None
    mention: str | None
    sieve: str | None


@dataclass
class WrongSpeaker:
    """A lenient match whose gold quote has a speaker the prediction got wrong."""

    doc_id: str
    start: int  # the gold quote
    end: int
    text: str
    gold_speaker: str
    gold_speaker_start: int | None
    gold_speaker_end: int | None
    cue: str | None
    speaker: str | None  # predicted canonical name
    mention: str | None  # predicted mention as written
    speaker_start: int | None
    speaker_end: int | None
    sieve: str | None
    context: str  # up to CONTEXT_CHARS of text before the quote


@dataclass
class EvalReport:
    """Counts overall and per publisher, the per-sieve table, and the error records."""

    total: Tally = field(default_factory=Tally)
    by_publisher: dict[str, Tally] = field(default_factory=dict)
    sieves: dict[str | None, SieveRow] = field(default_factory=dict)  # None: unattributed
    misses: list[Miss] = field(default_factory=list)
    false_positives: list[FalsePositive] = field(default_factory=list)
    wrong_speakers: list[WrongSpeaker] = field(default_factory=list)

    def figures(self) -> dict:
        """All figures as a JSON-ready dict (rounded to 4 places)."""
        data = self.total.figures()
        data["sieves"] = {
            _sieve_label(name): {
                "attributed": row.attributed, "matched": row.matched,
                "judged": row.judged, "right": row.right,
                "precision": round(row.precision, 4), "accuracy": round(row.accuracy, 4),
            }
            for name, row in self._sorted_sieves()
        }
        data["by_publisher"] = {
            pub: tally.figures() for pub, tally in sorted(self.by_publisher.items())
        }
        return data

    def _sorted_sieves(self) -> list[tuple[str | None, SieveRow]]:
        # Busiest sieves first; the unattributed row last.
        named = sorted(
            ((k, v) for k, v in self.sieves.items() if k is not None),
            key=lambda kv: (-kv[1].attributed, kv[0]),
        )
        return named + ([(None, self.sieves[None])] if None in self.sieves else [])


def _sieve_label(name: str | None) -> str:
    return "(none)" if name is None else name


# --- scoring -------------------------------------------------------------------

def read_gold(gold_path: str, split: str | None = None) -> Iterator[dict]:
    """The gold records of a JSONL file, optionally only those of one split."""
    with open(gold_path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{gold_path}:{number}: {error}") from None
            if split is None or record.get("split") == split:
                yield record


def article_of(record: dict) -> Article:
    """The Article an extractor sees for one gold record."""
    return Article(
        text=record["text"],
        id=record["doc_id"],
        title=record.get("title"),
        source=record.get("publisher"),
        published=record.get("publication_date"),
    )


def score_article(report: EvalReport, record: dict, predicted: list[Quote]) -> None:
    """Match one article's predictions against its gold quotes and add to `report`."""
    text, doc_id = record["text"], record["doc_id"]
    gold = [q for q in record.get("quotes", []) if q.get("kind") in COUNTED_KINDS]
    gold_cores = [core_span(text, q["start"], q["end"]) for q in gold]
    pred_cores = [core_span(text, q.start, q.end) for q in predicted]

    strict_pairs, lenient_pairs = [], []
    for g, gc in enumerate(gold_cores):
        for p, pc in enumerate(pred_cores):
            overlap = _overlap(gc, pc)
            if not overlap:  # also keeps empty cores from matching anything
                continue
            if gc == pc:
                strict_pairs.append((overlap, g, p))
            if 2 * overlap >= gc[1] - gc[0] and 2 * overlap >= pc[1] - pc[0]:
                lenient_pairs.append((overlap, g, p))
    strict = _greedy_match(strict_pairs)
    lenient = _greedy_match(lenient_pairs)

    tally = Tally(articles=1, gold=len(gold), predicted=len(predicted),
                  strict=len(strict), lenient=len(lenient),
                  gold_with_speaker=sum(1 for q in gold if q.get("speaker")))
    pred_to_gold = {p: g for g, p in lenient.items()}
    for p, quote in enumerate(predicted):
        row = report.sieves.setdefault(quote.sieve, SieveRow())
        row.attributed += 1
        g = pred_to_gold.get(p)
        if g is None:
            report.false_positives.append(FalsePositive(
                doc_id, quote.start, quote.end, quote.text, quote.speaker,
                quote.mention, quote.sieve))
            continue
        row.matched += 1
        gq = gold[g]
        if not gq.get("speaker"):
            continue  # nobody to be right about
        row.judged += 1
        tally.judged += 1
        if speaker_is_right(quote, gq, text):
            row.right += 1
            tally.right += 1
        else:
            report.wrong_speakers.append(WrongSpeaker(
                doc_id, gq["start"], gq["end"], gq["text"], gq["speaker"],
                gq.get("speaker_start"), gq.get("speaker_end"), gq.get("cue"),
                quote.speaker, quote.mention, quote.speaker_start, quote.speaker_end,
                quote.sieve, text[max(0, gq["start"] - CONTEXT_CHARS):gq["start"]]))
    for g, gq in enumerate(gold):
        if g not in lenient:
            report.misses.append(Miss(doc_id, gq["start"], gq["end"], gq["text"],
                                      gq["kind"], gq.get("speaker"), gq.get("cue")))

    report.total.add(tally)
    publisher = record.get("publisher") or "(unknown)"
    report.by_publisher.setdefault(publisher, Tally()).add(tally)


def evaluate(gold_path: str, split: str | None = None, extract: Extractor | None = None,
             limit: int | None = None) -> EvalReport:
    """Run `extract` over the gold articles of `gold_path` and score it.

    `extract(article) -> list[Quote]` defaults to quotes.attribute.extract_article.
    `split` keeps only records of that split; `limit` only the first N records.
    """
    if extract is None:
        from .attribute import extract_article as extract  # lazy: the heavy part
    report = EvalReport()
    for n, record in enumerate(read_gold(gold_path, split)):
        if limit is not None and n >= limit:
            break
        score_article(report, record, list(extract(article_of(record))))
    return report


# --- text output ---------------------------------------------------------------

def _short(text: str | None, width: int = SHORT_QUOTE) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(header: list[str], rows: Iterable[list]) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    rows = [header] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _cell(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def format_report(report: EvalReport, by_publisher: bool = False) -> str:
    """The figures as plain-text tables; `by_publisher` adds one row per publisher."""
    f = report.total.figures()
    head = (f"{f['articles']} articles, {f['gold_quotes']} gold quotes "
            f"({f['gold_quotes_with_speaker']} with a speaker), "
            f"{f['predicted_quotes']} predicted")
    main = _table(["", "precision", "recall", "F1"], [
        ["detection, strict", f["strict_precision"], f["strict_recall"], f["strict_f1"]],
        ["detection, lenient", f["lenient_precision"], f["lenient_recall"], f["lenient_f1"]],
        ["end to end", f["e2e_precision"], f["e2e_recall"], f["e2e_f1"]],
    ])
    speaker = (f"speaker accuracy: {f['speaker_accuracy']:.4f} "
               f"({f['speaker_right']} of {f['speaker_judged']} matched quotes with a speaker)")
    sieves = _table(
        ["sieve", "attributed", "matched", "right", "precision", "accuracy"],
        [[_sieve_label(name), row.attributed, row.matched, row.right,
          row.precision, row.accuracy] for name, row in report._sorted_sieves()],
    )
    parts = [head, main, speaker, sieves]
    if by_publisher:
        parts.append(_table(
            ["publisher", "gold", "pred", "strict F1", "lenient F1", "speaker", "e2e F1"],
            [[pub, t["gold_quotes"], t["predicted_quotes"], t["strict_f1"],
              t["lenient_f1"], t["speaker_accuracy"], t["e2e_f1"]]
             for pub, t in report.figures()["by_publisher"].items()],
        ))
    return "\n\n".join(parts)


def format_errors(report: EvalReport) -> str:
    """Misses, false positives and wrong speakers, one block each, for reading."""
    out = [f"MISSED ({len(report.misses)})"]
    for m in report.misses:
        out.append(f"  {m.doc_id} [{m.start}:{m.end}] {m.kind}: {_short(m.text)}")
        out.append(f"      gold speaker: {m.speaker}  cue: {m.cue}")
    out.append(f"\nFALSE POSITIVES ({len(report.false_positives)})")
    for fp in report.false_positives:
        out.append(f"  {fp.doc_id} [{fp.start}:{fp.end}] {_short(fp.text)}")
        out.append(f"      predicted: {fp.speaker}  mention: {fp.mention}  sieve: {fp.sieve}")
    out.append(f"\nWRONG SPEAKERS ({len(report.wrong_speakers)})")
    for w in report.wrong_speakers:
        out.append(f"  {w.doc_id} [{w.start}:{w.end}] {_short(w.text)}")
        out.append(f"      context: {_short(w.context, CONTEXT_CHARS + 10)}")
        out.append(f"      gold: {w.gold_speaker} [{w.gold_speaker_start}:{w.gold_speaker_end}]"
                   f"  cue: {w.cue}")
        out.append(f"      predicted: {w.speaker}  mention: {w.mention} "
                   f"[{w.speaker_start}:{w.speaker_end}]  sieve: {w.sieve}")
    return "\n".join(out)


def save_confidence(report: EvalReport, path: str, source: str = "") -> None:
    """Write sieve<TAB>accuracy: how often each sieve's speaker was right on
    matched gold quotes. The attributor reads it as each quote's confidence."""
    lines = [
        "# Speaker accuracy of each sieve, measured by `quotes eval --save-confidence`",
        f"# on {source or 'gold data'}: sieve<TAB>accuracy<TAB>quotes judged.",
    ]
    for name, row in sorted(report.sieves.items(), key=lambda item: str(item[0])):
        if name is not None and row.judged:
            lines.append(f"{name}\t{row.accuracy:.3f}\t{row.judged}")
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
