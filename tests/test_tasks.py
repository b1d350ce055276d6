"""tasks.py runs pip only when the environment is new or pyproject.toml changed."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_tasks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kg_tasks", ROOT / "tasks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_setup_skips_pip_when_up_to_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tasks = load_tasks()
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "kg"):
        (bin_dir / name).write_text("")
    monkeypatch.setattr(tasks, "VENV", tmp_path / "venv")
    monkeypatch.setattr(tasks, "BIN", bin_dir)
    commands: list[tuple[str, ...]] = []
    monkeypatch.setattr(tasks, "run", lambda *c: commands.append(tuple(map(str, c))))
    tasks.setup()  # no stamp yet: installs
    assert [c[3] for c in commands] == ["install", "install"]
    assert (tmp_path / "venv" / "kg-install.stamp").read_text() == tasks.install_stamp()
    commands.clear()
    tasks.setup()  # nothing changed: no pip
    assert commands == []
    (tmp_path / "venv" / "kg-install.stamp").write_text("an older pyproject.toml")
    tasks.setup()
    assert len(commands) == 2
