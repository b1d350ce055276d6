"""kg.aside: work forked beside the build gives what it gives in the build's own process."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from kg import aside
from kg.aside import Aside
from kg.build import build
from kg.errors import InputError, KgError

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import synth  # noqa: E402


@pytest.fixture
def alone() -> None:
    """The process as ``kg build`` forks it: threads an earlier test left (a pool winding
    down, Python's or native) waited for first. Where it still cannot fork (not Linux),
    the test is skipped."""
    for thread in threading.enumerate():
        if thread is not threading.main_thread():
            thread.join(timeout=10)
    deadline = time.monotonic() + 10  # a native thread (a Rust pool) winding down
    while not aside.can_fork() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not aside.can_fork():
        pytest.skip("kg.aside forks only on Linux, from a process of one thread")


@pytest.mark.usefixtures("alone")
def test_a_result_and_an_exception_come_back_from_the_child() -> None:
    parent = os.getpid()
    assert Aside(lambda: (os.getpid() != parent, [1, "two"])).result() == (True, [1, "two"])

    def fails() -> None:
        raise InputError([])

    with pytest.raises(KgError, match="InputError"):  # one pickle cannot carry: its message
        Aside(fails).result()

    def refuses() -> None:
        raise KgError("the shapes cannot be used")

    with pytest.raises(KgError, match="the shapes cannot be used"):
        Aside(refuses).result()


@pytest.mark.usefixtures("alone")
def test_a_child_killed_before_it_answers_is_an_error_not_a_hang() -> None:
    parent = os.getpid()

    def dies() -> None:
        if os.getpid() != parent:  # never the test's own process
            os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(KgError, match="ended without a result"):
        Aside(dies).result()


def test_without_a_fork_the_work_is_done_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aside, "FORK", False)
    parent = os.getpid()
    assert Aside(os.getpid).result() == parent


def _rebuilt(home: Path) -> tuple[dict[str, bytes], object, list[str]]:
    """The outputs, report and progress of a rebuild after one edit, in a fresh copy (at
    the same path each time: the source map names the files)."""
    corpus, cache = home / "copy" / "corpus", home / "copy" / "cache"
    shutil.rmtree(home / "copy", ignore_errors=True)
    shutil.copytree(home / "corpus", corpus)
    build(corpus, cache_dir=cache, keep_corpus=False).report  # noqa: B018 - keeps its state
    document = sorted(p for p in corpus.glob("*.yaml") if p.name != synth.REGISTRY)[2]
    document.write_text(document.read_text().replace("title: ", "title: Revised ", 1))
    said: list[str] = []
    made = build(corpus, cache_dir=cache, keep_corpus=False, progress=said.append)
    report = made.report
    files = {path.name: data for path, data in made.render(Path("out")).items()}
    return files, report, [m for m in said if m.startswith("validating")]


@pytest.mark.usefixtures("alone")
def test_validation_forked_beside_a_rebuild_reports_what_it_reports_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synth.generate(tmp_path / "corpus", 10, seed=4, violations=len(synth.VIOLATION_KINDS))
    forks: list[int] = []
    fork = os.fork

    def counted() -> int:
        pid = fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counted)
    forked = _rebuilt(tmp_path)
    assert forks  # the rebuild's validation did run in a child
    monkeypatch.setattr(aside, "FORK", False)
    in_process = _rebuilt(tmp_path)
    assert forked == in_process
    assert "validated again" in forked[2][0]
