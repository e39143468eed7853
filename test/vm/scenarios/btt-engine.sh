#!/usr/bin/env bash
# The kernel agrees with pmemctl's BTT engine, in both directions.
#
# Host: two DIMMs, v1.2 labels on nmem0 (BTT 2.0 at 0) and v1.1 on nmem1
#   (BTT 1.1 at 4 KiB); sector namespaces with 4096-, 512- and 520-byte
#   BTT sectors. pmemctl write-namespace puts 1 MiB of a pattern at 1 MiB
#   into each, offline, through the engine.
# Boot: the guest reads that 1 MiB back through /dev/pmemXs (O_DIRECT)
#   and writes 1 MiB of another pattern at 4 MiB.
# Host: read-namespace returns the guest's bytes; check-btt is clean; the
#   pattern pmemctl wrote still reads back offline.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
vm_require
vm_require_pmemctl create-namespace write-namespace read-namespace check-btt

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 2 --dimm-size 128M
export PMEMCTL_PLATFORM=$plat
vm_pmemctl init-labels -V 1.2 nmem0
vm_pmemctl init-labels -V 1.1 nmem1
create() { vm_pmemctl create-namespace "$@" | jq -r .dev; }
A=$(create -r region0 -s 48M -m sector -l 4096)
B=$(create -r region0 -s 48M -m sector -l 512)
C=$(create -r region1 -s 48M -m sector -l 520)
declare -A NS=([A]=$A [B]=$B [C]=$C)

for k in A B C; do
    vm_pattern "host $k" 256 >"$VM_WORKDIR/host-$k"
    vm_pmemctl write-namespace -q "${NS[$k]}" -i "$VM_WORKDIR/host-$k" --offset 1M
done

vm_guest_script "$VM_WORKDIR/boot1.sh" <<EOF
for k in A B C; do
    case \$k in A) ns=$A ;; B) ns=$B ;; C) ns=$C ;; esac
    bd=\$(ndctl list -n \$ns | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p')
    section dev-\$k
    echo \$bd
    section read-\$k
    dd if=/dev/\$bd bs=4096 skip=256 count=256 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1
    vm_pattern "guest \$k" 256 >/tmp/pat
    dd if=/tmp/pat of=/dev/\$bd bs=4096 seek=1024 count=256 oflag=direct conv=fsync 2>/tmp/dd ||
        { cat /tmp/dd >&2; exit 1; }
done
sync
section end
EOF
vm_boot_sections "$plat" "$VM_WORKDIR/boot1.sh" "$VM_WORKDIR/b1"
for k in A B C; do
    ns=${NS[$k]}
    dev=$(vm_section "$VM_WORKDIR/b1" "dev-$k")
    case $dev in pmem*s) ;; *) vm_die "$ns: the guest has no BTT block device (got '$dev')" ;; esac
    check vm_assert_eq "$ns ($dev): the guest reads what write-namespace wrote" \
        "$(sha256sum <"$VM_WORKDIR/host-$k" | cut -d' ' -f1)" \
        "$(vm_section "$VM_WORKDIR/b1" "read-$k")"
    check vm_assert_eq "$ns: read-namespace returns what the guest wrote" \
        "$(vm_pattern "guest $k" 256 | sha256sum | cut -d' ' -f1)" \
        "$("$PMEMCTL" read-namespace -q "$ns" --offset 4M --length 1M | sha256sum | cut -d' ' -f1)"
    check vm_assert_eq "$ns: what write-namespace wrote still reads back" \
        "$(sha256sum <"$VM_WORKDIR/host-$k" | cut -d' ' -f1)" \
        "$("$PMEMCTL" read-namespace -q "$ns" --offset 1M --length 1M | sha256sum | cut -d' ' -f1)"
    rc=0; "$PMEMCTL" check-btt -q "$ns" >/dev/null || rc=$?
    check vm_assert_eq "check-btt $ns after both wrote" 0 "$rc"
done
vm_checks_done
echo "ok - the kernel reads what the engine wrote, the engine reads what the kernel wrote (4096, 512, 520)"
