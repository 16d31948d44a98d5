"""The ``gdprgraph`` command: a thin layer that parses arguments, calls the library, renders.

Exit codes: 0 ok; 1 no match, or data that does not conform; 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, overload

import shtab

from . import __version__, queries, render, resources, viz
from . import impact as impacts
from . import paths as transfer_paths
from . import validate as validation
from .backends import backend_for
from .describe import as_json, as_text, describe
from .errors import GdprGraphError, InputError, NoMatchError
from .load import input_files, publish
from .output import check_target, write_atomic, write_atomic_bytes
from .progress import Steps
from .queries import QueryResult
from .report import render_report
from .store import configure as configure_store
from .store import store_spec
from .store.auth import mask_spec
from .workspace import Workspace

if TYPE_CHECKING:
    from rdflib import Graph

    from .ingest.vendor import Vendor

EXIT_OK, EXIT_NO_MATCH, EXIT_BAD_INPUT = 0, 1, 2


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    """``k=v`` strings into a dict."""
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--param expects name=value, got {pair!r}")
        params[key.strip()] = value
    return params


@overload
def out_target(
    args: argparse.Namespace, inputs: Sequence[Path | str] = (), *, default: str, graph_inputs: bool = True
) -> Path: ...
@overload
def out_target(
    args: argparse.Namespace, inputs: Sequence[Path | str] = (), default: str | None = None, graph_inputs: bool = True
) -> Path | None: ...
def out_target(
    args: argparse.Namespace, inputs: Sequence[Path | str] = (), default: str | None = None, graph_inputs: bool = True
) -> Path | None:
    """Where the command may write (``--out``, else its default), checked before any work is done:
    never over one of its inputs (``inputs``, and with ``graph_inputs`` the files the graph is built
    from) or gdprgraph's own files, and over an existing file only with ``--force`` (its own default
    output excepted). None when there is nothing to write to a file."""
    given = getattr(args, "out", None)
    target = given or default
    if target is None:  # no --out and no default: nothing to write to a file
        return None
    read = [*inputs, *(getattr(args, "files", None) or [])]
    if graph_inputs:
        read += [*input_files(getattr(args, "files", None) or None), *resources.shape_files()]
    return check_target(target, inputs=read, force=getattr(args, "force", False), default=not given)


def emit_text(out: Path | None, text: str) -> None:
    """Write ``text`` atomically to ``out`` (saying so on stderr), or to stdout without one."""
    if out is not None:
        print(f"wrote {write_atomic(out, text)}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def workspace(args: argparse.Namespace) -> Workspace:
    """The graph a command works on: its data files (or data/) in the chosen store."""
    return Workspace(getattr(args, "files", None) or None, store=getattr(args, "store", None))


def cmd_build(args: argparse.Namespace) -> int:
    spec = store_spec(args.store)
    shared = backend_for(spec).persistent
    out = out_target(args, default=None if shared else "out/graph.ttl")
    if shared:
        graphs = publish(args.files or None, spec)
        state = "built and loaded" if graphs.rebuilt else "already up to date"
        print(
            f"{mask_spec(spec)}: {state}: {len(graphs.asserted)} asserted triples, {len(graphs.infer())} with inference"
        )
        if out is None:
            return EXIT_OK
    assert out is not None
    ws = workspace(args)
    steps = Steps()
    with steps.step("loading the data"):
        ws.asserted  # noqa: B018 (loads)
    if args.inferred:
        with steps.step("applying the rules and computing the OWL RL closure"):
            ws.inferred  # noqa: B018 (computes)
    graph = ws.inferred if args.inferred else ws.asserted
    counts = ws.class_counts()
    print(f"loaded {len(ws.asserted.sources)} files: {len(ws.asserted)} asserted triples")
    if args.inferred:
        print(f"with rules and OWL RL closure: {len(ws.inferred)} triples")
    print("instances per class:")
    for name, count in counts.items():
        print(f"  {count:6d}  {name}")
    with steps.step(f"writing {out}"):
        path = write_atomic(out, graph.serialize("turtle"))
    print(f"wrote {path}")
    return EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    if args.list:
        for query in queries.catalog().values():
            params = ", ".join(f"{p.name}{'?' if p.optional else ''} ({p.kind})" for p in query.parameters)
            closure = "  [needs OWL RL closure]" if query.inference != "none" else ""
            print(f"{query.name}: {query.title}{closure}")
            print(f"    parameters: {params or 'none'}")
        return EXIT_OK
    if args.file and args.name:
        raise InputError(f"give a query NAME or --file FILE, not both ({args.name!r} and --file {args.file})")
    if not args.name and not args.file:
        raise InputError("query needs a NAME, --file FILE or --list")
    inference = True if args.inferred else None
    if args.file:
        query = queries.from_file(args.file)  # checked before anything is loaded
        render.check_format(query.form, args.format)
        if args.columns and query.form != "SELECT":
            raise InputError(f"--columns applies to SELECT queries; {args.file} is {query.form}")
        ws = workspace(args)
        result: QueryResult = ws.run_query(query, parse_params(args.param), inference)
    else:
        query = queries.get(args.name)
        ws = workspace(args)
        result = ws.run(args.name, parse_params(args.param), inference)
    if args.columns:
        wanted = [c.strip() for c in args.columns.split(",") if c.strip()]
        unknown = [c for c in wanted if c not in result.columns]
        if unknown:
            raise InputError(f"no column {', '.join(unknown)}; columns: {', '.join(result.columns)}")
        result.columns = wanted
    if isinstance(result, queries.Answer) and result.form != "SELECT":
        text = render.render_answer(result, args.format, ws.asserted.namespace_manager)
        if text:
            print(text)
        if not result.found and result.form != "ASK":
            print(f"{query.name}: empty graph", file=sys.stderr)
        return EXIT_OK if result.found else EXIT_NO_MATCH
    print(render.render(result, args.format, ws.asserted.namespace_manager, width=render.terminal_width()))
    if query.expect_empty:
        return EXIT_NO_MATCH if result.rows else EXIT_OK
    if not result.rows:
        print(f"{query.name}: no rows", file=sys.stderr)
        return EXIT_NO_MATCH
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from . import diff as diffs

    result = diffs.diff(args.old, args.new)
    print(diffs.render(result, args.format))
    return EXIT_NO_MATCH if result.needs_action else EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    ws = workspace(args)
    desc = describe(ws, args.name)
    print(as_json(desc) if args.format == "json" else as_text(desc))
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from . import tia

    as_of = tia.parse_date(args.as_of, "--as-of") if args.as_of else None
    ws = workspace(args)
    if as_of is not None:
        tia.set_validation_date(ws.asserted, as_of)
    with Steps().step("validating"):
        report = validation.validate(ws, inference=args.inference, engine=args.engine)
    minimum = validation.Severity.parse(args.severity)
    if args.format == "json":
        print(validation.as_json(report, minimum))
    elif args.format == "turtle":
        print(validation.as_turtle(report))
    else:
        print(validation.as_text(report, minimum))
    return EXIT_OK if report.conforms else EXIT_NO_MATCH


def print_table(columns: list[str], rows: Sequence[Sequence[object]], fmt: str) -> None:
    """Rows of plain values in one of render.FORMATS."""
    result = render.PlainTable(columns, [dict(zip(columns, row, strict=True)) for row in rows])
    print(render.render(result, fmt, width=render.terminal_width()))


def cmd_impact(args: argparse.Namespace) -> int:
    ws = workspace(args)
    result = impacts.impact(ws, args.org)
    if args.format == "json":
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    elif args.format == "text":
        print(impacts.as_text(result))
    else:
        print_table(*impacts.as_rows(result), args.format)
    return EXIT_OK if result.services else EXIT_NO_MATCH


def cmd_paths(args: argparse.Namespace) -> int:
    ws = workspace(args)
    service = str(ws.resolve(args.source, "service")) if args.source else None
    to = args.to
    if to not in ("third-countries", "all"):
        to = str(ws.resolve(to, "country"))
    graph = ws.transfer_graph()
    found = transfer_paths.transfer_paths(graph, service=service, to=None if to == "all" else to)
    records = [transfer_paths.path_record(p) for p in found]
    if args.format == "json":
        print(json.dumps({"paths": [r.to_json() for r in records]}, ensure_ascii=False, indent=2))
    else:
        rows = [
            [
                r.chain[0],
                r.chain[1],
                transfer_paths.describe_path(r),
                r.country,
                r.zone,
                "yes" if r.missing_basis else "no",
            ]
            for r in records
        ]
        print_table(["dataSubjects", "service", "path", "country", "zone", "missingBasis"], rows, args.format)
    return EXIT_OK if found else EXIT_NO_MATCH


def cmd_concentration(args: argparse.Namespace) -> int:
    ws = workspace(args)
    ranked = transfer_paths.concentration(ws.transfer_graph())[: args.top]
    if args.format == "json":
        print(
            json.dumps(
                {
                    "organisations": [
                        {**asdict(d), "single_point_of_failure": d.single_point_of_failure} for d in ranked
                    ]
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        rows = [
            [
                d.name,
                d.country,
                len(d.services),
                d.services,
                d.degree,
                d.betweenness,
                "yes" if d.single_point_of_failure else "no",
            ]
            for d in ranked
        ]
        print_table(
            ["organisation", "country", "services", "serviceNames", "degree", "betweenness", "singlePointOfFailure"],
            rows,
            args.format,
        )
    return EXIT_OK


def cmd_viz(args: argparse.Namespace) -> int:
    out = out_target(args, default="viz/transfer-map.html")
    ws = workspace(args)
    selection = viz.MapSelection(third_countries_only=args.third_countries_only, show_data=args.show_data)
    if args.focus:
        selection.focus = str(ws.resolve(args.focus, "organisation"))
        selection.notes.append(f"Only what touches {args.focus}.")
    if args.service:
        selection.service = str(ws.resolve(args.service, "service"))
        selection.notes.append(f"Only the service {args.service}.")
    if args.third_countries_only:
        selection.notes.append("Only paths that end outside the EU/EEA.")
    with Steps().step("drawing the transfer map"):
        page = viz.render_map(ws, selection)
    path = write_atomic(out, page)
    print(f"wrote {path}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    out = out_target(args, default=f"viz/audit-report.{args.format}")
    ws = workspace(args)
    steps = Steps()
    with steps.step("validating and writing the audit report"):
        page = render_report(ws, map_href=args.map or None)
    if args.format == "pdf":
        from .pdf import html_to_pdf

        with steps.step("printing it to PDF with Chromium"):
            path = write_atomic_bytes(out, html_to_pdf(page))
        print(f"wrote {path}")
        return EXIT_OK
    path = write_atomic(out, page)
    print(f"wrote {path}")
    return EXIT_OK


def cmd_ingest(args: argparse.Namespace) -> int:
    from rdflib import Graph

    from . import ingest

    if args.out and len(args.inputs) > 1:
        raise InputError("--out takes one input FILE; ingest several files one at a time")
    out = out_target(args, inputs=args.inputs, graph_inputs=False)  # --out leaves the context
    if args.files:  # given files are read with the reference data and templates, as every command does
        context = Graph()
        for path in [*resources.reference_files(), *args.files]:
            context.parse(path)
    else:
        context = ingest.default_context(exclude=[args.out] if args.out else [])
    service, vendor = args.service, None
    if args.vendor:  # the vendor and its service, created when new (said on stderr), in context and output
        vendor = _vendor(args, context)
        service = str(vendor.service).rsplit("/", 1)[-1]
    results = [
        ingest.ingest_file(path, key=args.key, service=service, context=context, form=args.form) for path in args.inputs
    ]
    if vendor is not None:
        for result in results:
            for triple in vendor.triples:
                result.graph.add(triple)
    unrecognised = 0
    for result in results:
        if result.encoding_note:
            print(result.encoding_note, file=sys.stderr)
        for message in result.messages(str(result.path)):
            print(message, file=sys.stderr)
        unrecognised += len(result.unrecognised)
        print(
            f"{result.path}: {len(result.accounted)} lines ingested, {len(result.unrecognised)} unrecognised, "
            f"{len(result.graph)} triples",
            file=sys.stderr,
        )
    if args.strict and unrecognised:
        print(f"gdprgraph: {unrecognised} unrecognised line(s) (--strict): nothing written", file=sys.stderr)
        return EXIT_NO_MATCH
    for result in results:
        if out is not None:
            print(f"wrote {write_atomic(out, result.turtle())}", file=sys.stderr)
        else:
            print(result.turtle())
    return EXIT_OK


def _vendor(args: argparse.Namespace, context: Graph) -> Vendor:
    """The --vendor (and its service) found in ``context`` or created (added to it); stderr says what
    is created."""
    from .ingest.vendor import ensure_vendor

    vendor = ensure_vendor(context, args.vendor, args.vendor_country, args.service)
    for line in vendor.created:
        print(f"gdprgraph: {line}", file=sys.stderr)
    for triple in vendor.triples:
        context.add(triple)
    return vendor


def cmd_import_subprocessors(args: argparse.Namespace) -> int:
    from .ingest import subprocessors

    out = out_target(args, inputs=[args.input], graph_inputs=False)  # --out leaves the context
    replaced = out.resolve() if out is not None else None  # a previous import is replaced, not matched
    ws = Workspace([p for p in (args.files or resources.default_data_files()) if Path(p).resolve() != replaced])
    vendor = None
    if args.vendor:
        vendor = _vendor(args, ws.asserted.graph)
    elif not args.service:
        raise InputError("name the service with --service, or a vendor with --vendor (created if new)")
    service = ws.resolve(args.service, "service") if vendor is None else None
    processor = ws.resolve(args.processor, "organisation") if args.processor else None
    source = subprocessors.SubprocessorList(
        args.input, service, processor=processor, context=ws, key=args.key, vendor=vendor
    )
    if source.encoding_note:
        print(source.encoding_note, file=sys.stderr)
    progress = Progress(lambda rows: f"{args.input}: {rows:,} rows read")
    text = io.BytesIO()  # the Turtle, row by row: written only once every row is read
    for piece in source.turtle(progress if progress.shown else None):
        text.write(piece.encode("utf-8"))
    progress.done()
    print(
        f"{args.input}: {source.engagements} engagement(s), {source.triples} triples, "
        f"{len(source.reports)} cell(s) reported",
        file=sys.stderr,
    )
    for message in source.messages():
        print(message, file=sys.stderr)
    if args.strict and source.reports:
        print(f"gdprgraph: {len(source.reports)} cell(s) not understood (--strict): nothing written", file=sys.stderr)
        return EXIT_NO_MATCH
    if out is not None:
        print(f"wrote {write_atomic_bytes(out, text.getvalue())}", file=sys.stderr)
    else:
        sys.stdout.write(text.getvalue().decode("utf-8"))
    return EXIT_OK


class Progress:
    """A progress line on stderr, rewritten in place (``\\r``) every ``every`` items; only when stderr
    is a terminal."""

    def __init__(self, words: Callable[[int], str], every: int = 10_000) -> None:
        self.words, self.every, self.width = words, every, 0
        self.shown = sys.stderr.isatty()

    def __call__(self, count: int) -> None:
        if self.shown and count % self.every == 0:
            line = self.words(count)
            self.width = max(self.width, len(line))
            sys.stderr.write(f"\r{line}")
            sys.stderr.flush()

    def done(self) -> None:
        """Clear the line, so what follows is printed over it."""
        if self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()
            self.width = 0


def cmd_import_ropa(args: argparse.Namespace) -> int:
    from .ingest import register

    out = out_target(args, inputs=[args.input], graph_inputs=False)  # --out leaves the context
    replaced = out.resolve() if out is not None else None  # a previous import is replaced, not matched
    files = [p for p in (args.files or resources.default_data_files()) if Path(p).resolve() != replaced]
    result = register.import_register(args.input, role=args.role, context=register.context_graph(files), key=args.key)
    if result.encoding_note:
        print(result.encoding_note, file=sys.stderr)
    for line in result.messages(str(args.input)):
        print(line, file=sys.stderr)
    text = result.turtle()
    emit_text(out, text)
    return EXIT_OK


def cmd_import_fides(args: argparse.Namespace) -> int:
    from .ingest import fides

    out = out_target(args, inputs=args.inputs, graph_inputs=False)  # --out leaves the context
    replaced = out.resolve() if out is not None else None  # a previous import is replaced, not matched
    files = [p for p in (args.files or resources.default_data_files()) if Path(p).resolve() != replaced]
    result = fides.import_fides(args.inputs, context=fides.context_graph(files))
    for line in [*result.notes, *result.messages]:
        print(line, file=sys.stderr)
    print(
        f"{', '.join(args.inputs)}: {result.services} system(s), {result.activities} privacy declaration(s), "
        f"{result.engagements} engagement(s), {len(result.graph)} triples",
        file=sys.stderr,
    )
    text = result.turtle()
    emit_text(out, text)
    return EXIT_OK


def cmd_export_ropa(args: argparse.Namespace) -> int:
    from . import ropa
    from .output import write_atomic_bytes

    fmt = args.format or ("csv" if args.role else "xlsx")
    if fmt == "csv" and not args.role:
        raise InputError("a CSV file holds one record: give --role processor or controller (or --format xlsx)")
    if fmt == "xlsx" and not args.out:
        raise InputError("--format xlsx needs --out FILE")
    out = out_target(args)
    ws = workspace(args)
    records = ropa.records(ws, (args.role,) if args.role else ropa.ROLES)
    if out is not None and fmt == "xlsx":
        print(f"wrote {write_atomic_bytes(out, ropa.to_xlsx(records))}", file=sys.stderr)
    elif out is not None:
        print(f"wrote {write_atomic(out, ropa.to_csv(records[0]))}", file=sys.stderr)
    else:
        sys.stdout.write(ropa.to_csv(records[0]))
    return EXIT_OK


def cmd_export_graph(args: argparse.Namespace) -> int:
    from . import export

    if args.profile == "dpv" and args.inferred:
        raise InputError("--inferred: the dpv profile is written from the asserted graph")
    out = out_target(args)
    ws = workspace(args)
    graph = ws.inferred if args.inferred else ws.asserted
    text = export.export_graph(graph, args.format, args.profile)
    emit_text(out, text)
    return EXIT_OK


def cmd_export_fides(args: argparse.Namespace) -> int:
    from . import fides_export

    out = out_target(args)
    ws = workspace(args)
    text = fides_export.export_fides(ws)
    emit_text(out, text)
    return EXIT_OK


def cmd_tia(args: argparse.Namespace) -> int:
    from . import tia, tia_render

    if args.format == "xlsx" and not args.out:
        raise InputError("--format xlsx needs --out FILE.xlsx")
    ws = workspace(args)
    service = str(ws.resolve(args.service, "service")) if args.service else None
    country = None
    if args.to:
        country = (
            transfer_paths.UNDISCLOSED_COUNTRY
            if args.to.strip().lower() in ("undisclosed", "not disclosed")
            else str(ws.resolve(args.to, "country"))
        )
    hops = tia.hops_needing_tia(ws, service=service, country=country)
    if args.format == "xlsx":
        out = out_target(args)
        assert out is not None
        print(f"wrote {write_atomic_bytes(out, tia_render.xlsx(hops))}", file=sys.stderr)
    else:
        documents = {
            "index.md": tia_render.index(
                hops, tia.hop_statuses(ws, hops=hops), [] if country else tia.rows_without_entities(ws, service)
            )
        }
        documents.update({tia_render.file_name(h): tia_render.markdown(h) for h in hops})
        if args.out:
            read = [*(args.files or []), *input_files(args.files or None)]
            targets = {
                name: check_target(Path(args.out) / name, inputs=read, force=args.force) for name in documents
            }  # every target checked before any is written
            for name, text in documents.items():
                write_atomic(targets[name], text)
            print(f"wrote {len(documents)} file(s) to {args.out}", file=sys.stderr)
        else:
            print("\n\n".join(documents.values()))
    print(f"{len(hops)} hop(s) need a transfer impact assessment", file=sys.stderr)
    return EXIT_OK if hops else EXIT_NO_MATCH


def cmd_import_tia(args: argparse.Namespace) -> int:
    from .ingest import tia as tia_import

    out = out_target(args, inputs=[args.input], graph_inputs=False)
    ws = workspace(args)
    result = tia_import.import_sheet(args.input, ws.asserted)
    text = result.turtle()
    if result.skipped:
        print(
            f"{args.input}: row(s) {', '.join(map(str, result.skipped))} not completed (conclusion, outcome "
            "and assessor needed): skipped",
            file=sys.stderr,
        )
    print(f"{args.input}: {result.imported} transfer impact assessment(s)", file=sys.stderr)
    emit_text(out, text)
    return EXIT_OK


def cmd_dpia_screen(args: argparse.Namespace) -> int:
    from . import dpia

    ws = workspace(args)
    service = str(ws.resolve(args.service, "service")) if args.service else None
    screens = dpia.screen(ws, service=service)
    if args.format == "json":
        print(
            json.dumps(
                {"services": [asdict(s) | {"verdict": s.verdict} for s in screens]}, ensure_ascii=False, indent=2
            )
        )
    else:
        print(dpia.as_text(screens))
    return EXIT_OK if screens else EXIT_NO_MATCH


def cmd_store(args: argparse.Namespace) -> int:
    from .store import admin

    backend = backend_for(args.store)
    if args.action == "status":
        print(admin.status_text(backend.status()))
    else:
        print(admin.gc_text(backend.gc(wait=args.wait or 0.0)))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .web.serve import serve

    serve(workspace(args), host=args.host, port=args.port)
    return EXIT_OK


def store_option(p: argparse.ArgumentParser) -> None:
    """--store, --wait, --auth-file: where the graph lives and how to reach it."""
    p.add_argument(
        "--store",
        metavar="SPEC",
        help=(
            "where the graph lives: oxigraph (default, in memory), oxigraph:PATH (on disk, rebuilt only "
            "when the files change), sparql:URL (a SPARQL 1.1 server, loaded by build), memory (rdflib); "
            "default: $GDPRGRAPH_STORE or oxigraph"
        ),
    )
    p.add_argument(
        "--wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help=(
            "when another process is building the store (oxigraph:PATH, sparql:URL), wait up to this "
            "long for it, then exit 2 naming it (default 0: do not wait)"
        ),
    )
    p.add_argument(
        "--auth-file",
        metavar="FILE",
        help=(
            "credentials for a sparql:URL store, one line: user:password, basic user:password, "
            "digest user:password or Bearer TOKEN (default: $GDPRGRAPH_STORE_AUTH, or user:password@ in the URL)"
        ),
    )


def force_option(p: argparse.ArgumentParser) -> None:
    """--force: replace an --out file that exists."""
    p.add_argument(
        "--force",
        action="store_true",
        help=(
            "replace the --out file if it exists (never an input of the command, nor a file of "
            "data/, ontology/ or queries/ that git tracks)"
        ),
    )


def data_option(p: argparse.ArgumentParser) -> None:
    """--data FILE...: the data files to load, with the store options."""
    p.add_argument(
        "--data",
        dest="files",
        nargs="+",
        metavar="FILE",
        help="data files to load instead of the embedded data/ (ontology always loaded)",
    )
    store_option(p)


def _graph_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Build, query, validate: the graph itself."""
    p = sub.add_parser("build", help="load, infer, write the merged graph, print counts per class")
    data_option(p)
    p.add_argument(
        "--out",
        help="where to write the graph (Turtle; default out/graph.ttl, none when "
        "the store is oxigraph:PATH or sparql:URL unless given)",
    )
    force_option(p)
    p.add_argument("--inferred", action="store_true", help="write the graph with the OWL RL closure")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("query", help="run a named query from queries/, or your own query file")
    p.add_argument("name", nargs="?", help="query name (see --list)")
    p.add_argument("--list", action="store_true", help="list the queries with their parameters")
    p.add_argument(
        "--file",
        metavar="FILE.rq",
        help="run the SPARQL query in this file (SELECT, ASK, "
        "CONSTRUCT or DESCRIBE; updates are refused), its '# param:' header bound like the catalog's",
    )
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument(
        "--format",
        choices=render.FORMATS,
        default="table",
        help="SELECT: table, csv or json; ASK: true/false or json; CONSTRUCT, DESCRIBE: "
        "table gives Turtle, json gives JSON-LD",
    )
    p.add_argument("--columns", help="comma-separated columns to show (default: all)")
    p.add_argument(
        "--inferred",
        action="store_true",
        help="run on the OWL RL closure (default: as the query's '# inference:' header says)",
    )
    data_option(p)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("validate", help="SHACL validation: completeness and lawfulness of every record")
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="data files to validate instead of the embedded data/ (ontology always loaded)",
    )
    p.add_argument("--format", choices=("text", "json", "turtle"), default="text")
    p.add_argument(
        "--severity",
        choices=("violation", "warning", "info"),
        default="info",
        help="show findings of this severity and more serious (default: all)",
    )
    p.add_argument(
        "--inference",
        choices=validation.INFERENCE_MODES,
        default="none",
        help="validate the asserted graph, its RDFS closure, or its OWL RL closure",
    )
    p.add_argument(
        "--engine",
        choices=validation.ENGINES,
        default=None,
        help="sparql: shapes compiled to SPARQL, run in the store (default, except with "
        "--store memory); pyshacl: the reference engine",
    )
    p.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="the date review dates (of transfer impact assessments) are checked against (default: today)",
    )
    store_option(p)
    p.set_defaults(func=cmd_validate)


def _estate_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Impact, paths, concentration: what depends on what."""
    p = sub.add_parser("impact", help="blast radius of an organisation: services, data, countries, paths")
    p.add_argument("org", help="the organisation, by any of its names")
    p.add_argument("--format", choices=("text", *render.FORMATS), default="text")
    data_option(p)
    p.set_defaults(func=cmd_impact)

    p = sub.add_parser("paths", help="transfer paths from data subjects to countries, basis of each hop")
    p.add_argument("--to", default="third-countries", help="third-countries (default), all, or a country name")
    p.add_argument("--from", dest="source", metavar="SERVICE", help="only the paths of this service")
    p.add_argument("--format", choices=render.FORMATS, default="table")
    data_option(p)
    p.set_defaults(func=cmd_paths)

    p = sub.add_parser("concentration", help="organisations the most services depend on")
    p.add_argument("--top", type=int, default=20, help="how many organisations to show")
    p.add_argument("--format", choices=render.FORMATS, default="table")
    data_option(p)
    p.set_defaults(func=cmd_concentration)


def _page_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Viz, report: the pages written to files."""
    p = sub.add_parser("viz", help="write the interactive transfer map (offline HTML)")
    p.add_argument("--out", help="where to write the map (default viz/transfer-map.html)")
    force_option(p)
    p.add_argument("--focus", metavar="NAME", help="only what touches this organisation")
    p.add_argument("--service", metavar="NAME", help="only this service")
    p.add_argument("--third-countries-only", action="store_true", help="only paths ending outside the EU/EEA")
    p.add_argument("--show-data", action="store_true", help="add data-category nodes (data subjects are always drawn)")
    data_option(p)
    p.set_defaults(func=cmd_viz)

    p = sub.add_parser("report", help="write the self-contained HTML audit report")
    p.add_argument("--out", help="where to write the report (default viz/audit-report.html, or .pdf)")
    force_option(p)
    p.add_argument(
        "--map",
        default=None,
        metavar="HREF",
        help="also link to a separate copy of the transfer map, relative to the report (the map is always inline)",
    )
    p.add_argument(
        "--format",
        choices=("html", "pdf"),
        default="html",
        help="html (default), or pdf printed by Chromium (the print layout: the map as its table)",
    )
    data_option(p)
    p.set_defaults(func=cmd_report)


def _document_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Ingest, import-subprocessors, diff: documents and versions of the data."""
    p = sub.add_parser("ingest", help="read descriptions of processing (Article 28 template, Annex I) into Turtle")
    p.add_argument("inputs", nargs="+", metavar="FILE", help="the documents (.txt, .md, .html or .pdf)")
    p.add_argument(
        "--form",
        choices=("auto", "art28", "annex1"),
        default="auto",
        help="the template (art28), a generic description of the processing (annex1: Annex I of "
        "the SCCs, Element | Detail table or headed paragraphs), or either (auto, default)",
    )
    p.add_argument("--service", metavar="NAME", help="the service: a known name or the local name of its IRI")
    p.add_argument("--out", help="write the Turtle here (e.g. data/NAME.ttl) instead of stdout; one FILE only")
    force_option(p)
    p.add_argument("--strict", action="store_true", help="exit 1 if any line is unrecognised")
    p.add_argument("--key", help="prefix of the statement IRIs (default: the file name before its first dot)")
    p.add_argument(
        "--vendor",
        metavar="NAME",
        help="the vendor (processor) the description is of: created with "
        "its service (--service, default: the vendor's name) when the graph does not hold them",
    )
    p.add_argument("--vendor-country", metavar="COUNTRY", help="the new vendor's country (name or ISO code)")
    data_option(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "import-subprocessors",
        help="read a vendor's sub-processor list (CSV, Markdown, HTML, XLSX, PDF, copied text) into Turtle",
    )
    p.add_argument("input", metavar="FILE", help="the list: CSV/TSV, Markdown, HTML page, XLSX, PDF or copied text")
    p.add_argument(
        "--service",
        metavar="NAME",
        help="the service the sub-processors serve (with --vendor: its "
        "name, created if new; default: the vendor's name)",
    )
    p.add_argument(
        "--vendor",
        metavar="NAME",
        help="the vendor publishing the list: created with its service when the graph does not hold them",
    )
    p.add_argument("--vendor-country", metavar="COUNTRY", help="the new vendor's country (name or ISO code)")
    p.add_argument("--strict", action="store_true", help="exit 1 (nothing written) if any cell is not understood")
    p.add_argument("--processor", metavar="NAME", help="the processor engaging them (default: the service's)")
    p.add_argument("--out", help="write the Turtle here instead of stdout")
    force_option(p)
    p.add_argument("--key", help="prefix of the statement IRIs (default: the file name before its first dot)")
    data_option(p)
    p.set_defaults(func=cmd_import_subprocessors)

    p = sub.add_parser("diff", help="what changed between two versions of the data; exit 1 if customers must be told")
    p.add_argument(
        "old", metavar="OLD", help="the old version: a data folder, a Turtle file, or a git revision (HEAD~1, REV:data)"
    )
    p.add_argument("new", metavar="NEW", help="the new version, the same way")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    p.set_defaults(func=cmd_diff)


def _import_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Import ropa, fides, tia: the inventories DPOs keep."""
    p = sub.add_parser(
        "import",
        help="read the inventories DPOs keep (a register of processing activities, fides manifests) into Turtle",
    )
    import_sub = p.add_subparsers(dest="what", required=True)
    # import ropa: the register of processing activities (CSV/XLSX), see cmd_import_ropa
    q = import_sub.add_parser(
        "ropa",
        help="a register of processing activities (Article 30): our own export ropa, "
        "or the CNIL's or the ICO's template, as CSV or XLSX",
    )
    q.add_argument("input", metavar="FILE", help="the register: .csv or .xlsx (every sheet is read)")
    q.add_argument(
        "--role",
        choices=("controller", "processor"),
        help="only the sheets of this record of our export; for another register, whose it is "
        "(default: the controller's)",
    )
    q.add_argument("--out", help="write the Turtle here instead of stdout")
    force_option(q)
    q.add_argument("--key", help="prefix of the IRIs minted (default: the file name before its first dot)")
    data_option(q)
    q.set_defaults(func=cmd_import_ropa)
    # import fides: fides system manifests (YAML), see cmd_import_fides
    q = import_sub.add_parser(
        "fides",
        help="fides system manifests (YAML: system:, dataset:, organization:) "
        "into Turtle, keys mapped to DPV (data/reference/fideslang-dpv.ttl)",
    )
    q.add_argument(
        "inputs",
        nargs="+",
        metavar="FILE.yml",
        help="the manifests, read together (a flow may name a system of another file)",
    )
    q.add_argument("--out", help="write the Turtle here instead of stdout")
    force_option(q)
    data_option(q)
    q.set_defaults(func=cmd_import_fides)
    # import tia: a completed TIA sheet (from gdprgraph tia --format xlsx), see cmd_import_tia
    q = import_sub.add_parser(
        "tia",
        help="a completed transfer impact assessment sheet (XLSX or CSV) into Turtle, each row attached to its hop",
    )
    q.add_argument("input", metavar="SHEET", help="the sheet: .xlsx (sheet TIA) or .csv")
    q.add_argument("--out", help="write the Turtle here instead of stdout")
    force_option(q)
    data_option(q)
    q.set_defaults(func=cmd_import_tia)


def _export_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Export ropa, graph, fides."""
    p = sub.add_parser("export", help="records of processing (Article 30) as CSV/XLSX, or the graph as RDF")
    export_sub = p.add_subparsers(dest="what", required=True)
    q = export_sub.add_parser("ropa", help="Article 30 records: processor (30(2)) and controller (30(1))")
    q.add_argument("--role", choices=("processor", "controller"), help="one record (default: both, in XLSX)")
    q.add_argument(
        "--format",
        choices=("csv", "xlsx"),
        help="csv (one role) or xlsx (a sheet per role); default: csv with --role, else xlsx",
    )
    q.add_argument("--out", help="write here (atomically) instead of stdout; needed for xlsx")
    force_option(q)
    data_option(q)
    q.set_defaults(func=cmd_export_ropa)
    q = export_sub.add_parser("graph", help="the whole graph as Turtle, JSON-LD or N-Triples")
    q.add_argument("--format", choices=("turtle", "jsonld", "nt"), default="turtle")
    q.add_argument("--inferred", action="store_true", help="with the rules and the OWL RL closure")
    q.add_argument(
        "--profile",
        choices=("gdprgraph", "dpv"),
        default="gdprgraph",
        help="gdprgraph: the graph as it is (default); dpv: the estate in DPV terms only",
    )
    q.add_argument("--out", help="write here (atomically) instead of stdout")
    force_option(q)
    data_option(q)
    q.set_defaults(func=cmd_export_graph)
    # export fides: our services as fides systems, see cmd_export_fides
    q = export_sub.add_parser(
        "fides",
        help="the services as fides systems (YAML), valid against fideslang's models, keys mapped back from DPV",
    )
    q.add_argument("--out", help="write here (atomically) instead of stdout")
    force_option(q)
    data_option(q)
    q.set_defaults(func=cmd_export_fides)


def _assessment_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Tia, dpia-screen: assessments pre-filled from the graph."""
    p = sub.add_parser("tia", help="pre-fill a transfer impact assessment for every third-country hop that needs one")
    p.add_argument("--service", metavar="NAME", help="only the hops of this service")
    p.add_argument("--to", metavar="COUNTRY", help="only the hops to this country ('undisclosed': not disclosed)")
    p.add_argument(
        "--format",
        choices=("markdown", "xlsx"),
        default="markdown",
        help="markdown: one document per hop and index.md; xlsx: one sheet, a row per hop, "
        "to complete and read back with import tia",
    )
    p.add_argument(
        "--out",
        metavar="DIR|FILE",
        help="markdown: the folder to write into (default: stdout); xlsx: the workbook (needed)",
    )
    force_option(p)
    data_option(p)
    p.set_defaults(func=cmd_tia)

    p = sub.add_parser("dpia-screen", help="DPIA screening (Art. 35, WP248 criteria) per service from the graph")
    p.add_argument("--service", metavar="NAME", help="only this service")
    p.add_argument("--format", choices=("text", "json"), default="text")
    data_option(p)
    p.set_defaults(func=cmd_dpia_screen)


def _store_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Store status, gc."""
    p = sub.add_parser(
        "store",
        help="the generations an on-disk or server store holds, who is writing it; "
        "remove the leftovers of failed builds",
    )
    store_sub = p.add_subparsers(dest="action", required=True)
    q = store_sub.add_parser(
        "status",
        help="generations (current, in progress, orphan) with their triple "
        "counts, and the lock or lease of a build in progress",
    )
    store_option(q)
    q.set_defaults(func=cmd_store)
    q = store_sub.add_parser(
        "gc",
        help="remove orphan generations (never the current one or one being built) "
        "and print what was removed and the size before and after",
    )
    store_option(q)
    q.set_defaults(func=cmd_store)


def _browse_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Serve, show: reading the estate."""
    p = sub.add_parser("serve", help="the estate as a local, read-only web application with a SPARQL endpoint")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; any other prints a warning)",
    )
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    data_option(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("show", help="all the graph knows about a service or organisation")
    p.add_argument("name")
    p.add_argument("--format", choices=("text", "json"), default="text")
    data_option(p)
    p.set_defaults(func=cmd_show)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="gdprgraph", description=__doc__.splitlines()[0])
    top.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    top.add_argument("--version", action="version", version=f"gdprgraph {__version__}")
    shtab.add_argument_to(top, ["--print-completion"], help="print a shell completion script (bash, zsh, tcsh)")
    sub = top.add_subparsers(dest="command", required=True)
    for add in (
        _graph_commands,
        _estate_commands,
        _page_commands,
        _document_commands,
        _import_commands,
        _export_commands,
        _assessment_commands,
        _store_commands,
        _browse_commands,
    ):
        add(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        configure_store(wait=getattr(args, "wait", None), auth_file=getattr(args, "auth_file", None))
        command: Callable[[argparse.Namespace], int] = args.func  # set by each subcommand's parser
        return command(args)
    except BrokenPipeError:  # output piped into head or less, closed early
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return EXIT_OK
    except InputError as err:
        print(f"gdprgraph: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except NoMatchError as err:
        print(f"gdprgraph: {err}", file=sys.stderr)
        return EXIT_NO_MATCH
    except GdprGraphError as err:
        print(f"gdprgraph: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:  # --wait and --auth-file were for this command only (main may be called again in-process)
        configure_store()


if __name__ == "__main__":
    sys.exit(main())
