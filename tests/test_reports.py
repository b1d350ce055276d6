"""Reports that CI systems and people act on: every format parsed back, --fail-on, kg diff."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml

from kg.cli import main
from kg.errors import Location
from kg.report import ReportFormat, render
from kg.validation import Severity, ValidationReport, ValidationResult

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"


def result(
    severity: Severity, line: int | None, message: str = "Bad, wrong: 100%"
) -> ValidationResult:
    return ValidationResult(
        severity=severity,
        focus="https://w3id.org/kg/id/tenure/a-b",
        path="<https://schema.org/startDate>",
        message=message,
        shape="<https://w3id.org/kg/shapes#Tenure-start>",
        component="<http://www.w3.org/ns/shacl#MaxCountConstraintComponent>",
        value='"2018"',
        focus_label="A B, member",
        location=Location("seeds/x.yaml", line, 3) if line else None,
    )


REPORT = ValidationReport(
    (
        result(Severity.VIOLATION, 10),
        result(Severity.WARNING, 20, "Probably wrong\nsecond line"),
        result(Severity.INFO, None, "Worth knowing"),
    )
)


def test_junit_is_valid_xml_with_one_case_per_result() -> None:
    root = ET.fromstring(render(REPORT, ReportFormat.JUNIT))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("3", "2")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"seeds/x.yaml", "(not traced to an extraction file)"}
    cases = list(suites["seeds/x.yaml"].iter("testcase"))
    failures = [c.find("failure") for c in cases]
    assert [f.get("type") for f in failures if f is not None] == ["violation", "warning"]
    assert failures[0] is not None
    assert failures[0].get("message") == "seeds/x.yaml:10:3: Bad, wrong: 100%"
    info = next(suites["(not traced to an extraction file)"].iter("testcase"))
    assert info.find("failure") is None and info.find("system-out") is not None


def test_junit_of_a_conforming_graph_has_one_passing_case() -> None:
    root = ET.fromstring(render(ValidationReport(), ReportFormat.JUNIT))
    cases = list(root.iter("testcase"))
    assert len(cases) == 1 and cases[0].find("failure") is None


def test_sarif_structure() -> None:
    sarif = json.loads(render(REPORT, ReportFormat.SARIF))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "kg"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [
        "https://w3id.org/kg/shapes#Tenure-start"
    ]
    levels = [r["level"] for r in run["results"]]
    assert levels == ["error", "warning", "note"]
    first = run["results"][0]
    assert first["ruleId"] == "https://w3id.org/kg/shapes#Tenure-start"
    location = first["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "seeds/x.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 10, "endLine": 10, "startColumn": 3},
    }
    assert first["properties"]["focusNode"] == "https://w3id.org/kg/id/tenure/a-b"
    untraced = run["results"][2]["locations"][0]["logicalLocations"][0]
    assert untraced["fullyQualifiedName"] == "https://w3id.org/kg/id/tenure/a-b"


def test_github_annotations_are_escaped_workflow_commands() -> None:
    lines = render(REPORT, ReportFormat.GITHUB).splitlines()
    assert lines[0].startswith("::error file=seeds/x.yaml,line=10,col=3,title=")
    assert "title=A B%2C member%3A <https%3A//schema.org/startDate>::" in lines[0]
    assert lines[0].endswith('Bad, wrong: 100%25 [value: "2018"]')
    assert lines[1].startswith("::warning ") and "Probably wrong%0Asecond line" in lines[1]
    assert lines[2].startswith("::notice title=")
    assert lines[3] == "does not conform: 1 violation, 1 warning, 1 info"


def test_json_report_round_trips() -> None:
    data = json.loads(render(REPORT, ReportFormat.JSON))
    assert data["conforms"] is False
    assert data["counts"] == {"violation": 1, "warning": 1, "info": 1}
    assert data["results"][0]["line"] == 10


def test_fail_on_thresholds() -> None:
    warning_only = ValidationReport((result(Severity.WARNING, 1),))
    assert not warning_only.conforms  # SHACL: any result, whatever its severity
    assert warning_only.violation_free
    assert ValidationReport().conforms
    assert not warning_only.fails_at(Severity.VIOLATION)
    assert warning_only.fails_at(Severity.WARNING)
    assert warning_only.fails_at(Severity.INFO)


@pytest.fixture
def warning_corpus(tmp_path: Path) -> Path:
    """The golden corpus with one warning: a readmission that names no suspension."""
    seeds = tmp_path / "seeds"
    shutil.copytree(GOLDEN / "seeds", seeds)
    report = seeds / "report.yaml"
    report.write_text(report.read_text().replace("    follows: dev-marsh-suspension-2021\n", ""))
    return seeds


@pytest.mark.parametrize("fail_on,code", [("violation", 0), ("warning", 1), ("info", 1)])
def test_cli_fail_on(warning_corpus: Path, tmp_path: Path, fail_on: str, code: int) -> None:
    out = tmp_path / f"out-{fail_on}"
    assert main(["build", str(warning_corpus), "-o", str(out), "-q", "--fail-on", fail_on]) == code
    assert out.exists() == (code == 0)


@pytest.mark.parametrize("fmt", ["junit", "sarif", "github", "json", "text"])
def test_cli_report_file_in_every_format(warning_corpus: Path, tmp_path: Path, fmt: str) -> None:
    report_file = tmp_path / f"report.{fmt}"
    assert (
        main(
            [
                "build",
                str(warning_corpus),
                "--dry-run",
                "-q",
                "--report",
                fmt,
                "--report-file",
                str(report_file),
            ]
        )
        == 0
    )
    content = report_file.read_text()
    assert "readmission" in content and "report.yaml" in content
    if fmt == "junit":
        assert ET.fromstring(content).get("failures") == "1"
    elif fmt in {"sarif", "json"}:
        json.loads(content)


def test_cli_dry_run_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["build", str(GOLDEN / "seeds"), "-o", str(out), "--dry-run", "-q"]) == 0
    assert not out.exists()


def test_cli_validate_several_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["build", str(GOLDEN / "seeds"), "-o", str(out), "-q"]) == 0
    capsys.readouterr()
    assert main(["validate", str(out / "graph.ttl"), str(out / "graph.trig")]) == 0
    assert "conforms" in capsys.readouterr().out


# --------------------------------------------------------------------- kg diff


def build_copy(tmp_path: Path, name: str, edit: tuple[str, str] | None = None) -> Path:
    seeds = tmp_path / f"{name}-seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    if edit is not None:
        registry = seeds / "registry.yaml"
        old, new = edit
        assert old in registry.read_text()
        registry.write_text(registry.read_text().replace(old, new, 1))
    out = tmp_path / name
    assert main(["build", str(seeds), "-o", str(out), "-q", "--no-validate"]) == 0
    return out / "graph.trig"


def test_diff_of_identical_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = build_copy(tmp_path, "a"), build_copy(tmp_path, "b")
    capsys.readouterr()
    assert main(["diff", str(a), str(b)]) == 0
    assert capsys.readouterr().out.strip() == "no differences"


def test_diff_of_a_real_edit_to_the_seed_registry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Renaming an alias shows up as one modified entity, with its label."""
    old = build_copy(tmp_path, "old")
    new = build_copy(tmp_path, "new", ("  - Lansman\n", "  - J. Lansman\n"))
    capsys.readouterr()
    assert main(["diff", str(old), str(new), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["counts"] == {
        "added": 0,
        "removed": 0,
        "modified": 1,
        "statements_added": 1,
        "statements_removed": 1,
    }
    change = data["changes"][0]
    assert change["label"] == "Jon Lansman"
    assert change["added"] == [["http://www.w3.org/2004/02/skos/core#altLabel", '"J. Lansman"']]
    assert change["removed"] == [["http://www.w3.org/2004/02/skos/core#altLabel", '"Lansman"']]


def test_diff_ignores_blank_node_labels_and_order(tmp_path: Path) -> None:
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    a.write_text('<urn:x> <urn:p> [ <urn:q> "1" ] .\n<urn:x> <urn:r> "2" .\n')
    b.write_text('<urn:x> <urn:r> "2" .\n_:zz <urn:q> "1" .\n<urn:x> <urn:p> _:zz .\n')
    assert main(["diff", str(a), str(b)]) == 0


# --------------------------------------------------------------------- CI integrations


def test_pre_commit_hooks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each hook's entry is a working kg command line (run in a repository like ours)."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {"kg-check", "kg-validate"}
    shutil.copytree(GOLDEN / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "seeds", "-o", "out", "-q"]) == 0
    for hook in hooks:
        argv = shlex.split(hook["entry"])[1:] + hook.get("args", [])
        if hook.get("pass_filenames", True):
            argv.append("out/graph.ttl")
        assert main(argv) == 0, hook["id"]


def test_example_workflow_is_valid_yaml_that_runs_kg() -> None:
    workflow = yaml.safe_load((ROOT / "examples" / "ci" / "kg.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    commands = " ".join(step.get("run", "") for step in steps)
    assert "kg build seeds -o build --fail-on violation --report github" in commands
    assert "--report-file build/kg.sarif" in commands
    assert "--report-file build/kg-junit.xml" in commands


@pytest.mark.parametrize("engine", ["auto", "turbo", "kg", "pyshacl"])
def test_cli_engine_choice_gives_the_same_report(
    warning_corpus: Path, engine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every engine the CLI offers finds the golden corpus's one warning, and only it."""
    assert (
        main(["build", str(warning_corpus), "--dry-run", "-q", "--json", "--engine", engine]) == 0
    )
    report = json.loads(capsys.readouterr().out)["report"]
    assert report["counts"] == {"violation": 0, "warning": 1, "info": 0}
    assert report["results"][0]["shape"] == "<https://w3id.org/kg/shapes#ReadmissionNamesExclusion>"
