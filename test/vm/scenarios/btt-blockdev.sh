#!/usr/bin/env bash
# check-btt on a real block device: the guest's /dev/pmemX of a sector
# namespace in raw mode (force_raw), as ndctl check-namespace does it.
#
# Host: one DIMM, v1.1 labels, a sector namespace (BTT 1.1 at 4 KiB) made
#   by pmemctl.
# Guest (pmemctl runs inside): write through the BTT, then expose the raw
#   namespace (disable, force_raw=1, enable: /dev/pmem0 holds the BTT) and
#   - pmemctl check-btt /dev/pmem0: exit 0, the same BTT the host sees;
#   - with another exclusive user of /dev/pmem0: refused, exit 8;
#   - backup info block damaged with dd: exit 4 (info2_bad_checksum), and
#     ndctl check-namespace says info2 "needs to be restored";
#   - pmemctl check-btt --repair /dev/pmem0: exit 1, then 0; ndctl agrees;
#   - back in sector mode the data reads as written.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
vm_require
vm_require_pmemctl create-namespace check-btt
vm_exclhold_build || vm_skip "no C compiler for the O_EXCL holder"

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimm-size 128M
export PMEMCTL_PLATFORM=$plat
vm_pmemctl init-labels -V 1.1 nmem0
vm_pmemctl create-namespace -s 64M -m sector -l 4096 >/dev/null
info2=$(vm_pmemctl read-infoblock -j namespace0.0 | jq '.[0].offset + .[0].info2off')

# The guest script: host values ($info2) expand now, guest ones (\$) later.
vm_guest_script "$VM_WORKDIR/guest.sh" <<GUEST
ns=namespace0.0
ndctl_check() { rc=0; ndctl check-namespace -v \$ns >/tmp/chk 2>&1 || rc=\$?; echo "rc=\$rc"; cat /tmp/chk; }
pm_check() { rc=0; pmemctl check-btt "\$@" /dev/pmem0 >/tmp/pm 2>&1 || rc=\$?; echo "rc=\$rc"; cat /tmp/pm; }
section data; vm_data_io write
ndctl disable-namespace \$ns >&2
echo 1 >/sys/bus/nd/devices/\$ns/force_raw
ndctl enable-namespace \$ns >&2
section clean; pm_check -j
exclhold /dev/pmem0 >/tmp/held & holder=\$!
while ! grep -q held /tmp/held 2>/dev/null; do sleep 0.1; done
section busy; pm_check
kill \$holder; wait \$holder 2>/dev/null || true
dd if=/dev/urandom of=/dev/pmem0 bs=8 count=1 seek=\$(( $info2 / 8 + 100 )) conv=notrunc 2>/dev/null
sync
section damaged; pm_check -j
ndctl disable-namespace \$ns >&2
section ndctl-damaged; ndctl_check
ndctl enable-namespace \$ns >&2
section repair; pm_check --repair
section recheck; pm_check
ndctl disable-namespace \$ns >&2
section ndctl-repaired; ndctl_check
echo 0 >/sys/bus/nd/devices/\$ns/force_raw
ndctl enable-namespace \$ns >&2
section readback; vm_data_io read
section end
GUEST
out=$VM_WORKDIR/out
vm_boot_sections "$plat" "$VM_WORKDIR/guest.sh" "$out"

rc() { vm_section "$out" "$1" | sed -n '1s/^rc=//p'; }
body() { vm_section "$out" "$1" | sed 1d; }
vm_assert_eq "check-btt /dev/pmem0 on a clean BTT" 0 "$(rc clean)"
vm_assert_eq "the guest's check saw the BTT the host laid out" \
    "$(vm_pmemctl check-btt -j namespace0.0 | jq -c '[.version, .sector_size, .blocks]')" \
    "$(body clean | jq -c '[.version, .sector_size, .blocks]')"
vm_assert_eq "check-btt on a device in exclusive use" 8 "$(rc busy)"
body busy | grep -q "in use" || vm_die "no 'in use' message: $(body busy)"
vm_assert_eq "check-btt after damaging info2" 4 "$(rc damaged)"
body damaged | jq -e '[.arenas[].findings[].kind] | index("info2_bad_checksum")' >/dev/null ||
    vm_die "no info2_bad_checksum finding: $(body damaged)"
vm_assert_eq "ndctl check-namespace on the damaged BTT (exit 0 by design)" 0 "$(rc ndctl-damaged)"
body ndctl-damaged | grep -q "info2 needs to be restored" ||
    vm_die "ndctl did not see the damage: $(body ndctl-damaged)"
vm_assert_eq "check-btt --repair /dev/pmem0" 1 "$(rc repair)"
vm_assert_eq "check-btt after the repair" 0 "$(rc recheck)"
vm_assert_eq "ndctl check-namespace after pmemctl's repair" 0 "$(rc ndctl-repaired)"
if body ndctl-repaired | grep -q "needs to be"; then
    vm_die "ndctl still wants repairs: $(body ndctl-repaired)"
fi
vm_section "$out" data >"$VM_WORKDIR/written"
vm_section "$out" readback >"$VM_WORKDIR/read"
vm_data_verify "after repair on the block device" "$VM_WORKDIR/read" || vm_die "data changed"
[ "$(cut -d' ' -f1-4 "$VM_WORKDIR/read" | sort)" = "$(cut -d' ' -f1-4 "$VM_WORKDIR/written" | sort)" ] ||
    vm_die "read back other ranges than were written"
echo "ok - check-btt and --repair on /dev/pmem0 agree with ndctl; data intact"
