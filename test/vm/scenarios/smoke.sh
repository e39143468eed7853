#!/usr/bin/env bash
# Smoke test of the VM harness: two QEMU NVDIMMs with blank label areas.
# Expect 2 DIMMs, 2 regions and, per region, one label-less raw namespace
# spanning the whole region (size = ALIGN_DOWN(file - 128K, 2M)).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
vm_require

MIB=$((1024 * 1024))
vm_mkimg "$VM_WORKDIR/dimm0.img" 258
vm_mkimg "$VM_WORKDIR/dimm1.img" 130
vm_nvdimm_args "$VM_WORKDIR/dimm0.img" "$VM_WORKDIR/dimm1.img"
size0=$(vm_pmem_size $((258 * MIB)))
size1=$(vm_pmem_size $((130 * MIB)))

# Guest: one JSON document. ndctl prints nothing for an empty list, a bare
# object for a one-element list, and wraps nested listings (-RN) in
# {"regions": [...]}; the host normalises with jq.
vm_boot "${VM_QEMU_ARGS[@]}" - <<'GUEST' || vm_die "guest script failed"
set -e
j() { out=$("$@"); echo "${out:-[]}"; }
echo "{"
echo "\"dimms\": $(j ndctl list -D),"
echo "\"regions\": $(j ndctl list -RN),"
echo "\"nstype\": {"
echo "  \"region0\": $(cat /sys/bus/nd/devices/region0/nstype),"
echo "  \"region1\": $(cat /sys/bus/nd/devices/region1/nstype)"
echo "}}"
GUEST

doc=$(jq -S '
    def arr: if type == "array" then . else [.] end;
    .dimms |= (arr | sort_by(.dev))
    | .regions |= ((.regions? // .) | arr | sort_by(.dev)
                   | map(.namespaces |= ((. // []) | arr)))
' "$VM_OUT") || vm_die "guest output is not JSON: $(cat "$VM_OUT")"

vm_assert_eq "number of DIMMs" 2 "$(jq '.dimms | length' <<<"$doc")"
vm_assert_eq "number of regions" 2 "$(jq '.regions | length' <<<"$doc")"

# QEMU NVDIMM in slot s has NFIT handle s+1 and serial 0x123456+s; the kernel
# numbers nmem/region devices in that order.
vm_json_compare "DIMMs" '[
  {"dev": "nmem0", "handle": 1, "id": "8680-56341200"},
  {"dev": "nmem1", "handle": 2, "id": "8680-57341200"}]' \
    "$(jq '.dimms | map({dev, handle, id})' <<<"$doc")"

vm_json_compare "regions and their namespaces" "$(jq -n --argjson s0 "$size0" --argjson s1 "$size1" '[
  {dev: "region0", size: $s0, type: "pmem",
   namespaces: [{dev: "namespace0.0", mode: "raw", size: $s0, blockdev: "pmem0"}]},
  {dev: "region1", size: $s1, type: "pmem",
   namespaces: [{dev: "namespace1.0", mode: "raw", size: $s1, blockdev: "pmem1"}]}]')" \
    "$(jq '.regions | map({dev, size, type,
            namespaces: (.namespaces | map({dev, mode, size, blockdev}))})' <<<"$doc")"

# Label-less: namespace type ND_DEVICE_NAMESPACE_IO (4), not PMEM (5).
vm_json_compare "region nstype (4 = label-less IO)" '{"region0": 4, "region1": 4}' \
    "$(jq .nstype <<<"$doc")"

vm_log "ok: 2 DIMMs, 2 regions ($size0, $size1 bytes), one raw label-less namespace each"
