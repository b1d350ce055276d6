"""Shared fixtures: the repository's seeds, the shared source texts, one build of the seeds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import kg

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SOURCES = Path(os.environ.get("KG_SOURCES", ROOT.parent / "shared" / "seeds"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def sources_dir() -> Path:
    if not SOURCES.is_dir():
        pytest.skip(f"source texts not found at {SOURCES} (set KG_SOURCES)")
    return SOURCES


@pytest.fixture(scope="session")
def seed_build() -> kg.Build:
    """The seed corpus built once per test session (validated with the default engine)."""
    return kg.build(SEEDS)


# Hypothesis profiles: "ci" (the default) keeps property tests fast; "long" is for soak
# runs (HYPOTHESIS_PROFILE=long pytest tests/test_properties.py). No deadline: a build
# validates with pyshacl, whose timing varies too much for per-example deadlines.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,  # CI explores the same examples every run; "long" explores freely
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("KG_FUZZ_EXAMPLES", "100000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
