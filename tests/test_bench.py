"""bench/run.py's machinery: the one-file edits it times, the memory cap it runs under, the
stages it reads from kg.build's progress messages, and its report of a run cut short.

The benchmark's figures mean something only if each timed rebuild sees exactly one valid
change and a run that hits the memory cap is stopped and said to be.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import kg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import edits, run, synth  # noqa: E402


def _files(*directories: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for d in directories for p in sorted(d.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, bytes]:
    """A small clean corpus, its sources, and its graph as N-Quads."""
    home = tmp_path_factory.mktemp("bench")
    synth.generate(home / "corpus", 8, seed=3, sources=home / "sources")
    built = kg.build(home / "corpus", sources_dir=home / "sources")
    return home / "corpus", home / "sources", built.serialise(kg.Format.NQUADS)


@pytest.mark.parametrize("edit", edits.EDITS, ids=lambda e: e.key)
def test_each_edit_is_one_valid_change_and_is_undone(
    edit: edits.Edit, corpus: tuple[Path, Path, bytes]
) -> None:
    seeds, sources, before = corpus
    files = _files(seeds, sources)
    applied = edit.apply(seeds, sources)
    try:
        changed = {p for p, data in _files(seeds, sources).items() if files[p] != data}
        assert changed == {p for p, _ in applied.before}
        assert 1 <= len(changed) <= 2  # the source edit also writes the new hash
        built = kg.build(seeds, sources_dir=sources)  # quotes anchor, references resolve
        assert built.report is not None and built.report.violation_free
        assert built.serialise(kg.Format.NQUADS) != before
    finally:
        applied.undo()
    assert _files(seeds, sources) == files


def test_edits_that_find_nothing_to_change_say_so(tmp_path: Path) -> None:
    synth.generate(tmp_path, 2, seed=1)
    with pytest.raises(ValueError, match="sources"):
        edits.source_text(tmp_path, None)
    for path in tmp_path.glob("*.yaml"):
        path.write_text("source:\n  id: x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no document has 'claims:'"):
        edits.fact_field(tmp_path, None)


def test_a_command_above_the_memory_cap_is_killed_and_reported() -> None:
    hog = "import time; block = bytearray(400 * 2**20); time.sleep(30)"
    result = run._timed_run([sys.executable, "-c", hog], cap_mb=150)
    assert result["killed_at_rss_mb"] > 150


def test_a_command_under_the_cap_reports_its_group_peak() -> None:
    child = "import time; block = bytearray(60 * 2**20); time.sleep(1.5)"
    parent = (
        "import subprocess, sys, time; block = bytearray(60 * 2**20); "
        f"subprocess.run([sys.executable, '-c', {child!r}], check=True)"
    )
    result = run._timed_run([sys.executable, "-c", parent], cap_mb=4096)
    assert "killed_at_rss_mb" not in result
    assert result["group_peak_rss_mb"] > 120  # parent and child together


def test_stages_follow_the_progress_messages(tmp_path: Path) -> None:
    meter = run.Meter(tmp_path / run.STAGE_LOG)
    for message in ("loading 3 document files from x", "mapping to RDF", "validating 1,234 s"):
        meter.progress(message)
    assert list(meter.stages) == ["load+resolve", "map"]
    stages, started = run.read_stage_log(tmp_path / run.STAGE_LOG)
    assert list(stages) == ["load+resolve", "map"] and started == "validate (kg)"
    meter.close()
    assert run.read_stage_log(tmp_path / run.STAGE_LOG) == (meter.stages, None)
    assert run.stage_of("merging 12,000 graphs") == "merging N graphs"


def test_a_build_run_through_progress_gives_every_stage(
    tmp_path: Path, corpus: tuple[Path, Path, bytes]
) -> None:
    meter = run.Meter()
    built = kg.build(corpus[0], sources_dir=corpus[1], progress=meter.progress)
    assert built.report is not None
    meter.close()
    assert {"load+resolve", "anchor evidence", "map", "validate (kg)"} <= set(meter.stages)


def test_a_report_of_a_stopped_run_says_where_it_stopped() -> None:
    stopped = {"stage": "map", "seconds": 80.0, "killed_at_rss_mb": 12400.0}
    cold = {"seconds": 95.0, "peak_rss_mb": 9000.0, "killed_at_rss_mb": 12300.0}
    result = {
        "label": "10M",
        "triples": 10_000_000,
        "documents": 31_000,
        "quads": None,
        "stages": {"load+resolve": {"seconds": 60.0}, run.COMMAND_STAGES[0]: cold},
        "stopped": stopped,
    }
    report = {
        "command": "python bench/run.py --sizes 10M",
        "date": "2026-01-01",
        "machine": run.machine(),
        "seed": 0,
        "query_repeats": 1,
        "reference_max_triples": 1,
        "memory_method": "",
        "results": [result],
        "growth": run.growth([result]),
    }
    text = run.render(json.loads(json.dumps(report)))
    assert "stopped above the memory cap after 80 s, at 12,400 MB, in the stage map" in text
    assert "`kg build (command, cold)` was stopped above the memory cap" in text
    assert "| **`kg build`, cold** | **stopped at 12.0 GiB** |" in text  # the README's table
