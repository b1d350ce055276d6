"""Evidence: the short verbatim quote that lets anyone check a fact against its source."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Self

from pydantic import Field, StringConstraints, field_validator, model_validator

from kg.models.base import Count, Id, Record, ref

Quote = Annotated[
    str,
    StringConstraints(min_length=3, max_length=300),
    Field(description="Verbatim text of the source: a sentence fragment, not a passage."),
]


class Evidence(Record):
    """A verbatim quote with its character span in the normalised source text.

    Offsets count Unicode code points (not bytes, not UTF-16 units) in the text
    produced by :mod:`kg.sources`; ``end`` is exclusive, as in Python slicing.
    """

    quote: Quote
    start: Annotated[Count | None, Field(description="First code point of the quote.")] = None
    end: Annotated[Count | None, Field(description="Code point after the quote.")] = None
    source: Annotated[
        Id | None,
        ref("source"),
        Field(description="The source document; defaults to the file's own source."),
    ] = None

    @field_validator("quote")
    @classmethod
    def _nfc(cls, quote: str) -> str:
        """Sources are NFC-normalised, so quotes are too (text copied on macOS is often NFD)."""
        return unicodedata.normalize("NFC", quote)

    @model_validator(mode="after")
    def _offsets_agree(self) -> Self:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both 'start' and 'end', or neither")
        if self.start is not None and self.end is not None:
            if self.end <= self.start:
                raise ValueError(f"'end' ({self.end}) must be greater than 'start' ({self.start})")
            if self.end - self.start != len(self.quote):
                raise ValueError(
                    f"the span {self.start}..{self.end} is {self.end - self.start} code points "
                    f"long but the quote is {len(self.quote)}"
                )
        return self
