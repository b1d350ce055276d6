"""The kept mappings of kg.docunits: which inputs are read again, and when a build says
it must do everything (the outputs themselves are proven in test_incremental_build)."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from kg import docunits
from kg.build import build
from kg.docunits import Seen
from kg.errors import InputError
from kg.pieces import PIECES_DIR, PieceCache
from kg.quadparts import QuadParts

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import synth  # noqa: E402


@pytest.fixture(scope="module")
def corpus_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("units")
    synth.generate(home / "corpus", 12, seed=3, sources=home / "sources")
    return home


def _messages(corpus: Path, cache: Path, sources: Path | None = None) -> list[str]:
    said: list[str] = []
    build(
        corpus,
        sources_dir=sources,
        cache_dir=cache,
        keep_corpus=False,
        run_validation=False,
        progress=said.append,
    )
    return [m for m in said if m.startswith("mapping to RDF")]


def _copy(home: Path, tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(home / "corpus", tmp_path / "corpus")
    shutil.copytree(home / "sources", tmp_path / "sources")
    return tmp_path / "corpus", tmp_path / "sources"


def _documents(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.glob("*.yaml") if p.name != synth.REGISTRY)


def _revise_a_title(corpus: Path) -> None:
    document = _documents(corpus)[0]
    document.write_text(document.read_text().replace("title: ", "title: Revised ", 1))


def test_an_edit_maps_only_the_files_it_touches(corpus_home: Path, tmp_path: Path) -> None:
    corpus, sources = _copy(corpus_home, tmp_path)
    cache = tmp_path / "cache"
    assert _messages(corpus, cache, sources) == [
        "mapping to RDF, every file: no file was mapped before"
    ]
    assert _messages(corpus, cache, sources) == [
        "mapping to RDF: 0 files loaded and mapped again, 13 kept"
    ]
    _revise_a_title(corpus)
    (said,) = _messages(corpus, cache, sources)
    assert said.startswith("mapping to RDF: ") and "loaded and mapped again" in said
    assert int(said.split(": ")[1].split()[0]) < 12


def test_a_rebuild_reads_the_quads_of_only_the_graphs_it_validates_and_formats(
    corpus_home: Path, tmp_path: Path
) -> None:
    corpus, sources = _copy(corpus_home, tmp_path)
    cache = tmp_path / "cache"
    first = build(corpus, sources_dir=sources, cache_dir=cache, keep_corpus=False)
    assert first.report is not None  # kept as the next build's validation state
    pieces = PieceCache(cache / PIECES_DIR)
    first.render(tmp_path / "out", pieces=pieces)
    pieces.commit()  # as kg build does once the files are written
    _revise_a_title(corpus)
    made = build(corpus, sources_dir=sources, cache_dir=cache, keep_corpus=False)
    assert made.report is not None
    made.render(tmp_path / "out", pieces=PieceCache(cache / PIECES_DIR))
    parts = made.mapping.statements
    assert isinstance(parts, QuadParts)
    assert 0 < parts.loaded() < 13  # the edited file's graph and those its walks reach
    cold = build(corpus, sources_dir=sources, run_validation=False)
    assert made.mapping.quads == cold.mapping.quads  # asked for all: every part, in order
    assert parts.loaded() == 13


def test_kept_quads_that_cannot_be_read_are_mapped_afresh(
    corpus_home: Path, tmp_path: Path
) -> None:
    corpus, _ = _copy(corpus_home, tmp_path)
    cache = tmp_path / "cache"
    _messages(corpus, cache)
    _revise_a_title(corpus)
    mapped = cache / docunits.UNITS_DIR / "mapped.bin"
    said: list[str] = []
    made = build(
        corpus, cache_dir=cache, keep_corpus=False, run_validation=False, progress=said.append
    )
    assert isinstance(made.mapping.statements, QuadParts)
    mapped.write_bytes(bytes(len(mapped.read_bytes())))  # zeroed under the running build
    assert made.mapping.quads == build(corpus, run_validation=False).mapping.quads
    assert said[-1] == "mapping to RDF, every file: a kept mapping is damaged"
    assert _messages(corpus, cache) == [  # the state the recovery kept is whole again
        "mapping to RDF: 0 files loaded and mapped again, 13 kept"
    ]


def test_a_registry_edit_maps_the_registry_and_the_files_it_reaches(
    corpus_home: Path, tmp_path: Path
) -> None:
    corpus, _ = _copy(corpus_home, tmp_path)
    cache = tmp_path / "cache"
    _messages(corpus, cache)
    registry = corpus / synth.REGISTRY
    text = registry.read_text()
    registry.write_text(text.replace("  name: ", "  name: Dr ", 1))  # a name: no id moves
    assert _messages(corpus, cache) == ["mapping to RDF: 1 file loaded and mapped again, 12 kept"]
    registry.unlink()  # every reference to it breaks: the full build reports them all
    said: list[str] = []
    with pytest.raises(InputError):
        build(corpus, cache_dir=cache, keep_corpus=False, progress=said.append)
    assert "loading 12 document files from" in said[0] and len(said) == 1


def test_another_base_or_directory_maps_everything(corpus_home: Path, tmp_path: Path) -> None:
    corpus, sources = _copy(corpus_home, tmp_path)
    cache = tmp_path / "cache"
    _messages(corpus, cache)
    (said,) = _messages(corpus, cache, sources)
    assert said == (
        "mapping to RDF, every file: kg, its models, the base or the input directories changed"
    )


def test_a_caller_keeping_the_corpus_gets_it_whole(corpus_home: Path, tmp_path: Path) -> None:
    corpus, _ = _copy(corpus_home, tmp_path)
    cache = tmp_path / "cache"
    _messages(corpus, cache)
    made = build(corpus, cache_dir=cache, run_validation=False)
    assert made.corpus is not None and len(made.corpus.documents) == 12


def test_many_changed_files_map_everything(
    corpus_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, _ = _copy(corpus_home, tmp_path)
    cache = tmp_path / "cache"
    _messages(corpus, cache)
    monkeypatch.setattr(docunits, "MIN_FILES", 2)
    for document in _documents(corpus)[:3]:
        document.write_text(document.read_text() + "\n")
    assert _messages(corpus, cache) == ["mapping to RDF, every file: 3 files changed"]


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    read: list[bytes] = []
    original = docunits._sha

    def sha(data: bytes) -> str:
        read.append(data)
        return original(data)

    monkeypatch.setattr(docunits, "_sha", sha)
    return read


def _hashed_once(tmp_path: Path) -> tuple[Path, Seen]:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"one")
    first = Seen()
    first.sha(path)
    return path, first


def test_settled_files_are_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, first = _hashed_once(tmp_path)
    digest = docunits._sha(b"one")
    later = Seen(first.now, time.time_ns() + 10 * Seen.SETTLED_NS)  # hashed long after
    read = _counting(monkeypatch)
    assert later.sha(path) == digest and read == []


def test_files_changed_with_their_times_put_back_are_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, first = _hashed_once(tmp_path)
    status = path.stat()
    time.sleep(0.01)
    path.write_bytes(b"two")  # same size; mtime put back, as cp -p or touch -d would
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    later = Seen(first.now, time.time_ns() + 10 * Seen.SETTLED_NS)
    read = _counting(monkeypatch)
    assert later.sha(path) == docunits._sha(b"two")  # the change time moved
    assert read[0] == b"two"


def test_files_changed_just_before_they_were_hashed_are_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, first = _hashed_once(tmp_path)
    later = Seen(first.now, first.now_ns)  # the file's times are not settled before then
    read = _counting(monkeypatch)
    later.sha(path)
    assert read == [b"one"]


def test_the_build_fingerprint_is_the_same_with_files_not_read_again(
    corpus_home: Path, tmp_path: Path
) -> None:
    from kg.incremental import fingerprint

    corpus, sources = _copy(corpus_home, tmp_path)
    cache = tmp_path / "cache"
    _messages(corpus, cache, sources)
    seen = Seen.kept_in(cache)
    assert seen.known  # the build kept what it saw
    options = {"formats": ["ttl"]}
    assert fingerprint(corpus, sources, options, seen.sha) == fingerprint(corpus, sources, options)
