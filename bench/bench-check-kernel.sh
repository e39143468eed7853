#!/usr/bin/env bash
# Issue 12 item 2: `pmemctl check-btt -f NS` against `ndctl check-namespace
# -f NS` on the same live sector namespace in the same QEMU guest (Debian's
# kernel and ndctl, the VM suite's harness), each including its switch to
# raw access and back.  The tools take turns, each going first in turn,
# BENCH_REPEAT times; prints every run, the best and median of each, and
# the ratios.  Asserts nothing but that every run calls the namespace
# clean (exit 0) and leaves it enabled.
#
#   bench/bench-check-kernel.sh [BUILD_DIR]      (default: build)
#
# The tools: pmemctl; pmemctl.static when the build makes it ("static");
# ndctl; and "floor", what the kernel's part costs, done by hand from
# busybox's sh with builtins: the same switch through sysfs (unbind and
# detach the btt, force_raw=1, bind, ..., unbind, force_raw=0, bind: the
# kernel attaches a BTT), reading with O_DIRECT as many bytes as the map
# holds (from the device's start: a copy costs the same wherever it
# reads) and checking nothing.  The guest has one DIMM: the floor names
# /dev/pmem0 and ndbus0.
#
# BENCH_NS_SIZE (default 4G), BENCH_SECTOR (default 4096), BENCH_REPEAT
# (default 3).  BENCH_BASE=OTHER_BUILD_DIR also runs that build's pmemctl
# (say, main's) in the same guest, as "base", in the same rotation.
# BENCH_ICOUNT=SHIFT boots QEMU with -icount shift=SHIFT: the guest's clock
# then counts executed instructions (2^SHIFT ns each), not host time, so
# the other load on the host no longer stretches the runs (deterministic,
# but a model: every instruction costs the same, a byte-wise copy from
# pmem as much as a page walk).  BENCH_NOASLR=1 turns address
# randomisation off in the guest, for every tool alike: TCG translates
# code per virtual address, so with it on each process retranslates its
# loader and libraries.
# Needs scripts/vm-deps.sh once (kernel cache); builds the VM initramfs
# (with this build's pmemctl) itself.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
size=${BENCH_NS_SIZE:-4G}
sector=${BENCH_SECTOR:-4096}
repeat=${BENCH_REPEAT:-3}
base=${BENCH_BASE:+$(cd "$BENCH_BASE" && pwd)}

ninja -C "$build" cmd/pmemctl test/vm/vm-initramfs.cpio.gz >&2
# pmemctl.static when this build makes it (not a leftover of another setup)
static=
! ninja -C "$build" -t targets all | grep -q '^cmd/pmemctl\.static:' ||
	static=static
noaslr=
[ "${BENCH_NOASLR:-0}" = 0 ] || noaslr=1
export PMEMCTL=$build/cmd/pmemctl
export VM_INITRAMFS=$build/test/vm/vm-initramfs.cpio.gz
export VM_INITRAMFS_ENV=$build/test/vm/vm-initramfs.env
export VM_SCRATCH=${VM_SCRATCH:-$build/test/vm/scratch}
export VM_TIMEOUT=${VM_TIMEOUT:-1200}
VM_NAME=bench-check-kernel
# shellcheck source=../test/vm/lib.sh
. "$src/test/vm/lib.sh"
vm_require
tools="pmemctl $static ndctl floor"
if [ -n "$base" ]; then
	ninja -C "$base" cmd/pmemctl >&2
	# its RUNPATH ($ORIGIN/../lib) finds its own libpmemctl
	VM_FILES=("$base/cmd/pmemctl=opt/base/cmd/pmemctl"
		  "$base/lib/libpmemctl.so.1=opt/base/lib/libpmemctl.so.1")
	tools="pmemctl $static base ndctl floor"
fi

# the DIMM: the namespace plus room for the labels and alignment
gib=$(numfmt --from=iec "$size")
plat=$VM_WORKDIR/platform
"$PMEMCTL" platform create "$plat" --dimms 1 \
	--dimm-size $(((gib + 256 * 1024 * 1024) / 1048576))M >&2

vm_guest_script "$VM_WORKDIR/guest.sh" <<GUEST
[ -z "$noaslr" ] || echo 0 >/proc/sys/kernel/randomize_va_space
ndctl disable-region all >&2
ndctl init-labels nmem0 >&2
ndctl enable-region all >&2
r=\$(ndctl list -R | sed -n 's/.*"dev":"\(region[0-9]*\)".*/\1/p' | head -n1)
ndctl create-namespace -r \$r -s $size -m sector -l $sector >&2
ns=\$(ndctl list -N -m sector | sed -n 's/.*"dev":"\([^"]*\)".*/\1/p' | head -n1)
# the floor: the switch by hand, the map's bytes (a 4-byte entry per
# sector) read in between; shell builtins but for dd (each process costs
# milliseconds under TCG)
nsdev=/sys/bus/nd/devices/\$ns
mapmib=\$(( \$(cat \$nsdev/size) / $sector * 4 / 1048576 + 1 ))
cat >/tmp/floor.sh <<FLOOR
set -e
read h <\$nsdev/holder
echo \\\$h >/sys/bus/nd/devices/\\\$h/driver/unbind
echo >/sys/bus/nd/devices/\\\$h/namespace
read x </sys/bus/nd/devices/ndbus0/wait_probe
echo 1 >\$nsdev/force_raw
echo \$ns >/sys/bus/nd/drivers/nd_pmem/bind
read x </sys/bus/nd/devices/ndbus0/wait_probe
dd if=/dev/pmem0 of=/dev/null bs=1M count=\$mapmib iflag=direct 2>/tmp/floor-dd
echo \$ns >/sys/bus/nd/drivers/nd_pmem/unbind
read x </sys/bus/nd/devices/ndbus0/wait_probe
echo 0 >\$nsdev/force_raw
# the namespace's own probe fails (ENXIO) as a btt seed claims it
echo \$ns >/sys/bus/nd/drivers/nd_pmem/bind 2>/dev/null || true
read x </sys/bus/nd/devices/ndbus0/wait_probe
[ -e /dev/pmem0s ]
FLOOR
up() { cut -d' ' -f1 /proc/uptime; }
# time TOOL CMD...: "TOOL SECONDS RC STATE"
time_one() {
    _t=\$1; shift; _rc=0
    _a=\$(up); "\$@" >/dev/null 2>/tmp/err || _rc=\$?; _b=\$(up)
    _st=enabled
    ndctl list -N -i -n \$ns | grep -q '"state":"disabled"' && _st=disabled
    echo "\$_t \$(awk -v a=\$_a -v b=\$_b 'BEGIN { printf "%.2f", b - a }') \$_rc \$_st"
    [ \$_rc = 0 ] || cat /tmp/err >&2
}
section info; echo "\$ns \$(ndctl list -N -n \$ns | sed -n 's/.*"size":\([0-9]*\).*/\1/p')"; uname -r; ndctl --version
run_tool() {
    case \$1 in
    pmemctl) time_one pmemctl pmemctl check-btt -f -q \$ns ;;
    static) time_one static pmemctl.static check-btt -f -q \$ns ;;
    base) time_one base /opt/base/cmd/pmemctl check-btt -f -q \$ns ;;
    floor) time_one floor sh /tmp/floor.sh ;;
    ndctl) time_one ndctl ndctl check-namespace -f \$ns ;;
    esac
}
section runs
i=0
while [ \$i -lt $repeat ]; do
    # each tool goes first in turn (after one, the kernel and udev may
    # still be busy on its behalf)
    set -- $tools $tools; shift \$((i % $(wc -w <<<"$tools")))
    for t in $tools; do run_tool \$1; shift; done
    i=\$((i + 1))
done
section floor-dd; cat /tmp/floor-dd
section end
GUEST
load0=$(cut -d' ' -f1-3 /proc/loadavg)
qemu_args=$("$PMEMCTL" platform qemu-args "$plat")
icount=()
[ -z "${BENCH_ICOUNT:-}" ] || icount=(-icount "shift=$BENCH_ICOUNT")
vm_boot "$qemu_args" "${icount[@]}" "$VM_WORKDIR/guest.sh" ||
	vm_die "guest script (bench) failed"
vm_sections "$VM_WORKDIR/out"
vm_section "$VM_WORKDIR/out" end >/dev/null
runs=$(vm_section "$VM_WORKDIR/out" runs)
read -r ns nsbytes <<<"$(vm_section "$VM_WORKDIR/out" info | head -n1)"
echo "namespace $ns: $size requested, $nsbytes bytes usable, $sector-byte sectors;" \
	"guest kernel $(vm_section "$VM_WORKDIR/out" info | sed -n 2p)," \
	"ndctl $(vm_section "$VM_WORKDIR/out" info | sed -n 3p); QEMU TCG, 1 vCPU" \
	"${BENCH_ICOUNT:+(-icount shift=$BENCH_ICOUNT)}" \
	"${noaslr:+(address randomisation off in the guest)}"
echo "host load average (1, 5, 15 min): $load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after"
echo "floor's read of the map's bytes: $(vm_section "$VM_WORKDIR/out" floor-dd | tail -n1)"
echo "$runs"
bad=$(awk '$3 != 0 || $4 != "enabled"' <<<"$runs")
[ -z "$bad" ] || vm_die "a run failed or left the namespace disabled: $bad"
stats() { # stats TOOL: best median
	awk -v t="$1" '$1 == t { print $2 }' <<<"$runs" | sort -n |
		awk '{ v[NR] = $1 } END { printf "%.2f %.2f", v[1], v[int((NR + 1) / 2)] }'
}
printf '%-8s %8s %8s\n' tool best median
for t in $tools; do
	read -r best med <<<"$(stats "$t")"
	printf '%-8s %7ss %7ss\n' "$t" "$best" "$med"
	eval "best_$t=$best med_$t=$med"
done
ratio() { # ratio SLOW FAST
	awk -v s="$(eval echo "\$med_$1")" -v f="$(eval echo "\$med_$2")" \
	    -v sb="$(eval echo "\$best_$1")" -v fb="$(eval echo "\$best_$2")" \
	    -v n="$1/$2" 'BEGIN {
		printf "ratio %s: %.2fx (median), %.2fx (best)\n", n, s / f, sb / fb }'
}
ratio ndctl pmemctl
[ -z "$static" ] || ratio ndctl static
ratio pmemctl floor
if [ -n "$base" ]; then
	ratio ndctl base
	ratio base pmemctl
fi
