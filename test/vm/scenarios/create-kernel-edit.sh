#!/usr/bin/env bash
# reconfigure (-e) and destroy-namespace on the live kernel
# (create-kernel.common.sh: platform, guest prologue, checks):
# - reconfigure raw -> sector -> fsdax -> devdax -> raw (size and name
#   kept, a new uuid each time); an active namespace needs -f;
# - a held block device (busybox mkswap + swapon) refuses destroy -f and
#   -e -f; not root refuses; an active namespace without -f is refused;
# - pmemctl destroys what ndctl made and ndctl destroys what pmemctl made;
#   destroy -f all empties a region;
# - the label-less region: sub-dividing refused; -e -f through fsdax,
#   sector, devdax and back to raw, the info blocks wiped.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=create-kernel.common.sh
. "$(dirname "$0")/create-kernel.common.sh"

ck_run "$(cat <<'GUEST'
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
GUEST
)" "pmemctl reconfigures and destroys namespaces"
# shellcheck disable=SC2119 # no extra snapshots
ck_agree

# reconfigure raw -> sector -> fsdax -> devdax -> raw, keeping size and name
ns=$(vm_section "$out" chain)
refused rc-active 4 "$ns is active; use --force to reconfigure it" rc-new
prev=$(field rc-new .uuid)
for m in sector fsdax devdax raw; do
    check eq "-e -m $m: exit 0" rc=0 "$(rc "rc-$m")"
    check eq "-e -m $m: same namespace, mode, size kept, name kept" \
        "$ns $m 33554432 chain" \
        "$(field "rc-$m" '"\(.dev) \(.mode) \(if .mode == "raw" then .size else 33554432 end) \(.name)"')"
    u=$(field "rc-$m" '.raw_uuid // .uuid')
    check eq "-e -m $m: a new uuid" 1 "$([ "$u" != "$prev" ] && echo 1 || echo 0)"
    prev=$u
done

# holders
check eq "swap is on the reconfigured raw namespace" 1 "$(vm_section "$out" swaps | grep -c /dev/pmem)"
# a held block device is refused even with -f
for s in held-destroy held-reconf; do
    refused $s 4 'is in use (mounted, swapped on or held open); nothing changed' rc-raw
done
refused nobody-destroy 1 'run as root$' held-reconf
refused destroy-active 4 "$ns is active; use --force to destroy it" nobody-destroy
check eq "destroy -f: exit 0" rc=0 "$(rc destroy-pm)"
check eq "destroy -f: the namespace is gone" 0 \
    "$(view nd-destroy-pm | jq --arg ns "$ns" '[.[].namespaces[] | select(.dev == $ns)] | length')"
check eq "destroy -f: its 32 MiB are free again" 33554432 \
    "$(( $(view nd-destroy-pm | jq --arg r "$r11" '.[] | select(.dev == $r) | .available_size') - \
         $(view nd-destroy-active | jq --arg r "$r11" '.[] | select(.dev == $r) | .available_size') ))"

# each tool destroys what the other made
ndns=$(vm_section "$out" ndns)
check eq "pmemctl destroys ndctl's namespace: exit 0" rc=0 "$(rc destroy-ndctl-made)"
same_view "pmemctl destroyed ndctl's namespace" destroy-pm destroy-ndctl-made
check eq "ndctl made $ndns" 1 \
    "$(view nd-nd-made | jq --arg ns "$ndns" '[.[].namespaces[] | select(.dev == $ns and .name == "byndctl")] | length')"
check eq "pmemctl made a sector namespace for ndctl" rc=0 "$(rc pm-made)"
same_view "ndctl destroyed pmemctl's namespace" destroy-ndctl-made nd-destroyed
check eq "pmemctl creates after ndctl destroyed" rc=0 "$(rc pm-again)"
check eq "destroy -f all in $r11: exit 0" rc=0 "$(rc destroy-all-r11)"
check eq "destroy -f all in $r11: nothing left, all capacity free" \
    "0 $(view nd-start | jq --arg r "$r11" '.[] | select(.dev == $r) | .available_size')" \
    "$(view nd-destroy-all-r11 | jq -r --arg r "$r11" '.[] | select(.dev == $r) | "\(.namespaces | length) \(.available_size)"')"

# the label-less region
# sub-dividing is refused even with -f
refused io-sub 2 'is label-less: its one namespace is the whole region' destroy-all-r11
refused io-active 4 "namespace${rio#region}.0 is active; use --force to replace it" io-sub
for m in fsdax sector devdax raw; do
    check eq "label-less -e -f -m $m: exit 0" rc=0 "$(rc "io-$m")"
    check eq "label-less -e -f -m $m: ndctl says $m" "$m" \
        "$(view "nd-io-$m" | jq -r --arg r "$rio" '.[] | select(.dev == $r) | .namespaces[0].mode')"
done
check eq "label-less back to raw: no byte of the first 8 KiB is left non-zero" 0 \
    "$(vm_section "$out" io-head)"

vm_checks_done
vm_log "ok: create-namespace -e and destroy-namespace on the live kernel (v1.1, v1.2, label-less), holders and non-root refused, each tool destroys the other's namespaces; ndctl and pmemctl agree throughout"
