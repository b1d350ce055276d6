"""Every problem has a stable code and a hint where a curator needs one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg.build import load_corpus
from kg.cli import main
from kg.errors import InputError, Problem

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"
REPORT = (GOLDEN / "seeds" / "report.yaml").read_text(encoding="utf-8")


def problems_after(tmp_path: Path, old: str, new: str, sources: bool = False) -> list[Problem]:
    seeds = Path(shutil.copytree(GOLDEN / "seeds", tmp_path / "seeds"))
    assert old in REPORT
    (seeds / "report.yaml").write_text(REPORT.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_corpus(seeds, sources_dir=GOLDEN / "sources" if sources else None)
    return raised.value.problems


def test_a_dedented_list_item_gets_an_indentation_hint(tmp_path: Path) -> None:
    (problem,) = problems_after(
        tmp_path,
        '    evidence:\n      - quote: "elected Bram Osei',
        '    evidence:\n    - quote: "elected Bram Osei',
    )
    assert problem.code == "yaml"
    assert problem.hint is not None and "column" in problem.hint, problem


def test_empty_evidence_is_explained_in_kg_words(tmp_path: Path) -> None:
    problems = problems_after(
        tmp_path,
        '    evidence:\n      - quote: "elected Bram Osei as party secretary on 3 May 2021"\n'
        "        start: 101\n        end: 151\n",
        "    evidence: []\n",
    )
    (problem,) = [p for p in problems if p.field.endswith("evidence")]
    assert problem.code == "too-few-items"
    assert problem.message == "needs at least 1 item, found none"
    assert problem.hint is not None and "verbatim quote" in problem.hint


def test_a_one_character_typo_in_a_quote_is_pointed_at(tmp_path: Path) -> None:
    (problem,) = problems_after(
        tmp_path,
        'secretary on 3 May 2021"\n        start: 101\n        end: 151',
        'secretery on 3 May 2021"',
        sources=True,
    )
    assert problem.code == "quote-not-found"
    assert problem.hint is not None
    assert "character 34: 'e' in the quote, 'a' in the source" in problem.hint, problem.hint


def test_the_same_id_for_two_facts_suggests_a_new_id(tmp_path: Path) -> None:
    seeds = Path(shutil.copytree(GOLDEN / "seeds", tmp_path / "seeds"))
    second = REPORT.replace("id: harbour-report\n", "id: harbour-report-two\n", 1).replace(
        'start: "2021-05-03"', 'start: "2020-01-01"', 1
    )
    (seeds / "report-two.yaml").write_text(second, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_corpus(seeds)
    disagreements = [p for p in raised.value.problems if p.code == "fact-disagrees"]
    assert disagreements, raised.value.problems
    assert all("give it a new id" in (p.hint or "") for p in disagreements)


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("person: bram-osei", "persn: bram-osei", "unknown-field"),
        ("kind: news-report", "kind: news-reprot", "not-allowed"),
        ("person: bram-osei", "person: bram-osie", "unknown-reference"),
        ("post: harbour-secretary", "post: harbour-party", "wrong-reference-kind"),
        ("id: bram-osei-harbour-secretary", "id: Bram", "bad-format"),
        ("start: 101\n", 'start: "101"\n', "wrong-type"),
    ],
)
def test_codes(tmp_path: Path, old: str, new: str, code: str) -> None:
    problems = problems_after(tmp_path, old, new)
    assert code in {p.code for p in problems}, problems


def test_json_output_carries_the_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeds = Path(shutil.copytree(GOLDEN / "seeds", tmp_path / "seeds"))
    (seeds / "report.yaml").write_text(REPORT.replace("person: bram-osei", "persn: bram-osei", 1))
    assert main(["build", str(seeds), "-o", str(tmp_path / "out"), "--json", "-q"]) == 2
    problems = json.loads(capsys.readouterr().out)["problems"]
    (problem,) = [p for p in problems if p["field"] == "roles.0.persn"]
    assert problem["code"] == "unknown-field"
    assert set(problem) == {
        "code",
        "severity",
        "file",
        "line",
        "column",
        "field",
        "message",
        "hint",
    }
