#!/usr/bin/env bash
# PMDK libpmemblk pool files: check-btt, read-infoblock, read-namespace and
# write-namespace find the BTT behind the pool header; what libpmemblk
# wrote reads back through pmemctl and the other way round, and pmempool
# check passes after pmemctl wrote.  A broken pool is refused unchanged.
. "$TEST_LIB"

[ -n "${PMEMBLK_TOOL:-}" ] ||
	{ echo "libpmemblk not found at build time (scripts/deps.sh --test)"; exit 77; }
command -v pmempool >/dev/null ||
	{ echo "pmempool not installed (pmdk-tools; scripts/deps.sh --test)"; exit 77; }

pm() { "$PMEMCTL" "$@"; }

# lib_agrees POOL EXPECTED WHAT: after pmemctl wrote POOL, libpmemblk reads
# EXPECTED from it, pmempool check passes and check-btt finds it clean.
lib_agrees() {
	"$PMEMBLK_TOOL" read "$1" >after
	cmp -s after "$2" || fail "$1: libpmemblk does not read what pmemctl wrote"
	pmempool check "$1" >check.out 2>&1 ||
		fail "$1: pmempool check after $3: $(cat check.out)"
	expect_exit 0 pm check-btt "$1"
}

# 520 and 4224: libpmemblk moves all of a block, protection-information
# bytes of the kernel's sector included; so does pmemctl for a pool.  1,
# 511, 1000, 4000: no BTT sector size of the kernel's, but libpmemblk
# allows any (internal block size roundup(max(bsize, 512), 256)).
for bs in 512 520 4096 4224 1 511 1000 4000; do
	head -c $((bs * 300)) /dev/urandom >data
	nblk=$("$PMEMBLK_TOOL" create pool$bs $bs $((32 << 20)) <data)
	"$PMEMBLK_TOOL" read pool$bs >want

	# libpmemblk wrote, pmemctl reads
	expect_exit 0 pm check-btt pool$bs
	printf '%s\n' "$OUT" | grep -q "BTT 1.1 at 0x1000: 1 arena, $bs-byte sectors, $nblk blocks" ||
		fail "pool$bs: check-btt: $OUT"
	printf '%s\n' "$OUT" | grep -q ': clean$' || fail "pool$bs: not clean: $OUT"
	expect_exit 0 pm read-infoblock pool$bs
	printf '%s\n' "$OUT" | grep -q '^version *1.1$' || fail "pool$bs: read-infoblock: $OUT"
	expect_exit 0 pm read-namespace pool$bs -q -f -o got
	cmp -s got want || fail "pool$bs: read-namespace differs from libpmemblk's reads"
	[ "$(stat -c %s got)" = $((nblk * bs)) ] || fail "pool$bs: namespace size"
	cmp -s data <(head -c $((bs * 300)) got) || fail "pool$bs: written blocks"

	# pmemctl writes, libpmemblk reads, pmempool check passes
	head -c $((bs * 40)) /dev/urandom >new
	expect_exit 0 pm write-namespace pool$bs -q -i new --offset $((bs * 290))
	{ head -c $((bs * 290)) data; cat new; tail -c +$((bs * 330 + 1)) want; } >expect
	lib_agrees pool$bs expect write-namespace
	pass "pool with $bs-byte blocks: both ways, pmempool check and check-btt clean"
done

# check-btt --repair mends a pool's BTT in place with the kernel's rules:
# a damaged primary info block comes back from its backup byte for byte,
# and an interrupted map write (the map entry put back to its old value
# after the log committed the new block) is completed; libpmemblk then
# reads the new data and pmempool check passes.
cp pool512 orig
printf 'XX' | dd of=pool512 bs=1 seek=8192 conv=notrunc status=none
expect_exit 4 pm check-btt pool512
printf '%s\n' "$OUT" | grep -q 'info_bad_signature: primary info block at 0x1000' ||
	fail "damaged pool info block not found: $OUT"
expect_exit 1 pm check-btt -R pool512
cmp -s pool512 orig || fail "the pool's info block was not restored exactly"
mapoff=$(pm read-infoblock pool512 | sed -n 's/^mapoff *//p')
ent=$((8192 + mapoff + 4 * 7))
dd if=pool512 of=old bs=1 skip=$ent count=4 status=none
head -c 512 /dev/urandom >blk
expect_exit 0 pm write-namespace pool512 -q -i blk --offset $((512 * 7))
dd if=old of=pool512 bs=1 seek=$ent conv=notrunc status=none
expect_exit 4 pm check-btt pool512
printf '%s\n' "$OUT" | grep -q 'flog_map_mismatch: .*interrupted map write' ||
	fail "interrupted map write not found: $OUT"
expect_exit 1 pm check-btt -R pool512
"$PMEMBLK_TOOL" read pool512 >after
cmp -s blk <(tail -c +$((512 * 7 + 1)) after | head -c 512) ||
	fail "libpmemblk does not read the block whose map write check-btt completed"
pmempool check pool512 >check.out 2>&1 ||
	fail "pmempool check after check-btt --repair: $(cat check.out)"
pass "check-btt --repair restores a pool's info block and completes its map write"

# The pool file is locked like an image: a writer is refused while another
# process holds the file.
before=$(sum pool512)
expect_exit 4 flock pool512 "$PMEMCTL" write-namespace pool512 -q -i new
[ "$(sum pool512)" = "$before" ] || fail "busy pool changed"
pass "a pool another process holds is refused"

# refused FILE CODE MESSAGE: every command refuses FILE with one line
# matching MESSAGE, exit CODE (check-btt: 8), and no byte of it changes.
refused() {
	local before
	before=$(sum "$1")
	expect_exit "$2" pm read-namespace "$1" -q -o out
	expect_err_line "$1: $3"
	expect_exit "$2" pm write-namespace "$1" -q -i new
	expect_err_line "$1: $3"
	expect_exit "$2" pm read-infoblock "$1"
	expect_err_line "$1: $3"
	expect_exit 8 pm check-btt "$1" --repair
	expect_err_line "$1: $3"
	[ "$(sum "$1")" = "$before" ] || fail "$1 changed"
}

# A broken pool header.
cp pool512 bad
flip bad 40	# a byte of its uuid
refused bad 5 'libpmemblk pool header: bad checksum'
pass "a pool with a bad header checksum is refused unchanged"

# A damaged pool signature does not make the pool a raw image to write over.
cp pool512 nosig
printf 'X' | dd of=nosig bs=1 seek=0 conv=notrunc status=none
refused nosig 5 'a BTT at 8 KiB but no libpmemblk pool signature'
pass "a pool with a damaged signature is refused unchanged"

# A pool libpmemblk has not written yet has no BTT: it reads as zeroes,
# and the first write lays the BTT out as libpmemblk's first write does.
# check-btt and read-infoblock have nothing to look at.
for bs in 512 4096 520 1 1000 4000; do
	pmempool create blk $bs fresh$bs
	cp fresh$bs lib$bs
	before=$(sum fresh$bs)
	expect_exit 0 pm read-namespace fresh$bs -q -o zeros
	"$PMEMBLK_TOOL" read lib$bs >want
	cmp -s zeros want || fail "fresh$bs: read-namespace is not libpmemblk's all-zero blocks"
	[ "$(stat -c %s zeros)" -gt 0 ] || fail "fresh$bs: nothing read"
	rm -f zeros
	expect_exit 8 pm check-btt fresh$bs
	expect_err_line "fresh$bs: libpmemblk pool without a BTT yet"
	expect_exit 5 pm read-infoblock fresh$bs
	expect_err_line "fresh$bs: libpmemblk pool without a BTT yet"
	size=$(stat -c %s want)
	expect_exit 6 pm write-namespace fresh$bs -q -i new --offset "$size"
	: >empty
	expect_exit 0 pm write-namespace fresh$bs -q -i empty
	[ "$(sum fresh$bs)" = "$before" ] || fail "fresh$bs changed without a write"

	# one block: the engine takes the lane of its CPU (the kernel's rule)
	# and libpmemblk its first lane, 0; pinned to CPU 0, both use lane 0
	head -c "$bs" /dev/urandom >blk
	expect_exit 0 taskset -c 0 "$PMEMCTL" write-namespace fresh$bs -q -i blk --offset $((bs * 5))
	"$PMEMBLK_TOOL" write lib$bs 5 <blk
	# what differs from libpmemblk's own first write: the BTT's uuid and
	# the checksum (both info blocks), libpmemblk's run-time state in the
	# pmemblk descriptor page, and flag bits (the top byte of old_map and
	# new_map) in the log entry the write made (lane 0, slot 1)
	info=$(pm read-infoblock fresh$bs)
	logoff=$(( 8192 + $(printf '%s\n' "$info" | sed -n 's/^logoff *//p') ))
	info2=$(( 8192 + $(printf '%s\n' "$info" | sed -n 's/^info2off *//p') ))
	odd=$({ cmp -l fresh$bs lib$bs || true; } | awk -v lo="$logoff" -v i2="$info2" '
		function info(o, b) { return (o >= b + 16 && o < b + 32) ||
					     (o >= b + 4088 && o < b + 4096) }
		{ o = $1 - 1
		  if ((o >= 4104 && o < 8192) || info(o, 8192) || info(o, i2) ||
		      (o >= lo && o < lo + 64 &&
		       ((o - lo) % 64 == 23 || (o - lo) % 64 == 27)))
			next
		  if (n++ < 3) print o }')
	[ -z "$odd" ] || fail "fresh$bs: layout differs from libpmemblk's at file offsets $odd"
	"$PMEMBLK_TOOL" read lib$bs >want
	lib_agrees fresh$bs want "the first write"
	pass "a fresh pool of $bs-byte blocks reads as zeroes; the first write lays out libpmemblk's BTT"
done

# A hostile fresh pool whose block size leaves no block beyond the free
# ones (libpmemblk makes none): invalid media, read and write refused,
# nothing changed (no broken layout).
pmempool create blk 1000 huge
printf '\x00\x00\x10\x00' | dd of=huge bs=1 seek=4096 conv=notrunc status=none	# 1 MiB
before=$(sum huge)
rm -f out
expect_exit 5 pm read-namespace huge -q -o out
expect_err_line "^pmemctl read-namespace: huge: a pool too small for a BTT of 1048576-byte blocks \(16 MiB and 512 blocks per arena minimum\)$"
[ ! -s out ] || fail "huge: read-namespace read something"
head -c 512 /dev/urandom >blk
expect_exit 5 pm write-namespace huge -q -i blk
expect_err_line "huge: a pool too small for a BTT of 1048576-byte blocks"
[ "$(sum huge)" = "$before" ] || fail "huge changed"
pass "a fresh pool whose block size leaves no blocks is refused unchanged"

# A pool set file (a text file naming a pool's parts) is no image to
# write over.
printf 'PMEMPOOLSET\n32M %s/part0\n' "$PWD" >set
refused set 1 'a PMDK pool set file: not supported .pmemctl opens single-file pools only.$'
pass "a pool set file is refused unchanged"

# An explicit window is taken as given: the raw-image path.
expect_exit 0 pm check-btt pool512 --offset 4096
# so the kernel's rules apply: a 1000-byte BTT is no kernel BTT
before=$(sum pool1000)
expect_exit 4 pm check-btt pool1000 --offset 4096
printf '%s\n' "$OUT" | grep -q 'info_bad_lbasize: external lbasize 1000 is not a BTT sector size' ||
	fail "pool1000 as an image: $OUT"
expect_exit 5 pm read-namespace pool1000 --image-offset 4096 -q -o out
[ "$(sum pool1000)" = "$before" ] || fail "pool1000 changed"
pass "--offset bypasses pool detection"
