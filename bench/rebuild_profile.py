"""Where a one-file rebuild's time goes: ``kg build --cache`` profiled after one edit.

    python bench/rebuild_profile.py CORPUS [--sources DIR] [--edit fact] [--scratch DIR]

The corpus (and its sources) is copied to a scratch directory and built cold with
``--cache``; then one edit of ``bench/edits.py`` is applied and ``kg build --cache
--rebuild`` runs twice on it, once as it is (wall seconds) and once under cProfile,
whose cumulative seconds are printed for each stage (profiled seconds run ~1.5x
real ones). Stages are found by the functions that run them, so a stage renamed
in ``kg`` shows as 0.00.
"""

from __future__ import annotations

import argparse
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.edits import EDITS

STAGES = {
    "kg build, all of it": r"kg/build\.py:\d+\(build\)",
    "load and resolve": r"kg/build\.py:\d+\(load_corpus\)",
    "map": r"kg/mapping\.py:\d+\(map_corpus\)",
    "digest each graph's quads": r"kg/mapping\.py:\d+\(graph_digests\)",
    "the graphs' runs (validation state)": r"kg/revalidation\.py:\d+\(__init__\)",
    "revalidate": r"kg/revalidation\.py:\d+\(revalidate\)",
    "  walk index": r"kg/walkindex\.py:\d+\((focus_nodes_reaching|read_from)\)",
    "  validate the focus nodes reached": r"kg/validation\.py:\d+\(start_validation\)",
    "save the validation state": r"kg/revalidation\.py:\d+\(save_state\)",
    "render the files": r"kg/build\.py:\d+\(render\)",
    "  source map": r"kg/build\.py:\d+\(sourcemap\)",
    "  TriG and Turtle from pieces": r"kg/piecewise\.py:\d+\(serialise_formats\)",
    "commit the pieces": r"kg/pieces\.py:\d+\(commit\)",
    "write files atomically": r"kg/atomic\.py:\d+\(write_atomically\)",
}


def stage_seconds(profile: Path) -> dict[str, float]:
    """Each stage's cumulative seconds (its outermost calls only)."""
    stats: dict[tuple[str, int, str], Any] = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]
    found = {}
    for label, pattern in STAGES.items():
        matches = re.compile(pattern)

        def named(where: tuple[str, int, str], matches: re.Pattern[str] = matches) -> bool:
            return bool(matches.search(f"{where[0]}:{where[1]}({where[2]})"))

        found[label] = sum(
            entry[3]
            for where, entry in stats.items()
            if named(where) and not any(named(caller) for caller in entry[4])
        )
    return found


def _quietly(command: list[str]) -> None:
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--sources", type=Path)
    parser.add_argument("--edit", default="fact", choices=[edit.key for edit in EDITS])
    parser.add_argument("--scratch", type=Path)
    args = parser.parse_args(argv)
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="kg-rebuild-"))
    corpus = scratch / "corpus"
    shutil.copytree(args.corpus, corpus, dirs_exist_ok=True)
    sources = None
    if args.sources is not None:
        sources = scratch / "sources"
        shutil.copytree(args.sources, sources, dirs_exist_ok=True)
    kg = [sys.executable, "-c", "import sys; from kg.cli import main; sys.exit(main())"]
    command = ["build", str(corpus), "-o", str(scratch / "out"), "-q", "--rebuild"]
    command += ["--cache", str(scratch / "cache")]
    command += ["--sources", str(sources)] if sources is not None else []
    _quietly([*kg, *command])  # cold, fills the cache
    edit = next(edit for edit in EDITS if edit.key == args.edit)
    applied = edit.apply(corpus, sources)
    print(f"edit: {applied.description}")
    start = time.perf_counter()
    _quietly([*kg, *command])
    print(f"kg build --cache, one file edited: {time.perf_counter() - start:.2f} s (wall)")
    applied.undo()
    _quietly([*kg, *command])
    applied = edit.apply(corpus, sources)
    profile = scratch / "rebuild.prof"
    profiled = f"import cProfile; from kg.cli import main; cProfile.run('main()', {str(profile)!r})"
    _quietly([sys.executable, "-c", profiled, *command])
    applied.undo()
    for label, seconds in stage_seconds(profile).items():
        print(f"  {label:40s} {seconds:6.2f} s (profiled)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
