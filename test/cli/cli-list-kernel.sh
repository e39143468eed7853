#!/usr/bin/env bash
# list on the live-kernel backend, read from a sysfs tree laid out like the
# kernel's (PMEMCTL_SYSFS_ROOT, the backend's test hook): every mode, seeds
# with -i, disabled devices, health flags, filters, the no-bus message, and
# the one-line refusals of what the live kernel does not support yet.
# (The real kernel is the VM suite's list-kernel scenario.)
. "$TEST_LIB"

S=$SCRATCH/sys
bus=$S/devices/LNXSYSTM:00/ACPI0012:00/ndbus0
mkdir -p "$S/bus/nd/devices" "$S/bus/nd/drivers/nd_pmem"
ln -s ../../../devices/LNXSYSTM:00/ACPI0012:00/ndbus0 "$S/bus/nd/devices/ndbus0"
drv=$S/bus/nd/drivers/nd_pmem

bound() { ln -s "$drv" "$1/driver"; }

attr "$bus" provider=ACPI.NFIT
attr "$bus/nmem0/nfit" id=8680-56341200 handle=0x1 phys_id=0x0 vendor=0x8086 \
	device=0x1 rev_id=0x1 serial=0x123456 flags=
bound "$bus/nmem0"
attr "$bus/nmem1/nfit" id=8680-57341200 handle=0x2 phys_id=0x1 vendor=0x8086 \
	device=0x1 rev_id=0x1 serial=0x123457 "flags=not_armed map_fail "

r=$bus/region0
attr "$r" size=335544320 align=0x1000000 available_size=167772160 \
	max_available_extent=100663296 set_cookie=0x6a8b4e2dd1c82f09 nstype=5 \
	numa_node=0 persistence_domain= mappings=1 mapping0=nmem0,0,335544320,0 \
	namespace_seed=namespace0.4
bound "$r"
# sector (btt 4096), fsdax map=mem, devdax map=dev, a disabled raw one, the seed
attr "$r/namespace0.0" uuid=1b8ae8e3-4b4f-4f1c-9d2c-5d5a1a0d7a01 size=33554432 \
	alt_name=secns mode=safe holder=btt0.1 "sector_size=[512] 4096" numa_node=0
attr "$r/btt0.1" uuid=2c9bf9f4-5c50-4f2d-8e3d-6e6b2b1e8b02 size=33284096 \
	"sector_size=512 520 528 [4096] 4104 4160 4224" namespace=namespace0.0
mkdir -p "$r/btt0.1/block/pmem0s"
bound "$r/btt0.1"
attr "$r/namespace0.1" uuid=3dacaa05-6d61-4f3e-9f4e-7f7c3c2f9c03 size=50331648 \
	alt_name= mode=memory holder=pfn0.0 "sector_size=[512] 4096" numa_node=0
attr "$r/pfn0.0" uuid=4ebdbb16-7e72-4f4f-8a5f-808d4d30ad04 size=48234496 \
	align=2097152 mode=ram namespace=namespace0.1
mkdir -p "$r/pfn0.0/block/pmem0"
bound "$r/pfn0.0"
attr "$r/namespace0.2" uuid=5fcecc27-8f83-4050-9b60-919e5e41be05 size=50331648 \
	alt_name=daxns mode=dax holder=dax0.0 "sector_size=[512] 4096" numa_node=0
attr "$r/dax0.0" uuid=60dfdd38-9094-4161-8c71-a2af6f52cf06 size=46137344 \
	align=2097152 mode=pmem namespace=namespace0.2
attr "$r/dax0.0/dax_region" size=46137344
attr "$r/dax0.0/dax0.0" dev=252:0
bound "$r/dax0.0"
attr "$r/namespace0.3" uuid=71e0ee49-a1a5-4272-9d82-b3b07063d007 size=16777216 \
	alt_name= mode=raw holder= "sector_size=512 [4096]" numa_node=0
attr "$r/namespace0.4" uuid= size=0 alt_name= mode=raw holder= \
	"sector_size=[512] 4096" numa_node=0
# the btt/pfn/dax seeds the kernel also shows: not namespaces
attr "$r/btt0.0" uuid= size=0 namespace=
attr "$r/pfn0.1" uuid= size=0 namespace=

# a label-less region (nstype 4) holding one raw io namespace
r1=$bus/region1
# (the kernel reports it all available; ndctl shows 0: it cannot be carved)
attr "$r1" size=268435456 align=0x1000000 available_size=268435456 \
	max_available_extent=268435456 set_cookie=0x1122334455667788 nstype=4 \
	mappings=1 mapping0=nmem1,0,268435456,0 namespace_seed=namespace1.0
bound "$r1"
attr "$r1/namespace1.0" size=268435456 mode=raw holder= numa_node=0
bound "$r1/namespace1.0"
mkdir -p "$r1/namespace1.0/block/pmem1"
# a disabled region: the kernel shows no namespaces in it
attr "$bus/region2" size=268435456 align=0x1000000 available_size=0 \
	max_available_extent=0 set_cookie=0x10 nstype=4 mappings=0

kpm() { env -u PMEMCTL_PLATFORM PMEMCTL_SYSFS_ROOT="$S" "$PMEMCTL" "$@"; }

expect_exit 0 kpm list -B
json_eq "-B" '[{"provider":"ACPI.NFIT","dev":"ndbus0"}]' "$OUT"

expect_exit 0 kpm list -D
json_eq "-D (the disabled DIMM is idle)" '[
 {"dev":"nmem0","id":"8680-56341200","handle":1,"phys_id":0}]' "$OUT"
expect_exit 0 kpm list -D -i
json_eq "-D -i" '[
 {"dev":"nmem0","id":"8680-56341200","handle":1,"phys_id":0},
 {"dev":"nmem1","id":"8680-57341200","handle":2,"phys_id":1,
  "flag_failed_arm":true,"flag_failed_map":true,"state":"disabled"}]' "$OUT"

expect_exit 0 kpm list -R
[ "$(jq -c 'map(.dev)' <<<"$OUT")" = '["region0","region1"]' ] ||
	fail "-R: the disabled region is idle: $OUT"
expect_exit 0 kpm list -R -i
json_eq "-R -i" '[
 {"dev":"region0","size":335544320,"align":16777216,
  "available_size":167772160,"max_available_extent":100663296,"type":"pmem",
  "iset_id":7677315948483194633,"labels":true,
  "persistence_domain":"unknown","numa_node":0},
 {"dev":"region1","size":268435456,"align":16777216,"available_size":0,
  "max_available_extent":0,"type":"pmem","iset_id":1234605616436508552,
  "labels":false,"persistence_domain":"unknown"},
 {"dev":"region2","size":268435456,"align":16777216,"available_size":0,
  "max_available_extent":0,"type":"pmem","iset_id":16,"labels":false,
  "persistence_domain":"unknown","state":"disabled"}]' "$OUT"
pass "buses, DIMMs (flags, state), regions (domain, numa, state)"

ns_all='[
 {"dev":"namespace0.0","mode":"sector","size":33284096,
  "uuid":"2c9bf9f4-5c50-4f2d-8e3d-6e6b2b1e8b02",
  "raw_uuid":"1b8ae8e3-4b4f-4f1c-9d2c-5d5a1a0d7a01","sector_size":4096,
  "blockdev":"pmem0s","name":"secns","numa_node":0},
 {"dev":"namespace0.1","mode":"fsdax","map":"mem","size":48234496,
  "uuid":"4ebdbb16-7e72-4f4f-8a5f-808d4d30ad04",
  "raw_uuid":"3dacaa05-6d61-4f3e-9f4e-7f7c3c2f9c03","sector_size":512,
  "align":2097152,"blockdev":"pmem0","numa_node":0},
 {"dev":"namespace0.2","mode":"devdax","map":"dev","size":46137344,
  "uuid":"60dfdd38-9094-4161-8c71-a2af6f52cf06",
  "raw_uuid":"5fcecc27-8f83-4050-9b60-919e5e41be05","align":2097152,
  "chardev":"dax0.0","name":"daxns","numa_node":0},
 {"dev":"namespace0.3","mode":"raw","size":16777216,
  "uuid":"71e0ee49-a1a5-4272-9d82-b3b07063d007","sector_size":4096,
  "state":"disabled","numa_node":0},
 {"dev":"namespace0.4","mode":"raw","size":0,"sector_size":512,
  "state":"disabled","numa_node":0},
 {"dev":"namespace1.0","mode":"raw","size":268435456,"sector_size":512,
  "blockdev":"pmem1","numa_node":0}]'
expect_exit 0 kpm list -N -i
json_eq "-N -i" "$ns_all" "$OUT"
expect_exit 0 kpm list
json_eq "list (idle left out)" "$(jq -c 'map(select(has("state") | not))' <<<"$ns_all")" "$OUT"
expect_exit 0 kpm list -m devdax
[ "$(jq -c 'map(.dev)' <<<"$OUT")" = '["namespace0.2"]' ] || fail "-m: $OUT"
expect_exit 0 kpm list -n namespace0.4 -i
[ "$(jq -c 'map(.dev)' <<<"$OUT")" = '["namespace0.4"]' ] || fail "-n seed: $OUT"
expect_exit 0 kpm list -R -N -r 1
[ "$(jq -c '[.regions[] | .dev, (.namespaces | map(.dev))]' <<<"$OUT")" = \
	'["region1",["namespace1.0"]]' ] || fail "-RN -r 1: $OUT"
expect_exit 0 kpm list -D -d nmem1 -u -i
[ "$(jq -c 'map([.dev, .handle])' <<<"$OUT")" = '[["nmem1","0x2"]]' ] ||
	fail "-D -d -u: $OUT"
expect_exit 3 kpm list -n namespace0.9
expect_err_line "namespace0.9: no such namespace"
pass "namespaces in every mode, seeds with -i, filters"

# what cannot be read is left out, not an error (as a user other than root)
if [ "$(id -u)" != 0 ]; then
	chmod 000 "$r/namespace0.0/alt_name" "$bus/nmem0/nfit/id"
	expect_exit 0 kpm list -N -D
	[ "$(jq -c '[.dimms[0].id, (.namespaces[0] | has("name"))]' <<<"$OUT")" = \
		'["",false]' ] || fail "unreadable attributes: $OUT"
	chmod 644 "$r/namespace0.0/alt_name" "$bus/nmem0/nfit/id"
	pass "unreadable attributes are left out"
fi

before=$(dirsum "$S")
# raw access to an enabled namespace: refused unless forced
expect_exit 4 kpm read-infoblock namespace0.0
expect_err_line "namespace0.0 is enabled \(sector, /dev/pmem0s\); raw access needs it disabled"
[ "$(dirsum "$S")" = "$before" ] || fail "the sysfs tree changed"
pass "raw access to an enabled namespace is refused unless forced"

# labels go through /dev/nmemN (the VM suite's labels-live scenario does
# the ioctls): the fake tree's DIMMs have no device node here, so every
# label command is one line naming it, exit 3, nothing written
if [ ! -e /dev/nmem0 ]; then
	for c in "init-labels nmem0" "zero-labels -f nmem0" "check-labels nmem0" \
		"read-labels nmem0" "read-labels -j nmem0" \
		"write-labels nmem0 -i /dev/null"; do
		# shellcheck disable=SC2086
		expect_exit 3 kpm $c
		expect_err_line "nmem0: cannot open /dev/nmem0: No such file or directory"
	done
	[ "$(dirsum "$S")" = "$before" ] || fail "the sysfs tree changed"
	pass "label commands reach the DIMM through /dev/nmemN"
fi

# create, reconfigure and destroy (the writes themselves are the VM suite's
# create-kernel scenarios): an active namespace needs --force; drivers that
# cannot be bound (not root) refuse in one line before anything is written
expect_exit 4 kpm destroy-namespace namespace0.0
[ "$ERR" = "$(printf '%s\n' "pmemctl destroy-namespace: namespace0.0 is active; use --force to destroy it" "destroyed 0 namespaces")" ] ||
	fail "destroy of an active namespace: $ERR"
expect_exit 4 kpm create-namespace -e namespace0.0 -m raw
expect_err_line "namespace0.0 is active; use --force to reconfigure it"
for c in "create-namespace -r region0 -s 16M" "create-namespace -f -e namespace0.1 -m raw"; do
	# shellcheck disable=SC2086
	expect_exit 1 kpm $c
	expect_err_line "region0: cannot change drivers: .*/bus/nd/drivers_probe is not writable"
done
for ns in namespace0.3 namespace0.0; do
	expect_exit 1 kpm destroy-namespace -f $ns
	grep -q "region0: cannot change drivers: .*/bus/nd/drivers_probe is not writable" <<<"$ERR" ||
		fail "destroy-namespace -f $ns: $ERR"
done
[ "$(dirsum "$S")" = "$before" ] || fail "the sysfs tree changed"
pass "create-namespace and destroy-namespace: refusals change nothing"

# enable/disable (the bind itself is the VM suite's enable-kernel scenario):
# what is already so is left alone; sysfs not writable is one line before
# anything is written; a block device that cannot be pinned exclusively
# refuses (exit 4) with nothing written, for a region over all its namespaces
expect_exit 0 kpm enable-namespace namespace0.0
[ "$ERR" = "enabled 1 namespace" ] || fail "enable of an enabled namespace: $ERR"
expect_exit 0 kpm enable-region region0
[ "$ERR" = "enabled 1 region" ] || fail "enable of an enabled region: $ERR"
expect_exit 0 kpm enable-dimm nmem0
[ "$ERR" = "enabled 1 dimm" ] || fail "enable of an enabled DIMM: $ERR"
expect_exit 0 kpm disable-dimm nmem1
[ "$ERR" = "disabled 1 dimm" ] || fail "disable of a disabled DIMM: $ERR"
expect_exit 0 kpm disable-namespace namespace0.3
[ "$ERR" = "disabled 1 namespace" ] || fail "disable of a disabled namespace: $ERR"
expect_exit 3 kpm disable-namespace namespace0.9
expect_err_line "namespace0.9: no such namespace"
expect_exit 1 kpm disable-namespace namespace0.0
expect_err_line "namespace0.0: cannot change drivers: .*/bus/nd/drivers_probe is not writable \(No such file or directory\)"
expect_exit 1 kpm enable-namespace namespace0.3
expect_err_line "namespace0.3: cannot change drivers: .*drivers_probe is not writable"
[ "$(dirsum "$S")" = "$before" ] || fail "the sysfs tree changed"
: >"$S/bus/nd/drivers_probe"
before=$(dirsum "$S")
expect_exit 4 kpm disable-dimm nmem0
expect_err_line "nmem0: region0 is enabled and uses it; disable the region first; nothing changed"
[ -e /dev/pmem0s ] || {
	expect_exit 4 kpm disable-namespace namespace0.0
	expect_err_line "namespace0.0: cannot check whether /dev/pmem0s is in use: No such file or directory; nothing changed"
	expect_exit 4 kpm disable-region region0
	expect_err_line "namespace0.0: cannot check whether /dev/pmem0s is in use"
}
[ "$(dirsum "$S")" = "$before" ] || fail "the sysfs tree changed"
rm "$S/bus/nd/drivers_probe"
pass "enable/disable: no-ops, not writable, in use refused (namespaces, regions, DIMMs)"

# create on a copy of the tree: the attributes are plain files, so each
# write lands in them (a shorter one over the start of a longer one), and
# no driver ever binds: after 5 s the bind fails, and the rollback must
# detach the claim device, clear holder_class, put the name and sector size
# back and give the capacity back (size 0), for sector (BTT, which ndctl
# leaves attached) as for fsdax
for m in sector fsdax; do
	T=$SCRATCH/sys-$m
	cp -a "$S" "$T"
	: >"$T/bus/nd/drivers_probe"
	: >"$T/bus/nd/drivers/nd_pmem/bind"
	attr "$T/${r#"$S"/}" btt_seed=btt0.0 pfn_seed=pfn0.1
	attr "$T/${r#"$S"/}/namespace0.4" holder_class= force_raw=0
	attr "$T/${r#"$S"/}/btt0.0" "sector_size=512 [4096]"
	attr "$T/${r#"$S"/}/pfn0.1" mode=pmem align=2097152
	c=$([ $m = sector ] && echo btt0.0 || echo pfn0.1)
	expect_exit 1 env PMEMCTL_SYSFS_ROOT="$T" "$PMEMCTL" create-namespace -r region0 -m $m -s 32M -n rb
	grep -q "^pmemctl create-namespace: $c: no driver took it" <<<"$ERR" || fail "$m: $ERR"
	grep -q "namespace0.4: undone: its capacity is free again$" <<<"$ERR" || fail "$m: $ERR"
	n=$T/${r#"$S"/}/namespace0.4
	got="$(head -n1 "$T/bus/nd/drivers/nd_pmem/bind") $(head -n1 "$n/size") [$(head -n1 "$n/holder_class")] [$(head -n1 "$T/${r#"$S"/}/$c/namespace")] [$(head -n1 "$n/alt_name")] $(head -n1 "$n/sector_size")"
	# sector wrote the namespace's sector_size 4096 and puts 512 back;
	# fsdax wrote 512, which it already was
	[ "$got" = "$c 0 [] [] [] 512" ] ||
		fail "$m rollback: bind, size, holder_class, claim's namespace, alt_name, sector_size: $got"
	grep -Eq '^[0-9a-f]{8}-' "$n/uuid" || fail "$m: no uuid was written"
done
pass "create-namespace: a failed bind is rolled back (sector and fsdax)"

# a size-0 namespace that is not the seed (namespaceR.0 after destroy, or
# one the kernel has yet to unregister) is idle too: nothing to destroy
T=$SCRATCH/sys-idle
cp -a "$S" "$T"
attr "$T/${r#"$S"/}/namespace0.5" uuid= size=0 alt_name= mode=raw holder= \
	"sector_size=[512] 4096" numa_node=0
expect_exit 2 env PMEMCTL_SYSFS_ROOT="$T" "$PMEMCTL" destroy-namespace -f namespace0.5
expect_err_line "namespace0.5: an idle seed; nothing to destroy"
pass "a size-0 namespace is idle"

# no bus: the message says so and how to make an image platform
mkdir -p "$SCRATCH/empty/bus/nd/devices"
for root in "$SCRATCH/empty" "$SCRATCH/nothing"; do
	expect_exit 3 env -u PMEMCTL_PLATFORM PMEMCTL_SYSFS_ROOT="$root" "$PMEMCTL" list
	expect_err_line "no NVDIMM platform found: no NVDIMM bus in .*pmemctl platform create"
done
pass "no bus"

# bash completion offers the live kernel's objects (it runs pmemctl list)
if [ -f "${BASH_COMPLETION_SCRIPT:-}" ]; then
	got=$(completed_objects "$S" "pmemctl list -r" "pmemctl list -d" \
		"pmemctl check-btt" "pmemctl init-labels" "pmemctl read-labels -j")
	[ "$got" = "region0 region1 region2 
nmem0 nmem1 
namespace0.0 namespace0.1 namespace0.2 namespace0.3 namespace1.0 
nmem0 nmem1 
nmem0 nmem1 " ] ||
		fail "completion on the live kernel offers: $got"
	pass "completion offers live objects (DIMMs to the label commands)"
fi
