#!/usr/bin/env bash
# Checks the cuda backend on a machine with an NVIDIA GPU (driver for CUDA 11.8 or newer), JDK 17
# and Maven with Maven Central reachable. Not run by CI (no GPU there); for whoever has one.
#   tools/gpu/check-cuda.sh            # all checks, about 10 minutes after the 1.6 GB download
# 1. builds the app with the CUDA 11.8 build of libtorch 2.0.1 (the cuda profile);
# 2. tailor plugins must report the cuda backend usable;
# 3. the backend contract on the GPU: the same network, weights and batch give the same loss,
#    gradients and K-FAC statistics as the cpu backend's float64 path within 1e-4 of scale
#    (BackendAgreement, @Tag("gpu") tests of backends/cuda), with TF32 off;
# 4. throughput: training-step images/s of the depth-50 vanilla CIFAR network on cuda and cpu;
# 5. the digits default trains on cuda to the cpu backend's accuracy (within 1 point).
set -euo pipefail
cd "$(dirname "$0")/../.."
export NVIDIA_TF32_OVERRIDE="${NVIDIA_TF32_OVERRIDE:-0}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
nvidia-smi -L

echo "== build with the CUDA natives"
mvn -B -q -Pcuda -DskipTests package

echo "== plugins"
./tailor plugins | grep -E "^(KIND|backend)"
./tailor plugins | grep -E "^backend +cuda .*\[usable here\]" >/dev/null

echo "== agreement with the cpu backend (float64 reference) on the GPU"
mvn -B -q -Pcuda verify -pl backends/cuda -am -Dgroups=gpu -Dsurefire.failIfNoSpecifiedTests=false
grep -h "Tests run" backends/cuda/target/surefire-reports/*.txt

echo "== training-step throughput, depth-50 vanilla CIFAR network, width 1, batch 128"
./tailor bench train-step --backend cuda --depth 50 --width 1 --batch 128 --steps 20 --warmup 5 | tee "$out/cuda-step.txt"
./tailor bench train-step --backend cpu --depth 50 --width 1 --batch 128 --steps 3 --warmup 1 | tee "$out/cpu-step.txt"

echo "== digits default on cuda and cpu"
./tailor train --backend cuda --quiet --out "$out/cuda-digits"
./tailor train --backend cpu --quiet --out "$out/cpu-digits"
python3 - "$out" <<'PY'
import sys
import json
g = json.load(open(sys.argv[1] + "/cuda-digits/summary.json"))
c = json.load(open(sys.argv[1] + "/cpu-digits/summary.json"))
print(f"digits: cuda {100 * g['test_top1']:.2f}% ({g['train_images_per_s']:.0f} images/s), "
      f"cpu {100 * c['test_top1']:.2f}% ({c['train_images_per_s']:.0f} images/s)")
assert abs(g["test_top1"] - c["test_top1"]) <= 0.01, "cuda and cpu disagree by more than 1 point"
PY
echo "cuda backend OK"
