#!/usr/bin/env bash
# The study docs/results.md publishes (tailor experiment --preset cifar-study), run across
# sessions on machines that keep nothing but the repository: about 7 hours of training on 2
# cores, more than one session. The records of the finished runs and probes (what the report
# reads: cell.json, summary.json, experiment.json or failed.json, metrics.jsonl, config.json,
# train.log; no checkpoints or weights) live in docs/cifar-study/. This script copies them into
# the output folder, runs the grid (which skips what they say is finished and runs the rest),
# copies the records of every finished run back, and writes the report to docs/results.md.
# A run interrupted part way starts again from its beginning in the next session (its
# checkpoint is not kept): stop it with Ctrl-C between runs where you can.
#
#   benchmarks/cifar-study.sh CIFAR10_DIR [OUT [OPTION...]]    # CIFAR10_DIR: cifar-10-batches-bin or JPEG train/ test/
#
# OPTIONs go to tailor experiment: --probes-only runs what is left of every cell's probes and
# no cell (a session too short for a whole run still finishes probes, which are kept).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:?usage: benchmarks/cifar-study.sh CIFAR10_DIR [OUT [OPTION...]]}
OUT=${2:-experiments/cifar-study}
shift $(( $# < 2 ? $# : 2 ))
REC=docs/cifar-study
FILES="cell.json summary.json experiment.json failed.json metrics.jsonl config.json train.log"

# copies the record files of every run folder under $1 (runs/<cell>, probes/<cell>/<point>)
# that finished or failed into the same place under $2, leaving folders that did not alone
copy_records() {
  local from=$1 to=$2 d rel f
  [ -d "$from" ] || return 0
  while IFS= read -r d; do
    d=$(dirname "$d")
    case "$d" in *.old-*) continue ;; esac # a run set aside for outdated settings
    if [ ! -f "$d/experiment.json" ] && [ ! -f "$d/failed.json" ]; then
      continue
    fi
    rel=${d#"$from"/}
    mkdir -p "$to/$rel"
    for f in $FILES; do
      if [ -f "$d/$f" ]; then cp "$d/$f" "$to/$rel/$f"; fi
    done
  done < <(find "$from/runs" "$from/probes" -name cell.json 2>/dev/null | sort)
}

mkdir -p "$OUT"
copy_records "$REC" "$OUT"
set +e
./tailor experiment --preset cifar-study --data "$DATA" --out "$OUT" "$@"
rc=$?
set -e
copy_records "$OUT" "$REC"
./tailor experiment --preset cifar-study --out "$OUT" --report-only \
  --notes docs/cifar-study-notes.md >/dev/null
cp "$OUT/results.md" docs/results.md
cp "$OUT/results.csv" docs/results.csv
mkdir -p docs/results-plots
cp "$OUT"/results-plots/*.png docs/results-plots/ 2>/dev/null || true
echo "records in $REC, report in docs/results.md (tailor experiment exited $rc)"
exit $rc
