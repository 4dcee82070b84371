#!/usr/bin/python3
"""Share of generated faces in which OpenCV's stock frontal-face Haar cascade finds a face.

A cheap, independent "does it look like a face" score for the generator (issue 5):
  1. faces: `facecrypt sample --model M --n N --seed S --raw tmp.f32` (or a given
     --raw-in file, or --real DIR for the calibration on real CelebA faces);
  2. each 64x64 face (a face128 generator's 128 px faces: 2x2 means first, as covers at
     --face-scale 1 draw them) -> uint8 (round(clip(x, 0, 1) * 255), as the grid PNGs),
     upscaled 2x to 128x128 with cv2.INTER_LINEAR, converted to grey (cv2.COLOR_RGB2GRAY);
  3. haarcascade_frontalface_default.xml (from the Debian opencv-data package),
     detectMultiScale(scaleFactor=1.1, minNeighbors=3, minSize=(24, 24)), no histogram
     equalisation; a face counts if at least one box is found.
These parameters were chosen so that real CelebA faces, center-cropped and area-resized
to 64x64 the way facecrypt's data pipeline does it (libjpeg 1/2 scaled decode, center
square, area resize), score about 0.97 (see --real and docs/eval-gan.md).

Run with the Debian python (/usr/bin/python3: python3-opencv, python3-numpy):
  tools/haar_score.py --model RUN/checkpoint.safetensors [--n 256] [--seed 1] [--json]
  tools/haar_score.py --model M --untrained      (a fresh model of M's arch and width)
  tools/haar_score.py --raw-in faces.f32 [--tanh]
  tools/haar_score.py --real /work/shared/data/celeba
  ... [--save-grid grid.png]   (detections marked with green boxes)
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASCADE = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
SIZE = 64
UPSCALE = 2
INTERP = cv2.INTER_LINEAR
PARAMS = dict(scaleFactor=1.1, minNeighbors=3, minSize=(24, 24))
IMAGE_EXT = (".jpg", ".jpeg", ".png", ".ppm", ".pgm")


def fail(msg, code=1):
    print("haar_score: " + msg, file=sys.stderr)
    sys.exit(code)


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        fail("%s failed (exit %d): %s" % (" ".join(cmd), p.returncode, p.stderr.strip()), 2)
    return p.stdout


def model_arch_width(fc, model):
    out = run([fc, "info", model])
    arch = re.search(r"^arch:\s*(\S+)", out, re.M)
    width = re.search(r"^width:\s*(\S+)", out, re.M)
    step = re.search(r"^step:\s*(\d+)", out, re.M)
    if not arch or not width:
        fail("could not read arch/width from `facecrypt info %s`" % model, 2)
    return arch.group(1), width.group(1), int(step.group(1)) if step else None


def fresh_model(fc, arch, width, seed, tmp):
    """A freshly initialised model (fc_model_create(arch, width, seed)): `facecrypt train`
    for one step with learning rate 0, so Adam leaves the initial weights untouched."""
    data = os.path.join(tmp, "one")
    os.makedirs(data)
    cv2.imwrite(os.path.join(data, "grey.png"), np.full((SIZE, SIZE, 3), 128, np.uint8))
    run([fc, "train", "--data", data, "--out", os.path.join(tmp, "fresh"), "--arch", arch, "--width", width,
         "--steps", "1", "--batch", "1", "--lr", "0", "--seed", str(seed), "--threads", "1",
         "--cache-dir", os.path.join(tmp, "cache"), "--sample-every", "0", "--ckpt-every", "0"])
    return os.path.join(tmp, "fresh", "checkpoint.safetensors")


def faces_from_raw(path, n, tanh):
    x = np.fromfile(path, dtype="<f4")
    side = SIZE
    if n and x.size == n * 3 * 128 * 128:
        side = 128  # a face128 generator's faces
    per = 3 * side * side
    if x.size == 0 or x.size % per:
        fail("%s holds %d floats, not a whole number of 3x64x64 images" % (path, x.size), 2)
    x = x.reshape(-1, 3, side, side)
    if n and n < len(x):
        x = x[:n]
    if side != SIZE:  # area-reduced to 64 px in float, as covers at --face-scale 1 and eval-gan draw them
        f = side // SIZE
        x = x.reshape(len(x), 3, SIZE, f, SIZE, f).mean(axis=(3, 5))
    if tanh:
        x = (x + 1) * 0.5
    x = np.rint(np.clip(x, 0, 1) * 255).astype(np.uint8)  # as fc_grid_image
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1))  # N x 64 x 64 x 3 RGB


def load_real(path, size=SIZE):
    """facecrypt's preprocessing: JPEGs decoded at the smallest 1/2^k scale that keeps
    the short side >= size (libjpeg scaled IDCT), center square, area resize to size x size
    (64, as the data cache; 128 as face128's)."""
    bgr = None
    if path.lower().endswith((".jpg", ".jpeg")):
        for k, flag in ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4),
                        (2, cv2.IMREAD_REDUCED_COLOR_2)):
            hdr = cv2.imread(path, flag)
            if hdr is not None and min(hdr.shape[:2]) >= size:
                bgr = hdr
                break
    if bgr is None:
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        return None
    h, w = bgr.shape[:2]
    side = min(h, w)
    y0, x0 = (h - side) // 2, (w - side) // 2
    sq = bgr[y0:y0 + side, x0:x0 + side]
    interp = cv2.INTER_AREA if side >= size else cv2.INTER_LINEAR
    return cv2.cvtColor(cv2.resize(sq, (size, size), interpolation=interp), cv2.COLOR_BGR2RGB)


def faces_from_real(root, n, seed, size=SIZE):
    d = os.path.join(root, "img_align_celeba")
    if not os.path.isdir(d):
        d = root
    if not os.path.isdir(d):
        fail("no folder %s" % root, 2)
    files = sorted(f for f in os.listdir(d) if f.lower().endswith(IMAGE_EXT) and not f.startswith("."))
    if len(files) < n:
        fail("%s holds %d images, fewer than --n %d" % (d, len(files), n), 2)
    pick = np.random.default_rng(seed).choice(len(files), size=n, replace=False)
    out = []
    for i in sorted(pick):
        im = load_real(os.path.join(d, files[i]), size)
        if im is None:
            fail("cannot decode %s" % files[i], 2)
        out.append(im)
    return np.stack(out)


def detect(faces, cascade):
    boxes = []
    for rgb in faces:
        big = cv2.resize(rgb, (SIZE * UPSCALE, SIZE * UPSCALE), interpolation=INTERP)
        grey = cv2.cvtColor(big, cv2.COLOR_RGB2GRAY)
        found = cascade.detectMultiScale(grey, **PARAMS)
        boxes.append([tuple(int(v) for v in b) for b in found] if len(found) else [])
    return boxes


def save_grid(faces, boxes, path, cols=16, pad=2):
    n, s = len(faces), SIZE * UPSCALE
    cols = min(cols, n)
    rows = (n + cols - 1) // cols
    grid = np.full((rows * s + (rows + 1) * pad, cols * s + (cols + 1) * pad, 3), 255, np.uint8)
    for i, (rgb, bx) in enumerate(zip(faces, boxes)):
        tile = cv2.cvtColor(cv2.resize(rgb, (s, s), interpolation=INTERP), cv2.COLOR_RGB2BGR)
        for (x, y, w, h) in bx:
            cv2.rectangle(tile, (x, y), (x + w - 1, y + h - 1), (0, 255, 0), 2)
        oy, ox = pad + (i // cols) * (s + pad), pad + (i % cols) * (s + pad)
        grid[oy:oy + s, ox:ox + s] = tile
    if not cv2.imwrite(path, grid):
        fail("cannot write %s" % path, 5)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", help="generator checkpoint (sampled with facecrypt sample)")
    src.add_argument("--raw-in", help="N x 3 x 64 x 64 float32 generator output (facecrypt sample --raw)")
    src.add_argument("--real", metavar="DIR", help="score N random real faces of DIR (CelebA layout or a folder)")
    ap.add_argument("--untrained", action="store_true", help="with --model: a fresh model of its arch and width")
    ap.add_argument("--tanh", action="store_true", help="with --raw-in: values in [-1,1] (dcgan) instead of [0,1]")
    ap.add_argument("--n", type=int, default=256, help="faces (default 256)")
    ap.add_argument("--seed", type=int, default=1, help="z seed / choice of real faces / fresh weights (default 1)")
    ap.add_argument("--threads", type=int, default=1, help="facecrypt threads (default 1)")
    ap.add_argument("--facecrypt", default=os.path.join(ROOT, "build", "facecrypt"), help="the facecrypt binary")
    ap.add_argument("--save-grid", metavar="PNG", help="grid of the upscaled faces, detections boxed in green")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    a = ap.parse_args()
    if a.n < 1:
        fail("--n must be at least 1")
    if a.untrained and not a.model:
        fail("--untrained goes with --model")
    cv2.setNumThreads(1)
    cascade = cv2.CascadeClassifier(CASCADE)
    if cascade.empty():
        fail("cannot load %s (Debian package opencv-data)" % CASCADE, 2)

    info = {"n": a.n, "seed": a.seed}
    tmp = tempfile.mkdtemp(prefix="haar_score.")
    try:
        if a.real:
            info.update(source="real", data=a.real)
            faces = faces_from_real(a.real, a.n, a.seed)
        elif a.raw_in:
            info.update(source="raw", raw=a.raw_in)
            faces = faces_from_raw(a.raw_in, a.n, a.tanh)
        else:
            if not os.access(a.facecrypt, os.X_OK):
                fail("no facecrypt binary at %s (make build/facecrypt, or --facecrypt PATH)" % a.facecrypt)
            arch, width, step = model_arch_width(a.facecrypt, a.model)
            model = a.model
            if a.untrained:
                model, step = fresh_model(a.facecrypt, arch, width, a.seed, tmp), 0
            info.update(source="model", model=a.model, untrained=a.untrained, arch=arch, width=float(width),
                        step=step)
            raw = os.path.join(tmp, "faces.f32")
            run([a.facecrypt, "sample", "--model", model, "--n", str(a.n), "--seed", str(a.seed), "--raw", raw,
                 "--threads", str(a.threads)])
            faces = faces_from_raw(raw, a.n, arch == "dcgan")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    boxes = detect(faces, cascade)
    hits = sum(1 for b in boxes if b)
    info.update(n=len(faces), detected=hits, rate=hits / len(faces),
                method=dict(cascade=os.path.basename(CASCADE), upscale=UPSCALE, interpolation="INTER_LINEAR",
                            equalize_hist=False, scaleFactor=PARAMS["scaleFactor"],
                            minNeighbors=PARAMS["minNeighbors"], minSize=list(PARAMS["minSize"])))
    if a.save_grid:
        save_grid(faces, boxes, a.save_grid)
    if a.json:
        print(json.dumps(info))
    else:
        what = {"real": "real faces of %s" % a.real, "raw": a.raw_in,
                "model": "%s%s" % ("untrained " if a.untrained else "", a.model)}[info["source"]]
        step = " (step %s)" % info["step"] if info.get("step") is not None else ""
        print("haar face detection: %d / %d = %.3f  [%s%s, seed %d]" % (hits, len(faces), hits / len(faces), what,
                                                                         step, a.seed))
        print("  %s, %dx upscale INTER_LINEAR, grey, scaleFactor %.2f, minNeighbors %d, minSize %s" %
              (os.path.basename(CASCADE), UPSCALE, PARAMS["scaleFactor"], PARAMS["minNeighbors"], PARAMS["minSize"]))


if __name__ == "__main__":
    main()
