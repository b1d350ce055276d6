"""Files written all or nothing: what every output of kg goes through.

A reader (or a crash) never sees half a file: each file is written beside its
target and moved into place only when every file of the set is complete. Kept
apart from the RDF writers (:mod:`kg.io`) so that any stage, the parse cache
included, can write files without importing the stages downstream of it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kg.errors import OutputError


def write_atomically(files: Mapping[Path, bytes]) -> None:
    """Write every file beside its target, then move them all into place.

    If anything fails before the moves, no target is touched, the temporary files
    are removed, and :class:`~kg.errors.OutputError` names the path and the reason;
    the previous build stays intact. A target that already holds the same bytes is
    left alone, so a rebuild needs free space only for the files that change.
    Several files are written at once, in threads: the kernel's copying and ``fsync``
    release the GIL, so a build's few hundred megabytes go out on both cores.
    """
    staged: list[Path | None] = [None] * len(files)
    failed: list[tuple[Path, OSError]] = []
    mode = 0o666 & ~_umask()  # mkstemp makes 0600; outputs are shared files. Read here,
    # once: reading it sets it, which the writing threads must not race on.

    def stage(index: int, target: Path, content: bytes) -> None:
        try:
            if _holds(target, content):
                return
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            temp = staged[index] = Path(temp_name)
            temp.chmod(mode)
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as exc:
            failed.append((target, exc))

    try:
        items = list(files.items())
        if len(items) > 1 and sum(len(content) for _, content in items) > _PARALLEL_BYTES:
            with ThreadPoolExecutor(max_workers=min(len(items), _WRITERS)) as pool:
                for done in [pool.submit(stage, i, t, c) for i, (t, c) in enumerate(items)]:
                    done.result()
        else:
            for index, (target, content) in enumerate(items):
                stage(index, target, content)
        if failed:
            target, exc = min(failed, key=lambda pair: list(files).index(pair[0]))
            raise OutputError(target, exc.strerror or str(exc))
        for temp, target in zip(staged, files, strict=True):
            try:
                if temp is not None:
                    temp.replace(target)
            except OSError as exc:
                raise OutputError(target, exc.strerror or str(exc)) from None
    finally:
        for temp in filter(None, staged):
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


_WRITERS = 4
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


__all__ = ["write_atomically"]
