#!/usr/bin/python3
"""Reference data for the C engine's --arch face: one whole training step in PyTorch,
dumped to tests/data/ref_face_step.bin (tests/test_reference_face.c reads it).

    /usr/bin/python3 tools/torch_reference_face.py [--arch face|face2|face128] [--out FILE] [--compare]

--arch face2 (D with a minibatch-stddev channel, groups of 4: the D step's reals and fakes
are one group each, the G step's fakes one group) writes tests/data/ref_face2_step.bin,
with d_step/D/mbstd beside the conv activations.  --arch face128 (face2 grown by G's conv5
block and D's conv0, 128 px images) writes tests/data/ref_face128_step.bin; its reals in/x
are 128 px, drawn from their own stream (torch.Generator seeded seed + 2), and its
DiffAugment parameters are drawn for 128 x 128 images.

(Debian's python3-torch 1.13; use /usr/bin/python3.)

The step, batch B=4, width 0.125 (so the initial weights fit the file whole), inputs fixed by --seed:
  weights   torch.manual_seed(seed); FaceGAN(0.125) (tools/torch_models.py): PyTorch's default
            init, spectral_norm's random u, v; G_ema = a copy of G
  inputs    z1, x = randint(0,256)/255, z2 as tools/torch_reference.py
  DiffAug   DiffAugment color,translation,cutout (Zhao et al. 2020) with the C engine's
            counter-based parameters (diffaug_params below ports src/nn/diffaug.c's draw):
            D step reals rows 0..B-1 and fakes rows B..2B-1 at counter 0, G step fakes rows
            0..B-1 at counter 1, brightness scale 0.5 (images in [0,1]); the augmentation itself
            is the authors' DiffAugment_pytorch code with those parameters in place of torch.rand
  D step    fakes = G(z1) (no grad; G in train mode, so BN running stats move);
            logits = D(cat(T(x), T(fakes)))   (one forward: one spectral-norm power iteration)
            d_loss = mean relu(1 - logits[:B]) + mean relu(1 + logits[B:]); backward; Adam on D
  G step    g_loss = -mean D(T(G(z2))) with the updated D (a second power iteration); backward
            through T; Adam on G; then G_ema = d*G_ema + (1-d)*G, d = min(0.999, (1+0)/(10+0))
  Adam      lr 2e-4, betas (0.5, 0.999), eps 1e-8 (face defaults)

Computed in float64 from float32 initial values (--precision 32 for float32); --compare
prints the norm-wise relative error of a float32 run against the float64 one per tensor
(what a correct float32 engine should expect).  File format as tools/torch_reference.py
(safetensors; tensors over 4096 elements except init/* and in/* subsampled to 1024 positions:
NAME@sub/@idx/@shape, readable by tests/refdata.c).
Names:
    init/G.*, init/D.*                     initial state (weights, BN stats, SN weight_u/_v)
    in/z1, in/x, in/z2                     inputs (the DiffAugment seed is metadata "aug_seed")
    aug/d_real, aug/d_fake, aug/g          [B,7] DiffAugment parameters: brightness, saturation,
                                           contrast, tx, ty, cx, cy
    d_step/G/{fc,act0,up1..up4,conv1..conv4,act1..act4,out}   G(z1) activations (face128: ..5)
    d_step/T                               T(x) then T(fakes) [2B,3,64,64]
    d_step/D/{conv1..conv4,fc}             D(T) activations (after LeakyReLU; fc = logits; face128: conv0 too)
    d_step/sigma/D.{conv1..conv4,fc}       spectral norms of the D-step forward ([] each)
    d_step/{loss_real,loss_fake,d_loss}
    d_step/grad/D.*                        d(d_loss)/d(D params) (weight_orig, bias)
    g_step/G/out, g_step/T, g_step/D/fc    G(z2), T(G(z2)), logits
    g_step/sigma/D.*                       spectral norms of the G-step forward
    g_step/g_loss
    g_step/G_grad/{T,out}                  d(g_loss)/d T(G(z2)) and d(g_loss)/d G(z2)
    g_step/grad/G.*                        d(g_loss)/d(G params)
    final/G.*, final/D.*                   state after both steps (incl. BN stats, u, v)
    final/G_ema.*                          EMA parameters after the step
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_py as st  # noqa: E402
from torch_models import FaceGAN, count  # noqa: E402
import torch_reference as seedref  # noqa: E402  (inputs, subsets, file entries, --compare)

FULL_MAX = 4096  # smaller than the seed file's: this file has more tensors, and must stay < 2 MB
SUBSET = 1024

LR, BETAS, EPS = 2e-4, (0.5, 0.999), 1e-8
WIDTH = 0.125
EMA_DECAY = 0.999
AUG_SEED = 0x1234ABCD5678
M64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix64(z):
    z &= M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def diffaug_params(seed, counter, row, H=64, W=64, bscale=0.5):
    """src/nn/diffaug.c fc_diffaug_draw, bit for bit (float32 arithmetic where C uses float)."""
    key = mix64((mix64(mix64(seed) + GOLDEN * (counter + 1)) + GOLDEN * (row + 1)) & M64)
    r = [mix64((key + GOLDEN * (j + 1)) & M64) for j in range(7)]
    f32 = np.float32
    unit = [f32(x >> 40) * f32(1.0 / 16777216.0) for x in r[:3]]

    def below(x, n):
        return ((x >> 32) * n) >> 32

    sx, sy = int(H * 0.125 + 0.5), int(W * 0.125 + 0.5)
    cx_, cy_ = int(H * 0.5 + 0.5), int(W * 0.5 + 0.5)
    return [float((unit[0] - f32(0.5)) * f32(bscale)), float(unit[1] * f32(2.0)), float(unit[2] + f32(0.5)),
            below(r[3], 2 * sx + 1) - sx, below(r[4], 2 * sy + 1) - sy,
            below(r[5], H + 1 - cx_ % 2), below(r[6], W + 1 - cy_ % 2)]


def diff_augment(x, p):
    """DiffAugment_pytorch.py (color, translation, cutout) with per-image parameters p [N,7]
    instead of torch.rand/randint draws."""
    N, _, H, W = x.shape
    dt = x.dtype
    b = torch.tensor([q[0] for q in p], dtype=dt).view(N, 1, 1, 1)
    s = torch.tensor([q[1] for q in p], dtype=dt).view(N, 1, 1, 1)
    k = torch.tensor([q[2] for q in p], dtype=dt).view(N, 1, 1, 1)
    x = x + b                                                      # rand_brightness
    m = x.mean(dim=1, keepdim=True)
    x = (x - m) * s + m                                            # rand_saturation
    m = x.mean(dim=[1, 2, 3], keepdim=True)
    x = (x - m) * k + m                                            # rand_contrast
    tx = torch.tensor([q[3] for q in p]).view(N, 1, 1)             # rand_translation
    ty = torch.tensor([q[4] for q in p]).view(N, 1, 1)
    gb, gx, gy = torch.meshgrid(torch.arange(N), torch.arange(H), torch.arange(W), indexing="ij")
    gx = torch.clamp(gx + tx + 1, 0, H + 1)
    gy = torch.clamp(gy + ty + 1, 0, W + 1)
    xp = F.pad(x, [1, 1, 1, 1, 0, 0, 0, 0])
    x = xp.permute(0, 2, 3, 1).contiguous()[gb, gx, gy].permute(0, 3, 1, 2)
    cs = int(H * 0.5 + 0.5), int(W * 0.5 + 0.5)                    # rand_cutout
    ox = torch.tensor([q[5] for q in p]).view(N, 1, 1)
    oy = torch.tensor([q[6] for q in p]).view(N, 1, 1)
    gb, gx, gy = torch.meshgrid(torch.arange(N), torch.arange(cs[0]), torch.arange(cs[1]), indexing="ij")
    gx = torch.clamp(gx + ox - cs[0] // 2, min=0, max=H - 1)
    gy = torch.clamp(gy + oy - cs[1] // 2, min=0, max=W - 1)
    mask = torch.ones(N, H, W, dtype=dt)
    mask[gb, gx, gy] = 0
    return x * mask.unsqueeze(1)


def sigmas(D):
    """sigma = u . (W v) of each spectral-norm layer with its current u, v (what the last forward used)."""
    out = {}
    for name in (("conv0",) if D.grow else ()) + ("conv1", "conv2", "conv3", "conv4", "fc"):
        mod = getattr(D, name)
        W = mod.weight_orig.detach()
        Wm = W.reshape(W.shape[0], -1)
        out["D." + name] = torch.dot(mod.weight_u, torch.mv(Wm, mod.weight_v))
    return out


def run_step(seed, batch, dtype, mbstd_group=0, grow=False):
    torch.manual_seed(seed)
    gan = FaceGAN(WIDTH, ema=True, mbstd_group=mbstd_group, grow=grow)
    G, D, Ge = gan.G, gan.D, gan.G_ema
    out = {}
    for k, v in gan.state_dict().items():
        if not k.startswith("G_ema.") and not k.endswith("num_batches_tracked"):
            out["init/" + k] = v.detach().clone()
    z1, x, z2 = seedref.make_inputs(seed, batch)
    S = 128 if grow else 64
    if grow:  # face128's reals are 128 px: their own stream
        x = torch.randint(0, 256, (batch, 3, S, S), generator=torch.Generator().manual_seed(seed + 2)).float() / 255.0
    out["in/z1"], out["in/x"], out["in/z2"] = z1, x, z2
    pr = [diffaug_params(AUG_SEED, 0, i, S, S) for i in range(batch)]
    pf = [diffaug_params(AUG_SEED, 0, batch + i, S, S) for i in range(batch)]
    pg = [diffaug_params(AUG_SEED, 1, i, S, S) for i in range(batch)]
    out["aug/d_real"] = torch.tensor(pr, dtype=torch.float64)
    out["aug/d_fake"] = torch.tensor(pf, dtype=torch.float64)
    out["aug/g"] = torch.tensor(pg, dtype=torch.float64)
    gan.to(dtype)
    gan.train()
    z1, x, z2 = z1.to(dtype), x.to(dtype), z2.to(dtype)
    opt_g = torch.optim.Adam(G.parameters(), lr=LR, betas=BETAS, eps=EPS)
    opt_d = torch.optim.Adam(D.parameters(), lr=LR, betas=BETAS, eps=EPS)

    # ---- D step
    tg, td = {}, {}
    with torch.no_grad():
        fakes = G(z1, tg)
    opt_d.zero_grad()
    T = torch.cat([diff_augment(x, pr), diff_augment(fakes.detach(), pf)])
    logits = D(T, td)
    loss_real = F.relu(1 - logits[:batch]).mean()
    loss_fake = F.relu(1 + logits[batch:]).mean()
    d_loss = loss_real + loss_fake
    d_loss.backward()
    for k, v in tg.items():
        out["d_step/G/" + k] = v
    out["d_step/T"] = T
    for k, v in td.items():
        out["d_step/D/" + k] = v
    for k, v in sigmas(D).items():
        out["d_step/sigma/" + k] = v
    out["d_step/loss_real"], out["d_step/loss_fake"], out["d_step/d_loss"] = loss_real, loss_fake, d_loss
    for k, p in D.named_parameters():
        out["d_step/grad/D." + k] = p.grad.clone()
    opt_d.step()

    # ---- G step
    tg2, td2 = {}, {}
    opt_g.zero_grad()
    opt_d.zero_grad()
    img = G(z2, tg2)
    Tg = diff_augment(img, pg)
    Tg.retain_grad()
    lg = D(Tg, td2)
    g_loss = -lg.mean()
    g_loss.backward()
    out["g_step/G/out"] = tg2["out"]
    out["g_step/T"] = Tg
    out["g_step/D/fc"] = td2["fc"]
    for k, v in sigmas(D).items():
        out["g_step/sigma/" + k] = v
    out["g_step/g_loss"] = g_loss
    out["g_step/G_grad/T"] = Tg.grad
    out["g_step/G_grad/out"] = tg2["out"].grad
    for k, p in G.named_parameters():
        out["g_step/grad/G." + k] = p.grad.clone()
    opt_g.step()
    d = min(EMA_DECAY, (1.0 + 0) / (10.0 + 0))
    d = float(np.float32(d))
    with torch.no_grad():
        for pe, p in zip(Ge.parameters(), G.parameters()):
            pe.mul_(d).add_(p, alpha=1 - d)
    for k, v in gan.state_dict().items():
        if not k.startswith("G_ema.") and not k.endswith("num_batches_tracked"):
            out["final/" + k] = v.detach().clone()
    for k, p in Ge.named_parameters():
        out["final/G_ema." + k] = p.detach().clone()
    return {k: v.detach() for k, v in out.items()}, (count(G), count(D))


def index_key(name):
    """The name that seeds a tensor's subset (its own scheme, not torch_reference.index_key's:
    the committed file's subsets follow it): 'g_step/G_grad/out' -> 'G_grad/out',
    'final/G.up1.weight' -> 'G.up1.weight', 'd_step/sigma/D.fc' -> 'D.fc'."""
    parts = name.split("/")
    if parts[0] in ("init", "final") or parts[1] in ("grad", "sigma"):
        return parts[-1]
    return "/".join(parts[1:])


def to_entries(values):
    return seedref.to_entries(values, full_max=FULL_MAX, subset=SUBSET, key=index_key, whole=("init/", "in/"))


def compare(want, other):
    seedref.compare(want, other, skip=("in/", "init/", "aug/"), normwise=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", default="face", choices=["face", "face2", "face128"])
    ap.add_argument("--out", default=None, help="default tests/data/ref_ARCH_step.bin")
    ap.add_argument("--seed", type=int, default=4321)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--precision", type=int, default=64, choices=[32, 64])
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dtype = torch.float64 if args.precision == 64 else torch.float32
    group = 0 if args.arch == "face" else 4
    grow = args.arch == "face128"
    if args.out is None:
        args.out = os.path.join(HERE, "..", "tests", "data", f"ref_{args.arch}_step.bin")
    values, (gp, dp) = run_step(args.seed, args.batch, dtype, group, grow)
    print(f"G params: {gp:,}  D params: {dp:,}")
    for k in ("d_step/loss_real", "d_step/loss_fake", "d_step/d_loss", "g_step/g_loss"):
        print(f"{k:22s} {values[k].item():.9f}")
    if args.compare:
        other, _ = run_step(args.seed, args.batch, torch.float32 if args.precision == 64 else torch.float64, group, grow)
        compare(values, other) if args.precision == 64 else compare(other, values)
    meta = {
        "format": "facecrypt-ref-step/1",
        "arch": args.arch,
        "width": str(WIDTH),
        "batch": str(args.batch),
        "seed": str(args.seed),
        "aug_seed": str(AUG_SEED),
        "precision": "float64" if args.precision == 64 else "float32",
        "loss": "hinge: d_loss = mean relu(1-D(T(x))) + mean relu(1+D(T(G(z1)))), g_loss = -mean D(T(G(z2)))",
        "adam": f"lr={LR} beta1={BETAS[0]} beta2={BETAS[1]} eps={EPS} (torch.optim.Adam, one step)",
        "ema": f"decay {EMA_DECAY}, warm-up min(decay, (1+t)/(10+t)), t=0",
        "g_params": str(gp),
        "d_params": str(dp),
        "torch": torch.__version__,
        "producer": "tools/torch_reference_face.py",
    }
    n = st.save(args.out, to_entries(values), meta)
    print(f"wrote {args.out}: {n:,} bytes")


if __name__ == "__main__":
    main()
