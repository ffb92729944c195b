#!/usr/bin/env python3
"""PyTorch twin of `tailor bench train-step`: builds the network from Tailor's layer-graph JSON
(so both sides run the identical architecture) and times forward + backward of softmax
cross-entropy on random data, eager mode, with the given intra-op thread count.

Prints one JSON object: images_per_s, median_step_s, steps, batch, threads, torch version.
Needs PyTorch (Debian: apt-get install python3-torch).
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Act(nn.Module):
    def __init__(self, slope, scale):
        super().__init__()
        self.slope, self.scale = slope, scale

    def forward(self, x):
        return F.leaky_relu(x, self.slope) * self.scale


class Seq(nn.Module):
    def __init__(self, mods):
        super().__init__()
        self.mods = nn.ModuleList(mods)

    def forward(self, x):
        for m in self.mods:
            x = m(x)
        return x


class Sum(nn.Module):
    def __init__(self, weights, bodies):
        super().__init__()
        self.weights = weights
        self.bodies = nn.ModuleList(bodies)

    def forward(self, x):
        out = None
        for w, b in zip(self.weights, self.bodies):
            if w == 0:
                continue
            v = b(x) * w if w != 1 else b(x)
            out = v if out is None else out + v
        return out


def build(node, shape, act):
    """Returns (module, output shape); shape is [C, H, W] or [D]."""
    t = node["type"]
    if t == "seq":
        mods = []
        for child in node["layers"]:
            m, shape = build(child, shape, act)
            mods.append(m)
        return Seq(mods), shape
    if t == "conv":
        k, s = node["kernel"], node["stride"]
        m = nn.Conv2d(shape[0], node["out"], k, stride=s, padding=k // 2, bias=node["bias"])
        return m, [node["out"], (shape[1] + s - 1) // s, (shape[2] + s - 1) // s]
    if t == "dense":
        n = 1
        for v in shape:
            n *= v
        lin = nn.Linear(n, node["out"], bias=node["bias"])
        return (Seq([nn.Flatten(), lin]) if len(shape) > 1 else lin), [node["out"]]
    if t == "act":
        return Act(*act), shape
    if t == "maxpool":
        w, s = node["window"], node["stride"]
        return nn.MaxPool2d(w, s, padding=w // 2), [shape[0], (shape[1] + s - 1) // s, (shape[2] + s - 1) // s]
    if t == "gap":
        return nn.AdaptiveAvgPool2d(1), [shape[0], 1, 1]
    if t == "dropout":
        return nn.Dropout(node["rate"]), shape
    if t == "bn":
        return nn.BatchNorm2d(shape[0], momentum=1 - node["decay"]), shape
    if t in ("nsum", "psum"):
        bodies, weights, out = [], [], shape
        for br in node["branches"]:
            body = br["body"] if t == "nsum" else br
            m, out = build(body, shape, act)
            bodies.append(m)
            weights.append(br["weight"] if t == "nsum" else 1.0)
        return Sum(weights, bodies), out
    raise ValueError(f"unknown layer type {t}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    ap.add_argument("--input", default="3x32x32")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--slope", type=float, default=0.4)
    ap.add_argument("--scale", type=float, default=1.3)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--channels-last", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    shape = [int(v) for v in a.input.split("x")]
    with open(a.arch) as f:
        graph = json.load(f)
    net, _ = build(graph, shape, (a.slope, a.scale))
    x = torch.randn(a.batch, *shape)
    y = torch.randint(0, a.classes, (a.batch,))
    if a.channels_last:
        net = net.to(memory_format=torch.channels_last)
        x = x.to(memory_format=torch.channels_last)
    times = []
    for i in range(a.warmup + a.steps):
        net.zero_grad(set_to_none=True)
        t0 = time.perf_counter()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        t = time.perf_counter() - t0
        if i >= a.warmup:
            times.append(t)
    med = statistics.median(times)
    print(json.dumps({"images_per_s": a.batch / med, "median_step_s": med, "steps": a.steps,
                      "batch": a.batch, "threads": a.threads, "torch": torch.__version__,
                      "channels_last": a.channels_last,
                      "peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb():
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across execve, so a child of the JVM would
    # report the JVM's peak.
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
