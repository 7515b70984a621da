#!/bin/bash
# Run every stage on the real development set (../shared/real/ey-gazette) with the code of one commit,
# in a throw-away folder, to compare a change's release with the one before it:
#   benchmarks/real_run.sh <commit> /tmp/real-before; benchmarks/real_run.sh HEAD /tmp/real-after
#   .venv/bin/python benchmarks/real_compare.py /tmp/real-before /tmp/real-after
set -euo pipefail
COMMIT=$1; OUT=$2
REPO=$(cd "$(dirname "$0")/.." && pwd)
REAL=${REAL:-$REPO/../shared/real/ey-gazette}
rm -rf "$OUT" && mkdir -p "$OUT"
git -C "$REPO" archive "$COMMIT" | tar x -C "$OUT"
cd "$OUT"
rm -rf data/raw/* && mkdir -p data/raw/ey-gazette
cp "$REPO/data/raw/ey-gazette/source.yaml" data/raw/ey-gazette/
cp "$REAL"/*.xml data/raw/ey-gazette/
printf 'sources:\n  ey-gazette: {}\n' > configs/sources.yaml
git init -q
export PYTHONPATH=$OUT HF_HUB_OFFLINE=1  # the archived commit's pipeline, not the editable install's
# every stage of that commit, in its own order
"$REPO/.venv/bin/python" -c 'from pipeline.core.context import load_context; from pipeline.stages import run_all; run_all(load_context("."))'
