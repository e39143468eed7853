#!/usr/bin/env bash
# read-namespace / write-namespace on the live kernel, and a read-only sysfs.
# Inside the guest, ndctl makes a sector (4096), an fsdax (map=mem), a raw
# and a devdax (map=mem, align 2M) namespace (and a sector 520 one, whose
# device has 512-byte blocks). For each: the kernel writes a
# 2 MiB pattern at offset 0 through its own device (dd on /dev/pmemX,
# /dev/pmemXs; daxio on /dev/daxX.Y) and pmemctl read-namespace must give
# it back; pmemctl write-namespace puts a 1 MiB pattern at offset 4 MiB and
# the kernel's device must show it there: so pmemctl goes through the
# kernel's BTT and past the info block, never around them. Refusals: a held
# block device (swap on the raw namespace: exit 4), a disabled namespace
# (exit 3, what to type), a sector namespace's unaligned offset (exit 2).
# Then /sys is remounted read-only: enable-namespace, disable-namespace and
# disable-region fail with one line before anything is written (ndctl list
# unchanged), and list still works.
#
# Host: `pmemctl platform create` one blank 256 MiB DIMM.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# one boot does all of it: room for a loaded host (TCG)
VM_TIMEOUT=$((VM_TIMEOUT > 300 ? VM_TIMEOUT : 300))
vm_require
vm_require_pmemctl
vm_daxio_build || vm_skip "daxio cannot be built (no C compiler)"

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 1 --dimm-size 256M

vm_guest_script "$VM_WORKDIR/guest.sh" <<'GUEST'
r=$(vm_label_nmem0)
ndctl create-namespace -r $r -s 32M -m sector -l 4096 >&2
ndctl create-namespace -r $r -s 48M -m fsdax -M mem >&2
ndctl create-namespace -r $r -s 32M -m raw >&2
ndctl create-namespace -r $r -s 48M -m devdax -M mem -a 2M >&2
ndctl create-namespace -r $r -s 32M -m sector -l 520 >&2
# sector_of SIZE: the sector namespace with that BTT sector size
sector_of() { ndctl list -N -m sector | awk -v s="\"sector_size\":$1" '/"dev"/ { d = $0 } index($0, s) { print d }' | sed 's/.*"dev":"\([^"]*\)".*/\1/' | head -n1; }
sec=$(sector_of 4096); s520=$(sector_of 520); fs=$(vm_ns_of_mode fsdax); raw=$(vm_ns_of_mode raw); dax=$(vm_ns_of_mode devdax)
section names; echo "$r $sec $fs $raw $dax"
run() {
    _n=$1; shift; _rc=0
    "$@" 2>/tmp/err || _rc=$?
    section "$_n"; echo "rc=$_rc"; cat /tmp/err
}
snap() { section "snap-$1"; j ndctl list -R -N -i; }
sum() { sha256sum <"$1" | cut -d' ' -f1; }

vm_pattern kernel 512 >/tmp/kpat	# 2 MiB
vm_pattern pmemctl 256 >/tmp/ppat	# 1 MiB
section sums; echo "$(sum /tmp/kpat) $(sum /tmp/ppat)"
for ns in $sec $fs $raw $dax; do
    blk=$(vm_ns_field $ns blockdev); chr=$(vm_ns_field $ns chardev)
    section "dev-$ns"; echo "${blk:-$chr}"
    # the kernel writes, pmemctl reads
    if [ -n "$blk" ]; then
        dd if=/tmp/kpat of=/dev/$blk bs=4096 count=512 oflag=direct 2>/dev/null
    else
        daxio write /dev/$chr 0 2097152 </tmp/kpat
    fi
    run "r-$ns" pmemctl read-namespace $ns --length 2M -o /tmp/r-$ns -q
    section "rsum-$ns"; sum /tmp/r-$ns
    # pmemctl writes, the kernel reads
    run "w-$ns" pmemctl write-namespace $ns -i /tmp/ppat --offset 4M -q
    if [ -n "$blk" ]; then
        dd if=/dev/$blk of=/tmp/k-$ns bs=4096 skip=1024 count=256 iflag=direct 2>/dev/null
    else
        daxio read /dev/$chr 4194304 2097152 | head -c 1048576 >/tmp/k-$ns
    fi
    section "ksum-$ns"; sum /tmp/k-$ns
done
run unaligned pmemctl write-namespace $sec -i /tmp/ppat --offset 512 -q
# a 520-byte BTT: the kernel's device has 512-byte blocks (no metadata)
run w520 pmemctl write-namespace $s520 -i /tmp/ppat --offset 512 -q
dd if=/dev/$(vm_ns_field $s520 blockdev) of=/tmp/k520 bs=512 skip=1 count=2048 iflag=direct 2>/dev/null
section ksum520; sum /tmp/k520

# refusals: a held block device, a disabled namespace
rawblk=$(vm_ns_field $raw blockdev)
mkswap /dev/$rawblk >&2
swapon /dev/$rawblk
run held-w pmemctl write-namespace $raw -i /tmp/ppat -q
run held-r pmemctl read-namespace $raw --length 1M -o /tmp/held -q
swapoff /dev/$rawblk
ndctl disable-namespace $raw >&2
run disabled-r pmemctl read-namespace $raw --length 1M -o /tmp/dis -q
run disabled-w pmemctl write-namespace $raw -i /tmp/ppat -q

# read-only sysfs: one line, nothing written; list works
snap ro-before
mount -o remount,ro /sys
section ro-mount; grep ' /sys ' /proc/mounts
run ro-en pmemctl enable-namespace $raw
run ro-dis pmemctl disable-namespace $fs
run ro-dis-region pmemctl disable-region $r
_rc=0; pmemctl list -N -i >/tmp/ro-list 2>/tmp/err || _rc=$?
section ro-list-rc; echo "rc=$_rc"; cat /tmp/err
section ro-list; cat /tmp/ro-list
mount -o remount,rw /sys
snap ro-after
section end
GUEST
out=$VM_WORKDIR/out
vm_boot_sections "$plat" "$VM_WORKDIR/guest.sh" "$out" "pmemctl reads and writes live namespaces"

read -r r sec fs raw dax <<<"$(vm_section "$out" names)"
read -r ksum psum <<<"$(vm_section "$out" sums)"
rc() { vm_section "$out" "$1" | head -n1; }
errs() { vm_section "$out" "$1" | sed 1d; }

for ns in $sec $fs $raw $dax; do
    dev=$(vm_section "$out" "dev-$ns")
    check vm_assert_eq "read-namespace $ns ($dev): exit 0" rc=0 "$(rc "r-$ns")"
    check vm_assert_eq "read-namespace $ns: the bytes the kernel wrote to /dev/$dev" \
        "$ksum" "$(vm_section "$out" "rsum-$ns")"
    check vm_assert_eq "write-namespace $ns: exit 0" rc=0 "$(rc "w-$ns")"
    check vm_assert_eq "write-namespace $ns: /dev/$dev shows the bytes at 4 MiB" \
        "$psum" "$(vm_section "$out" "ksum-$ns")"
done
check vm_assert_eq "sector: unaligned offset refused (exit 2)" rc=2 "$(rc unaligned)"
check vm_assert_eq "sector 520: write at 512 (the device's block): exit 0" rc=0 "$(rc w520)"
check vm_assert_eq "sector 520: the kernel's device shows it at 512" "$psum" \
    "$(vm_section "$out" ksum520)"
check vm_assert_eq "sector: unaligned offset: says the sector size" 1 \
    "$(errs unaligned | grep -c 'multiples of its 4096-byte sector')"

for c in held-w held-r; do
    check vm_assert_eq "$c: a swapped-on device is refused (exit 4)" rc=4 "$(rc $c)"
    check vm_assert_eq "$c: one line, in use" 1 \
        "$(errs $c | grep -c 'mounted or in use')"
done
for c in disabled-r disabled-w; do
    check vm_assert_eq "$c: a disabled namespace is refused (exit 3)" rc=3 "$(rc $c)"
    check vm_assert_eq "$c: one line saying what to type" 1 \
        "$(errs $c | grep -c "$raw is disabled, so the kernel offers no device for its data; enable it first: pmemctl enable-namespace $raw\$")"
    check vm_assert_eq "$c: nothing else said" 1 "$(errs $c | wc -l)"
done

check vm_assert_eq "/sys is mounted read-only" 1 \
    "$(vm_section "$out" ro-mount | grep -c ' ro[ ,]')"
for c in ro-en ro-dis ro-dis-region; do
    check vm_assert_eq "$c: exit 1" rc=1 "$(rc $c)"
    check vm_assert_eq "$c: one line, sysfs is read-only" 1 \
        "$(errs $c | grep -c 'not writable (Read-only file system): sysfs is mounted read-only$')"
    check vm_assert_eq "$c: nothing else said" 1 "$(errs $c | wc -l)"
done
check vm_assert_eq "list on a read-only sysfs: exit 0" rc=0 "$(rc ro-list-rc)"
check vm_assert_eq "list on a read-only sysfs: all five namespaces" 5 \
    "$(vm_section "$out" ro-list | jq 'map(select(.size > 0)) | length')"
check vm_json_compare "read-only sysfs: nothing changed (ndctl list -RNi)" \
    "$(vm_section "$out" snap-ro-before | vm_ndctl_list)" \
    "$(vm_section "$out" snap-ro-after | vm_ndctl_list)"

vm_checks_done
vm_log "ok: read/write-namespace through the kernel's devices in every mode, refusals (held, disabled), read-only sysfs"
