#!/bin/sh
# compile-fail.sh SOURCE CC [CC ARGS...]: SOURCE compiles as is, and each
# -DWRONG_WIDTH=1..5 fails to, at the accessor's _Generic selection.
set -u
src=$1
shift
n=0
fail() {
	echo "not ok $n - $*"
	exit 1
}
echo "1..6"
n=1
"$@" -fsyntax-only -DWRONG_WIDTH=0 "$src" || fail "the correct accesses do not compile"
echo "ok 1 - every access of the field's own width compiles"
for w in 1 2 3 4 5; do
	n=$((n + 1))
	if out=$("$@" -fsyntax-only -DWRONG_WIDTH=$w "$src" 2>&1); then
		fail "WRONG_WIDTH=$w compiled"
	fi
	# gcc: "'_Generic' selector of type ... is not compatible with any
	# association"; clang: "... not compatible with any generic
	# association type"
	case $out in
	*[Gg]eneric*) ;;
	*) echo "$out" | sed 's/^/# /'; fail "WRONG_WIDTH=$w failed for another reason" ;;
	esac
	echo "ok $n - WRONG_WIDTH=$w is refused at compile time"
done
