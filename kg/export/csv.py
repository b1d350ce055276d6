"""The graph as CSV tables, one file per class, for spreadsheets.

Generic over classes and properties: each class with instances gets a file (named in
:data:`FILE_NAMES`, or after the class's local name), one row per instance, a column
per property found on that class's instances (multiple values joined with `` | ``).
A new kind of fact shows up as a new file without code changes. Evidence is
flattened: its quote, offsets and source document are columns of its own row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re

from kg.graphview import GraphView, Lit, Term, iter_classes, local_name
from kg.iris import (
    FOAF_Agent,
    FOAF_Person,
    KG_Article,
    KG_Candidacy,
    KG_Claim,
    KG_DisciplinaryAction,
    KG_Election,
    KG_evidence,
    KG_evidenceField,
    KG_fieldEvidence,
    KG_OrganisationalChange,
    KG_SourceDocument,
    KG_Tenure,
    OA_end,
    OA_exact,
    OA_hasSelector,
    OA_hasSource,
    OA_SpecificResource,
    OA_start,
    OA_TextPositionSelector,
    OA_TextQuoteSelector,
    OPENGOV_Vote,
    OPENGOV_VoteEvent,
    ORG_ChangeEvent,
    ORG_Membership,
    ORG_Organization,
    ORG_Post,
    RDF_type,
)
from kg.namespaces import PREFIXES

_S = str
FILE_NAMES = {
    FOAF_Person: "people",
    ORG_Organization: "organisations",
    ORG_Post: "posts",
    KG_Tenure: "tenures",
    KG_Election: "elections",
    KG_Candidacy: "candidacies",
    OPENGOV_VoteEvent: "votes",
    OPENGOV_Vote: "ballots",
    KG_DisciplinaryAction: "disciplinary_actions",
    KG_OrganisationalChange: "organisational_changes",
    KG_Claim: "claims",
    OA_SpecificResource: "evidence",
    KG_SourceDocument: "sources",
    KG_Article: "articles",
}
"""Classes with a file name of their own. Classes that only restate another class of
the same instances (``org:Membership`` beside ``kg:Tenure``) get none; selectors are
columns of ``evidence``."""
SKIPPED = {
    ORG_Membership,
    FOAF_Agent,
    "https://schema.org/Claim",
    "https://schema.org/Article",
    ORG_ChangeEvent,
    OA_TextQuoteSelector,
    OA_TextPositionSelector,
}
SEPARATOR = " | "


def table_name(cls: str) -> str:
    """The file stem of a class's table."""
    if cls in FILE_NAMES:
        return FILE_NAMES[cls]
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", local_name(cls)).lower()
    return re.sub(r"[^a-z0-9_]+", "_", name) or "things"


def csv_tables(view: GraphView) -> dict[str, bytes]:
    """File name -> CSV bytes, for every class with instances."""
    tables: dict[str, bytes] = {}
    for cls, instances in iter_classes(view):
        if cls in SKIPPED:
            continue
        name = table_name(cls)
        if f"{name}.csv" in tables:  # two classes with one local name: keep both apart
            name = f"{name}_{hashlib.sha256(cls.encode()).hexdigest()[:6]}"
        rows = _evidence_rows(view, instances) if cls == OA_SpecificResource else None
        tables[f"{name}.csv"] = _render(rows or _rows(view, instances))
    return dict(sorted(tables.items()))


def _short(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(_S(namespace)):
            return f"{prefix}:{iri[len(_S(namespace)) :]}"
    return iri


def _cell(values: list[Term]) -> str:
    return SEPARATOR.join(v.value if isinstance(v, Lit) else _short(v) for v in values)


def _rows(view: GraphView, instances: list[str]) -> list[list[str]]:
    columns = sorted(
        {p for s in instances for p in view.props.get(s, {}) if p != RDF_type},
        key=_short,
    )
    header = ["id", "label", *(_short(p) for p in columns)]
    rows = [header]
    for s in instances:
        found = view.props.get(s, {})
        rows.append([s, view.label(s), *(_cell(found.get(p, [])) for p in columns)])
    return rows


def _evidence_rows(view: GraphView, instances: list[str]) -> list[list[str]]:
    """Evidence flattened: source, offsets, quote, and the facts that cite it (or, for
    the evidence of a document's or message's metadata, the record and its field)."""
    rows = [["id", "source", "start", "end", "quote", "facts", "field"]]
    for s in instances:
        start = end = quote = ""
        for selector in view.iris(s, OA_hasSelector):
            start = view.text(selector, OA_start) or start
            end = view.text(selector, OA_end) or end
            quote = view.text(selector, OA_exact) or quote
        facts = [*view.referrers(s, KG_evidence), *view.referrers(s, KG_fieldEvidence)]
        field = SEPARATOR.join(_short(f) for f in view.iris(s, KG_evidenceField))
        source = view.text(s, OA_hasSource) or ""
        rows.append([s, source, start, end, quote, SEPARATOR.join(facts), field])
    return rows


def _render(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")
