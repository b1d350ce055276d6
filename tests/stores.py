"""Real triple stores for the tests: OpenLink Virtuoso 7 (Debian's virtuoso-opensource) on
127.0.0.1, with a temporary database directory and free ports, stopped afterwards."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg.serve import free_port

VIRTUOSO_USER, VIRTUOSO_PASSWORD = "dba", "dba"  # a fresh database's administrator
INSTALL_HINT = (
    "Virtuoso is not installed, so the Virtuoso store tests cannot run: "
    "apt-get install virtuoso-opensource (.ci/run does this on CI), or set KG_VIRTUOSO"
)


def virtuoso_binary() -> Path | None:
    for candidate in (os.environ.get("KG_VIRTUOSO"), shutil.which("virtuoso-t")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


@dataclass(frozen=True)
class Virtuoso:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]

    @property
    def query_url(self) -> str:
        return f"{self.url}/sparql"

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)


INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 1
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 4
MaxKeepAlives = 4
[SPARQL]
ResultSetMaxRows = 10000
MaxQueryExecutionTime = 60
"""


@contextlib.contextmanager
def virtuoso_server(data_dir: Path | None = None, timeout: float = 60.0) -> Iterator[Virtuoso]:
    """``virtuoso-t +foreground`` on free 127.0.0.1 ports; its defaults otherwise (a query
    answer holds at most 10,000 rows, updates need Digest authentication)."""
    binary = virtuoso_binary()
    if binary is None:
        raise RuntimeError(INSTALL_HINT)
    scratch = Path(tempfile.mkdtemp(prefix="kg-virtuoso-"))
    directory = data_dir or scratch
    directory.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(INI.format(dir=directory, sql_port=sql_port, http_port=http_port))
    log = (scratch / "stdout.log").open("ab")
    process = subprocess.Popen(
        [str(binary), "-c", str(ini), "+foreground"],
        cwd=directory,
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Virtuoso(f"http://127.0.0.1:{http_port}", directory, process)
    try:
        _wait_until_answering(server, timeout)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)


def _wait_until_answering(server: Virtuoso, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    probe = server.query_url + "?query=ASK%7B%7D"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"virtuoso stopped on start: {_tail(server.data_dir)}")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with (
            contextlib.suppress(OSError, urllib.error.URLError),
            opener.open(probe, timeout=2) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"virtuoso did not answer within {timeout:g} s: {_tail(server.data_dir)}")


def _tail(directory: Path) -> str:
    with contextlib.suppress(OSError):
        return "\n".join((directory / "virtuoso.log").read_text().splitlines()[-10:])
    return ""


@pytest.fixture(autouse=True)
def clean_store_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials or proxies from the machine running the tests (imported by the
    store test modules, where it applies to every test)."""
    for name in ("KG_STORE_TOKEN", "KG_STORE_USER", "KG_STORE_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
