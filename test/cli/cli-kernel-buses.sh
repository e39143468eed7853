#!/usr/bin/env bash
# The live-kernel backend over a sysfs tree (PMEMCTL_SYSFS_ROOT) holding two
# NVDIMM buses: list shows both (-B one entry each, -b filters), names
# resolve across buses for every command; read/write-namespace refuse a
# disabled namespace (what to type) and a devdax namespace online as system
# RAM (kmem), as disable-namespace does, with nothing written.
# (The data path itself, through the kernel's devices, is the VM suite's
# io-kernel scenario: this tree has no /dev.)
. "$TEST_LIB"

S=$SCRATCH/sys
mkdir -p "$S/bus/nd/devices" "$S/bus/nd/drivers/nd_pmem" \
	"$S/bus/dax/devices" "$S/bus/dax/drivers/kmem"
drv=$S/bus/nd/drivers/nd_pmem

bound() { ln -s "$drv" "$1/driver"; }
# newbus N PROVIDER: the bus device, linked from bus/nd/devices
newbus() {
	local d=$S/devices/platform/bus$1/ndbus$1
	attr "$d" "provider=$2"
	ln -s "../../../devices/platform/bus$1/ndbus$1" "$S/bus/nd/devices/ndbus$1"
	echo "$d"
}

b0=$(newbus 0 ACPI.NFIT)
b1=$(newbus 1 nfit_test.1)
attr "$b0/nmem0/nfit" id=8680-56341200 handle=0x1 phys_id=0x0 flags=
bound "$b0/nmem0"
attr "$b1/nmem1/nfit" id=8680-57341200 handle=0x2 phys_id=0x1 flags=
bound "$b1/nmem1"

# bus 0: region0 with an enabled raw namespace and a disabled one
r0=$b0/region0
attr "$r0" size=268435456 align=0x1000000 available_size=0 \
	max_available_extent=0 set_cookie=0x10 nstype=5 mappings=1 \
	mapping0=nmem0,0,268435456,0 namespace_seed=namespace0.2
bound "$r0"
attr "$r0/namespace0.0" uuid=1b8ae8e3-4b4f-4f1c-9d2c-5d5a1a0d7a01 \
	size=134217728 mode=raw holder= "sector_size=[512] 4096"
mkdir -p "$r0/namespace0.0/block/pmem0"
bound "$r0/namespace0.0"
attr "$r0/namespace0.1" uuid=71e0ee49-a1a5-4272-9d82-b3b07063d007 \
	size=134217728 mode=raw holder= "sector_size=[512] 4096"
attr "$r0/namespace0.2" uuid= size=0 mode=raw holder= "sector_size=[512] 4096"
# bus 1: region1 with a devdax namespace whose dax1.0 kmem holds
r1=$b1/region1
attr "$r1" size=536870912 align=0x1000000 available_size=0 \
	max_available_extent=0 set_cookie=0x20 nstype=5 mappings=1 \
	mapping0=nmem1,0,536870912,0 namespace_seed=namespace1.1
bound "$r1"
attr "$r1/namespace1.0" uuid=5fcecc27-8f83-4050-9b60-919e5e41be05 \
	size=536870912 mode=dax holder=dax1.0 "sector_size=[512] 4096"
attr "$r1/dax1.0" uuid=60dfdd38-9094-4161-8c71-a2af6f52cf06 size=532676608 \
	align=2097152 mode=pmem namespace=namespace1.0
attr "$r1/dax1.0/dax1.0" dev=252:0 resource=0x240000000 size=532676608
# its memory as system RAM: 128 MiB blocks 72..75, one of them online
attr "$S/devices/system/memory" block_size_bytes=8000000
attr "$S/devices/system/memory/memory72" state=offline
attr "$S/devices/system/memory/memory74" state=online
bound "$r1/dax1.0"
ln -s "$S/bus/dax/drivers/kmem" "$r1/dax1.0/dax1.0/driver"
ln -s "$r1/dax1.0/dax1.0" "$S/bus/dax/devices/dax1.0"

kpm() { env -u PMEMCTL_PLATFORM PMEMCTL_SYSFS_ROOT="$S" "$PMEMCTL" "$@"; }

# ---- list: both buses ----------------------------------------------------
expect_exit 0 kpm list -B
json_eq "-B" '[{"provider":"ACPI.NFIT","dev":"ndbus0"},
 {"provider":"nfit_test.1","dev":"ndbus1"}]' "$OUT"
expect_exit 0 kpm list -B -R
[ "$(jq -c 'map([.dev, (.regions | map(.dev))])' <<<"$OUT")" = \
	'[["ndbus0",["region0"]],["ndbus1",["region1"]]]' ] ||
	fail "-B -R: each bus holds its own region: $OUT"
expect_exit 0 kpm list -D
[ "$(jq -c 'map(.dev)' <<<"$OUT")" = '["nmem0","nmem1"]' ] || fail "-D: $OUT"
expect_exit 0 kpm list -R
[ "$(jq -c 'map(.dev)' <<<"$OUT")" = '["region0","region1"]' ] || fail "-R: $OUT"
expect_exit 0 kpm list -N
[ "$(jq -c 'map([.dev, .mode])' <<<"$OUT")" = \
	'[["namespace0.0","raw"],["namespace1.0","devdax"]]' ] || fail "-N: $OUT"
expect_exit 0 kpm list -b ndbus1 -R -N
[ "$(jq -c '[.regions[] | .dev, (.namespaces | map(.dev))]' <<<"$OUT")" = \
	'["region1",["namespace1.0"]]' ] || fail "-b ndbus1 -R -N: $OUT"
expect_exit 0 kpm list -B -b nfit_test.1 -D
[ "$(jq -c 'map([.dev, (.dimms | map(.dev))])' <<<"$OUT")" = \
	'[["ndbus1",["nmem1"]]]' ] || fail "-B -b PROVIDER -D: $OUT"
expect_exit 0 kpm list -n namespace1.0 -r region1 -d nmem1 -R -D -N
[ "$(jq -c '[.dimms[].dev, .regions[].dev, .regions[].namespaces[].dev]' <<<"$OUT")" = \
	'["nmem1","region1","namespace1.0"]' ] || fail "filters on bus 1: $OUT"
expect_exit 3 kpm list -b ndbus2
expect_err_line "ndbus2: no such bus"
pass "list: every bus, -B one entry each, filters across buses"

# ---- names across buses -------------------------------------------------
expect_exit 0 kpm enable-region region1
[ "$ERR" = "enabled 1 region" ] || fail "enable-region region1: $ERR"
expect_exit 0 kpm enable-dimm nmem1
[ "$ERR" = "enabled 1 dimm" ] || fail "enable-dimm nmem1: $ERR"
expect_exit 0 kpm enable-namespace 1.0
[ "$ERR" = "enabled 1 namespace" ] || fail "enable-namespace 1.0: $ERR"
pass "enable/disable find bus 1's objects"

# ---- in use and disabled: refused, nothing written -------------------------
: >"$S/bus/nd/drivers_probe"
head -c 4096 /dev/urandom >in.bin
before=$(dirsum "$S")
expect_exit 4 kpm disable-namespace namespace1.0
expect_err_line "namespace1.0: dax1.0 is online as system RAM \(kmem\); nothing changed"
expect_exit 4 kpm disable-region region1
expect_err_line "namespace1.0: dax1.0 is online as system RAM \(kmem\)"
expect_exit 4 kpm read-namespace namespace1.0 -o out.bin
expect_err_line "namespace1.0: dax1.0 is online as system RAM \(kmem\)"
expect_exit 4 kpm write-namespace namespace1.0 -i in.bin
expect_err_line "namespace1.0: dax1.0 is online as system RAM \(kmem\)"
for c in "read-namespace namespace0.1 -o out.bin" \
	"write-namespace namespace0.1 -i in.bin"; do
	# shellcheck disable=SC2086
	expect_exit 3 kpm $c
	expect_err_line "namespace0.1 is disabled, so the kernel offers no device for its data; enable it first: pmemctl enable-namespace namespace0.1$"
done
[ ! -s out.bin ] || fail "read-namespace wrote output for a refused read"
[ "$(dirsum "$S")" = "$before" ] || fail "the sysfs tree changed"
pass "kmem devdax refused by disable and read/write-namespace; a disabled namespace says what to type"

# kmem with every block of its range offline is not system RAM (as ndctl):
# read-namespace goes on to the device (which this tree has not)
echo offline >"$S/devices/system/memory/memory74/state"
if [ ! -e /dev/dax1.0 ]; then
	expect_exit 3 kpm read-namespace namespace1.0 -o out.bin
	expect_err_line "/dev/dax1.0: cannot open: No such file or directory"
	pass "kmem with its memory offline is not refused"
fi

# ---- completion offers the live objects of every bus ---------------------
if [ -f "${BASH_COMPLETION_SCRIPT:-}" ]; then
	got=$(completed_objects "$S" "pmemctl enable-namespace" \
		"pmemctl read-namespace" "pmemctl disable-region" \
		"pmemctl list -d" "pmemctl list -b")
	[ "$got" = "namespace0.0 namespace0.1 namespace1.0 
namespace0.0 namespace0.1 namespace1.0 
region0 region1 
nmem0 nmem1 
ndbus0 ndbus1 " ] ||
		fail "completion on the live kernel offers: $got"
	pass "completion offers every bus's objects, disabled namespaces too, no seeds"
fi
