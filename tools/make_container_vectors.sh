#!/bin/sh
# Frozen container vectors (docs/container-format.md), like age's test vectors: small
# containers, the key or password that opens them, and the SHA-256 of what they hold.
# tests/test_vectors.c decrypts them and must keep doing so forever: a reader change
# that breaks them breaks every container users already hold.
#
# These are made once, by the CLI, and committed; DO NOT regenerate them to make a
# failing test pass.  The writer writes one format only, so this script makes vectors
# of the format the CLI writes now (v2 since the v2 writer; the v1-* vectors were made
# by this script at facecrypt 0.1.0 with the v1 writer, and are kept as they are).  A
# new format version gets new files (vN-*) beside the old ones.
#
#   tools/make_container_vectors.sh [FACECRYPT] [OUTDIR] [VERSION]
# writes OUTDIR (default tests/data/vectors.new) and prints the SHA-256 lines for
# tests/data/vectors/README.md and tests/test_vectors.c.  VERSION (default 2) names the
# files and goes into the plaintext; the key and password are the same for every version.
set -eu
FC=${1:-build/facecrypt}
OUT=${2:-tests/data/vectors.new}
V=${3:-3}
case "$FC" in /*) ;; *) FC="$PWD/$FC" ;; esac
[ -x "$FC" ] || { echo "no $FC (make first)" >&2; exit 1; }
mkdir -p "$OUT"
cd "$OUT"

# The plaintext: a line of text, then every byte value 0..255 once, then 0x00..0xff
# again in reverse (so that bit order and byte order both matter): 302 bytes.  Its
# stored name has a space and a non-ASCII (UTF-8) letter.
name="frozen v$V é.bin"
{
  printf 'facecrypt container vector, format v%s\n' "$V"
  i=0
  while [ $i -lt 256 ]; do printf "\\$(printf %03o $i)"; i=$((i + 1)); done
  i=255
  while [ $i -ge 248 ]; do printf "\\$(printf %03o $i)"; i=$((i - 1)); done
} > "$name"

# A raw key and a password.  The key is fixed (bytes 0x00..0x1f) so it can be read
# in a hex dump; a vector's key is no secret.
i=0
: > v1-keyfile.key
while [ $i -lt 32 ]; do printf "\\$(printf %03o $i)" >> v1-keyfile.key; i=$((i + 1)); done
printf 'correct horse battery staple\n' > v1-password.txt

# Covers: generated faces (the shipped generator; one 64x64 face holds this densely).
# The *-1bit / *-2bit files are the dense embedding (body mode 0, LSB matching: the
# only one when they were made, hence --dense now); the *-stc files the stealth
# default (body mode 1, STC, two faces).
# Password: Argon2id at the interactive preset (2 passes, 64 MiB), the cheapest the CLI writes.
if [ "$V" -le 2 ]; then
  "$FC" encrypt "$name" -o v$V-keyfile-1bit.png --key-file v1-keyfile.key --dense --bits 1 -q --force
  "$FC" encrypt "$name" -o v$V-keyfile-2bit.png --key-file v1-keyfile.key --dense --bits 2 -q --force
  "$FC" encrypt "$name" -o v$V-password-1bit.png --password-file v1-password.txt --kdf-cost interactive --dense -q \
    --force
fi
if [ "$V" = 2 ]; then
  "$FC" encrypt "$name" -o v$V-password-2bit.png --password-file v1-password.txt --kdf-cost interactive --bits 2 \
    -q --force
fi
if [ "$V" -ge 2 ]; then
  "$FC" encrypt "$name" -o v$V-keyfile-stc.png --key-file v1-keyfile.key -q --force
  "$FC" encrypt "$name" -o v$V-password-stc.png --password-file v1-password.txt --kdf-cost interactive -q --force
fi

# Each must open now.
for c in v$V-keyfile-*; do
  c=${c%.png}
  "$FC" decrypt $c.png -o check.bin --key-file v1-keyfile.key -q --force
  cmp -s check.bin "$name"
done
for f in v$V-password-*.png; do
  "$FC" decrypt "$f" -o check.bin --password-file v1-password.txt -q --force
  cmp -s check.bin "$name"
done
rm -f check.bin

sha256sum "$name" v$V-*.png
rm -f "$name"
