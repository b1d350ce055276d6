"""kg's own SHACL-SPARQL rules (shapes/rules.ttl) given values that are not what they
expect: no engine may fail, and all must find the same results.

Each example takes the golden graph and puts one generated literal (ill-typed,
of another type, or an integer beyond 64 bits) in place of every value of one
predicate that a rule reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg import ntriples
from kg.io import read_ntriples
from kg.sparql_rules import predicates_read, split_shapes
from kg.validation import Engine, ValidationReport, load_shapes, validate

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "fixtures" / "golden" / "expected" / "graph.ttl"
RULES = load_shapes([ROOT / "shapes" / "rules.ttl"])
PREDICATES = sorted(predicates_read(split_shapes(RULES)[1]) or ())
XSD = "http://www.w3.org/2001/XMLSchema#"
_TYPES = "nonNegativeInteger integer decimal double boolean date gYear gYearMonth dateTime string"
DATATYPES = [XSD + name for name in _TYPES.split()]
LEXICAL = st.one_of(
    st.sampled_from(["", "abc", "1.5", "0x10", "1_000", "\u0663", "1e3", "-1", "+7", "007"]),
    st.sampled_from(["2020-05-01T00:00:00", "none", "2020-13", "99999999999999999999"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=8),
)


def _statements() -> list[tuple[str, str, str]]:
    """The golden graph's statements that the rules read (the rest cannot change what
    they find, and would only slow pyshacl down)."""
    text = read_ntriples(GOLDEN)
    assert text is not None
    read = {ntriples.iri(p) for p in PREDICATES}
    rows = []
    for line in text.splitlines():
        subject, _, rest = line.partition(" ")
        predicate, _, obj = rest.partition(" ")
        if predicate in read:
            rows.append((subject, predicate, obj.rstrip().removesuffix(".").rstrip()))
    return rows


STATEMENTS = _statements()


def _seen(report: ValidationReport) -> set[tuple[str, str | None, str | None]]:
    """What the hand-written SPARQL rules found. SHACL Core results are left out: on an
    ill-typed value pyshacl skips sh:minInclusive where SHACL (and turbo) report it,
    a difference between the Core engines, not in a rule."""
    return {
        (r.focus, r.shape, r.component)
        for r in report.results
        if r.component == "<http://www.w3.org/ns/shacl#SPARQLConstraintComponent>"
    }


def test_rules_read_the_predicates_the_examples_replace() -> None:
    assert {"http://www.w3.org/ns/oa#start", "http://www.w3.org/ns/oa#end"} <= set(PREDICATES)
    assert any(p.endswith("votesFor") for p in PREDICATES)


def _with(predicate: str, value: str) -> str:
    target = ntriples.iri(predicate)
    return "".join(f"{s} {p} {value if p == target else o} .\n" for s, p, o in STATEMENTS)


@given(
    predicate=st.sampled_from(PREDICATES),
    lexical=LEXICAL,
    datatype=st.sampled_from(DATATYPES),
)
def test_no_engine_fails_on_odd_values_and_all_agree(
    predicate: str, lexical: str, datatype: str
) -> None:
    """turbo (the rules in Oxigraph) and kg (the rules in rdflib, as pyshacl runs them)."""
    text = _with(predicate, ntriples.literal(lexical, datatype))
    turbo = validate(text, RULES, engine=Engine.TURBO, rdf_format="nt")
    rdflib_rules = validate(text, RULES, engine=Engine.KG, rdf_format="nt")
    assert _seen(turbo) == _seen(rdflib_rules)


@pytest.mark.parametrize("lexical", ["", "abc", "1.5", "0x10", "99999999999999999999"])
def test_reference_engine_on_offsets_that_are_not_numbers(lexical: str) -> None:
    """The values that made pyshacl raise inside the quote-length rule (~3 s each with
    pyshacl, so a fixed few rather than generated ones)."""
    value = ntriples.literal(lexical, XSD + "nonNegativeInteger")
    text = _with("http://www.w3.org/ns/oa#start", value)
    reference = validate(text, RULES, engine=Engine.PYSHACL, rdf_format="nt")
    assert _seen(reference) == _seen(validate(text, RULES, engine=Engine.TURBO, rdf_format="nt"))
