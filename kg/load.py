"""Extraction files -> typed models, with every problem traced to file:line:column.

Loading never stops at the first problem: a curator fixing a file wants the
whole list. Positions are kept beside each model so later stages (reference
checks, SHACL results) can point back at the same lines.
"""

from __future__ import annotations

import difflib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from kg.cache import LoadCache
from kg.errors import InputError, Location, Problem
from kg.models import ID_PATTERN, DocumentFile, RegistryFile
from kg.rdfmeta import _unwrap
from kg.yamlpos import Path as ValuePath
from kg.yamlpos import Positions, YamlError, parse, parse_json

EXTENSIONS = (".yaml", ".yml", ".json")
REGISTRY_STEM = "registry"
MAX_FILE_BYTES = 20 * 1024 * 1024
"""A single extraction file larger than this is a mistake, not a document."""

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Loaded(Generic[M]):
    """A validated file with the positions of its values, for tracing later problems."""

    path: Path
    display: str
    model: M
    positions: Positions

    def location(self, value_path: ValuePath) -> Location:
        line, column = self.positions.find(value_path)
        return Location(self.display, line, column)

    def location_text(self, value_path: ValuePath) -> str:
        """``str(self.location(value_path))``, made directly: the mapper traces a million
        statements, and the source map keeps their places as text."""
        line, column = self.positions.find(value_path)
        if line is None:
            return self.display
        return f"{self.display}:{line}" if column is None else f"{self.display}:{line}:{column}"


def discover(seeds_dir: Path) -> tuple[Path | None, list[Path]]:
    """The registry file and the document files of a seeds directory, in sorted order.

    Raises :class:`InputError` when there are several registry files: merging or
    picking one silently would hide entities.
    """
    registries: list[Path] = []
    documents: list[Path] = []
    for path in sorted(seeds_dir.iterdir()):
        if not path.is_file() or path.suffix not in EXTENSIONS or path.name.startswith("."):
            continue
        if path.stem == REGISTRY_STEM:
            registries.append(path)
        else:
            documents.append(path)
    if len(registries) > 1:
        names = ", ".join(p.name for p in registries)
        raise InputError(
            [
                Problem(
                    Location(str(registries[1])),
                    "",
                    f"several registry files ({names}); keep exactly one",
                )
            ]
        )
    return (registries[0] if registries else None), documents


def load_file(
    path: Path, model: type[M], display: str | None = None, cache: LoadCache | None = None
) -> tuple[Loaded[M] | None, list[Problem]]:
    """Read, parse and validate one file; problems instead of exceptions.

    With a cache, a file whose bytes were validated before is not parsed again.
    """
    shown = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [
                Problem(
                    Location(shown),
                    "",
                    f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                    code="file-too-large",
                )
            ]
        data = path.read_bytes()
        if cache is not None and (hit := cache.get(data, model)) is not None:
            return Loaded(path, shown, hit[0], hit[1]), []
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [
            Problem(
                Location(shown),
                "",
                f"not UTF-8 text: {exc.reason} at byte {exc.start}",
                code="not-utf8",
            )
        ]
    except OSError as exc:
        return None, [
            Problem(Location(shown), "", f"cannot read: {exc.strerror}", code="unreadable")
        ]
    loaded, problems = validate_text(text, model, shown, path)
    if cache is not None and loaded is not None:
        cache.put(data, model, loaded.model, loaded.positions)
    return loaded, problems


def validate_text(
    text: str, model: type[M], display: str, path: Path | None = None
) -> tuple[Loaded[M] | None, list[Problem]]:
    """Parse and validate text already read (used by tests and editors)."""
    text = text.removeprefix("\ufeff")  # editors on Windows add a byte-order mark
    try:
        is_json = (path or Path(display)).suffix.lower() == ".json"
        data, positions = parse_json(text) if is_json else parse(text)
    except YamlError as exc:
        where = Location(display, exc.line, exc.column)
        return None, [Problem(where, "", exc.message, exc.hint, code="yaml")]
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        return None, [
            Problem(
                Location(display, 1, 1),
                "",
                f"expected a mapping at the top, found {kind}",
                code="not-a-mapping",
            )
        ]
    try:
        instance = model.model_validate(data)
    except ValidationError as exc:
        return None, [_problem(err, model, data, positions, display) for err in exc.errors()]
    return Loaded(path or Path(display), display, instance, positions), []


def _problem(
    error: ErrorDetails, model: type[BaseModel], data: Any, positions: Positions, display: str
) -> Problem:
    loc = _clean_loc(error["loc"], data)
    line, column = positions.find(loc)
    field = ".".join(str(part) for part in loc)
    message = error["msg"]
    hint = None
    kind = error["type"]
    if kind == "extra_forbidden" and loc:
        allowed = _field_names(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        message = f"unknown field {loc[-1]!r}"
        hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
    elif kind == "missing":
        message = "required field is missing"
        if loc == ("source", "sha256"):
            hint = "kg evidence --sources DIR --fix writes the source file's hash"
    elif kind == "too_short":
        minimum = error.get("ctx", {}).get("min_length", 1)
        message = f"needs at least {minimum} item{'s' if minimum != 1 else ''}, found none"
        if loc and loc[-1] == "evidence":
            hint = "every fact needs a short verbatim quote from its source as evidence"
    elif kind == "enum":
        expected = error.get("ctx", {}).get("expected", "")
        given = error.get("input")
        message = f"{given!r} is not one of {expected}"
        options = [o.strip(" '") for o in str(expected).replace(" or ", ", ").split(",")]
        close = difflib.get_close_matches(str(given), options, n=1)
        hint = f"did you mean {close[0]!r}?" if close else None
    elif kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == ID_PATTERN:
        message = f"{error.get('input')!r} is not a valid id"
        hint = "ids are lower-case slugs: letters, digits and single hyphens, e.g. 'jon-lansman'"
    elif kind.startswith("value_error"):
        message = message.removeprefix("Value error, ")
    elif kind in {
        "int_type",
        "string_type",
        "list_type",
        "float_type",
        "bool_type",
        "dict_type",
        "model_type",
    }:
        message = f"{message}, got {type(error.get('input')).__name__} {error.get('input')!r}"
    code = _CODES.get(kind, "invalid-value" if kind.startswith("value_error") else kind)
    return Problem(Location(display, line, column), field, message, hint, code=code)


_CODES = {
    "extra_forbidden": "unknown-field",
    "missing": "missing-field",
    "enum": "not-allowed",
    "too_short": "too-few-items",
    "string_pattern_mismatch": "bad-format",
    "int_type": "wrong-type",
    "string_type": "wrong-type",
    "list_type": "wrong-type",
    "float_type": "wrong-type",
    "bool_type": "wrong-type",
    "dict_type": "wrong-type",
    "model_type": "wrong-type",
}
"""Stable problem codes for pydantic's error types (other types keep pydantic's name)."""


def _clean_loc(loc: tuple[int | str, ...], data: Any) -> ValuePath:
    """Keep the steps of a pydantic loc that exist in the data; drop pydantic's own
    steps (union branches, validator names), even when a key happens to share a name."""
    cleaned: list[str | int] = []
    current = data
    for part in loc:
        if _has_step(current, part):
            cleaned.append(part)
            current = current[part]
        elif isinstance(current, dict) and isinstance(part, str) and not _internal(part):
            cleaned.append(part)  # a missing field: the step names it
            current = None
    return tuple(cleaned)


def _has_step(value: Any, part: int | str) -> bool:
    if isinstance(value, dict):
        return part in value
    return isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)


def _internal(part: str) -> bool:
    return (
        part.startswith(("function-", "tagged-union["))
        or part in {"str", "int", "none"}
        or ("[" in part)
    )


def _field_names(model: type[BaseModel], loc: ValuePath) -> list[str]:
    """Field names of the model found at ``loc`` inside ``model``."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part) if _is_model(current) else None
        if info is None:
            return []
        current, _ = _unwrap(info.annotation)
    return list(current.model_fields) if _is_model(current) else []


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


PARALLEL_MIN_FILES = 200
"""Below this many files a worker process costs more than it saves."""


def usable_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def load_documents(
    paths: list[Path], cache: LoadCache | None = None, jobs: int = 1
) -> tuple[list[Loaded[DocumentFile]], list[Problem]]:
    """Load document files in order, in ``jobs`` worker processes when there are many.

    Workers parse and validate; a model comes back as its JSON and is rebuilt
    here by pydantic-core, which costs a fifth of parsing the YAML (pickling
    models costs more than it saves). Workers are forked: kg calls this
    before it starts any thread of its own.
    """
    if jobs <= 1 or len(paths) < PARALLEL_MIN_FILES:
        return _load_serially(paths, cache)
    cache_dir = str(cache.directory) if cache is not None else None
    size = max(1, min(64, len(paths) // (jobs * 8)))
    chunks = [[str(p) for p in paths[i : i + size]] for i in range(0, len(paths), size)]
    documents: list[Loaded[DocumentFile]] = []
    problems: list[Problem] = []
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        for results in pool.map(_load_chunk, chunks, [cache_dir] * len(chunks)):
            for path, model_json, positions_json, found in results:
                problems += found
                if model_json is not None and positions_json is not None:
                    model = DocumentFile.model_validate_json(model_json)
                    positions = Positions(pending=json.loads(positions_json))
                    documents.append(Loaded(Path(path), path, model, positions))
    return documents, problems


def _load_serially(
    paths: list[Path], cache: LoadCache | None
) -> tuple[list[Loaded[DocumentFile]], list[Problem]]:
    documents: list[Loaded[DocumentFile]] = []
    problems: list[Problem] = []
    for path in paths:
        document, found = load_document(path, str(path), cache)
        problems += found
        if document is not None:
            documents.append(document)
    return documents, problems


_Shipped = tuple[str, str | None, str | None, list[Problem]]


def _load_chunk(paths: list[str], cache_dir: str | None) -> list[_Shipped]:
    """In a worker: load files; send each model back as JSON text, which pickles fast."""
    cache = LoadCache(Path(cache_dir)) if cache_dir is not None else None
    shipped: list[_Shipped] = []
    for path in paths:
        document, found = load_document(Path(path), path, cache)
        if document is None:
            shipped.append((path, None, None, found))
        else:
            shipped.append(
                (
                    path,
                    document.model.model_dump_json(),
                    json.dumps(document.positions.encode()),
                    found,
                )
            )
    return shipped


def load_registry(
    path: Path, display: str | None = None, cache: LoadCache | None = None
) -> tuple[Loaded[RegistryFile] | None, list[Problem]]:
    return load_file(path, RegistryFile, display, cache)


def load_document(
    path: Path, display: str | None = None, cache: LoadCache | None = None
) -> tuple[Loaded[DocumentFile] | None, list[Problem]]:
    return load_file(path, DocumentFile, display, cache)


__all__ = [
    "Loaded",
    "discover",
    "load_document",
    "load_documents",
    "load_file",
    "load_registry",
    "usable_cores",
    "validate_text",
]
