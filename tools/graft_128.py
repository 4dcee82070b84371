#!/usr/bin/python3
"""Grow a face2 training state into a face128 one (faces drawn at 128x128) that starts
where the 64 px model is, so that training goes on from it instead of starting over
(Net2Net-style function preservation, Chen et al. 2016, in place of ProGAN's fade-in).

    /usr/bin/python3 tools/graft_128.py IN.safetensors OUT.safetensors [--seed S]

face128 (src/model/arch.c) is face2 with one more block at each end:
  G  ... act4 (c/2 x 64 x 64) -> Upsample x2 -> conv5 (3x3, c/2 -> c/2) -> bn5 -> ReLU -> out
  D  conv0 (k4 s2, 3 -> d/2, 128 -> 64) -> LeakyReLU -> conv1 (now d/2 -> d) -> ... as face2
The graft (for G and for G_ema each, and for D):
  G.conv5   channels 0-2: the 3x3 kernel K' that best maps the upsampled act4 to the old
            out layer's logits enlarged bilinearly to 128 px (least squares over the
            activations of --fit-images faces); channels 3-5: -K'; the rest PyTorch's default init
  G.bn5     channels 0-5: gamma = the channel's standard deviation, beta = its mean (measured
            on the same faces), so BN passes them through; the rest gamma 1, beta 0
  G.out     1 at (c, c) and -1 at (c, c+3) in the kernel's centre, 0 elsewhere, the old bias:
            logit_c = relu(L_c) - relu(-L_c) + b_c = L_c + b_c, the old logit, enlarged
  D.conv0   channels 0-2: the 2x2 mean of each input channel (k4 s2 p1 taps 1..2), so they
            carry the image at 64 px; channels 3+: default init made orthogonal to those
            and scaled to top singular value 1, so the spectral norm is exactly 1 and the
            normalised weight keeps the mean's taps as they are; weight_u/_v its top
            singular vectors
  D.conv1   the old weights on input channels 0-2, zero on the new ones (the spectral norm
            and its u, v unchanged, v padded with zeros)
so D128(x) = D64(the 2x2 mean of x) up to rounding, and G128's faces reduced to 64 px are
close to G64's (printed).  Adam moments are not carried (the next piece starts them fresh:
train_piece.sh MOMENTS=0 states carry none anyway).  New and changed tensors are written
as F32; the rest is copied byte for byte.  Needs python3-torch (Debian's, /usr/bin/python3).
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_py as st  # noqa: E402
from graft_mbstd import write  # noqa: E402

GROUP = 4  # FC_FACE2_MBSTD_GROUP


def f32(a):
    a = np.ascontiguousarray(np.asarray(a, dtype=np.float32))
    return ("F32", list(a.shape), a.tobytes())


def arr(tensors, name):
    dt, shape, raw = tensors[name]
    return st.to_numpy(dt, shape, raw).astype(np.float32)


def load_g(tensors, prefix, width, torch, FaceGenerator):
    g = FaceGenerator(width)
    sd = g.state_dict()
    for k in sd:
        name = f"{prefix}.{k}"
        if k.endswith("num_batches_tracked"):
            continue
        if name not in tensors:
            raise SystemExit(f"graft_128: {name} missing from the input")
        sd[k] = torch.from_numpy(arr(tensors, name).copy())
    g.load_state_dict(sd)
    return g.eval()


def grow_g(tensors, prefix, width, n_fit, seed, torch, F, models):
    """The face128 tensors of one generator (prefix G or G_ema); prints the fit."""
    old = load_g(tensors, prefix, width, torch, models.FaceGenerator).double()
    torch.manual_seed(seed)
    z = torch.randn(n_fit, models.LATENT, dtype=torch.float64)
    tr = {}
    with torch.no_grad():
        old(z, tr)
        a4 = tr["act4"]  # [N, c/2, 64, 64]
        K = old.out.weight  # [3, c/2, 3, 3]
        T64 = F.conv2d(a4, K, padding=1)  # old logits without the bias
        T = F.interpolate(T64, scale_factor=2, mode="bilinear", align_corners=False)
        U = F.interpolate(a4, scale_factor=2, mode="nearest")
        C = a4.shape[1]
        cols = F.unfold(U, 3, padding=1)  # [N, C*9, 128*128]
        X = cols.permute(0, 2, 1).reshape(-1, C * 9)
        Y = T.permute(0, 2, 3, 1).reshape(-1, 3)
        sel = torch.randperm(X.shape[0], generator=torch.Generator().manual_seed(seed))[:200000]
        sol = torch.linalg.lstsq(X[sel], Y[sel]).solution  # [C*9, 3]
        Kp = sol.T.reshape(3, C, 3, 3)
        L = F.conv2d(U, Kp, padding=1)  # [N, 3, 128, 128]
        fit = float((L - T).norm() / T.norm())
        # the new block, in full, at PyTorch's default init, then the graft
        torch.manual_seed(seed + 1)
        new = models.FaceGenerator(width, grow=True).double()
        w5 = new.conv5.weight.detach().clone()
        w5[0:3] = Kp
        w5[3:6] = -Kp
        h5 = F.conv2d(U, w5, padding=1)
        mean = h5.mean(dim=(0, 2, 3))
        var = h5.var(dim=(0, 2, 3), unbiased=False)
        gamma = torch.ones_like(mean)
        beta = torch.zeros_like(mean)
        gamma[:6] = torch.sqrt(var[:6] + 1e-5)
        beta[:6] = mean[:6]
        wo = torch.zeros(3, w5.shape[0], 3, 3, dtype=torch.float64)
        for c in range(3):
            wo[c, c, 1, 1] = 1.0
            wo[c, c + 3, 1, 1] = -1.0
        # check: the grown generator's faces, reduced to 64 px, against the old faces
        a5 = F.relu(F.batch_norm(h5, mean, var, gamma, beta, False, 0.0, 1e-5))
        img = torch.sigmoid(F.conv2d(a5, wo, old.out.bias, padding=1))
        ref = old(z)
        red = F.avg_pool2d(img, 2)
        diff = float((red - ref).abs().mean())
    out = {
        f"{prefix}.conv5.weight": f32(w5.numpy()),
        f"{prefix}.bn5.weight": f32(gamma.numpy()),
        f"{prefix}.bn5.bias": f32(beta.numpy()),
        f"{prefix}.bn5.running_mean": f32(mean.numpy()),
        f"{prefix}.bn5.running_var": f32(var.numpy()),
        f"{prefix}.out.weight": f32(wo.numpy()),
    }
    print(f"{prefix}: conv5 fit to the enlarged logits, relative error {fit:.3f}; grown faces reduced to "
          f"64 px differ from the old ones by {diff * 255:.2f} / 255 on average")
    return out


def grow_d(tensors, width, seed):
    d_half = models_scaled(32, width)
    rng = np.random.default_rng(seed)
    fan_in = 3 * 16
    bound = 1.0 / np.sqrt(fan_in)  # PyTorch's default conv init (kaiming_uniform, a = sqrt(5))
    W = rng.uniform(-bound, bound, size=(d_half, 3, 4, 4))
    box = np.zeros((3, 3, 4, 4))
    for c in range(3):
        box[c, c, 1:3, 1:3] = 0.25  # k4 s2 p1: output i reads inputs 2i-1..2i+2; taps 1, 2 = 2i, 2i+1
    W[:3] = box
    M = W.reshape(d_half, -1)
    Bx = M[:3]
    R = M[3:]
    R = R - (R @ Bx.T) @ np.linalg.inv(Bx @ Bx.T) @ Bx  # orthogonal to the mean's rows
    s = np.linalg.svd(R, compute_uv=False)[0]
    R = R / s  # top singular value 1 (> 0.5, the mean rows' own)
    M = np.concatenate([Bx, R])
    u_, s_, vt_ = np.linalg.svd(M)
    if not abs(s_[0] - 1.0) < 1e-9:
        raise SystemExit(f"graft_128: conv0's spectral norm is {s_[0]}, not 1")
    out = {
        "D.conv0.weight_orig": f32(M.reshape(d_half, 3, 4, 4)),
        "D.conv0.bias": f32(np.zeros(d_half)),
        "D.conv0.weight_u": f32(u_[:, 0]),
        "D.conv0.weight_v": f32(vt_[0]),
    }
    W1 = arr(tensors, "D.conv1.weight_orig")  # [d, 3, 4, 4]
    W1n = np.zeros((W1.shape[0], d_half, 4, 4), dtype=np.float32)
    W1n[:, :3] = W1
    v1 = arr(tensors, "D.conv1.weight_v")
    v1n = np.zeros(d_half * 16, dtype=np.float32)
    v1n[:48] = v1
    out["D.conv1.weight_orig"] = f32(W1n)
    out["D.conv1.weight_v"] = f32(v1n)
    return out


def models_scaled(c, width):
    import math
    return max(1, int(math.floor(c * width + 0.5)))


def check_d(before, after, width, torch, F, models):
    """D128 on random 128 px images against D64 on their 2x2 means (eval: no power step)."""
    def load(tensors, grow):
        d = models.FaceDiscriminator(width, GROUP, grow)
        sd = d.state_dict()
        for k in sd:
            sd[k] = torch.from_numpy(arr(tensors, "D." + k).copy())
        d.load_state_dict(sd)
        return d.eval()

    torch.manual_seed(0)
    x = torch.rand(8, 3, 128, 128)
    with torch.no_grad():
        a = load(before, False)(F.avg_pool2d(x, 2))
        b = load(after, True)(x)
    err = float((a - b).abs().max() / a.abs().max())
    print(f"D: grown D on 128 px images vs the old D on their 2x2 means, max relative difference {err:.2e}")
    if not err < 1e-3:
        raise SystemExit("graft_128: the grown D computes a different function")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fit-images", type=int, default=32, help="faces whose activations fit conv5 (default 32)")
    args = ap.parse_args()
    if os.path.exists(args.output):
        raise SystemExit(f"graft_128: {args.output} exists")
    import torch
    import torch.nn.functional as F
    import torch_models as models

    meta, tensors = st.load(args.input)
    if meta.get("arch") != "face2":
        raise SystemExit(f"graft_128: the input's arch is {meta.get('arch')!r}, not 'face2'")
    if "D.conv1.weight_orig" not in tensors:
        raise SystemExit("graft_128: the input has no discriminator (a generator-only file?)")
    width = float(meta.get("width", "1"))
    out = {k: v for k, v in tensors.items() if not k.startswith("optim.")}
    for prefix in ("G", "G_ema"):
        if f"{prefix}.fc.weight" in tensors:
            out.update(grow_g(tensors, prefix, width, args.fit_images, args.seed, torch, F, models))
    out.update(grow_d(tensors, width, args.seed))
    check_d(tensors, out, width, torch, F, models)
    meta = dict(meta)
    meta["arch"] = "face128"
    meta["grafted_from"] = f"face2 at step {meta.get('step', '?')} (tools/graft_128.py)"
    write(args.output, meta, out)
    print(f"wrote {args.output}: arch face128, step {meta.get('step', '?')} (no Adam moments)")


if __name__ == "__main__":
    main()
