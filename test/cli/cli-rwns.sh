#!/usr/bin/env bash
# read-namespace / write-namespace: round trips through every mode of a
# platform's namespaces (sector with 512-, 4096- and 520-byte BTT
# sectors through the BTT engine, fsdax, devdax, raw), image files and
# their windows; check-btt stays clean and the layouts stay intact;
# refusals change no byte.
. "$TEST_LIB"

pm() { "$PMEMCTL" "$@"; }
export PMEMCTL_PLATFORM=$SCRATCH/p

pm platform create p --dimms 1 --dimm-size 256M 2>/dev/null
pm init-labels all 2>/dev/null
for m in "sector -l 512" "sector -l 4096" "sector -l 520" fsdax devdax raw; do
	# shellcheck disable=SC2086
	pm create-namespace -m $m -s 32M >/dev/null 2>&1 ||
		fail "create-namespace -m $m"
done
head -c 256K /dev/urandom >in
head -c 5000 /dev/urandom >odd

# ---- round trips ----------------------------------------------------------------
for ns in 0 1 2 3 4 5; do
	size=$(pm list -N | grep -A12 "\"namespace0.$ns\"" | sed -n 's/.*"size":\([0-9]*\).*/\1/p' | head -1)
	expect_exit 0 pm write-namespace namespace0.$ns -i in --offset 8192
	expect_exit 0 pm read-namespace namespace0.$ns -o out$ns
	[ "$(stat -c %s out$ns)" = "$size" ] ||
		fail "namespace0.$ns: read $(stat -c %s out$ns) bytes, list says $size"
	cmp -s in <(tail -c +8193 out$ns | head -c 256K) ||
		fail "namespace0.$ns: what was written does not read back"
	[ -z "$(head -c 8192 out$ns | tr -d '\0')" ] ||
		fail "namespace0.$ns: the bytes before --offset changed"
	pm read-namespace namespace0.$ns --offset 8192 --length 256K | cmp -s - in ||
		fail "namespace0.$ns: --offset/--length to stdout"
done
pm list -N | grep -q '"mode":"fsdax"' || fail "fsdax info block lost"
pm list -N | grep -q '"mode":"devdax"' || fail "devdax info block lost"
for ns in 0 1 2; do
	expect_exit 0 pm check-btt namespace0.$ns
done
pass "write then read back: sector 512/4096/520, fsdax, devdax, raw; check-btt clean"

# sector data is the BTT's: written again, the old blocks are reused
head -c 8192 /dev/urandom >two
for i in 1 2 3; do
	expect_exit 0 pm write-namespace namespace0.1 -i two --offset 4096
done
pm read-namespace namespace0.1 --offset 4096 --length 8192 | cmp -s - two ||
	fail "rewritten sectors do not read back"
expect_exit 0 pm check-btt namespace0.1
pass "sectors rewritten in place through the map"

# ---- image files ------------------------------------------------------------------
"$BTT_FORMAT" img 64M 4096 2
expect_exit 0 pm write-namespace img -i in --offset 1M
pm read-namespace img --offset 1M --length 256K | cmp -s - in ||
	fail "a v2.0 BTT image file does not read back"
expect_exit 0 pm check-btt img
truncate -s 80M win
"$BTT_FORMAT" win.tmp 64M 512 1
dd if=win.tmp of=win bs=1M seek=8 conv=notrunc status=none
expect_exit 0 pm write-namespace win --image-offset 8M --image-size 64M -i in
pm read-namespace win --image-offset 8M --image-size 64M --length 256K | cmp -s - in ||
	fail "a BTT in a window of an image does not read back"
expect_exit 0 pm check-btt win --offset 8M --size 64M
pass "image files: a v2.0 BTT, a v1.1 BTT inside --image-offset/--image-size"

# ---- refusals change nothing --------------------------------------------------------
before=$(dirsum p)
expect_exit 2 pm write-namespace namespace0.0 -i odd
expect_err_line "sector namespace: the offset \(0\) and length \(5000\) must be multiples of its 512-byte sector"
expect_exit 2 pm write-namespace namespace0.1 -i two --offset 100
expect_err_line "multiples of its 4096-byte sector"
expect_exit 6 pm write-namespace namespace0.5 -i in --offset 32764K
expect_err_line "do not fit the namespace's 33554432 bytes"
expect_exit 2 pm write-namespace namespace0.0
expect_err_line "-i FILE is required"
expect_exit 3 pm write-namespace namespace0.0 -i missing
expect_exit 3 pm write-namespace namespace0.9 -i in
expect_err_line "namespace0.9: no such namespace"
expect_exit 2 pm write-namespace namespace0.0 -i in --image-offset 4096
expect_err_line "apply to image files and block devices"
expect_exit 2 pm read-namespace namespace0.0 --offset 1G
[ "$(dirsum p)" = "$before" ] || fail "a refused write changed the platform"
echo data >kept
expect_exit 4 pm read-namespace namespace0.0 -o kept --length 512
expect_err_line "kept: exists and is not empty: use --force"
[ "$(cat kept)" = data ] || fail "a refused read replaced its output"
expect_exit 0 pm read-namespace namespace0.0 -o kept --length 512 -f
[ "$(stat -c %s kept)" = 512 ] || fail "--force did not replace the output"
pass "refusals: unaligned, too large, missing input, bad target, no -f: nothing written"

# a corrupt BTT is refused, not written through
cp img bad
printf 'X' | dd of=bad bs=1 seek=100 conv=notrunc status=none
sum_bad=$(sum bad)
expect_exit 5 pm write-namespace bad -i two
expect_err_line "run check-btt"
[ "$(sum bad)" = "$sum_bad" ] || fail "a corrupt BTT was written"
pass "a BTT with a bad info block is refused (exit 5), nothing written"

# ---- locks -----------------------------------------------------------------------------
if command -v flock >/dev/null; then
	sum_img=$(sum img)
	exec 9<img
	flock -s -n 9 || fail "cannot take the test's lock"
	expect_exit 4 pm write-namespace img -i two
	expect_err_line "busy"
	flock -u 9
	flock -x -n 9 || fail "cannot take the test's lock"
	expect_exit 4 pm read-namespace img --length 4096 -o r.out
	flock -u 9
	exec 9<&-
	[ "$(sum img)" = "$sum_img" ] || fail "a busy image was written"
	before=$(dirsum p)
	exec 9<p/platform.json
	flock -x -n 9 || fail "cannot take the test's lock"
	expect_exit 4 pm write-namespace namespace0.0 -i two
	flock -u 9
	exec 9<&-
	[ "$(dirsum p)" = "$before" ] || fail "a locked platform was written"
	pass "a locked image or platform is refused (exit 4), nothing written"
fi
