#!/usr/bin/env bash
# Issue 4's real-data benchmark: a vanilla (no skips, no normalization) TAT network with 33
# nonlinear layers trained with SGD on CIFAR-10 for 6 epochs, then evaluated on the 10,000 test
# images. Usage: benchmarks/cifar10-tat-sgd.sh DATA_DIR [OUT_DIR]
# DATA_DIR holds train/<class>/*.jpg and test/<class>/*.jpg (../shared/data/cifar10-jpg.tar.gz
# unpacked) or the official binary batches.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:?usage: benchmarks/cifar10-tat-sgd.sh DATA_DIR [OUT_DIR]}
out=${2:-runs/cifar10-tat-sgd}
start=$(date +%s)
./tailor train --dataset cifar10 --data "$data" --model resnet --depth 34 --width 0.25 \
  --method tat --optimizer sgd --lr 0.01 --warmup 0.1 --weight-decay 5e-4 --batch 128 --epochs 6 \
  --eval-every 2 --loader-threads 2 --log-every 20 --out "$out"
echo "wall time: $(( $(date +%s) - start )) s"
