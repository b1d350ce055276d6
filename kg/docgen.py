"""Models -> the field tables of the curators' guide, so the docs cannot drift from the code.

The guide (``docs/extraction-format.md``) is prose written by hand around tables that
``kg generate`` writes from the models' fields and docstrings. A table sits between
marker comments and is rewritten in place::

    <!-- kg generate: fields Tenure beyond Fact -->
    | Field | Type | Required | Meaning |
    ...
    <!-- end kg generate -->

``fields MODEL`` lists a model's fields (``beyond BASE`` leaves out those a base class
declares); ``references`` lists every field holding ids and the kinds it accepts;
``enumerations`` lists every enumeration, where it is used and its values;
``rdf MODEL [beyond BASE]`` says what a model's records become in RDF (classes, IRI,
one property per field, as :mod:`kg.mapping` writes them);
``other models`` gives a heading and a table to every model reachable from the
file models that no ``fields`` block documents (so a new fact kind is documented the
moment it is added); ``anchor NAME`` (no end marker) says that the heading above it
documents a type (``PartialDate``, an enumeration, or ``Enum`` for all of them), so tables
link to it. Links to a model point at the heading above its ``fields`` block.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import re
import textwrap
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from kg.dates import PartialDate
from kg.errors import KgError
from kg.models import FILE_MODELS, ID_PATTERN, Fact, reachable_models
from kg.namespaces import PREFIXES
from kg.rdfmeta import FieldMeaning, Ref, enum_iri, field_meanings, value_constraints

BEGIN = re.compile(r"^<!-- kg generate: (?P<what>[^>]*?) -->\n", re.MULTILINE)
END = "<!-- end kg generate -->\n"
HEADING = re.compile(r"^#{1,6} (?P<title>.+)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Block:
    """One marker in the guide: what it asks for, where its content starts and ends."""

    what: str
    start: int
    end: int
    heading: str
    """The heading above the marker: the anchor of what the block documents."""


def models_by_name() -> dict[str, type[BaseModel]]:
    """Every model the file models reach, and their record base classes, by class name."""
    found: dict[str, type[BaseModel]] = {}
    for model in reachable_models(*FILE_MODELS.values()):
        for cls in model.__mro__:
            if isinstance(cls, type) and issubclass(cls, BaseModel) and cls is not BaseModel:
                found.setdefault(cls.__name__, cls)
    return found


def slug(title: str) -> str:
    """A heading's anchor as GitHub makes it: '8. Partial dates' -> '8-partial-dates'."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def label(model: type[Any]) -> str:
    """'MotionVote' -> 'motion vote'."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", model.__name__).lower()


def blocks(text: str, display: str = "docs") -> list[Block]:
    """The markers of a document, in order; a ``fields`` block without its end is an error."""
    found: list[Block] = []
    for match in BEGIN.finditer(text):
        headings = list(HEADING.finditer(text, 0, match.start()))
        heading = slug(headings[-1]["title"]) if headings else ""
        what = match["what"].strip()
        if what.startswith("anchor "):
            found.append(Block(what, match.end(), match.end(), heading))
            continue
        end = text.find(END, match.end())
        if end < 0:
            line = text.count("\n", 0, match.start()) + 1
            raise KgError(f"{display}:{line}: '{what}' has no '{END.strip()}' after it")
        found.append(Block(what, match.end(), end, heading))
    return found


def render(text: str, display: str = "docs") -> str:
    """The document with every generated block rewritten from the models."""
    models = models_by_name()
    found = blocks(text, display)
    anchors: dict[str, str] = {}
    documented: set[type[BaseModel]] = set()
    for block in found:
        kind, _, rest = block.what.partition(" ")
        if kind == "anchor":
            anchors.setdefault(rest.strip(), block.heading)
        elif kind == "fields":
            model = _model(models, rest.split()[0], block, text, display)
            anchors.setdefault(model.__name__, block.heading)
            documented.add(model)
    others = [m for m in reachable_models(*FILE_MODELS.values()) if m not in documented]
    for model in others:
        anchors.setdefault(model.__name__, slug(label(model)))
    pieces: list[str] = []
    position = 0
    for block in found:
        if block.start == block.end and block.what.startswith("anchor "):
            continue
        pieces.append(text[position : block.start])
        kind, _, rest = block.what.partition(" ")
        if kind == "fields":
            words = rest.split()
            model = _model(models, words[0], block, text, display)
            base = _model(models, words[2], block, text, display) if len(words) == 3 else None
            pieces.append(field_table(model, anchors, beyond=base))
        elif block.what == "other models":
            pieces.append("".join(_other_model(model, anchors) for model in others))
        elif kind == "rdf":
            words = rest.split()
            model = _model(models, words[0], block, text, display)
            base = _model(models, words[2], block, text, display) if len(words) == 3 else None
            pieces.append(rdf_table(model, beyond=base))
        elif block.what == "references":
            pieces.append(references_table())
        elif block.what == "enumerations":
            pieces.append(enumerations_table())
        else:
            line = text.count("\n", 0, block.start)
            raise KgError(f"{display}:{line}: unknown generated block '{block.what}'")
        position = block.end
    pieces.append(text[position:])
    return "".join(pieces)


def _model(
    models: dict[str, type[BaseModel]], name: str, block: Block, text: str, display: str
) -> type[BaseModel]:
    if name not in models:
        line = text.count("\n", 0, block.start)
        raise KgError(f"{display}:{line}: no model named {name!r} (one of: {', '.join(models)})")
    return models[name]


def _other_model(model: type[BaseModel], anchors: dict[str, str]) -> str:
    doc = " ".join((model.__doc__ or "").strip().split("\n\n")[0].split())
    base = Fact if issubclass(model, Fact) else None
    rdf = f"\n{rdf_table(model, beyond=base)}" if hasattr(model, "rdf_type") else ""
    return f"\n#### {label(model)}\n\n{doc}\n\n{field_table(model, anchors)}{rdf}"


def field_table(
    model: type[BaseModel], anchors: dict[str, str], beyond: type[BaseModel] | None = None
) -> str:
    """A Markdown table of a model's fields: name, type, whether required, meaning."""
    is_file = model in FILE_MODELS.values()
    head = (
        "| Section | Type | Required | Holds |"
        if is_file
        else "| Field | Type | Required | Meaning |"
    )
    rows = [head, "|---|---|---|---|"]
    skip = set(beyond.model_fields) if beyond is not None else set()
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        cells = (
            f"`{name}`",
            type_text(info.annotation, list(info.metadata), anchors),
            _required(info),
            _cell(info.description or ""),
        )
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def type_text(annotation: Any, metadata: list[Any], anchors: dict[str, str]) -> str:
    """How the guide names a field's type: 'list of ref(person)', 'integer ≥ 0', 'id' ..."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = get_args(annotation)
        return type_text(base, [*metadata, *extra], anchors)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in get_args(annotation) if arg is not type(None)]
        return " or ".join(type_text(option, metadata, anchors) for option in options)
    limits = value_constraints(metadata)
    refs = [m for m in metadata if isinstance(m, Ref)]
    if origin in (list, tuple, set, frozenset):
        text = "list of " + type_text(get_args(annotation)[0], refs, anchors)
        minimum = limits.get("min_length")
        return f"{text}, at least {minimum}" if minimum else text
    if origin is dict:
        return "map of field name to " + type_text(get_args(annotation)[1], refs, anchors)
    if refs:
        kinds = ", ".join(
            "any record" if k == "any" else k.replace("-", " ") for k in refs[0].kinds
        )
        return f"ref({kinds})"
    if annotation is PartialDate:
        return _link("partial date", anchors.get("PartialDate", ""))
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        name = annotation.__name__
        return _link(name, anchors.get(name, anchors.get("Enum", "")))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _link(label(annotation), anchors.get(annotation.__name__, ""))
    if annotation is str:
        return _string(metadata, limits)
    if annotation is bool:
        return "boolean"
    if annotation in (int, float):
        return ("integer" if annotation is int else "number") + _bounds(limits)
    return getattr(annotation, "__name__", str(annotation))


def _string(metadata: list[Any], limits: dict[str, Any]) -> str:
    pattern = limits.get("pattern")
    if pattern == ID_PATTERN:
        return "id"
    if pattern:
        return f"string, pattern `{pattern}`"
    low, high = limits.get("min_length"), limits.get("max_length")
    if high:
        return f"string of {low or 0} to {high} characters"
    stripped = any(getattr(m, "strip_whitespace", False) for m in _expanded(metadata))
    return "text" if stripped and low else "string"


def _expanded(metadata: list[Any]) -> Iterator[Any]:
    for item in metadata:
        yield item
        if isinstance(item, FieldInfo):
            yield from item.metadata


def _bounds(limits: dict[str, Any]) -> str:
    low = limits.get("ge", limits.get("gt"))
    high = limits.get("le", limits.get("lt"))
    if low is not None and high is not None:
        return f", {low} to {high}"
    if low is not None:
        return f" {'≥' if 'ge' in limits else '>'} {low}"
    if high is not None:
        return f" {'≤' if 'le' in limits else '<'} {high}"
    return ""


def _required(info: FieldInfo) -> str:
    if info.is_required():
        return "yes"
    default = info.default
    if default is None or default == [] or default == {}:
        return "no"
    if isinstance(default, bool):
        shown = str(default).lower()
    elif isinstance(default, Enum):
        shown = str(default.value)
    else:
        shown = str(default)
    return f"no (default `{shown}`)"


def _link(text: str, anchor: str) -> str:
    return f"[{text}](#{anchor})" if anchor else text


def _cell(text: str) -> str:
    """One table cell: one line, pipes escaped, reST ``code`` as Markdown `code`."""
    return " ".join(text.split()).replace("|", "\\|").replace("``", "`")


def _documented_fields() -> Iterator[tuple[type[BaseModel], str, FieldInfo]]:
    """Every field of every model the files reach, once, with the class that declares it
    (a fact's ``according_to`` is Fact's, not each fact kind's)."""
    seen: set[tuple[type[BaseModel], str]] = set()
    for model in reachable_models(*FILE_MODELS.values()):
        for name, info in model.model_fields.items():
            owner = _declaring_class(model, name)
            if (owner, name) not in seen:
                seen.add((owner, name))
                yield owner, name, info


def _declaring_class(model: type[BaseModel], name: str) -> type[BaseModel]:
    for cls in reversed(model.__mro__):
        if name in inspect.get_annotations(cls):
            return cls
    return model


def _used_as(owner: type[BaseModel], name: str) -> str:
    """'tenure `status`'; a field of a base class is 'every fact `certainty`'."""
    concrete = owner in reachable_models(*FILE_MODELS.values())
    return f"{'' if concrete else 'every '}{label(owner)} `{name}`"


def references_table() -> str:
    """Every field that holds ids, and the kinds of record each accepts."""
    rows = ["| Field | Accepts |", "|---|---|"]
    for owner, name, info in _documented_fields():
        refs = [m for m in _metadata_deep(info) if isinstance(m, Ref)]
        if refs:
            kinds = [_kind_name(kind) for kind in refs[0].kinds]
            rows.append(f"| {_used_as(owner, name)} | {', '.join(kinds)} |")
    return "\n".join(rows) + "\n"


def _kind_name(kind: str) -> str:
    return {"any": "any record", "fact": "any fact"}.get(kind, kind.replace("-", " "))


def _metadata_deep(info: FieldInfo) -> Iterator[Any]:
    yield from info.metadata
    yield from _annotated_metadata(info.annotation)


def _annotated_metadata(annotation: Any) -> Iterator[Any]:
    if get_origin(annotation) is typing.Annotated:
        yield from annotation.__metadata__
    for arg in get_args(annotation):
        yield from _annotated_metadata(arg)


def enumerations_table() -> str:
    """Every enumeration a field uses: where, and its values (with their docstrings)."""
    used: dict[type[Enum], list[str]] = {}
    for owner, name, info in _documented_fields():
        for enum in _enums_in(info.annotation):
            used.setdefault(enum, []).append(_used_as(owner, name))
    rows = ["| Enumeration | Used by | Values |", "|---|---|---|"]
    for enum, places in used.items():
        notes = member_docs(enum)
        values = ", ".join(
            f"`{member.value}`" + (f" ({notes[member.name]})" if member.name in notes else "")
            for member in enum
        )
        rows.append(f"| `{enum.__name__}` | {', '.join(places)} | {_cell(values)} |")
    return "\n".join(rows) + "\n"


def _enums_in(annotation: Any) -> Iterator[type[Enum]]:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        yield annotation
    for arg in get_args(annotation):
        yield from _enums_in(arg)


def member_docs(enum: type[Enum]) -> dict[str, str]:
    """The docstrings written under an enumeration's members, by member name, as a short
    phrase ('A set of units ...' -> 'a set of units ...').

    >>> from kg.models import OrganisationKind
    >>> member_docs(OrganisationKind)["COLLECTIVE"]
    'a set of units spoken of together (the Constituency Labour Parties)'
    """
    tree = ast.parse(textwrap.dedent(inspect.getsource(enum)))
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for node, after in itertools.pairwise(body):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            text = " ".join(after.value.value.split()).rstrip(".")
            docs[node.targets[0].id] = text[:1].lower() + text[1:]
    return docs


def curie(iri: str) -> str:
    """An IRI in the prefixed form the docs use: ``org:Membership``."""
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(str(item[1]))):
        if iri.startswith(str(namespace)) and iri != str(namespace):
            return f"{prefix}:{iri[len(str(namespace)) :]}"
    return f"<{iri}>"


def rdf_table(model: type[BaseModel], beyond: type[BaseModel] | None = None) -> str:
    """What a model's records become: classes, IRI, and one property per mapped field
    (``beyond``: but those a base class declares, which have a table of their own).

    >>> from kg.models import Fact, Tenure
    >>> print(*rdf_table(Tenure, beyond=Fact).splitlines()[2:4], sep="\\n")
    | class | `org:Membership`, `kg:Tenure`; IRI `<base>tenure/<id>` |
    | `person` | `org:member` |
    """
    rows = ["| RDF | |", "|---|---|", f"| class | {_classes(model)}; IRI {_iri(model)} |"]
    skip = set(beyond.model_fields) if beyond is not None else set()
    for meaning in field_meanings(model):
        if meaning.name not in skip:
            rows.append(f"| `{meaning.name}` | {_property(meaning)} |")
    return "\n".join(rows) + "\n"


def _classes(model: type[Any]) -> str:
    types_ = (model.rdf_type, *getattr(model, "extra_types", ()))
    return ", ".join(f"`{curie(str(t))}`" for t in types_)


def _iri(model: type[Any]) -> str:
    key = getattr(model, "key_field", None)
    if key is not None:
        return f"`<parent IRI>/{model.iri_segment}/<{key}>`"
    return f"`<base>{model.iri_segment}/<id>`"


def _property(meaning: FieldMeaning) -> str:
    predicate = meaning.predicate
    text = f"`{curie(str(predicate.iri))}`"
    value = meaning.value_type
    if meaning.is_date:
        extras = [p for p in (predicate.precision, predicate.qualifier) if p is not None]
        if extras:
            text += " with " + ", ".join(f"`{curie(str(p))}`" for p in extras)
    elif meaning.is_enum:
        first = next(iter(typing.cast("type[Enum]", value)))
        shown = f'"{first.value}"' if predicate.literal else curie(str(enum_iri(first)))
        text += f" (`{shown}` ...)" if not predicate.literal else f" (plain string `{shown}` ...)"
    elif meaning.is_nested and hasattr(value, "rdf_type"):
        parts = ", ".join(f"`{curie(str(m.predicate.iri))}`" for m in field_meanings(value))
        text += f" → {_classes(value)}, IRI {_iri(value)}, with {parts}"
    elif predicate.iri_base is not None:
        text += f" (the IRI `{predicate.iri_base}` + the value)"
    elif predicate.bool_iris is not None:
        true, false = (f"`{curie(str(iri))}`" for iri in predicate.bool_iris)
        text += f" ({true} for `true`, {false} for `false`)"
    elif predicate.datatype is not None:
        text += f" (`{curie(str(predicate.datatype))}`)"
    elif value in (int, float, bool) and meaning.ref is None:
        datatype = {int: "integer", float: "decimal", bool: "boolean"}[value]
        text += f" (`xsd:{datatype}`)"
    return text
