#!/usr/bin/env bash
# Namespaces made by the kernel (ndctl in the guest) read back offline by
# pmemctl.
#
# Host: `pmemctl platform create` two blank 320 MiB DIMMs.
# Boot 1 (ndctl): v1.1 labels on nmem0, v1.2 on nmem1; in each region: raw
# 32M named "rawns", sector 32M/4096, sector 32M/512, fsdax 48M map=mem,
# fsdax 48M map=dev, devdax 48M align 2M, plus a 16M raw namespace created
# first and destroyed last (a hole at DPA 0); data patterns written to every
# block and dax device and read back.
# Boot 2: read the data back again; record `ndctl list -Nv`, `ndctl list
# -R`, `ndctl read-labels -j` and `ndctl read-infoblock -j` per namespace
# (after a reboot, so that device names are those of a fresh probe).
# Host, after power-off: `pmemctl check-labels`, `pmemctl list -N`,
# `pmemctl list -R`, `pmemctl read-labels -j`, `pmemctl read-infoblock -j`
# and `pmemctl check-btt` see exactly what the guest made (the last two are
# skipped, with a note, while pmemctl does not implement them).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
vm_require
vm_require_pmemctl

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 2 --dimm-size 320M
export PMEMCTL_PLATFORM=$plat
vm_daxio_build || vm_log "note: device-dax data will not be written (no daxio)"

# Boot 1: make everything, write the data.
vm_guest_script "$VM_WORKDIR/guest1.sh" <<'GUEST'
ndctl disable-region all >&2
ndctl init-labels nmem0 >&2
ndctl init-labels -V 1.2 nmem1 >&2
ndctl enable-region all >&2

section created
for r in region0 region1; do
    ndctl create-namespace -r $r -s 16M -m raw -n doomed
    ndctl create-namespace -r $r -s 32M -m raw -n rawns
    ndctl create-namespace -r $r -s 32M -m sector -l 4096
    ndctl create-namespace -r $r -s 32M -m sector -l 512
    ndctl create-namespace -r $r -s 48M -m fsdax -M mem
    ndctl create-namespace -r $r -s 48M -m fsdax -M dev
    ndctl create-namespace -r $r -s 48M -m devdax -a 2M
done
for d in /sys/bus/nd/devices/namespace*; do
    if [ "$(cat $d/alt_name 2>/dev/null)" = doomed ]; then
        ndctl destroy-namespace -f ${d##*/} >&2
    fi
done

section writes; vm_data_io write
echo 3 >/proc/sys/vm/drop_caches
section readback; vm_data_io read
section list-N; j ndctl list -Nv
section end
GUEST
out1=$VM_WORKDIR/out1
vm_boot_sections "$plat" "$VM_WORKDIR/guest1.sh" "$out1" "boot 1: create"

# Boot 2: what a freshly booted kernel makes of it. Device names are only
# comparable after a reboot: the kernel numbers namespaces at probe time
# (the destroyed namespaceN.0 keeps its id until then), pmemctl the way a
# fresh probe will.
vm_guest_script "$VM_WORKDIR/guest2.sh" <<'GUEST'
section readback; vm_data_io read
section list-N; j ndctl list -Nv
section list-R; j ndctl list -R
section read-labels; j ndctl read-labels -j nmem0 nmem1
# read-infoblock needs the namespace disabled.
for d in /sys/bus/nd/devices/namespace*; do
    ns=${d##*/}
    [ "$(cat $d/size)" != 0 ] || continue
    ndctl disable-namespace $ns >&2
    section "infoblock-$ns"
    rc=0; ndctl read-infoblock -j $ns || rc=$?
done
section end
GUEST
out=$VM_WORKDIR/out2
vm_boot_sections "$plat" "$VM_WORKDIR/guest2.sh" "$out" "boot 2: inspect"

note() { vm_log "note: $*"; }

guest_ns=$(vm_ndctl_list "$out/list-N" | jq -S "map($VM_NS_KEYS)")
# Sanity of the guest side: 6 namespaces per region, the doomed ones gone,
# the same namespaces after the reboot (names aside).
vm_assert_eq "namespaces the guest made (region0, region1)" "6 6" \
    "$(jq -r '[map(select(.dev | startswith("namespace0."))), map(select(.dev | startswith("namespace1.")))] | map(length) | join(" ")' <<<"$guest_ns")"
nonames='map(del(.dev, .blockdev, .chardev)) | sort_by(.uuid)'
check vm_json_compare "namespaces (names aside): ndctl list -Nv at creation (boot 1) vs after a reboot (boot 2)" \
    "$(vm_ndctl_list "$out1/list-N" | jq -S "map($VM_NS_KEYS) | $nonames")" \
    "$(jq -S "$nonames" <<<"$guest_ns")"

# 1. The data made it (written, read back, read back after the reboot), to
#    every block and dax device.
check vm_data_verify "boot 1 writes" "$out1/writes"
check vm_data_verify "boot 1 read-back" "$out1/readback"
check vm_data_verify "boot 2 read-back" "$out/readback"
check vm_json_compare "namespaces that got data (boot 2 read-back) vs ndctl list -Nv" \
    "$(jq -S '[.[] | "\(.uuid) \(.blockdev // .chardev)"] | sort' <<<"$guest_ns")" \
    "$(awk '$2 == "head" { print $1, $5 }' "$out/readback" | jq -R . | jq -S -s 'sort')"

# 2. pmemctl check-labels on kernel-written labels with namespaces.
rc=0
cl=$("$PMEMCTL" check-labels -v all 2>&1) || rc=$?
if [ "$rc" != 0 ]; then
    vm_log "FAIL: 'pmemctl check-labels -v all' exited $rc:"
    sed 's/^/    /' <<<"$cl" >&2
    vm_check_failed
fi

# 3. Namespaces and regions: pmemctl list offline == ndctl list in the guest.
check vm_json_compare "namespaces (ndctl list -Nv in the guest vs pmemctl list -N on the host)" \
    "$guest_ns" "$(vm_pmemctl list -N | vm_ndctl_list | jq -S "map($VM_NS_KEYS)")"
check vm_json_compare "regions (ndctl list -R in the guest vs pmemctl list -R on the host)" \
    "$(vm_ndctl_list "$out/list-R" | jq -S "map($VM_REGION_KEYS)")" \
    "$(vm_pmemctl list -R | vm_ndctl_list | jq -S "map($VM_REGION_KEYS)")"

# 4. Labels. Index blocks on ndctl's keys. Labels: ndctl prints every slot
#    whose slot field matches (stale ones included), pmemctl only the labels
#    in use; so (a) each label pmemctl reports equals ndctl's label in that
#    slot, and (b) the uuids of pmemctl's labels on nmemN are exactly the
#    namespace uuids (raw_uuid, or uuid when unclaimed) ndctl lists in regionN.
#    (All from boot 2: ndctl read-labels in the guest, pmemctl on the host.)
guest_labels=$(vm_ndctl_list "$out/read-labels")
host_labels=$(vm_pmemctl read-labels -j all | vm_ndctl_list)
idx='map({dev, index: [.index[] | {signature, major, minor, labelsize, seq, nslot}]})'
check vm_json_compare "index blocks (ndctl read-labels -j vs pmemctl read-labels -j)" \
    "$(jq -S "$idx" <<<"$guest_labels")" "$(jq -S "$idx" <<<"$host_labels")"
# ndctl prints a label's GUIDs as its raw bytes; pmemctl in canonical GUID
# form (first three fields little-endian). guid() turns ndctl's spelling
# into the canonical one so the values themselves are compared.
guid='def guid: if . == null then . else
        (gsub("-"; "") | [range(0; 32; 2) as $i | .[$i:$i+2]]) as $b
        | ($b[3:4] + $b[2:3] + $b[1:2] + $b[0:1] | add) + "-"
          + ($b[5:6] + $b[4:5] | add) + "-" + ($b[7:8] + $b[6:7] | add) + "-"
          + ($b[8:10] | add) + "-" + ($b[10:16] | add) end;'
lbl='{uuid, name, slot, position, nlabel, flags, isetcookie, lbasize, dpa,
      rawsize, type_guid, abstraction_guid} | with_entries(select(.value != null))'
check vm_json_compare "labels in use, by slot (ndctl's label in each slot pmemctl reports vs pmemctl's)" \
    "$(jq -S --argjson host "$host_labels" "$guid map(.dev as \$d
        | ([\$host[] | select(.dev == \$d) | .label[]?.slot]) as \$slots
        | {dev, label: [.label[]? | select(.slot as \$s | \$slots | index(\$s))
                        | .type_guid |= guid | .abstraction_guid |= guid | $lbl]
                       | sort_by(.slot)})" <<<"$guest_labels")" \
    "$(jq -S "map({dev, label: [.label[]? | $lbl] | sort_by(.slot)})" <<<"$host_labels")"
check vm_json_compare "namespace uuids (ndctl list -Nv per region vs pmemctl read-labels -j per DIMM)" \
    "$(jq -S 'group_by(.dev | sub("^namespace"; "") | sub("\\..*"; ""))
        | map({dev: ("nmem" + (.[0].dev | sub("^namespace"; "") | sub("\\..*"; ""))),
               uuids: (map(.raw_uuid // .uuid) | sort)})' <<<"$guest_ns")" \
    "$(jq -S 'map({dev, uuids: ([.label[]?.uuid] | unique)})' <<<"$host_labels")"

# 5. Info blocks: pmemctl read-infoblock -j == ndctl read-infoblock -j, on
#    the fields ndctl prints ([] for a raw namespace: nothing to find).
if "$PMEMCTL" read-infoblock -h >/dev/null 2>&1; then
    for f in "$out"/infoblock-namespace*; do
        ns=${f##*/infoblock-}
        theirs=$(vm_ndctl_list "$f")
        rc=0
        ours=$("$PMEMCTL" read-infoblock -j "$ns" 2>"$VM_WORKDIR/rib.err") || rc=$?
        if [ "$(jq length <<<"$theirs")" = 0 ]; then
            # No info block: pmemctl must not invent one (empty output, [],
            # or a "no info block" failure are all fine).
            [ -z "$ours" ] || check vm_json_compare "$ns: info block (none for ndctl)" "[]" \
                "$(vm_ndctl_list <<<"$ours")"
            continue
        fi
        if [ "$rc" != 0 ]; then
            vm_log "FAIL: 'pmemctl read-infoblock -j $ns' exited $rc: $(cat "$VM_WORKDIR/rib.err")"
            vm_log "      ndctl read-infoblock -j $ns: $(jq -c . <<<"$theirs")"
            vm_check_failed
            continue
        fi
        check vm_json_compare "$ns: info block (ndctl read-infoblock -j vs pmemctl read-infoblock -j)" \
            "$theirs" "$(vm_ndctl_list <<<"$ours" | jq -S --argjson t "$theirs" \
                '[.[] | with_entries(select(.key as $k | $t[0] | has($k)))]')"
    done
else
    note "pmemctl read-infoblock not available yet: info block comparison skipped"
fi

# 6. pmemctl check-btt on every sector namespace (the guest wrote data, so
#    the flog and map are not pristine).
for ns in $(jq -r '.[] | select(.mode == "sector") | .dev' <<<"$guest_ns"); do
    rc=0
    msg=$("$PMEMCTL" check-btt "$ns" 2>&1) || rc=$?
    if grep -q 'not implemented' <<<"$msg"; then
        note "pmemctl check-btt not implemented yet: BTT checks skipped"
        break
    fi
    if [ "$rc" != 0 ]; then
        vm_log "FAIL: 'pmemctl check-btt $ns' exited $rc on a kernel-made BTT:"
        sed 's/^/    /' <<<"$msg" >&2
        vm_check_failed
    fi
done

vm_checks_done
vm_log "ok: kernel-made namespaces (v1.1 + v1.2, every mode) read back offline by pmemctl"
