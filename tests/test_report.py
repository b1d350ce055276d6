"""kg report: the static site made from a built graph (content, determinism, errors)."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib.namespace import FOAF, ORG

from kg.cli import main
from kg.dates import PartialDate
from kg.graphview import read_view
from kg.namespaces import KG, OPENGOV
from kg.site import build_report, render_site
from kg.site import timeline as tl
from kg.site.facts import page_of

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SOURCES = Path(os.environ.get("KG_SOURCES", ROOT.parent / "shared" / "seeds"))


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    assert main(["build", str(SEEDS), "-o", str(out), "-q"]) == 0
    return out


@pytest.fixture(scope="module")
def site(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "site"
    args = ["report", str(build_dir), "-o", str(out), "-q"]
    if SOURCES.is_dir():
        args += ["--sources", str(SOURCES)]
    assert main(args) == 0
    return out


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        for name in ("href", "src"):
            if found.get(name) and tag in ("a", "link", "script"):
                self.links.append(str(found[name]))


def test_every_person_organisation_election_vote_and_source_has_a_page(
    site: Path, build_dir: Path
) -> None:
    view = read_view(build_dir / "graph.trig")
    for cls in (FOAF.Person, ORG.Organization, KG.Election, OPENGOV.VoteEvent, KG.SourceDocument):
        for iri in view.instances(str(cls)):
            path = page_of(iri)
            assert path is not None and (site / path).is_file(), iri
    assert (site / "index.html").is_file()
    assert (site / "assets" / "site.css").is_file() and (site / "assets" / "site.js").is_file()


def test_every_internal_link_resolves(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 100
    ids = {}
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        ids[page.resolve()] = parser.ids
        for href in parser.links:
            if re.match(r"[a-z]+:", href):
                assert not href.startswith("http") or "w3id.org" in href or "wikidata" in href
                continue
            target, _, fragment = href.partition("#")
            target = target.partition("?")[0]
            resolved = (page.parent / target).resolve() if target else page.resolve()
            assert resolved.is_file(), f"{page}: {href}"
            if fragment and resolved.suffix == ".html":
                if resolved not in ids:
                    other = _Links()
                    other.feed(resolved.read_text(encoding="utf-8"))
                    ids[resolved] = other.ids
                assert fragment in ids[resolved], f"{page}: {href}"


def test_no_page_repeats_an_element_id(site: Path) -> None:
    for page in site.rglob("*.html"):
        ids = re.findall(r' id="([^"]+)"', page.read_text(encoding="utf-8"))
        assert len(ids) == len(set(ids)), page


def test_person_page_shows_roles_claims_by_stance_and_evidence(site: Path) -> None:
    text = (site / "person" / "jon-lansman.html").read_text(encoding="utf-8")
    assert "<h1>Jon Lansman</h1>" in text
    assert "Roles held" in text and "Claims they make" in text and "Claims about them" in text
    assert '<details class="stance" open><summary>criticises' in text
    assert '<details class="stance" open><summary>no stance' in text
    assert re.search(r"Jon Lansman (asserts|alleges|predicts|proposes)", text)
    # evidence: the quote marked, the source document linked, the extraction file:line
    assert "<mark>Momentum founder Jon Lansman</mark>" in text
    assert 'href="../source/momentums-lansman-quits-gen-sec-contest.html"' in text
    assert re.search(r"seeds/001_lansman-quits-gen-sec-contest\.yaml:\d+", text)


@pytest.mark.skipif(not SOURCES.is_dir(), reason="source texts not found (set KG_SOURCES)")
def test_quotes_are_shown_inside_their_source_text(site: Path) -> None:
    text = (site / "person" / "jon-lansman.html").read_text(encoding="utf-8")
    match = re.search(r'<blockquote class="quote">([^<]*)<mark>Momentum founder Jon Lansman', text)
    assert match and len(match.group(1)) > 40  # the words before the quote, from the source


def test_disciplinary_chain_and_counts(site: Path) -> None:
    walker = (site / "person" / "jackie-walker.html").read_text(encoding="utf-8")
    assert '<ol class="chain"' in walker and "→" in walker
    vote = (site / "vote" / "labour-nec-vote-2019-fast-track-expulsions.html").read_text("utf-8")
    assert "<h2>Named votes</h2>" in vote and vote.count("<tr><th scope='row'>") >= 8 + 1
    election = (site / "election" / "labour-general-secretary-election-2018.html").read_text(
        "utf-8"
    )
    assert "Candidacies" in election and "Jennie Formby" in election and "withdrawn" in election


def test_source_page_lists_what_it_states(site: Path) -> None:
    text = (site / "source" / "tag-archives-labour-left-alliance.html").read_text("utf-8")
    assert "<h2>Articles</h2>" in text and "Can Momentum be reformed?" in text
    assert re.search(r"(\d+) facts are stated by this source", text)


def test_organisation_page_draws_its_network(site: Path) -> None:
    text = (site / "organisation" / "momentum.html").read_text(encoding="utf-8")
    assert '<svg class="network"' in text and "<h2>Network</h2>" in text
    nodes = int(re.search(r'data-nodes="(\d+)"', text).group(1))  # type: ignore[union-attr]
    assert text.count('<g class="node ') == nodes > 5


def test_same_graph_same_bytes(build_dir: Path) -> None:
    sources = SOURCES if SOURCES.is_dir() else None
    first = build_report(build_dir, sources)
    second = build_report(build_dir, sources)
    assert first == second
    assert len(first) > 100


def test_cli_report_twice_gives_identical_files(build_dir: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert main(["report", str(build_dir), "-o", str(tmp_path / name), "-q"]) == 0
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*.*")}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*.*")}
    assert a == b
    # a second run over an existing site replaces it whole
    assert main(["report", str(build_dir), "-o", str(tmp_path / "a"), "-q"]) == 0
    assert not list(tmp_path.glob(".a.*"))


def test_graph_text_is_escaped(tmp_path: Path) -> None:
    graph = tmp_path / "graph.ttl"
    graph.write_text(
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<https://w3id.org/kg/id/person/x> a foaf:Person ;\n"
        '    skos:prefLabel "<script>alert(1)</script>" .\n',
        encoding="utf-8",
    )
    files = render_site(read_view(graph))
    page = files[Path("person/x.html")].decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_missing_build_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path), "-o", str(tmp_path / "site")]) == 2
    assert "no graph.trig or graph.ttl" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


def test_partial_dates_are_drawn_as_spans() -> None:
    year = tl.bounds(PartialDate.parse("2018"))
    month = tl.bounds(PartialDate.parse("2018-03"))
    day = tl.bounds(PartialDate.parse("2018-03-12"))
    assert year[1] - year[0] == 365 and month[1] - month[0] == 31 and day[1] - day[0] == 1
    items = [
        tl.Item("a year", "event", PartialDate.parse("2018")),
        tl.Item("about then", "event", PartialDate.parse("circa 2016")),
        tl.Item("before", "event", PartialDate.parse("before 2019-05")),
        tl.Item("a role", "tenure", PartialDate.parse("2017"), None, span=True, ongoing=True),
        tl.Item("undated", "event", None),
    ]
    svg = tl.render(items, "t")
    assert svg.count('<g class="tl-item') == 4  # the undated item is not placed
    assert 'class="band circa p-year"' in svg and "c. 2016" in svg
    assert 'class="arrow"' in svg and "before 2019-05" in svg and "2017 – now" in svg
    year_band = re.search(r'class="band p-year" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
    assert year_band and float(year_band.group(2)) > 30  # a year is wide, not a point


def test_long_sections_list_the_rest_with_links_to_their_evidence(
    build_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kg.site import render

    monkeypatch.setattr(render, "CARDS_PER_SECTION", 2)
    files = render_site(read_view(build_dir / "graph.trig", build_dir / "graph.sourcemap.json"))
    text = files[Path("person/jon-lansman.html")].decode()
    assert "more, with their evidence on the source pages" in text
    targets = re.findall(r'href="\.\./(source/[^"#]+)#([^"]+)"', text)
    assert targets
    for path, anchor in targets:
        assert f'id="{anchor}"' in files[Path(path)].decode(), (path, anchor)


def test_example_workflow_publishes_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Pages job of examples/ci/kg.yml runs: its kg commands work as written."""
    import shlex

    import yaml

    workflow = yaml.safe_load((ROOT / "examples" / "ci" / "kg.yml").read_text("utf-8"))
    job = workflow["jobs"]["report"]
    assert job["needs"] == "build" and job["permissions"]["pages"] == "write"
    uses = [step.get("uses", "") for step in job["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    script = "\n".join(step.get("run", "") for step in job["steps"]).replace("\\\n", " ")
    script = re.sub(r"\$\{\{[^}]*\}\}", "x", script)
    commands = [shlex.split(line) for line in script.splitlines() if line.strip().startswith("kg ")]
    assert [c[1] for c in commands] == ["build", "report", "export", "export"]
    (tmp_path / "seeds").symlink_to(SEEDS)
    monkeypatch.chdir(tmp_path)
    for command in commands:
        assert main(command[1:]) == 0, command
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "popolo.json").is_file()
    assert (tmp_path / "site" / "csv" / "people.csv").is_file()
    person = (tmp_path / "site" / "person" / "jon-lansman.html").read_text("utf-8")
    assert 'href="x/x/blob/x/seeds/' in person  # file:line links into the repository


def test_unreadable_graph_is_an_input_error_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "graph.trig").write_text("<a> <b> .\n", encoding="utf-8")
    assert main(["report", str(tmp_path), "-o", str(tmp_path / "site")]) == 2
    assert main(["export", "popolo", str(tmp_path), "-o", str(tmp_path / "p.json")]) == 2
    err = capsys.readouterr().err
    assert err.count(str(tmp_path / "graph.trig")) == 2 and "Traceback" not in err
    assert not (tmp_path / "site").exists() and not (tmp_path / "p.json").exists()


def test_a_role_is_drawn_as_current_only_if_every_source_says_so(site: Path) -> None:
    # The seeds: Corbyn's leadership is current in the 2017-2018 sources, former later.
    text = (site / "person" / "jeremy-corbyn.html").read_text(encoding="utf-8")
    assert "2015-09 – ? · Jeremy Corbyn: Leader of the Labour Party" in text
    assert "2015-09 – now" not in text


def test_report_never_replaces_a_directory_it_did_not_write(
    build_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "todo.txt").write_text("keep me", encoding="utf-8")
    assert main(["report", str(build_dir), "-o", str(precious), "-q"]) == 2
    assert "is not a site kg report wrote" in capsys.readouterr().err
    assert (precious / "todo.txt").read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["report", str(build_dir), "-o", str(empty), "-q"]) == 0
    assert (empty / "index.html").is_file()
