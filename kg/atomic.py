"""Files written all or nothing: what every output of kg goes through.

A reader (or a crash) never sees half a file: each file is written beside its
target and moved into place only when every file of the set is complete. Kept
apart from the RDF writers (:mod:`kg.io`) so that any stage, the parse cache
included, can write files without importing the stages downstream of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from kg.errors import OutputError


def write_atomically(files: Mapping[Path, bytes]) -> None:
    """Write every file beside its target, then move them all into place.

    If anything fails before the moves, no target is touched, the temporary files
    are removed, and :class:`~kg.errors.OutputError` names the path and the reason;
    the previous build stays intact. A target that already holds the same bytes is
    left alone, so a rebuild needs free space only for the files that change.
    """
    with StagedFiles(files) as staged:
        staged.commit()


class StagedFiles:
    """Files being written beside their targets, moved into place by :meth:`commit`
    (all of them, or none: :func:`write_atomically`'s promise). Large sets are written
    in threads, while the caller goes on: the kernel's copying, ``fsync`` and SHA-256
    release the GIL, so a build's few hundred megabytes go out on the second core while
    the first finishes the build. ``hashed`` also takes each file's SHA-256 on the way;
    ``threads`` says whether to use them (by default: for more than a megabyte in all).

    Leaving the ``with`` block without a commit removes every temporary file.
    """

    def __init__(
        self, files: Mapping[Path, bytes], *, hashed: bool = False, threads: bool | None = None
    ) -> None:
        self._mode = 0o666 & ~_umask()  # mkstemp makes 0600; outputs are shared files
        self._hashed = hashed
        self._targets: list[Path] = []
        self._temps: dict[Path, Path] = {}
        self._failed: dict[Path, OSError] = {}
        self._hashes: dict[Path, str] = {}
        if threads is None:  # by default, threads for more than a megabyte in several files
            threads = len(files) > 1 and sum(map(len, files.values())) > _PARALLEL_BYTES
        self._pool = ThreadPoolExecutor(max_workers=_WRITERS) if threads else None
        self._pending: list[Future[None]] = []
        self._made_dirs: set[Path] = set()
        self.add(files)

    def add(self, files: Mapping[Path, bytes]) -> None:
        """Stage more files (written after those already staged, moved with them)."""
        for target, content in files.items():
            self._targets.append(target)
            for parent in target.parents:  # made for it, so removed if nothing is moved
                if parent.exists():
                    break
                self._made_dirs.add(parent)
            if self._pool is None:
                self._stage(target, content)
            else:
                self._pending.append(self._pool.submit(self._stage, target, content))

    def digests(self) -> dict[Path, str]:
        """Each staged file's SHA-256 (hex), once written (``hashed`` files only)."""
        self._wait()
        return {target: self._hashes[target] for target in self._targets}

    def commit(self) -> None:
        """Move every staged file into place, or raise :class:`OutputError` (naming the
        first file that failed) and touch none."""
        self._wait()
        failed = [target for target in self._targets if target in self._failed]
        if failed:
            exc = self._failed[failed[0]]
            raise OutputError(failed[0], exc.strerror or str(exc))
        self._close()
        self._made_dirs.clear()  # they hold the targets now
        for target in self._targets:
            temp = self._temps.pop(target, None)
            if temp is not None:
                try:
                    temp.replace(target)
                except OSError as exc:
                    raise OutputError(target, exc.strerror or str(exc)) from None

    def discard(self) -> None:
        """Remove the temporary files not moved into place (a no-op after a commit)."""
        try:
            self._wait()
        finally:
            self._close()
            for temp in self._temps.values():
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()
            self._temps.clear()
            for made in sorted(self._made_dirs, key=lambda p: len(p.parts), reverse=True):
                with contextlib.suppress(OSError):  # left alone if anything else is in it
                    made.rmdir()
            self._made_dirs.clear()

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, *_: object) -> None:
        self.discard()

    def _wait(self) -> None:
        """Wait for the writing threads. Interrupted, it still waits for those writing
        (without starting the others), so nothing is being written once it returns."""
        try:
            for pending in self._pending:
                pending.result()
        except BaseException:
            self._close(cancel=True)
            raise
        self._pending.clear()

    def _close(self, *, cancel: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)
            self._pool = None

    def _stage(self, target: Path, content: bytes) -> None:
        try:
            if self._hashed:
                self._hashes[target] = hashlib.sha256(content).hexdigest()
            if _holds(target, content):
                return
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            temp = self._temps[target] = Path(temp_name)
            temp.chmod(self._mode)
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as exc:
            self._failed[target] = exc


_WRITERS = 3
_PARALLEL_BYTES = 1 << 20  # below a megabyte in all, threads cost more than they save


def _holds(target: Path, content: bytes) -> bool:
    """Whether ``target`` is a regular file with exactly these bytes already."""
    try:
        return (
            target.is_file()
            and target.stat().st_size == len(content)
            and (target.read_bytes() == content)
        )
    except OSError:
        return False


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


__all__ = ["StagedFiles", "write_atomically"]
