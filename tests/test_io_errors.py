"""Disk full, unwritable directories and failed records: one clear line, exit 3, nothing lost."""

from __future__ import annotations

import errno
import os
import re
import shutil
from pathlib import Path

import pytest

import kg.atomic
from kg.cli import main
from kg.defaults import EXIT_INPUT, EXIT_IO, EXIT_OK, EXIT_VIOLATIONS

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden" / "seeds"
README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return Path(shutil.copytree(GOLDEN, tmp_path / "seeds"))


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def built_then_edited(seeds: Path, out: Path) -> dict[str, bytes]:
    """Build ``seeds`` into ``out``, then edit a title so the next build writes anew;
    the outputs as they were."""
    assert main(["build", str(seeds), "-o", str(out), "-q"]) == EXIT_OK
    before = snapshot(out)
    report = seeds / "report.yaml"
    report.write_text(report.read_text().replace("picks new secretary", "picks a secretary", 1))
    return before


def test_disk_full_keeps_the_previous_build_and_the_next_build_recovers(
    seeds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    before = built_then_edited(seeds, out)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(kg.atomic.os, "fsync", full)
    capsys.readouterr()
    assert main(["build", str(seeds), "-o", str(out), "-q"]) == EXIT_IO
    err = capsys.readouterr().err.strip()
    assert re.fullmatch(
        rf"kg: cannot write {re.escape(str(out))}/graph\.\w+: No space left on device; "
        "nothing was replaced",
        err,
    ), err
    assert snapshot(out) == before  # no temporary file left, nothing replaced
    monkeypatch.undo()
    assert main(["build", str(seeds), "-o", str(out), "-q"]) == EXIT_OK
    assert snapshot(out) != before
    capsys.readouterr()
    assert main(["build", str(seeds), "-o", str(out)]) == EXIT_OK
    assert "up to date" in capsys.readouterr().err


def test_a_record_that_cannot_be_written_replaces_nothing(
    seeds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    before = built_then_edited(seeds, out)
    real = kg.atomic.tempfile.mkstemp

    def no_room_for_the_record(*args: object, **kwargs: object) -> tuple[int, str]:
        if str(kwargs.get("prefix", "")).startswith(".graph.build.json"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(kg.atomic.tempfile, "mkstemp", no_room_for_the_record)
    assert main(["build", str(seeds), "-o", str(out), "-q"]) == EXIT_IO
    assert snapshot(out) == before
    monkeypatch.undo()
    assert main(["build", str(seeds), "-o", str(out), "-q"]) == EXIT_OK
    assert main(["build", str(seeds), "-o", str(out), "-q"]) == EXIT_OK  # up to date now


def test_an_output_directory_that_cannot_exist(
    seeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert main(["build", str(seeds), "-o", str(blocker / "out"), "-q"]) == EXIT_IO
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot write {blocker}/out/graph." in err
    assert "Traceback" not in err


def test_unchanged_outputs_are_not_rewritten(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["build", str(seeds), "-o", str(out), "-q"]) == EXIT_OK
    inodes = {p.name: p.stat().st_ino for p in out.iterdir()}
    assert main(["build", str(seeds), "-o", str(out), "-q", "--rebuild"]) == EXIT_OK
    assert {p.name: p.stat().st_ino for p in out.iterdir()} == inodes


def test_the_readme_documents_the_exit_codes_the_cli_uses(seeds: Path, tmp_path: Path) -> None:
    table = README.read_text(encoding="utf-8").split("**Exit codes**", 1)[1]
    documented = [int(code) for code in re.findall(r"^\| (\d) \|", table, re.MULTILINE)[:4]]
    assert documented == [EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT, EXIT_IO] == [0, 1, 2, 3]
    broken = seeds / "report.yaml"
    broken.write_text(broken.read_text().replace("person: bram-osei", "persn: bram-osei", 1))
    assert main(["build", str(seeds), "-o", str(tmp_path / "o"), "-q"]) == EXIT_INPUT
