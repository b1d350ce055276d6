"""Problems that point at the curator's file, line and field, and the errors that carry them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

INPUT_PROBLEM = "kg:input-problem"
"""The constraint component of a report result made from a :class:`Problem` (a marker,
not an RDF term), so report formats can tell input problems from SHACL results."""


class ProblemSeverity(StrEnum):
    """How bad an input problem is (SHACL results have their own: kg.Severity)."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in an input file; line and column are 1-based, as editors show them.

    >>> str(Location("seeds/report.yaml", 12, 5)), str(Location("seeds/registry.yaml"))
    ('seeds/report.yaml:12:5', 'seeds/registry.yaml')
    """

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    @classmethod
    def parse(cls, text: str) -> Location:
        """The Location whose ``str`` is ``text``: line and column are the trailing numbers.

        >>> Location.parse("seeds/report.yaml:12:5")
        Location(file='seeds/report.yaml', line=12, column=5)
        >>> Location.parse("seeds/registry.yaml").line is None
        True
        """
        head, _, last = text.rpartition(":")
        if not (head and last.isdigit()):
            return cls(text)
        first, _, middle = head.rpartition(":")
        if first and middle.isdigit():
            return cls(first, int(middle), int(last))
        return cls(head, int(last))


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, with enough context to fix it without guessing.

    ``code`` is stable across releases (the message's wording is not): programs, CI
    reports and editors match on it. The codes are listed in docs/extraction-format.md.

    >>> problem = Problem(Location("seeds/a.yaml", 3, 5), "roles.0.persn", "unknown field 'persn'",
    ...                   "did you mean 'person'?", code="unknown-field")
    >>> str(problem)
    "seeds/a.yaml:3:5: roles.0.persn: unknown field 'persn' (did you mean 'person'?)"
    >>> problem.to_dict()["code"]
    'unknown-field'
    """

    location: Location
    field: str
    message: str
    hint: str | None = None
    severity: ProblemSeverity = ProblemSeverity.ERROR
    code: str = "invalid"

    def to_dict(self) -> dict[str, str | int | None]:
        """The problem as JSON-ready data (``kg build --json`` and the reports use this)."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
        }

    def __str__(self) -> str:
        field = f" {self.field}:" if self.field else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.location}:{field} {self.message}{hint}"

    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location
        return (loc.file, loc.line or 0, loc.column or 0, self.field)


class KgError(Exception):
    """Base of every error kg raises on purpose: catch it to report kg's failures as one
    line (as the command line does) and let programming errors through.

    >>> import kg
    >>> try:
    ...     kg.query("no-such-file.trig", "SELECT * WHERE { ?s ?p ?o }")
    ... except kg.KgError as error:
    ...     print(error)
    no-such-file.trig: no such graph file; run 'kg build' first
    """


class InputError(KgError):
    """The extractions are invalid; every problem found in the run is attached.

    Raised before anything is written, so a failed build never leaves partial output.

    >>> import kg, pathlib, tempfile
    >>> seeds = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (seeds / "registry.yaml").write_text("people:\\n  - id: Ada Quill\\n    name: Ada\\n")
    >>> try:
    ...     kg.build(seeds)
    ... except kg.InputError as error:
    ...     [(p.location.line, p.field, p.code) for p in error.problems]
    [(2, 'people.0.id', 'bad-format')]
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the extractions"
        super().__init__("\n".join([head + ":", *map(str, self.problems)]))


class OutputError(KgError):
    """A file could not be written (no space, no permission, a read-only directory).

    Raised after every temporary file is removed and before any target is replaced,
    so the previous outputs are intact; the message names the path and the reason.
    """

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}; nothing was replaced")
        self.path = path
        self.reason = reason


class SourceError(KgError):
    """A source document cannot be read safely (too large, malformed, hostile).

    >>> import pathlib, tempfile
    >>> from kg.sources import read_source
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "latin1.txt"
    >>> _ = path.write_bytes(b"caf\\xe9 society")
    >>> try:
    ...     read_source(path)
    ... except SourceError as error:
    ...     print(str(error).split(": ", 1)[1])
    not UTF-8 text (invalid continuation byte at byte 3)
    """
