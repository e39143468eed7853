#!/usr/bin/env bash
# check-btt -f and libkmod: a bind needs libkmod only when no driver takes
# the device, so with the nd drivers loaded `check-btt -f` (disable, bind
# raw, check, unbind, enable) never loads libkmod (nor, through it,
# libcrypto, libzstd and liblzma); without them (rmmod nd_pmem nd_btt) a
# check of the disabled sector namespace loads nd_pmem through libkmod,
# checks it clean and leaves it disabled, and enable-namespace brings it
# back with its data.  pmemctl.static does the same through the kernel's
# modprobe (busybox's here): with the drivers loaded it runs no modprobe;
# without them it runs one, and the check passes.
#
# Host: `pmemctl platform create` one blank 320 MiB DIMM.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
vm_require
vm_require_pmemctl

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 1 --dimm-size 320M

vm_guest_script "$VM_WORKDIR/guest.sh" <<'GUEST'
r=$(vm_label_nmem0)
ndctl create-namespace -r $r -s 256M -m sector -l 4096 >&2
ns=$(ndctl list -N -m sector | sed -n 's/.*"dev":"\([^"]*\)".*/\1/p' | head -n1)
blk=$(ndctl list -N -n $ns | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p')
dd if=/dev/urandom of=/tmp/pat bs=4096 count=64 2>/dev/null
dd if=/tmp/pat of=/dev/$blk bs=4096 oflag=direct 2>/dev/null
section want; sha256sum </tmp/pat | cut -d' ' -f1
st() { ndctl list -N -i -n $ns | grep -q '"state":"disabled"' && echo disabled || echo enabled; }
mods() { for m in nd_pmem nd_btt; do [ -d /sys/module/$m ] && echo -n "$m:loaded " || echo -n "$m:absent "; done; echo; }
# run NAME CMD...: "rc=N", then the libraries the loader opened
run() {
    _n=$1; shift; _rc=0
    LD_DEBUG=libs "$@" >/tmp/out 2>/tmp/err || _rc=$?
    section "$_n"; echo "rc=$_rc"; st
    section "$_n-libs"; sed -n 's/.*calling init: //p' /tmp/err
    section "$_n-err"; grep -v '^ *[0-9]*:' /tmp/err || true
}
run forced pmemctl check-btt -f -q $ns
section mods-loaded; mods
ndctl disable-namespace $ns >&2
rmmod nd_pmem >&2
rmmod nd_btt >&2 || true
section mods-removed; mods
run nodriver pmemctl check-btt -q $ns
section mods-after; mods
# pmemctl.static: the same, through the kernel's modprobe (logged by a
# wrapper: the modprobe path the kernel runs is /proc/sys/kernel/modprobe)
cat >/tmp/modprobe <<'MP'
#!/bin/sh
echo "$*" >>/tmp/modprobe.log
exec /sbin/modprobe "$@"
MP
chmod +x /tmp/modprobe
old_mp=$(cat /proc/sys/kernel/modprobe)
echo /tmp/modprobe >/proc/sys/kernel/modprobe
: >/tmp/modprobe.log
srun() { _n=$1; shift; _rc=0; "$@" >/tmp/out 2>/tmp/err || _rc=$?; section "$_n"; echo "rc=$_rc"; st; section "$_n-err"; cat /tmp/err; }
ndctl enable-namespace $ns >&2 || pmemctl enable-namespace $ns >&2
# (only when the build made pmemctl.static)
if command -v pmemctl.static >/dev/null; then
section has-static; echo yes
srun static-forced pmemctl.static check-btt -f -q $ns
section static-forced-modprobe; cat /tmp/modprobe.log; : >/tmp/modprobe.log
ndctl disable-namespace $ns >&2
rmmod nd_pmem >&2
rmmod nd_btt >&2 || true
section static-mods-removed; mods
srun static-nodriver pmemctl.static check-btt -q $ns
section static-nodriver-modprobe; cat /tmp/modprobe.log
section modalias; cat /sys/bus/nd/devices/$ns/modalias
section static-mods-after; mods
fi
echo "$old_mp" >/proc/sys/kernel/modprobe
ndctl enable-namespace $ns >&2 || pmemctl enable-namespace $ns >&2
section data; st; dd if=/dev/$blk bs=4096 count=64 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1
section end
GUEST
out=$VM_WORKDIR/out
vm_boot_sections "$plat" "$VM_WORKDIR/guest.sh" "$out" "check-btt -f and libkmod"

sec() { vm_section "$out" "$1"; }
check vm_assert_eq "check-btt -f, drivers loaded: clean (exit 0), enabled again" \
    "rc=0 enabled" "$(sec forced | tr '\n' ' ' | sed 's/ $//')"
check vm_assert_eq "check-btt -f, drivers loaded: the loader ran pmemctl's libraries" 1 \
    "$(sec forced-libs | grep -c 'libpmemctl\.so')"
check vm_assert_eq "check-btt -f, drivers loaded: libkmod never loaded" 0 \
    "$(sec forced-libs | grep -c -E 'libkmod|libcrypto|libzstd|liblzma' || true)"
check vm_assert_eq "check-btt -f, no udevd: libudev never loaded" 0 \
    "$(sec forced-libs | grep -c 'libudev' || true)"
check vm_assert_eq "the drivers were loaded, then removed" \
    "nd_pmem:loaded nd_btt:loaded |nd_pmem:absent nd_btt:absent " \
    "$(sec mods-loaded)|$(sec mods-removed)"
check vm_assert_eq "check-btt without the drivers: clean (exit 0), left disabled" \
    "rc=0 disabled" "$(sec nodriver | tr '\n' ' ' | sed 's/ $//')"
check vm_assert_eq "check-btt without the drivers: libkmod loaded them" 1 \
    "$(sec nodriver-libs | grep -c 'libkmod\.so')"
check vm_assert_eq "check-btt without the drivers: nd_pmem and nd_btt loaded" \
    "nd_pmem:loaded nd_btt:loaded " "$(sec mods-after)"
check vm_assert_eq "enabled again: the data reads back" \
    "enabled $(sec want)" "$(sec data | tr '\n' ' ' | sed 's/ $//')"
check vm_assert_eq "no error output" "" "$(sec forced-err)$(sec nodriver-err)"
if [ "$(sec has-static)" = yes ]; then
    check vm_assert_eq "pmemctl.static check-btt -f, drivers loaded: clean, enabled again" \
        "rc=0 enabled" "$(sec static-forced | tr '\n' ' ' | sed 's/ $//')"
    check vm_assert_eq "pmemctl.static check-btt -f, drivers loaded: no modprobe run" \
        "" "$(sec static-forced-modprobe)"
    check vm_assert_eq "the drivers were removed again" \
        "nd_pmem:absent nd_btt:absent " "$(sec static-mods-removed)"
    check vm_assert_eq "pmemctl.static check-btt without the drivers: clean, left disabled" \
        "rc=0 disabled" "$(sec static-nodriver | tr '\n' ' ' | sed 's/ $//')"
    check vm_assert_eq "pmemctl.static ran the kernel's modprobe for the namespace's modalias" \
        "-q -b -- $(sec modalias)" "$(sec static-nodriver-modprobe)"
    check vm_assert_eq "pmemctl.static without the drivers: nd_pmem and nd_btt loaded" \
        "nd_pmem:loaded nd_btt:loaded " "$(sec static-mods-after)"
    check vm_assert_eq "pmemctl.static: no error output" "" \
        "$(sec static-forced-err)$(sec static-nodriver-err)"
else
    vm_log "no pmemctl.static in this build: its modprobe path not checked"
fi
vm_checks_done
vm_log "ok: check-btt -f loads no libkmod with the drivers present; without them libkmod (pmemctl.static: modprobe) loads nd_pmem and the check passes"
