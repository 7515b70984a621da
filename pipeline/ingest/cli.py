"""``twcorpus ingest``: the one stage whose CLI does more than run it and print a summary —
a source with an invalid manifest is left out with a warning, or, with ``--strict``, is an error."""

from __future__ import annotations

import argparse
import sys

from pipeline.core.context import load_context
from pipeline.core.errors import EXIT_USER_ERROR
from pipeline.core.notices import warn_once
from pipeline.ingest import stage


def command(args: argparse.Namespace) -> int:
    ctx = load_context(args.root)
    metrics = stage.run(ctx, args.source, progress=not args.quiet)
    if "error" in metrics:
        message = (
            f"{metrics['error']} (every file of '{args.source}' is recorded as a reject; the source is left "
            "out of the release)"
        )
        if args.strict:  # without --strict the source is left out, and the run goes on
            print(f"twcorpus: error: {message}", file=sys.stderr)
            return EXIT_USER_ERROR
        warn_once(ctx.layout.root, message, key=f"left-out:{args.source}")
    elif not args.quiet:
        print(
            f"ingest {args.source}: {metrics['documents']} documents, {metrics['rejected']} rejected", file=sys.stderr
        )
    return 0
