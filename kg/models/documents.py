"""Source documents: the files facts come from, and the articles inside them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import Field, StringConstraints, model_validator
from rdflib.namespace import DCTERMS

from kg.dates import PartialDate
from kg.models.base import Count, Id, Node, NonEmptyText, ref
from kg.namespaces import KG, SCHEMA
from kg.rdfmeta import Predicate

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
    OTHER = "other-document"


class Article(Node):
    """One article inside a source file that holds several (a tag-archive page)."""

    rdf_type: ClassVar = KG.Article
    extra_types: ClassVar = (SCHEMA.Article,)
    iri_segment: ClassVar = "article"

    title: Annotated[NonEmptyText, Predicate(DCTERMS.title)]
    """The article's headline."""
    authors: Annotated[list[Id], ref("person"), Predicate(DCTERMS.creator)] = []
    """Who wrote it."""
    published: Annotated[
        PartialDate | None,
        Predicate(DCTERMS.issued, precision=KG.issuedPrecision, qualifier=KG.issuedQualifier),
    ] = None
    """When it was published."""
    start: Annotated[Count, Predicate(KG.startOffset)]
    """First code point of the article in the normalised source text."""
    end: Annotated[Count, Predicate(KG.endOffset)]
    """Code point after the article's last."""

    @model_validator(mode="after")
    def _span(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"'end' ({self.end}) must be greater than 'start' ({self.start})")
        return self


class Source(Node):
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
    published: Annotated[
        PartialDate | None,
        Predicate(DCTERMS.issued, precision=KG.issuedPrecision, qualifier=KG.issuedQualifier),
    ] = None
    """When it was published."""
    url: Annotated[str | None, Predicate(SCHEMA.url)] = None
    """Where it was published, if known."""
    language: Annotated[
        str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$"), Predicate(DCTERMS.language)
    ] = "en"
    """BCP 47 language tag."""
    articles: Annotated[list[Article], Predicate(DCTERMS.hasPart)] = []
    """Articles inside the file, when it holds several."""
