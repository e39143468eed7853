#!/usr/bin/env bash
# enable/disable on the live kernel: inside the guest, ndctl makes a sector,
# an fsdax and a raw namespace; pmemctl disables and enables each namespace
# and the region, and `ndctl list` must show each change. A real holder
# (busybox mkswap + swapon on the raw namespace's /dev/pmemX) makes
# disable-namespace and disable-region refuse (exit 4) and change nothing;
# the unprivileged user "nobody" gets a one-line error and changes nothing;
# with nd_pmem and nd_btt unloaded (rmmod), enable-namespace loads them
# through libkmod (the modalias) and binds; disable-dimm refuses while the
# region is enabled, then disable-dimm and enable-dimm work.
#
# Host: `pmemctl platform create` one blank 256 MiB DIMM.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
vm_require
vm_require_pmemctl

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 1 --dimm-size 256M

vm_guest_script "$VM_WORKDIR/guest.sh" <<'GUEST'
ndctl disable-region all >&2
ndctl init-labels nmem0 >&2
ndctl enable-region all >&2
r=$(ndctl list -R | sed -n 's/.*"dev":"\(region[0-9]*\)".*/\1/p' | head -n1)
ndctl create-namespace -r $r -s 32M -m sector >&2
ndctl create-namespace -r $r -s 48M -m fsdax -M mem >&2
ndctl create-namespace -r $r -s 32M -m raw >&2
dev_of() { ndctl list -N -m "$1" | sed -n 's/.*"dev":"\([^"]*\)".*/\1/p' | head -n1; }
sec=$(dev_of sector); fs=$(dev_of fsdax); raw=$(dev_of raw)
rawblk=$(ndctl list -N -n "$raw" | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p')
section names; echo "$r $sec $fs $raw $rawblk"
# run NAME CMD...: section NAME holds "rc=N" and CMD's stderr
run() {
    _n=$1; shift; _rc=0
    "$@" 2>/tmp/err || _rc=$?
    section "$_n"; echo "rc=$_rc"; cat /tmp/err
}
st() { section "st-$1"; j ndctl list -N -i -n "$2"; }
snap() { section "snap-$1"; j ndctl list -R -N -i; }

for ns in $sec $fs $raw; do
    st "before-$ns" $ns
    run "dis-$ns" pmemctl disable-namespace $ns; st "dis-$ns" $ns
    run "en-$ns" pmemctl enable-namespace $ns; st "en-$ns" $ns
done
run dis-region pmemctl disable-region $r
section st-dis-region; j ndctl list -R -i -r $r
section st-dis-region-ns; j ndctl list -N
run en-region pmemctl enable-region $r
section st-en-region; j ndctl list -R -i -r $r
section st-en-region-ns; j ndctl list -N

# a real holder: swap on the raw namespace
mkswap /dev/$rawblk >&2
swapon /dev/$rawblk
section swaps; cat /proc/swaps
snap held-before
run held-ns pmemctl disable-namespace $raw
run held-region pmemctl disable-region $r
snap held-after
swapoff /dev/$rawblk

# an unprivileged user
echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd
echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >>/etc/passwd
echo 'root:x:0:' >/etc/group
echo 'nogroup:x:65534:' >>/etc/group
snap nobody-before
run nobody-ns su -s /bin/sh nobody -c "pmemctl disable-namespace $sec"
run nobody-region su -s /bin/sh nobody -c "pmemctl disable-region $r"
snap nobody-after

# the drivers not loaded: libkmod loads them on enable
rmmod nd_pmem >&2 || true
rmmod nd_btt >&2 || true
section mods-before; for m in nd_pmem nd_btt; do [ -d /sys/module/$m ] && echo "$m loaded" || echo "$m absent"; done
st mod-before $sec
run mod-en pmemctl enable-namespace $sec; st mod-en $sec
section mods-after; for m in nd_pmem nd_btt; do [ -d /sys/module/$m ] && echo "$m loaded" || echo "$m absent"; done

# DIMMs: refused while the region uses it, then disabled and enabled
dst() { section "dst-$1"; j ndctl list -D -i -d nmem0; }
run dimm-held pmemctl disable-dimm nmem0; dst held
ndctl disable-region all >&2
run dimm-dis pmemctl disable-dimm nmem0; dst dis
run dimm-en pmemctl enable-dimm nmem0; dst en
ndctl enable-region all >&2
section end
GUEST
out=$VM_WORKDIR/out
vm_boot_sections "$plat" "$VM_WORKDIR/guest.sh" "$out" "pmemctl enables and disables"

read -r r sec fs raw rawblk <<<"$(vm_section "$out" names)"
# state NAME: "disabled" or "enabled" from an ndctl list section
state() { vm_section "$out" "$1" | vm_ndctl_list | jq -r '.[0].state // "enabled"'; }
rc() { vm_section "$out" "$1" | head -n1; }

for ns in $sec $fs $raw; do
    check vm_assert_eq "disable-namespace $ns: exit 0" rc=0 "$(rc "dis-$ns")"
    check vm_assert_eq "disable-namespace $ns: ndctl says disabled" disabled "$(state "st-dis-$ns")"
    check vm_assert_eq "enable-namespace $ns: exit 0" rc=0 "$(rc "en-$ns")"
    check vm_assert_eq "enable-namespace $ns: ndctl says enabled" enabled "$(state "st-en-$ns")"
done
for ns in $sec $fs $raw; do
    check vm_json_compare "$ns: disabled and enabled again, ndctl lists it as before" \
        "$(vm_section "$out" "st-before-$ns" | vm_ndctl_list)" \
        "$(vm_section "$out" "st-en-$ns" | vm_ndctl_list)"
done
check vm_assert_eq "disable-region: exit 0" rc=0 "$(rc dis-region)"
check vm_assert_eq "disable-region: ndctl says disabled" disabled "$(state st-dis-region)"
check vm_assert_eq "disable-region: no namespace enabled" 0 \
    "$(vm_section "$out" st-dis-region-ns | vm_ndctl_list | jq length)"
check vm_assert_eq "enable-region: exit 0" rc=0 "$(rc en-region)"
check vm_assert_eq "enable-region: ndctl says enabled" enabled "$(state st-en-region)"
check vm_assert_eq "enable-region: the three namespaces are back" 3 \
    "$(vm_section "$out" st-en-region-ns | vm_ndctl_list | jq length)"

check vm_assert_eq "swap is on the raw namespace" 1 \
    "$(vm_section "$out" swaps | grep -c "/dev/$rawblk")"
for c in held-ns held-region; do
    check vm_assert_eq "$c: refused (exit 4)" rc=4 "$(rc $c)"
    check vm_assert_eq "$c: says it is in use" 1 \
        "$(vm_section "$out" $c | grep -c "/dev/$rawblk is in use")"
done
check vm_json_compare "held: nothing changed (ndctl list -RNi)" \
    "$(vm_section "$out" snap-held-before | vm_ndctl_list)" \
    "$(vm_section "$out" snap-held-after | vm_ndctl_list)"

for c in nobody-ns nobody-region; do
    check vm_assert_eq "$c: exit 1" rc=1 "$(rc $c)"
    check vm_assert_eq "$c: one line saying to run as root" 1 \
        "$(vm_section "$out" $c | sed 1d | grep -c 'not writable (Permission denied): run as root$')"
done
check vm_json_compare "nobody: nothing changed (ndctl list -RNi)" \
    "$(vm_section "$out" snap-nobody-before | vm_ndctl_list)" \
    "$(vm_section "$out" snap-nobody-after | vm_ndctl_list)"

check vm_assert_eq "rmmod: the drivers are not loaded" "nd_pmem absent nd_btt absent" \
    "$(vm_section "$out" mods-before | tr '\n' ' ' | sed 's/ $//')"
check vm_assert_eq "rmmod: the sector namespace is disabled" disabled "$(state st-mod-before)"
check vm_assert_eq "enable-namespace without the drivers: exit 0" rc=0 "$(rc mod-en)"
check vm_assert_eq "libkmod loaded the drivers" "nd_pmem loaded nd_btt loaded" \
    "$(vm_section "$out" mods-after | tr '\n' ' ' | sed 's/ $//')"
check vm_assert_eq "enable-namespace without the drivers: enabled" enabled "$(state st-mod-en)"

check vm_assert_eq "disable-dimm while its region is enabled: refused (exit 4)" rc=4 "$(rc dimm-held)"
check vm_assert_eq "disable-dimm refused: says why" 1 \
    "$(vm_section "$out" dimm-held | grep -c "nmem0: $r is enabled and uses it")"
check vm_assert_eq "disable-dimm refused: still enabled" enabled "$(state dst-held)"
check vm_assert_eq "disable-dimm: exit 0" rc=0 "$(rc dimm-dis)"
check vm_assert_eq "disable-dimm: ndctl says disabled" disabled "$(state dst-dis)"
check vm_assert_eq "enable-dimm: exit 0" rc=0 "$(rc dimm-en)"
check vm_assert_eq "enable-dimm: ndctl says enabled" enabled "$(state dst-en)"

vm_checks_done
vm_log "ok: enable/disable of namespaces, regions and DIMMs on the live kernel, refusals (swap holder, non-root), libkmod loads the drivers"
