#!/bin/sh
# Trains the report's model (--arch seed, width 1, the report's optimizer settings) on
# ../shared/data/celeba in resumable pieces, with its state committed between them
# (models/README.md, "The report's model"):
#   training/seed/checkpoint.safetensors   compact resume state (export --resume-state:
#                                          F16 weights, BF16 Adam moments, loop metadata)
#   training/seed/log.csv                  the loss log so far
#   training/seed/samples/                 fixed-z grids at the steps of the model card's figure
# usage: tools/seed_run.sh [--max-seconds S]   (env: FC, RUN, DATA, STEPS, THREADS, PRECISION)
set -eu
FC=${FC:-build/facecrypt}
RUN=${RUN:-runs/seed}
DATA=${DATA:-../shared/data/celeba}
STEPS=${STEPS:-2809}
THREADS=${THREADS:-2}
PRECISION=${PRECISION:-fp32}
STATE=training/seed
FIG_STEPS="1000 1500 2000 2500 2809 $STEPS"
mkdir -p "$RUN/samples" "$STATE/samples"
if [ ! -f "$RUN/checkpoint.safetensors" ] && [ -f "$STATE/checkpoint.safetensors" ]; then
  echo "seed_run: continuing from the committed state ($STATE)"
  cp "$STATE/checkpoint.safetensors" "$STATE/log.csv" "$RUN/"
  cp "$STATE"/samples/*.png "$RUN/samples/" 2>/dev/null || true
fi
resume=""
[ -f "$RUN/checkpoint.safetensors" ] && resume="--resume"
set +e
"$FC" train --data "$DATA" --out "$RUN" --arch seed --width 1 --batch 32 --steps "$STEPS" \
  --seed 1 --lr 1e-4 --beta1 0.9 --beta2 0.999 --sample-every 250 --ckpt-every 100 \
  --threads "$THREADS" --precision "$PRECISION" $resume "$@"
rc=$?
set -e
# Whatever happened, keep what resume needs (the run wrote a checkpoint when it stopped).
if [ -f "$RUN/checkpoint.safetensors" ]; then
  "$FC" export "$RUN/checkpoint.safetensors" -o "$STATE/checkpoint.safetensors" --resume-state --force
  cp "$RUN/log.csv" "$STATE/log.csv"
  for s in $FIG_STEPS; do
    f=$(printf '%s/samples/step_%07d.png' "$RUN" "$s")
    [ -f "$f" ] && cp "$f" "$STATE/samples/"
  done
fi
exit $rc
