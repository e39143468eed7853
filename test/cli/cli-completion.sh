#!/usr/bin/env bash
# Bash completion, driven the way bash drives it: COMP_WORDS split as
# readline splits them (at '=' too), COMP_CWORD, then COMPREPLY.  The
# known bugs, then every option of every command: what is offered must be
# what the option's declared argument kind (--list-opts=types) calls for.
. "$TEST_LIB"

[ -f "$BASH_COMPLETION_SCRIPT" ] || fail "no completion script"
PATH=$(dirname "$PMEMCTL"):$PATH
pm platform create p --dimms 2 --dimm-size 64M 2>/dev/null
pm --platform p init-labels all 2>/dev/null
pm --platform p create-namespace -r 0 -m raw -s 16M >/dev/null 2>&1
pm --platform p create-namespace -r 0 -m fsdax -s 16M >/dev/null 2>&1
mkdir adir
touch afile
unset PMEMCTL_PLATFORM

# offered LINE: the candidates for completing LINE (the cursor at its end;
# a trailing space starts a new word), one per line, sorted
offered() {
	(
		set +euo pipefail
		# shellcheck disable=SC1090
		source "$BASH_COMPLETION_SCRIPT"
		local w
		COMP_WORDS=()
		for w in $1; do
			if [[ $w == --*=* && $COMP_WORDBREAKS == *=* ]]; then
				COMP_WORDS+=("${w%%=*}" "=")
				[ -n "${w#*=}" ] && COMP_WORDS+=("${w#*=}")
			else
				COMP_WORDS+=("$w")
			fi
		done
		[[ $1 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$1
		COMP_POINT=${#1}
		_pmemctl "$(basename "$PMEMCTL")" "${COMP_WORDS[COMP_CWORD]}" \
			"${COMP_WORDS[COMP_CWORD-1]}"
		printf '%s\n' "${COMPREPLY[@]}"
	) | sed '/^$/d' | sort -u
}

# expect_offered LINE WORDS...: exactly WORDS are offered
expect_offered() {
	local line=$1 got want
	shift
	got=$(offered "$line")
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort -u)
	[ "$got" = "$want" ] ||
		fail "completing '$line' offers [$(echo $got)], not [$(echo $want)]"
}

# --- the bugs of issue 8 -------------------------------------------------
G="pmemctl --platform=p"
expect_offered "$G destroy-namespace " all namespace0.0 namespace0.1
expect_offered "$G list --region=" all region0 region1
expect_offered "pmemctl --platform=" adir p
expect_offered "pmemctl --platform " adir p
# (the space form: the old script found no namespaces after --platform=p)
S="pmemctl --platform p"
expect_offered "$G list -i " ""
expect_offered "$S list -i " ""
expect_offered "$S create-namespace -n " ""
expect_offered "$S create-namespace --name " ""
expect_offered "$G create-namespace -n x -m " raw sector fsdax devdax
expect_offered "$S platform create -l " ""
expect_offered "$S platform create -n " ""
expect_offered "pmemctl platform create d -i af" afile
expect_offered "$G create-namespace -l " 512 520 528 4096 4104 4160 4224
expect_offered "$G create-namespace --mode=fs" fsdax
expect_offered "pmemctl --platform p list -r " all region0 region1
# with '=' not a word break, the word stays whole and so do the candidates
got=$(COMP_WORDBREAKS=' ' offered "$G init-labels --label-version=1.")
[ "$got" = $'--label-version=1.1\n--label-version=1.2' ] ||
	fail "unsplit --label-version= offers $got"
pass "--platform=DIR, -i, -n, -l and values after '='"

# the program completed answers, not whatever `pmemctl` is on PATH:
# pmemctl.static alone (a rescue shell) completes its own commands
bin=$(basename "$PMEMCTL")
mkdir alone && ln -s "$PMEMCTL" "alone/$bin"
got=$(PATH=$PWD/alone:/usr/bin:/bin offered "$bin --platform p destroy-namespace ")
[ "$got" = $'all\nnamespace0.0\nnamespace0.1' ] ||
	fail "$bin alone on PATH: completing destroy-namespace offers [$(echo $got)]"
pass "$bin alone on PATH completes its own namespaces"

# --- every option of every command offers what its kind declares -----------
list_devs() { pm --platform p list "$@" | jq -r '.[].dev'; }
kind_words() { # kind_words CMD KINDS: what each kind must offer
	local k
	for k in ${2//,/ }; do
		case $k in
		none|text|size|number|uuid) ;;
		all) echo all ;;
		mode) printf '%s\n' raw sector fsdax devdax ;;
		map) printf '%s\n' mem dev ;;
		sector-size) printf '%s\n' 512 520 528 4096 4104 4160 4224 ;;
		label-version) printf '%s\n' 1.1 1.2 ;;
		bus) pm --platform p list -B | jq -r '.[].dev' ;;
		region) list_devs -R ;;
		dimm) list_devs -D ;;
		namespace) list_devs -N ;;
		command) pm --list-cmds ;;
		subcommand) pm "$1" --list-cmds ;;
		file) ls -1 ;;
		dir) ls -1 -d -- */ | sed 's,/$,,' ;;
		*) fail "$1: argument kind '$k' has no completion" ;;
		esac
	done
}
check_command() { # check_command CMD...: all its options and operands
	local types kinds names n want operands
	types=$(pm "$@" --list-opts=types) || fail "$* --list-opts=types"
	[ -n "$types" ] || fail "$*: no --list-opts=types"
	operands=$(offered "$G $* ")
	while read -r kinds names; do
		want=$(kind_words "$1" "$kinds")
		for n in $names; do
			if [ "$n" = operands ]; then
				expect_offered "$G $* " $want
			elif [ "$kinds" = none ]; then
				# a flag takes nothing: the operands come next
				[ "$(offered "$G $* $n ")" = "$operands" ] ||
					fail "$* $n: a flag, yet completion differs"
				break	# one spelling of a flag is enough
			else
				expect_offered "$G $* $n " $want
				[[ $n == --* ]] && expect_offered "$G $* $n=" $want
			fi
		done
		checked=$((checked + 1))
	done <<<"$types"
}
checked=0
for c in $(pm --list-cmds); do
	if pm "$c" --list-opts=types | grep -q '^subcommand operands$'; then
		for s in $(pm "$c" --list-cmds); do
			check_command "$c" "$s"
		done
	fi
	check_command "$c"
done
[ "$checked" -gt 80 ] || fail "only $checked option lines checked"
pass "every option of every command offers its declared kind ($checked)"

# the global options: a directory for --platform, commands as operands
types=$(pm --list-opts=types)
grep -qx 'dir --platform' <<<"$types" || fail "globals: $types"
expect_offered "pmemctl " $(pm --list-cmds)
expect_offered "pmemctl --platform=p " $(pm --list-cmds)
pass "global options"

# An argument's name in -h must agree with its declared kind, so an option
# declared as plain text while it takes a FILE or NAMESPACE is caught.
for c in $(pm --list-cmds | grep -vx platform) "platform create" \
	"platform qemu-args"; do
	# shellcheck disable=SC2086
	types=$(pm $c --list-opts=types)
	# shellcheck disable=SC2086
	{ pm $c -h | grep -oE -- '--[a-z-]+=[A-Z]+' || true; } |
	while IFS== read -r o argh; do
		case $argh in
		FILE) k=file ;; DIR) k=dir ;; NAMESPACE) k=namespace ;;
		REGION) k=region ;; DIMM) k=dimm ;; BUS) k=bus ;;
		MODE) k=mode ;; UUID) k=uuid ;; *) continue ;;
		esac
		grep -E "^([a-z-]+,)*$k(,[a-z-]+)* .*$o( |$)" <<<"$types" >/dev/null ||
			fail "$c $o=$argh is not declared as kind $k"
	done
done
pass "argument names agree with declared kinds"
