#!/usr/bin/env bash
# check-layers.sh SRCDIR [STAMP]: every quoted #include in libpmemctl's
# layers names a header of its own layer or one beneath it
# (base < format < core < platform), and cmd/ and util/ reach the library
# only through <pmemctl/libpmemctl.h>.  Run at build time (lib/meson.build);
# prints each wrong-way include and fails.  With STAMP, touches it on success.
# A few processes in all, not a few per file: it runs on every build and,
# eight times over, in test-layers.
set -u
src=$1
bad=0
layers=(base format core platform)

complain() {
	echo "check-layers: $1: includes \"$2\" ($3)" >&2
	bad=1
}

# includes FILE...: "FILE<tab>HEADER" for each #include "HEADER"
includes() {
	[ $# -gt 0 ] || return 0
	awk 'match($0, /^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*"/) {
		h = substr($0, RSTART, RLENGTH)
		sub(/^[^"]*"/, "", h)
		sub(/"$/, "", h)
		print FILENAME "\t" h
	}' "$@"
}

# existing GLOB...: the paths that exist (an empty folder adds nothing)
existing() {
	local f
	for f in "$@"; do
		[ -e "$f" ] && printf '%s\n' "$f"
	done
}

# every file of every layer by name, the lowest layer first, as a path
# given with a folder (../x.h) is no layer's
declare -A layer_of rank_of
for i in "${!layers[@]}"; do
	rank_of[${layers[$i]}]=$i
	for f in "$src"/lib/"${layers[$i]}"/*; do
		[ -e "$f" ] && [ -z "${layer_of[${f##*/}]:-}" ] &&
			layer_of[${f##*/}]=${layers[$i]}
	done
done
for f in "$src"/lib/include/pmemctl/*; do
	[ -e "$f" ] && [ -z "${layer_of[${f##*/}]:-}" ] &&
		layer_of[${f##*/}]=public
done

for l in "${layers[@]}"; do
	mapfile -t files < <(existing "$src"/lib/"$l"/*.[ch])
	while IFS=$'\t' read -r f h; do
		at=${layer_of[$h]:-}
		case $at in
		public) ;;
		"") complain "${f#"$src"/}" "$h" "not a libpmemctl header" ;;
		*) [ "${rank_of[$at]}" -le "${rank_of[$l]}" ] ||
			complain "${f#"$src"/}" "$h" "lib/$at is above lib/$l" ;;
		esac
	done < <(includes "${files[@]}")
done

# Only backends touch the platform: sysfs paths, libkmod and libudev.
mapfile -t files < <(existing "$src"/lib/base/*.[ch] "$src"/lib/format/*.[ch] \
	"$src"/lib/core/*.[ch] "$src"/cmd/*.[ch] "$src"/util/*.[ch])
while IFS= read -r hit; do
	echo "check-layers: ${hit#"$src"/} (only lib/platform/ touches sysfs, kmod or udev)" >&2
	bad=1
done < <([ ${#files[@]} -eq 0 ] ||
	grep -HnE '"/sys/|#[[:space:]]*include[[:space:]]*<lib(kmod|udev)\.h>' "${files[@]}")

mapfile -t files < <(existing "$src"/cmd/*.[ch] "$src"/util/*.[ch])
while IFS=$'\t' read -r f h; do
	case $h in
	util/*|cmd/*|config.h) ;;
	*/*) complain "${f#"$src"/}" "$h" "outside cmd/ and util/" ;;
	*) [ -e "${f%/*}/$h" ] ||
		complain "${f#"$src"/}" "$h" "not beside it: the library is <pmemctl/libpmemctl.h>" ;;
	esac
done < <(includes "${files[@]}")

[ "$bad" = 0 ] || exit 1
[ $# -lt 2 ] || touch "$2"
