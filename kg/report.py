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
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_URI = "https://w3id.org/kg"


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
    """JUnit XML: one test suite per extraction file, one failing test case per result.

    Violations are failures, warnings are failures of type 'warning' (CI systems
    show both), infos are recorded as passed cases with the message in system-out.
    A conforming graph with no results is one passing case, so a run never looks empty.
    """
    root = ET.Element("testsuites", name="kg validate")
    total = failures = 0
    if not report.results:
        suite = ET.SubElement(root, "testsuite", name="kg validate", tests="1", failures="0")
        ET.SubElement(suite, "testcase", classname="kg", name="graph conforms")
        total = 1
    for file, group in groupby(report.results, key=_file_of):
        results = list(group)
        failed = [r for r in results if r.severity is not Severity.INFO]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=file,
            tests=str(len(results)),
            failures=str(len(failed)),
            errors="0",
            skipped="0",
        )
        for result in results:
            case = ET.SubElement(suite, "testcase", classname=file, name=_case_name(result))
            if result.location and result.location.line:
                case.set("file", result.location.file)
                case.set("line", str(result.location.line))
            detail = _line(result)
            if result.severity is Severity.INFO:
                ET.SubElement(case, "system-out").text = detail
            else:
                failure = ET.SubElement(
                    case, "failure", message=result.message, type=result.severity.value
                )
                failure.text = detail
        total += len(results)
        failures += len(failed)
    root.set("tests", str(total))
    root.set("failures", str(failures))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _case_name(result: ValidationResult) -> str:
    where = f"line {result.location.line}: " if result.location and result.location.line else ""
    return f"{where}{_title(result)}: {result.message}"


# --------------------------------------------------------------------- SARIF


_SARIF_LEVEL = {Severity.VIOLATION: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render_sarif(report: ValidationReport) -> str:
    """SARIF 2.1.0, for code-scanning UIs: one rule per SHACL shape, results at file:line."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for result in report.results:
        rule_id = _rule_id(result)
        rules.setdefault(
            rule_id,
            {
                "id": rule_id,
                "name": rule_id.rsplit("#", 1)[-1].rsplit("/", 1)[-1],
                "shortDescription": {"text": result.message},
                "properties": {"constraintComponent": result.component},
            },
        )
        entry: dict[str, Any] = {
            "ruleId": rule_id,
            "level": _SARIF_LEVEL[result.severity],
            "message": {"text": f"{_title(result)}: {result.message}"},
            "properties": {
                "focusNode": result.focus,
                "path": result.path,
                "value": result.value,
                "label": result.focus_label,
            },
        }
        if result.location is not None:
            region = {"startLine": result.location.line or 1}
            if result.location.column:
                region["startColumn"] = result.location.column
            entry["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": result.location.file},
                        "region": region,
                    }
                }
            ]
        else:
            entry["locations"] = [{"logicalLocations": [{"fullyQualifiedName": result.focus}]}]
        results.append(entry)
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kg",
                        "informationUri": TOOL_URI,
                        "rules": [rules[k] for k in sorted(rules)],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=1, ensure_ascii=False)


def _rule_id(result: ValidationResult) -> str:
    return (result.shape or result.component or "kg").strip("<>")


# --------------------------------------------------------------------- GitHub


_GITHUB_COMMAND = {
    Severity.VIOLATION: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
}


def render_github(report: ValidationReport) -> str:
    """GitHub Actions workflow commands: one annotation per result, at file and line."""
    lines = []
    for result in report.results:
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
    return "\n".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
