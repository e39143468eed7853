#!/usr/bin/env bash
# pmemctl list on the live kernel: inside the guest, ndctl makes namespaces
# in every mode on a v1.1 and a v1.2 labelled region and a label-less one,
# and `pmemctl list` (no --platform: the live kernel) must agree with
# `ndctl list` on the fields both print.
#
# Host: `pmemctl platform create` three blank 256 MiB DIMMs.
# Guest: v1.1 labels on nmem0, v1.2 on nmem1, none on nmem2. In each
#   labelled region: raw 32M named "rawns", sector 32M/4096, sector 32M/512,
#   fsdax 48M map=mem, fsdax 48M map=dev, devdax 48M align 2M; then the raw
#   one in the v1.1 region is disabled (idle, shown with -i). The label-less
#   namespace becomes fsdax (--no-autolabel). Recorded: ndctl list and
#   pmemctl list for -BDRNi, -N (without -i), the filters -r/-n/-d/-m,
#   -u, and pmemctl list run as the unprivileged user "nobody".
# Host: the two tools' outputs are compared (jq) on the shared fields.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
vm_require
vm_require_pmemctl

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 3 --dimm-size 256M

vm_guest_script "$VM_WORKDIR/guest.sh" <<'GUEST'
ndctl disable-region all >&2
ndctl init-labels nmem0 >&2
ndctl init-labels -V 1.2 nmem1 >&2
ndctl enable-region all >&2
# the region of each DIMM (QEMU orders regions its own way)
region_of() {
    for r in /sys/bus/nd/devices/region*; do
        if [ "$(cut -d, -f1 "$r/mapping0")" = "$1" ]; then echo "${r##*/}"; fi
    done
}
r0=$(region_of nmem0); r1=$(region_of nmem1); r2=$(region_of nmem2)
for r in $r0 $r1; do
    ndctl create-namespace -r $r -s 32M -m raw -n rawns >&2
    ndctl create-namespace -r $r -s 32M -m sector -l 4096 >&2
    ndctl create-namespace -r $r -s 32M -m sector -l 512 >&2
    ndctl create-namespace -r $r -s 48M -m fsdax -M mem >&2
    ndctl create-namespace -r $r -s 48M -m fsdax -M dev >&2
    ndctl create-namespace -r $r -s 48M -m devdax -a 2M >&2
done
ndctl create-namespace -f -e "namespace${r2#region}.0" -m fsdax -M dev --no-autolabel >&2
raw0=$(ndctl list -N -r $r0 -m raw | sed -n 's/.*"dev":"\([^"]*\)".*/\1/p' | head -n1)
ndctl disable-namespace "$raw0" >&2
section names; echo "$r0 $r1 $r2 $raw0"
section nstype; for r in $r0 $r1 $r2; do cat /sys/bus/nd/devices/$r/nstype; done

# both tools, the same arguments: sections ndctl-NAME and pmemctl-NAME
both() {
    name=$1; shift
    section "ndctl-$name"; j ndctl list "$@"
    section "pmemctl-$name"; j pmemctl list "$@"
}
both BDRNi -B -D -R -N -i
both BDRNiv -B -D -R -N -i -v
both N -N
both Ni -N -i
both r -N -i -r $r1
both n -N -n "$raw0" -i
both d -N -d nmem2
both m-sector -N -m sector
both m-devdax -N -m devdax
both u -N -u
section ndctl-DRv; j ndctl list -D -R -v

# an unprivileged user
echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd
echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >>/etc/passwd
echo 'root:x:0:' >/etc/group
echo 'nogroup:x:65534:' >>/etc/group
section nobody-id; su -s /bin/sh nobody -c 'id -u'
section nobody-BDRNi; su -s /bin/sh nobody -c 'pmemctl list -B -D -R -N -i'
section end
GUEST
out=$VM_WORKDIR/out
vm_boot_sections "$plat" "$VM_WORKDIR/guest.sh" "$out" "ndctl makes, both list"

read -r r0 r1 _ raw0 <<<"$(vm_section "$out" names)"
vm_assert_eq "regions labelled v1.1, v1.2, label-less (nstype)" "5 5 4" \
    "$(vm_section "$out" nstype | tr '\n' ' ' | sed 's/ $//')"

# The fields both print. ndctl gives a labelled seed the null uuid (it has
# none: pmemctl prints no uuid), and puts a devdax chardev under
# daxregion with -v.
ns_keys='{dev, mode, map, size, uuid, raw_uuid, sector_size, align, blockdev,
  chardev: (.chardev // .daxregion.devices[0].chardev), name, state, numa_node}
  | if .uuid == "00000000-0000-0000-0000-000000000000" then del(.uuid) else . end
  | with_entries(select(.value != null))'
region_keys='{dev, size, align, available_size, max_available_extent, iset_id,
  persistence_domain, numa_node, state,
  mappings: (.mappings | if . == null then null
             else map({dimm, offset, length, position}) | sort_by(.dimm) end)}
  | with_entries(select(.value != null))'
dimm_keys='{dev, id, handle, phys_id, state, flag_failed_arm, flag_failed_save,
  flag_failed_flush, flag_failed_restore, flag_failed_map, flag_smart_event}
  | with_entries(select(.value != null))'
# ndctl prints numa_node and raw_uuid only with -v: drop them from
# pmemctl's side where ndctl was asked without -v (pmemctl always prints
# what it knows)
nonuma='map(del(.numa_node, .raw_uuid))'

# one listing, normalised: buses (-B) with DIMMs, regions and their
# namespaces, each kind reduced to the shared keys
bus_view() {
    vm_bigjson | jq -S "if type == \"object\" then [.] else . end | map({provider, dev,
        dimms: ((.dimms // []) | map($dimm_keys) | sort_by(.dev)),
        regions: ((.regions // []) | map(($region_keys) + {labels, namespaces:
            ((.namespaces // []) | map($ns_keys) | sort_by(.dev))}) | sort_by(.dev))})"
}
ns_view() { vm_ndctl_list | jq -S "map($ns_keys)"; }

# pmemctl's own: "labels", and the iset_id of a label-less region (the
# kernel's set_cookie; ndctl shows an interleave set only with labels)
ours='map(.regions |= map(if .labels then . else del(.iset_id) end | del(.labels)))'
theirs='map(.regions |= map(del(.labels)))'

# 1. -B -D -R -N -i with -v on ndctl's side (numa_node, raw_uuid) ...
check vm_json_compare "list -B -D -R -N -i (ndctl list -BDRNiv vs pmemctl)" \
    "$(vm_section "$out" ndctl-BDRNiv | bus_view | jq -S "$theirs")" \
    "$(vm_section "$out" pmemctl-BDRNi | bus_view | jq -S "$ours")"
# ... and pmemctl's -v changes nothing in the listing
check vm_json_compare "pmemctl list -BDRNi vs -BDRNi -v" \
    "$(vm_section "$out" pmemctl-BDRNi)" "$(vm_section "$out" pmemctl-BDRNiv)"
# ... and without -v, on what ndctl then prints
check vm_json_compare "list -B -D -R -N -i (ndctl without -v: no numa_node, raw_uuid)" \
    "$(vm_section "$out" ndctl-BDRNi | bus_view | jq -S "$theirs")" \
    "$(vm_section "$out" pmemctl-BDRNi | bus_view | jq -S "$ours | map(.regions |= map(del(.numa_node) | .namespaces |= $nonuma))")"

# 2. namespaces, idle and filtered
for s in N Ni r n d m-sector m-devdax; do
    check vm_json_compare "list $s (ndctl vs pmemctl, -N fields)" \
        "$(vm_section "$out" "ndctl-$s" | ns_view)" \
        "$(vm_section "$out" "pmemctl-$s" | ns_view | jq -S "$nonuma")"
done

# the listings hold what was made: 6 + 6 + 1 namespaces, one disabled, and
# a seed in each labelled region
ni=$(vm_section "$out" pmemctl-Ni | ns_view)
vm_assert_eq "modes made (every mode, both label versions, label-less)" \
    '{"devdax":2,"fsdax":5,"raw":4,"sector":4}' \
    "$(jq -c 'group_by(.mode) | map({(.[0].mode): length}) | add' <<<"$ni")"
vm_assert_eq "idle namespaces: the disabled one and the seeds" \
    "$(printf '%s\n' "$raw0" "seed:${r0#region}" "seed:${r1#region}" | sort | tr '\n' ' ')" \
    "$(jq -r '.[] | select(.state == "disabled")
        | if .size == 0 then "seed:" + (.dev | sub("^namespace"; "") | sub("\\..*"; "")) else .dev end' <<<"$ni" |
        sort | tr '\n' ' ')"

# 3. -u: sizes as strings (ndctl adds the SI size in parentheses)
check vm_json_compare "list -N -u (sizes; ndctl's ' (x MB)' aside)" \
    "$(vm_section "$out" ndctl-u | vm_ndctl_list | jq -S 'map({dev, size: (.size | sub(" \\(.*\\)$"; ""))})')" \
    "$(vm_section "$out" pmemctl-u | vm_ndctl_list | jq -S 'map({dev, size})')"

# 4. an unprivileged user sees the same
vm_assert_eq "su nobody: uid" 65534 "$(vm_section "$out" nobody-id)"
check vm_json_compare "pmemctl list -BDRNi as nobody vs as root" \
    "$(vm_section "$out" pmemctl-BDRNi)" "$(vm_section "$out" nobody-BDRNi)"

vm_checks_done
vm_log "ok: pmemctl list on the live kernel equals ndctl list (every mode, v1.1, v1.2, label-less, idle, filters, non-root)"
