#!/usr/bin/env bash
# pmemctl check-btt / check-namespace: clean BTTs, each corruption's
# finding and exit code, --repair, --dry-run, --rewrite-log, targets
# (image file, --offset, namespace), not-a-BTT and usage errors.
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

# flip FILE OFFSET: invert one byte
flip() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
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
