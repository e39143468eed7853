#!/usr/bin/env bash
# Dispatcher behaviour: version, command list, usage, help, exit codes.
. "$TEST_LIB"

expect_exit 0 pm --version
[[ "$OUT" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "version '$OUT'"
expect_exit 0 pm version
pass "version"

expect_exit 0 pm --list-cmds
for c in list platform init-labels read-labels write-labels zero-labels \
	check-labels check-btt check-namespace help version; do
	grep -qx "$c" <<<"$OUT" || fail "--list-cmds lacks $c"
done
pass "--list-cmds"

expect_exit 2 pm
expect_exit 2 pm no-such-command
expect_err_line "'no-such-command' is not a pmemctl command"
expect_exit 2 pm list --no-such-option
expect_exit 2 pm --bogus-global list
pass "usage errors exit 2"

expect_exit 0 pm list -h
grep -q -- '--regions' <<<"$OUT" || fail "list -h lacks --regions"
expect_exit 0 pm -h
grep -q 'init-labels' <<<"$OUT" || fail "-h lacks the command list"
pass "-h prints usage"

if [ -f "$PMEMCTL_MAN_DIR/pmemctl-list.1" ]; then
	export MANPAGER=cat MANWIDTH=80
	expect_exit 0 pm list --help
	grep -q 'NAME' <<<"$OUT" && grep -q 'pmemctl-list' <<<"$OUT" ||
		fail "list --help did not show the man page"
	expect_exit 0 pm help init-labels
	grep -q 'pmemctl-init-labels' <<<"$OUT" || fail "help init-labels"
	expect_exit 2 pm help no-such-command
	pass "--help and help open the man page"
fi

# no platform: clear error naming how to create one (or that sysfs is
# not supported yet on machines with NVDIMMs)
expect_exit 3 env -u PMEMCTL_PLATFORM "$PMEMCTL" --platform "$SCRATCH/none" list
expect_err_line "no image platform here.*pmemctl platform create"
if [ ! -d /sys/bus/nd/devices ]; then
	expect_exit 3 pm list
	expect_err_line "no NVDIMM platform found.*pmemctl platform create"
fi
pass "missing platform"

# size parsing errors name the option
pm platform create p --dimm-size 16M >/dev/null 2>&1
expect_exit 2 pm platform create q --dimm-size 12X
expect_err_line "invalid size '12X' for --dimm-size"
[ ! -e q ] || fail "bad size created something"
pass "bad sizes"

# Global options go before the command; given after it, the error says so.
expect_exit 2 pm list --platform p
expect_err_line "^pmemctl list: --platform is a global option; it goes before the command: pmemctl --platform=DIR list$"
expect_exit 2 pm init-labels all --platform=p
expect_err_line "^pmemctl init-labels: --platform is a global option"
expect_exit 2 pm list --version
expect_err_line "^pmemctl list: --version is a global option: pmemctl --version$"
expect_exit 0 pm --platform p list
# -v and --version are the version command spelled as options (as in git
# and ndctl), and it takes no operands: "-v list" must not skip the list
for v in -v --version version; do
	expect_exit 2 pm $v list
	expect_err_line "^pmemctl version: unexpected argument 'list'; -v and --version only print the version \(more messages: pmemctl list -v\)$"
	[ -z "$OUT" ] || fail "pmemctl $v list printed '$OUT'"
done
expect_exit 2 pm --list-cmds list
expect_exit 0 pm -v
[[ "$OUT" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "-v prints '$OUT'"
pass "global options after the command; -v with a command"

# help and --help: a just-built pmemctl shows its own pages (without
# PMEMCTL_MAN_DIR), check-namespace shares check-btt's page, and when man
# cannot show a page its text, built into pmemctl, is printed instead.
export MANPAGER=cat MANWIDTH=80
if [ -f "$PMEMCTL_MAN_DIR/pmemctl-list.1" ]; then
	for h in "help list" "list --help" "--help list"; do
		# shellcheck disable=SC2086
		expect_exit 0 env -u PMEMCTL_MAN_DIR "$PMEMCTL" $h
		grep -q 'pmemctl Manual' <<<"$OUT" && grep -q 'pmemctl-list -' <<<"$OUT" ||
			fail "pmemctl $h in the build tree: $OUT $ERR"
	done
fi
for h in "check-namespace --help" "help check-namespace"; do
	# shellcheck disable=SC2086
	expect_exit 0 env -u PMEMCTL_MAN_DIR "$PMEMCTL" $h
	grep -q 'pmemctl-check-btt -' <<<"$OUT" || fail "pmemctl $h: $OUT $ERR"
done
# no man at all: every command's page as text
for c in "" $(pm --list-cmds); do
	page=pmemctl${c:+-$c}
	[ "$c" = check-namespace ] && page=pmemctl-check-btt
	# shellcheck disable=SC2086
	expect_exit 0 env PATH=/nonexistent "$PMEMCTL" help $c
	grep -q "^ *$page - " <<<"$OUT" || fail "no text for $page: $OUT $ERR"
	grep -q 'pmemctl Manual' <<<"$OUT" && fail "help $c without man ran man"
	[ -z "$ERR" ] || fail "help $c without man: $ERR"
done
expect_exit 0 env PATH=/nonexistent "$PMEMCTL" list --help
grep -q -- '--regions' <<<"$OUT" || fail "list page text lacks --regions: $OUT"
# an uninstalled copy outside the build tree, no page anywhere it looks
cp "$PMEMCTL" ./pmemctl-copy
expect_exit 0 env PMEMCTL_MAN_DIR="$SCRATCH/no-pages" \
	LD_LIBRARY_PATH="$(dirname "$PMEMCTL")/../lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
	./pmemctl-copy help read-labels
grep -q 'pmemctl-read-labels -' <<<"$OUT" || fail "copy: $OUT $ERR"
pass "help finds its pages, or prints their text"
