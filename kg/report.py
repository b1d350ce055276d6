"""SHACL reports for people (text, grouped by extraction file) and for machines (JSON)."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from kg.validation import Severity, ValidationReport, ValidationResult

NO_FILE = "(not traced to an extraction file)"


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
    counts = ", ".join(
        f"{report.count(s)} {s.value}{'s' if report.count(s) != 1 else ''}" for s in Severity
    )
    hidden = len(report.results) - len(shown)
    more = f" ({hidden} not shown: run kg validate to list them)" if hidden else ""
    lines.append(("conforms" if report.conforms else "does not conform") + f": {counts}{more}")
    return "\n".join(lines)


def _file_of(result: ValidationResult) -> str:
    return result.location.file if result.location else NO_FILE


def _line(result: ValidationResult) -> str:
    where = ""
    if result.location and result.location.line:
        where = f"{result.location.line}:{result.location.column or 1}: "
    label = f" ({result.focus_label})" if result.focus_label else ""
    path = f" {result.path}:" if result.path else ""
    redundant = result.value in (None, f"<{result.focus}>") or str(result.value) in result.message
    value = "" if redundant else f" [value: {result.value}]"
    return f"{where}{result.severity.value}: {result.focus}{label}{path} {result.message}{value}"


def report_json(report: ValidationReport) -> dict[str, Any]:
    return {
        "conforms": report.conforms,
        "counts": {s.value: report.count(s) for s in Severity},
        "results": [
            {
                "severity": r.severity.value,
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
