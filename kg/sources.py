"""Source documents -> one normalised text with stable offsets, its hash and metadata.

Evidence offsets count Unicode code points of *this* text, so normalisation is
part of the contract: UTF-8 decoding, no byte-order mark, ``\\n`` line ends, NFC.
Plain text is otherwise kept as it is; HTML and XML are reduced to their text,
one block per line. Parsing is hardened against hostile files: no network, no
external entities, no DTD loading, and a size limit.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import SourceError

MAX_SOURCE_BYTES = 50 * 1024 * 1024
"""Larger files are refused rather than parsed: no news article is this big."""

_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "blockquote",
    "article",
    "section",
    "header",
    "footer",
    "pre",
    "dd",
    "dt",
    "figcaption",
    "title",
    "head",
    "body",
    # TEI
    "l",
    "lg",
    "sp",
    "item",
    "note",
    "ab",
    "byline",
    "docTitle",
    "titlePart",
}
_SKIP = {"script", "style", "noscript", "template", "svg", "iframe"}


@dataclass(frozen=True, slots=True)
class ArticleSpan:
    """An article found inside a source, by its span in the normalised text."""

    start: int
    end: int
    title: str | None = None


@dataclass(frozen=True, slots=True)
class SourceText:
    """A source document ready for anchoring evidence."""

    path: Path
    text: str
    sha256: str
    """Hash of the file's bytes, as the extraction records it."""
    kind: str
    """'text', 'html' or 'xml'."""
    metadata: dict[str, Any] = field(default_factory=dict)
    articles: tuple[ArticleSpan, ...] = ()


def normalise(text: str) -> str:
    """The normal form offsets are counted in."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def read_source(path: Path, max_bytes: int = MAX_SOURCE_BYTES) -> SourceText:
    """Read a .txt, .html/.htm or .xml source document safely."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from None
    if size > max_bytes:
        raise SourceError(f"{path}: {size:,} bytes exceeds the limit of {max_bytes:,}")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm", ".xhtml"}:
        text, metadata, articles = _from_html(data, path)
        return SourceText(path, text, digest, "html", metadata, articles)
    if suffix in {".xml", ".tei"}:
        text, metadata = _from_xml(data, path)
        return SourceText(path, text, digest, "xml", metadata)
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return SourceText(path, normalise(decoded), digest, "text")


def _safe_xml_parser() -> Any:
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _from_xml(data: bytes, path: Path) -> tuple[str, dict[str, Any]]:
    from lxml import etree

    if b"<!ENTITY" in data:
        raise SourceError(f"{path}: XML with entity declarations is refused (XXE / entity bombs)")
    try:
        root = etree.fromstring(data, parser=_safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"{path}: malformed XML: {exc}") from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        # Caught here too for encodings the byte check above cannot see (UTF-16).
        raise SourceError(f"{path}: XML with entity declarations is refused (XXE / entity bombs)")
    metadata: dict[str, Any] = {}
    title = root.find(".//{*}titleStmt/{*}title")
    if title is not None and title.text:
        metadata["title"] = " ".join(title.text.split())
    authors = [" ".join(a.itertext()).strip() for a in root.findall(".//{*}titleStmt/{*}author")]
    if authors:
        metadata["authors"] = [a for a in authors if a]
    body = root.find(".//{*}text")
    return _block_text(body if body is not None else root), metadata


def _from_html(data: bytes, path: Path) -> tuple[str, dict[str, Any], tuple[ArticleSpan, ...]]:
    from lxml import etree, html

    if b"<!ENTITY" in data:
        raise SourceError(f"{path}: HTML with entity declarations is refused")
    parser = html.HTMLParser(
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
        encoding="utf-8" if not _declares_charset(data) else None,
    )
    try:
        root = html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise SourceError(f"{path}: cannot parse HTML: {exc}") from None
    metadata = _html_metadata(root)
    body = root.find("body")
    text = _block_text(body if body is not None else root)
    articles = []
    for article in root.iter("article"):
        article_text = _block_text(article)
        start = text.find(article_text) if article_text else -1
        if start >= 0:
            heading = (
                article.find(".//h1")
                if article.find(".//h1") is not None
                else article.find(".//h2")
            )
            title = " ".join(heading.text_content().split()) if heading is not None else None
            articles.append(ArticleSpan(start, start + len(article_text), title))
    return text, metadata, tuple(articles)


def _declares_charset(data: bytes) -> bool:
    return re.search(rb"<meta[^>]+charset", data[:4096], re.IGNORECASE) is not None


def _html_metadata(root: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    title = root.find(".//title")
    if title is not None and title.text_content().strip():
        metadata["title"] = " ".join(title.text_content().split())
    for meta in root.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").lower()
        content = (meta.get("content") or "").strip()
        if not content:
            continue
        if key in {"author", "article:author", "dc.creator"}:
            metadata.setdefault("authors", []).append(content)
        elif key in {"article:published_time", "date", "dc.date", "pubdate"}:
            metadata.setdefault("published", content)
        elif key in {"og:site_name", "publisher", "dc.publisher"}:
            metadata.setdefault("publisher", content)
        elif key in {"og:title", "dc.title"}:
            metadata.setdefault("title", content)
    for script in root.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text_content())
        except (json.JSONDecodeError, RecursionError):
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                _json_ld_metadata(item, metadata)
    return metadata


def _json_ld_metadata(item: dict[str, Any], metadata: dict[str, Any]) -> None:
    if item.get("headline"):
        metadata.setdefault("title", str(item["headline"]))
    if item.get("datePublished"):
        metadata.setdefault("published", str(item["datePublished"]))
    for key, target in (("author", "authors"), ("publisher", "publisher")):
        value = item.get(key)
        values = value if isinstance(value, list) else [value]
        names = [v.get("name") if isinstance(v, dict) else v for v in values if v]
        names = [str(n) for n in names if n]
        if names:
            if target == "authors":
                metadata.setdefault("authors", names)
            else:
                metadata.setdefault("publisher", names[0])


def _inline(text: str) -> str:
    """Line breaks inside markup text are just spaces; only blocks start new lines."""
    return re.sub(r"\s+", " ", text)


def _block_text(element: Any) -> str:
    """Text of an element tree, one block element per line, spaces collapsed within lines."""
    parts: list[str] = []

    def walk(node: Any, top: bool = False) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        local = tag.rsplit("}", 1)[-1]
        if local in _SKIP:
            if node.tail and not top:
                parts.append(_inline(node.tail))
            return
        if local in _BLOCKS:
            parts.append("\n")
        if node.text:
            parts.append(_inline(node.text))
        for child in node:
            walk(child)
        if local in _BLOCKS:
            parts.append("\n")
        if node.tail and not top:
            parts.append(_inline(node.tail))

    walk(element, top=True)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return normalise("\n".join(line for line in lines if line))
