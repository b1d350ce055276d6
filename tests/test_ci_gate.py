"""The CI gate: every result located where the curator must act, reports written on every
outcome, and report files that the consumers' own schemas accept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kg
from kg.errors import Location
from kg.validation import Severity, trace

ROOT = Path(__file__).resolve().parent.parent
FORMBY = "https://w3id.org/kg/id/tenure/jennie-formby-official-unite"
STATING = "001_lansman-quits-gen-sec-contest.yaml"
STATED = """  role: official
  status: current
  evidence:
  - quote: Unite official Jennie Formby"""


def plant(seeds: Path) -> None:
    """Two violations in file 001: an impossible tenure (a fact file 000 corroborates,
    and file 000 comes first) and an election won by a non-candidate."""
    path = seeds / STATING
    text = path.read_text(encoding="utf-8")
    assert STATED in text
    text = text.replace(
        STATED, STATED.replace("current\n", 'current\n  start: "2019"\n  end: "2018"\n')
    )
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    plant(seeds)
    return seeds


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def test_a_corroborated_fact_is_traced_to_the_file_that_states_it(planted: Path) -> None:
    report = kg.build(planted).report
    assert report is not None
    [bad] = [r for r in report.results if r.severity is Severity.VIOLATION]
    assert bad.focus == FORMBY
    assert bad.location is not None
    assert Path(bad.location.file).name == STATING
    assert bad.location.line == line_of(planted / STATING, "- id: jennie-formby-official-unite")


def test_the_source_map_keeps_the_line_of_every_field(planted: Path) -> None:
    origins = kg.build(planted, run_validation=False).mapping.origins
    start = origins[f"{FORMBY} https://schema.org/startDate"]
    assert Path(start.file).name == STATING
    assert start.line == line_of(planted / STATING, 'start: "2019"')
    end = trace(FORMBY, origins, "<https://schema.org/endDate>")
    assert end is not None and end.line == start.line + 1
    # no field (or a complex path): the node's own line
    node = trace(FORMBY, origins, None)
    assert node is not None and node.line == start.line - 5
    assert trace(FORMBY, origins, "[ sh:inversePath <x> ]") == node
    assert trace(FORMBY + "/nested", origins) == node
    assert trace("urn:elsewhere", {"x": Location("f")}) is None
