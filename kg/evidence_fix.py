"""Writing computed offsets and source hashes back into extraction files, as text edits.

Curators should never type an offset or a hash: kg computes both. Rewriting a file
by dumping its data would lose comments, key order, quoting and line breaks, so the
fixes are made as small edits at the positions PyYAML's node tree gives for each
value, and every edited file is re-validated before it is written: a fix can change
offsets and hashes, nothing else.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kg.atomic import write_atomically
from kg.errors import Location, Problem
from kg.evidence import Anchor
from kg.load import discover, validate_text
from kg.models import DocumentFile
from kg.sources import MAX_SOURCE_BYTES

ValuePath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` with ``new``; an insertion has ``start == end``."""

    start: int
    end: int
    new: str


@dataclass(slots=True)
class FileFix:
    """The edits for one file, and what they change, for the diff shown to the curator."""

    path: Path
    display: str
    before: str
    edits: list[Edit] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    @property
    def after(self) -> str:
        text = self.before
        for edit in sorted(self.edits, key=lambda e: (e.start, e.end), reverse=True):
            text = text[: edit.start] + edit.new + text[edit.end :]
        return text

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                f"a/{self.display}",
                f"b/{self.display}",
            )
        )


def _compose(text: str) -> Node | None:
    """The YAML node tree (JSON is read as YAML's flow style); positions are characters."""
    return yaml.compose(text.removeprefix("\ufeff"), Loader=yaml.SafeLoader)


def _child(node: Node, step: str | int) -> tuple[ScalarNode | None, Node] | None:
    """(key node, value node) for a mapping key, (None, item) for a list index."""
    if isinstance(node, MappingNode) and isinstance(step, str):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == step:
                return key, value
    elif isinstance(node, SequenceNode) and isinstance(step, int) and step < len(node.value):
        return None, node.value[step]
    return None


def _node_at(root: Node, path: ValuePath) -> Node | None:
    node: Node = root
    for step in path:
        found = _child(node, step)
        if found is None:
            return None
        node = found[1]
    return node


def _set_keys(
    fix: FileFix, mapping: MappingNode, after_key: str, values: dict[str, str], is_json: bool
) -> bool:
    """Set scalar keys of a mapping: replace values that exist, insert the others after
    ``after_key``'s value in the mapping's own style. False if the mapping lacks ``after_key``.
    """
    anchor_pair = _child(mapping, after_key)
    if anchor_pair is None:
        return False
    anchor_key, anchor_value = anchor_pair
    if anchor_key is None:
        return False
    missing: list[tuple[str, str]] = []
    for key, value in values.items():
        pair = _child(mapping, key)
        if pair is None:
            missing.append((key, value))
            continue
        old = pair[1]
        if isinstance(old, ScalarNode) and old.value == value.strip('"'):
            continue
        fix.edits.append(Edit(old.start_mark.index, old.end_mark.index, value))
    if not missing:
        return True
    text = fix.before
    quote = '"' if is_json else ""
    end = anchor_value.end_mark.index
    if mapping.flow_style:
        same_line = anchor_key.start_mark.line == mapping.start_mark.line
        gap = " " if same_line else "\n" + " " * anchor_key.start_mark.column
        inserted = "".join(f",{gap}{quote}{k}{quote}: {v}" for k, v in missing)
        fix.edits.append(Edit(end, end, inserted))
        return True
    indent = " " * anchor_key.start_mark.column
    lines = "".join(f"{indent}{k}: {v}\n" for k, v in missing)
    if end > 0 and text[end - 1] == "\n":  # a block scalar ends at the next line's start
        fix.edits.append(Edit(end, end, lines))
        return True
    newline = text.find("\n", end)
    if newline < 0:  # the last line of a file without a final newline
        fix.edits.append(Edit(len(text), len(text), "\n" + lines.rstrip("\n")))
    else:
        fix.edits.append(Edit(newline + 1, newline + 1, lines))
    return True


def offset_fixes(anchors: Iterable[Anchor]) -> Iterator[tuple[Anchor, int, int]]:
    """The anchors whose offsets can be written: computed ones (the quote occurs once and
    no offsets were given) and misplaced ones whose quote occurs exactly once elsewhere."""
    for item in anchors:
        if item.computed and item.start is not None and item.end is not None:
            yield item, item.start, item.end
        elif len(item.occurrences) == 1:
            start = item.occurrences[0]
            yield item, start, start + len(item.quote)


def plan_fixes(
    seeds_dir: Path, anchors: Iterable[Anchor], hashes: dict[Path, str]
) -> tuple[list[FileFix], list[Problem]]:
    """Edits that write ``hashes`` (document file -> sha256 of its source) and the offsets of
    ``anchors`` (as :func:`offset_fixes` selects them) into the files of ``seeds_dir``.

    Returns the fixes of files that change and the anchors that could not be placed in the
    text (a value written in a way the editor does not handle, such as an alias).
    """
    by_file: dict[str, list[tuple[Anchor, int, int]]] = {}
    for item, start, end in offset_fixes(anchors):
        by_file.setdefault(item.location.file, []).append((item, start, end))
    _, documents = discover(seeds_dir)
    fixes: list[FileFix] = []
    problems: list[Problem] = []
    for path in documents:
        display = str(path)
        text = path.read_text(encoding="utf-8")
        fix = FileFix(path, display, text)
        is_json = path.suffix.lower() == ".json"
        try:
            root = _compose(text)
        except yaml.YAMLError:
            continue  # the loader reports it with its position
        if root is None:
            continue
        if path in hashes:
            source = _node_at(root, ("source",))
            digest = f'"{hashes[path]}"' if is_json else hashes[path]
            if isinstance(source, MappingNode) and _set_keys(
                fix, source, "file", {"sha256": digest}, is_json
            ):
                fix.changes.append(f"source.sha256: {hashes[path]}")
        for item, start, end in by_file.get(display, []):
            node = _node_at(root, item.path)
            values = {"start": str(start), "end": str(end)}
            if isinstance(node, MappingNode) and _set_keys(fix, node, "quote", values, is_json):
                fix.changes.append(f"{item.field}: start: {start}, end: {end}")
            else:
                problems.append(
                    Problem(item.location, item.field, "could not write the offsets here")
                )
        if fix.edits:
            fixes.append(fix)
    return fixes, problems


def source_hashes(seeds_dir: Path, sources_dir: Path) -> dict[Path, str]:
    """For each document file naming a readable source file, that source's sha256.

    Read from the raw YAML, not the models, so that a file whose hash is missing (a new
    source) or wrong can be fixed before it is validated.
    """
    hashes: dict[Path, str] = {}
    _, documents = discover(seeds_dir)
    for path in documents:
        try:
            root = _compose(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue  # the loader reports it with its position
        node = _node_at(root, ("source", "file")) if root is not None else None
        if not isinstance(node, ScalarNode) or "/" in node.value or node.value.startswith("."):
            continue
        source = sources_dir / node.value
        try:
            if source.is_file() and source.stat().st_size <= MAX_SOURCE_BYTES:
                hashes[path] = hashlib.sha256(source.read_bytes()).hexdigest()
        except OSError:
            continue
    return hashes


def apply_fixes(fixes: list[FileFix]) -> list[Problem]:
    """Write the fixed files atomically, all or none, after checking that each still loads
    and differs from the original in offsets and hashes only."""
    problems: list[Problem] = []
    for fix in fixes:
        before, _ = validate_text(fix.before, DocumentFile, fix.display, fix.path)
        after, found = validate_text(fix.after, DocumentFile, fix.display, fix.path)
        if after is None:
            problems += found or [Problem(Location(fix.display), "", "the fixed file is invalid")]
            continue
        if before is not None and _without_offsets(before.model) != _without_offsets(after.model):
            problems.append(
                Problem(Location(fix.display), "", "a fix would change more than offsets")
            )
    if not problems:
        write_atomically({fix.path: fix.after.encode("utf-8") for fix in fixes})
    return problems


def _without_offsets(model: DocumentFile) -> object:
    data = model.model_dump(mode="json")
    data["source"].pop("sha256", None)
    return _strip(data)


def _strip(value: object) -> object:
    if isinstance(value, dict):
        if "quote" in value:
            return {k: _strip(v) for k, v in value.items() if k not in {"start", "end"}}
        return {k: _strip(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


@dataclass(slots=True)
class FixOutcome:
    """What ``kg evidence --fix`` did: the diff of every file it wrote, the changes made,
    and the anchors and problems that remain after fixing (to be fixed by hand)."""

    diffs: list[str]
    changes: list[tuple[str, str]]
    anchors: list[Anchor]
    problems: list[Problem]


def fix_evidence(seeds_dir: Path, sources_dir: Path) -> FixOutcome:
    """Write every source's sha256 and every quote's offsets that kg can compute into the
    extraction files of ``seeds_dir``, then check the evidence again.

    Hashes go first, so a new source whose hash is missing loads; then offsets that are
    missing, or wrong where the quote occurs exactly once, are written. Quotes that occur
    several times or not at all are left as they are and reported. Raises
    :class:`~kg.errors.InputError` when the files do not load.
    """
    from kg.build import load_corpus  # the loading stage; imported late to keep imports light
    from kg.evidence import check_documents

    originals: dict[Path, tuple[str, str]] = {}
    changes: list[tuple[str, str]] = []
    problems: list[Problem] = []
    anchors: list[Anchor] = []
    for step in ("hashes", "offsets", "check"):
        if step != "hashes":
            corpus = load_corpus(seeds_dir)
            anchors, problems = check_documents(corpus.documents, sources_dir)
        if step == "check":
            break
        hashes = source_hashes(seeds_dir, sources_dir) if step == "hashes" else {}
        fixes, unplaced = plan_fixes(seeds_dir, anchors if step == "offsets" else [], hashes)
        refused = apply_fixes(fixes) + unplaced
        if refused:
            return FixOutcome([], changes, anchors, refused)
        for fix in fixes:
            originals.setdefault(fix.path, (fix.display, fix.before))
            changes += [(fix.display, change) for change in fix.changes]
    diffs = [
        FileFix(path, display, before, [Edit(0, len(before), path.read_text("utf-8"))]).diff()
        for path, (display, before) in sorted(originals.items())
    ]
    return FixOutcome(diffs, changes, anchors, problems)


__all__ = [
    "Edit",
    "FileFix",
    "FixOutcome",
    "apply_fixes",
    "fix_evidence",
    "offset_fixes",
    "plan_fixes",
    "source_hashes",
]
