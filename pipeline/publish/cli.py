"""``twcorpus publish``: runs the stage, then warns once for every source left out of the release."""

from __future__ import annotations

import argparse
import sys

from pipeline.core.context import load_context
from pipeline.core.notices import warn_once
from pipeline.publish import stage


def command(args: argparse.Namespace) -> int:
    ctx = load_context(args.root)
    layout = ctx.layout
    metrics = stage.run(ctx, progress=not args.quiet)
    if not args.quiet:
        print(
            f"publish: {metrics['documents']} documents in {metrics['shards']} shard(s), "
            f"{metrics['rejected']} rejected → {layout.rel(layout.publish)}/",
            file=sys.stderr,
        )
    for source_id, m in metrics["sources"].items():
        if not m["manifest_ok"]:
            warn_once(
                layout.root,
                f"source '{source_id}' was left out: its manifest is invalid (twcorpus validate {source_id})",
                key=f"left-out:{source_id}",
            )
    return 0
