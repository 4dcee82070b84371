#!/bin/sh
# PyTorch 1.13 vs facecrypt on the same training step, back to back, and the ratio.
#   bench/compare_step.sh [BATCH] [THREADS] [STEPS]
# e.g. bench/compare_step.sh 64 2 3      (the configuration)
set -eu
tools/install-deps.sh python3-torch python3-numpy
B=${1:-64}; T=${2:-2}; N=${3:-3}
FC=${FC:-build/facecrypt}
[ -x "$FC" ] || make -s "$FC"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "--- PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') (batch $B, $T threads, $N steps)"
torch_line=$(/usr/bin/python3 bench/torch_step.py --batch "$B" --threads "$T" --steps "$N" | tee /dev/stderr | grep '^torch-step:')
echo "--- facecrypt (batch $B, $T threads, $N steps)"
fc_line=$("$FC" bench train-step --arch seed --batch "$B" --threads "$T" --steps "$N" | tee /dev/stderr | grep '^train-step:')
ts=$(echo "$torch_line" | awk '{print $2}')
fs=$(echo "$fc_line" | awk '{print $2}')
echo
echo "$torch_line"
echo "$fc_line"
awk -v t="$ts" -v f="$fs" 'BEGIN { printf "ratio: facecrypt is %.2fx PyTorch (%.3f s vs %.3f s per step)\n", t / f, f, t }'
