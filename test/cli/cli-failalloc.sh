#!/usr/bin/env bash
# Out of memory is an error, never a verdict about the media (issue 8,
# item 3).  The real pmemctl runs with its N-th allocation failing
# (test/failalloc.c through LD_PRELOAD: libc, json-c and libpmemctl
# alike), for every N until a run sees no failure.  Every run must:
#  - not crash (exit < 128, no sanitizer report);
#  - leave the platform directory (every name, every byte) as it was
#    before the command, or as a successful run leaves it;
#  - either succeed with exactly the successful run's output, messages
#    and media, or fail with the out-of-memory exit code and one "out of memory" line.
# Reading commands (list, ...) are swept the same way: the correct output
# or out of memory, never a label-less or otherwise wrong view.
. "$TEST_LIB"

: "${FAILALLOC:?FAILALLOC must point at the failalloc shim}"
# not `ldd | grep -q`: grep quitting early can kill ldd (SIGPIPE), and
# pipefail then hides the match
if [[ $(ldd "$PMEMCTL") == *libasan* ]]; then
	# ASan must own malloc, so an LD_PRELOAD malloc is never called;
	# test-failalloc (unit) covers the library under ASan instead
	echo "SKIP: AddressSanitizer build: LD_PRELOAD allocation injection cannot work"
	exit 77
fi
if [ -n "${PMEMCTL_STATIC:-}" ]; then
	# nothing is preloaded into a static binary; the dynamic pmemctl
	# runs the same objects through this sweep
	echo "SKIP: pmemctl.static: LD_PRELOAD allocation injection cannot work"
	exit 77
fi

RUNS=0
RUN_IN=.	# the directory commands run in

# inject N CMD...: run CMD with its N-th allocation failing (0: none) and
# deterministic uuids; sets RC, HIT_N (1 if the failure happened) and ERR,
# leaves stdout in .out.  (Few processes per run: there are hundreds.)
inject() {
	local n=$1 hit=$SCRATCH/.hit.$((++RUNS))
	shift
	RC=0
	(cd "$RUN_IN" && FAILALLOC_NTH=$n FAILALLOC_REPORT=$hit \
		FAILALLOC_UUID=8 LD_PRELOAD=$FAILALLOC "$@") \
		>"$SCRATCH/.out" 2>"$SCRATCH/.err" || RC=$?
	[ -e "$hit" ] && HIT_N=1 || HIT_N=0
	ERR=
	read -r -d '' ERR <.err || true
}

# same DIR1 DIR2: the same names and the same bytes
same() {
	diff -rq --no-dereference "$1" "$2" >/dev/null 2>&1
}

# names, types, sizes and modification times under DIR (in directory
# order: a listing that differs only in order just costs a byte compare)
snap() {
	find "$1" -printf '%P %y %s %T@\n'
}

# The starting points get an old mtime: a run that leaves every name,
# size and mtime of the copy as they were has written nothing (any write,
# hole punch or truncate sets the mtime to now), so only runs that touched
# something need the byte comparisons.
age() {
	find "$1" -exec touch -h -d @1000000000 {} +
}

# AFTER_RESET: shell code run after each fresh copy (e.g. to lock it)
AFTER_RESET=:

reset_work() {
	rm -rf work
	cp -a --sparse=always "$1" work
	SNAP=$(snap work)
	eval "$AFTER_RESET"
}

# sweep NAME BEFORE OOM_CODES CMD...: CMD (run in ./work, a copy of
# BEFORE) under every single allocation failure; OOM_CODES lists the exit
# codes allowed for "out of memory"
sweep() {
	local name=$1 before=$2 codes=" $3 " n=1 want state noop=0 ref ref_err
	shift 3
	reset_work "$before"
	inject 0 "$@"
	want=$RC
	[ "$want" -lt 128 ] || fail "$name: the reference run crashed ($want)"
	ref=$(<.out)
	ref_err=$ERR
	rm -rf after
	mv work after
	same after "$before" && noop=1	# a reading command
	reset_work "$before"
	while :; do
		inject $n "$@"
		[ "$RC" -lt 128 ] || fail "$name: N=$n: crashed (exit $RC): $ERR"
		[[ $ERR != *Sanitizer* && $ERR != *"runtime error"* ]] ||
			fail "$name: N=$n: sanitizer report: $ERR"
		if [ "$(snap work)" = "$SNAP" ] || same work "$before"; then
			state=before
			[ $noop = 0 ] || state=after
		elif same work after; then
			state=after
		else
			diff -rq work "$before" >&2 || true
			fail "$name: N=$n (exit $RC): the platform is neither as before nor as after a successful run: $ERR"
		fi
		[ $HIT_N = 1 ] || break
		if [ "$RC" = "$want" ] && [ $state = after ] &&
		   [ "$(<.out)" = "$ref" ] && [ "$ERR" = "$ref_err" ]; then
			:	# the failure was absorbed (libc fallback): same result
		elif [[ "$codes" == *" $RC "* && $ERR == *"out of memory"* &&
			$ERR != *$'\n'?* ]]; then
			:	# one line; the media as before, or after the commit
		else
			fail "$name: N=$n: exit $RC, state $state, stderr: $ERR"
		fi
		[ $state = before ] || reset_work "$before"
		n=$((n + 1))
	done
	# N past the last allocation: the successful run again
	[ "$RC" = "$want" ] && [ $state = after ] && [ "$(<.out)" = "$ref" ] ||
		fail "$name: the run without a failure differs from the reference"
	pass "$name: $((n - 1)) allocations, each failure clean"
}

# the shim works here (else every sweep would pass vacuously)
inject 1 "$PMEMCTL" version
[ $HIT_N = 1 ] || fail "the failalloc shim did not inject a failure"

P() { "$PMEMCTL" --platform work "$@"; }

# platforms to start from: label-less, and labelled with one sector
# namespace (v1.2, BTT 2 at DPA 0) and 16 MiB free
mkdir empty
"$PMEMCTL" platform create bare --dimm-size 32M 2>/dev/null
reset_work bare
P create-namespace -m sector -s 16M -u 11111111-2222-4333-8444-555555555555 \
	>/dev/null 2>&1
mv work labelled
# a sector namespace whose primary BTT info block is damaged
reset_work labelled
printf 'X' | dd of=work/nmem0.img bs=1 seek=100 conv=notrunc status=none
mv work damaged
for d in empty bare labelled damaged; do
	age $d
done

sweep "platform create" empty 1 "$PMEMCTL" platform create work --dimm-size 32M
sweep "create-namespace (autolabel)" bare 1 P create-namespace -m fsdax
sweep "create-namespace" labelled 1 P create-namespace -m devdax -s 16M
sweep "create-namespace -e (reconfigure)" labelled 1 \
	P create-namespace -e namespace0.0 -m fsdax -f
sweep "destroy-namespace -f" labelled 1 P destroy-namespace -f namespace0.0
sweep "init-labels" bare 1 P init-labels 0
sweep "zero-labels -f" labelled 1 P zero-labels -f 0
sweep "check-btt --repair" damaged "8 9" P check-btt --repair namespace0.0
sweep "write-infoblock" bare 1 P write-infoblock namespace0.0 -m devdax
# the platform lock: out of memory while finding the image's platform must
# not let check-btt FILE --repair past a platform locked by another process
# (run in the platform directory: the file's real path is the one way in)
AFTER_RESET='exec 9<work/platform.json; flock -x 9'
RUN_IN=work
sweep "check-btt FILE --repair (platform locked)" damaged 8 \
	"$PMEMCTL" check-btt nmem0.img --size 16M --repair
RUN_IN=.
AFTER_RESET=:
exec 9<&-
# refusals: out of memory while looking must not turn into "no labels here"
sweep "zero-labels (refused)" labelled 1 P zero-labels 0
sweep "init-labels (refused)" labelled 1 P init-labels 0
sweep "destroy-namespace (refused)" labelled 1 P destroy-namespace namespace0.0

# the live kernel (a sysfs tree laid out like the kernel's): out of
# memory while finding the namespace of /dev/pmem3s must not turn into
# checking /dev/pmem3s as something else (or as nothing)
mkdir -p sysfs/bus/nd/devices sysfs/bus/nd/drivers/nd_pmem sysfs/devices/ndbus0
ln -s ../../../devices/ndbus0 sysfs/bus/nd/devices/ndbus0
r=sysfs/devices/ndbus0/region3
mkdir -p "$r/namespace3.0" "$r/btt3.1/block/pmem3s" sysfs/class/block
ln -s ../../../bus/nd/drivers/nd_pmem "$r/driver"
ln -s ../../../../bus/nd/drivers/nd_pmem "$r/btt3.1/driver"
echo 5 >"$r/nstype"
echo 33554432 >"$r/namespace3.0/size"
echo safe >"$r/namespace3.0/mode"
echo btt3.1 >"$r/namespace3.0/holder"
echo namespace3.0 >"$r/btt3.1/namespace"
ln -s ../../devices/ndbus0/region3/btt3.1/block/pmem3s sysfs/class/block/pmem3s
age sysfs
if [ ! -e /dev/pmem3s ]; then
	K() { PMEMCTL_SYSFS_ROOT=work "$PMEMCTL" "$@"; }
	reset_work sysfs
	got=$(K check-btt /dev/pmem3s 2>&1) || true
	[[ $got == *"namespace3.0 is enabled"* ]] ||
		fail "the sysfs tree does not make /dev/pmem3s namespace3.0's: $got"
	sweep "check-btt /dev/pmem3s (live kernel)" sysfs 8 K check-btt /dev/pmem3s
	sweep "list (live kernel)" sysfs 1 K list -RNDi
fi

# reading: the right answer or out of memory, never a label-less view
sweep "list" labelled 1 P list -RNDi
sweep "read-labels -j" labelled 1 P read-labels -j 0
