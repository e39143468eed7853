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
