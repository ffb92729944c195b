#!/usr/bin/env python3
"""Golden-value driver around DeepMind's reference `dks` NumPy implementation.

This script does not contain any dks code. It imports, from a scratch
directory (env DKS_REF_DIR, default tools/golden/.dksref, git-ignored; see README.md):

  dks/base/activation_transform.py, dks/base/activation_getter.py  (verbatim)
  resnet_smf.py        (subnet_max_func + CONFIGS from modified_resnet.py)
  autograd/, absl/     (small local stand-ins; autograd/absl not installable)

Usage:
  python3 dks_reference.py [--jobs N] < cases.jsonl > reference.jsonl
  python3 dks_reference.py --local-maps > local_maps.jsonl

Case keys: method ("tat"|"dks"), activation, model ("mlp"|"resnet"), depth,
shortcut_weight (0), block ("v1"|"v2", default "v2"), eta (0.9), tau (0.3),
zeta (1.5), q_slope (1.0).  Output: the case plus "params" (floats, repr
precision) or "error" (exception message), plus "seconds".
"""

import json
import multiprocessing
import os
import sys
import time

REF_DIR = os.environ.get(
    "DKS_REF_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".dksref"))
if REF_DIR not in sys.path:
  sys.path.insert(0, REF_DIR)

# pylint: disable=g-import-not-at-top,wrong-import-position
from dks.base import activation_transform as at  # noqa: E402
from dks.base.activation_getter import get_activation_function  # noqa: E402
import resnet_smf  # noqa: E402
from autograd import elementwise_grad as egrad  # noqa: E402

DEFAULTS = {"shortcut_weight": 0.0, "block": "v2", "eta": 0.9, "tau": 0.3,
            "zeta": 1.5, "q_slope": 1.0}

SMOOTH = ["tanh", "softplus", "selu", "elu", "swish", "sigmoid", "erf",
          "bentid", "atan", "asinh", "square", "softsign", "gelu",
          "gelu_exact"]
ALL_ACTS = SMOOTH + ["leaky_relu", "relu"]


def make_subnet_max_func(case):
  """Returns M(x, r_fn) for the case's architecture."""
  model = case["model"]
  depth = int(case["depth"])
  if model == "mlp":
    def mlp_max(x, r_fn):
      for _ in range(depth):
        x = r_fn(x)
      return x
    return mlp_max
  if model == "resnet":
    w = float(case.get("shortcut_weight", DEFAULTS["shortcut_weight"]))
    v2 = case.get("block", DEFAULTS["block"]) == "v2"
    return lambda x, r_fn: resnet_smf.subnet_max_func(
        x, r_fn, depth, w, resnet_v2=v2)
  raise ValueError(f"unknown model {model!r}")


def solve_case(case):
  """Runs the reference solver for one case; returns the output record."""
  out = dict(case)
  start = time.time()
  try:
    method = case["method"].lower()
    act = case["activation"]
    smf = make_subnet_max_func(case)
    if method == "tat":
      if act == "leaky_relu":
        tat = {"c_val_0_target": float(case.get("eta", DEFAULTS["eta"]))}
      else:
        tat = {"c_curve_target": float(case.get("tau", DEFAULTS["tau"]))}
      res = at._get_activations_params(  # pylint: disable=protected-access
          [act], method="TAT", tat_params=tat, subnet_max_func=smf)
    elif method == "dks":
      dks = {"c_slope_1_target": float(case.get("zeta", DEFAULTS["zeta"])),
             "local_q_slope_target": float(
                 case.get("q_slope", DEFAULTS["q_slope"]))}
      res = at._get_activations_params(  # pylint: disable=protected-access
          [act], method="DKS", dks_params=dks, subnet_max_func=smf)
    else:
      raise ValueError(f"unknown method {method!r}")
    out["params"] = {k: float(v) for k, v in sorted(res[act].items())}
  except Exception as e:  # pylint: disable=broad-except
    out["error"] = f"{type(e).__name__}: {e}"
  out["seconds"] = round(time.time() - start, 3)
  return out


def local_map_record(name, transformed):
  """Gaussian moments of phi (or phi(0.7x+0.3)) via the reference quadrature."""
  base = get_activation_function(name)
  params = {"negative_slope": 0.2} if name == "leaky_relu" else {}
  if transformed:
    params.update({"input_scale": 0.7, "input_shift": 0.3})
  phi = at._transform_activation(base, params)  # pylint: disable=protected-access
  d1 = egrad(phi)
  d2 = egrad(d1)
  mean = at._estimate_gaussian_mean  # pylint: disable=protected-access
  return {
      "activation": name,
      "negative_slope": 0.2 if name == "leaky_relu" else None,
      "input_scale": 0.7 if transformed else 1.0,
      "input_shift": 0.3 if transformed else 0.0,
      "E_phi": float(mean(phi)),
      "E_phi2": float(mean(lambda x: phi(x)**2)),
      "E_dphi2": float(mean(lambda x: d1(x)**2)),
      "E_d2phi2": float(mean(lambda x: d2(x)**2)),
      "q_slope_1": float(at._calc_q_slope_1(phi)),  # pylint: disable=protected-access
  }


def _init_worker():
  at._precompute_or_load_roots(at._QUADRATURE_ORDER)  # pylint: disable=protected-access


def main(argv):
  jobs = 1
  if "--jobs" in argv:
    jobs = int(argv[argv.index("--jobs") + 1])
  _init_worker()  # load or build the Legendre roots cache once, up front

  if "--local-maps" in argv:
    for transformed in (False, True):
      for name in ALL_ACTS:
        print(json.dumps(local_map_record(name, transformed)), flush=True)
    return

  cases = [json.loads(l) for l in sys.stdin if l.strip()]
  if jobs <= 1:
    for c in cases:
      print(json.dumps(solve_case(c)), flush=True)
  else:
    with multiprocessing.Pool(jobs, initializer=_init_worker) as pool:
      for rec in pool.imap(solve_case, cases):
        print(json.dumps(rec), flush=True)


if __name__ == "__main__":
  main(sys.argv[1:])
