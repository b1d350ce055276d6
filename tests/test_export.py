"""kg export popolo|csv: round trips against the graph's own counts (SPARQL), field names
from the Popolo schemas, determinism."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from kg.cli import main
from kg.query import open_store, run_query_store

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

POPOLO_FIELDS = {
    # the properties each Popolo JSON schema (popoloproject.com/schemas/*.json) allows
    "persons": {"id", "name", "other_names", "identifiers", "summary", "sources"},
    "organizations": {
        "id", "name", "other_names", "identifiers", "classification", "parent_id",
        "description", "founding_date", "dissolution_date", "sources",
    },
    "posts": {"id", "label", "organization_id", "sources"},
    "memberships": {
        "id", "label", "role", "person_id", "member", "organization_id", "post_id",
        "start_date", "end_date", "sources",
    },
    "events": {
        "id", "name", "description", "classification", "start_date", "status",
        "organization_id", "parent_id", "attendees", "sources",
    },
    "motions": {
        "id", "organization_id", "creator_id", "text", "date", "result", "vote_events",
        "sources",
    },
    "vote_events": {
        "id", "motion_id", "organization_id", "start_date", "result", "counts", "votes",
        "sources",
    },
}  # fmt: skip
DATE = re.compile(r"^\d{4}(-\d{2}){0,2}$")


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    assert main(["build", str(SEEDS), "-o", str(out), "-q"]) == 0
    return out


def count(build_dir: Path, cls: str) -> int:
    store = open_store(build_dir / "graph.trig")
    answer = run_query_store(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a {cls} }}")
    return int(str(answer.rows[0][0]))


@pytest.fixture(scope="module")
def exported(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("popolo") / "popolo.json"
    assert main(["export", "popolo", str(build_dir), "-o", str(out), "-q"]) == 0
    data: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return data


def test_popolo_counts_match_the_graph(
    exported: dict[str, list[dict[str, object]]], build_dir: Path
) -> None:
    expected = {
        "persons": count(build_dir, "foaf:Person"),
        "organizations": count(build_dir, "org:Organization"),
        "posts": count(build_dir, "org:Post"),
        "memberships": count(build_dir, "kg:Tenure"),
        "events": count(build_dir, "kg:Election")
        + count(build_dir, "kg:DisciplinaryAction")
        + count(build_dir, "kg:OrganisationalChange"),
        "motions": count(build_dir, "opengov:VoteEvent"),
        "vote_events": count(build_dir, "opengov:VoteEvent"),
    }
    assert {k: len(v) for k, v in exported.items()} == expected
    votes = sum(len(e.get("votes", [])) for e in exported["vote_events"])  # type: ignore[arg-type,misc]
    assert votes == count(build_dir, "opengov:Vote") > 0


def test_popolo_fields_follow_the_schemas(exported: dict[str, list[dict[str, object]]]) -> None:
    for collection, objects in exported.items():
        ids = [o["id"] for o in objects]
        assert len(ids) == len(set(ids)), collection
        for obj in objects:
            assert set(obj) <= POPOLO_FIELDS[collection], (
                collection,
                set(obj) - POPOLO_FIELDS[collection],
            )
            for name in ("start_date", "end_date", "date", "founding_date"):
                if name in obj:
                    assert DATE.match(str(obj[name])), obj
    for vote_event in exported["vote_events"]:
        for c in vote_event.get("counts", []):  # type: ignore[attr-defined]
            assert set(c) == {"option", "value"} and c["option"] in {"yes", "no", "abstain"}
        for v in vote_event.get("votes", []):  # type: ignore[attr-defined]
            assert set(v) <= {"id", "vote_event_id", "voter_id", "option"}
            assert v["vote_event_id"] == vote_event["id"]
    persons = {p["id"] for p in exported["persons"]}
    organizations = {o["id"] for o in exported["organizations"]}
    for m in exported["memberships"]:
        assert m.get("person_id", "") in persons | {""}
        assert m.get("organization_id") is None or m["organization_id"] in organizations
        assert m["sources"] and all("url" in s for s in m["sources"])  # type: ignore[union-attr]


def test_popolo_known_values(exported: dict[str, list[dict[str, object]]]) -> None:
    by_id = {o["id"]: o for objects in exported.values() for o in objects}
    nec_vote = by_id["https://w3id.org/kg/id/vote/labour-nec-vote-2019-fast-track-expulsions"]
    assert nec_vote["result"] == "pass" and nec_vote["start_date"] == "2019-09-25"
    assert {"option": "no", "value": 4} in nec_vote["counts"]  # type: ignore[operator]
    lansman = by_id["https://w3id.org/kg/id/person/jon-lansman"]
    assert {s["url"].rsplit("/", 1)[1] for s in lansman["sources"]} >= {  # type: ignore[attr-defined,index]
        "momentums-lansman-quits-gen-sec-contest",
        "lansman-my-legacy-isnt-complete",
    }
    assert lansman["name"] == "Jon Lansman" and {"name": "Lansman"} in lansman["other_names"]  # type: ignore[operator]


CSV_CLASSES = {
    "people.csv": "foaf:Person",
    "organisations.csv": "org:Organization",
    "posts.csv": "org:Post",
    "tenures.csv": "kg:Tenure",
    "elections.csv": "kg:Election",
    "candidacies.csv": "kg:Candidacy",
    "votes.csv": "opengov:VoteEvent",
    "ballots.csv": "opengov:Vote",
    "disciplinary_actions.csv": "kg:DisciplinaryAction",
    "organisational_changes.csv": "kg:OrganisationalChange",
    "claims.csv": "kg:Claim",
    "evidence.csv": "oa:SpecificResource",
    "sources.csv": "kg:SourceDocument",
}


def test_csv_one_file_per_class_rows_match_the_graph(build_dir: Path, tmp_path: Path) -> None:
    assert main(["export", "csv", str(build_dir), "-o", str(tmp_path / "a"), "-q"]) == 0
    for name, cls in CSV_CLASSES.items():
        with (tmp_path / "a" / name).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == count(build_dir, cls), name
        assert len({r["id"] for r in rows}) == len(rows)
    with (tmp_path / "a" / "evidence.csv").open(encoding="utf-8", newline="") as handle:
        evidence = list(csv.DictReader(handle))
    assert all(r["quote"] and int(r["end"]) > int(r["start"]) and r["facts"] for r in evidence)
    tenures = (tmp_path / "a" / "tenures.csv").read_text(encoding="utf-8")
    header = next(csv.reader(io.StringIO(tenures)))
    assert {"org:member", "org:organization", "schema:startDate", "kg:tenureStatus"} <= set(header)
    # deterministic: a second export is byte-identical
    assert main(["export", "csv", str(build_dir), "-o", str(tmp_path / "b"), "-q"]) == 0
    for path in (tmp_path / "a").iterdir():
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes()


def test_new_classes_get_a_table_without_code_changes(tmp_path: Path) -> None:
    from kg.export.csv import csv_tables
    from kg.graphview import read_view

    graph = tmp_path / "g.ttl"
    graph.write_text(
        "@prefix kg: <https://w3id.org/kg/ns#> .\n"
        '<https://w3id.org/kg/id/message/m1> a kg:PrivateMessage ; kg:sentOn "2020" .\n',
        encoding="utf-8",
    )
    tables = csv_tables(read_view(graph))
    assert tables["private_message.csv"].decode() == (
        "id,label,kg:sentOn\nhttps://w3id.org/kg/id/message/m1,m1,2020\n"
    )


def test_popolo_export_is_deterministic(build_dir: Path, tmp_path: Path) -> None:
    for name in ("a.json", "b.json"):
        assert main(["export", "popolo", str(build_dir), "-o", str(tmp_path / name), "-q"]) == 0
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_export_of_a_missing_build_is_an_input_error(tmp_path: Path) -> None:
    assert main(["export", "csv", str(tmp_path), "-o", str(tmp_path / "out"), "-q"]) == 2
    assert not (tmp_path / "out").exists()
