#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: install everything
# (build, test and QEMU kernel-interop dependencies, including Debian's
# kernel package, downloaded once into a cache), build, and run
#   1. every suite (unit, cli, vm) on the normal build, then
#   2. the unit, cli and fuzz-replay suites again under AddressSanitizer and UBSan,
#      where hostile-image tests prove no out-of-bounds access, then
#   3. the 'tsan' suite (the BTT engine's concurrency tests) under
#      ThreadSanitizer: only its tests are built (well under a minute).
# Extra arguments go to the first two `meson test` runs (e.g. --suite unit).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh --test
scripts/vm-deps.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

[ -d build ] || meson setup build >/dev/null
ninja -C build
meson test -C build --print-errorlogs "$@" 2>&1 | tee -a "$log" || status=1

[ -d build-asan ] || meson setup build-asan -Db_sanitize=address,undefined \
	-Db_lundef=false -Dvm-tests=disabled >/dev/null
ninja -C build-asan
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs --suite unit --suite cli --suite fuzz \
	"$@" 2>&1 | tee -a "$log" || status=1

[ -d build-tsan ] || meson setup build-tsan -Db_sanitize=thread \
	-Db_lundef=false -Dvm-tests=disabled >/dev/null
ninja -C build-tsan test/test-btt-threads
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	meson test -C build-tsan --no-rebuild --print-errorlogs --suite tsan \
	2>&1 | tee -a "$log" || status=1

# one closing line over the three runs
ok=$(awk '/^Ok:/ {n += $2} END {print n + 0}' "$log")
bad=$(awk '/^(Fail|Unexpected Pass|Timeout):/ {n += $NF} END {print n + 0}' "$log")
skip=$(awk '/^Skipped:/ {n += $2} END {print n + 0}' "$log")
echo "$ok passed, $bad failed, $skip skipped"
exit $status
