#!/bin/sh
# PyTorch 1.13 vs facecrypt (fp32, and bf16 where the CPU has AVX512-BF16) on the same
# training step, back to back, and the ratios.
#   bench/compare_step.sh [BATCH] [THREADS] [STEPS] [ARCH]
# e.g. bench/compare_step.sh 64 2 3      (the configuration; ARCH seed)
#      bench/compare_step.sh 64 2 3 face (the cover generator's step)
set -eu
tools/install-deps.sh python3-torch python3-numpy
B=${1:-64}; T=${2:-2}; N=${3:-3}; A=${4:-seed}
FC=${FC:-build/facecrypt}
[ -x "$FC" ] || make -s "$FC"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "--- PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') ($A, batch $B, $T threads, $N steps)"
torch_line=$(/usr/bin/python3 bench/torch_step.py --arch "$A" --batch "$B" --threads "$T" --steps "$N" | tee /dev/stderr | grep '^torch-step:')
echo "--- facecrypt fp32 ($A, batch $B, $T threads, $N steps)"
fc_line=$("$FC" bench train-step --arch "$A" --batch "$B" --threads "$T" --steps "$N" | tee /dev/stderr | grep '^train-step:')
bf_line=
if grep -qw avx512_bf16 /proc/cpuinfo; then
    echo "--- facecrypt bf16 (batch $B, $T threads, $N steps)"
    bf_line=$("$FC" bench train-step --arch "$A" --batch "$B" --threads "$T" --steps "$N" --precision bf16 |
              tee /dev/stderr | grep '^train-step:')
fi
ts=$(echo "$torch_line" | awk '{print $2}')
fs=$(echo "$fc_line" | awk '{print $2}')
echo
echo "$torch_line"
echo "$fc_line   (fp32)"
awk -v t="$ts" -v f="$fs" 'BEGIN { printf "ratio: facecrypt fp32 is %.2fx PyTorch (%.3f s vs %.3f s per step)\n", t / f, f, t }'
if [ -n "$bf_line" ]; then
    bs=$(echo "$bf_line" | awk '{print $2}')
    echo "$bf_line   (bf16)"
    awk -v t="$ts" -v f="$fs" -v b="$bs" 'BEGIN { printf "ratio: facecrypt bf16 is %.2fx facecrypt fp32, %.2fx PyTorch (%.3f s per step)\n", f / b, t / b, b }'
else
    echo "bf16: skipped, this CPU lacks AVX512-BF16"
fi
