#!/usr/bin/env bash
# Label scale: fill a 128 KiB label area (v1.1: 1020 slots, v1.2: 510)
# with 16 MiB raw namespaces until create-namespace reports no space,
# timing every create, a list every 50 creates, then every destroy (the
# newest first, as names renumber after a removal).  Every operation is
# a pmemctl process that reads the whole label area.  Prints mean ms per operation per tenth of the fill: flat
# columns would mean a cost per operation independent of the fill.  Timings only; asserts nothing.
# BENCH_LABEL_VERSIONS (default "1.1 1.2"); BENCH_DIR as the others.
set -euo pipefail

: "${PMEMCTL:?PMEMCTL must point at pmemctl}"
dir=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/pmemctl-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) * 1000 }'; }

# report FILE TOTAL: "INDEX MS" lines -> mean ms per tenth of TOTAL
report() {
	awk -v n="$2" '{ b = int(10 * ($1 - 1) / n); s[b] += $2; c[b]++ }
		END { for (b = 0; b < 10; b++) printf " %6.2f", c[b] ? s[b] / c[b] : 0 }' "$1"
}

echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-5s %-8s %5s  %s\n' label op count 'mean ms per op, by tenth of the fill (0-10% ... 90-100%)'
for ver in ${BENCH_LABEL_VERSIONS:-1.1 1.2}; do
	export PMEMCTL_PLATFORM=$dir/p-$ver
	"$PMEMCTL" platform create "$PMEMCTL_PLATFORM" --dimm-size 20G \
		--label-size 128K >/dev/null 2>&1
	"$PMEMCTL" init-labels -f -V "$ver" nmem0 >/dev/null 2>&1
	: >"$dir/create" >"$dir/list" >"$dir/destroy" >"$dir/names"
	n=0 rc=0
	while :; do
		t0=$EPOCHREALTIME
		out=$("$PMEMCTL" create-namespace -m raw -s 16M 2>/dev/null) || rc=$?
		t1=$EPOCHREALTIME
		[ "$rc" -eq 0 ] || break
		n=$((n + 1))
		echo "$n $(ms "$t0" "$t1")" >>"$dir/create"
		sed -n 's/.*"dev":"\(namespace[0-9.]*\)".*/\1/p' <<<"$out" >>"$dir/names"
		if [ $((n % 50)) -eq 0 ] || [ "$n" -eq 1 ]; then
			t0=$EPOCHREALTIME
			"$PMEMCTL" list -N >/dev/null
			t1=$EPOCHREALTIME
			echo "$n $(ms "$t0" "$t1")" >>"$dir/list"
		fi
	done
	[ "$rc" -eq 6 ] || echo "create-namespace #$((n + 1)) ended with exit $rc (expected 6, no space)"
	i=0
	while read -r name; do
		i=$((i + 1))
		t0=$EPOCHREALTIME
		"$PMEMCTL" destroy-namespace -f "$name" >/dev/null 2>&1 ||
			echo "destroy $name failed"
		t1=$EPOCHREALTIME
		echo "$((n - i + 1)) $(ms "$t0" "$t1")" >>"$dir/destroy"
	done < <(tac "$dir/names")	# the newest first: no renumbering
	left=$("$PMEMCTL" list -N | grep -c '"dev"' || true)
	for op in create list destroy; do
		printf '%-5s %-8s %5s ' "$ver" "$op" "$(wc -l <"$dir/$op")"
		# by tenth of the fill each operation saw
		report "$dir/$op" "$n"
		echo
	done
	echo "v$ver: $n namespaces, $left left after destroying them all"
	rm -rf "$PMEMCTL_PLATFORM"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
