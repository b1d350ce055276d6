"""Source ingestion: normalised text with stable offsets, metadata, and hostile input refused."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from kg.errors import SourceError
from kg.sources import normalise, read_source


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_plain_text_is_normalised_and_hashed_by_its_bytes(tmp_path: Path) -> None:
    raw = "\ufeffLine one\r\nCafe\u0301 – “quoted”\rend".encode()
    path = write(tmp_path, "a.txt", raw)
    source = read_source(path)
    assert source.text == "Line one\nCafé – “quoted”\nend"
    assert source.sha256 == hashlib.sha256(raw).hexdigest()
    assert source.kind == "text"


def test_normalise_is_idempotent() -> None:
    text = "a\r\nb\u0301\ufeff"
    assert normalise(normalise(text)) == normalise(text)


def test_seed_sources_are_already_normal(sources_dir: Path) -> None:
    """The offsets in seeds/ count code points of these texts as they are."""
    for path in sorted(sources_dir.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        assert read_source(path).text == raw, path.name


def test_non_utf8_text_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "latin1.txt", "caf\xe9".encode("latin-1"))
    with pytest.raises(SourceError, match="not UTF-8"):
        read_source(path)


def test_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "x" * 2048)
    with pytest.raises(SourceError, match="exceeds the limit"):
        read_source(path, max_bytes=1024)


HTML = """<!DOCTYPE html>
<html><head>
<title>Party news | The Paper</title>
<meta name="author" content="Ada Quill">
<meta property="article:published_time" content="2021-05-04">
<meta property="og:site_name" content="The Paper">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Party picks secretary",
 "author": [{"@type": "Person", "name": "Ada Quill"}], "publisher": {"name": "The Paper"}}</script>
<style>p { color: red }</style>
</head><body>
<nav>Home</nav>
<article><h1>First story</h1><p>The committee   met on
Monday.</p><p>It voted 9&ndash;4.</p></article>
<article><h2>Second story</h2><p>Another <em>short</em> piece.</p></article>
<script>alert("not text")</script>
</body></html>"""


def test_html_text_metadata_and_articles(tmp_path: Path) -> None:
    source = read_source(write(tmp_path, "page.html", HTML))
    assert source.kind == "html"
    assert source.text == (
        "Home\nFirst story\nThe committee met on Monday.\nIt voted 9–4.\n"
        "Second story\nAnother short piece."
    )
    assert source.metadata["title"] == "Party news | The Paper"
    assert source.metadata["authors"] == ["Ada Quill"]
    assert source.metadata["published"] == "2021-05-04"
    assert source.metadata["publisher"] == "The Paper"
    titles = [a.title for a in source.articles]
    assert titles == ["First story", "Second story"]
    first = source.articles[0]
    assert source.text[first.start : first.end] == (
        "First story\nThe committee met on Monday.\nIt voted 9–4."
    )


def test_html_json_ld_fills_what_meta_lacks(tmp_path: Path) -> None:
    html = HTML.replace('<meta name="author" content="Ada Quill">', "").replace(
        "<title>Party news | The Paper</title>", ""
    )
    source = read_source(write(tmp_path, "page.html", html))
    assert source.metadata["title"] == "Party picks secretary"
    assert source.metadata["authors"] == ["Ada Quill"]


TEI = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0">
  <teiHeader><fileDesc><titleStmt><title>A  letter</title><author>Jon Doe</author>
  </titleStmt></fileDesc></teiHeader>
  <text><body><head>Dear colleagues</head><p>We must   act.</p><p>Yours, Jon</p></body></text>
</TEI>"""


def test_tei_xml(tmp_path: Path) -> None:
    source = read_source(write(tmp_path, "letter.xml", TEI))
    assert source.kind == "xml"
    assert source.metadata == {"title": "A letter", "authors": ["Jon Doe"]}
    assert source.text == "Dear colleagues\nWe must act.\nYours, Jon"


def test_malformed_xml_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="malformed XML"):
        read_source(write(tmp_path, "bad.xml", "<a><b></a>"))


XXE = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
<x>&secret;</x>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""


@pytest.mark.parametrize("name,content", [("xxe.xml", XXE), ("bomb.xml", BILLION_LAUGHS)])
def test_entity_declarations_are_refused(tmp_path: Path, name: str, content: str) -> None:
    started = time.perf_counter()
    with pytest.raises(SourceError, match="entity declarations"):
        read_source(write(tmp_path, name, content))
    assert time.perf_counter() - started < 5  # refused before any expansion


def test_entity_declarations_are_refused_in_utf16(tmp_path: Path) -> None:
    """The byte check cannot see UTF-16; the parsed DTD is checked as well."""
    content = XXE.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    with pytest.raises(SourceError, match="entity declarations"):
        read_source(write(tmp_path, "xxe16.xml", content.encode("utf-16")))


def test_external_dtd_is_not_fetched(tmp_path: Path) -> None:
    """A DOCTYPE pointing at the network is ignored, not fetched (no_network, no DTD loading)."""
    content = '<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd">\n<x>ok</x>'
    source = read_source(write(tmp_path, "ext.xml", content))
    assert source.text == "ok"


def test_html_entity_declarations_are_refused(tmp_path: Path) -> None:
    content = '<!DOCTYPE html [<!ENTITY x SYSTEM "file:///etc/hostname">]><p>&x;</p>'
    with pytest.raises(SourceError, match="entity declarations"):
        read_source(write(tmp_path, "x.html", content))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        read_source(tmp_path / "missing.txt")
