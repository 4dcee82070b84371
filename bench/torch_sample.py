#!/usr/bin/python3
"""PyTorch baseline for sampling: faces/s of the seed generator's forward pass
(tools/torch_models.py) under torch.no_grad(), at batch 1 and batch 64 by default.

    /usr/bin/python3 bench/torch_sample.py --threads 2 [--batches 1 64] [--seconds 5]

Ends with one line per batch size:  torch-sample: batch <B> <seconds> s/batch <faces> faces/s
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from torch_models import Generator  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 64])
    ap.add_argument("--seconds", type=float, default=5.0, help="time budget per batch size (at least 3 runs)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    G = Generator().eval()
    lines = []
    with torch.no_grad():
        for B in args.batches:
            z = torch.randn(B, 100)
            G(z)  # warm-up
            times, cpus = [], []
            t_end = time.perf_counter() + args.seconds
            while len(times) < 3 or time.perf_counter() < t_end:
                t0, c0 = time.perf_counter(), time.process_time()
                G(z)
                times.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
            s = sorted(times)[len(times) // 2]  # median
            c = sorted(cpus)[len(cpus) // 2]
            lines.append(f"torch-sample: batch {B} {s:.4f} s/batch {B / s:.2f} faces/s  "
                         f"({len(times)} runs, cpu {c:.4f} s/batch, load average {os.getloadavg()[0]:.2f})")
            print(lines[-1], flush=True)


if __name__ == "__main__":
    main()
