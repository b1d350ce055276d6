"""Update a copy of the previous on-disk store instead of loading the whole graph again.

A TriG kg writes is a prefix header and one block per named graph, each block made
from that graph alone (:func:`kg.io.trig`). A store records, in ``kg-graphs.json``
beside its stamp, a digest of each block it was loaded from. The next build with a
store in place copies it (an Oxigraph checkpoint: hard links to its immutable
files, so the copy costs almost nothing), replaces the quads of the graphs whose
blocks changed, removes the graphs that went away, and brings the default graph
(the union of the named graphs, as a set) up to date: a triple leaves it only if
no named graph holds it any more. The previous store is only read, never opened
for writing, so readers keep it and a failure leaves it as it was.

Anything unexpected (no record, another record format or Oxigraph version,
another prefix header, blank nodes in a changed graph, a store that does not open) means the caller
loads the whole graph, as if there were no previous store.
"""

from __future__ import annotations

import hashlib
import json
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

GRAPHS = "kg-graphs.json"
GRAPHS_FORMAT = 1
MAX_CHANGED_SHARE = 0.5
"""Above this share of the graph blocks' bytes changed, loading everything is cheaper."""

Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]


class NotUpdatableError(Exception):
    """The previous store cannot be updated; the reason says why (the caller loads all)."""


@dataclass(frozen=True, slots=True)
class Blocks:
    """A TriG kg wrote, cut into its prefix header and its graph blocks (by head, the
    graph's name as written before ``{``), with a digest of each."""

    trig: bytes
    header: bytes
    spans: dict[str, tuple[int, int]]
    digests: dict[str, str]

    def record(self) -> dict[str, object]:
        """What ``kg-graphs.json`` holds for a store loaded from this TriG."""
        return {
            "format": GRAPHS_FORMAT,
            "oxigraph": ox.__version__,
            "header": _digest(self.header),
            "graphs": self.digests,
        }

    def block(self, head: str) -> bytes:
        start, end = self.spans[head]
        return self.trig[start:end]


def _digest(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def split_trig(trig: bytes) -> Blocks | None:
    """The graph blocks of ``trig``, or None if it is not laid out as kg writes TriG."""
    header_end = trig.find(b"\n\n") + 1
    if header_end <= 0:
        return None
    header = trig[:header_end]
    if not all(line.startswith(b"@prefix ") for line in header.splitlines()):
        return None
    view = memoryview(trig)
    spans: dict[str, tuple[int, int]] = {}
    digests: dict[str, str] = {}
    pos = header_end + 1
    while pos < len(trig):
        line_end = trig.find(b"\n", pos)
        head_line = trig[pos:line_end]
        if line_end < 0 or not head_line.endswith(b" {") or head_line[:1] in b"\t @#":
            return None
        end = trig.find(b"\n}\n", line_end)
        if end < 0:
            return None
        end += 3
        head = head_line[:-2].decode("utf-8", "replace")
        if head in spans:
            return None
        spans[head] = (pos, end)
        digests[head] = _digest(view[pos:end])
        pos = end + 1 if trig[end : end + 1] == b"\n" else end
    return Blocks(trig, header, spans, digests)


def read_record(store: Path) -> dict[str, str] | None:
    """The block digests a store was loaded from (None: no usable record)."""
    try:
        record = json.loads((store / GRAPHS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != GRAPHS_FORMAT:
        return None
    graphs = record.get("graphs")
    if record.get("oxigraph") != ox.__version__ or not isinstance(graphs, dict):
        return None
    if not all(isinstance(v, str) for v in graphs.values()):
        return None
    return {"": str(record.get("header")), **{str(k): v for k, v in graphs.items()}}


def write_record(store: Path, blocks: Blocks) -> None:
    text = json.dumps(blocks.record(), indent=0, sort_keys=True) + "\n"
    (store / GRAPHS).write_text(text, encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Plan:
    """What an update of the previous store does: graphs to replace and to remove."""

    changed: list[str]
    removed: list[str]
    total: int

    def describe(self) -> str:
        return (
            f"updated the previous store: {len(self.changed)} of {self.total} graphs "
            f"changed or new, {len(self.removed)} removed"
        )


def plan_update(previous: Path, blocks: Blocks) -> Plan:
    """Which graphs differ between the store at ``previous`` and ``blocks``;
    :class:`NotUpdatableError` if the store's record cannot tell or too much changed."""
    recorded = read_record(previous)
    if recorded is None:
        raise NotUpdatableError("it records no graph digests kg can read")
    if recorded.pop("") != _digest(blocks.header):
        raise NotUpdatableError("the prefix header changed")
    changed = [h for h, d in blocks.digests.items() if recorded.get(h) != d]
    removed = sorted(set(recorded) - set(blocks.digests))
    size = {head: end - start for head, (start, end) in blocks.spans.items()}
    if sum(size[h] for h in changed) > MAX_CHANGED_SHARE * sum(size.values()):
        raise NotUpdatableError("most of the graph changed")
    return Plan(changed, removed, len(blocks.digests))


def update_copy(previous: Path, temp: Path, blocks: Blocks, plan: Plan) -> None:
    """Make ``temp`` (which must not exist) a copy of the store at ``previous`` updated to
    hold ``blocks``. ``previous`` is opened read-only and never changes."""
    try:
        ox.Store.read_only(str(previous)).backup(str(temp))
    except OSError as exc:
        raise NotUpdatableError(f"cannot copy it: {exc}") from None
    write_store(temp, lambda store: _update(store, blocks, plan))


def write_store(directory: Path, fill: Callable[[ox.Store], None]) -> None:
    """Open a store at ``directory``, ``fill`` it and flush it, and close it whatever
    happens, before the caller moves or removes the directory."""
    store = ox.Store(str(directory))
    try:
        fill(store)
        store.flush()
    except BaseException as exc:
        closing(exc)
        del store
        raise
    del store  # closes the database before it is moved


def closing(exc: BaseException) -> None:
    """Let the frames an error passed through drop their locals, so a store one of them
    held is closed before the caller removes its directory (else the database, still
    open, may write into the directory being removed)."""
    traceback.clear_frames(exc.__traceback__)


def _graph_of(blocks: Blocks, head: str) -> ox.NamedNode:
    """The graph a block head names, as Oxigraph reads it (a head may be a prefixed name)."""
    probe = b"<urn:kg:probe> <urn:kg:probe> <urn:kg:probe> ."
    doc = blocks.header + head.encode("utf-8") + b" { " + probe + b" }\n"
    return _one_graph(ox.parse(doc, format=ox.RdfFormat.TRIG))[0]


def _one_graph(quads: Iterable[ox.Quad]) -> tuple[ox.NamedNode, list[ox.Quad]]:
    got = list(quads)
    names = {q.graph_name for q in got}
    if len(names) != 1:
        raise NotUpdatableError("a graph block does not hold exactly one named graph")
    (name,) = names
    if not isinstance(name, ox.NamedNode):
        raise NotUpdatableError("a graph block names no graph")
    return name, got


def _triples(quads: Iterable[ox.Quad]) -> set[Triple]:
    """The triples of ``quads``; :class:`NotUpdatableError` on a blank node, whose
    identity across graphs and the union a block-by-block update cannot keep."""
    triples = {(q.subject, q.predicate, q.object) for q in quads}
    for s, _, o in triples:
        if isinstance(s, ox.BlankNode) or isinstance(o, ox.BlankNode):
            raise NotUpdatableError("the graph holds blank nodes")
    return triples  # type: ignore[return-value]


def _update(store: ox.Store, blocks: Blocks, plan: Plan) -> None:
    """Replace the changed graphs, drop the removed ones, then fix the union."""
    left: set[Triple] = set()  # triples that were in a replaced or removed graph
    entered: set[Triple] = set()
    new: list[ox.Quad] = []
    for head in plan.changed:
        doc = blocks.header + b"\n" + blocks.block(head)
        graph, quads = _one_graph(ox.parse(doc, format=ox.RdfFormat.TRIG))
        left |= _triples(store.quads_for_pattern(None, None, None, graph))
        entered |= _triples(quads)
        if store.contains_named_graph(graph):
            store.remove_graph(graph)
        new += quads
    for head in plan.removed:
        graph = _graph_of(blocks, head)
        left |= _triples(store.quads_for_pattern(None, None, None, graph))
        store.remove_graph(graph)
    store.extend(new)
    default = ox.DefaultGraph()
    gone = [
        ox.Quad(s, p, o, default)
        for s, p, o in left - entered
        if not any(q.graph_name != default for q in store.quads_for_pattern(s, p, o, None))
    ]
    for quad in gone:
        store.remove(quad)
    store.extend(ox.Quad(s, p, o, default) for s, p, o in entered)


__all__ = [
    "GRAPHS",
    "MAX_CHANGED_SHARE",
    "Blocks",
    "NotUpdatableError",
    "Plan",
    "closing",
    "plan_update",
    "read_record",
    "split_trig",
    "update_copy",
    "write_record",
    "write_store",
]
