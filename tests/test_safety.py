"""Nothing lost, nothing outside the configured directories: atomic writes and path safety."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

import kg
from kg.atomic import StagedFiles, write_atomically
from kg.cli import main
from kg.errors import InputError, OutputError

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"


def copy_golden(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(GOLDEN / "seeds", seeds)
    return seeds


def test_failure_while_writing_keeps_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while writing leaves every previous file as it was (files whose bytes
    are unchanged are not rewritten, so the new N-Triples file is the one written)."""
    out = tmp_path / "out"
    assert main(["build", str(GOLDEN / "seeds"), "-o", str(out), "-q"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    result = kg.build(GOLDEN / "seeds", run_validation=False)
    with pytest.raises(OutputError, match=r"cannot write .*graph\.nt: No space left"):
        result.write(out, [kg.Format.TURTLE, kg.Format.TRIG, kg.Format.NTRIPLES])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no temp files left


def test_failure_while_serialising_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    result = kg.build(GOLDEN / "seeds", run_validation=False)

    def broken(*_: object) -> bytes:
        raise RuntimeError("serialiser crashed")

    monkeypatch.setattr(kg.io, "trig", broken)  # after the graph blocks were made, before any file
    with pytest.raises(RuntimeError):
        result.write(out)
    assert not out.exists() or list(out.iterdir()) == []


def test_write_atomically_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "a.ttl"
    target.write_text("old")
    write_atomically({target: b"new", tmp_path / "sub" / "b.ttl": b"other"})
    assert target.read_bytes() == b"new"
    assert (tmp_path / "sub" / "b.ttl").read_bytes() == b"other"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ttl", "sub"]


@pytest.mark.parametrize("threads", [False, True])
def test_staged_files_are_written_and_hashed_as_added_and_moved_all_at_once(
    tmp_path: Path, threads: bool
) -> None:
    old, big = tmp_path / "old.ttl", tmp_path / "sub" / "big.nt"
    old.write_bytes(b"before")
    content = {old: b"after", big: bytes(range(256)) * 20_000}
    with StagedFiles({old: content[old]}, hashed=True, threads=threads) as staged:
        staged.add({big: content[big]})
        digests = staged.digests()
        assert old.read_bytes() == b"before" and not big.exists()  # nothing moved yet
        staged.commit()
    assert {path: path.read_bytes() for path in content} == content
    assert digests == {path: hashlib.sha256(data).hexdigest() for path, data in content.items()}
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["big.nt", "old.ttl", "sub"]


@pytest.mark.parametrize("threads", [False, True])
def test_staged_files_left_uncommitted_or_failing_leave_every_target_as_it_was(
    tmp_path: Path, threads: bool
) -> None:
    first, second = tmp_path / "a.ttl", tmp_path / "b.ttl"
    first.write_bytes(b"kept")
    nested = tmp_path / "new" / "deeper" / "c.ttl"  # directories made for it go too
    with StagedFiles({first: b"new", second: b"new", nested: b"new"}, threads=threads):
        pass  # no commit: an interrupted or failed build
    blocked = tmp_path / "file" / "c.ttl"  # its directory is a file: it cannot be written
    (tmp_path / "file").write_bytes(b"")
    with (
        pytest.raises(OutputError) as caught,
        StagedFiles({first: b"new", blocked: b"x", second: b"y"}, threads=threads) as staged,
    ):
        staged.commit()
    assert caught.value.path == blocked
    assert first.read_bytes() == b"kept" and not second.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ttl", "file"]


@pytest.mark.parametrize(
    "file_name",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "..",
        "sub/dir.txt",
        "a\\b.txt",
        ".hidden",
        "",
    ],
)
def test_source_file_names_cannot_leave_the_sources_directory(
    tmp_path: Path, file_name: str
) -> None:
    seeds = copy_golden(tmp_path)
    report = seeds / "report.yaml"
    report.write_text(report.read_text().replace("file: report.txt", f"file: {file_name!r}"))
    with pytest.raises(InputError) as caught:
        kg.load_corpus(seeds, sources_dir=GOLDEN / "sources")
    assert [p.field for p in caught.value.problems] == ["source.file"]


def test_source_links_out_of_the_sources_directory_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text((GOLDEN / "sources" / "report.txt").read_text())
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "report.txt").symlink_to(outside)
    with pytest.raises(InputError, match="link to outside"):
        kg.load_corpus(GOLDEN / "seeds", sources_dir=sources)


@pytest.mark.parametrize("bad_id", ["../x", "a/b", "A", "a--b", "-a", "a_b", "a b", "é"])
def test_ids_are_safe_slugs(tmp_path: Path, bad_id: str) -> None:
    """Ids become IRI path segments; anything but a slug is refused at the door."""
    seeds = copy_golden(tmp_path)
    registry = seeds / "registry.yaml"
    registry.write_text(registry.read_text().replace("id: dev-marsh", f"id: {bad_id!r}"))
    with pytest.raises(InputError) as caught:
        kg.load_corpus(seeds)
    assert any(
        p.field == "people.3.id" and "not a valid id" in p.message for p in caught.value.problems
    )


def test_only_files_directly_in_the_seeds_directory_are_read(tmp_path: Path) -> None:
    seeds = copy_golden(tmp_path)
    (seeds / "nested").mkdir()
    (seeds / "nested" / "evil.yaml").write_text("not: [valid")
    (seeds / ".hidden.yaml").write_text("not: [valid")
    (seeds / "notes.txt").write_text("ignored")
    corpus = kg.load_corpus(seeds)
    assert [d.path.name for d in corpus.documents] == ["report.yaml"]


HOSTILE = [
    "He said \"no\" \\ then 'yes'",
    "line one\nline two\r\nthree",
    "<script>alert(1)</script> & > <",
    "tab\there, nul-free \x01\x07\x1f controls",
    "emoji 🗳️ and RTL עברית العربية",
    '""" triple quotes """ and \\u0041 escapes',
    "x" * 5000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_literals_round_trip_in_every_format(tmp_path: Path, text: str) -> None:
    import json as json_module

    from rdflib import Dataset, Graph, Literal
    from rdflib.compare import isomorphic
    from rdflib.namespace import SKOS

    seeds = copy_golden(tmp_path)
    registry = seeds / "registry.yaml"
    registry.write_text(
        registry.read_text().replace(
            "    name: Dev Marsh", f"    name: {json_module.dumps(text, ensure_ascii=False)}"
        )
    )
    result = kg.build(seeds, run_validation=False)
    assert (None, SKOS.prefLabel, Literal(text)) in result.graph()
    for fmt in kg.Format:
        data = result.serialise(fmt)
        if fmt in {kg.Format.TRIG, kg.Format.NQUADS}:
            parsed = Dataset()
            parsed.parse(data=data, format="trig" if fmt is kg.Format.TRIG else "nquads")
            merged = Graph()
            for s, p, o, _ in parsed.quads((None, None, None, None)):
                merged.add((s, p, o))
        else:
            merged = Graph()
            merged.parse(
                data=data, format={"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}[fmt.value]
            )
        assert isomorphic(merged, result.graph()), fmt
