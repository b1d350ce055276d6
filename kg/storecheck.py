"""Compare what a store holds with what was sent, term by term, and name the known ways
conformant stores rewrite literals.

Counting triples misses a store that keeps every triple but changes its terms:
Oxigraph stores ``"5"^^xsd:nonNegativeInteger`` as ``"5"^^xsd:integer``, and both
Oxigraph and Virtuoso write ``"100.0"^^xsd:decimal`` as ``"100"``. Each keeps the
*value* (SPARQL compares them equal) but not the term, so a comparison reports
them as named normalisations, apart from real differences (a triple missing, or
one the store holds that was not sent). Both stores also lower-case language
tags, which RDF 1.1 (and rdflib) treat as the same term.
Terms are compared as kg's N-Triples writer prints them; blank nodes, whose
labels a store may change, are compared after canonical relabelling.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import XSD
from rdflib.term import Node as Term

from kg import ntriples

Triple = tuple[Term, Term, Term]
EXAMPLES = 3

INTEGER_SUBTYPES = frozenset(
    str(XSD[name])
    for name in (
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
)
_INTEGER, _DECIMAL = str(XSD.integer), str(XSD.decimal)


@dataclass(frozen=True, slots=True)
class Normalisation:
    """One kind of rewrite a store applied, how often, and one example (sent, held)."""

    name: str
    count: int
    example: tuple[str, str]


@dataclass(frozen=True, slots=True)
class Comparison:
    """The outcome of comparing one graph as sent with the same graph as the store holds it."""

    sent: int
    held: int
    missing: int  # sent, not held (not even in a normalised form)
    extra: int  # held, not sent
    missing_examples: tuple[str, ...]
    extra_examples: tuple[str, ...]
    normalisations: tuple[Normalisation, ...]

    @property
    def equal(self) -> bool:
        return not (self.missing or self.extra or self.normalisations)

    @property
    def same_values(self) -> bool:
        """Equal, or equal once the named normalisations are allowed for."""
        return not (self.missing or self.extra)

    def summary(self) -> str:
        if self.equal:
            return "content equal"
        if self.same_values:
            return "content equal up to the store's normalisation"
        return f"content differs: {self.missing} missing, {self.extra} unexpected"

    def details(self) -> list[str]:
        """Lines that show the differences by example."""
        lines = []
        for item in self.normalisations:
            sent, held = item.example
            lines.append(f"normalised ({item.count}): {item.name}, e.g. {sent} -> {held}")
        lines += [f"missing: {line}" for line in self.missing_examples]
        if self.missing > len(self.missing_examples):
            lines.append(f"missing: … and {self.missing - len(self.missing_examples)} more")
        lines += [f"unexpected: {line}" for line in self.extra_examples]
        if self.extra > len(self.extra_examples):
            lines.append(f"unexpected: … and {self.extra - len(self.extra_examples)} more")
        return lines


def normal_form(term: Term) -> Term:
    """The term as a canonicalising store keeps it (value kept, spelling changed)."""
    if not isinstance(term, Literal):
        return term
    if term.language:
        return Literal(str(term), lang=term.language.lower())
    datatype = str(term.datatype) if term.datatype is not None else None
    if datatype in INTEGER_SUBTYPES or datatype == _INTEGER:
        try:
            return Literal(str(int(str(term).strip())), datatype=XSD.integer)
        except ValueError:
            return term
    if datatype == _DECIMAL:
        try:
            value = Decimal(str(term).strip())
        except InvalidOperation:
            return term
        text = format(value.normalize(), "f") if value else "0"
        return Literal(text, datatype=XSD.decimal)
    return term


def _name(sent: Term, held: Term) -> str:
    """What a store did to ``sent`` to hold ``held`` (both literals of the same value)."""
    assert isinstance(sent, Literal) and isinstance(held, Literal)
    if sent.language and held.language and sent.language != held.language:
        return "language tag lower-cased"
    if sent.datatype != held.datatype:
        return f"{_short(sent.datatype)} stored as {_short(held.datatype)}"
    return f"{_short(sent.datatype)} written in canonical form"


def _short(datatype: URIRef | None) -> str:
    text = str(datatype)
    return "xsd:" + text[len(str(XSD)) :] if text.startswith(str(XSD)) else f"<{text}>"


def _line(triple: Triple) -> str:
    return " ".join(ntriples.term(t) for t in triple) + " ."


def _split(triples: Iterable[Triple]) -> tuple[set[Triple], list[Triple]]:
    ground: set[Triple] = set()
    blank: list[Triple] = []
    for triple in triples:
        if any(isinstance(t, BNode) for t in triple):
            blank.append(triple)
        else:
            ground.add(triple)
    return ground, blank


def compare(sent: Iterable[Triple], held: Iterable[Triple]) -> Comparison:
    """Compare two sets of triples term by term; see the module docstring."""
    sent_ground, sent_blank = _split(sent)
    held_ground, held_blank = _split(held)
    missing = sent_ground - held_ground
    extra = held_ground - sent_ground
    by_normal_form: dict[Triple, Triple] = {
        (s, p, normal_form(o)): (s, p, o) for s, p, o in sorted(extra)
    }
    kinds: Counter[str] = Counter()
    examples: dict[str, tuple[str, str]] = {}
    for s, p, o in sorted(missing):
        match = by_normal_form.pop((s, p, normal_form(o)), None)
        if match is None:
            continue
        name = _name(o, match[2])
        kinds[name] += 1
        examples.setdefault(name, (_line((s, p, o)), _line(match)))
        missing.discard((s, p, o))
        extra.discard(match)
    missing_lines = sorted(map(_line, missing))
    extra_lines = sorted(map(_line, extra))
    if sent_blank or held_blank:
        sent_lines = _canonical_lines(sent_blank)
        held_lines = _canonical_lines(held_blank)
        missing_lines += sorted(sent_lines - held_lines)
        extra_lines += sorted(held_lines - sent_lines)
    return Comparison(
        sent=len(sent_ground) + len(sent_blank),
        held=len(held_ground) + len(held_blank),
        missing=len(missing_lines),
        extra=len(extra_lines),
        missing_examples=tuple(missing_lines[:EXAMPLES]),
        extra_examples=tuple(extra_lines[:EXAMPLES]),
        normalisations=tuple(
            Normalisation(name, count, examples[name]) for name, count in sorted(kinds.items())
        ),
    )


def _canonical_lines(triples: list[Triple]) -> set[str]:
    """Triples with blank nodes, relabelled canonically (after normalising literals, so a
    blank-node triple is compared by value)."""
    graph = Graph()
    for s, p, o in triples:
        graph.add((s, p, normal_form(o)))
    return {_line(t) for t in to_canonical_graph(graph)}


__all__ = ["Comparison", "Normalisation", "compare", "normal_form"]
