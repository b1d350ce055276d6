"""Every docstring example in kg runs, so the examples users copy stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import kg

MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(kg.__path__, "kg.")
    if not name.endswith("__main__")
)


@pytest.mark.parametrize("name", ["kg", *MODULES])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
