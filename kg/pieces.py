"""A directory of formatted output pieces, by content, kept from one build to the next.

A rebuild after a small edit should format only what the edit changed (see
:mod:`kg.piecewise`, which decides what a piece is). This module only stores bytes
under digests, with three rules:

- *Safe to read*: nothing is unpickled or evaluated. The index ends with a SHA-256 of
  itself, names the kg/Oxigraph/Python/prefix fingerprint it was written for, and every
  piece in it must lie inside its pack; each pack's length and CRC-32 are checked when
  it is read. A truncated, corrupt or foreign file is treated as absent, so its pieces
  are formatted again: the output never depends on the cache being intact.
- *Atomic*: pack files and the index are written with
  :func:`kg.atomic.write_atomically`, packs first; the index is replaced last, so a
  build killed at any point leaves either the old or the new index, each naming only
  complete packs.
- *Bounded*: only the pieces the last build used are kept. New pieces go to a new pack;
  a pack none of whose pieces is used any more is deleted, and when less than half
  of the pack bytes are still used, or there are :data:`MAX_PACKS` packs, everything
  is rewritten into one pack.
"""

from __future__ import annotations

import contextlib
import hashlib
import struct
import sys
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.atomic import write_atomically
from kg.errors import OutputError
from kg.mapfile import mapped

FORMAT = 2
PIECES_DIR = "pieces"  # where ``kg build --cache DIR`` keeps them, inside DIR
MAGIC = b"kg-pieces\n"
INDEX = "index"
PACK_PREFIX = "pack-"
PACK_SUFFIX = ".bin"
DIGEST_SIZE = 16
MAX_PACKS = 16  # more, and everything is rewritten into one

_PACK = struct.Struct("<QI")  # length, crc32
_PIECE = struct.Struct(f"<{DIGEST_SIZE}sIQI")  # digest, pack, offset, length
_MEMO = struct.Struct(f"<{DIGEST_SIZE}s{DIGEST_SIZE}s")
_GRAPH = struct.Struct(f"<{DIGEST_SIZE}s{DIGEST_SIZE}sII")  # graph & block keys, subjects, names
_COUNTS = struct.Struct("<IIII")
_HEAD = struct.Struct("<IH")

Piece = bytes | memoryview
Where = tuple[int, int, int]  # pack number, start, end


def digest(data: bytes) -> bytes:
    """The key of a piece's input: SHA-256 (fast on this kind of CPU), first 16 bytes."""
    return hashlib.sha256(data).digest()[:DIGEST_SIZE]


@dataclass(frozen=True)
class GraphRecord:
    """What a named graph's quads give, so an unchanged graph is not sorted again:
    the key of its TriG block, its subjects in name order (N-Triples terms, which hold
    no line break) and, per subject, the key of that subject's Turtle lines in this
    graph (``subjects``: the keys one after another, :data:`DIGEST_SIZE` bytes each)."""

    block: bytes
    subjects: bytes
    names: tuple[str, ...]

    def subject_key(self, index: int) -> bytes:
        return self.subjects[index * DIGEST_SIZE : (index + 1) * DIGEST_SIZE]


@dataclass(frozen=True)
class _Pack:
    name: str
    length: int
    crc: int


@dataclass
class _Content:
    """What an index holds: packs, where each piece is, memo and graph records."""

    packs: list[_Pack] = field(default_factory=list)
    pieces: dict[bytes, Where] = field(default_factory=dict)
    memo: dict[bytes, bytes] = field(default_factory=dict)
    graphs: dict[bytes, GraphRecord] = field(default_factory=dict)


def fingerprint() -> bytes:
    """What the cache's keys and pieces depend on besides their input: kg, Oxigraph,
    Python and the prefixes."""
    import pyoxigraph

    from kg import __version__
    from kg.namespaces import PREFIXES

    prefixes = "".join(f"{name} {ns}\n" for name, ns in sorted(PREFIXES.items()))
    python = sys.version_info[:2]  # kg.piecewise keys graphs by marshal's bytes
    text = f"{FORMAT}\n{__version__}\n{pyoxigraph.__version__}\n{python}\n{prefixes}"
    return hashlib.sha256(text.encode()).hexdigest().encode()


class PieceCache:
    """Formatted TriG blocks and Turtle subjects of the last build, by the digest of their
    input lines, in ``directory`` (``kg build --cache DIR`` uses ``DIR/pieces``).

    A build reads what it needs (:meth:`pieces`, :meth:`graph`, :meth:`memo`), says what
    it used (``keep_*``), and after its outputs are written calls :meth:`commit`, which
    makes the kept set the cache's content; a build that fails before that leaves the
    cache as it was. Reading never raises: a damaged cache only costs time. Why a cache
    of formatted bytes: formatting is most of writing TriG and Turtle (5.6 of 8 s at a
    million statements), and an edit changes few graphs and subjects.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.hits = 0
        self.misses = 0
        self._content: _Content | None = None
        self._views: dict[int, memoryview | None] = {}  # pack number -> its checked bytes
        self._clear_kept()

    def _clear_kept(self) -> None:
        self._kept_pieces: dict[bytes, Piece] = {}
        self._kept_memo: dict[bytes, bytes] = {}
        self._kept_graphs: dict[bytes, GraphRecord] = {}

    # ------------------------------------------------------------------ reading

    def graph(self, key: bytes) -> GraphRecord | None:
        found = self._kept_graphs.get(key)
        return self._load().graphs.get(key) if found is None else found

    def memo(self, key: bytes) -> bytes | None:
        found = self._kept_memo.get(key)
        return self._load().memo.get(key) if found is None else found

    def pieces(self, keys: Iterable[bytes | None]) -> list[Piece | None]:
        """The stored pieces (None for a None key, an absent piece or a damaged pack)."""
        where = self._load().pieces
        kept = self._kept_pieces
        views = self._views
        found: list[Piece | None] = []
        for key in keys:
            piece: Piece | None = None
            if key is not None:
                if kept:
                    piece = kept.get(key)
                if piece is None and (at := where.get(key)) is not None:
                    view = views[at[0]] if at[0] in views else self._view(at[0])
                    if view is not None:
                        piece = view[at[1] : at[2]]
            found.append(piece)
        hits = sum(piece is not None for piece in found)
        self.hits += hits
        self.misses += len(found) - hits
        return found

    def _view(self, number: int) -> memoryview | None:
        """A pack's bytes if the file is there, of the length and CRC-32 the index says."""
        pack = self._load().packs[number]
        data = mapped(self.directory / pack.name) or b""
        ok = len(data) == pack.length and zlib.crc32(data) == pack.crc
        view = self._views[number] = memoryview(data) if ok else None
        return view

    # ------------------------------------------------------------------ keeping

    def keep_pieces(self, keys: Iterable[bytes], pieces: Iterable[Piece]) -> None:
        self._kept_pieces.update(zip(keys, pieces, strict=True))

    def keep_memo(self, key: bytes, value: bytes) -> None:
        self._kept_memo[key] = value

    def keep_graph(self, key: bytes, record: GraphRecord) -> None:
        self._kept_graphs[key] = record

    # ------------------------------------------------------------------ writing

    def commit(self) -> bool:
        """Make what was kept since the last commit the cache's content, on disk.

        False if the directory cannot be written: a cache that cannot be written only
        makes the next build slower, and the previous content stays usable.
        """
        try:
            self._commit()
        except (OutputError, OSError):
            self._content, self._views = None, {}  # read the directory afresh next time
            self._clear_kept()
            return False
        return True

    def _commit(self) -> None:
        old = self._load()
        good = {number for number, view in self._views.items() if view is not None}
        stored = old.pieces.get
        reused: dict[bytes, Where] = {}
        fresh: list[bytes] = []
        for key in self._kept_pieces:
            at = stored(key)
            if at is not None and at[0] in good:
                reused[key] = at
            else:
                fresh.append(key)
        used = sorted({at[0] for at in reused.values()})
        live = sum(end - start for _, start, end in reused.values())
        if live * 2 < sum(old.packs[n].length for n in used) or len(used) >= MAX_PACKS:
            reused, used, fresh = {}, [], list(self._kept_pieces)  # rewrite into one new pack
        if used != list(range(len(used))):
            renumber = {number: index for index, number in enumerate(used)}
            reused = {key: (renumber[at[0]], at[1], at[2]) for key, at in reused.items()}
        new = _Content(
            [old.packs[number] for number in used], reused, self._kept_memo, self._kept_graphs
        )
        views = {index: self._views[number] for index, number in enumerate(used)}
        if fresh:
            chunks = [self._kept_pieces[key] for key in fresh]
            blob = b"".join(chunks)
            name = f"{PACK_PREFIX}{hashlib.sha256(blob).hexdigest()[:24]}{PACK_SUFFIX}"
            number, offset = len(new.packs), 0
            for key, chunk in zip(fresh, chunks, strict=True):
                end = offset + len(chunk)
                new.pieces[key] = (number, offset, end)
                offset = end
            new.packs.append(_Pack(name, len(blob), zlib.crc32(blob)))
            views[number] = memoryview(blob)
            self.directory.mkdir(parents=True, exist_ok=True)
            write_atomically({self.directory / name: blob})
        write_atomically({self.directory / INDEX: _encode(new)})
        self._content, self._views = new, views
        self._clear_kept()
        self._sweep({pack.name for pack in new.packs})

    def _sweep(self, packs: set[str]) -> None:
        """Delete packs the index no longer names and temporary files a killed write left."""
        for path in self.directory.iterdir():
            name = path.name
            ours = name.startswith((PACK_PREFIX, f".{PACK_PREFIX}", f".{INDEX}."))
            if ours and name not in packs:
                with contextlib.suppress(OSError):
                    path.unlink()

    # ------------------------------------------------------------------ index file

    def _load(self) -> _Content:
        if self._content is None:
            self._content = _Content()
            with contextlib.suppress(OSError, ValueError, struct.error, UnicodeDecodeError):
                self._content = _decode((self.directory / INDEX).read_bytes())
        return self._content


def _encode(content: _Content) -> bytes:
    mark = fingerprint()
    parts = [MAGIC, _HEAD.pack(FORMAT, len(mark)), mark]
    parts.append(
        _COUNTS.pack(
            len(content.packs), len(content.pieces), len(content.memo), len(content.graphs)
        )
    )
    for pack in content.packs:
        parts += [
            struct.pack("<H", len(pack.name)),
            pack.name.encode(),
            _PACK.pack(pack.length, pack.crc),
        ]
    parts += [
        _PIECE.pack(key, number, start, end - start)
        for key, (number, start, end) in content.pieces.items()
    ]
    parts += [_MEMO.pack(key, value) for key, value in content.memo.items()]
    for key, record in content.graphs.items():
        names = "\n".join(record.names).encode("utf-8")
        count = len(record.subjects) // DIGEST_SIZE
        parts += (_GRAPH.pack(key, record.block, count, len(names)), record.subjects)
        parts.append(names)
    body = b"".join(parts)
    return body + hashlib.sha256(body).digest()


def _decode(data: bytes) -> _Content:
    """An index's content; ValueError if it is not an intact index of this fingerprint."""
    body, check = data[:-32], data[-32:]
    if not data.startswith(MAGIC) or hashlib.sha256(body).digest() != check:
        raise ValueError("not an intact piece index")
    at = len(MAGIC)
    version, size = _HEAD.unpack_from(body, at)
    at += _HEAD.size
    if version != FORMAT or body[at : at + size] != fingerprint():
        raise ValueError("written by another kg or Oxigraph")
    at += size
    n_packs, n_pieces, n_memo, n_graphs = _COUNTS.unpack_from(body, at)
    at += _COUNTS.size
    content = _Content()
    for _ in range(n_packs):
        (length,) = struct.unpack_from("<H", body, at)
        name = body[at + 2 : at + 2 + length].decode("ascii")
        if not name.startswith(PACK_PREFIX) or "/" in name or name != Path(name).name:
            raise ValueError("bad pack name")
        at += 2 + length
        content.packs.append(_Pack(name, *_PACK.unpack_from(body, at)))
        at += _PACK.size
    end = at + n_pieces * _PIECE.size
    content.pieces = {
        key: (number, start, start + length)
        for key, number, start, length in _PIECE.iter_unpack(body[at:end])
    }
    sizes = [pack.length for pack in content.packs]
    if any(number >= n_packs or end > sizes[number] for number, _, end in content.pieces.values()):
        raise ValueError("a piece outside its pack")
    at, end = end, end + n_memo * _MEMO.size
    content.memo = dict(_MEMO.iter_unpack(body[at:end]))
    at = end
    for _ in range(n_graphs):
        key, block, count, size = _GRAPH.unpack_from(body, at)
        at += _GRAPH.size
        end = at + count * DIGEST_SIZE
        subjects = body[at:end]
        names = tuple(body[end : end + size].decode("utf-8").split("\n")) if count else ()
        if len(names) != count or end + size > len(body):
            raise ValueError("a graph record's subjects and names differ")
        content.graphs[key] = GraphRecord(block, subjects, names)
        at = end + size
    if at != len(body):
        raise ValueError("index has trailing bytes")
    return content


__all__ = ["DIGEST_SIZE", "PIECES_DIR", "GraphRecord", "PieceCache", "digest", "fingerprint"]
