"""Quads kept in parts, one per extraction file, read only where they are asked for.

A rebuild after a one-file edit validates and formats only the graphs the edit
touches (:mod:`kg.revalidation`, :mod:`kg.piecewise`), each reading its graph's quads
as a slice of the whole: :class:`QuadParts` answers such a slice from the one part
it lies in, so the other files' quads (a million at 1M statements: 0.3 s to load,
index and free) are never loaded. Asked for everything (iteration, or
:attr:`kg.mapping.MappedGraph.quads`), it loads every part, in order.

A part that cannot be read (damaged, or not what kg wrote) is answered by
``recover``, which makes every part's quads afresh: a slower build, never a wrong one.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from typing import overload

from kg.errors import KgError
from kg.ntriples import Quad

Loader = Callable[[], "list[Quad] | None"]


class QuadParts(Sequence[Quad]):
    """The concatenation of parts ``(graph, count, quads or a loader of them)``: the
    quads of one named graph each, ``count`` of them, in order.

    >>> parts = QuadParts(
    ...     [("<g1>", 1, [("<a>", "<p>", "<b>", "<g1>")]), ("<g2>", 1, lambda: None)],
    ...     recover=lambda: [[("<a>", "<p>", "<b>", "<g1>")], [("<c>", "<p>", "<d>", "<g2>")]],
    ... )
    >>> len(parts), parts.runs()
    (2, {'<g1>': [(0, 1)], '<g2>': [(1, 2)]})
    >>> parts[1:2]  # the second part cannot be loaded: recovered
    [('<c>', '<p>', '<d>', '<g2>')]
    """

    def __init__(
        self,
        parts: Sequence[tuple[str, int, list[Quad] | Loader]],
        recover: Callable[[], list[list[Quad]]],
    ) -> None:
        self._graphs = [graph for graph, _, _ in parts]
        self._counts = [count for _, count, _ in parts]
        self._sources = [source for _, _, source in parts]
        self._loaded: dict[int, list[Quad]] = {
            index: source for index, source in enumerate(self._sources) if isinstance(source, list)
        }
        self._starts = list(itertools.accumulate(self._counts, initial=0))
        self._recover = recover

    def __len__(self) -> int:
        return self._starts[-1]

    @overload
    def __getitem__(self, index: int) -> Quad: ...

    @overload
    def __getitem__(self, index: slice) -> list[Quad]: ...

    def __getitem__(self, index: int | slice) -> Quad | list[Quad]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step == 1 and start < stop:
                part = bisect_right(self._starts, start) - 1
                offset = self._starts[part]
                if stop <= offset + self._counts[part]:  # within one part: load that one
                    return self._part(part)[start - offset : stop - offset]
                found: list[Quad] = []
                while start < stop:  # across parts: the pieces of each
                    offset = self._starts[part]
                    end = min(stop, offset + self._counts[part])
                    if end > start:  # an empty part is not read
                        found += self._part(part)[start - offset : end - offset]
                    start, part = end, part + 1
                return found
            return [self[i] for i in range(start, stop, step)]
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError("quad index out of range")
        part = bisect_right(self._starts, position) - 1
        return self._part(part)[position - self._starts[part]]

    def __iter__(self) -> Iterator[Quad]:
        for part in range(len(self._counts)):
            yield from self._part(part)

    def runs(self) -> dict[str, list[tuple[int, int]]]:
        """:func:`kg.io.graph_runs` of these quads, from the parts' graphs and counts."""
        runs: dict[str, list[tuple[int, int]]] = {}
        last = None
        for graph, count, start in zip(self._graphs, self._counts, self._starts, strict=False):
            if not count:
                continue
            found = runs.setdefault(graph, [])
            if last == graph:  # the run goes on into this part
                found[-1] = (found[-1][0], start + count)
            else:
                found.append((start, start + count))
            last = graph
        return runs

    def loaded(self) -> int:
        """How many parts have been read (what a rebuild saved shows here)."""
        return len(self._loaded)

    def _part(self, index: int) -> list[Quad]:
        found = self._loaded.get(index)
        if found is None:
            source = self._sources[index]
            found = source() if callable(source) else source
            if found is None or len(found) != self._counts[index]:
                self._recovered()
                return self._loaded[index]
            self._loaded[index] = found
        return found

    def _recovered(self) -> None:
        """Every part made afresh by ``recover`` (once), checked against the counts."""
        made = self._recover()
        if [len(quads) for quads in made] != self._counts:
            raise KgError(
                "the cache's kept mappings do not match the extraction files: "
                "remove the cache directory and build again"
            )
        self._loaded = dict(enumerate(made))
        self._sources = list(made)


def as_list(quads: Sequence[Quad]) -> list[Quad]:
    """The quads as a list: itself if it is one (no copy of a million references)."""
    return quads if isinstance(quads, list) else list(quads)


__all__ = ["QuadParts", "as_list"]
