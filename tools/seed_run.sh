#!/bin/sh
# Trains the report's model (--arch seed, width 1, the report's optimizer settings) on
# ../shared/data/celeba in resumable pieces, its state committed between them in
# training/NAME/ (tools/train_piece.sh; models/README.md, "The report's model").
# usage: tools/seed_run.sh [--max-seconds S]
#   env: FC, RUN, DATA, STEPS, THREADS, PRECISION; NAME (default seed), LR (1e-4), BETA1 (0.9):
#   NAME=seed_radford LR=2e-4 BETA1=0.5 (RUN defaults to runs/NAME) is the comparison run with
#   Radford et al.'s optimizer settings (models/README.md).
set -eu
STEPS=${STEPS:-2809}
NAME=${NAME:-seed}; export NAME
RUN=${RUN:-runs/$NAME} KEEP="1000 1500 2000 2500 2809 $STEPS" \
  exec "$(dirname "$0")/train_piece.sh" --data "${DATA:-../shared/data/celeba}" --arch seed --width 1 \
  --batch 32 --steps "$STEPS" --seed 1 --lr "${LR:-1e-4}" --beta1 "${BETA1:-0.9}" --beta2 0.999 \
  --sample-every 250 --ckpt-every 100 --threads "${THREADS:-2}" --precision "${PRECISION:-fp32}" "$@"
