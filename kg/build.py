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
from functools import partial
from pathlib import Path

from rdflib import Dataset, Graph

from kg.aside import Aside
from kg.atomic import StagedFiles, write_atomically
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
from kg.mapping import (
    FileMapping,
    MappedGraph,
    Minter,
    assemble,
    check_base,
    map_corpus,
    map_files,
)
from kg.namespaces import DEFAULT_BASE
from kg.ntriples import Quad, ascii_document
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
        staging: StagedFiles | None = None,
    ) -> dict[Path, bytes]:
        """The files :meth:`write` would write, by path; nothing touches the disk.
        With ``pieces``, TriG and Turtle reuse the pieces of the last build's output
        (:mod:`kg.piecewise`); commit them once the files are written. With ``staging``,
        each file is handed to it as soon as it is made, to be written while the next
        is made (the source map first: it is ready once the graph is mapped)."""
        out = Path(out_dir)
        serialised: dict[Format, bytes] = {}
        sourcemap = out / f"{GRAPH_STEM}{SOURCEMAP_SUFFIX}"

        def made(fmt: Format, data: bytes) -> None:
            serialised[fmt] = data
            if staging is not None:
                staging.add({out / f"{GRAPH_STEM}.{fmt.value}": data})

        with paused_gc():
            mapped_places = self.sourcemap()
            if staging is not None:
                staging.add({sourcemap: mapped_places})
            digests = self.mapping.graph_digests() if pieces is not None else None
            serialise_formats(
                self.mapping.statements, formats, pieces=pieces, digests=digests, made=made
            )
        files = {out / f"{GRAPH_STEM}.{f.value}": serialised[f] for f in Format if f in serialised}
        files[sourcemap] = mapped_places
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
            keep_units = _nothing_to_keep
        elif cache_dir is None:
            corpus = load_corpus(seeds_dir, sources_dir=sources_dir, jobs=jobs, progress=progress)
            progress("mapping to RDF")
            mapping = map_corpus(corpus, base=base)
            kept = corpus if keep_corpus else None
            keep_units = _nothing_to_keep
            del corpus
        else:
            mapping, kept, keep_units = _map_with_units(
                Path(seeds_dir),
                Path(sources_dir) if sources_dir is not None else None,
                Path(cache_dir),
                base=base,
                jobs=jobs,
                keep_corpus=keep_corpus,
                progress=progress,
            )
        if not run_validation:
            keep_units()
            return Build(kept, mapping)
        chosen = Engine(engine).resolved()
        labels = StatementLabels(mapping.label_statements())
        count = len(mapping.statements)
        keeper = _StateKeeper(Path(cache_dir), mapping, shapes, chosen) if cache_dir else None
        if keeper is not None:
            unusable = keeper.load()
            if unusable is None:
                # Validated again beside the build (kg.aside): the caller formats the
                # outputs meanwhile. The child keeps the files' mappings and the
                # validation state for the next build.
                aside = Aside(partial(_keep_and_revalidate, keep_units, keeper, labels))

                def finish() -> ValidationReport:
                    outcome = aside.result()
                    if isinstance(outcome, Outcome):
                        progress(f"validating {count:,} statements: {outcome.detail}")
                        return outcome.report
                    progress(f"validating {count:,} statements, all of them: {outcome}")
                    report = _validation(mapping, shapes, chosen, labels).result()
                    keeper.save(report)
                    return report

                return Build(kept, mapping, PendingValidation(finish))
            keep_units()
            progress(f"validating {count:,} statements, all of them: {unusable}")
        elif not said:
            progress(f"validating {count:,} statements")
        if grouped is not None:
            return Build(kept, mapping, located_report(grouped, labels, mapping.origins))
        pending = _validation(mapping, shapes, chosen, labels)
    return Build(kept, mapping, pending, keeper.save if keeper is not None else None)


def _nothing_to_keep() -> None:
    return None


def _keep_and_revalidate(
    keep_units: Callable[[], None], keeper: _StateKeeper, labels: StatementLabels
) -> Outcome | str:
    """Keep the files' mappings first: should a kept file be found unreadable while
    validating, the fresh state the full mapping then records is the one that stays."""
    keep_units()
    return keeper.revalidate_and_keep(labels)


def _validation(
    mapping: MappedGraph, shapes: Graph | None, engine: Engine, labels: StatementLabels
) -> PendingValidation:
    """Every statement validated: a large graph a part at a time (kg.partition), at once
    (the engine's copy and the writers' output would add up); else in one run, started
    in the background."""
    pending = start_partitioned_validation(mapping.quads, shapes, mapping.origins, engine, labels)
    if pending is not None:
        pending.result()
        return pending
    # Unsorted and with repeats: the engine reads a set; sorting is left to the writers.
    data = ascii_document(mapping.quads)
    return start_validation(data, shapes, mapping.origins, engine, labels)


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
) -> tuple[MappedGraph, Corpus | None, Callable[[], None]]:
    """Map with the files' kept mappings (:mod:`kg.docunits`): only the files an edit
    touches are loaded and mapped again, unless the caller wants the whole corpus back or
    the edit calls for a full build; then everything is, and its mappings are kept.
    Also returns how to keep a rebuild's mappings for the next build: the caller does,
    beside the validation when it can."""
    state = UnitState(cache_dir, state_key(seeds_dir, sources_dir, base))
    unusable = state.load()
    inputs = None
    if seeds_dir.is_dir():
        with contextlib.suppress(OSError):  # unreadable files: the full load reports them
            inputs = Inputs.take(seeds_dir, sources_dir, state.seen)

    def everything(reason: str) -> tuple[list[FileMapping], MappedGraph, Corpus]:
        """Load and map every file, and keep their mappings for the next build."""
        corpus = load_corpus(
            seeds_dir, sources_dir=sources_dir, cache_dir=cache_dir, jobs=jobs, progress=progress
        )
        progress(f"mapping to RDF, every file: {reason}")
        minter = Minter(check_base(base))
        mappings = list(map_files(corpus, minter, corpus.documents, registry=True))
        mapping = assemble(mappings)
        if inputs is not None:
            anchored = sources_dir is not None
            record(cache_dir, state.key, inputs, corpus, mappings, mapping, anchored=anchored)
        return mappings, mapping, corpus

    def recover() -> list[list[Quad]]:
        """Kept quads that cannot be read after all: every file's, mapped afresh."""
        return [found.quads for found in everything("a kept mapping is damaged")[0]]

    reason = unusable or "the seeds cannot be read"
    if keep_corpus:
        reason = "the caller keeps the loaded corpus"
    elif inputs is not None and unusable is None:
        rebuilt = rebuild(
            state,
            sources_dir=sources_dir,
            cache_dir=cache_dir,
            base=base,
            inputs=inputs,
            recover=recover,
        )
        if isinstance(rebuilt, Rebuilt):
            progress(f"mapping to RDF: {rebuilt.detail}")
            return rebuilt.mapping, None, rebuilt.keep
        reason = rebuilt
    _, mapping, corpus = everything(reason)
    return mapping, corpus if keep_corpus else None, _nothing_to_keep


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
        self.texts = GraphTexts(mapping.statements, mapping.graph_digests())
        self.reach: Reach | None = None
        self.previous: ValidationState | None = None

    def load(self) -> str | None:
        """Read the previous build's state; why it cannot be used, or None."""
        previous = ValidationState.load(self.directory, self.key)
        if isinstance(previous, str):
            return previous
        self.reach = previous.reach
        self.previous = previous
        return None

    def revalidate_and_keep(self, labels: StatementLabels) -> Outcome | str:
        """The report from the loaded state and what changed (kept for the next build),
        or why everything must be validated."""
        assert self.previous is not None
        outcome = revalidate(
            self.mapping.statements,
            self.texts,
            self.previous,
            shapes=self.shapes,
            engine=self.engine,
            labels=labels,
            origins=self.mapping.origins,
        )
        if isinstance(outcome, Outcome):
            self.save(outcome.report)
        return outcome

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
