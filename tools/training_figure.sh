#!/bin/sh
# A figure like the report's Figures 9 and 10: the sample grids a training run drew from its
# fixed latent vectors at the given steps, side by side (the top-left 4x4 faces of each 8x8
# grid, or the whole grid with --full), labelled with the step.
# usage: tools/training_figure.sh [--full] RUN_DIR OUT.png STEP1 STEP2 ...
set -eu
FULL=0
[ "${1:-}" = "--full" ] && { FULL=1; shift; }
[ $# -ge 3 ] || { echo "usage: tools/training_figure.sh [--full] RUN_DIR OUT.png STEP..." >&2; exit 1; }
RUN=$1; OUT=$2; shift 2
"$(dirname "$0")/install-deps.sh" imagemagick fonts-dejavu-core
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for s in "$@"; do
  f=$(printf '%s/samples/step_%07d.png' "$RUN" "$s")
  [ -f "$f" ] || { echo "training_figure: no grid for step $s ($f)" >&2; exit 2; }
  # the grid is 8x8 faces of S px (64; 128 for face128) with 2 px gutters, 8 S + 18 wide:
  # the top-left 4x4 is 4 S + 8 square (264 for 64 px faces)
  w=$(identify -format '%w' "$f")
  c=$(( (w - 18) / 2 + 8 ))
  if [ "$FULL" = 1 ]; then crop=""; else crop="-crop ${c}x${c}+0+0 +repage"; fi
  # shellcheck disable=SC2086
  convert "$f" $crop -background white -gravity south -splice 0x22 \
    -font DejaVu-Sans -pointsize 16 -annotate +0+2 "step $s" "$T/$(printf '%07d' "$s").png"
done
montage "$T"/*.png -tile x1 -geometry +4+4 -background white "$OUT"
echo "wrote $OUT"
