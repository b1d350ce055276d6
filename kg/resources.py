"""Where the installed shapes, ontology and named queries are.

A wheel installs ``shapes/``, ``ontology/`` and ``examples/queries/`` as
``kg.shapes``, ``kg.ontology`` and ``kg.queries``; an editable install cannot map
them (setuptools maps top-level packages only), so there they are read from the
repository beside the package.
"""

from __future__ import annotations

import importlib.resources
from importlib.resources.abc import Traversable
from pathlib import Path

IN_REPOSITORY = {"shapes": "shapes", "ontology": "ontology", "queries": "examples/queries"}
"""Where each resource directory lies in the source tree."""


def resource_dir(name: str) -> Traversable:
    """The directory of the project's ``shapes``, ``ontology`` or named ``queries``."""
    try:
        return importlib.resources.files(f"kg.{name}")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / IN_REPOSITORY[name]


def turtle_files(name: str) -> list[Traversable]:
    """The ``.ttl`` files of a resource directory, in name order."""
    return sorted(
        (item for item in resource_dir(name).iterdir() if item.name.endswith(".ttl")),
        key=lambda item: item.name,
    )
