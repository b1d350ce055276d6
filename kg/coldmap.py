"""A cold build's load -> resolve -> (anchor) -> map, run in a forked child process.

Python keeps the heap of the models it frees (pymalloc arenas, fragmentation): mapped in
the build's own process, a large corpus leaves the process ~450 bytes a statement larger
than its statements need, for the rest of the build (~5 GB at ten million). Here a forked
child loads and maps, freeing each document's models once mapped so their heap is reused;
it writes each file's mapping to an unnamed temporary file as it goes, as
:mod:`kg.docunits` keeps one (``marshal`` of ``(quads, labels)``), and the source map
rendered (:func:`kg.sourcemap.sourcemap_json`), then exits and returns its whole heap to the
system. The build's process reads the statements back and keeps the source map as those
bytes (:meth:`kg.sourcemap.Origins.of_map`): what it holds is what the later stages need.

Progress lines, input problems and errors reach the caller as in-process mapping gives
them: progress through the caller's callback, :class:`~kg.errors.InputError` with the same
problems, any other exception as it was raised. Output is the same bytes either way
(``tests/test_coldmap.py`` compares the two).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import pickle
import signal
import struct
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from kg.errors import InputError, KgError
from kg.load import PARALLEL_MIN_FILES, discover
from kg.mapping import FileMapping, MappedGraph, Minter, assemble, check_base, map_files
from kg.resolve import Corpus, Known
from kg.sourcemap import Origins, write_sourcemap

CHILD_MIN_FILES = PARALLEL_MIN_FILES
"""From this many document files a cold build maps in a child process (below it the fork
and the round trip through a file cost more than the memory is worth)."""

Progress = Callable[[str], None]
Loader = Callable[[Progress], Corpus]
_FRAME = struct.Struct("<Q")


def worth_a_child(seeds_dir: Path | str) -> bool:
    """Whether a cold build of ``seeds_dir`` should map in a child: a corpus large enough
    for the models' leftover heap to matter, on a system that can fork."""
    seeds = Path(seeds_dir)
    if not hasattr(os, "fork") or not seeds.is_dir():
        return False  # a missing directory: the in-process path says so
    try:
        return len(discover(seeds)[1]) >= CHILD_MIN_FILES
    except OSError:
        return False


def map_in_child(load: Loader, *, base: str, progress: Progress) -> MappedGraph:
    """``load(progress)`` and map the corpus it returns in a forked child; the mapping.
    Raises what loading or mapping raised (:class:`InputError` with its problems)."""
    with tempfile.TemporaryFile(prefix="kg-map-") as spill:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            os.close(read_end)
            _child(load, base, spill.fileno(), write_end)
        os.close(write_end)
        finished = False
        try:
            files = _follow(read_end, pid, progress)
            finished = True
        finally:
            os.close(read_end)
            if not finished:  # interrupted, or the child's error: no child outlives this
                _stop(pid)
        spill.seek(0)
        return _read_back(spill, files)


def _follow(read_end: int, pid: int, progress: Progress) -> int:
    """Relay the child's messages until it ends; the number of files it mapped."""
    outcome: tuple[str, Any] | None = None
    with os.fdopen(read_end, "rb", closefd=False) as messages:
        while True:
            header = messages.read(_FRAME.size)
            if len(header) < _FRAME.size:
                break
            kind, value = pickle.loads(messages.read(_FRAME.unpack(header)[0]))
            if kind == "progress":
                progress(value)
            else:
                outcome = (kind, value)
    _, status = os.waitpid(pid, 0)
    if outcome is None or os.waitstatus_to_exitcode(status) != 0:
        code = os.waitstatus_to_exitcode(status)
        how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
        raise KgError(f"the process loading and mapping the corpus {how}")
    kind, value = outcome
    if kind == "done":
        return int(value)
    if kind == "input":
        raise InputError(value)
    if kind == "error":
        raise value
    raise KgError(f"loading and mapping the corpus failed:\n{value}")


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _read_back(spill: IO[bytes], files: int) -> MappedGraph:
    """The mapping the child wrote: ``files`` frames of ``(quads, labels)``, then the
    rendered source map to the end of the file."""

    def mappings() -> Iterator[FileMapping]:
        for _ in range(files):
            quads, labels = marshal.loads(_frame(spill))
            yield FileMapping(quads, {}, labels)

    mapped = assemble(mappings(), origins=Origins())
    mapped.origins = Origins.of_map(spill.read())
    return mapped


def _frame(spill: IO[bytes]) -> bytes:
    size = _FRAME.unpack(spill.read(_FRAME.size))[0]
    data = spill.read(size)
    if len(data) != size:
        raise KgError("the mapped corpus's temporary file ended early (is the disk full?)")
    return data


def _child(load: Loader, base: str, spill_fd: int, write_end: int) -> None:  # pragma: no cover
    """In the child: load, map, spill; report on the pipe; exit without returning."""
    with os.fdopen(write_end, "wb") as messages:

        def send(kind: str, value: Any) -> None:
            data = pickle.dumps((kind, value))
            messages.write(_FRAME.pack(len(data)) + data)
            messages.flush()

        try:
            with os.fdopen(os.dup(spill_fd), "wb") as spill:
                files = _map_and_spill(load, lambda line: send("progress", line), base, spill)
            send("done", files)
        except InputError as exc:
            send("input", exc.problems)
        except BaseException as exc:  # everything goes to the parent, interrupts too
            try:
                send("error", exc)
            except Exception:  # an exception that does not pickle
                send("crash", "".join(traceback.format_exception(exc)))
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):  # nothing more to say, and nowhere
                    stream.flush()
    os._exit(0)


def _map_and_spill(load: Loader, progress: Progress, base: str, spill: IO[bytes]) -> int:
    """Load, then map file by file, writing each mapping out and dropping its document's
    models. The mapper reads of other records only what :class:`Known` holds, so the index
    of records is replaced by that, and nothing keeps a mapped document alive (the corpus
    is loaded here, not passed in: a caller's reference would keep it)."""
    corpus = load(progress)
    progress("mapping to RDF")
    minter = Minter(check_base(base))  # where in-process mapping checks it
    shared: dict[Known, Known] = {}
    known = {
        record_id: shared.setdefault(k, k)
        for record_id, entry in corpus.entries.items()
        for k in [Known.of(entry.record)]
    }
    documents = corpus.documents
    lean = Corpus(corpus.registry, [], known=known)
    del corpus, shared
    claims: dict[str, str] = {}
    files = 0
    for mapping in map_files(lean, minter, _drained(documents), registry=True, claims=claims):
        _write_frame(spill, marshal.dumps((mapping.quads, mapping.labels)))
        files += 1
    del lean, known, documents
    write_sourcemap(Origins(claims), spill)  # the rest of the file, not held whole here
    return files


def _drained(documents: list[Any]) -> Iterator[Any]:
    """The documents in order, each let go by the list once handed out."""
    documents.reverse()
    while documents:
        yield documents.pop()


def _write_frame(spill: IO[bytes], data: bytes) -> None:
    spill.write(_FRAME.pack(len(data)))
    spill.write(data)


__all__ = ["CHILD_MIN_FILES", "map_in_child", "worth_a_child"]
