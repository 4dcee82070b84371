#!/usr/bin/python3
"""Faces at container scale from the same latent vectors: a 64 px generator enlarged 2x with
Lanczos (cv2.INTER_LANCZOS4, close to the covers' own Lanczos-3) above a face128 generator's
native 128 px faces, and real CelebA crops at 128 px (facecrypt's preprocessing,
tools/haar_score.py's faces_from_real) below, for README figures (issue 10, item 4).

usage: /usr/bin/python3 tools/compare_128.py --m64 M64 --m128 M128 --data DIR --out OUT.png
       [--n 6] [--seed 3] [--fc build/facecrypt]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import haar_score  # noqa: E402  (faces_from_real: facecrypt's preprocessing)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sample(fc, model, n, seed, tmp):
    raw = os.path.join(tmp, "s.f32")
    subprocess.run([fc, "sample", "--model", model, "--n", str(n), "--seed", str(seed), "--raw", raw, "--force"],
                   check=True, stdout=subprocess.DEVNULL)
    x = np.fromfile(raw, np.float32)
    side = int(round((x.size // (3 * n)) ** 0.5))
    x = x.reshape(n, 3, side, side).transpose(0, 2, 3, 1)
    return np.round(np.clip(x, 0, 1) * 255).astype(np.uint8)


def row(faces, text):
    strip = np.hstack(list(faces))
    bar = np.full((24, strip.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, text, (4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([bar, strip])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--m64", required=True)
    ap.add_argument("--m128", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=6)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--fc", default=os.path.join(ROOT, "build", "facecrypt"))
    ap.add_argument("--label64", default="64 px generator, Lanczos 2x")
    ap.add_argument("--label128", default="face128, native 128 px (same z)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = sample(a.fc, a.m64, a.n, a.seed, tmp)
        big = sample(a.fc, a.m128, a.n, a.seed, tmp)
    if small.shape[1] != 64 or big.shape[1] != 128:
        sys.exit(f"compare_128: expected 64 and 128 px generators, got {small.shape[1]} and {big.shape[1]}")
    up = np.stack([cv2.resize(f, (128, 128), interpolation=cv2.INTER_LANCZOS4) for f in small])
    img = np.vstack([row(up, a.label64), row(big, a.label128),
                     row(haar_score.faces_from_real(a.data, a.n, a.seed, 128),
                         "real CelebA, 128 px (other people)")])
    cv2.imwrite(a.out, cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    print(a.out)


if __name__ == "__main__":
    main()
