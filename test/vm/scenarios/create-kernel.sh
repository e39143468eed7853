#!/usr/bin/env bash
# create-namespace on the live kernel (create-kernel.common.sh: platform,
# guest prologue, checks):
# - rollback: with dax_pmem unloaded and blacklisted a devdax create fails
#   at the bind, and so does a 16 MiB sector namespace on v1.1 labels (its
#   BTT at 4 KiB leaves less than the kernel's 16 MiB arena minimum); the
#   region is as before (ndctl list -RNi, available_size);
# - not root: create refuses in one line, nothing changes;
# - on both labelled regions pmemctl creates raw, sector 512/4096/520, fsdax
#   map=mem and map=dev (align 4K), devdax (align 2M), with a name and a
#   uuid; a size the region cannot give, or not a multiple of its align,
#   is refused.
# (create-kernel-edit.sh: reconfigure, destroy, holders, label-less.)
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=create-kernel.common.sh
. "$(dirname "$0")/create-kernel.common.sh"

ck_run "$(cat <<'GUEST'
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
GUEST
)" "pmemctl creates namespaces"
ck_agree rb-before

# rollback: a real failed bind leaves the region as it was
check eq "rollback: dax_pmem is not loaded" absent "$(vm_section "$out" rb-mod)"
# (exit 3: no driver took the device)
refused rb-devdax 3 'undone: its capacity is free again' rb-before
refused rb-devdax11 3 'undone: its capacity is free again' rb-before
refused rb-btt11 3 'undone: its capacity is free again' rb-before
check eq "rb-btt11: the btt's bind failed" 1 "$(says rb-btt11 'btt[0-9]*.[0-9]*: no driver took it')"

# not root
refused nobody-create 1 'not writable (Permission denied): run as root$' rb-btt11
check eq "nobody: create-namespace says it in one line" 1 \
    "$(vm_section "$out" run-nobody-create | sed 1d | grep -c .)"

# every mode on both label versions: what pmemctl printed is what was asked
for r in $r11 $r12; do
    for s in raw s512 s4096 s520 fsmem fsdev dax; do
        check eq "$r $s: exit 0" rc=0 "$(rc "$r-$s")"
    done
    check eq "$r raw" "raw 16777216 rawns" \
        "$(field "$r-raw" '"\(.mode) \(.size) \(.name)"')"
    check eq "$r sector 512" "sector 512" "$(field "$r-s512" '"\(.mode) \(.sector_size)"')"
    check eq "$r sector default 4096" "sector 4096 sect" \
        "$(field "$r-s4096" '"\(.mode) \(.sector_size) \(.name)"')"
    check eq "$r sector 520" "sector 520" "$(field "$r-s520" '"\(.mode) \(.sector_size)"')"
    check eq "$r fsdax map=mem" "fsdax mem 2097152" \
        "$(field "$r-fsmem" '"\(.mode) \(.map) \(.align)"')"
    check eq "$r fsdax map=dev align 4K, -u" \
        "fsdax dev 4096 5a6b7c8d-1111-4222-8333-94445555666${r#region}" \
        "$(field "$r-fsdev" '"\(.mode) \(.map) \(.align) \(.raw_uuid)"')"
    check eq "$r devdax" "devdax dev 2097152 dx" \
        "$(field "$r-dax" '"\(.mode) \(.map) \(.align) \(.name)"')"
    check eq "$r too big: no space (exit 6)" rc=6 "$(rc "$r-toobig")"
    check eq "$r not a multiple of the region align (exit 2)" rc=2 "$(rc "$r-misalign")"
    same "$r refused sizes" "$r-dax" "$r-misalign"
done

vm_checks_done
vm_log "ok: create-namespace on the live kernel: every mode on v1.1 and v1.2 labels, real rollbacks (devdax, BTT), non-root refused; ndctl and pmemctl agree throughout"
