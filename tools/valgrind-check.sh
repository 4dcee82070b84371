#!/bin/sh
# A short training run, sampling and an encrypt/decrypt round trip under valgrind memcheck;
# fails on any memory error or definite leak.  Used by `make valgrind`.
set -eu
FC=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/data"
VG="valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite"
# a tiny image folder made by the program's own encoder (via a generated checkpoint's samples)
i=0
while [ $i -lt 8 ]; do
  printf 'P6\n80 70\n255\n' > "$T/data/img$i.ppm"
  head -c $((80 * 70 * 3)) /dev/urandom >> "$T/data/img$i.ppm"
  i=$((i + 1))
done
echo "valgrind: train (2 steps, width 0.0625)"
$VG "$FC" train --data "$T/data" --out "$T/run" --width 0.0625 --batch 2 --steps 2 --threads 1 --cache-dir "$T/cache" \
  --sample-every 1 --ckpt-every 1 2>"$T/train.log" || { cat "$T/train.log"; exit 1; }
echo "valgrind: resume (1 more step)"
$VG "$FC" train --data "$T/data" --out "$T/run" --width 0.0625 --batch 2 --steps 3 --threads 1 --cache-dir "$T/cache" \
  --resume 2>"$T/resume.log" || { cat "$T/resume.log"; exit 1; }
echo "valgrind: sample"
$VG "$FC" sample --model "$T/run/checkpoint.safetensors" --n 4 -o "$T/grid.png" --raw "$T/raw.f32"
echo "valgrind: encrypt + decrypt"
head -c 3000 /dev/urandom > "$T/secret.bin"
"$FC" keygen -o "$T/k"
$VG "$FC" encrypt "$T/secret.bin" -o "$T/c.png" --key-file "$T/k" --model "$T/run/checkpoint.safetensors" -q
$VG "$FC" decrypt "$T/c.png" -o "$T/out.bin" --key-file "$T/k" -q
cmp "$T/secret.bin" "$T/out.bin"
echo "valgrind: clean"
