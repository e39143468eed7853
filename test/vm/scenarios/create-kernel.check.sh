# shellcheck shell=bash
# Host-side checks of create-kernel.sh (sourced; $out holds its sections).
# shellcheck disable=SC2154

# eq WHAT EXPECTED ACTUAL: like vm_assert_eq, without ending the scenario
eq() { [ "$2" = "$3" ] || { vm_log "FAIL: $1: expected '$2', got '$3'"; return 1; }; }

read -r r11 r12 rio <<<"$(vm_section "$out" names)"
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

# after every step, the two tools agree
for s in start rb-before $(vm_section "$out" steps); do
    check vm_json_compare "after $s: ndctl list -RNi = pmemctl list -RNi" \
        "$(view "nd-$s")" "$(view "pm-$s")"
done

# rollback: a real failed bind leaves the region as it was
check eq "rollback: dax_pmem is not loaded" absent "$(vm_section "$out" rb-mod)"
# (exit 3: no driver took the device)
refused rb-devdax 3 'undone: its capacity is free again' rb-before
refused rb-devdax11 3 'undone: its capacity is free again' rb-before
refused rb-btt11 3 'undone: its capacity is free again' rb-before
check eq "rb-btt11: the btt's bind failed" 1 "$(says rb-btt11 'btt[0-9]*.[0-9]*: no driver took it')"

# not root
refused nobody-create 1 'not writable (Permission denied): run as root$' rb-btt11
check eq "nobody: create-namespace says it in one line" 1 \
    "$(vm_section "$out" run-nobody-create | sed 1d | grep -c .)"
refused nobody-destroy 1 'run as root$' held-reconf

# every mode on both label versions: what pmemctl printed is what was asked
for r in $r11 $r12; do
    for s in raw s512 s4096 s520 fsmem fsdev dax; do
        check eq "$r $s: exit 0" rc=0 "$(rc "$r-$s")"
    done
    check eq "$r raw" "raw 16777216 rawns" \
        "$(field "$r-raw" '"\(.mode) \(.size) \(.name)"')"
    check eq "$r sector 512" "sector 512" "$(field "$r-s512" '"\(.mode) \(.sector_size)"')"
    check eq "$r sector default 4096" "sector 4096 sect" \
        "$(field "$r-s4096" '"\(.mode) \(.sector_size) \(.name)"')"
    check eq "$r sector 520" "sector 520" "$(field "$r-s520" '"\(.mode) \(.sector_size)"')"
    check eq "$r fsdax map=mem" "fsdax mem 2097152" \
        "$(field "$r-fsmem" '"\(.mode) \(.map) \(.align)"')"
    check eq "$r fsdax map=dev align 4K, -u" \
        "fsdax dev 4096 5a6b7c8d-1111-4222-8333-94445555666${r#region}" \
        "$(field "$r-fsdev" '"\(.mode) \(.map) \(.align) \(.raw_uuid)"')"
    check eq "$r devdax" "devdax dev 2097152 dx" \
        "$(field "$r-dax" '"\(.mode) \(.map) \(.align) \(.name)"')"
    check eq "$r too big: no space (exit 6)" rc=6 "$(rc "$r-toobig")"
    check eq "$r not a multiple of the region align (exit 2)" rc=2 "$(rc "$r-misalign")"
    same "$r refused sizes" "$r-dax" "$r-misalign"
done

# reconfigure raw -> sector -> fsdax -> devdax -> raw, keeping size and name
ns=$(vm_section "$out" chain)
refused rc-active 4 "$ns is active; use --force to reconfigure it" rc-new
prev=$(field rc-new .uuid)
for m in sector fsdax devdax raw; do
    check eq "-e -m $m: exit 0" rc=0 "$(rc "rc-$m")"
    check eq "-e -m $m: same namespace, mode, size kept, name kept" \
        "$ns $m 33554432 chain" \
        "$(field "rc-$m" '"\(.dev) \(.mode) \(if .mode == "raw" then .size else 33554432 end) \(.name)"')"
    u=$(field "rc-$m" '.raw_uuid // .uuid')
    check eq "-e -m $m: a new uuid" 1 "$([ "$u" != "$prev" ] && echo 1 || echo 0)"
    prev=$u
done

# holders
check eq "swap is on the reconfigured raw namespace" 1 "$(vm_section "$out" swaps | grep -c /dev/pmem)"
# a held block device is refused even with -f
for s in held-destroy held-reconf; do
    refused $s 4 'is in use (mounted, swapped on or held open); nothing changed' rc-raw
done
refused destroy-active 4 "$ns is active; use --force to destroy it" nobody-destroy
check eq "destroy -f: exit 0" rc=0 "$(rc destroy-pm)"
check eq "destroy -f: the namespace is gone" 0 \
    "$(view nd-destroy-pm | jq --arg ns "$ns" '[.[].namespaces[] | select(.dev == $ns)] | length')"
check eq "destroy -f: its 32 MiB are free again" 33554432 \
    "$(( $(view nd-destroy-pm | jq --arg r "$r11" '.[] | select(.dev == $r) | .available_size') - \
         $(view nd-destroy-active | jq --arg r "$r11" '.[] | select(.dev == $r) | .available_size') ))"

# each tool destroys what the other made
ndns=$(vm_section "$out" ndns)
check eq "pmemctl destroys ndctl's namespace: exit 0" rc=0 "$(rc destroy-ndctl-made)"
same_view "pmemctl destroyed ndctl's namespace" destroy-pm destroy-ndctl-made
check eq "ndctl made $ndns" 1 \
    "$(view nd-nd-made | jq --arg ns "$ndns" '[.[].namespaces[] | select(.dev == $ns and .name == "byndctl")] | length')"
check eq "pmemctl made a sector namespace for ndctl" rc=0 "$(rc pm-made)"
same_view "ndctl destroyed pmemctl's namespace" destroy-ndctl-made nd-destroyed
check eq "pmemctl creates after ndctl destroyed" rc=0 "$(rc pm-again)"
check eq "destroy -f all in $r11: exit 0" rc=0 "$(rc destroy-all-r11)"
check eq "destroy -f all in $r11: nothing left, all capacity free" \
    "0 $(view nd-start | jq --arg r "$r11" '.[] | select(.dev == $r) | .available_size')" \
    "$(view nd-destroy-all-r11 | jq -r --arg r "$r11" '.[] | select(.dev == $r) | "\(.namespaces | length) \(.available_size)"')"

# the label-less region
# sub-dividing is refused even with -f
refused io-sub 2 'is label-less: its one namespace is the whole region' destroy-all-r11
refused io-active 4 "namespace${rio#region}.0 is active; use --force to replace it" io-sub
for m in fsdax sector devdax raw; do
    check eq "label-less -e -f -m $m: exit 0" rc=0 "$(rc "io-$m")"
    check eq "label-less -e -f -m $m: ndctl says $m" "$m" \
        "$(view "nd-io-$m" | jq -r --arg r "$rio" '.[] | select(.dev == $r) | .namespaces[0].mode')"
done
check eq "label-less back to raw: no byte of the first 8 KiB is left non-zero" 0 \
    "$(vm_section "$out" io-head)"

vm_checks_done
vm_log "ok: create-namespace (every mode, v1.1, v1.2, label-less), -e, destroy-namespace on the live kernel; rollback, holders, non-root refused; ndctl and pmemctl agree throughout"
