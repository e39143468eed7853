#!/usr/bin/env bash
# check-layers.sh SRCDIR [STAMP]: every quoted #include in libpmemctl's
# layers names a header of its own layer or one beneath it
# (base < format < core < platform), and cmd/ and util/ reach the library
# only through <pmemctl/libpmemctl.h>.  Run at build time (lib/meson.build);
# prints each wrong-way include and fails.  With STAMP, touches it on success.
set -u
src=$1
bad=0
layers=(base format core platform)

rank() { # rank LAYER: its index, or -1
	local i
	for i in "${!layers[@]}"; do
		[ "${layers[$i]}" = "$1" ] && { echo "$i"; return; }
	done
	echo -1
}

# where_is HEADER: the layer whose folder holds HEADER ("" if none)
where_is() {
	local l
	for l in "${layers[@]}"; do
		[ -e "$src/lib/$l/$1" ] && { echo "$l"; return; }
	done
	[ -e "$src/lib/include/pmemctl/$1" ] && echo public
}

complain() {
	echo "check-layers: $1: includes \"$2\" ($3)" >&2
	bad=1
}

for l in "${layers[@]}"; do
	own=$(rank "$l")
	for f in "$src"/lib/"$l"/*.[ch]; do
		[ -e "$f" ] || continue
		while read -r h; do
			at=$(where_is "$h")
			case $at in
			public) ;;
			"") complain "${f#"$src"/}" "$h" "not a libpmemctl header" ;;
			*) [ "$(rank "$at")" -le "$own" ] ||
				complain "${f#"$src"/}" "$h" "lib/$at is above lib/$l" ;;
			esac
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
	done
done

# Only backends touch the platform: sysfs paths, libkmod and libudev.
for f in "$src"/lib/base/*.[ch] "$src"/lib/format/*.[ch] "$src"/lib/core/*.[ch] \
	"$src"/cmd/*.[ch] "$src"/util/*.[ch]; do
	[ -e "$f" ] || continue
	while IFS= read -r hit; do
		echo "check-layers: ${f#"$src"/}: $hit (only lib/platform/ touches sysfs, kmod or udev)" >&2
		bad=1
	done < <(grep -nE '"/sys/|#[[:space:]]*include[[:space:]]*<lib(kmod|udev)\.h>' "$f")
done

for f in "$src"/cmd/*.[ch] "$src"/util/*.[ch]; do
	while read -r h; do
		case $h in
		util/*|cmd/*|config.h) ;;
		*/*) complain "${f#"$src"/}" "$h" "outside cmd/ and util/" ;;
		*) [ -e "$(dirname "$f")/$h" ] ||
			complain "${f#"$src"/}" "$h" "not beside it: the library is <pmemctl/libpmemctl.h>" ;;
		esac
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done

[ "$bad" = 0 ] || exit 1
[ $# -lt 2 ] || touch "$2"
