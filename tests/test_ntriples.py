"""kg.ntriples: the N-Triples text every statement travels in between mapping and output.

Everything downstream (Oxigraph's writers, pyshacl-turbo, rdflib for the object model)
reads these strings, so each property is checked against both real parsers, rdflib and
Oxigraph: literals come back with exactly their text, language and datatype; terms
round-trip through :func:`kg.ntriples.to_rdflib`; the ASCII documents given to the
native engines mean the same graph as the UTF-8 text they stand for.

Example counts come from the Hypothesis profile (tests/conftest.py).
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from hypothesis import example, given, note, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as rdfns
from rdflib.compare import isomorphic
from rdflib.term import Node as Term

from kg import ntriples

PROFILE = settings()
"""The loaded profile (ci or long); parsing a line is cheap, so properties use it as is."""

SUBJECT = "<http://example.org/s>"
PREDICATE = "<http://example.org/p>"
OTHER_GRAPH = "<http://example.org/graph/other>"

# --------------------------------------------------------------------- strategies

TRICKY = [
    '"',
    "\\",
    "\\\\",
    '\\"',
    "\\u0041",
    "\\U0001F600",
    "\\n",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\x00",
    "\x08",
    "\x0c",
    "\x1b",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\U0001f600",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "\U0010fffd",
    "e\u0301",
    "\u202e",
    "שלום",
    " ",
    "'",
    "<",
    ">",
    " .",
    "@en",
    "^^<http://x/>",
    "_:b0",
]
"""Fragments that break naive N-Triples quoting: escapes, controls, line separators,
characters outside the Basic Multilingual Plane, and N-Triples syntax itself."""

CHARS = st.characters(exclude_categories=["Cs"])
"""Any code point a Python str can hold in UTF-8: controls, U+2028, non-BMP; no surrogates."""

TEXT = st.lists(st.one_of(st.sampled_from(TRICKY), st.text(CHARS, max_size=8)), max_size=6).map(
    "".join
)
"""Lexical forms: arbitrary text (the empty string included) laced with hostile fragments."""

LANGUAGES = st.from_regex(
    r"[a-zA-Z]{2,3}(-[a-zA-Z]{4})?(-([a-zA-Z]{2}|[0-9]{3}))?(-[0-9][a-zA-Z0-9]{3})?",
    fullmatch=True,
)
"""Well-formed BCP 47 tags (language, script, region, variant), in any letter case."""

IRI_CHARS = st.one_of(
    st.sampled_from(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/"
    ),
    st.characters(min_codepoint=0xA0, max_codepoint=0xD7FF, exclude_categories=["Z"]),
    st.characters(min_codepoint=0x10000, max_codepoint=0x1FFFD),
)
"""Characters a strict IRI parser accepts in a path: unreserved and sub-delimiters, and
``ucschar`` ranges of RFC 3987 (accents, emoji). Not Unicode spaces (U+00A0, U+2028 ...):
valid in an IRI, but rdflib's N-Triples reader ends an IRI at any ``\\s``, so the UTF-8
reference documents below could not be read with them."""

IRIS = st.text(IRI_CHARS, max_size=12).map(lambda path: f"http://example.org/{path}")
"""Absolute IRIs that are valid per RFC 3987 (Oxigraph checks), many of them non-ASCII."""

BLANK_LABELS = st.from_regex(r"[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?", fullmatch=True)
"""Blank node labels as kg writes them: ASCII ``PN_CHARS``, never ending in a dot."""

IRIREF = re.compile(r'<(?:[^\x00-\x20<>"{}|^`\\]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>')
"""The N-Triples ``IRIREF`` production: only ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes."""


# --------------------------------------------------------------------- parsers


def rdflib_object(line: str) -> Term:
    """The object of the single statement rdflib reads from one N-Triples line."""
    graph = Graph().parse(data=line, format="nt")
    assert len(graph) == 1, line
    ((_, _, obj),) = graph
    return obj


def oxigraph_object(
    line: str, *, lenient: bool = False
) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The object of the single statement Oxigraph reads from one N-Triples line."""
    quads = list(ox.parse(line, format=ox.RdfFormat.N_TRIPLES, lenient=lenient))
    assert len(quads) == 1, line
    obj = quads[0].object
    assert isinstance(obj, ox.NamedNode | ox.BlankNode | ox.Literal), line
    return obj


def line_with(obj: str) -> str:
    """One N-Triples line with ``obj`` as its object."""
    return f"{SUBJECT} {PREDICATE} {obj} ."


# --------------------------------------------------------------------- literals


@given(TEXT)
@example("")
@example('say "hi" \\ bye')
@example("a\nb\rc\td\x00e\x7ff\x08g\x0c")
@example("\U0001f600 \U0001f469\u200d\U0001f469\u200d\U0001f467")
@example("line\u2028separator\u2029paragraph\x85next")
@example("\\u0041 is not A")
def test_plain_literal_reads_back_exactly(text: str) -> None:
    """A plain literal is read back by rdflib and Oxigraph as exactly the text written."""
    line = line_with(ntriples.literal(text))
    parsed = rdflib_object(line)
    assert isinstance(parsed, Literal)
    assert (str(parsed), parsed.language, parsed.datatype) == (text, None, None)
    obj = oxigraph_object(line)
    assert isinstance(obj, ox.Literal)
    assert (obj.value, obj.language, obj.datatype.value) == (text, None, str(rdfns.XSD.string))


@given(TEXT)
@example("")
@example('"quoted"\\')
def test_xsd_string_literal_is_written_as_a_plain_literal(text: str) -> None:
    """``xsd:string`` is RDF 1.1's plain literal: no suffix, the same text either way."""
    assert ntriples.literal(text, str(rdfns.XSD.string)) == ntriples.literal(text)
    obj = oxigraph_object(line_with(ntriples.literal(text, str(rdfns.XSD.string))))
    assert isinstance(obj, ox.Literal)
    assert obj.value == text


@given(TEXT, LANGUAGES)
@example("\U0001f600\u2028\"'\\", "en-GB")
@example("", "de")
def test_language_literal_reads_back_exactly(text: str, language: str) -> None:
    """A language-tagged literal keeps its text and its tag (tags compare case-insensitively)."""
    line = line_with(ntriples.literal(text, language=language))
    parsed = rdflib_object(line)
    assert isinstance(parsed, Literal)
    assert str(parsed) == text
    assert parsed.language is not None and parsed.language.lower() == language.lower()
    assert parsed.datatype is None
    obj = oxigraph_object(line)
    assert isinstance(obj, ox.Literal)
    assert obj.value == text
    assert obj.language is not None and obj.language.lower() == language.lower()


@given(st.integers(min_value=-(10**40), max_value=10**40))
@example(0)
@example(-1)
def test_integer_literal_reads_back_exactly(number: int) -> None:
    """An ``xsd:integer`` lexical form keeps its text and datatype (and its value, in rdflib)."""
    line = line_with(ntriples.literal(str(number), str(rdfns.XSD.integer)))
    parsed = rdflib_object(line)
    assert isinstance(parsed, Literal)
    assert (str(parsed), parsed.datatype, parsed.toPython()) == (
        str(number),
        rdfns.XSD.integer,
        number,
    )
    obj = oxigraph_object(line)
    assert isinstance(obj, ox.Literal)
    assert (obj.value, obj.datatype.value) == (str(number), str(rdfns.XSD.integer))


@given(TEXT, IRIS)
@example('"\\\n', "http://example.org/dt")
@example("\U0001f600", "http://example.org/d\u00e9\U0001f600")
def test_literal_with_any_datatype_reads_back_exactly(text: str, datatype: str) -> None:
    """Any lexical form with any (valid) datatype IRI, non-ASCII ones included, reads back as is."""
    line = line_with(ntriples.literal(text, datatype))
    parsed = rdflib_object(line)
    assert isinstance(parsed, Literal)
    assert (str(parsed), parsed.datatype, parsed.language) == (text, URIRef(datatype), None)
    obj = oxigraph_object(line)
    assert isinstance(obj, ox.Literal)
    assert (obj.value, obj.datatype.value, obj.language) == (text, datatype, None)


def test_language_wins_over_datatype() -> None:
    """Given both, the literal is language-tagged: ``rdf:langString`` has no other form."""
    assert ntriples.literal("x", str(rdfns.XSD.integer), "en") == '"x"@en'


# --------------------------------------------------------------------- terms


def literals() -> st.SearchStrategy[Literal]:
    """Plain, language-tagged and typed literals (``xsd:string`` aside: see below)."""
    return st.one_of(
        TEXT.map(Literal),
        st.builds(lambda text, lang: Literal(text, lang=lang), TEXT, LANGUAGES),
        st.builds(lambda number: Literal(number), st.integers()),
        st.builds(lambda text, dt: Literal(text, datatype=URIRef(dt)), TEXT, IRIS),
        st.builds(
            lambda text, dt: Literal(text, datatype=dt),
            TEXT,
            st.sampled_from(
                [
                    rdfns.XSD.integer,
                    rdfns.XSD.date,
                    rdfns.XSD.decimal,
                    rdfns.XSD.boolean,
                    rdfns.XSD.gYear,
                ]
            ),
        ),
    )


TERMS = st.one_of(
    IRIS.map(URIRef),
    literals(),
    BLANK_LABELS.map(BNode),
    st.builds(BNode),
)


@pytest.mark.filterwarnings("ignore:Parsing weird boolean:UserWarning")
@given(TERMS)
@example(URIRef("http://example.org/a b<c>{d}|e^f`g"))
@example(Literal('\\"\n\U0001f600\u2028', lang="en-GB"))
@example(Literal("007", datatype=rdfns.XSD.integer))
@example(Literal("not a number", datatype=rdfns.XSD.integer))
@example(Literal("\\u0041", datatype=URIRef("http://example.org/dt")))
def test_to_rdflib_inverts_term(node: Term) -> None:
    """``to_rdflib(term(x)) == x`` for IRIs, blank nodes and every kind of literal."""
    text = ntriples.term(node)
    note(f"term: {text!r}")
    back = ntriples.to_rdflib(text)
    assert back == node
    assert type(back) is type(node)


@pytest.mark.filterwarnings("ignore:Parsing weird boolean:UserWarning")
@given(TERMS)
@example(Literal("\\\U0001f600\u00e9", lang="fr"))
@example(Literal("x", datatype=URIRef("http://example.org/d\u00e9")))
def test_to_rdflib_reads_terms_made_ascii(node: Term) -> None:
    """Labels for reports are read back from the ASCII text given to the engines: the
    ``\\u`` and ``\\U`` escapes :func:`ascii_lines` makes undo to the same term."""
    text = ntriples.ascii_lines([ntriples.term(node)]).removesuffix("\n")
    note(f"term: {text!r}")
    assert text.isascii()
    assert ntriples.to_rdflib(text) == node


@given(TEXT)
def test_xsd_string_literal_reads_back_as_a_plain_literal(text: str) -> None:
    """``"x"^^xsd:string`` and ``"x"`` are one RDF term, written one way; rdflib's object for
    it is the plain literal, the same one rdflib's own parser makes."""
    typed = Literal(text, datatype=rdfns.XSD.string)
    assert ntriples.term(typed) == ntriples.term(Literal(text))
    assert ntriples.to_rdflib(ntriples.term(typed)) == rdflib_object(
        line_with(ntriples.term(typed))
    )


# --------------------------------------------------------------------- IRIs


def rdflib_space(char: str) -> bool:
    """A non-ASCII character rdflib's N-Triples reader cannot hold in an IRI."""
    return not char.isascii() and char.isspace()


@given(st.text(CHARS.filter(lambda c: not rdflib_space(c)), max_size=20))
@example("a b<c>d{f}g|h^i`j")
@example('q"b\\c\nd\re\tf')
@example("\x00\x01\x1f\x20")
def test_iri_is_always_an_iriref(path: str) -> None:
    """Whatever the text, ``iri`` writes a well-formed IRIREF that rdflib and a lenient
    Oxigraph read back as that text.

    Non-ASCII spaces are left out: IRIREF allows them unescaped, as ``iri`` writes them,
    but rdflib's reader ends an IRI at any ``\\s``."""
    value = f"http://example.org/{path}"
    written = ntriples.iri(value)
    assert IRIREF.fullmatch(written), written
    line = line_with(written)
    assert rdflib_object(line) == URIRef(value)
    obj = oxigraph_object(line, lenient=True)
    assert isinstance(obj, ox.NamedNode)
    assert obj.value == value


@given(IRIS)
def test_valid_iris_are_written_unchanged(value: str) -> None:
    """An IRI with nothing to escape is written as it is (UTF-8 kept), and Oxigraph reads it
    strictly."""
    assert ntriples.iri(value) == f"<{value}>"
    obj = oxigraph_object(line_with(ntriples.iri(value)))
    assert isinstance(obj, ox.NamedNode)
    assert obj.value == value


# --------------------------------------------------------------------- ASCII documents


def objects() -> st.SearchStrategy[str]:
    return st.one_of(
        IRIS.map(ntriples.iri),
        TEXT.map(ntriples.literal),
        st.builds(lambda text, lang: ntriples.literal(text, language=lang), TEXT, LANGUAGES),
        st.builds(ntriples.literal, TEXT, IRIS),
        BLANK_LABELS.map(lambda label: f"_:{label}"),
    )


SUBJECTS = st.one_of(IRIS.map(ntriples.iri), BLANK_LABELS.map(lambda label: f"_:{label}"))
QUADS = st.lists(
    st.tuples(SUBJECTS, IRIS.map(ntriples.iri), objects(), IRIS.map(ntriples.iri)),
    min_size=1,
    max_size=12,
)

Quad = tuple[str, str, str, str]


def utf8_document(quads: list[Quad]) -> str:
    """The reference: the statements as plain (UTF-8) N-Triples, one line each."""
    return "".join(f"{s} {p} {o} .\n" for s, p, o, _ in quads)


def oxigraph_triples(document: str) -> set[ox.Triple]:
    return {quad.triple for quad in ox.parse(document, format=ox.RdfFormat.N_TRIPLES)}


def rdflib_graph(document: str) -> Graph:
    return Graph().parse(data=document, format="nt")


def with_repeats(quads: list[Quad]) -> list[Quad]:
    """Every statement again, in another graph and in reverse: a graph is a set."""
    return quads + [(s, p, o, OTHER_GRAPH) for s, p, o, _ in reversed(quads)]


@given(QUADS)
@example([(SUBJECT, PREDICATE, ntriples.literal('\U0001f600\u2028é"\\\n'), OTHER_GRAPH)])
@example(
    [
        (
            ntriples.iri("http://example.org/caf\u00e9/\U0001f600"),
            ntriples.iri("http://example.org/\u00e9\U0001f600"),
            ntriples.literal("x", "http://example.org/d\u00e9", None),
            OTHER_GRAPH,
        )
    ]
)
def test_ascii_document_means_the_same_graph(quads: list[Quad]) -> None:
    """``ascii_document`` is pure ASCII and, to rdflib and Oxigraph alike, the same set of
    triples as the UTF-8 lines it stands for; repeated lines and the graph element change
    nothing."""
    repeated = with_repeats(quads)
    document = ntriples.ascii_document(repeated)
    note(f"document: {document!r}")
    assert isinstance(document, str)
    assert document.isascii()
    reference = utf8_document(quads)
    assert oxigraph_triples(document) == oxigraph_triples(reference)
    ours, theirs = rdflib_graph(document), rdflib_graph(reference)
    assert len(ours) == len(theirs)
    assert isomorphic(ours, theirs)  # rdflib renames blank nodes on every parse


@given(QUADS, st.sampled_from([1, 2, 3, 5]))
def test_ascii_lines_is_the_same_whatever_the_chunk(quads: list[Quad], chunk: int) -> None:
    """Converting a few lines at a time gives exactly the text of converting them all at once."""
    lines = [f"{s} {p} {o} ." for s, p, o, _ in with_repeats(quads)]
    whole = ntriples.ascii_lines(lines, chunk=1_000_000)
    assert ntriples.ascii_lines(iter(lines), chunk=chunk) == whole
    assert ntriples.ascii_document(with_repeats(quads), chunk=chunk) == whole
    assert whole.count("\n") == len(lines) and whole.endswith(" .\n")


def test_ascii_document_of_nothing_is_empty() -> None:
    """No statements, no text (not a lone newline)."""
    assert ntriples.ascii_document([]) == ""
    assert ntriples.ascii_lines([], chunk=1) == ""


def test_ascii_document_escapes_outside_the_bmp_with_a_long_escape() -> None:
    """Characters above U+FFFF take one ``\\UXXXXXXXX`` escape, not a surrogate pair."""
    quads = [(SUBJECT, PREDICATE, ntriples.literal("\U0001f600\u00e9"), OTHER_GRAPH)]
    assert ntriples.ascii_document(quads) == f'{SUBJECT} {PREDICATE} "\\U0001F600\\u00E9" .\n'
