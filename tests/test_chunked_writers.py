"""The writers that build large outputs a chunk at a time give the bytes of the plain ones.

At ten million statements a whole-document copy is about a gigabyte, so the source
map, the TriG join and the Turtle tidy-up (:func:`kg.io._readable`) write into one
growing buffer instead of making several; these tests cut the chunks tiny and compare
with the straightforward construction.
"""

from __future__ import annotations

import importlib
import io
import json
import re
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg import io as kio
from kg.errors import Location

sourcemap_module = importlib.import_module("kg.sourcemap")
_END = re.compile(rb"( \.|\})\n")


def _plain_readable(data: bytes) -> bytes:
    head_end = 0
    while data.startswith(b"@prefix", head_end):
        head_end = data.index(b"\n", head_end) + 1
    prefixes = sorted(data[:head_end].splitlines(keepends=True))
    body = _END.sub(rb"\1\n\n", data[head_end:]).rstrip(b"\n")
    return b"".join(prefixes) + b"\n" + body + b"\n" if body else b"".join(prefixes)


_PIECES = [b"a", b" .", b"}", b"\n", b" ", b"x .\n", b"\n\n", b"<g> {\n"]


_TIDIERS = {
    "in memory": kio._readable,
    # Oxigraph writes a large Turtle document to a temporary file (kg.io.turtle)
    "from a file": lambda data: kio._readable_file(io.BytesIO(data)),
}


@pytest.mark.parametrize("tidy", sorted(_TIDIERS))
@given(
    prefixes=st.lists(st.sampled_from([b"@prefix b: <x> .\n", b"@prefix a: <y> .\n"]), max_size=3),
    body=st.lists(st.sampled_from(_PIECES), max_size=16),
    chunk=st.integers(1, 8),
)
def test_tidying_turtle_a_chunk_at_a_time_gives_the_same_bytes(
    tidy: str, prefixes: list[bytes], body: list[bytes], chunk: int
) -> None:
    data = b"".join(prefixes + body)
    with mock.patch.object(kio, "_CHUNK", chunk):
        assert _TIDIERS[tidy](data) == _plain_readable(data)


@given(blocks=st.lists(st.sampled_from([b"", b"<g> {\n  a b c .\n}\n", b"x\n"]), max_size=6))
def test_trig_blocks_join_as_before(blocks: list[bytes]) -> None:
    joined = kio.prefix_header() + b"\n" + b"\n".join(block for block in blocks if block)
    assert kio.trig(iter(blocks)) == joined


@given(
    st.dictionaries(
        st.text(min_size=1),
        st.builds(Location, st.text(), st.none() | st.integers(1, 10**6), st.none()),
        max_size=12,
    ),
    st.integers(1, 4),
)
def test_the_source_map_in_chunks_gives_the_bytes_of_json_dumps(
    origins: dict[str, Location], chunk: int
) -> None:
    expected = {key: str(loc) for key, loc in sorted(origins.items())}
    text = json.dumps(expected, indent=1, ensure_ascii=False) + "\n"
    with mock.patch.object(sourcemap_module, "_CHUNK", chunk):
        assert sourcemap_module.sourcemap_json(origins) == text.encode("utf-8")


_IRI_CHARS = st.characters(
    min_codepoint=0x21, max_codepoint=0x3000, exclude_characters='<>"{}|^`\\'
)
_IRIS = st.text(_IRI_CHARS, max_size=6).map(lambda t: f"<x{t}>")
_BLANKS = st.text("ab01", min_size=1, max_size=4).map(lambda t: f"_:{t}")
_LITERALS = st.builds(
    lambda text, suffix: f'"{text}"{suffix}',
    st.text(
        st.characters(min_codepoint=0x20, max_codepoint=0x3000, exclude_characters='"\\'),
        max_size=5,
    ),
    st.sampled_from(["", "@en", "@en-gb", "^^<http://www.w3.org/2001/XMLSchema#integer>"]),
)
_PREDICATES = st.sampled_from([kio._TYPE, "<x>", "<x/y>", "<xa>", "<http://a>"])


@given(
    st.lists(
        st.tuples(_IRIS | _BLANKS, _PREDICATES, _IRIS | _BLANKS | _LITERALS, st.just("<g>")),
        max_size=30,
    )
)
def test_the_union_sorted_as_tuples_is_in_statement_key_order(
    quads: list[tuple[str, str, str, str]],
) -> None:
    by_key = [
        key.replace("\0", " ", 1) + " ."
        for key in sorted({kio.statement_key(*q[:3]) for q in quads})
    ]
    assert list(kio._union_lines(kio._sorted_union(quads))) == by_key
