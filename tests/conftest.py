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
