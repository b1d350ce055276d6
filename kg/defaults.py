"""Defaults shared by the command line and the library, written once.

The CLI's help texts, the README and the functions' signatures all read these, so a
default cannot drift between them.
"""

from __future__ import annotations

from pathlib import Path

SEEDS_DIR = Path("seeds")
"""Where extraction files are looked for."""
OUT_DIR = Path("build")
"""Where ``kg build`` writes."""
GRAPH_STEM = "graph"
"""Output files are ``graph.ttl``, ``graph.trig``, ``graph.sourcemap.json`` ..."""
GRAPH_FILE = OUT_DIR / f"{GRAPH_STEM}.trig"
"""The built graph that ``kg query``, ``kg stats``, ``kg push`` and ``kg serve`` read."""
SERVE_PORT = 7878
"""Oxigraph's own default port, for ``kg serve``."""
PUSH_BATCH_SIZE = 50_000
"""Triples per request of ``kg push``."""
PUSH_TIMEOUT = 60.0
"""Seconds for each whole request of ``kg push``, connect to last byte."""
PUSH_RETRIES = 4
"""Retries of a ``kg push`` request on transient errors."""
QUERY_ENGINE = "oxigraph"
"""The SPARQL engine of ``kg query`` and ``kg.query`` (``rdflib`` is the reference)."""
SHACL_ENGINE = "auto"
"""The SHACL engine of ``kg build`` and ``kg validate`` (:class:`kg.validation.Engine`)."""
FAIL_ON = "violation"
"""The least severe SHACL result that fails ``kg build`` and ``kg validate``."""

EXIT_OK = 0
"""Success: the graph conforms, the check found nothing."""
EXIT_VIOLATIONS = 1
"""SHACL results at ``--fail-on`` or above (or a difference, for checks)."""
EXIT_INPUT = 2
"""The input or the command line is wrong."""
EXIT_IO = 3
"""A file could not be written or read."""
EXIT_INTERRUPTED = 130
"""Ctrl-C, as shells report SIGINT."""

__all__ = [
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_IO",
    "EXIT_OK",
    "EXIT_VIOLATIONS",
    "FAIL_ON",
    "GRAPH_FILE",
    "GRAPH_STEM",
    "OUT_DIR",
    "PUSH_BATCH_SIZE",
    "PUSH_RETRIES",
    "PUSH_TIMEOUT",
    "QUERY_ENGINE",
    "SEEDS_DIR",
    "SERVE_PORT",
    "SHACL_ENGINE",
]
