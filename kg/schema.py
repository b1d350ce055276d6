"""JSON Schema of the extraction files, for editors that validate and autocomplete YAML."""

from __future__ import annotations

from typing import Any

from kg.models import FILE_MODELS

SCHEMA_BASE = "https://w3id.org/kg/schema/"


def json_schema(registry: bool = False) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a document file, or of the registry."""
    name = "registry" if registry else "document"
    schema = FILE_MODELS[name].model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_BASE}{name}.json",
        **schema,
    }
