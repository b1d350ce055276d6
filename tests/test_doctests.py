"""Every docstring example in kg runs, so the examples users copy stay true; and every
public name has one, so ``help(kg.X)`` always shows how X is used."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import kg

MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(kg.__path__, "kg.")
    if not name.endswith("__main__")
)

PUBLIC = sorted(
    name
    for name in kg.__all__
    if inspect.isclass(getattr(kg, name)) or inspect.isfunction(getattr(kg, name))
)
"""The public classes and functions of ``kg`` (constants carry no docstring of their own)."""


@pytest.mark.parametrize("name", ["kg", *MODULES])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_has_an_example_that_runs(name: str) -> None:
    """The example sits in the name's own docstring and is collected by the module run
    above (doctest finds objects of the module that defines them)."""
    obj = getattr(kg, name)
    examples = doctest.DocTestParser().get_examples(obj.__doc__ or "")
    assert examples, f"kg.{name} has no >>> example in its docstring"
    found = doctest.DocTestFinder().find(importlib.import_module(obj.__module__))
    assert any(test.name.endswith(f".{name}") and test.examples for test in found), (
        f"kg.{name}'s example is not collected from {obj.__module__}"
    )


def test_no_example_is_skipped() -> None:
    """A skipped example is an untested one."""
    root = Path(kg.__file__).parent
    skipping = [p.name for p in root.rglob("*.py") if "doctest: +SKIP" in p.read_text("utf-8")]
    assert skipping == []


def test_public_surface_is_what_the_test_covers() -> None:
    """Guards the filter above: every name in ``__all__`` is a class, a function or a
    constant, so none escapes the example check by being something else."""
    others = {name for name in kg.__all__ if name not in PUBLIC}
    assert others == {"DEFAULT_BASE", "KG", "PREFIXES", "__version__"}
