#!/usr/bin/env bash
# A devdax namespace whose memory is online as system RAM (daxctl
# reconfigure-device --mode=system-ram: the kmem driver, memory blocks
# onlined) is in use, as ndctl decides: pmemctl disable-namespace and
# disable-region refuse it (exit 4, one line, nothing changed, as `ndctl
# disable-namespace` refuses), and so do read-namespace, write-namespace,
# destroy-namespace -f and create-namespace -e -f. Once daxctl offline-memory has offlined its blocks (kmem
# still bound) it is no longer in use and disable-namespace works.
#
# Host: `pmemctl platform create` one blank 1 GiB DIMM (the devdax device
# must hold a whole 128 MiB memory block after kmem trims it).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
VM_TIMEOUT=$((VM_TIMEOUT > 300 ? VM_TIMEOUT : 300))
vm_require
vm_require_pmemctl

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 1 --dimm-size 1G

vm_guest_script "$VM_WORKDIR/guest.sh" <<'GUEST'
r=$(vm_label_nmem0)
ndctl create-namespace -r $r -s 512M -m devdax -M mem -a 2M >&2
dax=$(vm_ns_of_mode devdax); chr=$(vm_ns_field $dax chardev)
section names; echo "$r $dax $chr"
run() {
    _n=$1; shift; _rc=0
    "$@" 2>/tmp/err || _rc=$?
    section "$_n"; echo "rc=$_rc"; cat /tmp/err
}
snap() { section "snap-$1"; j ndctl list -R -N -i; }
run reconfig sh -c "daxctl reconfigure-device --mode=system-ram --force $chr >/dev/null"
section kmem; readlink /sys/bus/dax/devices/$chr/driver
section memblocks; daxctl list -d $chr
head -c 1048576 /dev/zero >/tmp/in
snap before
run ndctl-dis ndctl disable-namespace $dax
run dis pmemctl disable-namespace $dax
run dis-region pmemctl disable-region $r
run rd pmemctl read-namespace $dax --length 2M -o /tmp/out -q
run wr pmemctl write-namespace $dax -i /tmp/in -q
run destroy pmemctl destroy-namespace -f $dax
run edit pmemctl create-namespace -f -e $dax -m fsdax
snap after
# kmem with its memory offline is not in use (ndctl's rule): disable works
run offline sh -c "daxctl offline-memory $chr >/dev/null"
run dis-offline pmemctl disable-namespace $dax
section st-offline; j ndctl list -N -i -n $dax
section end
GUEST
out=$VM_WORKDIR/out
vm_boot_sections "$plat" "$VM_WORKDIR/guest.sh" "$out" "kmem devdax is in use"

read -r r dax chr <<<"$(vm_section "$out" names)"
rc() { vm_section "$out" "$1" | head -n1; }
errs() { vm_section "$out" "$1" | sed 1d; }

if [ "$(rc reconfig)" != rc=0 ]; then
    vm_log "daxctl reconfigure-device --mode=system-ram failed in this guest:"
    errs reconfig >&2
    vm_skip "system-ram unavailable in the guest"
fi
check vm_assert_eq "the dax device is kmem's" kmem "$(vm_section "$out" kmem | sed 's,.*/,,')"
check vm_assert_eq "its memory blocks are online" true \
    "$(vm_section "$out" memblocks | jq '.[0].online_memblocks > 0')"
check vm_assert_eq "ndctl refuses too" 1 "$(rc ndctl-dis | grep -vc rc=0)"
for c in dis dis-region rd wr; do
    check vm_assert_eq "$c: refused (exit 4)" rc=4 "$(rc $c)"
    check vm_assert_eq "$c: one line, online as system RAM" 1 \
        "$(errs $c | grep -c "$dax: $chr is online as system RAM (kmem)")"
    check vm_assert_eq "$c: nothing else said" 1 "$(errs $c | wc -l)"
done
# destroy -f and create -e -f disable first, through the same check
for c in destroy edit; do
    check vm_assert_eq "$c: refused even with --force (exit 4)" rc=4 "$(rc $c)"
    check vm_assert_eq "$c: says online as system RAM" 1 \
        "$(errs $c | grep -c "$dax: $chr is online as system RAM (kmem)")"
done
check vm_json_compare "nothing changed (ndctl list -RNi)" \
    "$(vm_section "$out" snap-before | vm_ndctl_list)" \
    "$(vm_section "$out" snap-after | vm_ndctl_list)"
check vm_assert_eq "daxctl offline-memory: exit 0" rc=0 "$(rc offline)"
check vm_assert_eq "memory offline: disable-namespace exit 0" rc=0 "$(rc dis-offline)"
check vm_assert_eq "memory offline: ndctl says disabled" disabled \
    "$(vm_section "$out" st-offline | vm_ndctl_list | jq -r '.[0].state // "enabled"')"

vm_checks_done
vm_log "ok: a devdax namespace online as system RAM is refused by disable, destroy, reconfigure and read/write-namespace"
