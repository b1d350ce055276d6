"""The W3C SHACL test suite, read once: its sht:Validate cases, and reports normalised
the way the suite compares them.

The suite (../shared/w3c-shacl-tests, or $KG_SHACL_SUITE) says a report passes when
it is isomorphic to the expected one after normalisation: only the results' focus
node, path, severity, constraint component, source shape and value count (messages
and sh:detail do not), blank nodes match blank nodes. Each result becomes a tuple
of those six terms written as :mod:`kg.shacl_terms` writes them, blank node labels
dropped, and two reports compare as multisets of tuples, plus sh:conforms. kg keeps
no sh:sourceConstraint, so that one is not compared.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, Namespace
from rdflib.term import Node as Term

from kg.shacl_terms import focus_text, path_text, term_text
from kg.validation import ValidationReport
from kg.validation_input import lexical_forms_kept

ROOT = Path(__file__).resolve().parent.parent
SUITE = Path(os.environ.get("KG_SHACL_SUITE", ROOT.parent / "shared" / "w3c-shacl-tests"))
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")

Row = tuple[str, str | None, str, str | None, str | None, str | None]
_LABEL = re.compile(r"_:[A-Za-z0-9_\-.]+")


@dataclass(frozen=True)
class Case:
    """One sht:Validate entry: its files and what a conforming processor reports."""

    name: str  # the file's path in the suite without .ttl, e.g. core/node/class-001
    data: Path
    shapes: Path
    failure: bool  # a conforming processor must refuse the shapes
    conforms: bool | None
    expected: Counter[Row]

    @property
    def base(self) -> str:
        return self.data.resolve().as_uri()


def anonymous(text: str | None) -> str | None:
    """Blank node labels dropped: blank nodes match by position, as in isomorphism."""
    return _LABEL.sub("_:", text) if text is not None else None


def rows_of(report: ValidationReport) -> Counter[Row]:
    """A kg report as the suite compares it."""
    return Counter(
        (
            anonymous(r.focus) or "",
            anonymous(r.path),
            r.severity_iri,
            r.component,
            anonymous(r.shape),
            anonymous(r.value),
        )
        for r in report.results
    )


def rows_of_json(report: dict[str, Any]) -> Counter[Row]:
    """A ``--report json`` document as the suite compares it."""
    return Counter(
        (
            anonymous(r["focus"]) or "",
            anonymous(r["path"]),
            r["severity_iri"],
            r["component"],
            anonymous(r["shape"]),
            anonymous(r["value"]),
        )
        for r in report["results"]
    )


def _expected_rows(graph: Graph, report: Term) -> Counter[Row]:
    rows: Counter[Row] = Counter()
    for result in graph.objects(report, SH.result):

        def show(predicate: URIRef, node: Term = result) -> str | None:
            value = graph.value(node, predicate)
            return anonymous(term_text(value)) if value is not None else None

        focus = graph.value(result, SH.focusNode)
        path = graph.value(result, SH.resultPath)
        rows[
            (
                anonymous(focus_text(focus)) if focus is not None else "",
                anonymous(path_text(graph, path)) if path is not None else None,
                show(SH.resultSeverity) or "",
                show(SH.sourceConstraintComponent),
                show(SH.sourceShape),
                show(SH.value),
            )
        ] += 1
    return rows


def _path_of(node: Term) -> Path:
    return Path(str(node).removeprefix("file://"))


@lru_cache(maxsize=1)
def cases() -> tuple[Case, ...]:
    """Every sht:Validate case reachable from the manifests, plus those in files no
    manifest includes (the suite's README counts 121)."""
    found: dict[str, Case] = {}
    files = [SUITE / "tests" / "manifest.ttl"]
    seen: set[Path] = set()
    while files:
        file = files.pop()
        if file in seen:
            continue
        seen.add(file)
        graph = _read(file)
        for manifest in graph.subjects(RDF.type, MF.Manifest):
            files.extend(_path_of(i) for i in graph.objects(manifest, MF.include))
            for entries in graph.objects(manifest, MF.entries):
                for entry in Collection(graph, entries):
                    _add(found, graph, entry, file)
    for file in sorted((SUITE / "tests").rglob("*.ttl")):
        if file not in seen and "sht:Validate" in file.read_text(encoding="utf-8"):
            graph = _read(file)
            for entry in graph.subjects(RDF.type, SHT.Validate):
                _add(found, graph, entry, file)
    return tuple(found[k] for k in sorted(found))


def _read(file: Path) -> Graph:
    with lexical_forms_kept():  # expected values as the suite writes them
        return Graph().parse(str(file), format="turtle")


def _add(found: dict[str, Case], graph: Graph, entry: Term, file: Path) -> None:
    if (entry, RDF.type, SHT.Validate) not in graph:
        return
    action = graph.value(entry, MF.action)
    result = graph.value(entry, MF.result)
    name = str(file.relative_to(SUITE / "tests").with_suffix(""))
    if str(entry).rsplit("/", 1)[-1] != file.stem:  # a file with several entries
        name = f"{name}#{str(entry).rsplit('/', 1)[-1]}"
    failure = result == SHT.Failure
    conforms = graph.value(result, SH.conforms) if not failure else None
    assert result is not None and action is not None
    found[name] = Case(
        name=name,
        data=_path_of(graph.value(action, SHT.dataGraph)),  # type: ignore[arg-type]
        shapes=_path_of(graph.value(action, SHT.shapesGraph)),  # type: ignore[arg-type]
        failure=failure,
        conforms=bool(conforms.toPython()) if isinstance(conforms, Literal) else None,
        expected=Counter() if failure else _expected_rows(graph, result),
    )


__all__ = ["SUITE", "Case", "Row", "cases", "rows_of", "rows_of_json"]
