"""A cold build mapped in a child process (kg.coldmap) against the same build in process:
the same statements, labels, source map, report, files and messages; the same errors."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import pytest

import kg.coldmap
import kg.partition
from kg.build import Build, build
from kg.cli import main
from kg.errors import InputError, KgError
from kg.resolve import Corpus

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "fixtures" / "golden"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import synth  # noqa: E402

build_module = importlib.import_module("kg.build")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small corpus with a SHACL violation of every kind, its source texts beside it."""
    home = tmp_path_factory.mktemp("coldmap")
    synth.generate(
        home / "corpus",
        6,
        seed=3,
        violations=len(synth.VIOLATION_KINDS),
        sources=home / "sources",
    )
    return home / "corpus"


def _built(
    seeds: Path,
    sources: Path | None,
    child: bool,
    monkeypatch: pytest.MonkeyPatch,
    children: int = 1,
) -> tuple[Build, list[str]]:
    monkeypatch.setattr(kg.coldmap, "CHILD_MIN_FILES", 0 if child else 10**9)
    forks: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(os, "fork", fork)
    messages: list[str] = []
    try:
        made = build(seeds, sources_dir=sources, keep_corpus=False, progress=messages.append)
    finally:
        assert len(forks) == (children if child else 0)  # the path asked for was taken
    return made, messages


@pytest.mark.parametrize("with_sources", [False, True])
def test_child_mapping_is_the_in_process_mapping(
    corpus: Path, with_sources: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = corpus.parent / "sources" if with_sources else None
    apart, apart_said = _built(corpus, sources, True, monkeypatch)
    here, here_said = _built(corpus, sources, False, monkeypatch)
    assert apart.mapping.quads == here.mapping.quads
    assert apart.mapping.label_statements() == here.mapping.label_statements()
    assert dict(apart.mapping.origins.texts) == dict(here.mapping.origins.texts)
    assert apart.sourcemap() == here.sourcemap()
    assert apart_said == here_said  # the child's progress lines, relayed in order
    report = apart.report
    assert report is not None and report == here.report
    assert any(result.location is not None for result in report.results)  # traced to lines
    for (path, data), (other, expected) in zip(
        sorted(apart.render("out").items()), sorted(here.render("out").items()), strict=True
    ):
        assert path == other and data == expected


def test_validation_in_groups_in_a_child_gives_the_same_report(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Groups of a few statements (kg.partition), validated in a second child that reads
    the statements back from the spill, against the same groups in process."""
    monkeypatch.setattr(kg.partition, "PARTITION_STATEMENTS", 200)
    monkeypatch.setattr(build_module, "PARTITION_STATEMENTS", 200)
    apart, apart_said = _built(corpus, None, True, monkeypatch, children=2)
    here, here_said = _built(corpus, None, False, monkeypatch)
    assert apart_said == here_said
    report = apart.report
    assert report is not None and report == here.report
    assert not report.violation_free and any(r.location is not None for r in report.results)
    assert apart.render("out") == here.render("out")


def test_the_golden_seeds_map_alike_in_a_child(monkeypatch: pytest.MonkeyPatch) -> None:
    apart, _ = _built(GOLDEN / "seeds", None, True, monkeypatch)
    here, _ = _built(GOLDEN / "seeds", None, False, monkeypatch)
    assert apart.render("out") == here.render("out")
    assert apart.report == here.report


def test_input_problems_come_back_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for path in (GOLDEN / "seeds").iterdir():
        text = path.read_text(encoding="utf-8")
        if path.name != "registry.yaml":
            text = text.replace("bram-osei", "bram-osie")  # a dangling reference
        (seeds / path.name).write_text(text, encoding="utf-8")
    found = []
    for child in (True, False):
        with pytest.raises(InputError) as raised:
            _built(seeds, None, child, monkeypatch)
        found.append((str(raised.value), raised.value.problems))
    assert found[0] == found[1]
    assert "bram-osie" in found[0][0]


def test_the_command_gives_the_same_files_report_and_exit(
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    outcomes: list[Any] = []
    for child in (True, False):
        monkeypatch.setattr(kg.coldmap, "CHILD_MIN_FILES", 0 if child else 10**9)
        out = tmp_path / f"out-{child}"
        code = main(["build", str(corpus), "-o", str(out), "--force", "-j", "2"])
        err = capsys.readouterr().err.replace(str(out), "OUT")
        files = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.suffix != ".json"}
        outcomes.append((code, err, files, (out / "graph.sourcemap.json").read_bytes()))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == 1  # the corpus has violations; --force wrote the files anyway


def _loads(corpus: Corpus) -> kg.coldmap.Loader:
    def load(progress: kg.coldmap.Progress) -> Corpus:
        progress("loaded")
        return corpus

    return load


def test_errors_in_the_child_are_raised_in_the_caller() -> None:
    said: list[str] = []

    def failing(progress: kg.coldmap.Progress) -> Corpus:
        progress("about to fail")
        raise KgError("no corpus here")

    with pytest.raises(KgError, match="no corpus here"):
        kg.coldmap.map_in_child(failing, base="https://example.org/id/", progress=said.append)
    assert said == ["about to fail"]

    class UnpicklableError(Exception):
        def __reduce__(self) -> Any:
            raise TypeError("not today")

    def odd(progress: kg.coldmap.Progress) -> Corpus:
        raise UnpicklableError("a local exception class")

    with pytest.raises(KgError, match="a local exception class"):
        kg.coldmap.map_in_child(odd, base="https://example.org/id/", progress=said.append)


def test_a_child_that_dies_is_an_error_not_a_hang() -> None:
    def dies(progress: kg.coldmap.Progress) -> Corpus:
        os._exit(3)

    with pytest.raises(KgError, match="exited with status 3"):
        kg.coldmap.map_in_child(dies, base="https://example.org/id/", progress=print)


def test_small_corpora_stay_in_process(corpus: Path, tmp_path: Path) -> None:
    assert not kg.coldmap.worth_a_child(corpus)  # six documents
    assert not kg.coldmap.worth_a_child(tmp_path / "missing")
