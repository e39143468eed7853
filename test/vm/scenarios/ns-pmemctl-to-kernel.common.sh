# shellcheck shell=bash
# Body of ns-pmemctl-to-kernel-v1.1.sh / -v1.2.sh (sourced by them after
# they set LABEL_VERSION; not a test of its own).
#
# Namespaces provisioned offline by pmemctl are the namespaces the kernel
# sees, and the data written to them survives a reboot.
#
# Host: one 384 MiB DIMM, `pmemctl init-labels -V $LABEL_VERSION`, then in
# region0, in this order (so that the DPA space gets a hole at 0):
#   raw 16M "doomed" (destroyed at the end), raw 32M "rawns", sector 32M/512,
#   sector 32M/4096, [v1.2: sector 32M/520], fsdax 48M map=mem, fsdax 48M
#   map=dev, devdax 48M align 2M, and two namespaces reconfigured with
#   `create-namespace -e ... -f` through the whole cycle: "reconf" raw 32M ->
#   sector -> fsdax -> devdax (ends devdax) and "cycled" raw 32M -> sector ->
#   fsdax -> devdax -> raw (ends raw: no info block may be left behind).
# Expected: `pmemctl list -N` / `pmemctl list -R` computed offline, and the
# label area's sha256.
# Boot 1: `ndctl list -Nv` / `ndctl list -R` equal them; `ndctl
# check-labels` passes; region0 is label-backed and its set_cookie is
# pmemctl's iset_id; patterns written to every block and dax device read
# back; `ndctl check-namespace` passes on each sector namespace (but see
# the 520-byte note below); afterwards `pmemctl check-btt` offline too.
# Boot 2: the patterns read back again; `ndctl list -Nv` unchanged.
# After both: the label area is byte-identical (the kernel accepted the
# labels as they were) and `pmemctl list -N` still says the same.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
: "${LABEL_VERSION:?set LABEL_VERSION before sourcing}"
vm_require
vm_require_pmemctl create-namespace destroy-namespace

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 1 --dimm-size 384M
export PMEMCTL_PLATFORM=$plat
img=$plat/nmem0.img
vm_daxio_build || vm_log "note: device-dax data will not be written (no daxio)"

# --- offline provisioning ---------------------------------------------------
vm_pmemctl init-labels -V "$LABEL_VERSION" nmem0
# create ARGS...: create-namespace in region0; prints the new namespace's dev.
create() {
    vm_pmemctl create-namespace -r region0 "$@" | jq -r .dev
}
doomed=$(create -s 16M -m raw -n doomed)
create -s 32M -m raw -n rawns >/dev/null
create -s 32M -m sector -l 512 >/dev/null
create -s 32M -m sector -l 4096 >/dev/null
[ "$LABEL_VERSION" = 1.1 ] || create -s 32M -m sector -l 520 >/dev/null
create -s 48M -m fsdax -M mem >/dev/null
create -s 48M -m fsdax -M dev >/dev/null
create -s 48M -m devdax -a 2M >/dev/null
# cycle NS MODE...: reconfigure NS through each MODE in turn
cycle() {
    local ns=$1 mode
    shift
    for mode in "$@"; do
        vm_pmemctl create-namespace -e "$ns" -m "$mode" -f >/dev/null
    done
}
cycle "$(create -s 32M -m raw -n reconf)" sector fsdax devdax
cycle "$(create -s 32M -m raw -n cycled)" sector fsdax devdax raw
vm_pmemctl destroy-namespace "$doomed" -f

host_ns=$(vm_pmemctl list -N | vm_ndctl_list | jq -S "map($VM_NS_KEYS)")
host_regions=$(vm_pmemctl list -R | vm_ndctl_list | jq -S "map($VM_REGION_KEYS)")
nsectors=$(jq '[.[] | select(.mode == "sector")] | length' <<<"$host_ns")
want_sectors=3
[ "$LABEL_VERSION" = 1.1 ] && want_sectors=2
vm_assert_eq "namespaces pmemctl made (excluding the destroyed one)" $((want_sectors + 6)) \
    "$(jq length <<<"$host_ns")"
vm_assert_eq "sector namespaces pmemctl made" "$want_sectors" "$nsectors"
lsa_before=$(vm_lsa_sum "$img")
labels_before=$(vm_pmemctl read-labels -j nmem0)
vm_log "pmemctl made: $(jq -c 'map([.dev, .mode, .size])' <<<"$host_ns")"

# --- boot 1: the kernel's view, data, check-namespace ----------------------
vm_guest_script "$VM_WORKDIR/guest1.sh" <<'GUEST'
section list-N; j ndctl list -Nv
section list-R; j ndctl list -R
section check-labels
rc=0; ndctl check-labels all 2>&1 || rc=$?
section check-labels-rc; echo $rc
section nstype; cat /sys/bus/nd/devices/region0/nstype
section set_cookie; cat /sys/bus/nd/devices/region0/set_cookie

section writes; vm_data_io write
echo 3 >/proc/sys/vm/drop_caches
section readback; vm_data_io read

# Sector namespaces: those a btt device claims. check-namespace needs the
# namespace disabled; it exits 0 when the BTT is clean.
for b in /sys/bus/nd/devices/btt*; do
    ns=$(cat $b/namespace)
    [ -n "$ns" ] || continue
    ndctl disable-namespace $ns >&2
    section "check-namespace-$ns"
    rc=0; ndctl check-namespace $ns 2>&1 || rc=$?
    section "check-namespace-rc-$ns"; echo $rc
done
section end
GUEST
out1=$VM_WORKDIR/out1
vm_boot_sections "$plat" "$VM_WORKDIR/guest1.sh" "$out1" "boot 1"

# --- boot 2: the data survived ------------------------------------------
vm_guest_script "$VM_WORKDIR/guest2.sh" <<'GUEST'
section readback; vm_data_io read
section list-N; j ndctl list -Nv
section end
GUEST
out2=$VM_WORKDIR/out2
vm_boot_sections "$plat" "$VM_WORKDIR/guest2.sh" "$out2" "boot 2"

# --- checks -------------------------------------------------------------
guest_ns=$(vm_ndctl_list "$out1/list-N" | jq -S "map($VM_NS_KEYS)")

# 1. Namespaces and region: pmemctl's offline view == the kernel's.
check vm_json_compare "v$LABEL_VERSION namespaces (pmemctl list -N on the host vs ndctl list -Nv in the guest)" \
    "$host_ns" "$guest_ns"
check vm_json_compare "v$LABEL_VERSION region (pmemctl list -R on the host vs ndctl list -R in the guest)" \
    "$host_regions" "$(vm_ndctl_list "$out1/list-R" | jq -S "map($VM_REGION_KEYS)")"

# 2. Labels accepted: check-labels, label-backed region, cookie.
rc=$(vm_section "$out1" check-labels-rc)
if [ "$rc" != 0 ]; then
    vm_log "FAIL: 'ndctl check-labels all' exited $rc in the guest:"
    sed 's/^/    /' "$out1/check-labels" >&2
    vm_check_failed
fi
check vm_json_compare "region0 nstype (5 = label-backed PMEM)" 5 "$(vm_section "$out1" nstype)"
want=$(jq -r '.[0].iset_id' <<<"$host_regions")
want=$(printf '0x%x' "$want")
got=$(vm_section "$out1" set_cookie)
[ "$want" = "$got" ] || { vm_log "FAIL: set_cookie: pmemctl iset_id $want, kernel $got"; vm_check_failed; }

# 3. ndctl check-namespace on every sector namespace.
checked=()
for f in "$out1"/check-namespace-rc-*; do
    [ -e "$f" ] || continue
    ns=${f##*/check-namespace-rc-}
    checked+=("$ns")
    rc=$(cat "$f")
    lbs=$(jq --arg ns "$ns" '.[] | select(.dev == $ns) | .sector_size' <<<"$host_ns")
    if [ "$rc" != 0 ] && [ "$lbs" = 520 ] &&
        grep -q 'Problem parsing arena' "$out1/check-namespace-$ns"; then
        # ndctl 76 cannot check any 520-byte BTT: it fails the same way on
        # one the kernel itself made (checked by hand with ndctl
        # create-namespace -m sector -l 520). pmemctl check-btt below.
        vm_log "note: ndctl check-namespace $ns (520-byte sectors) skipped: ndctl 76 rejects every 520-byte BTT"
        continue
    fi
    if [ "$rc" != 0 ]; then
        vm_log "FAIL: 'ndctl check-namespace $ns' exited $rc on a BTT pmemctl wrote:"
        sed 's/^/    /' "$out1/check-namespace-$ns" >&2
        vm_check_failed
    fi
done
check vm_json_compare "namespaces ndctl check-namespace ran on vs pmemctl's sector namespaces" \
    "$(jq -S '[.[] | select(.mode == "sector") | .dev] | sort' <<<"$host_ns")" \
    "$(printf '%s\n' "${checked[@]}" | jq -R . | jq -S -s 'map(select(. != "")) | sort')"

# ... and pmemctl check-btt, offline, on each BTT now that the kernel has
# written to it (flog and map no longer fresh).
for ns in $(jq -r '.[] | select(.mode == "sector") | .dev' <<<"$host_ns"); do
    rc=0
    msg=$("$PMEMCTL" check-btt "$ns" 2>&1) || rc=$?
    if grep -q 'not implemented' <<<"$msg"; then
        vm_log "note: pmemctl check-btt not implemented yet: offline BTT checks skipped"
        break
    fi
    if [ "$rc" != 0 ]; then
        vm_log "FAIL: 'pmemctl check-btt $ns' exited $rc after the kernel wrote to it:"
        sed 's/^/    /' <<<"$msg" >&2
        vm_check_failed
    fi
done

# 4. Data: written and read back in boot 1, read back in boot 2, on every
#    namespace (raw, sector, fsdax block devices and the devdax char device).
check vm_data_verify "boot 1 writes" "$out1/writes"
check vm_data_verify "boot 1 read-back" "$out1/readback"
check vm_data_verify "boot 2 read-back (after a reboot)" "$out2/readback"
check vm_json_compare "namespaces that got data (boot 2) vs pmemctl list -N" \
    "$(jq -S '[.[] | "\(.uuid) \(.blockdev // .chardev)"] | sort' <<<"$host_ns")" \
    "$(awk '$2 == "head" { print $1, $5 }' "$out2/readback" | jq -R . | jq -S -s 'sort')"
check vm_json_compare "boot 2 ndctl list -Nv vs pmemctl list -N" \
    "$host_ns" "$(vm_ndctl_list "$out2/list-N" | jq -S "map($VM_NS_KEYS)")"

# 5. The kernel kept our labels as they were, and pmemctl still agrees.
lsa_after=$(vm_lsa_sum "$img")
if [ "$lsa_before" != "$lsa_after" ]; then
    vm_log "FAIL: the label area changed across the boots (the kernel rewrote pmemctl's labels)"
    check vm_json_compare "pmemctl read-labels -j nmem0 before vs after the boots" \
        "$(vm_bigjson <<<"$labels_before")" "$(vm_pmemctl read-labels -j nmem0 | vm_bigjson)"
    vm_check_failed
fi
check vm_json_compare "pmemctl list -N before vs after the boots" \
    "$host_ns" "$(vm_pmemctl list -N | vm_ndctl_list | jq -S "map($VM_NS_KEYS)")"

VM_OUT="$VM_WORKDIR/boot*.out" VM_LOG="$VM_WORKDIR/boot*.console.log" vm_checks_done
vm_log "ok: v$LABEL_VERSION namespaces from pmemctl ($(jq -r 'map(.mode) | join(", ")' <<<"$host_ns")) as the kernel sees them; data survives a reboot"
