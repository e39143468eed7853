#!/usr/bin/env bash
# BTT damage introduced offline, judged by pmemctl check-btt and by the
# guest's ndctl check-namespace alike, repaired offline by
# `pmemctl check-btt --repair`, comes back up in the kernel with its data.
#
# Host: two DIMMs, v1.2 labels on nmem0 (BTT 2.0 at 0) and v1.1 on nmem1
#   (BTT 1.1 at 4 KiB); two sector namespaces on each (4096 and 512).
# Boot 1: the guest writes test patterns through every BTT (so the flog
#   and map move) and checks them with ndctl check-namespace: clean.
# Host: every BTT checks clean offline. Then one kind of damage each:
#   ns A (v1.2/4096): primary info block zeroed      -> info_bad_signature
#   ns B (v1.2/512):  backup info block checksum bad -> info2_bad_checksum
#   ns C (v1.1/4096): the map write of the last flog entry undone, as if
#                     power failed between flog and map -> flog_map_mismatch
#   ns D (v1.1/512):  primary info block zeroed      -> info_bad_signature
#   pmemctl exits 4 on each, naming the damage as repairable.
#   A copy of C is repaired offline by pmemctl before boot 2.
# Boot 2: ndctl check-namespace (no repair) agrees that A, B and D are
#   damaged: it fails (primary info block) or says what "needs to be"
#   restored (it exits 0 for that, by design). C it calls clean: the kernel
#   completed the interrupted map write itself when it attached the BTT at
#   boot; its map and flog are then byte-identical to pmemctl's repaired
#   copy (pmemctl's repair is the kernel's recovery), and C checks clean.
# Host: --repair exits 1 on A, B and D; a re-check exits 0.
# Boot 3: ndctl check-namespace is clean on all four and every pattern
#   reads back as written in boot 1 (for C that needs the completed map
#   write: the undone map entry would return the previous data).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
vm_require
vm_require_pmemctl create-namespace check-btt
if "$PMEMCTL" check-btt /dev/null 2>&1 | grep -q 'not implemented'; then
    vm_skip "pmemctl check-btt is not implemented in this build"
fi

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 2 --dimm-size 128M
export PMEMCTL_PLATFORM=$plat
vm_pmemctl init-labels -V 1.2 nmem0
vm_pmemctl init-labels -V 1.1 nmem1
create() { vm_pmemctl create-namespace "$@" | jq -r .dev; }
A=$(create -r region0 -s 48M -m sector -l 4096)
B=$(create -r region0 -s 48M -m sector -l 512)
C=$(create -r region1 -s 48M -m sector -l 4096)
D=$(create -r region1 -s 48M -m sector -l 512)
all="$A $B $C $D"

# guest: check-namespace verdicts (exit code and its "needs to be" lines)
check_script() {
    cat <<EOF
for ns in $all; do
    ndctl disable-namespace \$ns >/dev/null 2>&1 || true
    section check-\$ns
    rc=0; ndctl check-namespace -v \$ns >/tmp/chk 2>&1 || rc=\$?
    echo "rc=\$rc"; cat /tmp/chk
    ndctl enable-namespace \$ns >/dev/null 2>&1 || true
done
EOF
}
# the verdict of one namespace from a boot's sections: rc and needs-lines
verdict() { # verdict DIR NS
    local text rc
    text=$(vm_section "$1" "check-$2")
    rc=$(sed -n 's/^rc=//p' <<<"$text")
    if [ "$rc" != 0 ]; then echo "error (exit $rc)"
    elif grep -qi 'needs to be' <<<"$text"; then echo "repairable (exit 0)"
    else echo clean
    fi
}

# --- boot 1: write through every BTT, check ----------------------------------
vm_guest_script "$VM_WORKDIR/boot1.sh" <<EOF
section data
vm_data_io write
$(check_script)
EOF
vm_boot_platform "$plat" "$VM_WORKDIR/boot1.sh" || vm_die "boot 1 failed"
vm_sections "$VM_WORKDIR/b1"
vm_section "$VM_WORKDIR/b1" data >"$VM_WORKDIR/written"
vm_data_verify "boot 1 write" "$VM_WORKDIR/written" || vm_die "bad pattern sums"
for ns in $all; do
    vm_assert_eq "boot 1: ndctl check-namespace $ns" clean "$(verdict "$VM_WORKDIR/b1" "$ns")"
    rc=0; "$PMEMCTL" check-btt -q "$ns" >/dev/null || rc=$?
    vm_assert_eq "offline check-btt $ns after the guest wrote" 0 "$rc"
done

# --- damage ------------------------------------------------------------------
# ns_geometry NS: "IMAGE BASE MAPOFF LOGOFF INFO2OFF DPA" with BASE the
# image offset of the namespace's first arena (single-arena BTTs here) and
# DPA where the namespace starts in the image.
ns_geometry() {
    local dimm=${1#namespace} dpa ib
    dimm=${dimm%%.*}   # one region per DIMM: regionN is nmemN
    dpa=$(vm_pmemctl read-labels -j "nmem$dimm" | jq --arg u \
        "$(vm_pmemctl list -n "$1" | jq -r '.[0].raw_uuid')" \
        '.[0].label[] | select(.uuid == $u) | .dpa')
    ib=$(vm_pmemctl read-infoblock -j "$1" | jq -c '.[0]')
    echo "$plat/nmem$dimm.img $((dpa + $(jq .offset <<<"$ib")))" \
        "$(jq -r '[.mapoff, .logoff, .info2off] | join(" ")' <<<"$ib") $dpa"
}
le32() { od -An -t u4 --endian=little -j "$2" -N 4 "$1" | tr -d ' '; }
put_le32() {
    printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($3 & 255)) \
        $(($3 >> 8 & 255)) $(($3 >> 16 & 255)) $(($3 >> 24 & 255)))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
zero4k() { dd if=/dev/zero of="$1" bs=1 seek="$2" count=4096 conv=notrunc status=none; }

read -r imgA baseA _ _ _ _ <<<"$(ns_geometry "$A")"
zero4k "$imgA" "$baseA"
read -r imgB baseB _ _ info2B _ <<<"$(ns_geometry "$B")"
put_le32 "$imgB" $((baseB + info2B + 2000)) 0xdeadbeef
read -r imgD baseD _ _ _ _ <<<"$(ns_geometry "$D")"
zero4k "$imgD" "$baseD"

# C: the newest flog entry whose map write landed: undo the map write.
read -r imgC baseC mapC logC _ dpaC <<<"$(ns_geometry "$C")"
undone=
for ((lane = 0; lane < 256 && !${#undone}; lane++)); do
    g=$((baseC + logC + 64 * lane))
    s0=$(le32 "$imgC" $((g + 12))) s1=$(le32 "$imgC" $((g + 28)))
    [ "$s1" != 0 ] || continue
    e=$g
    [ $((s0 % 3 + 1)) = "$s1" ] && e=$((g + 16))   # slot 1 is newer
    lba=$(le32 "$imgC" "$e") old=$(le32 "$imgC" $((e + 4))) new=$(le32 "$imgC" $((e + 8)))
    [ "$old" != "$new" ] || continue
    [ "$(le32 "$imgC" $((baseC + mapC + 4 * lba)))" = $(((new & 0x3fffffff) | 0xc0000000)) ] || continue
    put_le32 "$imgC" $((baseC + mapC + 4 * lba)) $(((old & 0x3fffffff) | 0xc0000000))
    undone="lane $lane lba $lba: map back from block $new to $old"
done
[ -n "$undone" ] || vm_die "no flog entry with a completed map write in $C"
vm_log "damage: $C $undone"

# --- offline verdicts ---------------------------------------------------------
expect_kind() { # expect_kind NS KIND
    local rc=0 out
    out=$("$PMEMCTL" check-btt -j "$1") || rc=$?
    vm_assert_eq "check-btt $1 exit (errors left uncorrected)" 4 "$rc"
    vm_assert_eq "check-btt $1 finds $2, repairable" true \
        "$(jq --arg k "$2" '[.arenas[].findings[] | select(.kind == $k and .repairable)] | length > 0' <<<"$out")"
}
expect_kind "$A" info_bad_signature
expect_kind "$B" info2_bad_checksum
expect_kind "$C" flog_map_mismatch
expect_kind "$D" info_bad_signature

# C offline: repair a copy now, to compare with the kernel's own recovery
cp --sparse=always "$imgC" "$VM_WORKDIR/c-copy.img"
rc=0; "$PMEMCTL" check-btt -q --repair --offset="$dpaC" --size=48M \
    "$VM_WORKDIR/c-copy.img" >/dev/null || rc=$?
vm_assert_eq "check-btt --repair on a copy of $C (corrected)" 1 "$rc"
metadata() { # metadata IMAGE: C's map and flog bytes
    dd if="$1" bs=4096 skip=$(((baseC + mapC) / 4096)) \
        count=$(((logC - mapC + 16384) / 4096)) status=none | sha256sum
}

# --- boot 2: ndctl agrees before the repair ------------------------------------
vm_guest_script "$VM_WORKDIR/boot2.sh" <<EOF
$(check_script)
EOF
vm_boot_platform "$plat" "$VM_WORKDIR/boot2.sh" || vm_die "boot 2 failed"
vm_sections "$VM_WORKDIR/b2"
for ns in $A $B $D; do
    v=$(verdict "$VM_WORKDIR/b2" "$ns")
    [ "$v" != clean ] || vm_die "ndctl check-namespace calls $ns clean; pmemctl found damage: $(vm_section "$VM_WORKDIR/b2" "check-$ns")"
    vm_log "ndctl before repair: $ns: $v"
done
vm_assert_eq "boot 2: ndctl check-namespace $C (the kernel recovered it at attach)" \
    clean "$(verdict "$VM_WORKDIR/b2" "$C")"
vm_assert_eq "$C: the kernel's recovery wrote exactly what pmemctl's repair wrote" \
    "$(metadata "$VM_WORKDIR/c-copy.img")" "$(metadata "$imgC")"
rc=0; "$PMEMCTL" check-btt -q "$C" >/dev/null || rc=$?
vm_assert_eq "check-btt $C after the kernel's recovery" 0 "$rc"

# --- repair offline ------------------------------------------------------------
for ns in $A $B $D; do
    rc=0; "$PMEMCTL" check-btt -q --repair "$ns" >/dev/null || rc=$?
    vm_assert_eq "check-btt --repair $ns exit (corrected)" 1 "$rc"
    rc=0; "$PMEMCTL" check-btt -q "$ns" >/dev/null || rc=$?
    vm_assert_eq "check-btt $ns after repair" 0 "$rc"
done

# --- boot 3: clean in the kernel, data intact -----------------------------------
vm_guest_script "$VM_WORKDIR/boot3.sh" <<EOF
$(check_script)
section data
vm_data_io read
EOF
vm_boot_platform "$plat" "$VM_WORKDIR/boot3.sh" || vm_die "boot 3 failed"
vm_sections "$VM_WORKDIR/b3"
for ns in $all; do
    vm_assert_eq "boot 3: ndctl check-namespace $ns after repair" clean \
        "$(verdict "$VM_WORKDIR/b3" "$ns")"
done
vm_section "$VM_WORKDIR/b3" data >"$VM_WORKDIR/read"
vm_data_verify "after repair" "$VM_WORKDIR/read" || vm_die "data changed"
[ "$(cut -d' ' -f1-4 "$VM_WORKDIR/read" | sort)" = "$(cut -d' ' -f1-4 "$VM_WORKDIR/written" | sort)" ] ||
    vm_die "read back other ranges than were written"
echo "ok - damage found by both tools, repaired offline, data intact"
