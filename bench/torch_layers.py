#!/usr/bin/python3
"""PyTorch per-layer timings for the seed model's shapes, to set beside bench/bench_nn.c.

  /usr/bin/python3 bench/torch_layers.py [threads] [batch] [reps]

Best of `reps` for forward, backward-data (grad of the input only) and
backward-weights (grad of weight and bias only); backward times exclude the forward.
Each is given as wall ms and as process CPU ms (all threads): on a machine shared
with other work, CPU/threads is closer to the uncontended wall time (compare with
bench/bench_nn -p 1).
"""
import sys, time
import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
N = int(sys.argv[2]) if len(sys.argv) > 2 else 64
reps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
torch.set_num_threads(threads)
layers = [
    ("G dense 100->8192", torch.nn.Linear(100, 8192), (N, 100)),
    ("G convT 128->128 8->16", torch.nn.ConvTranspose2d(128, 128, 4, 2, 1), (N, 128, 8, 8)),
    ("G convT 128->256 16->32", torch.nn.ConvTranspose2d(128, 256, 4, 2, 1), (N, 128, 16, 16)),
    ("G convT 256->512 32->64", torch.nn.ConvTranspose2d(256, 512, 4, 2, 1), (N, 256, 32, 32)),
    ("G conv 512->3 k5 64", torch.nn.Conv2d(512, 3, 5, 1, 2), (N, 512, 64, 64)),
    ("D conv 3->64 64->32", torch.nn.Conv2d(3, 64, 4, 2, 1), (N, 3, 64, 64)),
    ("D conv 64->128 32->16", torch.nn.Conv2d(64, 128, 4, 2, 1), (N, 64, 32, 32)),
    ("D conv 128->128 16->8", torch.nn.Conv2d(128, 128, 4, 2, 1), (N, 128, 16, 16)),
    ("D dense 8192->1", torch.nn.Linear(8192, 1), (N, 8192)),
]


def best(f):
    """(best wall ms, best CPU ms) over reps runs after one warm-up."""
    f()
    bw = bc = 1e9
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        f()
        bw = min(bw, time.perf_counter() - t)
        bc = min(bc, time.process_time() - c)
    return bw * 1e3, bc * 1e3


print(f"torch {torch.__version__}: batch {N}, threads {threads}, best of {reps} (wall ms / CPU ms)")
tot = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
for name, m, shp in layers:
    x = torch.randn(*shp, requires_grad=True)
    y = m(x)
    dy = torch.randn_like(y)
    with torch.no_grad():
        f = best(lambda: m(x))
    # forward again inside each backward timing, with its own best subtracted
    fg = best(lambda: m(x))
    d = [a - b for a, b in zip(best(lambda: torch.autograd.grad(m(x), [x], dy)), fg)]
    w = [a - b for a, b in zip(best(lambda: torch.autograd.grad(m(x), [m.weight, m.bias], dy)), fg)]
    for i, v in enumerate((f, d, w)):
        tot[i][0] += v[0]
        tot[i][1] += v[1]
    print(f"  {name:26s} fwd {f[0]:8.1f} /{f[1]:8.1f}  bwd-data {d[0]:8.1f} /{d[1]:8.1f}  "
          f"bwd-w {w[0]:8.1f} /{w[1]:8.1f}", flush=True)
print(f"  total: fwd {tot[0][0]:.1f} / {tot[0][1]:.1f} ms, bwd-data {tot[1][0]:.1f} / {tot[1][1]:.1f} ms, "
      f"bwd-w {tot[2][0]:.1f} / {tot[2][1]:.1f} ms")
