"""What gets validated: RDF read from a file or text so that every literal keeps the
lexical form its author wrote.

rdflib normalises typed literals as it parses: ``"1_000"^^xsd:integer`` becomes
``"1000"``, ``"none"^^xsd:boolean`` becomes ``"false"``, and a validator handed
the result passes values that the file it came from does not hold. Oxigraph
keeps lexical forms, so the turbo engine reads through it; the rdflib engines
read with rdflib's normalisation switched off. A caller's own rdflib Graph was
normalised when it was made, and is validated as it is.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import Dataset, Graph

from kg import ntriples
from kg.errors import KgError
from kg.io import read_ntriples

_NORMALISATION = threading.Lock()


@contextmanager
def lexical_forms_kept() -> Iterator[None]:
    """rdflib's literal normalisation off while the block runs (one thread at a time:
    the switch is global to rdflib)."""
    with _NORMALISATION:
        before = rdflib.NORMALIZE_LITERALS
        rdflib.NORMALIZE_LITERALS = False
        try:
            yield
        finally:
            rdflib.NORMALIZE_LITERALS = before


def ntriples_of(
    data: Path | str, rdf_format: str | None = None, base_iri: str | None = None
) -> str | None:
    """A file or RDF text as ASCII N-Triples, read by Oxigraph (lexical forms kept);
    None when Oxigraph does not read its format. Bad input raises :class:`KgError`
    naming the file (or 'text') and the line."""
    name = str(data) if isinstance(data, Path) else "RDF text"
    try:
        if isinstance(data, Path):
            if rdf_format is None:
                return read_ntriples(_existing(data))
            fmt = ox.RdfFormat.from_extension(rdf_format) or ox.RdfFormat.from_media_type(
                rdf_format
            )
            if fmt is None:
                return None
            base = base_iri or data.resolve().as_uri()
            quads = ox.parse(path=str(data), format=fmt, base_iri=base)
        else:
            fmt = _text_format(rdf_format)
            if fmt is None:
                return None
            quads = ox.parse(data, format=fmt, base_iri=base_iri)
        return ntriples.ascii_lines(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    except (SyntaxError, ValueError, OSError) as exc:
        raise KgError(f"{name}: cannot read: {exc}") from None


def rdflib_graph_of(
    data: Path | str, rdf_format: str | None = None, base_iri: str | None = None
) -> Graph:
    """A file or RDF text as an rdflib Graph (all its graphs' statements), lexical forms
    kept. Bad input raises :class:`KgError` naming the file (or 'text')."""
    graph = Dataset(default_union=True)
    try:
        with lexical_forms_kept():
            if isinstance(data, Path):
                _existing(data)
                graph.parse(str(data), format=rdf_format, publicID=base_iri)
            else:
                graph.parse(data=data, format=rdf_format or "turtle", publicID=base_iri)
    except KgError:
        raise
    except Exception as exc:  # rdflib's parsers raise many kinds of errors for bad input
        name = str(data) if isinstance(data, Path) else "RDF text"
        raise KgError(f"{name}: cannot read: {exc}") from None
    return graph


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise KgError(f"{path}: no such file")
    return path


def _text_format(rdf_format: str | None) -> ox.RdfFormat | None:
    """Text is Turtle (N-Triples is a subset of it) unless a format is named."""
    if rdf_format is None:
        return ox.RdfFormat.TURTLE
    return ox.RdfFormat.from_extension(rdf_format) or ox.RdfFormat.from_media_type(rdf_format)


__all__ = ["lexical_forms_kept", "ntriples_of", "rdflib_graph_of"]
