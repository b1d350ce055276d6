"""A per-file cache of validated extractions, keyed by content, so rebuilds skip parsing.

Entries are JSON (the model as pydantic dumps it, plus the value positions),
never pickle: a cache directory must not be a way to run code. The key covers
the file's bytes, kg's version and the models' schema, so an edited file, an
upgraded kg or a changed model all miss. An entry that cannot be read back for
any reason is deleted and the file is parsed again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from kg.atomic import write_atomically
from kg.yamlpos import Positions

M = TypeVar("M", bound=BaseModel)
CACHE_FORMAT = 1


@functools.cache
def model_fingerprint(model: type[BaseModel]) -> str:
    """kg's version and the model's schema: what a kept model or mapping is only good for."""
    from kg import __version__

    schema = json.dumps(model.model_json_schema(), sort_keys=True)
    return hashlib.sha256(f"{CACHE_FORMAT}:{__version__}:{schema}".encode()).hexdigest()


class LoadCache:
    """Validated models and positions of extraction files, by content hash."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.hits = 0
        self.misses = 0

    def key(self, data: bytes, model: type[BaseModel]) -> str:
        return hashlib.sha256(model_fingerprint(model).encode() + b"\0" + data).hexdigest()

    def get(self, data: bytes, model: type[M]) -> tuple[M, Positions] | None:
        entry = self.directory / f"{self.key(data, model)}.json"
        try:
            raw = json.loads(entry.read_text(encoding="utf-8"))
            instance = model.model_validate_json(raw["model"])
            positions = Positions(pending=raw["at"])
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception:  # corrupt, truncated or from another version: parse again
            with contextlib.suppress(OSError):
                entry.unlink()
            self.misses += 1
            return None
        self.hits += 1
        return instance, positions

    def put(
        self, data: bytes, model: type[BaseModel], instance: BaseModel, positions: Positions
    ) -> None:
        entry: dict[str, Any] = {
            "model": instance.model_dump_json(),
            "at": positions.encode(),
        }
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
            write_atomically(
                {
                    self.directory / f"{self.key(data, model)}.json": json.dumps(
                        entry, ensure_ascii=False
                    ).encode("utf-8")
                }
            )
