#!/usr/bin/env bash
# platform create / adopt / qemu-args and their bad inputs.
. "$TEST_LIB"

expect_exit 0 pm platform create p --dimms 2 --dimm-size 64M
[ -f p/platform.json ] || fail "no platform.json"
for i in 0 1; do
	size=$(stat -c %s "p/nmem$i.img")
	# 64 MiB media + 128 KiB labels, rounded up to the 2 MiB alignment
	[ "$size" = $((66 << 20)) ] || fail "nmem$i.img is $size bytes"
	[ "$(stat -c %b "p/nmem$i.img")" = 0 ] || fail "image is not sparse"
done
expect_exit 0 pm --platform p list -R
[ "$(jq '[.[].size] | unique' <<<"$OUT" | jq -c .)" = "[67108864]" ] ||
	fail "regions are not exactly --dimm-size: $OUT"
pass "create: sparse images, region = --dimm-size"

expect_exit 0 pm --platform p list -D
json_eq "dimm identities (QEMU slots)" '[
 {"dev":"nmem0","id":"8680-56341200","handle":1},
 {"dev":"nmem1","id":"8680-57341200","handle":2}]' \
	"$(jq 'map({dev,id,handle})' <<<"$OUT")"
pass "DIMM identity follows the QEMU slot"

# bad inputs: nothing created or changed
before=$(sum p/*)
expect_exit 4 pm platform create p --dimm-size 64M
expect_err_line "already holds a platform"
expect_exit 2 pm platform create q --dimm-size 64M --label-size 64K
expect_err_line "below QEMU's minimum of 128 KiB"
expect_exit 2 pm platform create q --dimm-size 3M
expect_err_line "did you mean --dimm-size=4194304"
expect_exit 2 pm platform create q --dimms 0 --dimm-size 64M
expect_exit 2 pm platform create q
expect_exit 2 pm platform create q --dimm-size 64M --image p/nmem0.img
[ ! -e q/platform.json ] || fail "a failed create left a platform"
[ "$(sum p/*)" = "$before" ] || fail "existing platform changed"
pass "create: bad input refused, nothing changed"

# adopt an existing image in place
truncate -s 130M raw.img
expect_exit 0 pm platform create a --image raw.img --label-size 128K
expect_exit 0 pm --platform a list -R
[ "$(jq '.[0].size' <<<"$OUT")" = $((128 << 20)) ] ||
	fail "adopted region size: $OUT"
expect_exit 3 pm platform create b --image nonexistent.img
expect_err_line "nonexistent.img: not an existing image file"
pass "adopt"

# truncated image: clear error, nothing written
truncate -s 100M raw.img
expect_exit 5 pm --platform a list
expect_err_line "truncated"
expect_exit 5 pm --platform a init-labels all
[ "$(stat -c %s raw.img)" = $((100 << 20)) ] || fail "truncated image resized"
pass "truncated image"

expect_exit 0 pm platform qemu-args p
grep -qx -- '-machine' <<<"$OUT" || fail "no -machine"
grep -qx 'pc,nvdimm=on' <<<"$OUT" || fail "no nvdimm=on"
grep -qx "memory-backend-file,id=mem1,share=on,mem-path=$SCRATCH/p/nmem1.img,size=$((66 << 20)),align=2097152" <<<"$OUT" ||
	fail "backend args: $OUT"
grep -qx 'nvdimm,memdev=mem1,id=nvdimm1,slot=1,label-size=131072' <<<"$OUT" ||
	fail "device args: $OUT"
PMEMCTL_PLATFORM=p expect_exit 0 pm platform qemu-args --memory 1G
grep -qx '1024M,slots=2,maxmem=2048M' <<<"$OUT" || fail "-m args: $OUT"
expect_exit 2 pm platform qemu-args p --memory 1000K
pass "qemu-args"

# one writer at a time: another process holding the platform is refused
# (the test shell holds the lock on its own open file description)
exec 9<p/platform.json
flock -x 9
before=$(sum p/*.img)
expect_exit 4 pm --platform p init-labels all
expect_err_line "platform is being changed by another process"
expect_exit 0 pm --platform p list -D
flock -u 9
exec 9<&-
[ "$(sum p/*.img)" = "$before" ] || fail "a refused writer changed the media"
expect_exit 0 pm --platform p init-labels all
pass "one writer per platform"
