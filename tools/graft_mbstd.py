#!/usr/bin/python3
"""Turn a training checkpoint of --arch face into one of --arch face2 that computes the same
function, so that a run can go on with the minibatch-stddev channel instead of starting over.

    /usr/bin/python3 tools/graft_mbstd.py IN.safetensors OUT.safetensors [--check]

face2's D is face's with one more channel (the minibatch standard deviation, src/nn/mbstd.c)
between conv4's activation and the Dense layer, so D.fc reads (8d + 1) x 16 features
instead of 8d x 16.  The graft:
  D.fc.weight_orig  [1, 8d*16] -> [1, (8d+1)*16]: the 16 new weights are 0, so every logit,
                    every gradient of the old weights and the spectral norm are unchanged
  D.fc.weight_v     the power iteration's v gets 16 zeros (still a unit vector, = W^T u / |.|)
  optim.D.exp_avg   16 zeros at the new weights' place (the fused vector is layer by layer,
                    weight then bias: the new entries go just before D.fc.bias)
  optim.D.exp_avg_sq  the mean of D.fc.weight's own second moments there, so that Adam's first
                    steps on the new weights are the size of the old ones' (zero would make
                    them ~15x larger until the moment fills)
  metadata          arch face2, plus "grafted_from" (the input's arch and step)
Everything else (G, G_ema, the BN statistics, Adam's step count, the random streams) is
copied byte for byte, in its own dtype (F32 checkpoints and the F16/BF16 resume states of
`facecrypt export --resume-state` alike).

--check (needs python3-torch) loads both files into tools/torch_models.py's FaceGAN and
compares D's logits on a random batch of 8: they must agree to float rounding.
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_py as st  # noqa: E402

GROUP = 4  # FC_FACE2_MBSTD_GROUP


def from_f32(a, dtype):
    """float32 values -> the raw bytes of dtype (BF16 rounded to nearest even)."""
    a = np.asarray(a, dtype=np.float32)
    if dtype == "BF16":
        u = a.view(np.uint32).astype(np.uint64)
        u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
        return u.astype("<u2").tobytes()
    return a.astype(st.DTYPES[dtype][0]).tobytes()


def graft(meta, tensors):
    if meta.get("arch") != "face":
        raise SystemExit(f"graft_mbstd: the input's arch is {meta.get('arch')!r}, not 'face'")
    if "D.fc.weight_orig" not in tensors:
        raise SystemExit("graft_mbstd: the input has no discriminator (a generator-only file?)")
    dt, shape, raw = tensors["D.fc.weight_orig"]
    esz = st.DTYPES[dt][1]
    feats = shape[1]
    if shape[0] != 1 or feats % 16:
        raise SystemExit(f"graft_mbstd: D.fc.weight_orig has shape {shape}, expected [1, 8d*16]")
    out = dict(tensors)
    out["D.fc.weight_orig"] = (dt, [1, feats + 16], raw + bytes(16 * esz))
    dt, shape, raw = tensors["D.fc.weight_v"]
    out["D.fc.weight_v"] = (dt, [shape[0] + 16], raw + bytes(16 * st.DTYPES[dt][1]))
    for name in ("optim.D.exp_avg", "optim.D.exp_avg_sq"):
        if name not in tensors:
            continue
        dt, shape, raw = tensors[name]
        e = st.DTYPES[dt][1]
        n = shape[0]
        at = n - 1  # D.fc.bias is the fused vector's last entry
        if name.endswith("_sq"):
            v = st.to_numpy(dt, shape, raw)[at - feats : at].astype(np.float64)
            fill = from_f32(np.full(16, v.mean(), dtype=np.float32), dt)
        else:
            fill = bytes(16 * e)
        out[name] = (dt, [n + 16], raw[: at * e] + fill + raw[at * e :])
    meta = dict(meta)
    meta["arch"] = "face2"
    meta["grafted_from"] = f"face at step {meta.get('step', '?')} (tools/graft_mbstd.py)"
    return meta, out


def write(path, meta, tensors):
    """st.serialize converts values; these are raw bytes already, so lay the file out here
    (the same order and padding as tools/safetensors_py.py)."""
    import json
    import struct

    items = sorted(tensors.items(), key=lambda kv: (-st.DTYPES[kv[1][0]][2], kv[0].encode("utf-8")))
    header = {"__metadata__": meta}
    off = 0
    for name, (dt, shape, raw) in items:
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(raw)]}
        off += len(raw)
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * (-len(hj) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hj)) + hj)
        for _, (_, _, raw) in items:
            f.write(raw)
    os.replace(tmp, path)


def check(a_path, b_path):
    import torch
    from torch_models import FaceGAN

    def load_d(path, group):
        meta, t = st.load(path)
        width = float(meta.get("width", "1"))
        gan = FaceGAN(width, ema=False, mbstd_group=group)
        sd = {}
        for k, (dt, shape, raw) in t.items():
            if k.startswith("D."):
                sd[k[2:]] = torch.from_numpy(st.to_numpy(dt, shape, raw).astype(np.float32).copy())
        gan.D.load_state_dict(sd)
        return gan.D.eval()

    torch.manual_seed(0)
    x = torch.rand(8, 3, 64, 64)
    with torch.no_grad():
        la = load_d(a_path, 0)(x)
        lb = load_d(b_path, GROUP)(x)
    err = float((la - lb).abs().max() / la.abs().max())
    print(f"check: D logits, face vs grafted face2, max relative difference {err:.2e}")
    if not err < 1e-5:
        raise SystemExit("graft_mbstd: the grafted D computes a different function")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--check", action="store_true", help="compare D's logits before and after in PyTorch")
    args = ap.parse_args()
    if os.path.exists(args.output):
        raise SystemExit(f"graft_mbstd: {args.output} exists")
    meta, tensors = st.load(args.input)
    meta, tensors = graft(meta, tensors)
    write(args.output, meta, tensors)
    print(f"wrote {args.output}: arch face2, step {meta.get('step', '?')}, "
          f"D.fc reads {tensors['D.fc.weight_orig'][1][1]} features")
    if args.check:
        check(args.input, args.output)


if __name__ == "__main__":
    main()
