"""kg push against servers that misbehave: trickling, malformed, cut-off and reset answers,
Ctrl-C and a killed kg, Digest challenges, batches refused as too large, bad option
values. Fake servers are threads on 127.0.0.1 speaking raw HTTP; no mocks."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from stores import clean_store_environment  # noqa: F401 (an autouse fixture)

import kg
from kg import cli
from kg.pushstate import UNKNOWN, WRITTEN, Marker, marker_path
from kg.store import PushError, push
from kg.storecheck import compare
from kg.storehttp import StoreError

GOLDEN_SEEDS = Path(__file__).resolve().parent / "fixtures" / "golden" / "seeds"
REGISTRY = "https://w3id.org/kg/id/graph/registry"
REPORT = "https://w3id.org/kg/id/graph/harbour-report"
UNION = "https://w3id.org/kg/id/graph/union"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def golden_bytes() -> bytes:
    return kg.build(GOLDEN_SEEDS, run_validation=False).serialise(kg.Format.TRIG)


@pytest.fixture
def golden_file(golden_bytes: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "graph.trig"
    path.write_bytes(golden_bytes)
    return path


# -- a raw HTTP server: each connection is handed to a function ---------------------------


class Request:
    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        self.method, self.path, self.headers, self.body = method, path, headers, body


Answer = Callable[[socket.socket, Request, int], None]


def read_request(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return Request(method, path, headers, body)


def reply(conn: socket.socket, status: str, body: bytes = b"", headers: str = "") -> None:
    head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
    conn.sendall(f"{head}{headers}\r\n".encode() + body)


@pytest.fixture
def raw_server() -> Iterator[Callable[[Answer], tuple[str, list[Request]]]]:
    stops: list[Callable[[], None]] = []

    def start(answer: Answer) -> tuple[str, list[Request]]:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.settimeout(0.1)
        seen: list[Request] = []
        stopping = threading.Event()

        def handle(conn: socket.socket) -> None:
            with conn:
                conn.settimeout(30)
                try:
                    request = read_request(conn)
                    if request is None:
                        return
                    seen.append(request)
                    answer(conn, request, len(seen))
                except OSError:
                    pass

        def loop() -> None:
            while not stopping.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                threading.Thread(target=handle, args=(conn,), daemon=True).start()

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()

        def stop() -> None:
            stopping.set()
            thread.join(5)
            listener.close()

        stops.append(stop)
        return f"http://127.0.0.1:{listener.getsockname()[1]}", seen

    yield start
    for stop in stops:
        stop()


def ok(conn: socket.socket, request: Request, number: int) -> None:
    reply(conn, "204 No Content")


def trickle_body(conn: socket.socket, request: Request, number: int) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(300):
        conn.sendall(b".")
        time.sleep(0.1)


def trickle_headers(conn: socket.socket, request: Request, number: int) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 300:
        conn.sendall(bytes([byte]))
        time.sleep(0.1)


# -- bounded time ---------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [trickle_body, trickle_headers], ids=["body", "headers"])
def test_timeout_bounds_the_whole_request_against_a_trickling_server(
    raw_server: Callable[[Answer], tuple[str, list[Request]]],
    golden_file: Path,
    capsys: pytest.CaptureFixture[str],
    answer: Answer,
) -> None:
    url, seen = raw_server(answer)
    started = time.monotonic()
    code = cli.main(
        ["push", str(golden_file), "--endpoint", url + "/query", "--timeout", "1", "--no-verify"]
    )
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 2
    assert "one request gives up after at most 12.5 s" in err  # 5 x 1 s + 0.5+1+2+4 s pauses
    assert "no complete answer within 1 s" in err
    assert elapsed < 4, "a trickle of bytes kept the request alive"
    assert f"unknown (1):\n  <{REPORT}>" in err  # the server may have stored it
    assert "Traceback" not in err
    assert len(seen) == 1  # a timeout is not retried


@pytest.mark.parametrize(
    "args",
    [
        ["--timeout", "0"],
        ["--timeout", "-1"],
        ["--timeout", "nan"],
        ["--timeout", "inf"],
        ["--timeout", "soon"],
        ["--retries", "-1"],
        ["--batch-size", "0"],
    ],
)
def test_bad_option_values_exit_2(
    args: list[str], golden_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["push", str(golden_file), "--endpoint", "http://127.0.0.1:9/query", *args])
    assert stopped.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "options", [{"timeout": float("nan")}, {"timeout": 0}, {"retries": -1}, {"batch_size": 0}]
)
def test_bad_option_values_in_python(options: dict[str, float], golden_file: Path) -> None:
    with pytest.raises(StoreError):
        push(golden_file, "http://127.0.0.1:9/query", **options)  # type: ignore[arg-type]


# -- malformed answers ----------------------------------------------------------------------


def not_http(conn: socket.socket, request: Request, number: int) -> None:
    conn.sendall(b"garbage, not HTTP\r\n\r\n")


def cut_off(conn: socket.socket, request: Request, number: int) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")


def hang_up(conn: socket.socket, request: Request, number: int) -> None:
    return None  # closes the connection without a word


def reset(conn: socket.socket, request: Request, number: int) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (not_http, "BadStatusLine"),
        (cut_off, "IncompleteRead"),
        (hang_up, "RemoteDisconnected"),
        (reset, "Connection"),
    ],
)
def test_malformed_answers_are_reported_not_raised(
    raw_server: Callable[[Answer], tuple[str, list[Request]]],
    golden_file: Path,
    capsys: pytest.CaptureFixture[str],
    answer: Answer,
    reason: str,
) -> None:
    url, seen = raw_server(answer)
    code = cli.main(
        ["push", str(golden_file), "--endpoint", url + "/query", "--retries", "1", "--no-verify"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert reason in err and "after 2 attempts" in err
    assert f"unknown (1):\n  <{REPORT}>" in err
    assert f"not written (2):\n  <{REGISTRY}>\n  <{UNION}>" in err
    assert "Traceback" not in err
    assert len(seen) == 2


# -- interrupted pushes leave a marker; the next push reports and repairs it ----------------


def test_ctrl_c_reports_each_graph_and_resume_finishes(
    raw_server: Callable[[Answer], tuple[str, list[Request]]],
    golden_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def interrupt_second(conn: socket.socket, request: Request, number: int) -> None:
        if number == 2:  # Ctrl-C while the registry is in flight
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        reply(conn, "204 No Content")

    url, seen = raw_server(interrupt_second)
    command = ["push", str(golden_file), "--endpoint", url + "/query", "--no-verify"]
    assert cli.main(command) == 130
    err = capsys.readouterr().err
    assert f"push interrupted at graph <{REGISTRY}>: Ctrl-C" in err
    assert f"written (1):\n  <{REPORT}>" in err
    assert f"unknown (1):\n  <{REGISTRY}>" in err
    assert f"not written (1):\n  <{UNION}>" in err
    marker = Marker.read(marker_path(golden_file, url + "/store"))
    assert marker is not None
    assert marker.graphs == {REPORT: WRITTEN, REGISTRY: UNKNOWN, UNION: "not written"}

    assert cli.main([*command, "--resume"]) == 0
    err = capsys.readouterr().err
    assert "did not finish" in err and f"unknown (1):\n    <{REGISTRY}>" in err
    assert f"skipped <{REPORT}>" in err
    assert [urllib.parse.unquote(r.path.split("graph=")[1]) for r in seen[2:]] == [
        REGISTRY,
        UNION,
    ]
    assert not marker.path.exists()  # finished: the marker is gone


def test_a_killed_kg_leaves_a_marker_that_the_next_push_reports(
    raw_server: Callable[[Answer], tuple[str, list[Request]]],
    golden_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    arrived = threading.Event()

    def hang_on_second(conn: socket.socket, request: Request, number: int) -> None:
        if number == 2:
            arrived.set()
            time.sleep(5)
        reply(conn, "204 No Content")

    url, _ = raw_server(hang_on_second)
    command = ["push", str(golden_file), "--endpoint", url + "/query", "--no-verify"]
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert arrived.wait(30)
        process.kill()  # no handler runs: only the marker tells
        process.wait(10)
    finally:
        if process.poll() is None:  # pragma: no cover - only when the test fails
            process.kill()
    marker = Marker.read(marker_path(golden_file, url + "/store"))
    assert marker is not None and marker.graphs[REPORT] == WRITTEN
    assert marker.graphs[REGISTRY] == UNKNOWN
    assert cli.main(command) == 0
    err = capsys.readouterr().err
    assert "did not finish" in err and "this push replaces every graph" in err
    assert not marker.path.exists()


def test_resume_refuses_a_changed_graph_file(
    raw_server: Callable[[Answer], tuple[str, list[Request]]],
    golden_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, _ = raw_server(ok)
    where = marker_path(golden_file, url + "/store")
    Marker.begin(where, url + "/store", "0" * 64, [REPORT, REGISTRY])
    command = ["push", str(golden_file), "--endpoint", url + "/query", "--no-verify", "--resume"]
    assert cli.main(command) == 2
    assert "changed since the unfinished push" in capsys.readouterr().err


# -- HTTP Digest ------------------------------------------------------------------------------

USER, PASSWORD = "curator", "s3cret-Passw0rd"


def digest_server(nonce: str = "n0nce") -> tuple[Answer, list[str]]:
    """Answers 401 with a Digest challenge unless the request carries the right answer."""
    authorizations: list[str] = []

    def answer(conn: socket.socket, request: Request, number: int) -> None:
        header = request.headers.get("authorization", "")
        authorizations.append(header)
        values = urllib.request.parse_keqv_list(
            urllib.request.parse_http_list(header.partition(" ")[2])
        )

        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()

        if header.startswith("Digest ") and values.get("nonce") == nonce:
            ha1 = md5(f"{USER}:kg:{PASSWORD}")
            ha2 = md5(f"{request.method}:{values['uri']}")
            expected = md5(f"{ha1}:{nonce}:{values['nc']}:{values['cnonce']}:auth:{ha2}")
            if values["response"] == expected and values["uri"] == request.path:
                reply(conn, "204 No Content")
                return
        challenge = (
            f'WWW-Authenticate: Digest realm="kg", nonce="{nonce}", qop="auth", algorithm=MD5\r\n'
        )
        reply(conn, "401 Unauthorized", b"", challenge)

    return answer, authorizations


def test_digest_authentication(
    raw_server: Callable[[Answer], tuple[str, list[Request]]],
    golden_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answer, authorizations = digest_server()
    url, seen = raw_server(answer)
    monkeypatch.setenv("KG_STORE_USER", USER)
    monkeypatch.setenv("KG_STORE_PASSWORD", PASSWORD)
    report = push(golden_file, url + "/query", verify=False, retries=0)
    assert len(report.graphs) == 3
    assert authorizations[0] == ""  # no password in any form before the challenge
    assert all(a.startswith("Digest ") for a in authorizations[1:])
    assert len(seen) == 4  # the challenge, then one request per graph (the nonce is reused)
    assert not any(PASSWORD in a for a in authorizations)


def test_wrong_digest_password_is_refused_and_never_shown(
    raw_server: Callable[[Answer], tuple[str, list[Request]]],
    golden_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answer, _ = digest_server()
    url, seen = raw_server(answer)
    monkeypatch.setenv("KG_STORE_USER", USER)
    monkeypatch.setenv("KG_STORE_PASSWORD", "wrong")
    with pytest.raises(PushError) as caught:
        push(golden_file, url + "/query", verify=False, retries=0)
    text = str(caught.value)
    assert "HTTP 401" in text and "refused the credentials" in text and "(Digest)" in text
    assert "wrong" not in text.replace("wrong URL", "")
    assert len(seen) == 2


# -- batches a store refuses as too large -----------------------------------------------------


def test_a_batch_refused_as_too_large_is_split(
    raw_server: Callable[[Answer], tuple[str, list[Request]]], golden_file: Path
) -> None:
    def virtuoso_like(conn: socket.socket, request: Request, number: int) -> None:
        if request.body.count(b"\n") > 60:
            message = b"Virtuoso 37000 Error SP031: SPARQL: Internal error: generated SQL text"
            reply(conn, "400 Bad Request", message)
        else:
            reply(conn, "204 No Content")

    url, seen = raw_server(virtuoso_like)
    messages: list[str] = []
    report = push(
        golden_file, url + "/query", verify=False, method="update", progress=messages.append
    )
    assert any(re.search(r"refused \d+ triples in one request as too large", m) for m in messages)
    accepted = [r.body.decode() for r in seen if r.body.count(b"\n") <= 60]
    sent = sum(b.count(" .\n") for b in accepted)
    assert sent == sum(g.sent for g in report.graphs)  # every triple went, once
    drops = [b for b in accepted if b.startswith("DROP SILENT GRAPH")]
    assert len(drops) == 3  # each graph replaced once, by its first batch


# -- comparing content ------------------------------------------------------------------------


def test_compare_names_normalisations_and_reports_differences() -> None:
    s, p = URIRef("urn:s"), URIRef("urn:p")
    sent = [
        (s, p, Literal("5", datatype=URIRef(XSD + "nonNegativeInteger"))),
        (s, p, Literal("100.0", datatype=URIRef(XSD + "decimal"))),
        (s, p, Literal("x", lang="en-GB")),
        (s, p, Literal("kept")),
        (s, p, Literal("lost")),
    ]
    held = [
        (s, p, Literal("5", datatype=URIRef(XSD + "integer"))),
        (s, p, Literal("100", datatype=URIRef(XSD + "decimal"))),
        (s, p, Literal("x", lang="en-gb")),
        (s, p, Literal("kept")),
        (s, p, Literal("new")),
    ]
    result = compare(sent, held)
    names = {n.name: n.count for n in result.normalisations}
    assert names == {
        "xsd:nonNegativeInteger stored as xsd:integer": 1,
        "xsd:decimal written in canonical form": 1,
    }  # language tags differing in case only are the same term (RDF 1.1, and rdflib)
    assert (result.missing, result.extra) == (1, 1)
    assert result.missing_examples == ('<urn:s> <urn:p> "lost" .',)
    assert result.extra_examples == ('<urn:s> <urn:p> "new" .',)
    assert not result.same_values
    assert compare(sent[:4], held[:4]).same_values
    assert compare(sent, sent).equal


def test_kg_offsets_and_decimals_round_trip(golden_bytes: bytes) -> None:
    """The datatype choice behind 'content equal' on Oxigraph: offsets are xsd:integer,
    decimals canonical, so no term of kg's own output is one a store rewrites."""
    text = golden_bytes.decode()
    assert "nonNegativeInteger" not in text
    assert "100.0" not in text and "turnoutPercent" in text


def test_a_differing_store_exits_1(
    raw_server: Callable[[Answer], tuple[str, list[Request]]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    graph = "https://example.org/g"
    dataset = Dataset()
    dataset.graph(URIRef(graph)).add((URIRef("urn:s"), URIRef("urn:p"), Literal("sent")))
    path = tmp_path / "one.trig"
    dataset.serialize(path, format="trig")

    def store(conn: socket.socket, request: Request, number: int) -> None:
        if request.method == "PUT":
            reply(conn, "204 No Content")
            return
        query = urllib.parse.parse_qs(request.body.decode())["query"][0]
        if "COUNT" in query:
            rows = [{"g": {"type": "uri", "value": graph}, "n": {"type": "literal", "value": "1"}}]
            variables = ["g", "n"]
        else:
            rows = [
                {
                    "g": {"type": "uri", "value": graph},
                    "s": {"type": "uri", "value": "urn:s"},
                    "p": {"type": "uri", "value": "urn:p"},
                    "o": {"type": "literal", "value": "changed"},
                }
            ]
            variables = ["g", "s", "p", "o"]
        body = json.dumps({"head": {"vars": variables}, "results": {"bindings": rows}})
        reply(conn, "200 OK", body.encode(), "Content-Type: application/sparql-results+json\r\n")

    url, _ = raw_server(store)
    assert cli.main(["push", str(path), "--endpoint", url + "/query"]) == 1
    out, err = capsys.readouterr()
    assert f"       1         1  DIFFERS        {graph}" in out
    assert 'missing: <urn:s> <urn:p> "sent" .' in err
    assert 'unexpected: <urn:s> <urn:p> "changed" .' in err


def test_an_unwritable_marker_stops_the_push_before_it_writes(
    raw_server: Callable[[Answer], tuple[str, list[Request]]],
    golden_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, seen = raw_server(ok)
    marker_path(golden_file, url + "/store").mkdir()  # (a read-only directory, as root cannot)
    command = ["push", str(golden_file), "--endpoint", url + "/query", "--no-verify"]
    assert cli.main(command) == 2
    err = capsys.readouterr().err
    assert "cannot write the push marker" in err and "Traceback" not in err
    assert seen == []


@pytest.mark.parametrize(
    "answer",
    [
        {"head": {"vars": ["g"]}, "results": {"bindings": [{"g": {"type": "uri", "value": "x"}}]}},
        {"head": {"vars": ["g", "n"]}, "results": {"bindings": [{"g": {}, "n": {}}]}},
        {"results": []},
    ],
    ids=["missing-variable", "malformed-terms", "not-a-table"],
)
def test_a_malformed_query_answer_is_an_error_not_a_traceback(
    raw_server: Callable[[Answer], tuple[str, list[Request]]],
    golden_file: Path,
    capsys: pytest.CaptureFixture[str],
    answer: dict[str, object],
) -> None:
    def store(conn: socket.socket, request: Request, number: int) -> None:
        if request.method == "PUT":
            reply(conn, "204 No Content")
        else:
            reply(conn, "200 OK", json.dumps(answer).encode())

    url, _ = raw_server(store)
    command = ["push", str(golden_file), "--endpoint", url + "/query", "--allow-other-graphs"]
    assert cli.main(command) == 2
    err = capsys.readouterr().err
    assert "all 3 graphs were written, but reading them back failed" in err
    assert "Traceback" not in err
