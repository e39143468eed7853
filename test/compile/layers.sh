#!/usr/bin/env bash
# layers.sh SRCDIR CC [CC ARGS...]: the layer rule holds on the tree, and a
# wrong-way include is caught both by scripts/check-layers.sh and by the
# layers' include paths (the compiler cannot find a higher layer's header).
set -u
src=$1
shift
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); echo "not ok $n - $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..8"

"$src/scripts/check-layers.sh" "$src" || fail "the tree breaks the layer rule"
ok "the tree keeps the layer rule"

# inject INCLUDE into FILE of a copy of the tree: check-layers must refuse it
wrong_way() {
	rm -rf "$tmp/t" && mkdir -p "$tmp/t" &&
		cp -r "$src/lib" "$src/cmd" "$src/util" "$tmp/t/" || return 2
	sed -i "1a #include \"$2\"" "$tmp/t/$1"
	refused "$1: includes \"$2\""
}

# refused MESSAGE: check-layers fails on the copy (exit 1, not a shell
# error) and names the file and what is wrong
refused() {
	local rc=0
	"$src/scripts/check-layers.sh" "$tmp/t" 2>"$tmp/err" || rc=$?
	[ "$rc" = 1 ] && grep -qF -- "check-layers: $1" "$tmp/err"
}
wrong_way lib/format/lsa.c model.h && ok "a format file including the model is refused" ||
	fail "format -> core went unnoticed"
wrong_way lib/core/bus.c image.h && ok "the model including a backend is refused" ||
	fail "core -> platform went unnoticed"
wrong_way cmd/list.c lib/core/model.h && ok "cmd/ reaching the library's insides is refused" ||
	fail "cmd -> lib internals went unnoticed"

sysfs_outside() { # a sysfs path or <libudev.h> outside lib/platform/
	rm -rf "$tmp/t" && mkdir -p "$tmp/t" &&
		cp -r "$src/lib" "$src/cmd" "$src/util" "$tmp/t/" || return 2
	printf '%s\n' "$2" >>"$tmp/t/$1"
	refused "$1:$(wc -l <"$tmp/t/$1"):$2 (only lib/platform/"
}
sysfs_outside lib/core/bus.c 'static const char *p = "/sys/bus/nd/devices";' &&
	ok "a sysfs path in the model is refused" || fail "core -> sysfs went unnoticed"
sysfs_outside cmd/list.c '#include <libudev.h>' &&
	ok "libudev outside lib/platform/ is refused" || fail "cmd -> libudev went unnoticed"

# the include path of the format layer does not reach the model or a backend
printf '#include "btt.h"\n' >"$tmp/good.c"
"$@" -fsyntax-only -I"$src/lib/format" -I"$src/lib/base" \
	-I"$src/lib/include/pmemctl" "$tmp/good.c" ||
	fail "a format header does not compile with the format layer's include path"
ok "the format layer's include path builds format code"
printf '#include "btt.h"\n#include "model.h"\n' >"$tmp/bad.c"
if "$@" -fsyntax-only -I"$src/lib/format" -I"$src/lib/base" \
	-I"$src/lib/include/pmemctl" "$tmp/bad.c" 2>/dev/null; then
	fail "the format layer's include path reaches the model"
fi
ok "the format layer's include path cannot reach the model"
