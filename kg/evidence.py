"""Anchoring evidence: every quote must stand verbatim in its source at its offsets.

Curators copy quotes by hand, so near misses are common: curly vs straight
quotes, dashes, doubled spaces. Each mismatch is reported at the evidence's
file:line with the closest span of the source as a suggestion, and offsets left
out are computed when the quote occurs exactly once.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from kg.errors import Location, Problem, SourceError
from kg.load import Loaded
from kg.models import DocumentFile, Evidence
from kg.rdfmeta import holds_model
from kg.sources import SourceText, read_source

_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2026": "...",
    }
)


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a piece of evidence sits, or why it could not be placed."""

    location: Location
    field: str
    path: tuple[str | int, ...]
    quote: str
    start: int | None
    end: int | None
    problem: str | None = None
    hint: str | None = None
    computed: bool = False
    occurrences: tuple[int, ...] = ()
    """Where the quote does occur, when it is not at the offsets given."""

    @property
    def ok(self) -> bool:
        return self.problem is None


def fold(text: str) -> str:
    """Typographic variants to ASCII and whitespace runs to one space, for near matches."""
    return re.sub(r"\s+", " ", text.translate(_FOLD))


def anchor(
    evidence: Evidence, text: str
) -> tuple[int | None, int | None, str | None, str | None, bool]:
    """(start, end, problem, hint, computed) for one quote in one text."""
    quote = evidence.quote
    if evidence.start is not None and evidence.end is not None:
        if text[evidence.start : evidence.end] == quote:
            return evidence.start, evidence.end, None, None, False
        found = _occurrences(text, quote)
        if found:
            spans = ", ".join(f"{s}..{s + len(quote)}" for s in found[:3])
            return (
                evidence.start,
                evidence.end,
                f"quote is not at {evidence.start}..{evidence.end}",
                f"it occurs at {spans}",
                False,
            )
        return (
            evidence.start,
            evidence.end,
            "quote does not occur in the source",
            _suggest(text, quote),
            False,
        )
    found = _occurrences(text, quote)
    if len(found) == 1:
        return found[0], found[0] + len(quote), None, None, True
    if len(found) > 1:
        spans = ", ".join(f"{s}..{s + len(quote)}" for s in found[:5])
        return (
            None,
            None,
            f"quote occurs {len(found)} times",
            (f"give start/end to pick one: {spans}"),
            False,
        )
    return None, None, "quote does not occur in the source", _suggest(text, quote), False


def _occurrences(text: str, quote: str) -> list[int]:
    found, at = [], text.find(quote)
    while at >= 0:
        found.append(at)
        at = text.find(quote, at + 1)
    return found


def _anchor_code(problem: str) -> str:
    """The stable code of an anchoring problem."""
    if problem.startswith("quote is not at"):
        return "quote-misplaced"
    if problem.startswith("quote occurs"):
        return "quote-ambiguous"
    return "quote-not-found"


def _misplaced_at(evidence: Evidence, text: str) -> tuple[int, ...]:
    """Where a quote given with wrong offsets does occur (none if it was given without)."""
    return tuple(_occurrences(text, evidence.quote)) if evidence.start is not None else ()


def _suggest(text: str, quote: str) -> str | None:
    """The source's own spelling of a quote that differs only typographically or in case."""
    for casefold in (False, True):
        folded_quote, _ = _fold_with_map(unicodedata.normalize("NFC", quote).strip(), casefold)
        if not folded_quote.strip():
            return None
        folded_text, index_map = _fold_with_map(text, casefold)
        at = folded_text.find(folded_quote)
        if at >= 0:
            start = index_map[at]
            end = index_map[at + len(folded_quote) - 1] + 1
            return f"the source has {text[start:end]!r} at {start}..{end}"
    return _near_miss(text, quote)


def _near_miss(text: str, quote: str) -> str | None:
    """Where the source has the quote but for a few characters (a typo in copying), and
    which characters differ: found by anchoring the quote's first or last third."""
    third = max(len(quote) // 3, 4)
    if len(quote) < 12:
        return None
    best: tuple[int, int, list[int]] | None = None
    for piece, shift in ((quote[:third], 0), (quote[-third:], len(quote) - third)):
        for at in _occurrences(text, piece)[:50]:
            start = at - shift
            window = text[start : start + len(quote)]
            if start < 0 or len(window) != len(quote):
                continue
            differ = [i for i, (a, b) in enumerate(zip(window, quote, strict=True)) if a != b]
            if differ and len(differ) <= 3 and (best is None or len(differ) < len(best[2])):
                best = (start, start + len(quote), differ)
    if best is None:
        return None
    start, end, differ = best
    shown = ", ".join(
        f"character {i + 1}: {quote[i]!r} in the quote, {text[start + i]!r} in the source"
        for i in differ
    )
    return f"the source has {text[start:end]!r} at {start}..{end}; they differ at {shown}"


def _fold_with_map(text: str, casefold: bool = False) -> tuple[str, list[int]]:
    """Fold text as :func:`fold` does (optionally case-folded too), remembering for each
    folded character the index of the source character it came from.

    One source character may fold to several ('…' to '...', 'İ' to 'i̇'), so the map
    is built per produced character rather than assumed one-to-one.
    """
    out: list[str] = []
    index_map: list[int] = []
    previous_space = False
    for index, char in enumerate(text):
        folded = char.translate(_FOLD)
        if casefold:
            folded = folded.casefold()
        if folded.isspace():
            if previous_space:
                continue
            folded, previous_space = " ", True
        else:
            previous_space = False
        out.append(folded)
        index_map.extend([index] * len(folded))
    return "".join(out), index_map


def check_documents(
    documents: list[Loaded[DocumentFile]],
    sources_dir: Path,
    *,
    others: Iterable[Loaded[DocumentFile]] = (),
) -> tuple[list[Anchor], list[Problem]]:
    """Anchor every quote of every document; problems for missing files, hashes and quotes.
    Quotes may also be from the sources of ``others``, which are not checked themselves."""
    anchors: list[Anchor] = []
    problems: list[Problem] = []
    texts: dict[str, SourceText | None] = {}
    by_source = {d.model.source.id: d for d in [*others, *documents]}
    for document in documents:
        source = document.model.source
        text = _text_for(document, sources_dir, texts, problems)
        if text is not None:
            problems.extend(_check_articles(document, len(text.text)))
        for path, evidence in evidence_paths(document.model):
            target_id = evidence.source or source.id
            target_text = (
                text
                if target_id == source.id
                else _text_for(by_source.get(target_id), sources_dir, texts, problems)
            )
            if target_text is None:
                continue
            start, end, problem, hint, computed = anchor(evidence, target_text.text)
            field = ".".join(str(p) for p in path)
            result = Anchor(
                document.location(path),
                field,
                path,
                evidence.quote,
                start,
                end,
                problem,
                hint,
                computed,
                _misplaced_at(evidence, target_text.text) if problem else (),
            )
            anchors.append(result)
            if problem:
                problems.append(
                    Problem(result.location, field, problem, hint, code=_anchor_code(problem))
                )
    return anchors, problems


def anchor_documents(
    documents: list[Loaded[DocumentFile]],
    sources_dir: Path,
    *,
    others: Iterable[Loaded[DocumentFile]] = (),
) -> tuple[list[Loaded[DocumentFile]], list[Problem]]:
    """The documents with every quote checked against its source and the offsets anchoring
    computed filled in (:func:`with_computed_offsets`); the problems instead, if any."""
    anchors, problems = check_documents(documents, sources_dir, others=others)
    if problems:
        return documents, problems
    by_file: dict[str, list[Anchor]] = {}
    for found in anchors:
        by_file.setdefault(found.location.file, []).append(found)
    return [with_computed_offsets(d, by_file.get(d.display, [])) for d in documents], []


def with_computed_offsets(
    document: Loaded[DocumentFile], anchors: list[Anchor]
) -> Loaded[DocumentFile]:
    """The document with the offsets that anchoring computed filled in, so the graph
    gets position selectors for quotes the curator gave without offsets."""
    computed = {
        a.path: (a.start, a.end)
        for a in anchors
        if a.computed and a.location.file == document.display
    }
    if not computed:
        return document
    model = _fill_offsets(document.model, (), computed)
    return Loaded(document.path, document.display, model, document.positions)


def _fill_offsets(
    value: Any,
    path: tuple[str | int, ...],
    computed: dict[tuple[str | int, ...], tuple[int | None, int | None]],
) -> Any:
    if isinstance(value, Evidence):
        if path not in computed:
            return value
        start, end = computed[path]
        return value.model_copy(update={"start": start, "end": end})
    if isinstance(value, BaseModel):
        updates = {}
        for name in _fields_holding_models(type(value)):
            item = getattr(value, name)
            new = _fill_offsets(item, (*path, name), computed)
            if new is not item:
                updates[name] = new
        return value.model_copy(update=updates) if updates else value
    if isinstance(value, list):
        items = [_fill_offsets(item, (*path, i), computed) for i, item in enumerate(value)]
        changed = any(a is not b for a, b in zip(items, value, strict=True))
        return items if changed else value
    if isinstance(value, dict):  # field evidence: quotes by field name
        filled = {key: _fill_offsets(item, (*path, key), computed) for key, item in value.items()}
        return filled if any(filled[k] is not value[k] for k in value) else value
    return value


def _text_for(
    document: Loaded[DocumentFile] | None,
    sources_dir: Path,
    cache: dict[str, SourceText | None],
    problems: list[Problem],
) -> SourceText | None:
    if document is None:
        return None
    source = document.model.source
    if source.id in cache:
        return cache[source.id]
    path = sources_dir / source.file  # file names are validated: no separators, no '..'
    where = document.location(("source", "file"))
    text: SourceText | None = None
    if path.is_symlink() and not path.resolve().is_relative_to(sources_dir.resolve()):
        problems.append(
            Problem(
                where,
                "source.file",
                f"{source.file!r} is a link to outside "
                f"{sources_dir}; sources are only read inside it",
                code="source-outside",
            )
        )
    elif not path.is_file():
        problems.append(
            Problem(
                where,
                "source.file",
                f"{source.file!r} not found in {sources_dir}",
                code="source-not-found",
            )
        )
    else:
        try:
            text = read_source(path)
        except SourceError as exc:
            problems.append(Problem(where, "source.file", str(exc), code="source-unreadable"))
        if text is not None and text.sha256 != source.sha256:
            problems.append(
                Problem(
                    document.location(("source", "sha256")),
                    "source.sha256",
                    f"{source.file} has changed: its sha256 is {text.sha256}",
                    "kg evidence --fix writes the new hash and moves the quotes it can place",
                    code="source-changed",
                )
            )
    cache[source.id] = text
    return text


def _check_articles(document: Loaded[DocumentFile], length: int) -> Iterator[Problem]:
    """Article spans lie inside the source text."""
    for index, article in enumerate(document.model.source.articles):
        if article.end > length:
            path = ("source", "articles", index, "end")
            yield Problem(
                document.location(path),
                ".".join(map(str, path)),
                f"end {article.end} is past the end of the source text ({length} code points)",
                code="article-out-of-range",
            )


@functools.cache
def _fields_holding_models(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields that can hold a record (and so evidence); plain values are skipped."""
    return tuple(name for name, info in model.model_fields.items() if holds_model(info.annotation))


def evidence_paths(
    model: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Evidence]]:
    """Every Evidence inside a model, with its value path (for line numbers)."""
    if isinstance(model, Evidence):
        yield path, model
        return
    if isinstance(model, BaseModel):
        for name in _fields_holding_models(type(model)):
            yield from evidence_paths(getattr(model, name), (*path, name))
    elif isinstance(model, list):
        for index, item in enumerate(model):
            yield from evidence_paths(item, (*path, index))
    elif isinstance(model, dict):
        for key, item in model.items():
            yield from evidence_paths(item, (*path, key))


__all__ = ["Anchor", "anchor", "anchor_documents", "check_documents", "fold"]
