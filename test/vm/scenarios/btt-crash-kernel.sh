#!/usr/bin/env bash
# After an engine run interrupted by a power cut, the kernel's attach-time
# recovery and the engine's give the same bytes.
#
# Host: two DIMMs, v1.2 labels on nmem0 (BTT 2.0) and v1.1 on nmem1
#   (BTT 1.1); two 32 MiB sector namespaces each with 4096-, 512- and
#   520-byte sectors. btt-cut (test/btt-cut.c) runs 20 engine writes on each with
#   the power cut part-way, through the media's power-cut wrapper, and
#   leaves the cut state in the DIMM images:
#     "map":  in write 4, after its log entry was committed and persisted,
#             before the map write reached the media (unpersisted writes
#             dropped): recovery must roll the map forward;
#     "log":  in write 5, in the log entry's committing second half (torn,
#             everything before it kept): its first half is new, its
#             sequence number old, so recovery must keep the old block.
#   A copy of the platform is kept.
# Boot: the guest reads every namespace whole through /dev/pmemXs.
# Host: read-namespace of the copy (the engine's read-only recovery)
#   hashes the same; check-btt is clean after the kernel attached.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
vm_require
vm_require_pmemctl create-namespace read-namespace check-btt
[ -x "${BTT_CUT:-}" ] || vm_die "BTT_CUT (test/btt-cut) not built"

plat=$VM_WORKDIR/platform
copy=$VM_WORKDIR/copy
vm_pmemctl platform create "$plat" --dimms 2 --dimm-size 256M
export PMEMCTL_PLATFORM=$plat
vm_pmemctl init-labels -V 1.2 nmem0
vm_pmemctl init-labels -V 1.1 nmem1
create() { vm_pmemctl create-namespace "$@" | jq -r .dev; }
declare -A NS CUT
for k in 4096-map 4096-log 512-map 512-log; do
    NS[$k]=$(create -r region0 -s 32M -m sector -l "${k%-*}")
done
for k in 520-map 520-log; do
    NS[$k]=$(create -r region1 -s 32M -m sector -l 520)
done
KEYS="4096-map 4096-log 512-map 512-log 520-map 520-log"

# 6 media operations per write: data, its persist, two log halves, the
# drain that orders them, the map entry (not waited for: a later writer's
# fence or close makes it durable)
for k in $KEYS; do
    case $k in
    *-map) args=(20 $((6 * 4 + 5)) drop) ;;
    *-log) args=(20 $((6 * 5 + 3)) keep tear) ;;
    esac
    CUT[$k]=$("$BTT_CUT" "$plat" "${NS[$k]}" "${args[@]}") ||
        vm_die "btt-cut ${NS[$k]} ${args[*]} failed"
    case $k in
    *-map) want="cut in write 4 (LBA 12)" ;;
    *-log) want="cut in write 5 (LBA 3)" ;;
    esac
    check vm_assert_eq "${NS[$k]} ($k): where the power was cut" "$want" "${CUT[$k]}"
done
# the map cuts left an interrupted map write for recovery to complete
for k in 4096-map 512-map 520-map; do
    rc=0; out=$("$PMEMCTL" check-btt "${NS[$k]}" 2>&1) || rc=$?
    case $out in
    *"(interrupted map write)"*) ;;
    *) vm_log "check-btt ${NS[$k]}: $out"; vm_check_failed ;;
    esac
    check vm_assert_eq "${NS[$k]} ($k): check-btt finds the interrupted map write" 4 "$rc"
done
rm -rf "$copy"
cp -a "$plat" "$copy"

{
    echo "for ns in $(for k in $KEYS; do printf '%s ' "${NS[$k]}"; done); do"
    cat <<'EOF'
    bd=$(ndctl list -n $ns | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p')
    section dev-$ns
    echo $bd
    section read-$ns
    dd if=/dev/$bd bs=1M iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1
done
section end
EOF
} >"$VM_WORKDIR/guest.sh"
vm_guest_script "$VM_WORKDIR/boot.sh" <"$VM_WORKDIR/guest.sh"
# 192 MiB through the BTT driver under TCG: more than one default boot
VM_TIMEOUT=$((VM_TIMEOUT * 3))
vm_boot_sections "$plat" "$VM_WORKDIR/boot.sh" "$VM_WORKDIR/b1"

for k in $KEYS; do
    ns=${NS[$k]}
    dev=$(vm_section "$VM_WORKDIR/b1" "dev-$ns")
    case $dev in pmem*s) ;; *) vm_die "$ns: the guest has no BTT block device (got '$dev')" ;; esac
    kernel=$(vm_section "$VM_WORKDIR/b1" "read-$ns")
    # both sides hashing nothing would agree: the guest read bytes
    check vm_assert_eq "$ns ($k): the guest read the namespace" no \
        "$([ "$kernel" = "$(printf '' | sha256sum | cut -d' ' -f1)" ] && echo empty || echo no)"
    check vm_assert_eq "$ns ($k, $dev): the kernel's recovery and the engine's give the same bytes" \
        "$kernel" \
        "$(PMEMCTL_PLATFORM=$copy "$PMEMCTL" read-namespace -q "$ns" | sha256sum | cut -d' ' -f1)"
    check vm_assert_eq "$ns ($k): read-namespace after the kernel attached" \
        "$kernel" "$("$PMEMCTL" read-namespace -q "$ns" | sha256sum | cut -d' ' -f1)"
    rc=0; "$PMEMCTL" check-btt -q "$ns" >/dev/null || rc=$?
    check vm_assert_eq "check-btt $ns after the kernel's recovery" 0 "$rc"
done
vm_checks_done
echo "ok - after interrupted engine runs the kernel and the engine recover the same bytes (4096, 512, 520; map and log cuts)"
