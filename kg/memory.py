"""Give freed memory back to the operating system.

Oxigraph and pyshacl-turbo allocate through the C allocator; glibc keeps what
they free for reuse by the same thread, so a throw-away million-statement store
stays in the process's resident set long after it is gone. At that size this is
a few hundred megabytes, the difference between fitting a memory budget or not.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        function: Callable[[int], int] = ctypes.CDLL(name).malloc_trim  # glibc only
    except (OSError, AttributeError, TypeError):
        return None
    return function


def release_free_memory() -> bool:
    """Return the C allocator's free pages to the system; False where that is not possible."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True


__all__ = ["release_free_memory"]
