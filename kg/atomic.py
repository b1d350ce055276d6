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
from pathlib import Path

from kg.errors import OutputError


def write_atomically(files: Mapping[Path, bytes]) -> None:
    """Write every file beside its target, then move them all into place.

    If anything fails before the moves, no target is touched, the temporary files
    are removed, and :class:`~kg.errors.OutputError` names the path and the reason;
    the previous build stays intact. A target that already holds the same bytes is
    left alone, so a rebuild needs free space only for the files that change.
    """
    staged: list[tuple[Path, Path]] = []
    target = Path()
    try:
        for target, content in files.items():
            if _holds(target, content):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            temp = Path(temp_name)
            staged.append((temp, target))
            temp.chmod(0o666 & ~_umask())  # mkstemp makes 0600; outputs are shared files
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
        for temp, target in staged:
            temp.replace(target)
    except OSError as exc:
        raise OutputError(target, exc.strerror or str(exc)) from None
    finally:
        for temp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


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
