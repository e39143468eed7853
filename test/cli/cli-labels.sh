#!/usr/bin/env bash
# Label commands on an image platform and on kernel-made label areas.
. "$TEST_LIB"

pm platform create p --dimms 2 --dimm-size 64M 2>/dev/null
export PMEMCTL_PLATFORM=p
lsa() { # lsa N: the label area bytes of DIMM N
	tail -c 131072 "p/nmem$1.img"
}

expect_exit 5 pm check-labels nmem0
expect_err_line "nmem0: no valid label index \(index0: bad signature; index1: bad signature\)"
pass "blank area fails check-labels"

# labels on a label-less DIMM replace its namespace: not while it holds
# data (in its first 8 KiB, or an info block) without --force
pm platform create h --dimms 2 --dimm-size 64M 2>/dev/null
printf 'data' | dd of=h/nmem0.img bs=1 seek=5000 conv=notrunc status=none
"$BTT_FORMAT" h/nmem1.img 64M 4096 1
before=$(dirsum h)
expect_exit 4 pm --platform h init-labels nmem0
expect_err_line "namespace0.0 holds data in its first 8 KiB; use --force"
expect_exit 4 pm --platform h init-labels -V 1.2 nmem1
expect_err_line "namespace1.0 holds a sector layout; use --force"
expect_exit 4 pm --platform h init-labels all
[ "$(dirsum h)" = "$before" ] || fail "a refused init-labels wrote"
# write-labels of a valid label area would hide it just the same
pm platform create h2 --dimms 1 --dimm-size 64M 2>/dev/null
pm --platform h2 init-labels nmem0
pm --platform h2 read-labels -o h2.lsa nmem0
expect_exit 4 pm --platform h write-labels -i h2.lsa nmem0
expect_err_line "namespace0.0 holds data in its first 8 KiB; use --force"
[ "$(dirsum h)" = "$before" ] || fail "a refused write-labels wrote"
pass "write-labels refuses to hide a label-less namespace's data"
# a refused read-labels -o leaves an existing output file as it was
echo keep > h2.out
expect_exit 3 pm --platform h2 read-labels -o h2.out nmem7
[ "$(cat h2.out)" = keep ] || fail "a failed read-labels -o truncated its output file"
pass "a failed read-labels -o leaves its output file alone"
expect_exit 0 pm --platform h init-labels -f all
expect_exit 0 pm --platform h list -R
[ "$(jq -c '[.[].labels]' <<<"$OUT")" = '[true,true]' ] ||
	fail "init-labels -f did not label: $OUT"
pass "init-labels refuses to hide a label-less namespace's data; -f proceeds"

expect_exit 0 pm init-labels nmem0
expect_exit 0 pm init-labels -V 1.2 1
grep -q "initialized 1 nmem" <<<"$ERR" || fail "summary: $ERR"
expect_exit 0 pm check-labels -v all
grep -q "nmem0: index0: valid, v1.1, seq 3, 1020 slots" <<<"$ERR" || fail "$ERR"
grep -q "nmem1: index1: valid, v1.2, seq 2, 510 slots" <<<"$ERR" || fail "$ERR"
pass "init-labels v1.1 and v1.2"

before=$(sum p/*.img)
expect_exit 4 pm init-labels all
grep -q "nmem0: label area already holds a valid v1.1 index; use --force" <<<"$ERR" ||
	fail "$ERR"
[ "$(sum p/*.img)" = "$before" ] || fail "refused init-labels changed media"
expect_exit 3 pm init-labels nmem7
expect_err_line "nmem7: no such DIMM"
expect_exit 2 pm init-labels -V 1.3 nmem0
expect_err_line "unsupported label version '1.3'"
expect_exit 2 pm init-labels
[ "$(sum p/*.img)" = "$before" ] || fail "bad input changed media"
pass "refusals change nothing"

expect_exit 0 pm init-labels -f -V 1.2 nmem0
expect_exit 0 pm read-labels -j -I nmem0
[ "$(jq -c '[.[0].index[] | [.major, .minor, .labelsize, .seq, .nslot, .valid]]' <<<"$OUT")" = \
	'[[1,2,256,3,510,true],[1,2,256,2,510,true]]' ] || fail "index json: $OUT"
pass "init-labels --force rewrites"

# raw dump, restore, and garbage
expect_exit 0 pm read-labels -o saved.bin nmem0
cmp saved.bin <(lsa 0) || fail "raw dump differs from the image"
head -c 131072 /dev/urandom >garbage.bin
expect_exit 0 pm write-labels nmem0 -i garbage.bin
expect_exit 5 pm check-labels nmem0
expect_exit 0 pm list -R
[ "$(jq -c '.[0].labels' <<<"$OUT")" = false ] || fail "garbage area is labelled"
expect_exit 0 pm read-labels -j nmem0
[ "$(jq '.[0].label | length' <<<"$OUT")" = 0 ] || fail "labels from garbage"
expect_exit 0 pm write-labels nmem0 -i saved.bin
cmp saved.bin <(lsa 0) || fail "restore"
expect_exit 0 pm check-labels nmem0
head -c 200000 /dev/zero >big.bin
before=$(sum p/*.img)
expect_exit 2 pm write-labels nmem0 -i big.bin
expect_err_line "do not fit the 131072-byte label area"
expect_exit 2 pm write-labels all -i saved.bin
expect_exit 2 pm read-labels -j -s 100 nmem0
[ "$(sum p/*.img)" = "$before" ] || fail "bad write-labels changed media"
pass "read-labels/write-labels round trip and bad input"

expect_exit 0 pm zero-labels nmem1
cmp <(lsa 1) <(head -c 131072 /dev/zero) || fail "zero-labels"
expect_exit 5 pm check-labels nmem1
pass "zero-labels"

# kernel-made areas: ndctl's view of the labels equals ours
for set in ns-v1.1 ns-v1.2; do
	img=$(fixture "$set")
	pm platform create "k-$set" --image "$img" 2>/dev/null
	expect_exit 0 pm --platform "k-$set" read-labels -j nmem0
	ours=$(jq -S '.[0].label | map({uuid, name, dpa, rawsize, isetcookie,
		lbasize, nlabel, position}) | sort_by(.dpa)' <<<"$OUT")
	# ndctl lists every slot whose slot field matches, stale ones too
	# (the kernel leaves superseded copies behind); the guest's namespace
	# list says which uuids are live, and identical copies fold into one
	live=$(jq '[.list[0].regions[0].namespaces[] |
		(.raw_uuid // .uuid)]' "$FIXTURES/kernel/$set.json")
	theirs=$(jq -S --argjson live "$live" '.labels[0].label
		| map(select(.uuid as $u | $live | index($u)))
		| map({uuid, name, dpa, rawsize, isetcookie, lbasize, nlabel,
		       position}) | unique | sort_by(.dpa)' "$FIXTURES/kernel/$set.json")
	json_eq "$set labels (pmemctl vs ndctl in the guest)" "$theirs" "$ours"
	expect_exit 0 pm --platform "k-$set" check-labels nmem0
done
pass "kernel-written labels read as ndctl read them"
