"""A people ↔ organisations network as SVG, with a deterministic layout.

Organisations sit on an inner ring, people on an outer ring, each person at the mean
angle of the organisations they are linked to (then spread evenly in that order), so
a person tends to sit beside their organisations. No randomness, no iteration:
the same graph always gives the same picture, byte for byte.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kg.site.html import esc

PAD = 170
"""Room beside the outer ring for labels."""
KINDS = {
    "post": "holds a post in",
    "member": "member of",
    "part": "part of",
    "action": "disciplinary action",
}
"""Edge kinds, with their legend text (the colours are in site.css)."""


@dataclass(frozen=True, slots=True)
class Node:
    key: str
    label: str
    kind: str
    """'person' or 'organisation'."""
    href: str | None


@dataclass(frozen=True, slots=True)
class Edge:
    a: str
    b: str
    kind: str


def _angles(count: int, offset: float = 0.0) -> list[float]:
    return [offset + 2 * math.pi * i / count for i in range(count)] if count else []


def layout(
    nodes: list[Node], edges: list[Edge], size: int, centre: str | None = None
) -> dict[str, tuple[float, float]]:
    """Node key -> (x, y): organisations on the inner ring, people on the outer one;
    the ``centre`` node (an organisation's own picture) in the middle."""
    middle = size / 2
    position: dict[str, tuple[float, float]] = {}
    if centre is not None:
        position[centre] = (middle, middle)
        nodes = [n for n in nodes if n.key != centre]
    orgs = [n for n in nodes if n.kind != "person"]
    people = [n for n in nodes if n.kind == "person"]
    inner = size * (0.27 if len(orgs) > 1 or centre is not None else 0.0)
    outer = size * 0.46
    org_angle = {}
    for node, angle in zip(orgs, _angles(len(orgs)), strict=True):
        org_angle[node.key] = angle
        position[node.key] = (middle + inner * math.cos(angle), middle + inner * math.sin(angle))
    linked: dict[str, list[float]] = {p.key: [] for p in people}
    for edge in edges:
        for person, org in ((edge.a, edge.b), (edge.b, edge.a)):
            if person in linked and org in org_angle:
                linked[person].append(org_angle[org])

    def mean_angle(key: str) -> float:
        found = linked[key]
        if not found:
            return 0.0
        angle = math.atan2(sum(map(math.sin, found)), sum(map(math.cos, found)))
        return angle % (2 * math.pi)

    ordered = sorted(people, key=lambda n: (round(mean_angle(n.key), 6), n.key))
    for node, angle in zip(
        ordered, _angles(len(ordered), math.pi / max(len(ordered), 1)), strict=True
    ):
        position[node.key] = (middle + outer * math.cos(angle), middle + outer * math.sin(angle))
    return position


def render(
    nodes: list[Node], edges: list[Edge], title: str, size: int = 640, centre: str | None = None
) -> str:
    """The SVG; each node is a link to its page (the legend is :func:`legend`)."""
    if not nodes:
        return ""
    position = layout(nodes, edges, size, centre)
    out = [
        f'<svg class="network" role="img" aria-labelledby="net-title net-desc" '
        f'width="{size + 2 * PAD}" height="{size + 40}" '
        f'viewBox="{-PAD} -20 {size + 2 * PAD} {size + 40}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="net-title">{esc(title)}</title>',
        f'<desc id="net-desc">{len(nodes)} people and organisations, {len(edges)} links. '
        "Organisations on the inner ring, people on the outer ring.</desc>",
        '<g class="edges">',
    ]
    for edge in edges:
        (ax, ay), (bx, by) = position[edge.a], position[edge.b]
        out.append(
            f'<line class="edge e-{edge.kind}" x1="{ax:.1f}" y1="{ay:.1f}" '
            f'x2="{bx:.1f}" y2="{by:.1f}"/>'
        )
    out.append("</g>")
    middle = size / 2
    for node in nodes:
        nx, ny = position[node.key]
        radius = 9 if node.key == centre else (7 if node.kind != "person" else 5)
        anchor = "start" if nx >= middle else "end"
        dx = 9 if nx >= middle else -9
        label = node.label if len(node.label) <= 28 else node.label[:27] + "…"
        body = (
            f"<title>{esc(node.label)}</title>"
            f'<circle cx="{nx:.1f}" cy="{ny:.1f}" r="{radius}"/>'
            f'<text x="{nx + dx:.1f}" y="{ny + 4:.1f}" text-anchor="{anchor}">{esc(label)}</text>'
        )
        if node.href:
            body = f'<a href="{esc(node.href)}">{body}</a>'
        out.append(f'<g class="node n-{node.kind}">{body}</g>')
    out.append("</svg>")
    return "\n".join(out)


def legend() -> str:
    """The colour key, as HTML beside the picture."""
    entries = "".join(
        f'<li><span class="swatch e-{kind}" aria-hidden="true"></span>{esc(text)}</li>'
        for kind, text in KINDS.items()
    )
    return (
        '<ul class="legend" aria-label="Link colours">'
        '<li><span class="dot n-person" aria-hidden="true"></span>person</li>'
        '<li><span class="dot n-organisation" aria-hidden="true"></span>organisation</li>'
        f"{entries}</ul>"
    )
