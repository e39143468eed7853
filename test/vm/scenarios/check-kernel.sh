#!/usr/bin/env bash
# check-btt on live sector namespaces, against ndctl check-namespace in the
# same guest. ndctl makes two sector namespaces (64 MiB 4096-byte sectors
# holding a known pattern, 1 GiB 512-byte sectors); then:
#  - without -f an enabled namespace is refused (exit 8) and nothing
#    changes; /dev/pmemN of a sector namespace says what to type;
#  - clean: `pmemctl check-btt -f NS` and `ndctl check-namespace -f NS` both
#    clean, also as `check-btt -f /dev/pmemNs` and with --repair; afterwards
#    the namespace is enabled, force_raw is 0, the pattern reads back;
#  - the backup info block damaged through raw access: both find it, both
#    repair it to the same bytes; the namespace comes back enabled;
#  - the primary info block zeroed, namespace left disabled: checked
#    without -f, both find it, pmemctl repairs it, it stays disabled, and
#    it enables as sector with its data;
#  - a check of the 1 GiB namespace stopped by SIGINT exits 32 and puts it
#    back; a swap area on it is refused even with -f.
#
# Host: `pmemctl platform create` one blank 1.25 GiB DIMM.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
vm_require
vm_require_pmemctl
# one boot does it all, with a 1 GiB BTT made and checked under TCG
VM_TIMEOUT=$((VM_TIMEOUT > 540 ? VM_TIMEOUT : 540))

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 1 --dimm-size 1280M

vm_guest_script "$VM_WORKDIR/guest.sh" <<'GUEST'
ndctl disable-region all >&2
ndctl init-labels nmem0 >&2
ndctl enable-region all >&2
r=$(ndctl list -R | sed -n 's/.*"dev":"\(region[0-9]*\)".*/\1/p' | head -n1)
devs() { ndctl list -N -m sector | sed -n 's/.*"dev":"\([^"]*\)".*/\1/p'; }
ndctl create-namespace -r $r -s 64M -m sector -l 4096 >&2
sec=$(devs | head -n1)
ndctl create-namespace -r $r -s 1G -m sector -l 512 >&2
big=$(devs | grep -v "^$sec\$" | head -n1)
blk() { ndctl list -N -n "$1" | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p'; }
secblk=$(blk $sec); bigblk=$(blk $big)
section names; echo "$sec $secblk $big $bigblk"
sys() { echo /sys/bus/nd/devices/$1; }

vm_pattern sec 512 >/tmp/pat
dd if=/tmp/pat of=/dev/$secblk bs=4096 oflag=direct 2>/dev/null
section want; sha256sum </tmp/pat | cut -d' ' -f1

# run NAME CMD...: sections NAME ("rc=N"), NAME-err, NAME-out
run() {
    _n=$1; shift; _rc=0
    echo "step $_n $(cut -d' ' -f1 /proc/uptime)" >&2
    "$@" >/tmp/out 2>/tmp/err || _rc=$?
    section "$_n"; echo "rc=$_rc"
    section "$_n-err"; cat /tmp/err
    section "$_n-out"; cat /tmp/out
}
# after NAME NS: "STATE force_raw=N DATA" (DATA: the pattern's sha256 for sec)
after() {
    _st=enabled
    ndctl list -N -i -n $2 | grep -q '"state":"disabled"' && _st=disabled
    _d=-
    if [ "$2" = "$sec" ] && [ $_st = enabled ]; then
        _d=$(dd if=/dev/$(blk $sec) bs=4096 count=512 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
    fi
    section "after-$1"; echo "$_st force_raw=$(cat $(sys $2)/force_raw) $_d"
}
snap() { section "snap-$1"; j ndctl list -N -i; }

# raw NS: the namespace (disabled) bound raw, as ndctl check-namespace does
raw_on() {
    echo 1 >$(sys $1)/force_raw
    echo $1 >/sys/bus/nd/drivers/nd_pmem/bind
    rawdev=/dev/$(ls $(sys $1)/block)
}
raw_off() {
    echo $1 >$(sys $1)/driver/unbind
    echo 0 >$(sys $1)/force_raw
}
# field NAME: arena 0's NAME (one arena: the last of the report)
field() { pmemctl check-btt -j $rawdev | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" | tail -n1; }
damage_info2() {
    ndctl disable-namespace $sec >&2
    raw_on $sec
    _o=$(field info2off)
    [ -n "$_o" ] || { echo "no info2off on $rawdev" >&2; exit 1; }
    printf '\336\255\276\357' | dd of=$rawdev bs=1 seek=$((_o + 2000)) conv=notrunc 2>/dev/null
    sync
    raw_off $sec
    ndctl enable-namespace $sec >&2
}
rawsum() {
    ndctl disable-namespace $sec >&2
    raw_on $sec
    section "rawsum-$1"; sha256sum <$rawdev | cut -d' ' -f1
    raw_off $sec
    ndctl enable-namespace $sec >&2
}

# --- refusals and the hint ---------------------------------------------------
snap nof-before
run nof pmemctl check-btt $sec
run nof-dev pmemctl check-btt --repair /dev/$secblk
snap nof-after
run hint pmemctl check-btt /dev/${secblk%s}

# --- clean ---------------------------------------------------------------------
run p-clean pmemctl check-btt -f $sec; after p-clean $sec
run n-clean ndctl check-namespace -f $sec; after n-clean $sec
run p-dev pmemctl check-btt -f /dev/$secblk; after p-dev $sec
run p-clean-repair pmemctl check-btt -f --repair $sec; after p-clean-repair $sec

# --- the backup info block damaged ------------------------------------------------
damage_info2
run p-d1 pmemctl check-btt -f -j $sec; after p-d1 $sec
run n-d1 ndctl check-namespace -f $sec; after n-d1 $sec
run p-d1-repair pmemctl check-btt -f --repair $sec; after p-d1-repair $sec
run n-d1-after ndctl check-namespace -f $sec
run p-d1-after pmemctl check-btt -f $sec
rawsum p-repaired
damage_info2
run n-d1-repair ndctl check-namespace -f --repair $sec; after n-d1-repair $sec
run p-d1-after-n pmemctl check-btt -f $sec
rawsum n-repaired

# --- the primary info block zeroed, the namespace left disabled ---------------------
ndctl disable-namespace $sec >&2
raw_on $sec
_o=$(field offset)
dd if=/dev/zero of=$rawdev bs=4096 seek=$((_o / 4096)) count=1 conv=notrunc 2>/dev/null
sync
raw_off $sec
run p-d2 pmemctl check-btt -j $sec; after p-d2 $sec
run n-d2 ndctl check-namespace $sec; after n-d2 $sec
run p-d2-repair pmemctl check-btt --repair $sec; after p-d2-repair $sec
run n-d2-after ndctl check-namespace $sec
ndctl enable-namespace $sec >&2
section d2-mode; ndctl list -N -n $sec | sed -n 's/.*"mode":"\([^"]*\)".*/\1/p'
after d2-enabled $sec

# --- interrupted: SIGINT while the 1 GiB namespace is switched to raw ----------------
# pmemctl in the foreground (a shell's background job would ignore SIGINT,
# which pmemctl leaves ignored); a helper stops it once force_raw is 1.
# The helper polls and finds pmemctl with shell builtins only (no fork per
# poll): the switch to raw and the check take a few tens of ms under TCG,
# and a SIGINT that comes after the check ends is (rightly) not a stop.
(
    f=$(sys $big)/force_raw; v=0; i=0
    while [ "$v" != 1 ] && [ $i -lt 1000000 ]; do read -r v <"$f"; i=$((i + 1)); done
    pid=
    for p in /proc/[0-9]*; do
        read -r c 2>/dev/null <"$p/comm" && [ "$c" = pmemctl ] && pid=${p#/proc/}
    done
    kill -STOP $pid; kill -INT $pid
    section int-sigign; sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$pid/status
    kill -CONT $pid
) >/tmp/killer &
rc=0; pmemctl check-btt -f $big >/tmp/out 2>/tmp/err || rc=$?
wait
cat /tmp/killer
section int; echo "rc=$rc"
section int-err; cat /tmp/err
after int $big
run big-full pmemctl check-btt -f $big; after big-full $big

# --- a swap area on it: refused even with -f ------------------------------------
mkswap /dev/$bigblk >&2
swapon /dev/$bigblk
section swaps; cat /proc/swaps
snap swap-before
run swap pmemctl check-btt -f $big
snap swap-after
swapoff /dev/$bigblk
section end
GUEST
out=$VM_WORKDIR/out
vm_boot_sections "$plat" "$VM_WORKDIR/guest.sh" "$out" "check-btt on the live kernel"

read -r sec secblk big bigblk <<<"$(vm_section "$out" names)"
want=$(vm_section "$out" want)
rc() { vm_section "$out" "$1" | head -n1; }
err() { vm_section "$out" "$1-err"; }
after() { vm_section "$out" "after-$1"; }
# ndctl's verdict: clean (exit 0, nothing "needs" doing) or not
nverdict() {
    if [ "$(rc "$1")" = rc=0 ] && ! err "$1" | grep -qi 'needs to be'; then
        echo clean
    else
        echo "not clean"
    fi
}
back="enabled force_raw=0 $want"

# refusals and the hint
for c in nof nof-dev; do
    check vm_assert_eq "$c: refused without -f (exit 8)" rc=8 "$(rc $c)"
    check vm_assert_eq "$c: one line saying -f" 1 \
        "$(err $c | grep -c "$sec is enabled (sector, /dev/$secblk): 'check-btt -f' disables it for the check")"
done
check vm_json_compare "without -f: nothing changed (ndctl list -Ni)" \
    "$(vm_section "$out" snap-nof-before | vm_ndctl_list)" \
    "$(vm_section "$out" snap-nof-after | vm_ndctl_list)"
check vm_assert_eq "/dev/${secblk%s}: exit 8" rc=8 "$(rc hint)"
check vm_assert_eq "/dev/${secblk%s}: one line saying what to type" \
    "pmemctl check-btt: /dev/${secblk%s} does not exist: $sec is in sector mode, its block device is /dev/$secblk; check it with 'pmemctl check-btt -f $sec'" \
    "$(err hint)"

# clean
check vm_assert_eq "clean: ndctl check-namespace -f" clean "$(nverdict n-clean)"
for c in p-clean p-dev p-clean-repair; do
    check vm_assert_eq "clean: $c exit 0 as ndctl" rc=0 "$(rc $c)"
    check vm_assert_eq "clean: $c: enabled again, force_raw 0, data unchanged" "$back" "$(after $c)"
done
check vm_assert_eq "clean: after ndctl" "$back" "$(after n-clean)"

# the backup info block
check vm_assert_eq "info2 damaged: pmemctl exit 4 (uncorrected)" rc=4 "$(rc p-d1)"
check vm_assert_eq "info2 damaged: pmemctl finds info2_bad_checksum" true \
    "$(vm_section "$out" p-d1-out | jq '[.arenas[].findings[] | select(.kind == "info2_bad_checksum" and .repairable)] | length > 0')"
check vm_assert_eq "info2 damaged: ndctl agrees it is not clean" "not clean" "$(nverdict n-d1)"
check vm_assert_eq "info2: pmemctl --repair exit 1 (corrected)" rc=1 "$(rc p-d1-repair)"
check vm_assert_eq "info2 repaired by pmemctl: ndctl clean" clean "$(nverdict n-d1-after)"
check vm_assert_eq "info2 repaired by pmemctl: pmemctl clean" rc=0 "$(rc p-d1-after)"
check vm_assert_eq "info2 repaired by ndctl: exit 0" rc=0 "$(rc n-d1-repair)"
check vm_assert_eq "info2 repaired by ndctl: pmemctl clean" rc=0 "$(rc p-d1-after-n)"
check vm_assert_eq "info2: both repairs wrote the same bytes" \
    "$(vm_section "$out" rawsum-n-repaired)" "$(vm_section "$out" rawsum-p-repaired)"
for c in p-d1 n-d1 p-d1-repair n-d1-repair; do
    check vm_assert_eq "info2: after $c: enabled, force_raw 0, data unchanged" "$back" "$(after $c)"
done

# the primary info block, namespace disabled
check vm_assert_eq "info zeroed: pmemctl exit 4 without -f (disabled)" rc=4 "$(rc p-d2)"
check vm_assert_eq "info zeroed: pmemctl finds info_bad_signature" true \
    "$(vm_section "$out" p-d2-out | jq '[.arenas[].findings[] | select(.kind == "info_bad_signature" and .repairable)] | length > 0')"
check vm_assert_eq "info zeroed: ndctl agrees it is not clean" "not clean" "$(nverdict n-d2)"
check vm_assert_eq "info zeroed: pmemctl --repair exit 1" rc=1 "$(rc p-d2-repair)"
check vm_assert_eq "info zeroed, repaired by pmemctl: ndctl clean" clean "$(nverdict n-d2-after)"
for c in p-d2 n-d2 p-d2-repair; do
    check vm_assert_eq "info zeroed: after $c: still disabled, force_raw 0" "disabled force_raw=0 -" "$(after $c)"
done
check vm_assert_eq "info zeroed and repaired: enables as sector" sector "$(vm_section "$out" d2-mode)"
check vm_assert_eq "info zeroed and repaired: data unchanged" "$back" "$(after d2-enabled)"

# interrupted
check vm_assert_eq "SIGINT: exit 32" rc=32 "$(rc int)"
check vm_assert_eq "SIGINT: says it stopped" 1 "$(err int | grep -c 'check stopped part way; nothing repaired')"
check vm_assert_eq "SIGINT: enabled again, force_raw 0" "enabled force_raw=0 -" "$(after int)"
check vm_assert_eq "the 1 GiB namespace checks clean" rc=0 "$(rc big-full)"
check vm_assert_eq "after the 1 GiB check: enabled, force_raw 0" "enabled force_raw=0 -" "$(after big-full)"

# swap
check vm_assert_eq "swap is on /dev/$bigblk" 1 "$(vm_section "$out" swaps | grep -c "/dev/$bigblk")"
check vm_assert_eq "swap: refused even with -f (exit 8)" rc=8 "$(rc swap)"
check vm_assert_eq "swap: says it is in use" 1 "$(err swap | grep -c "/dev/$bigblk is in use")"
check vm_json_compare "swap: nothing changed (ndctl list -Ni)" \
    "$(vm_section "$out" snap-swap-before | vm_ndctl_list)" \
    "$(vm_section "$out" snap-swap-after | vm_ndctl_list)"

vm_checks_done
vm_log "ok: check-btt -f on live sector namespaces agrees with ndctl check-namespace, puts the namespace back (also after SIGINT), refuses without -f and while swapped on"
