#!/usr/bin/env bash
# create-namespace, reconfigure (-e) and destroy-namespace on the live
# kernel. Host: `pmemctl platform create` three blank 256 MiB DIMMs. Guest:
# ndctl init-labels gives nmem0 v1.1 labels and nmem1 v1.2 labels; nmem2
# stays label-less (one io namespace, the whole region). Then:
# - rollback: with dax_pmem unloaded and blacklisted a devdax create fails
#   at the bind, and so does a 16 MiB sector namespace on v1.1 labels; the
#   region is as before (ndctl list -RNi, available_size);
# - not root: create and destroy refuse in one line, nothing changes;
# - on both labelled regions pmemctl creates raw, sector 512/4096/520, fsdax
#   map=mem and map=dev (align 4K), devdax (align 2M), with a name and a
#   uuid; a size the region cannot give, or not a multiple of its align,
#   is refused;
# - reconfigure raw -> sector -> fsdax -> devdax -> raw;
# - pmemctl destroys what ndctl made and ndctl destroys what pmemctl made;
# - a held block device (busybox mkswap + swapon) refuses destroy -f and
#   -e -f; an active namespace without -f is refused;
# - the label-less region: sub-dividing refused; -e -f through fsdax,
#   sector, devdax and back to raw.
# After every step `ndctl list -RNi` and `pmemctl list -RNi` agree on each
# namespace's mode, size, uuid, sector_size, align, map, blockdev,
# chardev, name and state and each region's available_size.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
vm_require
vm_require_pmemctl create-namespace destroy-namespace

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 3 --dimm-size 256M

vm_guest_script "$VM_WORKDIR/guest.sh" <<'GUEST'
ndctl disable-region all >&2
ndctl init-labels nmem0 >&2
ndctl init-labels -V 1.2 nmem1 >&2
ndctl enable-region all >&2
# the region of each DIMM (the kernel numbers regions in QEMU's order)
reg() { for r in /sys/bus/nd/devices/region*; do
        case $(cat "$r/mapping0") in "$1",*) echo "${r##*/}" ;; esac; done; }
r11=$(reg nmem0); r12=$(reg nmem1); rio=$(reg nmem2)
section names; echo "$r11 $r12 $rio"
N=0
# snap NAME: both tools' view (compared on the host)
snap() {
    section "nd-$1"; j ndctl list -R -N -i
    section "pm-$1"; j pmemctl list -R -N -i
}
# run NAME CMD...: section run-NAME holds "rc=N", CMD's stdout and stderr;
# then both views as NAME
run() {
    _n=$1; shift; _rc=0
    "$@" >/tmp/out 2>/tmp/err || _rc=$?
    section "run-$_n"; echo "rc=$_rc"; cat /tmp/out /tmp/err
    N=$((N + 1)); echo "$_n" >>/tmp/steps
    snap "$_n"
}
# dev of the namespace pmemctl just printed (run-NAME's JSON)
last() { sed -n 's/.*"dev" *: *"\(namespace[0-9.]*\)".*/\1/p' /tmp/out | head -n1; }
: >/tmp/steps
snap start

# --- rollback: the devdax bind fails (dax_pmem unloaded and blacklisted) ----
rmmod dax_pmem >&2 || true
mkdir -p /etc/modprobe.d
echo "blacklist dax_pmem" >/etc/modprobe.d/pmemctl-test.conf
for m in $(find /lib/modules -name 'dax_pmem.ko*'); do mv "$m" "$m.off"; done
section rb-mod; [ -d /sys/module/dax_pmem ] && echo loaded || echo absent
snap rb-before
run rb-devdax pmemctl create-namespace -r $r12 -m devdax -s 32M
run rb-devdax11 pmemctl create-namespace -r $r11 -m devdax -s 64M
# and a BTT the kernel cannot lay out: v1.1 labels start it at 4 KiB, so a
# 16 MiB namespace leaves less than the 16 MiB arena minimum (nd_pmem's
# probe fails); ndctl would leave this btt attached
run rb-btt11 pmemctl create-namespace -r $r11 -m sector -s 16M
for m in $(find /lib/modules -name 'dax_pmem.ko*.off'); do mv "$m" "${m%.off}"; done
rm /etc/modprobe.d/pmemctl-test.conf

# --- not root -------------------------------------------------------------
echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd
echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >>/etc/passwd
echo 'root:x:0:' >/etc/group
echo 'nogroup:x:65534:' >>/etc/group
run nobody-create su -s /bin/sh nobody -c "pmemctl create-namespace -r $r11 -s 32M"

# --- every mode on both label versions ------------------------------------
u=5a6b7c8d-1111-4222-8333-94445555666
for r in $r11 $r12; do
    run "$r-raw" pmemctl create-namespace -r $r -m raw -s 16M -n rawns
    run "$r-s512" pmemctl create-namespace -r $r -m sector -l 512 -s 32M
    run "$r-s4096" pmemctl create-namespace -r $r -m sector -s 32M -n sect
    run "$r-s520" pmemctl create-namespace -r $r -m sector -l 520 -s 32M
    run "$r-fsmem" pmemctl create-namespace -r $r -m fsdax -M mem -s 32M
    run "$r-fsdev" pmemctl create-namespace -r $r -m fsdax -a 4K -s 32M \
        -u $u${r#region}
    run "$r-dax" pmemctl create-namespace -r $r -m devdax -a 2M -s 32M -n dx
    run "$r-toobig" pmemctl create-namespace -r $r -m raw -s 1G
    run "$r-misalign" pmemctl create-namespace -r $r -m raw -s 17M
done

# --- reconfigure raw -> sector -> fsdax -> devdax -> raw --------------------
run rc-new pmemctl create-namespace -r $r11 -m raw -s 32M -n chain
ns=$(last); echo "$ns" >/tmp/chain
section chain; echo "$ns"
run rc-active pmemctl create-namespace -e $ns -m sector
run rc-sector pmemctl create-namespace -f -e $ns -m sector
run rc-fsdax pmemctl create-namespace -f -e $ns -m fsdax
run rc-devdax pmemctl create-namespace -f -e $ns -m devdax
run rc-raw pmemctl create-namespace -f -e $ns -m raw

# --- holders: swap on a raw namespace refuses destroy -f and -e -f ----------
blk=$(ndctl list -N -n $ns | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p')
mkswap /dev/$blk >&2
swapon /dev/$blk
section swaps; cat /proc/swaps
run held-destroy pmemctl destroy-namespace -f $ns
run held-reconf pmemctl create-namespace -f -e $ns -m sector
swapoff /dev/$blk
run nobody-destroy su -s /bin/sh nobody -c "pmemctl destroy-namespace -f $ns"
run destroy-active pmemctl destroy-namespace $ns
run destroy-pm pmemctl destroy-namespace -f $ns

# --- ndctl-made destroyed by pmemctl, pmemctl-made by ndctl -----------------
ndctl create-namespace -r $r12 -m fsdax -s 32M -n byndctl >/tmp/out
ndns=$(last)
run nd-made true
section ndns; echo "$ndns"
run destroy-ndctl-made pmemctl destroy-namespace -f $ndns
run pm-made pmemctl create-namespace -r $r12 -m sector -s 32M -n bypm
pmns=$(last)
section pmns; echo "$pmns"
ndctl destroy-namespace -f $pmns >&2
run nd-destroyed true
run pm-again pmemctl create-namespace -r $r12 -m fsdax -s 32M
run destroy-all-r11 pmemctl destroy-namespace -f -r $r11 all

# --- the label-less region ------------------------------------------------
run io-sub pmemctl create-namespace -f -r $rio -m fsdax -s 64M
run io-active pmemctl create-namespace -r $rio -m fsdax
run io-fsdax pmemctl create-namespace -f -e namespace${rio#region}.0 -m fsdax
run io-sector pmemctl create-namespace -f -e namespace${rio#region}.0 -m sector
run io-devdax pmemctl create-namespace -f -e namespace${rio#region}.0 -m devdax
run io-raw pmemctl create-namespace -f -e namespace${rio#region}.0 -m raw
section io-head; dd if=/dev/$(ls /sys/bus/nd/devices/namespace${rio#region}.0/block) bs=4096 count=2 2>/dev/null | tr -d '\000' | wc -c
section steps; cat /tmp/steps
section end
GUEST
out=$VM_WORKDIR/out
VM_TIMEOUT=${VM_TIMEOUT_CREATE:-500} vm_boot_sections "$plat" "$VM_WORKDIR/guest.sh" "$out" "pmemctl creates, reconfigures and destroys"
# shellcheck source=create-kernel.check.sh
. "$(dirname "$0")/create-kernel.check.sh"
