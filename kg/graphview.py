"""A built graph read back as plain Python dictionaries, for readers that walk it whole
(the HTML report, the Popolo and CSV exports).

Downstream of ``kg build``: it reads the TriG (or any RDF file) Oxigraph parses, and
never the extractions. Statements restated by several sources are kept once (which
sources state a fact is in the graph itself, as ``prov:wasDerivedFrom``). Everything
is sorted, so whatever is made from a view is deterministic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from rdflib.namespace import DCTERMS, RDF, SKOS

from kg.build import paused_gc, read_sourcemap
from kg.dates import PartialDate, Qualifier
from kg.errors import KgError
from kg.io import rdf_format_of
from kg.namespaces import KG, SCHEMA


class Lit(NamedTuple):
    """A literal: its lexical value, datatype IRI and language tag ('' when none)."""

    value: str
    datatype: str = ""
    lang: str = ""


Term = str | Lit
"""An IRI (or blank node label ``_:x``) as a string, or a literal."""

PREF_LABEL, TITLE, NAME = str(SKOS.prefLabel), str(DCTERMS.title), str(SCHEMA.name)
TYPE = str(RDF.type)
DATE_PREDICATES: dict[str, tuple[str, str]] = {
    str(DCTERMS.date): (str(KG.datePrecision), str(KG.dateQualifier)),
    str(SCHEMA.startDate): (str(KG.startPrecision), str(KG.startQualifier)),
    str(SCHEMA.endDate): (str(KG.endPrecision), str(KG.endQualifier)),
    str(DCTERMS.issued): (str(KG.issuedPrecision), str(KG.issuedQualifier)),
}
"""Date predicates and the predicates that say how exactly each was stated."""


def _sort_key(term: Term) -> tuple[int, str, str, str]:
    if isinstance(term, Lit):
        return (1, term.value, term.datatype, term.lang)
    return (0, term, "", "")


@dataclass(slots=True)
class GraphView:
    """Every subject's properties and the inverse links, sorted."""

    props: dict[str, dict[str, list[Term]]] = field(default_factory=dict)
    inverse: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    """Subject IRI -> 'extraction-file:line:column', from the build's source map."""
    triples: int = 0

    def values(self, subject: str, predicate: str) -> list[Term]:
        return self.props.get(subject, {}).get(predicate, [])

    def first(self, subject: str, predicate: str) -> Term | None:
        found = self.values(subject, predicate)
        return found[0] if found else None

    def text(self, subject: str, predicate: str) -> str | None:
        value = self.first(subject, predicate)
        if value is None:
            return None
        return value.value if isinstance(value, Lit) else value

    def iris(self, subject: str, predicate: str) -> list[str]:
        return [v for v in self.values(subject, predicate) if isinstance(v, str)]

    def referrers(self, obj: str, predicate: str) -> list[str]:
        return self.inverse.get(obj, {}).get(predicate, [])

    def types(self, subject: str) -> list[str]:
        return self.iris(subject, TYPE)

    def instances(self, cls: str) -> list[str]:
        return self.referrers(cls, TYPE)

    def label(self, subject: str) -> str:
        """A human name: prefLabel, title or name; else the IRI's last segments."""
        for predicate in (PREF_LABEL, TITLE, NAME):
            text = self.text(subject, predicate)
            if text:
                return text
        return subject.rstrip("/").rsplit("/", 2)[-1] if "/" in subject else subject

    def date(self, subject: str, predicate: str) -> PartialDate | None:
        """A date property as a partial date with its qualifier, or None."""
        value = self.first(subject, predicate)
        if not isinstance(value, Lit):
            return None
        try:
            date = PartialDate.parse(value.value[:10])
        except ValueError:
            return None
        names = DATE_PREDICATES.get(predicate)
        if names is not None:
            qualifier = self.text(subject, names[1])
            if qualifier and qualifier.startswith(str(KG)):
                try:
                    q = Qualifier(qualifier[len(str(KG)) :])
                except ValueError:
                    return date
                return PartialDate(date.year, date.month, date.day, q)
        return date


def local_name(iri: str) -> str:
    """The part of an IRI after its last '#' or '/'."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def read_view(path: Path, sourcemap: Path | None = None) -> GraphView:
    """Read a graph file (TriG, Turtle, N-Triples ...) into a :class:`GraphView`."""
    import pyoxigraph as ox

    fmt = rdf_format_of(path)
    if fmt is None:
        raise KgError(f"{path}: not a graph file kg can read (.trig, .ttl, .nt, .nq ...)")
    if not path.is_file():
        raise KgError(f"{path}: no such graph; run 'kg build' first")
    try:
        with paused_gc():  # millions of new containers, no cycles among them
            view = _view_of(ox.parse(path=str(path), format=fmt))
    except (SyntaxError, ValueError, OSError) as exc:
        raise KgError(f"{path}: cannot read: {exc}") from None
    if sourcemap is not None:
        view.origins = {iri: str(where) for iri, where in read_sourcemap(sourcemap).items()}
    return view


def _view_of(quads: Iterable[object]) -> GraphView:
    """One pass over the quads (terms turned into strings and :class:`Lit` once each,
    restated statements merged), then one sorted pass building the view."""
    import pyoxigraph as ox

    named, literal = ox.NamedNode, ox.Literal
    props: dict[str, dict[str, set[Term]]] = {}
    for quad in quads:
        s, o = quad.subject, quad.object  # type: ignore[attr-defined]
        subject = s.value if type(s) is named else f"_:{s.value}"
        predicate = quad.predicate.value  # type: ignore[attr-defined]
        kind = type(o)
        if kind is named:
            obj: Term = o.value
        elif kind is literal:
            obj = Lit(o.value, o.datatype.value, o.language or "")
        else:
            obj = f"_:{o.value}"
        by_predicate = props.get(subject)
        if by_predicate is None:
            props[subject] = {predicate: {obj}}
            continue
        found = by_predicate.get(predicate)
        if found is None:
            by_predicate[predicate] = {obj}
        else:
            found.add(obj)
    view = GraphView()
    inverse: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for subject in sorted(props):
        by_predicate = props[subject]
        view.props[subject] = {
            p: list(found) if len(found := by_predicate[p]) == 1 else sorted(found, key=_sort_key)
            for p in sorted(by_predicate)
        }
        for predicate, objects in view.props[subject].items():
            view.triples += len(objects)
            for obj in objects:
                if isinstance(obj, str):
                    inverse[obj][predicate].append(subject)
    view.inverse = {o: dict(by_p) for o, by_p in inverse.items()}
    return view


def iter_classes(view: GraphView) -> Iterator[tuple[str, list[str]]]:
    """Every class with instances, and its instances, in IRI order."""
    types = view.inverse
    for cls in sorted(o for o, by_p in types.items() if TYPE in by_p):
        yield cls, types[cls][TYPE]
