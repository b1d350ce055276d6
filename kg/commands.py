"""What each ``kg`` subcommand does, as functions of parsed arguments (kept out of cli.py
so the parser stays readable)."""

from __future__ import annotations

import gc
import json
import sys
from argparse import Namespace
from pathlib import Path
from typing import Any, TextIO

from rdflib import Graph

from kg import outcome
from kg.atomic import StagedFiles, write_atomically
from kg.build import DEFAULT_FORMATS, SOURCEMAP_SUFFIX, Build, build, read_sourcemap
from kg.defaults import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_VIOLATIONS,
    GRAPH_FILE,
    GRAPH_STEM,
)
from kg.diskstore import StagedStore
from kg.docunits import Seen
from kg.errors import InputError, KgError, Location
from kg.io import Format, read_graph
from kg.load import usable_cores
from kg.namespaces import DEFAULT_BASE
from kg.pieces import PIECES_DIR, PieceCache
from kg.report import ReportFormat, render, render_text, report_json
from kg.validation import Severity, ValidationReport, ValidationResult


def _say(args: Namespace, message: str) -> None:
    if not args.quiet:
        print(f"kg: {message}", file=sys.stderr)


def build_command(args: Namespace) -> int:
    """``kg build``, with the cycle collector off throughout and the build's objects
    frozen after: re-enabled over millions of young objects it would walk them all once
    more, for nothing (~2 s at a million statements)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build_command(args)
    finally:
        gc.freeze()  # what is still alive stays out of every later collection
        if was_enabled:
            gc.enable()


def _build_command(args: Namespace) -> int:
    from kg import incremental

    formats = [Format(f) for f in args.formats] if args.formats else list(DEFAULT_FORMATS)
    if args.store and Format.TRIG not in formats:
        formats.append(Format.TRIG)  # the store is stamped with the TriG it holds
    options = {
        "base": args.base or DEFAULT_BASE,
        "formats": sorted(f.value for f in formats),
        "validate": not args.no_validate,
        "fail_on": args.fail_on,
        "force": args.force,
        "engine": args.engine,
        **({"store": True} if args.store else {}),
    }
    seen = Seen.kept_in(args.cache) if args.cache else None  # files not read again
    inputs = incremental.fingerprint(
        args.seeds, args.sources, options, seen.sha if seen is not None else None
    )
    if not (args.rebuild or args.dry_run or args.json):
        summary = incremental.up_to_date(args.out, inputs)
        recorded = _recorded_report(summary)
        if summary is not None and recorded is not None:
            _say(
                args,
                f"up to date: nothing changed since {args.out} was built "
                "(--rebuild to build anyway); its report follows",
            )
            _emit_report(args, recorded, text_least=Severity.WARNING, text_stream=sys.stderr)
            return int(summary["exit"])
    try:
        result = build(
            args.seeds,
            base=args.base or DEFAULT_BASE,
            sources_dir=args.sources,
            cache_dir=args.cache,
            run_validation=not args.no_validate,
            engine=args.engine,
            jobs=args.jobs or usable_cores(),
            keep_corpus=False,
            progress=lambda m: _say(args, m),
        )
    except InputError as exc:
        # The report files (and annotations) hold the problems too: a failing build is
        # when code scanning and the test tab need them most. The CLI prints them as text.
        _emit_report(args, outcome.from_problems(exc.problems), Severity.INFO, None)
        raise
    # Serialise while validation runs in the background; write only if it passes.
    # With --cache, TriG/Turtle pieces of the last build are reused; committed once written.
    pieces = PieceCache(args.cache / PIECES_DIR) if args.cache and not args.dry_run else None
    # Each file is written beside its target as soon as it is made, while the next is
    # made and validation may still run; moved into place only if it passes (else removed).
    with StagedFiles({}, hashed=True, threads=True) as writing:
        files = (
            {} if args.dry_run else result.render(args.out, formats, pieces=pieces, staging=writing)
        )
        staged = result.stage_store(args.out, files) if args.store and not args.dry_run else None
        try:
            return _finish_build(args, result, inputs, files, writing, staged, pieces)
        finally:
            if staged is not None:
                staged.discard()  # a no-op once committed: the directory was moved


def _finish_build(
    args: Namespace,
    result: Build,
    inputs: str,
    files: dict[Path, bytes],
    writing: StagedFiles,
    staged: StagedStore | None,
    pieces: PieceCache | None = None,
) -> int:
    """Wait for validation; write the files (and move the staged store into place) if it
    passed; report."""
    from kg import incremental

    report = outcome.place(result.report or ValidationReport(), _seeds_fallback(args.seeds))
    failed = report.fails_at(Severity(args.fail_on))
    _emit_report(args, report, text_least=Severity.WARNING, text_stream=sys.stderr)
    written: list[Path] = []
    if args.dry_run:
        _say(args, "dry run: nothing was written")
    elif not failed or args.force:
        summary = {"exit": EXIT_VIOLATIONS if failed else 0, "report": outcome.encode(report)}
        stores = {staged.target: staged.sha256} if staged is not None else None
        if pieces is not None:
            pieces.commit()  # while the files are written (keyed by content: safe either way)
        digests = writing.digests()
        writing.add(incremental.manifest(args.out, inputs, digests, summary, stores))
        writing.commit()
        written = sorted(files)
        if staged is not None:
            staged.commit(args.out / f"{GRAPH_STEM}.{Format.TRIG.value}")
            written.append(staged.target)
        for path in written:
            _say(args, f"wrote {path}")
        if staged is not None:
            _say(args, f"{staged.target.name}: {staged.how}")
    else:
        _say(
            args,
            f"SHACL results at or above '{args.fail_on}': nothing was written "
            "(use --force to write anyway)",
        )
    if args.json:
        summary = {
            "conforms": report.conforms,
            "violation_free": report.violation_free,
            "triples": len({(s, p, o) for s, p, o, _ in result.mapping.quads}),
            "written": [str(p) for p in written],
            "report": report_json(report) if result.report else None,
        }
        _print(json.dumps(summary, indent=1), ReportFormat.JSON, sys.stdout)
    return EXIT_VIOLATIONS if failed else EXIT_OK


def validate_command(args: Namespace) -> int:
    from kg.validation import default_shapes, load_shapes

    shapes = load_shapes(args.shapes) if args.shapes else default_shapes()
    results: list[ValidationResult] = []
    for graph in args.graphs:
        origins = read_sourcemap(args.sourcemap or _sourcemap_beside(graph))
        found = _validate_file(graph, shapes, origins, args.engine)
        results.extend(outcome.place_in_rdf(found, graph, graph.as_posix()).results)
    report = ValidationReport(tuple(sorted(results, key=lambda r: r.sort_key())))
    if args.json:
        args.report = ReportFormat.JSON.value
    _emit_report(args, report, Severity.INFO, sys.stdout, shapes if args.shapes else None)
    return EXIT_VIOLATIONS if report.fails_at(Severity(args.fail_on)) else EXIT_OK


def _validate_file(
    path: Path, shapes: Graph, origins: dict[str, Location], engine: str
) -> ValidationReport:
    """The turbo engine reads the file through Oxigraph as N-Triples text (the fast path
    of ``kg build``); other engines, and formats Oxigraph does not read, through rdflib."""
    from kg.validation import validate

    return validate(path, shapes, origins, engine)


def _emit_report(
    args: Namespace,
    report: ValidationReport,
    text_least: Severity,
    text_stream: TextIO | None,
    shapes: Graph | None = None,
) -> None:
    """Write the report to every --report-file (each in the format its extension names,
    else --report's) and print it: in the --report format when no file has that format,
    else as a text listing on stderr for people. ``text_stream`` None: print no text."""
    chosen = ReportFormat(args.report) if args.report else None
    targets = [(path, outcome.format_of_file(path, chosen)) for path in args.report_file or []]
    if targets:
        content = {p: _render(report, f, shapes) + "\n" for p, f in targets}
        write_atomically({p: text.encode("utf-8") for p, text in content.items()})
        for path, fmt in targets:
            _say(args, f"wrote {fmt.value} report to {path}")
    fmt = chosen or ReportFormat.TEXT
    if targets and (chosen is None or chosen in {f for _, f in targets}):
        if report.results and text_stream is not None:
            _print(render_text(report, text_least), ReportFormat.TEXT, sys.stderr)
        return
    if fmt is ReportFormat.TEXT:
        if text_stream is None:
            return
        if report.results:
            _print(render_text(report, text_least), fmt, text_stream)
        elif text_stream is sys.stdout:
            _print(render_text(report), fmt, text_stream)
        return
    if not getattr(args, "json", False) or args.command == "validate":
        _print(_render(report, fmt, shapes), fmt, sys.stdout)


def _render(report: ValidationReport, fmt: ReportFormat, shapes: Graph | None) -> str:
    """SARIF describes its rules from the shapes used (kg's own unless --shapes)."""
    if fmt is ReportFormat.SARIF:
        from kg.sarif import render_sarif

        return render_sarif(report, shapes)
    return render(report, fmt)


def _print(text: str, fmt: ReportFormat, stream: TextIO) -> None:
    """Print report output where a CI runner may read it as workflow commands."""
    print(outcome.runner_safe(text, fmt), file=stream)


def _recorded_report(summary: dict[str, Any] | None) -> ValidationReport | None:
    """The report an up-to-date build recorded; None if there is none to replay."""
    if summary is None or not isinstance(summary.get("report"), list):
        return None
    try:
        return outcome.decode(summary["report"])
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def _seeds_fallback(seeds: Path) -> Location:
    """Where a build result that traces to no extraction is shown: the registry, line 1."""
    registry = next((p for p in sorted(seeds.glob("registry.*")) if p.is_file()), None)
    return Location((registry or seeds).as_posix(), 1, None)


def _sourcemap_beside(graph: Path) -> Path:
    return graph.with_name(graph.stem + SOURCEMAP_SUFFIX)


def query_command(args: Namespace) -> int:
    from kg.query import open_store, run_query, run_query_store

    text = _query_text(args.query)
    params = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier():
            raise KgError(f"--param {item!r}: write NAME=VALUE")
        params[name] = value
    if args.endpoint is not None:
        from kg.endpointquery import run_query_endpoint

        answer = run_query_endpoint(
            args.endpoint,
            text,
            params,
            base=args.base or DEFAULT_BASE,
            warn=lambda m: _say(args, m),
        )
    elif args.engine == "rdflib":
        graph = args.graph or GRAPH_FILE  # rdflib reads files, not Oxigraph's stores
        if graph.is_dir():
            raise KgError(f"{graph}: the rdflib engine reads graph files, not stores")
        answer = run_query(read_graph(_existing_graph(graph)), text, params)
    else:
        answer = run_query_store(open_store(_graph_to_read(args)), text, params)
    if answer.graph is not None:
        print(answer.graph.serialize(format="turtle"))
    elif args.output == "csv":
        sys.stdout.write(answer.to_csv())
    elif args.output == "json":
        print(answer.to_json())
    else:
        print(answer.to_table())
    return EXIT_OK


def _graph_to_read(args: Namespace) -> Path:
    """The graph a command reads: the one given, else the default TriG, or the store
    ``kg build --store`` wrote beside it while that holds the same graph."""
    from kg.diskstore import current_store, is_store, store_beside

    if args.graph is not None:  # a directory that is no store is refused by open_store
        return args.graph if args.graph.is_dir() else _existing_graph(args.graph)
    store = current_store(GRAPH_FILE)
    if store is not None:
        return store
    if is_store(store_beside(GRAPH_FILE)):
        _say(args, f"{store_beside(GRAPH_FILE)} is older than {GRAPH_FILE}: reading the TriG")
    return _existing_graph(GRAPH_FILE)


def _existing_graph(path: Path) -> Path:
    if not path.is_file():
        raise KgError(f"{path}: no such graph; run 'kg build' first")
    return path


def _query_text(query: str) -> str:
    from kg.query import query_text

    return query_text(query)


def stats_command(args: Namespace) -> int:
    from kg.query import open_store
    from kg.stats import stats, stats_of_store

    graph = _graph_to_read(args)
    counts = stats_of_store(open_store(graph)) if graph.is_dir() else stats(read_graph(graph))
    if args.json:
        print(json.dumps(counts, indent=1))
        return EXIT_OK
    print(f"{counts['triples']:,} triples")
    print("\nnodes per class:")
    for name, count in counts["classes"].items():
        print(f"  {count:6,}  {name}")
    if counts["graphs"]:
        print("\ntriples per source graph:")
        for name, count in counts["graphs"].items():
            print(f"  {count:6,}  {name}")
    return EXIT_OK


def schema_command(args: Namespace) -> int:
    from kg.schema import json_schema

    print(json.dumps(json_schema(registry=args.registry), indent=2, ensure_ascii=False))
    return EXIT_OK


def evidence_command(args: Namespace) -> int:
    from kg.build import load_corpus
    from kg.evidence import check_documents

    if args.fix:
        from kg.evidence_fix import fix_evidence

        outcome = fix_evidence(args.seeds, args.sources)
        for diff in outcome.diffs if not args.json else []:
            print(diff, end="")
        _say(args, f"{len(outcome.changes)} value(s) written in {len(outcome.diffs)} file(s)")
        anchors, problems = outcome.anchors, outcome.problems
    else:
        anchors, problems = check_documents(load_corpus(args.seeds).documents, args.sources)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "location": str(a.location),
                        "field": a.field,
                        "start": a.start,
                        "end": a.end,
                        "ok": a.ok,
                        "computed": a.computed,
                        "problem": a.problem,
                        "hint": a.hint,
                    }
                    for a in anchors
                ],
                indent=1,
                ensure_ascii=False,
            )
        )
    for problem in problems:
        print(problem, file=sys.stderr)
    for item in anchors:
        # results, not progress: shown even with --quiet (with --fix they are in the diff)
        if item.computed and not args.json and not args.fix:
            print(
                f"{item.location}: {item.field}: offsets computed: start: {item.start}, "
                f"end: {item.end}"
            )
    ok = sum(1 for a in anchors if a.ok)
    _say(args, f"{ok} of {len(anchors)} quotes anchored, {len(problems)} problem(s)")
    return EXIT_OK if not problems else EXIT_INPUT


def lint_command(args: Namespace) -> int:
    from kg.build import load_corpus
    from kg.lint import lint

    findings = lint(load_corpus(args.seeds))
    for finding in findings:
        print(finding)
    _say(args, f"{len(findings)} finding(s); explain one with 'checked: [<check>]' on its record")
    return EXIT_VIOLATIONS if findings and args.strict else EXIT_OK


def generate_command(args: Namespace) -> int:
    from kg.generate import source_tree, stale_files

    stale = stale_files(source_tree(args.root))
    if not args.check:
        write_atomically(stale)
    for path in stale:
        _say(args, f"{'stale' if args.check else 'wrote'}: {path}")
    return EXIT_VIOLATIONS if (args.check and stale) else EXIT_OK


def diff_command(args: Namespace) -> int:
    from kg.diff import diff_graphs, diff_json, render_diff

    difference = diff_graphs(read_graph(args.old), read_graph(args.new))
    # The example CI workflow prints a pull request's diff: labels must not become commands.
    if args.json:
        text = json.dumps(diff_json(difference), indent=1, ensure_ascii=False)
        _print(text, ReportFormat.JSON, sys.stdout)
    else:
        _print(render_diff(difference), ReportFormat.TEXT, sys.stdout)
    return EXIT_OK if difference.same else EXIT_VIOLATIONS


def push_command(args: Namespace) -> int:
    from kg.store import InterruptedPushError, PushError, push

    try:
        report = push(
            args.graph,
            args.endpoint,
            store_url=args.store_url,
            update_url=args.update_url,
            method=args.method,
            target_graph=args.target_graph,
            batch_size=args.batch_size,
            timeout=args.timeout,
            retries=args.retries,
            verify=not args.no_verify,
            union=not args.no_union,
            allow_other_graphs=args.allow_other_graphs,
            resume=args.resume,
            progress=lambda m: _say(args, m),
        )
    except PushError as exc:
        if not exc.interrupted:
            raise
        print(f"kg: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except InterruptedPushError as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.json:
        graphs = [
            {"graph": g.graph, "sent": g.sent, "found": g.found, "status": g.status}
            for g in report.graphs
        ]
        summary = {"ok": report.ok, "requests": report.requests, "graphs": graphs}
        print(json.dumps(summary, indent=1))
    else:
        print(f"{'sent':>8}  {'found':>8}  {'content':<13}  graph")
        for g in report.graphs:
            found = "-" if g.found is None else f"{g.found:,}"
            print(f"{g.sent:8,}  {found:>8}  {_content(g.status):<13}  {g.graph}")
    if not report.ok:
        _say(args, "the server holds other triples than were sent (see above)")
    return EXIT_OK if report.ok else EXIT_VIOLATIONS


def _content(status: str) -> str:
    if status.startswith("content equal up to"):
        return "normalised"
    if status.startswith("content equal"):
        return "equal"
    return "DIFFERS" if "differs" in status else status


def serve_command(args: Namespace) -> int:
    from kg.serve import serve

    return serve(
        _graph_to_read(args),
        args.port,
        announce=lambda m: print(m, flush=True),
        site=args.site,
        site_port=args.site_port,
    )


def report_command(args: Namespace) -> int:
    from kg.site import build_report, write_site

    files = build_report(args.build_dir, args.sources, args.extraction_url)
    write_site(files, args.out)
    _say(args, f"wrote {len(files)} files to {args.out} (open {args.out / 'index.html'})")
    return EXIT_OK


def export_command(args: Namespace) -> int:
    from kg.export import csv_tables
    from kg.export.popolo import popolo_json
    from kg.graphview import read_view
    from kg.site import graph_in

    view = read_view(graph_in(args.build_dir))
    if args.format == "popolo":
        files = {args.out: popolo_json(view)}
    else:
        files = {args.out / name: data for name, data in csv_tables(view).items()}
    write_atomically(files)
    _say(args, f"wrote {len(files)} file(s) to {args.out}")
    return EXIT_OK
