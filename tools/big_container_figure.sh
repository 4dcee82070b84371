#!/bin/sh
# The README's pictures of a large secret's container (issue 10, item 4): encrypts SIZE random
# bytes (any file of that size gives the same container size) with the default generator and
# writes the whole sheet scaled down to 1024 px wide, and a 768x768 cut at 100%.
# usage: tools/big_container_figure.sh [SIZE]      (env: FC, OUT = docs/img/container_2mb)
set -eu
SIZE=${1:-2000000}
FC=${FC:-build/facecrypt}
OUT=${OUT:-docs/img/container_2mb}
"$(dirname "$0")/install-deps.sh" imagemagick time
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
head -c "$SIZE" /dev/urandom > "$T/big.bin"
"$FC" keygen -o "$T/k"
/usr/bin/time -f "encrypt: %e s, %M KB peak" "$FC" encrypt "$T/big.bin" -o "$T/big.png" --key-file "$T/k"
/usr/bin/time -f "decrypt: %e s, %M KB peak" "$FC" decrypt "$T/big.png" -o "$T/back.bin" --key-file "$T/k"
cmp "$T/big.bin" "$T/back.bin"
ls -l "$T/big.png"
convert "$T/big.png" -resize 1024x -quality 85 "${OUT}_overview.jpg"
convert "$T/big.png" -gravity center -crop 768x768+0+0 +repage -quality 88 "${OUT}_crop.jpg"
echo "wrote ${OUT}_overview.jpg ${OUT}_crop.jpg"
