"""Skip a build whose inputs and outputs have not changed since it was last written.

A build writes ``graph.build.json`` beside its outputs: a fingerprint of every
input (extraction files, source texts, shapes, options, kg's version) and the
hash of every file it wrote (and, for an on-disk store, the hash of the TriG it
holds). When both still match, there is nothing to do.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from kg.diskstore import recorded_digest
from kg.load import EXTENSIONS
from kg.resources import turtle_files

MANIFEST = "graph.build.json"


def fingerprint(
    seeds_dir: Path,
    sources_dir: Path | None,
    options: Mapping[str, Any],
    file_sha: Callable[[Path], str] | None = None,
) -> str:
    """One hash over everything a build's output depends on. ``file_sha`` gives a file's
    SHA-256 (hex) if the caller knows a cheaper way than reading it (:class:`kg.docunits.Seen`)."""
    sha = file_sha or _read_sha
    from kg import __version__

    digest = hashlib.sha256()
    digest.update(json.dumps({"kg": __version__, **options}, sort_keys=True, default=str).encode())
    if not seeds_dir.is_dir():
        return ""  # the build itself reports the missing directory
    for path in _files(seeds_dir, EXTENSIONS):
        _add_file(digest, path, seeds_dir, sha)
    if sources_dir is not None and sources_dir.is_dir():
        for path in _files(sources_dir, None):
            _add_file(digest, path, sources_dir, sha)
    for resource in turtle_files("shapes"):
        digest.update(resource.name.encode() + b"\0" + resource.read_bytes())
    return digest.hexdigest()


def _files(directory: Path, extensions: Iterable[str] | None) -> list[Path]:
    wanted = tuple(extensions) if extensions is not None else None
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and not p.name.startswith(".") and (wanted is None or p.suffix in wanted)
    )


def _read_sha(path: Path) -> str:
    return _sha256(path.read_bytes())


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _add_file(digest: Any, path: Path, root: Path, sha: Callable[[Path], str]) -> None:
    digest.update(str(path.relative_to(root)).encode() + b"\0")
    digest.update(bytes.fromhex(sha(path)))


def up_to_date(out_dir: Path, inputs: str) -> dict[str, Any] | None:
    """The recorded summary if the last build had these inputs and its files are intact."""
    if not inputs:
        return None
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        if manifest["inputs"] != inputs:
            return None
        recorded = list(manifest["outputs"].items())
        with ThreadPoolExecutor(max_workers=2) as pool:  # reading and hashing: both cores
            found = list(pool.map(_read_sha, (out_dir / name for name, _ in recorded)))
        if found != [digest for _, digest in recorded]:
            return None
        for name, digest in manifest.get("stores", {}).items():
            if recorded_digest(out_dir / name) != digest:
                return None
        summary: dict[str, Any] = manifest["summary"]
        return summary
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing, corrupt or from another version: build again


def manifest(
    out_dir: Path,
    inputs: str,
    outputs: Mapping[Path, str],
    summary: Mapping[str, Any],
    stores: Mapping[Path, str] | None = None,
) -> dict[Path, bytes]:
    """The record of a build's files (``outputs``: their SHA-256 by path), to be written in
    the same atomic step as they are (:class:`kg.atomic.StagedFiles`): a build whose record
    cannot be written replaces nothing, so outputs and record agree. ``stores`` are store
    directories (:mod:`kg.diskstore`) by the TriG hash they hold: a build is up to date
    only while each still holds it."""
    recorded = {path.name: digest for path, digest in sorted(outputs.items())}
    manifest: dict[str, Any] = {"inputs": inputs, "outputs": recorded, "summary": dict(summary)}
    if stores:
        manifest["stores"] = {p.name: digest for p, digest in sorted(stores.items())}
    return {out_dir / MANIFEST: (json.dumps(manifest, indent=1) + "\n").encode()}
