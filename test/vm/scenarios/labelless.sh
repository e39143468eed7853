#!/usr/bin/env bash
# Label-less (io) namespaces: the kernel decides their mode at boot only
# from an info block at 4 KiB (BTT 1.1, PFN, DAX; null parent uuid).
#
# Boot 1: three blank DIMMs; the guest's ndctl gives each label-less
#   namespace a mode without labels (--no-autolabel): sector, fsdax, devdax,
#   and writes data.
#   On these label-capable DIMMs the kernel writes the BTT as version 2.0 at
#   offset 0 (its claim class for an unlabelled DIMM), which no label can
#   record: at the next boot it looks for 1.1 at 4 KiB and the namespace is
#   raw. pmemctl, offline, already says so.
# Boot 2: the kernel's view equals `pmemctl list -N` computed offline (raw,
#   fsdax, devdax), and the fsdax and devdax data survived.
# Host: `destroy-namespace -f` wipes the devdax namespace's info block (a
#   label-less namespace cannot go away: it is the region) and
#   `create-namespace -e -m sector -f` turns the fsdax one into a labelled
#   namespace (v1.2 labels, as ndctl's autolabel).
# Boot 3: the kernel's view equals `pmemctl list -N` again.
#
# Names: the kernel numbers DIMMs by NFIT handle (= QEMU slot, as pmemctl
# does) but regions in QEMU's internal device order, which for three or more
# DIMMs is not the slot order (slots 0, 2, 1, ... with QEMU 7.2). The guest's
# names are translated to pmemctl's through each region's DIMM.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
vm_require
vm_require_pmemctl create-namespace destroy-namespace
vm_daxio_build || vm_log "note: device-dax data will not be written (no daxio)"

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 3 --dimm-size 128M
export PMEMCTL_PLATFORM=$plat
keys='{dev, mode, map, size, uuid, raw_uuid, sector_size, align, blockdev}'
normalise() { vm_ndctl_list | jq -S "map($keys | with_entries(select(.value != null))) | sort_by(.dev)"; }

# regions DIR: a jq object mapping the guest's region numbers to slots
regions() {
    vm_section "$1" mappings |
        jq -R -s 'split("\n") | map(select(length > 0) | split(" ")
            | {key: (.[0] | ltrimstr("region")), value: (.[1] | ltrimstr("nmem"))})
            | from_entries'
}
# guest_view DIR: the guest's `ndctl list -Nv` in pmemctl's names
guest_view() {
    vm_section "$1" list-N | vm_ndctl_list | jq -S --argjson r "$(regions "$1")" '
        def rename: if type == "string" then
            sub("^(?<p>namespace|pmem|dax)(?<n>[0-9]+)"; "\(.p)\($r[.n])") else . end;
        map(.dev |= rename | .blockdev |= rename)' | normalise
}
guest_lib='
section mappings
for r in /sys/bus/nd/devices/region*; do
    echo "${r##*/} $(cut -d, -f1 "$r/mapping0")"
done'

# --- boot 1: ndctl gives the label-less namespaces their modes -------------
vm_guest_script "$VM_WORKDIR/guest1.sh" <<GUEST
$guest_lib
ndctl create-namespace -f -e namespace0.0 -m sector --no-autolabel >&2
ndctl create-namespace -f -e namespace1.0 -m fsdax --no-autolabel >&2
ndctl create-namespace -f -e namespace2.0 -m devdax --no-autolabel >&2
section nstype; cat /sys/bus/nd/devices/region*/nstype
section data; vm_data_io write
section end
GUEST
out1=$VM_WORKDIR/out1
vm_boot_sections "$plat" "$VM_WORKDIR/guest1.sh" "$out1" "boot 1"
[ "$(vm_section "$out1" nstype | sort -u)" = 4 ] ||
    vm_die "the regions did not stay label-less (nstype: $(vm_section "$out1" nstype | tr '\n' ' '))"
expected=$(vm_pmemctl list -N | normalise)
vm_assert_eq "pmemctl's offline view: the BTT 2.0 at 0 cannot be found at boot" \
    '["devdax","fsdax","raw"]' "$(jq -c '[.[].mode] | sort' <<<"$expected")"
vm_assert_eq "the kernel wrote BTT 2.0 at 0 with a null parent on the label-less namespace" \
    '["2.0","00000000-0000-0000-0000-000000000000"]' \
    "$(vm_pmemctl list -N -m raw | jq -r '.[0].dev' | xargs "$PMEMCTL" read-infoblock -j |
        jq -c '.[0] | [.version, .parent_uuid]')"

# --- boot 2: the kernel agrees; fsdax and devdax data survived ---------------
vm_guest_script "$VM_WORKDIR/guest2.sh" <<GUEST
$guest_lib
section list-N; j ndctl list -Nv
section readback; vm_data_io read
section end
GUEST
out2=$VM_WORKDIR/out2
vm_boot_sections "$plat" "$VM_WORKDIR/guest2.sh" "$out2" "boot 2"
vm_json_compare "label-less namespaces at boot (ndctl list -Nv vs pmemctl list -N offline)" \
    "$expected" "$(guest_view "$out2")"
for dev in $({ jq -r '.[] | select(.mode != "raw") | .blockdev // empty' <<<"$expected"
               vm_section "$out2" readback | awk '$5 ~ /^dax/ {print $5}'; } | sort -u); do
    grep " $dev\$" <(vm_section "$out1" data) >"$VM_WORKDIR/written" || true
    grep " $dev\$" <(vm_section "$out2" readback) >"$VM_WORKDIR/read" || true
    [ -s "$VM_WORKDIR/read" ] || continue
    vm_data_verify "label-less $dev across reboots" "$VM_WORKDIR/read" || vm_die "data changed"
done

# --- host: wipe one, convert one --------------------------------------------
dax=$(vm_pmemctl list -N -m devdax | jq -r '.[0].dev')
fsdax=$(vm_pmemctl list -N -m fsdax | jq -r '.[0].dev')
vm_pmemctl destroy-namespace -f "$dax"
vm_pmemctl create-namespace -e "$fsdax" -m sector -f >/dev/null
expected=$(vm_pmemctl list -N | normalise)
vm_assert_eq "offline: devdax wiped to raw, fsdax converted to a labelled sector namespace" \
    '[["raw",false],["raw",false],["sector",true]]' \
    "$(jq -c '[.[] | [.mode, (.raw_uuid != null)]] | sort' <<<"$expected")"

# --- boot 3: the kernel agrees --------------------------------------------------
vm_guest_script "$VM_WORKDIR/guest3.sh" <<GUEST
$guest_lib
section list-N; j ndctl list -Nv
section end
GUEST
out3=$VM_WORKDIR/out3
vm_boot_sections "$plat" "$VM_WORKDIR/guest3.sh" "$out3" "boot 3"
vm_json_compare "after the offline changes (ndctl list -Nv vs pmemctl list -N)" \
    "$expected" "$(guest_view "$out3")"
echo "ok - label-less namespaces: read, wiped and converted offline as the kernel sees them at boot"
