"""`kg evidence --fix`: offsets and hashes written into the curator's files, layout kept."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.cli import main
from kg.errors import InputError
from kg.evidence_fix import fix_evidence
from kg.yamlpos import parse

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"
REPORT = "report.yaml"
OFFSETS = re.compile(r"(?<=\n)( +- quote: [^\n]*)\n +start: \d+\n +end: \d+(?=\n)")
ORIGINAL = (GOLDEN / "seeds" / REPORT).read_text(encoding="utf-8")
PAIRS = len(OFFSETS.findall(ORIGINAL))


def corpus(tmp: Path, report: str | None = None, name: str = REPORT) -> tuple[Path, Path]:
    """A copy of the golden corpus with the document file's text replaced."""
    seeds, sources = tmp / "seeds", tmp / "sources"
    shutil.copytree(GOLDEN / "seeds", seeds)
    shutil.copytree(GOLDEN / "sources", sources)
    if report is not None:
        (seeds / REPORT).unlink()
        (seeds / name).write_text(report, encoding="utf-8")
    return seeds, sources


def strip_offsets(text: str, keep: set[int] | None = None) -> str:
    """The text without the offset pairs whose index is not in ``keep`` (all by default)."""
    counter = iter(range(PAIRS))
    return OFFSETS.sub(lambda m: m.group(0) if next(counter) in (keep or ()) else m.group(1), text)


def test_offsets_and_hash_are_restored_byte_for_byte(tmp_path: Path) -> None:
    text = re.sub(r"\n  sha256: [0-9a-f]+", "", strip_offsets(ORIGINAL))
    seeds, sources = corpus(tmp_path, text)
    outcome = fix_evidence(seeds, sources)
    assert (seeds / REPORT).read_text(encoding="utf-8") == ORIGINAL
    assert outcome.problems == []
    assert len(outcome.changes) == PAIRS + 1  # every pair and the hash
    assert "+  sha256: " in outcome.diffs[0]


@given(st.sets(st.integers(0, PAIRS - 1)))
def test_any_subset_of_missing_offsets_is_restored(keep: set[int]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        seeds, sources = corpus(Path(tmp), strip_offsets(ORIGINAL, keep))
        fix_evidence(seeds, sources)
        assert (seeds / REPORT).read_text(encoding="utf-8") == ORIGINAL


def test_comments_block_scalars_and_flow_mappings_are_kept(tmp_path: Path) -> None:
    text = strip_offsets(ORIGINAL)
    text = text.replace(
        '- quote: "elected Bram Osei as party secretary on 3 May 2021"',
        '- quote: "elected Bram Osei as party secretary on 3 May 2021"  # para 1',
    )
    text = text.replace(
        '- quote: "Cora Lind withdrew before the vote"',
        "- quote: >-\n          Cora Lind withdrew\n          before the vote",
        1,
    )
    seeds, sources = corpus(tmp_path, text)
    flow = "{quote: Cora Lind withdrew before the vote, start: 1, end: 35}"
    fixed_text = text.replace(
        "- quote: >-\n          Cora Lind withdrew\n          before the vote", f"- {flow}", 1
    )
    fix_evidence(seeds, sources)
    after = (seeds / REPORT).read_text(encoding="utf-8")
    assert '3 May 2021"  # para 1\n        start: 101\n        end: 151\n' in after
    assert "          before the vote\n        start: 170\n        end: 204\n" in after
    (seeds / REPORT).write_text(fixed_text, encoding="utf-8")
    fix_evidence(seeds, sources)
    assert "{quote: Cora Lind withdrew before the vote, start: 170, end: 204}" in (
        seeds / REPORT
    ).read_text(encoding="utf-8")


def test_json_files_get_json_keys(tmp_path: Path) -> None:
    data, _ = parse(ORIGINAL)  # kg's YAML 1.2 reading: 'no' stays a string
    expected = json.loads(json.dumps(data))

    def drop(value: object) -> None:
        if isinstance(value, dict):
            if "quote" in value:
                value.pop("start", None)
                value.pop("end", None)
            for item in value.values():
                drop(item)
        elif isinstance(value, list):
            for item in value:
                drop(item)

    drop(data)
    del data["source"]["sha256"]
    seeds, sources = corpus(tmp_path, json.dumps(data, indent=2), "report.json")
    outcome = fix_evidence(seeds, sources)
    assert outcome.problems == []
    assert json.loads((seeds / "report.json").read_text(encoding="utf-8")) == expected


def test_a_changed_source_gets_its_hash_and_shifted_offsets(tmp_path: Path) -> None:
    seeds, sources = corpus(tmp_path)
    text = (sources / "report.txt").read_text(encoding="utf-8")
    (sources / "report.txt").write_text("Updated. " + text, encoding="utf-8")
    outcome = fix_evidence(seeds, sources)
    assert outcome.problems == []
    after = (seeds / REPORT).read_text(encoding="utf-8")
    assert "start: 110\n        end: 160\n" in after  # 101..151 moved by nine
    assert after != ORIGINAL


def test_an_ambiguous_quote_is_left_and_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = strip_offsets(ORIGINAL).replace(
        '- quote: "Cora Lind withdrew before the vote"', '- quote: "the "'
    )
    seeds, sources = corpus(tmp_path, text)
    code = main(["evidence", str(seeds), "--sources", str(sources), "--fix"])
    err = capsys.readouterr().err
    assert code == 2
    assert "quote occurs" in err and "times" in err and "give start/end" in err
    after = (seeds / REPORT).read_text(encoding="utf-8")
    assert '- quote: "the "\n' in after  # untouched
    assert "start: 101" in after  # the others are written


def test_the_cli_prints_the_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeds, sources = corpus(tmp_path, strip_offsets(ORIGINAL, set(range(1, PAIRS))))
    assert main(["evidence", str(seeds), "--sources", str(sources), "--fix"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"--- a/{seeds / REPORT}\n+++ b/{seeds / REPORT}\n")
    first = OFFSETS.search(ORIGINAL)
    assert first is not None
    pair = first.group(0)[len(first.group(1)) :].replace("\n", "\n+")
    assert pair.lstrip("\n+").split("\n")[0].strip().startswith("start:")
    assert pair[1:] + "\n" in out  # the restored pair, as added lines
    assert (seeds / REPORT).read_text(encoding="utf-8") == ORIGINAL
    assert main(["evidence", str(seeds), "--sources", str(sources), "--fix"]) == 0
    assert capsys.readouterr().out == ""  # nothing left to fix


def test_a_file_that_does_not_load_is_not_touched(tmp_path: Path) -> None:
    text = strip_offsets(ORIGINAL).replace("person: bram-osei", "persn: bram-osei")
    seeds, sources = corpus(tmp_path, text)
    with pytest.raises(InputError):
        fix_evidence(seeds, sources)
    assert (seeds / REPORT).read_text(encoding="utf-8") == text
