#!/usr/bin/env bash
# Every command has a man page that documents each of its options, and
# bash completion offers every command and option.
. "$TEST_LIB"

[ -d "$PMEMCTL_MAN_DIR" ] || { echo "man pages not built (no asciidoctor)"; exit 77; }
cmds=$(pm --list-cmds)
for c in $cmds; do
	page=pmemctl-$c
	[ "$c" = check-namespace ] && page=pmemctl-check-btt
	[ -f "$PMEMCTL_MAN_DIR/$page.1" ] || fail "no man page for $c"
	text=$(MANWIDTH=200 man -l "$PMEMCTL_MAN_DIR/$page.1" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
	[ "$c" = platform ] && opts=$(pm platform create --list-opts; pm platform qemu-args --list-opts) ||
		opts=$(pm "$c" --list-opts 2>/dev/null || true)
	for o in $opts; do
		o=${o%=}
		[ "$o" = --help ] && continue
		grep -q -- "$o" <<<"$text" || fail "$page(1) does not document $o"
	done
done
pass "man pages document every command and option"

# bash completion
[ -f "$BASH_COMPLETION_SCRIPT" ] || fail "no completion script"
complete_words() { # complete_words WORDS...: print the candidates
	bash -c '
		PATH=$(dirname "$PMEMCTL"):$PATH
		source "$BASH_COMPLETION_SCRIPT"
		COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_pmemctl "$(basename "$PMEMCTL")" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' bash "$@"
}
# (capture first: grep -q closing a pipe early would fail under pipefail)
offers() { # offers WORD CANDIDATES: is WORD among the candidate lines?
	grep -qx -- "$1" <<<"$2"
}
for c in $cmds; do
	offers "$c" "$(complete_words pmemctl "${c:0:3}")" ||
		fail "completion lacks $c"
done
offers --label-version= "$(complete_words pmemctl init-labels --label)" ||
	fail "completion lacks init-labels --label-version"
offers --regions "$(complete_words pmemctl list --reg)" ||
	fail "completion lacks list --regions"
offers sector "$(complete_words pmemctl create-namespace -m s)" ||
	fail "completion lacks create-namespace modes"
offers devdax "$(complete_words pmemctl write-infoblock -m d)" ||
	fail "completion lacks write-infoblock modes"
pm platform create p --dimms 2 --dimm-size 16M 2>/dev/null
offers nmem1 "$(PMEMCTL_PLATFORM=$PWD/p complete_words pmemctl init-labels nm)" ||
	fail "completion does not offer DIMMs"
pm --platform p init-labels all 2>/dev/null
pm --platform p create-namespace -m raw -s 16M >/dev/null 2>&1
offers namespace0.0 "$(complete_words pmemctl --platform p destroy-namespace name)" ||
	fail "completion does not offer namespaces"
offers all "$(complete_words pmemctl --platform p check-namespace a)" ||
	fail "completion does not offer check-namespace all"
offers --force "$(complete_words pmemctl check-btt --fo)" ||
	fail "completion lacks check-btt --force"
pass "bash completion"
