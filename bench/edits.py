"""One-file edits a curator makes, applied to a copy of a corpus and undone byte for byte.

bench/run.py times ``kg build --cache`` after each kind of edit: it applies one, builds,
undoes it and builds again, so every measured build sees exactly one change. The edits
keep the corpus valid (quotes still anchor, references still resolve), so each build
is a complete one, not an early failure.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REGISTRY = "registry.yaml"
APPENDED = "\n\nA correction was appended to this article after publication.\n"


@dataclass(frozen=True)
class Applied:
    """What an edit changed: each file's path and its bytes before, to put back."""

    description: str
    before: tuple[tuple[Path, bytes], ...]

    def undo(self) -> None:
        for path, data in self.before:
            path.write_bytes(data)


@dataclass(frozen=True)
class Edit:
    key: str
    label: str
    needs_sources: bool
    apply: Callable[[Path, Path | None], Applied]


def _documents(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.iterdir() if p.suffix == ".yaml" and p.name != REGISTRY)


def _target(corpus: Path, wanted: str = "\nclaims:\n") -> Path:
    """The middle document that has ``wanted`` (a claims section by default)."""
    documents = _documents(corpus)
    ordered = documents[len(documents) // 2 :] + documents[: len(documents) // 2]
    for path in ordered:
        if wanted in path.read_text(encoding="utf-8"):
            return path
    raise ValueError(f"{corpus}: no document has {wanted.strip()!r}")


def _append_to_value(line: str, suffix: str) -> str:
    """``key: value`` (plain or double-quoted) with ``suffix`` added to the value."""
    if line.endswith('"'):
        return line[:-1] + suffix + '"'
    return line + suffix


def _rewrite(path: Path, change: Callable[[str], str], description: str) -> Applied:
    before = path.read_bytes()
    text = before.decode("utf-8")
    changed = change(text)
    if changed == text:
        raise ValueError(f"{path}: the edit ({description}) changed nothing")
    path.write_text(changed, encoding="utf-8")
    return Applied(f"{description} in {path.name}", ((path, before),))


def fact_field(corpus: Path, _sources: Path | None) -> Applied:
    """A claim's ``text`` (the curator's paraphrase) reworded."""
    path = _target(corpus)

    def change(text: str) -> str:
        head, _, claims = text.partition("\nclaims:\n")
        match = re.search(r"^  text: .*$", claims, flags=re.MULTILINE)
        if match is None:
            return text
        edited = _append_to_value(match.group(0), " (reworded)")
        return head + "\nclaims:\n" + claims[: match.start()] + edited + claims[match.end() :]

    return _rewrite(path, change, "a claim's text")


def new_fact(corpus: Path, _sources: Path | None) -> Applied:
    """A new claim: the document's first claim stated again under a new id."""
    path = _target(corpus)

    def change(text: str) -> str:
        head, _, claims = text.partition("\nclaims:\n")
        # the first item of the section: up to the next item or the next section
        match = re.match(r"- id: (\S+)\n(?:  .*\n)*", claims)
        if match is None:
            return text
        block = match.group(0)
        copy = block.replace(f"- id: {match.group(1)}", f"- id: {match.group(1)}-added", 1)
        return head + "\nclaims:\n" + block + copy + claims[match.end() :]

    return _rewrite(path, change, "a claim added")


def registry_entry(corpus: Path, _sources: Path | None) -> Applied:
    """A person's name in the registry, spelled differently."""
    path = corpus / REGISTRY

    def change(text: str) -> str:
        head, _, rest = text.partition("people:\n")
        people, separator, tail = rest.partition("\norganisations:")
        names = list(re.finditer(r"^  name: .*$", people, flags=re.MULTILINE))
        if not names:
            return text
        match = names[len(names) // 2]
        edited = _append_to_value(match.group(0), " Jr")
        people = people[: match.start()] + edited + people[match.end() :]
        return head + "people:\n" + people + separator + tail

    return _rewrite(path, change, "a person's name")


def source_text(corpus: Path, sources: Path | None) -> Applied:
    """A sentence appended to one source text, and the new sha256 in its extraction (what
    ``kg evidence --fix`` writes): the quotes before it keep their offsets."""
    if sources is None:
        raise ValueError("a source-text edit needs the sources directory")
    document = _target(corpus, "\nsource:\n")
    text = document.read_text(encoding="utf-8")
    match = re.search(r'^  file: "?([^"\n]+)"?$', text, flags=re.MULTILINE)
    if match is None:
        raise ValueError(f"{document}: names no source file")
    source = sources / match.group(1)
    before = source.read_bytes()
    after = before + APPENDED.encode("utf-8")
    digest = hashlib.sha256(after).hexdigest()
    new_text, count = re.subn(
        r'^(  sha256: )"?[0-9a-f]{64}"?$', rf'\g<1>"{digest}"', text, count=1, flags=re.MULTILINE
    )
    if count != 1:
        raise ValueError(f"{document}: records no sha256 of its source")
    applied = Applied(
        f"a sentence appended to {source.name} (and its sha256 in {document.name})",
        ((source, before), (document, document.read_bytes())),
    )
    source.write_bytes(after)
    document.write_text(new_text, encoding="utf-8")
    return applied


EDITS = (
    Edit("fact", "a fact field", False, fact_field),
    Edit("new fact", "a fact added", False, new_fact),
    Edit("registry", "a registry entry", False, registry_entry),
    Edit("source", "a source text", True, source_text),
)
