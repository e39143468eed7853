#!/usr/bin/env bash
# Install the Debian 12 packages pmemctl builds and tests with.
# Usage: scripts/deps.sh [--test]   (--test adds the test tools)
set -euo pipefail

pkgs=(meson ninja-build build-essential pkg-config libjson-c-dev uuid-dev libkmod-dev libudev-dev asciidoctor
      man-db)
if [ "${1:-}" = --test ]; then
	pkgs+=(jq xz-utils coreutils bash-completion valgrind libpmemblk-dev pmdk-tools strace)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
