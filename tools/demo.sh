#!/bin/sh
# The whole mission in one go, with the embedded generator: encrypt a photo into a PNG of
# generated faces, decrypt it, check the bytes, print the analysis table.  Leaves every
# file in demo-out/.
set -eu
FC=${1:-build/facecrypt}
OUT=demo-out
SECRET=assets/astronaut.jpg
mkdir -p "$OUT"
rm -f "$OUT"/demo.key "$OUT"/container.png "$OUT"/cover.png "$OUT"/decrypted.jpg "$OUT"/wrong.key
cp "$SECRET" "$OUT/secret.jpg"
step() { printf '\n== %s\n' "$*"; }

step "key: a random 32-byte key file (mode 0600)"
"$FC" keygen -o "$OUT/demo.key"
ls -l "$OUT/demo.key"

step "encrypt $SECRET ($(wc -c < "$SECRET") bytes) into a sheet of generated faces"
"$FC" encrypt "$OUT/secret.jpg" -o "$OUT/container.png" --key-file "$OUT/demo.key" --emit-cover "$OUT/cover.png"

step "decrypt it back"
"$FC" decrypt "$OUT/container.png" -o "$OUT/decrypted.jpg" --key-file "$OUT/demo.key"
if cmp -s "$OUT/secret.jpg" "$OUT/decrypted.jpg"; then
  echo "exact: decrypted.jpg is byte-for-byte the secret ($(sha256sum < "$OUT/secret.jpg" | cut -c1-16)...)"
else
  echo "MISMATCH: decrypted file differs from the secret" >&2
  exit 1
fi

step "a wrong key is refused (exit 3) and writes nothing"
"$FC" keygen -o "$OUT/wrong.key"
set +e
"$FC" decrypt "$OUT/container.png" -o "$OUT/wrong-output.jpg" --key-file "$OUT/wrong.key"
rc=$?
set -e
echo "exit code $rc; wrong-output.jpg exists: $([ -e "$OUT/wrong-output.jpg" ] && echo yes || echo no)"
[ "$rc" -eq 3 ] || exit 1

step "analysis: container vs cover, cipher layer of the secret"
"$FC" analyze --plain "$OUT/secret.jpg" --container "$OUT/container.png" --cover "$OUT/cover.png" \
  --histograms "$OUT/histograms" --force

step "files in $OUT/"
ls -l "$OUT"
