#!/bin/sh
# Installs the Debian packages facecrypt needs to build and test, only those that are missing.
# Extra package names given as arguments are installed too: the PyTorch benchmarks and tools
# ask for python3-torch, the Haar score for python3-opencv, CI for clang (libFuzzer).
set -e
PKGS="build-essential pkg-config libopenmpi-dev openmpi-bin libopenblas-dev libsodium-dev libjpeg62-turbo-dev libpng-dev zlib1g-dev $*"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing" >&2
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done" >&2
