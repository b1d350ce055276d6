"""kg: curated extractions of political reporting in, a validated, provenance-tracked
RDF knowledge graph out.

>>> import kg
>>> result = kg.build("tests/fixtures/golden/seeds")            # load, check, map, validate
>>> len(kg.query(result, "SELECT ?who WHERE { ?who a foaf:Person }"))
4
>>> len(result.graph()) > 100                                   # an rdflib.Graph
True
>>> sorted(path.name for path in result.write("/tmp/kg-doctest"))
['graph.sourcemap.json', 'graph.trig', 'graph.ttl']
"""

from kg.build import Build, build, load_corpus
from kg.errors import InputError, KgError, Location, Problem, SourceError
from kg.io import Format, read_graph
from kg.namespaces import DEFAULT_BASE, KG, PREFIXES
from kg.query import query, run_query
from kg.validation import Severity, ValidationReport, ValidationResult, default_shapes, validate

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_BASE",
    "KG",
    "PREFIXES",
    "Build",
    "Format",
    "InputError",
    "KgError",
    "Location",
    "Problem",
    "Severity",
    "SourceError",
    "ValidationReport",
    "ValidationResult",
    "__version__",
    "build",
    "default_shapes",
    "load_corpus",
    "query",
    "read_graph",
    "run_query",
    "validate",
]
