#!/usr/bin/env bash
# Time provisioning on sparse multi-TiB image platforms: platform create,
# create-namespace in each mode over the whole DIMM, list, destroy.
# Prints timings and the bytes the image file actually has allocated
# after the create (stat blocks), also as a share of the capacity.
# Asserts nothing.
# BENCH_DIMM_SIZES: space-separated DIMM sizes (default "64G 1T 8T");
# BENCH_MODES: MODE[:SECTOR_SIZE] list (default below).
set -euo pipefail

: "${PMEMCTL:?PMEMCTL must point at pmemctl}"
dir=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/pmemctl-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

timed() { # timed VAR CMD...: run CMD, store its wall time in VAR
	local t0 t1 var=$1
	shift
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1
	t1=$EPOCHREALTIME
	printf -v "$var" '%.3f' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
}

echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-11s %8s %8s %8s %14s %12s\n' dimm mode create list destroy \
	'allocated B' '%capacity'
for size in ${BENCH_DIMM_SIZES:-64G 1T 8T}; do
	plat=$dir/p-$size
	"$PMEMCTL" platform create "$plat" --dimm-size "$size" >/dev/null 2>&1
	export PMEMCTL_PLATFORM=$plat
	for spec in ${BENCH_MODES:-sector:4096 sector:512 fsdax devdax raw}; do
		IFS=: read -r mode lbasize <<<"$spec"
		timed create "$PMEMCTL" create-namespace -m "$mode" \
			${lbasize:+-l "$lbasize"}
		alloc=$(stat -c '%b * %B' "$plat/nmem0.img" | bc)
		cap=$(stat -c %s "$plat/nmem0.img")
		timed list "$PMEMCTL" list -RN
		timed destroy "$PMEMCTL" destroy-namespace -f all
		printf '%-6s %-11s %7ss %7ss %7ss %14s %11.6f%%\n' "$size" "$spec" \
			"$create" "$list" "$destroy" "$alloc" \
			"$(awk -v a="$alloc" -v c="$cap" 'BEGIN { print 100 * a / c }')"
	done
	rm -rf "$plat"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
