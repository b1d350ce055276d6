"""A run's outcome as one report, whatever happened, in files CI systems read.

Code scanning and test tabs need a report most when a build fails, so input
problems become results at their file:line, an up-to-date build replays the
report it recorded, and a result kg cannot trace to an extraction is placed in
the RDF file that was validated. Output printed to a CI log is made safe from
the runner's workflow commands: data (labels, messages, file names) never
starts a ``::command`` line or holds a ``##[`` command.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from kg.errors import INPUT_PROBLEM, Location, Problem, ProblemSeverity
from kg.report import ReportFormat
from kg.validation import Severity, ValidationReport, ValidationResult

_BY_EXTENSION = {
    ".sarif": ReportFormat.SARIF,
    ".xml": ReportFormat.JUNIT,
    ".json": ReportFormat.JSON,
    ".txt": ReportFormat.TEXT,
}


def format_of_file(path: Path, chosen: ReportFormat | None) -> ReportFormat:
    """A report file's format: from its extension when kg knows it, else the chosen one."""
    for suffix, fmt in _BY_EXTENSION.items():
        if path.name.lower().endswith(suffix):
            return fmt
    return chosen or ReportFormat.TEXT


# --------------------------------------------------------------------- input problems


def from_problems(problems: Iterable[Problem]) -> ValidationReport:
    """Input problems as results at the curator's file:line, so every report format has them."""
    results = [
        ValidationResult(
            severity=Severity.VIOLATION
            if problem.severity is ProblemSeverity.ERROR
            else Severity.WARNING,
            focus=problem.field or Path(problem.location.file).name,
            path=None,
            message=problem.message + (f" ({problem.hint})" if problem.hint else ""),
            shape=problem.code,  # the problem's stable code names the rule broken
            component=INPUT_PROBLEM,
            value=None,
            location=problem.location,
        )
        for problem in problems
    ]
    return ValidationReport(tuple(sorted(results, key=ValidationResult.sort_key)))


# --------------------------------------------------------------------- replay


def encode(report: ValidationReport) -> list[dict[str, Any]]:
    """The results as JSON-ready records (the inverse of :func:`decode`)."""
    return [
        {
            "severity": r.severity.value,
            "focus": r.focus,
            "path": r.path,
            "message": r.message,
            "shape": r.shape,
            "component": r.component,
            "value": r.value,
            "label": r.focus_label,
            "location": None
            if r.location is None
            else [r.location.file, r.location.line, r.location.column],
        }
        for r in report.results
    ]


def decode(records: Sequence[dict[str, Any]]) -> ValidationReport:
    """A report recorded by :func:`encode`; ValueError/KeyError/TypeError if malformed."""
    results = []
    for record in records:
        where = record["location"]
        results.append(
            ValidationResult(
                severity=Severity(record["severity"]),
                focus=str(record["focus"]),
                path=record["path"],
                message=str(record["message"]),
                shape=record["shape"],
                component=record["component"],
                value=record["value"],
                focus_label=record["label"],
                location=None if where is None else Location(where[0], where[1], where[2]),
            )
        )
    return ValidationReport(tuple(results))


# --------------------------------------------------------------------- placing untraced results


def place(report: ValidationReport, fallback: Location) -> ValidationReport:
    """Every result without a location placed at ``fallback``."""
    if all(r.location is not None for r in report.results):
        return report
    return ValidationReport(
        tuple(r if r.location else replace(r, location=fallback) for r in report.results)
    )


_PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.MULTILINE)
_LOCAL = re.compile(r"^[\w.-][\w.:%-]*$")


def place_in_rdf(report: ValidationReport, rdf_file: Path, shown: str) -> ValidationReport:
    """Results without an extraction location placed in the RDF file they were found in:
    the line where the focus node is first a subject (or else first appears) when a
    plain reading of the text can tell, else line 1. ``shown`` is the path to report."""
    unplaced = {r.focus for r in report.results if r.location is None}
    if not unplaced:
        return report
    try:
        text = rdf_file.read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        text = ""
    lines = text.splitlines()
    prefixes = [(name or "", ns) for name, ns in _PREFIX.findall(text)]
    found = {focus: _line_of(focus, lines, prefixes) for focus in unplaced}
    return ValidationReport(
        tuple(
            r if r.location else replace(r, location=Location(shown, found[r.focus], None))
            for r in report.results
        )
    )


def _line_of(focus: str, lines: list[str], prefixes: list[tuple[str, str]]) -> int:
    if not focus.startswith(("http:", "https:", "urn:", "file:", "tag:", "mailto:")):
        return 1  # a blank node: its label in the file is not the engine's
    forms = [f"<{focus}>", f'"@id": "{focus}"']
    for name, namespace in prefixes:
        local = focus[len(namespace) :]
        if namespace and focus.startswith(namespace) and _LOCAL.match(local):
            forms.append(f"{name}:{local}")
    first_mention = 0
    for number, line in enumerate(lines, 1):
        stripped = line.lstrip()
        for form in forms:
            if stripped.startswith(form) and stripped[len(form) : len(form) + 1] in ("", " ", "\t"):
                return number
            if not first_mention and _mentions(line, form):
                first_mention = number
    return first_mention or 1


def _mentions(line: str, form: str) -> bool:
    at = line.find(form)
    while at >= 0:
        after = line[at + len(form) : at + len(form) + 1]
        before = line[at - 1 : at] if at else " "
        if not (before.isalnum() or before in ":/_-") and not (after.isalnum() or after in "/_-"):
            return True
        at = line.find(form, at + 1)
    return False


# --------------------------------------------------------------------- safe for CI logs


_COMMAND_LINE = re.compile(r"^(\s*):", re.MULTILINE)


def runner_safe(text: str, fmt: ReportFormat) -> str:
    """``text`` with nothing a CI runner reads as a workflow command, for printing to a log.

    GitHub's runner acts on lines that start with ``::`` and on ``##[`` anywhere in a
    line. Annotations (``github``) escape their data as the runner expects; the other
    formats escape the two in their own syntax (JSON and XML character references),
    and the plain text listing, which has no escapes, gets a visible backslash.
    """
    if fmt is ReportFormat.GITHUB:
        return text
    if fmt in (ReportFormat.JSON, ReportFormat.SARIF):
        return text.replace("##[", "##\\u005b")  # '#' and '[' only meet inside strings
    if fmt is ReportFormat.JUNIT:
        return _COMMAND_LINE.sub(r"\1&#58;", text.replace("##[", "##&#91;"))
    return _COMMAND_LINE.sub(r"\1\\:", text.replace("##[", "##\\["))
