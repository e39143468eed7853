#!/usr/bin/env bash
# Time pmemctl check-btt on sparse multi-TiB BTT images written by the
# kernel-identical layout writer (test/btt-format.c).  Prints timings;
# asserts nothing.  `meson test -C BUILD --benchmark` runs it.
#
# BENCH_SIZES: space-separated SIZE:LBASIZE:MAJOR (default below);
# BENCH_DIR: where the sparse images go (default $TMPDIR or /tmp).
set -euo pipefail

: "${PMEMCTL:?PMEMCTL must point at pmemctl}"
: "${BTT_FORMAT:?BTT_FORMAT must point at the btt-format helper}"
sizes=${BENCH_SIZES:-"1T:4096:1 4T:4096:2 256G:520:2"}
dir=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/pmemctl-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }

printf '%-8s %-8s %-4s %10s %10s %10s %12s\n' size sector ver layout check repair allocated
for spec in $sizes; do
	IFS=: read -r size lbasize major <<<"$spec"
	img=$dir/btt-$size-$lbasize.img
	t0=$(now)
	"$BTT_FORMAT" "$img" "$size" "$lbasize" "$major"
	t1=$(now)
	"$PMEMCTL" check-btt -q "$img"
	t2=$(now)
	"$PMEMCTL" check-btt -q --repair "$img"
	t3=$(now)
	printf '%-8s %-8s %-4s %9.2fs %9.2fs %9.2fs %12s\n' "$size" "$lbasize" \
		"$major" "$(secs "$t0" "$t1")" "$(secs "$t1" "$t2")" \
		"$(secs "$t2" "$t3")" "$(du -h "$img" | cut -f1)"
	rm -f "$img"
done
