"""Every way extraction input can be wrong is reported precisely, and nothing is written.

Each test builds a small corpus in ``tmp_path`` from the minimal valid corpus below,
changes one snippet, and asserts on the exact :class:`kg.Problem` objects: file,
line, column, field path, message and hint. A curator fixes a file from these
reports alone, so "an error happened" is never enough.

Many tests pin bugs this module found (tags on mappings ignored, alias bombs
expanded for seconds, JSON read as YAML, keys named 'int' lost, misplaced ids,
crashes in near-miss suggestions ...); they were fixed while it was written and now
guard against regressions. A test revealing a new bug is marked
``xfail(strict=True)`` with what happens and what should happen.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

import kg
import kg.yamlpos
from kg.cli import main
from kg.errors import InputError, Location, Problem
from kg.evidence import anchor, check_documents
from kg.models import (
    FACT_SECTIONS,
    DocumentFile,
    Election,
    Evidence,
    MotionVote,
    Tenure,
    VoteOption,
)
from kg.namespaces import KG

# --------------------------------------------------------------------- the minimal corpus

SOURCE_TEXT = (
    "Momentum founder Jon Lansman has pulled out of the contest. "
    "Unite official Jennie Formby is now the favourite. "
    "Momentum’s founder says the NEC will decide \u2014 and the NEC will decide soon.\n"
)
SOURCE_SHA = hashlib.sha256(SOURCE_TEXT.encode("utf-8")).hexdigest()

REGISTRY = """\
people:
- id: jon-lansman
  name: Jon Lansman
- id: jennie-formby
  name: Jennie Formby
organisations:
- id: labour-party
  name: Labour Party
  kind: party
- id: labour-nec
  name: National Executive Committee
  kind: committee
  parent: labour-party
- id: unite
  name: Unite
  kind: trade-union
posts:
- id: labour-general-secretary
  name: General Secretary of the Labour Party
  organisation: labour-party
"""

SOURCE = f"""\
source:
  id: tribune-report
  file: report.txt
  sha256: {SOURCE_SHA}
  title: Lansman quits
  kind: news-report
"""

BODY = """\
roles:
- id: formby-unite-official
  person: jennie-formby
  organisation: unite
  role: official
  evidence:
  - quote: Unite official Jennie Formby
"""

DOCUMENT = "report.yaml"
REGISTRY_FILE = "registry.yaml"


@dataclass(frozen=True)
class Corpus:
    """A seeds directory and its sources directory, written for one test."""

    seeds: Path
    sources: Path

    def path(self, name: str = DOCUMENT) -> Path:
        return self.seeds / name

    def text(self, name: str = DOCUMENT) -> str:
        return self.path(name).read_text(encoding="utf-8")


def make_corpus(
    tmp_path: Path,
    body: str = BODY,
    *,
    source: str = SOURCE,
    registry: str | None = REGISTRY,
    files: dict[str, str] | None = None,
    source_text: str | None = SOURCE_TEXT,
) -> Corpus:
    """Write the minimal valid corpus with one snippet overridden; ``files`` adds more files."""
    seeds, sources = tmp_path / "seeds", tmp_path / "sources"
    seeds.mkdir()
    sources.mkdir()
    if registry is not None:
        (seeds / REGISTRY_FILE).write_text(registry, encoding="utf-8")
    (seeds / DOCUMENT).write_text(source + body, encoding="utf-8")
    for name, text in (files or {}).items():
        (seeds / name).write_text(text, encoding="utf-8")
    if source_text is not None:
        (sources / "report.txt").write_text(source_text, encoding="utf-8")
    return Corpus(seeds, sources)


def edit(text: str, old: str, new: str) -> str:
    """``text`` with the one occurrence of ``old`` replaced (a test must not edit blindly)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def problems_of(corpus: Corpus, *, anchored: bool = False) -> list[Problem]:
    """The problems of a corpus that must not load."""
    with pytest.raises(InputError) as info:
        kg.load_corpus(corpus.seeds, sources_dir=corpus.sources if anchored else None)
    return info.value.problems


def position(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the first character of ``needle``'s nth occurrence."""
    at = -1
    for _ in range(occurrence):
        at = text.find(needle, at + 1)
        assert at >= 0, f"{needle!r} not found"
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def the_problem(problems: list[Problem], field: str) -> Problem:
    """The single problem reported for ``field``."""
    found = [p for p in problems if p.field == field]
    assert len(found) == 1, f"expected one problem for {field!r}, got {problems}"
    return found[0]


def check(
    problem: Problem,
    path: Path,
    needle: str,
    message: str,
    hint: str | None = None,
    *,
    occurrence: int = 1,
    hint_contains: str | None = None,
) -> None:
    """``problem`` is at ``needle`` in ``path``, says ``message`` and hints ``hint``."""
    line, column = position(path.read_text(encoding="utf-8"), needle, occurrence)
    assert problem.location == Location(str(path), line, column), problem
    assert message in problem.message, problem
    if hint_contains is not None:
        assert problem.hint is not None
        assert hint_contains in problem.hint, problem
    else:
        assert problem.hint == hint, problem


def test_minimal_corpus_is_valid(tmp_path: Path) -> None:
    """The base every other test edits must load and anchor cleanly."""
    corpus = make_corpus(tmp_path)
    loaded = kg.load_corpus(corpus.seeds, sources_dir=corpus.sources)
    assert set(loaded.entries) >= {"jon-lansman", "tribune-report", "formby-unite-official"}


# --------------------------------------------------------------------- one case per model


@dataclass(frozen=True)
class Case:
    """One invalid edit of the minimal corpus and the problem it must produce."""

    file: str
    old: str
    new: str
    field: str
    needle: str
    message: str
    hint: str | None = None
    hint_contains: str | None = None


def apply(tmp_path: Path, case: Case) -> Corpus:
    if case.file == REGISTRY_FILE:
        return make_corpus(tmp_path, registry=edit(REGISTRY, case.old, case.new))
    if case.old == "":
        return make_corpus(tmp_path, BODY + case.new)
    document = edit(SOURCE + BODY, case.old, case.new)
    return make_corpus(tmp_path, document, source="")


ELECTION = """\
elections:
- id: gen-sec-2018
  name: 2018 general secretary election
  post: labour-general-secretary
  candidacies:
  - candidate: jennie-formby
    evidence:
    - quote: Jennie Formby is now the favourite
  evidence:
  - quote: pulled out of the contest
"""
VOTE = """\
votes:
- id: nec-vote
  motion: Choose the general secretary
  body: labour-nec
  voters:
  - voter: jon-lansman
    option: yes
  evidence:
  - quote: the NEC will decide soon
"""
ACTION = """\
disciplinary_actions:
- id: lansman-warning
  kind: warning
  subject: jon-lansman
  evidence:
  - quote: Jon Lansman has pulled out
"""
CHANGE = """\
organisational_changes:
- id: nec-restructured
  kind: restructured
  organisation: labour-nec
  description: The NEC was restructured.
  evidence:
  - quote: the NEC will decide soon
"""
CLAIM = """\
claims:
- id: formby-favourite
  text: Formby is the favourite.
  by: [jon-lansman]
  attitude: predicts
  evidence:
  - quote: Jennie Formby is now the favourite
"""
CORROBORATION = """\
corroborates:
- fact: formby-unite-official
  evidence:
  - quote: Unite official
"""
ARTICLE = """\
  articles:
  - id: part-one
    title: Part one
    start: 0
    end: 60
"""

CASES: dict[str, Case] = {
    "Person: unknown field": Case(
        REGISTRY_FILE,
        "  name: Jon Lansman\n",
        "  nmae: Jon Lansman\n",
        "people.0.nmae",
        "nmae:",
        "unknown field 'nmae'",
        "did you mean 'name'?",
    ),
    "Person: missing required field": Case(
        REGISTRY_FILE,
        "  name: Jon Lansman\n",
        "",
        "people.0.name",
        "id: jon-lansman",
        "required field is missing",
    ),
    "Person: bad id pattern": Case(
        REGISTRY_FILE,
        "id: jon-lansman",
        "id: Jon_Lansman",
        "people.0.id",
        "id: Jon_Lansman",
        "'Jon_Lansman' is not a valid id",
        hint_contains="lower-case slugs",
    ),
    "Person: bad wikidata id": Case(
        REGISTRY_FILE,
        "  name: Jon Lansman\n",
        "  name: Jon Lansman\n  wikidata: Q0123\n",
        "people.0.wikidata",
        "wikidata:",
        "String should match pattern '^Q[1-9][0-9]*$'",
    ),
    "Organisation: bad enum": Case(
        REGISTRY_FILE,
        "kind: trade-union",
        "kind: trade union",
        "organisations.2.kind",
        "kind: trade union",
        "'trade union' is not one of 'party', 'trade-union'",
        "did you mean 'trade-union'?",
    ),
    "Organisation: wrong type": Case(
        REGISTRY_FILE,
        "  name: Unite\n",
        "  name: [Unite]\n",
        "organisations.2.name",
        "name: [Unite]",
        "Input should be a valid string, got list ['Unite']",
    ),
    "Post: missing required field": Case(
        REGISTRY_FILE,
        "  organisation: labour-party\n",
        "",
        "posts.0.organisation",
        "id: labour-general-secretary",
        "required field is missing",
    ),
    "Post: unknown field": Case(
        REGISTRY_FILE,
        "  organisation: labour-party\n",
        "  organization: labour-party\n",
        "posts.0.organization",
        "organization:",
        "unknown field 'organization'",
        "did you mean 'organisation'?",
    ),
    "Source: unknown field": Case(
        DOCUMENT,
        "  title: Lansman quits\n",
        "  title: Lansman quits\n  titel: again\n",
        "source.titel",
        "titel:",
        "unknown field 'titel'",
        "did you mean 'title'?",
    ),
    "Source: bad enum": Case(
        DOCUMENT,
        "kind: news-report",
        "kind: news report",
        "source.kind",
        "kind: news report",
        "'news report' is not one of 'news-report', 'opinion'",
        "did you mean 'news-report'?",
    ),
    "Source: bad sha256": Case(
        DOCUMENT,
        f"sha256: {SOURCE_SHA}",
        "sha256: abc",
        "source.sha256",
        "sha256: abc",
        "String should match pattern '^[0-9a-f]{64}$'",
    ),
    "Source: file name with a folder": Case(
        DOCUMENT,
        "file: report.txt",
        "file: ../report.txt",
        "source.file",
        "file: ../report.txt",
        "String should match pattern",
    ),
    "Article: end not after start": Case(
        DOCUMENT,
        "  kind: news-report\n",
        "  kind: news-report\n" + ARTICLE.replace("end: 60", "end: 0"),
        "source.articles.0",
        "id: part-one",
        "'end' (0) must be greater than 'start' (0)",
    ),
    "Article: missing title": Case(
        DOCUMENT,
        "  kind: news-report\n",
        "  kind: news-report\n" + ARTICLE.replace("    title: Part one\n", ""),
        "source.articles.0.title",
        "id: part-one",
        "required field is missing",
    ),
    "Evidence: span shorter than quote": Case(
        DOCUMENT,
        "  - quote: Unite official Jennie Formby\n",
        "  - quote: Unite official Jennie Formby\n    start: 60\n    end: 70\n",
        "roles.0.evidence.0",
        "quote: Unite",
        "the span 60..70 is 10 code points long but the quote is 28",
    ),
    "Evidence: start without end": Case(
        DOCUMENT,
        "  - quote: Unite official Jennie Formby\n",
        "  - quote: Unite official Jennie Formby\n    start: 60\n",
        "roles.0.evidence.0",
        "quote: Unite",
        "give both 'start' and 'end', or neither",
    ),
    "Evidence: quote too short": Case(
        DOCUMENT,
        "quote: Unite official Jennie Formby",
        "quote: Un",
        "roles.0.evidence.0.quote",
        "quote: Un",
        "String should have at least 3 characters",
    ),
    "Evidence: negative offset": Case(
        DOCUMENT,
        "  - quote: Unite official Jennie Formby\n",
        "  - quote: Unite official Jennie Formby\n    start: -1\n    end: 27\n",
        "roles.0.evidence.0.start",
        "start: -1",
        "Input should be greater than or equal to 0",
    ),
    "Tenure: neither post nor role": Case(
        DOCUMENT,
        "  role: official\n",
        "",
        "roles.0",
        "id: formby-unite-official",
        "give 'post' (a registry id) or 'role' (in words), or both",
    ),
    "Tenure: role without organisation": Case(
        DOCUMENT,
        "  organisation: unite\n",
        "",
        "roles.0",
        "id: formby-unite-official",
        "give 'organisation' when there is no 'post'",
    ),
    "Tenure: bad status enum": Case(
        DOCUMENT,
        "  role: official\n",
        "  role: official\n  status: currnet\n",
        "roles.0.status",
        "status: currnet",
        "'currnet' is not one of 'current', 'former'",
        "did you mean 'current'?",
    ),
    "Tenure: bad ref pattern": Case(
        DOCUMENT,
        "person: jennie-formby",
        "person: Jennie Formby",
        "roles.0.person",
        "person: Jennie Formby",
        "'Jennie Formby' is not a valid id",
        hint_contains="lower-case slugs",
    ),
    "Election: neither post nor body": Case(
        DOCUMENT,
        "",
        ELECTION.replace("  post: labour-general-secretary\n", ""),
        "elections.0",
        "id: gen-sec-2018",
        "give the contested 'post' or 'body'",
    ),
    "Election: duplicate candidacy": Case(
        DOCUMENT,
        "",
        ELECTION.replace(
            "  candidacies:\n",
            "  candidacies:\n  - candidate: jennie-formby\n"
            "    evidence:\n    - quote: Unite official\n",
        ),
        "elections.0",
        "id: gen-sec-2018",
        "'jennie-formby' has two candidacies",
    ),
    "Election: quoted count": Case(
        DOCUMENT,
        "",
        ELECTION.replace("  candidacies:\n", "  ballots_cast: '12'\n  candidacies:\n"),
        "elections.0.ballots_cast",
        "ballots_cast:",
        "Input should be a valid integer, got str '12'",
    ),
    "Election: turnout over 100": Case(
        DOCUMENT,
        "",
        ELECTION.replace("  candidacies:\n", "  turnout: 120.5\n  candidacies:\n"),
        "elections.0.turnout",
        "turnout:",
        "Input should be less than or equal to 100",
    ),
    "Candidacy: bad enum": Case(
        DOCUMENT,
        "",
        ELECTION.replace(
            "  - candidate: jennie-formby\n", "  - candidate: jennie-formby\n    status: withdrew\n"
        ),
        "elections.0.candidacies.0.status",
        "status: withdrew",
        "'withdrew' is not one of 'standing', 'withdrawn'",
        "did you mean 'withdrawn'?",
    ),
    "Candidacy: quoted votes": Case(
        DOCUMENT,
        "",
        ELECTION.replace(
            "  - candidate: jennie-formby\n", '  - candidate: jennie-formby\n    votes: "12"\n'
        ),
        "elections.0.candidacies.0.votes",
        "votes:",
        "Input should be a valid integer, got str '12'",
    ),
    "Candidacy: missing evidence": Case(
        DOCUMENT,
        "",
        ELECTION.replace("    evidence:\n    - quote: Jennie Formby is now the favourite\n", ""),
        "elections.0.candidacies.0.evidence",
        "candidate: jennie-formby",
        "required field is missing",
    ),
    "MotionVote: quoted count (StrictInt)": Case(
        DOCUMENT,
        "",
        VOTE.replace("  voters:\n", "  yes: '12'\n  voters:\n"),
        "votes.0.yes",
        "yes: '12'",
        "Input should be a valid integer, got str '12'",
    ),
    "MotionVote: bad result enum": Case(
        DOCUMENT,
        "",
        VOTE.replace("  voters:\n", "  result: passed\n  voters:\n"),
        "votes.0.result",
        "result: passed",
        "'passed' is not one of 'pass' or 'fail'",
        "did you mean 'pass'?",
    ),
    "MotionVote: missing body": Case(
        DOCUMENT,
        "",
        VOTE.replace("  body: labour-nec\n", ""),
        "votes.0.body",
        "id: nec-vote",
        "required field is missing",
    ),
    "NamedVote: unknown field": Case(
        DOCUMENT,
        "",
        VOTE.replace("  - voter: jon-lansman\n", "  - vote: jon-lansman\n"),
        "votes.0.voters.0.vote",
        "vote: jon-lansman",
        "unknown field 'vote'",
        "did you mean 'voter'?",
    ),
    "NamedVote: bad option enum": Case(
        DOCUMENT,
        "",
        VOTE.replace("option: yes", "option: aye"),
        "votes.0.voters.0.option",
        "option: aye",
        "'aye' is not one of 'yes', 'no', 'abstain', 'absent' or 'not voting'",
        "did you mean 'yes'?",
    ),
    "DisciplinaryAction: bad enum": Case(
        DOCUMENT,
        "",
        ACTION.replace("kind: warning", "kind: suspended"),
        "disciplinary_actions.0.kind",
        "kind: suspended",
        "'suspended' is not one of 'suspension', 'expulsion'",
        "did you mean 'suspension'?",
    ),
    "DisciplinaryAction: bad date": Case(
        DOCUMENT,
        "",
        ACTION.replace("  subject:", "  date: March 2018\n  subject:"),
        "disciplinary_actions.0.date",
        "date: March 2018",
        "'March 2018' is not a date: write 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'",
    ),
    "OrganisationalChange: missing description": Case(
        DOCUMENT,
        "",
        CHANGE.replace("  description: The NEC was restructured.\n", ""),
        "organisational_changes.0.description",
        "id: nec-restructured",
        "required field is missing",
    ),
    "OrganisationalChange: bad enum": Case(
        DOCUMENT,
        "",
        CHANGE.replace("kind: restructured", "kind: restructure"),
        "organisational_changes.0.kind",
        "kind: restructure",
        "'restructure' is not one of 'founded', 'dissolved'",
        "did you mean 'restructured'?",
    ),
    "Claim: bad attitude enum": Case(
        DOCUMENT,
        "",
        CLAIM.replace("attitude: predicts", "attitude: predict"),
        "claims.0.attitude",
        "attitude: predict",
        "'predict' is not one of 'asserts', 'alleges'",
        "did you mean 'predicts'?",
    ),
    "Claim: empty by": Case(
        DOCUMENT,
        "",
        CLAIM.replace("by: [jon-lansman]", "by: []"),
        "claims.0.by",
        "by: []",
        "needs at least 1 item, found none",
    ),
    "Corroboration: unknown field": Case(
        DOCUMENT,
        "",
        CORROBORATION.replace("  evidence:\n", "  evidnce:\n"),
        "corroborates.0.evidnce",
        "evidnce:",
        "unknown field 'evidnce'",
        "did you mean 'evidence'?",
    ),
    "Corroboration: wrong type": Case(
        DOCUMENT,
        "",
        CORROBORATION.replace("- fact: formby-unite-official", "- fact: 12"),
        "corroborates.0.fact",
        "fact: 12",
        "Input should be a valid string, got int 12",
    ),
    "RegistryFile: unknown section": Case(
        REGISTRY_FILE,
        "posts:\n",
        "post:\n",
        "post",
        "post:",
        "unknown field 'post'",
        "did you mean 'posts'?",
    ),
    "RegistryFile: wrong type": Case(
        REGISTRY_FILE,
        "posts:\n- id: labour-general-secretary\n  name: General Secretary of the Labour Party\n"
        "  organisation: labour-party\n",
        "posts: labour-general-secretary\n",
        "posts",
        "posts:",
        "Input should be a valid list, got str 'labour-general-secretary'",
    ),
    "DocumentFile: unknown section": Case(
        DOCUMENT,
        "roles:\n",
        "role:\n",
        "role",
        "role:\n",
        "unknown field 'role'",
        "did you mean 'roles'?",
    ),
    "DocumentFile: missing source": Case(
        DOCUMENT,
        SOURCE,
        "",
        "source",
        "roles:",
        "required field is missing",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_model_error_is_located_and_explained(tmp_path: Path, case: Case) -> None:
    """Each model reports its own errors at the offending key with a useful message."""
    corpus = apply(tmp_path, case)
    problem = the_problem(problems_of(corpus), case.field)
    check(
        problem,
        corpus.path(case.file),
        case.needle,
        case.message,
        case.hint,
        hint_contains=case.hint_contains,
    )


def test_every_model_has_an_error_case() -> None:
    """Guards the table above: a model added later needs its own invalid input."""
    models = {
        "Person",
        "Organisation",
        "Post",
        "Source",
        "Article",
        "Evidence",
        "Tenure",
        "Election",
        "Candidacy",
        "MotionVote",
        "NamedVote",
        "DisciplinaryAction",
        "OrganisationalChange",
        "Claim",
        "Corroboration",
        "RegistryFile",
        "DocumentFile",
    }
    assert models == {name.split(":")[0] for name in CASES}


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("'2018-13'", "'2018-13' is not a real date: month 13 is not between 01 and 12"),
        ("'2018-02-30'", "'2018-02-30' is not a real date: day is out of range for month"),
        ("2019-02-29", "'2019-02-29' is not a real date: day is out of range for month"),
        ("March 2018", "'March 2018' is not a date: write 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'"),
        ("12/03/2018", "'12/03/2018' is not a date"),
        ("circa2018", "'circa2018' is not a date"),
        ("2018-3", "'2018-3' is not a date"),
    ],
)
@pytest.mark.parametrize("field", ["start", "end"])
def test_bad_partial_date(tmp_path: Path, written: str, message: str, field: str) -> None:
    """Impossible or free-text dates are refused at the date, with the accepted forms."""
    body = edit(BODY, "  role: official\n", f"  role: official\n  {field}: {written}\n")
    corpus = make_corpus(tmp_path, body)
    problem = the_problem(problems_of(corpus), f"roles.0.{field}")
    check(problem, corpus.path(), f"{field}: {written}", message)


def test_partial_dates_of_every_precision_load(tmp_path: Path) -> None:
    """Year, month and day precision, with or without a qualifier, are all accepted."""
    body = edit(
        BODY,
        "  role: official\n",
        "  role: official\n  start: circa 2016\n  end: '2018-03'\n",
    )
    corpus = make_corpus(tmp_path, body + ACTION.replace("  subject:", "  date: 2018\n  subject:"))
    loaded = kg.load_corpus(corpus.seeds)
    tenure = loaded.record("formby-unite-official")
    assert isinstance(tenure, Tenure)
    assert tenure.start is not None and tenure.end is not None
    assert (str(tenure.start), tenure.start.precision.value) == ("circa 2016", "year")
    assert (tenure.end.iso, tenure.end.precision.value) == ("2018-03", "month")


# --------------------------------------------------------------------- YAML and JSON


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    """A syntax error points at the character the parser stopped at."""
    corpus = make_corpus(tmp_path, source=edit(SOURCE, "title: Lansman quits", "title: A: B"))
    [problem] = problems_of(corpus)
    assert problem.field == ""
    line, column = position(corpus.text(), ": B")
    assert problem.location == Location(str(corpus.path()), line, column)
    assert problem.message == "YAML syntax: mapping values are not allowed in this context"


def test_unclosed_flow_sequence(tmp_path: Path) -> None:
    """An unterminated '[' is reported, at the end of the input where it was noticed."""
    corpus = make_corpus(tmp_path, "claims: [\n")
    [problem] = problems_of(corpus)
    assert problem.message.startswith("YAML syntax:")
    assert problem.location.file == str(corpus.path())
    assert problem.location.line == corpus.text().count("\n") + 1


def test_duplicate_key_is_refused(tmp_path: Path) -> None:
    """PyYAML keeps the last of two equal keys; kg reports the second one."""
    corpus = make_corpus(tmp_path, source=SOURCE + "  title: Again\n")
    [problem] = problems_of(corpus)
    check(problem, corpus.path(), "title: Again", "duplicate key 'title'")
    assert problem.field == ""


def test_duplicate_key_in_nested_item(tmp_path: Path) -> None:
    """Duplicate keys are found at any depth, not only at the top."""
    corpus = make_corpus(tmp_path, edit(BODY, "  role: official\n", "  role: a\n  role: b\n"))
    [problem] = problems_of(corpus)
    check(problem, corpus.path(), "role: b", "duplicate key 'role'")


def test_merge_keys_are_refused(tmp_path: Path) -> None:
    """'<<' merges hide where a value came from, so they are not accepted."""
    corpus = make_corpus(tmp_path, edit(BODY, "  role: official\n", "  <<: {role: x}\n"))
    [problem] = problems_of(corpus)
    check(problem, corpus.path(), "<<:", "keys must be plain names (no '<<' merges")


def test_python_tag_on_a_value_is_refused(tmp_path: Path) -> None:
    """``!!python/...`` tags never construct objects; the value is reported."""
    corpus = make_corpus(
        tmp_path, source=edit(SOURCE, "title: Lansman quits", "title: !!python/name:os.system")
    )
    [problem] = problems_of(corpus)
    check(
        problem,
        corpus.path(),
        "!!python",
        "unsupported value: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/name:os.system'",
    )


def test_python_apply_tag_never_runs(tmp_path: Path) -> None:
    """The classic ``!!python/object/apply:os.system`` payload does nothing but fail."""
    marker = tmp_path / "pwned"
    corpus = make_corpus(tmp_path, f'roles: !!python/object/apply:os.system ["touch {marker}"]\n')
    problems = problems_of(corpus)
    assert problems
    assert all(p.location.file == str(corpus.path()) for p in problems)
    assert not marker.exists()


def test_python_object_tag_on_a_mapping_is_refused(tmp_path: Path) -> None:
    """A ``!!python/object`` mapping must be refused as scalars with such tags are."""
    corpus = make_corpus(
        tmp_path, source=edit(SOURCE, "source:\n", "source: !!python/object:kg.X\n")
    )
    [problem] = problems_of(corpus)
    check(problem, corpus.path(), "!!python", "python/object:kg.X")


def test_yaml_11_traps_stay_text(tmp_path: Path) -> None:
    """'no', 'yes', 'on', '0x1F' and unquoted dates are what the curator typed (YAML 1.2)."""
    body = VOTE.replace("option: yes", "option: no").replace(
        "motion: Choose the general secretary", "motion: on"
    ) + ELECTION.replace("  candidacies:\n", "  date: 2018-03-12\n  method: yes\n  candidacies:\n")
    corpus = make_corpus(tmp_path, body, source=edit(SOURCE, "Lansman quits", "0x1F"))
    loaded = kg.load_corpus(corpus.seeds)
    vote = loaded.record("nec-vote")
    election = loaded.record("gen-sec-2018")
    assert isinstance(vote, MotionVote) and isinstance(election, Election)
    assert vote.voters[0].option is VoteOption.NO
    assert vote.motion == "on"
    assert election.method == "yes"
    assert election.date is not None
    assert (election.date.iso, election.date.precision.value) == ("2018-03-12", "day")
    assert loaded.record("tribune-report").title == "0x1F"  # type: ignore[attr-defined]


def test_yaml_11_no_in_the_graph(tmp_path: Path) -> None:
    """``option: no`` reaches the graph as the Popolo code "no", not as false."""
    corpus = make_corpus(tmp_path, BODY + VOTE.replace("option: yes", "option: no"))
    graph = kg.build(corpus.seeds, run_validation=False).graph()
    ballot = URIRef("https://w3id.org/kg/id/vote/nec-vote/ballot/jon-lansman")
    values = list(graph.objects(ballot, URIRef("http://www.w3.org/ns/opengov#option")))
    assert values == [Literal("no")]  # a plain string, not xsd:boolean false


def billion_laughs(levels: int) -> str:
    """Nine aliases per level: a few hundred bytes that expand to 9**(levels+1) strings."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    """A 700-byte "billion laughs" file is refused at once, not after expanding it."""
    corpus = make_corpus(tmp_path, source="", body=billion_laughs(9))
    started = time.perf_counter()
    [problem] = problems_of(corpus)
    elapsed = time.perf_counter() - started
    assert problem.location.file == str(corpus.path())
    assert problem.location.line is not None and problem.location.column is not None
    assert problem.field == ""
    assert "alias bomb" in problem.message
    assert elapsed < 2.0, f"took {elapsed:.1f} s"


def test_small_aliases_are_fine() -> None:
    """Anchors and aliases themselves are legal; only their expansion is bounded."""
    data, _ = kg.yamlpos.parse("a: &x [1, 2]\nb: *x\n")
    assert data == {"a": [1, 2], "b": [1, 2]}


def test_nesting_deeper_than_the_limit(tmp_path: Path) -> None:
    """Absurd nesting is refused at the first value past the limit."""
    depth = kg.yamlpos.MAX_DEPTH + 6
    corpus = make_corpus(tmp_path, source=SOURCE + "  note: " + "[" * depth + "]" * depth + "\n")
    [problem] = problems_of(corpus)
    line, column = position(corpus.text(), "[")
    # 'source' is depth 1, 'note' depth 2: the bracket at depth MAX_DEPTH + 1 is refused.
    assert problem.location == Location(str(corpus.path()), line, column + kg.yamlpos.MAX_DEPTH - 1)
    assert problem.message == f"nested deeper than {kg.yamlpos.MAX_DEPTH} levels"


def test_nesting_at_the_limit_is_accepted() -> None:
    """The limit is not off by one: exactly MAX_DEPTH levels parse."""
    depth = kg.yamlpos.MAX_DEPTH
    data, _ = kg.yamlpos.parse("[" * depth + "]" * depth)
    assert isinstance(data, list)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    """A list or an empty file is named as such, at line 1."""
    corpus = make_corpus(tmp_path, files={"empty.yaml": "# nothing yet\n", "list.yaml": "- a\n"})
    problems = problems_of(corpus)
    by_file = {p.location.file: p for p in problems}
    empty, listed = by_file[str(corpus.path("empty.yaml"))], by_file[str(corpus.path("list.yaml"))]
    assert (
        empty.location.line == 1 and empty.message == "expected a mapping at the top, found empty"
    )
    assert listed.message == "expected a mapping at the top, found a list"


JSON_DOCUMENT = {
    "source": {
        "id": "json-report",
        "file": "report.txt",
        "sha256": SOURCE_SHA,
        "title": "Lansman quits (JSON)",
        "kind": "news-report",
    },
    "claims": [
        {
            "id": "json-claim",
            "text": "Formby is the favourite.",
            "by": ["jon-lansman"],
            "attitude": "predicts",
            "evidence": [{"quote": "Jennie Formby is now the favourite"}],
        }
    ],
}


def test_json_document_loads(tmp_path: Path) -> None:
    """A ``.json`` document file is read like YAML, with its values unchanged."""
    text = json.dumps(JSON_DOCUMENT, indent=2, ensure_ascii=False)
    corpus = make_corpus(tmp_path, files={"other.json": text})
    loaded = kg.load_corpus(corpus.seeds, sources_dir=corpus.sources)
    claim = loaded.record("json-claim")
    assert claim.by == ["jon-lansman"]  # type: ignore[attr-defined]
    # A record is located at its own start: the '{' on the line above its "id".
    line, _ = position(text, '"id": "json-claim"')
    assert loaded.location_of("json-claim") == Location(str(corpus.path("other.json")), line - 1, 5)


def test_json_document_errors_have_json_line_numbers(tmp_path: Path) -> None:
    """Problems in JSON files point at the key's line and column, as in YAML."""
    document = json.loads(json.dumps(JSON_DOCUMENT))
    document["claims"][0]["attitude"] = "predict"
    document["claims"][0]["evidence"][0]["quotee"] = "x"
    text = json.dumps(document, indent=2)
    corpus = make_corpus(tmp_path, files={"other.json": text})
    problems = problems_of(corpus)
    path = corpus.path("other.json")
    check(
        the_problem(problems, "claims.0.attitude"),
        path,
        '"attitude"',
        "'predict' is not one of",
        "did you mean 'predicts'?",
    )
    check(
        the_problem(problems, "claims.0.evidence.0.quotee"),
        path,
        '"quotee"',
        "unknown field 'quotee'",
        "did you mean 'quote'?",
    )


def test_json_with_escaped_emoji_loads(tmp_path: Path) -> None:
    """``json.dumps`` output (ensure_ascii=True) with an emoji in a title is valid JSON."""
    document = json.loads(json.dumps(JSON_DOCUMENT))
    document["source"]["title"] = "Lansman quits \U0001f600"
    corpus = make_corpus(tmp_path, files={"other.json": json.dumps(document)})
    loaded = kg.load_corpus(corpus.seeds)
    assert loaded.record("json-report").title == "Lansman quits \U0001f600"  # type: ignore[attr-defined]


def test_json_string_with_next_line_character_is_kept(tmp_path: Path) -> None:
    """A JSON string is data: no character of it may change on the way in."""
    document = json.loads(json.dumps(JSON_DOCUMENT))
    document["source"]["title"] = "Lansman\x85quits"
    text = json.dumps(document, ensure_ascii=False)
    corpus = make_corpus(tmp_path, files={"other.json": text})
    loaded = kg.load_corpus(corpus.seeds)
    assert loaded.record("json-report").title == "Lansman\x85quits"  # type: ignore[attr-defined]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_non_standard_constants_are_problems(tmp_path: Path, constant: str) -> None:
    """NaN and Infinity are not JSON; a file using them gets a located problem."""
    text = json.dumps(JSON_DOCUMENT, indent=2).replace('"Lansman quits (JSON)"', constant)
    corpus = make_corpus(tmp_path, files={"other.json": text})
    [problem] = problems_of(corpus)
    assert problem.location.file == str(corpus.path("other.json"))
    assert problem.location.line == position(text, constant)[0]


def test_json_duplicate_key_is_located(tmp_path: Path) -> None:
    """A duplicate key in JSON points at the second key, as in YAML."""
    text = json.dumps(JSON_DOCUMENT, indent=2).replace(
        '"title": "Lansman quits (JSON)",', '"title": "A",\n    "title": "B",'
    )
    corpus = make_corpus(tmp_path, files={"other.json": text})
    [problem] = problems_of(corpus)
    check(problem, corpus.path("other.json"), '"title": "B"', "duplicate key 'title'")


def test_several_problems_in_one_file_are_all_reported(tmp_path: Path) -> None:
    """A curator sees every problem of a file at once, in line order."""
    source = edit(SOURCE, "kind: news-report", "kind: newsreport")
    body = (
        edit(BODY, "  role: official\n", "  role: official\n  start: '2018-13'\n")
        + VOTE.replace("  voters:\n", "  yes: '3'\n  voters:\n")
        + CLAIM.replace("attitude: predicts", "attitude: predict")
    )
    corpus = make_corpus(tmp_path, body, source=source)
    problems = problems_of(corpus)
    assert [p.field for p in problems] == [
        "source.kind",
        "roles.0.start",
        "votes.0.yes",
        "claims.0.attitude",
    ]
    assert [p.location.line for p in problems] == sorted(p.location.line or 0 for p in problems)
    check(problems[1], corpus.path(), "start: '2018-13'", "month 13 is not between 01 and 12")


def test_problems_across_files_are_collected(tmp_path: Path) -> None:
    """One InputError carries the problems of the registry and of every document."""
    other = SOURCE.replace("tribune-report", "other-report") + "roles: {}\n"
    corpus = make_corpus(
        tmp_path,
        registry=edit(REGISTRY, "kind: party", "kind: partei"),
        source=edit(SOURCE, "title: Lansman quits", "titel: Lansman quits"),
        files={"z-other.yaml": other},
    )
    with pytest.raises(InputError) as info:
        kg.load_corpus(corpus.seeds)
    problems = info.value.problems
    files = {p.location.file for p in problems}
    assert files == {str(corpus.path(n)) for n in (REGISTRY_FILE, DOCUMENT, "z-other.yaml")}
    assert str(info.value).startswith(f"{len(problems)} problems in the extractions:\n")
    check(the_problem(problems, "roles"), corpus.path("z-other.yaml"), "roles: {}", "valid list")
    check(
        the_problem(problems, "organisations.0.kind"),
        corpus.path(REGISTRY_FILE),
        "kind: partei",
        "'partei' is not one of",
        "did you mean 'party'?",
    )
    assert str(the_problem(problems, "source.titel")) == (
        f"{corpus.path()}:5:3: source.titel: unknown field 'titel' (did you mean 'title'?)"
    )


@pytest.mark.parametrize("key", ["int", "str", "none", "notes[0]", "function-x"])
def test_unknown_field_with_a_type_like_name(tmp_path: Path, key: str) -> None:
    """Any unknown key is named as written, wherever it is."""
    corpus = make_corpus(tmp_path, source=SOURCE + f"  {key}: 5\n")
    problem = the_problem(problems_of(corpus), f"source.{key}")
    assert problem.message == f"unknown field {key!r}"


@pytest.mark.parametrize(
    ("body", "field", "needle"),
    [
        (
            "corroborates:\n- fact: Formby_Unite\n  evidence: [{quote: abc}]\n",
            "corroborates.0.fact",
            "fact:",
        ),
        (CLAIM.replace("by: [jon-lansman]", "by: [Jon_Lansman]"), "claims.0.by.0", "Jon_Lansman"),
    ],
    ids=["corroborates.fact", "id in a list"],
)
def test_bad_id_in_any_reference_field_gets_the_id_hint(
    tmp_path: Path, body: str, field: str, needle: str
) -> None:
    """Every field holding ids explains the id format the same way."""
    corpus = make_corpus(tmp_path, BODY + body)
    problem = the_problem(problems_of(corpus), field)
    assert "is not a valid id" in problem.message
    assert problem.hint is not None and "lower-case slugs" in problem.hint


@pytest.mark.parametrize(("written", "shown"), [("18", "18"), ("-5", "-5")])
def test_unquoted_short_year_is_refused(tmp_path: Path, written: str, shown: str) -> None:
    """A two-digit or negative year is a mistake, reported as the curator wrote it."""
    corpus = make_corpus(tmp_path, source=SOURCE + f"  published: {written}\n")
    problem = the_problem(problems_of(corpus), "source.published")
    assert problem.message.split(" is not")[0] in {shown, repr(shown)}


def test_two_registry_files_are_not_silently_merged_or_ignored(tmp_path: Path) -> None:
    """With registry.json and registry.yaml both present, one must not vanish silently."""
    extra = json.dumps({"people": [{"id": "ian-hernon", "name": "Ian Hernon"}]})
    corpus = make_corpus(tmp_path, files={"registry.json": extra})
    try:
        loaded = kg.load_corpus(corpus.seeds)
    except InputError:
        return  # refusing the ambiguity is fine
    assert {"ian-hernon", "jon-lansman"} <= set(loaded.entries)


# --------------------------------------------------------------------- references


def test_dangling_reference_suggests_the_close_id(tmp_path: Path) -> None:
    """A typo in an id is reported at the reference with the id meant."""
    corpus = make_corpus(tmp_path, edit(BODY, "person: jennie-formby", "person: jenny-formby"))
    [problem] = problems_of(corpus)
    assert problem.field == "roles.0.person"
    check(
        problem,
        corpus.path(),
        "person: jenny-formby",
        "unknown organisation, person or unnamed agent id 'jenny-formby'",
        "did you mean 'jennie-formby'?",
    )


def test_dangling_reference_without_close_match_says_where_to_add_it(tmp_path: Path) -> None:
    """With nothing close, the hint says the registry is where entities live."""
    corpus = make_corpus(tmp_path, edit(BODY, "organisation: unite", "organisation: gmb"))
    [problem] = problems_of(corpus)
    check(
        problem,
        corpus.path(),
        "organisation: gmb",
        "unknown organisation id 'gmb'",
        "add it to the registry",
    )


def test_reference_to_the_wrong_kind(tmp_path: Path) -> None:
    """An id of another kind is named with both kinds."""
    corpus = make_corpus(tmp_path, edit(BODY, "organisation: unite", "organisation: jon-lansman"))
    [problem] = problems_of(corpus)
    assert problem.field == "roles.0.organisation"
    check(problem, corpus.path(), "organisation: jon-lansman", "'jon-lansman' is a person, not a")
    assert problem.message.endswith(" organisation")


def test_dangling_reference_in_registry(tmp_path: Path) -> None:
    """References inside the registry (an organisation's parent) are checked too."""
    corpus = make_corpus(
        tmp_path, registry=edit(REGISTRY, "parent: labour-party", "parent: labour")
    )
    [problem] = problems_of(corpus)
    assert problem.field == "organisations.1.parent"
    check(
        problem,
        corpus.path(REGISTRY_FILE),
        "parent: labour",
        "unknown organisation id 'labour'",
        "did you mean 'labour-nec'?",
    )


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    """An entity id reused by a fact is reported with the first use."""
    corpus = make_corpus(tmp_path, edit(BODY, "id: formby-unite-official", "id: unite"))
    [problem] = problems_of(corpus)
    assert problem.field == "roles.0.id"
    line, column = position(corpus.text(REGISTRY_FILE), "id: unite")
    check(
        problem,
        corpus.path(),
        "id: unite",
        "duplicate id 'unite'",
        hint_contains=f"already used at {corpus.path(REGISTRY_FILE)}:{line}:{column}",
    )


def test_same_fact_twice_in_one_document(tmp_path: Path) -> None:
    """A fact may be restated by another document, never twice by the same one."""
    corpus = make_corpus(tmp_path, BODY + BODY.replace("roles:\n", ""))
    [problem] = problems_of(corpus)
    assert problem.field == "roles.1.id"
    check(
        problem, corpus.path(), "id: formby", "duplicate id", occurrence=2, hint_contains="already"
    )


def test_duplicate_id_points_at_the_id_key(tmp_path: Path) -> None:
    """When 'id' is not the first key, the problem is still at the 'id' line."""
    body = "roles:\n- person: jennie-formby\n  id: unite\n  organisation: unite\n  role: x\n"
    body += "  evidence:\n  - quote: Unite official\n"
    corpus = make_corpus(tmp_path, body)
    [problem] = problems_of(corpus)
    check(problem, corpus.path(), "id: unite", "duplicate id 'unite'", hint_contains="already")


OTHER_SOURCE = SOURCE.replace("tribune-report", "second-report").replace(
    "title: Lansman quits", "title: Second report"
)


def test_repeated_fact_that_disagrees_names_both_places(tmp_path: Path) -> None:
    """Conflicting restatements are reported at the second, naming the first."""
    second = OTHER_SOURCE + edit(BODY, "role: official", "role: general secretary")
    corpus = make_corpus(tmp_path, files={"second.yaml": second})
    [problem] = problems_of(corpus)
    first_line, first_column = position(corpus.text(), "role: official")
    assert problem.field == "roles.0.role"
    check(
        problem,
        corpus.path("second.yaml"),
        "role: general secretary",
        f"fact 'formby-unite-official' says 'general secretary' here but 'official' at "
        f"{corpus.path()}:{first_line}:{first_column}",
        hint_contains="list it under 'corroborates'",
    )


def test_repeated_candidacy_that_disagrees(tmp_path: Path) -> None:
    """Parts of a repeated fact are matched by key and compared too."""
    first = ELECTION.replace(
        "  - candidate: jennie-formby\n", "  - candidate: jennie-formby\n    votes: 5\n"
    )
    second = OTHER_SOURCE + first.replace("votes: 5", "votes: 6")
    corpus = make_corpus(tmp_path, BODY + first, files={"second.yaml": second})
    [problem] = problems_of(corpus)
    assert problem.field == "elections.0.candidacies.0.votes"
    check(
        problem,
        corpus.path("second.yaml"),
        "votes: 6",
        "fact 'gen-sec-2018' says '6' here but '5' at "
        f"{corpus.path()}:{position(corpus.text(), 'votes: 5')[0]}:5",
        hint_contains="must agree",
    )


def test_repeated_fact_that_agrees_carries_evidence_from_both(tmp_path: Path) -> None:
    """Agreeing restatements merge: one fact, evidence and provenance from each source."""
    second = OTHER_SOURCE + edit(BODY, "Unite official Jennie Formby", "official Jennie Formby")
    corpus = make_corpus(tmp_path, files={"second.yaml": second})
    result = kg.build(corpus.seeds, sources_dir=corpus.sources)
    assert result.report is not None and result.report.violation_free
    fact = URIRef("https://w3id.org/kg/id/tenure/formby-unite-official")
    evidence = set(result.graph().objects(fact, KG.evidence))
    sources = {
        str(s)
        for s in result.graph().objects(fact, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
    }
    assert len(evidence) == 2
    assert {str(e).split("/")[-2] for e in evidence} == {"tribune-report", "second-report"}
    assert sources == {
        "https://w3id.org/kg/id/source/tribune-report",
        "https://w3id.org/kg/id/source/second-report",
    }
    graphs = {str(g) for _, _, _, g in result.dataset().quads((fact, None, None, None))}
    assert graphs == {
        "https://w3id.org/kg/id/graph/tribune-report",
        "https://w3id.org/kg/id/graph/second-report",
    }


def test_corroboration_of_an_unknown_fact(tmp_path: Path) -> None:
    """``corroborates`` must name a fact some document states."""
    corpus = make_corpus(
        tmp_path, BODY + CORROBORATION.replace("formby-unite-official", "formby-unite-offical")
    )
    [problem] = problems_of(corpus)
    assert problem.field == "corroborates.0.fact"
    check(
        problem,
        corpus.path(),
        "fact: formby-unite-offical",
        "unknown fact id 'formby-unite-offical'",
        "did you mean 'formby-unite-official'?",
    )


def test_corroboration_of_an_entity_is_the_wrong_kind(tmp_path: Path) -> None:
    """Only facts can be corroborated; an entity id is named as what it is."""
    corpus = make_corpus(tmp_path, BODY + CORROBORATION.replace("formby-unite-official", "unite"))
    [problem] = problems_of(corpus)
    check(problem, corpus.path(), "fact: unite", "'unite' is a")
    assert problem.message.endswith("organisation, not a fact")


def test_tenure_post_of_another_organisation(tmp_path: Path) -> None:
    """A tenure naming a post and an organisation must name the post's own organisation."""
    body = edit(BODY, "  role: official\n", "  post: labour-general-secretary\n")
    corpus = make_corpus(tmp_path, body)
    [problem] = problems_of(corpus)
    assert problem.field == "roles.0.organisation"
    check(
        problem,
        corpus.path(),
        "organisation: unite",
        "post 'labour-general-secretary' belongs to 'labour-party', not 'unite'",
        "leave 'organisation' out when a post is given, or pick the matching post",
    )


def test_restated_tenure_cannot_move_the_post_to_another_organisation(tmp_path: Path) -> None:
    """The implied organisation of a post counts when a restatement gives another."""
    first = edit(
        BODY, "  organisation: unite\n  role: official\n", "  post: labour-general-secretary\n"
    )
    corpus = make_corpus(tmp_path, first, files={"second.yaml": OTHER_SOURCE + BODY})
    problems_of(corpus)


def test_duplicate_named_voter_is_refused(tmp_path: Path) -> None:
    """Two ballots of one voter in one vote are a mistake, found at load time."""
    vote = VOTE.replace("  evidence:\n", "  - voter: jon-lansman\n    option: no\n  evidence:\n")
    corpus = make_corpus(tmp_path, BODY + vote)
    [problem] = problems_of(corpus)
    assert "jon-lansman" in problem.message
    assert problem.field.startswith("votes.0")


# --------------------------------------------------------------------- evidence anchoring


def anchored(tmp_path: Path, quote: str, extra: str = "", **kwargs: str) -> Corpus:
    """A corpus whose one evidence has ``quote`` (plus ``extra`` lines, e.g. offsets)."""
    body = edit(BODY, "  - quote: Unite official Jennie Formby\n", f"  - quote: {quote}\n{extra}")
    return make_corpus(tmp_path, body, **kwargs)  # type: ignore[arg-type]


def test_exact_quote_at_its_offsets(tmp_path: Path) -> None:
    """A quote found verbatim at its offsets anchors without change."""
    start = SOURCE_TEXT.index("Unite official")
    corpus = anchored(tmp_path, "Unite official", f"    start: {start}\n    end: {start + 14}\n")
    loaded = kg.load_corpus(corpus.seeds)
    anchors, problems = check_documents(loaded.documents, corpus.sources)
    assert problems == []
    [found] = anchors
    assert (found.start, found.end, found.computed, found.ok) == (start, start + 14, False, True)
    assert found.field == "roles.0.evidence.0"


def test_offsets_are_computed_for_a_unique_quote(tmp_path: Path) -> None:
    """Offsets left out are computed when the quote occurs exactly once."""
    corpus = make_corpus(tmp_path)
    loaded = kg.load_corpus(corpus.seeds)
    [found], problems = check_documents(loaded.documents, corpus.sources)
    start = SOURCE_TEXT.index("Unite official Jennie Formby")
    assert problems == []
    assert (found.start, found.end, found.computed) == (start, start + 28, True)
    assert found.location == Location(str(corpus.path()), *position(corpus.text(), "quote:"))


def test_quote_occurring_several_times_needs_offsets(tmp_path: Path) -> None:
    """An ambiguous quote lists every place it occurs."""
    corpus = anchored(tmp_path, "the NEC will decide")
    [problem] = problems_of(corpus, anchored=True)
    first = SOURCE_TEXT.index("the NEC will decide")
    second = SOURCE_TEXT.index("the NEC will decide", first + 1)
    assert problem.field == "roles.0.evidence.0"
    check(
        problem,
        corpus.path(),
        "quote: the NEC",
        "quote occurs 2 times",
        f"give start/end to pick one: {first}..{first + 19}, {second}..{second + 19}",
    )


@pytest.mark.parametrize(
    ("typed", "in_source"),
    [
        ('"Momentum\'s founder says"', "Momentum’s founder says"),
        ("decide - and the", "decide \u2014 and the"),
        ("decide  \u2013 and  the", "decide \u2014 and the"),
        ("momentum's FOUNDER", "Momentum’s founder"),
    ],
    ids=["curly apostrophe", "em dash", "en dash and spaces", "case"],
)
def test_near_miss_suggests_the_source_spelling(tmp_path: Path, typed: str, in_source: str) -> None:
    """A quote differing only typographically gets the source's own spelling and span."""
    corpus = anchored(tmp_path, typed)
    [problem] = problems_of(corpus, anchored=True)
    start = SOURCE_TEXT.index(in_source)
    check(
        problem,
        corpus.path(),
        "quote:",
        "quote does not occur in the source",
        f"the source has {in_source!r} at {start}..{start + len(in_source)}",
    )


def test_quote_not_in_source_at_all(tmp_path: Path) -> None:
    """With nothing close, there is no suggestion to mislead."""
    corpus = anchored(tmp_path, "Corbyn resigned")
    [problem] = problems_of(corpus, anchored=True)
    check(problem, corpus.path(), "quote:", "quote does not occur in the source", None)


def test_wrong_offsets_say_where_the_quote_is(tmp_path: Path) -> None:
    """Offsets that miss are reported with where the quote actually is."""
    corpus = anchored(tmp_path, "Unite official", "    start: 0\n    end: 14\n")
    [problem] = problems_of(corpus, anchored=True)
    start = SOURCE_TEXT.index("Unite official")
    check(
        problem,
        corpus.path(),
        "quote:",
        "quote is not at 0..14",
        f"it occurs at {start}..{start + 14}",
    )


def test_wrong_offsets_and_no_occurrence(tmp_path: Path) -> None:
    """Offsets for a quote that is nowhere get the near-miss treatment."""
    corpus = anchored(tmp_path, "Momentum's founder", "    start: 0\n    end: 18\n")
    [problem] = problems_of(corpus, anchored=True)
    start = SOURCE_TEXT.index("Momentum’s founder")
    assert problem.message == "quote does not occur in the source"
    assert problem.hint == f"the source has 'Momentum’s founder' at {start}..{start + 18}"


def test_sha256_mismatch(tmp_path: Path) -> None:
    """A changed source file is noticed by its hash, at the 'sha256' line."""
    corpus = make_corpus(tmp_path, source_text=SOURCE_TEXT + "Update: more news.\n")
    problems = problems_of(corpus, anchored=True)
    actual = hashlib.sha256((SOURCE_TEXT + "Update: more news.\n").encode()).hexdigest()
    problem = the_problem(problems, "source.sha256")
    check(
        problem,
        corpus.path(),
        "sha256:",
        f"report.txt has changed: its sha256 is {actual}",
        "kg evidence --fix writes the new hash and moves the quotes it can place",
    )


def test_missing_source_file(tmp_path: Path) -> None:
    """A source file that is not there is reported once, at 'file'."""
    corpus = make_corpus(tmp_path, source_text=None)
    [problem] = problems_of(corpus, anchored=True)
    assert problem.field == "source.file"
    check(problem, corpus.path(), "file: report.txt", f"'report.txt' not found in {corpus.sources}")


def test_evidence_from_another_documents_source(tmp_path: Path) -> None:
    """Evidence may cite another document's source; it is anchored in that text."""
    other_text = "A second text about Formby.\n"
    other = OTHER_SOURCE.replace("report.txt", "second.txt").replace(
        SOURCE_SHA, hashlib.sha256(other_text.encode()).hexdigest()
    ) + CLAIM.replace(
        "  - quote: Jennie Formby is now the favourite\n",
        "  - quote: about Formby\n  - quote: Jennie Formby\n    source: tribune-report\n",
    )
    corpus = make_corpus(tmp_path, files={"second.yaml": other})
    (corpus.sources / "second.txt").write_text(other_text, encoding="utf-8")
    loaded = kg.load_corpus(corpus.seeds)
    anchors, problems = check_documents(loaded.documents, corpus.sources)
    assert problems == []
    assert {(a.quote, a.start) for a in anchors} >= {
        ("about Formby", other_text.index("about Formby")),
        ("Jennie Formby", SOURCE_TEXT.index("Jennie Formby")),
    }


def test_case_insensitive_suggestion_after_dotted_capital_i_does_not_crash(tmp_path: Path) -> None:
    """Any source text and quote give problems, never an exception."""
    text = "İstanbul: Unite official"  # the match ends the text
    corpus = anchored(
        tmp_path,
        "UNITE OFFICIAL",
        source=SOURCE.replace(SOURCE_SHA, hashlib.sha256(text.encode()).hexdigest()),
        source_text=text,
    )
    [problem] = problems_of(corpus, anchored=True)
    assert problem.hint == "the source has 'Unite official' at 10..24"


def test_case_insensitive_suggestion_after_dotted_capital_i_is_aligned() -> None:
    """The suggested span is the text that matched."""
    text = "İİ met him. said ahmed went home."
    *_, hint, _ = anchor(Evidence(quote="Said Ahmed"), text)
    assert hint == "the source has 'said ahmed' at 12..22"


def test_near_miss_with_typed_ellipsis() -> None:
    """Three dots for an ellipsis is as common a near miss as straight quotes."""
    *_, hint, _ = anchor(Evidence(quote="and left..."), "He said it and left\u2026 Then more.")
    assert hint == "the source has 'and left…' at 11..20"


def test_decomposed_quote_matches_the_normalised_source() -> None:
    """Offsets count code points of NFC text; the quote should be compared in NFC too."""
    start, end, problem, *_ = anchor(Evidence(quote="Cafe\u0301 owner"), "The Caf\u00e9 owner said")
    assert problem is None
    assert (start, end) == (4, 14)


# --------------------------------------------------------------------- nothing is written


def test_cli_writes_nothing_when_input_is_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit code 2, the problems on stderr, and no output directory."""
    corpus = make_corpus(tmp_path, edit(BODY, "person: jennie-formby", "person: jenny-formby"))
    out = tmp_path / "out"
    assert main(["build", str(corpus.seeds), "-o", str(out), "-q"]) == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "roles.0.person: unknown organisation, person or unnamed agent id 'jenny-formby'" in err
    assert "nothing was written" in err


def test_cli_keeps_previous_output_when_input_becomes_invalid(tmp_path: Path) -> None:
    """A failed build leaves the last good build byte for byte as it was."""
    corpus = make_corpus(tmp_path)
    out = tmp_path / "out"
    assert main(["build", str(corpus.seeds), "-o", str(out), "-q", "--no-validate"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert "graph.ttl" in before
    corpus.path().write_text(SOURCE + edit(BODY, "role: official", "rol: official"))
    assert main(["build", str(corpus.seeds), "-o", str(out), "-q"]) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_cli_writes_nothing_when_evidence_does_not_anchor(tmp_path: Path) -> None:
    """Anchoring problems stop the build before anything is written, like load problems."""
    corpus = anchored(tmp_path, "Corbyn resigned")
    out = tmp_path / "out"
    args = ["build", str(corpus.seeds), "-o", str(out), "-q", "--sources", str(corpus.sources)]
    assert main(args) == 2
    assert not out.exists()


def test_every_document_section_holds_facts_or_is_handled_by_name() -> None:
    """Loading, resolving and mapping walk FACT_SECTIONS (read off DocumentFile); the only
    sections they handle by name are the source, messages and corroborations, so a new
    section must hold facts to be picked up without further code."""
    assert set(DocumentFile.model_fields) - set(FACT_SECTIONS) == {
        "source",
        "messages",
        "corroborates",
    }


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_line_separator_in_a_value_does_not_shift_line_numbers(
    tmp_path: Path, separator: str
) -> None:
    """Lines are counted as editors count them: at '\\n' only."""
    title = f'title: "Lansman{separator}quits"'
    source = edit(SOURCE, "title: Lansman quits", title) + "  titel: x\n"
    corpus = make_corpus(tmp_path, source=source)
    problem = the_problem(problems_of(corpus), "source.titel")
    check(problem, corpus.path(), "titel:", "unknown field 'titel'", "did you mean 'title'?")
