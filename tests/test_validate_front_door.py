"""kg.validate takes a Build (with its source map), a Graph, a path or text, and says
clearly when given anything else."""

from __future__ import annotations

from pathlib import Path

import pytest

import kg
from kg.errors import KgError
from kg.validation import Engine

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def build(seed_build: kg.Build) -> kg.Build:
    """The seed graph: it has results (infos and warnings) to trace."""
    return seed_build


def seen(report: kg.ValidationReport) -> set[tuple[str, str | None, str]]:
    return {(r.focus, r.component, str(r.location)) for r in report.results}


@pytest.mark.parametrize("engine", [Engine.TURBO, Engine.KG])
def test_a_build_is_validated_with_its_origins(build: kg.Build, engine: Engine) -> None:
    assert build.report is not None and build.report.results
    again = kg.validate(build, engine=engine)
    assert seen(again) == seen(build.report)
    assert all(r.location is not None and r.location.line for r in again.results)


def test_shapes_as_a_string_path(build: kg.Build) -> None:
    by_path = kg.validate(build, shapes=str(ROOT / "shapes"))
    assert seen(by_path) == seen(kg.validate(build))


def test_other_inputs_are_refused_clearly(build: kg.Build) -> None:
    with pytest.raises(KgError, match="cannot validate int"):
        kg.validate(42)  # type: ignore[arg-type]
    with pytest.raises(KgError, match="shapes must be a Graph or a path, not dict"):
        kg.validate(build, shapes={})  # type: ignore[arg-type]
