#!/usr/bin/env bash
# steghide (Debian package steghide) on the photo covers of tools/steganalysis_bench.sh,
# against the same detector (facecrypt analyze --steganalysis).  steghide embeds into
# BMP: each CelebA photo is decoded to a 24-bit BMP (djpeg, libjpeg-turbo-progs), a
# random secret of the length facecrypt's photo-P setting used is embedded
# (steghide embed, default settings: compression, rijndael-128), and both BMPs are
# turned into PPM for the detector.  Photos steghide cannot fit are skipped and counted.
#
#   tools/steghide_bench.sh OUT_DIR     (run tools/steganalysis_bench.sh OUT_DIR first)
#
# Environment: PAYLOADS ("0.1 0.3"), FACECRYPT, CELEBA, FOLDS, SEED as there.
set -euo pipefail
OUT=${1:?usage: tools/steghide_bench.sh OUT_DIR}
PAYLOADS=${PAYLOADS:-0.1 0.3}
FC=${FACECRYPT:-build/facecrypt}
CELEBA=${CELEBA:-/work/shared/data/celeba/img_align_celeba}
FOLDS=${FOLDS:-5}
SEED=${SEED:-1}
command -v steghide > /dev/null || { echo "steghide is not installed (apt-get install steghide)" >&2; exit 1; }
command -v djpeg > /dev/null || { echo "djpeg is not installed (apt-get install libjpeg-turbo-progs)" >&2; exit 1; }
[ -f "$OUT/photo-covers.txt" ] || { echo "no $OUT/photo-covers.txt: run tools/steganalysis_bench.sh first" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# 24-bit BMP (bottom-up, rows padded to 4 bytes) -> binary PPM
bmp2ppm() {
    /usr/bin/python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
off, = struct.unpack_from("<I", b, 10)
w, h, _, bpp = struct.unpack_from("<iiHH", b, 18)
assert bpp == 24, bpp
row = (w * 3 + 3) // 4 * 4
rows = [b[off + y * row: off + y * row + w * 3] for y in range(abs(h))]
if h > 0: rows.reverse()
px = bytearray()
for r in rows:
    for x in range(w): px += r[3 * x: 3 * x + 3][::-1]
open(sys.argv[2], "wb").write(b"P6\n%d %d\n255\n" % (w, abs(h)) + bytes(px))
' "$1" "$2"
}

for p in $PAYLOADS; do
    s=steghide-$p
    src=$OUT/photo-$p/len/001
    [ -f "$src" ] || { echo "no $src: run tools/steganalysis_bench.sh with photo-$p first" >&2; exit 1; }
    len=$(cat "$src")
    mkdir -p "$OUT/$s/cover" "$OUT/$s/stego"
    i=0 skipped=0
    while read -r f; do
        i=$((i + 1)); id=$(printf '%03d' $i)
        [ -f "$OUT/$s/stego/$id.ppm" ] && continue
        djpeg -bmp "$CELEBA/$f" > "$TMP/c.bmp"
        head -c "$len" /dev/urandom > "$TMP/m.bin"
        if steghide embed -cf "$TMP/c.bmp" -ef "$TMP/m.bin" -sf "$TMP/s.bmp" -p "bench$i" -q -f 2> /dev/null; then
            bmp2ppm "$TMP/c.bmp" "$OUT/$s/cover/$id.ppm"
            bmp2ppm "$TMP/s.bmp" "$OUT/$s/stego/$id.ppm"
        else
            skipped=$((skipped + 1))
        fi
    done < "$OUT/photo-covers.txt"
    echo "$skipped" > "$OUT/$s/skipped"
    mkdir -p "$OUT/results"
    "$FC" analyze --steganalysis "$OUT/$s/cover" "$OUT/$s/stego" --folds "$FOLDS" --seed "$SEED" --json \
        > "$OUT/results/$s.json"
    /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
f, e = r["fld"], r["ensemble"]
print("%-14s %5d pairs, secret %s bytes, %.2f%% values changed, %s skipped: FLD %.3f +- %.3f, FLD 1-P_E %.3f +- %.3f, ensemble %.3f +- %.3f" % (
    sys.argv[2], r["pairs"], sys.argv[3], 100 * r["changed_share"], sys.argv[4], f["accuracy"]["mean"], f["accuracy"]["std"],
    f["accuracy_pe"]["mean"], f["accuracy_pe"]["std"], e["accuracy"]["mean"], e["accuracy"]["std"]))
' "$OUT/results/$s.json" "$s" "$len" "$(cat "$OUT/$s/skipped")"
done
