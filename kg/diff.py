"""What changed between two graphs, grouped by entity, stable enough to review in a pull request.

Graphs are compared as RDF, not as text: both are canonicalised (blank nodes
relabelled by their content, rdflib.compare) so formatting, statement order and
blank-node labels never show up as changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.term import Node as Term

from kg.namespaces import PREFIXES
from kg.validation import label_of


@dataclass(frozen=True, slots=True)
class EntityChange:
    """The statements about one subject that were added or removed."""

    subject: Term
    label: str | None
    status: str
    """'added' (new subject), 'removed' (subject gone) or 'modified'."""
    added: tuple[tuple[Term, Term], ...] = ()
    removed: tuple[tuple[Term, Term], ...] = ()


@dataclass(frozen=True, slots=True)
class GraphDiff:
    changes: tuple[EntityChange, ...] = field(default_factory=tuple)

    @property
    def same(self) -> bool:
        return not self.changes

    def counts(self) -> dict[str, int]:
        return {
            "added": sum(1 for c in self.changes if c.status == "added"),
            "removed": sum(1 for c in self.changes if c.status == "removed"),
            "modified": sum(1 for c in self.changes if c.status == "modified"),
            "statements_added": sum(len(c.added) for c in self.changes),
            "statements_removed": sum(len(c.removed) for c in self.changes),
        }


def diff_graphs(old: Graph, new: Graph) -> GraphDiff:
    """Added and removed statements between two graphs, grouped by subject, sorted."""
    old_iso, new_iso = to_isomorphic(_triples(old)), to_isomorphic(_triples(new))
    _, only_old, only_new = graph_diff(old_iso, new_iso)
    subjects = sorted(set(only_old.subjects()) | set(only_new.subjects()), key=_sort_key)
    changes = []
    for subject in subjects:
        removed = tuple(sorted(only_old.predicate_objects(subject), key=_pair_key))
        added = tuple(sorted(only_new.predicate_objects(subject), key=_pair_key))
        in_old = (subject, None, None) in old_iso
        in_new = (subject, None, None) in new_iso
        status = "modified" if in_old and in_new else ("added" if in_new else "removed")
        label = label_of(new_iso, subject) or label_of(old_iso, subject)
        changes.append(EntityChange(subject, label, status, added, removed))
    return GraphDiff(tuple(changes))


def _triples(graph: Graph) -> Graph:
    """A plain graph of every triple (a Dataset's named graphs are merged)."""
    merged = Graph()
    for triple in graph.triples((None, None, None)):
        merged.add(triple)
    return merged


def _sort_key(term: Term) -> tuple[int, str]:
    return (1 if isinstance(term, BNode) else 0, str(term))


def _pair_key(pair: tuple[Term, Term]) -> tuple[str, str]:
    return (str(pair[0]), pair[1].n3())


def short(term: Term) -> str:
    """A term as a prefixed name where a known prefix fits, else in N-Triples form."""
    if isinstance(term, URIRef):
        text = str(term)
        for name, namespace in sorted(PREFIXES.items(), key=lambda kv: -len(str(kv[1]))):
            local = text[len(str(namespace)) :]
            if text.startswith(str(namespace)) and local and "/" not in local:
                return f"{name}:{local}"
        return term.n3()
    if isinstance(term, Literal):
        return term.n3()
    return term.n3()


def render_diff(diff: GraphDiff) -> str:
    if diff.same:
        return "no differences"
    lines = []
    for change in diff.changes:
        label = f" ({change.label})" if change.label else ""
        lines.append(f"{change.status}: {short(change.subject)}{label}")
        lines.extend(f"  - {short(p)} {short(o)}" for p, o in change.removed)
        lines.extend(f"  + {short(p)} {short(o)}" for p, o in change.added)
    c = diff.counts()
    lines.append(
        f"{len(diff.changes)} entities differ: {c['added']} added, {c['removed']} removed, "
        f"{c['modified']} modified; +{c['statements_added']} -{c['statements_removed']} statements"
    )
    return "\n".join(lines)


def diff_json(diff: GraphDiff) -> dict[str, Any]:
    return {
        "same": diff.same,
        "counts": diff.counts(),
        "changes": [
            {
                "subject": str(c.subject),
                "label": c.label,
                "status": c.status,
                "added": [[str(p), o.n3()] for p, o in c.added],
                "removed": [[str(p), o.n3()] for p, o in c.removed],
            }
            for c in diff.changes
        ],
    }
