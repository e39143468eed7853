# Helpers for pmemctl CLI tests (bash). Sourced via $TEST_LIB.
# Every test runs in its own scratch directory, removed on exit.
set -euo pipefail

: "${PMEMCTL:?PMEMCTL must point at the pmemctl binary}"
TEST_NAME=$(basename "$0" .sh)
SCRATCH=$(mktemp -d "/tmp/pmemctl-$TEST_NAME.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
cd "$SCRATCH"
unset PMEMCTL_PLATFORM
export LC_ALL=C

fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	exit 1
}

pass() {
	echo "ok - $*"
}

# expect_exit CODE CMD...: run CMD, require exit CODE; output in $OUT/$ERR
expect_exit() {
	local want=$1 rc=0
	shift
	"$@" >"$SCRATCH/.out" 2>"$SCRATCH/.err" || rc=$?
	OUT=$(cat "$SCRATCH/.out")
	ERR=$(cat "$SCRATCH/.err")
	if [ "$rc" != "$want" ]; then
		echo "command: $*" >&2
		echo "stdout: $OUT" >&2
		echo "stderr: $ERR" >&2
		fail "expected exit $want, got $rc"
	fi
}

# expect_err_line REGEX: stderr is exactly one line matching REGEX
expect_err_line() {
	local n
	n=$(printf '%s\n' "$ERR" | grep -c . || true)
	[ "$n" = 1 ] || fail "expected one error line, got $n: $ERR"
	printf '%s\n' "$ERR" | grep -Eq -- "$1" ||
		fail "error '$ERR' does not match /$1/"
}

# sum FILES...: one checksum over several files (media unchanged checks)
sum() {
	cat "$@" | sha256sum | cut -d' ' -f1
}

# flip FILE OFFSET: invert one byte, so that it always changes (a fixed
# byte written over random content, a uuid say, is a no-op one time in 256)
flip() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# lacks GREP-ARGS...: grep finds nothing (exit 1); an error reading is not
# "nothing", as `! grep` would have it
lacks() {
	local rc=0
	grep -q "$@" || rc=$?
	[ "$rc" = 1 ] || { [ "$rc" = 0 ] || fail "grep $*: exit $rc"; return 1; }
}

# dirsum DIR: one checksum over every name (with its type and link target)
# and every regular file's bytes under DIR: "the directory is unchanged"
dirsum() {
	(cd "$1" && find . -printf '%p %y %l\n' | sort &&
		find . -type f -print0 | sort -z | xargs -0r sha256sum) |
		sha256sum | cut -d' ' -f1
}

# json_eq WHAT EXPECTED ACTUAL: compare two JSON documents (sorted keys)
json_eq() {
	local a b
	a=$(jq -S . <<<"$2")
	b=$(jq -S . <<<"$3")
	if [ "$a" != "$b" ]; then
		echo "--- expected ($1)" >&2
		echo "$a" >&2
		echo "--- actual" >&2
		echo "$b" >&2
		fail "$1 differs"
	fi
}

pm() {
	"$PMEMCTL" "$@"
}

# fixture NAME: decompress a kernel-made image, print its path
fixture() {
	local img="$SCRATCH/$1.img"
	[ -f "$img" ] || xz -dc "$FIXTURES/kernel/$1.img.xz" |
		cp --sparse=always /dev/stdin "$img"
	echo "$img"
}

# attr DIR NAME=VALUE...: write sysfs attributes (with the kernel's
# newline) into a tree laid out like /sys (PMEMCTL_SYSFS_ROOT)
attr() {
	local d=$1 kv
	shift
	mkdir -p "$d"
	for kv in "$@"; do printf '%s\n' "${kv#*=}" >"$d/${kv%%=*}"; done
}

# completed_objects SYSFS_ROOT LINE...: for each LINE, what bash completion
# offers for its next word on the live kernel read from SYSFS_ROOT (the
# backend's test hook), only the DIMM, region, namespace and bus names,
# sorted, on one line each
completed_objects() {
	local root=$1 line
	shift
	(
		set +euo pipefail
		PATH=$(dirname "$PMEMCTL"):$PATH
		export PMEMCTL_SYSFS_ROOT=$root PATH
		# shellcheck disable=SC1090
		source "$BASH_COMPLETION_SCRIPT"
		for line in "$@"; do
			read -ra COMP_WORDS <<<"$line"
			COMP_WORDS+=("")
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			COMP_LINE="$line "
			COMP_POINT=${#COMP_LINE}
			COMPREPLY=()
			_pmemctl "$(basename "$PMEMCTL")" "" "${COMP_WORDS[COMP_CWORD-1]}"
			printf '%s\n' "${COMPREPLY[@]}" |
				grep -E '^(region|nmem|namespace|ndbus)' | sort | tr '\n' ' '
			echo
		done
	)
}
