"""Defaults are written once (kg.defaults): the command line and the library agree."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

import kg
from kg import defaults
from kg.cli import _parser as build_parser
from kg.store import push
from kg.storehttp import Client
from kg.validation import Engine, Severity


def _default(function: Callable[..., Any], name: str) -> Any:
    return inspect.signature(function).parameters[name].default


@pytest.mark.parametrize(
    ("argv", "dest", "expected"),
    [
        (["build"], "seeds", defaults.SEEDS_DIR),
        (["build"], "out", defaults.OUT_DIR),
        (["build"], "engine", _default(kg.build, "engine")),
        (["validate", "g.ttl"], "engine", _default(kg.validate, "engine")),
        (["build"], "fail_on", defaults.FAIL_ON),
        (["lint"], "seeds", defaults.SEEDS_DIR),
        (["query", "q"], "engine", _default(kg.query, "engine")),
        (["push", "--endpoint", "http://127.0.0.1:1/"], "timeout", _default(push, "timeout")),
        (["push", "--endpoint", "http://127.0.0.1:1/"], "retries", _default(push, "retries")),
        (["push", "--endpoint", "http://127.0.0.1:1/"], "batch_size", _default(push, "batch_size")),
        (["serve"], "port", defaults.SERVE_PORT),
    ],
)
def test_the_cli_default_is_the_librarys(argv: list[str], dest: str, expected: Any) -> None:
    assert getattr(build_parser().parse_args(argv), dest) == expected


def test_library_defaults_come_from_kg_defaults() -> None:
    assert Engine(defaults.SHACL_ENGINE) is Engine.AUTO is _default(kg.build, "engine")
    assert Severity(defaults.FAIL_ON) is Severity.VIOLATION
    assert _default(kg.query, "engine") == defaults.QUERY_ENGINE
    assert _default(Client, "timeout") == _default(push, "timeout") == defaults.PUSH_TIMEOUT
    assert _default(Client, "retries") == _default(push, "retries") == defaults.PUSH_RETRIES
