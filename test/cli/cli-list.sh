#!/usr/bin/env bash
# list: stable shapes, filters, --human, and kernel-made platforms.
. "$TEST_LIB"

pm platform create p --dimms 2 --dimm-size 64M 2>/dev/null
export PMEMCTL_PLATFORM=p
pm init-labels -V 1.2 nmem1 2>/dev/null

expect_exit 0 pm list
[ "$(jq -c 'map(.dev)' <<<"$OUT")" = '["namespace0.0"]' ] ||
	fail "default list: $OUT"
expect_exit 0 pm list -R
[ "$(jq -r 'type' <<<"$OUT")" = array ] || fail "-R not an array"
expect_exit 0 pm list -r region1
[ "$(jq -c 'map(.dev)' <<<"$OUT")" = '["region1"]' ] || fail "-r: $OUT"
expect_exit 0 pm list -N -r 1
[ "$OUT" = "[]" ] || fail "labelled empty region lists namespaces: $OUT"
expect_exit 0 pm list -N -r 1 -i
[ "$(jq -c 'map([.dev, .size, .state, has("blockdev")])' <<<"$OUT")" = \
	'[["namespace1.0",0,"disabled",false]]' ] || fail "seed: $OUT"
expect_exit 0 pm list -DR
[ "$(jq -c 'keys' <<<"$OUT")" = '["dimms","regions"]' ] || fail "-DR: $OUT"
expect_exit 0 pm list -RN
[ "$(jq -c '[.regions[] | .namespaces | length]' <<<"$OUT")" = '[1,0]' ] ||
	fail "-RN nesting: $OUT"
expect_exit 0 pm list -DN
[ "$(jq -c 'keys' <<<"$OUT")" = '["dimms","namespaces"]' ] || fail "-DN: $OUT"
expect_exit 0 pm list -B
[ "$(jq -c '.[0] | [.dev, .provider]' <<<"$OUT")" = '["ndbus0","ACPI.NFIT"]' ] ||
	fail "-B: $OUT"
expect_exit 0 pm list -d nmem1
[ "$(jq -c 'map(.dev)' <<<"$OUT")" = '["nmem1"]' ] || fail "-d: $OUT"
expect_exit 0 pm list -m sector
[ "$OUT" = "[]" ] || fail "-m sector: $OUT"
expect_err_line "^pmemctl list: no matching devices found$"
expect_exit 2 pm list extra-arg
pass "shapes and filters"

# a filter naming nothing that exists is an error, not a silent []
expect_exit 2 pm list -m bogus
expect_err_line "^pmemctl list: unknown mode 'bogus'"
[ -z "$OUT" ] || fail "-m bogus printed $OUT"
for f in "-r 7" "-r region7" "-r 0,7" "-n namespace5.0" "-n 9.9" "-d nmem9" \
	"-b ndbus1" "-R -d 4"; do
	# shellcheck disable=SC2086
	expect_exit 3 pm list $f
	expect_err_line "^pmemctl list: [^ ]+: no such (region|namespace|DIMM|bus)"
	[ -z "$OUT" ] || fail "list $f printed $OUT"
done
# existing objects that select nothing together: [] and a warning
expect_exit 0 pm list -N -n 1.0
[ "$OUT" = "[]" ] || fail "-n seed without -i: $OUT"
expect_err_line "no matching devices found"
# no filter: an empty listing is just []
pm platform create e --dimm-size 64M 2>/dev/null
expect_exit 0 env PMEMCTL_PLATFORM=e "$PMEMCTL" init-labels all
expect_exit 0 pm --platform e list -N -r 0
expect_err_line "no matching devices found"
expect_exit 0 pm --platform e list
[ "$OUT" = "[]" ] && [ -z "$ERR" ] || fail "unfiltered empty list: $OUT / $ERR"
pass "filters that match nothing or do not exist"

expect_exit 0 pm list -R
[ "$(jq -c '[.[] | [(.size|type), (.iset_id|type), .labels]]' <<<"$OUT")" = \
	'[["number","number",false],["number","number",true]]' ] || fail "$OUT"
# iset_id: cookie2 for v1.2 labels (slot 1)
# (jq rounds 64-bit numbers through doubles: match the text)
grep -q '"iset_id":52512795602891997' <<<"$OUT" || fail "cookie2: $OUT"
[ "$(jq '.[1].available_size' <<<"$OUT")" = 67108864 ] || fail "avail: $OUT"
expect_exit 0 pm list -R -u
[ "$(jq -c '[.[0].size, .[0].iset_id, .[0].align]' <<<"$OUT")" = \
	'["64.00 MiB","0xba90120012b4dc","16.00 MiB"]' ] || fail "-u: $OUT"
expect_exit 0 pm list -u
[ "$(jq -r 'type' <<<"$OUT")" = array ] || fail "-u unwrapped the array"
pass "types are stable; -u only changes the spelling"

# kernel-made platforms: pmemctl's offline list equals ndctl's in the guest
for set in ns-v1.1 ns-v1.2; do
	img=$(fixture "$set")
	pm platform create "k-$set" --image "$img" 2>/dev/null
	expect_exit 0 env PMEMCTL_PLATFORM="k-$set" "$PMEMCTL" list -RN
	keys='{dev, mode, map, size, uuid, raw_uuid, sector_size, align,
	       blockdev, name}'
	ours=$(jq -S "[.regions[0].namespaces[] | $keys | with_entries(select(.value != null))] | sort_by(.dev)" <<<"$OUT")
	theirs=$(jq -S "[.list[0].regions[0].namespaces[] | select(.size > 0)
		| $keys | with_entries(select(.value != null))] | sort_by(.dev)" \
		"$FIXTURES/kernel/$set.json")
	json_eq "$set namespaces (pmemctl vs ndctl)" "$theirs" "$ours"
	ours=$(jq -S '.regions[0] | {size, align, available_size,
		max_available_extent, iset_id}' <<<"$OUT")
	theirs=$(jq -S '.list[0].regions[0] | {size, align, available_size,
		max_available_extent, iset_id}' "$FIXTURES/kernel/$set.json")
	json_eq "$set region (pmemctl vs ndctl)" "$theirs" "$ours"
	# jq reads numbers as doubles (so does the fixture's JSON): compare
	# the 64-bit cookie as text against the guest's sysfs set_cookie
	ours=$(grep -o '"iset_id":[0-9]*' <<<"$OUT" | cut -d: -f2)
	theirs=$(printf '%d' "$(cat "$FIXTURES/kernel/$set.txt")")
	[ -n "$ours" ] && [ "$ours" = "$theirs" ] ||
		fail "$set iset_id: pmemctl $ours, kernel set_cookie $theirs"
done
pass "kernel-made namespaces list as ndctl listed them"
