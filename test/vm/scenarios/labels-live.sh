#!/usr/bin/env bash
# Labels on the live kernel: pmemctl's label commands inside the guest,
# through /dev/nmemN ioctls, checked against ndctl both ways.
#
# Host: `pmemctl platform create` two blank 256 MiB DIMMs (128 KiB label
# areas). Guest, regions disabled:
#   - pmemctl init-labels all (v1.1), then -V 1.2: ndctl check-labels
#     passes and ndctl read-labels -j agrees with pmemctl read-labels -j;
#   - ndctl init-labels (v1.1, then -V 1.2): pmemctl check-labels passes and
#     pmemctl read-labels bytes equal ndctl read-labels -o bytes (sha256);
#   - zero-labels both ways: the other tool reads all zeroes;
#   - write-labels of a saved area round-trips byte-exact (ndctl reads it);
#   - regions enabled: init/zero/write-labels are refused (exit 4, one line
#     naming the region), ndctl's bytes unchanged;
#   - user nobody: one line, nothing changed, even with /dev/nmem1 made
#     readable (the kernel refuses label ioctls to non-root: EPERM);
#   - after pmemctl zero-labels, init-labels and enable-region, ndctl
#     create-namespace works (the kernel re-read the area it had cached).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
vm_require
vm_require_pmemctl
# ~40 label commands, each moving 128 KiB areas through ACPI _DSM calls
# under TCG: more than the default boot limit on a loaded machine
[ "$VM_TIMEOUT" -ge 360 ] || VM_TIMEOUT=360

plat=$VM_WORKDIR/platform
vm_pmemctl platform create "$plat" --dimms 2 --dimm-size 256M

vm_guest_script "$VM_WORKDIR/guest.sh" <<'GUEST'
# run NAME CMD...: section NAME holds "rc=N" and CMD's stderr
run() {
    _n=$1; shift; _rc=0
    "$@" 2>/tmp/err || _rc=$?
    section "$_n"; echo "rc=$_rc"; cat /tmp/err
}
# sums NAME TOOL: sha256 of each DIMM's area as TOOL reads it
sums() {
    section "$1"
    for d in nmem0 nmem1; do
        if [ "$2" = ndctl ]; then
            rm -f /tmp/a; ndctl read-labels -o /tmp/a $d 2>/dev/null
            echo "$d $(sha256sum </tmp/a | cut -d' ' -f1)"
        else
            echo "$d $(pmemctl read-labels $d 2>/dev/null | sha256sum | cut -d' ' -f1)"
        fi
    done
}
region_of() {
    for r in /sys/bus/nd/devices/region*; do
        if grep -q "^$1," $r/mapping0; then basename $r; fi
    done
}
section names; echo "$(region_of nmem0) $(region_of nmem1)"
section zero-sum; head -c 131072 /dev/zero | sha256sum | cut -d' ' -f1
ndctl disable-region all >&2

# pmemctl writes, ndctl checks and reads
for v in 1.1 1.2; do
    run "pm-init-$v" pmemctl init-labels -f -V $v all
    run "nd-check-$v" ndctl check-labels all
    section "nd-rl-$v"; j ndctl read-labels -j nmem0 nmem1
    section "pm-rl-$v"; j pmemctl read-labels -j all
    sums "nd-sum-pm-$v" ndctl; sums "pm-sum-pm-$v" pmemctl
done
run pm-zero pmemctl zero-labels all
sums nd-sum-pm-zero ndctl

# ndctl writes, pmemctl checks and reads
for v in 1.1 1.2; do
    ndctl init-labels -f -V $v all >&2
    run "pm-check-$v" pmemctl check-labels -v all
    section "nd-rl-nd-$v"; j ndctl read-labels -j nmem0 nmem1
    section "pm-rl-nd-$v"; j pmemctl read-labels -j all
    sums "nd-sum-nd-$v" ndctl; sums "pm-sum-nd-$v" pmemctl
done

# write-labels of a saved area round-trips
pmemctl read-labels -o /tmp/saved nmem1
ndctl zero-labels nmem1 >&2
sums nd-sum-nd-zero ndctl; sums pm-sum-nd-zero pmemctl
run pm-write pmemctl write-labels nmem1 -i /tmp/saved
section saved-sum; sha256sum </tmp/saved | cut -d' ' -f1
sums nd-sum-written ndctl

# regions enabled: refused, nothing changed
ndctl enable-region all >&2
section state-active; cat /sys/bus/nd/devices/nmem0/state
sums nd-sum-busy-before ndctl
run busy-init pmemctl init-labels -f nmem0
run busy-zero pmemctl zero-labels -f all
run busy-write pmemctl write-labels -f nmem1 -i /tmp/saved
sums nd-sum-busy-after ndctl

# an unprivileged user: one line, nothing changed
echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd
echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >>/etc/passwd
echo 'root:x:0:' >/etc/group
echo 'nogroup:x:65534:' >>/etc/group
ndctl disable-region all >&2
run nobody-read su -s /bin/sh nobody -c "pmemctl read-labels -j nmem0"
run nobody-init su -s /bin/sh nobody -c "pmemctl init-labels -f all"
# a device node the user may read: the kernel still refuses the ioctls
chmod o+r /dev/nmem1
run nobody-ro-check su -s /bin/sh nobody -c "pmemctl check-labels nmem1"
run nobody-ro-init su -s /bin/sh nobody -c "pmemctl init-labels -f nmem1"
chmod o-r /dev/nmem1
sums nd-sum-nobody ndctl

# fresh labels from pmemctl: the kernel re-reads them and can use them
run fresh-zero pmemctl zero-labels -f all
run fresh-init pmemctl init-labels all
ndctl enable-region all >&2
r=$(region_of nmem0)
section nstype; cat /sys/bus/nd/devices/$r/nstype
run fresh-create sh -c "ndctl create-namespace -r $r -s 32M -m fsdax >/dev/null"
section fresh-ns; j ndctl list -N -v -r $r
section fresh-rl; j pmemctl read-labels -j nmem0
section end
GUEST
out=$VM_WORKDIR/out
vm_boot_sections "$plat" "$VM_WORKDIR/guest.sh" "$out" "pmemctl labels on the live kernel"

read -r r0 r1 <<<"$(vm_section "$out" names)"
zero=$(vm_section "$out" zero-sum)
rc() { vm_section "$out" "$1" | head -n1; }
msg() { vm_section "$out" "$1" | sed 1d; }
# sum SECTION DIMM: the sha256 a sums section recorded for DIMM
sum() { vm_section "$out" "$1" | awk -v d="$2" '$1 == d { print $2 }'; }
idx='sort_by(.dev) | map({dev, index: [.index[] |
       {signature, major, minor, labelsize, seq, nslot}]})'
inuse='map({dev, label: [(.label // [])[]
       | select(.uuid != "00000000-0000-0000-0000-000000000000")]})'
# agree WHAT ND PM: ndctl's and pmemctl's read-labels -j sections agree
agree() {
    local nd pm
    nd=$(vm_ndctl_list "$out/$2")
    pm=$(vm_section "$out" "$3" | vm_bigjson | jq -S 'sort_by(.dev)')
    check vm_json_compare "$1: index blocks (ndctl vs pmemctl read-labels -j)" \
        "$(jq -S "$idx" <<<"$nd")" "$(jq -S "$idx" <<<"$pm")"
    check vm_json_compare "$1: no label in use (ndctl vs pmemctl)" \
        "$(jq -S "$inuse" <<<"$nd")" "$(jq -S "$inuse" <<<"$pm")"
    check vm_assert_eq "$1: both DIMMs listed" "nmem0 nmem1" \
        "$(jq -r 'map(.dev) | join(" ")' <<<"$pm")"
}

for v in 1.1 1.2; do
    check vm_assert_eq "pmemctl init-labels -V $v all: exit 0" rc=0 "$(rc pm-init-$v)"
    check vm_assert_eq "pmemctl init-labels -V $v: says so" "initialized 2 nmems" \
        "$(msg pm-init-$v)"
    check vm_assert_eq "ndctl check-labels all on pmemctl's v$v labels: exit 0" rc=0 \
        "$(rc nd-check-$v)"
    agree "pmemctl init-labels -V $v" "nd-rl-$v" "pm-rl-$v"
    check vm_assert_eq "v$v: label version as written" "$v $v" \
        "$(vm_section "$out" "pm-rl-$v" | jq -r 'map("\(.index[0].major).\(.index[0].minor)") | join(" ")')"
    for d in nmem0 nmem1; do
        check vm_assert_eq "pmemctl init-labels -V $v, $d: pmemctl's bytes equal ndctl's" \
            "$(sum nd-sum-pm-$v $d)" "$(sum pm-sum-pm-$v $d)"
        check vm_assert_eq "ndctl init-labels -V $v, $d: pmemctl's bytes equal ndctl's" \
            "$(sum nd-sum-nd-$v $d)" "$(sum pm-sum-nd-$v $d)"
    done
    check vm_assert_eq "pmemctl check-labels all on ndctl's v$v labels: exit 0" rc=0 \
        "$(rc pm-check-$v)"
    check vm_assert_eq "pmemctl check-labels on ndctl's v$v labels: both index blocks valid" 4 \
        "$(msg pm-check-$v | grep -c "index[01]: valid, v$v")"
    agree "ndctl init-labels -V $v" "nd-rl-nd-$v" "pm-rl-nd-$v"
done
check vm_assert_eq "v1.1 and v1.2 areas differ" 1 \
    "$([ "$(sum nd-sum-pm-1.1 nmem0)" != "$(sum nd-sum-pm-1.2 nmem0)" ] && echo 1)"

check vm_assert_eq "pmemctl zero-labels all: exit 0" rc=0 "$(rc pm-zero)"
check vm_assert_eq "pmemctl zero-labels: ndctl reads zeroes" "$zero $zero" \
    "$(sum nd-sum-pm-zero nmem0) $(sum nd-sum-pm-zero nmem1)"
check vm_assert_eq "ndctl zero-labels nmem1: pmemctl reads zeroes" "$zero" \
    "$(sum pm-sum-nd-zero nmem1)"
check vm_assert_eq "ndctl zero-labels nmem1: nmem0 untouched" \
    "$(sum nd-sum-nd-1.2 nmem0)" "$(sum pm-sum-nd-zero nmem0)"

check vm_assert_eq "pmemctl write-labels: exit 0" rc=0 "$(rc pm-write)"
check vm_assert_eq "the saved area was ndctl's v1.2 area" \
    "$(sum nd-sum-nd-1.2 nmem1)" "$(vm_section "$out" saved-sum)"
check vm_assert_eq "write-labels of the saved area: ndctl reads it byte-exact" \
    "$(vm_section "$out" saved-sum)" "$(sum nd-sum-written nmem1)"

check vm_assert_eq "regions enabled: the kernel says nmem0 is active" active \
    "$(vm_section "$out" state-active)"
for c in busy-init busy-zero busy-write; do
    check vm_assert_eq "$c while the region is enabled: refused (exit 4)" rc=4 "$(rc $c)"
done
check vm_assert_eq "init-labels refused: one line naming the region" \
    "pmemctl init-labels: nmem0: $r0 is enabled and uses it; disable the region first; nothing changed" \
    "$(msg busy-init)"
check vm_assert_eq "zero-labels all refused: one line per DIMM naming its region" \
    "pmemctl zero-labels: nmem0: $r0 is enabled and uses it; disable the region first; nothing changed
pmemctl zero-labels: nmem1: $r1 is enabled and uses it; disable the region first; nothing changed" \
    "$(msg busy-zero)"
check vm_assert_eq "write-labels refused: one line naming the region" \
    "pmemctl write-labels: nmem1: $r1 is enabled and uses it; disable the region first; nothing changed" \
    "$(msg busy-write)"
check vm_assert_eq "refused: ndctl reads the same bytes before and after" \
    "$(vm_section "$out" nd-sum-busy-before)" "$(vm_section "$out" nd-sum-busy-after)"

for c in nobody-read nobody-init; do
    check vm_assert_eq "$c: exit 1" rc=1 "$(rc $c)"
done
check vm_assert_eq "nobody: read-labels says why, once" \
    "pmemctl read-labels: nmem0: cannot open /dev/nmem0: Permission denied: the label area is only reachable by root" \
    "$(msg nobody-read)"
check vm_assert_eq "nobody: init-labels all says why, once per DIMM" 2 \
    "$(msg nobody-init | grep -c 'cannot open /dev/nmem[01]: Permission denied: the label area is only reachable by root$')"
check vm_assert_eq "nobody: init-labels all prints nothing else" 2 "$(msg nobody-init | wc -l)"
for c in check init; do
    check vm_assert_eq "nobody, /dev/nmem1 readable: $c-labels: exit 1" rc=1 \
        "$(rc nobody-ro-$c)"
    check vm_assert_eq "nobody, /dev/nmem1 readable: $c-labels says why, once (the kernel refuses the ioctl)" \
        "pmemctl $c-labels: nmem1: asking the label area's size failed: Operation not permitted: the label area is only reachable by root" \
        "$(msg nobody-ro-$c)"
done
check vm_assert_eq "nobody: nothing changed (ndctl's bytes)" \
    "$(vm_section "$out" nd-sum-busy-after)" "$(vm_section "$out" nd-sum-nobody)"

check vm_assert_eq "pmemctl zero-labels -f all: exit 0" rc=0 "$(rc fresh-zero)"
check vm_assert_eq "pmemctl init-labels all on zeroed DIMMs: exit 0" rc=0 "$(rc fresh-init)"
check vm_assert_eq "$r0 is label-backed (nstype 5)" 5 "$(vm_section "$out" nstype)"
check vm_assert_eq "ndctl create-namespace on the freshly labelled DIMM: exit 0" rc=0 \
    "$(rc fresh-create)"
ns=$(vm_section "$out" fresh-ns | vm_ndctl_list)
check vm_assert_eq "ndctl lists the new 32 MiB fsdax namespace" "1 fsdax" \
    "$(jq -r '"\(length) \(.[0].mode)"' <<<"$ns")"
# the kernel's cached copy was ndctl's v1.2 area: had it not re-read the
# area, its label update would have written a v1.2 index and label
check vm_assert_eq "after create-namespace both index blocks are still v1.1 (labelsize 128): the kernel used pmemctl's labels" \
    "1.1/128 1.1/128" \
    "$(vm_section "$out" fresh-rl | jq -r '.[0].index | map("\(.major).\(.minor)/\(.labelsize)") | join(" ")')"
check vm_assert_eq "pmemctl reads the kernel's label for it" \
    "$(jq -r '.[0].raw_uuid // .[0].uuid' <<<"$ns")" \
    "$(vm_section "$out" fresh-rl | jq -r '.[0].label[0].uuid')"

vm_checks_done
vm_log "ok: pmemctl's label commands on the live kernel agree with ndctl both ways; refusals change nothing"
