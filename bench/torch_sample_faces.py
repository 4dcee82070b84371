#!/usr/bin/python3
"""PyTorch baseline for `facecrypt bench sample`: faces/s of the seed generator's
forward pass (tools/torch_models.py; --width scales the channels as fc_scaled does)
under torch.no_grad() with torch.set_num_threads(T).

    /usr/bin/python3 bench/torch_sample_faces.py --threads 1 [--batches 1 64] [--width 1] [--seconds 3]

Prints one line per batch size, in the format bench/torch_sample.py uses:
    torch-sample: batch <B> <seconds> s/batch <faces> faces/s
(median over at least 3 timed runs and --seconds of runs, after one warm-up run).
"""
import argparse
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from torch_models import LATENT, SLOPE, Generator  # noqa: E402


def scaled(c, width):  # fc_scaled: lroundf(c * width), at least 1
    return max(1, int(math.floor(c * width + 0.5)))


class ScaledGenerator(nn.Module):
    """Generator with every hidden channel count scaled by width (width 1 = Generator)."""

    def __init__(self, width):
        super().__init__()
        c0, c1, c2, c3 = (scaled(c, width) for c in (128, 128, 256, 512))
        self.c0 = c0
        self.fc = nn.Linear(LATENT, c0 * 8 * 8)
        self.up1 = nn.ConvTranspose2d(c0, c1, 4, 2, 1)
        self.up2 = nn.ConvTranspose2d(c1, c2, 4, 2, 1)
        self.up3 = nn.ConvTranspose2d(c2, c3, 4, 2, 1)
        self.out = nn.Conv2d(c3, 3, 5, 1, 2)

    def forward(self, z):
        h = self.fc(z).view(-1, self.c0, 8, 8)
        for layer in (self.up1, self.up2, self.up3):
            h = F.leaky_relu(layer(h), SLOPE)
        return torch.sigmoid(self.out(h))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 64])
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--seconds", type=float, default=3.0, help="time budget per batch size (at least 3 runs)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    G = (Generator() if a.width == 1 else ScaledGenerator(a.width)).eval()
    with torch.no_grad():
        for B in a.batches:
            z = torch.randn(B, LATENT)
            G(z)  # warm-up
            times = []
            t_end = time.perf_counter() + a.seconds
            while len(times) < 3 or time.perf_counter() < t_end:
                t0 = time.perf_counter()
                G(z)
                times.append(time.perf_counter() - t0)
            s = sorted(times)[len(times) // 2]
            print(f"torch-sample: batch {B} {s:.4f} s/batch {B / s:.2f} faces/s  ({len(times)} runs)", flush=True)


if __name__ == "__main__":
    main()
