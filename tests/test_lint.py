"""kg lint: numbers and dates only in notes, quotes that do not name their subject."""

from __future__ import annotations

from pathlib import Path

import pytest

import kg
from kg.cli import main
from kg.lint import Finding, lint, note_tokens

REGISTRY = """\
people:
- id: jon-lansman
  name: Jon Lansman
  aliases: [JL]
- id: jennie-formby
  name: Jennie Formby
organisations:
- id: momentum
  name: Momentum
  kind: campaign-group
- id: labour-party
  name: Labour Party
  kind: party
posts:
- id: labour-general-secretary
  name: General Secretary of the Labour Party
  organisation: labour-party
"""

SOURCE = """\
source:
  id: report
  file: report.txt
  sha256: "0000000000000000000000000000000000000000000000000000000000000000"
  title: A report
  kind: news-report
"""


def findings(tmp_path: Path, body: str) -> list[Finding]:
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)
    (seeds / "registry.yaml").write_text(REGISTRY, encoding="utf-8")
    (seeds / "report.yaml").write_text(SOURCE + body, encoding="utf-8")
    return lint(kg.load_corpus(seeds))


VOTE = """\
votes:
- id: momentum-ballot-2019-06
  motion: Adopt the new rules
  body: momentum
  date: "2019-06"
{extra}  note: {note}
  evidence:
  - quote: Momentum's members voted
"""


def vote(note: str, extra: str = "") -> str:
    return VOTE.format(note=note, extra=extra)


def test_a_count_only_in_a_note_is_found_where_the_note_is(tmp_path: Path) -> None:
    [finding] = findings(tmp_path, vote("'Some 4,150 members took part.'"))
    assert finding.check == "note-numbers"
    assert finding.field == "votes.0.note"
    assert finding.location.line == 12
    assert "4150" in finding.message


def test_a_count_in_its_field_is_not_a_finding(tmp_path: Path) -> None:
    note = "'Some 4,150 members took part.'"
    assert findings(tmp_path, vote(note, extra="  ballots_cast: 4150\n")) == []


def test_dates_compare_with_the_date_fields(tmp_path: Path) -> None:
    assert findings(tmp_path, vote("Held over June 2019.")) == []
    [finding] = findings(tmp_path, vote("The result came on 3 July 2019."))
    assert "3" in finding.message and "July" in finding.message


def test_ids_and_source_numbers_are_references_not_facts(tmp_path: Path) -> None:
    note = "Sources 000 and 003 agree; see momentum-ballot-2019-09 and labour-nec-election-2020."
    assert findings(tmp_path, vote(note)) == []
    assert note_tokens("rule 2.1.4.B, on 2017-01-10") == {"2.1.4", "2017", "1", "10"}


def test_a_note_marked_checked_is_quiet(tmp_path: Path) -> None:
    body = vote("'Counted twice: 357 in one report.'", extra="  checked: [note-numbers]\n")
    assert findings(tmp_path, body) == []


TENURE = """\
roles:
- id: formby-general-secretary
  person: jennie-formby
  post: labour-general-secretary
{extra}  evidence:
  - quote: {quote}
"""


@pytest.mark.parametrize(
    "quote", ["Jennie Formby was appointed", "Formby's appointment", "FORMBY takes over"]
)
def test_a_quote_naming_the_subject_by_name_or_surname_is_enough(
    tmp_path: Path, quote: str
) -> None:
    assert findings(tmp_path, TENURE.format(quote=quote, extra="")) == []


def test_a_tenure_whose_quotes_never_name_the_person_is_found(tmp_path: Path) -> None:
    [finding] = findings(tmp_path, TENURE.format(quote="she was appointed", extra=""))
    assert finding.check == "quote-names-subject"
    assert finding.field == "roles.0.person"
    assert "'jennie-formby' (Jennie Formby / Formby)" in finding.message


def test_a_corroborating_quote_from_another_document_counts(tmp_path: Path) -> None:
    other = (
        SOURCE.replace("id: report", "id: other").replace("report.txt", "other.txt")
        + "corroborates:\n- fact: formby-general-secretary\n  evidence:\n"
        + "  - quote: Jennie Formby, the new general secretary\n"
    )
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "other.yaml").write_text(other, encoding="utf-8")
    assert findings(tmp_path, TENURE.format(quote="she was appointed", extra="")) == []


def test_an_unnamed_subject_marked_checked_is_quiet(tmp_path: Path) -> None:
    body = TENURE.format(quote="she was appointed", extra="  checked: [quote-names-subject]\n")
    assert findings(tmp_path, body) == []


def test_candidacies_are_checked_one_by_one(tmp_path: Path) -> None:
    body = """\
elections:
- id: gs-election
  name: General secretary election
  post: labour-general-secretary
  candidacies:
  - candidate: jon-lansman
    evidence:
    - quote: JL stood
  - candidate: jennie-formby
    evidence:
    - quote: the favourite
  evidence:
  - quote: the contest
"""
    [finding] = findings(tmp_path, body)
    assert finding.field == "elections.0.candidacies.1.candidate"


def test_cli_lists_findings_and_fails_only_when_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    findings(tmp_path, TENURE.format(quote="she was appointed", extra=""))
    seeds = str(tmp_path / "seeds")
    assert main(["lint", seeds, "-q"]) == 0
    out = capsys.readouterr().out
    assert "report.yaml:9:3: info: quote-names-subject: roles.0.person: no quote names" in out
    assert main(["lint", seeds, "--strict", "-q"]) == 1


def test_the_seed_corpus_has_no_unexplained_finding(seeds_dir: Path) -> None:
    """Issue 18's bar: no number or date only in a note, no quote missing its subject,
    unless the record says it was looked at (``checked``)."""
    assert [str(f) for f in lint(kg.load_corpus(seeds_dir))] == []
