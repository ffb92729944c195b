#!/usr/bin/env bash
# Issue 5's real-data comparison: the same vanilla TAT network (ResNet-34 layout without skips
# or normalization, 33 nonlinear layers, width 0.25) trained on CIFAR-10 for the same 800 steps
# (batch 128) with SGD and with K-FAC, side by side (one thread each), then plotted together.
# SGD: Nesterov, lr 0.01 (0.02 diverges on this network), 10% warm-up. K-FAC: the paper's preset
# except damping 0.01 (the preset's 1e-3 diverges after ~30 steps at batch 128 on this network).
# Usage: benchmarks/cifar10-kfac-vs-sgd.sh DATA_DIR [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:?usage: benchmarks/cifar10-kfac-vs-sgd.sh DATA_DIR [OUT_DIR]}
out=${2:-runs/cifar10-kfac-vs-sgd}
mkdir -p "$out"
common=(--dataset cifar10 --data "$data" --model resnet --depth 34 --width 0.25 --method tat
  --batch 128 --steps 800 --eval-every 100 --threads 1 --loader-threads 1 --log-every 20 --quiet)
./tailor train "${common[@]}" --optimizer sgd --lr 0.01 --warmup 0.1 --out "$out/sgd" &
./tailor train "${common[@]}" --optimizer kfac --set optimizer.kfac.damping=0.01 --out "$out/kfac" &
wait
./tailor compare "$out/sgd" "$out/kfac" --out "$out/compare.png" \
  --title "CIFAR-10, vanilla TAT ResNet-34 layout (33 nonlinear layers), batch 128: SGD vs K-FAC"
