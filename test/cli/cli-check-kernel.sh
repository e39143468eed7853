#!/usr/bin/env bash
# check-btt on the live-kernel backend, on a sysfs tree laid out like the
# kernel's (PMEMCTL_SYSFS_ROOT): what is refused before anything is
# written (an enabled namespace without -f, by name or by its /dev/pmemXs;
# a bad --uuid; a block device that cannot be pinned even with -f), and
# the /dev/pmemN hint for a sector namespace.  The switch to raw access
# itself, the verdicts against ndctl and an interrupted check are the VM
# suite's check-kernel scenario.
. "$TEST_LIB"

S=$SCRATCH/sys
mkdir -p "$S/bus/nd/devices" "$S/bus/nd/drivers/nd_pmem" "$S/devices/ndbus0"
ln -s ../../../devices/ndbus0 "$S/bus/nd/devices/ndbus0"
: >"$S/bus/nd/drivers_probe"
drv=$S/bus/nd/drivers/nd_pmem
r=$S/devices/ndbus0/region3
mkdir -p "$r/namespace3.0" "$r/btt3.1/block/pmem3s" "$r/namespace3.1"
ln -s "$drv" "$r/driver"
ln -s "$drv" "$r/btt3.1/driver"
printf '%s\n' 5 >"$r/nstype"
printf '%s\n' 33554432 >"$r/namespace3.0/size"
printf '%s\n' safe >"$r/namespace3.0/mode"
printf '%s\n' btt3.1 >"$r/namespace3.0/holder"
printf '%s\n' 0 >"$r/namespace3.0/force_raw"
printf '%s\n' namespace3.0 >"$r/btt3.1/namespace"
printf '%s\n' 16777216 >"$r/namespace3.1/size"
printf '%s\n' raw >"$r/namespace3.1/mode"
# /dev/pmem3s -> its region, as /sys/class/block links it
mkdir -p "$S/class/block"
ln -s ../../devices/ndbus0/region3/btt3.1/block/pmem3s "$S/class/block/pmem3s"

kpm() { env -u PMEMCTL_PLATFORM PMEMCTL_SYSFS_ROOT="$S" "$PMEMCTL" "$@"; }
before=$(dirsum "$S")

for target in namespace3.0 3.0 /dev/pmem3s; do
	[ "$target" != /dev/pmem3s ] || [ ! -e /dev/pmem3s ] || continue
	expect_exit 8 kpm check-btt "$target"
	expect_err_line "^pmemctl check-btt: namespace3.0 is enabled \(sector, /dev/pmem3s\): 'check-btt -f' disables it for the check and enables it again; nothing changed$"
	expect_exit 8 kpm check-btt --repair "$target"
	expect_err_line "namespace3.0 is enabled"
done
[ "$(dirsum "$S")" = "$before" ] || fail "the sysfs tree changed"
pass "an enabled sector namespace is refused without -f, by name and by device"

if [ ! -e /dev/pmem3 ]; then
	expect_exit 8 kpm check-btt /dev/pmem3
	expect_err_line "^pmemctl check-btt: /dev/pmem3 does not exist: namespace3.0 is in sector mode, its block device is /dev/pmem3s; check it with 'pmemctl check-btt -f namespace3.0'$"
	pass "/dev/pmemN of a sector namespace says what to type"
fi

# a name of no namespace: one line, nothing read beyond its region
for name in namespace3.7 3.7 namespace9.0; do
	expect_exit 8 kpm check-btt -f "$name"
	expect_err_line "^pmemctl check-btt: $name: no such namespace$"
	expect_exit 3 kpm read-namespace "$name"
	expect_err_line "^pmemctl read-namespace: $name: no such namespace$"
done
pass "an unknown namespace: one line, exit 8 (check-btt) and 3 (read-namespace)"

expect_exit 16 kpm check-btt -f --uuid nope namespace3.0
expect_err_line "--uuid 'nope' is not a uuid"
expect_exit 16 kpm check-btt -f --offset 4096 namespace3.0
expect_err_line "--offset and --size apply to image files and block devices"
if [ ! -e /dev/pmem3s ]; then
	expect_exit 8 kpm check-btt -f namespace3.0
	expect_err_line "namespace3.0: cannot check whether /dev/pmem3s is in use: No such file or directory; nothing changed"
fi
[ "$(dirsum "$S")" = "$before" ] || fail "the sysfs tree changed"
rm "$S/bus/nd/drivers_probe"
before=$(dirsum "$S")
expect_exit 8 kpm check-btt -f namespace3.0
expect_err_line "namespace3.0: cannot change drivers: .*drivers_probe is not writable"
[ "$(dirsum "$S")" = "$before" ] || fail "the sysfs tree changed"
pass "refused before anything is written: bad options, not pinnable, not root"

# completion offers the live namespaces (disabled ones too) and their block
# devices
if [ -f "${BASH_COMPLETION_SCRIPT:-}" ]; then
	# shellcheck disable=SC2016
	got=$(PATH=$(dirname "$PMEMCTL"):$PATH PMEMCTL_SYSFS_ROOT=$S bash -c '
		source "$1"; COMP_WORDS=(pmemctl check-btt ""); COMP_CWORD=2
		COMP_LINE="pmemctl check-btt "; COMP_POINT=${#COMP_LINE}
		_pmemctl "$2" "" check-btt; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$BASH_COMPLETION_SCRIPT" "$(basename "$PMEMCTL")" | grep -E '^(namespace|/dev/)' | sort | tr '\n' ' ')
	[ "$got" = "/dev/pmem3s namespace3.0 namespace3.1 " ] ||
		fail "completion of check-btt on the live kernel offers: $got"
	pass "completion offers live namespaces and their block devices"
fi

# SIGINT/SIGTERM while a check runs (an 8 TiB sparse BTT: a long walk):
# the check stops before its end and exits 32; an ignored SIGINT (nohup,
# a shell's background job) is left ignored
"$BTT_FORMAT" big.img 8T 512 2
# held NAME PID: wait until PID holds SIGTERM (its check has begun)
held() {
	local i
	for ((i = 0; i < 500; i++)); do
		grep -q "^SigBlk:.*[4c]...\$" "/proc/$2/status" 2>/dev/null && return 0
		sleep 0.01
	done
	fail "$1: pmemctl never held SIGTERM"
}
"$PMEMCTL" check-btt -q big.img >out 2>err &
pid=$!
held TERM $pid
kill -TERM $pid
rc=0; wait $pid || rc=$?
[ "$rc" = 32 ] || fail "SIGTERM: exit $rc, expected 32 ($(cat err))"
ERR=$(cat err)
expect_err_line "^pmemctl check-btt: big.img: check stopped part way; nothing repaired$"
# the SIGINT is sent while the check is stopped, so it is there before
# the check can end, however fast the check is: ignored, the check ends
# clean (exit 0); watched, it would stop part way (exit 32)
(trap '' INT; exec "$PMEMCTL" check-btt -q big.img) >out 2>err &
pid=$!
held INT $pid
kill -STOP $pid
kill -INT $pid
kill -CONT $pid
rc=0; wait $pid || rc=$?
[ "$rc" = 0 ] || fail "an ignored SIGINT stopped the check: exit $rc ($(cat err))"
pass "SIGTERM stops a check (exit 32); an ignored SIGINT stays ignored"

# libkmod is opened only when a bind finds no driver, libudev only when a
# bind waits for udevd: starting pmemctl on the live kernel loads neither
# (nor what libkmod links: libcrypto, libzstd, liblzma).  pmemctl.static
# is static and names no shared library to dlopen().
LD_DEBUG=libs expect_exit 8 kpm check-btt namespace3.0
libs=$(printf '%s\n' "$ERR" | sed -n 's/.*calling init: //p')
if [ -n "${PMEMCTL_STATIC:-}" ]; then
	# LD_DEBUG says nothing of a static binary: ask the file itself
	case $(ldd "$PMEMCTL" 2>&1) in
	*"not a dynamic executable"*) ;;
	*) fail "pmemctl.static is dynamically linked: $(ldd "$PMEMCTL" 2>&1)" ;;
	esac
	lacks -aE 'lib(kmod|udev|json-c|uuid)\.so' "$PMEMCTL" ||
		fail "pmemctl.static names a shared library to load"
	pass "pmemctl.static is static and loads no library"
else
	case $libs in
	*libpmemctl*) ;;
	*) fail "LD_DEBUG=libs did not name pmemctl's libraries: $ERR" ;;
	esac
	case $libs in
	*libkmod* | *libcrypto* | *libzstd* | *liblzma* | *libudev*)
		fail "process start loaded libkmod, its libraries or libudev: $libs" ;;
	esac
	pass "process start loads no libkmod and no libudev"
fi
