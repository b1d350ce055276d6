"""The report in a real browser: headless Chromium loads the generated site from file://.

No console errors; the search finds a person; a person's timeline and the overview's
network picture render with the expected number of items; every link resolves;
screenshots of the overview and one person page go to build/test-artifacts/.
Skipped, with the reason, only when no Chromium can be found ($KG_CHROMIUM or PATH).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from cdp_browser import Browser, browser, find_chromium

from kg.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SOURCES = Path(os.environ.get("KG_SOURCES", ROOT.parent / "shared" / "seeds"))
ARTIFACTS = ROOT / "build" / "test-artifacts"
CHROMIUM = find_chromium()

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="NO CHROMIUM FOUND: the browser tests of kg report did not run "
    "(apt-get install chromium, or set KG_CHROMIUM)",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("build")
    assert main(["build", str(SEEDS), "-o", str(build), "-q"]) == 0
    out = tmp_path_factory.mktemp("report") / "site"
    args = ["report", str(build), "-o", str(out), "-q"]
    if SOURCES.is_dir():
        args += ["--sources", str(SOURCES)]
    assert main(args) == 0
    return out


@pytest.fixture(scope="module")
def chrome() -> Iterator[Browser]:
    assert CHROMIUM is not None
    with browser(CHROMIUM) as opened:
        yield opened


def _links_resolve(chrome: Browser, page: Path) -> int:
    hrefs: list[str] = chrome.evaluate(
        "Array.from(document.querySelectorAll('a[href]'), a => a.href)"
        ".concat(Array.from(document.querySelectorAll('svg a'), a => a.href.baseVal ? "
        "new URL(a.href.baseVal, document.baseURI).href : a.href))"
    )
    checked = 0
    for href in hrefs:
        url = urlparse(href)
        if url.scheme != "file":
            continue
        target = Path(unquote(url.path))
        assert target.is_file(), f"{page}: broken link {href}"
        if url.fragment:
            assert f'id="{url.fragment}"' in target.read_text(encoding="utf-8"), href
        checked += 1
    return checked


def test_overview_search_and_network(chrome: Browser, site: Path) -> None:
    chrome.open((site / "index.html").as_uri())
    assert chrome.evaluate("document.title").startswith("Overview")
    # the network: as many drawn nodes and lines as the figure says it has
    drawn = chrome.evaluate(
        "[document.querySelectorAll('svg.network .node').length,"
        " document.querySelectorAll('svg.network line.edge').length,"
        " +document.querySelector('.network-box').dataset.nodes,"
        " +document.querySelector('.network-box').dataset.edges,"
        " document.querySelector('svg.network').getBoundingClientRect().height]"
    )
    nodes, edges, said_nodes, said_edges, height = drawn
    # the 24 most linked organisations and 48 most linked people (the seeds link 110)
    assert nodes == said_nodes == 24 + 48 and edges == said_edges > 50 and height > 300
    chrome.screenshot(ARTIFACTS / "report-index.png")
    # the search: type a name, a link to the person's page appears
    chrome.evaluate("document.getElementById('q').focus()")
    chrome.type_text("lansman")
    results = chrome.evaluate(
        "Array.from(document.querySelectorAll('#results a'), a => [a.textContent, a.href])"
    )
    assert ["Jon Lansman", (site / "person" / "jon-lansman.html").as_uri()] in results
    assert re.match(
        r"\d+ match", chrome.evaluate("document.getElementById('results-status').textContent")
    )
    # keyboard: Enter opens the first result
    chrome.evaluate("document.getElementById('q').value = ''")
    chrome.evaluate("document.getElementById('q').dispatchEvent(new Event('input'))")
    chrome.type_text("Jon Lansman")
    chrome.call(
        "Input.dispatchKeyEvent",
        {"type": "keyDown", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13},
        session=True,
    )
    chrome.wait_for("Page.loadEventFired")
    assert chrome.evaluate("document.querySelector('h1').textContent") == "Jon Lansman"
    assert chrome.errors() == []


def test_person_page_timeline_and_links(chrome: Browser, site: Path) -> None:
    page = site / "person" / "jon-lansman.html"
    chrome.open(page.as_uri())
    items, said, width = chrome.evaluate(
        "[document.querySelectorAll('svg.timeline .tl-item').length,"
        " +document.querySelector('.timeline-box').dataset.items,"
        " document.querySelector('svg.timeline').getBoundingClientRect().width]"
    )
    # Jon Lansman's dated facts in the seeds: Momentum's founding and his tenure as its
    # founder (2015), three Momentum changes of January 2017, the constitution vote, the
    # 2018 candidacy and the 2019 NEC vote
    assert items == said == 8 and width > 400
    marks = chrome.evaluate("document.querySelectorAll('blockquote.quote mark').length")
    assert marks > 20
    assert _links_resolve(chrome, page) > 20
    chrome.screenshot(ARTIFACTS / "report-person.png")
    assert chrome.errors() == []


def test_every_page_kind_loads_without_errors(chrome: Browser, site: Path) -> None:
    pages = [
        site / "lists" / "people.html",
        site / "organisation" / "momentum.html",
        site / "election" / "labour-general-secretary-election-2018.html",
        site / "vote" / "labour-nec-vote-2019-fast-track-expulsions.html",
        site / "source" / "tag-archives-labour-left-alliance.html",
        site / "post" / "labour-general-secretary.html",
    ]
    for page in pages:
        chrome.open(page.as_uri())
        assert chrome.evaluate("document.querySelectorAll('h1').length") == 1, page
        assert _links_resolve(chrome, page) > 0, page
    assert chrome.errors() == []


def test_site_works_from_a_web_server(chrome: Browser, site: Path) -> None:
    """The same pages over HTTP (any static server; here Python's, on a free port)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        chrome.open(base + "index.html")
        chrome.evaluate("document.getElementById('q').focus()")
        chrome.type_text("walker")
        results = chrome.evaluate(
            "Array.from(document.querySelectorAll('#results a'), a => a.href)"
        )
        assert base + "person/jackie-walker.html" in results
        chrome.open(base + "organisation/momentum.html")
        assert chrome.evaluate("document.querySelectorAll('svg.network .node').length") > 5
        assert chrome.errors() == []
    finally:
        server.shutdown()
        server.server_close()
