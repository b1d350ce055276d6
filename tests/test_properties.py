"""Property-based tests of the loader and the mapper.

Valid corpora are generated at random (ids, hostile text, partial dates, counts,
enums, evidence anchored in generated source texts) and must load, map to a
conforming graph, survive every output format and build byte-identically twice.
Mutated corpora (unknown keys, wrong types, bad dates, bad enums, bad ids,
dangling references) must be refused with an :class:`kg.InputError` whose every
problem names a file and a field -- never any other exception.

Example counts come from the Hypothesis profile (tests/conftest.py): "ci" by
default, HYPOTHESIS_PROFILE=long for soak runs. Building and validating costs
~0.2 s (with the pyshacl-based engine ~1 s), so the graph properties run a quarter
of the examples and the engine-parity property a twelfth.

The end of the module pins, as plain examples, the bugs these properties found
(graph.trig broken by line separators and '@prefix' lines, JSON exponents read as
text, the turbo engine misjudging long decimals); all fixed since.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, example, given, note, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

import kg
from kg.errors import InputError
from kg.evidence import anchor, fold
from kg.io import Format
from kg.models import (
    ActionKind,
    ActionStatus,
    Attitude,
    CandidacyStatus,
    ChangeKind,
    DocumentKind,
    Evidence,
    OrganisationKind,
    Stance,
    TenureStatus,
    VoteOption,
)
from kg.models.files import DocumentFile, RegistryFile
from kg.sources import normalise

Data = dict[str, Any]
Path_ = tuple[str | int, ...]

PROFILE = settings()
"""The loaded profile (ci or long); properties scale their example counts from it."""
FEWER = settings(PROFILE, max_examples=max(4, PROFILE.max_examples // 4))
FEWEST = settings(PROFILE, max_examples=max(2, PROFILE.max_examples // 12))

# --------------------------------------------------------------------- text

TRICKY = [
    '"',
    "'",
    "\\",
    "\\\\",
    "\n",
    "\t",
    "\r",
    "  ",
    "\U0001f600",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "שלום",
    "مرحبا",
    "\u202e",
    "\u200f",
    "\u201c",
    "\u201d",
    "\u2019",
    "\u2014",
    "\u2026",
    "#",
    ": ",
    "- ",
    "? ",
    "{",
    "}",
    "[",
    "]",
    "&a",
    "*a",
    "!tag",
    "%",
    "@",
    "`",
    "|",
    ">",
    "~",
    "yes",
    "no",
    "null",
    "2018-03-12",
    "0x1F",
    "1e3",
    '"""',
    "'''",
    "\\n",
    "\\u0041",
    "e\u0301",
    "\ufb01",
    "\u0130",
    "\u00df",
    "\u00a0",
    "\ufeff",
    "<b>",
    "&amp;",
    "{{x}}",
    "<http://x/>",
    "_:b0",
    "\n@prefix kg: <http://evil.example/> .\n",
    "\n@base <http://evil.example/> .\n",
]
"""Fragments that break naive quoting in YAML, JSON, Turtle, N-Triples or JSON-LD."""

CHARS = st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"))
"""Any character but surrogates, controls and U+2028/U+2029. PyYAML's (YAML 1.1) emitter
treats U+0085, U+2028 and U+2029 as line breaks and folds around them, which kg rightly
reads back differently; the pinned examples at the end cover these characters."""


def texts(max_fragments: int = 4) -> st.SearchStrategy[str]:
    """Non-blank text mixing hostile fragments with arbitrary characters."""
    fragment = st.one_of(st.sampled_from(TRICKY), st.text(CHARS, min_size=1, max_size=6))
    return (
        st.lists(fragment, min_size=1, max_size=max_fragments)
        .map("".join)
        .filter(lambda s: bool(s.strip()))
    )


TEXT = texts()
SHORT_TEXT = texts(2)
ALIASES = st.lists(SHORT_TEXT, max_size=2)

SOURCE_CHARS = st.one_of(
    st.sampled_from(["\n", "\r\n", "\t", " ", " ", "\u2019", "\u2014", "\u0130", "e\u0301"]),
    CHARS,
)

SLUG_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
IDS = st.lists(st.text(SLUG_CHARS, min_size=1, max_size=6), min_size=1, max_size=3).map("-".join)
"""Random slugs: valid ids of every length and shape the pattern allows."""

COUNTS = st.integers(min_value=0, max_value=10**15)
PERCENT = st.floats(min_value=0, max_value=100, allow_nan=False)


@st.composite
def partial_dates(draw: st.DrawFn) -> str:
    """'YYYY', 'YYYY-MM' or 'YYYY-MM-DD', real dates only, maybe qualified."""
    year = draw(st.integers(min_value=1, max_value=9999))
    text = f"{year:04d}"
    if draw(st.booleans()):
        month = draw(st.integers(min_value=1, max_value=12))
        text += f"-{month:02d}"
        if draw(st.booleans()):
            day = draw(st.integers(min_value=1, max_value=calendar.monthrange(year, month)[1]))
            text += f"-{day:02d}"
    qualifier = draw(st.sampled_from([None, "circa", "before", "after"]))
    return f"{qualifier} {text}" if qualifier else text


def values(enum: type[Any]) -> st.SearchStrategy[str]:
    return st.sampled_from([member.value for member in enum])


# --------------------------------------------------------------------- corpora


@dataclass
class GeneratedCorpus:
    """Extraction files (as data, with their format) and the source texts they quote."""

    data: dict[str, Data] = field(default_factory=dict)
    """Seeds file name -> parsed content."""
    style: dict[str, str] = field(default_factory=dict)
    """Seeds file name -> 'yaml', 'json-ascii' or a JSON indent ('json0', 'json2' ...)."""
    sources: dict[str, str] = field(default_factory=dict)
    """Source file name -> raw text as written to disk."""

    def text(self, name: str) -> str:
        return dump(self.data[name], self.style[name])

    def write(self, root: Path) -> tuple[Path, Path]:
        seeds, sources = root / "seeds", root / "sources"
        seeds.mkdir(parents=True)
        sources.mkdir(parents=True)
        for name in self.data:
            (seeds / name).write_text(self.text(name), encoding="utf-8")
        for name, raw in self.sources.items():
            (sources / name).write_bytes(raw.encode("utf-8"))
        return seeds, sources


def dump(data: Data, style: str) -> str:
    if style == "yaml":
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if style == "json-ascii":  # what json.dump writes by default: surrogate-pair escapes
        return json.dumps(data)
    indent = int(style.removeprefix("json")) or None
    return json.dumps(data, ensure_ascii=False, indent=indent)


@dataclass
class Pool:
    """Ids handed out once each, and what has been declared so far, by kind."""

    draw: st.DrawFn
    used: set[str] = field(default_factory=set)
    people: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    posts: dict[str, str] = field(default_factory=dict)
    """Post id -> its organisation."""
    facts: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    """Source id -> normalised text."""

    def new(self) -> str:
        """A random slug not used yet (a clash gets a numeric suffix: still a valid id)."""
        slug = self.draw(IDS)
        while slug in self.used:
            slug += f"-{len(self.used)}"
        self.used.add(slug)
        return slug

    @property
    def agents(self) -> list[str]:
        return self.people + self.organisations


def subset(draw: st.DrawFn, items: list[str], max_size: int = 3, min_size: int = 0) -> list[str]:
    if not items:
        return []
    return draw(st.lists(st.sampled_from(items), min_size=min_size, max_size=max_size, unique=True))


def maybe(draw: st.DrawFn, record: Data, key: str, strategy: st.SearchStrategy[Any]) -> None:
    """Set an optional field half of the time."""
    if draw(st.booleans()):
        record[key] = draw(strategy)


def occurrences(text: str, quote: str) -> int:
    count, at = 0, text.find(quote)
    while at >= 0:
        count, at = count + 1, text.find(quote, at + 1)
    return count


@st.composite
def evidence_item(draw: st.DrawFn, pool: Pool, own: str) -> Data:
    """A verbatim slice of a source, with offsets unless the quote is unambiguous."""
    source = draw(st.sampled_from([own, *sorted(pool.sources)])) if pool.sources else own
    text = pool.sources[source]
    start = draw(st.integers(min_value=0, max_value=len(text) - 3))
    end = draw(st.integers(min_value=start + 3, max_value=min(len(text), start + 300)))
    quote = text[start:end]
    item: Data = {"quote": quote}
    if occurrences(text, quote) != 1 or draw(st.booleans()):
        item["start"], item["end"] = start, end
    if source != own:
        item["source"] = source
    return item


def evidence_list(draw: st.DrawFn, pool: Pool, own: str) -> list[Data]:
    return draw(st.lists(evidence_item(pool, own), min_size=1, max_size=2))


def note_maybe(draw: st.DrawFn, record: Data) -> None:
    maybe(draw, record, "note", SHORT_TEXT)


@st.composite
def registry(draw: st.DrawFn, pool: Pool) -> Data:
    people, organisations, posts = [], [], []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        person: Data = {"id": pool.new(), "name": draw(TEXT)}
        maybe(draw, person, "aliases", ALIASES)
        maybe(draw, person, "wikidata", st.integers(1, 10**9).map("Q{}".format))
        maybe(draw, person, "description", TEXT)
        note_maybe(draw, person)
        people.append(person)
        pool.people.append(person["id"])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        organisation: Data = {
            "id": pool.new(),
            "name": draw(TEXT),
            "kind": draw(values(OrganisationKind)),
        }
        if bool(pool.organisations) and draw(st.booleans()):  # parents come first: no cycles
            organisation["parent"] = draw(st.sampled_from(pool.organisations))
        organisations.append(organisation)
        pool.organisations.append(organisation["id"])
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        post: Data = {
            "id": pool.new(),
            "name": draw(TEXT),
            "organisation": draw(st.sampled_from(pool.organisations)),
        }
        maybe(draw, post, "aliases", ALIASES)
        posts.append(post)
        pool.posts[post["id"]] = post["organisation"]
    data: Data = {"people": people, "organisations": organisations}
    if posts:
        data["posts"] = posts
    return data


def ordered_dates(draw: st.DrawFn, record: Data, first: str, second: str) -> None:
    """Optional start/end that never end before they start (lexical order of ISO dates)."""
    dates = [draw(partial_dates()) for _ in range(draw(st.integers(min_value=0, max_value=2)))]
    dates.sort(key=lambda d: d.split(" ")[-1])
    keys = [first, second] if len(dates) == 2 else [draw(st.sampled_from([first, second]))]
    record.update(zip(keys, dates, strict=False))


@st.composite
def tenure(draw: st.DrawFn, pool: Pool, own: str) -> Data:
    record: Data = {"id": pool.new(), "person": draw(st.sampled_from(pool.agents))}
    if bool(pool.posts) and draw(st.booleans()):
        record["post"] = draw(st.sampled_from(sorted(pool.posts)))
        if draw(st.booleans()):
            record["organisation"] = pool.posts[record["post"]]
        maybe(draw, record, "role", SHORT_TEXT)
    else:
        record["organisation"] = draw(st.sampled_from(pool.organisations))
        record["role"] = draw(SHORT_TEXT)
    ordered_dates(draw, record, "start", "end")
    maybe(draw, record, "status", values(TenureStatus))
    note_maybe(draw, record)
    record["evidence"] = evidence_list(draw, pool, own)
    return record


@st.composite
def election(draw: st.DrawFn, pool: Pool, own: str) -> Data:
    record: Data = {"id": pool.new(), "name": draw(TEXT)}
    if bool(pool.posts) and draw(st.booleans()):
        record["post"] = draw(st.sampled_from(sorted(pool.posts)))
    else:
        record["body"] = draw(st.sampled_from(pool.organisations))
    maybe(draw, record, "electorate", st.sampled_from(pool.organisations))
    maybe(draw, record, "date", partial_dates())
    maybe(draw, record, "method", SHORT_TEXT)
    maybe(draw, record, "turnout", PERCENT)
    maybe(draw, record, "ballots_cast", COUNTS)
    candidacies = []
    for candidate in subset(draw, pool.people):
        candidacy: Data = {"candidate": candidate}
        maybe(draw, candidacy, "status", values(CandidacyStatus))
        maybe(draw, candidacy, "endorsed_by", st.just(subset(draw, pool.agents)))
        maybe(draw, candidacy, "votes", COUNTS)
        maybe(draw, candidacy, "date", partial_dates())
        candidacy["evidence"] = evidence_list(draw, pool, own)
        candidacies.append(candidacy)
    if candidacies:
        record["candidacies"] = candidacies
        if draw(st.booleans()):
            winner = draw(st.sampled_from(candidacies))
            winner["status"] = "elected"
            record["winner"] = winner["candidate"]
    record["evidence"] = evidence_list(draw, pool, own)
    return record


@st.composite
def motion_vote(draw: st.DrawFn, pool: Pool, own: str) -> Data:
    record: Data = {
        "id": pool.new(),
        "motion": draw(TEXT),
        "body": draw(st.sampled_from(pool.organisations)),
    }
    maybe(draw, record, "date", partial_dates())
    for key in ("yes", "no", "abstain"):
        maybe(draw, record, key, COUNTS)
    maybe(draw, record, "method", SHORT_TEXT)
    maybe(draw, record, "turnout", PERCENT)
    voters = [
        {"voter": voter, "option": draw(values(VoteOption))} for voter in subset(draw, pool.people)
    ]
    if voters:
        record["voters"] = voters
    maybe(draw, record, "proposer", st.sampled_from(pool.agents))
    if "yes" in record and "no" in record and draw(st.booleans()):
        record["result"] = "pass" if record["yes"] > record["no"] else "fail"
    record["evidence"] = evidence_list(draw, pool, own)
    return record


@st.composite
def disciplinary_actions(draw: st.DrawFn, pool: Pool, own: str) -> list[Data]:
    """An action, and sometimes the readmission that follows it (dated no earlier)."""
    kinds = [k.value for k in ActionKind if k is not ActionKind.READMISSION]
    record: Data = {
        "id": pool.new(),
        "kind": draw(st.sampled_from(kinds)),
        "subject": draw(st.sampled_from(pool.agents)),
    }
    maybe(draw, record, "by", st.sampled_from(pool.agents))
    for key in ("allegation", "rule", "outcome", "role"):
        maybe(draw, record, key, SHORT_TEXT)
    if pool.posts:
        maybe(draw, record, "post", st.sampled_from(sorted(pool.posts)))
    maybe(draw, record, "status", values(ActionStatus))
    record["evidence"] = evidence_list(draw, pool, own)
    actions = [record]
    if record["kind"] in {"suspension", "expulsion"} and draw(st.booleans()):
        readmission: Data = {
            "id": pool.new(),
            "kind": "readmission",
            "subject": record["subject"],
            "follows": record["id"],
            "evidence": evidence_list(draw, pool, own),
        }
        dates = sorted((draw(partial_dates()) for _ in range(2)), key=lambda d: d.split(" ")[-1])
        record["date"], readmission["date"] = dates
        actions.append(readmission)
    else:
        maybe(draw, record, "date", partial_dates())
    return actions


@st.composite
def organisational_change(draw: st.DrawFn, pool: Pool, own: str) -> Data:
    record: Data = {
        "id": pool.new(),
        "kind": draw(values(ChangeKind)),
        "organisation": draw(st.sampled_from(pool.organisations)),
        "description": draw(TEXT),
    }
    maybe(draw, record, "resulting", st.just(subset(draw, pool.organisations)))
    maybe(draw, record, "affected", st.just(subset(draw, pool.organisations)))
    maybe(draw, record, "counterpart", st.sampled_from(pool.organisations))
    maybe(draw, record, "by", st.just(subset(draw, pool.agents)))
    maybe(draw, record, "date", partial_dates())
    record["evidence"] = evidence_list(draw, pool, own)
    return record


@st.composite
def claim(draw: st.DrawFn, pool: Pool, own: str) -> Data:
    anything = pool.agents + sorted(pool.posts) + pool.facts + sorted(pool.sources)
    record: Data = {
        "id": pool.new(),
        "text": draw(TEXT),
        "by": subset(draw, pool.agents, min_size=1),
        "attitude": draw(values(Attitude)),
    }
    maybe(draw, record, "about", st.just(subset(draw, anything)))
    if record.get("about") and draw(st.booleans()):
        record["stance"] = draw(values(Stance))
        record["towards"] = subset(draw, record["about"], min_size=1)
    maybe(draw, record, "date", partial_dates())
    record["evidence"] = evidence_list(draw, pool, own)
    return record


@st.composite
def source_record(draw: st.DrawFn, pool: Pool, file: str, raw: str) -> Data:
    text = normalise(raw)
    record: Data = {
        "id": pool.new(),
        "file": file,
        "sha256": hashlib.sha256(raw.encode("utf-8")).hexdigest(),
        "title": draw(TEXT),
        "kind": draw(values(DocumentKind)),
    }
    maybe(draw, record, "publisher", st.sampled_from(pool.organisations))
    maybe(draw, record, "authors", st.just(subset(draw, pool.agents)))
    maybe(draw, record, "published", partial_dates())
    maybe(draw, record, "url", SHORT_TEXT)
    maybe(draw, record, "language", st.sampled_from(["en", "cy", "en-GB", "fr", "ber"]))
    articles = []
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        start = draw(st.integers(min_value=0, max_value=len(text) - 1))
        article: Data = {
            "id": pool.new(),
            "title": draw(TEXT),
            "start": start,
            "end": draw(st.integers(min_value=start + 1, max_value=len(text))),
        }
        maybe(draw, article, "authors", st.just(subset(draw, pool.people)))
        maybe(draw, article, "published", partial_dates())
        articles.append(article)
    if articles:
        record["articles"] = articles
    note_maybe(draw, record)
    return record


SECTIONS: dict[str, Callable[[Pool, str], st.SearchStrategy[Any]]] = {
    "roles": tenure,
    "elections": election,
    "votes": motion_vote,
    "disciplinary_actions": disciplinary_actions,
    "organisational_changes": organisational_change,
    "claims": claim,
}


def restate(draw: st.DrawFn, fact: Data, pool: Pool, own: str) -> Data:
    """The same fact as another document states it: same fields, its own evidence."""
    copy: Data = json.loads(json.dumps(fact))
    copy["evidence"] = evidence_list(draw, pool, own)
    for part in copy.get("candidacies", []):
        part["evidence"] = evidence_list(draw, pool, own)
    return copy


@st.composite
def corpora(draw: st.DrawFn) -> GeneratedCorpus:
    """A valid corpus: a registry and one or two documents, each in YAML or JSON."""
    pool = Pool(draw)
    corpus = GeneratedCorpus()
    styles = st.sampled_from(["yaml", "yaml", "json0", "json2", "json-ascii"])
    registry_style = draw(styles)
    registry_name = "registry.yaml" if registry_style == "yaml" else "registry.json"
    corpus.data[registry_name], corpus.style[registry_name] = draw(registry(pool)), registry_style
    stated: list[tuple[str, Data]] = []
    for index in range(draw(st.integers(min_value=1, max_value=2))):
        raw = "".join(draw(st.lists(SOURCE_CHARS, min_size=30, max_size=200)))
        file = f"source-{index}.txt"
        corpus.sources[file] = raw
        source = draw(source_record(pool, file, raw))
        own = source["id"]
        pool.sources[own] = normalise(raw)
        document: Data = {"source": source}
        for section, strategy in SECTIONS.items():
            facts: list[Data] = []
            for _ in range(draw(st.integers(min_value=0, max_value=1))):
                made = draw(strategy(pool, own))
                facts.extend(made if isinstance(made, list) else [made])
            earlier = [fact for sec, fact in stated if sec == section]
            if bool(earlier) and draw(st.booleans()):
                facts.append(restate(draw, draw(st.sampled_from(earlier)), pool, own))
            if facts:
                document[section] = facts
        for section in SECTIONS:
            for fact in document.get(section, []):
                pool.facts.append(fact["id"])
        if bool(stated) and draw(st.booleans()):
            document["corroborates"] = [
                {
                    "fact": draw(st.sampled_from(stated))[1]["id"],
                    "evidence": evidence_list(draw, pool, own),
                }
            ]
        stated += [(s, f) for s in SECTIONS for f in document.get(s, [])]
        style = draw(styles)
        name = f"doc-{index}.{'yaml' if style == 'yaml' else 'json'}"
        corpus.data[name], corpus.style[name] = document, style
    return corpus


@contextmanager
def written(corpus: GeneratedCorpus) -> Iterator[tuple[Path, Path]]:
    """The corpus in a fresh directory (function-scoped fixtures do not mix with @given)."""
    with tempfile.TemporaryDirectory(prefix="kg-prop-") as root:
        yield corpus.write(Path(root))


def show(corpus: GeneratedCorpus) -> None:
    for name in corpus.data:
        note(f"--- {name}\n{corpus.text(name)}")
    for name, raw in corpus.sources.items():
        note(f"--- {name}: {raw!r}")


# --------------------------------------------------------------------- valid corpora


@given(corpora())
def test_valid_corpus_loads_and_anchors(corpus: GeneratedCorpus) -> None:
    """Whatever the text, ids, dates and numbers, a valid corpus loads and every quote anchors."""
    show(corpus)
    with written(corpus) as (seeds, sources):
        loaded = kg.load_corpus(seeds, sources_dir=sources)
    registry = next(data for name, data in corpus.data.items() if name.startswith("registry"))
    for section in ("people", "organisations", "posts"):
        for entity in registry.get(section, []):
            record = loaded.record(entity["id"])
            assert record.name == entity["name"].strip()  # type: ignore[attr-defined]
    for name, data in corpus.data.items():
        if name.startswith("registry"):
            continue
        for section in SECTIONS:
            for fact in data.get(section, []):
                entry = loaded.entries[fact["id"]]
                assert "fact" in entry.kinds
                quotes = {e.quote for s in entry.statements for e in s.record.evidence}  # type: ignore[attr-defined]
                assert {e["quote"] for e in fact["evidence"]} <= quotes


def parse_graph(data: bytes, fmt: str) -> Graph:
    graph = Graph()
    graph.parse(data=data.decode("utf-8"), format=fmt)
    return graph


def named_graphs(dataset: Dataset) -> dict[str, Graph]:
    """Each non-empty named graph of a dataset, copied into a plain Graph."""
    graphs: dict[str, Graph] = {}
    for graph in dataset.graphs():
        if len(graph):
            copy = Graph()
            for triple in graph:
                copy.add(triple)
            graphs[str(graph.identifier)] = copy
    return graphs


def parse_dataset(data: bytes, fmt: str) -> dict[str, Graph]:
    dataset = Dataset()
    dataset.parse(data=data.decode("utf-8"), format=fmt)
    return named_graphs(dataset)


TRIPLE_FORMATS = {Format.TURTLE: "turtle", Format.NTRIPLES: "nt", Format.JSONLD: "json-ld"}
QUAD_FORMATS = {Format.TRIG: "trig", Format.NQUADS: "nquads"}


@FEWER
@given(corpora())
def test_every_output_format_round_trips(corpus: GeneratedCorpus) -> None:
    """Each serialisation parses back to exactly the graph (or named graphs) built."""
    show(corpus)
    with written(corpus) as (seeds, _):
        result = kg.build(seeds, run_validation=False)
    graph = result.graph()
    for fmt, name in TRIPLE_FORMATS.items():
        parsed = parse_graph(result.serialise(fmt), name)
        assert isomorphic(parsed, graph), f"{fmt.value} does not round-trip"
    expected = named_graphs(result.dataset())
    for fmt, name in QUAD_FORMATS.items():
        parsed_graphs = parse_dataset(result.serialise(fmt), name)
        assert sorted(parsed_graphs) == sorted(expected), f"{fmt.value}: graph names differ"
        for iri, named in expected.items():
            assert isomorphic(parsed_graphs[iri], named), f"{fmt.value}: {iri} differs"


@FEWER
@given(corpora())
def test_builds_are_deterministic(corpus: GeneratedCorpus) -> None:
    """Two builds of the same files, in different directories, are byte-identical."""
    show(corpus)
    outputs = []
    for _ in range(2):
        with written(corpus) as (seeds, _):
            result = kg.build(seeds, run_validation=False)
            outputs.append({fmt: result.serialise(fmt) for fmt in Format})
    assert outputs[0] == outputs[1]


def result_keys(report: kg.ValidationReport) -> set[tuple[str, str, str | None, str | None]]:
    """What engines must agree on: severity, focus node, path and constraint component."""
    return {(r.severity.value, r.focus, r.path, r.component) for r in report.results}


@FEWER
@given(corpora())
def test_valid_corpus_conforms(corpus: GeneratedCorpus) -> None:
    """A corpus the loader accepts maps to a graph without SHACL violations."""
    show(corpus)
    with written(corpus) as (seeds, sources):
        result = kg.build(seeds, sources_dir=sources)
    assert result.report is not None
    violations = [r for r in result.report.results if r.severity is kg.Severity.VIOLATION]
    assert result.report.violation_free, "\n".join(
        f"{r.location}: {r.focus} {r.path} {r.message}" for r in violations
    )


@FEWEST
@given(corpora())
def test_default_engine_agrees_with_pyshacl_core_engine(corpus: GeneratedCorpus) -> None:
    """The default engine (turbo when installed) reports what the pyshacl-based one does.

    Compared with ``engine="kg"`` (pyshacl for SHACL Core) rather than plain pyshacl,
    which is ~3x slower and, by kg's own parity tests, reports the same.
    """
    show(corpus)
    with written(corpus) as (seeds, sources):
        result = kg.build(seeds, sources_dir=sources)
    assert result.report is not None
    assert result_keys(result.report) == result_keys(kg.validate(result.graph(), engine="kg"))


# --------------------------------------------------------------------- invalid corpora

FIELD_NAMES = (
    {
        name
        for model in vars(kg.models).values()
        if isinstance(model, type) and issubclass(model, BaseModel)
        for name in model.model_fields
    }
    | set(DocumentFile.model_fields)
    | set(RegistryFile.model_fields)
)
"""Every field name of every model: an 'unknown' key must be none of these."""

TRICKY_KEYS = [
    "int",
    "str",
    "none",
    "function-after",
    "tagged-union[x]",
    "a[0]",
    "0",
    "<<",
    "~",
    "null",
    "yes",
    " lead",
    "trail ",
    "\u00e9t\u00e9",
    "\U0001f600",
]
"""Keys that once lost their name in problems (pydantic loc steps), or YAML would misread."""

REF_KEYS = {
    "person",
    "organisation",
    "post",
    "parent",
    "publisher",
    "authors",
    "candidate",
    "endorsed_by",
    "voter",
    "winner",
    "body",
    "electorate",
    "proposer",
    "subject",
    "by",
    "follows",
    "resulting",
    "affected",
    "counterpart",
    "about",
    "fact",
}
DATE_KEYS = {"date", "start", "end", "published"}
ENUM_KEYS = {"kind", "status", "attitude", "stance", "option", "result"}

BAD_DATES = st.one_of(
    st.sampled_from(
        ["2018-13", "2018-02-30", "2019-02-29", "March 2018", "12/03/2018", "2018-3", "circa2018"]
    ),
    st.builds("{:04d}-{:02d}".format, st.integers(1000, 9999), st.integers(13, 99)),
    st.builds("{:04d}-01-{:02d}".format, st.integers(1000, 9999), st.integers(32, 99)),
    st.text(CHARS, min_size=1, max_size=12).filter(lambda s: re.search(r"\d{4}", s) is None),
)


def walk(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every (path, value) of a parsed file, parents before children."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, (*path, index))


def get(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


def replace(data: Data, path: Path_, value: Any) -> Data:
    copy: Data = json.loads(json.dumps(data))
    get(copy, path[:-1])[path[-1]] = value
    return copy


def key_of(path: Path_) -> str | None:
    """The field name a path ends in (for list items: the list's field)."""
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return None


@dataclass(frozen=True)
class Mutation:
    """One change that makes a file invalid, and where the problem must be reported."""

    kind: str
    file: str
    path: Path_
    """Where the problem is: the changed value, or the added key."""
    data: Data


@st.composite
def mutations(draw: st.DrawFn, corpus: GeneratedCorpus) -> Mutation:
    name = draw(st.sampled_from(sorted(corpus.data)))
    data = corpus.data[name]
    items = list(walk(data))
    kind = draw(
        st.sampled_from(
            ["unknown-key", "wrong-type", "bad-date", "bad-enum", "bad-id", "dangling-ref"]
        )
    )
    candidates: list[Path_]
    if kind == "unknown-key":
        path = draw(st.sampled_from([p for p, v in items if isinstance(v, dict)]))
        key = draw(
            st.one_of(
                st.builds(
                    "{}{}".format,
                    st.sampled_from("abcxyzABCXYZ_"),
                    st.text(SLUG_CHARS + "ABCXYZ_ -", max_size=14),
                ),
                st.sampled_from(sorted(FIELD_NAMES)).map(lambda f: f + "s"),
                st.sampled_from(sorted(FIELD_NAMES)).map(lambda f: f[:-1]),
                st.sampled_from(TRICKY_KEYS),
            ).filter(lambda k: k not in FIELD_NAMES)
        )
        return Mutation(kind, name, (*path, key), replace(data, (*path, key), "x"))
    if kind == "wrong-type":
        candidates = [p for p, _ in items if p]
        path = draw(st.sampled_from(candidates))
        value = get(data, path)
        if isinstance(value, bool) or not isinstance(value, int | float | list | dict):
            wrong: Any = {"unexpected": [1, 2]}
        elif isinstance(value, int | float):
            wrong = str(value)  # a quoted number: strict types refuse it
        elif isinstance(value, list):
            wrong = 7
        else:
            wrong = "not a mapping"
        return Mutation(kind, name, path, replace(data, path, wrong))
    if kind == "bad-date":
        candidates = [p for p, v in items if key_of(p) in DATE_KEYS and isinstance(v, str)]
        bad = draw(BAD_DATES)
    elif kind == "bad-enum":
        candidates = [p for p, v in items if key_of(p) in ENUM_KEYS and isinstance(v, str)]
        bad = draw(st.sampled_from(["{}s", "{}-x", "x{}", "{} "]))
    elif kind == "bad-id":
        candidates = [p for p, v in items if p and p[-1] == "id"]
        bad = draw(st.sampled_from(["Bad_Id", "-lead", "trail-", "double--hyphen", "UPPER", "é"]))
    else:
        candidates = [
            p
            for p, v in items
            if isinstance(v, str)
            and (key_of(p) in REF_KEYS or (key_of(p) == "source" and "evidence" in p))
        ]
        bad = "zz-unknown-" + draw(IDS)
    if not candidates:
        # Nothing of that kind in this file: fall back to an unknown top-level key.
        return Mutation("unknown-key", name, ("zz_unknown",), {**data, "zz_unknown": 1})
    path = draw(st.sampled_from(candidates))
    value = get(data, path)
    if kind == "bad-enum":
        bad = bad.format(value)
    return Mutation(kind, name, path, replace(data, path, bad))


def node_position(text: str, path: Path_) -> tuple[int, int]:
    """(line, column) of the key (mapping entries) or item (list items) at ``path``.

    Found with PyYAML's pure-Python composer (independent of the libyaml kg uses) by
    character index, counting columns as editors do (pure PyYAML skips U+FEFF). JSON
    '\\uXXXX' escapes become '\\u0041' first: same length, and PyYAML refuses surrogates.
    """
    node: Any = yaml.compose(re.sub(r"\\u[0-9a-fA-F]{4}", r"\\u0041", text), Loader=yaml.SafeLoader)
    index = node.start_mark.index
    for part in path:
        if isinstance(part, int):
            node = node.value[part]
            index = node.start_mark.index
        else:
            # Keys were escaped the same way as the text: compare them mangled too.
            mangled = json.loads(
                re.sub(r"\\u[0-9a-fA-F]{4}", r"\\u0041", json.dumps(part, ensure_ascii=True))
            )
            key, node = next((k, v) for k, v in node.value if k.value in (part, mangled))
            index = key.start_mark.index
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


@given(st.data())
def test_mutated_corpus_is_refused_with_located_problems(data: st.DataObject) -> None:
    """Any single invalid change gives an InputError (never another exception) naming it."""
    corpus = data.draw(corpora())
    mutation = data.draw(mutations(corpus))
    corpus.data[mutation.file] = mutation.data
    show(corpus)
    note(f"mutation: {mutation.kind} at {mutation.path}")
    event(mutation.kind)
    with written(corpus) as (seeds, sources):
        with pytest.raises(InputError) as info:
            kg.load_corpus(seeds, sources_dir=sources)
        paths = {str(seeds / name) for name in corpus.data}
    problems = info.value.problems
    assert problems
    for problem in problems:
        assert problem.location.file in paths, problem
        assert problem.field, problem
        assert problem.location.line is not None and problem.location.line >= 1, problem
    target = str(seeds / mutation.file)
    dotted = ".".join(str(p) for p in mutation.path)
    here = [p for p in problems if p.location.file == target and p.field == dotted]
    assert here, f"no problem for {dotted} in {problems}"
    line, column = node_position(corpus.text(mutation.file), mutation.path)
    assert any((p.location.line, p.location.column) == (line, column) for p in here), here
    expected = {
        "unknown-key": f"unknown field {mutation.path[-1]!r}",
        "bad-date": "is not a",
        "bad-enum": "is not one of",
        "bad-id": "is not a valid id",
        "dangling-ref": "unknown",
    }.get(mutation.kind)
    if expected is not None:
        assert any(expected in p.message for p in here), here


# --------------------------------------------------------------------- evidence anchoring

ANCHOR_CHARS = st.sampled_from([*list("aAbB İıi-—–\"“”'’\n"), "  "])


def typed_like_a_curator(draw: st.DrawFn, quote: str) -> str:
    """The quote with typographic characters straightened and maybe its case changed."""
    typed = fold(quote)
    return draw(st.sampled_from([typed, typed.upper(), typed.lower(), typed.swapcase()]))


def check_suggestion(text: str, quote: str) -> None:
    """anchor() never raises, and a suggested span folds to the quote."""
    start, end, problem, hint, computed = anchor(Evidence(quote=quote), text)
    if problem is None:
        assert start is not None and end is not None
        assert text[start:end] == quote and computed
        return
    if hint is None or not hint.startswith("the source has"):
        return
    found = re.search(r" at (\d+)\.\.(\d+)$", hint)
    assert found is not None, hint
    s, e = int(found[1]), int(found[2])
    assert hint == f"the source has {text[s:e]!r} at {s}..{e}"
    assert fold(text[s:e]).lower() == fold(quote).strip().lower()


@st.composite
def near_misses(draw: st.DrawFn, alphabet: st.SearchStrategy[str]) -> tuple[str, str]:
    text = "".join(draw(st.lists(alphabet, min_size=3, max_size=40)))
    start = draw(st.integers(min_value=0, max_value=len(text) - 3))
    end = draw(st.integers(min_value=start + 3, max_value=len(text)))
    return text, typed_like_a_curator(draw, text[start:end])


@given(near_misses(ANCHOR_CHARS.filter(lambda c: c != "İ")))
def test_near_miss_suggestions_are_accurate(case: tuple[str, str]) -> None:
    """Straight quotes, hyphens, spacing and case: the suggestion is the source's own span."""
    text, quote = case
    if len(quote) >= 3:
        check_suggestion(text, quote)


@example(("İ abc", "ABC"))
@given(near_misses(ANCHOR_CHARS))
def test_near_miss_suggestions_are_accurate_after_dotted_capital_i(case: tuple[str, str]) -> None:
    """The same property with 'İ' (U+0130) in the source text."""
    text, quote = case
    if len(quote) >= 3:
        check_suggestion(text, quote)


# --------------------------------------------------------------------- bugs found, pinned


def minimal_corpus(name: str) -> GeneratedCorpus:
    """One person called ``name``, one organisation, one document quoting a short text.

    Written as JSON: PyYAML's emitter writes U+0085 raw, which YAML 1.1 reads as a line break.
    """
    raw = "Jon Lansman has pulled out of the contest."
    corpus = GeneratedCorpus(sources={"s.txt": raw})
    corpus.data["registry.json"] = {
        "people": [{"id": "jon-lansman", "name": name}],
        "organisations": [{"id": "momentum", "name": "Momentum", "kind": "faction"}],
    }
    corpus.data["doc.json"] = {
        "source": {
            "id": "report",
            "file": "s.txt",
            "sha256": hashlib.sha256(raw.encode()).hexdigest(),
            "title": "Report",
            "kind": "news-report",
        },
        "roles": [
            {
                "id": "lansman-member",
                "person": "jon-lansman",
                "organisation": "momentum",
                "role": "founder",
                "evidence": [{"quote": "Jon Lansman", "start": 0, "end": 11}],
            }
        ],
    }
    corpus.style = {"registry.json": "json2", "doc.json": "json2"}
    return corpus


@pytest.mark.parametrize(
    "name",
    [
        "Jon\u2028Lansman",
        "Jon\x85Lansman",
        "Jon\nLansman\u2029",
        "Jon\n@prefix kg: <http://evil.example/> .\nLansman",
    ],
    ids=["line separator", "next line", "paragraph separator", "@prefix line"],
)
def test_trig_round_trips_any_literal(name: str) -> None:
    """graph.trig parses back to the built dataset whatever the names contain."""
    corpus = minimal_corpus(name)
    with written(corpus) as (seeds, _):
        result = kg.build(seeds, run_validation=False)
    parsed = parse_dataset(result.serialise(Format.TRIG), "trig")
    expected = named_graphs(result.dataset())
    assert sorted(parsed) == sorted(expected)
    for iri, graph in expected.items():
        assert isomorphic(parsed[iri], graph)


@pytest.mark.parametrize("name", ["Jon\u2028Lansman", "Jon\nLansman\u2029", "Jon\x85Lansman"])
def test_other_formats_round_trip_line_separators(name: str) -> None:
    """Turtle, N-Triples, N-Quads and JSON-LD keep such literals intact (only TriG fails)."""
    corpus = minimal_corpus(name)
    with written(corpus) as (seeds, _):
        result = kg.build(seeds, run_validation=False)
    person = URIRef("https://w3id.org/kg/id/person/jon-lansman")
    for fmt, parser in TRIPLE_FORMATS.items():
        parsed = parse_graph(result.serialise(fmt), parser)
        assert isomorphic(parsed, result.graph()), fmt
        assert name.strip() in {str(o) for o in parsed.objects(person)}
    parsed_quads = parse_dataset(result.serialise(Format.NQUADS), "nquads")
    assert sorted(parsed_quads) == sorted(named_graphs(result.dataset()))


@pytest.mark.parametrize("turnout", [1e-05, 1.5e-07, 5e-324])
def test_json_numbers_with_exponents_load(turnout: float) -> None:
    """A turnout written by json.dumps loads as the number it is."""
    corpus = minimal_corpus("Jon Lansman")
    document = corpus.data.pop("doc.json")
    document["votes"] = [
        {
            "id": "vote",
            "motion": "A motion",
            "body": "momentum",
            "turnout": turnout,
            "evidence": [{"quote": "Jon Lansman", "start": 0, "end": 11}],
        }
    ]
    corpus.data["doc.json"], corpus.style["doc.json"] = document, "json0"
    assert "e" in json.dumps(turnout)
    with written(corpus) as (seeds, _):
        loaded = kg.load_corpus(seeds)
    assert loaded.record("vote").turnout == turnout  # type: ignore[attr-defined]


@pytest.mark.parametrize("turnout", [1e-19, 5.960464477539063e-08, 1.5e-18])
def test_turnout_with_many_decimal_places_conforms(turnout: float) -> None:
    """A turnout of 1e-19 % is within 0..100 whichever engine validates it."""
    corpus = minimal_corpus("Jon Lansman")
    corpus.data["doc.json"]["votes"] = [
        {
            "id": "vote",
            "motion": "A motion",
            "body": "momentum",
            "turnout": turnout,
            "evidence": [{"quote": "Jon Lansman", "start": 0, "end": 11}],
        }
    ]
    with written(corpus) as (seeds, _):
        result = kg.build(seeds)
    assert kg.validate(result.graph(), engine="pyshacl").violation_free
    assert result.report is not None and result.report.violation_free
