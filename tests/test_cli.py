"""The `quotes` command through click's CliRunner: extract, ingest, --help."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
import sqlite_utils
from click.testing import CliRunner

from quotes.cli import cli

SAMPLE = Path("/work/shared/samples/voa-iraq-offensive.txt")
QUOTE_KEYS = {"start", "end", "text", "speaker", "speaker_start", "speaker_end", "title", "cue", "sieve"}

HARBOUR = (
    "Pier to be rebuilt\n"
    "\n"
    "VELMORA \u2014 Harbour master Talia Brennock inspected the old pier on Monday.\n"
    "\n"
    "\u201cWe will rebuild it before the summer,\u201d Brennock said.\n"
    "\n"
    "\u201cThere is no money,\u201d said Peter Quell, who runs the ferry company.\n"
)

FERRY = 'The ferry strike ended on Friday.\n\n"Nine days is too long," said Ilse Varga, a baker.'
MARKET = 'Stallholders returned to the square.\n\nOdile Ferrand said: "The market is back."'


@pytest.fixture
def runner():
    return CliRunner()


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def check_record(record: dict, text: str) -> None:
    assert set(record) >= {"id", "quotes"}
    for q in record["quotes"]:
        assert QUOTE_KEYS <= set(q)
        assert text[q["start"]:q["end"]] == q["text"]
        if q["speaker_start"] is not None:
            assert text[q["speaker_start"]:q["speaker_end"]] == q["mention"]


# ---------------------------------------------------------------- extract


def test_extract_txt_prints_one_json_line(runner, tmp_path):
    path = tmp_path / "harbour.txt"
    path.write_text(HARBOUR, encoding="utf-8")
    result = runner.invoke(cli, ["extract", str(path)])
    assert result.exit_code == 0, result.output
    records = json_lines(result.stdout)
    assert len(records) == 1
    record = records[0]
    check_record(record, HARBOUR)
    assert [q["speaker"] for q in record["quotes"]] == ["Talia Brennock", "Peter Quell"]
    assert [q["cue"] for q in record["quotes"]] == ["said", "said"]
    assert all(q["sieve"] for q in record["quotes"])


def test_extract_offsets_index_the_file_bytes_as_read(runner, tmp_path):
    """The offsets index the file's text exactly, title line included."""
    path = tmp_path / "harbour.txt"
    path.write_bytes(HARBOUR.encode("utf-8"))
    record = json_lines(runner.invoke(cli, ["extract", str(path)]).stdout)[0]
    text = path.read_bytes().decode("utf-8")
    for q in record["quotes"]:
        assert text[q["start"]:q["end"]] == q["text"]
        assert text[q["speaker_start"]:q["speaker_end"]] == q["mention"]


def test_extract_pretty(runner, tmp_path):
    path = tmp_path / "harbour.txt"
    path.write_text(HARBOUR, encoding="utf-8")
    result = runner.invoke(cli, ["extract", "--pretty", str(path)])
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    check_record(record, HARBOUR)
    assert "\n  " in result.stdout


def test_extract_jsonl_with_two_articles(runner, tmp_path):
    path = tmp_path / "wire.jsonl"
    rows = [
        {"id": "ferry-1", "title": "Ferry strike ends", "text": FERRY},
        {"id": "market-1", "title": "Market returns", "text": MARKET},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = runner.invoke(cli, ["extract", str(path)])
    assert result.exit_code == 0, result.output
    records = json_lines(result.stdout)
    assert [r["id"] for r in records] == ["ferry-1", "market-1"]
    check_record(records[0], FERRY)
    check_record(records[1], MARKET)
    assert [q["speaker"] for q in records[0]["quotes"]] == ["Ilse Varga"]
    assert [q["speaker"] for q in records[1]["quotes"]] == ["Odile Ferrand"]


def test_extract_missing_file_fails_but_other_inputs_print(runner, tmp_path):
    good = tmp_path / "harbour.txt"
    good.write_text(HARBOUR, encoding="utf-8")
    missing = tmp_path / "no-such-article.txt"
    result = runner.invoke(cli, ["extract", str(missing), str(good)])
    assert result.exit_code != 0
    assert "no-such-article.txt" in result.stderr
    records = json_lines(result.stdout)
    assert len(records) == 1
    check_record(records[0], HARBOUR)


def test_extract_requires_a_path(runner):
    result = runner.invoke(cli, ["extract"])
    assert result.exit_code != 0


# ---------------------------------------------------------------- ingest


def counts(db_path: Path) -> dict[str, int]:
    db = sqlite_utils.Database(db_path)
    try:
        return {t: db[t].count for t in ("articles", "quotes", "speakers")}
    finally:
        db.close()


def test_ingest_twice_changes_nothing(runner, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    (folder / "ferry.txt").write_text(FERRY, encoding="utf-8")
    db_path = tmp_path / "db" / "quotes.db"

    first = runner.invoke(cli, ["ingest", "--db", str(db_path), str(folder)])
    assert first.exit_code == 0, first.output
    after_first = counts(db_path)
    assert after_first == {"articles": 2, "quotes": 3, "speakers": 3}

    second = runner.invoke(cli, ["ingest", "--db", str(db_path), str(folder)])
    assert second.exit_code == 0, second.output
    assert counts(db_path) == after_first


def test_ingest_reports_to_stderr(runner, tmp_path):
    path = tmp_path / "ferry.txt"
    path.write_text(FERRY, encoding="utf-8")
    db_path = tmp_path / "quotes.db"
    result = runner.invoke(cli, ["ingest", "--db", str(db_path), "--no-progress", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert str(db_path) in result.stderr


def test_ingest_missing_input_fails_but_keeps_the_rest(runner, tmp_path):
    good = tmp_path / "ferry.txt"
    good.write_text(FERRY, encoding="utf-8")
    db_path = tmp_path / "quotes.db"
    result = runner.invoke(cli, ["ingest", "--db", str(db_path), str(tmp_path / "gone.txt"), str(good)])
    assert result.exit_code != 0
    assert "gone.txt" in result.stderr
    assert counts(db_path)["articles"] == 1


def test_ingest_voa_sample(runner, tmp_path):
    if not SAMPLE.exists():
        pytest.skip(f"{SAMPLE} is not available")
    db_path = tmp_path / "quotes.db"
    result = runner.invoke(cli, ["ingest", "--db", str(db_path), str(SAMPLE)])
    assert result.exit_code == 0, result.output
    db = sqlite_utils.Database(db_path)
    try:
        assert db["quotes"].count == 2
        rows = list(db.query(
            "SELECT speakers.name, quotes.title, quotes.cue FROM quotes "
            "JOIN speakers ON speakers.id = quotes.speaker_id ORDER BY quotes.start"))
        assert [(r["name"], r["title"], r["cue"]) for r in rows] == [
            ("Najim al-Jabouri", "General", "said"),
            ("Fuad Masum", "President", "said"),
        ]
        text = SAMPLE.read_text(encoding="utf-8")
        for row in db["quotes"].rows:
            assert text[row["start"]:row["end"]] == row["text"]
    finally:
        db.close()


# ---------------------------------------------------------------- --help


def test_group_help_lists_the_commands(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("ingest", "extract", "serve"):
        assert name in result.output


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_help_mentions_its_options(runner, name):
    command = cli.commands[name]
    result = runner.invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert any(opt in result.output for opt in param.opts + param.secondary_opts), (name, param.opts)
        elif isinstance(param, click.Argument):
            assert param.human_readable_name.upper() in result.output


@pytest.mark.parametrize("name, options", [
    ("extract", ["--pretty"]),
    ("ingest", ["--db", "--progress"]),
])
def test_help_of_extract_and_ingest(runner, name, options):
    result = runner.invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    for option in options:
        assert option in result.output
