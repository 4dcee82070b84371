#!/bin/sh
# The realism figures of issue 10 for one generator, in one go (the model card's table row):
#   SWD x1e3 (average of the 64/32/16 px levels) against N real faces, and real vs real;
#   the radial power spectrum's bands (generated / real - 1);
#   the Haar face-detection rate over N generated faces (tools/haar_score.py).
# usage: tools/eval_cover_model.sh MODEL [N]     (env: FC, DATA, SEED, SIZE)
#   SIZE (default 64): when 32, 128 or 256, also measure SWD and spectrum at that size
#   (128: a --face-scale 2 container's faces; eval-gan --size)
#   MODEL: a built-in name (facecrypt info --models) or a checkpoint / generator file
set -eu
MODEL=$1
N=${2:-1024}
FC=${FC:-build/facecrypt}
DATA=${DATA:-../shared/data/celeba}
SEED=${SEED:-1}
SIZE=${SIZE:-64}
tools/install-deps.sh python3-opencv opencv-data
echo "== $MODEL: SWD and spectrum, $N faces per set (seed $SEED)"
"$FC" eval-gan --data "$DATA" --model "$MODEL" --n "$N" --seed "$SEED" --spectrum
if [ "$SIZE" != 64 ]; then
  echo "== $MODEL: SWD and spectrum at $SIZE px, $N faces per set (seed $SEED)"
  "$FC" eval-gan --data "$DATA" --model "$MODEL" --n "$N" --seed "$SEED" --spectrum --size "$SIZE"
fi
echo "== $MODEL: Haar face-detection rate, $N faces"
/usr/bin/python3 tools/haar_score.py --facecrypt "$FC" --model "$MODEL" --n "$N" --seed "$SEED"
