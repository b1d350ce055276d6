"""kg: curated extractions of political reporting in, a validated, provenance-tracked
RDF knowledge graph out.

>>> import kg
>>> result = kg.build("seeds")                                  # doctest: +SKIP
>>> result.report.conforms                                      # doctest: +SKIP
True
>>> result.graph()                                               # an rdflib.Graph  # doctest: +SKIP
"""

from kg.build import Build, build, load_corpus
from kg.errors import InputError, KgError, Location, Problem, SourceError
from kg.io import Format, read_graph
from kg.namespaces import DEFAULT_BASE, KG, PREFIXES
from kg.query import run_query
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
    "read_graph",
    "run_query",
    "validate",
]
