"""Answers about SPARQL queries kept between builds: reused when intact, ignored when not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg import query_memo, sparql_rules, sparql_safety
from kg.validation import default_shapes


def _forget() -> None:
    query_memo._answers.clear()


def test_a_second_process_parses_no_query(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _forget()
    _, rules = sparql_rules.split_shapes(default_shapes())
    predicates = sparql_rules.predicates_read(rules)
    query_memo.save(tmp_path)
    _forget()  # as a new process starts
    query_memo.load(tmp_path)

    def no_parsing(query: str) -> None:
        raise AssertionError("a remembered query was parsed again")

    monkeypatch.setattr(sparql_safety, "algebra_of", no_parsing)
    monkeypatch.setattr(sparql_rules, "algebra_of", no_parsing)
    _, again = sparql_rules.split_shapes(default_shapes())
    assert [r.query for r in again] == [r.query for r in rules]
    assert sparql_rules.predicates_read(again) == predicates


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        json.dumps({"kg": "0.0.0-other", "answers": {}}).encode(),
        json.dumps({"kg": None, "answers": []}).encode(),
    ],
)
def test_unusable_answers_are_ignored(tmp_path: Path, content: bytes) -> None:
    _forget()
    (tmp_path / query_memo.MEMO_FILE).write_bytes(content)
    query_memo.load(tmp_path)
    assert query_memo._answers == {}


def test_answers_of_the_wrong_shape_are_dropped(tmp_path: Path) -> None:
    from kg import __version__

    _forget()
    answers = {"joinable\0abc": True, "predicates\0def": [1, 2], "predicates\0ghi": ["p"]}
    (tmp_path / query_memo.MEMO_FILE).write_text(
        json.dumps({"kg": __version__, "answers": answers})
    )
    query_memo.load(tmp_path)
    assert query_memo._answers == {"joinable\0abc": True, "predicates\0ghi": ["p"]}
