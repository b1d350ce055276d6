"""Plain vs piecewise (cached) TriG + Turtle writing, after a one-document edit.

    python bench/serialise.py [--sizes 100k,1M] [--seed 0] [--cache DIR] [--repeat 3]
                              [--json FILE]

For each size the synthetic corpus of ``bench/run.py`` is built (without validation),
one extraction file is edited the way ``bench/run.py`` edits it (its title), and the
edited build is built again. Then, on the edited build's quads, timed with
``time.perf_counter`` (best of ``--repeat``, the cyclic GC paused as ``kg build`` does):

- ``plain``: :func:`kg.io.serialise_formats`, what a build without ``--cache`` does;
- ``cold``: the piecewise path with an empty cache (on the unedited build), and its commit;
- ``edited``: the piecewise path with the cache of the unedited build, and its commit;
- ``unchanged``: the same again, nothing changed since.

Every cached output is checked byte for byte against the plain one.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import corpus_for, label_of, parse_size
from kg.build import build, paused_gc
from kg.io import Format, serialise_formats
from kg.ntriples import Quad
from kg.pieces import PieceCache
from kg.piecewise import serialise_formats as piecewise_formats

FORMATS = [Format.TURTLE, Format.TRIG]
T = TypeVar("T")


def timed(action: Callable[[], T]) -> tuple[float, T]:
    with paused_gc():
        start = time.perf_counter()
        result = action()
        return time.perf_counter() - start, result


def edit_one_file(corpus: Path) -> Path:
    """The edit ``bench/run.py`` makes: the middle document's title gets " (edited)"."""
    documents = sorted(p for p in corpus.iterdir() if p.suffix == ".yaml" and p.stem != "registry")
    target = documents[len(documents) // 2]
    text = target.read_text(encoding="utf-8")
    target.write_text(re.sub(r"(\n\s*title: .*)", r"\1 (edited)", text, count=1), "utf-8")
    return target


def quads_of(corpus: Path) -> list[Quad]:
    return build(corpus, run_validation=False, keep_corpus=False).mapping.quads


def cached_run(quads: list[Quad], directory: Path) -> tuple[float, float, dict[Format, bytes]]:
    """Seconds to serialise with the cache in ``directory``, seconds to commit, output."""
    pieces = PieceCache(directory)
    seconds, made = timed(lambda: piecewise_formats(quads, FORMATS, pieces=pieces))
    committed, _ = timed(pieces.commit)
    return seconds, committed, made


def measure(corpus: Path, scratch: Path, repeat: int) -> dict[str, Any]:
    work = scratch / "corpus"
    shutil.copytree(corpus, work)
    before = quads_of(work)
    edited = edit_one_file(work)
    after = quads_of(work)
    result: dict[str, Any] = {"statements": len(after), "edited": edited.name}
    plain_times = []
    plain: dict[Format, bytes] = {}
    for _ in range(repeat):
        seconds, plain = timed(lambda: serialise_formats(after, FORMATS))
        plain_times.append(seconds)
    result["plain"] = min(plain_times)
    filled = scratch / "filled"
    cold = [cached_run(before, filled)]
    for _ in range(repeat - 1):
        shutil.rmtree(filled)
        cold.append(cached_run(before, filled))
    result["cold"], result["cold_commit"] = min(c[0] for c in cold), min(c[1] for c in cold)
    result["cache_mb"] = sum(p.stat().st_size for p in filled.iterdir()) / 1e6
    runs = []
    for _ in range(repeat):
        directory = scratch / "edited"
        shutil.rmtree(directory, ignore_errors=True)
        shutil.copytree(filled, directory)
        seconds, committed, made = cached_run(after, directory)
        if made != plain:
            raise SystemExit("piecewise output differs from the plain writer's")
        runs.append((seconds, committed))
    result["edited_run"], result["edited_commit"] = min(r[0] for r in runs), min(r[1] for r in runs)
    unchanged = []
    for _ in range(repeat):
        seconds, committed, made = cached_run(after, scratch / "edited")
        if made != plain:
            raise SystemExit("piecewise output differs from the plain writer's")
        unchanged.append((seconds, committed))
    result["unchanged"] = min(u[0] for u in unchanged)
    result["unchanged_commit"] = min(u[1] for u in unchanged)
    return result


def render(results: dict[str, dict[str, Any]]) -> str:
    rows = [
        "| size | statements | plain | cold + commit | one file edited + commit"
        " | nothing changed + commit | cache |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in results.items():
        rows.append(
            f"| {label} | {r['statements']:,} | {r['plain']:.2f} s"
            f" | {r['cold']:.2f} + {r['cold_commit']:.2f} s"
            f" | {r['edited_run']:.2f} + {r['edited_commit']:.2f} s"
            f" | {r['unchanged']:.2f} + {r['unchanged_commit']:.2f} s"
            f" | {r['cache_mb']:.0f} MB |"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100k,1M")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "kg-bench")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = {}
    for size in (parse_size(text) for text in args.sizes.split(",")):
        corpus, _, _ = corpus_for(size, args.seed, args.cache)
        with tempfile.TemporaryDirectory(prefix="kg-serialise-") as scratch:
            results[label_of(size)] = measure(corpus, Path(scratch), max(1, args.repeat))
        print(json.dumps({label_of(size): results[label_of(size)]}), file=sys.stderr)
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
