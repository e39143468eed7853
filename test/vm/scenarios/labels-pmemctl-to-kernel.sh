#!/usr/bin/env bash
# Labels written offline by pmemctl are accepted by the kernel and ndctl.
#
# Host: `pmemctl platform create` two 256 MiB DIMMs, `pmemctl init-labels`
# v1.1 on nmem0 and v1.2 on nmem1, then record `pmemctl list -R` and
# `pmemctl read-labels -j -I` and the images' sha256.
# Guest: `ndctl check-labels all` passes; `ndctl read-labels -j -I` shows
# the index blocks pmemctl wrote (version, labelsize, seq, nslot); both
# regions are label-backed (nstype 5 = ND_DEVICE_NAMESPACE_PMEM);
# set_cookie equals pmemctl's iset_id; `ndctl list -R` equals
# `pmemctl list -R`.
# After power-off: the images are byte-identical (booting, listing and
# checking must not make the kernel rewrite our index blocks).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
vm_require
vm_require_pmemctl

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 2 --dimm-size 256M
export PMEMCTL_PLATFORM=$plat
vm_pmemctl init-labels nmem0
vm_pmemctl init-labels -V 1.2 nmem1

# What pmemctl says, offline, before the guest ever ran.
host_regions=$(vm_pmemctl list -R | vm_bigjson | jq -S "sort_by(.dev) | map($VM_REGION_KEYS)")
host_index=$(vm_pmemctl read-labels -j -I all)
imgs=("$plat"/nmem0.img "$plat"/nmem1.img)
sums_before=$(sha256sum "${imgs[@]}")

vm_guest_script "$VM_WORKDIR/guest.sh" <<'GUEST'
# check-labels: keep going on failure, the host reports the status.
section check-labels
rc=0; ndctl check-labels all 2>&1 || rc=$?
section check-labels-rc; echo "$rc"
section read-labels; j ndctl read-labels -j -I nmem0 nmem1
section list-R; j ndctl list -R
for r in region0 region1; do
    section "nstype-$r"; cat /sys/bus/nd/devices/$r/nstype
    section "set_cookie-$r"; cat /sys/bus/nd/devices/$r/set_cookie
done
section end
GUEST
out=$VM_WORKDIR/out
vm_boot_sections "$plat" "$VM_WORKDIR/guest.sh" "$out"


# 1. ndctl check-labels all
rc=$(vm_section "$out" check-labels-rc)
if [ "$rc" != 0 ]; then
    vm_log "FAIL: 'ndctl check-labels all' exited $rc in the guest:"
    sed 's/^/    /' "$out/check-labels" >&2
    vm_check_failed
fi

# 2. Index blocks: ndctl's view (read-labels -j -I) vs pmemctl's, on the keys
#    ndctl prints. Both index blocks of each DIMM, in index order.
idx='sort_by(.dev) | map({dev, index: [.index[] |
       {signature, major, minor, labelsize, seq, nslot}]})'
guest_index=$(vm_ndctl_list "$out/read-labels" | jq -S "$idx")
check vm_json_compare "index blocks (pmemctl read-labels -j -I on the host vs ndctl read-labels -j -I in the guest)" \
    "$(jq -S "$idx" <<<"$host_index")" "$guest_index"

# 3. Label-backed regions.
for r in region0 region1; do
    check vm_json_compare "$r nstype (5 = label-backed PMEM, 4 = label-less IO)" 5 \
        "$(vm_section "$out" "nstype-$r")"
done

# 4. set_cookie equals pmemctl's iset_id.
vm_check_cookies "$out" "$host_regions" region0 region1

# 5. ndctl list -R == pmemctl list -R (size, align, available_size,
#    max_available_extent, iset_id).
check vm_json_compare "regions (pmemctl list -R on the host vs ndctl list -R in the guest)" \
    "$host_regions" "$(vm_ndctl_list "$out/list-R" | jq -S "map($VM_REGION_KEYS)")"

# 6. Nothing was written: images byte-identical after power-off.
sums_after=$(sha256sum "${imgs[@]}")
if [ "$sums_before" != "$sums_after" ]; then
    vm_log "FAIL: the guest changed the images just by booting"
    diff <(echo "$sums_before") <(echo "$sums_after") >&2 || true
    vm_log "pmemctl read-labels -j -I before: $(jq -c . <<<"$host_index")"
    vm_log "pmemctl read-labels -j -I after:  $(vm_pmemctl read-labels -j -I all | jq -c .)"
    vm_check_failed
fi

vm_checks_done
vm_log "ok: v1.1 + v1.2 labels from pmemctl accepted by the kernel; images untouched"
