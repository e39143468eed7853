#!/usr/bin/env bash
# Error messages: one line, prefixed with the command, no wrapped
# (2^64 - x) numbers, and a non-zero exit that fits the problem.
. "$TEST_LIB"

pm platform create p --dimms 2 --dimm-size 64M 2>/dev/null
export PMEMCTL_PLATFORM=p
pm init-labels all 2>/dev/null
pm create-namespace -r 0 -m raw -s 16M >/dev/null 2>&1
before=$(sum p/*)
max=18446744073709551615

# an overflowing size is too large, not a rounding problem
expect_exit 6 pm create-namespace -r 0 -s $max
expect_err_line "^pmemctl create-namespace: region0: size $max exceeds the largest free extent"
grep -q 'did you mean' <<<"$ERR" && fail "overflowing size suggests a size: $ERR"
expect_exit 2 pm platform create big --dimm-size $max
expect_err_line "^pmemctl platform: big: DIMM size $max .*is too large"
[ ! -e big ] || fail "refused platform create left 'big' behind"
pass "an overflowing size is too large"

# read-labels / write-labels: the range is checked without wrapping
expect_exit 2 pm read-labels nmem0 -O 200000
expect_err_line "^pmemctl read-labels: nmem0: --offset 200000 is beyond the 131072-byte label area$"
expect_exit 2 pm read-labels nmem0 -O 100000 -s 100000
expect_err_line "^pmemctl read-labels: nmem0: 100000 bytes at offset 100000 do not fit"
expect_exit 2 pm write-labels nmem0 -O 200000 -i /dev/null
expect_err_line "^pmemctl write-labels: nmem0: --offset 200000 is beyond"
pass "label area ranges"

# read-infoblock: one message, usage errors for bad --offset / --size
expect_exit 2 pm read-infoblock p/nmem0.img -s 4K
expect_err_line "^pmemctl read-infoblock: p/nmem0.img: 4096 bytes is too small to probe"
expect_exit 2 pm read-infoblock p/nmem0.img -O 1G
expect_err_line "--offset 1073741824 is beyond the end of the file"
expect_exit 2 pm read-infoblock p/nmem0.img -O 60M -s 8M
expect_err_line "--size 8388608 at offset 62914560 runs past the end of the file"
expect_exit 2 pm read-infoblock namespace0.0 -O 4K
expect_err_line "--offset and --size apply to image files"
head -c 100 /dev/zero >tiny.img
expect_exit 3 pm read-infoblock tiny.img
expect_err_line "tiny.img: 100 bytes is too small to probe"
# check-btt: a window past the end of the file is a usage error (fsck 16)
expect_exit 16 pm check-btt p/nmem0.img --offset 60M --size 8M
expect_err_line "runs past the end of the file"
pass "read-infoblock and check-btt windows"

# A sweep of bad input: exactly one line, the command's prefix, no number
# near 2^64 that the command line did not contain, a non-zero exit.
sweep() { # sweep CMD...
	local rc=0 big
	pm "$@" >/dev/null 2>.err || rc=$?
	ERR=$(cat .err)
	[ "$rc" != 0 ] || fail "'$*' exits 0 (stderr: $ERR)"
	expect_err_line "^pmemctl $1: "
	for big in $(grep -oE '[0-9]{19,}' <<<"$ERR" || true); do
		grep -qw -- "$big" <<<"$*" ||
			fail "'$*' prints a wrapped number: $ERR"
	done
}
sweep create-namespace -r 0 -s $max -m raw
sweep create-namespace -r 0 -s 1 -m raw
sweep create-namespace -r 0 -s 16M -m sector -l $max
sweep create-namespace -r 0 -s 16M -m fsdax -a $max
sweep read-labels nmem0 -O $max
sweep read-labels nmem0 -s $max
sweep read-labels nmem0 -O 131072 -s 1
sweep write-labels nmem0 -O $max -i /dev/null
sweep write-labels nmem0 -O 131072 -i p/platform.json
sweep read-infoblock p/nmem0.img -O $max
sweep read-infoblock p/nmem0.img -s $max
sweep read-infoblock p/nmem0.img -O 69206015
sweep read-infoblock namespace0.0 -s 4K
sweep check-btt p/nmem0.img --offset $max
sweep check-btt p/nmem0.img --size $max
sweep platform create big --dimm-size $max
sweep platform create big --dimm-size 64M --label-size $max
sweep platform create big --dimm-size 64M --align $max
pass "bad input: one prefixed line, no wrapped numbers, non-zero exit"

# a target that exists but is neither an image nor a block device, and a
# region filter naming no region: errors, not "live kernel" or "0 done"
mkdir adir
expect_exit 2 pm read-infoblock adir
expect_err_line "^pmemctl read-infoblock: adir: not a namespace, image file or block device$"
expect_exit 3 pm destroy-namespace all -r 9
expect_err_line "^pmemctl destroy-namespace: 9: no such region$"
expect_exit 3 pm create-namespace -e namespace0.0 -r region9 -m raw -f
expect_err_line "^pmemctl create-namespace: region9: no such region$"
[ "$(sum p/*)" = "$before" ] || fail "bad input changed the platform"
[ ! -e big ] || fail "refused platform create left 'big' behind"
pass "wrong targets and filters"
