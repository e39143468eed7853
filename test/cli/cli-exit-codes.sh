#!/usr/bin/env bash
# Documentation/exit-codes.adoc (in the man pages) names, per exit code,
# the errors that give it: exactly the errnos cmd_exit_code() (cmd/util.c)
# maps to that code (cmd.h's numbers), no more and no fewer; and the one
# the docs once put under 1, EIO, is exit 5 in fact.
. "$TEST_LIB"

src=$(cd "$(dirname "$TEST_LIB")/../.." && pwd)	# test/cli/lib.sh
# "ERRNO CODE" for each case of cmd_exit_code()
code_map=$(awk '
	FNR == NR {
		if (match($0, /EXIT_[A-Z_]+ = [0-9]+/)) {
			split(substr($0, RSTART, RLENGTH), a, / = /)
			num[a[1]] = a[2]
		}
		next
	}
	/^int cmd_exit_code\(/ { in_fn = 1 }
	in_fn && /^}/ { in_fn = 0 }
	in_fn && match($0, /case E[A-Z0-9]+:/) {
		cases = cases " " substr($0, RSTART + 5, RLENGTH - 6)
	}
	in_fn && match($0, /return EXIT_[A-Z_]+;/) {
		code = num[substr($0, RSTART + 7, RLENGTH - 8)]
		n = split(cases, c, " ")
		for (i = 1; i <= n; i++)
			print c[i], code
		cases = ""
	}' "$src/cmd/cmd.h" "$src/cmd/util.c" | sort)
[ -n "$code_map" ] || fail "no errno cases found in cmd_exit_code()"
# "ERRNO CODE" for each errno a row of the table names
doc_map=$(awk '
	/^\|[0-9]+ \|/ { code = substr($0, 2) + 0 }
	/^\|===/ { code = "" }
	code != "" {
		line = $0
		while (match(line, /E[A-Z0-9][A-Z0-9]+/)) {
			print substr(line, RSTART, RLENGTH), code
			line = substr(line, RSTART + RLENGTH)
		}
	}' "$src/Documentation/exit-codes.adoc" | sort -u)
[ "$doc_map" = "$code_map" ] ||
	fail "exit-codes.adoc and cmd_exit_code() differ:
$(diff <(echo "$doc_map") <(echo "$code_map") || true)"
pass "exit-codes.adoc names each errno under the code cmd_exit_code() gives it"

# EIO in practice: a block with the BTT error flag
"$BTT_FORMAT" eio 64M 512 1
mapoff=$("$PMEMCTL" read-infoblock eio | sed -n 's/^mapoff *//p')
printf '\x00\x00\x00\x40' |	# LBA 0's map entry: the error flag alone
	dd of=eio bs=1 seek=$((4096 + mapoff)) conv=notrunc status=none
expect_exit 5 "$PMEMCTL" read-namespace eio --length 512 -o eio.out
expect_err_line "eio: LBA 0 is marked as a media error"
expect_exit 0 "$PMEMCTL" read-namespace eio --offset 512 --length 512 -o eio.out -f
pass "an I/O error (a block with the BTT error flag) is exit 5"

# A full output file (ENOSPC) is exit 6 with one line naming the file,
# whichever command writes it (read-labels once said only "write failed"
# with exit 1, read-namespace said nothing at all)
if [ -w /dev/full ]; then
	pm platform create plat --dimms 1 --dimm-size 1G >/dev/null
	pm --platform plat init-labels all >/dev/null
	pm --platform plat create-namespace -s 64M -m raw >/dev/null
	expect_exit 6 pm --platform plat read-labels nmem0 -o /dev/full
	expect_err_line "^pmemctl read-labels: /dev/full: write failed: No space left on device$"
	expect_exit 6 pm --platform plat read-namespace namespace0.0 -q -f \
		-o /dev/full
	expect_err_line "^pmemctl read-namespace: /dev/full: write failed: No space left on device$"
	rc=0
	pm --platform plat read-namespace namespace0.0 -q >/dev/full 2>err ||
		rc=$?
	ERR=$(cat err)
	[ "$rc" = 6 ] || fail "read-namespace to a full standard output: exit $rc"
	expect_err_line "^pmemctl read-namespace: standard output: write failed: No space left on device$"
	pass "a full output file is exit 6, named in one line, for every command"
fi
