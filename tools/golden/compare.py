#!/usr/bin/env python3
"""Compare `tailor shape --batch` with golden values from the reference package.

Reads reference JSON lines (as written by dks_reference.py: the case, then "params" or
"error"), runs the same cases through tailor, and checks every parameter within --rtol
(relative; absolute below 1e-6). Cases listed in KNOWN_DIFFERENCES are reported, not failed.
Exit code 1 if any other case differs. Standard library only.
"""
import argparse
import json
import subprocess
import sys
import tempfile

KEYS = ["method", "activation", "model", "depth", "shortcut_weight", "block", "eta", "tau",
        "zeta", "q_slope"]


# phi(-u) = 2c - phi(u): then (a, b, d) and (a, -b, -d - 2c) give mirror-image activations with
# identical Q/C maps; at the symmetric start b = 0 the reference's choice between them is decided
# by rounding noise in its finite-difference Jacobian.
POINT_SYMMETRIC = {"tanh": 0.0, "erf": 0.0, "atan": 0.0, "asinh": 0.0, "softsign": 0.0,
                   "sigmoid": 0.5}


# Activations whose targeted integrand jumps at a kink (TAT-smooth targets E[phi''^2], DKS
# E[phi'^2]): under dks's unsplit 100,000-node rule the residual is a staircase in the kink
# position (steps up to ~1e-4 relative), and the hybrid method can land on a different nearby
# root of it.
STAIRCASE = {"tat": {"elu", "selu", "softsign"}, "dks": {"selu", "leaky_relu", "relu"}}


def known_difference(case):
    """Why a case may legitimately differ, or None."""
    if (case.get("block") == "v1" and (case.get("shortcut_weight") or 0) != 0
            and case.get("activation") == "leaky_relu" and case.get("method") == "tat"):
        # dks's hand-written V1 subnet function applies the stem activation after the last
        # block; Tailor derives it from the V1 network (stem activation first). This matters
        # only for C maps: the maximal slope (r = s*y) and curvature (r = k + y) functions are
        # the same either way, and for w = 0 the two are the same chain.
        return "V1 stem activation placement"
    if case.get("activation") in STAIRCASE.get(case.get("method"), set()):
        return "staircase residual in the reference"
    return None


def mirror(params, c):
    m = dict(params)
    if "input_shift" in m:
        m["input_shift"] = -m["input_shift"]
    if "output_shift" in m:
        m["output_shift"] = -m["output_shift"] - 2 * c
    return m


def max_rel(ref, got):
    m = 0.0
    for k, v in ref.items():
        w = got.get(k)
        if w is None:
            return float("inf")
        m = max(m, abs(w - v) if abs(v) < 1e-6 else abs(w - v) / abs(v))
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tailor", default="./tailor")
    ap.add_argument("--reference", default="tools/golden/reference.jsonl")
    ap.add_argument("--rtol", type=float, default=1e-7)
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    ref = [json.loads(l) for l in open(a.reference) if l.strip()]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for r in ref:
            f.write(json.dumps({k: r[k] for k in KEYS if r.get(k) is not None}) + "\n")
        path = f.name
    out = subprocess.run([a.tailor, "shape", "--batch", path], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    failures, worst, compared, known = 0, 0.0, 0, 0
    for r, line in zip(ref, out):
        t = json.loads(line)
        tag = " ".join(f"{k}={r[k]}" for k in KEYS if r.get(k) is not None)
        if "error" in t and "params" in r and abs(r["params"].get("output_scale", 1.0)) > 1e6:
            # The reference "converged" on a degenerate point (saturated activation, output
            # scale ~1e10) that does not meet its own conditions (Q(1) = 9e4 there); Tailor
            # checks the residual and refuses.
            known += 1
            print(f"known {tag} reference returned a degenerate non-solution "
                  f"(output_scale {r['params']['output_scale']:.3g}); tailor refuses")
            continue
        if "error" in r or "error" in t:
            ok = ("error" in r) == ("error" in t)
            if not ok:
                failures += 1
            if not ok or not a.quiet:
                print(("ok   " if ok else "FAIL ") + tag + " (error on " +
                      ("both sides" if ok else ("reference only" if "error" in r else "tailor only")) + ")")
            continue
        m = max_rel(r["params"], t["params"])
        why = known_difference(r)
        if why and m > a.rtol:
            known += 1
            print(f"known {tag} max rel diff {m:.2e} ({why}, see README)")
            continue
        c = POINT_SYMMETRIC.get(r["activation"])
        if c is not None and m > a.rtol and max_rel(mirror(r["params"], c), t["params"]) <= a.rtol:
            known += 1
            print(f"known {tag} mirror-image root of an odd activation "
                  f"(max rel diff to the mirrored reference {max_rel(mirror(r['params'], c), t['params']):.2e})")
            continue
        compared += 1
        worst = max(worst, m)
        if m > a.rtol:
            failures += 1
            print(f"FAIL {tag} max rel diff {m:.2e}: reference {r['params']} tailor {t['params']}")
        elif not a.quiet:
            print(f"ok   {tag} max rel diff {m:.2e}")
    print(f"compared {compared} cases: worst relative difference {worst:.2e} (tolerance {a.rtol:g}); "
          f"{known} known differences; {failures} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
