#!/usr/bin/env bash
# The guest kernel formatting a sector namespace over a whole sparse DIMM,
# against pmemctl doing the same on the host (issue 12 item 4).  In a QEMU
# (TCG) guest, `ndctl create-namespace -m sector` returns once the
# kernel's first attach of the BTT has written the info blocks, the flog
# and the whole map; its wall time is taken in the guest (/proc/uptime,
# 10 ms) and the bytes the backing file then has allocated on the host
# (stat blocks).  pmemctl's row: `create-namespace -m sector` on a fresh
# platform of the same size (sparse; it leaves the map as holes).
# Timings only; asserts nothing.  Needs the VM harness (test/vm).
#
# BENCH_KERNEL: space-separated SIZE:LBASIZE (default below);
# VM_TIMEOUT_BENCH: per boot (default 1800 s).
set -euo pipefail
VM_TIMEOUT=${VM_TIMEOUT_BENCH:-1800}
# shellcheck source=../test/vm/lib.sh
. "$(dirname "$0")/../test/vm/lib.sh"
vm_require
vm_require_pmemctl create-namespace

specs=${BENCH_KERNEL:-"64G:4096 64G:512 256G:4096 1T:4096"}
alloc() { stat -c '%b * %B' "$1" | bc; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

echo "load $(cut -d' ' -f1-3 /proc/loadavg); guest: QEMU TCG, 1 vCPU, 512 MiB"
printf '%-6s %-6s %10s %16s %10s %16s\n' size sector 'kernel s' \
	'kernel alloc B' 'pmemctl s' 'pmemctl alloc B'
for spec in $specs; do
	IFS=: read -r size lbasize <<<"$spec"
	plat=$VM_WORKDIR/p-$size-$lbasize
	"$PMEMCTL" platform create "$plat" --dimm-size "$size" >/dev/null 2>&1
	vm_guest_script "$VM_WORKDIR/guest.sh" <<GUEST
ndctl disable-region all >&2
ndctl init-labels nmem0 >&2
ndctl enable-region all >&2
t0=\$(cut -d' ' -f1 /proc/uptime)
ndctl create-namespace -r region0 -m sector -l $lbasize >/tmp/ns
t1=\$(cut -d' ' -f1 /proc/uptime)
sync
section time; echo "\$t0 \$t1"
section ns; cat /tmp/ns
section end
GUEST
	# TCG's default 40 physical address bits end below a 1 TiB DIMM
	if ! vm_boot "$("$PMEMCTL" platform qemu-args "$plat")" \
		-cpu max,phys-bits=48 "$VM_WORKDIR/guest.sh"; then
		printf '%-6s %-6s %10s (guest failed: see %s)\n' "$size" \
			"$lbasize" - "$VM_LOG"
		rm -rf "$plat"
		continue
	fi
	vm_sections "$VM_WORKDIR/out"
	read -r t0 t1 <"$VM_WORKDIR/out/time"
	kalloc=$(alloc "$plat/nmem0.img")
	rm -rf "$plat"
	"$PMEMCTL" platform create "$plat" --dimm-size "$size" >/dev/null 2>&1
	p0=$EPOCHREALTIME
	PMEMCTL_PLATFORM=$plat "$PMEMCTL" create-namespace -m sector \
		-l "$lbasize" >/dev/null 2>&1
	p1=$EPOCHREALTIME
	printf '%-6s %-6s %10s %16s %10s %16s\n' "$size" "$lbasize" \
		"$(secs "$t0" "$t1")" "$kalloc" "$(secs "$p0" "$p1")" \
		"$(alloc "$plat/nmem0.img")"
	rm -rf "$plat"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
