#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: install everything
# (build, test and QEMU kernel-interop dependencies, including Debian's
# kernel package, downloaded once into a cache), build, and run
#   1. every suite (unit, cli, vm) on the normal build, then
#   2. the unit, cli and fuzz-replay suites again under AddressSanitizer and UBSan,
#      where hostile-image tests prove no out-of-bounds access (twice the
#      hang-guard timeouts: ASan runs several times slower), then
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
# The kernel suite must have run here: vm-deps.sh installed all it needs,
# so a skipped scenario (or, for the whole suite, none at all) is a failure
vm_skips=$(grep -cE '^ *[0-9]+/[0-9]+ pmemctl:vm / .* SKIP ' "$log" || true)
vm_runs=$(grep -cE '^ *[0-9]+/[0-9]+ pmemctl:vm / ' "$log" || true)
if [ "$vm_skips" != 0 ] || { [ $# = 0 ] && [ "$vm_runs" = 0 ]; }; then
	echo "test.sh: the kernel (vm) suite did not run: $vm_runs scenarios, $vm_skips skipped" |
		tee -a "$log" >&2
	echo "Fail: 1" >>"$log"
	status=1
fi

[ -d build-asan ] || meson setup build-asan -Db_sanitize=address,undefined \
	-Db_lundef=false -Dvm-tests=disabled >/dev/null
ninja -C build-asan
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs --suite unit --suite cli --suite fuzz \
	--timeout-multiplier 2 "$@" 2>&1 | tee -a "$log" || status=1

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
