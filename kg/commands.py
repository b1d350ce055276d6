"""What each ``kg`` subcommand does, as functions of parsed arguments (kept out of cli.py
so the parser stays readable)."""

from __future__ import annotations

import json
import re
import sys
from argparse import Namespace
from pathlib import Path
from typing import TextIO

from rdflib import Graph

from kg.build import DEFAULT_FORMATS, SOURCEMAP_SUFFIX, build
from kg.errors import KgError, Location
from kg.io import Format, read_graph, read_ntriples, write_atomically
from kg.load import usable_cores
from kg.namespaces import DEFAULT_BASE
from kg.report import ReportFormat, render, render_text, report_json
from kg.validation import Severity, ValidationReport, ValidationResult

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT = 0, 1, 2
EXAMPLE_QUERIES = Path(__file__).resolve().parent.parent / "examples" / "queries"


def _say(args: Namespace, message: str) -> None:
    if not args.quiet:
        print(f"kg: {message}", file=sys.stderr)


def build_command(args: Namespace) -> int:
    from kg import incremental

    formats = [Format(f) for f in args.formats] if args.formats else list(DEFAULT_FORMATS)
    options = {
        "base": args.base or DEFAULT_BASE,
        "formats": sorted(f.value for f in formats),
        "validate": not args.no_validate,
        "fail_on": args.fail_on,
        "force": args.force,
        "engine": args.engine,
    }
    inputs = incremental.fingerprint(args.seeds, args.sources, options)
    if not (args.rebuild or args.dry_run or args.json or args.report_file):
        summary = incremental.up_to_date(args.out, inputs)
        if summary is not None:
            _say(
                args,
                f"up to date: nothing changed since {args.out} was built "
                "(--rebuild to build anyway)",
            )
            return int(summary["exit"])
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
    # Serialise while validation runs in the background; write only if it passes.
    files = {} if args.dry_run else result.render(args.out, formats)
    report = result.report or ValidationReport()
    failed = report.fails_at(Severity(args.fail_on))
    _emit_report(args, report, text_least=Severity.WARNING, text_stream=sys.stderr)
    written: list[Path] = []
    if args.dry_run:
        _say(args, "dry run: nothing was written")
    elif not failed or args.force:
        write_atomically(files)
        written = sorted(files)
        for path in written:
            _say(args, f"wrote {path}")
        incremental.record(args.out, inputs, files, {"exit": EXIT_VIOLATIONS if failed else 0})
    else:
        _say(
            args,
            f"SHACL results at or above '{args.fail_on}': nothing was written "
            "(use --force to write anyway)",
        )
    if args.json:
        summary = {
            "conforms": report.conforms,
            "triples": len({(s, p, o) for s, p, o, _ in result.mapping.quads}),
            "written": [str(p) for p in written],
            "report": report_json(report) if result.report else None,
        }
        print(json.dumps(summary, indent=1))
    return EXIT_VIOLATIONS if failed else EXIT_OK


def validate_command(args: Namespace) -> int:
    from kg.validation import default_shapes, load_shapes

    shapes = load_shapes(args.shapes) if args.shapes else default_shapes()
    results: list[ValidationResult] = []
    for graph in args.graphs:
        origins = _read_sourcemap(args.sourcemap or _sourcemap_beside(graph))
        results.extend(_validate_file(graph, shapes, origins, args.engine).results)
    report = ValidationReport(tuple(sorted(results, key=lambda r: r.sort_key())))
    if args.json:
        args.report = ReportFormat.JSON.value
    _emit_report(args, report, text_least=Severity.INFO, text_stream=sys.stdout)
    return EXIT_VIOLATIONS if report.fails_at(Severity(args.fail_on)) else EXIT_OK


def _validate_file(
    path: Path, shapes: Graph, origins: dict[str, Location], engine: str
) -> ValidationReport:
    """The turbo engine reads the file through Oxigraph as N-Triples text (the fast path
    of ``kg build``); other engines, and formats Oxigraph does not read, through rdflib."""
    from kg.validation import Engine, validate, validate_ntriples

    if not path.is_file():
        raise KgError(f"{path}: no such file")
    if Engine(engine).resolved() is Engine.TURBO:
        try:
            text = read_ntriples(path)
        except (SyntaxError, ValueError, OSError) as exc:
            raise KgError(f"{path}: cannot read: {exc}") from None
        if text is not None:
            return validate_ntriples(text, shapes, origins, Engine.TURBO)
    try:
        graph = read_graph(path)
    except Exception as exc:  # rdflib's parsers raise many kinds of errors for bad input
        raise KgError(f"{path}: cannot read: {exc}") from None
    return validate(graph, shapes, origins, engine)


def _emit_report(
    args: Namespace, report: ValidationReport, text_least: Severity, text_stream: TextIO
) -> None:
    """Print the report in the chosen format, or write it to --report-file."""
    fmt = ReportFormat(args.report)
    if args.report_file is not None:
        content = render(report, fmt)
        write_atomically({args.report_file: (content + "\n").encode("utf-8")})
        _say(args, f"wrote {fmt.value} report to {args.report_file}")
        if fmt is not ReportFormat.TEXT and report.results:
            print(render_text(report, text_least), file=sys.stderr)
        return
    if fmt is ReportFormat.TEXT:
        if report.results:
            print(render_text(report, text_least), file=text_stream)
        elif text_stream is sys.stdout:
            print(render_text(report), file=text_stream)
        return
    if not getattr(args, "json", False) or args.command == "validate":
        print(render(report, fmt))


def _sourcemap_beside(graph: Path) -> Path:
    return graph.with_name(graph.stem + SOURCEMAP_SUFFIX)


def _read_sourcemap(path: Path) -> dict[str, Location]:
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    origins = {}
    for iri, where in raw.items():
        file, _, rest = str(where).partition(":")
        line, _, column = rest.partition(":")
        origins[iri] = Location(file, int(line) if line else None, int(column) if column else None)
    return origins


def query_command(args: Namespace) -> int:
    from kg.query import open_store, run_query, run_query_store

    text = _query_text(args.query)
    params = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier():
            raise KgError(f"--param {item!r}: write NAME=VALUE")
        params[name] = value
    if not args.graph.is_file():
        raise KgError(f"{args.graph}: no such graph; run 'kg build' first")
    if args.engine == "rdflib":
        answer = run_query(read_graph(args.graph), text, params)
    else:
        answer = run_query_store(open_store(args.graph), text, params)
    if answer.graph is not None:
        print(answer.graph.serialize(format="turtle"))
    elif args.output == "csv":
        sys.stdout.write(answer.to_csv())
    elif args.output == "json":
        print(answer.to_json())
    else:
        print(answer.to_table())
    return EXIT_OK


def _query_text(query: str) -> str:
    """A .rq file, the name of an example query, or the query text itself."""
    if query.endswith(".rq"):
        path = Path(query)
        if not path.is_file():
            raise KgError(f"{query}: no such query file")
        return path.read_text(encoding="utf-8")
    if re.fullmatch(r"[A-Za-z0-9_-]{1,100}", query):
        named = EXAMPLE_QUERIES / f"{query}.rq"
        if not named.is_file():
            raise KgError(f"no example query named {query!r} in {EXAMPLE_QUERIES}")
        return named.read_text(encoding="utf-8")
    return query


def stats_command(args: Namespace) -> int:
    from kg.stats import stats

    counts = stats(read_graph(args.graph))
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

    corpus = load_corpus(args.seeds)
    anchors, problems = check_documents(corpus.documents, args.sources)
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
        if item.computed and not args.json:  # results, not progress: shown even with --quiet
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
    from kg.generate import generated_files

    stale = []
    for path, content in generated_files(args.root).items():
        current = path.read_bytes() if path.is_file() else b""
        if current != content:
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
    for path in stale:
        _say(args, f"{'stale' if args.check else 'wrote'}: {path}")
    return EXIT_VIOLATIONS if (args.check and stale) else EXIT_OK


def diff_command(args: Namespace) -> int:
    from kg.diff import diff_graphs, diff_json, render_diff

    difference = diff_graphs(read_graph(args.old), read_graph(args.new))
    if args.json:
        print(json.dumps(diff_json(difference), indent=1, ensure_ascii=False))
    else:
        print(render_diff(difference))
    return EXIT_OK if difference.same else EXIT_VIOLATIONS


def push_command(args: Namespace) -> int:
    from kg.store import push

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
        progress=lambda m: _say(args, m),
    )
    if args.json:
        graphs = [{"graph": g.graph, "sent": g.sent, "found": g.found} for g in report.graphs]
        summary = {"ok": report.ok, "requests": report.requests, "graphs": graphs}
        print(json.dumps(summary, indent=1))
    else:
        print(f"{'sent':>8}  {'found':>8}  graph")
        for g in report.graphs:
            found = "-" if g.found is None else f"{g.found:,}"
            print(f"{g.sent:8,}  {found:>8}  {g.graph}{'' if g.ok else '  (differs)'}")
    if not report.ok:
        _say(args, "the server holds a different number of triples than were sent")
    return EXIT_OK if report.ok else EXIT_VIOLATIONS


def serve_command(args: Namespace) -> int:
    from kg.serve import serve

    return serve(args.graph, args.port, announce=lambda m: print(m, flush=True))
