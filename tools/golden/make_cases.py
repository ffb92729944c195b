#!/usr/bin/env python3
"""Writes cases.jsonl (to stdout) for dks_reference.py, most important first."""

import json

SMOOTH = ["tanh", "softplus", "selu", "elu", "swish", "sigmoid", "erf",
          "bentid", "atan", "asinh", "square", "softsign", "gelu",
          "gelu_exact"]

MLP20 = {"model": "mlp", "depth": 20}
R50V2 = {"model": "resnet", "depth": 50, "block": "v2", "shortcut_weight": 0.0}
R101V2_08 = {"model": "resnet", "depth": 101, "block": "v2",
             "shortcut_weight": 0.8}
R50V1_06 = {"model": "resnet", "depth": 50, "block": "v1",
            "shortcut_weight": 0.6}


def lrelu(model, depth, eta, w=None, block=None):
  c = {"method": "tat", "activation": "leaky_relu", "model": model,
       "depth": depth}
  if model == "resnet":
    c.update({"block": block, "shortcut_weight": w})
  c["eta"] = eta
  return c


def main():
  cases = []
  # 1. Public oracles.
  cases.append(lrelu("resnet", 101, 0.75, 0.6, "v2"))
  for d in (50, 101, 152):
    cases.append(lrelu("resnet", d, 0.9, 0.0, "v2"))
  # 2. TAT leaky ReLU (cheap: no quadrature).
  for d in (20, 50, 100):
    cases.append(lrelu("mlp", d, 0.9))
  cases.append(lrelu("mlp", 10, 0.9))  # expected: unreachable
  for d in (18, 34, 50, 101, 152, 200):
    for eta in (0.9, 0.95):
      cases.append(lrelu("resnet", d, eta, 0.0, "v2"))
  for d in (50, 101):
    for w in (0.3, 0.6, 0.8, 0.9):
      cases.append(lrelu("resnet", d, 0.9, w, "v2"))
  for d in (18, 50, 101):
    for w in (0.0, 0.6, 0.8):
      cases.append(lrelu("resnet", d, 0.9, w, "v1"))
  # 3. ResNet-50 v2 (w=0): TAT smooth and DKS, including target sweeps.
  for a in SMOOTH:
    cases.append({"method": "tat", "activation": a, **R50V2, "tau": 0.3})
  for a in SMOOTH + ["leaky_relu", "relu"]:
    cases.append({"method": "dks", "activation": a, **R50V2, "zeta": 1.5})
  for a in ("tanh", "softplus"):
    for tau in (0.1, 1.0):
      cases.append({"method": "tat", "activation": a, **R50V2, "tau": tau})
    for zeta in (1.2, 3.0):
      cases.append({"method": "dks", "activation": a, **R50V2, "zeta": zeta})
  # 4. The other architectures.
  for arch in (MLP20, R101V2_08, R50V1_06):
    for a in SMOOTH:
      cases.append({"method": "tat", "activation": a, **arch, "tau": 0.3})
    for a in SMOOTH + ["leaky_relu", "relu"]:
      cases.append({"method": "dks", "activation": a, **arch, "zeta": 1.5})
  cases.append({"method": "dks", "activation": "tanh", **MLP20, "zeta": 1.5,
                "q_slope": 1.2})

  seen = set()
  for c in cases:
    key = json.dumps(c, sort_keys=True)
    if key not in seen:
      seen.add(key)
      print(json.dumps(c))


if __name__ == "__main__":
  main()
