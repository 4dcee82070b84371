#!/bin/sh
# One resumable piece of a long training run, with the state that resume needs kept in the
# repository between pieces (models/README.md, "In training"):
#   training/NAME/checkpoint.safetensors   compact resume state (export --resume-state:
#                                          F16 weights, BF16 Adam moments, loop metadata;
#                                          MOMENTS=0: no Adam moments, under half the size,
#                                          the next piece restarts them)
#   training/NAME/log.csv                  the loss log so far
#   training/NAME/samples/                 the fixed-z grids at the steps in KEEP
# It resumes RUN/checkpoint.safetensors, or on a fresh checkout the committed state, runs
# `facecrypt train --out RUN [--resume] ARGS...`, and whatever happened writes the state back.
# usage: NAME=x RUN=runs/x [KEEP="1000 2000"] [MOMENTS=0] tools/train_piece.sh TRAIN-ARGS...
#   (env: FC = the facecrypt binary, default build/facecrypt)
set -eu
: "${NAME:?set NAME}" "${RUN:?set RUN}"
FC=${FC:-build/facecrypt}
KEEP=${KEEP:-}
slim=""
[ "${MOMENTS:-1}" = 0 ] && slim="--no-moments"
STATE=training/$NAME
mkdir -p "$RUN/samples" "$STATE/samples"
if [ ! -f "$RUN/checkpoint.safetensors" ] && [ -f "$STATE/checkpoint.safetensors" ]; then
  echo "train_piece: continuing from the committed state ($STATE)"
  cp "$STATE/checkpoint.safetensors" "$STATE/log.csv" "$RUN/"
  cp "$STATE"/samples/*.png "$RUN/samples/" 2>/dev/null || true
fi
resume=""
[ -f "$RUN/checkpoint.safetensors" ] && resume="--resume"
set +e
"$FC" train --out "$RUN" $resume "$@"
rc=$?
set -e
# Whatever happened, keep what resume needs (the run wrote a checkpoint when it stopped).
if [ -f "$RUN/checkpoint.safetensors" ]; then
  "$FC" export "$RUN/checkpoint.safetensors" -o "$STATE/checkpoint.safetensors" --resume-state $slim --force
  cp "$RUN/log.csv" "$STATE/log.csv"
  for s in $KEEP; do
    f=$(printf '%s/samples/step_%07d.png' "$RUN" "$s")
    [ -f "$f" ] && cp "$f" "$STATE/samples/"
  done
fi
exit $rc
