"""The pipeline: load -> resolve -> (anchor) -> map -> validate -> write.

Every stage is a function of the previous stage's output; nothing reaches back.
Output is written only after every check passed, atomically, so a failed build
leaves the previous output as it was.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from rdflib import Dataset, Graph

from kg.atomic import write_atomically
from kg.cache import LoadCache
from kg.coldmap import Spilled, spill_in_child, worth_a_child
from kg.defaults import GRAPH_STEM
from kg.diskstore import STORE_SUFFIX, StagedStore, stage_store
from kg.docunits import Inputs, Rebuilt, UnitState, rebuild, record, state_key
from kg.errors import InputError, KgError, Problem
from kg.evidence import anchor_documents
from kg.io import (
    Format,
    serialise_quads,
    to_dataset,
    to_graph,
)
from kg.load import discover, load_documents, load_registry
from kg.mapping import MappedGraph, Minter, assemble, check_base, map_corpus, map_files
from kg.namespaces import DEFAULT_BASE
from kg.ntriples import ascii_document
from kg.partition import (
    ONE_RUN_GROUPS,
    PARTITION_STATEMENTS,
    located_report,
    start_partitioned_validation,
)
from kg.pieces import PieceCache
from kg.piecewise import serialise_formats
from kg.resolve import Corpus, resolve
from kg.revalidation import (
    STATE_DIR,
    GraphTexts,
    Outcome,
    ValidationState,
    fingerprint,
    revalidate,
    save_state,
)
from kg.shape_reach import Reach
from kg.sourcemap import read_sourcemap, sourcemap_json
from kg.validation import (
    Engine,
    PendingValidation,
    StatementLabels,
    ValidationReport,
    ValidationResult,
    start_validation,
)

DEFAULT_FORMATS = (Format.TURTLE, Format.TRIG)
SOURCEMAP_SUFFIX = ".sourcemap.json"
STORE_NAME = f"{GRAPH_STEM}{STORE_SUFFIX}"

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def load_corpus(
    seeds_dir: Path | str,
    *,
    sources_dir: Path | str | None = None,
    cache_dir: Path | str | None = None,
    jobs: int = 1,
    progress: Progress = _quiet,
) -> Corpus:
    """Load and cross-check every extraction file; raise :class:`InputError` listing all problems.

    With ``sources_dir``, every evidence quote is also checked against its source text.
    With ``cache_dir``, files validated before (same bytes) are not parsed again.
    With ``jobs`` > 1, large corpora are parsed in that many forked worker processes.

    >>> import kg
    >>> corpus = kg.load_corpus("tests/fixtures/golden/seeds")
    >>> [document.model.source.id for document in corpus.documents]
    ['harbour-report']
    >>> sorted({section for _, section, _, _ in corpus.facts()})[:3]
    ['claims', 'compositions', 'disciplinary_actions']
    >>> print(corpus.location_of("bram-osei"))
    tests/fixtures/golden/seeds/registry.yaml:5:5
    """
    cache = LoadCache(Path(cache_dir)) if cache_dir is not None else None
    seeds = Path(seeds_dir)
    if not seeds.is_dir():
        raise KgError(f"{seeds}: not a directory of extraction files")
    registry_path, document_paths = discover(seeds)
    progress(f"loading {len(document_paths)} document files from {seeds}")
    problems: list[Problem] = []
    registry = None
    if registry_path is not None:
        registry, found = load_registry(registry_path, str(registry_path), cache)
        problems += found
    documents, found = load_documents(document_paths, cache, jobs)
    problems += found
    if problems:
        raise InputError(problems)
    if sources_dir is not None:
        progress(f"anchoring evidence in {sources_dir}")
        documents, problems = anchor_documents(documents, Path(sources_dir))
        if problems:
            raise InputError(problems)
    return resolve(registry, documents)


class Build:
    """A built graph: the corpus it came from, its quads and (if run) its SHACL report.

    Validation may still be running when a Build is returned (see :func:`build`);
    ``report`` waits for it, so serialising meanwhile uses the second core.

    >>> import kg
    >>> result = kg.build("tests/fixtures/golden/seeds")
    >>> result.report.violation_free
    True
    >>> len(result.graph()) == len(set(result.dataset().quads((None, None, None, None))))
    True
    >>> b"bram-osei" in result.serialise(kg.Format.TRIG)
    True
    """

    def __init__(
        self,
        corpus: Corpus | None,
        mapping: MappedGraph,
        report: ValidationReport | PendingValidation | None = None,
        on_report: Callable[[ValidationReport], None] | None = None,
    ) -> None:
        self.corpus = corpus
        self.mapping = mapping
        self._report = report
        self._on_report = on_report

    @property
    def report(self) -> ValidationReport | None:
        """The SHACL report (None if validation was not run); waits for it if still running."""
        if isinstance(self._report, PendingValidation):
            self._report = self._report.result()
            if self._on_report is not None:
                self._on_report(self._report)
        return self._report

    def dataset(self) -> Dataset:
        """The graph as an rdflib Dataset, one named graph per source document."""
        return to_dataset(self.mapping.quads)

    def graph(self) -> Graph:
        """Every fact in one rdflib Graph (the union of the named graphs)."""
        return to_graph(self.mapping.quads)

    def serialise(self, fmt: Format) -> bytes:
        return serialise_quads(self.mapping.quads, fmt)

    def sourcemap(self) -> bytes:
        """IRI -> 'file:line:column' of the extraction that states it, and
        'IRI PREDICATE-IRI' -> that of the field, as JSON."""
        return sourcemap_json(self.mapping.origins)

    def render(
        self,
        out_dir: Path | str,
        formats: Iterable[Format] = DEFAULT_FORMATS,
        *,
        pieces: PieceCache | None = None,
    ) -> dict[Path, bytes]:
        """The files :meth:`write` would write, by path; nothing touches the disk.
        With ``pieces``, TriG and Turtle reuse the pieces of the last build's output
        (:mod:`kg.piecewise`); commit them once the files are written."""
        out = Path(out_dir)
        with paused_gc():
            digests = self.mapping.graph_digests() if pieces is not None else None
            made = serialise_formats(self.mapping.quads, formats, pieces=pieces, digests=digests)
            files = {out / f"{GRAPH_STEM}.{fmt.value}": data for fmt, data in made.items()}
            files[out / f"{GRAPH_STEM}{SOURCEMAP_SUFFIX}"] = self.sourcemap()
        return files

    def stage_store(self, out_dir: Path | str, files: Mapping[Path, bytes]) -> StagedStore:
        """The on-disk Oxigraph store of this build (see :mod:`kg.diskstore`), complete in a
        temporary directory beside ``out_dir/graph.oxigraph``, from the rendered ``files``
        where they hold the TriG and the union (else they are serialised here)."""
        out = Path(out_dir)
        trig = files.get(out / f"{GRAPH_STEM}.{Format.TRIG.value}")
        if trig is None:
            trig = self.serialise(Format.TRIG)
        union, fmt = files.get(out / f"{GRAPH_STEM}.{Format.NTRIPLES.value}"), "nt"
        if union is None:
            union, fmt = files.get(out / f"{GRAPH_STEM}.{Format.TURTLE.value}"), "ttl"
        if union is None:
            union, fmt = self.serialise(Format.NTRIPLES), "nt"
        return stage_store(out / STORE_NAME, trig, union, fmt)

    def write(
        self,
        out_dir: Path | str,
        formats: Iterable[Format] = DEFAULT_FORMATS,
        *,
        store: bool = False,
        pieces: PieceCache | None = None,
    ) -> list[Path]:
        """Write the requested formats and the source map atomically; return the paths.
        With ``store``, also the on-disk store ``graph.oxigraph/`` (and the TriG it is
        stamped with), moved into place after the files. With ``pieces``, formatted
        pieces are reused (:meth:`render`) and committed once the files are written."""
        wanted = list(formats)
        if store and Format.TRIG not in wanted:
            wanted.append(Format.TRIG)
        files = self.render(out_dir, wanted, pieces=pieces)
        staged = self.stage_store(out_dir, files) if store else None
        try:
            write_atomically(files)
        except BaseException:
            if staged is not None:
                staged.discard()
            raise
        if pieces is not None:
            pieces.commit()
        if staged is None:
            return sorted(files)
        staged.commit(Path(out_dir) / f"{GRAPH_STEM}.{Format.TRIG.value}")
        return sorted([*files, staged.target])


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a stage allocates millions of objects.

    A build's objects form no cycles worth collecting, but every collection
    walks them all: at a million statements the pauses cost ~40% of loading.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build(
    seeds_dir: Path | str,
    *,
    base: str = DEFAULT_BASE,
    sources_dir: Path | str | None = None,
    cache_dir: Path | str | None = None,
    run_validation: bool = True,
    shapes: Graph | None = None,
    engine: Engine | str = Engine.AUTO,
    jobs: int = 1,
    keep_corpus: bool = True,
    progress: Progress = _quiet,
) -> Build:
    """Load, check, map and validate a seeds directory; write nothing.

    Raises :class:`InputError` when the extractions are invalid. SHACL results
    do not raise: they are in ``Build.report`` for the caller to judge.
    SHACL Core runs in a background thread; ``Build.report`` finishes the validation.
    A graph above two groups of :data:`kg.partition.PARTITION_STATEMENTS` is validated
    here instead, a group of focus nodes at a time (:mod:`kg.partition`), before returning.
    ``keep_corpus=False`` drops the loaded models once mapped (``Build.corpus`` is
    then None): a third less memory for callers that only want the graph. Without a
    cache, a corpus of :data:`kg.coldmap.CHILD_MIN_FILES` files or more is then loaded
    and mapped (and, if large, validated) in forked child processes (:mod:`kg.coldmap`),
    so this process never holds the models' heap; the result is the same.

    >>> import kg
    >>> result = kg.build("tests/fixtures/golden/seeds", run_validation=False)
    >>> result.report is None and len(result.mapping.quads) > 500
    True
    >>> kg.build("tests/fixtures/golden/seeds", keep_corpus=False).corpus is None
    True
    """
    with paused_gc():
        grouped: list[ValidationResult] | None = None  # validated in a child, in groups
        said = False
        if cache_dir is None and not keep_corpus and worth_a_child(seeds_dir):
            # Loaded, mapped (and a large graph validated) in child processes: the heap
            # of the models and of validation leaves with them (kg.coldmap).
            with _spill_in_child(seeds_dir, sources_dir, base, jobs, progress) as spilled:
                if run_validation and spilled.statements > PARTITION_STATEMENTS * ONE_RUN_GROUPS:
                    progress(f"validating {spilled.statements:,} statements")
                    said = True
                    grouped = spilled.results_in_groups(shapes, Engine(engine).resolved(), progress)
                mapping, kept = spilled.mapping(), None
        elif cache_dir is None:
            corpus = load_corpus(seeds_dir, sources_dir=sources_dir, jobs=jobs, progress=progress)
            progress("mapping to RDF")
            mapping = map_corpus(corpus, base=base)
            kept = corpus if keep_corpus else None
            del corpus
        else:
            mapping, kept = _map_with_units(
                Path(seeds_dir),
                Path(sources_dir) if sources_dir is not None else None,
                Path(cache_dir),
                base=base,
                jobs=jobs,
                keep_corpus=keep_corpus,
                progress=progress,
            )
        if not run_validation:
            return Build(kept, mapping)
        chosen = Engine(engine).resolved()
        labels = StatementLabels(mapping.label_statements())
        keeper = _StateKeeper(Path(cache_dir), mapping, shapes, chosen) if cache_dir else None
        if keeper is not None:
            outcome = keeper.revalidate(labels)
            if isinstance(outcome, Outcome):
                progress(f"validating {len(mapping.quads):,} statements: {outcome.detail}")
                keeper.save(outcome.report)
                return Build(kept, mapping, outcome.report)
            progress(f"validating {len(mapping.quads):,} statements, all of them: {outcome}")
        elif not said:
            progress(f"validating {len(mapping.quads):,} statements")
        if grouped is not None:
            return Build(kept, mapping, located_report(grouped, labels, mapping.origins))
        # A large graph is validated a part at a time (kg.partition), else in one run.
        pending = start_partitioned_validation(
            mapping.quads, shapes, mapping.origins, chosen, labels
        )
        if pending is not None:
            # In groups, at once: the engine's copy and the writers' output would add up.
            pending.result()
        else:
            # Unsorted and with repeats: the engine reads a set; sorting is left to the writers.
            data = ascii_document(mapping.quads)
            pending = start_validation(data, shapes, mapping.origins, chosen, labels)
            del data
    return Build(kept, mapping, pending, keeper.save if keeper is not None else None)


def _spill_in_child(
    seeds_dir: Path | str, sources_dir: Path | str | None, base: str, jobs: int, progress: Progress
) -> Spilled:
    """:func:`load_corpus` and map, in a forked child (:mod:`kg.coldmap`)."""

    def load(relay: Progress) -> Corpus:
        return load_corpus(seeds_dir, sources_dir=sources_dir, jobs=jobs, progress=relay)

    return spill_in_child(load, base=base, progress=progress)


def _map_with_units(
    seeds_dir: Path,
    sources_dir: Path | None,
    cache_dir: Path,
    *,
    base: str,
    jobs: int,
    keep_corpus: bool,
    progress: Progress,
) -> tuple[MappedGraph, Corpus | None]:
    """Map with the files' kept mappings (:mod:`kg.docunits`): only the files an edit
    touches are loaded and mapped again, unless the caller wants the whole corpus back or
    the edit calls for a full build; then everything is, and its mappings are kept."""
    state = UnitState(cache_dir, state_key(seeds_dir, sources_dir, base))
    unusable = state.load()
    inputs = None
    if seeds_dir.is_dir():
        with contextlib.suppress(OSError):  # unreadable files: the full load reports them
            inputs = Inputs.take(seeds_dir, sources_dir, state.seen)
    reason = unusable or "the seeds cannot be read"
    if keep_corpus:
        reason = "the caller keeps the loaded corpus"
    elif inputs is not None and unusable is None:
        rebuilt = rebuild(
            state, sources_dir=sources_dir, cache_dir=cache_dir, base=base, inputs=inputs
        )
        if isinstance(rebuilt, Rebuilt):
            progress(f"mapping to RDF: {rebuilt.detail}")
            return rebuilt.mapping, None
        reason = rebuilt
    corpus = load_corpus(
        seeds_dir, sources_dir=sources_dir, cache_dir=cache_dir, jobs=jobs, progress=progress
    )
    progress(f"mapping to RDF, every file: {reason}")
    mappings = list(map_files(corpus, Minter(check_base(base)), corpus.documents, registry=True))
    mapping = assemble(mappings)
    if inputs is not None:
        anchored = sources_dir is not None
        record(cache_dir, state.key, inputs, corpus, mappings, mapping, anchored=anchored)
    return mapping, corpus if keep_corpus else None


class _StateKeeper:
    """The incremental-validation state of a cache directory, for one build."""

    def __init__(
        self, cache_dir: Path, mapping: MappedGraph, shapes: Graph | None, engine: Engine
    ) -> None:
        self.directory = cache_dir / STATE_DIR
        self.mapping = mapping
        self.shapes = shapes
        self.engine = engine
        self.key = fingerprint(shapes, engine)
        self.texts = GraphTexts(mapping.quads, mapping.graph_digests())
        self.reach: Reach | None = None
        self.previous: ValidationState | None = None

    def revalidate(self, labels: StatementLabels) -> Outcome | str:
        previous = ValidationState.load(self.directory, self.key)
        if isinstance(previous, str):
            return previous
        self.reach = previous.reach
        self.previous = previous
        return revalidate(
            self.mapping.quads,
            self.texts,
            previous,
            shapes=self.shapes,
            engine=self.engine,
            labels=labels,
            origins=self.mapping.origins,
        )

    def save(self, report: ValidationReport) -> None:
        save_state(
            self.directory,
            self.key,
            self.texts,
            report,
            self.shapes,
            self.reach,
            self.previous,
        )


__all__ = [
    "DEFAULT_FORMATS",
    "STORE_NAME",
    "Build",
    "build",
    "load_corpus",
    "paused_gc",
    "read_sourcemap",
    "sourcemap_json",
]
