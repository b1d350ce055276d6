"""The guide's generated tables: rewritten in place, checked for staleness, errors located."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.cli import main
from kg.docgen import render
from kg.errors import KgError

ROOT = Path(__file__).resolve().parent.parent

GUIDE = """\
# Guide

## 8. Partial dates

<!-- kg generate: anchor PartialDate -->

## Evidence

Hand-written prose stays.

<!-- kg generate: fields Evidence -->
| stale | table |
<!-- end kg generate -->

### corroborates

<!-- kg generate: fields Corroboration -->
<!-- end kg generate -->

Closing prose.
"""


def test_blocks_are_rewritten_and_prose_kept() -> None:
    text = render(GUIDE)
    assert "| stale | table |" not in text
    assert "Hand-written prose stays.\n\n<!-- kg generate: fields Evidence -->\n| Field |" in text
    assert "| `quote` | string of 3 to 300 characters | yes |" in text
    # Links go to the heading above the block documenting the linked model.
    assert "| `evidence` | list of [evidence](#evidence), at least 1 | yes |" in text
    assert text.endswith("<!-- end kg generate -->\n\nClosing prose.\n")
    assert render(text) == text


def test_fields_beyond_a_base_leave_its_fields_out() -> None:
    block = "<!-- kg generate: fields Tenure beyond Fact -->\n<!-- end kg generate -->\n"
    text = render("## t\n\n" + block)
    assert "`person`" in text
    assert "`evidence`" not in text and "`certainty`" not in text


@pytest.mark.parametrize(
    ("guide", "message"),
    [
        ("a\n<!-- kg generate: fields Nope -->\n<!-- end kg generate -->\n", "md:2: no model"),
        ("a\n\n<!-- kg generate: fields Evidence -->\n| x |\n", "guide.md:3: 'fields Evidence'"),
        ("<!-- kg generate: tables -->\n<!-- end kg generate -->\n", "guide.md:1: unknown"),
    ],
)
def test_bad_markers_name_the_line(guide: str, message: str) -> None:
    with pytest.raises(KgError, match=message):
        render(guide, "guide.md")


def test_generate_check_fails_on_a_hand_edited_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("ontology", "shapes", "docs"):
        shutil.copytree(ROOT / name, tmp_path / name)
    guide = tmp_path / "docs" / "extraction-format.md"
    assert main(["generate", "--check", "--root", str(tmp_path)]) == 0
    original = guide.read_text(encoding="utf-8")
    guide.write_text(original.replace("| `quote` | string of 3", "| `quote` | text of 3"), "utf-8")
    assert main(["generate", "--check", "--root", str(tmp_path)]) == 1
    assert f"stale: {guide}" in capsys.readouterr().err
    assert main(["generate", "--root", str(tmp_path)]) == 0
    assert guide.read_text(encoding="utf-8") == original


def test_references_and_enumerations_are_read_off_the_fields() -> None:
    text = render(
        "## 6\n\n<!-- kg generate: references -->\n<!-- end kg generate -->\n"
        "## 7\n\n<!-- kg generate: enumerations -->\n| old |\n<!-- end kg generate -->\n"
    )
    assert "| tenure `post` | post |\n" in text
    assert "| every fact `according_to` | person, organisation, unnamed agent |\n" in text
    assert "| claim `about` | any record |\n" in text
    # A member's docstring becomes its gloss; a base class's field is 'every ...'.
    assert "| `Certainty` | every fact `certainty` | `reported` (the source states it" in text
    assert "| old |" not in text


def test_rdf_tables_say_what_the_mapper_writes() -> None:
    text = render(
        "## votes\n\n<!-- kg generate: rdf MotionVote beyond Fact -->\n<!-- end kg generate -->\n"
    )
    assert "| class | `opengov:VoteEvent`; IRI `<base>vote/<id>` |" in text
    assert '| `result` | `opengov:result` (plain string `"pass"` ...) |' in text
    assert "| `date` | `dcterms:date` with `kg:datePrecision`, `kg:dateQualifier` |" in text
    assert "`opengov:vote` → `opengov:Vote`, IRI `<parent IRI>/ballot/<voter>`" in text
    assert "`kg:evidence`" not in text  # a field of Fact: the table of every fact has it
