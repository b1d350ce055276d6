"""Problems that point at the curator's file, line and field, and the errors that carry them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

INPUT_PROBLEM = "kg:input-problem"
"""The constraint component of a report result made from a :class:`Problem` (a marker,
not an RDF term), so report formats can tell input problems from SHACL results."""


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in an input file; line and column are 1-based, as editors show them."""

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


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, with enough context to fix it without guessing."""

    location: Location
    field: str
    message: str
    hint: str | None = None
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        field = f" {self.field}:" if self.field else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.location}:{field} {self.message}{hint}"

    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location
        return (loc.file, loc.line or 0, loc.column or 0, self.field)


class KgError(Exception):
    """Base of every error kg raises on purpose."""


class InputError(KgError):
    """The extractions are invalid; every problem found in the run is attached.

    Raised before anything is written, so a failed build never leaves partial output.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the extractions"
        super().__init__("\n".join([head + ":", *map(str, self.problems)]))


class SourceError(KgError):
    """A source document cannot be read safely (too large, malformed, hostile)."""
