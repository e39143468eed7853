#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: install everything
# (build, test and QEMU kernel-interop dependencies, including Debian's
# kernel package, downloaded once into a cache), build, run `meson test`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh --test
scripts/vm-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build
meson test -C build --print-errorlogs "$@"
