"""Pushing to real triple stores: a real Oxigraph server (the ``oxigraph`` binary from PyPI)
on 127.0.0.1, and tiny local HTTP servers for auth, error and retry behaviour. No mocks."""

from __future__ import annotations

import base64
import http.server
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.term import Node as Term
from stores import clean_store_environment  # noqa: F401 (an autouse fixture)

import kg
from kg import cli
from kg.cli import main
from kg.endpointquery import run_query_endpoint
from kg.serve import LocalServer, free_port, oxigraph_binary, oxigraph_server, stop
from kg.store import (
    Client,
    Credentials,
    PushError,
    PushReport,
    StoreError,
    batches,
    count_triples,
    credentials_from_environment,
    endpoints,
    push,
    select,
)
from kg.storecheck import INTEGER_SUBTYPES

GOLDEN_SEEDS = Path(__file__).resolve().parent / "fixtures" / "golden" / "seeds"
REGISTRY = "https://w3id.org/kg/id/graph/registry"
REPORT = "https://w3id.org/kg/id/graph/harbour-report"
UNION = "https://w3id.org/kg/id/graph/union"


def push_fast(data: Dataset | Path, endpoint: str, **options: Any) -> PushReport:
    """push() with short timeouts and backoff, so failing tests fail fast."""
    return push(data, endpoint, **{"timeout": 10.0, "retries": 2, "backoff": 0.01, **options})


try:
    oxigraph_binary()
except kg.KgError:  # pragma: no cover - dev extras install it
    pytest.skip(
        "the oxigraph binary is not installed (pip install -e '.[store]')", allow_module_level=True
    )


@pytest.fixture(scope="module")
def golden_build() -> kg.Build:
    return kg.build(GOLDEN_SEEDS, run_validation=False)


@pytest.fixture
def golden(golden_build: kg.Build) -> Dataset:
    return golden_build.dataset()


@pytest.fixture(scope="module")
def golden_file(golden_build: kg.Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The golden corpus built to a TriG file, as `kg build` writes it."""
    path = tmp_path_factory.mktemp("golden") / "graph.trig"
    path.write_bytes(golden_build.serialise(kg.Format.TRIG))
    return path


@pytest.fixture
def oxigraph() -> Iterator[LocalServer]:
    """An empty in-memory-like Oxigraph on a free 127.0.0.1 port, stopped afterwards."""
    with oxigraph_server(timeout=15) as server:
        yield server


XSD = "http://www.w3.org/2001/XMLSchema#"

# Oxigraph 0.5 keeps literals in canonical form (every type derived from xsd:integer
# becomes xsd:integer, for one), so answers are compared after the same folding.
INTEGER_TYPES = {URIRef(iri) for iri in INTEGER_SUBTYPES}


def fold(term: Term | None) -> Term | None:
    """Oxigraph keeps literals in canonical form: derived integer types become xsd:integer,
    decimals lose trailing zeros ("100.0" -> "100"), language tags are lower-cased."""
    if isinstance(term, Literal) and term.language:
        return Literal(str(term), lang=term.language.lower())
    if isinstance(term, Literal) and term.datatype in INTEGER_TYPES:
        return Literal(str(term), datatype=URIRef(XSD + "integer"))
    if isinstance(term, Literal) and term.datatype == URIRef(XSD + "decimal"):
        return Literal(
            format(Decimal(str(term)).normalize(), "f"), datatype=URIRef(XSD + "decimal")
        )
    return term


def rows_of(rows: Iterable[Iterable[Term | None]]) -> set[tuple[Term | None, ...]]:
    return {tuple(fold(t) for t in row) for row in rows}


def graph_triples(endpoint: str, graph: str) -> set[tuple[Term | None, ...]]:
    rows = select(endpoint, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return rows_of((r["s"], r["p"], r["o"]) for r in rows)


def local_triples(dataset: Dataset, graph: str) -> set[tuple[Term | None, ...]]:
    return rows_of(dataset.graph(URIRef(graph)).triples((None, None, None)))


# -- a real Oxigraph server --------------------------------------------------------------


QUERIES = [
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT ?thing ?label WHERE { ?thing skos:prefLabel ?label }",
    "SELECT ?class (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?class } GROUP BY ?class",
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
]


@pytest.mark.parametrize("query", QUERIES)
def test_push_then_query_agrees_with_run_query(
    oxigraph: LocalServer, golden_file: Path, query: str
) -> None:
    report = push_fast(golden_file, oxigraph.query_url)
    assert report.ok
    assert {g.graph: g.found for g in report.graphs} == {REGISTRY: 38, REPORT: 648, UNION: 686}
    assert {g.status for g in report.graphs} == {"content equal"}
    local = kg.run_query(kg.read_graph(golden_file), query)
    remote = run_query_endpoint(oxigraph.query_url, query)
    assert remote.rows, "the server answered nothing"
    assert Counter(remote.rows) == Counter(local.rows)  # the same rows, as many times


@pytest.mark.parametrize("method", ["gsp", "update"])
def test_pushing_twice_leaves_no_duplicates(
    oxigraph: LocalServer, golden: Dataset, method: str
) -> None:
    first = push_fast(golden, oxigraph.query_url, method=method)
    again = push_fast(golden, oxigraph.query_url, method=method)
    assert first.graphs == again.graphs
    assert again.ok
    for graph in (REGISTRY, REPORT):
        assert graph_triples(oxigraph.query_url, graph) == local_triples(golden, graph)


def test_pushing_after_one_source_changed_replaces_only_that_graph(
    oxigraph: LocalServer, golden: Dataset, tmp_path: Path
) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(GOLDEN_SEEDS, seeds)
    other = "https://example.org/someone-elses-graph"
    insert = f"INSERT DATA {{ GRAPH <{other}> {{ <urn:a> <urn:b> <urn:c> }} }}"
    Client().request("POST", oxigraph.update_url, insert.encode(), "application/sparql-update")
    push_fast(golden, oxigraph.query_url)
    registry_before = graph_triples(oxigraph.query_url, REGISTRY)
    report_before = graph_triples(oxigraph.query_url, REPORT)

    document = seeds / "report.yaml"
    text = document.read_text(encoding="utf-8")
    document.write_text(
        text.replace("title: Harbour Party picks new secretary", "title: Harbour picks", 1),
        encoding="utf-8",
    )
    changed = kg.build(seeds, run_validation=False).dataset()
    assert local_triples(changed, REPORT) != local_triples(golden, REPORT)
    assert push_fast(changed, oxigraph.query_url).ok

    assert graph_triples(oxigraph.query_url, REGISTRY) == registry_before
    report_after = graph_triples(oxigraph.query_url, REPORT)
    assert report_after == local_triples(changed, REPORT) != report_before
    assert any(str(o) == "Harbour picks" for _, _, o in report_after)
    assert count_triples(oxigraph.query_url, [other]) == {other: 1}  # not ours: untouched


@pytest.mark.parametrize("method", ["gsp", "update"])
def test_large_graphs_go_in_batches(oxigraph: LocalServer, golden: Dataset, method: str) -> None:
    for _ in range(2):
        report = push_fast(golden, oxigraph.query_url, method=method, batch_size=25)
        assert report.ok
        # the check for other corpora, ceil(38/25) + ceil(648/25) + ceil(686/25) writes,
        # one count query and one query reading all three graphs back
        assert report.requests == 1 + (2 + 26 + 28) + 1 + 1
    for graph in (REGISTRY, REPORT):
        assert graph_triples(oxigraph.query_url, graph) == local_triples(golden, graph)


def test_one_target_graph(oxigraph: LocalServer, golden_file: Path) -> None:
    target = "https://example.org/everything"
    report = push_fast(golden_file, oxigraph.query_url, target_graph=target)
    union = {t for g in kg.read_graph(golden_file).graphs() for t in g.triples((None, None, None))}
    assert [(g.graph, g.sent, g.found) for g in report.graphs] == [(target, len(union), len(union))]
    assert count_triples(oxigraph.query_url, [REGISTRY, REPORT]) == {REGISTRY: 0, REPORT: 0}


def test_awkward_terms_and_blank_nodes_survive(oxigraph: LocalServer) -> None:
    dataset = Dataset()
    graph = dataset.graph(URIRef("https://example.org/g"))
    node, inner = BNode(), BNode()
    subject = URIRef("https://example.org/s")
    for value in [
        Literal('quote " backslash \\ newline \n return \r tab \t'),
        Literal("naïve — ünïcödé 🙂", lang="en-GB"),
        Literal("3", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")),
        Literal("\\u0041 stays as written"),
        node,
    ]:
        graph.add((subject, URIRef("https://example.org/p"), value))
    graph.add((node, URIRef("https://example.org/next"), inner))
    graph.add((inner, URIRef("https://example.org/label"), Literal("inner")))
    report = push_fast(dataset, oxigraph.query_url, batch_size=1)
    assert report.ok and report.graphs[0].found == 7
    back = Graph()
    rows = select(
        oxigraph.query_url, "SELECT * WHERE { GRAPH <https://example.org/g> { ?s ?p ?o } }"
    )
    for row in rows:
        back.add((row["s"], row["p"], fold(row["o"])))
    sent = Graph()
    for s, p, o in graph:
        sent.add((s, p, fold(o)))
    assert isomorphic(back, sent)


def test_batches_keep_blank_nodes_together() -> None:
    p = URIRef("urn:p")
    a, b, c = BNode("a"), BNode("b"), BNode("c")
    chain = [(a, p, b), (b, p, c), (c, p, Literal("end"))]
    plain = [(URIRef(f"urn:s{i}"), p, Literal(i)) for i in range(5)]
    out = list(batches([*plain, *chain], 2))
    assert sorted(t for batch in out for t in batch) == sorted([*plain, *chain])
    assert any(set(chain) <= set(batch) for batch in out)
    assert list(batches([], 10)) == [[]]


def test_server_dies_in_the_middle_of_a_push(golden: Dataset, tmp_path: Path) -> None:
    data = tmp_path / "data"
    messages: list[str] = []
    with oxigraph_server(data_dir=data, timeout=15) as server:

        def progress(message: str) -> None:
            messages.append(message)
            if message.startswith("wrote"):
                stop(server.process)  # the server goes away after the first graph

        with pytest.raises(PushError) as caught:
            push_fast(golden, server.query_url, progress=progress)
    error = caught.value
    assert error.written == [REPORT]
    assert error.failed == REGISTRY
    assert error.not_written == [REGISTRY, UNION]  # refused: it never reached the server
    text = str(error)
    assert f"written (1):\n  <{REPORT}>\n" in text
    assert f"not written (2):\n  <{REGISTRY}>\n  <{UNION}>" in text
    assert "ConnectionRefusedError" in text and "after 3 attempts" in text
    assert any("retrying" in m for m in messages)
    with oxigraph_server(data_dir=data, timeout=15) as restarted:  # what the store really holds
        assert count_triples(restarted.query_url, [REPORT, REGISTRY]) == {REPORT: 648, REGISTRY: 0}
        again = push_fast(golden, restarted.query_url)  # pushing again repairs it
        assert {g.status for g in again.graphs} == {"content equal"}


# -- tiny local HTTP servers -------------------------------------------------------------

Behaviour = Callable[[http.server.BaseHTTPRequestHandler, int], tuple[int, dict[str, str], bytes]]


class Recorder:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []


def start_tiny_server(
    behaviour: Behaviour, requests_before_dying: int | None = None
) -> tuple[str, Recorder, Callable[[], None]]:
    """An HTTP server on 127.0.0.1 answering as ``behaviour`` says (for the nth request);
    with ``requests_before_dying``, it closes its socket after that many requests."""
    recorder = Recorder()

    class Handler(http.server.BaseHTTPRequestHandler):
        def _any(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            recorder.requests.append((self.command, self.path, dict(self.headers)))
            status, headers, body = behaviour(self, len(recorder.requests))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_POST = _any  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def serve_then_die(count: int) -> None:
        for _ in range(count):
            server.handle_request()
        server.server_close()

    if requests_before_dying is None:
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    else:
        thread = threading.Thread(target=serve_then_die, args=(requests_before_dying,), daemon=True)
    thread.start()

    def close() -> None:
        if requests_before_dying is None:
            server.shutdown()
        server.server_close()
        thread.join(5)

    return f"http://127.0.0.1:{server.server_address[1]}", recorder, close


@pytest.fixture
def serve_tiny() -> Iterator[Callable[..., tuple[str, Recorder]]]:
    closers: list[Callable[[], None]] = []

    def run(behaviour: Behaviour, **options: int) -> tuple[str, Recorder]:
        url, recorder, close = start_tiny_server(behaviour, **options)
        closers.append(close)
        return url, recorder

    yield run
    for close in closers:
        close()


def ok(*_: object) -> tuple[int, dict[str, str], bytes]:
    return 204, {}, b""


USER, PASSWORD, TOKEN = "curator", "s3cret-Passw0rd", "tok-9f8e7d6c5b4a"


def demands_basic_auth(
    handler: http.server.BaseHTTPRequestHandler, _: int
) -> tuple[int, dict[str, str], bytes]:
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    received = handler.headers.get("Authorization", "")
    if received == expected:
        return 204, {}, b""
    status = 403 if received.startswith("Bearer") else 401
    echo = f"denied; you sent: {received}".encode()  # a careless server echoes the secret
    return status, {"WWW-Authenticate": 'Basic realm="kg"'}, echo


def test_wrong_basic_credentials_are_refused_and_never_shown(
    serve_tiny: Callable[..., tuple[str, Recorder]],
    golden: Dataset,
    golden_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, recorder = serve_tiny(demands_basic_auth)
    monkeypatch.setenv("KG_STORE_USER", USER)
    monkeypatch.setenv("KG_STORE_PASSWORD", "wrong-" + PASSWORD)
    with pytest.raises(StoreError) as caught:
        push_fast(golden, url + "/query", verify=False)
    text = str(caught.value)
    assert "HTTP 401" in text and "KG_STORE_USER/KG_STORE_PASSWORD" in text
    wrong = base64.b64encode(f"{USER}:wrong-{PASSWORD}".encode()).decode()
    assert PASSWORD not in text and wrong not in text and "***" in text
    assert len(recorder.requests) == 2  # the challenge, then one answer; 4xx is never retried

    code = cli.main(["push", str(golden_file), "--endpoint", url + "/query", "--no-verify"])
    out, err = capsys.readouterr()
    assert code == 2 and "HTTP 401" in err
    assert PASSWORD not in out + err and wrong not in out + err


def test_right_basic_credentials_from_environment(
    serve_tiny: Callable[..., tuple[str, Recorder]],
    golden: Dataset,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, recorder = serve_tiny(demands_basic_auth)
    monkeypatch.setenv("KG_STORE_USER", USER)
    monkeypatch.setenv("KG_STORE_PASSWORD", PASSWORD)
    report = push_fast(golden, url + "/query", verify=False)
    assert [g.found for g in report.graphs] == [None, None, None]
    # the first request goes without credentials: the server's challenge says how to send them
    assert [(m, p.split("?")[0]) for m, p, _ in recorder.requests] == [("PUT", "/store")] * 4
    assert "Authorization" not in recorder.requests[0][2]


def test_credentials_from_netrc(
    serve_tiny: Callable[..., tuple[str, Recorder]],
    golden: Dataset,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, recorder = serve_tiny(demands_basic_auth)
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert push_fast(golden, url + "/query", verify=False).ok
    assert len(recorder.requests) == 4


def test_wrong_bearer_token_is_refused_and_never_shown(
    serve_tiny: Callable[..., tuple[str, Recorder]],
    golden: Dataset,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, recorder = serve_tiny(demands_basic_auth)
    monkeypatch.setenv("KG_STORE_TOKEN", TOKEN)
    with pytest.raises(StoreError) as caught:
        push_fast(golden, url + "/query", verify=False)
    assert "HTTP 403" in str(caught.value)
    assert "refused the credentials from KG_STORE_TOKEN" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert recorder.requests[0][2]["Authorization"] == f"Bearer {TOKEN}"


def test_credentials_never_come_from_urls_or_reprs() -> None:
    with pytest.raises(StoreError) as caught:
        push_fast(Dataset(), f"http://{USER}:{PASSWORD}@127.0.0.1:9/query")
    assert PASSWORD not in str(caught.value) and "KG_STORE_USER" in str(caught.value)
    found = credentials_from_environment(
        "http://x/", {"KG_STORE_USER": USER, "KG_STORE_PASSWORD": PASSWORD}
    )
    assert isinstance(found, Credentials)
    assert PASSWORD not in repr(found) and PASSWORD not in str(found)


def test_wrong_path_is_a_404_and_not_retried(oxigraph: LocalServer, golden: Dataset) -> None:
    with pytest.raises(PushError) as caught:
        push_fast(golden, oxigraph.query_url, store_url=oxigraph.url + "/nope")
    assert "HTTP 404" in str(caught.value) and "--store-url" in str(caught.value)
    assert caught.value.written == []
    assert caught.value.not_written == [REPORT, REGISTRY, UNION]


def test_client_errors_are_never_retried(
    serve_tiny: Callable[..., tuple[str, Recorder]], golden: Dataset
) -> None:
    url, recorder = serve_tiny(lambda *_: (400, {}, b"bad request body"))
    with pytest.raises(StoreError, match="HTTP 400"):
        push_fast(golden, url + "/query")
    assert len(recorder.requests) == 1


@pytest.mark.parametrize("status", [503, 429, 502, 504])
def test_transient_errors_are_retried_then_succeed(
    serve_tiny: Callable[..., tuple[str, Recorder]], golden: Dataset, status: int
) -> None:
    def flaky(
        _: http.server.BaseHTTPRequestHandler, count: int
    ) -> tuple[int, dict[str, str], bytes]:
        return (status, {"Retry-After": "0"}, b"busy") if count <= 2 else (204, {}, b"")

    url, recorder = serve_tiny(flaky)
    messages: list[str] = []
    report = push_fast(golden, url + "/query", verify=False, progress=messages.append)
    assert report.requests == 5  # two refusals, then both graphs and their union
    assert len(recorder.requests) == 5
    assert sum("retrying" in m for m in messages) == 2


def test_a_failed_count_says_the_graphs_were_written(
    serve_tiny: Callable[..., tuple[str, Recorder]], golden: Dataset
) -> None:
    url, _ = serve_tiny(lambda h, _: (204, {}, b"") if h.command == "PUT" else (404, {}, b""))
    with pytest.raises(
        StoreError, match=r"all 3 graphs were written, but reading them back failed: .*404"
    ):
        push_fast(golden, url + "/query", allow_other_graphs=True)


def test_retries_run_out(serve_tiny: Callable[..., tuple[str, Recorder]], golden: Dataset) -> None:
    url, recorder = serve_tiny(lambda *_: (503, {}, b"down for maintenance"))
    with pytest.raises(PushError, match=r"HTTP 503 .*after 3 attempts"):
        push_fast(golden, url + "/query", verify=False)
    assert len(recorder.requests) == 3


def test_a_silent_server_times_out(
    serve_tiny: Callable[..., tuple[str, Recorder]], golden: Dataset
) -> None:
    def slow(*_: object) -> tuple[int, dict[str, str], bytes]:
        time.sleep(1.5)
        return 204, {}, b""

    url, recorder = serve_tiny(slow)
    started = time.monotonic()
    with pytest.raises(PushError, match=r"no complete answer within 0.3 s"):
        push_fast(golden, url + "/query", timeout=0.3, verify=False)
    assert time.monotonic() - started < 1.4
    assert len(recorder.requests) == 1


def test_cli_push_exits_non_zero_when_the_server_dies(
    serve_tiny: Callable[..., tuple[str, Recorder]],
    golden_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, recorder = serve_tiny(ok, requests_before_dying=1)
    code = cli.main(["push", str(golden_file), "--endpoint", url, "--retries", "1", "--no-verify"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"written (1):\n  <{REPORT}>\n" in err
    assert f"not written (2):\n  <{REGISTRY}>\n  <{UNION}>" in err
    assert len(recorder.requests) == 1


def test_cli_push_prints_counts(
    oxigraph: LocalServer, golden_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["push", str(golden_file), "--endpoint", oxigraph.query_url, "-q"]) == 0
    out = capsys.readouterr().out
    assert f"     648       648  equal          {REPORT}" in out
    assert f"      38        38  equal          {REGISTRY}" in out


def test_endpoint_urls_for_known_servers() -> None:
    oxigraph = endpoints("http://localhost:7878/query")
    assert (oxigraph.update, oxigraph.store) == (
        "http://localhost:7878/update",
        "http://localhost:7878/store",
    )
    root = endpoints("http://localhost:8000/")  # used as given: some servers answer at /
    assert (root.query, root.update, root.store) == (
        "http://localhost:8000/",
        "http://localhost:8000/update",
        "http://localhost:8000/store",
    )
    virtuoso = endpoints("http://h:8890/sparql")
    assert (virtuoso.update, virtuoso.store) == (
        "http://h:8890/sparql-auth",
        "http://h:8890/sparql-graph-crud-auth",
    )
    fuseki = endpoints("http://h:3030/ds/query", store_url="http://h:3030/ds/data")
    assert (fuseki.update, fuseki.store) == ("http://h:3030/ds/update", "http://h:3030/ds/data")
    graphdb = endpoints("http://h:7200/repositories/kg")
    assert graphdb.update == "http://h:7200/repositories/kg/statements"
    assert graphdb.store == "http://h:7200/repositories/kg/rdf-graphs/service"
    with pytest.raises(StoreError):
        endpoints("file:///etc/passwd")


# -- kg serve ----------------------------------------------------------------------------


def test_kg_serve_answers_queries_and_cleans_up_on_ctrl_c(
    golden_file: Path, tmp_path: Path
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", str(golden_file), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    try:
        lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stdout = process.stdout
        threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
        first = lines.get(timeout=30)
        endpoint = f"http://127.0.0.1:{port}/query"
        assert first.strip() == f"SPARQL endpoint: {endpoint}"
        assert [p.name for p in scratch.iterdir() if p.name.startswith("kg-serve-")]
        assert count_triples(endpoint, [REPORT, REGISTRY]) == {REPORT: 648, REGISTRY: 38}
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:  # pragma: no cover - only when the test fails
            process.kill()
            process.wait(5)
    assert list(scratch.iterdir()) == []
    with pytest.raises(StoreError, match="ConnectionRefusedError"):
        select(endpoint, "SELECT * WHERE { ?s ?p ?o }", Client(retries=0))


def test_kg_serve_serves_the_report_beside_the_endpoint(tmp_path: Path) -> None:
    """kg report's site from kg serve: on a port of its own, the pages and their assets."""
    out = tmp_path / "build"
    assert main(["build", str(GOLDEN_SEEDS), "-o", str(out), "-q"]) == 0
    assert main(["report", str(out), "-o", str(tmp_path / "site"), "-q"]) == 0
    port, site_port = free_port(), free_port()
    command = [sys.executable, "-m", "kg.cli", "serve", str(out / "graph.trig")]
    command += ["--port", str(port), "--site", str(tmp_path / "site")]
    process = subprocess.Popen(
        [*command, "--site-port", str(site_port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stdout = process.stdout
        threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
        announced = [lines.get(timeout=30).strip() for _ in range(3)]
        site = f"http://127.0.0.1:{site_port}/"
        assert f"report: {site}" in announced
        with urllib.request.urlopen(site + "index.html", timeout=10) as page:
            assert page.status == 200 and b"<h1>kg report</h1>" in page.read()
        with urllib.request.urlopen(site + "person/ada-quill.html", timeout=10) as page:
            assert b"Ada Quill" in page.read()
        assert count_triples(f"http://127.0.0.1:{port}/query", [REGISTRY])[REGISTRY] > 0
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:  # pragma: no cover - only when the test fails
            process.kill()
            process.wait(5)


def test_oxigraph_normalisations_are_named_not_counted_as_differences(
    oxigraph: LocalServer,
) -> None:
    dataset = Dataset()
    graph = dataset.graph(URIRef("https://example.org/g"))
    subject, predicate = URIRef("https://example.org/s"), URIRef("https://example.org/p")
    graph.add((subject, predicate, Literal("5", datatype=URIRef(XSD + "nonNegativeInteger"))))
    graph.add((subject, predicate, Literal("100.0", datatype=URIRef(XSD + "decimal"))))
    graph.add((subject, predicate, Literal("kept")))
    messages: list[str] = []
    report = push_fast(dataset, oxigraph.query_url, progress=messages.append)
    (result,) = report.graphs
    assert report.ok and result.status == "content equal up to the store's normalisation"
    assert result.comparison is not None
    assert {n.name for n in result.comparison.normalisations} == {
        "xsd:nonNegativeInteger stored as xsd:integer",
        "xsd:decimal written in canonical form",
    }
    named = "normalised (1): xsd:nonNegativeInteger stored as xsd:integer"
    assert any(named in m for m in messages)


def test_endpoint_parameters_are_terms_not_query_text(
    oxigraph: LocalServer, golden_file: Path
) -> None:
    push_fast(golden_file, oxigraph.query_url)
    query = "SELECT ?name WHERE { ?thing skos:prefLabel ?name }"
    hostile = 'x" ) } } SELECT * WHERE { ?s ?p ?o } #'
    assert run_query_endpoint(oxigraph.query_url, query, {"name": hostile}).rows == ()
    assert run_query_endpoint(oxigraph.query_url, query).rows != ()
