#!/bin/sh
# Continues the cover generator's run (--arch face or face2, width 1, batch 64, the face
# defaults) on ../shared/data/celeba in resumable pieces, its state committed between them in
# training/NAME/ (tools/train_piece.sh; models/README.md, "`face`").  From step DECAY on
# the learning rates fall linearly to the last step (train --lr-decay-from).
# usage: tools/face_run.sh [--max-seconds S]
#   (env: FC, RUN, NAME, ARCH, DATA, STEPS, DECAY, THREADS; MOMENTS=0: commit the state
#   without Adam moments, tools/train_piece.sh)
# face2 from a face run's checkpoint (same function, one more D input; tools/graft_mbstd.py):
#   /usr/bin/python3 tools/graft_mbstd.py runs/face2/checkpoint.safetensors runs/face3/checkpoint.safetensors
#   cp runs/face2/log.csv runs/face3/ && ARCH=face2 NAME=face3 RUN=runs/face3 tools/face_run.sh --max-seconds S
set -eu
STEPS=${STEPS:-6000}
DECAY=${DECAY:-2012}
ARCH=${ARCH:-face}
NAME=${NAME:-face} RUN=${RUN:-runs/${NAME:-face}} KEEP="1000 2000 3000 4000 5000 $STEPS" \
  exec "$(dirname "$0")/train_piece.sh" --data "${DATA:-../shared/data/celeba}" --arch "$ARCH" --width 1 \
  --batch 64 --steps "$STEPS" --lr-decay-from "$DECAY" --sample-every 250 --ckpt-every 100 \
  --threads "${THREADS:-2}" "$@"
