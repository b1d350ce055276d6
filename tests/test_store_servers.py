"""kg push and kg query --endpoint against real stores: the Oxigraph server (PyPI
``oxigraph``) and OpenLink Virtuoso 7 (Debian ``virtuoso-opensource``), each on
127.0.0.1 with a temporary database. The seed graph goes in; what comes back is
compared term by term, and every example query gives the rows it gives on the file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from stores import (
    INSTALL_HINT,
    VIRTUOSO_PASSWORD,
    VIRTUOSO_USER,
    Virtuoso,
    virtuoso_binary,
    virtuoso_server,
)
from test_queries import QUERIES, parse_example

import kg
from kg import cli
from kg.endpointquery import run_query_endpoint
from kg.query import open_store, run_query_store
from kg.serve import LocalServer, oxigraph_binary, oxigraph_server
from kg.store import PushError, PushReport, StoreError, count_triples, push

REGISTRY = "https://w3id.org/kg/id/graph/registry"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Virtuoso's administrator as the store user; nothing from the machine's setup."""
    monkeypatch.delenv("KG_STORE_TOKEN", raising=False)
    monkeypatch.setenv("KG_STORE_USER", VIRTUOSO_USER)
    monkeypatch.setenv("KG_STORE_PASSWORD", VIRTUOSO_PASSWORD)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(scope="module")
def seed_bytes(seed_build: kg.Build) -> bytes:
    return seed_build.serialise(kg.Format.TRIG)


@pytest.fixture
def seed_file(seed_bytes: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "graph.trig"
    path.write_bytes(seed_bytes)
    return path


def _oxigraph() -> Iterator[LocalServer]:
    try:
        oxigraph_binary()
    except kg.KgError:  # pragma: no cover - dev extras install it
        pytest.skip("the oxigraph binary is not installed (pip install -e '.[store]')")
    with oxigraph_server(timeout=30) as server:
        yield server


def _virtuoso() -> Iterator[Virtuoso]:
    if virtuoso_binary() is None:  # pragma: no cover - .ci/run installs it
        pytest.skip(INSTALL_HINT)
    with virtuoso_server() as server:
        yield server


@pytest.fixture(scope="module")
def oxigraph() -> Iterator[LocalServer]:
    yield from _oxigraph()


@pytest.fixture(scope="module")
def virtuoso() -> Iterator[Virtuoso]:
    yield from _virtuoso()


@pytest.fixture(params=["oxigraph", "virtuoso"])
def store(request: pytest.FixtureRequest) -> str:
    """The query URL of a running store, shared by the tests of this module."""
    server: LocalServer | Virtuoso = request.getfixturevalue(request.param)
    return server.query_url


def push_seeds(path: Path, endpoint: str, **options: Any) -> PushReport:
    return push(path, endpoint, **{"timeout": 30.0, "retries": 2, "backoff": 0.05, **options})


def test_push_is_content_equal_and_idempotent(store: str, seed_file: Path) -> None:
    first = push_seeds(seed_file, store)
    again = push_seeds(seed_file, store)
    for report in (first, again):
        assert report.ok
        assert {g.status for g in report.graphs} == {"content equal"}
        assert all(g.found == g.sent for g in report.graphs)
    assert [(g.graph, g.found) for g in first.graphs] == [(g.graph, g.found) for g in again.graphs]


def test_virtuoso_update_splits_what_its_compiler_refuses(
    virtuoso: Virtuoso, seed_file: Path
) -> None:
    """Oxigraph's update path is tested on the golden corpus in test_store.py."""
    messages: list[str] = []
    report = push_seeds(seed_file, virtuoso.query_url, method="update", progress=messages.append)
    assert report.ok and {g.status for g in report.graphs} == {"content equal"}
    assert any("as too large" in m for m in messages)  # SP030/SP031 at 50,000 a request


def test_example_queries_give_the_same_rows_on_the_file_and_the_store(
    store: str, seed_file: Path
) -> None:
    push_seeds(seed_file, store)
    local = open_store(seed_file)
    differing = []
    examples = sorted(QUERIES.glob("*.rq"))
    for path in examples:
        example = parse_example(path)
        text = path.read_text(encoding="utf-8")
        expected = run_query_store(local, text, example.params)
        found = run_query_endpoint(store, text, example.params)
        if expected.boolean is not None:
            same = found.boolean == expected.boolean
        else:
            same = found.variables == expected.variables and Counter(found.rows) == Counter(
                expected.rows
            )  # the same rows, each as many times
        if not same:
            differing.append(example.name)
    assert len(examples) >= 30
    assert differing == []


def test_kg_query_endpoint_prints_what_kg_query_prints(
    store: str, seed_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    push_seeds(seed_file, store)
    capsys.readouterr()
    param = ["-p", "person=person:jon-lansman", "-f", "csv"]
    assert cli.main(["query", "person_roles", "-g", str(seed_file), *param]) == 0
    on_file = capsys.readouterr().out
    assert cli.main(["query", "person_roles", "--endpoint", store, *param]) == 0
    on_store = capsys.readouterr().out
    assert on_file.count("\n") > 2
    assert sorted(on_store.splitlines()) == sorted(on_file.splitlines())


def test_another_corpus_with_the_same_base_is_refused(store: str, tmp_path: Path) -> None:
    base = "https://example.org/two-corpora/graph/"
    first, second = tmp_path / "first.trig", tmp_path / "second.trig"
    first.write_text(
        f"<{base}registry> {{ <urn:a> <urn:b> <urn:c> }}\n<{base}a> {{ <urn:a> <urn:b> <urn:a> }}\n"
    )
    second.write_text(
        f"<{base}registry> {{ <urn:a> <urn:b> <urn:d> }}\n<{base}b> {{ <urn:a> <urn:b> <urn:b> }}\n"
    )
    assert push_seeds(first, store).ok
    with pytest.raises(StoreError, match=r"1 graph\(s\) under .* that this push does not name"):
        push_seeds(second, store)
    assert count_triples(store, [f"{base}registry", f"{base}b"]) == {
        f"{base}registry": 1,
        f"{base}b": 0,
    }  # nothing was written
    assert push_seeds(second, store, allow_other_graphs=True).ok  # when asked to


def test_virtuoso_wrong_password_is_refused_digest(
    virtuoso: Virtuoso, monkeypatch: pytest.MonkeyPatch, seed_file: Path
) -> None:
    monkeypatch.setenv("KG_STORE_PASSWORD", "not-the-password")
    with pytest.raises(PushError) as caught:
        push_seeds(seed_file, virtuoso.query_url, verify=False)
    text = str(caught.value)
    assert "HTTP 401" in text and "(Digest)" in text and "not-the-password" not in text


def test_virtuoso_killed_mid_push_then_pushed_again(seed_file: Path, tmp_path: Path) -> None:
    if virtuoso_binary() is None:  # pragma: no cover - .ci/run installs it
        pytest.skip(INSTALL_HINT)
    data = tmp_path / "db"
    with virtuoso_server(data_dir=data) as server:

        def progress(message: str) -> None:
            if message.startswith("wrote"):
                server.kill()  # the store dies after the first graph

        with pytest.raises(PushError) as caught:
            push(seed_file, server.query_url, retries=1, backoff=0.01, progress=progress)
    error = caught.value
    assert len(error.written) == 1 and error.state == "not written"
    with virtuoso_server(data_dir=data) as restarted:
        report = push_seeds(seed_file, restarted.query_url)
        assert report.ok and {g.status for g in report.graphs} == {"content equal"}


def test_many_graphs_push_and_query(store: str, tmp_path: Path) -> None:
    """Hundreds of graphs: read back in a few requests, and named in the query text
    (Virtuoso echoes each protocol graph parameter as a header, over Python's limit)."""
    base = "https://example.org/many/"
    lines = [f"<{base}graph/registry> {{ <urn:x> <urn:count> 150 }}"]
    lines += [f"<{base}graph/g{i}> {{ <urn:s{i}> <urn:p> <urn:x> }}" for i in range(150)]
    path = tmp_path / "many.trig"
    path.write_text("\n".join(lines) + "\n")
    report = push_seeds(path, store)
    assert report.ok and len(report.graphs) == 152  # with the union
    assert report.requests < 152 + 10  # one write a graph; a few reads for all of them
    query = (
        "SELECT (COUNT(DISTINCT ?g) AS ?graphs) (COUNT(*) AS ?triples) "
        "WHERE { GRAPH ?g { ?s ?p ?o } }"
    )
    answer = run_query_endpoint(store, query, base=base)
    assert [int(str(v)) for v in answer.rows[0]] == [151, 151]  # the union is not a source
