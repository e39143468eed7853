#!/usr/bin/env bash
# The safety sweep (issue 8, "Proof"): every writing command, driven into
# every refusal and failure path the tests know, leaves every file of the
# platform directory byte-identical (names and bytes hashed) and exits with
# its documented code.  One line per case: add new refusals to the table.
#
#   case EXIT MODE BASE COMMAND...
#     EXIT   the documented exit code (check-btt: fsck(8) codes)
#     MODE   plain     just run it
#            locked    another process holds the platform lock
#            readonly  the platform's files and directories cannot be
#                      written (as root: without CAP_DAC_OVERRIDE)
#            oom:N     the N-th allocation fails (test/failalloc.c)
#     BASE   the platform the case starts from (a fresh copy each time):
#            bare      one label-less 32 MiB DIMM
#            dataful   bare, with data in the namespace's first 8 KiB
#            labelled  v1.2 labels, namespace0.0 a 16 MiB sector
#                      namespace, 16 MiB free
#            full      labelled, every label slot but the spare in use
#            damaged   labelled, namespace0.0's BTT info block damaged
#     COMMAND  pm ... is pmemctl ..., P ... is pmemctl --platform p ...;
#            the platform is ./p, and every base holds an empty p/new
. "$TEST_LIB"

asan=0
# not `ldd | grep -q`: grep quitting early can kill ldd (SIGPIPE), and
# pipefail then hides the match
case $(ldd "$PMEMCTL") in *libasan*) asan=1 ;; esac
# nothing is preloaded into pmemctl.static either
[ -z "${PMEMCTL_STATIC:-}" ] || asan=static
[ "$(id -u)" = 0 ] && ! command -v setpriv >/dev/null && noro=1 || noro=0

# fletcher64 FILE OFFSET LEN: the label index checksum of those bytes
fletcher64() {
	local lo=0 hi=0 w
	for w in $(od -An -v -tu4 --endian=little -j "$2" -N "$3" "$1"); do
		lo=$(((lo + w) & 0xffffffff))
		hi=$(((hi + lo) & 0xffffffff))
	done
	echo $(((hi << 32) | lo))
}

# put_le64 FILE OFFSET VALUE
put_le64() {
	local v=$3 i bytes=
	for i in 0 1 2 3 4 5 6 7; do
		bytes+=$(printf '\\%03o' $(((v >> (8 * i)) & 255)))
	done
	printf "$bytes" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# fill_labels IMAGE: in both index blocks of a 128 KiB v1.2 label area
# (256-byte blocks, 510 slots), every slot but the last is taken
fill_labels() {
	local lsa=$(($(stat -c %s "$1") - 131072)) i off
	for i in 0 1; do
		off=$((lsa + 256 * i))
		{ head -c 63 /dev/zero; printf '\040'; } |
			dd of="$1" bs=1 seek=$((off + 72)) conv=notrunc status=none
		put_le64 "$1" $((off + 64)) 0
		put_le64 "$1" $((off + 64)) "$(fletcher64 "$1" "$off" 256)"
	done
}

# ---- the bases ---------------------------------------------------------------
pm platform create bare --dimm-size 32M 2>/dev/null
mkdir bare/new
cp -a bare dataful
printf 'precious data' | dd of=dataful/nmem0.img conv=notrunc status=none
cp -a bare labelled
"$PMEMCTL" --platform labelled create-namespace -m sector -s 16M \
	>/dev/null 2>&1
cp -a labelled full
fill_labels full/nmem0.img
expect_exit 0 "$PMEMCTL" --platform full check-labels 0
cp -a labelled damaged
printf 'X' | dd of=damaged/nmem0.img bs=1 seek=100 conv=notrunc status=none
# a label area image for write-labels: fresh v1.1 labels
cp -a bare scratch
"$PMEMCTL" --platform scratch init-labels 0 2>/dev/null
tail -c 131072 scratch/nmem0.img >lsa.bin

declare -A hash
for base in bare dataful labelled full damaged; do
	hash[$base]=$(dirsum $base)
done
n=0
skipped=0

# case EXIT MODE BASE COMMAND...
case_() {
	local want=$1 mode=$2 base=$3 rc=0 cmd what="$*"
	shift 3
	n=$((n + 1))
	case $1 in
	pm) cmd=("$PMEMCTL" "${@:2}") ;;
	P) cmd=("$PMEMCTL" --platform p "${@:2}") ;;
	*) cmd=("$@") ;;
	esac
	set -- "${cmd[@]}"
	case $mode in
	oom:*)
		if [ $asan != 0 ]; then
			echo "ok $n # SKIP $*: allocation injection (LD_PRELOAD) needs a dynamic build without ASan"
			skipped=$((skipped + 1))
			return
		fi ;;
	readonly)
		if [ $noro = 1 ]; then
			echo "ok $n # SKIP $*: root without setpriv cannot be denied writes"
			skipped=$((skipped + 1))
			return
		fi ;;
	esac
	rm -rf p
	cp -a --sparse=always "$base" p
	case $mode in
	plain)
		"$@" >.out 2>.err || rc=$? ;;
	locked)
		exec 9<p/platform.json
		flock -x 9
		"$@" >.out 2>.err || rc=$?
		flock -u 9
		exec 9<&- ;;
	readonly)
		chmod -R a-w p
		if [ "$(id -u)" = 0 ]; then
			setpriv --bounding-set=-dac_override \
				"$@" >.out 2>.err || rc=$?
		else
			"$@" >.out 2>.err || rc=$?
		fi
		chmod -R u+w p ;;
	oom:*)
		FAILALLOC_NTH=${mode#oom:} LD_PRELOAD=$FAILALLOC \
			"$@" >.out 2>.err || rc=$? ;;
	*)
		fail "unknown mode $mode" ;;
	esac
	if [ "$rc" != "$want" ]; then
		echo "stderr: $(cat .err)" >&2
		fail "case $n ($mode, $base): $*: exit $rc, documented $want"
	fi
	[ -s .err ] || fail "case $n ($mode, $base): $*: exit $rc without a message"
	[ "$(dirsum p)" = "${hash[$base]}" ] ||
		fail "case $n ($mode, $base): $*: the platform directory changed"
	echo "ok $n - $mode $base: ${what#* * * }"
}

# ---- the table -----------------------------------------------------------------
#     exit mode     base      command
# platform create
case_ 2  plain    labelled  pm platform create p/new --dimm-size 3M
case_ 2  plain    labelled  pm platform create p/new --dimm-size 32M --label-size 64K
case_ 2  plain    labelled  pm platform create p/new --dimms 0 --dimm-size 32M
case_ 2  plain    labelled  pm platform create p/new
case_ 4  plain    labelled  pm platform create p --dimm-size 32M
case_ 1  readonly labelled  pm platform create p/new --dimm-size 32M
case_ 1  oom:1    labelled  pm platform create p/new --dimm-size 32M
case_ 1  oom:4    labelled  pm platform create p/new --dimm-size 32M
# init-labels
case_ 2  plain    labelled  P init-labels -V 1.3 0
case_ 2  plain    labelled  P init-labels
case_ 3  plain    labelled  P init-labels nmem9
case_ 4  plain    labelled  P init-labels 0
case_ 4  locked   bare      P init-labels 0
case_ 1  readonly bare      P init-labels 0
case_ 1  oom:1    bare      P init-labels 0
case_ 1  oom:20   bare      P init-labels 0
# write-labels
case_ 2  plain    labelled  P write-labels all -i lsa.bin
case_ 3  plain    labelled  P write-labels 0 -i missing.bin
case_ 2  plain    labelled  P write-labels 0 -i lsa.bin -O 200K
case_ 4  plain    labelled  P write-labels 0 -i lsa.bin
case_ 4  locked   bare      P write-labels 0 -i lsa.bin
case_ 1  readonly bare      P write-labels 0 -i lsa.bin
case_ 1  oom:1    bare      P write-labels 0 -i lsa.bin
case_ 1  oom:20   bare      P write-labels 0 -i lsa.bin
# zero-labels
case_ 3  plain    labelled  P zero-labels nmem9
case_ 4  plain    labelled  P zero-labels 0
case_ 4  locked   labelled  P zero-labels -f 0
case_ 1  readonly labelled  P zero-labels -f 0
case_ 1  oom:1    labelled  P zero-labels -f 0
case_ 1  oom:20   labelled  P zero-labels -f 0
# create-namespace
case_ 2  plain    labelled  P create-namespace -m bogus
case_ 2  plain    labelled  P create-namespace -s 3M
case_ 2  plain    labelled  P create-namespace -m sector -l 1000
case_ 2  plain    labelled  P create-namespace -u not-a-uuid
case_ 3  plain    labelled  P create-namespace -r region9
case_ 6  plain    labelled  P create-namespace -s 32M
case_ 6  plain    full      P create-namespace -m fsdax -s 16M
case_ 4  plain    dataful   P create-namespace -m fsdax
case_ 4  locked   labelled  P create-namespace -m fsdax -s 16M
case_ 1  readonly labelled  P create-namespace -m fsdax -s 16M
case_ 1  oom:1    labelled  P create-namespace -m fsdax -s 16M
case_ 1  oom:20   labelled  P create-namespace -m fsdax -s 16M
case_ 1  oom:20   bare      P create-namespace -m fsdax
# create-namespace -e (reconfigure)
case_ 2  plain    labelled  P create-namespace -e namespace0.0 -s 32M -f
case_ 3  plain    labelled  P create-namespace -e namespace9.9 -m fsdax -f
case_ 2  plain    labelled  P create-namespace -e namespace0.1 -m fsdax -f
case_ 4  plain    labelled  P create-namespace -e namespace0.0 -m fsdax
case_ 6  plain    full      P create-namespace -e namespace0.0 -m fsdax -f
case_ 4  locked   labelled  P create-namespace -e namespace0.0 -m fsdax -f
case_ 1  readonly labelled  P create-namespace -e namespace0.0 -m fsdax -f
case_ 1  oom:1    labelled  P create-namespace -e namespace0.0 -m fsdax -f
case_ 1  oom:20   labelled  P create-namespace -e namespace0.0 -m fsdax -f
# destroy-namespace
case_ 2  plain    labelled  P destroy-namespace
case_ 3  plain    labelled  P destroy-namespace namespace9.9
case_ 2  plain    labelled  P destroy-namespace namespace0.1
case_ 4  plain    labelled  P destroy-namespace namespace0.0
case_ 4  locked   labelled  P destroy-namespace -f namespace0.0
case_ 1  readonly labelled  P destroy-namespace -f namespace0.0
case_ 1  oom:1    labelled  P destroy-namespace -f namespace0.0
case_ 1  oom:20   labelled  P destroy-namespace -f namespace0.0
# write-infoblock
case_ 2  plain    bare      P write-infoblock namespace0.0 -m bogus
case_ 3  plain    bare      P write-infoblock namespace9.9 -m devdax
case_ 4  plain    dataful   P write-infoblock namespace0.0 -m devdax
case_ 4  locked   bare      P write-infoblock namespace0.0 -m devdax
case_ 1  readonly bare      P write-infoblock namespace0.0 -m devdax
case_ 1  oom:1    bare      P write-infoblock namespace0.0 -m devdax
case_ 1  oom:20   bare      P write-infoblock namespace0.0 -m devdax
# check-btt --repair
case_ 16 plain    damaged   P check-btt --rewrite-log namespace0.0
case_ 16 plain    damaged   P check-btt --repair
case_ 8  plain    damaged   P check-btt --repair namespace9.9
case_ 8  locked   damaged   P check-btt --repair namespace0.0
case_ 8  readonly damaged   P check-btt --repair namespace0.0
case_ 8  oom:1    damaged   P check-btt --repair namespace0.0
case_ 8  oom:20   damaged   P check-btt --repair namespace0.0

echo "1..$n"
[ $skipped = 0 ] || echo "# $skipped case(s) skipped"
