#!/usr/bin/env python3
"""Rebuilds a Tailor model in PyTorch from its model.safetensors alone.

The file's metadata holds the model card (the "tailor" entry, also written beside it as
model.json): the layer graph with every layer's tensor names, the input shape and
preprocessing, the shaped activation's parameters and the class names. This module reads the
safetensors format by its specification (8-byte little-endian header length, JSON header, raw
little-endian data) and needs nothing but torch (Debian: apt-get install python3-torch):

    import tailor_torch
    model, card = tailor_torch.load("runs/x/model.safetensors")   # an nn.Module in eval mode
    logits = model(tailor_torch.preprocess(card, pixels))          # pixels: uint8 [N, C, H, W]

As a command it prints what it rebuilt and, given CIFAR-10 binary records (--cifar-bin
test_batch.bin), writes the logits in the layout of `tailor eval --predictions` and compares
them with that file (--compare FILE.csv --tolerance 1e-4).
"""
import argparse
import csv
import json
import math
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT_VERSION = 1


def read_safetensors(path):
    """Returns (metadata dict, {name: tensor}) of a safetensors file, checking its layout."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header of {n} bytes runs past the end of the file")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    body = bytearray(data[8 + n:])
    dtypes = {"F32": (torch.float32, 4), "I64": (torch.int64, 8)}
    tensors, spans = {}, []
    for name, t in header.items():
        if t["dtype"] not in dtypes:
            raise ValueError(f"{path}: tensor {name} has dtype {t['dtype']}; expected F32 or I64")
        dtype, size = dtypes[t["dtype"]]
        a, b = t["data_offsets"]
        count = math.prod(t["shape"])
        if b - a != count * size or b > len(body):
            raise ValueError(f"{path}: tensor {name} spans bytes {a}..{b}, not {count} values")
        spans.append((a, b))
        # native little-endian on every machine PyTorch runs on here
        v = torch.frombuffer(body, dtype=dtype, count=count, offset=a) if count else \
            torch.empty(0, dtype=dtype)
        tensors[name] = v.reshape(t["shape"]).clone()
    spans.sort()
    end = 0
    for a, b in spans:
        if a != end:
            raise ValueError(f"{path}: bytes {end}..{a} belong to no tensor")
        end = b
    if end != len(body):
        raise ValueError(f"{path}: {len(body) - end} bytes after the last tensor")
    return meta, tensors


def card_of(meta, path):
    if "tailor" not in meta:
        raise ValueError(f"{path} has no model card (metadata 'tailor'); it was exported by a "
                         "Tailor older than format 1: train again or evaluate it with tailor eval")
    card = json.loads(meta["tailor"])
    if card.get("format") != "tailor-model" or card.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(f"{path}: model card format {card.get('format')} "
                         f"{card.get('format_version')}; this reader knows tailor-model "
                         f"{FORMAT_VERSION}")
    return card


# The base activations, as Tailor defines them (kernel-shaping's Activations).
def _bentid(u):
    return (torch.sqrt(u * u + 1) - 1) / 2 + u


BASES = {
    "tanh": torch.tanh,
    "softplus": F.softplus,
    "relu": F.relu,
    "selu": F.selu,
    "elu": F.elu,
    "swish": lambda u: u * torch.sigmoid(u),
    "sigmoid": torch.sigmoid,
    "erf": torch.erf,
    "bentid": _bentid,
    "atan": torch.atan,
    "asinh": torch.asinh,
    "square": lambda u: u * u,
    "softsign": lambda u: u / (1 + u.abs()),
    "gelu": lambda u: F.gelu(u, approximate="tanh"),
    "gelu_exact": F.gelu,
}


class ShapedActivation(nn.Module):
    """output_scale * (phi(input_scale * x + input_shift) + output_shift)."""

    def __init__(self, a):
        super().__init__()
        self.a = dict(a)
        base = a["base"]
        if base == "leaky_relu":
            slope = a["negative_slope"]
            self.phi = lambda u: F.leaky_relu(u, slope)
        elif base in BASES:
            self.phi = BASES[base]
        else:
            raise ValueError(f"activation '{base}' is not one of Tailor's built-in ones "
                             f"({', '.join(sorted(list(BASES) + ['leaky_relu']))}); a plugin "
                             "activation needs its own definition here")

    def forward(self, x):
        a = self.a
        if a["input_scale"] != 1.0:
            x = x * a["input_scale"]
        if a["input_shift"] != 0.0:
            x = x + a["input_shift"]
        x = self.phi(x)
        if a["output_shift"] != 0.0:
            x = x + a["output_shift"]
        if a["output_scale"] != 1.0:
            x = x * a["output_scale"]
        return x

    def extra_repr(self):
        return ", ".join(f"{k}={v}" for k, v in self.a.items() if k not in ("formula", "shaped"))


class Sequence(nn.Module):
    def __init__(self, layers):
        super().__init__()
        for i, m in enumerate(layers):
            self.add_module(str(i), m)

    def forward(self, x):
        for m in self.children():
            x = m(x)
        return x


class Sum(nn.Module):
    """sum_i w_i * branch_i(x); the branch modules are b0, b1, ... (Tailor's tensor names)."""

    def __init__(self, weights, branches):
        super().__init__()
        self.weights = list(weights)
        for i, m in enumerate(branches):
            self.add_module(f"b{i}", m)

    def forward(self, x):
        out = None
        for w, m in zip(self.weights, self.children()):
            if w == 0:
                continue
            v = m(x) if w == 1 else w * m(x)
            out = v if out is None else out + v
        return out


class Dense(nn.Linear):
    """A dense layer; an input of more than one axis per example is flattened (C, H, W order)."""

    def forward(self, x):
        return super().forward(x.flatten(1) if x.dim() > 2 else x)


class GlobalAvgPool(nn.Module):
    def forward(self, x):
        return x.mean(dim=(2, 3))


def build(node, shape, act):
    """The module of a graph node for inputs of one example's shape; returns (module, shape)."""
    t = node["type"]
    if t == "seq":
        mods = []
        for child in node["layers"]:
            m, shape = build(child, shape, act)
            mods.append(m)
        return Sequence(mods), shape
    if t == "conv":
        k, s = node["kernel"], node["stride"]
        m = nn.Conv2d(shape[0], node["out"], k, stride=s, padding=k // 2, bias=node["bias"])
        size = lambda n: (n + 2 * (k // 2) - k) // s + 1
        return m, [node["out"], size(shape[1]), size(shape[2])]
    if t == "dense":
        return Dense(math.prod(shape), node["out"], bias=node["bias"]), [node["out"]]
    if t == "act":
        return ShapedActivation(act), shape
    if t == "maxpool":
        w, s = node["window"], node["stride"]
        size = lambda n: (n + 2 * (w // 2) - w) // s + 1
        return nn.MaxPool2d(w, s, padding=w // 2), [shape[0], size(shape[1]), size(shape[2])]
    if t == "gap":
        return GlobalAvgPool(), [shape[0]]
    if t == "dropout":
        return nn.Dropout(node["rate"]), shape
    if t == "bn":
        return nn.BatchNorm2d(shape[0], eps=node.get("eps", 1e-5),
                              momentum=1 - node["decay"]), shape
    if t in ("nsum", "psum"):
        branches, weights, out = [], [], shape
        for br in node["branches"]:
            body = br["body"] if t == "nsum" else br
            m, out = build(body, shape, act)
            branches.append(m)
            weights.append(br["weight"] if t == "nsum" else 1.0)
        return Sum(weights, branches), out
    raise ValueError(f"unknown layer type '{t}' in the model card")


def load(path):
    """The model of a Tailor model.safetensors (eval mode, weights loaded) and its card."""
    meta, tensors = read_safetensors(path)
    card = card_of(meta, path)
    model, out = build(card["graph"], list(card["input"]["shape"]), card["activation"])
    if out != [len(card["classes"])]:
        raise ValueError(f"{path}: the graph gives outputs {out}, not one per class "
                         f"({len(card['classes'])})")
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    if missing or unexpected:
        raise ValueError(f"{path}: tensors missing {missing[:5]}, unexpected {unexpected[:5]}; "
                         "the graph and the weights do not match")
    for name, p in model.state_dict().items():
        if p.shape != tensors[name].shape:
            raise ValueError(f"{path}: {name} has shape {list(tensors[name].shape)}, "
                             f"the graph needs {list(p.shape)}")
    return model.eval(), card


def preprocess(card, raw):
    """The network's input from raw values (uint8 [N, C, H, W] for images) as the card says."""
    p = card["preprocessing"]
    if not p.get("known"):
        raise ValueError("the model card does not describe the preprocessing: " + p.get("note", ""))
    if p.get("eval_transform", "none") != "none":
        raise ValueError("the model expects this transform first: " + p["eval_transform"]
                         + "; apply it, then call normalize(card, x)")
    return normalize(card, raw.to(torch.float32))


def normalize(card, raw):
    p = card["preprocessing"]
    n = raw.shape[0]
    shape = list(raw.shape[1:])
    mean = torch.tensor(p["mean"], dtype=torch.float32)
    inv = 1 / torch.tensor(p["std"], dtype=torch.float32)
    if p["mean_per"] == "channel":
        view = [1, len(p["mean"])] + [1] * (len(shape) - 1)
        mean, inv = mean.view(view), inv.view(view)
    else:
        mean, inv = mean.view([1] + shape), inv.view([1] + shape)
    x = (raw * torch.tensor(p["scale"], dtype=torch.float32) - mean) * inv
    pln = p.get("per_location_normalization", "off")
    if pln != "off":
        c = shape[0]
        flat = x.reshape(n, c, -1).to(torch.float64)
        if pln == "avg_q":
            h = flat.pow(2).mean(dim=(1, 2)).sqrt().view(n, 1, 1).expand(n, 1, flat.shape[2])
        else:
            h = torch.ones(n, 1, flat.shape[2], dtype=torch.float64)
        flat = torch.cat([flat, h], dim=1)
        ms = flat.pow(2).mean(dim=1, keepdim=True)
        flat = torch.where(ms > 0, flat / ms.sqrt(), torch.zeros_like(flat))
        x = flat.to(torch.float32).reshape([n, c + 1] + shape[1:])
    return x


def cifar_records(path):
    """Labels and uint8 images [N, 3, 32, 32] of a CIFAR-10 binary batch file."""
    with open(path, "rb") as f:
        data = f.read()
    rec = 1 + 3072
    if len(data) % rec:
        raise ValueError(f"{path}: {len(data)} bytes, not whole {rec}-byte CIFAR-10 records")
    t = torch.frombuffer(bytearray(data), dtype=torch.uint8).view(-1, rec)
    return t[:, 0].to(torch.int64), t[:, 1:].reshape(-1, 3, 32, 32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="a model.safetensors written by tailor train")
    ap.add_argument("--cifar-bin", help="CIFAR-10 binary records to predict (e.g. test_batch.bin)")
    ap.add_argument("--predictions", help="write the logits here (tailor eval --predictions layout)")
    ap.add_argument("--compare", help="a tailor eval --predictions file to compare the logits with")
    ap.add_argument("--tolerance", type=float, default=1e-4, help="largest |logit difference|")
    ap.add_argument("--rtol", type=float, default=1e-3,
                    help="largest |logit difference| as a share of the mean logit spread "
                         "(max - min per example), so barely trained models are checked too")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, card = load(a.model)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{a.model}: {card['model']['description']}, {n_params:,} parameters, activation "
          f"{card['activation']['base']}, input {card['input']['shape']}, "
          f"{len(card['classes'])} classes, rebuilt in torch {torch.__version__}")
    if not a.cifar_bin:
        return 0
    labels, pixels = cifar_records(a.cifar_bin)
    with torch.no_grad():
        logits = torch.cat([model(preprocess(card, pixels[i:i + 500]))
                            for i in range(0, len(labels), 500)])
    top1 = (logits.argmax(1) == labels).float().mean().item()
    print(f"{len(labels)} records of {a.cifar_bin}: top-1 {100 * top1:.2f}%")
    if a.predictions:
        with open(a.predictions, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["index", "label", "predicted"] + [f"logit_{k}" for k in range(logits.shape[1])])
            for i in range(len(labels)):
                w.writerow([i, labels[i].item(), logits[i].argmax().item()]
                           + [repr(v) for v in logits[i].tolist()])
    if a.compare:
        with open(a.compare) as f:
            rows = list(csv.DictReader(f))
        if len(rows) != len(labels):
            print(f"{a.compare} has {len(rows)} rows, the records {len(labels)}", file=sys.stderr)
            return 1
        k = logits.shape[1]
        theirs = torch.tensor([[float(r[f"logit_{j}"]) for j in range(k)] for r in rows],
                              dtype=torch.float64)
        tl = torch.tensor([int(r["label"]) for r in rows])
        if not torch.equal(tl, labels):
            print(f"{a.compare}: labels differ from the records'", file=sys.stderr)
            return 1
        diff = (theirs - logits.to(torch.float64)).abs()
        worst = diff.max().item()
        spread = (theirs.max(1).values - theirs.min(1).values).mean().item()
        agree = (theirs.argmax(1) == logits.argmax(1)).float().mean().item()
        print(f"against {a.compare}: largest |logit difference| {worst:.3g} (tolerance "
              f"{a.tolerance:g}), {worst / spread:.3g} of the mean logit spread {spread:.3g} "
              f"(tolerance {a.rtol:g}); predicted classes agree on {100 * agree:.2f}%")
        if not (worst <= a.tolerance and worst <= a.rtol * spread):
            i = int(diff.max(1).values.argmax())
            print(f"example {i}: tailor {theirs[i].tolist()}, torch {logits[i].tolist()}",
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
