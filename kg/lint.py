"""Curation lint: what a reader of the graph would miss, found in the extractions.

Two checks, both about how facts are written rather than whether they are valid:

- ``note-numbers``: a note holding a number or a date that none of the record's
  fields holds. Notes explain a curator's choice; a count, a rule number or a date
  that only a note states is a fact a query cannot find.
- ``quote-names-subject``: a tenure, candidacy or disciplinary action none of whose
  quotes names its subject by the registry's name, an alias or (for a person) the
  surname, so the quote supports the fact only together with text around it.

A curator who has looked at a finding and keeps it lists the check under the
record's ``checked:`` (the note says why); ``kg lint`` then stays quiet about it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from kg.dates import PartialDate
from kg.errors import Location
from kg.models import DisciplinaryAction, Election, Entity, Evidence, Fact, Person, Tenure
from kg.models.base import LintCheck, Node, Part
from kg.resolve import Corpus

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_MONTH_DATE = re.compile(
    r"\b(?:(?P<day>\d{1,2}) )?(?P<month>" + "|".join(_MONTHS) + r")(?: (?P<year>\d{4}))?\b"
)
_SKIPPED = frozenset({"id", "note", "evidence", "checked"})
_REFERENCES = re.compile(
    r"\b(?=[a-z0-9-]*[a-z])[a-z0-9]+(?:-[a-z0-9]+)+\b"  # record ids (lansman-email-2017-01-10)
    r"|\b(?i:sources?|seeds?|documents?)\s+\d{3}(?:(?:,\s*|\s+and\s+|\s+or\s+)\d{3})*"
)
"""What a note may cite without stating a fact: record ids, and source numbers ('source 003')."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint finding, at the record it concerns."""

    location: Location
    field: str
    check: LintCheck
    message: str

    def __str__(self) -> str:
        return f"{self.location}: info: {self.check}: {self.field}: {self.message}"


def lint(corpus: Corpus) -> list[Finding]:
    """Every unexplained finding of the corpus, in file and line order."""
    findings = [*_note_numbers(corpus), *_unnamed_subjects(corpus)]
    return sorted(findings, key=lambda f: (f.location, f.field))


# --------------------------------------------------------------------------- note numbers


def note_tokens(note: str) -> set[str]:
    """Numbers and month names a note states, normalised as :func:`value_tokens` does."""
    note = _REFERENCES.sub(" ", note)
    tokens = {_number(n) for n in _NUMBER.findall(note)}
    for match in _MONTH_DATE.finditer(note):
        if match["day"] or match["year"]:  # "May" alone is too often the verb
            tokens.add(f"month:{_MONTHS.index(match['month']) + 1}")
    return tokens


def value_tokens(value: Any) -> set[str]:
    """Numbers (and months) stated by a field value, nested records included."""
    tokens: set[str] = set()
    if isinstance(value, PartialDate):
        tokens.add(str(value.year))
        if value.month is not None:
            tokens |= {str(value.month), f"month:{value.month}"}
        if value.day is not None:
            tokens.add(str(value.day))
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int | float):
        tokens.add(_number(str(value)))
        if isinstance(value, float) and value.is_integer():
            tokens.add(str(int(value)))
    elif isinstance(value, str):
        tokens |= {_number(n) for n in _NUMBER.findall(value)}
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name not in _SKIPPED:
                tokens |= value_tokens(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            tokens |= value_tokens(item)
    return tokens


def _number(text: str) -> str:
    """'4,150' -> '4150', '05' -> '5'; dotted rule numbers ('2.1.4') stay as they are."""
    text = text.replace(",", "")
    return text if "." in text else str(int(text))


def _note_numbers(corpus: Corpus) -> Iterator[Finding]:
    for entry in corpus.entries.values():
        for statement in entry.statements:
            record = statement.record
            note = record.note
            if not isinstance(record, Fact) or not note or LintCheck.NOTE_NUMBERS in record.checked:
                continue
            missing = note_tokens(note) - value_tokens(record)
            if missing:
                shown = ", ".join(sorted(_show(t) for t in missing))
                yield Finding(
                    statement.file.location((*statement.path, "note")),
                    _dotted((*statement.path, "note")),
                    LintCheck.NOTE_NUMBERS,
                    f"the note states {shown}, which no field of {record.id!r} holds: put it "
                    "in a field, or list 'note-numbers' under 'checked' if the note only "
                    "explains a choice",
                )


def _show(token: str) -> str:
    if token.startswith("month:"):
        return _MONTHS[int(token.removeprefix("month:")) - 1]
    return token


# --------------------------------------------------------------------------- subjects


def names_of(entity: Node) -> list[str]:
    """The names a quote may use for an entity: its name, aliases and, for a person,
    the surname."""
    if not isinstance(entity, Entity):
        return []
    names = [entity.name, *entity.aliases]
    if isinstance(entity, Person) and " " in entity.name:
        names.append(entity.name.rsplit(" ", 1)[1])
    return list(dict.fromkeys(names))


def names_subject(quotes: list[str], names: list[str]) -> bool:
    """Whether a quote names the subject (whole words, ignoring case and curly quotes)."""
    text = " ".join(quotes).replace("\u2019", "'").casefold()
    return any(
        re.search(rf"(?<!\w){re.escape(n.replace(chr(0x2019), chr(39)).casefold())}(?!\w)", text)
        for n in names
    )


def _unnamed_subjects(corpus: Corpus) -> Iterator[Finding]:
    corroborating = _corroborating_quotes(corpus)
    for entry in corpus.entries.values():
        first = entry.statements[0]
        record = first.record
        if isinstance(record, Tenure | DisciplinaryAction):
            subject = record.person if isinstance(record, Tenure) else record.subject
            quotes = [e.quote for s in entry.statements for e in _evidence(s.record)]
            quotes += corroborating.get(entry.id, [])
            checked = any(
                LintCheck.QUOTE_NAMES_SUBJECT in s.record.checked for s in entry.statements
            )
            field = "person" if isinstance(record, Tenure) else "subject"
            yield from _subject_finding(corpus, first, (field,), subject, quotes, checked)
        if isinstance(record, Election):
            yield from _candidacies(corpus, entry.statements)


def _candidacies(corpus: Corpus, statements: tuple[Any, ...]) -> Iterator[Finding]:
    quotes: dict[str, list[str]] = {}
    checked: set[str] = set()
    first: dict[str, tuple[Any, int]] = {}
    for statement in statements:
        for index, candidacy in enumerate(statement.record.candidacies):
            quotes.setdefault(candidacy.candidate, []).extend(e.quote for e in candidacy.evidence)
            first.setdefault(candidacy.candidate, (statement, index))
            if LintCheck.QUOTE_NAMES_SUBJECT in candidacy.checked:
                checked.add(candidacy.candidate)
    for candidate, (statement, index) in first.items():
        yield from _subject_finding(
            corpus,
            statement,
            ("candidacies", index, "candidate"),
            candidate,
            quotes[candidate],
            candidate in checked,
        )


def _subject_finding(
    corpus: Corpus,
    statement: Any,
    field: tuple[str | int, ...],
    subject: str,
    quotes: list[str],
    checked: bool,
) -> Iterator[Finding]:
    names = names_of(corpus.record(subject)) if subject in corpus.entries else []
    if checked or not names or names_subject(quotes, names):
        return
    path = (*statement.path, *field)
    yield Finding(
        statement.file.location(path),
        _dotted(path),
        LintCheck.QUOTE_NAMES_SUBJECT,
        f"no quote names {subject!r} ({' / '.join(names)}): add a short quote where the "
        "text names them, or list 'quote-names-subject' under 'checked'",
    )


def _evidence(record: Node | Part) -> list[Evidence]:
    return list(getattr(record, "evidence", []))


def _corroborating_quotes(corpus: Corpus) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for document in corpus.documents:
        for corroboration in document.model.corroborates:
            found.setdefault(corroboration.fact, []).extend(e.quote for e in corroboration.evidence)
    return found


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path)


__all__ = ["Finding", "lint", "names_of", "names_subject", "note_tokens", "value_tokens"]
