#!/usr/bin/env bash
# check-btt on BTTs whose map and flog are fully written (as on a device
# the kernel formatted), page cache warm, against the limit: a plain
# sequential read (dd, 1 MiB blocks) of the same byte ranges of the same
# file.  Runs the two side by side ROUNDS times and keeps each one's best,
# prints metadata MB/s, the ratio and check-btt's peak RSS (/usr/bin/time).
# With perf(1), also the CPU time of each (task-clock, mean of ROUNDS
# runs) and its ratio: on a loaded machine the wall clock measures the
# scheduler more than the work.  Timings only; asserts nothing.
# `meson test -C BUILD --benchmark`.
#
# BENCH_DENSE: space-separated SIZE:LBASIZE:MAJOR (default below; the map
# of each must fit in the page cache); BENCH_ROUNDS (default 3);
# BENCH_DIR: where the images go (default $TMPDIR or /tmp).
# PMEMCTL_BASE: a second pmemctl (e.g. main's) timed in the same rounds,
# alternating with PMEMCTL, one row each ("new" and "base").
set -euo pipefail

: "${PMEMCTL:?PMEMCTL must point at pmemctl}"
: "${BTT_FORMAT:?BTT_FORMAT must point at the btt-format helper}"
sizes=${BENCH_DENSE:-"256G:4096:2 1T:4096:2 64G:512:2 256G:512:2"}
rounds=${BENCH_ROUNDS:-3}
dir=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/pmemctl-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

now() { date +%s.%N; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

# plain_read IMG RANGES: read every "OFFSET LENGTH" range sequentially
plain_read() {
	local off len
	while read -r off len; do
		dd if="$1" of=/dev/null bs=1M iflag=skip_bytes,count_bytes \
			skip="$off" count="$len" status=none
	done <"$2"
}
export -f plain_read

# cpu_ms CMD...: task-clock (ms) of one run, or "-" without perf
cpu_ms() {
	if ! command -v perf >/dev/null ||
	   ! perf stat -x, -e task-clock -o "$dir/perf" \
		-- "$@" >/dev/null 2>&1; then
		echo -
		return
	fi
	awk -F, '/task-clock/ { printf "%.3f", $1 }' "$dir/perf"
}

# add SUM MS: SUM + MS, "-" once either is
add() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "-" || b == "-") ? "-" : a + b }'; }

echo "nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
echo "$(grep MemTotal /proc/meminfo); kernel $(uname -r); load $(cut -d' ' -f1-3 /proc/loadavg)"
bins=("$PMEMCTL")
names=(new)
if [ -n "${PMEMCTL_BASE:-}" ]; then
	bins+=("$PMEMCTL_BASE")
	names+=(base)
fi
printf '%-6s %-6s %-4s %10s %10s %10s %6s %8s %9s %8s %8s %6s\n' size \
	sector bin metadata 'read MB/s' 'check MB/s' ratio 'RSS KiB' \
	allocated 'read cpu' 'chk cpu' ratio
for spec in $sizes; do
	IFS=: read -r size lbasize major <<<"$spec"
	img=$dir/btt-$size-$lbasize.img
	"$BTT_FORMAT" --dense "$img" "$size" "$lbasize" "$major" >"$dir/ranges"
	bytes=$(awk '{ s += $2 } END { print s }' "$dir/ranges")
	plain_read "$img" "$dir/ranges"		# warm the page cache
	"$PMEMCTL" check-btt -q "$img"
	best_read='' best=() rss=() rcpu=0 ccpu=()
	# each round: the read, then each binary; wall time (best kept),
	# then CPU time (mean kept), alternating in the same order
	for _ in $(seq "$rounds"); do
		t0=$(now)
		plain_read "$img" "$dir/ranges"
		t1=$(now)
		best_read=$(min "$best_read" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
		for i in "${!bins[@]}"; do
			t1=$(now)
			/usr/bin/time -f %M -o "$dir/rss" "${bins[$i]}" check-btt -q "$img"
			t2=$(now)
			best[i]=$(min "${best[i]:-}" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')")
			rss[i]=$(awk -v a="${rss[i]:-0}" -v b="$(cat "$dir/rss")" 'BEGIN { print (b > a) ? b : a }')
		done
		rcpu=$(add "$rcpu" "$(cpu_ms bash -c 'plain_read "$1" "$2"' _ "$img" "$dir/ranges")")
		for i in "${!bins[@]}"; do
			ccpu[i]=$(add "${ccpu[i]:-0}" "$(cpu_ms "${bins[$i]}" check-btt -q "$img")")
		done
	done
	for i in "${!bins[@]}"; do
		awk -v s="$size" -v l="$lbasize" -v w="${names[$i]}" -v n="$bytes" \
			-v r="$best_read" -v c="${best[i]}" -v m="${rss[i]}" \
			-v al="$(du -h "$img" | cut -f1)" -v rc="$rcpu" -v cc="${ccpu[i]}" \
			-v k="$rounds" \
			'BEGIN { printf "%-6s %-6s %-4s %9.0fM %10.0f %10.0f %5.0f%% %8d %9s %6sms %6sms %5s\n",
				s, l, w, n / 1048576, n / r / 1e6, n / c / 1e6, 100 * r / c, m, al,
				rc == "-" ? "-" : sprintf("%.1f", rc / k),
				cc == "-" ? "-" : sprintf("%.1f", cc / k),
				rc == "-" || cc == "-" ? "-" : sprintf("%.0f%%", 100 * rc / cc) }'
	done
	rm -f "$img"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
