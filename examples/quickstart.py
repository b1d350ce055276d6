"""Use kg from Python: build the seed graph, query it, validate it, write it.

Run from anywhere: python examples/quickstart.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import kg

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# 1. Load, check, map and validate. Raises kg.InputError (with every problem,
#    each at file:line:column) if an extraction is invalid; writes nothing.
result = kg.build(SEEDS)
assert result.report is not None
print(f"conforms: {result.report.conforms}, no violations: {result.report.violation_free}")

# 2. The graph is an ordinary rdflib object: the union of all sources ...
graph = result.graph()
print(f"{len(graph):,} triples")

# ... or a Dataset with one named graph per source document.
dataset = result.dataset()
print(f"{sum(1 for g in dataset.graphs() if len(g))} named graphs")

# 3. SPARQL with the project's prefixes predeclared (kg.query takes a Build, a
#    graph file, an rdflib Graph or Dataset, or an Oxigraph store); parameters are
#    bound as RDF terms, never spliced into the query text.
answer = kg.query(
    result,
    """
    SELECT ?postName ?start ?end WHERE {
        ?tenure org:member ?person ; kg:post ?post .
        ?post skos:prefLabel ?postName .
        OPTIONAL { ?tenure schema:startDate ?start }
        OPTIONAL { ?tenure schema:endDate ?end }
    } ORDER BY ?postName
    """,
    params={"person": "id:person/jon-lansman"},
)
print(answer.to_table())
print(f"{len(answer)} posts; first: {answer.dicts()[0]['postName']}")

# 4. Validate any graph with the project's shapes; every result is traced back
#    to the extraction file and line that produced its focus node.
report = kg.validate(graph, origins=result.mapping.origins)
for item in report.results[:3]:
    print(item.severity.value, item.location, item.message)

# 5. Write Turtle, TriG and a source map atomically.
with tempfile.TemporaryDirectory() as out:
    written = result.write(out, [kg.Format.TURTLE, kg.Format.TRIG])
    print("wrote", ", ".join(p.name for p in written))
