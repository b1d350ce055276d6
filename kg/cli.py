"""The ``kg`` command: a thin layer over the library. Exit codes: 0 clean,
1 SHACL violations (or differences, for checks), 2 input or usage errors,
3 a file could not be written or read (disk full, permissions)."""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from kg.defaults import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_IO,
    FAIL_ON,
    GRAPH_FILE,
    OUT_DIR,
    PUSH_BATCH_SIZE,
    PUSH_RETRIES,
    PUSH_TIMEOUT,
    QUERY_ENGINE,
    SEEDS_DIR,
    SERVE_PORT,
    SHACL_ENGINE,
)
from kg.errors import InputError, KgError, OutputError

_GRAPH_HELP = (
    f"graph file or store directory (default: {GRAPH_FILE}, or the store kg build --store "
    "wrote beside it while it holds the same graph)"
)


def _jobs(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("must be a positive, finite number of seconds")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _quiet_rdflib()
    try:
        return int(args.run(args))
    except InputError as exc:
        _print_problems(exc, args)
        return EXIT_INPUT
    except OutputError as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return EXIT_IO
    except KgError as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # pragma: no cover - `kg diff ... | head`
        sys.stderr.close()
        return 0
    except OSError as exc:  # a read or write the command did not expect to fail
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"kg: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_IO
    except Exception as exc:
        if args.command != "validate":
            raise
        # Input kg did not foresee (shapes or data that make a library fail): a message,
        # not a traceback, since `kg validate` runs on files that are not kg's.
        print(f"kg: cannot validate: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        print("kg: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED


class _NoTraceback(logging.Formatter):
    def formatException(self, ei: object) -> str:  # noqa: N802 - logging's name
        return ""

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return ""


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a message comes (as logging's last resort)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _: object) -> None:
        pass


def _quiet_rdflib() -> None:
    """Libraries' log messages as one line each, never with a traceback. rdflib logs
    one (and warns) for every ill-typed literal it reads; kg reports those through
    SHACL (sh:datatype), so the command line shows neither."""
    root = logging.getLogger()
    if not root.handlers:
        handler = _StderrHandler()
        handler.setFormatter(_NoTraceback("kg: %(name)s: %(message)s"))
        root.addHandler(handler)
    logging.getLogger("rdflib").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"rdflib\..*")


def _print_problems(exc: InputError, args: argparse.Namespace) -> None:
    from kg.outcome import runner_safe  # problems quote the files: no runner commands from them
    from kg.report import ReportFormat

    if getattr(args, "json", False):
        problems = json.dumps({"problems": [p.to_dict() for p in exc.problems]}, indent=1)
        print(runner_safe(problems, ReportFormat.JSON))
    else:
        print(runner_safe(str(exc), ReportFormat.TEXT), file=sys.stderr)
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
        default=SEEDS_DIR,
        help="directory of extraction files (default: seeds)",
    )
    sub.add_argument(
        "-o", "--out", type=Path, default=OUT_DIR, help=f"output directory (default: {OUT_DIR})"
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
        help=(
            "keep here, keyed by content, the parsed extraction files, each file's mapped "
            "statements, the formatted TriG/Turtle pieces and the validation state, so a "
            "rebuild redoes only what an edit changed (safe to delete)"
        ),
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
    sub.add_argument(
        "--store",
        action="store_true",
        help=f"also write an on-disk Oxigraph store, {OUT_DIR}/graph.oxigraph/, that kg query, "
        "kg stats and kg serve open without parsing (implies the TriG format)",
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
        default=None,
        help=_GRAPH_HELP,
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
        "--endpoint",
        metavar="URL",
        help="query the graphs kg pushed to this SPARQL endpoint instead of a file",
    )
    sub.add_argument(
        "--base", default=None, help="with --endpoint: the base IRI the graph was built with"
    )
    sub.add_argument(
        "--engine",
        choices=["oxigraph", "rdflib"],
        default=QUERY_ENGINE,
        help="query engine: Oxigraph (fast, default) or rdflib (the reference)",
    )

    sub = command("stats", impl.stats_command, "Count nodes per class and triples per source.")
    sub.add_argument("graph", nargs="?", type=Path, default=None, help=_GRAPH_HELP)
    sub.add_argument("--json", action="store_true", help="counts as JSON")

    sub = command("schema", impl.schema_command, "Print the JSON Schema of the extraction format.")
    sub.add_argument("--registry", action="store_true", help="schema of registry.yaml instead")

    sub = command(
        "evidence", impl.evidence_command, "Check every evidence quote against the source texts."
    )
    sub.add_argument("seeds", nargs="?", type=Path, default=SEEDS_DIR)
    sub.add_argument("--sources", type=Path, required=True, help="directory of source texts")
    sub.add_argument("--json", action="store_true", help="anchors as JSON")
    sub.add_argument(
        "--fix",
        action="store_true",
        help="write computed offsets and source hashes into the extraction files "
        "(comments and layout kept) and print the diff",
    )

    sub = command(
        "lint",
        impl.lint_command,
        "List facts a reader would miss: numbers or dates only in notes, quotes not naming "
        "their subject.",
    )
    sub.add_argument("seeds", nargs="?", type=Path, default=SEEDS_DIR)
    sub.add_argument(
        "--strict", action="store_true", help="exit 1 when there is any unexplained finding"
    )

    sub = command(
        "generate",
        impl.generate_command,
        "Regenerate ontology/kg.ttl, shapes/shapes.ttl and the docs' field tables from the models.",
    )
    sub.add_argument(
        "--root",
        type=Path,
        default=None,
        help="the kg source tree to write into (default: the one kg runs from, else the "
        "current directory if it holds ontology/ and shapes/)",
    )
    sub.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the committed files are stale, write nothing",
    )
    _store_commands(command)
    _view_commands(command)
    return parser


def _report_options(sub: argparse.ArgumentParser) -> None:
    from kg.report import ReportFormat

    sub.add_argument(
        "--report",
        choices=[f.value for f in ReportFormat],
        default=None,
        help="report format (default: text)",
    )
    sub.add_argument(
        "--report-file",
        type=Path,
        action="append",
        metavar="PATH",
        help="write the report to this file, also when the run fails (repeatable; the format "
        "is the extension's: .sarif SARIF, .xml JUnit, .json JSON, .txt text; else --report's)",
    )
    sub.add_argument(
        "--fail-on",
        choices=["violation", "warning", "info"],
        default=FAIL_ON,
        help=f"the least severe SHACL result that fails the run (default: {FAIL_ON}; a "
        "custom sh:severity counts as a violation)",
    )
    sub.add_argument(
        "--engine",
        choices=["auto", "turbo", "kg", "pyshacl"],
        default=SHACL_ENGINE,
        help="SHACL engine: auto (pyshacl-turbo if installed), turbo, kg, or pyshacl (the "
        "slow reference)",
    )


def _store_commands(command: Callable[[str, object, str], argparse.ArgumentParser]) -> None:
    """``kg push`` and ``kg serve``: triple stores (see kg.store, kg.serve)."""
    from kg import commands as impl

    sub = command("push", impl.push_command, "Replace each named graph on a SPARQL server.")
    sub.add_argument("graph", nargs="?", type=Path, default=GRAPH_FILE)
    sub.add_argument("--endpoint", required=True, help="SPARQL query URL (e.g. .../query)")
    sub.add_argument("--store-url", help="Graph Store Protocol URL (default: derived)")
    sub.add_argument("--update-url", help="SPARQL Update URL (default: derived)")
    sub.add_argument("--method", choices=["gsp", "update"], default="gsp", help="default: gsp")
    sub.add_argument("--target-graph", metavar="IRI", help="push every triple into this graph")
    sub.add_argument(
        "--batch-size", type=_jobs, default=PUSH_BATCH_SIZE, metavar="N", help="triples per request"
    )
    sub.add_argument(
        "--timeout",
        type=_seconds,
        default=PUSH_TIMEOUT,
        metavar="S",
        help=f"seconds for each whole request, connect to last byte (default: {PUSH_TIMEOUT:g})",
    )
    sub.add_argument(
        "--retries",
        type=_count,
        default=PUSH_RETRIES,
        metavar="N",
        help=f"retries on transient errors (default: {PUSH_RETRIES})",
    )
    sub.add_argument(
        "--no-verify", action="store_true", help="do not read the graphs back and compare"
    )
    sub.add_argument(
        "--no-union",
        action="store_true",
        help="do not write the union of the graphs to .../graph/union (kg query --endpoint)",
    )
    sub.add_argument(
        "--allow-other-graphs",
        action="store_true",
        help="replace the registry although the store holds other graphs of the same base",
    )
    sub.add_argument(
        "--resume",
        action="store_true",
        help="after an interrupted push: push only the graphs it did not write",
    )
    sub.add_argument("--json", action="store_true", help="counts as JSON")

    sub = command("serve", impl.serve_command, "Serve a built graph over SPARQL (Oxigraph).")
    sub.add_argument("graph", nargs="?", type=Path, default=None, help=_GRAPH_HELP)
    sub.add_argument(
        "--port", type=int, default=SERVE_PORT, help=f"port on 127.0.0.1 (default: {SERVE_PORT})"
    )
    sub.add_argument(
        "--site", type=Path, default=None, help="also serve the report kg report wrote in SITE"
    )
    sub.add_argument(
        "--site-port", type=int, default=0, help="port of the report (default: a free one)"
    )


def _view_commands(command: Callable[[str, object, str], argparse.ArgumentParser]) -> None:
    """``kg report`` and ``kg export``: the built graph for people and other tools."""
    from kg import commands as impl

    sub = command("report", impl.report_command, "Write a static HTML site of a built graph.")
    sub.add_argument("build_dir", nargs="?", type=Path, default=OUT_DIR, metavar="BUILD_DIR")
    sub.add_argument("-o", "--out", type=Path, default=Path("site"), help="default: site")
    sub.add_argument("--sources", type=Path, help="source texts: show each quote in context")
    sub.add_argument(
        "--extraction-url",
        metavar="URL",
        help="link file:line to URL + file + '#Lline' (e.g. a GitHub blob URL ending in /)",
    )

    sub = command("export", impl.export_command, "Export a built graph as Popolo JSON or CSV.")
    sub.add_argument("format", choices=["popolo", "csv"])
    sub.add_argument("build_dir", nargs="?", type=Path, default=OUT_DIR, metavar="BUILD_DIR")
    sub.add_argument(
        "-o", "--out", type=Path, required=True, help="popolo: a .json file; csv: a directory"
    )


def _version() -> str:
    from kg import __version__

    return __version__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
