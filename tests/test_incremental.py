"""Rebuilds: nothing changed means nothing to do; the load cache is invalidated correctly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import kg
from kg.cache import LoadCache
from kg.cli import main
from kg.load import load_document

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    copy = tmp_path / "seeds"
    shutil.copytree(GOLDEN / "seeds", copy)
    return copy


def build(seeds: Path, out: Path, *extra: str) -> int:
    return main(["build", str(seeds), "-o", str(out), *extra])


def test_unchanged_inputs_are_not_built_again(
    seeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert build(seeds, out) == 0
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    capsys.readouterr()
    assert build(seeds, out) == 0
    assert "up to date" in capsys.readouterr().err
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_editing_one_file_rebuilds(
    seeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert build(seeds, out) == 0
    registry = seeds / "registry.yaml"
    registry.write_text(registry.read_text().replace("name: Dev Marsh", "name: Devon Marsh"))
    capsys.readouterr()
    assert build(seeds, out) == 0
    assert "up to date" not in capsys.readouterr().err
    assert "Devon Marsh" in (out / "graph.ttl").read_text()


@pytest.mark.parametrize("damage", ["output", "manifest"])
def test_damaged_outputs_or_manifest_rebuild(
    seeds: Path, tmp_path: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert build(seeds, out) == 0
    good = (out / "graph.ttl").read_bytes()
    target = out / ("graph.ttl" if damage == "output" else "graph.build.json")
    target.write_bytes(target.read_bytes()[:50])
    capsys.readouterr()
    assert build(seeds, out) == 0
    assert "up to date" not in capsys.readouterr().err
    assert (out / "graph.ttl").read_bytes() == good
    json.loads((out / "graph.build.json").read_text())


def test_other_options_rebuild(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build(seeds, out) == 0
    assert build(seeds, out, "--format", "nt") == 0
    assert (out / "graph.nt").exists()


def test_load_cache_hits_misses_and_recovers(seeds: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    report = seeds / "report.yaml"
    first = kg.load_corpus(seeds, cache_dir=cache_dir)
    cache = LoadCache(cache_dir)
    cached, problems = load_document(report, str(report), cache)
    assert problems == [] and cache.hits == 1
    assert cached is not None
    assert cached.model == first.documents[0].model
    assert cached.location(("roles", 1)) == first.documents[0].location(("roles", 1))

    # An edited file misses; the entry for the old bytes stays harmlessly.
    report.write_text(report.read_text().replace("rule 4.2", "rule 4.3"))
    cache = LoadCache(cache_dir)
    edited, _ = load_document(report, str(report), cache)
    assert cache.misses == 1 and edited is not None
    assert edited.model.disciplinary_actions[0].rule == "rule 4.3"

    # A corrupt entry is deleted and the file parsed again.
    for entry in cache_dir.glob("*.json"):
        entry.write_text("{not json")
    cache = LoadCache(cache_dir)
    again, problems = load_document(report, str(report), cache)
    assert problems == [] and cache.misses == 1 and again is not None
    assert again.model == edited.model


def test_builds_with_and_without_cache_are_identical(seeds: Path, tmp_path: Path) -> None:
    plain = kg.build(seeds, run_validation=False).serialise(kg.Format.TRIG)
    cached_once = kg.build(seeds, cache_dir=tmp_path / "c", run_validation=False)
    cached_twice = kg.build(seeds, cache_dir=tmp_path / "c", run_validation=False)
    assert cached_once.serialise(kg.Format.TRIG) == plain
    assert cached_twice.serialise(kg.Format.TRIG) == plain
    assert cached_twice.sourcemap() == kg.build(seeds, run_validation=False).sourcemap()
