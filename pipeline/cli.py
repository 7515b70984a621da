"""``twcorpus``: the command line of the pipeline. Each DVC stage is one subcommand.

User errors print one line (``twcorpus: error: <file>: <problem>``) and exit 2; they
never show a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Sequence

from pipeline import __version__
from pipeline.core.contract import SOURCE, STAGES, stages
from pipeline.core.errors import EXIT_USER_ERROR, UserError
from pipeline.core.layout import Layout


def _context(args: argparse.Namespace):
    from pipeline.core.context import load_context

    return load_context(args.root)


def cmd_stage(args: argparse.Namespace) -> int:
    """A pipeline stage (pipeline/<stage>/contract.py): run it, print its one-line summary."""
    from pipeline.stages import runner  # the stages' code loads only when one runs

    stage = STAGES.get(args.command)
    custom = stage.command_function()
    if custom is not None:
        return custom(args)
    ctx = _context(args)
    if stage.scope == SOURCE:
        metrics = runner(stage.name)(ctx, args.source, progress=not args.quiet)
        line = f"{stage.name} {args.source}: {metrics['documents']} documents, {metrics['rejected']} rejected"
    else:
        metrics = runner(stage.name)(ctx, progress=not args.quiet)
        line = stage.name
    if not args.quiet:
        print(line + stage.summary(metrics), file=sys.stderr)
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    from pipeline.publish.push import push

    ctx = _context(args)
    return push(ctx, repo_id=args.repo_id, private=args.private, dry_run=args.dry_run)


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pipeline.publish.report import write_report

    layout = Layout.at(args.root)
    path, _ = write_report(layout, Path(args.output) if args.output else None)
    if not args.quiet:
        print(
            f"report: {layout.rel(path)} (self-contained HTML: charts, sources, rejects; open it in a browser, "
            "no network needed)",
            file=sys.stderr,
        )
    return 0


def cmd_register(args: argparse.Namespace) -> int:
    from pipeline.core.licenses import load_registry
    from pipeline.registration import register, source_id_from

    layout = Layout.at(args.root)
    registry = load_registry(layout)
    for arg in args.folders:
        source_id = source_id_from(layout, arg)
        added = register(layout, registry, source_id)
        state = "registered" if added else "already registered"
        print(f"{source_id}: {state} in {layout.rel(layout.sources_config)}; `dvc repro` will ingest it")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from pipeline.registration import source_id_from
    from pipeline.validate import render, validate

    ctx = _context(args)
    report = validate(ctx, source_id_from(ctx.layout, args.folder))
    if args.json:
        print(json.dumps(dataclasses.asdict(report), ensure_ascii=False, indent=2))
    else:
        print(render(report))
    if not report.ok or report.problems:
        return 1
    return 1 if args.strict and report.rejects_by_reason else 0


def cmd_sources(args: argparse.Namespace) -> int:
    """List the sources; with --check, validate every configuration file DVC will read, so that
    `make repro` stops with one line before DVC runs (and removes) any stage's outputs."""
    from pipeline.registration import survey

    ctx = _context(args)  # params.yaml, configs/sources.yaml, the license registry and policy, each validated
    statuses = survey(ctx.layout, ctx.registry)
    if not args.check:
        for s in statuses:
            mark = "ok" if not s.problem else ("unregistered" if not s.registered and not s.error else "problem")
            license_id = s.manifest.license if s.manifest else "-"
            print(f"{s.id:32} {mark:13} {license_id}")
    errors = [s.problem for s in statuses if s.fatal]
    warnings = [s.problem for s in statuses if s.problem and not s.fatal]
    for problem in warnings:
        print(f"twcorpus: warning: {problem}", file=sys.stderr)
    for error in errors:
        print(f"twcorpus: error: {error}", file=sys.stderr)
    if errors:
        return EXIT_USER_ERROR
    return 1 if args.strict and warnings else 0


def cmd_params(args: argparse.Namespace) -> int:
    """Print params.yaml at its defaults, or rewrite it keeping its values (--write), or say
    whether it is as --write would write it (--check)."""
    from pipeline.core.config import default_params, load_params
    from pipeline.core.params_file import render

    layout = Layout.at(args.root)
    if not (args.write or args.check):
        print(render(default_params()), end="")
        return 0
    text = render(load_params(layout))  # validated first: a bad params.yaml is one line, and is not rewritten
    current = layout.params.read_text(encoding="utf-8") if layout.params.exists() else None
    if args.check:
        if text != current:
            print(
                f"twcorpus: {layout.rel(layout.params)} is not as the code writes it (keys or comments differ); "
                "run: twcorpus params --write",
                file=sys.stderr,
            )
            return 1
        return 0
    if text != current:
        layout.params.write_text(text, encoding="utf-8")
    if not args.quiet:
        state = "unchanged" if text == current else "written"
        print(f"params: {layout.rel(layout.params)} {state} (values kept; keys and comments from the code)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="twcorpus",
        description="Turn contributed Taiwanese public text into a published Traditional-Chinese corpus. "
        "`dvc repro` runs the stages below in order; run one by hand to debug it.",
        epilog="Stages run in this process (engine: local in params.yaml) or on Ray Data (engine: ray; the "
        "cluster named by RAY_ADDRESS, or a local Ray instance). Outputs are the same either way.",
    )
    parser.add_argument("--version", action="version", version=f"twcorpus {__version__}")
    parser.add_argument("--root", default=".", help="repository root (default: the current folder)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars or summaries")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        return p

    for number, stage in enumerate(stages(), 1):  # every stage, in pipeline order, from its contract
        scope = "per source" if stage.scope == SOURCE else "all sources"
        p = add(stage.name, cmd_stage, f"Stage {number}, {scope}: {stage.help}")
        if stage.scope == SOURCE:
            p.add_argument("source", metavar="SOURCE", help="source id (the folder name under data/raw/)")
        for flags, options in stage.arguments:
            p.add_argument(*flags, **options)

    p = add(
        "push",
        cmd_push,
        "Upload data/publish/ to a Hugging Face dataset repository (token from HF_TOKEN, "
        "never printed; HF_ENDPOINT selects another hub). Files no longer published are deleted there.",
    )
    p.add_argument("--repo-id", help="org/name on the hub (default: push.repo_id in params.yaml)")
    p.add_argument(
        "--private",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="create the repository private (default: push.private in params.yaml)",
    )
    p.add_argument("--dry-run", action="store_true", help="list what would be uploaded and deleted; change nothing")

    p = add(
        "report",
        cmd_report,
        "Write one self-contained HTML page on the last run (no network needed, unlike "
        "`dvc plots show`): the charts, the per-source figures and a sample of each reject reason, from "
        "data/metrics/publish.json, data/plots/ and data/rejects/rejects.parquet.",
    )
    p.add_argument("--output", metavar="PATH", help="the HTML file to write (default: data/report.html)")

    p = add("register", cmd_register, "Validate a source folder's manifest and register it in configs/sources.yaml.")
    p.add_argument("folders", nargs="+", metavar="FOLDER", help="data/raw/<id> (or just <id>)")

    p = add(
        "validate",
        cmd_validate,
        "Check a source folder without running the pipeline: manifest, license, "
        "every file readable; prints counts, rejects and sample documents. Exit 1 if the manifest is invalid, "
        "the folder yields no document or a field the manifest names (xml.title_field, …) never appears.",
    )
    p.add_argument("folder", metavar="FOLDER", help="data/raw/<id> (or just <id>)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--strict", action="store_true", help="also exit 1 when any file or document would be rejected")

    p = add(
        "params",
        cmd_params,
        "Print params.yaml with every key at its default and what it means (the sections' dataclasses, "
        "pipeline/<stage>/params.py, are where both live). --write rewrites params.yaml keeping the values it "
        "holds: keys new in the code appear at their defaults, and the comments follow the code.",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("--write", action="store_true", help="rewrite params.yaml, keeping its values")
    what.add_argument("--check", action="store_true", help="exit 1 when params.yaml is not as --write would write it")

    p = add(
        "sources",
        cmd_sources,
        "List source folders and registrations, and warn about unregistered folders "
        "and invalid manifests. Exits 2 when params.yaml, configs/sources.yaml or a registered source's manifest "
        "is invalid (`make repro` runs `sources --check` before DVC).",
    )
    p.add_argument("--check", action="store_true", help="print only the problems")
    p.add_argument("--strict", action="store_true", help="exit 1 when there is any warning")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"twcorpus: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("twcorpus: interrupted", file=sys.stderr)
        return 130
