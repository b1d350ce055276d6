"""A cold build's load -> resolve -> (anchor) -> map, run in a forked child process.

Python keeps the heap of the models it frees (pymalloc arenas, fragmentation): mapped in
the build's own process, a large corpus leaves the process ~450 bytes a statement larger
than its statements need, for the rest of the build (~5 GB at ten million). Here a forked
child loads and maps, freeing each document's models once mapped so their heap is reused;
it writes each file's mapping to an unnamed temporary file as it goes, as
:mod:`kg.docunits` keeps one (``marshal`` of ``(quads, labels)``), and the source map
rendered (:func:`kg.sourcemap.sourcemap_json`), then exits and returns its whole heap to the
system. A graph large enough to be validated in groups (:mod:`kg.partition`) is then
validated by a second child, which reads the statements back itself and hands back the
results (:meth:`Spilled.results_in_groups`). The build's process reads the statements
back and keeps the source map as those bytes (:meth:`kg.sourcemap.Origins.of_map`): what
it holds is what the later stages need.

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

from rdflib import Graph

from kg.aside import can_fork
from kg.errors import InputError, KgError
from kg.load import PARALLEL_MIN_FILES, discover
from kg.mapping import FileMapping, MappedGraph, Minter, assemble, check_base, map_files
from kg.partition import results_in_groups
from kg.resolve import Corpus, Known
from kg.sourcemap import Origins, write_sourcemap
from kg.validation import Engine, ValidationResult

CHILD_MIN_FILES = PARALLEL_MIN_FILES
"""From this many document files a cold build maps in a child process (below it the fork
and the round trip through a file cost more than the memory is worth)."""

Progress = Callable[[str], None]
Loader = Callable[[Progress], Corpus]
_FRAME = struct.Struct("<Q")


def worth_a_child(seeds_dir: Path | str) -> bool:
    """Whether a cold build of ``seeds_dir`` should map in a child: a corpus large enough
    for the models' leftover heap to matter, in a process that can fork safely
    (:func:`kg.aside.can_fork`)."""
    seeds = Path(seeds_dir)
    if not can_fork() or not seeds.is_dir():
        return False  # a missing directory: the in-process path says so
    try:
        return len(discover(seeds)[1]) >= CHILD_MIN_FILES
    except OSError:
        return False


class Spilled:
    """A corpus mapped by a child process, in its temporary file: ``files`` frames of
    ``(quads, labels)``, then the rendered source map to the end of the file."""

    def __init__(self, spill: IO[bytes], files: int, statements: int) -> None:
        self.spill = spill
        self.files = files
        self.statements = statements
        """How many quads the files hold."""

    def __enter__(self) -> Spilled:
        return self

    def __exit__(self, *_: object) -> None:
        self.spill.close()

    def _quads(self) -> Iterator[FileMapping]:
        self.spill.seek(0)
        for _ in range(self.files):
            quads, labels = marshal.loads(_frame(self.spill))
            yield FileMapping(quads, {}, labels)

    def mapping(self) -> MappedGraph:
        """The mapping, read back: statements and labels, and the source map kept as the
        bytes of the file it is written to (:meth:`Origins.of_map`)."""
        mapped = assemble(self._quads(), origins=Origins())
        mapped.origins = Origins.of_map(self.spill.read())
        return mapped

    def results_in_groups(
        self, shapes: Graph | None, engine: Engine, progress: Progress
    ) -> list[ValidationResult] | None:
        """:func:`kg.partition.results_in_groups` in another forked child, which reads the
        statements back itself: what validation leaves of the heap (a few GB at ten
        million statements) leaves with it, before this process holds the statements."""

        def validate(_: Progress) -> list[ValidationResult] | None:
            quads = assemble(self._quads()).quads
            return results_in_groups(quads, shapes, engine)

        found: list[ValidationResult] | None = _in_child(validate, progress, "validating")
        return found


def spill_in_child(load: Loader, *, base: str, progress: Progress) -> Spilled:
    """``load(progress)`` and map the corpus it returns in a forked child, which writes
    the mapping to a temporary file. Raises what loading or mapping raised
    (:class:`InputError` with its problems)."""
    spill = tempfile.TemporaryFile(prefix="kg-map-")  # noqa: SIM115 - the Spilled closes it
    try:

        def work(relay: Progress) -> tuple[int, int]:
            with os.fdopen(os.dup(spill.fileno()), "wb") as out:
                return _map_and_spill(load, relay, base, out)

        files, statements = _in_child(work, progress, "loading and mapping")
    except BaseException:
        spill.close()
        raise
    return Spilled(spill, files, statements)


def map_in_child(load: Loader, *, base: str, progress: Progress) -> MappedGraph:
    """:func:`spill_in_child`, read back."""
    with spill_in_child(load, base=base, progress=progress) as spilled:
        return spilled.mapping()


def _in_child(work: Callable[[Progress], Any], progress: Progress, doing: str) -> Any:
    """``work(progress)`` in a forked child: its value, or what it raised, here; its
    progress lines through ``progress`` as they come."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which never returns
        os.close(read_end)
        _child(work, write_end)
    os.close(write_end)
    finished = False
    try:
        value = _follow(read_end, pid, progress, doing)
        finished = True
    finally:
        os.close(read_end)
        if not finished:  # interrupted, or the child's error: no child outlives this
            _stop(pid)
    return value


def _follow(read_end: int, pid: int, progress: Progress, doing: str) -> Any:
    """Relay the child's messages until it ends; what its work returned."""
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
        raise KgError(f"the process {doing} the corpus {how}")
    kind, value = outcome
    if kind == "done":
        return value
    if kind == "input":
        raise InputError(value)
    if kind == "error":
        raise value
    raise KgError(f"{doing} the corpus failed:\n{value}")


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _frame(spill: IO[bytes]) -> bytes:
    size = _FRAME.unpack(spill.read(_FRAME.size))[0]
    data = spill.read(size)
    if len(data) != size:
        raise KgError("the mapped corpus's temporary file ended early (is the disk full?)")
    return data


def _child(work: Callable[[Progress], Any], write_end: int) -> None:  # pragma: no cover
    """In the child: do the work; report on the pipe; exit without returning."""
    with os.fdopen(write_end, "wb") as messages:

        def send(kind: str, value: Any) -> None:
            data = pickle.dumps((kind, value))
            messages.write(_FRAME.pack(len(data)) + data)
            messages.flush()

        try:
            send("done", work(lambda line: send("progress", line)))
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


def _map_and_spill(
    load: Loader, progress: Progress, base: str, spill: IO[bytes]
) -> tuple[int, int]:
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
    files = statements = 0
    for mapping in map_files(lean, minter, _drained(documents), registry=True, claims=claims):
        _write_frame(spill, marshal.dumps((mapping.quads, mapping.labels)))
        files += 1
        statements += len(mapping.quads)
    del lean, known, documents
    write_sourcemap(Origins(claims), spill)  # the rest of the file, not held whole here
    return files, statements


def _drained(documents: list[Any]) -> Iterator[Any]:
    """The documents in order, each let go by the list once handed out."""
    documents.reverse()
    while documents:
        yield documents.pop()


def _write_frame(spill: IO[bytes], data: bytes) -> None:
    spill.write(_FRAME.pack(len(data)))
    spill.write(data)


__all__ = ["CHILD_MIN_FILES", "Spilled", "map_in_child", "spill_in_child", "worth_a_child"]
