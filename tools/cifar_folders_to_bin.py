#!/usr/bin/env python3
"""Writes CIFAR-10 image folders (train/<class>/*.jpg|png, test/...) as the official binary
batches (records of 1 label byte and 3,072 pixel bytes, R, G, B planes): data_batch_1..5.bin
from train/ (split in five) and test_batch.bin from test/. The first --limit files of each
class (sorted by name) are taken, in the official class order. Needs Pillow (Debian:
python3-pil). A binary copy lets other code read exactly the pixels Tailor reads, without a
second JPEG decoder.

usage: tools/cifar_folders_to_bin.py SRC DST [--limit N]
"""
import argparse
import os
import sys

from PIL import Image

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck"]


def records(split_dir, limit):
    out = []
    for label, name in enumerate(CLASSES):
        d = os.path.join(split_dir, name)
        files = sorted(f for f in os.listdir(d) if f.lower().endswith((".jpg", ".jpeg", ".png")))
        for f in files[:limit]:
            im = Image.open(os.path.join(d, f)).convert("RGB")
            if im.size != (32, 32):
                sys.exit(f"{os.path.join(d, f)} is {im.size[0]}x{im.size[1]}, not 32x32")
            r, g, b = im.split()
            out.append(bytes([label]) + r.tobytes() + g.tobytes() + b.tobytes())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--limit", type=int, default=1 << 30, help="files per class and split")
    a = ap.parse_args()
    os.makedirs(a.dst, exist_ok=True)
    train = records(os.path.join(a.src, "train"), a.limit)
    for i in range(5):
        with open(os.path.join(a.dst, f"data_batch_{i + 1}.bin"), "wb") as f:
            f.write(b"".join(train[i::5]))
    test = records(os.path.join(a.src, "test"), a.limit)
    with open(os.path.join(a.dst, "test_batch.bin"), "wb") as f:
        f.write(b"".join(test))
    print(f"{a.dst}: {len(train)} train records in 5 batches, {len(test)} test records")


if __name__ == "__main__":
    main()
