"""What kg learns from parsing a SPARQL query, kept from one build to the next.

rdflib parses a query in about 50 ms (pyparsing), and validating the project's shapes
asks two things of each of their 20 queries: can it run once over all its targets
(:func:`kg.sparql_safety.joinable`), and which predicates can it read
(:func:`kg.sparql_rules.predicates_read`). The answers depend on the query's text and
kg alone, so a build with a cache directory keeps them (:func:`load`, :func:`save`):
a rebuild after a one-file edit then parses no query at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from kg.atomic import write_atomically

MEMO_FILE = "queries.json"
Answer = bool | list[str] | None
A = TypeVar("A", bound=Answer)

_answers: dict[str, Answer] = {}
_lock = threading.Lock()
_changed = False


def remembered(question: str, query: str, answer: Callable[[str], A]) -> A:
    """``answer(query)``, or what it said before for the same question and query text.

    >>> remembered("length", "SELECT * {}", lambda q: [str(len(q))])
    ['11']
    >>> remembered("length", "SELECT * {}", lambda q: ["not asked again"])
    ['11']
    """
    global _changed
    key = f"{question}\0{hashlib.sha256(query.encode('utf-8')).hexdigest()}"
    with _lock:
        if key in _answers:
            return _answers[key]  # type: ignore[return-value]
    found = answer(query)
    with _lock:
        _answers[key] = found
        _changed = True
    return found


def _version() -> str:
    from kg import __version__

    return __version__


def load(directory: Path) -> None:
    """Learn the answers kept in ``directory`` (by this kg version; anything unreadable
    or of another shape is ignored: the queries are parsed again)."""
    try:
        raw = json.loads((directory / MEMO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(raw, dict) or raw.get("kg") != _version():
        return
    answers = raw.get("answers")
    if not isinstance(answers, dict):
        return
    with _lock:
        for key, value in answers.items():
            if _is_answer(value):
                _answers.setdefault(str(key), value)


def _is_answer(value: object) -> bool:
    if value is None or isinstance(value, bool):
        return True
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def save(directory: Path) -> None:
    """Keep the answers in ``directory`` if any is new; a failure only costs parsing."""
    global _changed
    with _lock:
        if not _changed:
            return
        data = {"kg": _version(), "answers": dict(sorted(_answers.items()))}
        _changed = False
    with contextlib.suppress(OSError):
        directory.mkdir(parents=True, exist_ok=True)
        write_atomically({directory / MEMO_FILE: json.dumps(data).encode("utf-8")})


__all__ = ["MEMO_FILE", "load", "remembered", "save"]
