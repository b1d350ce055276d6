"""Source documents: the files facts come from, and the articles inside them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator
from rdflib import URIRef
from rdflib.namespace import DCTERMS

from kg.dates import PartialDate
from kg.models.base import AGENT, Count, Id, Node, NonEmptyText, ref
from kg.models.evidence import Evidence
from kg.namespaces import KG, SCHEMA
from kg.rdfmeta import Predicate, field_meanings, iri_prefix

Sha256 = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{64}$"),
    Field(description="Hex SHA-256 of the source file's bytes."),
]
FileName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"),
    Field(description="Bare file name in the sources directory; no folders, no '..'."),
]


class DocumentKind(StrEnum):
    """What sort of text a source document is."""

    NEWS_REPORT = "news-report"
    OPINION = "opinion"
    STATEMENT = "statement"
    INTERVIEW = "interview"
    EMAIL = "email"
    ARCHIVE_PAGE = "archive-page"
    BLOG_POST = "blog-post"
    WEB_PAGE = "web-page"
    OTHER = "other-document"


FieldEvidence = Annotated[
    dict[str, Annotated[list[Evidence], Field(min_length=1)]],
    Predicate(KG.fieldEvidence),
    Field(description="Quotes supporting each metadata field, by field name."),
]
"""Evidence for metadata (title, authors, published ...): which words of the text state it."""

NOT_EVIDENCED = frozenset({"id", "note", "file", "sha256", "start", "end", "articles", "language"})
"""Fields that are bookkeeping, not statements of the text, so take no field evidence."""


class Described(Node):
    """A record whose metadata fields can each carry evidence: each subclass declares
    ``field_evidence: FieldEvidence = {}`` as its last field, so this check sees the others."""

    @field_validator("field_evidence", check_fields=False)
    @classmethod
    def _evidenced_fields_are_stated(
        cls, value: dict[str, list[Evidence]], info: ValidationInfo
    ) -> dict[str, list[Evidence]]:
        allowed = [
            m.name
            for m in field_meanings(cls)
            if m.name not in NOT_EVIDENCED and m.name != "field_evidence"
        ]
        for name in value:
            if name not in allowed:
                raise ValueError(
                    f"field_evidence names {name!r}, which is not a metadata field here "
                    f"(one of: {', '.join(allowed)})"
                )
            if info.data.get(name) in (None, []):
                raise ValueError(f"field_evidence gives quotes for {name!r}, which is not stated")
        return value


MODIFIED = Predicate(
    DCTERMS.modified, precision=KG.modifiedPrecision, qualifier=KG.modifiedQualifier
)
ISSUED = Predicate(DCTERMS.issued, precision=KG.issuedPrecision, qualifier=KG.issuedQualifier)


class Article(Described):
    """One article inside a source file that holds several (a tag-archive page)."""

    rdf_type: ClassVar = KG.Article
    extra_types: ClassVar = (SCHEMA.Article,)
    iri_segment: ClassVar = "article"

    title: Annotated[NonEmptyText, Predicate(DCTERMS.title)]
    """The article's headline."""
    authors: Annotated[list[Id], ref("person"), Predicate(DCTERMS.creator)] = []
    """Who wrote it."""
    published: Annotated[PartialDate | None, ISSUED] = None
    """When it was published."""
    modified: Annotated[PartialDate | None, MODIFIED] = None
    """When it was last updated, if the page says so."""
    comment_count: Annotated[Count | None, Predicate(SCHEMA.commentCount)] = None
    """How many reader comments the page shows."""
    photo_credit: Annotated[list[Id], ref("person", "organisation"), Predicate(KG.photoCredit)] = []
    """Who is credited for the photographs."""
    start: Annotated[Count, Predicate(KG.startOffset)]
    """First code point of the article in the normalised source text."""
    end: Annotated[Count, Predicate(KG.endOffset)]
    """Code point after the article's last."""
    field_evidence: FieldEvidence = {}

    @model_validator(mode="after")
    def _span(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"'end' ({self.end}) must be greater than 'start' ({self.start})")
        return self


class Source(Described):
    """A source document as the curators read it, identified by file name and hash."""

    rdf_type: ClassVar = KG.SourceDocument
    iri_segment: ClassVar = "source"
    ref_kind: ClassVar = "source"

    file: Annotated[FileName, Predicate(KG.fileName)]
    """The file's name in the sources directory."""
    sha256: Annotated[Sha256, Predicate(KG.sha256)]
    """SHA-256 of the file's bytes, so a changed source is noticed."""
    title: Annotated[NonEmptyText, Predicate(DCTERMS.title)]
    """The document's title or headline."""
    kind: Annotated[DocumentKind, Predicate(KG.documentKind)]
    """What sort of text this is."""
    publisher: Annotated[Id | None, ref("organisation"), Predicate(DCTERMS.publisher)] = None
    """The outlet or organisation that published it."""
    authors: Annotated[list[Id], ref("person", "organisation"), Predicate(DCTERMS.creator)] = []
    """Who wrote it (a person, or a body signing a statement)."""
    published: Annotated[PartialDate | None, ISSUED] = None
    """When it was published (a page reproducing a letter: the page's date, not the letter's)."""
    modified: Annotated[PartialDate | None, MODIFIED] = None
    """When it was last updated, if the page says so."""
    comment_count: Annotated[Count | None, Predicate(SCHEMA.commentCount)] = None
    """How many reader comments the page shows."""
    photo_credit: Annotated[list[Id], ref("person", "organisation"), Predicate(KG.photoCredit)] = []
    """Who is credited for the photographs."""
    url: Annotated[str | None, Predicate(SCHEMA.url)] = None
    """Where it was published, if known."""
    language: Annotated[
        str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$"), Predicate(DCTERMS.language)
    ] = "en"
    """BCP 47 language tag."""
    articles: Annotated[list[Article], Predicate(DCTERMS.hasPart)] = []
    """Articles inside the file, when it holds several."""
    field_evidence: FieldEvidence = {}


@iri_prefix("message")
class MessageKind(StrEnum):
    """What sort of correspondence a reproduced message is."""

    EMAIL = "email"
    LETTER = "letter"
    STATEMENT = "statement"


class Message(Described):
    """An e-mail, letter or statement reproduced in a source document.

    The message carries its own sender and date; the page reproducing it keeps its own
    metadata (a page's date is not the date of the letter it shows).
    """

    rdf_type: ClassVar = KG.Message
    extra_types: ClassVar = (SCHEMA.Message,)
    iri_segment: ClassVar = "message"
    ref_kind: ClassVar = "message"

    kind: Annotated[MessageKind, Predicate(KG.messageKind)]
    """E-mail, letter or statement."""
    sender: Annotated[Id | None, ref(*AGENT), Predicate(SCHEMA.sender)] = None
    """Who sent it."""
    to: Annotated[list[Id], ref(*AGENT), Predicate(SCHEMA.toRecipient)] = []
    """Who it is addressed to."""
    cc: Annotated[list[Id], ref(*AGENT), Predicate(SCHEMA.ccRecipient)] = []
    """Who was copied."""
    sent: Annotated[
        PartialDate | None,
        Predicate(SCHEMA.dateSent, precision=KG.sentPrecision, qualifier=KG.sentQualifier),
    ] = None
    """When it was sent."""
    sent_time: Annotated[
        str | None,
        StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$"),
        Predicate(KG.sentTime),
    ] = None
    """The time of day it was sent, as HH:MM (24-hour clock), when the text gives it."""
    subject: Annotated[NonEmptyText | None, Predicate(SCHEMA.name)] = None
    """The subject line."""
    reproduced: bool = True
    """Whether the document reproduces the message (its text is there) or only mentions it."""
    reproduced_in: Annotated[Id | None, ref("source"), Predicate(KG.reproducedIn)] = None
    """The document reproducing it; left out, the file's own source (when ``reproduced``)."""
    mentioned_in: Annotated[Id | None, ref("source"), Predicate(KG.mentionedIn)] = None
    """The document mentioning it; left out, the file's own source (when not ``reproduced``)."""
    field_evidence: FieldEvidence = {}

    @model_validator(mode="after")
    def _reproduced_or_mentioned(self) -> Self:
        if self.reproduced and self.mentioned_in is not None:
            raise ValueError(
                "'mentioned_in' is for a message only mentioned: add 'reproduced: false'"
            )
        if not self.reproduced and self.reproduced_in is not None:
            raise ValueError("a message with 'reproduced: false' has no 'reproduced_in'")
        return self

    def value_types(self) -> tuple[URIRef, ...]:
        return (SCHEMA.EmailMessage,) if self.kind is MessageKind.EMAIL else ()
