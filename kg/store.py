"""Push a built graph to a SPARQL 1.1 server, one named graph at a time.

Each named graph is *replaced* as a unit, so pushing twice leaves no duplicates
and pushing after one source changed rewrites that source's graph alone; graphs
the push does not name are never touched.

* ``method="gsp"`` (default) uses the SPARQL 1.1 Graph Store HTTP Protocol:
  ``PUT store?graph=IRI`` with the first batch of N-Triples (replacing the graph),
  then ``POST`` (append) for every further batch of the same graph. A graph that
  fits one batch is therefore replaced atomically; a larger one is not, and a
  failure part-way leaves it partly written (the error says so).
* ``method="update"`` is for servers without the Graph Store Protocol: SPARQL 1.1
  Update requests ``DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { … } }`` for
  the first batch and ``INSERT DATA`` for the rest.

Triples that share a blank node always travel in the same batch (a blank node is
local to one request). Transient failures (connection refused or reset, HTTP 429,
502, 503, 504) are retried with exponential backoff; other HTTP errors are not.
Credentials come from the environment (``KG_STORE_TOKEN`` for a bearer token, or
``KG_STORE_USER`` and ``KG_STORE_PASSWORD``) or a netrc file, never from URLs, and
never appear in messages. After the push, the triples of every graph are counted
with a SPARQL query and compared with what was sent.
"""

from __future__ import annotations

import base64
import json
import netrc
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal as TypingLiteral

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node as Term

from kg.errors import KgError

Method = TypingLiteral["gsp", "update"]
Triple = tuple[Term, Term, Term]
Progress = Callable[[str], None]

TRANSIENT_STATUS = frozenset({429, 502, 503, 504})
DEFAULT_BATCH_SIZE = 50_000
MAX_DELAY = 30.0
ENV_TOKEN, ENV_USER, ENV_PASSWORD, ENV_NETRC = (
    "KG_STORE_TOKEN",
    "KG_STORE_USER",
    "KG_STORE_PASSWORD",
    "NETRC",
)
N_TRIPLES = "application/n-triples"


class StoreError(KgError):
    """A triple store refused a request or could not be reached."""


class PushError(StoreError):
    """A push stopped part-way; says which graphs were written and which were not."""

    def __init__(
        self, cause: str, written: list[str], failed: str, not_written: list[str], partly: str
    ) -> None:
        self.cause, self.written, self.failed, self.not_written = (
            cause,
            written,
            failed,
            not_written,
        )
        lines = [f"push failed at graph <{failed}>{partly}: {cause}"]
        lines.append(f"written ({len(written)}): " + (", ".join(f"<{g}>" for g in written) or "-"))
        lines.append(
            f"not written ({len(not_written)}): " + ", ".join(f"<{g}>" for g in not_written)
        )
        super().__init__("\n".join(lines))


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

    ``…/query`` or ``…/sparql`` (Oxigraph; also a server root) -> siblings ``update``
    and ``store``; ``…/repositories/REPO`` (GraphDB, RDF4J) -> ``…/statements`` and
    ``…/rdf-graphs/service``. Fuseki needs ``store_url`` (``…/ds/data``).
    """
    for url in (endpoint, store_url, update_url):
        if url is not None:
            _check_url(url)
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    if re.search(r"/repositories/[^/]+$", path):
        update, store = f"{path}/statements", f"{path}/rdf-graphs/service"
    else:
        if not path:  # a server root: Oxigraph's layout
            endpoint = urllib.parse.urlunsplit(parts._replace(path="/query"))
        elif path.rsplit("/", 1)[-1] in {"query", "sparql"}:
            path = path.rsplit("/", 1)[0]
        update, store = f"{path}/update", f"{path}/store"

    def sibling(new_path: str) -> str:
        return urllib.parse.urlunsplit(parts._replace(path=new_path, query=""))

    return Endpoints(endpoint, update_url or sibling(update), store_url or sibling(store))


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise StoreError(f"not an http(s) URL: {_redact_url(url)}")
    if parts.username is not None or parts.password is not None:
        raise StoreError(
            f"{_redact_url(url)}: do not put credentials in URLs; set {ENV_USER} and "
            f"{ENV_PASSWORD} (or {ENV_TOKEN}) or use a netrc file"
        )


def _redact_url(url: str) -> str:
    return re.sub(r"//[^/@]*@", "//***@", url)


@dataclass(frozen=True, slots=True)
class Credentials:
    """An Authorization header and where it came from; repr and str never show the secret."""

    source: str
    header: str = field(repr=False)
    secrets: tuple[str, ...] = field(repr=False, default=())

    def scrub(self, text: str) -> str:
        for secret in sorted((self.header, *self.secrets), key=len, reverse=True):
            if secret:
                text = text.replace(secret, "***")
        return text


def credentials_from_environment(
    url: str, environ: Mapping[str, str] | None = None, netrc_file: Path | str | None = None
) -> Credentials | None:
    """``KG_STORE_TOKEN`` (bearer), else ``KG_STORE_USER``/``KG_STORE_PASSWORD`` (basic),
    else the netrc entry for the URL's host (``$NETRC`` or ``~/.netrc``), else None."""
    env = os.environ if environ is None else environ
    if env.get(ENV_TOKEN):
        token = env[ENV_TOKEN]
        return Credentials(ENV_TOKEN, f"Bearer {token}", (token,))
    if env.get(ENV_USER) or env.get(ENV_PASSWORD):
        return _basic(
            f"{ENV_USER}/{ENV_PASSWORD}", env.get(ENV_USER, ""), env.get(ENV_PASSWORD, "")
        )
    path = Path(netrc_file or env.get(ENV_NETRC) or Path.home() / ".netrc")
    host = urllib.parse.urlsplit(url).hostname
    if not host or not path.is_file():
        return None
    try:
        entry = netrc.netrc(str(path)).authenticators(host)
    except (netrc.NetrcParseError, OSError) as exc:
        raise StoreError(f"{path}: cannot read netrc file ({type(exc).__name__})") from None
    if entry is None:
        return None
    login, _, password = entry
    return _basic(f"netrc ({path})", login, password or "")


def _basic(source: str, user: str, password: str) -> Credentials:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return Credentials(source, f"Basic {token}", (token, password))


class _TransientError(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are errors: they would resend a body (and credentials) somewhere else."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Client:
    """HTTP with timeouts, retries with exponential backoff, and scrubbed error messages."""

    def __init__(
        self,
        credentials: Credentials | None = None,
        *,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 0.5,
        progress: Progress | None = None,
    ) -> None:
        self.credentials, self.timeout, self.retries, self.backoff = (
            credentials,
            timeout,
            retries,
            backoff,
        )
        self.progress = progress or (lambda _: None)
        self.requests = 0
        self._opener = urllib.request.build_opener(_NoRedirect())

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        content_type: str = "",
        accept: str = "*/*",
    ) -> bytes:
        for attempt in range(self.retries + 1):
            try:
                return self._send(method, url, body, content_type, accept)
            except _TransientError as exc:
                if attempt == self.retries:
                    tries = f" (after {attempt + 1} attempts)" if attempt else ""
                    raise StoreError(self._scrub(f"{method} {url}: {exc.reason}{tries}")) from None
                delay = min(MAX_DELAY, exc.retry_after or self.backoff * 2**attempt)
                self.progress(f"{method} {url}: {exc.reason}; retrying in {delay:.2f} s")
                time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(
        self, method: str, url: str, body: bytes | None, content_type: str, accept: str
    ) -> bytes:
        headers = {"Accept": accept, "User-Agent": "kg"}
        if content_type:
            headers["Content-Type"] = content_type
        if self.credentials is not None:
            headers["Authorization"] = self.credentials.header
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        self.requests += 1
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                data: bytes = response.read()
                return data
        except urllib.error.HTTPError as exc:
            with exc:
                detail = exc.read(300).decode("utf-8", "replace").strip()
            if exc.code in TRANSIENT_STATUS:
                raise _TransientError(
                    f"HTTP {exc.code} {exc.reason}", _retry_after(exc.headers.get("Retry-After"))
                ) from None
            hint = self._hint(exc.code, exc.headers.get("Location"))
            message = f"{method} {url}: HTTP {exc.code} {exc.reason}{hint}"
            raise StoreError(self._scrub(message + (f"\n{detail}" if detail else ""))) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            if isinstance(reason, ConnectionError):  # refused, reset, aborted, broken pipe
                raise _TransientError(f"{type(reason).__name__}: {reason}") from None
            if isinstance(reason, TimeoutError):
                raise StoreError(f"{method} {url}: no answer within {self.timeout:g} s") from None
            raise StoreError(
                self._scrub(f"{method} {url}: cannot reach the server: {reason}")
            ) from None

    def _hint(self, status: int, location: str | None) -> str:
        if status in {401, 403}:
            if self.credentials is None:
                return (
                    f" (no credentials were sent: set {ENV_USER}/{ENV_PASSWORD} or {ENV_TOKEN},"
                    " or use netrc)"
                )
            return f" (the server refused the credentials from {self.credentials.source})"
        if status == 404:
            return " (wrong URL? check --endpoint, --store-url and --update-url)"
        if status in {405, 415, 501}:
            return " (this URL may not speak the Graph Store Protocol: try --method update)"
        if 300 <= status < 400:
            return f" (redirected to {location or '?'}: use that URL instead)"
        return ""

    def _scrub(self, text: str) -> str:
        return self.credentials.scrub(text) if self.credentials else text


def _retry_after(value: str | None) -> float | None:
    return float(value) if value and value.strip().isdigit() else None


# -- RDF terms as N-Triples (also valid SPARQL term syntax) --------------------------------

_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}


def _term(term: Term) -> str:
    if isinstance(term, URIRef):
        if _BAD_IRI.search(term):
            raise StoreError(f"not a valid IRI: {term!r}")
        return f"<{term}>"
    if isinstance(term, BNode):
        return "_:b" + str(term).encode("utf-8").hex()
    if isinstance(term, Literal):
        text = '"' + "".join(_ESCAPES.get(c, c) for c in str(term)) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None:
            return f"{text}^^{_term(term.datatype)}"
        return text
    raise StoreError(f"cannot send {type(term).__name__} terms")


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
    graph: str
    sent: int
    found: int | None  # None when not verified

    @property
    def ok(self) -> bool:
        return self.found is None or self.found == self.sent


@dataclass(frozen=True, slots=True)
class PushReport:
    """Per graph, the triples sent and those the server reports holding afterwards."""

    endpoints: Endpoints
    method: Method
    graphs: tuple[GraphCount, ...]
    requests: int

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


def push(
    data: Dataset | Graph | Path | str,
    endpoint: str,
    *,
    store_url: str | None = None,
    update_url: str | None = None,
    method: Method = "gsp",
    target_graph: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    timeout: float = 60.0,
    retries: int = 4,
    backoff: float = 0.5,
    verify: bool = True,
    credentials: Credentials | None = None,
    progress: Progress | None = None,
) -> PushReport:
    """Replace each named graph of ``data`` on the server at ``endpoint`` (a SPARQL query URL).

    ``credentials`` default to :func:`credentials_from_environment`. Raises
    :class:`PushError` naming the graphs written and not written when a push stops
    part-way, :class:`StoreError` for other failures.
    """
    if method not in ("gsp", "update"):
        raise StoreError(f"unknown method {method!r}: use 'gsp' or 'update'")
    if batch_size < 1:
        raise StoreError("batch size must be at least 1")
    urls = endpoints(endpoint, store_url, update_url)
    graphs = named_graphs(data, target_graph)
    say = progress or (lambda _: None)
    write_url = urls.store if method == "gsp" else urls.update
    if credentials is None:
        credentials = credentials_from_environment(write_url)
    client = Client(credentials, timeout=timeout, retries=retries, backoff=backoff, progress=say)
    names = list(graphs)
    for index, (graph, triples) in enumerate(graphs.items()):
        done = 0
        try:
            for number, batch in enumerate(batches(triples, batch_size)):
                _write_batch(client, urls, method, graph, batch, first=number == 0)
                done += 1
        except StoreError as exc:
            partly = f" (partly written: {done} requests succeeded)" if done else ""
            raise PushError(str(exc), names[:index], graph, names[index:], partly) from None
        say(f"wrote <{graph}> ({len(triples):,} triples, {done} request{'s' * (done != 1)})")
    found: dict[str, int] = {}
    if verify:
        try:
            found = count_triples(urls.query, names, client)
        except StoreError as exc:
            raise StoreError(
                f"all {len(names)} graphs were written, but counting failed: {exc}"
            ) from None
    counts = tuple(
        GraphCount(g, len(t), found.get(g, 0) if verify else None) for g, t in graphs.items()
    )
    return PushReport(urls, method, counts, client.requests)


def select(endpoint: str, query: str, client: Client | None = None) -> list[dict[str, Term]]:
    """Run a SELECT query over the SPARQL protocol; rows map variable names to rdflib terms."""
    if client is None:
        _check_url(endpoint)
        client = Client(credentials_from_environment(endpoint))
    body = urllib.parse.urlencode({"query": query}).encode("ascii")
    raw = client.request(
        "POST",
        endpoint,
        body,
        "application/x-www-form-urlencoded",
        "application/sparql-results+json",
    )
    try:
        bindings = json.loads(raw)["results"]["bindings"]
        return [{name: _from_json(value) for name, value in row.items()} for row in bindings]
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"{endpoint}: not a SPARQL JSON result ({exc})") from None


def _from_json(value: dict[str, str]) -> Term:
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    datatype = value.get("datatype")
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
    for row in select(endpoint, query, client):
        counts[str(row["g"])] = int(str(row["n"]))
    return counts


__all__ = [
    "Client",
    "Credentials",
    "Endpoints",
    "GraphCount",
    "Method",
    "PushError",
    "PushReport",
    "StoreError",
    "batches",
    "count_triples",
    "credentials_from_environment",
    "endpoints",
    "named_graphs",
    "push",
    "select",
]
