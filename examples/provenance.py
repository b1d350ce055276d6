"""Provenance: which sources report a fact, and with which quotes.

Builds the seed graph, lists the facts reported by the most sources, then prints,
for one fact, every source that reports it with its verbatim evidence quotes and
their offsets in the source text. Uses the named queries in examples/queries/.

Run from anywhere:
    python examples/provenance.py                                  # the default fact
    python examples/provenance.py tenure/jeremy-corbyn-labour-leader
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph

import kg

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "examples" / "queries"
DEFAULT_FACT = "change/momentum-constitution-imposed-2017"

# Every kind of fact has its own wording property; take whichever it has.
LABEL = """
SELECT ?label WHERE {
    OPTIONAL { ?fact skos:prefLabel|dcterms:title|dcterms:description|schema:text ?label }
}
"""


def named_query(name: str) -> str:
    return (QUERIES / f"{name}.rq").read_text(encoding="utf-8")


def short(iri: object) -> str:
    return str(iri).removeprefix(kg.DEFAULT_BASE)


def label(graph: Graph, fact: str) -> str:
    rows = kg.run_query(graph, LABEL, params={"fact": fact}).rows
    return str(rows[0][0]) if rows and rows[0][0] is not None else "(no label)"


def main(argv: Sequence[str]) -> int:
    fact = argv[1] if len(argv) > 1 else DEFAULT_FACT

    result = kg.build(ROOT / "seeds")  # load, check, map and validate
    assert result.report is not None and result.report.violation_free, "violations in the seeds"
    dataset = result.dataset()
    # Let patterns outside GRAPH { } see every named graph (names and titles live in the
    # registry's graph), as they do in a TriG file read with kg.read_graph.
    dataset.default_union = True

    top = kg.run_query(dataset, named_query("corroborated_facts"))
    print(f"{len(top.rows)} facts are reported by more than one source; the most reported:")
    for iri, sources in top.rows[:5]:
        print(f"  {sources} sources  {short(iri)}")

    answer = kg.run_query(dataset, named_query("fact_sources"), params={"fact": f"id:{fact}"})
    if not answer.rows:
        print(f"\nno source reports {fact!r} (try one of the facts above)", file=sys.stderr)
        return 1
    by_source: dict[str, list[tuple[int, str]]] = {}
    for _graph, title, quote, start in answer.rows:
        by_source.setdefault(str(title), []).append((int(str(start)), str(quote)))

    print(f"\n{fact}\n  {label(dataset, f'id:{fact}')}")
    print(f"is reported by {len(by_source)} source(s):")
    for source_title, quotes in sorted(by_source.items()):
        print(f"\n  {source_title}")
        for offset, text in sorted(quotes):
            print(f"    [{offset:>6}] “{text}”")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
