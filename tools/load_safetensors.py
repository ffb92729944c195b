#!/usr/bin/env python3
"""Loads a tailor model.safetensors into PyTorch tensors, reading the format by its spec
(8-byte little-endian header length, JSON header, raw little-endian data), so it needs only
torch (or numpy). Prints one line per tensor and checks every byte is accounted for.

usage: tools/load_safetensors.py FILE
"""
import json
import struct
import sys

import numpy as np


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    tensors = {}
    end = 0
    for name, t in header.items():
        assert t["dtype"] == "F32", (name, t["dtype"])
        a, b = t["data_offsets"]
        arr = np.frombuffer(body[a:b], dtype="<f4").reshape(t["shape"])
        tensors[name] = arr
        end = max(end, b)
    assert end == len(body), f"{len(body) - end} bytes not described by the header"
    return meta, tensors


def main():
    meta, tensors = load(sys.argv[1])
    try:
        import torch
        tensors = {k: torch.from_numpy(v.copy()) for k, v in tensors.items()}
        kind = "torch " + torch.__version__
    except ImportError:
        kind = "numpy"
    print(f"{sys.argv[1]}: {len(tensors)} tensors as {kind}; metadata {meta}")
    total = 0
    for k, v in tensors.items():
        total += v.numel() if hasattr(v, "numel") else v.size
        assert np.isfinite(np.asarray(v)).all(), k
    print(f"{total:,} parameters, all finite; first: {next(iter(tensors))} {tuple(next(iter(tensors.values())).shape)}")


if __name__ == "__main__":
    main()
