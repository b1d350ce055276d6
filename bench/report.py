"""Time ``kg report`` (and the exports) on the synthetic corpora of bench/synth.py.

    python bench/report.py [--sizes 100k,1M] [--seed 0] [--cache DIR] [--json FILE]

Each corpus (cached as bench/run.py caches it) is built once with ``kg build``, then
``kg report --sources``, ``kg export popolo`` and ``kg export csv`` run as commands,
each in its own process: wall time, peak memory, and the size of what they wrote.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(ROOT))

from bench.run import _timed_run, corpus_for, kg_command, label_of, parse_size  # noqa: E402

KG = [kg_command()]  # the public command line, as users run it


def measure(size: int, seed: int, cache: Path, scratch: Path) -> dict[str, Any]:
    corpus, sources, _ = corpus_for(size, seed, cache)
    build = scratch / "build"
    subprocess.run([*KG, "build", str(corpus), "-o", str(build), "-q", "--no-validate"], check=True)
    return {"size": label_of(size), **measure_build(build, sources, scratch)}


def measure_build(build: Path, sources: Path, scratch: Path) -> dict[str, Any]:
    """The commands on a graph that is already built (``--build-dir``)."""
    site = scratch / "site"
    result: dict[str, Any] = {}
    stats = subprocess.run(
        [*KG, "stats", str(build / "graph.trig"), "--json"], check=True, capture_output=True
    )
    result["triples"] = json.loads(stats.stdout)["triples"]
    result["kg report"] = _timed_run(
        [*KG, "report", str(build), "-o", str(site), "--sources", str(sources), "-q"]
    )
    files = [p for p in site.rglob("*") if p.is_file()]
    result["site"] = {"files": len(files), "mb": sum(p.stat().st_size for p in files) / 2**20}
    result["kg export popolo"] = _timed_run(
        [*KG, "export", "popolo", str(build), "-o", str(scratch / "popolo.json"), "-q"]
    )
    result["kg export csv"] = _timed_run(
        [*KG, "export", "csv", str(build), "-o", str(scratch / "csv"), "-q"]
    )
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100k,1M")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "kg-bench")
    parser.add_argument("--json", type=Path, help="write the results here too")
    parser.add_argument("--build-dir", type=Path, help="measure this built graph instead")
    parser.add_argument("--sources", type=Path, help="its source texts (with --build-dir)")
    args = parser.parse_args(argv)
    if args.build_dir:
        with tempfile.TemporaryDirectory(prefix="kg-bench-report-") as scratch:
            result = measure_build(args.build_dir, args.sources, Path(scratch))
        print(json.dumps(result), flush=True)
        return 0
    results = []
    for size in (parse_size(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="kg-bench-report-") as scratch:
            result = measure(size, args.seed, args.cache, Path(scratch))
        results.append(result)
        print(json.dumps(result), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
