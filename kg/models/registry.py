"""The one registry of models, read off the file models' fields.

Which sections a file has, which of them hold facts or entities, and which models
become RDF nodes are all worked out from :class:`RegistryFile` and
:class:`DocumentFile`, never listed by hand. Adding a fact kind is therefore a model
class (a :class:`Fact` with ``rdf_type`` and annotated fields) plus one field on
``DocumentFile``: loading, resolving, mapping, the generated shapes, ontology and
docs tables, and the JSON Schema all follow (``kg generate`` rewrites the files).

>>> list(FACT_SECTIONS)[:3]
['unnamed_agents', 'events', 'names']
>>> ENTITY_SECTIONS["posts"].__name__
'Post'
>>> [model.__name__ for model in MAPPED_MODELS][:5]
['Person', 'Organisation', 'Post', 'Source', 'Article']
"""

from __future__ import annotations

from pydantic import BaseModel

from kg.models.base import Node, Record
from kg.models.facts import Fact
from kg.models.files import DocumentFile, RegistryFile
from kg.rdfmeta import item_type, models_in

FILE_MODELS: dict[str, type[Record]] = {"registry": RegistryFile, "document": DocumentFile}
"""The two kinds of extraction file, by the name ``kg schema`` and the docs give them."""


def sections(file_model: type[BaseModel], kind: type[Record]) -> dict[str, type[Record]]:
    """The fields of a file model whose values are records of ``kind``, in declaration order.

    >>> list(sections(RegistryFile, Node))
    ['people', 'organisations', 'posts']
    """
    found: dict[str, type[Record]] = {}
    for name, info in file_model.model_fields.items():
        value = item_type(info.annotation)
        if isinstance(value, type) and issubclass(value, kind):
            found[name] = value
    return found


def mapped_models(*roots: type[BaseModel]) -> tuple[type[BaseModel], ...]:
    """Every model reachable from ``roots`` through their fields that becomes an RDF node
    (has an ``rdf_type``), each once, in the order a depth-first walk first meets it.

    >>> [model.__name__ for model in mapped_models(RegistryFile)]
    ['Person', 'Organisation', 'Post']
    """
    return tuple(model for model in reachable_models(*roots) if hasattr(model, "rdf_type"))


def reachable_models(*roots: type[BaseModel]) -> tuple[type[BaseModel], ...]:
    """Every model reachable from ``roots`` through their fields, roots included, each once
    and depth first (the docs document each of them)."""
    seen: dict[type[BaseModel], None] = {}

    def walk(model: type[BaseModel]) -> None:
        if model not in seen:
            seen[model] = None
            for info in model.model_fields.values():
                for nested in models_in(info.annotation):
                    walk(nested)

    for root in roots:
        walk(root)
    return tuple(seen)


FACT_SECTIONS: dict[str, type[Record]] = sections(DocumentFile, Fact)
"""Document-file sections holding facts, by key, in the order they are mapped."""

ENTITY_SECTIONS: dict[str, type[Record]] = sections(RegistryFile, Node)
"""Registry sections: people, organisations and posts, by key."""

MAPPED_MODELS: tuple[type[BaseModel], ...] = mapped_models(*FILE_MODELS.values())
"""Every model that becomes an RDF node, in a stable order."""
