"""The competency queries in examples/queries/: each answers its question over the seed graph.

Every ``NAME.rq`` starts with a comment block: the question in plain words on the
first line, then an explanation, then machine-readable lines:

    # param: NAME=VALUE      (repeatable) the binding used here, as for kg query --param
    # graph: trig|ttl        TriG for queries using GRAPH (one named graph per source),
                             Turtle for queries over everything merged
    # ordered: yes|no        compare rows in order (the query has ORDER BY) or as a multiset
    # xfail: REASON          the extraction disagrees with the article (a data problem)

``NAME.csv`` (``NAME.json`` for ASK) holds the expected answer, written by hand from
the source articles and the extractions, in the form ``kg query -f csv`` prints it:
IRIs in full, literals as their lexical form, unbound as an empty cell.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rdflib import Graph

import kg
from kg.cli import main
from kg.io import Format
from kg.query import QueryAnswer

QUERIES = Path(__file__).resolve().parent.parent / "examples" / "queries"
_META = re.compile(r"^#\s*(param|graph|ordered|xfail):\s*(.*?)\s*$")


@dataclass(frozen=True)
class Example:
    """One example query and what its header declares."""

    path: Path
    question: str
    params: dict[str, str] = field(default_factory=dict)
    graph: str = ""
    ordered: bool = False
    xfail: str | None = None

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def expected(self) -> Path:
        for suffix in (".csv", ".json"):
            candidate = self.path.with_suffix(suffix)
            if candidate.exists():
                return candidate
        return self.path.with_suffix(".csv")


def parse_example(path: Path) -> Example:
    """Read the leading comment block of a .rq file."""
    header: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    question = header[0].lstrip("#").strip() if header else ""
    params: dict[str, str] = {}
    graph, ordered, xfail = "", False, None
    for line in header:
        match = _META.match(line)
        if not match:
            continue
        key, value = match.groups()
        if key == "param":
            name, _, term = value.partition("=")
            params[name] = term
        elif key == "graph":
            graph = value
        elif key == "ordered":
            ordered = value == "yes"
        else:
            xfail = value
    return Example(path, question, params, graph, ordered, xfail)


EXAMPLES = [parse_example(path) for path in sorted(QUERIES.glob("*.rq"))]


def _cases() -> list[object]:
    return [
        pytest.param(
            example,
            id=example.name,
            marks=[pytest.mark.xfail(strict=True, reason=example.xfail)] if example.xfail else [],
        )
        for example in EXAMPLES
    ]


@pytest.fixture(scope="session")
def graph_files(seed_build: kg.Build, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The seed graph written once as Turtle and TriG, as kg build writes them."""
    out = tmp_path_factory.mktemp("query-graphs")
    seed_build.write(out, [Format.TURTLE, Format.TRIG])
    return {"ttl": out / "graph.ttl", "trig": out / "graph.trig"}


class Graphs:
    """Both files read back the way kg query reads them, by format name."""

    def __init__(self, files: dict[str, Path]) -> None:
        self._graphs = {name: kg.read_graph(path) for name, path in files.items()}

    def __getitem__(self, name: str) -> Graph:
        return self._graphs[name]

    def __repr__(self) -> str:  # keeps pytest from printing whole datasets on failure
        return f"Graphs({', '.join(self._graphs)})"


@pytest.fixture(scope="session")
def graphs(graph_files: dict[str, Path]) -> Graphs:
    return Graphs(graph_files)


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def assert_same_answer(example: Example, answer: QueryAnswer) -> None:
    expected_text = example.expected.read_text(encoding="utf-8")
    if example.expected.suffix == ".json":
        assert json.loads(answer.to_json()) == json.loads(expected_text)
        return
    got, expected = _rows(answer.to_csv()), _rows(expected_text)
    assert got[0] == expected[0], "columns differ"
    if example.ordered:
        assert got[1:] == expected[1:]
    else:
        assert sorted(got[1:]) == sorted(expected[1:])


@pytest.mark.parametrize("example", _cases())
def test_example_query_answers_its_question(example: Example, graphs: Graphs) -> None:
    text = example.path.read_text(encoding="utf-8")
    answer = kg.run_query(graphs[example.graph], text, example.params)
    assert_same_answer(example, answer)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_query_is_documented(example: Example) -> None:
    """A question, an expected answer, a graph to run on, and every parameter declared."""
    assert example.question.endswith("?"), "the first comment line states the question"
    assert example.expected.exists(), f"no {example.name}.csv or .json beside the query"
    assert example.graph in {"trig", "ttl"}, "declare '# graph: trig' or '# graph: ttl'"
    body = "\n".join(
        line
        for line in example.path.read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    )
    uses_graph = re.search(r"\bGRAPH\b", body) is not None
    assert uses_graph == (example.graph == "trig"), "GRAPH queries run on TriG, others on Turtle"
    is_ask = re.match(r"\s*ASK\b", body) is not None
    assert is_ask == (example.expected.suffix == ".json")
    if not is_ask:
        assert example.ordered == ("ORDER BY" in body), "'# ordered: yes' iff ORDER BY"
    for name in example.params:
        assert f"?{name}" in body, f"parameter {name} is not used in the query"


def test_every_expected_file_has_a_query() -> None:
    answers = {p.stem for p in QUERIES.iterdir() if p.suffix in {".csv", ".json"}}
    assert answers == {e.name for e in EXAMPLES}
    assert len(EXAMPLES) >= 25


def _cli_csv(capsys: pytest.CaptureFixture[str], *args: str) -> list[list[str]]:
    capsys.readouterr()
    assert main(["query", *args, "-f", "csv"]) == 0
    return _rows(capsys.readouterr().out)


def test_cli_runs_a_named_query_with_its_parameters(
    graph_files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    trig = str(graph_files["trig"])
    got = _cli_csv(capsys, "post_holders", "-g", trig, "-p", "post=id:post/labour-leader")
    expected = _rows((QUERIES / "post_holders.csv").read_text(encoding="utf-8"))
    assert got[0] == expected[0]
    assert sorted(got[1:]) == sorted(expected[1:])


def test_cli_named_query_with_other_bindings(
    graph_files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    ttl = str(graph_files["ttl"])
    lla = "org=id:organisation/labour-left-alliance"
    # The LRC left the Labour Left Alliance in 2019: in January 2020 only LAW remains.
    got = _cli_csv(capsys, "body_members_at_date", "-g", ttl, "-p", lla, "-p", "date=2020-01-15")
    assert [row[1] for row in got[1:]] == ["Labour Against the Witchhunt"]
    # Before July 2019 the alliance did not exist yet.
    got = _cli_csv(capsys, "body_members_at_date", "-g", ttl, "-p", lla, "-p", "date=2019-06")
    assert got[1:] == []
    # Jon Lansman was never suspended in any source.
    capsys.readouterr()
    args = ["query", "person_was_suspended", "-g", ttl, "-f", "json"]
    assert main([*args, "-p", "person=id:person/jon-lansman"]) == 0
    assert json.loads(capsys.readouterr().out)["boolean"] is False


@pytest.mark.parametrize(
    "hostile",
    [
        "x> } ?s ?p ?o {",
        "<x> } ?s ?p ?o { <y>",
        "id:person/x> } UNION { ?tenure ?p ?o",
    ],
)
def test_cli_parameter_cannot_change_a_named_query(
    hostile: str, graph_files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A hostile --param is bound as one term: the query finds nothing, or kg says why."""
    capsys.readouterr()
    trig = str(graph_files["trig"])
    code = main(["query", "person_roles", "-g", trig, "-f", "csv", "-p", f"person={hostile}"])
    out, err = capsys.readouterr()
    if code == 0:
        assert _rows(out) == [["role", "organisation", "start", "end", "status", "source"]]
    else:
        assert code == 2
        assert err.startswith("kg: ")
