"""The on-disk store after a one-document edit: loaded whole vs the previous store updated.

    python bench/store_update.py CORPUS [CORPUS ...] [--repeats 1] [--check]

For each corpus (a directory of extraction files, e.g. one bench/synth.py made) a
copy is built without validation (``kg.build``), rendered as ``kg build --store``
renders it, and its store staged and put in place twice: into an empty directory
(the whole graph loaded, as every ``--store`` build did before) and, after one
document's source title was edited and the copy built again, over the previous
store (:mod:`kg.storeupdate`). Only staging and committing the store is timed
(``time.perf_counter``), not building or rendering. ``--check`` also compares every
quad of the updated store with a store loaded whole from the same TriG (slow at
1M). Figures on a shared machine are noisy: repeat, and read the median.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

import kg
from kg.diskstore import StagedStore
from kg.io import Format

FORMATS = [Format.TURTLE, Format.TRIG]  # kg build's defaults; --store needs the TriG


def _stage(build: kg.Build, out: Path) -> tuple[float, StagedStore]:
    """Stage and commit the store of ``build`` in ``out``; the seconds it took."""
    files = build.render(out, FORMATS)
    trig = out / "graph.trig"
    out.mkdir(parents=True, exist_ok=True)
    trig.write_bytes(files[trig])
    start = time.perf_counter()
    staged = build.stage_store(out, files)
    staged.commit(trig)
    return time.perf_counter() - start, staged


def _edit_one_document(corpus: Path) -> Path:
    """Change one document's source title (the middle file): one named graph changes."""
    files = sorted(p for p in corpus.glob("*.yaml") if p.name != "registry.yaml")
    path = files[len(files) // 2]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith("  title: "):
            lines[index] = line.rstrip("\n") + " (edited)\n"
            break
    else:
        raise SystemExit(f"{path}: no source title to edit")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _quads(store_dir: Path) -> set[str]:
    return {str(q) for q in ox.Store.read_only(str(store_dir))}


def measure(corpus: Path, repeats: int, check: bool) -> dict[str, object]:
    full: list[float] = []
    updated: list[float] = []
    how = ""
    triples = 0
    with tempfile.TemporaryDirectory(prefix="kg-store-bench-") as tmp:
        work = Path(tmp)
        for run in range(repeats):
            seeds = work / f"corpus{run}"
            shutil.copytree(corpus, seeds)
            before = kg.build(seeds, run_validation=False, keep_corpus=False)
            triples = len({(s, p, o) for s, p, o, _ in before.mapping.quads})
            seconds, _ = _stage(before, work / f"out{run}")
            full.append(seconds)
            del before
            _edit_one_document(seeds)
            after = kg.build(seeds, run_validation=False, keep_corpus=False)
            seconds, staged = _stage(after, work / f"out{run}")
            updated.append(seconds)
            how = staged.how
            if check and run == 0:
                _stage(after, work / "scratch")
                if _quads(work / "out0" / "graph.oxigraph") != _quads(
                    work / "scratch" / "graph.oxigraph"
                ):
                    raise SystemExit(f"{corpus}: the updated store differs from a full load")
            del after
    return {
        "corpus": str(corpus),
        "triples": triples,
        "full_s": statistics.median(full),
        "updated_s": statistics.median(updated),
        "how": how,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="compare with a full load")
    args = parser.parse_args(argv)
    print("| triples | load whole (s) | update after one edit (s) | path taken |")
    print("|---:|---:|---:|---|")
    for corpus in args.corpora:
        row = measure(corpus, args.repeats, args.check)
        print(
            f"| {row['triples']:,} | {row['full_s']:.2f} | {row['updated_s']:.2f} | {row['how']} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
