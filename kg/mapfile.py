"""Files read in place (memory-mapped) rather than copied into the process.

kg's caches are only ever replaced (written beside, then renamed) or appended to,
never rewritten in place, so a mapping taken by one build stays what it was while
that build reads it; a rebuild reads a few parts of files of a hundred megabytes.
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path


def mapped(path: Path) -> bytes | mmap.mmap | None:
    """The file's bytes, mapped read-only (``b""`` if empty); None if it cannot be read."""
    try:
        with path.open("rb") as stream:
            if os.fstat(stream.fileno()).st_size == 0:
                return b""
            return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


__all__ = ["mapped"]
