"""Push a built graph to a SPARQL 1.1 server, one named graph at a time, and check
afterwards that the store holds what was sent, term by term.

Each named graph is *replaced* as a unit, so pushing twice leaves no duplicates
and pushing after one source changed rewrites that source's graph alone; graphs
the push does not name are never touched.

* ``method="gsp"`` (default) uses the SPARQL 1.1 Graph Store HTTP Protocol:
  ``PUT store?graph=IRI`` with the first batch of N-Triples (replacing the graph),
  then ``POST`` (append) for every further batch of the same graph.
* ``method="update"`` is for servers without the Graph Store Protocol: SPARQL 1.1
  Update requests ``DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { … } }`` for
  the first batch and ``INSERT DATA`` for the rest.

Triples that share a blank node always travel in the same batch (a blank node is
local to one request). A batch the store refuses as too large (HTTP 413, or
Virtuoso's ``SP031``) is split in halves and the smaller size kept. A push
records its progress in a marker file beside the graph file (kg.pushstate), so
an interrupted push is reported, and repaired, by the next. HTTP, deadlines,
retries and credentials are kg.storehttp's; the comparison is kg.storecheck's.
"""

from __future__ import annotations

import contextlib
import json
import re
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal as TypingLiteral

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node as Term

from kg import ntriples
from kg.defaults import PUSH_BATCH_SIZE, PUSH_RETRIES, PUSH_TIMEOUT
from kg.pushstate import (
    NOT_WRITTEN,
    PARTLY,
    UNKNOWN,
    WRITTEN,
    Marker,
    MarkerError,
    file_digest,
    marker_path,
)
from kg.storecheck import Comparison, compare
from kg.storehttp import (
    Client,
    Credentials,
    StoreError,
    check_options,
    check_url,
    credentials_from_environment,
)

Method = TypingLiteral["gsp", "update"]
Triple = tuple[Term, Term, Term]
Progress = Callable[[str], None]

DEFAULT_BATCH_SIZE = PUSH_BATCH_SIZE
PAGE = 10_000  # rows per read-back query: Virtuoso answers at most 10,000 by default
N_TRIPLES = "application/n-triples"
UNION_NAME = "union"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class PushError(StoreError):
    """A push stopped part-way; says, one graph a line, which graphs the store holds
    (written), may hold (unknown, partly written) and does not hold (not written)."""

    def __init__(
        self,
        cause: str,
        written: list[str],
        failed: str,
        not_written: list[str],
        state: str = NOT_WRITTEN,
        *,
        interrupted: bool = False,
    ) -> None:
        self.cause, self.written, self.failed, self.state = cause, written, failed, state
        self.not_written, self.interrupted = not_written, interrupted
        lines = [f"push {'interrupted' if interrupted else 'failed'} at graph <{failed}>: {cause}"]
        groups = {WRITTEN: written, state: [failed]}
        rest = [g for g in not_written if g != failed]
        groups.setdefault(NOT_WRITTEN, []).extend(rest)
        for name in (WRITTEN, UNKNOWN, PARTLY, NOT_WRITTEN):
            graphs = groups.get(name, [])
            if not graphs and name in (UNKNOWN, PARTLY):
                continue
            lines.append(f"{name} ({len(graphs)}):" + ("" if graphs else " -"))
            lines += [f"  <{g}>" for g in graphs]
        if state != NOT_WRITTEN:
            lines.append(f"<{failed}> is {state}: push again to replace it whole")
        super().__init__("\n".join(lines), maybe_applied=state != NOT_WRITTEN)


class InterruptedPushError(StoreError):
    """Ctrl-C after every graph was written (while they were read back)."""


@dataclass(frozen=True, slots=True)
class Endpoints:
    """The three URLs of a server: SPARQL query, SPARQL update and Graph Store."""

    query: str
    update: str
    store: str


def endpoints(
    endpoint: str, store_url: str | None = None, update_url: str | None = None
) -> Endpoints:
    """Derive update and Graph Store URLs from a query URL, unless given.

    The query URL is used as given. ``…/query`` (Oxigraph) or ``…/ds/sparql``
    (Fuseki) -> siblings ``update`` and ``store``; ``/sparql`` at the server root
    (Virtuoso) -> ``/sparql-auth`` and ``/sparql-graph-crud-auth``;
    ``…/repositories/REPO`` (GraphDB, RDF4J) -> ``…/statements`` and
    ``…/rdf-graphs/service``; a server root -> ``/update`` and ``/store``.
    Fuseki needs ``store_url`` (``…/ds/data``).
    """
    for url in (endpoint, store_url, update_url):
        if url is not None:
            check_url(url)
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    if re.search(r"/repositories/[^/]+$", path):
        update, store = f"{path}/statements", f"{path}/rdf-graphs/service"
    elif path == "/sparql":
        update, store = "/sparql-auth", "/sparql-graph-crud-auth"
    else:
        if path.rsplit("/", 1)[-1] in {"query", "sparql"}:
            path = path.rsplit("/", 1)[0]
        update, store = f"{path}/update", f"{path}/store"

    def sibling(new_path: str) -> str:
        return urllib.parse.urlunsplit(parts._replace(path=new_path, query=""))

    return Endpoints(endpoint, update_url or sibling(update), store_url or sibling(store))


# -- RDF terms as N-Triples (also valid SPARQL term syntax) --------------------------------


def _term(term: Term) -> str:
    """kg's N-Triples form of a term, refusing IRIs that SPARQL could not carry."""
    if isinstance(term, URIRef):
        bad = ntriples.forbidden_in_iri(term)
        if bad is not None:
            raise StoreError(f"not a valid IRI: {str(term)!r} (holds {bad!r})")
    elif not isinstance(term, (Literal, BNode)):
        raise StoreError(f"cannot send {type(term).__name__} terms")
    return ntriples.term(term)


def _line(triple: Triple) -> str:
    return " ".join(_term(t) for t in triple) + " .\n"


def batches(triples: Iterable[Triple], size: int) -> Iterator[list[Triple]]:
    """Sorted triples in batches of about ``size``; triples linked by blank nodes stay together."""
    parent: dict[BNode, BNode] = {}

    def root(node: BNode) -> BNode:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    plain: list[Triple] = []
    linked: list[Triple] = []
    for triple in sorted(set(triples)):
        nodes = [t for t in (triple[0], triple[2]) if isinstance(t, BNode)]
        (linked if nodes else plain).append(triple)
        if len(nodes) == 2:
            parent[root(nodes[0])] = root(nodes[1])
    groups: dict[BNode, list[Triple]] = {}
    for triple in linked:
        node = triple[0] if isinstance(triple[0], BNode) else triple[2]
        groups.setdefault(root(node), []).append(triple)  # type: ignore[arg-type]
    batch: list[Triple] = []
    for group in [*groups.values(), *([t] for t in plain)]:
        if batch and len(batch) + len(group) > size:
            yield batch
            batch = []
        batch.extend(group)
    yield batch  # an empty graph is one empty batch: it still replaces the graph


# -- what to push --------------------------------------------------------------------------


def named_graphs(
    data: Dataset | Graph | Path | str, target_graph: str | None = None
) -> dict[str, list[Triple]]:
    """The triples of each named graph in ``data`` (a Dataset, a Graph or an RDF file).

    With ``target_graph``, every triple goes to that one graph. Without it, triples
    in the default graph are an error: they have no graph to replace.
    """
    if isinstance(data, (Path, str)):
        from kg.io import read_graph

        path = Path(data)
        if not path.is_file():
            raise StoreError(f"{path}: no such graph file; run 'kg build' first")
        data = read_graph(path)
    if target_graph is not None:
        _term(URIRef(target_graph))
        parts = data.graphs() if isinstance(data, Dataset) else [data]
        return {target_graph: sorted({t for g in parts for t in g.triples((None, None, None))})}
    if not isinstance(data, Dataset):
        raise StoreError("a plain graph has no named graphs: give a target graph")
    graphs: dict[str, list[Triple]] = {}
    for graph in data.graphs():
        triples = sorted(set(graph.triples((None, None, None))))
        if graph.identifier == DATASET_DEFAULT_GRAPH_ID:
            if triples:
                raise StoreError(
                    f"{len(triples)} triples are in the default graph, not in a named graph: "
                    "give a target graph (--target-graph IRI) to push them"
                )
            continue
        if not isinstance(graph.identifier, URIRef):
            raise StoreError(f"graph name {graph.identifier!r} is not an IRI")
        graphs[str(graph.identifier)] = triples
    if not graphs:
        raise StoreError("nothing to push: no named graphs")
    return dict(sorted(graphs.items()))


# -- push and verify -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GraphCount:
    """One graph: triples sent, triples the store holds, and how their content compares."""

    graph: str
    sent: int
    found: int | None  # None when not verified
    comparison: Comparison | None = None

    @property
    def ok(self) -> bool:
        if self.found is None:
            return True
        same = self.comparison is None or self.comparison.same_values
        return self.found == self.sent and same

    @property
    def status(self) -> str:
        if self.found is None:
            return "not checked"
        if self.comparison is None:
            return "count equal" if self.found == self.sent else "count differs"
        return self.comparison.summary()


@dataclass(frozen=True, slots=True)
class PushReport:
    """Per graph, the triples sent, those the server holds afterwards, and their content."""

    endpoints: Endpoints
    method: Method
    graphs: tuple[GraphCount, ...]
    requests: int
    worst_case: float = 0.0  # the longest one request could have taken, retries included

    @property
    def ok(self) -> bool:
        return all(g.ok for g in self.graphs)


def _with_graph(url: str, graph: str) -> str:
    return url + ("&" if "?" in url else "?") + urllib.parse.urlencode({"graph": graph})


def _write_batch(
    client: Client, urls: Endpoints, method: Method, graph: str, batch: list[Triple], first: bool
) -> None:
    body = "".join(_line(t) for t in batch)
    if method == "gsp":
        verb = "PUT" if first else "POST"
        client.request(verb, _with_graph(urls.store, graph), body.encode("utf-8"), N_TRIPLES)
        return
    name = _term(URIRef(graph))
    update = f"DROP SILENT GRAPH {name} ;\n" if first else ""
    if batch:
        update += f"INSERT DATA {{ GRAPH {name} {{\n{body}}} }}\n"
    client.request("POST", urls.update, update.encode("utf-8"), "application/sparql-update")


class _Writer:
    """Writes graphs batch by batch, halving the batch size when the store says too large."""

    def __init__(
        self, client: Client, urls: Endpoints, method: Method, size: int, say: Progress
    ) -> None:
        self.client, self.urls, self.method, self.size, self.say = client, urls, method, size, say
        self.done = 0  # requests of the current graph that succeeded
        self.in_flight = False

    def write(self, graph: str, triples: list[Triple]) -> None:
        self.done, self.in_flight = 0, False
        pending = deque(batches(triples, self.size))
        while pending:
            batch = pending.popleft()
            self.in_flight = True  # stays True if Ctrl-C ends the request
            try:
                _write_batch(self.client, self.urls, self.method, graph, batch, self.done == 0)
            except StoreError as exc:
                smaller = max(1, len(batch) // 2)
                if not exc.too_large or smaller >= len(batch):
                    raise
                rest = [t for b in (batch, *pending) for t in b]
                pending = deque(batches(rest, smaller))
                if len(pending[0]) >= len(batch):  # one blank-node group: cannot split
                    raise
                self.say(
                    f"the store refused {len(batch):,} triples in one request as too large; "
                    f"sending at most {smaller:,} a request from now on"
                )
                self.size = smaller
                continue
            self.in_flight = False
            self.done += 1


def union_graph(graphs: Iterable[str]) -> str | None:
    """``…/graph/union`` when every graph is a kg graph ``…/graph/NAME`` of one base."""
    prefixes = {g.rsplit("/", 1)[0] + "/" for g in graphs}
    if len(prefixes) != 1:
        return None
    prefix = prefixes.pop()
    return prefix + UNION_NAME if prefix.endswith("/graph/") else None


def push(
    data: Dataset | Graph | Path | str,
    endpoint: str,
    *,
    store_url: str | None = None,
    update_url: str | None = None,
    method: Method = "gsp",
    target_graph: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    timeout: float = PUSH_TIMEOUT,
    retries: int = PUSH_RETRIES,
    backoff: float = 0.5,
    verify: bool = True,
    union: bool = True,
    allow_other_graphs: bool = False,
    resume: bool = False,
    marker: bool = True,
    credentials: Credentials | None = None,
    progress: Progress | None = None,
) -> PushReport:
    """Replace each named graph of ``data`` on the server at ``endpoint`` (a SPARQL query URL).

    With ``union`` (and graphs of one kg base) the set union of the graphs goes to
    ``…/graph/union`` as well, the default graph ``kg query --endpoint`` reads.
    ``verify`` reads every graph back and compares it with what was sent; it also
    refuses, before writing, to replace a registry while the store holds graphs of
    the same base this push does not name (another corpus), unless
    ``allow_other_graphs``. When ``data`` is a file, a marker beside it records the
    progress (see kg.pushstate); ``resume`` skips the graphs it records as written.
    ``credentials`` default to :func:`credentials_from_environment`. Raises
    :class:`PushError` (written / unknown / not written per graph) when a push stops
    part-way, :class:`StoreError` for other failures.
    """
    if method not in ("gsp", "update"):
        raise StoreError(f"unknown method {method!r}: use 'gsp' or 'update'")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise StoreError("batch size must be at least 1")
    check_options(timeout, retries, backoff)
    urls = endpoints(endpoint, store_url, update_url)
    graphs = named_graphs(data, target_graph)
    say = progress or (lambda _: None)
    write_url = urls.store if method == "gsp" else urls.update
    if credentials is None:
        credentials = credentials_from_environment(write_url)
    client = Client(credentials, timeout=timeout, retries=retries, backoff=backoff, progress=say)
    say(
        f"each request may take up to {client.timeout:g} s; with {client.retries} retries, "
        f"one request gives up after at most {client.worst_case():g} s"
    )
    union_name = union_graph(graphs) if union and target_graph is None else None
    if union_name is not None:
        if union_name in graphs:
            raise StoreError(f"a source graph is named <{union_name}>, kg's union graph")
        graphs[union_name] = sorted({t for triples in graphs.values() for t in triples})
    if verify and not allow_other_graphs:
        _refuse_other_corpora(urls.query, list(graphs), client, say)
    names = list(graphs)
    record = _marker(data, write_url, names, resume, say) if marker else None
    skip = (
        {g for g, state in record.graphs.items() if state == WRITTEN}
        if record and resume
        else set()
    )
    writer = _Writer(client, urls, method, batch_size, say)
    _write_all(graphs, writer, record, skip, say)
    if record is not None:
        record.done()
    counts: tuple[GraphCount, ...]
    if verify:
        try:
            counts = tuple(_check(urls.query, graphs, client, say))
        except StoreError as exc:
            raise StoreError(
                f"all {len(names)} graphs were written, but reading them back failed: {exc}"
            ) from None
        except KeyboardInterrupt:
            raise InterruptedPushError(
                f"interrupted while reading the graphs back: all {len(names)} graphs were "
                "written; run the push again to check them"
            ) from None
    else:
        counts = tuple(GraphCount(g, len(t), None) for g, t in graphs.items())
    return PushReport(urls, method, counts, client.requests, client.worst_case())


def _write_all(
    graphs: dict[str, list[Triple]],
    writer: _Writer,
    record: Marker | None,
    skip: set[str],
    say: Progress,
) -> None:
    """Write every graph not in ``skip``; on an error or Ctrl-C, raise a :class:`PushError`
    with the state of every graph (the marker holds the same)."""
    states = {g: WRITTEN if g in skip else NOT_WRITTEN for g in graphs}
    current: str | None = None
    try:
        for graph, triples in graphs.items():
            if graph in skip:
                say(f"skipped <{graph}>: written by the unfinished push (--resume)")
                continue
            current = graph
            writer.done, writer.in_flight = 0, False
            if record is not None:
                record.set(graph, UNKNOWN)  # if kg itself is killed now, the marker says so
            writer.write(graph, triples)
            states[graph], current = WRITTEN, None
            if record is not None:
                record.set(graph, WRITTEN)
            done = writer.done
            say(f"wrote <{graph}> ({len(triples):,} triples, {done} request{'s' * (done != 1)})")
    except (StoreError, MarkerError, KeyboardInterrupt) as exc:
        interrupted = isinstance(exc, KeyboardInterrupt)
        cause = "Ctrl-C" if interrupted else str(exc)
        failed = current or next((g for g, s in states.items() if s != WRITTEN), None)
        if failed is None:  # the last graph was written; only its marker update failed
            raise StoreError(f"every graph was written, but: {cause}") from None
        state = NOT_WRITTEN
        if current is not None:
            # Ctrl-C, or the marker could not be written: was a request under way?
            maybe = exc.maybe_applied if isinstance(exc, StoreError) else writer.in_flight
            state = PARTLY if writer.done else (UNKNOWN if maybe else NOT_WRITTEN)
        states[failed] = state
        if record is not None:
            with contextlib.suppress(MarkerError):
                record.set(failed, state)
        written = [g for g, s in states.items() if s == WRITTEN]
        not_written = [g for g, s in states.items() if s == NOT_WRITTEN]
        raise PushError(
            cause, written, failed, not_written, state, interrupted=interrupted
        ) from None


def _marker(
    data: Dataset | Graph | Path | str, store: str, names: list[str], resume: bool, say: Progress
) -> Marker | None:
    """The progress marker of a push from a file; reports (and with ``resume``, reuses)
    the marker an unfinished push to the same store left."""
    if not isinstance(data, (Path, str)):
        if resume:
            raise StoreError("--resume needs a graph file: the marker lies beside it")
        return None
    path = Path(data)
    where = marker_path(path, store)
    source = file_digest(path)
    previous = Marker.read(where)
    if previous is not None:
        say(previous.describe())
        if resume and previous.source == source:
            say("resuming: graphs written by that push are skipped")
            previous.save()
            return previous
        if resume:
            raise StoreError(
                f"{path} changed since the unfinished push: push without --resume "
                "(every graph is replaced)"
            )
        say("this push replaces every graph, which repairs it")
    elif resume:
        say(f"no unfinished push to {store} recorded beside {path}: pushing everything")
    return Marker.begin(where, store, source, names)


def _refuse_other_corpora(endpoint: str, names: list[str], client: Client, say: Progress) -> None:
    """Refuse to replace ``…/graph/registry`` while graphs of the same base that this
    push does not name are on the store: their names live in that registry."""
    registries = [g for g in names if g.endswith("/graph/registry")]
    if not registries:
        return
    prefix = registries[0][: -len("registry")]
    literal = ntriples.literal(prefix)
    query = (
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
        f"FILTER(STRSTARTS(STR(?g), {literal})) }}"
    )
    found = select(endpoint, query, client, required=("g",))
    others = sorted({str(row["g"]) for row in found} - set(names))
    union = prefix + UNION_NAME
    if union in others:  # pushed before, not now (--no-union): it goes stale
        others.remove(union)
        say(
            f"<{union}> from an earlier push is left as it was, and kg query --endpoint "
            f"reads it: push without --no-union, or DROP GRAPH <{union}>"
        )
    if others:
        listed = "\n".join(f"  <{g}>" for g in others)
        raise StoreError(
            f"the store holds {len(others)} graph(s) under <{prefix}> that this push does not "
            f"name:\n{listed}\nthey are another corpus built with the same --base, or sources "
            f"since removed; replacing <{registries[0]}> would drop the names they use. Build "
            "with another --base, drop those graphs, or pass --allow-other-graphs. Nothing "
            "was written."
        )


def _check(
    endpoint: str, graphs: dict[str, list[Triple]], client: Client, say: Progress
) -> Iterator[GraphCount]:
    counts = count_triples(endpoint, graphs, client)
    held = read_graphs_content(endpoint, counts, client)
    for graph, triples in graphs.items():
        comparison = compare(triples, held[graph])
        result = GraphCount(graph, len(triples), counts[graph], comparison)
        if not comparison.equal:
            say(f"<{graph}>: {comparison.summary()}")
            for line in comparison.details():
                say(f"  {line}")
        yield result


def read_graphs_content(
    endpoint: str, counts: dict[str, int], client: Client, page: int = PAGE
) -> dict[str, list[Triple]]:
    """The triples of every graph in ``counts`` (graph -> the store's count of it).

    Small graphs are read together, as many as fit one ``page`` of rows (hundreds of
    source graphs in a few requests), larger ones by :func:`read_graph_content`.
    """
    held: dict[str, list[Triple]] = {g: [] for g in counts}
    group: list[str] = []
    rows = 0

    def flush() -> None:
        if not group:
            return
        values = " ".join(_term(URIRef(g)) for g in group)
        query = f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        for row in select(endpoint, query, client, required=("g", "s", "p", "o")):
            triples = held.get(str(row["g"]))
            if triples is None:
                raise StoreError(f"{endpoint}: a triple of <{row['g']}>, a graph not asked for")
            triples.append((row["s"], row["p"], row["o"]))
        for graph in group:
            if len(held[graph]) != counts[graph]:
                raise StoreError(
                    f"<{graph}>: the store counts {counts[graph]:,} triples but returned "
                    f"{len(held[graph]):,}"
                )
        group.clear()

    for graph, count in counts.items():
        if count >= page:
            held[graph] = read_graph_content(endpoint, graph, count, client, page)
            continue
        if rows + count >= page:
            flush()
            rows = 0
        group.append(graph)
        rows += count
    flush()
    return held


def read_graph_content(
    endpoint: str, graph: str, count: int, client: Client, page: int = PAGE
) -> list[Triple]:
    """Every triple of ``graph`` on the store, checked against the store's own ``count``.

    One query reads the graph when the store answers in full. A store that caps its
    answers (Virtuoso: 10,000 rows, for sorted pages and Graph Store GETs too) is read
    in parts: the triples whose subject IRI's MD5 starts with each hex digit (a part
    that fills a page is split by the next digit), then those with a blank-node subject.
    """
    name = _term(URIRef(graph))
    pattern = f"SELECT ?s ?p ?o WHERE {{ GRAPH {name} {{ ?s ?p ?o }}"
    rows = select(endpoint, pattern + " }", client, required=("s", "p", "o"))
    if len(rows) < count:

        def part(prefix: str) -> list[dict[str, Term]]:
            where = f'FILTER(isIRI(?s) && STRSTARTS(MD5(STR(?s)), "{prefix}"))'
            found = select(endpoint, f"{pattern} {where} }}", client, required=("s", "p", "o"))
            if len(found) < page or len(prefix) >= 6:
                return found
            return [row for digit in "0123456789abcdef" for row in part(prefix + digit)]

        rows = [row for digit in "0123456789abcdef" for row in part(digit)]
        blank = f"{pattern} FILTER(isBlank(?s)) }}"
        rows += select(endpoint, blank, client, required=("s", "p", "o"))
    if len(rows) != count:
        raise StoreError(
            f"<{graph}>: the store counts {count:,} triples but returned {len(rows):,} "
            "(a result-size limit, such as Virtuoso's ResultSetMaxRows?)"
        )
    return [(r["s"], r["p"], r["o"]) for r in rows]


def select(
    endpoint: str,
    query: str,
    client: Client | None = None,
    dataset: tuple[list[str], list[str]] | None = None,
    required: tuple[str, ...] = (),
) -> list[dict[str, Term]]:
    """Run a SELECT query over the SPARQL protocol; rows map variable names to rdflib terms.
    ``dataset`` is (default graphs, named graphs), sent as protocol parameters; a row
    without one of the ``required`` variables is a malformed answer."""
    variables, rows = select_table(endpoint, query, client, dataset)
    found = [{k: v for k, v in zip(variables, row, strict=True) if v is not None} for row in rows]
    for row in found:
        missing = [name for name in required if name not in row]
        if missing:
            raise StoreError(f"{endpoint}: an answer row without ?{missing[0]}: not what was asked")
    return found


def select_table(
    endpoint: str,
    query: str,
    client: Client | None = None,
    dataset: tuple[list[str], list[str]] | None = None,
) -> tuple[list[str], list[tuple[Term | None, ...]]]:
    """A SELECT answer as its variables and rows (None where unbound)."""
    raw = ask_raw(endpoint, query, client, dataset)
    try:
        answer = json.loads(raw)
        variables = [str(v) for v in answer["head"]["vars"]]
        rows = [
            tuple(_from_json(row[v]) if v in row else None for v in variables)
            for row in answer["results"]["bindings"]
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"{endpoint}: not a SPARQL JSON result ({exc})") from None
    return variables, rows


def ask_raw(
    endpoint: str,
    query: str,
    client: Client | None = None,
    dataset: tuple[list[str], list[str]] | None = None,
    accept: str = "application/sparql-results+json",
) -> bytes:
    """The raw answer to a query (POSTed as a form), SPARQL JSON unless ``accept`` says."""
    if client is None:
        check_url(endpoint)
        client = Client(credentials_from_environment(endpoint))
    fields = [("query", query)]
    if dataset is not None:
        fields += [("default-graph-uri", g) for g in dataset[0]]
        fields += [("named-graph-uri", g) for g in dataset[1]]
    body = urllib.parse.urlencode(fields).encode("ascii")
    return client.request(
        "POST",
        endpoint,
        body,
        "application/x-www-form-urlencoded",
        accept,
    )


def _from_json(value: dict[str, str]) -> Term:
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    datatype = value.get("datatype")
    if datatype == XSD_STRING:  # the same term as a plain literal (RDF 1.1)
        datatype = None
    return Literal(
        value["value"], lang=value.get("xml:lang"), datatype=URIRef(datatype) if datatype else None
    )


def count_triples(
    endpoint: str, graphs: Iterable[str], client: Client | None = None
) -> dict[str, int]:
    """Triples per named graph, as the server at ``endpoint`` counts them (0 if absent)."""
    names = list(graphs)
    values = " ".join(_term(URIRef(g)) for g in names)
    query = (
        f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        " GROUP BY ?g"
    )
    counts = dict.fromkeys(names, 0)
    for row in select(endpoint, query, client, required=("g", "n")):
        try:
            counts[str(row["g"])] = int(str(row["n"]))
        except ValueError:
            raise StoreError(f"{endpoint}: {row['n']!r} is not a count") from None
    return counts


__all__ = [
    "Client",
    "Credentials",
    "Endpoints",
    "GraphCount",
    "InterruptedPushError",
    "Method",
    "PushError",
    "PushReport",
    "StoreError",
    "ask_raw",
    "batches",
    "count_triples",
    "credentials_from_environment",
    "endpoints",
    "named_graphs",
    "push",
    "read_graph_content",
    "read_graphs_content",
    "select",
    "select_table",
    "union_graph",
]
