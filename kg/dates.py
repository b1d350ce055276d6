"""Partial dates: what sources actually state ("2018", "March 2018", "12 March 2018").

A source rarely gives a full date, and pretending it did (2018 -> 2018-01-01)
invents facts. A :class:`PartialDate` keeps the precision that was stated and
maps to the XSD type of that precision, so SPARQL and SHACL compare like with like.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema
from rdflib import Literal, URIRef
from rdflib.namespace import XSD


class Precision(StrEnum):
    """The precision a date was stated with: year, month or day."""

    YEAR = "year"
    MONTH = "month"
    DAY = "day"


class Qualifier(StrEnum):
    """How exact a stated date is: 'circa 2018', 'before 2018-03', 'after 2017'."""

    CIRCA = "circa"
    BEFORE = "before"
    AFTER = "after"


_PATTERN = re.compile(
    r"^(?:(?P<qualifier>circa|before|after) )?"
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?$"
)
PATTERN_TEXT = r"^((circa|before|after) )?\d{4}(-\d{2}(-\d{2})?)?$"
_DATATYPES = {Precision.YEAR: XSD.gYear, Precision.MONTH: XSD.gYearMonth, Precision.DAY: XSD.date}


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A calendar date known to year, month or day precision, maybe qualified."""

    year: int
    month: int | None = None
    day: int | None = None
    qualifier: Qualifier | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise ValueError("a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is not between 01 and 12")
        if self.day is not None and self.month is not None:
            _dt.date(self.year, self.month, self.day)  # raises ValueError for 2018-02-30

    @classmethod
    def parse(cls, text: str | int) -> PartialDate:
        """Read 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD', optionally after circa/before/after."""
        if isinstance(text, int) and not isinstance(text, bool):
            if not 1000 <= text <= 9999:
                raise ValueError(f"{text!r} is not a year: write the year with four digits")
            text = str(text)
        if not isinstance(text, str):
            raise ValueError(f"expected a date string, got {type(text).__name__}")
        match = _PATTERN.match(text.strip())
        if match is None:
            raise ValueError(
                f"{text!r} is not a date: write 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD', "
                "optionally after 'circa ', 'before ' or 'after '"
            )
        month, day, qualifier = match["month"], match["day"], match["qualifier"]
        try:
            return cls(
                year=int(match["year"]),
                month=int(month) if month else None,
                day=int(day) if day else None,
                qualifier=Qualifier(qualifier) if qualifier else None,
            )
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a real date: {exc}") from None

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        return Precision.MONTH if self.month is not None else Precision.YEAR

    @property
    def iso(self) -> str:
        """The date alone, in the lexical form of its XSD type."""
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    @property
    def datatype(self) -> URIRef:
        return _DATATYPES[self.precision]

    def to_literal(self) -> Literal:
        return Literal(self.iso, datatype=self.datatype)

    def sort_key(self) -> tuple[int, int, int]:
        """Earliest day the date can denote; enough to order events."""
        return (self.year, self.month or 1, self.day or 1)

    def may_precede(self, other: PartialDate) -> bool:
        """False only when ``self`` is certainly after ``other`` at the shared precision."""
        common = min(len(self.iso), len(other.iso))
        return self.iso[:common] <= other.iso[:common]

    def __str__(self) -> str:
        return f"{self.qualifier} {self.iso}" if self.qualifier else self.iso

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> PartialDate:
            return value if isinstance(value, PartialDate) else cls.parse(value)

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.to_string_ser_schema()
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "anyOf": [
                {"type": "string", "pattern": PATTERN_TEXT},
                {"type": "integer", "minimum": 1000, "maximum": 9999},
            ],
            "description": "A partial date: YYYY, YYYY-MM or YYYY-MM-DD, "
            "optionally prefixed by 'circa ', 'before ' or 'after '.",
            "examples": ["2018", "2018-03", "2018-03-20", "circa 2016"],
        }
