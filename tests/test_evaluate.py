"""Tests for quotes.evaluate: hand-made gold records with figures computed by hand."""

import json
import re
import sys
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from quotes.cli import cli
from quotes.evaluate import (
    EvalReport,
    _greedy_match,
    core_span,
    evaluate,
    format_errors,
    format_report,
    normalize_word,
    speaker_is_right,
)
from quotes.model import Quote

GOLD_DIR = Path("/work/shared/eval")


# --- helpers: build gold records and predictions from substrings ----------------

def span(text, sub, nth=0):
    """Offsets of the nth occurrence of `sub` as whole words ("he" is not in "The")."""
    pattern = (r"(?<!\w)" if sub[0].isalnum() else "") + re.escape(sub) + (
        r"(?!\w)" if sub[-1].isalnum() else "")
    match = list(re.finditer(pattern, text))[nth]
    return match.start(), match.end()


def gold(text, sub, kind="direct", speaker=None, cue=None, nth=0, speaker_nth=0):
    start, end = span(text, sub, nth)
    q = {"start": start, "end": end, "text": sub, "kind": kind,
         "speaker": None, "speaker_start": None, "speaker_end": None,
         "cue": None, "cue_start": None, "cue_end": None}
    if speaker:
        q["speaker"] = speaker
        q["speaker_start"], q["speaker_end"] = span(text, speaker, speaker_nth)
    if cue:
        q["cue"] = cue
        q["cue_start"], q["cue_end"] = span(text, cue)
    return q


def pred(text, sub, speaker=None, mention=None, sieve=None, nth=0):
    start, end = span(text, sub, nth)
    ms = me = None
    if mention:
        ms, me = span(text, mention)
    return Quote(start=start, end=end, text=sub, speaker=speaker,
                 speaker_start=ms, speaker_end=me, mention=mention, sieve=sieve)


def record(doc_id, text, quotes, publisher="daily", split="dev"):
    return {"doc_id": doc_id, "split": split, "publisher": publisher,
            "title": f"Title of {doc_id}", "publication_date": "2016-10-01",
            "text": text, "quotes": quotes, "attributions": []}


def write_gold(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def run(tmp_path, records, predictions, **kwargs):
    """Evaluate `predictions` ({doc_id: [Quote]}) against `records`."""
    gold_path = write_gold(tmp_path / "gold.jsonl", records)
    return evaluate(gold_path, extract=lambda article: predictions[article.id], **kwargs)


# --- spans and words -----------------------------------------------------------

@pytest.mark.parametrize("quoted, core", [
    ("“We will win.”", "We will win"),
    ('"We will win," ', "We will win"),
    ("«Nous gagnerons!»", "Nous gagnerons"),
    ("‹‘ok’›", "ok"),
    ("„Ja“", "Ja"),
    ("'no'", "no"),
    ("“…and then — ", "and then"),
    ("“Mr. Smith, Jr.”", "Mr. Smith, Jr"),  # inner punctuation stays
    ("“ ”", ""),
])
def test_core_span_trims_marks_blanks_and_punctuation(quoted, core):
    text = "x " + quoted + " y"
    start, end = core_span(text, 2, 2 + len(quoted))
    assert text[start:end] == core


def test_normalize_word():
    assert normalize_word("Trump’s") == "trump"
    assert normalize_word("(CLINTON'S,") == "clinton"
    assert normalize_word("Democrats'") == "democrats"
    assert normalize_word("Smith.") == "smith"


def test_greedy_match_takes_largest_overlap_first():
    pairs = [(5, 0, 0), (9, 0, 1), (8, 1, 1), (3, 1, 0)]
    assert _greedy_match(pairs) == {0: 1, 1: 0}


# --- detection -----------------------------------------------------------------

def test_strict_versus_lenient(tmp_path):
    text = ('Ana Ruiz said: “We will win this race and we will win it soon.” '
            'Then she left the hall, walked home and slept for the rest of the day.')
    full = "“We will win this race and we will win it soon.”"
    records = [record(d, text, [gold(text, full, speaker="Ana Ruiz")]) for d in "abcd"]
    predictions = {
        # the same core without the marks and the period: a strict match
        "a": [pred(text, "We will win this race and we will win it soon")],
        # more than half of the core: lenient only
        "b": [pred(text, "We will win this race and we will")],
        # less than half of the core: no match, a miss and a false positive
        "c": [pred(text, "We will win this")],
        # covers the gold quote but is more than twice as long: no match
        "d": [pred(text, text)],
    }
    report = run(tmp_path, records, predictions)
    f = report.figures()
    assert (f["articles"], f["gold_quotes"], f["predicted_quotes"]) == (4, 4, 4)
    assert (f["strict_matches"], f["lenient_matches"]) == (1, 2)
    assert f["strict_precision"] == f["strict_recall"] == f["strict_f1"] == 0.25
    assert f["lenient_precision"] == f["lenient_recall"] == f["lenient_f1"] == 0.5
    assert [m.doc_id for m in report.misses] == ["c", "d"]
    assert [fp.doc_id for fp in report.false_positives] == ["c", "d"]


def test_lenient_boundary_is_exactly_half(tmp_path):
    text = "He said “abcdefgh” today."
    records = [record(d, text, [gold(text, "“abcdefgh”")]) for d in "ab"]
    start = text.index("abcd")
    predictions = {"a": [Quote(start, start + 4, "abcd")], "b": [Quote(start, start + 3, "abc")]}
    f = run(tmp_path, records, predictions).figures()
    assert f["lenient_matches"] == 1  # 4 of 8 is half; 3 of 8 is not


def test_matching_is_one_to_one_largest_overlap_first(tmp_path):
    text = "Bob Lee said “aaaa bbbb cccc” and Amy Fox nodded."
    records = [record("a", text, [gold(text, "“aaaa bbbb cccc”", speaker="Bob Lee")])]
    # Both predictions match leniently; the listed-first one overlaps less and
    # names the wrong speaker, so only largest-first matching gets it right.
    predictions = {"a": [
        pred(text, "aaaa bbbb", speaker="Amy Fox", mention="Amy Fox", sieve="s1"),
        pred(text, "“aaaa bbbb cccc”", speaker="Bob Lee", mention="Bob Lee", sieve="s2"),
    ]}
    report = run(tmp_path, records, predictions)
    f = report.figures()
    assert (f["strict_matches"], f["lenient_matches"], f["speaker_right"]) == (1, 1, 1)
    assert f["lenient_precision"] == 0.5 and f["lenient_recall"] == 1.0
    assert [fp.text for fp in report.false_positives] == ["aaaa bbbb"]
    assert report.wrong_speakers == []


def test_duplicate_predictions_count_once(tmp_path):
    text = "She said “yes indeed” twice."
    records = [record("a", text, [gold(text, "“yes indeed”")])]
    predictions = {"a": [pred(text, "“yes indeed”"), pred(text, "yes indeed")]}
    f = run(tmp_path, records, predictions).figures()
    assert (f["strict_matches"], f["lenient_matches"]) == (1, 1)
    assert f["strict_precision"] == 0.5 and f["strict_recall"] == 1.0
    assert f["strict_f1"] == round(2 * 0.5 / 1.5, 4)


def test_mixed_counts_and_indirect_is_ignored(tmp_path):
    text = ('Kim Park said the plan was “a disaster.” Park said taxes would rise. '
            '“We need a change,” Park said.')
    quotes = [
        gold(text, "“a disaster.”", kind="mixed", speaker="Kim Park"),
        gold(text, "taxes would rise", kind="indirect", speaker="Park"),
        gold(text, "“We need a change,”", kind="direct", speaker="Park", speaker_nth=2),
    ]
    predictions = {"a": [
        pred(text, "“a disaster.”", speaker="Kim Park", mention="Kim Park"),
        pred(text, "taxes would rise", speaker="Kim Park"),
        pred(text, "“We need a change,”", speaker="Kim Park"),
    ]}
    report = run(tmp_path, [record("a", text, quotes)], predictions)
    f = report.figures()
    assert (f["gold_quotes"], f["predicted_quotes"], f["lenient_matches"]) == (2, 3, 2)
    assert f["lenient_recall"] == 1.0 and f["lenient_precision"] == 0.6667
    assert [fp.text for fp in report.false_positives] == ["taxes would rise"]
    assert f["speaker_accuracy"] == 1.0


# --- speakers ------------------------------------------------------------------

TEXT = ("“The budget is fine,” he said. Mayor Ana Ruiz, a Democrat, agreed. "
        "Ruiz’s office said: “We are done.”")


def _gold_speaker(speaker, nth=0):
    q = gold(TEXT, "“The budget is fine,”")
    q["speaker"] = speaker
    q["speaker_start"], q["speaker_end"] = span(TEXT, speaker, nth)
    return q


def _quote(speaker, mention=None, nth=0):
    q = pred(TEXT, "“The budget is fine,”", speaker=speaker)
    if mention:
        q.speaker_start, q.speaker_end = span(TEXT, mention, nth)
        q.mention = mention
    return q


def test_speaker_right_by_mention_overlap():
    g = _gold_speaker("Mayor Ana Ruiz, a Democrat,")
    # the name's last word is not in the source span, but the mentions overlap
    assert speaker_is_right(_quote("Ana Ruiz-Gómez", mention="Ruiz"), g, TEXT)
    assert speaker_is_right(_quote("Somebody Else", mention="a Democrat"), g, TEXT)


def test_speaker_right_by_last_word():
    g = _gold_speaker("Mayor Ana Ruiz, a Democrat,")
    assert speaker_is_right(_quote("Ana RUIZ"), g, TEXT)  # no mention span at all
    assert speaker_is_right(_quote("Ana Ruiz", mention="he"), g, TEXT)
    possessive = _gold_speaker("Ruiz’s office")
    assert speaker_is_right(_quote("Ana Ruiz"), possessive, TEXT)
    assert speaker_is_right(_quote("Ana Ruiz’s"), g, TEXT)


def test_speaker_wrong():
    g = _gold_speaker("Mayor Ana Ruiz, a Democrat,")
    assert not speaker_is_right(_quote("Ana Ruiz Lopez"), g, TEXT)  # last word differs
    # an unresolved pronoun names nobody, even with a perfectly placed mention
    he = _gold_speaker("he")
    assert not speaker_is_right(_quote(None, mention="he"), he, TEXT)
    assert not speaker_is_right(_quote("he", mention="he"), he, TEXT)
    assert not speaker_is_right(_quote(None, mention="Mayor Ana Ruiz"), g, TEXT)
    # a gold pronoun source is matched by overlap only, never by the name
    assert speaker_is_right(_quote("Ana Ruiz", mention="he"), he, TEXT)
    assert not speaker_is_right(_quote("Ana Ruiz", mention="Ana Ruiz"), he, TEXT)


# --- speaker accuracy, end to end and the per-sieve table --------------------

def _attribution_case():
    text = ("“Taxes will fall,” said Sen. Joe Dole. “Not true,” Mary Lin replied. "
            "“Maybe,” he added. “Soon,” an aide said. Lin said “never”. "
            "“Later,” said Dole. An unrelated “scare quote” here.")
    quotes = [
        gold(text, "“Taxes will fall,”", speaker="Sen. Joe Dole"),
        gold(text, "“Not true,”", speaker="Mary Lin"),
        gold(text, "“Maybe,”", speaker="he"),
        gold(text, "“Soon,”"),  # no speaker annotated
        gold(text, "“never”", kind="mixed", speaker="Lin", speaker_nth=1),
        gold(text, "“Later,”", speaker="Dole", speaker_nth=1),
    ]
    predictions = [
        pred(text, "“Taxes will fall,”", "Joe Dole", "Sen. Joe Dole", "trailing"),  # right
        pred(text, "“Not true,”", "Joe Dole", "Joe Dole", "trailing"),  # wrong
        pred(text, "“Maybe,”", None, "he", "pronoun"),  # unresolved: wrong
        pred(text, "“Soon,”", None, None, None),  # matched, gold has no speaker
        pred(text, "never", "Mary Lin", None, "colon"),  # right by last word
        pred(text, "“scare quote”", "Joe Dole", None, "trailing"),  # false positive
        # the gold "Later" is missed
    ]
    return text, quotes, predictions


def test_speaker_accuracy_end_to_end_and_sieves(tmp_path):
    text, quotes, predictions = _attribution_case()
    report = run(tmp_path, [record("a", text, quotes)], {"a": predictions})
    f = report.figures()
    assert (f["gold_quotes"], f["gold_quotes_with_speaker"], f["predicted_quotes"]) == (6, 5, 6)
    assert (f["lenient_matches"], f["speaker_judged"], f["speaker_right"]) == (5, 4, 2)
    assert f["speaker_accuracy"] == 0.5
    assert f["e2e_precision"] == 0.3333  # 2 of 6 predicted
    assert f["e2e_recall"] == 0.4  # 2 of 5 gold with a speaker
    assert f["e2e_f1"] == round(2 * (2 / 6) * 0.4 / (2 / 6 + 0.4), 4)
    assert f["lenient_precision"] == 0.8333 and f["lenient_recall"] == 0.8333
    # strict: "never" has the same core as the gold “never”
    assert f["strict_matches"] == 5

    s = f["sieves"]
    assert list(s) == ["trailing", "colon", "pronoun", "(none)"]
    assert s["trailing"] == {"attributed": 3, "matched": 2, "judged": 2, "right": 1,
                             "precision": 0.3333, "accuracy": 0.5}
    assert s["colon"] == {"attributed": 1, "matched": 1, "judged": 1, "right": 1,
                          "precision": 1.0, "accuracy": 1.0}
    assert s["pronoun"] == {"attributed": 1, "matched": 1, "judged": 1, "right": 0,
                            "precision": 0.0, "accuracy": 0.0}
    assert s["(none)"] == {"attributed": 1, "matched": 1, "judged": 0, "right": 0,
                           "precision": 0.0, "accuracy": 0.0}
    assert report.sieves[None].attributed == 1

    assert [m.text for m in report.misses] == ["“Later,”"]
    assert report.misses[0].speaker == "Dole"
    assert [fp.text for fp in report.false_positives] == ["“scare quote”"]
    wrong = {w.text: w for w in report.wrong_speakers}
    assert set(wrong) == {"“Not true,”", "“Maybe,”"}
    assert wrong["“Not true,”"].gold_speaker == "Mary Lin"
    assert wrong["“Not true,”"].speaker == "Joe Dole"
    assert wrong["“Not true,”"].sieve == "trailing"
    assert wrong["“Not true,”"].context == text[: text.index("“Not true,”")]
    assert wrong["“Maybe,”"].mention == "he" and wrong["“Maybe,”"].speaker is None


def test_by_publisher_split_and_limit(tmp_path):
    text = "Bo Chan said “one two three”."
    q = gold(text, "“one two three”", speaker="Bo Chan")
    right = pred(text, "“one two three”", "Bo Chan", "Bo Chan", "s")
    records = [
        record("a", text, [q], publisher="nyt", split="train"),
        record("b", text, [q], publisher="nyt", split="dev"),
        record("c", text, [q], publisher="wsj", split="dev"),
    ]
    predictions = {"a": [right], "b": [right], "c": []}
    f = run(tmp_path, records, predictions).figures()
    assert f["articles"] == 3 and f["lenient_recall"] == 0.6667
    assert f["by_publisher"]["nyt"]["lenient_recall"] == 1.0
    assert f["by_publisher"]["nyt"]["articles"] == 2
    assert f["by_publisher"]["wsj"]["lenient_recall"] == 0.0
    assert f["by_publisher"]["wsj"]["e2e_precision"] == 0.0  # nothing predicted

    dev = run(tmp_path, records, predictions, split="dev").figures()
    assert (dev["articles"], dev["lenient_recall"]) == (2, 0.5)
    first = run(tmp_path, records, predictions, split="dev", limit=1).figures()
    assert (first["articles"], first["lenient_recall"]) == (1, 1.0)


def test_article_passed_to_extract(tmp_path):
    text = "Nothing quoted here."
    seen = []
    gold_path = write_gold(tmp_path / "g.jsonl", [record("a", text, [], publisher="nyt")])
    report = evaluate(gold_path, extract=lambda article: seen.append(article) or [])
    (article,) = seen
    assert (article.id, article.text, article.source) == ("a", text, "nyt")
    assert (article.title, article.published) == ("Title of a", "2016-10-01")
    f = report.figures()
    assert f["lenient_f1"] == 0.0 and f["speaker_accuracy"] == 0.0  # no division by zero


def test_bad_gold_line_names_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"doc_id": "a", "text": "", "quotes": []}\n{oops\n')
    with pytest.raises(ValueError, match="bad.jsonl:2"):
        evaluate(str(path), extract=lambda article: [])


# --- text output ---------------------------------------------------------------

def test_format_report_and_errors(tmp_path):
    text, quotes, predictions = _attribution_case()
    long_text = "Zed Ray said: “" + "word " * 60 + "end.”"
    long_quote = gold(long_text, long_text[long_text.index("“"):], speaker="Zed Ray")
    records = [record("a", text, quotes), record("b", long_text, [long_quote], publisher="nyt")]
    report = run(tmp_path, records, {"a": predictions, "b": []})

    out = format_report(report)
    for label in ("detection, strict", "detection, lenient", "end to end",
                  "speaker accuracy", "trailing", "(none)"):
        assert label in out
    assert "2 articles, 7 gold quotes (6 with a speaker), 6 predicted" in out
    assert "publisher" not in out
    assert "nyt" in format_report(report, by_publisher=True)

    errors = format_errors(report)
    assert "MISSED (2)" in errors and "FALSE POSITIVES (1)" in errors
    assert "WRONG SPEAKERS (2)" in errors
    assert "Dole" in errors and "“scare quote”" in errors and "Mary Lin" in errors
    long_line = next(line for line in errors.splitlines() if line.startswith("  b "))
    assert "…" in long_line and len(long_line) < 140  # shortened to ~100 characters
    assert isinstance(report, EvalReport)


# --- the command line ---------------------------------------------------------

def test_eval_command(tmp_path, monkeypatch):
    text, quotes, predictions = _attribution_case()
    gold_path = write_gold(tmp_path / "gold.jsonl", [
        record("a", text, quotes), record("b", text, quotes, split="train")])
    fake = types.ModuleType("quotes.attribute")
    fake.extract_article = lambda article: predictions
    # evaluate() imports the default extractor lazily, from quotes.attribute
    monkeypatch.setitem(sys.modules, "quotes.attribute", fake)
    runner = CliRunner()

    result = runner.invoke(cli, ["eval", gold_path, "--split", "dev", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["articles"] == 1 and figures["speaker_accuracy"] == 0.5

    result = runner.invoke(cli, ["eval", gold_path, "--limit", "1", "--errors",
                                 "--by-publisher"])
    assert result.exit_code == 0, result.output
    assert "1 articles" in result.output and "WRONG SPEAKERS (2)" in result.output
    assert "daily" in result.output

    result = runner.invoke(cli, ["eval", gold_path])
    assert result.exit_code == 0 and "2 articles" in result.output


# --- the real gold data, when it is there ------------------------------------

@pytest.mark.skipif(not (GOLD_DIR / "polnear-dev.jsonl").exists(), reason="no gold data")
def test_gold_from_gold_scores_perfectly():
    def from_gold(records):
        by_id = {r["doc_id"]: r for r in records}

        def extract(article):
            # every gold quote, attributed through a mention on the gold source span
            return [Quote(q["start"], q["end"], q["text"],
                          speaker="Gold Speaker" if q["speaker"] else None,
                          speaker_start=q["speaker_start"], speaker_end=q["speaker_end"],
                          sieve="gold" if q["speaker"] else None)
                    for q in by_id[article.id]["quotes"]]
        return extract

    path = GOLD_DIR / "polnear-dev.jsonl"
    records = [json.loads(line) for line in path.open(encoding="utf-8")]
    report = evaluate(str(path), split="dev", extract=from_gold(records))
    f = report.figures()
    assert f["articles"] == len(records)
    assert f["gold_quotes"] == f["predicted_quotes"] > 0
    assert f["strict_f1"] == f["lenient_f1"] == 1.0
    assert f["speaker_accuracy"] == f["e2e_recall"] == 1.0
    assert f["e2e_precision"] == round(f["gold_quotes_with_speaker"] / f["gold_quotes"], 4)
    assert not report.misses and not report.false_positives and not report.wrong_speakers
