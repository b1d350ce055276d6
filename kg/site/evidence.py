"""Evidence as a reader sees it: the quote highlighted inside its surrounding source text,
the source document and article it comes from, and the extraction file:line that
recorded it.

Source texts are read (and normalised, so offsets match) with :mod:`kg.sources`, once
per document, only when the caller gives a sources directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kg.graphview import GraphView
from kg.iris import (
    DCTERMS_hasPart,
    KG_endOffset,
    KG_fileName,
    KG_startOffset,
    OA_end,
    OA_exact,
    OA_hasSelector,
    OA_hasSource,
    OA_start,
)
from kg.site.html import esc, link
from kg.sources import read_source

CONTEXT = 220
"""Characters of source text shown on each side of a quote."""

_S = str


@dataclass(slots=True)
class Sources:
    """Source texts by source-document IRI, read lazily from a directory."""

    directory: Path | None
    view: GraphView
    _texts: dict[str, str | None] = field(default_factory=dict)

    def text(self, source: str) -> str | None:
        if self.directory is None:
            return None
        if source not in self._texts:
            name = self.view.text(source, KG_fileName)
            path = self.directory / name if name else None
            if path is None or not path.is_file():
                self._texts[source] = None
            else:
                self._texts[source] = read_source(path).text  # SourceError: exit 2
        return self._texts[source]


@dataclass(frozen=True, slots=True)
class Anchor:
    """One piece of evidence, resolved."""

    iri: str
    source: str
    quote: str
    start: int | None
    end: int | None


def anchor(view: GraphView, evidence: str) -> Anchor:
    start = end = None
    quote = ""
    for selector in view.iris(evidence, OA_hasSelector):
        quote = view.text(selector, OA_exact) or quote
        s, e = view.text(selector, OA_start), view.text(selector, OA_end)
        if s is not None and e is not None:
            start, end = int(s), int(e)
    return Anchor(evidence, view.text(evidence, OA_hasSource) or "", quote, start, end)


def article_of(view: GraphView, source: str, start: int | None) -> str | None:
    """The article of a multi-article source whose span holds the offset."""
    if start is None:
        return None
    for article in view.iris(source, DCTERMS_hasPart):
        lo, hi = view.text(article, KG_startOffset), view.text(article, KG_endOffset)
        if lo is not None and hi is not None and int(lo) <= start < int(hi):
            return article
    return None


def in_context(text: str | None, item: Anchor) -> str:
    """The quote marked inside its surrounding text; the bare quote without the text or
    when the offsets do not hold it (a build checks them; a stale directory may not)."""
    quoted = f"<mark>{esc(item.quote)}</mark>"
    if text is None or item.start is None or item.end is None:
        return quoted
    if text[item.start : item.end] != item.quote:
        return quoted
    lo = max(0, item.start - CONTEXT)
    hi = min(len(text), item.end + CONTEXT)
    if lo > 0:
        cut = text.find(" ", lo, item.start)
        lo = cut + 1 if cut != -1 else lo
    if hi < len(text):
        cut = text.rfind(" ", item.end, hi)
        hi = cut if cut != -1 else hi
    before = ("…" if lo > 0 else "") + text[lo : item.start]
    after = text[item.end : hi] + ("…" if hi < len(text) else "")
    return f"{esc(before)}{quoted}{esc(after)}"


def render_evidence(
    view: GraphView, sources: Sources, evidence: str, href: str | None, extraction_url: str | None
) -> str:
    """One evidence entry: quote in context, source document (and article), file:line."""
    item = anchor(view, evidence)
    parts = [
        f'<blockquote class="quote">{in_context(sources.text(item.source), item)}</blockquote>'
    ]
    where = [link(href, view.label(item.source))]
    article = article_of(view, item.source, item.start)
    if article is not None:
        where.append(f"article “{esc(view.label(article))}”")
    if item.start is not None:
        where.append(f"characters {item.start}–{item.end}")
    origin = view.origins.get(evidence)
    if origin:
        file, _, rest = origin.partition(":")
        line = rest.partition(":")[0]
        target = f"{extraction_url}{file}#L{line}" if extraction_url else None
        where.append(link(target, f"{file}:{line}", class_="origin"))
    return parts[0] + f'<p class="where">{" · ".join(where)}</p>'
