"""SHACL reports for people and machines: text, JSON, JUnit XML, SARIF and GitHub annotations.

Every format carries the same facts per result: severity, focus node and its
label, path, message, and the extraction file:line:column it traces back to.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from itertools import groupby
from typing import Any
from xml.etree import ElementTree as ET

from kg.validation import Severity, ValidationReport, ValidationResult

NO_FILE = "(not traced to an extraction file)"


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"
    SARIF = "sarif"
    GITHUB = "github"


def render(
    report: ValidationReport, fmt: ReportFormat | str, least: Severity = Severity.INFO
) -> str:
    """The report in one format; ``least`` only trims the human-readable text listing."""
    renderers: dict[ReportFormat, Callable[[ValidationReport], str]] = {
        ReportFormat.TEXT: lambda r: render_text(r, least),
        ReportFormat.JSON: lambda r: json.dumps(report_json(r), indent=1, ensure_ascii=False),
        ReportFormat.JUNIT: render_junit,
        ReportFormat.SARIF: render_sarif,
        ReportFormat.GITHUB: render_github,
    }
    return renderers[ReportFormat(fmt)](report)


# --------------------------------------------------------------------- text


def render_text(report: ValidationReport, least: Severity = Severity.INFO) -> str:
    """Results grouped by extraction file, each with line, label, path and message.

    Results less severe than ``least`` are counted in the summary but not listed.
    """
    if not report.results:
        return "conforms: no SHACL results"
    lines: list[str] = []
    shown = [r for r in report.results if r.severity.rank <= least.rank]
    for file, results in groupby(shown, key=_file_of):
        lines.append(file)
        for result in results:
            lines.append("  " + _line(result))
    hidden = len(report.results) - len(shown)
    more = f" ({hidden} not shown: run kg validate to list them)" if hidden else ""
    lines.append(summary_line(report) + more)
    return "\n".join(lines)


def summary_line(report: ValidationReport) -> str:
    """'no violations: 0 violations, 1 warning, 7 infos' (SHACL's 'conforms' only when
    there are no results at all)."""
    counts = ", ".join(_count(report, s) for s in Severity)
    if report.conforms:
        verdict = "conforms"
    else:
        verdict = "no violations" if report.violation_free else "does not conform"
    return f"{verdict}: {counts}"


def _count(report: ValidationReport, severity: Severity) -> str:
    n = report.count(severity)
    return f"{n} {severity.value}{'s' if n != 1 else ''}"


def _file_of(result: ValidationResult) -> str:
    return result.location.file if result.location else NO_FILE


def _line(result: ValidationResult) -> str:
    where = ""
    if result.location and result.location.line:
        where = f"{result.location.line}:{result.location.column or 1}: "
    label = f" ({result.focus_label})" if result.focus_label else ""
    path = f" {result.path}:" if result.path else ""
    shown = (None, f"<{result.focus}>", result.focus)
    redundant = result.value in shown or str(result.value) in result.message
    value = "" if redundant else f" [value: {result.value}]"
    return f"{where}{severity_word(result)}: {result.focus}{label}{path} {result.message}{value}"


def severity_word(result: ValidationResult) -> str:
    """'violation', 'warning', 'info', or a custom severity's IRI (counted as a violation)."""
    return result.custom_severity or result.severity.value


def _title(result: ValidationResult) -> str:
    """A one-line summary naming what is wrong, for annotation titles and test names."""
    subject = result.focus_label or "/".join(result.focus.split("/")[-2:])
    return f"{subject}: {result.path}" if result.path else subject


# --------------------------------------------------------------------- JSON


def report_json(report: ValidationReport) -> dict[str, Any]:
    return {
        "conforms": report.conforms,
        "violation_free": report.violation_free,
        "counts": {s.value: report.count(s) for s in Severity},
        "results": [
            {
                "severity": r.severity.value,
                "severity_iri": r.severity_iri,
                "focus": r.focus,
                "label": r.focus_label,
                "path": r.path,
                "message": r.message,
                "value": r.value,
                "shape": r.shape,
                "component": r.component,
                "file": r.location.file if r.location else None,
                "line": r.location.line if r.location else None,
                "column": r.location.column if r.location else None,
            }
            for r in report.results
        ],
    }


# --------------------------------------------------------------------- JUnit


def render_junit(report: ValidationReport) -> str:
    """JUnit XML valid against the Jenkins xUnit ``junit-10.xsd``: one test suite per
    extraction file, one test case per result, named by what it checks (not its line,
    so a case keeps its identity when lines move); file:line:column go in the message.

    Violations are failures, warnings failures of type 'warning' (CI systems show
    both), input problems errors; infos pass with the message in system-out. A graph
    with no results is one passing case, so a run never looks empty.
    """
    root = ET.Element("testsuites", name="kg validate")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    if not report.results:
        suite = ET.SubElement(root, "testsuite", name="kg validate", tests="1", failures="0")
        suite.set("errors", "0")
        suite.set("skipped", "0")
        suite.set("time", "0")
        ET.SubElement(suite, "testcase", classname="kg", name="graph conforms", time="0")
        totals["tests"] = 1
    for file, group in groupby(report.results, key=_file_of):
        results = [(r, _junit_kind(r)) for r in group]
        counts = {kind: sum(1 for _, k in results if k == kind) for kind in ("failure", "error")}
        suite = ET.SubElement(root, "testsuite", name=file, tests=str(len(results)))
        suite.set("failures", str(counts["failure"]))
        suite.set("errors", str(counts["error"]))
        suite.set("skipped", "0")
        suite.set("time", "0")
        seen: dict[str, int] = {}
        for result, kind in results:
            name = _case_name(result)
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:  # the same check failing twice in one file
                name = f"{name} ({seen[name]})"
            case = ET.SubElement(suite, "testcase", classname=file, name=name, time="0")
            detail = _file_prefix(result) + _line(result)
            if kind is None:
                ET.SubElement(case, "system-out").text = detail
                continue
            where = f"{result.location}: " if result.location else ""
            message = f"{where}{result.message}"
            ET.SubElement(case, kind, message=message, type=result.severity.value).text = detail
        totals["tests"] += len(results)
        totals["failures"] += counts["failure"]
        totals["errors"] += counts["error"]
    for key, count in totals.items():
        root.set(key, str(count))
    root.set("time", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _junit_kind(result: ValidationResult) -> str | None:
    """'error' for an input problem, 'failure' for a SHACL violation or warning, None
    for an info (a passing case)."""
    from kg.errors import INPUT_PROBLEM  # here, not at the top: this section is JUnit's

    if result.component == INPUT_PROBLEM:
        return "error"
    return None if result.severity is Severity.INFO else "failure"


def _file_prefix(result: ValidationResult) -> str:
    if result.location is None:
        return ""
    return f"{result.location.file}:" + ("" if result.location.line else " ")


def _case_name(result: ValidationResult) -> str:
    return f"{_title(result)}: {result.message}"


# --------------------------------------------------------------------- SARIF


def render_sarif(report: ValidationReport) -> str:
    """SARIF 2.1.0 for code scanning (see :mod:`kg.sarif`), rules described by kg's shapes."""
    from kg.sarif import render_sarif as sarif

    return sarif(report)


# --------------------------------------------------------------------- GitHub


_GITHUB_COMMAND = {
    Severity.VIOLATION: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
}
GITHUB_SHOWN = 10
"""Annotations of each kind the GitHub runner shows per step; the rest it drops silently."""


def render_github(report: ValidationReport) -> str:
    """GitHub Actions workflow commands: one annotation per result, at file and line,
    the most severe first; a closing line says how many the runner will not show."""
    lines = []
    ordered = sorted(report.results, key=lambda r: r.severity.rank)
    for result in ordered:
        properties = []
        if result.location is not None:
            properties.append(f"file={_escape_property(result.location.file)}")
            if result.location.line:
                properties.append(f"line={result.location.line}")
            if result.location.column:
                properties.append(f"col={result.location.column}")
        properties.append(f"title={_escape_property(_title(result))}")
        command = _GITHUB_COMMAND[result.severity]
        lines.append(f"::{command} {','.join(properties)}::{_escape_data(_line(result))}")
    lines.append(summary_line(report))
    hidden = {s: report.count(s) - GITHUB_SHOWN for s in Severity if report.count(s) > GITHUB_SHOWN}
    if hidden:
        counts = ", ".join(f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in hidden.items())
        lines.append(
            f"GitHub shows {GITHUB_SHOWN} annotations of each kind per step: {counts} "
            "not annotated (the SARIF and JUnit reports hold every result)"
        )
    return "\n".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
