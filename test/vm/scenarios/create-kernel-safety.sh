#!/usr/bin/env bash
# Data safety of create-namespace on the live kernel (create-kernel.common.sh:
# platform, guest prologue, checks):
# - the label-less region's one namespace, a sector namespace holding data
#   that is disabled: with its btt unbound but still attached, and after
#   ndctl disable-namespace (claim detached, the BTT still on the media),
#   create-namespace without -f is refused (exit 4, one line naming it and
#   what it holds); the raw bytes (force_raw) and ndctl's view are
#   unchanged and the data reads back; with -f it becomes fsdax;
# - a labelled namespace disabled by ndctl (claim detached) is looked at
#   through its raw device like an image's: destroy and -e refuse a BTT or
#   data in its first 8 KiB without -f (ndctl would go ahead), the data and
#   force_raw stay; an empty one is destroyed without -f;
# - a failed reconfigure (-e -f to devdax with dax_pmem blacklisted) puts
#   the namespace's uuid and name back.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=create-kernel.common.sh
. "$(dirname "$0")/create-kernel.common.sh"

ck_run "$(cat <<'GUEST'
io=namespace${rio#region}.0
nsdir=/sys/bus/nd/devices/$io
bdev() { ndctl list -N -n $1 | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p'; }
# rawsum: sha256 of the disabled namespace's first 16 MiB and last 1 MiB,
# read through its raw block device (force_raw, as ndctl's zero_info_block)
rawsum() {
    echo 1 >$nsdir/force_raw
    echo $io >/sys/bus/nd/drivers_probe
    b=$(ls $nsdir/block)
    n=$(cat /sys/block/$b/size)
    { dd if=/dev/$b bs=1048576 count=16 2>/dev/null
      dd if=/dev/$b bs=512 skip=$((n - 2048)) count=2048 2>/dev/null; } |
        sha256sum | cut -d' ' -f1
    echo $io >$nsdir/driver/unbind
    echo 0 >$nsdir/force_raw
}

# --- a label-less sector namespace with data, disabled -----------------------
ndctl create-namespace -f -e $io -m sector --no-autolabel >&2
dd if=/dev/urandom of=/tmp/data bs=4096 count=256 2>/dev/null
dd if=/tmp/data of=/dev/$(bdev $io) bs=4096 conv=fsync 2>/dev/null
section data-sum; sha256sum </tmp/data | cut -d' ' -f1
run sf-sector true
# its btt unbound but still attached
btt=$(cat $nsdir/holder)
echo $btt >/sys/bus/nd/devices/$btt/driver/unbind
section claimed; cat $nsdir/holder
run sf-claimed true
run sf-claimed-refused pmemctl create-namespace -r $rio -m fsdax
echo $btt >/sys/bus/nd/drivers_probe
# ndctl's disable detaches the claim: raw, disabled, the BTT on the media
ndctl disable-namespace $io >&2
section detached; cat $nsdir/holder; echo "."
section raw-before; rawsum
run sf-disabled true
run sf-refused pmemctl create-namespace -r $rio -m fsdax
section raw-after; rawsum
run sf-after true
# the kernel finds its BTT again: the data is there
ndctl enable-namespace $io >&2
section data-back; dd if=/dev/$(bdev $io) bs=4096 count=256 2>/dev/null |
    sha256sum | cut -d' ' -f1
ndctl disable-namespace $io >&2
run sf-disabled-again true
run sf-force pmemctl create-namespace -f -r $rio -m fsdax

# --- labelled and disabled: destroy and -e look at the media first -----------
run d-new pmemctl create-namespace -r $r11 -m sector -s 64M
dns=$(last)
dd if=/tmp/data of=/dev/$(bdev $dns) bs=4096 conv=fsync 2>/dev/null
ndctl disable-namespace $dns >&2
section d-ns; echo $dns
run d-disabled true
run d-destroy pmemctl destroy-namespace $dns
run d-reconf pmemctl create-namespace -e $dns -m fsdax
section d-force-raw; cat /sys/bus/nd/devices/$dns/force_raw || echo gone
# (tolerant from here: a destroyed namespace fails the checks on the host)
ndctl enable-namespace $dns >&2 || true
section d-data; { dd if=/dev/$(bdev $dns) bs=4096 count=256 2>/dev/null || true; } |
    sha256sum | cut -d' ' -f1
run d-raw pmemctl create-namespace -r $r11 -m raw -s 32M
rns=$(last)
section d-rns; echo $rns
printf 'precious' | dd of=/dev/$(bdev $rns) conv=fsync 2>/dev/null
ndctl disable-namespace $rns >&2
run d-raw-disabled true
run d-raw-destroy pmemctl destroy-namespace $rns
ndctl enable-namespace $rns >&2 || true
section d-raw-data; { dd if=/dev/$(bdev $rns) bs=8 count=1 2>/dev/null || true; }; echo
dd if=/dev/zero of=/dev/$(bdev $rns) bs=8192 count=1 conv=fsync 2>/dev/null ||
    true
ndctl disable-namespace $rns >&2 || true
run d-empty-destroy pmemctl destroy-namespace $rns
ndctl disable-namespace $dns >&2 || true
run d-force pmemctl destroy-namespace -f $dns

# --- a failed -e puts the uuid and name back -----------------------------------
run e-new pmemctl create-namespace -r $r12 -m raw -s 32M -n keepme
ns=$(last)
section e-ns; echo "$ns"
rmmod dax_pmem >&2 || true
mkdir -p /etc/modprobe.d
echo "blacklist dax_pmem" >/etc/modprobe.d/pmemctl-test.conf
for m in $(find /lib/modules -name 'dax_pmem.ko*'); do mv "$m" "$m.off"; done
section e-mod; [ -d /sys/module/dax_pmem ] && echo loaded || echo absent
run e-fail pmemctl create-namespace -f -e $ns -m devdax
for m in $(find /lib/modules -name 'dax_pmem.ko*.off'); do mv "$m" "${m%.off}"; done
rm /etc/modprobe.d/pmemctl-test.conf
GUEST
)" "create-namespace leaves what it must not touch"
# with its btt unbound but still attached, ndctl list -i leaves the
# namespace out and pmemctl lists it (sector, disabled): not compared there
# shellcheck disable=SC2119 # no extra snapshots
CK_AGREE_SKIP='sf-claimed.*' ck_agree

# the label-less namespace, disabled with data
check eq "the btt was still attached" 1 \
    "$(vm_section "$out" claimed | grep -c '^btt')"
refused sf-claimed-refused 4 \
    "namespace${rio#region}.0 is disabled but holds a sector layout; use --force to replace it" \
    sf-claimed
check eq "ndctl's disable detached the claim" . "$(vm_section "$out" detached | tr -d '\n')"
refused sf-refused 4 \
    "namespace${rio#region}.0 is disabled but holds a BTT 2.0 info block at 0; use --force to replace it" \
    sf-disabled
check eq "sf-refused: says it in one line" 1 \
    "$(vm_section "$out" run-sf-refused | sed 1d | grep -c .)"
same "sf-refused, then the raw read" sf-disabled sf-after
check eq "sf-refused: the raw bytes are unchanged" \
    "$(vm_section "$out" raw-before)" "$(vm_section "$out" raw-after)"
check eq "sf-refused: the data reads back" \
    "$(vm_section "$out" data-sum)" "$(vm_section "$out" data-back)"
check eq "sf-force: exit 0" rc=0 "$(rc sf-force)"
check eq "sf-force: ndctl says fsdax" fsdax \
    "$(view nd-sf-force | jq -r --arg r "$rio" '.[] | select(.dev == $r) | .namespaces[0].mode')"

# labelled and disabled
dns=$(vm_section "$out" d-ns)
rns=$(vm_section "$out" d-rns)
nns() { view "nd-$1" | jq --arg r "$r11" '.[] | select(.dev == $r) | .namespaces | length'; }
refused d-destroy 4 \
    "$dns is disabled but holds a BTT 1.1 info block at 0x1000; use --force to destroy it" \
    d-disabled
refused d-reconf 4 \
    "$dns is disabled but holds a BTT 1.1 info block at 0x1000; use --force to reconfigure it" \
    d-disabled
check eq "d-reconf: force_raw is back to 0" 0 "$(vm_section "$out" d-force-raw)"
check eq "d-destroy, d-reconf: the data reads back" \
    "$(vm_section "$out" data-sum)" "$(vm_section "$out" d-data)"
refused d-raw-destroy 4 \
    "$rns is disabled but holds data in its first 8 KiB; use --force to destroy it" \
    d-raw-disabled
# one error line (destroy's "destroyed N namespaces" summary aside, as ndctl's)
for c in d-destroy d-reconf d-raw-destroy; do
    check eq "$c: says it in one line" 1 \
        "$(vm_section "$out" run-$c | sed 1d | grep -v '^destroyed [0-9]* namespace' | grep -c .)"
done
check eq "d-raw-destroy: the data reads back" precious "$(vm_section "$out" d-raw-data)"
check eq "d-empty-destroy: exit 0" rc=0 "$(rc d-empty-destroy)"
check eq "d-empty-destroy: one namespace fewer" \
    $(($(nns d-raw-disabled) - 1)) "$(nns d-empty-destroy)"
check eq "d-force: exit 0" rc=0 "$(rc d-force)"
check eq "d-force: $r11 has no namespace left" 0 "$(nns d-force)"

# the failed -e
ns=$(vm_section "$out" e-ns)
check eq "dax_pmem is not loaded" absent "$(vm_section "$out" e-mod)"
check eq "e-fail: no driver took it (exit 3)" rc=3 "$(rc e-fail)"
check eq "e-fail: undone" 1 "$(says e-fail "$ns: undone: left disabled in raw mode")"
check eq "e-fail: the uuid and name it had" \
    "$(field e-new '"\(.uuid) keepme"')" \
    "$(view nd-e-fail | jq -r --arg ns "$ns" '.[].namespaces[] | select(.dev == $ns) | "\(.uuid) \(.name)"')"

vm_checks_done
vm_log "ok: create-namespace on the live kernel: a disabled label-less namespace holding a BTT is refused without -f (raw bytes, data and kernel state unchanged) and replaced with -f; a disabled labelled one holding a BTT or data is not destroyed or reconfigured without -f, an empty one is; a failed -e keeps the uuid and name"
