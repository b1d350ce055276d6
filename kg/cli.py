"""The ``kg`` command: a thin layer over the library. Exit codes: 0 clean,
1 SHACL violations (or differences, for checks), 2 input or usage errors."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from kg.errors import InputError, KgError

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT = 0, 1, 2
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _jobs(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except InputError as exc:
        _print_problems(exc, args)
        return EXIT_INPUT
    except KgError as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        print("kg: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # pragma: no cover - `kg diff ... | head`
        sys.stderr.close()
        return 0


def _print_problems(exc: InputError, args: argparse.Namespace) -> None:
    if getattr(args, "json", False):
        print(
            json.dumps(
                {
                    "problems": [
                        {
                            "file": p.location.file,
                            "line": p.location.line,
                            "column": p.location.column,
                            "field": p.field,
                            "message": p.message,
                            "hint": p.hint,
                        }
                        for p in exc.problems
                    ]
                },
                indent=1,
            )
        )
    else:
        print(str(exc), file=sys.stderr)
        print("nothing was written", file=sys.stderr)


def _progress(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    def report(message: str) -> None:
        if not args.quiet:
            print(f"kg: {message}", file=sys.stderr)

    return report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kg", description=__doc__)
    parser.add_argument("--version", action="version", version=f"kg {_version()}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, run: object, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(run=run, command=name)
        sub.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
        return sub

    from kg import commands as impl

    sub = command("build", impl.build_command, "Build, validate and write the graph.")
    sub.add_argument(
        "seeds",
        nargs="?",
        type=Path,
        default=Path("seeds"),
        help="directory of extraction files (default: seeds)",
    )
    sub.add_argument(
        "-o", "--out", type=Path, default=Path("build"), help="output directory (default: build)"
    )
    sub.add_argument("--sources", type=Path, help="directory of source texts: check every quote")
    sub.add_argument("--base", default=None, help="base IRI for minted instance IRIs")
    sub.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=["ttl", "trig", "nt", "nq", "jsonld"],
        help="output format (repeatable; default: ttl and trig)",
    )
    sub.add_argument("--no-validate", action="store_true", help="skip SHACL validation")
    sub.add_argument(
        "--force", action="store_true", help="write the graph even when SHACL finds violations"
    )
    sub.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    sub.add_argument(
        "--rebuild", action="store_true", help="build even if nothing changed since the last build"
    )
    sub.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help="cache validated extraction files here, keyed by content",
    )
    sub.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help="processes parsing extraction files when there are 200 or more "
        "(default: one per core)",
    )
    sub.add_argument("--json", action="store_true", help="machine-readable summary on stdout")
    _report_options(sub)

    sub = command(
        "validate",
        impl.validate_command,
        "Validate an RDF file with the project's shapes (or others).",
    )
    sub.add_argument(
        "graphs",
        type=Path,
        nargs="+",
        metavar="GRAPH",
        help="RDF files (Turtle, TriG, N-Triples, JSON-LD ...)",
    )
    sub.add_argument(
        "--shapes",
        type=Path,
        action="append",
        help="shapes file or directory (repeatable; default: the project's)",
    )
    sub.add_argument(
        "--sourcemap", type=Path, help="source map written by kg build (default: beside the graph)"
    )
    sub.add_argument("--json", action="store_true", help="report as JSON (= --report json)")
    _report_options(sub)

    sub = command(
        "diff", impl.diff_command, "Show what changed between two graphs, grouped by entity."
    )
    sub.add_argument("old", type=Path, help="the graph before")
    sub.add_argument("new", type=Path, help="the graph after")
    sub.add_argument("--json", action="store_true", help="changes as JSON")

    sub = command("query", impl.query_command, "Run a SPARQL query over a built graph.")
    sub.add_argument("query", help="SPARQL text, a .rq file, or the name of an example query")
    sub.add_argument(
        "-g",
        "--graph",
        type=Path,
        default=Path("build/graph.trig"),
        help="graph file (default: build/graph.trig)",
    )
    sub.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="bind ?NAME to VALUE (an IRI, prefix:name, id:slug or literal)",
    )
    sub.add_argument("-f", "--output", choices=["table", "csv", "json"], default="table")
    sub.add_argument(
        "--engine",
        choices=["oxigraph", "rdflib"],
        default="oxigraph",
        help="query engine: Oxigraph (fast, default) or rdflib (the reference)",
    )

    sub = command("stats", impl.stats_command, "Count nodes per class and triples per source.")
    sub.add_argument("graph", nargs="?", type=Path, default=Path("build/graph.trig"))
    sub.add_argument("--json", action="store_true", help="counts as JSON")

    sub = command("schema", impl.schema_command, "Print the JSON Schema of the extraction format.")
    sub.add_argument("--registry", action="store_true", help="schema of registry.yaml instead")

    sub = command(
        "evidence", impl.evidence_command, "Check every evidence quote against the source texts."
    )
    sub.add_argument("seeds", nargs="?", type=Path, default=Path("seeds"))
    sub.add_argument("--sources", type=Path, required=True, help="directory of source texts")
    sub.add_argument("--json", action="store_true", help="anchors as JSON")

    sub = command(
        "lint",
        impl.lint_command,
        "List facts a reader would miss: numbers or dates only in notes, quotes not naming "
        "their subject.",
    )
    sub.add_argument("seeds", nargs="?", type=Path, default=Path("seeds"))
    sub.add_argument(
        "--strict", action="store_true", help="exit 1 when there is any unexplained finding"
    )

    sub = command(
        "generate",
        impl.generate_command,
        "Regenerate ontology/kg.ttl and shapes/shapes.ttl from the models.",
    )
    sub.add_argument("--root", type=Path, default=PROJECT_ROOT, help="project root")
    sub.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the committed files are stale, write nothing",
    )
    _store_commands(command)
    return parser


def _report_options(sub: argparse.ArgumentParser) -> None:
    from kg.report import ReportFormat

    sub.add_argument(
        "--report",
        choices=[f.value for f in ReportFormat],
        default="text",
        help="report format (default: text)",
    )
    sub.add_argument("--report-file", type=Path, help="write the report to this file")
    sub.add_argument(
        "--fail-on",
        choices=["violation", "warning", "info"],
        default="violation",
        help="the least severe SHACL result that fails the run (default: violation)",
    )
    sub.add_argument(
        "--engine",
        choices=["auto", "turbo", "kg", "pyshacl"],
        default="auto",
        help="SHACL engine: auto (pyshacl-turbo if installed), turbo, kg, or pyshacl (the "
        "slow reference)",
    )


def _store_commands(command: Callable[[str, object, str], argparse.ArgumentParser]) -> None:
    """``kg push`` and ``kg serve``: triple stores (see kg.store, kg.serve)."""
    from kg import commands as impl

    sub = command("push", impl.push_command, "Replace each named graph on a SPARQL server.")
    sub.add_argument("graph", nargs="?", type=Path, default=Path("build/graph.trig"))
    sub.add_argument("--endpoint", required=True, help="SPARQL query URL (e.g. .../query)")
    sub.add_argument("--store-url", help="Graph Store Protocol URL (default: derived)")
    sub.add_argument("--update-url", help="SPARQL Update URL (default: derived)")
    sub.add_argument("--method", choices=["gsp", "update"], default="gsp", help="default: gsp")
    sub.add_argument("--target-graph", metavar="IRI", help="push every triple into this graph")
    sub.add_argument("--batch-size", type=int, default=50_000, help="triples per request")
    sub.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    sub.add_argument("--retries", type=int, default=4, help="retries on transient errors")
    sub.add_argument("--no-verify", action="store_true", help="do not count triples afterwards")
    sub.add_argument("--json", action="store_true", help="counts as JSON")

    sub = command("serve", impl.serve_command, "Serve a built graph over SPARQL (Oxigraph).")
    sub.add_argument("graph", nargs="?", type=Path, default=Path("build/graph.trig"))
    sub.add_argument("--port", type=int, default=7878, help="port on 127.0.0.1 (default: 7878)")


def _version() -> str:
    from kg import __version__

    return __version__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
