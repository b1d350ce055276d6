"""Adding a fact kind is a model class, a field on DocumentFile and `kg generate`.

The test does what the README tells a developer to do, in a copy of the source tree:
it writes a new model module, adds one field to ``DocumentFile``, runs ``kg generate``,
and then checks, in a fresh interpreter running the copy, that every place the models
feed picked the new kind up with no other edit: the fact sections, the mapped models,
evidence anchoring, the mapping, SHACL validation with the generated shapes, the
ontology, the JSON Schema and the docs' tables.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "fixtures" / "golden" / "seeds"

PETITION_MODULE = '''\
"""Petitions: a fact kind added by tests/test_new_fact_kind.py."""

from __future__ import annotations

from typing import Annotated, ClassVar

from kg.dates import PartialDate
from kg.models.base import AGENT, Count, Id, NonEmptyText, ref
from kg.models.facts import DATE, Fact
from kg.namespaces import KG
from kg.rdfmeta import Predicate


class Petition(Fact):
    """A petition someone started, and how many signed it."""

    rdf_type: ClassVar = KG.Petition
    iri_segment: ClassVar = "petition"

    demand: Annotated[NonEmptyText, Predicate(KG.petitionDemand)]
    """What the petition asks for."""
    organiser: Annotated[Id, ref(*AGENT), Predicate(KG.petitionOrganiser)]
    """Who started it."""
    signatures: Annotated[Count | None, Predicate(KG.signatureCount)] = None
    """How many signed it."""
    date: Annotated[PartialDate | None, DATE] = None
    """When it was handed in."""
'''

PETITIONS_SECTION = """
petitions:
  - id: harbour-youth-petition-2021
    demand: Keep the youth wing
    organiser: cora-lind
    signatures: 1200
    date: "2021-05"
    evidence:
      - quote: "Cora Lind withdrew before the vote"
"""

CHECKS = """
import json, sys
from pathlib import Path

import kg
from kg.models import FACT_SECTIONS, MAPPED_MODELS
from kg.schema import json_schema

root = Path(sys.argv[1])
assert Path(kg.__file__).resolve().is_relative_to(root), kg.__file__
seeds = root / "seeds"
result = kg.build(seeds, sources_dir=root / "sources")  # quotes anchored in the text
rows = kg.query(
    result,
    "SELECT ?count ?source WHERE { ?p a kg:Petition ; kg:signatureCount ?count ; "
    "kg:petitionOrganiser ?who ; prov:wasDerivedFrom ?source }",
).dicts()
bad = kg.validate(
    "@prefix kg: <https://w3id.org/kg/ns#> . "
    "<https://example.org/p> a kg:Petition ; kg:signatureCount \\"many\\" .",
)
schema = json_schema()
print(json.dumps({
    "sections": list(FACT_SECTIONS),
    "mapped": [m.__name__ for m in MAPPED_MODELS],
    "conforms": result.report.conforms,
    "anchored": [str(row["start"]) for row in kg.query(
        result,
        "SELECT ?start WHERE { ?p a kg:Petition ; kg:evidence/oa:hasSelector/oa:start ?start }",
    ).dicts()],
    "rows": [{k: str(v) for k, v in row.items()} for row in rows],
    "bad": sorted(
        f"{r.path.rsplit('#', 1)[-1]} {r.component.rsplit('#', 1)[-1]}" for r in bad.results
    ),
    "schema_sections": list(schema["properties"]),
    "schema_defs": sorted(schema["$defs"]),
}))
"""


def _copy_tree(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("kg", "ontology", "shapes", "docs", "examples"):
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    shutil.copytree(GOLDEN, target / "seeds")
    shutil.copytree(GOLDEN.parent / "sources", target / "sources")


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, *args], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


def _kg(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _run(root, "-c", "import sys; from kg.cli import main; sys.exit(main())", *args)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the source tree with a Petition fact kind added the documented way."""
    root = tmp_path_factory.mktemp("new-kind")
    _copy_tree(root)
    (root / "kg" / "models" / "petitions.py").write_text(PETITION_MODULE, encoding="utf-8")
    files = root / "kg" / "models" / "files.py"
    text = files.read_text(encoding="utf-8")
    text = text.replace(
        "from kg.models.names import NameStatement\n",
        "from kg.models.names import NameStatement\nfrom kg.models.petitions import Petition\n",
    )
    anchor = "    corroborates: list[Corroboration] = []\n"
    assert anchor in text
    field = '    petitions: list[Petition] = []\n    """Petitions and their signatures."""\n'
    text = text.replace(anchor, field + anchor)
    files.write_text(text, encoding="utf-8")
    document = root / "seeds" / "report.yaml"
    document.write_text(document.read_text(encoding="utf-8") + PETITIONS_SECTION, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def generated(tree: Path) -> subprocess.CompletedProcess[str]:
    before = _kg(tree, "generate", "--check")
    assert before.returncode == 1, "the copy's generated files should be stale before generating"
    return _kg(tree, "generate")


def test_generate_writes_shapes_ontology_and_docs(
    tree: Path, generated: subprocess.CompletedProcess[str]
) -> None:
    assert generated.returncode == 0, generated.stderr
    for name in ("ontology/kg.ttl", "shapes/shapes.ttl", "docs/extraction-format.md"):
        assert str(tree / name) in generated.stderr, f"{name} not rewritten: {generated.stderr}"
    assert _kg(tree, "generate", "--check").returncode == 0

    ontology = (tree / "ontology" / "kg.ttl").read_text(encoding="utf-8")
    assert "kg:Petition a owl:Class" in ontology
    assert "kg:signatureCount a owl:DatatypeProperty" in ontology
    assert "kg:petitionOrganiser a owl:ObjectProperty" in ontology

    shapes = (tree / "shapes" / "shapes.ttl").read_text(encoding="utf-8")
    assert "kgsh:PetitionShape a sh:NodeShape" in shapes
    assert "sh:targetClass kg:Petition" in shapes
    assert "kgsh:Petition-signatures a sh:PropertyShape" in shapes

    docs = (tree / "docs" / "extraction-format.md").read_text(encoding="utf-8")
    row = "| `petitions` | list of [petition](#petition) | no | Petitions and their signatures. |"
    assert row in docs
    other = docs.split("<!-- kg generate: other models -->\n")[1].split("<!-- end kg generate")[0]
    assert other.startswith("\n#### petition\n\nA petition someone started")
    assert "| `signatures` | integer ≥ 0 | no | How many signed it. |" in other
    assert "| class | `kg:Petition`; IRI `<base>petition/<id>` |" in other
    assert "| `signatures` | `kg:signatureCount` (`xsd:integer`) |" in other
    assert "| `organiser` | ref(person, organisation, unnamed agent) | yes | Who started it. |" in (
        other
    )
    reference = "| petition `organiser` | person, organisation, unnamed agent |\n"
    assert reference in docs
    # Nothing else in the docs moved: only the section row, the new table and the
    # reference row were added.
    original = (ROOT / "docs" / "extraction-format.md").read_text(encoding="utf-8")
    assert docs.replace(row + "\n", "").replace(other, "").replace(reference, "") == original


def test_sections_mapping_validation_and_schema_follow(
    tree: Path, generated: subprocess.CompletedProcess[str]
) -> None:
    assert generated.returncode == 0, generated.stderr
    checked = _run(tree, "-c", textwrap.dedent(CHECKS), str(tree))
    assert checked.returncode == 0, checked.stderr
    found = json.loads(checked.stdout)
    assert found["sections"][-1] == "petitions"
    assert "Petition" in found["mapped"]
    assert found["conforms"], "the new kind's own shapes reject its mapped data"
    text = (GOLDEN.parent / "sources" / "report.txt").read_text(encoding="utf-8")
    assert found["anchored"] == [str(text.index("Cora Lind withdrew before the vote"))]
    assert found["rows"] == [
        {"count": "1200", "source": "https://w3id.org/kg/id/source/harbour-report"}
    ]
    # A bare petition with a text count breaks exactly the constraints its model states.
    assert found["bad"] == [
        "evidence> MinCountConstraintComponent>",
        "petitionDemand> MinCountConstraintComponent>",
        "petitionOrganiser> MinCountConstraintComponent>",
        "signatureCount> DatatypeConstraintComponent>",
        "signatureCount> MinInclusiveConstraintComponent>",
        "wasDerivedFrom> MinCountConstraintComponent>",
    ]
    assert "petitions" in found["schema_sections"]
    assert "Petition" in found["schema_defs"]
