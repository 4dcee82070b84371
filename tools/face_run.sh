#!/bin/sh
# Continues the cover generator's run (--arch face, width 1, batch 64, the face defaults) on
# ../shared/data/celeba in resumable pieces, its state committed between them in
# training/face/ (tools/train_piece.sh; models/README.md, "`face`").  From step DECAY on
# the learning rates fall linearly to the last step (train --lr-decay-from).
# usage: tools/face_run.sh [--max-seconds S]   (env: FC, RUN, DATA, STEPS, DECAY, THREADS)
set -eu
STEPS=${STEPS:-6000}
DECAY=${DECAY:-2012}
NAME=face RUN=${RUN:-runs/face} KEEP="1000 2000 3000 4000 5000 $STEPS" \
  exec "$(dirname "$0")/train_piece.sh" --data "${DATA:-../shared/data/celeba}" --arch face --width 1 \
  --batch 64 --steps "$STEPS" --lr-decay-from "$DECAY" --sample-every 250 --ckpt-every 100 \
  --threads "${THREADS:-2}" "$@"
