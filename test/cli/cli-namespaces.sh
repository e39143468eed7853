#!/usr/bin/env bash
# create-namespace / reconfigure / destroy-namespace / read-infoblock on
# image platforms, checked against what the kernel wrote in the fixtures.
. "$TEST_LIB"

pm platform create p --dimms 2 --dimm-size 256M 2>/dev/null
export PMEMCTL_PLATFORM=$PWD/p
pm init-labels -V 1.2 nmem0 2>/dev/null
pm init-labels -V 1.1 nmem1 2>/dev/null

# --- the ns-v1.2 fixture's namespaces, carved offline in the same order --
expect_exit 0 pm create-namespace -r region0 -s 48M -m sector -l 4096
[ "$(jq -c '[.dev, .mode, .size, .sector_size, .blockdev]' <<<"$OUT")" = \
	'["namespace0.0","sector",49205248,4096,"pmem0s"]' ] || fail "$OUT"
grep -qx "created 1 namespace" <<<"$ERR" || fail "summary: $ERR"
pm create-namespace -r region0 -s 32M -m sector -l 520 >/dev/null 2>&1
pm create-namespace -r region0 -s 64M -m fsdax -M dev >/dev/null 2>&1
pm create-namespace -r region0 -s 48M -m devdax -a 2M >/dev/null 2>&1
# (ndctl -vvv nests devdax's chardev under daxregion; compared elsewhere)
keys='{dev, mode, map, size, sector_size, align, blockdev}'
expect_exit 0 pm list -r region0 -N
ours=$(jq -S "map($keys | with_entries(select(.value != null)))" <<<"$OUT")
theirs=$(jq -S "[.list[0].regions[0].namespaces[] | select(.size > 0) | $keys
	| with_entries(select(.value != null))] | sort_by(.dev)" \
	"$FIXTURES/kernel/ns-v1.2.json")
json_eq "namespaces carved offline vs the kernel's (v1.2)" "$theirs" "$ours"
# every info block field the kernel wrote, except the uuids
for i in 0 1 2 3; do
	expect_exit 0 pm read-infoblock -j namespace0.$i
	ours=$(jq -S 'map(del(.uuid, .parent_uuid, .dev, .offset, .checksum,
		.checksum_valid, .flags))' <<<"$OUT")
	theirs=$(jq -S --arg ns "namespace0.$i" '.infoblocks[$ns] | map(del(.uuid,
		.parent_uuid, .dev, .flags) | .dataoff |= . ) ' \
		"$FIXTURES/kernel/ns-v1.2.json" | jq -S 'map(
		if .version == "2.0" or .version == "1.1" then
		  (.nextoff, .dataoff, .mapoff, .logoff, .info2off) |= .
		else . end)')
	json_eq "namespace0.$i info block vs the kernel's" "$theirs" "$ours"
	jq -e 'all(.checksum_valid)' <<<"$OUT" >/dev/null || fail "checksum"
done
# labels: same extents, cookies, lbasize and claim GUIDs as the kernel's
ours=$(pm read-labels -j nmem0 | jq -S '.[0].label | map({dpa, rawsize,
	isetcookie, lbasize, nlabel, position}) | sort_by(.dpa)')
theirs=$(jq -S '[.labels[0].label[] | select(.flags == 0)] | map({dpa,
	rawsize, isetcookie, lbasize, nlabel, position}) | unique |
	sort_by(.dpa)' "$FIXTURES/kernel/ns-v1.2.json")
json_eq "labels vs the kernel's (v1.2)" "$theirs" "$ours"
pass "v1.2: sector 4096/520, fsdax, devdax as the kernel lays them out"

# the v1.1 fixture: BTT 1.1 at 4 KiB, labels without claim GUIDs
pm create-namespace -r region1 -s 32M -m raw -n rawns >/dev/null 2>&1
pm create-namespace -r region1 -s 48M -m sector -l 4096 >/dev/null 2>&1
pm create-namespace -r region1 -s 32M -m sector -l 512 >/dev/null 2>&1
pm create-namespace -r region1 -s 64M -m fsdax -M mem >/dev/null 2>&1
expect_exit 0 pm list -r region1 -N
ours=$(jq -S "map($keys + {name} | with_entries(select(.value != null)) |
	.dev |= sub(\"namespace1\"; \"namespace0\") |
	if .blockdev then .blockdev |= sub(\"pmem1\"; \"pmem0\") else . end)" <<<"$OUT")
theirs=$(jq -S "[.list[0].regions[0].namespaces[] | select(.size > 0) |
	$keys + {name} | with_entries(select(.value != null))] | sort_by(.dev)" \
	"$FIXTURES/kernel/ns-v1.1.json")
json_eq "namespaces carved offline vs the kernel's (v1.1)" "$theirs" "$ours"
expect_exit 0 pm read-infoblock -j namespace1.1
[ "$(jq -c '[.[0].offset, .[0].version, .[0].external_nlba]' <<<"$OUT")" = \
	'[4096,"1.1",12012]' ] || fail "BTT 1.1: $OUT"
pass "v1.1: raw with name, sector 4096/512, fsdax map=mem"

# --- bad input: one line, non-zero, media unchanged ------------------------
before=$(sum p/*.img)
expect_exit 2 pm create-namespace -r region0 -s 40M -m raw
expect_err_line "did you mean --size=48M"
expect_exit 6 pm create-namespace -r region0 -s 256M
expect_err_line "exceeds the largest free extent"
expect_exit 2 pm create-namespace -r region0 -s 16M -m sector -l 1000
expect_err_line "sector size 1000 is not supported in sector mode"
expect_exit 2 pm create-namespace -r region0 -s 16M -m fsdax -l 520
expect_exit 2 pm create-namespace -r region0 -s 16M -n "$(printf 'n%.0s' {1..64})"
expect_err_line "name is 64 bytes; at most 63"
expect_exit 2 pm create-namespace -r region0 -s 16M -u not-a-uuid
expect_err_line "invalid uuid 'not-a-uuid'"
uuid=$(pm list -n namespace0.0 | jq -r '.[0].raw_uuid')
expect_exit 4 pm create-namespace -r region0 -s 16M -m raw -u "$uuid"
expect_err_line "uuid already used by namespace0.0"
expect_exit 2 pm create-namespace -r region0 -s 16M -m raw -M mem
expect_exit 2 pm create-namespace -r region0 -s 16M -m bogus
expect_exit 2 pm create-namespace -r region0 -s 16M -m devdax -a 1G
expect_exit 2 pm create-namespace -r region1 -s 16M -m sector
expect_err_line "needs more than 16 MiB \(its BTT starts at 4 KiB\)"
expect_exit 3 pm create-namespace -r region9 -s 16M
expect_exit 3 pm create-namespace -e namespace0.9 -m raw
expect_exit 4 pm create-namespace -e namespace0.0 -m raw
expect_err_line "namespace0.0 holds a sector layout; use --force to reconfigure it"
expect_exit 4 pm destroy-namespace namespace0.1
expect_exit 2 pm destroy-namespace namespace0.4
expect_err_line "namespace0.4: an idle seed; nothing to destroy"
expect_exit 1 pm enable-namespace namespace0.0
expect_err_line "needs the live kernel"
expect_exit 1 pm disable-dimm nmem0
expect_err_line "nmem0: needs the live kernel"
[ "$(sum p/*.img)" = "$before" ] || fail "bad input changed the media"
pass "bad input: clear errors, nothing written"

# --- reconfigure raw -> sector -> fsdax -> devdax -> raw -------------------
pm create-namespace -r region0 -s 32M -m raw -n cycle >/dev/null 2>&1
dev=namespace0.4
old=$(pm list -n $dev | jq -r '.[0].uuid')
for mode in sector fsdax devdax raw; do
	expect_exit 0 pm create-namespace -e $dev -m $mode -f
	[ "$(jq -r '[.dev, .mode, .name] | join(" ")' <<<"$OUT")" = "$dev $mode cycle" ] ||
		fail "reconfigure to $mode: $OUT"
	new=$(pm list -n $dev | jq -r '.[0].raw_uuid // .[0].uuid')
	[ "$new" != "$old" ] || fail "reconfigure kept the uuid"
	old=$new
done
expect_exit 0 pm read-labels -j nmem0
[ "$(jq '[.[0].label[] | select(.name == "cycle")] | length' <<<"$OUT")" = 1 ] ||
	fail "superseded labels not freed"
# back in raw mode: no info block may remain for the kernel to find
expect_exit 3 pm read-infoblock $dev
# settings the new mode supports carry over (as ndctl): 4096-byte sectors
pm create-namespace -e $dev -m sector -l 4096 -f >/dev/null 2>&1
expect_exit 0 pm create-namespace -e $dev -m fsdax -f
[ "$(jq -c '[.mode, .sector_size]' <<<"$OUT")" = '["fsdax",4096]' ] ||
	fail "sector size not inherited: $OUT"
expect_exit 0 pm create-namespace -e $dev -m raw -f
expect_exit 0 pm create-namespace -e $dev -m sector -u 11111111-2222-3333-4444-555555555555
[ "$(jq -r .raw_uuid <<<"$OUT")" = 11111111-2222-3333-4444-555555555555 ] ||
	fail "-u on reconfigure: $OUT"
pass "reconfigure keeps place, size and name; new uuid unless -u"

# --- what reconfigure inherits, as ndctl: map never, align within a mode ---
pm create-namespace -e $dev -m fsdax -M mem -a 4K -f >/dev/null 2>&1
expect_exit 0 pm create-namespace -e $dev -f
[ "$(jq -c '[.mode, .map, .align]' <<<"$OUT")" = '["fsdax","dev",4096]' ] ||
	fail "fsdax map=mem align=4K -> fsdax: $OUT"
pm create-namespace -e $dev -m fsdax -M mem -a 4K -f >/dev/null 2>&1
expect_exit 0 pm create-namespace -e $dev -m devdax -f
[ "$(jq -c '[.mode, .map, .align]' <<<"$OUT")" = '["devdax","dev",2097152]' ] ||
	fail "fsdax map=mem align=4K -> devdax: $OUT"
expect_exit 0 pm read-infoblock -j $dev
[ "$(jq -c '[.[0].mode, .[0].align]' <<<"$OUT")" = '[2,2097152]' ] ||
	fail "devdax info block: $OUT"
pm create-namespace -e $dev -m devdax -M mem -f >/dev/null 2>&1
expect_exit 0 pm create-namespace -e $dev -m fsdax -f
[ "$(jq -c '[.mode, .map]' <<<"$OUT")" = '["fsdax","dev"]' ] ||
	fail "devdax map=mem -> fsdax: $OUT"
# devdax keeps the namespace's 512-byte sector size in its label
pm create-namespace -e $dev -m devdax -f >/dev/null 2>&1
expect_exit 0 pm create-namespace -e $dev -m sector -f
[ "$(jq -c '[.mode, .sector_size]' <<<"$OUT")" = '["sector",512]' ] ||
	fail "devdax -> sector: $OUT"
expect_exit 0 pm create-namespace -e $dev -m fsdax -M mem -f
[ "$(jq -c '[.mode, .map, .align]' <<<"$OUT")" = '["fsdax","mem",2097152]' ] ||
	fail "-M on reconfigure: $OUT"
pass "reconfigure: map resets to dev, align kept only within a mode, sector size carried"

# --- destroy ----------------------------------------------------------------
avail=$(pm list -r region0 | jq '.[0].available_size')
expect_exit 0 pm destroy-namespace $dev -f
[ "$(pm list -r region0 | jq '.[0].available_size')" = $((avail + (32 << 20))) ] ||
	fail "destroy did not free the extent"
expect_exit 0 pm destroy-namespace all -r region1 -f
grep -qx "destroyed 4 namespaces" <<<"$ERR" || fail "$ERR"
[ "$(pm list -r region1 -N)" = "[]" ] || fail "region1 not empty"
[ "$(pm list -r region1 | jq '.[0].available_size')" = $((256 << 20)) ] ||
	fail "region1 capacity not returned"
# lowest free extent first: the hole at the front is reused
expect_exit 0 pm create-namespace -r region1 -s 16M -m raw
expect_exit 0 pm read-labels -j nmem1
[ "$(jq '.[0].label[0].dpa' <<<"$OUT")" = 0 ] || fail "not lowest extent"
pass "destroy frees labels and capacity"

# --- a retired BTT leaves no backup to "recover"; a lost primary needs -f ---
pm platform create bk --dimm-size 128M 2>/dev/null
export PMEMCTL_PLATFORM=$PWD/bk
pm init-labels -V 1.1 nmem0 2>/dev/null
pm create-namespace -m sector -s 32M >/dev/null 2>&1
pm create-namespace -m sector -s 32M >/dev/null 2>&1
expect_exit 0 pm create-namespace -e namespace0.0 -m raw -f
before=$(sum bk/*)
expect_exit 8 pm check-btt -R bk/nmem0.img --size 32M
expect_err_line "no BTT found"
expect_exit 0 pm destroy-namespace namespace0.1 -f
expect_exit 8 pm check-btt -R bk/nmem0.img --offset 32M --size 32M
expect_err_line "no BTT found"
pass "reconfigure and destroy wipe the BTT backup info block too"
# a sector namespace whose first 8 KiB were lost lists as raw: still data
expect_exit 0 pm create-namespace -m sector -s 32M -n lost
dev=$(jq -r .dev <<<"$OUT")
dd if=/dev/zero of=bk/nmem0.img bs=4096 seek=$((32 * 256)) count=2 \
	conv=notrunc status=none
[ "$(pm list -n $dev | jq -r '.[0].mode')" = raw ] || fail "$dev not raw"
before=$(sum bk/*)
expect_exit 4 pm create-namespace -e $dev -m fsdax
expect_err_line "$dev holds a BTT backup info block at 0x1fff000 .*; use --force to reconfigure it"
expect_exit 4 pm destroy-namespace $dev
grep -q "$dev holds a BTT backup info block at 0x1fff000" <<<"$ERR" || fail "$ERR"
[ "$(sum bk/*)" = "$before" ] || fail "a lost-primary BTT was touched"
expect_exit 1 pm check-btt -R $dev
[ "$(pm list -n $dev | jq -r '.[0].mode')" = sector ] || fail "not restored"
pass "a BTT that lost its primary counts as in use: refused without -f"
# write-infoblock over a sector namespace retires its BTT the same way
pm platform create wib --dimm-size 64M 2>/dev/null
pm --platform wib init-labels -V 1.1 nmem0 2>/dev/null
pm --platform wib create-namespace -m sector >/dev/null 2>&1
expect_exit 0 pm --platform wib write-infoblock namespace0.0 -m fsdax -f
lacks -aP 'BTT_ARENA_INFO\x00\x00' wib/nmem0.img ||
	fail "write-infoblock left a BTT info block"
pass "write-infoblock --force over a BTT wipes its backup too"

# --- label-less regions get v1.2 labels; their data needs --force ---------
pm platform create l --dimm-size 64M 2>/dev/null
export PMEMCTL_PLATFORM=$PWD/l
expect_exit 0 pm create-namespace -m sector
[ "$(pm list -R | jq -c '.[0].labels')" = true ] || fail "no autolabel"
[ "$(pm read-labels -j -I nmem0 | jq '.[0].index[0].minor')" = 2 ] ||
	fail "autolabel not v1.2"
pm zero-labels -f nmem0 2>/dev/null
# bad input on a label-less region writes nothing, not even the labels
before=$(sum l/nmem0.img)
expect_exit 6 pm create-namespace -s 1G
expect_exit 2 pm create-namespace -s 40M
expect_exit 2 pm create-namespace -m sector -l 999
[ "$(sum l/nmem0.img)" = "$before" ] || fail "a refused create labelled the region"
expect_exit 3 pm destroy-namespace namespace9.9
printf 'precious' | dd of=l/nmem0.img conv=notrunc status=none
before=$(sum l/nmem0.img)
expect_exit 4 pm create-namespace -m fsdax
expect_err_line "namespace0.0 holds data in its first 8 KiB"
[ "$(sum l/nmem0.img)" = "$before" ] || fail "label-less data touched"
expect_exit 0 pm create-namespace -e namespace0.0 -m fsdax -f
[ "$(jq -c '[.mode, .size]' <<<"$OUT")" = '["fsdax",65011712]' ] || fail "$OUT"
pass "label-less regions: autolabel v1.2, data protected"

# --- big sparse platforms stay sparse and BTT creation is metadata-only ----
pm platform create big --dimm-size 600G 2>/dev/null
export PMEMCTL_PLATFORM=$PWD/big
expect_exit 0 pm create-namespace -m sector
[ "$(jq .mode <<<"$OUT")" = '"sector"' ] || fail "$OUT"
blocks=$(stat -c %b big/nmem0.img)
[ "$blocks" -lt 200000 ] || fail "600G BTT allocated $blocks blocks"
expect_exit 0 pm read-infoblock -j namespace0.0
[ "$(jq length <<<"$OUT")" = 2 ] || fail "expected 2 arenas: $OUT"
[ "$(jq '.[0].nextoff' <<<"$OUT")" = $((512 << 30)) ] || fail "nextoff: $OUT"
pass "multi-arena BTT on a sparse 600 GiB image stays sparse"

# --- out of label slots: refused before anything is written ----------------
# 128 KiB of v1.2 labels hold 510 slots, one always kept free for updates
pm platform create full --dimm-size 8176M 2>/dev/null
export PMEMCTL_PLATFORM=$PWD/full
pm init-labels -V 1.2 nmem0 2>/dev/null
for i in $(seq 509); do
	pm create-namespace -m raw -s 16M >/dev/null 2>&1 || fail "namespace $i"
done
[ "$(pm list | jq length)" = 509 ] || fail "509 namespaces expected"
# what could change: the label area, the free tail, namespace0.7's range
# (checksumming all 8 GiB of the sparse image would dominate the test)
changeable() {
	{ tail -c 131072 full/nmem0.img
	  dd if=full/nmem0.img bs=1M skip=$((7 * 16)) count=16 status=none
	  dd if=full/nmem0.img bs=1M skip=$((509 * 16)) count=16 status=none
	} | sha256sum
}
before=$(changeable)
expect_exit 6 pm create-namespace -m raw -s 16M
expect_err_line "nmem0: no free label slots"
expect_exit 6 pm create-namespace -e namespace0.7 -m sector -f
[ "$(changeable)" = "$before" ] || fail "a refused create or reconfigure wrote"
pass "out of label slots: create and reconfigure refused, media unchanged"
