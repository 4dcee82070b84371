#!/bin/sh
# Encryption benchmark, one run:
#   1. Argon2id key derivation at each cost, timed apart (encrypt/decrypt of 1 byte,
#      password minus key file);
#   2. a 12-megapixel photo (4000x3000 JPEG) encrypted and decrypted with a key file,
#      into a 12-megapixel cover of the user's and into generated faces; time and peak memory;
#   3. facecrypt against steghide (Debian) on the same cover and secret: capacity,
#      PSNR (cover vs stego), embed and extract time.
# Times are wall-clock and CPU (user+sys) seconds from /usr/bin/time; peak memory is the
# maximum resident set size.  Usage:
#   bench/crypto_bench.sh            (uses build/facecrypt; MODEL=ckpt for the face cover
#                                     when the build has no embedded generator)
#   STEGHIDE_12MP=1 ...              also time steghide on the 12 MP cover (slow)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FC=$(cd "$(dirname "${FACECRYPT:-build/facecrypt}")" && pwd)/$(basename "${FACECRYPT:-build/facecrypt}")
OUT=${OUT:-bench/out/crypto}
MODEL=${MODEL:-}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
cd "$OUT"
RES="$OUT/results.txt"
: > "$RES"
say() { echo "$*" | tee -a "$RES"; }
"$ROOT/tools/install-deps.sh" steghide imagemagick time
for t in convert compare steghide /usr/bin/time; do
  command -v "$t" >/dev/null 2>&1 || { echo "crypto_bench: needs $t" >&2; exit 1; }
done

# timed LABEL CMD...: runs CMD, records "wall cpu peakMB" in $T_WALL $T_CPU $T_MB.
timed() {
  label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o time.txt "$@" >/dev/null 2>cmd.err || { echo "FAILED: $label" >&2; cat cmd.err >&2; return 1; }
  read -r T_WALL u s kb < time.txt
  T_CPU=$(echo "$u $s" | awk '{printf "%.2f", $1 + $2}')
  T_MB=$(echo "$kb" | awk '{printf "%.0f", $1 / 1024}')
}
row() { printf '%-46s %8s %8s %8s\n' "$1" "$2" "$3" "$4" | tee -a "$RES"; }

say "facecrypt encryption benchmark — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
say "binary: $FC"
say ""

# ---- inputs ------------------------------------------------------------------------
[ -f photo12.jpg ] || convert -seed 1 -size 4000x3000 plasma:fractal -blur 0x1 -quality 90 photo12.jpg
[ -f cover12.png ] || convert -seed 2 -size 4000x3000 plasma:fractal -depth 8 PNG24:cover12.png
[ -f tiny.png ] || convert -seed 3 -size 64x64 plasma:fractal -depth 8 PNG24:tiny.png
printf 'x' > one.bin
printf 'correct horse battery staple\n' > pw.txt
rm -f key.bin && "$FC" keygen -o key.bin
say "secret: photo12.jpg, 4000x3000 JPEG, $(stat -c %s photo12.jpg) bytes"
say ""

# ---- 1. key derivation ---------------------------------------------------------------
say "1. Key derivation (Argon2id), 1-byte secret in a 64x64 cover; KDF = password run - key-file run"
row "" "wall s" "cpu s" "peak MB"
timed kf "$FC" encrypt one.bin -o kf.png --key-file key.bin --cover tiny.png --force -q
KF_WALL=$T_WALL; KF_CPU=$T_CPU
row "key file: encrypt" "$T_WALL" "$T_CPU" "$T_MB"
for cost in interactive moderate sensitive; do
  timed "$cost" "$FC" encrypt one.bin -o pw_$cost.png --password-file pw.txt --kdf-cost $cost --cover tiny.png --force -q
  e_wall=$T_WALL; e_cpu=$T_CPU; e_mb=$T_MB
  timed "$cost d" "$FC" decrypt pw_$cost.png -o pw_$cost.out --password-file pw.txt --force -q
  row "password, $cost: encrypt" "$e_wall" "$e_cpu" "$e_mb"
  row "password, $cost: decrypt" "$T_WALL" "$T_CPU" "$T_MB"
  row "  => KDF alone (encrypt - key file)" "$(echo "$e_wall $KF_WALL" | awk '{printf "%.2f", $1-$2}')" \
      "$(echo "$e_cpu $KF_CPU" | awk '{printf "%.2f", $1-$2}')" ""
done
say ""

# ---- 2. 12-megapixel photo ---------------------------------------------------------------
say "2. 12-megapixel photo, key file"
row "" "wall s" "cpu s" "peak MB"
timed enc12 "$FC" encrypt photo12.jpg -o c12.png --key-file key.bin --cover cover12.png --force -q
row "encrypt into a 4000x3000 cover (--cover), 1 bit" "$T_WALL" "$T_CPU" "$T_MB"
timed dec12 "$FC" decrypt c12.png -o photo12.out --key-file key.bin --force -q
row "decrypt" "$T_WALL" "$T_CPU" "$T_MB"
cmp -s photo12.jpg photo12.out && say "  round trip exact: yes" || say "  round trip exact: NO"
timed enc12b "$FC" encrypt photo12.jpg -o c12b.png --key-file key.bin --cover cover12.png --bits 2 --force -q
row "encrypt into the same cover, 2 bits" "$T_WALL" "$T_CPU" "$T_MB"
timed dec12b "$FC" decrypt c12b.png -o photo12b.out --key-file key.bin --force -q
row "decrypt" "$T_WALL" "$T_CPU" "$T_MB"
say "  PSNR cover vs container: 1 bit $(compare -metric PSNR cover12.png c12.png null: 2>&1) dB," \
    "2 bits $(compare -metric PSNR cover12.png c12b.png null: 2>&1) dB"

MODEL_ARG=""
[ -n "$MODEL" ] && MODEL_ARG="--model $MODEL"
for fs in auto 4; do
  # shellcheck disable=SC2086
  if timed "faces $fs" "$FC" encrypt photo12.jpg -o f12.png --key-file key.bin $MODEL_ARG --face-scale $fs --force -q 2>/dev/null; then
    dims=$(identify -format '%wx%h' f12.png)
    row "encrypt into generated faces (face-scale $fs), $dims" "$T_WALL" "$T_CPU" "$T_MB"
    timed "faces dec" "$FC" decrypt f12.png -o photo12f.out --key-file key.bin --force -q
    row "decrypt" "$T_WALL" "$T_CPU" "$T_MB"
    cmp -s photo12.jpg photo12f.out && say "  round trip exact: yes" || say "  round trip exact: NO"
  else
    say "  generated faces: skipped ($(tail -n 1 cmd.err)); set MODEL=checkpoint"
    break
  fi
done
say ""

# ---- 3. steghide comparison ---------------------------------------------------------------
say "3. facecrypt vs steghide $(steghide --version 2>/dev/null | head -n 1 | awk '{print $3}'), same cover (1600x1200) and secret"
convert -seed 4 -size 1600x1200 plasma:fractal -depth 8 PNG24:cmp_cover.png
convert cmp_cover.png BMP3:cmp_cover.bmp
head -c 30000 photo12.jpg > secret30k.bin
sh_cap=$(echo n | steghide info cmp_cover.bmp -p x 2>/dev/null | awk '/capacity/ {print $2, $3}')
fc_cap1=$("$FC" capacity cmp_cover.png --name 'secret30k.bin' | awk '{print $1}')
fc_cap2=$("$FC" capacity cmp_cover.png --name 'secret30k.bin' --bits 2 | awk '{print $1}')
say "capacity: steghide $sh_cap; facecrypt $fc_cap1 bytes (1 bit), $fc_cap2 bytes (2 bits)"
row "30,000-byte secret" "wall s" "cpu s" "peak MB"
timed "sh embed" steghide embed -cf cmp_cover.bmp -ef secret30k.bin -sf sh_stego.bmp -p pass -f -q
row "steghide embed" "$T_WALL" "$T_CPU" "$T_MB"
timed "sh extract" steghide extract -sf sh_stego.bmp -xf sh_out.bin -p pass -f -q
row "steghide extract" "$T_WALL" "$T_CPU" "$T_MB"
cmp -s secret30k.bin sh_out.bin && sh_ok=yes || sh_ok=NO
timed "fc embed" "$FC" encrypt secret30k.bin -o fc_stego.png --key-file key.bin --cover cmp_cover.png --force -q
row "facecrypt encrypt (key file, 1 bit)" "$T_WALL" "$T_CPU" "$T_MB"
timed "fc extract" "$FC" decrypt fc_stego.png -o fc_out.bin --key-file key.bin --force -q
row "facecrypt decrypt" "$T_WALL" "$T_CPU" "$T_MB"
cmp -s secret30k.bin fc_out.bin && fc_ok=yes || fc_ok=NO
say "PSNR cover vs stego: steghide $(compare -metric PSNR cmp_cover.bmp sh_stego.bmp null: 2>&1) dB," \
    "facecrypt $(compare -metric PSNR cmp_cover.png fc_stego.png null: 2>&1) dB"
say "exact extraction: steghide $sh_ok, facecrypt $fc_ok"
if [ "${STEGHIDE_12MP:-0}" = 1 ]; then
  convert cover12.png BMP3:cover12.bmp
  say "steghide on the 4000x3000 cover: capacity $(echo n | steghide info cover12.bmp -p x 2>/dev/null | awk '/capacity/ {print $2, $3}')"
  head -c 30000 photo12.jpg > secret30k.bin
  if timed "sh 12mp" steghide embed -cf cover12.bmp -ef secret30k.bin -sf sh12.bmp -p pass -f -q; then
    row "steghide embed, 30,000 bytes into 12 MP" "$T_WALL" "$T_CPU" "$T_MB"
  else
    say "steghide embed, 30,000 bytes into 12 MP: failed"
  fi
fi
say ""
say "results: $RES"
