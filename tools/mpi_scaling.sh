#!/bin/sh
# Data-parallel scaling on one machine: seconds per training step for
#   1 process x T threads   vs   P processes x T/P threads   (and 1 x 1 for reference).
# Each figure is (time of a LONG-step run - time of a SHORT-step run) / (LONG - SHORT), so
# start-up (MPI, data, the first sample grid) cancels out; configurations are interleaved
# REPS times and the median is printed.  See docs/distributed.md.
#   tools/mpi_scaling.sh [WIDTH] [BATCH] [P] [REPS]       e.g. tools/mpi_scaling.sh 0.125 8 2 3
set -eu
W=${1:-0.125}; B=${2:-8}; P=${3:-2}; REPS=${4:-3}
SHORT=${SHORT:-5}; LONG=${LONG:-25}
FC=${FC:-build/facecrypt}
[ -x "$FC" ] || make -s "$FC"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
T=$(nproc)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# 64 noise images: the data pipeline is not what is measured
/usr/bin/python3 - "$tmp/data" <<'EOF'
import os, sys, numpy as np, cv2
d = sys.argv[1]; os.makedirs(d)
rng = np.random.default_rng(1)
for i in range(64):
    cv2.imwrite(f"{d}/img{i:03d}.png", rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
EOF
run() { # procs threads steps -> "wall_seconds cpu_seconds" (cpu: user+sys of every process)
  out="$tmp/run.$$"; rm -rf "$out"
  args="train --data $tmp/data --cache-dir $tmp/cache --out $out --width $W --batch $B --steps $3 --threads $2 --sample-every 0 --ckpt-every 0"
  if [ "$1" -eq 1 ]; then /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$FC" $args 2>/dev/null
  else /usr/bin/time -f "%e %U %S" -o "$tmp/time" mpirun -np "$1" --oversubscribe --bind-to core $FC $args 2>/dev/null; fi
  awk '{printf "%.3f %.3f", $1, $2 + $3}' "$tmp/time"
}
per_step() { # procs threads -> "wall cpu" per step
  a=$(run "$1" "$2" "$SHORT"); b=$(run "$1" "$2" "$LONG")
  echo "$a $b" | awk -v s="$SHORT" -v l="$LONG" '{printf "%.4f/%.4f", ($3 - $1) / (l - s), ($4 - $2) / (l - s)}'
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { tr ' ' '\n' | grep . | cut -d/ -f"$1" | tr '\n' ' '; }
run 1 1 1 >/dev/null # build the data cache
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $T cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "config: seed arch, width $W, global batch $B, steps $SHORT vs $LONG, $REPS interleaved repetitions"
TP=$((T / P > 0 ? T / P : 1))
r11=""; r1t=""; rp=""
for i in $(seq "$REPS"); do
  r11="$r11 $(per_step 1 1)"
  r1t="$r1t $(per_step 1 "$T")"
  rp="$rp $(per_step "$P" "$TP")"
done
report() { # label runs
  w=$(echo "$2" | field 1 | median); c=$(echo "$2" | field 2 | median)
  printf "%-24s %.4f s/step wall, %.4f CPU-s/step   (wall/cpu per run:%s)\n" "$1" "$w" "$c" "$2"
  echo "$w" > "$tmp/last"
}
report "1 process x 1 thread" "$r11"; m11=$(cat "$tmp/last")
report "1 process x $T threads" "$r1t"; m1t=$(cat "$tmp/last")
report "$P processes x $TP thread(s)" "$rp"; mp=$(cat "$tmp/last")
echo "$m1t $mp $m11" | awk -v p="$P" -v t="$T" '{printf "wall speed-up of %s processes: %.2fx over 1 process x %s threads, %.2fx over 1 x 1\n", p, $1 / $2, t, $3 / $2}'
echo "load at the end: $(cut -d' ' -f1 /proc/loadavg)"
