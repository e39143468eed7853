#!/usr/bin/env bash
# Labels written by the kernel (ndctl init-labels in the guest) read back
# offline by pmemctl.
#
# Host: `pmemctl platform create` two blank 256 MiB DIMMs.
# Guest: `ndctl init-labels nmem0` (v1.1) and `ndctl init-labels -V 1.2
# nmem1` with the regions disabled, re-enable, then record
# `ndctl read-labels -j`, `ndctl list -R` and the regions' set_cookie.
# Host, after power-off: `pmemctl check-labels all` passes, and
# `pmemctl read-labels -j` / `pmemctl list -R` agree with the guest's view
# (index versions, labelsize, seq, nslot; no labels in use; sizes; iset_id).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
vm_require
vm_require_pmemctl

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 2 --dimm-size 256M
export PMEMCTL_PLATFORM=$plat

vm_guest_script "$VM_WORKDIR/guest.sh" <<'GUEST'
# Labels can only be written while the DIMMs' regions are disabled.
ndctl disable-region all >&2
ndctl init-labels nmem0 >&2
ndctl init-labels -V 1.2 nmem1 >&2
ndctl enable-region all >&2
section read-labels; j ndctl read-labels -j nmem0 nmem1
section list-R; j ndctl list -R
for r in region0 region1; do
    section "nstype-$r"; cat /sys/bus/nd/devices/$r/nstype
    section "set_cookie-$r"; cat /sys/bus/nd/devices/$r/set_cookie
done
section end
GUEST
out=$VM_WORKDIR/out
vm_boot_sections "$plat" "$VM_WORKDIR/guest.sh" "$out"


# Sanity: the guest did make both regions label-backed.
for r in region0 region1; do
    check vm_json_compare "$r nstype in the guest after init-labels (5 = PMEM)" 5 \
        "$(vm_section "$out" "nstype-$r")"
done

# 1. pmemctl check-labels all
rc=0
cl=$("$PMEMCTL" check-labels -v all 2>&1) || rc=$?
if [ "$rc" != 0 ]; then
    vm_log "FAIL: 'pmemctl check-labels -v all' exited $rc on kernel-written labels:"
    sed 's/^/    /' <<<"$cl" >&2
    vm_check_failed
fi

# 2. Index blocks, on the keys ndctl prints.
idx='sort_by(.dev) | map({dev, index: [.index[] |
       {signature, major, minor, labelsize, seq, nslot}]})'
guest_labels=$(vm_ndctl_list "$out/read-labels")
host_labels=$(vm_pmemctl read-labels -j all | vm_bigjson | jq -S 'sort_by(.dev)')
check vm_json_compare "index blocks (ndctl read-labels -j in the guest vs pmemctl read-labels -j on the host)" \
    "$(jq -S "$idx" <<<"$guest_labels")" "$(jq -S "$idx" <<<"$host_labels")"

# 3. No label in use. ndctl lists every slot whose slot field matches its
#    position, so a fresh area shows slot 0 as an all-zero label; pmemctl
#    lists only labels the index marks in use. Both mean "no namespaces".
check vm_json_compare "labels in use (ndctl's non-empty labels vs pmemctl's)" \
    "$(jq -S 'map({dev, label: [(.label // [])[]
          | select(.uuid != "00000000-0000-0000-0000-000000000000")]})' <<<"$guest_labels")" \
    "$(jq -S 'map({dev, label: (.label // [])})' <<<"$host_labels")"

# 4. pmemctl list -R == ndctl list -R.
host_regions=$(vm_pmemctl list -R | vm_bigjson | jq -S "sort_by(.dev) | map($VM_REGION_KEYS)")
check vm_json_compare "regions (ndctl list -R in the guest vs pmemctl list -R on the host)" \
    "$(vm_ndctl_list "$out/list-R" | jq -S "map($VM_REGION_KEYS)")" "$host_regions"

# 5. set_cookie == pmemctl's iset_id.
vm_check_cookies "$out" "$host_regions" region0 region1

vm_checks_done
vm_log "ok: kernel-written v1.1 + v1.2 labels read back offline by pmemctl"
