#!/usr/bin/env bash
# Issue 15's measurement of K-FAC's curvature options on real data: the same vanilla TAT network
# (He et al.'s CIFAR ResNet-32 layout without skips or normalization, 31 nonlinear layers, width
# 0.5) trained on CIFAR-10 for the same steps (batch 128, one seed) with the curvature from the
# whole batch (the default), from the first 16 examples of the training pass, and from the first
# 16 examples' own pass (curvature_pass=separate: the same quantities for this network), one run
# after another, then plotted together. K-FAC: the paper's preset except damping 0.01 (1e-3
# diverges at batch 128 on these networks) and label smoothing 0.1.
# Usage: benchmarks/cifar10-kfac-curvature.sh DATA_DIR [OUT_DIR] [STEPS]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:?usage: benchmarks/cifar10-kfac-curvature.sh DATA_DIR [OUT_DIR] [STEPS]}
out=${2:-runs/cifar10-kfac-curvature}
steps=${3:-600}
mkdir -p "$out"
common=(--dataset cifar10 --data "$data" --model cifar-resnet --depth 32 --width 0.5 --method tat
  --batch 128 --steps "$steps" --eval-every 1 --evals-per-epoch 2 --label-smoothing 0.1
  --loader-threads 1 --log-every 20 --quiet --optimizer kfac --set optimizer.kfac.damping=0.01)
for v in whole:0:training first16:16:training own16:16:separate; do
  IFS=: read -r name m pass <<<"$v"
  if [ ! -f "$out/$name/summary.json" ]; then
    rm -rf "$out/$name"
    ./tailor train "${common[@]}" --set optimizer.kfac.curvature_examples="$m" \
      --set optimizer.kfac.curvature_pass="$pass" --out "$out/$name"
  fi
done
./tailor compare "$out/whole" "$out/first16" "$out/own16" --out "$out/compare.png" \
  --title "CIFAR-10, vanilla TAT CIFAR ResNet-32 (31 nonlinear layers), K-FAC: whole batch vs 16 curvature examples"
