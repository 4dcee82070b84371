#!/usr/bin/python3
"""PyTorch baseline for `facecrypt bench train-step`: one whole training step, on random
data, timed over --steps steps after --warmup.
  --arch seed (default): the report's model (tools/torch_models.py), as
      tools/torch_reference.py describes it (D step on a batch of fakes and a batch of reals,
      G step on fresh z, BCE, Adam 1e-4), with Dropout(0.2) on;
  --arch face: the cover generator as `facecrypt train --arch face` trains it (spectral-norm
      D, hinge loss, Adam 2e-4 (0.5, 0.999), the G step on the D step's fakes, EMA of G).

    /usr/bin/python3 bench/torch_step.py --batch 64 --threads 2 --steps 3 [--arch face]

Ends with:  torch-step: <seconds> s/step <images> img/s   (images = batch)
"""
import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from torch_models import FaceGAN, SeedGAN  # noqa: E402


def seed_step(B, reals):
    gan = SeedGAN(dropout=0.2).train()
    G, D = gan.G, gan.D
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    ones, zeros = torch.ones(B, 1), torch.zeros(B, 1)

    def step():
        fakes = G(torch.randn(B, 100)).detach()
        opt_d.zero_grad()
        d_loss = F.binary_cross_entropy(D(reals), ones) + F.binary_cross_entropy(D(fakes), zeros)
        d_loss.backward()
        opt_d.step()
        opt_g.zero_grad()
        g_loss = F.binary_cross_entropy(D(G(torch.randn(B, 100))), ones)
        g_loss.backward()
        opt_g.step()
        return d_loss.item(), g_loss.item()

    return step


def face_step(B, reals):
    gan = FaceGAN(width=1.0, ema=True).train()
    G, D, Gema = gan.G, gan.D, gan.G_ema
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)

    def step():
        fakes = G(torch.randn(B, 100))
        opt_d.zero_grad()
        d_loss = F.relu(1 - D(reals)).mean() + F.relu(1 + D(fakes.detach())).mean()
        d_loss.backward()
        opt_d.step()
        opt_g.zero_grad()
        g_loss = -D(fakes).mean()
        g_loss.backward()
        opt_g.step()
        with torch.no_grad():
            for pe, p in zip(Gema.parameters(), G.parameters()):
                pe.mul_(0.999).add_(p, alpha=0.001)
        return d_loss.item(), g_loss.item()

    return step


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--arch", choices=("seed", "face"), default="seed")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    B = args.batch
    reals = torch.rand(B, 3, 64, 64)
    step = (face_step if args.arch == "face" else seed_step)(B, reals)

    for _ in range(args.warmup):
        step()
    times, cpus = [], []
    for i in range(args.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        dl, gl = step()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        print(f"step {i + 1}/{args.steps}: {times[-1]:.3f} s  (cpu {cpus[-1]:.3f} s)  d_loss {dl:.4f}  g_loss {gl:.4f}",
              flush=True)
    s = sum(times) / len(times)
    # CPU seconds (all threads) per step: on a machine shared with other work, cpu/threads
    # is closer to the uncontended wall time than the wall time is.
    print(f"torch {torch.__version__}, {args.arch}, {torch.get_num_threads()} threads, batch {B}, "
          f"min {min(times):.3f} s, max {max(times):.3f} s, cpu {sum(cpus) / len(cpus):.3f} s/step, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"torch-step: {s:.3f} s/step {B / s:.2f} img/s")


if __name__ == "__main__":
    main()
