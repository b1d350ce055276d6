"""Rebuild after an edit by loading, checking and mapping only the files it touches.

A build with a cache directory keeps, in ``units/``, each extraction file's mapping (its
quads, label statements and the places it claims, :class:`kg.mapping.FileMapping`) and
what other files depend on in it: the ids it states (with what others read of them,
:class:`kg.resolve.Known`), the ids it reads, the sources it quotes. The next build
hashes the inputs (:class:`Seen`); only the changed files (the registry among them), the
unchanged ones that state an id a changed file states or stated (restated facts,
duplicate ids), read an id whose record changed, or quote a source whose text changed,
are loaded, anchored, resolved and mapped again. The rest stay as they were mapped: the
graph stands for their quads in corpus order, as a full build assembles them
(:func:`kg.mapping.assemble`), and reads a file's only when something reads its graph
(:class:`kg.quadparts.QuadParts`); the kept source map is spliced where places moved.

Whenever that is not sound or not worth it the build says why and does everything: no
usable state (missing, damaged, another kg, base, seeds or sources directory), a
registry file that appeared or went, many changed files, any input problem (the full
build reports them all), or a caller that wants the loaded corpus back.
``tests/test_incremental_build.py`` proves the outputs and reports byte-identical to a
cold build over random edit sequences.

Mapped files are kept as marshal data (loading a million quads takes 0.2 s; JSON took
ten times longer), each part (quads, label statements, claimed places) checked against
its CRC-32 before it is read, and what comes out checked for the shape kg writes:
damaged or foreign data is mapped again (quads found so only when read: every file).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import marshal
import mmap
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.atomic import write_atomically
from kg.cache import LoadCache, model_fingerprint
from kg.errors import InputError, Location
from kg.evidence import anchor_documents, evidence_paths
from kg.io import quads_digest
from kg.load import Loaded, discover, load_documents, load_registry
from kg.mapfile import mapped
from kg.mapping import FileMapping, MappedGraph, Minter, Triple, check_base, map_files
from kg.models import DocumentFile, RegistryFile
from kg.ntriples import Quad
from kg.quadparts import Loader, QuadParts
from kg.resolve import (
    Corpus,
    Known,
    Statement,
    document_statements,
    registry_statements,
    resolve,
)
from kg.sourcemap import Origins, places_in, sourcemap_json, spliced

UNITS_DIR = "units"
UNITS_FORMAT = 5
_STATE = "state.json"
_MAPPED = "mapped.bin"
_SOURCEMAP = "sourcemap.json"
_SEEN = "seen.json"
MAX_SHARE = 0.05
MIN_FILES = 8
"""Above this share of the documents changed, a full build is about as fast."""
_REGISTRY = ""
_QUADS, _LABELS, _CLAIMS = range(3)

Blob = tuple[int, int, int, int, int, str, str, str]
Record = tuple[str, tuple[str, ...], str, "str | None"]
"""What the state keeps of a record a file states: (id, kinds, IRI segment, organisation)."""


def _blob(raw: list[Any]) -> Blob:
    offset, length, labels_at, claims_at, count, *checks = raw
    quads_check, labels_check, claims_check = map(str, checks)
    return (
        int(offset),
        int(length),
        int(labels_at),
        int(claims_at),
        int(count),
        quads_check,
        labels_check,
        claims_check,
    )


@dataclass(frozen=True, slots=True)
class FileUnit:
    """What the state keeps of one extraction file (the registry's name is ``""``)."""

    sha: str
    graph: str
    digest: str
    """The file's named graph's :func:`kg.io.quads_digest`, hex."""
    blob: Blob
    """Where its data is in ``mapped.bin``: offset, length, where its labels and its
    claims start, how many quads it has, and the checksums of the three marshalled parts
    (quads, labels, claims): a rebuild reads the labels of every kept file, the quads of
    few (:class:`kg.quadparts.QuadParts`)."""
    states: tuple[Record, ...]
    """(id, kinds, segment, organisation) of every record it states, in order."""
    reads: tuple[str, ...]
    """Ids of other records its reference checks or its mapping read."""
    source: tuple[str, str, str] | None
    """Its source's (id, file, sha256), for files that quote it."""
    quotes: tuple[str, ...]
    """Ids of the sources its quotes are from."""

    def to_json(self) -> list[Any]:
        return [
            self.sha,
            self.graph,
            self.digest,
            list(self.blob),
            [[i, list(k), s, o] for i, k, s, o in self.states],
            list(self.reads),
            list(self.source) if self.source else None,
            list(self.quotes),
        ]

    @classmethod
    def from_json(cls, raw: list[Any]) -> FileUnit:
        sha, graph, digest, blob, states, reads, source, quotes = raw
        return cls(
            str(sha),
            str(graph),
            str(digest),
            _blob(blob),
            tuple((str(i), tuple(map(str, k)), str(s), o) for i, k, s, o in states),
            tuple(map(str, reads)),
            (str(source[0]), str(source[1]), str(source[2])) if source else None,
            tuple(map(str, quotes)),
        )


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """An assembled graph, how much of it was made again, and how to keep the new state
    for the next build (left to the caller, who may do it beside other work)."""

    mapping: MappedGraph
    detail: str
    keep: Callable[[], None]


def state_key(seeds_dir: Path, sources_dir: Path | None, base: str) -> str:
    """What every kept mapping depends on besides its file: kg and its models, the base
    IRI, and the directories as given (file names in places are spelled through them)."""
    parts = [
        str(UNITS_FORMAT),
        model_fingerprint(DocumentFile),
        model_fingerprint(RegistryFile),
        base,
        str(seeds_dir),
        str(sources_dir) if sources_dir is not None else "",
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check(data: bytes | mmap.mmap) -> str:
    """The checksum kept data is read back against (damage, not tampering: whoever can
    write the state can write its checksums too); CRC-32 reads 160 MB in a tenth of
    the time SHA-256 takes."""
    return format(zlib.crc32(data), "08x")


def _unmarshalled(data: bytes | None) -> Any:
    """Checked data read back; None if there is none or it is not marshal's after all."""
    if data is None:
        return None
    try:
        return marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None


class Seen:
    """Input files' SHA-256 by path, with what ``stat`` said when they were hashed: a
    file whose size, times and inode are as they were is not read again (as git's
    index does; ``touch -d`` and ``cp -p`` cannot set the change time back). One
    changed within two seconds before it was hashed is hashed anyway: its times may
    not have moved since (coarse file system clocks)."""

    SETTLED_NS = 2_000_000_000

    def __init__(
        self, known: dict[str, tuple[int, int, int, int, str]] | None = None, taken_ns: int = 0
    ) -> None:
        self.known = known or {}
        self.taken_ns = taken_ns
        self.now: dict[str, tuple[int, int, int, int, str]] = {}
        self.now_ns = time.time_ns()

    def sha(self, path: Path) -> str:
        """The file's SHA-256 (``OSError`` if it cannot be read)."""
        status = path.stat()
        stamp = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
        key = str(path)
        old = self.known.get(key)
        settled = max(status.st_mtime_ns, status.st_ctime_ns) < self.taken_ns - self.SETTLED_NS
        if old is not None and old[:4] == stamp and settled:
            sha = old[4]
        else:
            sha = _sha(path.read_bytes())
        self.now[key] = (*stamp, sha)
        return sha

    def to_json(self) -> dict[str, Any]:
        return {"taken_ns": self.now_ns, "files": {k: list(v) for k, v in self.now.items()}}

    @classmethod
    def kept_in(cls, cache_dir: Path) -> Seen:
        """What the last build with this cache directory saw (nothing if unreadable)."""
        try:
            return cls.from_json(json.loads((cache_dir / UNITS_DIR / _SEEN).read_bytes()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls()

    @classmethod
    def from_json(cls, raw: Any) -> Seen:
        files = {
            str(k): (int(a), int(b), int(c), int(d), str(e))
            for k, (a, b, c, d, e) in raw["files"].items()
        }
        return cls(files, int(raw["taken_ns"]))


def _text_signature(sources_dir: Path, name: str, seen: Seen) -> str:
    """What anchoring reads of a source text: its bytes, and where it leads if it is a
    link (anchoring refuses links out of the sources directory)."""
    path = sources_dir / name
    try:
        target = str(path.resolve()) if path.is_symlink() else ""
        return f"{target}\0{seen.sha(path)}"
    except OSError:
        return "missing"


class UnitState:
    """The kept units of one cache directory."""

    def __init__(self, directory: Path, key: str) -> None:
        self.directory = directory / UNITS_DIR
        self.key = key
        self.files: dict[str, FileUnit] = {}
        self.texts: dict[str, str] = {}
        """Source text file name -> :func:`_text_signature` when last anchored."""
        self.sourcemap_check = ""
        self.shared: dict[str, list[str]] = {}
        """Keys claimed by several files -> those files (names), in corpus order."""
        self.seen = Seen.kept_in(directory)
        self._data: mmap.mmap | bytes | None = None

    def load(self) -> str | None:
        """Read the state; the reason it cannot be used, or None."""
        try:
            raw = json.loads((self.directory / _STATE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return "no file was mapped before"
        except (OSError, ValueError) as exc:
            return f"the kept mappings cannot be read ({exc})"
        try:
            if raw["format"] != UNITS_FORMAT:
                return "the kept mappings are of another kg"
            if raw["key"] != self.key:
                return "kg, its models, the base or the input directories changed"
            self.files = {str(n): FileUnit.from_json(u) for n, u in raw["files"].items()}
            self.texts = {str(n): str(s) for n, s in raw["texts"].items()}
            self.sourcemap_check = str(raw["sourcemap"])
            self.shared = {str(k): [str(n) for n in v] for k, v in raw["shared"].items()}
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            return f"the kept mappings are damaged ({exc})"
        return None

    def quads(self, name: str) -> list[Quad] | None:
        """A kept file's quads, or None if its data is missing or damaged."""
        found = _unmarshalled(self._part(self.files[name].blob, _QUADS))
        return found if isinstance(found, list) else None

    def labels(self, name: str) -> list[Triple] | None:
        """A kept file's label statements, or None if missing or damaged."""
        found = _unmarshalled(self._part(self.files[name].blob, _LABELS))
        return found if isinstance(found, list) else None

    def claims(self, name: str) -> dict[str, str] | None:
        """A kept file's claims, or None if missing or damaged."""
        found = _unmarshalled(self._part(self.files[name].blob, _CLAIMS))
        return found if isinstance(found, dict) else None

    def _part(self, blob: Blob, part: int) -> bytes | None:
        """One part of a kept file's data (its quads, labels or claims), if intact."""
        offset, length, labels_at, claims_at, _, *checks = blob
        mapped = self._mapped()
        if mapped is None or offset + length > len(mapped):
            return None
        bounds = (0, labels_at, claims_at, length)
        if sorted(bounds) != list(bounds):
            return None
        data = mapped[offset + bounds[part] : offset + bounds[part + 1]]
        return data if _check(data) == checks[part] else None

    def sourcemap(self) -> bytes | mmap.mmap | None:
        """The source map of the last build, if kept intact (mapped: a rebuild splices it)."""
        data = mapped(self.directory / _SOURCEMAP)
        return data if data is not None and _check(data) == self.sourcemap_check else None

    def save(
        self,
        units: Mapping[str, FileUnit],
        fresh: Mapping[str, bytes],
        texts: Mapping[str, str],
        sourcemap: bytes,
        shared: Mapping[str, list[str]],
        seen: Seen,
    ) -> None:
        """Append the ``fresh`` mappings' data (by file name; their units' blob offsets
        count from the current end) and write the state naming them; written afresh when
        more than half the data is dead. A failure only costs the next build its reuse."""
        path = self.directory / _MAPPED
        with contextlib.suppress(OSError):
            self.directory.mkdir(parents=True, exist_ok=True)
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                size = 0
            live = sum(u.blob[1] for n, u in units.items() if n not in fresh)
            added = sum(len(d) for d in fresh.values())
            files: dict[Path, bytes] = {}
            # The kept data stays mapped while it is written: a rename or an append leaves
            # what this build's parts read (kg.quadparts) where it was.
            if size + added > 2 * (live + added) or size == 0:
                placed, chunks, offset = {}, [], 0
                for name, unit in units.items():
                    data = fresh.get(name)
                    if data is None:
                        kept = self._slice(unit)
                        if kept is None:
                            continue  # damaged: the next build maps it again
                        data = kept
                    placed[name] = _placed(unit, offset, data)
                    chunks.append(data)
                    offset += len(data)
                files[path] = b"".join(chunks)
            else:
                placed = {}
                with path.open("ab") as stream:
                    if stream.tell() != size:
                        return  # another build appended meanwhile
                    offset = size
                    for name, unit in units.items():
                        data = fresh.get(name)
                        if data is None:
                            placed[name] = unit
                            continue
                        stream.write(data)
                        placed[name] = _placed(unit, offset, data)
                        offset += len(data)
            state = {
                "format": UNITS_FORMAT,
                "key": self.key,
                "files": {name: unit.to_json() for name, unit in placed.items()},
                "texts": dict(texts),
                "sourcemap": _check(sourcemap),
                "shared": dict(shared),
            }
            files[self.directory / _SEEN] = json.dumps(seen.to_json()).encode()
            files[self.directory / _SOURCEMAP] = sourcemap
            files[self.directory / _STATE] = json.dumps(state, ensure_ascii=False).encode()
            write_atomically(files)

    def _mapped(self) -> mmap.mmap | bytes | None:
        """The kept data, mapped into memory: a rebuild reads only the parts it needs."""
        if self._data is None:
            self._data = mapped(self.directory / _MAPPED)
        return self._data

    def _slice(self, unit: FileUnit) -> bytes | None:
        """A kept file's whole data, if intact (to copy when the data is written afresh)."""
        parts = [self._part(unit.blob, part) for part in (_QUADS, _LABELS, _CLAIMS)]
        return None if None in parts else b"".join(filter(None, parts))


def _placed(unit: FileUnit, offset: int, data: bytes) -> FileUnit:
    return FileUnit(
        unit.sha,
        unit.graph,
        unit.digest,
        (offset, len(data), *unit.blob[2:]),
        unit.states,
        unit.reads,
        unit.source,
        unit.quotes,
    )


def unit_of(
    sha: str, file: Loaded[Any], mapping: FileMapping, corpus: Corpus, *, anchored: bool
) -> tuple[FileUnit, bytes]:
    """A file's unit and its marshalled mapping (its offset is filled in when saved).
    The sources its quotes are from matter only to builds that anchor them."""
    quads = marshal.dumps(mapping.quads)
    labels = marshal.dumps(mapping.labels)
    claims = marshal.dumps(mapping.claims)
    data = quads + labels + claims
    graph = mapping.quads[0][3] if mapping.quads else ""
    digest = quads_digest(mapping.quads, [(0, len(mapping.quads))]).hex()
    if isinstance(file.model, DocumentFile):
        statements = list(document_statements(file))
        reads = corpus.reads.get(file.display, set()) | mapping.reads
        model = file.model
        source = (model.source.id, model.source.file, model.source.sha256)
        quoted = (
            {e.source or model.source.id for _, e in evidence_paths(model)} if anchored else set()
        )
        quotes = sorted(quoted | {model.source.id})  # its own source is checked in any case
    else:
        statements = list(registry_statements(file))
        reads = corpus.reads.get(file.display, set()) | mapping.reads
        source, quotes = None, []
    states = tuple(
        (s.record.id, tuple(sorted(k.kinds)), k.segment, k.organisation)
        for s in statements
        for k in [Known.of(s.record)]
    )
    checks = (_check(quads), _check(labels), _check(claims))
    blob = (0, len(data), len(quads), len(quads) + len(labels), len(mapping.quads), *checks)
    unit = FileUnit(sha, graph, digest, blob, states, tuple(sorted(reads)), source, tuple(quotes))
    return unit, data


@dataclass(frozen=True, slots=True)
class Inputs:
    """The inputs' hashes, taken before they are read: a file that changes while it is
    being built then differs from its record, and the next build maps it again."""

    registry: tuple[str, str] | None
    """(name, SHA-256) of the registry file."""
    documents: dict[str, str]
    """name -> SHA-256, in corpus order."""
    paths: dict[str, Path]
    texts: dict[str, str]
    """source text file name -> :func:`_text_signature`."""
    seen: Seen

    def sha(self, name: str) -> str:
        """The SHA-256 of a document, or of the registry (named ``""``)."""
        if name == _REGISTRY:
            assert self.registry is not None
            return self.registry[1]
        return self.documents[name]

    @classmethod
    def take(cls, seeds_dir: Path, sources_dir: Path | None, seen: Seen) -> Inputs:
        """The inputs as they are now; ``seen`` says which files need not be read."""
        registry_path, document_paths = discover(seeds_dir)
        paths = {str(path): path for path in document_paths}
        registry = None
        if registry_path is not None:
            registry = (str(registry_path), seen.sha(registry_path))
        documents = {name: seen.sha(path) for name, path in paths.items()}
        texts: dict[str, str] = {}
        if sources_dir is not None and sources_dir.is_dir():
            for path in sorted(sources_dir.iterdir()):
                if not path.name.startswith("."):
                    texts[path.name] = _text_signature(sources_dir, path.name, seen)
        return cls(registry, documents, paths, texts, seen)


def record(
    cache_dir: Path,
    key: str,
    inputs: Inputs,
    corpus: Corpus,
    mappings: list[FileMapping],
    graph: MappedGraph,
    *,
    anchored: bool,
) -> None:
    """Keep a full build's mappings (registry first, then the documents) and its source
    map (made here once, for the build to write too) for the next build."""
    units: dict[str, FileUnit] = {}
    fresh: dict[str, bytes] = {}
    files: list[Loaded[Any]] = [*([corpus.registry] if corpus.registry else []), *corpus.documents]
    for file, mapping in zip(files, mappings, strict=True):
        name = _REGISTRY if file is corpus.registry else file.display
        if inputs.registry is None if name == _REGISTRY else name not in inputs.documents:
            return  # the directory changed under the build: keep nothing
        sha = inputs.sha(name)
        units[name], fresh[name] = unit_of(sha, file, mapping, corpus, anchored=anchored)
    graph.origins.rendered = sourcemap_json(graph.origins)
    UnitState(cache_dir, key).save(
        units,
        fresh,
        _quoted_texts(units, inputs.texts),
        graph.origins.rendered,
        _shared(dict(zip(units, mappings, strict=True))),
        inputs.seen,
    )


def _shared(mappings: Mapping[str, FileMapping]) -> dict[str, list[str]]:
    """The keys several files claim, with those files, in corpus order."""
    seen: set[str] = set()
    several: set[str] = set()
    for mapping in mappings.values():
        for key in mapping.claims:
            if key in seen:
                several.add(key)
            else:
                seen.add(key)
    shared: dict[str, list[str]] = {}
    if several:
        for name, mapping in mappings.items():
            for key in several.intersection(mapping.claims):
                shared.setdefault(key, []).append(name)
    return dict(sorted(shared.items()))


def _quoted_texts(units: Mapping[str, FileUnit], texts: Mapping[str, str]) -> dict[str, str]:
    named = {unit.source[1] for unit in units.values() if unit.source}
    return {name: texts.get(name, "missing") for name in sorted(named)}


def rebuild(
    state: UnitState,
    *,
    sources_dir: Path | None,
    cache_dir: Path,
    base: str,
    inputs: Inputs,
    recover: Callable[[], list[list[Quad]]],
) -> Rebuilt | str:
    """The graph from the kept mappings (``state``, loaded) and the changed files, or why
    a full build is needed. The kept files' quads are read only where the build reads
    them; ``recover`` maps every file afresh should one be unreadable then."""
    kept_registry = state.files.get(_REGISTRY)
    if (inputs.registry is None) != (kept_registry is None):
        return "the registry appeared or went"
    names = list(inputs.documents)
    changed = [
        n for n in names if n not in state.files or state.files[n].sha != inputs.documents[n]
    ]
    removed = [n for n in state.files if n != _REGISTRY and n not in inputs.documents]
    if len(changed) + len(removed) > max(MIN_FILES, MAX_SHARE * len(names)):
        return f"{len(changed) + len(removed):,} files changed"
    cache = LoadCache(cache_dir)
    registry = None
    if inputs.registry is not None:
        registry, problems = load_registry(Path(inputs.registry[0]), inputs.registry[0], cache)
        if problems or registry is None:
            return "the registry has problems"
    loaded, problems = load_documents([inputs.paths[n] for n in changed], cache)
    if problems:
        return "a changed file has problems"
    fresh: dict[str, Loaded[Any]] = {document.display: document for document in loaded}
    if registry is not None and kept_registry is not None and kept_registry.sha != inputs.sha(""):
        fresh[_REGISTRY] = registry
    plan = _plan(state, inputs, fresh, removed, sources_dir is not None)
    if isinstance(plan, str):
        return plan
    again, known = plan
    corpus = _corpus(state, inputs, fresh, again, known, registry, sources_dir, cache)
    if isinstance(corpus, str):
        return corpus
    remapped = [_REGISTRY] * (_REGISTRY in fresh) + again
    minter = Minter(check_base(base))
    mapped = dict(
        zip(
            remapped,
            map_files(corpus, minter, corpus.documents, registry=_REGISTRY in fresh),
            strict=True,
        )
    )
    by_name: dict[str, Loaded[Any]] = {d.display: d for d in corpus.documents}
    if registry is not None:
        by_name[_REGISTRY] = registry
    order = [_REGISTRY] * (kept_registry is not None) + names
    parts: list[tuple[str, int, list[Quad] | Loader]] = []
    labels: list[Triple] = []
    digests: dict[str, bytes] = {}
    units: dict[str, FileUnit] = {}
    blobs: dict[str, bytes] = {}
    for name in order:
        mapping = mapped.get(name)
        if mapping is None:
            unit = units[name] = state.files[name]
            kept_labels = state.labels(name)
            if kept_labels is None:
                return "a kept mapping is damaged"
            labels += kept_labels
            parts.append((unit.graph, unit.blob[4], functools.partial(state.quads, name)))
        else:
            anchored = sources_dir is not None
            units[name], blobs[name] = unit_of(
                inputs.sha(name), by_name[name], mapping, corpus, anchored=anchored
            )
            labels += mapping.labels
            parts.append((units[name].graph, len(mapping.quads), mapping.quads))
        if units[name].graph:
            digests[units[name].graph] = bytes.fromhex(units[name].digest)
    places = _places(state, inputs, order, remapped + removed, mapped)
    if isinstance(places, str):
        return places
    rendered, shared = places
    whole = len(digests) == sum(1 for unit in units.values() if unit.graph)  # a graph a file
    graph = MappedGraph(
        QuadParts(parts, recover),
        Origins.of_map(rendered),
        dict(sorted(digests.items())) if whole else None,
        labels,
    )
    texts = _quoted_texts(units, inputs.texts)
    files = "file" if len(remapped) == 1 else "files"
    return Rebuilt(
        graph,
        f"{len(remapped):,} {files} loaded and mapped again, {len(order) - len(remapped):,} kept",
        functools.partial(state.save, units, blobs, texts, rendered, shared, inputs.seen),
    )


def _plan(
    state: UnitState,
    inputs: Inputs,
    fresh: Mapping[str, Loaded[Any]],
    removed: list[str],
    anchored: bool,
) -> tuple[list[str], Mapping[str, Known]] | str:
    """The documents to load and map again, in corpus order: the changed ones, those
    stating an id a changed or removed file (the registry included) states or stated,
    those reading an id whose record changed, and (anchored) those quoting a source whose
    statement or text changed; and what the corpus knows of the ids only the other
    documents state. (Kept files' records stay as the state keeps them: a Known is made
    only for the ids an edit touches, or that the corpus asks about.)"""
    names = list(inputs.documents)
    registry = [_REGISTRY] if _REGISTRY in state.files else []
    stated = {
        n: [(s.record.id, Known.of(s.record)) for s in _statements(d)] for n, d in fresh.items()
    }
    touched = [n for n in [*fresh, *removed] if n in state.files]
    affected = {record[0] for n in touched for record in state.files[n].states}
    affected |= {i for n in fresh for i, _ in stated[n]}
    old_order = registry + [n for n in state.files if n != _REGISTRY]
    old_first = _first_known(state, old_order, {}, affected)
    new_first = _first_known(state, registry + names, stated, affected)
    changed_ids = {i for i in affected if old_first.get(i) != new_first.get(i)}
    neighbours = {
        n
        for n in names
        if n not in fresh
        and (
            not affected.isdisjoint(record[0] for record in state.files[n].states)
            or not changed_ids.isdisjoint(state.files[n].reads)
        )
    }
    if anchored:
        neighbours |= _quoting_changed_sources(state, inputs, fresh, names)
    if len(neighbours) > max(MIN_FILES, MAX_SHARE * len(names)):
        return f"an edit reaches {len(neighbours):,} other files"
    again = [n for n in names if n in fresh or n in neighbours]
    known: dict[str, Record] = {}
    for name in names:
        if name not in fresh and name not in neighbours:
            for record in state.files[name].states:
                known.setdefault(record[0], record)
    return again, _KnownIds(known)


class _KnownIds(Mapping[str, Known]):
    """Ids stated in files not loaded, by the records the state keeps of them: each made a
    :class:`Known` only when the corpus asks for it (a few of ~75,000 at 1M)."""

    def __init__(self, records: dict[str, Record]) -> None:
        self._records = records

    def __getitem__(self, record_id: str) -> Known:
        _, kinds, segment, organisation = self._records[record_id]
        return Known(frozenset(kinds), segment, organisation)

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)


def _statements(file: Loaded[Any]) -> Iterator[Statement]:
    if isinstance(file.model, DocumentFile):
        return document_statements(file)
    return registry_statements(file)


def _corpus(
    state: UnitState,
    inputs: Inputs,
    fresh: Mapping[str, Loaded[Any]],
    again: list[str],
    known: Mapping[str, Known],
    registry: Loaded[RegistryFile] | None,
    sources_dir: Path | None,
    cache: LoadCache,
) -> Corpus | str:
    """The documents to map again, loaded, anchored and resolved with the registry, the
    other ids known."""
    more, problems = load_documents([inputs.paths[n] for n in again if n not in fresh], cache)
    if problems:
        return "an unchanged file has problems"
    by_name = {**fresh, **{d.display: d for d in more}}
    documents = [by_name[n] for n in again]
    if sources_dir is not None:
        anchored = _anchored(documents, sources_dir, state, list(inputs.documents), inputs, cache)
        if isinstance(anchored, str):
            return anchored
        documents = anchored
    try:
        return resolve(registry, documents, known)
    except InputError:
        return "the changed files have problems"


def _places(
    state: UnitState,
    inputs: Inputs,
    order: list[str],
    remade: list[str],
    mapped: Mapping[str, FileMapping],
) -> tuple[bytes, dict[str, list[str]]] | str:
    """The new source map, spliced from the kept one, and the keys several files claim.

    Only the keys the ``remade`` files (mapped again, or gone) claim, before or now, can
    change place; each goes to the first file in corpus order that claims it. Which kept
    files claim a key is known without reading their claims: the one whose place the
    kept map gives, or those the shared keys list."""
    previous = state.sourcemap()
    if previous is None:
        return "the kept source map is damaged"
    rank = {name: position for position, name in enumerate(order)}
    again = set(remade)
    keys: set[str] = set()
    for name in remade:
        if name in state.files:
            claims = state.claims(name)
            if claims is None:
                return "a kept mapping is damaged"
            keys.update(claims)
        if name in mapped:
            keys.update(mapped[name].claims)
    registry = inputs.registry[0] if inputs.registry else None
    shared = dict(state.shared)
    changes: dict[str, str | None] = {}
    places = places_in(previous, keys)
    for key in keys:
        old = places.get(key)
        claimers = state.shared.get(key)
        if claimers is None:
            claimers = [] if old is None else [_name_of(Location.parse(old).file, registry)]
        kept = [n for n in claimers if n not in again and n in rank]
        now = sorted([*kept, *(n for n in mapped if key in mapped[n].claims)], key=rank.__getitem__)
        if len(now) > 1:
            shared[key] = now
        else:
            shared.pop(key, None)
        if not now:
            changes[key] = None
        elif now[0] in mapped:
            changes[key] = mapped[now[0]].claims[key]
        elif claimers and now[0] == claimers[0] and old is not None:
            changes[key] = old  # its place is the one the kept map gives
        else:
            claims = state.claims(now[0])
            if claims is None or key not in claims:
                return "a kept mapping is damaged"
            changes[key] = claims[key]
    return spliced(previous, changes), dict(sorted(shared.items()))


def _name_of(file: str, registry: str | None) -> str:
    return _REGISTRY if file == registry else file


def _first_known(
    state: UnitState,
    order: list[str],
    stated: Mapping[str, list[tuple[str, Known]]],
    ids: set[str],
) -> dict[str, Known]:
    """Of ``ids``, the record of each that the first file in ``order`` stating it states
    (``stated`` for the files loaded, the state's records for the others)."""
    first: dict[str, Known] = {}
    for name in order:
        if name in stated:
            for record_id, known in stated[name]:
                if record_id in ids:
                    first.setdefault(record_id, known)
            continue
        for record_id, kinds, segment, organisation in state.files[name].states:
            if record_id in ids and record_id not in first:
                first[record_id] = Known(frozenset(kinds), segment, organisation)
    return first


def _source_signatures(
    sources: Iterable[tuple[str, tuple[str, str, str] | None]], texts: Mapping[str, str]
) -> dict[str, tuple[str, str, str, str]]:
    """Source id -> (the file stating it, its file name and recorded hash, the text's
    signature): what anchoring a quote from it reads."""
    found: dict[str, tuple[str, str, str, str]] = {}
    for name, source in sources:
        if source is not None:
            source_id, file, sha = source
            found[source_id] = (name, file, sha, texts.get(file, "missing"))
    return found


def _quoting_changed_sources(
    state: UnitState, inputs: Inputs, fresh: Mapping[str, Loaded[Any]], names: list[str]
) -> set[str]:
    """The unchanged files that quote a source whose statement or text changed."""
    old = _source_signatures(
        ((n, u.source) for n, u in state.files.items() if n != _REGISTRY), state.texts
    )
    new = _source_signatures(
        ((n, _source_of(fresh[n]) if n in fresh else state.files[n].source) for n in names),
        inputs.texts,
    )
    changed = {s for s in old.keys() | new.keys() if old.get(s) != new.get(s)}
    if not changed:
        return set()
    return {n for n in names if n not in fresh and not changed.isdisjoint(state.files[n].quotes)}


def _source_of(document: Loaded[DocumentFile]) -> tuple[str, str, str]:
    source = document.model.source
    return source.id, source.file, source.sha256


def _anchored(
    documents: list[Loaded[DocumentFile]],
    sources_dir: Path,
    state: UnitState,
    names: list[str],
    inputs: Inputs,
    cache: LoadCache,
) -> list[Loaded[DocumentFile]] | str:
    """The documents anchored, with the files stating the other sources they quote."""
    own = {d.model.source.id for d in documents}
    quoted = {e.source for d in documents for _, e in evidence_paths(d.model) if e.source} - own
    loaded = {d.display for d in documents}
    stating = [
        inputs.paths[n]
        for n in names
        if n not in loaded and (source := state.files[n].source) and source[0] in quoted
    ]
    others, problems = load_documents(stating, cache)
    if problems:
        return "a quoted file has problems"
    anchored, problems = anchor_documents(documents, sources_dir, others=others)
    if problems:
        return "the changed files' quotes have problems"
    return anchored
