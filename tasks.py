#!/usr/bin/env python3
"""One-command tasks for a fresh machine that only has Python 3.11+.

    python3 tasks.py build   # set up .venv, build the graph from seeds/ into build/
    python3 tasks.py test    # set up .venv, run lint, type checks, tests and examples

Uses only the standard library, so it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
SOURCES = Path(os.environ.get("KG_SOURCES", ROOT.parent / "shared" / "seeds"))


def run(*command: str | Path) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    completed = subprocess.run([str(c) for c in command], cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def install_stamp() -> str:
    """What the installed environment depends on: the project's metadata and Python."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def setup() -> None:
    """Create .venv and install kg with its dev extras; skip pip when nothing changed.

    pip is run only when .venv is new or pyproject.toml changed since the last install
    (the stamp in .venv/kg-install.stamp), so a set-up machine needs no package index.
    """
    if sys.version_info < (3, 11):  # noqa: UP036 - tasks.py may be run by an older python3
        sys.exit(f"kg needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    stamp = VENV / "kg-install.stamp"
    if (BIN / "kg").exists() and stamp.is_file() and stamp.read_text() == install_stamp():
        print(f"+ {VENV} is up to date (delete {stamp.name} to reinstall)", flush=True)
        return
    if not (BIN / "python").exists():
        print(f"+ creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    stamp.write_text(install_stamp())


def build() -> None:
    """Build, validate and write build/graph.ttl and build/graph.trig from seeds/."""
    setup()
    command: list[str | Path] = [BIN / "kg", "build", "seeds", "-o", "build"]
    if SOURCES.is_dir():
        command += ["--sources", SOURCES]  # also check every evidence quote against its source
    else:
        print(f"note: no source texts at {SOURCES}; quotes are not checked (set KG_SOURCES)")
    run(*command)
    if SOURCES.is_dir():
        run(BIN / "kg", "evidence", "seeds", "--sources", SOURCES, "--quiet")
    run(BIN / "kg", "lint", "seeds", "--strict")


def test() -> None:
    """Lint, type-check, check generated files, run the tests and the examples."""
    setup()
    run(BIN / "ruff", "check", "kg", "tests", "examples", "bench", "tasks.py")
    run(BIN / "ruff", "format", "--check", "kg", "tests", "examples", "bench", "tasks.py")
    run(BIN / "mypy")
    run(BIN / "kg", "generate", "--check")
    run(BIN / "pytest", *sys.argv[2:])
    for example in sorted((ROOT / "examples").glob("*.py")):
        run(BIN / "python", example)


TASKS = {"build": build, "test": test, "setup": setup}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        sys.exit(f"usage: python3 tasks.py {{{'|'.join(TASKS)}}} [pytest args]")
    TASKS[sys.argv[1]]()
