"""A timeline as SVG, with partial dates drawn as what they are.

A date stated to the year covers the whole year, so it is drawn as a pale band one
year wide, not a point on 1 January; a month is a month-wide band; a day is a tick.
'circa' dates have a dashed outline and a 'c.' label; 'before' and 'after' dates
carry an arrow pointing the way the true date lies. A tenure is solid only between
the end of its start band and the start of its end band; a missing start or end is
a dashed line to the edge, labelled, and a current tenure runs to the edge with an
arrow. Undated items are not placed on the axis at all (the caller lists them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from kg.dates import PartialDate, Qualifier
from kg.site.html import esc

WIDTH, LEFT, RIGHT, ROW, TOP = 880, 12, 12, 38, 34


@dataclass(frozen=True, slots=True)
class Item:
    """One row: a span (tenure) or a point event; ``start`` is required to be drawn."""

    label: str
    kind: str
    start: PartialDate | None
    end: PartialDate | None = None
    span: bool = False
    """A tenure-like span (start to end) rather than a single dated event."""
    ongoing: bool = False
    href: str | None = None


def bounds(date: PartialDate) -> tuple[int, int]:
    """First day and the day after the last day the date can denote, as ordinals."""
    first = dt.date(date.year, date.month or 1, date.day or 1)
    if date.day is not None:
        after = first + dt.timedelta(days=1)
    elif date.month is not None:
        after = dt.date(date.year + date.month // 12, date.month % 12 + 1, 1)
    else:
        after = dt.date(date.year + 1, 1, 1)
    return first.toordinal(), after.toordinal()


def date_text(date: PartialDate | None) -> str:
    if date is None:
        return "?"
    prefix = {Qualifier.CIRCA: "c. ", Qualifier.BEFORE: "before ", Qualifier.AFTER: "after "}
    return (prefix[date.qualifier] if date.qualifier else "") + date.iso


def placeable(item: Item) -> bool:
    return item.start is not None or (item.span and item.end is not None)


def render(items: list[Item], title: str) -> str:
    """The SVG (empty string when nothing has a date)."""
    rows = [i for i in items if placeable(i)]
    if not rows:
        return ""
    dates = [d for i in rows for d in (i.start, i.end) if d is not None]
    lo_year = min(d.year for d in dates)
    hi_year = max(d.year for d in dates) + 1
    if hi_year - lo_year < 3:
        lo_year, hi_year = lo_year - 1, hi_year + 1
    x0 = dt.date(lo_year, 1, 1).toordinal()
    x1 = dt.date(hi_year, 1, 1).toordinal()
    scale = (WIDTH - LEFT - RIGHT) / (x1 - x0)

    def x(ordinal: int) -> float:
        return LEFT + (ordinal - x0) * scale

    height = TOP + ROW * len(rows) + 8
    out = [
        f'<svg class="timeline" role="img" aria-labelledby="tl-title" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="tl-title">{esc(title)}</title>',
    ]
    step = max(1, (hi_year - lo_year) // 12)
    for year in range(lo_year, hi_year, step):
        gx = x(dt.date(year, 1, 1).toordinal())
        out.append(
            f'<line class="grid" x1="{gx:.1f}" y1="{TOP - 14}" x2="{gx:.1f}" y2="{height - 4}"/>'
            f'<text class="year" x="{gx + 3:.1f}" y="{TOP - 18}">{year}</text>'
        )
    for n, item in enumerate(rows):
        y = TOP + n * ROW
        out.append(_row(item, y, x, LEFT, WIDTH - RIGHT))
    out.append("</svg>")
    return "\n".join(out)


def _band(date: PartialDate, y: float, x: Callable[[int], float]) -> str:
    first, after = bounds(date)
    fx, ax = x(first), x(after)
    width = max(ax - fx, 2.0)
    classes = "band" + (" circa" if date.qualifier is Qualifier.CIRCA else "")
    parts = [
        f'<rect class="{classes} p-{date.precision.value}" x="{fx:.1f}" y="{y:.1f}" '
        f'width="{width:.1f}" height="12"/>'
    ]
    if date.qualifier is Qualifier.BEFORE:
        parts.append(f'<path class="arrow" d="M{fx:.1f} {y + 6:.1f} h-22 m6 -5 l-6 5 l6 5"/>')
    elif date.qualifier is Qualifier.AFTER:
        parts.append(
            f'<path class="arrow" d="M{fx + width:.1f} {y + 6:.1f} h22 m-6 -5 l6 5 l-6 5"/>'
        )
    return "".join(parts)


def _row(item: Item, y: float, x: Callable[[int], float], left: float, right: float) -> str:
    until = "now" if item.ongoing and not item.end else date_text(item.end)
    when = f"{date_text(item.start)} – {until}" if item.span else date_text(item.start)
    text = f"{when} · {item.label}"  # the date first: long labels are cut at the end
    label = esc(text)
    body = [f"<title>{label}</title>"]
    by = y + 4
    if item.span:
        s_hi = bounds(item.start)[1] if item.start else None
        e_lo = bounds(item.end)[0] if item.end else None
        solid_from = x(s_hi) if s_hi is not None else None
        solid_to = x(e_lo) if e_lo is not None else None
        if item.start is not None:
            body.append(_band(item.start, by, x))
        else:
            solid_from = None
        if item.end is not None:
            body.append(_band(item.end, by, x))
        if solid_from is None:
            stop = solid_to if solid_to is not None else right
            body.append(
                f'<line class="open" x1="{left:.1f}" y1="{by + 6:.1f}" x2="{stop:.1f}" '
                f'y2="{by + 6:.1f}"/>'
            )
        elif solid_to is None:
            cls = "bar ongoing" if item.ongoing else "open"
            if item.ongoing:
                body.append(
                    f'<rect class="{cls}" x="{solid_from:.1f}" y="{by + 2:.1f}" '
                    f'width="{max(right - solid_from - 8, 1):.1f}" height="8"/>'
                    f'<path class="arrow" d="M{right - 8:.1f} {by + 1:.1f} l8 5 l-8 5 z"/>'
                )
            else:
                body.append(
                    f'<line class="{cls}" x1="{solid_from:.1f}" y1="{by + 6:.1f}" '
                    f'x2="{right:.1f}" y2="{by + 6:.1f}"/>'
                )
        elif solid_to > solid_from:
            body.append(
                f'<rect class="bar" x="{solid_from:.1f}" y="{by + 2:.1f}" '
                f'width="{solid_to - solid_from:.1f}" height="8"/>'
            )
    elif item.start is not None:
        body.append(_band(item.start, by, x))
    text_y = y - 1
    shown = label if len(text) <= 110 else esc(text[:108] + "…")
    inner = "".join(body) + f'<text class="label" x="{left:.1f}" y="{text_y:.1f}">{shown}</text>'
    if item.href:
        inner = f'<a href="{esc(item.href)}">{inner}</a>'
    return f'<g class="tl-item k-{esc(item.kind)}">{inner}</g>'
