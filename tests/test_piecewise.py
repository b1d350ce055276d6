"""Piecewise TriG/Turtle (kg.piecewise, kg.pieces) against the plain writer (kg.io).

The cached path must give the plain path's bytes after any sequence of edits, whatever
state the cache directory is in: empty, from an earlier build, corrupt, truncated,
from another version, or left half-written by a killed process.
"""

from __future__ import annotations

import marshal
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

import kg
from kg import ntriples, piecewise
from kg.cli import main
from kg.io import (
    Format,
    serialise_formats,
    statement_key,
    turtle,
    turtle_document,
    turtle_pieces,
)
from kg.ntriples import Quad
from kg.pieces import INDEX, MAX_PACKS, PACK_PREFIX, PIECES_DIR, PieceCache

BOTH = [Format.TURTLE, Format.TRIG]
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
XSD = "http://www.w3.org/2001/XMLSchema#"

# IRIs that sort next to one another ("<a>" < "<a#x>" < "<a/b>"), some under kg's prefixes
# so Oxigraph abbreviates them, and blank nodes whose labels are prefixes of each other.
SUBJECTS = [
    "<http://ex.org/a>",
    "<http://ex.org/a#x>",
    "<http://ex.org/a/b>",
    "<http://ex.org/a/b/c>",
    "<http://ex.org/ab>",
    "<https://w3id.org/kg/id/person/p1>",
    "<https://w3id.org/kg/id/person/p1-x>",
    "<https://schema.org/Thing>",
    "_:b1",
    "_:b10",
]
PREDICATES = [
    RDF_TYPE,
    "<https://schema.org/name>",
    "<http://www.w3.org/2004/02/skos/core#altLabel>",
    "<http://ex.org/p>",
    "<http://ex.org/p/q>",
]
GRAPHS = [f"<https://w3id.org/kg/id/source/s{n}>" for n in (1, 2, 10, 3)] + ["<http://ex.org/a>"]


@st.composite
def literals(draw: st.DrawFn) -> str:
    text = draw(
        st.one_of(
            st.text(
                alphabet=st.sampled_from(['"', "\\", "\n", "\r", "\t", "a", " ", ".", "é", "😀"]),
                max_size=8,
            ),
            st.text(max_size=6),
            st.just("x" * 400 + ' "long" \\ .'),
            st.just("}"),
            st.just(" ."),
        )
    )
    kind = draw(st.sampled_from(["plain", "lang", "type"]))
    if kind == "lang":
        return ntriples.literal(text, language=draw(st.sampled_from(["en", "en-GB", "fr"])))
    if kind == "type":
        datatype = draw(st.sampled_from(["integer", "date", "gYear", "string", "boolean"]))
        return ntriples.literal(text, datatype=XSD + datatype)
    return ntriples.literal(text)


objects = st.one_of(st.sampled_from(SUBJECTS), literals())


@st.composite
def quads_of(draw: st.DrawFn, graphs: list[str], max_size: int = 12) -> list[Quad]:
    return draw(
        st.lists(
            st.tuples(
                st.sampled_from(SUBJECTS),
                st.sampled_from(PREDICATES),
                objects,
                st.sampled_from(graphs),
            ),
            max_size=max_size,
        )
    )


def grouped(quads: list[Quad]) -> list[Quad]:
    """Quads with each graph's together, as the mapper writes them (order within kept)."""
    order = {graph: index for index, graph in enumerate(dict.fromkeys(q[3] for q in quads))}
    return sorted(quads, key=lambda q: order[q[3]])


@st.composite
def edit(draw: st.DrawFn, quads: list[Quad]) -> tuple[str, list[Quad]]:
    """One edit of a corpus's quads, named for the failure report."""
    kind = draw(
        st.sampled_from(
            ["add", "append", "remove", "drop graph", "drop subject", "change", "same", "repeat"]
        )
    )
    quads = list(quads)
    if kind == "add":
        quads = grouped(quads + draw(quads_of(GRAPHS, 6)))
    elif kind == "append":  # a graph's quads in two runs
        quads += draw(quads_of(GRAPHS, 4))
    elif kind == "remove" and quads:
        del quads[draw(st.integers(0, len(quads) - 1))]
    elif kind == "drop graph" and quads:
        graph = draw(st.sampled_from([q[3] for q in quads]))
        quads = [q for q in quads if q[3] != graph]
    elif kind == "drop subject" and quads:
        subject = draw(st.sampled_from([q[0] for q in quads]))
        quads = [q for q in quads if q[0] != subject]
    elif kind == "change" and quads:
        index = draw(st.integers(0, len(quads) - 1))
        s, p, _, g = quads[index]
        quads[index] = (s, p, draw(objects), g)
    elif kind == "repeat" and quads:
        quads.insert(0, quads[-1])
    return kind, quads


def cached(quads: list[Quad], directory: Path, formats: list[Format] = BOTH) -> dict[Format, bytes]:
    """A build's serialisation with a fresh PieceCache on ``directory``, committed after."""
    pieces = PieceCache(directory)
    made = piecewise.serialise_formats(quads, formats, pieces=pieces)
    pieces.commit()
    return made


@given(st.data())
def test_cached_output_equals_plain_after_every_edit(data: st.DataObject) -> None:
    quads = grouped(data.draw(quads_of(GRAPHS, 30)))
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "pieces"
        for step in range(6):
            if step:
                kind, quads = data.draw(edit(quads))
                note(f"step {step}: {kind}")
            assert cached(quads, directory) == serialise_formats(quads, BOTH)


def seed_quads() -> list[Quad]:
    return kg.build(
        Path(__file__).resolve().parent.parent / "seeds", run_validation=False
    ).mapping.quads


@pytest.fixture(scope="module")
def seeds() -> list[Quad]:
    return seed_quads()


def test_each_subject_alone_gives_its_bytes_in_the_whole_document(seeds: list[Quad]) -> None:
    """The premise of Turtle pieces: a subject's statement, formatted from its lines
    alone, is byte for byte what it is inside the document of every subject."""
    keys = sorted({statement_key(s, p, o) for s, p, o, _ in seeds})
    lines = [key.replace("\0", " ", 1) + " ." for key in keys]
    by_subject: dict[str, list[str]] = {}
    for key, line in zip(keys, lines, strict=True):
        subject = key.split("\0", 1)[0].split(" ", 1)[0]
        by_subject.setdefault(subject, []).append(line)
    assert list(by_subject) == sorted(by_subject)  # each subject's lines are contiguous
    whole = turtle(lines)
    alone = [turtle(group).partition(b"\n\n")[2] for group in by_subject.values()]
    assert len(by_subject) > 100
    assert turtle_document(alone) == whole
    assert turtle_pieces(list(by_subject.values())) == alone  # one Oxigraph call, cut


def test_seed_build_with_cache_equals_plain_and_reuses(seeds: list[Quad], tmp_path: Path) -> None:
    formats = list(Format)
    plain = serialise_formats(seeds, formats)
    assert cached(seeds, tmp_path, formats) == plain
    pieces = PieceCache(tmp_path)
    assert piecewise.serialise_formats(seeds, formats, pieces=pieces) == plain
    assert pieces.misses == 0 and pieces.hits > 10  # blocks, and subjects in several graphs


def test_other_formats_and_no_cache_are_the_plain_path(seeds: list[Quad]) -> None:
    formats = [Format.NTRIPLES, Format.NQUADS, Format.TURTLE]
    assert piecewise.serialise_formats(seeds, formats) == serialise_formats(seeds, formats)


def _damage(directory: Path, how: str) -> None:
    index = directory / INDEX
    pack = max(directory.glob(f"{PACK_PREFIX}*"), key=lambda path: path.stat().st_size)
    if how == "flip a byte in the pack":
        data = bytearray(pack.read_bytes())
        data[len(data) // 2] ^= 0x20
        pack.write_bytes(bytes(data))
    elif how == "truncate the pack":
        pack.write_bytes(pack.read_bytes()[:-7])
    elif how == "delete the pack":
        pack.unlink()
    elif how == "truncate the index":
        index.write_bytes(index.read_bytes()[:-100])
    elif how == "flip a byte in the index":
        data = bytearray(index.read_bytes())
        data[len(data) // 3] ^= 0x01
        index.write_bytes(bytes(data))
    elif how == "foreign index":
        index.write_bytes(b"\x80\x04\x95 not an index at all, and no pickle is read\n" * 20)
    elif how == "empty index":
        index.write_bytes(b"")


DAMAGES = [
    "flip a byte in the pack",
    "truncate the pack",
    "delete the pack",
    "truncate the index",
    "flip a byte in the index",
    "foreign index",
    "empty index",
]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_cache_is_detected_and_formatted_again(
    seeds: list[Quad], tmp_path: Path, how: str
) -> None:
    plain = serialise_formats(seeds, BOTH)
    cached(seeds, tmp_path)
    _damage(tmp_path, how)
    pieces = PieceCache(tmp_path)
    assert piecewise.serialise_formats(seeds, BOTH, pieces=pieces) == plain
    assert pieces.misses > 0 and pieces.hits == 0
    pieces.commit()  # the damage is repaired: everything is reused next time
    again = PieceCache(tmp_path)
    assert piecewise.serialise_formats(seeds, BOTH, pieces=again) == plain
    assert again.misses == 0


def test_an_index_of_another_kg_or_oxigraph_is_ignored(
    seeds: list[Quad], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached(seeds, tmp_path)
    monkeypatch.setattr("kg.pieces.fingerprint", lambda: b"another version")
    pieces = PieceCache(tmp_path)
    assert piecewise.serialise_formats(seeds, BOTH, pieces=pieces) == serialise_formats(seeds, BOTH)
    assert pieces.hits == 0


def test_nothing_is_written_until_commit(seeds: list[Quad], tmp_path: Path) -> None:
    """A build that fails after serialising leaves the cache as it was."""
    piecewise.serialise_formats(seeds, BOTH, pieces=PieceCache(tmp_path / "pieces"))
    assert not (tmp_path / "pieces").exists()


def test_the_cache_keeps_only_what_the_last_build_used(tmp_path: Path) -> None:
    """Each edit adds a small pack; dead bytes are dropped, packs stay few."""
    quads = [
        (f"<http://ex.org/s{n}>", "<http://ex.org/p>", ntriples.literal(f"v{n} " * 40), g)
        for g in GRAPHS
        for n in range(40)
    ]
    made = {}
    for step in range(3 * MAX_PACKS):
        quads[step % len(quads)] = (*quads[step % len(quads)][:2], f'"edit {step}"', quads[0][3])
        quads = grouped(quads)
        made = cached(quads, tmp_path)
        assert made == serialise_formats(quads, BOTH)
        packs = list(tmp_path.glob(f"{PACK_PREFIX}*"))
        assert len(packs) <= MAX_PACKS
        assert sum(p.stat().st_size for p in packs) <= 2 * sum(map(len, made.values()))
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(PACK_PREFIX)) == [
        INDEX
    ]


_KILLED_COMMIT = """
import marshal, os, signal, sys
from pathlib import Path
from kg import piecewise
from kg.io import Format
from kg.pieces import PieceCache

quads = [tuple(q) for q in marshal.loads(Path(sys.argv[1]).read_bytes())]
pieces = PieceCache(Path(sys.argv[2]))
piecewise.serialise_formats(quads, [Format.TURTLE, Format.TRIG], pieces=pieces)
kill_at, opened = int(sys.argv[3]), 0
real_fdopen = os.fdopen


class Torn:  # writes half of what it is given, then the process is killed
    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stream.close()

    def write(self, data):
        self.stream.write(data[: len(data) // 2])
        self.stream.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def fdopen(fd, *args, **kwargs):
    global opened
    opened += 1
    stream = real_fdopen(fd, *args, **kwargs)
    return Torn(stream) if opened == kill_at else stream


os.fdopen = fdopen
pieces.commit()
"""


@pytest.mark.parametrize("kill_at", [1, 2])
def test_a_commit_killed_half_way_leaves_a_usable_cache(
    seeds: list[Quad], tmp_path: Path, kill_at: int
) -> None:
    """SIGKILL while the new pack (1st write) or the index (2nd) is half written: the
    next build is still byte-identical, and the next commit sweeps the leftovers."""
    directory = tmp_path / "pieces"
    old = seeds[: len(seeds) // 2]
    cached(old, directory)
    data = tmp_path / "quads.marshal"
    data.write_bytes(marshal.dumps([list(q) for q in seeds]))
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_COMMIT, str(data), str(directory), str(kill_at)],
        check=False,
    )
    assert done.returncode == -signal.SIGKILL
    assert any(p.name.startswith(".") for p in directory.iterdir())  # a torn temporary file
    for quads in (seeds, old):
        assert cached(quads, directory) == serialise_formats(quads, BOTH)
    assert not any(p.name.startswith(".") for p in directory.iterdir())


GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden" / "seeds"


def test_kg_build_cache_reuses_pieces_and_writes_what_a_plain_build_writes(
    tmp_path: Path,
) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(GOLDEN, seeds)
    cache, out, plain = tmp_path / "cache", tmp_path / "out", tmp_path / "plain"
    registry = seeds / "registry.yaml"
    for step in range(2):
        if step:
            registry.write_text(registry.read_text().replace("Dev Marsh", "Devon Marsh"))
        assert main(["build", str(seeds), "-o", str(out), "-q", "--cache", str(cache)]) == 0
        assert main(["build", str(seeds), "-o", str(plain), "-q", "--rebuild"]) == 0
        for name in ("graph.ttl", "graph.trig"):
            assert (out / name).read_bytes() == (plain / name).read_bytes()
        assert (cache / PIECES_DIR / INDEX).is_file()
    assert b"Devon Marsh" in (out / "graph.ttl").read_bytes()


def test_build_write_commits_pieces_only_after_the_files(tmp_path: Path) -> None:
    result = kg.build(GOLDEN, run_validation=False)
    pieces = PieceCache(tmp_path / "pieces")
    written = result.write(tmp_path / "out", pieces=pieces)
    assert (tmp_path / "pieces" / INDEX).is_file()
    again = PieceCache(tmp_path / "pieces")
    assert result.render(tmp_path / "out", pieces=again) == {
        path: path.read_bytes() for path in written
    }
    assert again.misses == 0 and again.hits > 0


def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path: Path) -> None:
    quads = seed_quads()
    (tmp_path / "pieces").write_text("a file where the directory should be")
    pieces = PieceCache(tmp_path / "pieces")
    assert piecewise.serialise_formats(quads, BOTH, pieces=pieces) == serialise_formats(quads, BOTH)
    assert pieces.commit() is False


def test_another_process_reuses_every_piece(seeds: list[Quad], tmp_path: Path) -> None:
    """Keys do not depend on the process: string interning, hash seeds, object identity."""
    data = tmp_path / "quads.marshal"
    data.write_bytes(marshal.dumps([list(q) for q in seeds]))
    script = [sys.executable, "-c", _KILLED_COMMIT, str(data), str(tmp_path / "p"), "0"]
    subprocess.run(script, check=True, env={**os.environ, "PYTHONHASHSEED": "123"})
    pieces = PieceCache(tmp_path / "p")
    assert piecewise.serialise_formats(seeds, BOTH, pieces=pieces) == serialise_formats(seeds, BOTH)
    assert pieces.misses == 0 and pieces.hits > 10  # blocks, and subjects in several graphs


def test_a_well_formed_index_pointing_outside_its_pack_is_ignored(
    seeds: list[Quad], tmp_path: Path
) -> None:
    """A checksum proves the index is whole, not that it is sane: bounds are checked."""
    from kg import pieces as store

    cached(seeds, tmp_path)
    content = store._decode((tmp_path / INDEX).read_bytes())
    key, (number, start, _) = next(iter(content.pieces.items()))
    content.pieces[key] = (number, start, content.packs[number].length + 10)
    (tmp_path / INDEX).write_bytes(store._encode(content))
    pieces = PieceCache(tmp_path)
    assert piecewise.serialise_formats(seeds, BOTH, pieces=pieces) == serialise_formats(seeds, BOTH)
    assert pieces.hits == 0
