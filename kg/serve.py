"""A local SPARQL server for a built graph: the Oxigraph server binary from the PyPI
package ``oxigraph`` (``pip install kg[store]``), on 127.0.0.1 only.

The graph is loaded into a temporary data directory, served until the process is
stopped, and the directory is removed afterwards, however the server stopped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from kg.defaults import SERVE_PORT
from kg.diskstore import open_persistent
from kg.errors import KgError

HOST = "127.0.0.1"
DEFAULT_PORT = SERVE_PORT
ENV_BINARY = "KG_OXIGRAPH"
EXECUTABLE = "oxigraph.exe" if os.name == "nt" else "oxigraph"


@dataclass(frozen=True, slots=True)
class LocalServer:
    """A running Oxigraph server and its URLs."""

    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]

    @property
    def query_url(self) -> str:
        return f"{self.url}/query"

    @property
    def update_url(self) -> str:
        return f"{self.url}/update"

    @property
    def store_url(self) -> str:
        return f"{self.url}/store"


def oxigraph_binary() -> Path:
    """The ``oxigraph`` executable: ``$KG_OXIGRAPH``, beside this Python, or on PATH."""
    candidates = [os.environ.get(ENV_BINARY), Path(sys.executable).parent / EXECUTABLE]
    candidates.append(shutil.which("oxigraph"))
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise KgError(
        "the oxigraph server is not installed: pip install 'kg[store]' (or set KG_OXIGRAPH)"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def oxigraph_server(
    graph: Path | None = None,
    *,
    port: int = 0,
    data_dir: Path | None = None,
    union_default_graph: bool = True,
    timeout: float = 30.0,
) -> Iterator[LocalServer]:
    """Run ``oxigraph serve`` on 127.0.0.1:``port`` (0: any free port), loaded with ``graph``.

    The data live in ``data_dir`` if given (kept afterwards), else in a temporary
    directory that is removed on exit. A store directory written by ``kg build
    --store`` is served as it is, read-only (no update, no graph store writes). With
    ``union_default_graph``, queries without ``GRAPH`` see every named graph, as
    ``kg query`` does (a kg store's default graph holds their union already).
    """
    binary = oxigraph_binary()
    scratch = Path(tempfile.mkdtemp(prefix="kg-serve-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        data = data_dir or scratch / "data"
        log_path = scratch / "oxigraph.log"
        persistent = graph is not None and graph.is_dir()
        if persistent:
            assert graph is not None
            open_persistent(graph)  # refuses a store older than the TriG beside it
            data = graph
        elif graph is not None:
            _load(binary, graph, data, log_path, timeout)
        port = port or free_port()
        _check_port_free(port)
        mode = "serve-read-only" if persistent else "serve"
        command = [str(binary), mode, "--location", str(data), "--bind", f"{HOST}:{port}"]
        if union_default_graph and not persistent:  # a kg store holds the union already
            command.append("--union-default-graph")
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
            )
        _wait_until_listening(process, port, timeout, log_path)
        yield LocalServer(f"http://{HOST}:{port}", data, process)
    finally:
        if process is not None:
            stop(process)
        shutil.rmtree(scratch, ignore_errors=True)


def _load(binary: Path, graph: Path, data: Path, log_path: Path, timeout: float) -> None:
    if not graph.is_file():
        raise KgError(f"{graph}: no such graph file; run 'kg build' first")
    with log_path.open("ab") as log:
        try:
            done = subprocess.run(
                [str(binary), "load", "--location", str(data), "--file", str(graph)],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                timeout=max(timeout, 120.0),
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise KgError(f"{graph}: loading into oxigraph took too long") from None
    if done.returncode != 0:
        raise KgError(f"{graph}: oxigraph could not load it:\n{_tail(log_path)}")


def _check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            raise KgError(f"port {port} on {HOST} is in use: choose another with --port") from None


def _wait_until_listening(
    process: subprocess.Popen[bytes], port: int, timeout: float, log_path: Path
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise KgError(f"oxigraph stopped on start (port {port} in use?):\n{_tail(log_path)}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise KgError(f"oxigraph did not listen on {HOST}:{port} within {timeout:g} s")


def _tail(path: Path, lines: int = 10) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def stop(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Terminate the server, and kill it if it does not stop within ``grace`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(grace)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def site_server(site: Path, port: int = 0) -> Iterator[str]:
    """Serve a static directory (the site ``kg report`` writes) on 127.0.0.1 in a thread,
    read-only, until the block ends; yields its URL. Oxigraph's server serves SPARQL
    only, so the report is served beside it on a port of its own."""
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    if not (site / "index.html").is_file():
        raise KgError(f"{site}: no index.html; write a site there with kg report first")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """No access log on the terminal kg serve prints its URLs to."""

    try:
        httpd = ThreadingHTTPServer((HOST, port), partial(Quiet, directory=str(site)))
    except OSError as exc:
        raise KgError(f"cannot serve {site} on {HOST}:{port}: {exc.strerror}") from None
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def serve(
    graph: Path,
    port: int = DEFAULT_PORT,
    announce: Callable[[str], None] = print,
    site: Path | None = None,
    site_port: int = 0,
) -> int:
    """Serve ``graph`` until Ctrl-C (or SIGTERM, SIGHUP); 0 when stopped, 1 if the server died.

    With ``site``, the static report in that directory is served too, on ``site_port``
    (a free port when 0), and its URL announced.
    """
    stops = [signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]
    previous = {sig: signal.signal(sig, _interrupt) for sig in stops}
    try:
        with contextlib.ExitStack() as stack:
            server = stack.enter_context(oxigraph_server(graph, port=port))
            site_url = stack.enter_context(site_server(site, site_port)) if site else None
            announce(f"SPARQL endpoint: {server.query_url}")
            if graph.is_dir():
                announce(f"read-only: {graph} is served as it is")
            else:
                announce(f"update: {server.update_url}  graph store: {server.store_url}")
            if site_url is not None:
                announce(f"report: {site_url}")
            announce("press Ctrl-C to stop")
            code = server.process.wait()
            announce(f"oxigraph stopped by itself (exit code {code})")
            return 1
    except KeyboardInterrupt:
        print("kg: stopped; the temporary data directory was removed", file=sys.stderr)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


__all__ = [
    "DEFAULT_PORT",
    "LocalServer",
    "free_port",
    "oxigraph_binary",
    "oxigraph_server",
    "serve",
    "site_server",
]
