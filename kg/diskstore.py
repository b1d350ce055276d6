"""A built graph as an on-disk Oxigraph store, so queries open it instead of parsing TriG.

``kg build --store`` writes ``graph.oxigraph/`` beside ``graph.trig``: the named
graphs as in the TriG, and a default graph holding their union as a set (what
:func:`kg.query.open_store` makes in memory), so every query answers the same on
either. The directory is built beside its target and renamed into place, so a
failed build leaves the previous store; readers open it read-only, so any number
of them can read at once.

A stamp inside the store (``kg-store.json``) records the SHA-256 of the TriG it
was loaded from, and that file's size and modification time once written: a
store is taken for ``graph.trig`` only while the two agree, never for an older graph.
Where a previous store is in place, the next one is staged by updating a copy of it
(:mod:`kg.storeupdate`) rather than loading every statement again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import KgError, OutputError
from kg.storeupdate import (
    Blocks,
    NotUpdatableError,
    plan_update,
    split_trig,
    update_copy,
    write_record,
    write_store,
)

STORE_SUFFIX = ".oxigraph"
STAMP = "kg-store.json"
STAMP_FORMAT = 1


def store_beside(trig: Path) -> Path:
    """Where ``kg build --store`` puts the store of ``trig``: ``graph.oxigraph``."""
    return trig.with_suffix(STORE_SUFFIX)


def is_store(path: Path) -> bool:
    """Whether ``path`` is a store directory kg wrote (it holds kg's stamp)."""
    return path.is_dir() and (path / STAMP).is_file()


def _stamp(store: Path) -> dict[str, Any] | None:
    try:
        stamp = json.loads((store / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("format") != STAMP_FORMAT:
        return None
    return stamp


def recorded_digest(store: Path) -> str | None:
    """The SHA-256 of the TriG the store holds, as its stamp records it (None: no stamp)."""
    stamp = _stamp(store)
    digest = stamp.get("sha256") if stamp else None
    return digest if isinstance(digest, str) else None


def holds(store: Path, trig: Path) -> bool:
    """Whether ``store`` holds exactly the graph in ``trig``. The file's size and
    modification time as the build left them vouch for it; if they changed, its
    bytes are hashed and compared."""
    stamp = _stamp(store)
    if stamp is None:
        return False
    try:
        info = trig.stat()
        if (info.st_size, info.st_mtime_ns) == (stamp.get("size"), stamp.get("mtime_ns")):
            return True
        digest = hashlib.sha256()
        with trig.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == stamp.get("sha256")


def current_store(trig: Path) -> Path | None:
    """The store beside ``trig`` if it holds the same graph (or ``trig`` is gone), else None."""
    store = store_beside(trig)
    if not is_store(store):
        return None
    return store if not trig.exists() or holds(store, trig) else None


def open_persistent(store: Path) -> Any:
    """A store kg wrote, opened read-only. Refused if the TriG beside it holds another
    graph: an old store must not answer for a newer build."""
    if not is_store(store):
        raise KgError(f"{store}: not a store written by 'kg build --store'")
    trig = store.with_suffix(".trig")
    if trig.exists() and not holds(store, trig):
        raise KgError(
            f"{store} is older than {trig} beside it: run 'kg build --store' again, "
            f"or query the TriG with -g {trig}"
        )
    try:
        return ox.Store.read_only(str(store))
    except OSError as exc:
        raise KgError(f"{store}: cannot open the store: {exc}") from None


@dataclass(slots=True)
class StagedStore:
    """A complete store in a temporary directory beside its target, not yet in place."""

    target: Path
    temp: Path
    sha256: str
    how: str = "loaded the whole graph"
    """Whether the previous store was updated (and how much) or everything loaded."""

    def commit(self, trig: Path) -> None:
        """Stamp the store with ``trig`` as written and move it into place, replacing
        the previous store; :class:`OutputError` if that fails (the old store stays)."""
        try:
            info = trig.stat()
            stamp = {
                "format": STAMP_FORMAT,
                "sha256": self.sha256,
                "size": info.st_size,
                "mtime_ns": info.st_mtime_ns,
            }
            (self.temp / STAMP).write_text(json.dumps(stamp, indent=1) + "\n", encoding="utf-8")
            _swap(self.temp, self.target)
        except OSError as exc:
            self.discard()
            raise OutputError(self.target, exc.strerror or str(exc)) from None

    def discard(self) -> None:
        shutil.rmtree(self.temp, ignore_errors=True)


def stage_store(target: Path, trig: bytes, union: bytes, union_format: str) -> StagedStore:
    """Make the store of ``trig`` (the named graphs; ``union``, every triple once, in
    the format named by its extension, ``nt`` or ``ttl``) in a new directory beside
    ``target``; nothing at ``target`` changes yet.

    If ``target`` holds an intact store kg wrote, a copy of it is updated where the
    graphs differ (:mod:`kg.storeupdate`); else, or if that fails, everything is
    loaded. ``StagedStore.how`` says which ran.
    """
    if target.exists() and not is_store(target) and (target.is_file() or any(target.iterdir())):
        raise OutputError(target, "exists and is not a store kg wrote; remove it or choose --out")
    target.parent.mkdir(parents=True, exist_ok=True)
    blocks = split_trig(trig)
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        how = _updated(target, temp, blocks) if blocks is not None else None
        if how is None:
            how = "loaded the whole graph"
            _load(temp, trig, union, union_format)
        if blocks is not None:
            write_record(temp, blocks)
    except BaseException as exc:  # interrupted too: no half-built directory is left
        shutil.rmtree(temp, ignore_errors=True)
        if isinstance(exc, OSError | SyntaxError | ValueError):
            raise OutputError(target, f"cannot write the store: {exc}") from None
        raise
    return StagedStore(target, temp, hashlib.sha256(trig).hexdigest(), how)


def _updated(target: Path, temp: Path, blocks: Blocks) -> str | None:
    """Make ``temp`` the previous store at ``target`` brought up to date with ``blocks``
    and say so; None (``temp`` left empty) where the whole graph must be loaded."""
    if _stamp(target) is None:
        return None
    try:
        plan = plan_update(target, blocks)
        temp.rmdir()  # the copy makes its own directory
        update_copy(target, temp, blocks, plan)
        return plan.describe()
    except (NotUpdatableError, OSError, SyntaxError, ValueError):
        pass
    # out of the handler: the traceback, which holds the copy open, is gone
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir()
    return None


def _load(temp: Path, trig: bytes, union: bytes, union_format: str) -> None:
    def fill(store: ox.Store) -> None:
        store.bulk_load(trig, ox.RdfFormat.TRIG)
        # the union: triples, so into the default graph
        store.bulk_load(union, ox.RdfFormat.from_extension(union_format))

    write_store(temp, fill)


def _swap(new: Path, target: Path) -> None:
    """Put ``new`` at ``target``; a previous store there is moved aside, then removed.

    Readers that open the target meanwhile find either store or, for an instant,
    none (``kg query`` then reads the TriG); never a mix of the two.
    """
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        old.rmdir()
        target.rename(old)
    try:
        new.rename(target)
    except OSError:
        if old is not None:
            with contextlib.suppress(OSError):
                old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


__all__ = [
    "STORE_SUFFIX",
    "StagedStore",
    "current_store",
    "holds",
    "is_store",
    "open_persistent",
    "recorded_digest",
    "stage_store",
    "store_beside",
]
