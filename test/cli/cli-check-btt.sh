#!/usr/bin/env bash
# pmemctl check-btt / check-namespace: clean BTTs, each corruption's
# finding and exit code, --repair, --dry-run, --rewrite-log, targets
# (image file, --offset, namespace, all), info blocks of another kind,
# ndctl's short options, not-a-BTT and usage errors.
# Images come from test/btt-format.c (btt_write_layout, kernel-identical).
. "$TEST_LIB"

command -v jq >/dev/null || { echo "jq not installed"; exit 77; }
: "${BTT_FORMAT:?BTT_FORMAT must point at the btt-format helper}"

fmt() { "$BTT_FORMAT" "$@"; }

# put_le32 FILE OFFSET VALUE
put_le32() {
	local v=$3
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $((v & 255)) \
		$(((v >> 8) & 255)) $(((v >> 16) & 255)) $(((v >> 24) & 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# put_ent FILE LANE SLOT LBA OLD NEW SEQ: one flog entry
put_ent() {
	local off=$((LOGOFF + 64 * $2 + 16 * $3))
	put_le32 "$1" "$off" "$4"
	put_le32 "$1" $((off + 4)) "$5"
	put_le32 "$1" $((off + 8)) "$6"
	put_le32 "$1" $((off + 12)) "$7"
}

kinds() { jq -r '[.arenas[].findings[].kind] | join(",")' <<<"$1"; }

# ---- clean images ----------------------------------------------------------
fmt img 64M 4096 2
expect_exit 0 pm check-btt img
grep -qx 'img: clean' <<<"$OUT" || fail "no 'clean' summary: $OUT"
expect_exit 0 pm check-btt -j img
J=$OUT
[ "$(jq -r '.result, .version, .offset, .exit_code' <<<"$J" | tr '\n' ' ')" = \
  "clean 2.0 0 0 " ] || fail "clean JSON: $J"
MAPOFF=$(jq '.arenas[0].mapoff' <<<"$J")
LOGOFF=$(jq '.arenas[0].logoff' <<<"$J")
INFO2=$(jq '.arenas[0].info2off' <<<"$J")
ENL=$(jq '.arenas[0].external_nlba' <<<"$J")
INL=$(jq '.arenas[0].internal_nlba' <<<"$J")
[ "$(jq -r '.arenas[0].log_layout' <<<"$J")" = 0/1 ] || fail "log layout"
pass "a fresh v2.0 BTT is clean (exit 0)"

expect_exit 0 pm check-namespace -q img
[ -z "$OUT" ] || fail "-q printed: $OUT"
pass "check-namespace is an alias; -q is silent when clean"

# A dense map (every byte written, as the kernel leaves it): the checker
# reads each entry (no hole to skip) and still tells identity from a
# duplicate.
R=$(fmt --dense d.img 64M 512 2)
read -r DOFF DLEN <<<"$R"
[ "$(du -k d.img | cut -f1)" -ge $((DLEN / 1024)) ] ||
	fail "--dense left the map sparse: $(du -k d.img)"
expect_exit 0 pm check-btt -q d.img
put_le32 d.img $((DOFF + 4 * 9)) $((0xC0000000 | 3))
expect_exit 4 pm check-btt -j d.img
[ "$(kinds "$OUT")" = block_duplicate,block_unreferenced ] ||
	fail "dense duplicate: $(kinds "$OUT")"
rm -f d.img
pass "a dense identity map is clean; a duplicate in it is found"

# The stop poll (SIGINT/SIGTERM, once per 64 KiB of map in each pass)
# asks the kernel only what is pending: the signals it watches are looked
# up once per check, not with two sigaction(2) calls per poll (64 polls
# here).
if command -v strace >/dev/null &&
   strace -f -qq -o /dev/null true 2>/dev/null; then
	fmt --dense s.img 4G 4096 2 >/dev/null
	# LeakSanitizer cannot stop the world under a tracer: no leak check
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -c -e trace=rt_sigaction -o strace.out \
		"$PMEMCTL" check-btt -q s.img ||
		fail "check-btt on a dense 4 GiB BTT: exit $?"
	N=$(awk '$NF == "rt_sigaction" { print $4 }' strace.out)
	[ "${N:-0}" -lt 32 ] ||
		fail "$N sigaction calls for 64 stop polls: $(cat strace.out)"
	rm -f s.img strace.out
	pass "the stop poll makes no sigaction call ($N in all)"
fi

fmt img11 64M 520 1
expect_exit 0 pm check-btt -j img11
[ "$(jq -r '"\(.version) \(.offset) \(.arenas[0].internal_lbasize)"' <<<"$OUT")" = \
  "1.1 4096 576" ] || fail "v1.1 520-byte BTT: $OUT"
expect_exit 0 pm check-btt -v img11
grep -q 'flog slots 0/1' <<<"$ERR" || fail "-v shows no pass detail: $ERR"
pass "v1.1 BTT with 520-byte sectors (internal 576) is clean; -v details"

# ---- corruptions: exit 4, the finding, dry run, repair -----------------------
fmt c.img 32M 4096 2
expect_exit 0 pm check-btt -j c.img
MAPOFF=$(jq '.arenas[0].mapoff' <<<"$OUT")
LOGOFF=$(jq '.arenas[0].logoff' <<<"$OUT")
INFO2=$(jq '.arenas[0].info2off' <<<"$OUT")
ENL=$(jq '.arenas[0].external_nlba' <<<"$OUT")
INL=$(jq '.arenas[0].internal_nlba' <<<"$OUT")

# corrupt NAME KIND REPAIRABLE CMD...: CMD damages c.img
corrupt() {
	local name=$1 kind=$2 repairable=$3 before
	shift 3
	rm -f c.img
	fmt c.img 32M 4096 2
	"$@"
	expect_exit 4 pm check-btt -j c.img
	kinds "$OUT" | tr ',' '\n' | grep -qx "$kind" ||
		fail "$name: no $kind in $(kinds "$OUT")"
	before=$(sum c.img)
	expect_exit 4 pm check-btt --repair --dry-run c.img
	[ "$(sum c.img)" = "$before" ] || fail "$name: --dry-run wrote"
	if [ "$repairable" = yes ]; then
		grep -q 'would repair' <<<"$OUT" || fail "$name: dry run: $OUT"
		expect_exit 1 pm check-btt --repair c.img
		grep -q 're-check clean' <<<"$OUT" || fail "$name: $OUT"
		expect_exit 0 pm check-btt c.img
	else
		expect_exit 4 pm check-btt --repair c.img
		[ "$(sum c.img)" = "$before" ] ||
			fail "$name: an unrepairable image was changed"
	fi
	pass "$name: $kind, exit 4, repair $repairable"
}

corrupt "primary checksum" info_bad_checksum yes flip c.img 1000
corrupt "primary signature" info_bad_signature yes flip c.img 3
corrupt "backup checksum" info2_bad_checksum yes flip c.img $((INFO2 + 1000))
both() { flip c.img 1000; flip c.img $((INFO2 + 1000)); }
corrupt "both info blocks" info_bad_checksum no both
corrupt "map entry out of range" map_out_of_range no \
	put_le32 c.img $((MAPOFF + 12)) $((0xC0000000 | (INL + 5)))
corrupt "duplicate map entry" block_duplicate no \
	put_le32 c.img $((MAPOFF + 20)) $((0xC0000006))
seq_dup() {
	dd if=c.img of=c.img bs=1 skip=$((LOGOFF + 128)) seek=$((LOGOFF + 144)) \
		count=16 conv=notrunc status=none
}
corrupt "equal flog sequence numbers" flog_bad_seq no seq_dup
corrupt "interrupted map write" flog_map_mismatch yes \
	put_ent c.img 0 1 4 4 "$ENL" 2
corrupt "truncated image" arena_truncated no truncate -s -8192 c.img

rm -f c.img
fmt c.img 32M 4096 2
put_ent c.img 0 1 4 4 "$ENL" 2
expect_exit 4 pm check-btt -j c.img
[ "$(jq -c '.arenas[0].findings[0] | [.location.lba, .location.lane, .repairable]' <<<"$OUT")" = \
  "[4,0,true]" ] || fail "mismatch location: $OUT"
expect_exit 1 pm check-btt --repair -j c.img
[ "$(jq -r '"\(.result) \(.repaired) \(.recheck.problems)"' <<<"$OUT")" = \
  "corrected 1 0" ] || fail "repair JSON: $OUT"
pass "JSON location, repair result and re-check"

# ---- --rewrite-log -------------------------------------------------------------
rm -f o.img
fmt o.img 32M 4096 2
put_ent o.img 0 2 4 4 "$ENL" 2		# an old kernel's write, slot 2
put_le32 o.img $((MAPOFF + 16)) $((0xC0000000 | ENL))
expect_exit 0 pm check-btt -j o.img
[ "$(jq -r '.arenas[0].log_layout' <<<"$OUT")" = 0/2 ] || fail "0/2 not detected"
expect_exit 16 pm check-btt --rewrite-log o.img
expect_exit 1 pm check-btt --repair --rewrite-log o.img
expect_exit 0 pm check-btt -j o.img
[ "$(jq -r '.arenas[0].log_layout' <<<"$OUT")" = 0/1 ] || fail "not rewritten"
pass "--rewrite-log converts a 0/2 flog (exit 1), which then checks clean"

# ---- targets --------------------------------------------------------------------
rm -f part.img off.img
fmt part.img 64M 4096 2
dd if=part.img of=off.img bs=1M seek=2 conv=sparse,notrunc status=none
expect_exit 0 pm check-btt --offset=2M --size=64M off.img
expect_exit 8 pm check-btt off.img
pass "--offset/--size select a BTT inside a larger file"

rm -f p.img
fmt p.img 64M 4096 2 b77b3c1e-0000-4000-8000-000000000001 \
	11111111-2222-4333-8444-555555555555
expect_exit 0 pm check-btt --uuid=11111111-2222-4333-8444-555555555555 p.img
expect_exit 4 pm check-btt -j --uuid=11111111-2222-4333-8444-666666666666 p.img
[ "$(kinds "$OUT")" = info_bad_parent_uuid,info2_bad_parent_uuid ] ||
	fail "parent uuid: $(kinds "$OUT")"
pass "--uuid checks the parent uuid"

pm platform create plat --dimms 1 --dimm-size 64M >/dev/null 2>&1
fmt plat/nmem0.img 64M 4096 1		# label-less: v1.1, parent zero
expect_exit 0 pm --platform plat check-btt namespace0.0
grep -qx 'namespace0.0: clean' <<<"$OUT" || fail "namespace: $OUT"
flip plat/nmem0.img $((4096 + 1000))
expect_exit 4 pm --platform plat check-btt 0.0
expect_exit 1 pm --platform plat check-btt --repair namespace0.0
expect_exit 0 pm --platform plat check-btt namespace0.0
pass "namespace targets on a label-less image platform"

pm platform create lplat --dimms 1 --dimm-size 128M >/dev/null 2>&1
export PMEMCTL_PLATFORM=$PWD/lplat
pm init-labels -V 1.2 nmem0 >/dev/null 2>&1
pm create-namespace -m sector -s 48M -l 4104 >/dev/null 2>&1
expect_exit 0 pm check-btt -j namespace0.0
[ "$(jq -r '"\(.version) \(.parent_uuid == "00000000-0000-0000-0000-000000000000") \(.arenas[0].internal_lbasize)"' <<<"$OUT")" = \
  "2.0 false 4160" ] || fail "labelled namespace: $OUT"
sig=$(grep -obUaP 'BTT_ARENA_INFO\x00\x00' lplat/nmem0.img | head -1 | cut -d: -f1)
flip lplat/nmem0.img $((sig + 2000))
expect_exit 4 pm check-btt -j namespace0.0
[ "$(kinds "$OUT")" = info_bad_checksum ] || fail "labelled: $(kinds "$OUT")"
expect_exit 1 pm check-btt --repair namespace0.0
expect_exit 0 pm check-btt namespace0.0
unset PMEMCTL_PLATFORM
pass "a sector namespace made by create-namespace (v1.2 labels, parent uuid)"

# ---- kernel-made BTTs (test/fixtures/kernel) ---------------------------------------
if [ -f "$FIXTURES/kernel/ns-v1.2.img.xz" ]; then
	k=$(fixture ns-v1.2)
	# namespace0.1: 32 MiB at dpa 48 MiB, 520-byte sectors, v2.0
	expect_exit 0 pm check-btt -j --offset=48M --size=32M \
		--uuid=b86321d4-0000-4000-8000-000000000003 "$k"
	[ "$(jq -r '"\(.result) \(.version) \(.sector_size)"' <<<"$OUT")" = \
	  "clean 2.0 520" ] || fail "kernel BTT: $OUT"
	pass "a BTT the kernel wrote (and used) checks clean"
fi

# ---- info blocks of another kind: refused, named, never written over ----------
# an fsdax and a devdax info block as create-namespace lays them out
pm platform create pfn --dimms 2 --dimm-size 64M >/dev/null 2>&1
pm --platform pfn create-namespace -r region0 -m fsdax >/dev/null 2>&1
pm --platform pfn create-namespace -r region1 -m devdax >/dev/null 2>&1
# stale BTT 1.1 (backup intact, first 8 KiB rewritten) under each of them
for kind in PFN DAX; do
	src=pfn/nmem0.img; [ $kind = DAX ] && src=pfn/nmem1.img
	rm -f s.img
	fmt s.img 64M 4096 1
	dd if=/dev/zero of=s.img bs=4096 count=2 conv=notrunc status=none
	dd if=$src of=s.img bs=4096 skip=1 seek=1 count=1 conv=notrunc status=none
	mode=fsdax; [ $kind = DAX ] && mode=devdax
	before=$(sum s.img)
	expect_exit 8 pm check-btt s.img
	expect_err_line "s.img holds an? $mode \\($kind\\) info block at 0x1000, not a BTT"
	expect_exit 8 pm check-btt -j s.img --repair
	expect_exit 8 pm check-btt --dry-run s.img
	[ "$(sum s.img)" = "$before" ] || fail "$kind info block written over"
done
pass "a PFN or DAX info block over a stale BTT backup: exit 8, named, untouched"

# a valid BTT 2.0 at 0 beside a valid BTT 1.1 at 4 KiB: the label decides
rm -f s.img v2.img
fmt s.img 64M 4096 1
fmt v2.img 64M 4096 2
dd if=v2.img of=s.img bs=4096 count=1 conv=notrunc status=none
before=$(sum s.img)
expect_exit 8 pm check-btt --repair s.img
expect_err_line "s.img holds a BTT 2.0 info block at 0 besides a BTT 1.1 at 0x1000"
[ "$(sum s.img)" = "$before" ] || fail "two BTT versions: written"
pass "BTTs of both versions where the kernel probes: exit 8, untouched"

# still a damaged BTT, not another kind: ndctl's test zeroes the first 8 KiB
rm -f s.img
fmt s.img 64M 4096 1
dd if=/dev/zero of=s.img bs=4096 count=2 conv=notrunc status=none
expect_exit 4 pm check-btt -j s.img
[ "$(kinds "$OUT")" = info_bad_signature ] || fail "zeroed primary: $(kinds "$OUT")"
expect_exit 1 pm check-btt --repair s.img
expect_exit 0 pm check-btt s.img
pass "a zeroed primary (v1.1) is still restored from its backup"

# the issue's case: sector on v1.1 labels, reconfigured to fsdax
pm platform create rc --dimm-size 64M >/dev/null 2>&1
pm --platform rc init-labels -V 1.1 nmem0 >/dev/null 2>&1
pm --platform rc create-namespace -m sector >/dev/null 2>&1
pm --platform rc create-namespace -e namespace0.0 -m fsdax -f >/dev/null 2>&1
before=$(sum rc/*)
expect_exit 8 pm check-btt rc/nmem0.img --size 64M --repair
expect_err_line "rc/nmem0.img holds an fsdax \\(PFN\\) info block at 0x1000, not a BTT"
expect_exit 8 pm --platform rc check-btt namespace0.0
expect_err_line "^pmemctl check-btt: namespace0.0 holds an fsdax \\(PFN\\) info block at 0x1000, not a BTT$"
expect_exit 8 pm --platform rc check-btt -R namespace0.0
[ "$(sum rc/*)" = "$before" ] || fail "fsdax namespace written"
[ "$(pm --platform rc list | jq -r '.[0].mode')" = fsdax ] || fail "not fsdax"
pass "sector -> fsdax on v1.1 labels: check-btt refuses, PFN kept"

# ---- ndctl's short options and "all" -----------------------------------------------
rm -f o.img
fmt o.img 32M 4096 2
put_ent o.img 0 2 4 4 "$ENL" 2
put_le32 o.img $((MAPOFF + 16)) $((0xC0000000 | ENL))
expect_exit 16 pm check-namespace -L o.img
expect_exit 1 pm check-namespace -R -L -f o.img
expect_exit 0 pm check-btt -f -j o.img
[ "$(jq -r '.arenas[0].log_layout' <<<"$OUT")" = 0/1 ] || fail "-R -L: $OUT"
pass "-R, -L and -f as in ndctl check-namespace"

pm platform create all --dimms 2 --dimm-size 96M >/dev/null 2>&1
export PMEMCTL_PLATFORM=$PWD/all
pm init-labels -V 1.2 nmem0 >/dev/null 2>&1
for m in sector fsdax sector raw sector; do
	pm create-namespace -r region0 -m $m -s 16M >/dev/null 2>&1
done
pm create-namespace -r region1 -m sector >/dev/null 2>&1	# label-less
expect_exit 0 pm check-btt all
[ "$(grep -c ': clean$' <<<"$OUT")" = 4 ] || fail "all: $OUT"
grep -qx "checked 4 namespaces" <<<"$ERR" || fail "all: $ERR"
expect_exit 0 pm check-namespace -j all
[ "$(jq -c '[.[] | [.target, .result]]' <<<"$OUT")" = \
  '[["namespace0.0","clean"],["namespace0.2","clean"],["namespace0.4","clean"],["namespace1.0","clean"]]' ] ||
	fail "all -j: $OUT"
# 0.2: backup damaged (repairable); 0.4: primary lost, so it lists as
# raw; 1.0: a duplicate map entry (not repairable)
mapoff=$(pm check-btt -j namespace1.0 | jq '.arenas[0].mapoff')
put_le32 all/nmem1.img $((mapoff + 20)) $((0xC0000006))
sigs=($(grep -obUaP 'BTT_ARENA_INFO\x00\x00' all/nmem0.img | cut -d: -f1))
flip all/nmem0.img $((sigs[3] + 1000))
flip all/nmem0.img $((sigs[4] + 1000))
[ "$(pm list -n 0.4 | jq -r '.[0].mode')" = raw ] || fail "0.4 not raw"
before=$(sum all/*)
expect_exit 4 pm check-btt all
grep -q "namespace0.4 is raw but holds BTT metadata" <<<"$ERR" || fail "$ERR"
grep -qx "checked 3 namespaces" <<<"$ERR" || fail "all: $ERR"
expect_exit 16 pm check-btt all --offset=1M
expect_exit 16 pm check-btt all --uuid=11111111-2222-4333-8444-555555555555
[ "$(sum all/*)" = "$before" ] || fail "check all without repair wrote"
expect_exit 5 pm check-btt -R -j all
[ "$(jq -c '[.[] | [.target, .exit_code]]' <<<"$OUT")" = \
  '[["namespace0.0",0],["namespace0.2",1],["namespace1.0",4]]' ] ||
	fail "all -R -j: $OUT"
expect_exit 1 pm check-btt -R namespace0.4
expect_exit 4 pm check-btt all
grep -qx "checked 4 namespaces" <<<"$ERR" || fail "all: $ERR"
unset PMEMCTL_PLATFORM
pass "all: every sector namespace, exit codes OR'ed (0|1|4 = 5), raw ones with a BTT named"

# ---- operational and usage errors -----------------------------------------------
truncate -s 64M zero.img
expect_exit 8 pm check-btt zero.img
expect_err_line 'no BTT found'
expect_exit 8 pm check-btt no-such.img
expect_exit 8 pm --platform plat check-btt namespace0.7
pass "not a BTT, a missing file or namespace: exit 8"

expect_exit 16 pm check-btt --bogus img
expect_exit 16 pm check-btt
expect_exit 16 pm check-btt img img11
expect_exit 16 pm check-btt --uuid=nonsense img
expect_exit 16 pm --platform plat check-btt --offset=4096 namespace0.0
pass "usage errors: exit 16"
