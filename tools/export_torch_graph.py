#!/usr/bin/env python3
"""Writes Tailor's layer-graph JSON for a PyTorch nn.Module, so that `tailor shape --graph`,
`tailor model summary --graph` and `tailor train --graph` work on a network written in PyTorch.

The module is traced with torch.fx. It may be built of Conv2d (odd square kernels, padding
kernel // 2, no dilation or groups), Linear, MaxPool2d (padding window // 2), global average
pooling (AdaptiveAvgPool2d(1), mean over H and W), flatten, Dropout, BatchNorm2d, elementwise
activations (modules, functions or methods: ReLU, LeakyReLU, Tanh, GELU, SiLU, ...; Tailor
applies its own shaped activation at each of them) and residual sums of branches that start at
the same tensor, each weighted by a constant: `w * shortcut + sqrt(1 - w**2) * residual` is a
normalized sum (what DKS and TAT shape), `shortcut + residual` a plain one. Anything else is an
error naming the module or operation.

    import export_torch_graph                       # tools/export_torch_graph.py
    doc = export_torch_graph.export(model, (3, 224, 224))
    json.dump(doc, open("graph.json", "w"))         # then: tailor shape --graph graph.json

As a command: export_torch_graph.py FILE.py:FACTORY --input 3x224x224 [--out graph.json], where
FACTORY() in FILE.py returns the module.
"""
import argparse
import importlib.util
import json
import math
import operator
import sys

import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F

ACT_MODULES = (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.GELU, nn.SiLU, nn.Softplus, nn.ELU, nn.SELU,
               nn.Sigmoid, nn.Softsign, nn.Mish, nn.CELU)
ACT_FUNCTIONS = {F.relu, torch.relu, F.leaky_relu, torch.tanh, F.tanh, F.gelu, F.silu, F.softplus,
                 F.elu, F.selu, torch.sigmoid, F.sigmoid, F.softsign, F.mish, torch.erf}
ACT_METHODS = {"relu", "tanh", "sigmoid"}
FLATTEN_FUNCTIONS = {torch.flatten}
SUPPORTED = ("Conv2d, Linear, MaxPool2d, AdaptiveAvgPool2d(1), Flatten, Dropout, BatchNorm2d, "
             "Identity, elementwise activations, constant-weighted sums")


class GraphError(ValueError):
    pass


class Path:
    """A chain of Tailor layers from a start tensor (a fork point or the input), times a scale."""

    def __init__(self, start, layers=(), scale=1.0):
        self.start, self.layers, self.scale = start, list(layers), scale

    def then(self, layer, where):
        if self.scale != 1.0:
            raise GraphError(f"{where}: a multiplication by a constant ({self.scale}) is followed by "
                             "another layer; constants are supported only as the weights of a sum")
        return Path(self.start, self.layers + ([layer] if layer else []))


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _module_layer(m, name):
    """The Tailor layer of a module (None: the identity)."""
    if isinstance(m, nn.Conv2d):
        k, s, p, d = _pair(m.kernel_size), _pair(m.stride), _pair(m.padding), _pair(m.dilation)
        if k[0] != k[1] or s[0] != s[1] or k[0] % 2 == 0:
            raise GraphError(f"module {name} ({m}): Tailor's convolutions have odd square kernels "
                             "and equal strides")
        if isinstance(m.padding, str) or p != (k[0] // 2, k[0] // 2) or d != (1, 1) \
                or m.groups != 1 or m.padding_mode != "zeros":
            raise GraphError(f"module {name} ({m}): Tailor's convolutions pad kernel // 2 with zeros, "
                             "with no dilation and no groups")
        return {"type": "conv", "out": m.out_channels, "kernel": k[0], "stride": s[0],
                "bias": m.bias is not None}
    if isinstance(m, nn.Linear):
        return {"type": "dense", "out": m.out_features, "bias": m.bias is not None}
    if isinstance(m, ACT_MODULES):
        return {"type": "act"}
    if isinstance(m, nn.MaxPool2d):
        k, s, p = _pair(m.kernel_size), _pair(m.stride), _pair(m.padding)
        if k[0] != k[1] or s[0] != s[1] or p != (k[0] // 2, k[0] // 2) or m.ceil_mode \
                or _pair(m.dilation) != (1, 1):
            raise GraphError(f"module {name} ({m}): Tailor's max pooling pads window // 2, square, "
                             "no dilation or ceil mode")
        return {"type": "maxpool", "window": k[0], "stride": s[0]}
    if isinstance(m, nn.AdaptiveAvgPool2d):
        if _pair(m.output_size) != (1, 1):
            raise GraphError(f"module {name} ({m}): only global average pooling (output size 1)")
        return {"type": "gap"}
    if isinstance(m, nn.Dropout):
        return {"type": "dropout", "rate": m.p} if m.p > 0 else None
    if isinstance(m, nn.BatchNorm2d):
        if m.momentum is None:
            raise GraphError(f"module {name} ({m}): a cumulative average (momentum None) is not supported")
        return {"type": "bn", "decay": 1.0 - m.momentum, "eps": m.eps}
    if isinstance(m, (nn.Flatten, nn.Identity)):
        return None
    raise GraphError(f"unsupported module {name} ({type(m).__name__}); supported: {SUPPORTED}")


def _constant(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def export(module, input_shape, description=None):
    """The layer-graph document of `module` for inputs of one example's `input_shape`."""
    gm = torch.fx.symbolic_trace(module)
    mods = dict(gm.named_modules())
    paths = {}
    activations = set()

    def path_of(node):
        if not isinstance(node, torch.fx.Node):
            raise GraphError(f"a tensor operation takes {node!r} where a tensor was expected")
        if len(node.users) > 1:
            return Path(node)  # a fork point: each user starts a branch there
        return paths[node]

    def tensor_args(node):
        return [a for a in node.args if isinstance(a, torch.fx.Node)]

    for node in gm.graph.nodes:
        where = f"{node.op} {node.target}" if node.op != "call_module" else f"module {node.target}"
        if node.op == "placeholder":
            if paths:
                raise GraphError(f"{where}: the module takes more than one input")
            paths[node] = Path(node)
            continue
        if node.op == "output":
            result = node.args[0]
            p = path_of(result)
            if not isinstance(result, torch.fx.Node) or p.scale != 1.0:
                raise GraphError("the module's output is scaled by a constant or is not one tensor")
            if p.start.op != "placeholder":
                raise GraphError("the output is not a function of the input through one chain of "
                                 "layers and sums (is a branch left unmerged?)")
            root = {"type": "seq", "layers": p.layers}
            return {"format": "tailor-graph", "description": description or type(module).__name__,
                    "input": list(input_shape), "torch_activations": sorted(activations),
                    "graph": root}
        if node.op == "get_attr":
            raise GraphError(f"{where}: a tensor attribute used in the computation is not supported")
        args = tensor_args(node)
        if node.op == "call_module":
            m = mods[node.target]
            layer = _module_layer(m, node.target)
            if layer and layer["type"] == "act":
                activations.add(type(m).__name__)
            paths[node] = path_of(args[0]).then(layer, where)
            continue
        target = node.target
        if node.op == "call_function" and target in ACT_FUNCTIONS or \
                node.op == "call_method" and target in ACT_METHODS:
            activations.add(getattr(target, "__name__", str(target)))
            paths[node] = path_of(args[0]).then({"type": "act"}, where)
            continue
        if node.op == "call_function" and target in FLATTEN_FUNCTIONS or \
                node.op == "call_method" and target in ("flatten", "view", "reshape"):
            paths[node] = path_of(args[0]).then(None, where)
            continue
        if node.op == "call_function" and target is F.dropout:
            p = node.kwargs.get("p", node.args[1] if len(node.args) > 1 else 0.5)
            paths[node] = path_of(args[0]).then({"type": "dropout", "rate": p} if p else None, where)
            continue
        if node.op == "call_function" and target is F.adaptive_avg_pool2d or \
                node.op == "call_method" and target == "mean":
            spec = node.args[1] if len(node.args) > 1 else node.kwargs.get("output_size", node.kwargs.get("dim"))
            ok = (target is F.adaptive_avg_pool2d and _pair(spec) == (1, 1)) or \
                 (target == "mean" and tuple(spec) in ((2, 3), (-2, -1)))
            if not ok:
                raise GraphError(f"{where}: only a global average over height and width is supported")
            paths[node] = path_of(args[0]).then({"type": "gap"}, where)
            continue
        if node.op == "call_function" and target in (operator.mul, torch.mul):
            consts = [a for a in node.args if _constant(a)]
            if len(args) != 1 or len(consts) != 1:
                raise GraphError(f"{where}: only a tensor times a constant is supported")
            p = path_of(args[0])
            paths[node] = Path(p.start, p.layers, p.scale * float(consts[0]))
            continue
        if node.op == "call_function" and target in (operator.add, torch.add, operator.iadd):
            if len(args) != 2 or len(node.args) != 2:
                raise GraphError(f"{where}: only the sum of two tensors is supported")
            a, b = path_of(args[0]), path_of(args[1])
            if a.start is not b.start:
                raise GraphError(f"{where}: the branches of a sum must start at the same tensor "
                                 f"(here {a.start} and {b.start}); Tailor's graphs are series-parallel")
            fork = a.start
            if len(fork.users) != 2:
                raise GraphError(f"{where}: the tensor {fork} feeds {len(fork.users)} operations; a "
                                 "fork must feed exactly the two branches of one sum")
            if a.scale == 1.0 and b.scale == 1.0:
                merged = {"type": "psum", "branches": [{"type": "seq", "layers": a.layers},
                                                       {"type": "seq", "layers": b.layers}]}
            else:
                squares = a.scale ** 2 + b.scale ** 2
                if abs(squares - 1) > 1e-9 or a.scale < 0 or b.scale < 0:
                    raise GraphError(f"{where}: branch weights {a.scale} and {b.scale}: their squares "
                                     f"sum to {squares}, not 1 (a normalized sum is w * shortcut + "
                                     "sqrt(1 - w**2) * residual)")
                merged = {"type": "nsum", "branches": [
                    {"weight": a.scale, "body": {"type": "seq", "layers": a.layers}},
                    {"weight": b.scale, "body": {"type": "seq", "layers": b.layers}}]}
            paths[node] = paths[fork].then(merged, where)
            continue
        raise GraphError(f"unsupported operation {where}; supported: {SUPPORTED}")
    raise GraphError("the traced module has no output")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("factory", help="FILE.py:FUNCTION, a function returning the nn.Module")
    ap.add_argument("--input", required=True, help="one example's shape, CxHxW or D")
    ap.add_argument("--out", help="where to write the JSON (default: standard output)")
    a = ap.parse_args()
    file, _, fn = a.factory.partition(":")
    spec = importlib.util.spec_from_file_location("user_module", file)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    model = getattr(mod, fn)()
    shape = [int(v) for v in a.input.lower().split("x")]
    try:
        doc = export(model, shape, description=f"{fn} from {file}")
    except GraphError as e:
        print(f"export_torch_graph: {e}", file=sys.stderr)
        return 2
    text = json.dumps(doc, indent=1)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
