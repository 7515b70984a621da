#!/bin/bash
# Are two commits' outputs byte-identical? Runs the whole pipeline with each commit's code on the
# same input (the shipped sample corpus, or with --real the development gazette in
# ../shared/real/ey-gazette) in throw-away folders, then compares every file under data/:
#   benchmarks/same_outputs.sh <before> <after> [--real]
# <before> and <after> are commits of this repository, or folders holding a checkout (a worktree
# with uncommitted changes: its tracked and untracked, not ignored, files are used).
# Exit status 0 when every file is identical, 1 with the differing files listed otherwise.
# Both runs are outside git (no revision, no dvc.lock), so the cards' provenance agrees too.
# A refactoring (issue 17) must leave this at 0 on both inputs.
set -euo pipefail
BEFORE=$1; AFTER=$2; MODE=${3:-sample}
REPO=$(cd "$(dirname "$0")/.." && pwd)
REAL=${REAL:-$REPO/../shared/real/ey-gazette}
WORK=${WORK:-/tmp/same-outputs}
PY=$REPO/.venv/bin/python

run() {  # <commit> <folder>: the commit's tree, its pipeline run in-process on the chosen input
  local commit=$1 out=$2
  rm -rf "$out" && mkdir -p "$out"
  if [ -d "$commit" ]; then
    (cd "$commit" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$out" 2>/dev/null || true)
  else
    git -C "$REPO" archive "$commit" | tar x -C "$out"
  fi
  rm -f "$out/dvc.lock"
  if [ "$MODE" = "--real" ]; then
    rm -rf "$out"/data/raw/* && mkdir -p "$out/data/raw/ey-gazette"
    cp "$REPO/data/raw/ey-gazette/source.yaml" "$out/data/raw/ey-gazette/"
    cp "$REAL"/*.xml "$out/data/raw/ey-gazette/"
    printf 'sources:\n  ey-gazette: {}\n' > "$out/configs/sources.yaml"
  fi
  # the commit's own code (not the editable install), its own stage order, no model download
  (cd "$out" && PYTHONPATH=$out HF_HUB_OFFLINE=1 "$PY" -c '
from pipeline.core.context import load_context
from pipeline.stages import run_all
run_all(load_context("."))
') > "$out.log" 2>&1 || { echo "the run of $commit failed: see $out.log"; exit 2; }
}

run "$BEFORE" "$WORK/before" &
run "$AFTER" "$WORK/after" &
wait -n && wait -n
if diff -rq "$WORK/before/data" "$WORK/after/data" > "$WORK/diff.txt"; then
  echo "identical: $(find "$WORK/after/data" -type f | wc -l) files under data/ ($MODE input)"
else
  echo "different ($MODE input):"; cat "$WORK/diff.txt"; exit 1
fi
