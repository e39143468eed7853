# shellcheck shell=bash
# Shared by create-kernel.sh and create-kernel-edit.sh (sourced after
# lib.sh): the platform, the guest's prologue and the host-side helpers.
#
# Host: `pmemctl platform create` three blank 256 MiB DIMMs. Guest: ndctl
# init-labels gives nmem0 v1.1 labels and nmem1 v1.2 labels; nmem2 stays
# label-less (one io namespace, the whole region). Each step (run NAME
# CMD...) records CMD's exit and output, then `ndctl list -RNi` and
# `pmemctl list -RNi`; on the host they must agree after every step on
# each namespace's mode, size, uuid, sector_size, align, map, blockdev,
# chardev, name and state and each region's available_size.

vm_require
vm_require_pmemctl create-namespace destroy-namespace

# ck_run BODY WHAT: boot the platform with the prologue + BODY; sections in $out
ck_run() {
    local plat=$VM_WORKDIR/platform
    vm_pmemctl platform create "$plat" --dimms 3 --dimm-size 256M
    {
        cat <<'GUEST'
ndctl disable-region all >&2
ndctl init-labels nmem0 >&2
ndctl init-labels -V 1.2 nmem1 >&2
ndctl enable-region all >&2
# the region of each DIMM (the kernel numbers regions in QEMU's order)
reg() { for r in /sys/bus/nd/devices/region*; do
        case $(cat "$r/mapping0") in "$1",*) echo "${r##*/}" ;; esac; done; }
r11=$(reg nmem0); r12=$(reg nmem1); rio=$(reg nmem2)
section names; echo "$r11 $r12 $rio"
N=0
# snap NAME: both tools' view (compared on the host)
snap() {
    section "nd-$1"; j ndctl list -R -N -i
    section "pm-$1"; j pmemctl list -R -N -i
}
# run NAME CMD...: section run-NAME holds "rc=N", CMD's stdout and stderr;
# then both views as NAME
run() {
    _n=$1; shift; _rc=0
    "$@" >/tmp/out 2>/tmp/err || _rc=$?
    section "run-$_n"; echo "rc=$_rc"; cat /tmp/out /tmp/err
    N=$((N + 1)); echo "$_n" >>/tmp/steps
    snap "$_n"
}
# dev of the namespace pmemctl just printed (run-NAME's JSON)
last() { sed -n 's/.*"dev" *: *"\(namespace[0-9.]*\)".*/\1/p' /tmp/out | head -n1; }
: >/tmp/steps
snap start
# an unprivileged user
echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd
echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >>/etc/passwd
echo 'root:x:0:' >/etc/group
echo 'nogroup:x:65534:' >>/etc/group
GUEST
        printf '%s\n' "$1"
        echo 'section steps; cat /tmp/steps'
        echo 'section end'
    } | vm_guest_script "$VM_WORKDIR/guest.sh"
    out=$VM_WORKDIR/out
    VM_TIMEOUT=${VM_TIMEOUT_CREATE:-400} \
        vm_boot_sections "$plat" "$VM_WORKDIR/guest.sh" "$out" "$2"
    # shellcheck disable=SC2034 # used by the scenarios
    read -r r11 r12 rio <<<"$(vm_section "$out" names)"
}

# eq WHAT EXPECTED ACTUAL: like vm_assert_eq, without ending the scenario
eq() { [ "$2" = "$3" ] || { vm_log "FAIL: $1: expected '$2', got '$3'"; return 1; }; }

# the fields both tools must agree on: regions with their namespaces (the
# idle size-0 ones left out); ndctl shows raw_uuid only with -v
view() {
    vm_section "$out" "$1" | vm_ndctl_list | jq -S '
        map({dev, size, available_size, max_available_extent,
             namespaces: ((.namespaces // []) | map(select((.size // 0) > 0)
               | {dev, mode, map, size, uuid, sector_size, align, blockdev,
                  chardev: (.chardev // .daxregion.devices[0].chardev),
                  name, state} | with_entries(select(.value != null))))})'
}
rc() { vm_section "$out" "run-$1" | head -n1; }
says() { vm_section "$out" "run-$1" | grep -c -- "$2" || true; }
# made STEP: the JSON pmemctl printed for the namespace it made
made() { vm_section "$out" "run-$1" | sed 1d | sed -n '/^[[{]/,/^[]}]/p'; }
field() { made "$1" | jq -r "if type == \"array\" then .[0] else . end | $2"; }
same() { # WHAT STEP_BEFORE STEP_AFTER: ndctl's whole view unchanged
    check vm_json_compare "$1: nothing changed (ndctl list -RNi)" \
        "$(vm_section "$out" "nd-$2" | vm_ndctl_list)" \
        "$(vm_section "$out" "nd-$3" | vm_ndctl_list)"
}
refused() { # STEP EXIT MESSAGE BEFORE: refused, saying why, nothing changed
    check eq "$1: refused (exit $2)" "rc=$2" "$(rc "$1")"
    check eq "$1: says why" 1 "$(says "$1" "$3")"
    same "$1" "$4" "$1"
}
same_view() { # the same, idle namespaces (whose names move) left out
    check vm_json_compare "$1: as before (ndctl list -RNi, idle left out)" \
        "$(view "nd-$2")" "$(view "nd-$3")"
}

# ck_agree [SNAP...]: after the start, each SNAP and every step (but those
#   matching the grep pattern $CK_AGREE_SKIP), the two tools agree
ck_agree() {
    local s
    for s in start "$@" $(vm_section "$out" steps |
                          grep -vx -- "${CK_AGREE_SKIP:-}"); do
        check vm_json_compare "after $s: ndctl list -RNi = pmemctl list -RNi" \
            "$(view "nd-$s")" "$(view "pm-$s")"
    done
}

