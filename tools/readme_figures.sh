#!/bin/sh
# Rebuilds the README's pictures from a training run and the demo's output:
#   docs/img/training.png  sample grids from fixed z across training (top-left 4x4 faces of each)
#   docs/img/loss.png      the run's loss curves
#   docs/img/demo.jpg      secret photo beside its faces container (from make demo)
# usage: tools/readme_figures.sh RUN_DIR STEP1 STEP2 ...
set -eu
RUN=$1; shift
tools/install-deps.sh imagemagick fonts-dejavu-core
mkdir -p docs/img
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
tools/training_figure.sh "$RUN" docs/img/training.png "$@"
cp "$RUN/loss.png" docs/img/loss.png
if [ -f demo-out/container.png ]; then
  convert demo-out/secret.jpg -resize 384x384 "$T/secret.png"
  convert demo-out/container.png -resize x384 "$T/container.png"
  montage -label 'secret (astronaut.jpg, 60 KB)' "$T/secret.png" -label 'container.png (faces; holds the secret)' \
    "$T/container.png" -tile 2x1 -geometry +6+6 -font DejaVu-Sans -pointsize 16 -background white docs/img/demo.jpg
fi
ls -l docs/img
