"""SARIF 2.1.0 as GitHub code scanning reads it: stable rule ids with metadata from the
shapes, a physical location for every result, fingerprints that survive line shifts.

Code scanning matches alerts between runs by rule id and fingerprint, so both are
derived from what a result is (shape, focus node, path, file), never from labels
the engines make up (blank-node ids) or from line numbers.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SH
from rdflib.term import Node as Term

from kg.errors import INPUT_PROBLEM, Location
from kg.validation import Severity, ValidationReport, ValidationResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_URI = "https://w3id.org/kg"
SOURCE_ROOT = "%SRCROOT%"
"""The uriBaseId of every relative artifact URI: the repository's root (code scanning's)."""
INPUT_RULE = "kg/input-problem"
FINGERPRINT = "kgResult/v1"

_LEVEL = {Severity.VIOLATION: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render_sarif(report: ValidationReport, shapes: Graph | None = None) -> str:
    """SARIF 2.1.0: one rule per SHACL shape (described from ``shapes``, kg's own by
    default), one result per SHACL result, each at a file and line."""
    from kg import __version__

    graph = shapes if shapes is not None else _default_shapes()
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for result in report.results:
        rule_id = rule_id_of(result)
        if rule_id not in rules:
            rules[rule_id] = _rule(rule_id, result, graph)
        results.append(_result(rule_id, result))
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kg",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": TOOL_URI,
                        "rules": [rules[k] for k in sorted(rules)],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=1, ensure_ascii=False)


@lru_cache(maxsize=1)
def _default_shapes() -> Graph:
    from kg.validation import default_shapes

    return default_shapes()


# --------------------------------------------------------------------- rules


def rule_id_of(result: ValidationResult) -> str:
    """The shape's IRI; for a blank-node shape, an id derived from what it checks
    (constraint component, path and severity), the same in every run and engine."""
    if result.component == INPUT_PROBLEM:  # one rule per problem code
        return f"{INPUT_RULE}/{result.shape}" if result.shape else INPUT_RULE
    shape = result.shape or ""
    if shape.startswith("<") and shape.endswith(">"):
        return shape[1:-1]
    if not shape and not result.component:
        return "kg"
    content = "\n".join([result.component or "", result.path or "", result.severity.value])
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()[:16]
    return f"shape/{_local(result.component or 'shape')}/{digest}"


def _is_input(rule_id: str) -> bool:
    return rule_id == INPUT_RULE or rule_id.startswith(INPUT_RULE + "/")


def _rule(rule_id: str, result: ValidationResult, shapes: Graph) -> dict[str, Any]:
    if _is_input(rule_id):
        code = rule_id.removeprefix(INPUT_RULE).strip("/") or "input"
        short = f"The extraction files load and agree ({code})"
        full = (
            "An extraction file cannot be read, does not match the extraction format, "
            "or disagrees with another file; the message says what to change."
        )
    else:
        short, full = _describe(rule_id, result, shapes)
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id.split("/")[1] if rule_id.startswith("shape/") else _local(rule_id),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": f"{full} ({_explain(rule_id, result)})"},
        "defaultConfiguration": {"level": _LEVEL[result.severity]},
        "properties": {"tags": ["shacl" if not _is_input(rule_id) else "input"]},
    }
    if result.component and not _is_input(rule_id):
        rule["properties"]["constraintComponent"] = result.component.strip("<>")
    return rule


def _describe(rule_id: str, result: ValidationResult, shapes: Graph) -> tuple[str, str]:
    """(short, full) description of a shape: sh:name, sh:description, rdfs:comment or
    sh:message (its own or its SPARQL constraint's), else its constraint component."""
    component = f"SHACL {_local(result.component or 'constraint')}"
    if not rule_id.startswith(("http:", "https:", "urn:")):
        return component, f"{component} on {result.path or 'the focus node'}"
    shape = URIRef(rule_id)
    name = _text(shapes.objects(shape, SH.name))
    messages = [
        *shapes.objects(shape, SH.message),
        *(m for c in shapes.objects(shape, SH.sparql) for m in shapes.objects(c, SH.message)),
    ]
    about = (
        _text(shapes.objects(shape, SH.description))
        or _text(shapes.objects(shape, RDFS.comment))
        or _text(messages)
    )
    short = name or about or component
    return _sentence(short), _sentence(about or name or component)


_TEMPLATE_VARIABLE = re.compile(r"\{[?$](\w+)\}")


def _explain(rule_id: str, result: ValidationResult) -> str:
    if _is_input(rule_id):
        return "kg build checks every extraction file before it maps anything"
    component = result.component.strip("<>") if result.component else "a SHACL constraint"
    return f"SHACL shape {rule_id}, constraint {component}"


def _text(values: Iterable[Term]) -> str | None:
    """One text of several: English or untagged first, then the smallest, for stable output."""
    found = [v for v in values if isinstance(v, Literal)]
    if not found:
        return None
    best = sorted(found, key=lambda v: (v.language not in (None, "en"), str(v)))[0]
    # a message template names its variables: 'ends ({?end})' reads 'ends (end)'
    return _TEMPLATE_VARIABLE.sub(r"\1", " ".join(str(best).split()))


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _local(iri: str) -> str:
    return iri.strip("<>").rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri


# --------------------------------------------------------------------- results


def _result(rule_id: str, result: ValidationResult) -> dict[str, Any]:
    location = result.location or Location(".", 1)
    line = location.line or 1
    region: dict[str, int] = {"startLine": line, "endLine": line}
    if location.column:
        region["startColumn"] = location.column
    entry: dict[str, Any] = {
        "ruleId": rule_id,
        "level": _LEVEL[result.severity],
        "message": {"text": _message(result)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(location.file),
                    "region": region,
                },
                "logicalLocations": [{"fullyQualifiedName": result.focus}],
            }
        ],
        "partialFingerprints": {FINGERPRINT: fingerprint(rule_id, result)},
        "properties": {
            "focusNode": result.focus,
            "path": result.path,
            "value": result.value,
            "label": result.focus_label,
        },
    }
    return entry


def _message(result: ValidationResult) -> str:
    subject = result.focus_label or "/".join(result.focus.split("/")[-2:])
    path = f": {result.path}" if result.path else ""
    redundant = result.value in (None, f"<{result.focus}>") or str(result.value) in result.message
    value = "" if redundant else f" [value: {result.value}]"
    return f"{subject}{path}: {result.message}{value}"


def fingerprint(rule_id: str, result: ValidationResult) -> str:
    """What the result is about (rule, file, focus, path), not where its line is."""
    file = result.location.file if result.location else ""
    key = "\n".join([rule_id, file, result.focus, result.path or ""])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def artifact_location(file: str) -> dict[str, str]:
    """A valid URI reference for a file: relative to the repository root (with
    uriBaseId) when it is under the working directory, else an absolute file: URI."""
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return {"uri": path.as_uri()}
    relative = PurePosixPath(path.as_posix())
    return {"uri": quote(str(relative), safe="/"), "uriBaseId": SOURCE_ROOT}


__all__ = ["SARIF_SCHEMA", "artifact_location", "fingerprint", "render_sarif", "rule_id_of"]
