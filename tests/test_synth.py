"""The synthetic corpus generator (bench/synth.py): deterministic, in the real format, clean
when asked to be, and with exactly the SHACL violations its manifest lists when asked for them.

The benchmark's numbers mean something only if the corpus is what kg really reads; these
tests keep the generator honest as the models change.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

import kg
from kg.load import discover, load_document, load_registry
from kg.models import FACT_SECTIONS, Claim

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import synth  # noqa: E402

DOCUMENTS = 12


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A corpus without violations, and its source texts."""
    home = tmp_path_factory.mktemp("clean")
    synth.generate(home / "corpus", DOCUMENTS, seed=7, sources=home / "sources")
    return home / "corpus", home / "sources"


def generate_broken(home: Path) -> tuple[Path, Path]:
    """A corpus with one violation of every kind, and its sources, under ``home``."""
    synth.generate(
        home / "corpus",
        DOCUMENTS,
        seed=7,
        violations=len(synth.VIOLATION_KINDS),
        sources=home / "sources",
    )
    return home / "corpus", home / "sources"


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return generate_broken(tmp_path_factory.mktemp("broken"))


def test_same_arguments_give_byte_identical_output(
    tmp_path: Path, broken: tuple[Path, Path]
) -> None:
    corpus, sources = broken
    again, _ = generate_broken(tmp_path)
    assert _files(again) == _files(corpus)
    assert _files(tmp_path / "sources") == _files(sources)


def test_another_seed_gives_another_corpus(tmp_path: Path, clean: tuple[Path, Path]) -> None:
    synth.generate(tmp_path, DOCUMENTS, seed=8)
    assert _files(tmp_path) != _files(clean[0])


def test_every_file_matches_the_models(clean: tuple[Path, Path]) -> None:
    """Strict loading: no unknown field, no wrong type, every reference resolvable."""
    registry_path, documents = discover(clean[0])
    assert registry_path is not None and len(documents) == DOCUMENTS
    problems = load_registry(registry_path)[1]
    for path in documents:
        problems += load_document(path)[1]
    assert problems == []


def test_clean_corpus_loads_anchors_and_conforms(clean: tuple[Path, Path]) -> None:
    corpus, sources = clean
    result = kg.build(corpus, sources_dir=sources)  # anchors every quote in its source text
    assert result.report is not None
    violations = [r for r in result.report.results if r.severity is kg.Severity.VIOLATION]
    assert violations == []
    assert result.report.violation_free


def test_injected_violations_are_found_exactly(broken: tuple[Path, Path]) -> None:
    corpus, sources = broken
    expected = synth.read_manifest(corpus)
    assert [v.kind for v in expected] == list(synth.VIOLATION_KINDS)
    result = kg.build(corpus, sources_dir=sources)
    assert result.report is not None
    found = {
        (r.focus, (r.shape or "").strip("<>"))
        for r in result.report.results
        if r.severity is kg.Severity.VIOLATION
    }
    assert found == {(v.focus, v.shape) for v in expected}
    assert result.report.count(kg.Severity.VIOLATION) == len(expected)


def test_fewer_violations_use_the_first_kinds(tmp_path: Path) -> None:
    summary = synth.generate(tmp_path, 5, violations=2)
    assert [v.kind for v in summary.violations] == list(synth.VIOLATION_KINDS[:2])
    assert synth.read_manifest(tmp_path) == list(summary.violations)


def test_too_many_violations_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at most"):
        synth.generate(tmp_path, 5, violations=len(synth.VIOLATION_KINDS) + 1)


def test_corpus_has_the_seeds_proportions(clean: tuple[Path, Path]) -> None:
    """Claims outnumber other facts, every fact has anchored evidence, facts are shared."""
    corpus = kg.load_corpus(clean[0])
    sections: Counter[str] = Counter()
    stated_in: Counter[str] = Counter()
    for _, section, _, fact in corpus.facts():
        sections[section] += 1
        stated_in[fact.id] += 1
        assert fact.evidence and all(e.start is not None for e in fact.evidence)
    corroborations = sum(len(d.model.corroborates) for d in corpus.documents)
    assert set(sections) == set(FACT_SECTIONS)  # every kind of fact
    assert sections["claims"] == max(sections.values())
    assert corroborations > 0
    assert any(count > 1 for count in stated_in.values())  # restated with agreeing fields
    actions = [f for _, s, _, f in corpus.facts() if s == "disciplinary_actions"]
    assert any(getattr(a, "follows", None) for a in actions)
    registry = corpus.registry
    assert registry is not None
    parents = {o.id: o.parent for o in registry.model.organisations}
    nested = [o for o, p in parents.items() if p is not None and parents.get(p) is not None]
    assert nested  # committees inside committees inside parties


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "corpus"
    assert synth.main(["--documents", "3", "--out", str(out), "--violations", "1"]) == 0
    assert "3 documents" in capsys.readouterr().out
    assert synth.main(["--documents", "3", "--out", str(out)]) == 0  # ours: replaced
    assert synth.read_manifest(out) == []
    foreign = tmp_path / "seeds"
    foreign.mkdir()
    (foreign / "registry.yaml").write_text("people: []\n", encoding="utf-8")
    assert synth.main(["--documents", "3", "--out", str(foreign)]) == 2
    assert (foreign / "registry.yaml").read_text(encoding="utf-8") == "people: []\n"


def test_documents_for_is_calibrated() -> None:
    sizes = [synth.documents_for(t) for t in (10_000, 100_000, 1_000_000)]
    assert sizes == sorted(sizes) and sizes[0] >= 1
    assert 2_000 <= sizes[-1] <= 2_600  # about 2,300 documents make a million triples


def test_default_engine_matches_pyshacl_on_injected_violations(
    broken: tuple[Path, Path],
) -> None:
    """The fast engine and pyshacl, the reference, report the same results on a generated
    graph with injected violations (focus, path, shape, component, severity, value)."""
    graph = kg.build(broken[0], run_validation=False).graph()

    def rows(report: kg.ValidationReport) -> list[tuple[object, ...]]:
        found = [
            (r.severity, r.focus, r.path, r.shape, r.component, r.value) for r in report.results
        ]
        return sorted(found, key=repr)

    assert rows(kg.validate(graph)) == rows(kg.validate(graph, engine="pyshacl"))


def test_corpus_uses_the_newer_fields(clean: tuple[Path, Path]) -> None:
    """Messages, slates, certainty with according_to, claims at events with stance and
    towards, and evidence for every metadata field: the generated graph has no warning."""
    corpus = kg.load_corpus(clean[0])
    documents = [d.model for d in corpus.documents]
    assert any(d.messages and d.messages[0].field_evidence for d in documents)
    assert all(d.source.field_evidence for d in documents)
    facts = [fact for _, _, _, fact in corpus.facts()]
    assert any(getattr(f, "slates", None) for f in facts)
    uncertain = [f for f in facts if f.certainty is not None]
    assert uncertain and all(f.according_to for f in uncertain)
    claims = [f for f in facts if isinstance(f, Claim)]
    assert any(c.at_event for c in claims)
    assert any(c.stance and c.towards for c in claims)
    agents = {a.id for d in documents for a in d.unnamed_agents}
    assert any(set(f.according_to) & agents for f in uncertain)
    result = kg.build(clean[0], sources_dir=clean[1])
    assert result.report is not None
    assert result.report.count(kg.Severity.WARNING) == 0
