"""Work done beside the build, in a forked process, while the build goes on.

Python runs one thread at a time, so the two halves of a rebuild that are both Python
work (validating the focus nodes an edit reaches, and formatting the outputs) run one
after the other on one core. Forked, the child validates with a copy of everything the
build holds (copied only where either side writes, by the kernel) while the parent
formats on the other core; the child hands back its result, pickled, through a pipe.

A fork is only taken where it is safe and cheap: on Linux, from a process running
one thread, native ones included (a fork copies no other thread, so a lock another
thread held would stay held in the child). Elsewhere the work is done at once, in this
process: the same result, later.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from kg.errors import KgError

T = TypeVar("T")

FORK = True
"""Whether work may be forked at all (tests compare both ways)."""


def can_fork() -> bool:
    """Linux, and one thread in this process: Python's, and none started by native code
    (a Rust library's pool would be missing its threads in the child)."""
    if not (FORK and sys.platform.startswith("linux") and threading.active_count() == 1):
        return False
    try:
        return sum(1 for _ in Path("/proc/self/task").iterdir()) == 1
    except OSError:
        return False


class Aside(Generic[T]):
    """The result of ``work()``, computed in a forked child when :func:`can_fork`, else
    here and now. :meth:`result` waits for it; an exception ``work`` raised in the child
    is raised there.

    >>> Aside(lambda: sum(range(10))).result()
    45
    """

    def __init__(self, work: Callable[[], T]) -> None:
        self._value: tuple[bool, object] | None = None
        self._child: tuple[int, int] | None = None
        self._reap: weakref.finalize[[int, int], Aside[T]] | None = None
        if not can_fork():
            try:
                self._value = (True, work())
            except Exception as exc:  # raised by result(), as from a child
                self._value = (False, exc)
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read)
            _run_in_child(work, write)
        os.close(write)
        self._child = (pid, read)
        self._reap = weakref.finalize(self, _reap, pid, read)  # if never asked for

    def result(self) -> T:
        if self._value is None:
            assert self._child is not None
            _, read = self._child
            with os.fdopen(read, "rb", closefd=False) as stream:
                data = stream.read()
            assert self._reap is not None
            self._reap()  # closes the pipe and waits for the child, once
            self._child = None
            if not data:
                raise KgError("the validation process ended without a result (killed?)")
            self._value = pickle.loads(data)
        done, value = self._value
        if not done:
            assert isinstance(value, BaseException)
            raise value
        return value  # type: ignore[return-value]


def _run_in_child(work: Callable[[], object], write: int) -> None:
    """Run ``work``, send (done, result or exception) and leave at once: no exit handlers,
    no flushing of buffers the parent still owns."""
    status = 0
    try:
        try:
            payload = pickle.dumps((True, work()))
        except Exception as exc:
            try:
                payload = pickle.dumps((False, exc))
                pickle.loads(payload)
            except Exception:  # an exception pickle cannot carry: its message, then
                payload = pickle.dumps((False, KgError(f"{type(exc).__name__}: {exc}")))
        with os.fdopen(write, "wb") as stream:
            stream.write(payload)
    except BaseException:  # interrupted, or the parent has gone: nothing to hand back
        status = 1
    finally:
        os._exit(status)


def _reap(pid: int, read: int) -> None:
    with contextlib.suppress(OSError):
        os.close(read)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, 0)


__all__ = ["FORK", "Aside", "can_fork"]
