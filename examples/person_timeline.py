"""A person's roles and actions over time, as the sources tell them.

Builds the seed graph and prints, for one person: every role each source says
they held (with the status as of that source, oldest source first), then every
dated event they took part in, in date order. Uses the named queries
person_roles, person_timeline and source_documents from examples/queries/.

Run from anywhere:
    python examples/person_timeline.py                      # Jon Lansman
    python examples/person_timeline.py christine-shawcroft
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph
from rdflib.term import Node

import kg

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "examples" / "queries"

# The source document each named graph holds, so rows can be told apart by source.
GRAPH_DOCUMENTS = "SELECT ?g ?document WHERE { GRAPH ?g { ?document a kg:SourceDocument } }"
NAME = "SELECT ?name WHERE { ?person skos:prefLabel ?name }"
EVENT_LABEL = """
SELECT ?text WHERE {
    OPTIONAL { ?event skos:prefLabel|dcterms:title|dcterms:description ?label }
    OPTIONAL { ?election kg:candidacy ?event ; skos:prefLabel ?electionName }
    BIND (COALESCE(?label, ?electionName) AS ?text)
}
"""


def named_query(name: str) -> str:
    return (QUERIES / f"{name}.rq").read_text(encoding="utf-8")


def cell(value: object) -> str:
    return "" if value is None else str(value)


def short(iri: object) -> str:
    return cell(iri).rsplit("#", 1)[-1]


def clip(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def event_label(graph: Graph, event: Node) -> str:
    # Pass the IRI as "<...>" text: an rdflib URIRef is also a str, and run_query
    # reads str values as --param text (where a bare IRI would become a literal).
    rows = kg.run_query(graph, EVENT_LABEL, params={"event": f"<{event}>"}).rows
    return cell(rows[0][0]) if rows else ""


def main(argv: Sequence[str]) -> int:
    person = f"id:person/{argv[1] if len(argv) > 1 else 'jon-lansman'}"

    result = kg.build(ROOT / "seeds")  # load, check, map and validate
    assert result.report is not None and result.report.violation_free, "violations in the seeds"
    dataset = result.dataset()
    # Let patterns outside GRAPH { } see every named graph (names live in the registry's
    # graph), as they do in a TriG file read with kg.read_graph.
    dataset.default_union = True

    names = kg.run_query(dataset, NAME, params={"person": person}).rows
    if not names:
        print(f"no person {person!r} in the registry", file=sys.stderr)
        return 1
    print(names[0][0])

    # Sources in publication order (undated last), keyed by their named graph.
    sources = kg.run_query(dataset, named_query("source_documents")).rows
    order = {cell(row[0]): i for i, row in enumerate(sources)}
    about = {
        cell(doc): (cell(title), f"{short(qualifier)} {cell(published)}".strip())
        for doc, title, _kind, _publisher, published, qualifier in sources
    }
    document = {cell(g): cell(doc) for g, doc in kg.run_query(dataset, GRAPH_DOCUMENTS).rows}

    roles = kg.run_query(dataset, named_query("person_roles"), params={"person": person}).rows
    print(f"\nRoles, as each source reports them ({len(roles)}):")
    by_source: dict[str, list[str]] = {}
    for role, organisation, start, end, status, graph in roles:
        dates = f" {cell(start)}–{cell(end)}" if start is not None or end is not None else ""
        state = f" [{short(status)}]" if status is not None else ""
        by_source.setdefault(document[cell(graph)], []).append(
            f"{role} — {organisation}{dates}{state}"
        )
    for doc in sorted(by_source, key=lambda d: order[d]):
        title, published = about[doc]
        print(f"  {published or 'undated':<13}  {title}")
        for line in sorted(by_source[doc]):
            print(f"      {line}")

    events = kg.run_query(dataset, named_query("person_timeline"), params={"person": person})
    print(f"\nDated events ({len(events.rows)}):")
    for date, qualifier, event, involvement in events.rows:
        when = f"{short(qualifier)} {cell(date)}" if qualifier is not None else cell(date)
        assert event is not None
        print(f"  {when:<18}  {involvement}: {clip(event_label(dataset, event))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
