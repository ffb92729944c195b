#!/usr/bin/env python3
"""CI check of tools/export_torch_graph.py: a ResNet-18 (v2, no batch norm) written here in
PyTorch, at w = 0 and w = 0.8, exported to layer-graph JSON, gives `tailor shape --graph` the
same shaped parameters as `tailor shape --model resnet --depth 18 --shortcut-weight w`, and
`tailor model summary --graph` the same parameter count; a module Tailor cannot represent is
named in a one-line error.

usage: tools/test_export_torch_graph.py TAILOR TMPDIR
"""
import json
import math
import os
import subprocess
import sys

import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_torch_graph  # noqa: E402


class Block(nn.Module):
    """A pre-activation basic block; with w > 0 the residual sum sqrt(1 - w^2) res + w short."""

    def __init__(self, cin, cout, stride, w):
        super().__init__()
        self.w = w
        self.project = w > 0 and (stride != 1 or cin != cout)
        self.pre = nn.ReLU()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1)
        self.act = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        if self.project:
            self.short = nn.Conv2d(cin, cout, 1, stride, 0)

    def forward(self, x):
        if self.w == 0:
            return self.conv2(self.act(self.conv1(self.pre(x))))
        if self.project:  # the first activation feeds the residual and the projection
            p = self.pre(x)
            return math.sqrt(1 - self.w ** 2) * self.conv2(self.act(self.conv1(p))) + self.w * self.short(p)
        return math.sqrt(1 - self.w ** 2) * self.conv2(self.act(self.conv1(self.pre(x)))) + self.w * x


class ResNet18(nn.Module):
    def __init__(self, w, classes=1000):
        super().__init__()
        self.stem = nn.Conv2d(3, 64, 7, 2, 3)
        self.pool = nn.MaxPool2d(3, 2, 1)
        blocks, cin = [], 64
        for g, c in enumerate((64, 128, 256, 512)):
            for b in range(2):
                blocks.append(Block(cin, c, 2 if b == 0 and g > 0 else 1, w))
                cin = c
        self.blocks = nn.Sequential(*blocks)
        self.act = nn.ReLU()
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(512, classes)

    def forward(self, x):
        x = self.act(self.blocks(self.pool(self.stem(x))))
        return self.head(self.gap(x).flatten(1))


def tailor(*args):
    r = subprocess.run([sys.argv[1], *args], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def main():
    tmp = sys.argv[2]
    # eta 0.9 is out of reach for 18 layers with strong shortcuts (C_f(0) <= 0.83 at w = 0.8)
    for w, eta in ((0.0, "0.9"), (0.8, "0.7")):
        path = os.path.join(tmp, f"resnet18-w{w}.json")
        with open(path, "w") as f:
            json.dump(export_torch_graph.export(ResNet18(w), (3, 224, 224)), f)
        code, out, err = tailor("shape", "--graph", path, "--eta", eta, "--json")
        assert code == 0, err
        mine = json.loads(out)["params"]
        code, out, err = tailor("shape", "--model", "resnet", "--depth", "18",
                                "--shortcut-weight", str(w), "--eta", eta, "--json")
        assert code == 0, err
        theirs = json.loads(out)["params"]
        assert mine.keys() == theirs.keys(), (mine, theirs)
        for k in mine:
            assert abs(mine[k] - theirs[k]) <= 1e-12 * max(1, abs(theirs[k])), (w, k, mine[k], theirs[k])
        count = lambda text: [l for l in text.splitlines() if l.startswith("parameters")][0]
        code, a, err = tailor("model", "summary", "--graph", path)
        assert code == 0, err
        code, b, err = tailor("model", "summary", "--model", "resnet", "--depth", "18",
                              "--shortcut-weight", str(w))
        assert code == 0, err
        assert count(a) == count(b), (count(a), count(b))
        print(f"resnet-18 written in PyTorch, w = {w}: tailor shape --graph gives {mine} "
              f"(--model resnet: {theirs}); {count(a).split(':')[1].strip()} parameters, as --model resnet")
    # a module Tailor has no layer for: one line naming it
    bad = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1), nn.LSTM(8, 8))
    try:
        export_torch_graph.export(bad, (3, 8, 8))
        raise AssertionError("an LSTM was exported")
    except export_torch_graph.GraphError as e:
        assert "unsupported module 1 (LSTM)" in str(e), e
        print(f"unsupported module: {e}")
    dilated = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 2, dilation=2))
    try:
        export_torch_graph.export(dilated, (3, 8, 8))
        raise AssertionError("a dilated convolution was exported")
    except export_torch_graph.GraphError as e:
        assert "module 0" in str(e) and "dilation" in str(e), e
        print(f"dilated convolution: {e}")


if __name__ == "__main__":
    main()
