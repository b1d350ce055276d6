"""``kg report``: a static HTML site made from a built graph, for people who would rather
look than query. Downstream of the build: it reads the graph and its source map (and,
if given, the source texts), never the extractions.

The site works offline, from ``file://`` or any web server: no CDN, assets shipped
with kg, search data in a script file. The same graph gives the same bytes.
"""

from __future__ import annotations

import shutil
import tempfile
from importlib import resources
from pathlib import Path

from kg.build import paused_gc
from kg.errors import KgError
from kg.graphview import GraphView, read_view
from kg.site.evidence import Sources
from kg.site.pages import all_pages
from kg.site.render import Site

ASSETS = ("site.css", "site.js")


def render_site(
    view: GraphView, sources_dir: Path | None = None, extraction_url: str | None = None
) -> dict[Path, bytes]:
    """Every file of the site, by path relative to its root."""
    site = Site(view, Sources(sources_dir, view), extraction_url)
    files = dict(all_pages(site))
    folder = resources.files("kg.site") / "assets"
    for name in ASSETS:
        files[Path("assets") / name] = (folder / name).read_bytes()
    return dict(sorted(files.items()))


def graph_in(build_dir: Path) -> Path:
    """The graph file of a build directory: graph.trig, else graph.ttl (or N-Quads/N-Triples)."""
    for name in ("graph.trig", "graph.ttl", "graph.nq", "graph.nt"):
        graph = build_dir / name
        if graph.is_file():
            return graph
    raise KgError(f"{build_dir}: no graph.trig or graph.ttl here; run 'kg build' first")


def build_report(
    build_dir: Path,
    sources_dir: Path | None = None,
    extraction_url: str | None = None,
) -> dict[Path, bytes]:
    """The site of the graph in ``build_dir`` (graph.trig, else graph.ttl, with the
    build's source map for file:line links)."""
    graph = graph_in(build_dir)
    if sources_dir is not None and not sources_dir.is_dir():
        raise KgError(f"{sources_dir}: no such directory of source texts")
    view = read_view(graph, build_dir / "graph.sourcemap.json")
    with paused_gc():  # the pages make many objects and no cycles
        return render_site(view, sources_dir, extraction_url)


def write_site(files: dict[Path, bytes], out: Path) -> None:
    """Write the site into a fresh directory beside ``out``, then swap it in: a reader
    never sees half a site, and a failed run leaves the old one (no fsync per page:
    a site of a large graph has tens of thousands)."""
    out = out.resolve()
    if out.exists() and not _is_site(out):
        raise KgError(
            f"{out}: exists and is not a site kg report wrote; "
            "give a new or empty directory (it is replaced as a whole)"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for path, data in files.items():
            target = fresh / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        fresh.chmod(0o755)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            out.rename(old / "site")
        fresh.rename(out)
        if old is not None:
            shutil.rmtree(old)
    finally:
        if fresh.exists():
            shutil.rmtree(fresh)


def _is_site(path: Path) -> bool:
    """An empty directory, or one holding a report (so replacing it loses nothing else)."""
    if not path.is_dir():
        return False
    if not any(path.iterdir()):
        return True
    return (path / "index.html").is_file() and (path / "assets" / "site.css").is_file()


__all__ = ["build_report", "graph_in", "render_site", "write_site"]
