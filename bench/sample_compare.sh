#!/bin/sh
# Generator throughput, facecrypt against PyTorch 1.13 (Debian python3-torch), for the
# same seed model: faces/s at each batch size and thread count, and the ratio.
#
#   bench/sample_compare.sh [--threads "1 2"] [--batches "1 64"] [--width 1] [--facecrypt build/facecrypt]
#
# facecrypt: `facecrypt bench sample --batch B` (mean of 20 runs at batch 1, 2 runs otherwise,
# after a warm-up).  PyTorch: bench/torch_sample.py when present, else bench/torch_sample_faces.py
# (median of >= 3 runs, after a warm-up), under torch.no_grad() and torch.set_num_threads(T).
# Timings on a loaded machine are not worth much: check `uptime` first.
set -eu
"$(dirname "$0")/../tools/install-deps.sh" python3-torch python3-numpy
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
threads="1 2"
batches="1 64"
width=1
fc="$root/build/facecrypt"
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    --width) width=$2; shift 2 ;;
    --facecrypt) fc=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "sample_compare.sh: unknown argument '$1' (see --help)" >&2; exit 1 ;;
  esac
done
[ -x "$fc" ] || { echo "sample_compare.sh: no facecrypt binary at $fc (make build/facecrypt)" >&2; exit 1; }
torch_py="$here/torch_sample.py"
[ -f "$torch_py" ] || torch_py="$here/torch_sample_faces.py"
torch_width=""
if [ "$width" != 1 ]; then
  case "$torch_py" in
    *torch_sample_faces.py) torch_width="--width $width" ;;
    *) torch_py="$here/torch_sample_faces.py"; torch_width="--width $width" ;; # torch_sample.py is width 1 only
  esac
fi

echo "seed generator, width $width; load average $(cut -d' ' -f1-3 /proc/loadavg); PyTorch: $(basename "$torch_py")"
printf '%-8s %-6s %14s %14s %8s\n' threads batch "facecrypt f/s" "pytorch f/s" ratio
for t in $threads; do
  for b in $batches; do
    # facecrypt: "sample: batch B: S s/batch F faces/s"
    f=$("$fc" bench sample --arch seed --width "$width" --batch "$b" --threads "$t" |
        awk -v b="$b" '$1 == "sample:" && $3 == b":" { print $(NF-1) }')
    # PyTorch: "torch-sample: batch B S s/batch F faces/s ..."
    p=$(/usr/bin/python3 "$torch_py" --threads "$t" --batches "$b" $torch_width |
        awk -v b="$b" '$1 == "torch-sample:" && $3 == b { for (i = 4; i <= NF; i++) if ($i == "faces/s") { print $(i-1); exit } }')
    [ -n "$f" ] && [ -n "$p" ] || { echo "sample_compare.sh: could not read a timing (threads $t, batch $b)" >&2; exit 1; }
    printf '%-8s %-6s %14s %14s %8s\n' "$t" "$b" "$f" "$p" "$(awk -v f="$f" -v p="$p" 'BEGIN { printf "%.2fx", f / p }')"
  done
done
echo "ratio = facecrypt / PyTorch (above 1: facecrypt faster)"
