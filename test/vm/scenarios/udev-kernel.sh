#!/usr/bin/env bash
# enable/disable-namespace with systemd-udevd running in the guest (Debian's,
# from the initramfs): a rule that takes 2 s per pmem/dax device event
# (PROGRAM sleep 2) before it makes a /dev/pmemctl-test/<dev> link (on
# every event but remove: a dax device's "bind" event would drop it). Right after
# `pmemctl enable-namespace` returns, the namespace's /dev node and udev's
# link for it must exist: pmemctl waited for udev's queue (libudev), not a
# fixed sleep. And udevd saw the remove:
# after disable-namespace the link is gone.  The same for pmemctl.static,
# which polls /run/udev/queue where pmemctl dlopen()s libudev.
#
# Host: `pmemctl platform create` one blank 256 MiB DIMM.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# one boot does all of it: room for a loaded host (TCG)
VM_TIMEOUT=$((VM_TIMEOUT > 300 ? VM_TIMEOUT : 300))
vm_require
vm_require_pmemctl
[ -f "${PMEMCTL_VM_CACHE:-/var/cache/pmemctl-vm}/udev/.complete" ] ||
    vm_skip "no udev for the guest (run scripts/vm-deps.sh)"

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 1 --dimm-size 256M

vm_guest_script "$VM_WORKDIR/guest.sh" <<'GUEST'
r=$(vm_label_nmem0)
ndctl create-namespace -r $r -s 32M -m sector >&2
ndctl create-namespace -r $r -s 48M -m fsdax -M mem >&2
ndctl create-namespace -r $r -s 48M -m devdax -M mem -a 2M >&2
sec=$(vm_ns_of_mode sector); fs=$(vm_ns_of_mode fsdax); dax=$(vm_ns_of_mode devdax)

mkdir -p /etc/udev/rules.d
cat >/etc/udev/rules.d/99-pmemctl-test.rules <<'RULES'
SUBSYSTEM=="block", KERNEL=="pmem*", ACTION!="remove", PROGRAM="/bin/sleep 2", SYMLINK+="pmemctl-test/%k"
SUBSYSTEM=="dax", KERNEL=="dax*", ACTION!="remove", PROGRAM="/bin/sleep 2", SYMLINK+="pmemctl-test/%k"
RULES
/lib/systemd/systemd-udevd --daemon 2>/tmp/udevd.log
udevadm trigger --action=add >&2
udevadm settle --timeout=60 >&2
_rc=0; udevadm control --ping 2>/tmp/err || _rc=$?
section udevd; echo "rc=$_rc"; cat /tmp/err
section names; echo "$sec $fs $dax"

tools=pmemctl
command -v pmemctl.static >/dev/null && tools="pmemctl pmemctl.static"
section tools; echo "$tools"
for tool in $tools; do
for ns in $sec $fs $dax; do
    dev=$(vm_ns_field $ns blockdev); [ -n "$dev" ] || dev=$(vm_ns_field $ns chardev)
    t=$tool-$ns
    section "dev-$t"; echo "$dev"
    _rc=0; $tool disable-namespace $ns 2>/tmp/err || _rc=$?
    section "dis-$t"; echo "rc=$_rc"; cat /tmp/err
    section "link-dis-$t"; [ -e /dev/pmemctl-test/$dev ] && echo present || echo absent
    _rc=0; $tool enable-namespace $ns 2>/tmp/err || _rc=$?
    # right after enable returns: the node and udev's link
    _node=absent; [ -e /dev/$dev ] && _node=present
    _link=absent; [ -e /dev/pmemctl-test/$dev ] && _link=present
    section "en-$t"; echo "rc=$_rc"; cat /tmp/err
    section "node-en-$t"; echo "$_node"
    section "link-en-$t"; echo "$_link"
done
done
section end
GUEST
out=$VM_WORKDIR/out
vm_boot_sections "$plat" "$VM_WORKDIR/guest.sh" "$out" "pmemctl waits for udevd"

check vm_assert_eq "udevd runs in the guest" rc=0 "$(vm_section "$out" udevd | head -n1)"
read -r sec fs dax <<<"$(vm_section "$out" names)"
# pmemctl waits through libudev (dlopen()ed), pmemctl.static polls
# /run/udev/queue (when the build made it)
for tool in $(vm_section "$out" tools); do
for ns in $sec $fs $dax; do
    t=$tool-$ns
    dev=$(vm_section "$out" "dev-$t")
    check vm_assert_eq "$tool disable-namespace $ns: exit 0" rc=0 "$(vm_section "$out" "dis-$t" | head -n1)"
    check vm_assert_eq "$tool disable-namespace $ns: udev removed /dev/pmemctl-test/$dev" absent \
        "$(vm_section "$out" "link-dis-$t")"
    check vm_assert_eq "$tool enable-namespace $ns: exit 0" rc=0 "$(vm_section "$out" "en-$t" | head -n1)"
    check vm_assert_eq "$tool enable-namespace $ns: /dev/$dev exists when it returns" present \
        "$(vm_section "$out" "node-en-$t")"
    check vm_assert_eq "$tool enable-namespace $ns: udev's link for $dev exists when it returns" present \
        "$(vm_section "$out" "link-en-$t")"
done
done

vm_checks_done
vm_log "ok: enable-namespace returns once udevd has handled the new devices"
