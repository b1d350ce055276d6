"""Stage-by-stage benchmark of kg on synthetic corpora, against the straightforward reference.

    python bench/run.py [--sizes 10k,100k,1M,10M] [--seed 0] [--cache DIR]
                        [--reference-max-triples 150000] [--full-max-triples 1.5M]
                        [--memory-cap-gib 12] [--query-repeats 3]
                        [--markdown bench/RESULTS.md] [--json results.json]

For each size (in triples) a corpus is generated with bench/synth.py (cached under
``--cache``) and measured in a fresh subprocess, so sizes do not share memory or
warm caches. Stages are timed with ``time.perf_counter``. Peak memory is the peak
RSS of the measuring process during each stage: the kernel's high-water mark
(VmHWM) is reset before the stage (``/proc/self/clear_refs``) and read after it,
so it includes whatever earlier stages still hold (shown as "RSS before"); where
that reset is unavailable the process peak from ``resource.getrusage`` is used.

Only kg's public API is used. kg's stages are those ``kg.build`` reports through its
``progress`` callback, as ``kg build`` runs them (a worker process per core parsing,
the corpus dropped once mapped): load+resolve, anchor evidence (``--sources``), map
(with the N-Triples text the validator reads), SHACL validation (the default engine);
then writing Turtle and TriG (``Build.serialise``) and the on-disk store. ``kg build``
itself overlaps validation with writing, so it is also timed end to end as a command:
cold, again with nothing changed, cold filling ``--cache``, and after each kind of
one-file edit of bench/edits.py (each undone before the next). Then, on the TriG kg
wrote: reading it the way ``kg query -g`` does with rdflib, typical SPARQL queries
through rdflib and through pyoxigraph, every example query of ``examples/queries``
through ``kg.query`` (again on the on-disk store, whose opening is timed beside
opening the TriG), and the straightforward reference path: an rdflib Graph of the
quads, rdflib's own TriG and Turtle serialisers and parser, and pyshacl
(``engine="pyshacl"``), which is skipped above ``--reference-max-triples`` and
extrapolated from the smaller sizes (labelled as such).

Above ``--full-max-triples`` only kg's own path runs (build, files, store, opening
them; ``kg build`` cold and unchanged). Every measured process runs under
``--memory-cap-gib``: its process group's resident size is sampled twice a second
and the group is killed above the cap; the report says where it stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gc
import hashlib
import itertools
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(ROOT))

from bench import synth  # noqa: E402
from bench.edits import EDITS, Edit  # noqa: E402

DEFAULT_SIZES = "10k,100k,1M"  # 3M and 10M run on request (kg's own path only)
FULL_MAX_TRIPLES = 1_500_000
"""Above this size only kg's own path is measured (see ``measure``), unless told otherwise."""
MEMORY_CAP_GIB = 12.0
"""Every measured process (tree) is killed above this resident size: the machine is shared."""
STORE_NAME = "graph.oxigraph"  # the store `kg build --store` writes (README, "Querying")
STAGE_LOG = "stages.jsonl"
EXAMPLE_QUERIES = ROOT / "examples" / "queries"
PACKAGES = ("kg", "rdflib", "pyshacl", "pydantic", "PyYAML", "lxml", "pyoxigraph")

# kg stage -> (reference stage, what the comparison means)
COMPARISONS = {
    "kg build (command, cold)": (
        "reference path",
        "the whole build vs load+map, an rdflib Graph, rdflib's writers and pyshacl",
    ),
    "load+resolve+map": ("rdflib parse TriG", "extractions -> quads vs TriG -> rdflib Dataset"),
    "write Turtle": ("rdflib serialise Turtle", "kg's deterministic Turtle vs rdflib's"),
    "write TriG": ("rdflib serialise TriG", "kg's deterministic TriG vs rdflib's"),
    "validate (kg)": ("validate (pyshacl)", "kg's default engine (pyshacl-turbo) vs pyshacl"),
    "queries (pyoxigraph)": ("queries (rdflib)", "kg query (Oxigraph) vs rdflib, same queries"),
    "kg query: open store": (
        "kg query: open TriG",
        "opening the store kg build --store writes vs loading the TriG",
    ),
}
PIPELINE = (
    "load+resolve",
    "anchor evidence",
    "map",
    "validate (kg)",
    "write Turtle",
    "write TriG",
)
REFERENCE_PATH = (
    "load+resolve",
    "map",
    "rdflib Graph of the quads",
    "rdflib serialise Turtle",
    "rdflib serialise TriG",
    "validate (pyshacl)",
)
"""The straightforward path: kg's loader and mapper (rdflib reads no extraction files),
then rdflib and pyshacl for everything else."""
TARGETS_AT_1M = {
    "cold": 30.0,
    "peak_rss_mb": 2048.0,
    "unchanged": 5.0,
    "edited": 2.0,
    "validate": 30.0,
    "query": 0.1,
}

# --------------------------------------------------------------------------- queries
# DISTINCT: pyoxigraph's union default graph is a multiset (a fact stated by three sources
# matches three times), rdflib's is a set; DISTINCT makes both answer the same question.

QUERIES: dict[str, tuple[str, str]] = {
    "lookup by name": (
        "a person by name or alias",
        'SELECT DISTINCT ?who WHERE { ?who skos:prefLabel|skos:altLabel "$NAME" }',
    ),
    "roles of a person": (
        "every tenure of one person, with organisation, post and dates",
        """SELECT DISTINCT ?tenure ?org ?post ?role ?start ?end WHERE {
            ?tenure org:member <$PERSON> ; org:organization ?org .
            OPTIONAL { ?tenure kg:post ?post } OPTIONAL { ?tenure kg:roleName ?role }
            OPTIONAL { ?tenure schema:startDate ?start } OPTIONAL { ?tenure schema:endDate ?end }
        } ORDER BY ?start""",
    ),
    "actions per body": (
        "disciplinary actions counted per acting body",
        """SELECT ?body (COUNT(DISTINCT ?action) AS ?actions) WHERE {
            ?action a kg:DisciplinaryAction ; kg:actingAuthority ?body .
        } GROUP BY ?body ORDER BY DESC(?actions) ?body""",
    ),
    "votes with counts": (
        "motion votes with their counts and result",
        """SELECT DISTINCT ?vote ?motion ?yes ?no ?result WHERE {
            ?vote a opengov:VoteEvent ; dcterms:title ?motion ;
                  kg:votesFor ?yes ; kg:votesAgainst ?no .
            OPTIONAL { ?vote opengov:result ?result }
        } ORDER BY DESC(?yes) ?vote""",
    ),
    "election results": (
        "candidates, votes and status per election",
        """SELECT DISTINCT ?election ?candidate ?votes ?status WHERE {
            ?election a kg:Election ; kg:candidacy ?c . ?c kg:candidate ?candidate .
            OPTIONAL { ?c kg:votesReceived ?votes } OPTIONAL { ?c kg:candidacyStatus ?status }
        } ORDER BY ?election DESC(?votes)""",
    ),
    "claims about a person": (
        "who claims what about one person, with stance",
        """SELECT DISTINCT ?claim ?by ?stance ?text WHERE {
            ?claim a kg:Claim ; schema:about <$PERSON> ; prov:wasAttributedTo ?by ;
                   kg:stance ?stance ; schema:text ?text .
        }""",
    ),
    "provenance of a fact": (
        "which source graphs state one fact, with their quotes and offsets",
        """SELECT DISTINCT ?g ?quote ?start WHERE {
            GRAPH ?g { <$FACT> kg:evidence ?e . ?e oa:hasSelector ?q . ?q oa:exact ?quote .
                       OPTIONAL { ?e oa:hasSelector ?p . ?p oa:start ?start } }
        } ORDER BY ?g ?start""",
    ),
    "facts per source graph": (
        "facts derived from each source, largest first",
        """SELECT ?g (COUNT(DISTINCT ?fact) AS ?facts) WHERE {
            GRAPH ?g { ?fact prov:wasDerivedFrom ?source }
        } GROUP BY ?g ORDER BY DESC(?facts) ?g LIMIT 20""",
    ),
}

# --------------------------------------------------------------------------- memory


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark for this process (Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _process_peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


class Meter:
    """Times stages and records each one's peak RSS.

    Stages are either blocks (:meth:`stage`) or the spans between the progress messages
    ``kg.build`` reports (:meth:`progress`), so the build is measured as it runs, through
    its public ``progress`` callback. Each finished stage is also appended to ``log`` (JSON
    lines), so a worker killed for its memory still leaves the stages it finished.
    """

    def __init__(self, log: Path | None = None) -> None:
        self.stages: dict[str, dict[str, float]] = {}
        self.method = "VmHWM reset per stage"
        self.log = log
        self._open: tuple[str, float, float, int, bool] | None = None

    def _start(self, name: str) -> None:
        before = _status_kb("VmRSS") or 0
        reset = _reset_peak()
        if not reset:
            self.method = "getrusage ru_maxrss (process peak so far)"
        _log(f"  {name} ...")
        self._write({"started": name})
        self._open = (name, time.perf_counter(), time.process_time(), before, reset)

    def _write(self, entry: dict[str, Any]) -> None:
        if self.log is not None:
            with self.log.open("a", encoding="utf-8") as log:
                log.write(json.dumps(entry) + "\n")

    def _finish(self) -> None:
        if self._open is None:
            return
        name, start, cpu, before, reset = self._open
        self._open = None
        seconds = time.perf_counter() - start
        peak = (_status_kb("VmHWM") if reset else None) or _process_peak_kb()
        entry = {
            "seconds": seconds,
            "cpu_seconds": time.process_time() - cpu,  # well below seconds: the CPU was shared
            "rss_before_mb": before / 1024,
            "peak_rss_mb": peak / 1024,
        }
        self.stages[name] = entry
        self._write({"stage": name, **entry})
        _log(f"  {name}: {seconds:.2f} s, peak {peak / 1024:,.0f} MB")

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        gc.collect()
        self._start(name)
        yield
        self._finish()

    def progress(self, message: str) -> None:
        """``kg.build``'s progress callback: a message ends one stage and starts the next."""
        self._finish()
        self._start(stage_of(message))

    def close(self) -> None:
        """End the stage the last progress message started."""
        self._finish()


PROGRESS_STAGES = {
    "loading": "load+resolve",
    "anchoring": "anchor evidence",
    "mapping": "map",
    "validating": "validate (kg)",
}
"""kg.build's progress messages (by first word) -> the stage they start. ``map`` runs to
the "validating" message, so it includes the N-Triples text handed to the validator."""


def stage_of(message: str) -> str:
    """The stage a progress message starts; an unknown message names its own stage."""
    words = message.split()
    known = PROGRESS_STAGES.get(words[0].lower()) if words else None
    return known or re.sub(r"\d[\d,.]*", "N", " ".join(words[:3])) or "unnamed stage"


def usable_cores() -> int:
    """The cores this process may run on, as ``kg build`` counts them for ``--jobs``."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the worker


def _pick_parameters(quads: Sequence[tuple[str, str, str, str]]) -> dict[str, str]:
    """A busy person (most tenures), their name, the busiest organisation, an election,
    and the fact stated in most source graphs (quads are N-Triples strings)."""
    from rdflib.namespace import ORG, PROV, RDF, SKOS
    from rdflib.util import from_n3

    from kg import KG

    def iri(term: str) -> str:
        return f"<{term}>"  # kg's statements are N-Triples text (README, "How it works")

    member, organization = iri(ORG.member), iri(ORG.organization)
    derived, label, a = iri(PROV.wasDerivedFrom), iri(SKOS.prefLabel), iri(RDF.type)
    election_class = iri(KG.Election)
    tenures: Counter[str] = Counter()
    bodies: Counter[str] = Counter()
    graphs: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    elections: set[str] = set()
    for s, p, o, g in quads:
        if p == member:
            tenures[o] += 1
        elif p == organization:
            bodies[o] += 1
        elif p == derived:
            graphs.setdefault(s, set()).add(g)
        elif p == label:
            labels[s] = str(from_n3(o))
        elif p == a and o == election_class:
            elections.add(s)
    person = min(tenures, key=lambda node: (-tenures[node], node))
    body = min(bodies, key=lambda node: (-bodies[node], node))
    fact = min(graphs, key=lambda node: (-len(graphs[node]), node))
    return {
        "PERSON": person[1:-1],
        "NAME": labels.get(person, ""),
        "ORGANISATION": body[1:-1],
        "ELECTION": min(elections)[1:-1] if elections else "",
        "FACT": fact[1:-1],
    }


def _declared(query: str, key: str) -> dict[str, str]:
    """The ``# key: NAME=VALUE`` (or ``# key: VALUE``, under "") lines of a query's header."""
    found = {}
    for line in query.splitlines():
        match = re.match(rf"#\s*{key}:\s*(?:([A-Za-z_][A-Za-z0-9_]*)=)?(.*?)\s*$", line)
        if match:
            found[match.group(1) or ""] = match.group(2)
    return found


def _example_parameters(
    params: dict[str, str], picked: dict[str, str], base: str
) -> dict[str, str]:
    """An example query's declared parameters, with seed-corpus entities swapped for
    synthetic ones of the same kind (so selective queries select something)."""
    kinds = {"person": "PERSON", "organisation": "ORGANISATION", "election": "ELECTION"}
    out = {}
    for name, value in params.items():
        kind = value.removeprefix("id:").split("/")[0] if value.startswith("id:") else ""
        chosen = picked.get(kinds.get(kind, ""), "")
        out[name] = f"<{chosen}>" if chosen.startswith(base) else value
    return out


def _query_text(template: str, parameters: dict[str, str]) -> str:
    for name, value in parameters.items():
        template = template.replace(f"${name}", value.replace('"', '\\"'))
    return template


def measure(
    corpus_dir: Path,
    sources_dir: Path | None,
    *,
    pyshacl: bool,
    query_repeats: int,
    scratch: Path,
    full: bool = True,
) -> dict[str, Any]:
    """Run and time every stage on one corpus; meant to run in a fresh process per size.

    Only kg's public API: ``kg.build`` (its stages timed through the ``progress``
    callback), ``Build``'s methods, ``kg.query`` and ``kg.query.open_store``. Without
    ``full`` (the largest sizes) only kg's own path runs: the build, writing the files
    and the store, and opening them; the rdflib reference and the query timings are left
    out, as they would hold several times the build's memory.
    """
    import pyoxigraph
    from rdflib import Graph

    import kg
    from kg.query import open_store

    meter = Meter(scratch / STAGE_LOG)
    out: dict[str, Any] = {"corpus": str(corpus_dir)}
    built = kg.build(
        corpus_dir,
        sources_dir=sources_dir,
        jobs=usable_cores(),
        keep_corpus=False,  # as `kg build` runs it
        progress=meter.progress,
    )
    report = built.report  # waits for the validation the last progress message started
    meter.close()
    assert report is not None
    out["validation"] = {s.value: report.count(s) for s in kg.Severity}
    quads = built.mapping.quads
    out["quads"] = len(quads)
    out["documents"] = sum(1 for p in corpus_dir.glob("*.yaml") if p.name != synth.REGISTRY)
    parameters = _pick_parameters(quads) if full else {}
    out["query_parameters"] = parameters
    del quads
    with meter.stage("write Turtle"):
        turtle = built.serialise(kg.Format.TURTLE)
    with meter.stage("write TriG"):
        trig = built.serialise(kg.Format.TRIG)
    trig_path, turtle_path = scratch / "graph.trig", scratch / "graph.ttl"
    trig_path.write_bytes(trig)
    turtle_path.write_bytes(turtle)
    with meter.stage("write store (kg build --store)"):
        staged = built.stage_store(scratch, {trig_path: trig, turtle_path: turtle})
        staged.commit(trig_path)
    store_path = scratch / STORE_NAME
    out["bytes"] = {
        "turtle": len(turtle),
        "trig": len(trig),
        "store": sum(f.stat().st_size for f in store_path.iterdir()),
    }
    del turtle, trig, report, staged
    if full:
        with meter.stage("rdflib Graph of the quads"):
            graph = built.graph()
        out["triples"] = len(graph)
        del graph
    del built
    if not full:
        with meter.stage("kg query: open store"):
            disk_store = open_store(store_path)  # read-only, nothing parsed
        with meter.stage("kg stats: count triples (store)"):
            counted = kg.query(disk_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        out["triples"] = int(str(next(iter(counted))[0]))
        del disk_store
        with meter.stage("kg query: open TriG"):
            store = open_store(trig_path)  # the union copied into the default graph, as a set
        del store
        out["stages"] = meter.stages
        out["memory_method"] = meter.method
        out["process_peak_rss_mb"] = _process_peak_kb() / 1024
        out["load_average_after"] = os.getloadavg()
        return out

    # ---- reading the written graph, and the reference serialisers
    with meter.stage("rdflib parse TriG"):
        dataset = kg.read_graph(trig_path, "trig")  # what `kg query -g graph.trig` does
    with meter.stage("rdflib serialise TriG"):
        dataset.serialize(format="trig")
    queries: dict[str, dict[str, Any]] = {}
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(kg.PREFIXES.items()))
    texts = {name: prologue + _query_text(q, parameters) for name, (_, q) in QUERIES.items()}
    for name in texts:
        queries[name] = {}
    with meter.stage("queries (rdflib)") if pyshacl else contextlib.nullcontext():
        for name, text in texts.items() if pyshacl else ():
            times, rows = [], 0
            for _ in range(query_repeats):
                start = time.perf_counter()
                rows = len(kg.run_query(dataset, text).rows)
                times.append(time.perf_counter() - start)
            queries[name].update(rdflib_seconds=statistics.median(times), rdflib_rows=rows)
    del dataset
    with meter.stage("pyoxigraph load TriG"):
        store = pyoxigraph.Store()
        store.bulk_load(path=str(trig_path), format=pyoxigraph.RdfFormat.TRIG)
    with meter.stage("queries (pyoxigraph)"):
        for name, text in texts.items():
            times, rows = [], 0
            for _ in range(query_repeats):
                start = time.perf_counter()
                result = store.query(text, use_default_graph_as_union=True)
                rows = len(list(cast(Iterable[Any], result)))
                times.append(time.perf_counter() - start)
            queries[name].update(oxigraph_seconds=statistics.median(times), oxigraph_rows=rows)
    out["queries"] = queries
    del store
    with meter.stage("kg query: open TriG"):
        store = open_store(trig_path)  # the union copied into the default graph, as a set
    with meter.stage("kg query: open Turtle"):
        union_store = open_store(turtle_path)
    with meter.stage("kg query: open store"):
        disk_store = open_store(store_path)  # read-only, nothing parsed
    examples: dict[str, dict[str, Any]] = {}
    with meter.stage("example queries (kg query)"):
        for path in sorted(EXAMPLE_QUERIES.glob("*.rq")):
            query = path.read_text(encoding="utf-8")
            bound = _example_parameters(_declared(query, "param"), parameters, kg.DEFAULT_BASE)
            # each runs on the file it declares, as `kg query -g build/graph.<ext>` would
            on = store if _declared(query, "graph").get("", "ttl") == "trig" else union_store
            times, rows = [], 0
            for _ in range(query_repeats):
                start = time.perf_counter()
                rows = len(kg.query(on, query, bound))
                times.append(time.perf_counter() - start)
            examples[path.stem] = {"seconds": statistics.median(times), "rows": rows}
    with meter.stage("example queries (kg query, store)"):
        for path in sorted(EXAMPLE_QUERIES.glob("*.rq")):
            query = path.read_text(encoding="utf-8")
            bound = _example_parameters(_declared(query, "param"), parameters, kg.DEFAULT_BASE)
            times, rows = [], 0
            for _ in range(query_repeats):
                start = time.perf_counter()
                rows = len(kg.query(disk_store, query, bound))
                times.append(time.perf_counter() - start)
            # the store answers every query, on either file's form, as the file does
            examples[path.stem].update(store_seconds=statistics.median(times), store_rows=rows)
    out["example_queries"] = examples
    del store, union_store, disk_store
    with meter.stage("rdflib parse Turtle"):
        union = Graph().parse(turtle_path, format="turtle")
    with meter.stage("rdflib serialise Turtle"):
        union.serialize(format="turtle")
    if pyshacl:
        with meter.stage("validate (pyshacl)"):
            reference = kg.validate(union, engine="pyshacl")
        out["validation_pyshacl"] = {s.value: reference.count(s) for s in kg.Severity}
    out["stages"] = meter.stages
    out["memory_method"] = meter.method
    out["process_peak_rss_mb"] = _process_peak_kb() / 1024
    out["load_average_after"] = os.getloadavg()
    return out


# --------------------------------------------------------------------------- the parent


def parse_size(text: str) -> int:
    """'10k' -> 10000, '1M' -> 1000000, '250000' -> 250000."""
    text = text.strip()
    factor = {"k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if factor != 1 else text
    return int(float(number) * factor)


def label_of(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1_000 and size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, Python and package versions: what the numbers depend on."""
    cpu = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = round(int(line.split()[1]) / 1024 / 1024, 1)
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": ram,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def corpus_for(size: int, seed: int, cache: Path) -> tuple[Path, Path, float | None]:
    """The cached corpus (and sources) for ``size`` triples; generated if missing."""
    documents = synth.documents_for(size)
    version = hashlib.sha256(Path(synth.__file__).read_bytes()).hexdigest()[:10]
    home = cache / f"synth-d{documents}-s{seed}-{version}"  # a changed generator: a new corpus
    corpus, sources = home / "corpus", home / "sources"
    manifest = corpus / synth.MANIFEST
    if manifest.is_file():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if data.get("documents") == documents and not data.get("violations"):
            return corpus, sources, None
    _log(f"generating {documents} documents into {home}")
    start = time.perf_counter()
    if sources.exists():
        for stale in sources.iterdir():
            stale.unlink()
    synth.generate(corpus, documents, seed=seed, sources=sources)
    return corpus, sources, time.perf_counter() - start


def run_worker(
    corpus: Path,
    sources: Path | None,
    pyshacl: bool,
    repeats: int,
    scratch: Path,
    *,
    full: bool = True,
    cap_mb: float | None = None,
) -> dict[str, Any]:
    """Measure one corpus in a fresh interpreter, so each size starts from a clean heap.

    A worker killed for its memory (above ``cap_mb``) still gives the stages it finished,
    and says in which stage and at what size it was stopped."""
    result_file = scratch / "result.json"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        str(corpus),
        "--scratch",
        str(scratch),
        "--query-repeats",
        str(repeats),
    ]
    if sources is not None:
        command += ["--worker-sources", str(sources)]
    if pyshacl:
        command.append("--worker-pyshacl")
    if not full:
        command.append("--worker-light")
    run = _timed_run(command, cap_mb, quiet=False)
    if "killed_at_rss_mb" not in run:
        data: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
        data["worker_group_peak_rss_mb"] = run["group_peak_rss_mb"]
        return data
    stages, started = read_stage_log(scratch / STAGE_LOG)
    return {
        "corpus": str(corpus),
        "stages": stages,
        "stopped": {"stage": started, **run},
        "memory_method": "VmHWM reset per stage",
    }


def read_stage_log(path: Path) -> tuple[dict[str, Any], str | None]:
    """The stages a worker finished, and the one it had started last and not finished."""
    stages: dict[str, Any] = {}
    started = None
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if "started" in entry:
                started = entry["started"]
                continue
            name = entry.pop("stage")
            stages[name] = entry
            if started == name:
                started = None
    return stages, started


COMMAND_STAGES = (
    "kg build (command, cold)",
    "kg build (nothing changed)",
    "kg build (cold, filling --cache)",
)


def edit_stage(edit: Edit) -> str:
    return f"kg build --cache, one file edited: {edit.label}"


def measure_command(
    corpus: Path,
    sources: Path | None,
    scratch: Path,
    *,
    full: bool = True,
    cap_mb: float | None = None,
) -> dict[str, Any]:
    """``kg build`` as users run it, in its own process: wall time and peak RSS (of it
    and its parsing workers) for a cold build, a rebuild with nothing changed, and, with
    ``full``, a cold build filling ``--cache`` and a rebuild after each kind of one-file
    edit (bench/edits.py). Each edit is undone and built again (unmeasured in the tables,
    kept under "undo") before the next, so every measured rebuild sees one change."""
    work, out_dir, cache = scratch / "corpus", scratch / "out", scratch / "cache"
    shutil.copytree(corpus, work)  # the edits must not touch the kept corpus
    texts = None
    if sources is not None:
        texts = scratch / "sources"
        shutil.copytree(sources, texts)
    command = [kg_command(), "build", str(work), "-o", str(out_dir), "-q"]
    if texts is not None:
        command += ["--sources", str(texts)]
    timings: dict[str, Any] = {COMMAND_STAGES[0]: _timed_run([*command, "--rebuild"], cap_mb)}
    if "killed_at_rss_mb" in timings[COMMAND_STAGES[0]]:
        return timings
    timings[COMMAND_STAGES[1]] = _timed_run(command, cap_mb)
    if not full:
        return timings
    cached = [*command, "--cache", str(cache)]
    timings[COMMAND_STAGES[2]] = _timed_run([*cached, "--rebuild"], cap_mb)
    undo: dict[str, Any] = {}
    for edit in EDITS:
        if edit.needs_sources and texts is None:
            continue
        applied = edit.apply(work, texts)
        _log(f"  edit: {applied.description}")
        timings[edit_stage(edit)] = {**_timed_run(cached, cap_mb), "edit": applied.description}
        applied.undo()
        undo[edit.key] = _timed_run(cached, cap_mb)
    timings["undo"] = undo
    return timings


def kg_command() -> str:
    """The ``kg`` console script of the interpreter running the bench (the public CLI)."""
    script = Path(sys.executable).parent / "kg"
    if not script.is_file():
        raise SystemExit(f"{script}: no kg command beside {sys.executable}; install kg first")
    return str(script)


SAMPLE_SECONDS = 0.5


def group_rss_kb(group: int) -> int:
    """Resident size of every process in a process group (a build and its parsing workers)."""
    total = 0
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == group:  # fields: state, ppid, pgrp, ..., rss (the 22nd)
            total += int(fields[21]) * page_kb
    return total


def _timed_run(
    command: list[str], cap_mb: float | None = None, *, quiet: bool = True
) -> dict[str, float]:
    """Run a command in its own process group: wall time, the kernel's peak RSS of its
    largest process, and the sampled peak of the whole group. Above ``cap_mb`` (summed
    over the group, sampled twice a second) the group is killed and that is recorded.
    ``quiet`` hides what the command prints unless it fails."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            command,
            start_new_session=True,
            stdout=subprocess.DEVNULL if quiet else None,
            stderr=errors if quiet else None,
        )
        peak_kb, killed_kb = 0, 0
        done = threading.Event()

        def watch() -> None:
            nonlocal peak_kb, killed_kb
            while not done.wait(SAMPLE_SECONDS):
                rss = group_rss_kb(process.pid)
                peak_kb = max(peak_kb, rss)
                if cap_mb is not None and rss > cap_mb * 1024:
                    killed_kb = rss
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        _, status, usage = os.wait4(process.pid, 0)
        done.set()
        watcher.join()
        seconds = time.perf_counter() - start
        errors.seek(0)
        said = errors.read().decode("utf-8", "replace")
    result = {
        "seconds": seconds,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "group_peak_rss_mb": peak_kb / 1024,
    }
    if killed_kb:
        _log(f"  stopped after {seconds:.0f} s at {killed_kb / 1024:,.0f} MB (cap {cap_mb:,.0f})")
        return {**result, "killed_at_rss_mb": killed_kb / 1024}
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):  # 1: SHACL violations, still a complete build
        sys.stderr.write(said[-4000:])
        raise subprocess.CalledProcessError(process.returncode, command)
    return result


def fit(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """Least-squares line through (log triples, log seconds): (slope, intercept)."""
    usable = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len(usable) < 2:
        return None
    mean_x = sum(x for x, _ in usable) / len(usable)
    mean_y = sum(y for _, y in usable) / len(usable)
    var = sum((x - mean_x) ** 2 for x, _ in usable)
    if var == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in usable) / var
    return slope, mean_y - slope * mean_x


def extrapolate(results: list[dict[str, Any]], stage: str) -> None:
    """Fill a skipped stage from a power law through the measured sizes (marked extrapolated)."""
    measured = [
        (r["triples"], r["stages"][stage]["seconds"]) for r in results if stage in r["stages"]
    ]
    if not measured:
        return
    line = fit(measured)
    for result in results:
        if stage in result["stages"]:
            continue
        if line is not None:
            slope, intercept = line
            basis = f"power law fitted to {len(measured)} measured sizes (slope {slope:.2f})"
        else:
            (x0, y0), slope = measured[0], 1.0
            intercept = math.log(y0) - math.log(x0)
            basis = "linear from the one measured size"
        seconds = math.exp(intercept + slope * math.log(result["triples"]))
        result["stages"][stage] = {"seconds": seconds, "extrapolated": True, "basis": basis}


def growth(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per stage: log-log slope of seconds vs triples between sizes and over all of them."""
    stages: list[str] = []
    for result in results:
        stages += [s for s in result["stages"] if s not in stages]
    out: dict[str, dict[str, Any]] = {}
    for stage in stages:
        points = [
            (r["triples"], r["stages"][stage]["seconds"])
            for r in results
            if stage in r["stages"] and not r["stages"][stage].get("extrapolated")
        ]
        steps = [
            math.log(y1 / y0) / math.log(x1 / x0)
            for (x0, y0), (x1, y1) in itertools.pairwise(points)
            if x1 != x0 and y0 > 0 and y1 > 0
        ]
        line = fit(points)
        out[stage] = {"steps": steps, "slope": line[0] if line else None}
    return out


# --------------------------------------------------------------------------- reports


def _seconds(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "—"
    text = f"{entry['seconds']:.2f}" if entry["seconds"] < 100 else f"{entry['seconds']:,.0f}"
    return f"~{text} (extrapolated)" if entry.get("extrapolated") else text


def _mb(entry: dict[str, Any] | None) -> str:
    if entry is None or "peak_rss_mb" not in entry:
        return "—"
    if "rss_before_mb" not in entry:
        return f"{entry['peak_rss_mb']:,.0f}"
    return f"{entry['peak_rss_mb']:,.0f} ({entry['rss_before_mb']:,.0f})"


def render(report: dict[str, Any]) -> str:
    """The results as Markdown: machine, per-size tables, ratios, queries, growth."""
    spec = report["machine"]
    lines = [
        "# kg benchmark results",
        "",
        f"Generated by `{report['command']}` on {report['date']}.",
        "",
        "## Machine",
        "",
        f"- CPU: {spec['cpu']}, {spec['cores']} cores; RAM: {spec['ram_gib']} GiB",
        f"- Python {spec['python']} on {spec['platform']}",
        "- Packages: " + ", ".join(f"{k} {v}" for k, v in spec["packages"].items() if v),
        "",
        "## Method",
        "",
        f"- Corpora: `bench/synth.py`, seed {report['seed']}, sized by "
        "`synth.documents_for(triples)`; each size measured in its own subprocess.",
        "- Times: wall clock (`time.perf_counter`), one run per stage; queries: median of "
        f"{report['query_repeats']} runs each.",
        f"- Memory: peak RSS during each stage ({report['memory_method']}), in MB, with the RSS "
        "already held when the stage began in brackets (earlier stages' data stays alive).",
        "- pyshacl (the reference validator) runs up to "
        f"{report['reference_max_triples']:,} triples; above that its time is extrapolated "
        "from the measured sizes and labelled so.",
        "",
    ]
    for result in report["results"]:
        stages = result["stages"]
        lines += [
            f"## {result['label']}: {result['triples']:,} triples"
            + (" (the target: the worker stopped before counting)" if "stopped" in result else "")
            + f", {result['documents']:,} documents",
            "",
            (
                f"{result['quads']:,} quads"
                if result.get("quads") is not None
                else "quads not counted"
            )
            + (
                f"; Turtle {result['bytes']['turtle'] / 1e6:.1f} MB, TriG "
                f"{result['bytes']['trig'] / 1e6:.1f} MB"
                if "bytes" in result
                else ""
            )
            + (
                "; validation (kg): "
                + ", ".join(f"{v} {k}s" for k, v in result["validation"].items())
                if "validation" in result
                else ""
            )
            + (
                "; pyshacl: "
                + ", ".join(f"{v} {k}s" for k, v in result["validation_pyshacl"].items())
                if "validation_pyshacl" in result
                else ""
            )
            + (
                f"; corpus generated in {result['generation_seconds']:.1f} s"
                if result.get("generation_seconds")
                else ""
            )
            + ".",
            "",
            *_stopped_lines(result),
            "| stage | seconds | CPU s | peak RSS MB (before) | s per 100k triples |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, entry in stages.items():
            per = entry["seconds"] / result["triples"] * 100_000
            cpu = f"{entry['cpu_seconds']:.2f}" if "cpu_seconds" in entry else "—"
            lines.append(f"| {name} | {_seconds(entry)} | {cpu} | {_mb(entry)} | {per:.2f} |")
        pipeline = sum(stages[s]["seconds"] for s in PIPELINE if s in stages)
        summed = ", ".join(s for s in PIPELINE if s in stages)
        lines += [
            f"| sum of kg's stages one after another ({summed}) | {pipeline:.2f} | | | |",
            "",
            "The command rows are separate processes (peak RSS includes the parsing workers); "
            "`kg build` validates while it writes (up to 1.5M statements; a larger graph is "
            "validated in groups first, `kg.partition`), so it takes less than the sum of its "
            "stages.",
            "",
        ]
        compared = []
        for ours, (theirs, _) in COMPARISONS.items():
            mine = _combined(stages, ours)
            other = _combined(stages, theirs)
            if mine is None or other is None:
                continue
            ratio = mine["seconds"] / other["seconds"] if other["seconds"] else float("nan")
            mark = " (extrapolated)" if other.get("extrapolated") else ""
            compared.append(
                f"| {ours} | {theirs} | {mine['seconds']:.2f} | {_seconds(other)} | "
                f"{ratio:.2f}{mark} |"
            )
        if compared:
            lines += [
                "| kg stage | reference | kg s | reference s | kg / reference |",
                "|---|---|---:|---:|---:|",
                *compared,
                "",
            ]
        if result.get("queries"):
            lines += [
                "| query | rdflib s | pyoxigraph s | rdflib / pyoxigraph | rows |",
                "|---|---:|---:|---:|---:|",
            ]
        for name, q in result.get("queries", {}).items():
            if "rdflib_seconds" not in q:  # rdflib skipped above --reference-max-triples
                lines.append(
                    f"| {name} | (skipped) | {q['oxigraph_seconds']:.4f} | | {q['oxigraph_rows']} |"
                )
                continue
            rows = str(q["rdflib_rows"])
            if q["rdflib_rows"] != q["oxigraph_rows"]:
                rows += f" (pyoxigraph {q['oxigraph_rows']})"
            ratio = q["rdflib_seconds"] / q["oxigraph_seconds"] if q["oxigraph_seconds"] else 0
            lines.append(
                f"| {name} | {q['rdflib_seconds']:.3f} | {q['oxigraph_seconds']:.4f} | "
                f"{ratio:,.0f} | {rows} |"
            )
        examples = result.get("example_queries", {})
        if examples:
            name, worst = max(examples.items(), key=lambda item: item[1]["seconds"])
            middle = statistics.median(q["seconds"] for q in examples.values())
            lines += [
                "",
                f"Example queries (`examples/queries`, {len(examples)}, through `kg query`'s "
                f"Oxigraph path): slowest {name} {worst['seconds'] * 1000:.1f} ms, "
                f"median {middle * 1000:.1f} ms.",
            ]
        lines.append("")
    lines += _growth_lines(report)
    lines += _bottleneck_lines(report)
    lines += _example_lines(report)
    lines += _target_lines(report)
    lines += readme_table(report)
    return "\n".join(lines) + "\n"


def _stopped_lines(result: dict[str, Any]) -> list[str]:
    """What was killed for its memory, when and at what size."""
    lines = []
    stopped = result.get("stopped")
    if stopped:
        lines.append(
            "The measuring worker was stopped above the memory cap after "
            f"{stopped['seconds']:.0f} s, at {stopped['killed_at_rss_mb']:,.0f} MB, in the stage "
            f"{stopped['stage'] or '(between stages)'}; the stages before it are below."
        )
    for name, entry in result["stages"].items():
        if "killed_at_rss_mb" in entry:
            lines.append(
                f"`{name}` was stopped above the memory cap after {entry['seconds']:.0f} s, at "
                f"{entry['killed_at_rss_mb']:,.0f} MB (its processes together)."
            )
    return [*lines, ""] if lines else []


def readme_table(report: dict[str, Any]) -> list[str]:
    """The README's performance table: the headline figures per size, with the reference
    path (rdflib + pyshacl) at the largest size that ran it."""
    results = report["results"]
    reference = next(
        (r for r in reversed(results) if "rdflib serialise Turtle" in r["stages"]), None
    )

    def cell(result: dict[str, Any], name: str, unit: str = "s") -> str:
        entry = result["stages"].get(name)
        if entry is None:
            return "—"
        if "killed_at_rss_mb" in entry:
            return f"stopped at {entry['killed_at_rss_mb'] / 1024:.1f} GiB"
        if unit == "MiB":
            return f"{entry['peak_rss_mb']:,.0f} MiB"
        if unit == "ms":
            return f"{entry['seconds'] * 1000:.1f} ms"
        return _seconds(entry)

    def slowest(result: dict[str, Any]) -> str:
        examples = result.get("example_queries", {})
        worst = max((q["seconds"] for q in examples.values()), default=None)
        return "—" if worst is None else f"{worst * 1000:.1f} ms"

    def ratio(ours: str, theirs: str) -> str:
        if reference is None:
            return ""
        mine, other = _combined(reference["stages"], ours), _combined(reference["stages"], theirs)
        if not mine or not other or not other["seconds"]:
            return ""
        return f"{mine['seconds'] / other['seconds']:.3f}"

    label = reference["label"] if reference else ""
    rows: list[tuple[str, list[str], str, str]] = [
        (
            "**`kg build`, cold**",
            [f"**{cell(r, COMMAND_STAGES[0])}**" for r in results],
            _seconds(_combined(reference["stages"], "reference path")) if reference else "",
            ratio(COMMAND_STAGES[0], "reference path"),
        ),
        ("peak memory of that build", [cell(r, COMMAND_STAGES[0], "MiB") for r in results], "", ""),
        ("`kg build`, nothing changed", [cell(r, COMMAND_STAGES[1]) for r in results], "", ""),
        (
            "`kg build --cache`, cold (filling the cache)",
            [cell(r, COMMAND_STAGES[2]) for r in results],
            "",
            "",
        ),
    ]
    for edit in EDITS:
        rows.append(
            (
                f"`kg build --cache`, one file edited: {edit.label}",
                [cell(r, edit_stage(edit)) for r in results],
                "",
                "",
            )
        )
    rows += [
        (
            "stages, one after another: load + resolve",
            [cell(r, "load+resolve") for r in results],
            f"parse TriG {cell(reference, 'rdflib parse TriG')}" if reference else "",
            ratio("load+resolve+map", "rdflib parse TriG") + " (load+map)" if reference else "",
        ),
        ("map to quads", [cell(r, "map") for r in results], "", ""),
        (
            "SHACL validation (default engine)",
            [cell(r, "validate (kg)") for r in results],
            f"pyshacl {cell(reference, 'validate (pyshacl)')}" if reference else "",
            ratio("validate (kg)", "validate (pyshacl)"),
        ),
        (
            "write Turtle",
            [cell(r, "write Turtle") for r in results],
            f"rdflib {cell(reference, 'rdflib serialise Turtle')}" if reference else "",
            ratio("write Turtle", "rdflib serialise Turtle"),
        ),
        (
            "write TriG",
            [cell(r, "write TriG") for r in results],
            f"rdflib {cell(reference, 'rdflib serialise TriG')}" if reference else "",
            ratio("write TriG", "rdflib serialise TriG"),
        ),
        (
            "write the on-disk store (`kg build --store`)",
            [cell(r, "write store (kg build --store)") for r in results],
            "",
            "",
        ),
        (
            "`kg query`: open the TriG / open the store",
            [
                f"{cell(r, 'kg query: open TriG')} / {cell(r, 'kg query: open store')}"
                for r in results
            ],
            "",
            "",
        ),
        ("the example queries, slowest (`kg query`)", [slowest(r) for r in results], "", ""),
    ]
    lines = [
        "## The README's table",
        "",
        "Seconds, one run each; the README's performance section shows this table.",
        "",
        "| | "
        + " | ".join(r["label"] for r in results)
        + (f" | reference path at {label} | kg / reference |" if label else " | | |"),
        "|---|" + "---:|" * len(results) + "---:|---:|",
    ]
    for name, cells, theirs, share in rows:
        if all(c in ("—", "**—**", "— / —") for c in cells):
            continue
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {theirs} | {share} |")
    return [*lines, ""]


def _example_lines(report: dict[str, Any]) -> list[str]:
    largest = report["results"][-1]
    examples = largest.get("example_queries", {})
    if not examples:
        return []
    lines = [
        f"## Example queries at {largest['label']}",
        "",
        "Every query of `examples/queries`, its seed-corpus entities swapped for synthetic "
        "ones of the same kind, through `kg query`'s Oxigraph path on the file it declares "
        "(Turtle or TriG, loaded in memory), and on the on-disk store `kg build --store` "
        "writes (opened read-only); median of the runs.",
        "",
        "| query | ms | rows | store ms | store rows |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, entry in sorted(examples.items(), key=lambda item: -item[1]["seconds"]):
        store_ms = entry.get("store_seconds")
        on_store = f"{store_ms * 1000:.1f} | {entry['store_rows']}" if store_ms else "- | -"
        lines.append(f"| {name} | {entry['seconds'] * 1000:.1f} | {entry['rows']} | {on_store} |")
    return [*lines, ""]


def _target_lines(report: dict[str, Any]) -> list[str]:
    """Issue #5's targets against the largest size measured."""
    largest = report["results"][-1]
    stages = largest["stages"]
    if COMMAND_STAGES[0] not in stages:
        return []
    examples = largest.get("example_queries", {})
    slowest = max((q["seconds"] for q in examples.values()), default=float("nan"))
    cold = stages[COMMAND_STAGES[0]]
    if "killed_at_rss_mb" in cold:
        return []
    rows = [
        ("cold `kg build`", "cold", cold["seconds"]),
        ("peak RSS of a cold build", "peak_rss_mb", cold["peak_rss_mb"]),
    ]
    if COMMAND_STAGES[1] in stages:
        rows.append(("rebuild, nothing changed", "unchanged", stages[COMMAND_STAGES[1]]["seconds"]))
    for edit in EDITS:
        if edit_stage(edit) in stages:
            rows.append(
                (
                    f"rebuild after one edit: {edit.label}",
                    "edited",
                    stages[edit_stage(edit)]["seconds"],
                )
            )
    if "validate (kg)" in stages:
        rows.append(("SHACL validation", "validate", stages["validate (kg)"]["seconds"]))
    if examples:
        rows.append(("slowest example query", "query", slowest))
    lines = [
        f"## Targets at {largest['label']} ({largest['triples']:,} triples)",
        "",
        "| target | goal | measured | met |",
        "|---|---|---:|---|",
    ]
    for name, key, value in rows:
        limit = TARGETS_AT_1M[key]
        if key == "query":
            goal, shown = f"≤ {limit * 1000:.0f} ms", f"{value * 1000:.1f} ms"
        elif key == "peak_rss_mb":
            goal, shown = f"≤ {limit:,.0f} MB", f"{value:,.0f} MB"
        else:
            goal, shown = f"≤ {limit:.0f} s", f"{value:.2f} s"
        lines.append(f"| {name} | {goal} | {shown} | {'yes' if value <= limit else '**no**'} |")
    return [*lines, ""]


def _combined(stages: dict[str, Any], name: str) -> dict[str, Any] | None:
    if name == "reference path":
        if not all(stage in stages for stage in REFERENCE_PATH):
            return None
        return {
            "seconds": sum(stages[stage]["seconds"] for stage in REFERENCE_PATH),
            "extrapolated": any(stages[stage].get("extrapolated") for stage in REFERENCE_PATH),
        }
    if name == "load+resolve+map":
        if "load+resolve" not in stages or "map" not in stages:
            return None
        return {"seconds": stages["load+resolve"]["seconds"] + stages["map"]["seconds"]}
    entry: dict[str, Any] | None = stages.get(name)
    return entry


def _growth_lines(report: dict[str, Any]) -> list[str]:
    results = report["results"]
    if len(results) < 2:
        return []
    labels = [r["label"] for r in results]
    lines = [
        "## Growth",
        "",
        "Seconds per stage against triples; the slope of log(seconds) against log(triples) is "
        "1 for linear cost, 2 for quadratic (between consecutive sizes, and fitted over all).",
        "",
        "| stage | " + " | ".join(labels) + " | slopes | fitted slope |",
        "|---|" + "---:|" * len(labels) + "---|---:|",
    ]
    for stage, curve in report["growth"].items():
        cells = [_seconds(r["stages"].get(stage)) for r in results]
        steps = ", ".join(f"{s:.2f}" for s in curve["steps"]) or "—"
        slope = f"{curve['slope']:.2f}" if curve["slope"] is not None else "—"
        lines.append(f"| {stage} | " + " | ".join(cells) + f" | {steps} | {slope} |")
    return [*lines, ""]


def _bottleneck_lines(report: dict[str, Any]) -> list[str]:
    largest = report["results"][-1]
    stages = {
        name: entry["seconds"] for name, entry in largest["stages"].items() if name in PIPELINE
    }
    total = sum(stages.values())
    if not total:
        return []
    lines = [
        f"## Where kg's time goes at {largest['label']}",
        "",
        "| stage | seconds | share of kg build |",
        "|---|---:|---:|",
    ]
    for name, seconds in sorted(stages.items(), key=lambda item: -item[1]):
        lines.append(f"| {name} | {seconds:.2f} | {seconds / total:.0%} |")
    return [*lines, ""]


def print_summary(report: dict[str, Any]) -> None:
    for result in report["results"]:
        print(
            f"\n{result['label']}: {result['triples']:,} triples, {result['documents']} documents"
        )
        for name, entry in result["stages"].items():
            print(f"  {name:52} {_seconds(entry):>12} s   peak {_mb(entry):>16} MB")
        for ours, (theirs, _) in COMPARISONS.items():
            mine, other = _combined(result["stages"], ours), _combined(result["stages"], theirs)
            if mine and other and other["seconds"]:
                mark = " (extrapolated)" if other.get("extrapolated") else ""
                print(f"  ratio {ours} / {theirs}: {mine['seconds'] / other['seconds']:.2f}{mark}")
    if len(report["results"]) > 1:
        print("\nlog-log slope of seconds vs triples (1 = linear):")
        for stage, curve in report["growth"].items():
            steps = ", ".join(f"{s:.2f}" for s in curve["steps"])
            slope = f"{curve['slope']:.2f}" if curve["slope"] is not None else "-"
            print(f"  {stage:26} {slope:>6}   ({steps})")


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="triples per corpus, e.g. 10k,1M")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "kg-bench",
        help="where generated corpora are kept between runs",
    )
    parser.add_argument(
        "--reference-max-triples",
        type=parse_size,
        default=150_000,
        help="run pyshacl only up to this size; extrapolate above it",
    )
    parser.add_argument(
        "--full-max-triples",
        type=parse_size,
        default=FULL_MAX_TRIPLES,
        help="above this size measure only kg's own path: the build, the files, the store, "
        "opening them, and kg build cold and unchanged as a command",
    )
    parser.add_argument(
        "--memory-cap-gib",
        type=float,
        default=MEMORY_CAP_GIB,
        help="kill a measured process (with its workers) above this resident size",
    )
    parser.add_argument("--query-repeats", type=int, default=3)
    parser.add_argument("--no-sources", action="store_true", help="skip the evidence anchoring")
    parser.add_argument("--markdown", type=Path, help="write the results as Markdown here")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    parser.add_argument(
        "--from-json", type=Path, help="measure nothing: render a saved --json report again"
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--worker-sources", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--worker-pyshacl", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker-light", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker is not None:
        data = measure(
            args.worker,
            args.worker_sources,
            pyshacl=args.worker_pyshacl,
            query_repeats=args.query_repeats,
            scratch=args.scratch,
            full=not args.worker_light,
        )
        (args.scratch / "result.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
        return 0

    if args.from_json is not None:
        report = json.loads(args.from_json.read_text(encoding="utf-8"))
        print_summary(report)
        _save(report, args.markdown, None)
        return 0

    sizes = sorted(parse_size(s) for s in args.sizes.split(","))
    results: list[dict[str, Any]] = []
    cap_mb = args.memory_cap_gib * 1024
    for size in sizes:
        corpus, sources, generated = corpus_for(size, args.seed, args.cache)
        pyshacl = size <= args.reference_max_triples
        full = size <= args.full_max_triples
        texts = None if args.no_sources else sources
        _log(
            f"measuring {label_of(size)} ({corpus}){'' if pyshacl else ', pyshacl skipped'}"
            + ("" if full else ", kg's own path only")
        )
        with tempfile.TemporaryDirectory(prefix="kg-bench-") as scratch:
            result = run_worker(
                corpus, texts, pyshacl, args.query_repeats, Path(scratch), full=full, cap_mb=cap_mb
            )
        with tempfile.TemporaryDirectory(prefix="kg-bench-") as scratch:
            _log("  kg build as a command ...")
            commands = measure_command(corpus, texts, Path(scratch), full=full, cap_mb=cap_mb)
        undo = commands.pop("undo", None)
        if undo:
            result["undo"] = undo
        result["stages"].update(commands)
        result.setdefault("triples", size)  # a stopped worker counted nothing: the target
        result.setdefault("quads", None)
        result.setdefault("documents", synth.documents_for(size))
        result["label"] = label_of(size)
        result["target_triples"] = size
        result["generation_seconds"] = generated
        results.append(result)
        if size != sizes[-1]:  # keep what is measured so far, should a later size be cut short
            _save(_report(args, argv, results), args.markdown, args.json)
    report = _report(args, argv, results)
    print_summary(report)
    _save(report, args.markdown, args.json)
    return 0


def _report(
    args: argparse.Namespace, argv: Sequence[str] | None, measured: list[dict[str, Any]]
) -> dict[str, Any]:
    """The full report of the sizes measured so far, with extrapolations and growth curves."""
    results = copy.deepcopy(measured)
    extrapolate(results, "validate (pyshacl)")
    return {
        "command": "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "seed": args.seed,
        "query_repeats": args.query_repeats,
        "reference_max_triples": args.reference_max_triples,
        "memory_method": results[0].get("memory_method", "") if results else "",
        "queries": {name: description for name, (description, _) in QUERIES.items()},
        "results": results,
        "growth": growth(results),
    }


def _save(report: dict[str, Any], markdown: Path | None, json_file: Path | None) -> None:
    if markdown:
        markdown.write_text(render(report), encoding="utf-8")
    if json_file:
        json_file.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
