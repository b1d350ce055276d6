"""kg installed from its wheel, outside the repository, runs the README's commands.

The wheel is built from this checkout and installed into a new virtual environment
in a temporary directory; nothing of the source tree is on that environment's path.
The dependencies (rdflib, pyshacl, ...) are borrowed from the running environment
through a .pth file, so the test needs no package index beyond building the wheel;
kg itself, with its shapes, ontology and named queries, comes only from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = Path(os.environ.get("KG_SOURCES", ROOT.parent / "shared" / "seeds"))


def run(*command: str | Path, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, check=check
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin directory of a fresh environment holding kg from its wheel."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    built = run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "-q",
        "-w",
        dist,
        ROOT,
        cwd=tmp,
        check=False,
    )
    if built.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{built.stdout}\n{built.stderr}")
    wheel = next(dist.glob("kg-*.whl"))
    environment = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(environment)
    bin_dir = environment / ("Scripts" if os.name == "nt" else "bin")
    site = Path(
        run(
            bin_dir / "python",
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            cwd=tmp,
        ).stdout.strip()
    )
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        bin_dir / "python",
        "install",
        "--no-deps",
        "--no-index",
        "-q",
        wheel,
        cwd=tmp,
    )
    return bin_dir


@pytest.fixture(scope="module")
def workdir(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("elsewhere")
    shutil.copytree(ROOT / "seeds", work / "seeds")
    return work


def test_kg_comes_from_the_wheel_not_the_checkout(installed: Path, workdir: Path) -> None:
    found = run(
        installed / "python",
        "-c",
        "import kg, kg.resources as r; print(kg.__file__); print(r.resource_dir('queries'))",
        cwd=workdir,
    )
    module, queries = found.stdout.splitlines()
    assert Path(module).is_relative_to(installed.parent), module
    assert not Path(module).is_relative_to(ROOT)
    assert str(installed.parent / "lib") in queries and str(ROOT) not in queries, queries


def test_the_readme_commands_work_from_the_wheel(installed: Path, workdir: Path) -> None:
    kg = installed / "kg"
    build = [kg, "build", "seeds", "-o", "build", "-q"]
    if SOURCES.is_dir():
        build += ["--sources", SOURCES]
    assert run(*build, cwd=workdir, check=False).returncode == 0
    assert (workdir / "build" / "graph.ttl").is_file()
    timeline = run(
        kg,
        "query",
        "person_timeline",
        "-g",
        "build/graph.trig",
        "-p",
        "person=id:person/jon-lansman",
        "-f",
        "csv",
        cwd=workdir,
    )
    assert timeline.stdout.startswith("date,qualifier,event,involvement\n")
    assert timeline.stdout.count("\n") > 3
    assert run(kg, "validate", "build/graph.ttl", "-q", cwd=workdir).returncode == 0
    if SOURCES.is_dir():
        assert run(kg, "evidence", "seeds", "--sources", SOURCES, "-q", cwd=workdir).returncode == 0


def test_generate_outside_a_source_tree_says_so(installed: Path, workdir: Path) -> None:
    result = run(installed / "kg", "generate", "--check", cwd=workdir, check=False)
    assert result.returncode == 2
    assert "no kg source tree here" in result.stderr
    assert "Traceback" not in result.stderr
