#!/usr/bin/env bash
# Detection accuracy of facecrypt containers against a trained detector (SPAM
# features, FLD and ensemble; facecrypt analyze --steganalysis), on cover/container
# pairs made with the real CLI.  See docs/analysis.md, "Trained detector".
#
#   tools/steganalysis_bench.sh [OUT_DIR]
#
# Settings (payload = bits written into the cover per colour value, secret plus
# headers and tag):
#   faceG-stealth generated faces, the default embedding (format v3: public bytes,
#                 header and body (mode 1) all by STC under side-informed HILL costs,
#                 cover sized for at most 0.2 bits per body slot):
#                 a secret that fills a G x G grid of 64x64 faces at 0.2
#   photo-stealth CelebA photos (as below) with --cover at the default embedding, a
#                 secret that fills them at its rate for pictures, 0.125 bits per body
#                 slot (photo-stealth-R: at R < 0.125, or above with a facecrypt of
#                 before that rate (v3 at 0.2: FACECRYPT=an older build);
#                 photo-stealth-0.0: an empty secret, i.e. little but the 320 public
#                 and 320 header bits, which v3 embeds by STC over spans of up to
#                 2560 values each (--dense's v2: LSB matching in 640 slots))
#   faceG-default generated faces, the dense embedding (--dense, 1 bit; the default
#                 before body mode 1): a secret sized so that the
#                 CLI draws a G x G grid of 64x64 faces (G = 2: 128x128, 5.4 KB; G = 4:
#                 256x256, 21.9 KB; G = 8: 512x512, 88 KB, not in the default list: slow)
#                 and fills it to ~0.9 bits per value
#                 (encrypt SECRET --emit-cover ...)
#   faceG-dense   the same grid at --bits 2, ~1.8 bits per value
# All the settings below but *-stealth use the dense embedding (LSB matching, --dense).
#   faceG-0.3, faceG-0.1
#                 faceG-default's covers (untouched face grids) given back as --cover
#                 with smaller secrets
#   photo-0.1, photo-0.3, photo-0.9, photo-dense (--bits 2, ~1.8)
#                 CelebA photos as they are (178x218, decoded JPEG, not resized) with
#                 --cover; covers the CLI refuses are skipped and counted; every photo
#                 setting uses the same covers
#   null-faceG    no embedding: faceG-default's covers against faceG-dense's covers
#                 (independent draws of the same kind); what the detector reads when
#                 there is nothing to find (needs both settings)
# Environment: N (pairs per setting, 200), FACECRYPT (build/facecrypt), CELEBA
# (/work/shared/data/celeba/img_align_celeba), SETTINGS (space-separated subset),
# ENCRYPT_ARGS (extra encrypt options for every container, e.g. a new embedding flag),
# FOLDS (5), SEED (1).  Existing pairs in OUT_DIR are reused (delete it to redo).
set -euo pipefail
OUT=${1:-steg-bench}
N=${N:-200}
FC=${FACECRYPT:-build/facecrypt}
CELEBA=${CELEBA:-/work/shared/data/celeba/img_align_celeba}
SETTINGS=${SETTINGS:-face4-stealth photo-stealth face2-default face2-dense face4-default face4-dense face4-0.3 face4-0.1 null-face2 photo-0.1 photo-0.3 photo-0.9 photo-dense}
ENCRYPT_ARGS=${ENCRYPT_ARGS:-}
FOLDS=${FOLDS:-5}
SEED=${SEED:-1}
FC=$(cd "$(dirname "$FC")" && pwd)/$(basename "$FC")
[ -x "$FC" ] || { echo "no facecrypt binary at $FC (make first)" >&2; exit 1; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
KEY=$OUT/bench.key
[ -f "$KEY" ] || "$FC" keygen -o "$KEY"
NAME=s.bin # every secret's stored name (its length enters the overhead)

# Bytes of overhead (sealed header: size, name length, name, tag) besides the secret,
# from capacity --for (dense: 640 public and header slots, then 8 slots a byte).
head -c 1000 /dev/urandom > "$TMP/$NAME"
SLOTS=$("$FC" capacity --for "$TMP/$NAME" --dense | sed -n 's/.* need \([0-9]*\) channel slots.*/\1/p')
OVH=$(( (SLOTS - 640) / 8 - 1000 ))

# secret_len CHANNELS PAYLOAD: the secret length that writes PAYLOAD bits per channel
secret_len() { awk -v ch="$1" -v p="$2" -v o="$OVH" 'BEGIN { printf "%d", (p * ch - 640) / 8 - o }'; }
# stealth_len CHANNELS [RATE]: the largest secret the default embedding puts in
# CHANNELS values (40 body slots a byte: 0.2 bits per body slot), or the one at
# RATE bits per body slot.  Body slots (format v3): CHANNELS less the public and
# header spans, clamp(CHANNELS/16, 320, 2560) and clamp((CHANNELS+8)/16, ...).
stealth_len() { awk -v ch="$1" -v p="${2:-0.2}" -v o="$OVH" 'function cl(x) { x = int(x); return x < 320 ? 320 : x > 2560 ? 2560 : x }
    BEGIN { b = ch - cl(ch / 16) - cl((ch + 8) / 16); l = int(p * b / 8 + 1e-9) - o; printf "%d", l < 0 ? 0 : l }'; }

# one_pair DIR I LEN COVER_ARGS...: encrypt a fresh random secret; 0 ok, 2 cover refused
one_pair() {
    local dir=$1 i=$2 len=$3; shift 3
    head -c "$len" /dev/urandom > "$TMP/$NAME"
    local rc=0
    "$FC" encrypt "$TMP/$NAME" -o "$dir/stego/$i.png" --emit-cover "$dir/cover/$i.png" --key-file "$KEY" \
        --force -q $ENCRYPT_ARGS "$@" 2> "$TMP/err" || rc=$?
    if [ $rc -ne 0 ]; then
        rm -f "$dir/stego/$i.png" "$dir/cover/$i.png"
        [ $rc -eq 2 ] && return 2
        cat "$TMP/err" >&2
        exit 1
    fi
    echo "$len" > "$dir/len/$i"
}

setting_dirs() { mkdir -p "$OUT/$1/cover" "$OUT/$1/stego" "$OUT/$1/len"; }
have() { [ -f "$OUT/$1/stego/$2.png" ] && [ -f "$OUT/$1/cover/$2.png" ]; }

grid_values() { echo $(( 64 * $1 * 64 * $1 * 3 )); } # a G x G grid of 64x64 faces

face_setting() { # name grid bits payload (bits 0: the default, stealth embedding)
    local s=$1 g=$2 bits=$3 p=$4 len
    setting_dirs "$s"
    if [ "$bits" = 0 ]; then len=$(stealth_len "$(grid_values "$g")"); else len=$(secret_len "$(grid_values "$g")" "$p"); fi
    for i in $(seq -w 1 "$N"); do
        if [ "$bits" = 0 ]; then have "$s" "$i" || one_pair "$OUT/$s" "$i" "$len"
        else have "$s" "$i" || one_pair "$OUT/$s" "$i" "$len" --dense --bits "$bits"; fi
    done
}

face_cover_setting() { # name grid payload: faceG-default's covers as --cover
    local s=$1 g=$2 p=$3 src=$OUT/face$2-default/cover
    [ -d "$src" ] || face_setting "face$g-default" "$g" 1 0.9
    setting_dirs "$s"
    local len; len=$(secret_len "$(grid_values "$g")" "$p") refused=0
    for i in $(seq -w 1 "$N"); do
        have "$s" "$i" && continue
        one_pair "$OUT/$s" "$i" "$len" --dense --cover "$src/$i.png" || refused=$((refused + 1))
    done
    echo "$refused" > "$OUT/$s/refused"
}

# The first N CelebA photos (file-name order) that the CLI accepts as covers.
photo_list() {
    local list=$OUT/photo-covers.txt
    [ -f "$list" ] && return
    local n=0 refused=0
    : > "$TMP/list"
    head -c 100 /dev/urandom > "$TMP/probe.bin"
    for f in $(ls "$CELEBA" | sort); do
        [ $n -ge "$N" ] && break
        local rc=0
        "$FC" encrypt "$TMP/probe.bin" -o "$TMP/probe.png" --key-file "$KEY" --force -q --dense --cover "$CELEBA/$f" \
            2> "$TMP/err" || rc=$?
        case $rc in
            0) echo "$f" >> "$TMP/list"; n=$((n + 1)) ;;
            2) refused=$((refused + 1)); echo "$f: $(cat "$TMP/err")" >> "$OUT/photo-refused.txt" ;;
            *) cat "$TMP/err" >&2; exit 1 ;;
        esac
    done
    echo "$refused" > "$OUT/photo-refused-count"
    mv "$TMP/list" "$list"
}

photo_setting() { # name bits payload (bits 0: the default, stealth embedding)
    local s=$1 bits=$2 p=$3
    photo_list
    setting_dirs "$s"
    local i=0 len emb
    if [ "$bits" = 0 ]; then len=$(stealth_len $((178 * 218 * 3)) "$p"); emb=""
    else len=$(secret_len $((178 * 218 * 3)) "$p"); emb="--dense --bits $bits"; fi
    while read -r f; do
        i=$((i + 1)); local id; id=$(printf '%03d' $i)
        have "$s" "$id" || one_pair "$OUT/$s" "$id" "$len" $emb --cover "$CELEBA/$f" \
            || { echo "refused $f at $s" >&2; exit 1; }
    done < "$OUT/photo-covers.txt"
}

mkdir -p "$OUT/results"
for s in $SETTINGS; do
    echo "== $s" >&2
    case $s in
        face[1-8]-stealth) g=${s#face}; face_setting "$s" "${g%%-*}" 0 0.2 ;;
        face[1-8]-default) g=${s#face}; face_setting "$s" "${g%%-*}" 1 0.9 ;;
        face[1-8]-dense) g=${s#face}; face_setting "$s" "${g%%-*}" 2 1.8 ;;
        face[1-8]-0.*) g=${s#face}; face_cover_setting "$s" "${g%%-*}" "${s#face?-}" ;;
        photo-dense) photo_setting "$s" 2 1.8 ;;
        photo-stealth) photo_setting "$s" 0 0.125 ;;
        photo-stealth-0.*) photo_setting "$s" 0 "${s#photo-stealth-}" ;;
        photo-0.*) photo_setting "$s" 1 "${s#photo-}" ;;
        null-face[1-8]) ;;
        *) echo "unknown setting $s" >&2; exit 1 ;;
    esac
    if [ "${s#null-}" != "$s" ]; then
        "$FC" analyze --steganalysis "$OUT/${s#null-}-default/cover" "$OUT/${s#null-}-dense/cover" --folds "$FOLDS" \
            --seed "$SEED" --json > "$OUT/results/$s.json"
    else
        "$FC" analyze --steganalysis "$OUT/$s/cover" "$OUT/$s/stego" --folds "$FOLDS" --seed "$SEED" --json \
            > "$OUT/results/$s.json"
    fi
done

# Summary table: payload from the secret lengths and image sizes.
/usr/bin/python3 - "$OUT" "$OVH" $SETTINGS <<'EOF'
import json, os, struct, sys
out, ovh, settings = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def png_size(p):
    with open(p, 'rb') as f:
        h = f.read(24)
    return struct.unpack('>II', h[16:24])
print(f"{'setting':14} {'pairs':>5} {'bits/value':>10} {'px/byte':>8} {'changed':>8} "
      f"{'FLD':>15} {'FLD 1-P_E':>15} {'ensemble':>15}")
for s in settings:
    r = json.load(open(f"{out}/results/{s}.json"))
    f, e = r.get('fld', {}), r.get('ensemble', {})
    fmt = lambda d: f"{d['mean']:.3f} +- {d['std']:.3f}" if d else '-'
    if s.startswith('null-'):
        print(f"{s:14} {r['pairs']:5d} {'0':>10} {'-':>8} {'-':>8} "
              f"{fmt(f.get('accuracy')):>15} {fmt(f.get('accuracy_pe')):>15} {fmt(e.get('accuracy')):>15}")
        continue
    lens = [int(open(f"{out}/{s}/len/{f}").read()) for f in os.listdir(f"{out}/{s}/len")]
    w, h = png_size(f"{out}/{s}/cover/" + sorted(os.listdir(f"{out}/{s}/cover"))[0])
    L = sum(lens) / len(lens)
    bpv = (640 + 8 * (L + ovh)) / (3 * w * h)
    pxb = f"{w * h / L:8.2f}" if L else f"{'-':>8}"
    print(f"{s:14} {r['pairs']:5d} {bpv:10.3f} {pxb} {100 * r['changed_share']:7.2f}% "
          f"{fmt(f.get('accuracy')):>15} {fmt(f.get('accuracy_pe')):>15} {fmt(e.get('accuracy')):>15}")
for name in ['photo-refused-count'] + [f"{s}/refused" for s in settings if not s.startswith('null-')]:
    p = f"{out}/{name}"
    if os.path.exists(p):
        print(f"covers refused by the CLI ({name.split('/')[0]}): {open(p).read().strip()}")
EOF
