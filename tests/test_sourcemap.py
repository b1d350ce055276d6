"""The source map: its text form, its parsing back, and splicing it after an edit."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.errors import Location
from kg.mapfile import mapped
from kg.sourcemap import Origins, places_in, sourcemap_json, spliced

KEYS = st.text(
    st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12
)  # any text: quotes, backslashes, control characters and non-ASCII are all escaped or kept
PLACES = st.builds(
    lambda f, line, col: str(Location(f, line, col)),
    st.sampled_from(["seeds/a.yaml", "seeds/b b.yaml", "seeds/é.json"]),
    st.integers(1, 500),
    st.integers(1, 80),
)


@given(st.dictionaries(KEYS, PLACES, max_size=30))
def test_the_map_is_json_dumps_of_the_sorted_origins(texts: dict[str, str]) -> None:
    expected = json.dumps(dict(sorted(texts.items())), indent=1, ensure_ascii=False) + "\n"
    assert sourcemap_json(Origins(texts)) == expected.encode("utf-8")


@given(
    st.dictionaries(KEYS, PLACES, max_size=30),
    st.dictionaries(KEYS, PLACES, max_size=8),
    st.sets(KEYS, max_size=8),
)
def test_a_spliced_map_equals_the_map_made_afresh(
    before: dict[str, str], changes: dict[str, str], removed: set[str]
) -> None:
    after = {**before, **changes}
    for key in removed:
        after.pop(key, None)
    # the keys that may differ: those changed or removed, and some that did not change
    keys = set(changes) | removed | set(list(before)[:2])
    made = spliced(sourcemap_json(Origins(before)), {key: after.get(key) for key in keys})
    assert made == sourcemap_json(Origins(after))
    with tempfile.TemporaryDirectory() as scratch:  # as a rebuild reads it: mapped
        kept = Path(scratch) / "sourcemap.json"
        kept.write_bytes(sourcemap_json(Origins(before)))
        in_place = mapped(kept)
        assert in_place is not None
        assert spliced(in_place, {key: after.get(key) for key in keys}) == made
        assert places_in(in_place, keys) == {k: before[k] for k in keys if k in before}


def test_a_map_not_written_by_kg_is_refused() -> None:
    with pytest.raises(ValueError, match="not a source map"):
        spliced(b"not a map", {"a": "x.yaml:1:1"})


@given(st.dictionaries(KEYS, PLACES, max_size=30), st.lists(KEYS, max_size=5))
def test_a_map_backed_origins_finds_what_a_dict_does(
    texts: dict[str, str], others: list[str]
) -> None:
    backed = Origins.of_map(sourcemap_json(Origins(texts)))
    for key in [*texts, *others]:
        assert (key in backed) == (key in texts)
        if key in texts:
            assert backed.text(key) == texts[key]
            assert backed[key] == Location.parse(texts[key])
    assert dict(backed.texts) == texts and len(backed) == len(texts)


@given(PLACES)
def test_places_read_back(text: str) -> None:
    assert str(Location.parse(text)) == text


@given(st.dictionaries(KEYS, PLACES, max_size=30), st.lists(KEYS, max_size=8))
def test_places_are_found_in_one_pass_as_one_by_one(
    texts: dict[str, str], others: list[str]
) -> None:
    rendered = sourcemap_json(Origins(texts))
    wanted = [*list(texts)[:5], *others]
    assert places_in(rendered, wanted) == {k: texts[k] for k in wanted if k in texts}
