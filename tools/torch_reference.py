#!/usr/bin/python3
"""Reference data for the C engine: one whole training step of the report's model in
PyTorch, dumped to tests/data/ref_seed_step.bin.

    /usr/bin/python3 tools/torch_reference.py --arch seed [--out FILE] [--compare]
    /usr/bin/python3 tools/torch_reference.py --f32err tests/data/ref_seed_f32err.txt

(Debian's python3-torch 1.13; use /usr/bin/python3, not a pyenv python.)

The step of the report's model, batch B=4, all inputs fixed by --seed:
  weights   torch.manual_seed(seed); SeedGAN() -> PyTorch's default init, float32
  inputs    z1 [B,100] ~ N(0,1) (D step), x [B,3,64,64] = randint(0,256)/255 (reals),
            z2 [B,100] ~ N(0,1) (G step)
  D step    fakes = G(z1).detach()
            d_loss = BCE(D(x), 1) + BCE(D(fakes), 0)   (mean over the batch each, summed;
            D sees reals and fakes as two separate forward passes, as the PyTorch DCGAN
            tutorial), backward, Adam step on D
  G step    g_loss = BCE(D(G(z2)), 1) with the UPDATED D, backward, Adam step on G
  Adam      lr 1e-4, betas (0.9, 0.999), eps 1e-8 (torch.optim.Adam: bias-corrected,
            eps added to sqrt(v_hat)), both networks, step 1
  Dropout   p = 0 here so the step is deterministic (the model's Dropout(0.2) before D.fc
            is an identity); bench/torch_step.py runs with 0.2.

The step is computed in float64 from the float32 initial weights and inputs (so the
reference is the step's exact value rounded once to float32, not one float32
implementation's rounding); --precision 32 computes in float32 instead, and --compare
prints how far a float32 computation lands from the float64 one, tensor by tensor,
which is the tolerance a float32 engine should expect.  --f32err FILE writes, without
touching the reference, float32 PyTorch's norm-wise error per tensor against the committed
reference (the largest over 1 and 2 threads, see write_f32err): tests/test_reference.c
bounds the C engine's error by a multiple of it.

File format: safetensors (readable by tests/refdata.c, by src/model/safetensors.c or by
tools/safetensors_py.py).  All values F32.  A tensor with at most 65536 elements is
stored whole under its name.  A larger one is stored as a fixed pseudo-random subset:
    NAME@sub    F32 [4096]  the values at ...
    NAME@idx    I32 [4096]  ... these flat row-major indices (sorted, include 0 and numel-1)
    NAME@shape  I32 [ndim]  the full tensor's shape
The indices depend only on the layer/parameter (not on the prefix), so grad/ and final/
of a parameter, a layer's pre- and post-activation, and an activation and its gradient,
share them.  The initial weights are
stored whole (init/*), everything else large is subsampled.  Names:
    init/G.fc.weight ... init/D.fc.bias     initial weights (whole)
    in/z1, in/x, in/z2                      inputs
    d_step/G/{fc,up1_pre,up1,up2_pre,up2,up3_pre,up3,out_pre,out}   G(z1) activations
    d_step/D_real/{conv1_pre,conv1,...,conv3,fc,out}            D(x) activations (fc = logit)
    d_step/D_fake/{conv1,conv2,conv3,fc,out}                     D(G(z1)), no *_pre
    d_step/{loss_real,loss_fake,d_loss,D_x_mean,D_G_z_mean}          scalars (shape [])
    d_step/grad/D.*                         d(d_loss)/d(D params)
    g_step/G/out, g_step/D/{fc,out}         G(z2) and D(G(z2)) (updated D; the other
                                            activations follow the D step's code path)
    g_step/G_grad/{fc,up1,up2,up3,out_pre,out}   d(g_loss)/d(activation); out = the image
    g_step/{g_loss,D_G_z_mean}              scalars
    g_step/grad/G.*                         d(g_loss)/d(G params)
    final/G.*, final/D.*                    weights after both Adam steps
"""
import argparse
import os
import sys
import zlib

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_py as st  # noqa: E402
from torch_models import D_PARAMS, G_PARAMS, SeedGAN, count  # noqa: E402

FULL_MAX = 65536
SUBSET = 4096
LR, BETAS, EPS = 1e-4, (0.9, 0.999), 1e-8


def make_inputs(seed, batch):
    g = torch.Generator().manual_seed(seed + 1)
    z1 = torch.randn(batch, 100, generator=g)
    x = torch.randint(0, 256, (batch, 3, 64, 64), generator=g).float() / 255.0
    z2 = torch.randn(batch, 100, generator=g)
    return z1, x, z2


def run_step(seed, batch, dtype):
    """One D step and one G step; returns an ordered {name: tensor} of everything dumped."""
    torch.manual_seed(seed)
    gan = SeedGAN(dropout=0.0)
    G, D = gan.G, gan.D
    out = {}
    for k, v in gan.state_dict().items():
        out["init/" + k] = v.detach().clone()
    z1, x, z2 = make_inputs(seed, batch)
    out["in/z1"], out["in/x"], out["in/z2"] = z1, x, z2
    gan.to(dtype)
    gan.train()
    z1, x, z2 = z1.to(dtype), x.to(dtype), z2.to(dtype)
    opt_g = torch.optim.Adam(G.parameters(), lr=LR, betas=BETAS, eps=EPS)
    opt_d = torch.optim.Adam(D.parameters(), lr=LR, betas=BETAS, eps=EPS)
    ones = torch.ones(batch, 1, dtype=dtype)
    zeros = torch.zeros(batch, 1, dtype=dtype)

    # ---- D step
    tg, tr, tf = {}, {}, {}
    with torch.no_grad():
        fakes = G(z1, tg)
    opt_d.zero_grad()
    d_real = D(x, tr)
    d_fake = D(fakes.detach(), tf)
    loss_real = F.binary_cross_entropy(d_real, ones)
    loss_fake = F.binary_cross_entropy(d_fake, zeros)
    d_loss = loss_real + loss_fake
    d_loss.backward()
    for k, v in tg.items():
        out["d_step/G/" + k] = v
    for k, v in tr.items():
        out["d_step/D_real/" + k] = v
    for k, v in tf.items():  # pre-activations only for the reals (same code path): size
        if not k.endswith("_pre"):
            out["d_step/D_fake/" + k] = v
    out["d_step/loss_real"] = loss_real
    out["d_step/loss_fake"] = loss_fake
    out["d_step/d_loss"] = d_loss
    out["d_step/D_x_mean"] = d_real.mean()
    out["d_step/D_G_z_mean"] = d_fake.mean()
    for k, p in D.named_parameters():
        out["d_step/grad/D." + k] = p.grad.clone()
    opt_d.step()

    # ---- G step (with the updated D)
    tg2, td2 = {}, {}
    opt_g.zero_grad()
    opt_d.zero_grad()
    img = G(z2, tg2)
    d_out = D(img, td2)
    g_loss = F.binary_cross_entropy(d_out, ones)
    g_loss.backward()
    # The G and D forwards were already dumped in the D step (same code path); from
    # the G step keep what is new: the image, D's (updated) answer, and the backward.
    out["g_step/G/out"] = tg2["out"]
    out["g_step/D/fc"] = td2["fc"]
    out["g_step/D/out"] = td2["out"]
    for k in ("fc", "up1", "up2", "up3", "out_pre", "out"):
        out["g_step/G_grad/" + k] = tg2[k].grad
    out["g_step/g_loss"] = g_loss
    out["g_step/D_G_z_mean"] = d_out.mean()
    for k, p in G.named_parameters():
        out["g_step/grad/G." + k] = p.grad.clone()
    opt_g.step()

    for k, v in gan.state_dict().items():
        out["final/" + k] = v.detach().clone()
    return {k: v.detach() for k, v in out.items()}, (count(G), count(D))


def subset_indices(key, numel, subset=SUBSET):
    """A fixed subset of `subset` flat indices (the first, the last and a random choice between),
    seeded by the layer/parameter name.  Shared with tools/torch_reference_face.py."""
    rs = np.random.RandomState(zlib.crc32(key.encode()) & 0x7FFFFFFF)
    mid = rs.choice(numel - 2, subset - 2, replace=False) + 1
    return np.sort(np.concatenate([[0, numel - 1], mid])).astype(np.int32)


def index_key(name):
    """'g_step/G_grad/up1', 'd_step/G/up1_pre' -> 'G/up1'; 'final/G.up1.weight' -> 'G.up1.weight'."""
    parts = name.split("/")
    if parts[0] in ("init", "final") or parts[1] == "grad":
        return parts[-1]
    net = "G" if parts[1].startswith("G") else "D"
    return net + "/" + parts[-1].removesuffix("_pre")


def to_entries(values, full_max=FULL_MAX, subset=SUBSET, key=index_key, whole=("init/",)):
    """{name: tensor} as safetensors entries, all F32: whole when at most full_max elements or the
    name starts with one of `whole`, else subset positions (subset_indices of key(name)) as
    NAME@sub / NAME@idx / NAME@shape.  Shared with tools/torch_reference_face.py."""
    entries = {}
    for name, t in values.items():
        a = t.detach().to(torch.float32).contiguous().numpy()
        if a.size <= full_max or name.startswith(whole):
            entries[name] = ("F32", a)
        else:
            idx = subset_indices(key(name), a.size, subset)
            entries[name + "@sub"] = ("F32", a.reshape(-1)[idx])
            entries[name + "@idx"] = ("I32", idx)
            entries[name + "@shape"] = ("I32", np.array(a.shape, dtype=np.int32))
    return entries


def compare(ref, other, skip=("in/", "init/"), normwise=False):
    """Prints, per tensor of ref (float64 torch) not starting with one of `skip`, how far other
    (float32 torch) is from it: max |a-b| / max(|b|, 1e-3 * max|b|) and max |a-b|; or with
    normwise ||a-b|| / ||b|| (absolute when b is 0) and the worst of these at the end.
    Shared with tools/torch_reference_face.py (normwise)."""
    if normwise:
        print(f"{'tensor':40s} {'norm rel err':>12s}   (float32 torch vs float64 torch)")
    else:
        print(f"{'tensor':40s} {'max rel err':>12s} {'max abs err':>12s}   (float32 torch vs float64 torch)")
    worst = 0
    for name, b in ref.items():
        if name.startswith(skip):
            continue
        b = b.double()
        a = other[name].double()
        if normwise:
            nb = b.norm().item()
            rel = (a - b).norm().item() / nb if nb > 0 else (a - b).norm().item()
            worst = max(worst, rel)
            print(f"{name:40s} {rel:12.3e}")
        else:
            floor = max(1e-3 * b.abs().max().item(), 1e-30)
            rel = ((a - b).abs() / torch.clamp(b.abs(), min=floor)).max().item()
            ab = (a - b).abs().max().item()
            print(f"{name:40s} {rel:12.3e} {ab:12.3e}")
    if normwise:
        print(f"worst {worst:.3e}")


def load_reference(path):
    """The committed reference file as {logical name: (values float64, flat indices or None)}."""
    meta, raw = st.load(path)
    assert meta.get("format") == "facecrypt-ref-step/1", f"{path}: not reference data"
    out = {}
    for name, (dt, shape, buf) in raw.items():
        if name.endswith("@idx") or name.endswith("@shape"):
            continue
        vals = st.to_numpy(dt, shape, buf).astype(np.float64).reshape(-1)
        if name.endswith("@sub"):
            base = name[: -len("@sub")]
            idt, ishape, ibuf = raw[base + "@idx"]
            out[base] = (vals, st.to_numpy(idt, ishape, ibuf).astype(np.int64))
        else:
            out[name] = (vals, None)
    return meta, out


def normwise_errors(ref, values):
    """Per tensor of the reference file: the norm-wise relative error of `values` (a run_step
    result) over the stored positions, ||a - b||_2 / ||b - base||_2 with base = the initial
    weights for final/* (the error relative to the Adam update) and 0 otherwise.  This is
    the measure tests/test_reference.c applies to the C engine."""
    errs = {}
    for name, (b, idx) in ref.items():
        if name.startswith("in/") or name.startswith("init/"):
            continue
        a = values[name].detach().double().reshape(-1).numpy()
        a = a[idx] if idx is not None else a
        a = a.astype(np.float32).astype(np.float64)  # rounded to float32 as the engine's results are
        base = np.zeros_like(b)
        if name.startswith("final/"):
            w0 = ref["init/" + name[len("final/"):]][0]
            base = w0[idx] if idx is not None else w0
        scale = np.linalg.norm(b - base)
        err = np.linalg.norm(a - b)
        errs[name] = 0.0 if err == 0 else (err / scale if scale > 0 else float("inf"))
    return errs


def write_f32err(args):
    """--f32err FILE: how far float32 PyTorch lands from the committed float64 reference,
    tensor by tensor, the largest over --err-threads thread counts:
      NAME err          the norm-wise relative error (normwise_errors), every stored tensor;
      maxabs:NAME err   for the pre-activations (NAME ending in _pre): the largest |a - b|
                        over the whole tensor against a float64 recomputation, i.e. how close
                        to 0 a pre-activation must be for float32 rounding to move it across
                        the LeakyReLU's kink.
    tests/test_reference.c scales its bounds by these figures."""
    meta, ref = load_reference(args.ref)
    seed, batch = int(meta["seed"]), int(meta["batch"])
    torch.set_num_threads(args.threads)
    v64, _ = run_step(seed, batch, torch.float64)
    e64 = normwise_errors(ref, v64)
    worst = max(e64, key=e64.get)
    print(f"float64 recomputation vs the stored reference: worst norm-wise {e64[worst]:.3e} ({worst})")
    runs = {}
    for t in args.err_threads:
        torch.set_num_threads(t)
        values, _ = run_step(seed, batch, torch.float32)
        errs = normwise_errors(ref, values)
        for name, b in v64.items():
            if name.endswith("_pre"):
                errs["maxabs:" + name] = (values[name].double() - b).abs().max().item()
        runs[t] = errs
        print(f"float32, {t} thread(s): done")
    names = list(runs[args.err_threads[0]])
    with open(args.f32err, "w") as f:
        f.write("# facecrypt-ref-f32err/1: float32 PyTorch against the float64 reference "
                f"{os.path.basename(args.ref)}, per tensor.\n")
        f.write("#   NAME: ||a - b||_2 / ||b - base||_2 over the stored positions, base = init/* for final/*\n")
        f.write("#         (the error relative to the Adam update), else 0.\n")
        f.write("#   maxabs:NAME (pre-activations): max |a - b| over the whole tensor.\n")
        f.write(f"# Written by tools/torch_reference.py --f32err (torch {torch.__version__}, "
                f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')!s}, seed {seed}, batch {batch}).\n")
        f.write("# Read by tests/test_reference.c.  Columns: name, the largest over the thread counts, each thread count.\n")
        f.write("# name max " + " ".join(f"threads={t}" for t in args.err_threads) + "\n")
        for name in names:
            row = [runs[t][name] for t in args.err_threads]
            f.write(f"{name} {max(row):.3e} " + " ".join(f"{v:.3e}" for v in row) + "\n")
    print(f"wrote {args.f32err}: {len(names)} rows")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", default="seed", choices=["seed", "dcgan"])
    ap.add_argument("--out", default=os.path.join(HERE, "..", "tests", "data", "ref_seed_step.bin"))
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--precision", type=int, default=64, choices=[32, 64])
    ap.add_argument("--compare", action="store_true", help="also run in float32 and print the differences")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--f32err", metavar="FILE",
                    help="write float32 torch's norm-wise error per tensor against --ref (does not rewrite --out)")
    ap.add_argument("--ref", default=os.path.join(HERE, "..", "tests", "data", "ref_seed_step.bin"))
    ap.add_argument("--err-threads", type=lambda v: [int(x) for x in v.split(",")], default=[1, 2])
    args = ap.parse_args()
    if args.arch != "seed":
        sys.exit("torch_reference.py: --arch dcgan is not implemented (optional; see the module docstring)")
    torch.set_num_threads(args.threads)
    if args.f32err:
        write_f32err(args)
        return

    dtype = torch.float64 if args.precision == 64 else torch.float32
    values, (gp, dp) = run_step(args.seed, args.batch, dtype)
    print(f"G params: {gp:,}  (contract {G_PARAMS:,})")
    print(f"D params: {dp:,}  (contract {D_PARAMS:,})")
    assert gp == G_PARAMS and dp == D_PARAMS, "parameter counts differ from the report's model"
    for k in ("d_step/loss_real", "d_step/loss_fake", "d_step/d_loss", "d_step/D_x_mean", "d_step/D_G_z_mean",
              "g_step/g_loss", "g_step/D_G_z_mean"):
        print(f"{k:22s} {values[k].item():.9f}")
    if args.compare:
        other, _ = run_step(args.seed, args.batch, torch.float32 if args.precision == 64 else torch.float64)
        compare(values, other) if args.precision == 64 else compare(other, values)

    meta = {
        "format": "facecrypt-ref-step/1",
        "arch": args.arch,
        "batch": str(args.batch),
        "seed": str(args.seed),
        "precision": "float64" if args.precision == 64 else "float32",
        "dropout": "0 (disabled for determinism)",
        "loss": "d_loss = BCE(D(x),1) + BCE(D(G(z1)),0), g_loss = BCE(D(G(z2)),1), BCE mean over batch",
        "adam": f"lr={LR} beta1={BETAS[0]} beta2={BETAS[1]} eps={EPS} (torch.optim.Adam, one step)",
        "leaky_relu_slope": "0.2",
        "g_params": str(gp),
        "d_params": str(dp),
        "subset": f"tensors over {FULL_MAX} elements (except init/*): NAME@sub F32, NAME@idx I32, NAME@shape I32",
        "torch": torch.__version__,
        "producer": "tools/torch_reference.py",
    }
    for k in ("d_step/d_loss", "g_step/g_loss"):
        meta[k] = repr(values[k].item())
    n = st.save(args.out, to_entries(values), meta)
    print(f"wrote {args.out}: {n:,} bytes")


if __name__ == "__main__":
    main()
