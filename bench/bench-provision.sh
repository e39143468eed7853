#!/usr/bin/env bash
# Time provisioning on sparse multi-TiB image platforms: platform create,
# create-namespace in each mode over the whole DIMM, list, destroy.
# Prints timings and the bytes actually allocated; asserts nothing.
# BENCH_DIMM_SIZES: space-separated DIMM sizes (default "1T 4T").
set -euo pipefail

: "${PMEMCTL:?PMEMCTL must point at pmemctl}"
dir=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/pmemctl-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

now() { date +%s.%N; }
timed() { # timed VAR CMD...: run CMD, store its wall time in VAR
	local t0 t1 var=$1
	shift
	t0=$(now)
	"$@" >/dev/null 2>&1
	t1=$(now)
	printf -v "$var" '%.3f' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
}

printf '%-6s %-8s %10s %10s %10s %12s\n' dimm mode create list destroy allocated
for size in ${BENCH_DIMM_SIZES:-1T 4T}; do
	plat=$dir/p-$size
	"$PMEMCTL" platform create "$plat" --dimm-size "$size" >/dev/null 2>&1
	export PMEMCTL_PLATFORM=$plat
	for mode in sector fsdax devdax raw; do
		timed create "$PMEMCTL" create-namespace -m "$mode"
		alloc=$(du -h "$plat/nmem0.img" | cut -f1)
		timed list "$PMEMCTL" list -RN
		timed destroy "$PMEMCTL" destroy-namespace -f all
		printf '%-6s %-8s %9ss %9ss %9ss %12s\n' "$size" "$mode" \
			"$create" "$list" "$destroy" "$alloc"
	done
	rm -rf "$plat"
done
