#!/usr/bin/python3
"""README pictures of a cover generator beside real faces (issue 10, item 3):

  OUT_64.png         16 real CelebA faces (4x4) beside 16 generated ones, at 64 px
  OUT_container.png  the same at container scale: real faces enlarged 3x with Lanczos-3,
                     generated ones cut from a real --face-scale 3 cover (facecrypt encrypt
                     --emit-cover), i.e. exactly what a container shows

Real faces go through facecrypt's own preprocessing (tools/haar_score.py's load_real:
center square, area resize to 64x64), chosen at random with --seed from the test partition
if the folder has CelebA's layout.

usage (Debian python: tools/install-deps.sh python3-opencv opencv-data):
  tools/cover_figures.py --model M --data ../shared/data/celeba --out docs/img/faces_face
"""
import argparse
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import haar_score  # noqa: E402  (load_real, faces_from_real: facecrypt's preprocessing)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tile(faces, cols=4):
    n, h, w, c = faces.shape
    rows = (n + cols - 1) // cols
    out = np.zeros((rows * h, cols * w, c), np.uint8)
    for i, f in enumerate(faces):
        r, k = divmod(i, cols)
        out[r * h:(r + 1) * h, k * w:(k + 1) * w] = f
    return out


def label(img, text):
    bar = np.full((28, img.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, text, (4, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([bar, img])


def side_by_side(a, b, ta, tb, gap=12):
    a, b = label(a, ta), label(b, tb)
    g = np.full((a.shape[0], gap, 3), 255, np.uint8)
    return np.hstack([a, g, b])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True, help="prefix of the two PNGs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fc", default=os.path.join(ROOT, "build", "facecrypt"))
    ap.add_argument("--name", default=None, help="the generator's name in the captions")
    a = ap.parse_args()
    name = a.name or os.path.basename(a.model)
    real = haar_score.faces_from_real(a.data, 16, a.seed)  # [16, 64, 64, 3] RGB uint8
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "g.f32")
        subprocess.run([a.fc, "sample", "--model", a.model, "--n", "16", "--seed", str(a.seed), "--raw", raw],
                       check=True, stdout=subprocess.DEVNULL)
        gen = np.fromfile(raw, np.float32)
        side = int(round((gen.size // 48) ** 0.5))  # 64, or 128 for --arch face128
        gen = gen.reshape(16, 3, side, side)
        if side != 64:  # the 64 px panel: 2x2 means, as covers at --face-scale 1 draw them
            f = side // 64
            gen = gen.reshape(16, 3, 64, f, 64, f).mean(axis=(3, 5))
        gen = np.round(np.clip(gen.transpose(0, 2, 3, 1), 0, 1) * 255).astype(np.uint8)
        # a container's cover at face scale 3 with at least 4x4 faces: 40 KB at <= 0.2 bits/value
        secret, key, cont, cover = (os.path.join(tmp, f) for f in ("s.bin", "k.key", "c.png", "cover.png"))
        with open(secret, "wb") as f:
            f.write(np.random.default_rng(a.seed).bytes(40000))
        subprocess.run([a.fc, "keygen", "-o", key], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([a.fc, "encrypt", secret, "-o", cont, "--key-file", key, "--model", a.model,
                        "--face-scale", "3", "--emit-cover", cover, "-q"], check=True)
        sheet = cv2.cvtColor(cv2.imread(cover, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    s = 3 * 64
    if sheet.shape[0] < 4 * s or sheet.shape[1] < 4 * s:
        sys.exit(f"cover_figures: the cover is {sheet.shape[1]}x{sheet.shape[0]}, fewer than 4x4 faces")
    big_gen = sheet[:4 * s, :4 * s]
    big_real = tile(np.stack([cv2.resize(f, (s, s), interpolation=cv2.INTER_LANCZOS4) for f in real]))
    small = side_by_side(tile(real), tile(gen), "real CelebA (64 px)", f"generated: {name}")
    big = side_by_side(big_real, big_gen, "real CelebA, Lanczos x3", f"{name} in a container (x3)")
    cv2.imwrite(a.out + "_64.png", cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    cv2.imwrite(a.out + "_container.png", cv2.cvtColor(big, cv2.COLOR_RGB2BGR))
    print(a.out + "_64.png", a.out + "_container.png")


if __name__ == "__main__":
    main()
