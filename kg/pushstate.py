"""The marker an unfinished push leaves beside the graph file, so the next push knows.

A push records, before its first request and after every graph, which graphs the
store holds for sure (``written``), may hold in part (``unknown``, ``partly
written``) and does not hold yet (``not written``). A push that ends cleanly
removes the marker; one that is cut short (an error, Ctrl-C, a killed process)
leaves it. The next push to the same store reports it and, since every push
replaces each graph whole, repairs it; ``--resume`` pushes only the graphs not
``written``, if the graph file is still the one the marker was made from.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kg.errors import KgError

WRITTEN, NOT_WRITTEN, UNKNOWN, PARTLY = "written", "not written", "unknown", "partly written"


class MarkerError(KgError):
    """The marker cannot be written (a read-only or full disk)."""


def marker_path(graph_file: Path, store_url: str) -> Path:
    """``GRAPH.push-XXXXXXXX.json`` beside the graph file, one per store."""
    digest = hashlib.sha256(store_url.encode("utf-8")).hexdigest()[:8]
    return graph_file.with_name(f"{graph_file.name}.push-{digest}.json")


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(slots=True)
class Marker:
    """What one push to one store has done so far."""

    path: Path
    store: str
    source: str  # sha256 of the graph file
    started: str
    graphs: dict[str, str]

    @classmethod
    def begin(cls, path: Path, store: str, source: str, graphs: list[str]) -> Marker:
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        marker = cls(path, store, source, started, dict.fromkeys(graphs, NOT_WRITTEN))
        marker.save()
        return marker

    @classmethod
    def read(cls, path: Path) -> Marker | None:
        if not path.is_file():
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(path, raw["store"], raw["source"], raw["started"], dict(raw["graphs"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KgError(
                f"{path}: unreadable push marker ({exc}); delete it and push again"
            ) from None

    def set(self, graph: str, state: str) -> None:
        self.graphs[graph] = state
        self.save()

    def save(self) -> None:
        body = {
            "store": self.store,
            "source": self.source,
            "started": self.started,
            "graphs": self.graphs,
        }
        text = json.dumps(body, indent=1, sort_keys=True) + "\n"
        # Written twice a graph, so without fsync (kg.io.write_atomically has it): the
        # marker must outlive a killed kg, which the OS's page cache sees to; a crash of
        # the machine loses the push's connection state anyway.
        temp = self.path.with_name(f".{self.path.name}.tmp")
        try:
            temp.write_text(text, encoding="utf-8")
            temp.replace(self.path)
        except OSError as exc:
            raise MarkerError(
                f"{self.path}: cannot write the push marker ({exc.strerror or exc}); "
                "the graph file's directory must be writable"
            ) from None

    def done(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def unfinished(self) -> dict[str, list[str]]:
        """Graphs by state, for every state but ``written``."""
        states: dict[str, list[str]] = {}
        for graph, state in sorted(self.graphs.items()):
            if state != WRITTEN:
                states.setdefault(state, []).append(graph)
        return states

    def describe(self) -> str:
        lines = [
            f"a push to {self.store} started {self.started} did not finish "
            f"(marker {self.path.name}):"
        ]
        written = sum(state == WRITTEN for state in self.graphs.values())
        lines.append(f"  written: {written} graphs")
        for state, graphs in self.unfinished().items():
            lines.append(f"  {state} ({len(graphs)}):")
            lines += [f"    <{g}>" for g in graphs]
        return "\n".join(lines)


__all__ = [
    "NOT_WRITTEN",
    "PARTLY",
    "UNKNOWN",
    "WRITTEN",
    "Marker",
    "MarkerError",
    "file_digest",
    "marker_path",
]
