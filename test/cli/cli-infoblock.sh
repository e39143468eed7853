#!/usr/bin/env bash
# read-infoblock -u / -o, read-labels -u, and write-infoblock on namespaces,
# files, block devices and stdout: the kernel's bytes, round trips through
# read-infoblock and list, and every refusal leaving the bytes as they were.
. "$TEST_LIB"

# ndctl block area of namespace NS (dpa DPA) in image IMG: its first 8 KiB
area() { # area IMG DPA
	dd if="$1" bs=4096 skip=$(($2 / 4096)) count=2 status=none
}

# a CRC over every byte of FILES: sha256 of hundreds of MiB of images per
# check is too slow for the shared test machine, and a CRC sees any change
crc() {
	cat "$@" | cksum
}

# --- -u implies JSON (ndctl), for read-labels and read-infoblock ------------
k12=$(fixture ns-v1.2)
pm platform create k12 --image "$k12" 2>/dev/null
export PMEMCTL_PLATFORM=$PWD/k12
expect_exit 0 pm read-labels nmem0 -u
[ "$(jq -r '.[0].label[0].rawsize' <<<"$OUT")" = "48.00 MiB" ] ||
	fail "read-labels -u is not human JSON: ${OUT:0:80}"
expect_exit 0 pm read-infoblock namespace0.2 -u
[ "$(jq -r '.[0].dataoff' <<<"$OUT")" = 0x200000 ] ||
	fail "read-infoblock -u is not human JSON: ${OUT:0:80}"
pass "-u implies --json"

# --- read-infoblock -o: the raw bytes, at their offsets ---------------------
dpa2=$((80 << 20)); dpa0=0
expect_exit 0 pm read-infoblock namespace0.2 -o pfn.bin -j
[ "$(stat -c %s pfn.bin)" = 8192 ] || fail "pfn.bin size"
cmp <(dd if=pfn.bin bs=4096 skip=1 status=none) \
	<(dd if="$k12" bs=4096 skip=$((dpa2 / 4096 + 1)) count=1 status=none) ||
	fail "-o: not the PFN block's bytes"
[ "$(head -c 4096 pfn.bin | tr -d '\0' | wc -c)" = 0 ] ||
	fail "-o: bytes outside the decoded block"
json_eq "pfn.bin decodes like the namespace" \
	"$(jq 'map(del(.dev))' <<<"$OUT")" \
	"$(pm read-infoblock pfn.bin -j | jq 'map(del(.dev))')"
expect_exit 0 pm read-infoblock namespace0.0 -o btt.bin -j
cmp <(head -c 4096 btt.bin) <(area "$k12" $dpa0 | head -c 4096) ||
	fail "-o: not the BTT 2.0 block's bytes"
# an existing non-empty output is not replaced without --force
before=$(sum pfn.bin)
expect_exit 4 pm read-infoblock namespace0.0 -o pfn.bin
expect_err_line "pfn.bin exists and is not empty; use --force to replace it"
[ "$(sum pfn.bin)" = "$before" ] || fail "refused -o changed the file"
expect_exit 0 pm read-infoblock namespace0.0 -o pfn.bin -f
cmp pfn.bin btt.bin || fail "--force did not replace the output"
# nothing found: exit 3 and no file
pm platform create raw --dimm-size 64M 2>/dev/null
expect_exit 3 pm --platform raw read-infoblock namespace0.0 -o none.bin
[ ! -e none.bin ] || fail "an output file without any block"
pass "read-infoblock -o saves the raw blocks"

# --- write-infoblock reproduces the kernel's bytes ---------------------------
# namespace0.2: fsdax map=dev 64M; namespace0.3: devdax 48M (ns-v1.2);
# namespace0.3 of ns-v1.1: fsdax map=mem 64M.  Same inputs -> same bytes.
k11=$(fixture ns-v1.1)
pm platform create k11 --image "$k11" 2>/dev/null
uuids() { # uuids PLATFORM NS: "-u PFN-UUID -p NAMESPACE-UUID"
	pm --platform "$1" list -n "$2" | jq -r '.[0] | "-u \(.uuid) -p \(.raw_uuid)"'
}
u2=$(uuids k12 namespace0.2); u3=$(uuids k12 namespace0.3)
u13=$(uuids k11 namespace0.3)
cmp <(pm write-infoblock -c -s 64M $u2 2>/dev/null) <(area "$k12" $dpa2) ||
	fail "stdout: fsdax map=dev differs from the kernel's"
cmp <(pm write-infoblock -c -s 48M -m devdax $u3 2>/dev/null) \
	<(area "$k12" $((144 << 20))) || fail "stdout: devdax differs from the kernel's"
cmp <(pm write-infoblock -c -s 64M -M mem $u13 2>/dev/null) \
	<(area "$k11" $((112 << 20))) || fail "stdout: fsdax map=mem differs from the kernel's"
# into the namespaces themselves: replace the kernel's blocks with other
# ones, then write them again from the kernel's inputs: the images come
# back byte-identical
before=$(crc "$k12" "$k11")
expect_exit 4 pm write-infoblock namespace0.2
expect_err_line "namespace0.2 holds a fsdax layout; use --force to overwrite it"
[ "$(crc "$k12" "$k11")" = "$before" ] || fail "a refused write changed the image"
expect_exit 0 pm write-infoblock namespace0.2 -f -M mem
grep -qx "wrote 1 infoblock" <<<"$ERR" || fail "summary: $ERR"
pm write-infoblock namespace0.3 -f -m devdax -a 4K 2>/dev/null
pm --platform k11 write-infoblock namespace0.3 -f 2>/dev/null
[ "$(pm list -N | jq -c 'map(.map, .align)[4:]')" = '["mem",2097152,"dev",4096]' ] ||
	fail "the replacement blocks do not list: $(pm list -N)"
[ "$(crc "$k12" "$k11")" != "$before" ] || fail "nothing was written"
expect_exit 0 pm write-infoblock namespace0.2 -f $(cut -d' ' -f1,2 <<<"$u2")
expect_exit 0 pm write-infoblock 0.3 -f -m devdax $u3
expect_exit 0 pm --platform k11 write-infoblock namespace0.3 -f -M mem $u13
[ "$(crc "$k12" "$k11")" = "$before" ] ||
	fail "writing the kernel's inputs did not give the kernel's bytes"
# into a file the size of the namespace
truncate -s 64M f.img
expect_exit 0 pm write-infoblock f.img $u2
cmp <(area f.img 0) <(area "$k12" $dpa2) || fail "file: differs from the kernel's"
pass "write-infoblock writes the kernel's bytes (stdout, namespace, file)"

# --- round trip: write-infoblock -> read-infoblock -> list ------------------
pm platform create p --dimms 3 --dimm-size 48M 2>/dev/null
export PMEMCTL_PLATFORM=$PWD/p
pm init-labels -V 1.1 nmem0 2>/dev/null
pm init-labels -V 1.2 nmem1 2>/dev/null
pm create-namespace -r region0 -m raw -s 32M >/dev/null 2>&1
pm create-namespace -r region1 -m raw -s 32M >/dev/null 2>&1
expect_exit 0 pm write-infoblock namespace0.0 -M mem -a 4K
expect_exit 0 pm read-infoblock -j namespace0.0
[ "$(jq -c '.[0] | [.signature, .mode, .align, .checksum_valid]' <<<"$OUT")" = \
	'["NVDIMM_PFN_INFO",1,4096,true]' ] || fail "v1.1 read back: $OUT"
parent=$(jq -r '.[0].parent_uuid' <<<"$OUT")
[ "$(pm list -n namespace0.0 | jq -c '.[0] | [.mode, .map, .align, .size, .raw_uuid]')" = \
	"[\"fsdax\",\"mem\",4096,$(((32 - 2) << 20)),\"$parent\"]" ] ||
	fail "v1.1 list: $(pm list -n namespace0.0)"
expect_exit 0 pm write-infoblock namespace1.0 -m devdax
[ "$(pm list -n namespace1.0 | jq -c '.[0] | [.mode, .map, .align, .chardev]')" = \
	'["devdax","dev",2097152,"dax1.0"]' ] || fail "v1.2 list: $(pm list -n namespace1.0)"
expect_exit 0 pm write-infoblock namespace2.0
[ "$(pm list -n namespace2.0 | jq -c '.[0] | [.mode, .map, .size]')" = \
	"[\"fsdax\",\"dev\",$(((48 - 2) << 20))]" ] || fail "label-less list"
[ "$(pm read-infoblock -j namespace2.0 | jq -r '.[0].parent_uuid')" = \
	00000000-0000-0000-0000-000000000000 ] || fail "label-less parent uuid"
# a standalone block, in a new file, reads back
expect_exit 0 pm write-infoblock -o new.bin -s 1G -m devdax -u 11111111-2222-3333-4444-555555555555
[ "$(stat -c %s new.bin)" = 8192 ] || fail "new.bin size"
[ "$(pm read-infoblock new.bin -j | jq -c '.[0] | [.signature, .uuid, .dataoff, .npfns]')" = \
	'["NVDIMM_DAX_INFO","11111111-2222-3333-4444-555555555555",18874368,257536]' ] ||
	fail "standalone block: $(pm read-infoblock new.bin -j)"
pass "round trip: write-infoblock, read-infoblock, list"

# --- refusals: exit code, one message, not a byte changed -------------------
pm create-namespace -r region1 -m sector -s 16M >/dev/null 2>&1
head -c 100 /dev/urandom > data.bin
truncate -s 16M data.bin
truncate -s 16M g.img
pm write-infoblock g.img 2>/dev/null
state() {
	crc p/* g.img data.bin new.bin
}
before=$(state)
refuse() { # refuse CODE REGEX ARGS...
	local code=$1 re=$2
	shift 2
	expect_exit "$code" pm write-infoblock "$@"
	expect_err_line "$re"
	[ "$(state)" = "$before" ] || fail "write-infoblock $* changed bytes"
}
refuse 4 "namespace0.0 holds a fsdax layout; use --force" namespace0.0
refuse 4 "g.img holds an fsdax \(PFN\) info block; use --force" g.img
refuse 4 "data.bin holds data in its first 8 KiB; use --force" data.bin
refuse 4 "new.bin is not empty; use --force" -o new.bin -s 16M
refuse 4 "new.bin is not empty; use --force" new.bin -s 16M
refuse 2 "namespace1.1: its label claims it for sector" namespace1.1 -f
refuse 2 "parent uuid 11111111-2222-3333-4444-555555555555 is not the namespace's" \
	namespace0.0 -f -p 11111111-2222-3333-4444-555555555555
refuse 2 "--size 16777216 is not the namespace's size" namespace0.0 -f -s 16M
refuse 2 "alignment 8192 is not supported" namespace0.0 -f -a 8K
refuse 2 "alignment 1G needs the namespace's guest-physical start" namespace0.0 -f -a 1G
refuse 2 "physical start 0x100000 is not 2 MiB-aligned" namespace0.0 -f -O 1M
refuse 6 "leaves no room for data" namespace0.0 -f -a 1G -O 4G
refuse 2 "invalid mode 'sector' \(fsdax or devdax\)" namespace0.0 -f -m sector
refuse 2 "unknown map 'disk' \(mem or dev\)" namespace0.0 -f -M disk
refuse 2 "invalid uuid 'x'" namespace0.0 -f -u x
refuse 2 "the null uuid" namespace0.0 -f -u 00000000-0000-0000-0000-000000000000
refuse 2 "--size 33554432 exceeds the 16777216 bytes" g.img -f -s 32M
refuse 2 "fsdax namespaces need at least 16 MiB" g.img -f -s 8M
refuse 3 "namespace0.9: no such namespace" namespace0.9
refuse 3 "namespace0.1: no such namespace" namespace0.1
refuse 2 "specify one of" namespace0.0 -o g.img
refuse 2 "specify one of" namespace0.0 -c -s 16M
refuse 2 "specify one of" -o g.img -c -s 16M
refuse 2 "--size is required" -c
refuse 2 "--size is required" -o fresh.bin
[ ! -e fresh.bin ] || fail "a refused -o left a file behind"
exec 9<p/platform.json
flock -x 9
refuse 4 "platform is being changed by another process" namespace2.0 -f
flock -u 9
exec 9<&-
pass "refusals: clear errors, nothing written"

# --- block devices, where this machine allows loop devices ------------------
truncate -s 64M loop.img
if loop=$(losetup -f --show loop.img 2>/dev/null); then
	trap 'losetup -d "$loop"; rm -rf "$SCRATCH"' EXIT
	expect_exit 0 pm write-infoblock "$loop" -m devdax $(uuids k12 namespace0.3 |
		sed 's/-p [^ ]*//')
	expect_exit 4 pm write-infoblock -o "$loop"
	sync
	[ "$(pm read-infoblock -j "$loop" | jq -r '.[0].signature')" = NVDIMM_DAX_INFO ] ||
		fail "block device read back"
	pass "block device"
else
	echo "# loop devices unavailable: block device case skipped"
fi
