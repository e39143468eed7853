#!/usr/bin/env bash
# Regenerate the kernel-made fixtures in test/fixtures/kernel/.
#
# usage: test/vm/make-fixtures.sh [-o OUTDIR] [SET...]
#   SET: lsa-v1.1 lsa-v1.2 ns-v1.1 ns-v1.2 (default: all)
#
# For each set: a fresh sparse 258 MiB DIMM image (256 MiB media + 2 MiB,
# label-size=128K, backend align=2M) is handed to a QEMU guest running
# Debian's kernel, where Debian's ndctl initialises labels / creates
# namespaces and writes test patterns. Afterwards:
#   NAME.img.xz  the whole backing file (LSA = last 128 KiB), xz -9
#   NAME.json    what the guest saw: ndctl list -vvv, read-labels -j,
#                read-infoblock -j per namespace, commands, writes, ...
#   NAME.txt     /sys/bus/nd/devices/region0/set_cookie
# ndctl's uuid_generate() is replaced (LD_PRELOAD of fake-uuid.c) by a
# deterministic counter so that a rerun with the same kernel and ndctl gives
# byte-identical output.
#
# Needs scripts/vm-deps.sh to have run, a C compiler, xz and jq. Uses
# VM_INITRAMFS/VM_INITRAMFS_ENV when set (meson run target `vm-fixtures`),
# otherwise builds a base initramfs in the scratch dir.
# shellcheck source-path=SCRIPTDIR disable=SC2034
# (SC2034: VM_NAME, VM_FILES are read by lib.sh.)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
outdir=$repo/test/fixtures/kernel
if [ "${1:-}" = -o ]; then outdir=$2; shift 2; fi
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(lsa-v1.1 lsa-v1.2 ns-v1.1 ns-v1.2)

MIB=$((1024 * 1024))
FILE_SIZE=$((258 * MIB))
LABEL_SIZE=$((128 * 1024))
ALIGN=$((2 * MIB))
MAX_XZ=$((200 * 1024))

VM_NAME=make-fixtures
VM_SCRATCH=${VM_SCRATCH:-${TMPDIR:-/tmp}/pmemctl-vm}
if [ -z "${VM_INITRAMFS:-}" ]; then
    mkdir -p "$VM_SCRATCH"
    VM_INITRAMFS=$VM_SCRATCH/fixtures-initramfs.cpio.gz
    VM_INITRAMFS_ENV=$VM_SCRATCH/fixtures-initramfs.env
    "$here/mkinitramfs.sh" "$VM_INITRAMFS" "$VM_INITRAMFS_ENV"
fi
# shellcheck source=lib.sh
. "$here/lib.sh"
vm_require
for t in xz jq sha256sum; do
    command -v "$t" >/dev/null || vm_die "$t not installed (run scripts/vm-deps.sh)"
done
CC=${CC:-cc}
"$CC" -shared -fPIC -O2 -Wall -o "$VM_WORKDIR/fake-uuid.so" "$here/fake-uuid.c"
mkdir -p "$outdir"

# 4096*N bytes of recognisable text: 64-byte lines "pmemctl-fixture TAG line I".
# The guest writes the same bytes with busybox printf; the host uses this to
# compute what a read-back must give.
pattern() {
    local tag=$1 n=$2 i
    for ((i = 0; i < 64 * n; i++)); do printf '%-63s\n' "pmemctl-fixture $tag line $i"; done
}

# --- guest script pieces ---------------------------------------------------
# Common preamble. Commands run through `run` are recorded verbatim in
# NAME.json ("commands").
guest_preamble() {
    cat <<EOF
set -e
FIXTURE=$1
export LD_PRELOAD=/usr/lib/fake-uuid.so FAKE_UUID_STATE=/tmp/uuid.state FAKE_UUID_SEED=$2
EOF
    cat <<'EOF'
: >/tmp/commands; : >/tmp/created; : >/tmp/writes; : >/tmp/sectordevs
run() { echo "$*" >>/tmp/commands; echo "+ $*" >&2; "$@"; }
# Labels can only be written while the DIMM's regions are disabled.
init_labels() {
    run ndctl disable-region region0 >&2
    run ndctl init-labels -f "$@" nmem0 >&2
    run ndctl enable-region region0 >&2
}
# create ARGS...: create-namespace in region0; keep its JSON.
create() {
    out=$(run ndctl create-namespace -r region0 "$@") || return 1
    echo "$out" >>/tmp/created
    echo "$out" >&2
    case " $* " in
    *" -m sector "*) echo "$out" | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p' >>/tmp/sectordevs ;;
    esac
}
pattern() {
    i=0
    while [ $i -lt $((64 * $2)) ]; do printf '%-63s\n' "pmemctl-fixture $1 line $i"; i=$((i + 1)); done
}
# Two 4 KiB blocks at byte 0 ("A"), then two 4 KiB blocks at LBA 7 ("B").
# With 512-byte sectors B overlaps A, so some LBAs are written twice.
write_patterns() {
    dev=$1
    lbs=$(cat /sys/block/$dev/queue/logical_block_size)
    pattern "$FIXTURE $dev A" 2 >/tmp/a
    pattern "$FIXTURE $dev B" 2 >/tmp/b
    dd if=/tmp/a of=/dev/$dev bs=4096 count=2 oflag=direct 2>/dev/null
    dd if=/tmp/b of=/dev/$dev bs=$lbs seek=7 count=$((8192 / lbs)) oflag=direct 2>/dev/null
    echo "$dev $lbs A 0 8192 $(sha256sum </tmp/a | cut -d' ' -f1)" >>/tmp/writes
    echo "$dev $lbs B $((7 * lbs)) 8192 $(sha256sum </tmp/b | cut -d' ' -f1)" >>/tmp/writes
}
report() {
    for dev in $(cat /tmp/sectordevs); do write_patterns "$dev"; done
    sync
    echo 3 >/proc/sys/vm/drop_caches
    echo "@@SECTION commands"; cat /tmp/commands
    echo "@@SECTION created"; cat /tmp/created
    echo "@@SECTION writes"; cat /tmp/writes
    echo "@@SECTION readback"
    for dev in $(cat /tmp/sectordevs); do
        echo "$dev 0 65536 $(dd if=/dev/$dev bs=4096 count=16 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
    done
    echo "@@SECTION set_cookie"; cat /sys/bus/nd/devices/region0/set_cookie
    echo "@@SECTION list"; ndctl list -vvv
    echo "@@SECTION labels"; ndctl read-labels -j nmem0
    # read-infoblock needs the namespace disabled (EBUSY otherwise).
    for d in /sys/bus/nd/devices/namespace0.*; do
        ns=${d##*/}
        [ "$(cat "$d/size")" != 0 ] || continue
        ndctl disable-namespace "$ns" >&2
        echo "@@SECTION infoblock $ns"
        ndctl read-infoblock -j "$ns" || echo "read-infoblock $ns: exit $?" >&2
    done
    echo "@@SECTION end"
}
EOF
}

# Per-set body (guest side).
guest_body() {
    case $1 in
    lsa-v1.1)
        echo 'init_labels' ;;
    lsa-v1.2)
        echo 'init_labels -V 1.2' ;;
    ns-v1.1)
        cat <<'EOF'
init_labels
create -s 32M -m raw -n rawns
create -s 48M -m sector -l 4096
create -s 32M -m sector -l 512
create -s 64M -m fsdax -M mem
EOF
        ;;
    ns-v1.2)
        cat <<'EOF'
init_labels -V 1.2
create -s 48M -m sector -l 4096
# 520-byte sectors: kept if the kernel accepts them.
create -s 32M -m sector -l 520 || echo "sector 520 refused" >&2
create -s 64M -m fsdax -M dev
create -s 48M -m devdax -a 2M -M dev
EOF
        ;;
    *) vm_die "unknown fixture set $1" ;;
    esac
    echo report
}

# Split the guest's "@@SECTION name" output into $1/<name> files.
split_sections() {
    awk -v dir="$1" '
        /^@@SECTION / { name = substr($0, 11); gsub(/[^A-Za-z0-9._-]/, "_", name);
                        f = dir "/" name; printf "" > f; next }
        f { print >> f }' "$VM_OUT"
}

# Expected sha256 of the first 64 KiB of a sector device after write_patterns.
expected_readback() {
    local set=$1 dev=$2 lbs=$3
    {
        pattern "$set $dev A" 2
        head -c $((65536 - 8192)) /dev/zero
    } | {
        local buf=$VM_WORKDIR/rb.$$
        cat >"$buf"
        pattern "$set $dev B" 2 | dd of="$buf" bs="$lbs" seek=7 conv=notrunc status=none
        sha256sum <"$buf" | cut -d' ' -f1
        rm -f "$buf"
    }
}

make_set() {
    local set=$1 img=$VM_WORKDIR/$1.img sec=$VM_WORKDIR/$1.sections
    local seed
    seed=$(printf '%s' "$set" | sha256sum | cut -c1-8)
    vm_log "=== $set (uuid seed $seed)"
    rm -f "$img"
    truncate -s "$FILE_SIZE" "$img"
    vm_nvdimm_args "$img"
    VM_FILES=("$VM_WORKDIR/fake-uuid.so=/usr/lib/fake-uuid.so")
    { guest_preamble "$set" "$seed"; guest_body "$set"; } >"$VM_WORKDIR/$set.guest.sh"
    vm_boot "${VM_QEMU_ARGS[@]}" "$VM_WORKDIR/$set.guest.sh" || vm_die "$set: guest failed"
    rm -rf "$sec"; mkdir -p "$sec"
    split_sections "$sec"
    [ -f "$sec/end" ] || vm_die "$set: guest output incomplete"

    # Check the BTT read-back against what the host says the patterns are.
    local dev sum lbs
    while read -r dev _ _ sum; do
        lbs=$(awk -v d="$dev" '$1 == d { print $2; exit }' "$sec/writes")
        [ "$sum" = "$(expected_readback "$set" "$dev" "$lbs")" ] ||
            vm_die "$set: read-back of $dev differs from the written patterns"
    done <"$sec/readback"

    # Infoblocks: {"namespace0.0": [...] or null}
    local ib='{}' f ns
    for f in "$sec"/infoblock_*; do
        [ -e "$f" ] || continue
        ns=${f##*/infoblock_}
        if [ -s "$f" ]; then
            ib=$(jq --arg ns "$ns" --slurpfile v "$f" '. + {($ns): $v[0]}' <<<"$ib")
        else
            ib=$(jq --arg ns "$ns" '. + {($ns): null}' <<<"$ib")
        fi
    done

    local xzf=$outdir/$set.img.xz
    xz -9 -T1 -c "$img" >"$xzf.tmp"
    mv "$xzf.tmp" "$xzf"
    local xzsize
    xzsize=$(stat -c %s "$xzf")
    [ "$xzsize" -lt "$MAX_XZ" ] || vm_die "$set: $xzf is $xzsize bytes (limit $MAX_XZ)"

    tr -d '\n' <"$sec/set_cookie" >"$outdir/$set.txt"
    echo >>"$outdir/$set.txt"

    jq -n -S \
        --arg fixture "$set" \
        --arg kernel "$PMEMCTL_VM_KVER" \
        --arg ndctl "$(ndctl --version)" \
        --arg image "$set.img.xz" \
        --arg sha "$(sha256sum <"$img" | cut -d' ' -f1)" \
        --argjson file_size "$FILE_SIZE" --argjson label_size "$LABEL_SIZE" \
        --argjson align "$ALIGN" \
        --argjson pmem_size "$(vm_pmem_size "$FILE_SIZE" "$LABEL_SIZE" "$ALIGN")" \
        --arg seed "$seed" \
        --arg cookie "$(cat "$outdir/$set.txt")" \
        --rawfile commands "$sec/commands" \
        --slurpfile created "$sec/created" \
        --rawfile writes "$sec/writes" \
        --rawfile readback "$sec/readback" \
        --slurpfile list "$sec/list" \
        --slurpfile labels "$sec/labels" \
        --argjson infoblocks "$ib" \
        --args '{
  fixture: $fixture,
  generator: "test/vm/make-fixtures.sh",
  kernel: $kernel,
  ndctl_version: $ndctl,
  qemu: {machine: "pc,nvdimm=on", slot: 0, label_size: $label_size,
         backend_align: $align, args: $ARGS.positional},
  image: {file: $image, file_size: $file_size, sha256: $sha,
          pmem_size: $pmem_size, lsa_offset: ($file_size - $label_size),
          lsa_size: $label_size},
  uuid_generator: ("uuid_generate() replaced by fake-uuid.c: " + $seed + "-0000-4000-8000-<counter from 1>"),
  commands: ($commands | split("\n") | map(select(. != ""))),
  created: $created,
  pattern: "64-byte lines printf(\"%-63s\\n\", \"pmemctl-fixture <fixture> <blockdev> <A|B> line <i>\"), i = 0..127: A = 8192 bytes at byte 0, then B = 8192 bytes at LBA 7, both O_DIRECT",
  writes: ($writes | split("\n") | map(select(. != "") | split(" ")
           | {blockdev: .[0], logical_block_size: (.[1] | tonumber), pattern: .[2],
              offset: (.[3] | tonumber), length: (.[4] | tonumber), sha256: .[5]})),
  readback: ($readback | split("\n") | map(select(. != "") | split(" ")
           | {blockdev: .[0], offset: (.[1] | tonumber), length: (.[2] | tonumber), sha256: .[3]})),
  set_cookie: $cookie,
  list: $list[0],
  labels: $labels[0],
  infoblocks: $infoblocks
}' -- "${VM_QEMU_ARGS[@]//"$img"/$set.img}" >"$outdir/$set.json"
    jq -e .fixture "$outdir/$set.json" >/dev/null || vm_die "$set: writing $set.json failed"
    rm -f "$img"
    vm_log "$set: $xzf ($xzsize bytes), $set.json, $set.txt"
}

for s in "${sets[@]}"; do make_set "$s"; done
