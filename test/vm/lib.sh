# shellcheck shell=bash disable=SC2054
# (SC2054: commas inside QEMU option values are intended.)
# Helpers for host-side VM scenario scripts (test/vm/scenarios/*.sh).
# Source this after `set -euo pipefail`.
#
# Environment (set by test/vm/meson.build; all overridable):
#   VM_INITRAMFS      base initramfs built by mkinitramfs.sh
#   VM_INITRAMFS_ENV  its companion env file (kernel path, or PMEMCTL_VM_SKIP)
#   VM_KERNEL         vmlinuz to boot (default: the one named in VM_INITRAMFS_ENV)
#   VM_SCRATCH        scratch root; each scenario works in $VM_SCRATCH/<name>
#   VM_TIMEOUT        hard limit per boot in seconds (default 120)
#   PMEMCTL           the pmemctl executable (for vm_boot_platform)
#   QEMU              QEMU binary (default qemu-system-x86_64)
#
# After each vm_boot:
#   VM_LOG  the whole serial console of that boot (CRs stripped)
#   VM_OUT  the guest script's stdout (text between the OUT markers)
# Optional before vm_boot:
#   VM_FILES=(host_path=guest_path ...)  extra files put into the guest
#   VM_APPEND="..."                      extra kernel command line

VM_DEPS_CMD="scripts/vm-deps.sh"
VM_NAME=${VM_NAME:-$(basename "${0%.sh}")}
VM_TIMEOUT=${VM_TIMEOUT:-120}
QEMU=${QEMU:-qemu-system-x86_64}
VM_BOOTS=0
VM_FILES=()
VM_APPEND=${VM_APPEND:-}

vm_log() { printf '[%s] %s\n' "$VM_NAME" "$*" >&2; }
vm_die() { vm_log "FAIL: $*"; exit 1; }
vm_skip() { echo "SKIP: $*"; exit 77; }

# Exit 77 (meson "skipped") if the VM tests cannot run at all here.
vm_require() {
    command -v "$QEMU" >/dev/null || vm_skip "$QEMU not installed (run $VM_DEPS_CMD)"
    "$QEMU" --version >/dev/null 2>&1 || vm_skip "$QEMU does not run"
    local t
    for t in cpio jq timeout; do
        command -v "$t" >/dev/null || vm_skip "$t not installed (run $VM_DEPS_CMD)"
    done
    [ -n "${VM_INITRAMFS:-}" ] && [ -n "${VM_INITRAMFS_ENV:-}" ] ||
        vm_die "VM_INITRAMFS / VM_INITRAMFS_ENV not set (run via 'meson test --suite vm')"
    [ -f "$VM_INITRAMFS_ENV" ] || vm_die "$VM_INITRAMFS_ENV missing (initramfs target not built)"
    # shellcheck source=/dev/null
    . "$VM_INITRAMFS_ENV"
    if [ -n "${PMEMCTL_VM_SKIP:-}" ]; then
        vm_skip "$PMEMCTL_VM_SKIP; then rebuild"
    fi
    VM_KERNEL=${VM_KERNEL:-$PMEMCTL_VM_VMLINUZ}
    [ -f "$VM_KERNEL" ] || vm_skip "kernel $VM_KERNEL missing (run $VM_DEPS_CMD)"
    [ -s "$VM_INITRAMFS" ] || vm_die "$VM_INITRAMFS is empty"
    VM_WORKDIR=${VM_SCRATCH:-${TMPDIR:-/tmp}/pmemctl-vm}/$VM_NAME
    rm -rf "$VM_WORKDIR"
    mkdir -p "$VM_WORKDIR"
}

# vm_mkimg PATH SIZE_MIB: fresh sparse backing file (size must be a multiple
# of 2 MiB for the align=2M backends vm_nvdimm_args builds).
vm_mkimg() {
    rm -f "$1"
    truncate -s "$(($2 * 1024 * 1024))" "$1"
}

# vm_pmem_size FILE_BYTES [LABEL_BYTES [ALIGN_BYTES]]: size QEMU gives the
# guest: ALIGN_DOWN(file - label, align).
vm_pmem_size() {
    local size=$1 label=${2:-131072} align=${3:-2097152}
    echo $(( (size - label) / align * align ))
}

# vm_nvdimm_args IMG...: sets the array VM_QEMU_ARGS to one NVDIMM per image
# (slot i = i-th image, label-size 128K, backend align 2M).
vm_nvdimm_args() {
    local i=0 img
    VM_QEMU_ARGS=(-machine pc,nvdimm=on -m 512M,slots=4,maxmem=8G)
    for img in "$@"; do
        VM_QEMU_ARGS+=(
            -object "memory-backend-file,id=mem$i,share=on,mem-path=$img,size=$(stat -c %s "$img"),align=2M"
            -device "nvdimm,memdev=mem$i,id=nvdimm$i,slot=$i,label-size=128K")
        i=$((i + 1))
    done
}

# Print the last lines of the console log (on failure).
vm_console_tail() {
    local n=${1:-60}
    echo "----- console tail ($VM_LOG) -----" >&2
    tail -n "$n" "$VM_LOG" >&2 || true
    echo "----- end of console -----" >&2
}

# vm_boot QEMU_ARG... GUEST_SCRIPT
#   Boot the kernel with the base initramfs plus GUEST_SCRIPT as /scenario.sh
#   (a file, or "-" for stdin). Every argument before the last is one QEMU
#   argument; an argument containing newlines is split into one QEMU argument
#   per line (the format of `pmemctl platform qemu-args`).
#   Returns the guest script's exit status (125: init trouble, 124: timeout,
#   126: no exit marker).
vm_boot() {
    [ $# -ge 1 ] || vm_die "vm_boot: no guest script"
    local script=${!#} a line
    local -a user=() qargs=()
    for a in "${@:1:$#-1}"; do
        if [[ $a == *$'\n'* ]]; then
            while IFS= read -r line; do [ -n "$line" ] && user+=("$line"); done <<<"$a"
        else
            user+=("$a")
        fi
    done

    VM_BOOTS=$((VM_BOOTS + 1))
    local tag=boot$VM_BOOTS
    VM_LOG=$VM_WORKDIR/$tag.console.log
    VM_OUT=$VM_WORKDIR/$tag.out
    local raw=$VM_WORKDIR/$tag.serial
    local sdir=$VM_WORKDIR/$tag.root initrd=$VM_WORKDIR/$tag.initrd
    rm -rf "$sdir"
    mkdir -p "$sdir"
    if [ "$script" = - ]; then cat >"$sdir/scenario.sh"; else cp "$script" "$sdir/scenario.sh"; fi
    local f
    for f in "${VM_FILES[@]}"; do
        mkdir -p "$sdir/$(dirname "${f#*=}")"
        cp "${f%%=*}" "$sdir/${f#*=}"
    done
    # Base archive (zero-padded to 512) + uncompressed archive with our files.
    cp "$VM_INITRAMFS" "$initrd"
    (cd "$sdir" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >>"$initrd"

    # Our defaults, unless the caller's arguments already set them. TCG only:
    # KVM is present on some hosts but does not work there.
    local have_machine=0 have_m=0 have_cpu=0
    for a in "${user[@]}"; do
        case $a in -machine | -M) have_machine=1 ;; -m) have_m=1 ;; -cpu) have_cpu=1 ;; esac
    done
    [ $have_machine = 1 ] || qargs+=(-machine pc,nvdimm=on)
    [ $have_m = 1 ] || qargs+=(-m 512M,slots=4,maxmem=8G)
    [ $have_cpu = 1 ] || qargs+=(-cpu max)
    local prev=
    for a in "${user[@]}"; do
        # drop any accel= inside -machine; we pass -accel tcg ourselves
        case $prev in -machine | -M) a=$(sed -E 's/(^|,)accel=[^,]*//' <<<"$a") ;; esac
        qargs+=("$a")
        prev=$a
    done
    qargs+=(-accel tcg -smp 1 -nodefaults -no-user-config -display none
        -monitor none -serial "file:$raw" -no-reboot
        -kernel "$VM_KERNEL" -initrd "$initrd"
        -append "console=ttyS0 panic=-1 loglevel=6 ${VM_APPEND}")

    printf '%q ' "$QEMU" "${qargs[@]}" >"$VM_WORKDIR/$tag.cmd"
    echo >>"$VM_WORKDIR/$tag.cmd"
    vm_log "$tag: booting (timeout ${VM_TIMEOUT}s; cmd in $VM_WORKDIR/$tag.cmd)"
    local qrc=0 t0=$SECONDS
    timeout -k 5 "$VM_TIMEOUT" "$QEMU" "${qargs[@]}" </dev/null >"$VM_WORKDIR/$tag.qemu.log" 2>&1 || qrc=$?
    if [ -f "$raw" ]; then tr -d '\r' <"$raw" >"$VM_LOG"; else : >"$VM_LOG"; fi
    rm -rf "$sdir" "$initrd" "$raw"

    # Guest stdout: the lines strictly between the markers (see /init).
    awk '
        /^PMEMCTL-VM-OUT-END(-NOEOL)?$/ && on { on = 0; noeol = /NOEOL/ }
        on { buf = buf $0 "\n" }
        /^PMEMCTL-VM-OUT-BEGIN$/ { on = 1; buf = ""; noeol = 0 }
        END { if (noeol) sub(/\n$/, "", buf); printf "%s", buf }' "$VM_LOG" >"$VM_OUT"
    local marker rc
    marker=$(grep -a -o '^PMEMCTL-VM-EXIT=[0-9]*' "$VM_LOG" | tail -n1 || true)
    if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
        vm_log "$tag: TIMEOUT after ${VM_TIMEOUT}s, qemu killed"
        rc=124
    elif [ -z "$marker" ]; then
        vm_log "$tag: no exit marker (qemu exit status $qrc)"
        sed 's/^/qemu: /' "$VM_WORKDIR/$tag.qemu.log" >&2
        rc=126
    else
        rc=${marker#PMEMCTL-VM-EXIT=}
    fi
    vm_log "$tag: guest exit status $rc after $((SECONDS - t0))s"
    [ "$rc" = 0 ] || vm_console_tail 60
    return "$rc"
}

# vm_boot_platform PLATFORM_DIR GUEST_SCRIPT
#   Like vm_boot, with the QEMU arguments printed (one per line) by
#   `$PMEMCTL platform qemu-args PLATFORM_DIR`.
vm_boot_platform() {
    local dir=${1:?vm_boot_platform PLATFORM_DIR GUEST_SCRIPT} script=${2:?guest script}
    [ -x "${PMEMCTL:-}" ] || vm_die "PMEMCTL not set or not executable"
    local args
    args=$("$PMEMCTL" platform qemu-args "$dir") ||
        vm_die "'$PMEMCTL platform qemu-args $dir' failed"
    [ -n "$args" ] || vm_die "'$PMEMCTL platform qemu-args $dir' printed nothing"
    vm_boot "$args" "$script"
}

# vm_json_compare WHAT EXPECTED ACTUAL
#   EXPECTED/ACTUAL: a JSON file or JSON text. Compared after jq -S; on a
#   mismatch both documents and a diff are printed and the call fails.
vm_json_compare() {
    local what=$1 e a
    e=$(vm__json "$2") || vm_die "$what: expected side is not JSON"
    a=$(vm__json "$3") || vm_die "$what: actual side is not JSON"
    [ "$e" = "$a" ] && return 0
    {
        echo "JSON mismatch: $what"
        echo "===== expected ====="; echo "$e"
        echo "===== actual ====="; echo "$a"
        echo "===== diff (expected -> actual) ====="
        diff -u <(echo "$e") <(echo "$a") | tail -n +3
    } >&2
    return 1
}
vm__json() {
    if [ -f "$1" ]; then jq -S . "$1"; else jq -S . <<<"$1"; fi
}

# vm_assert_eq WHAT EXPECTED ACTUAL
vm_assert_eq() {
    [ "$2" = "$3" ] || vm_die "$1: expected '$2', got '$3'"
}

# ---------------------------------------------------------------------------
# Helpers for the kernel-interop scenarios (labels-*, ns-*).

# vm_guest_script FILE: write FILE = the guest helpers below + stdin.
#   Guest helpers (busybox sh):
#     section NAME      start output section NAME (see vm_sections)
#     j CMD...          CMD's JSON output, "[]" when it prints nothing
#     vm_label_nmem0    ndctl's v1.1 labels on nmem0; prints the first region
#     vm_ns_of_mode MODE  the first namespace ndctl lists in MODE
#     vm_ns_field NS FIELD  a string field of `ndctl list -N -n NS`
#     vm_pattern TAG N  N 4 KiB blocks, block i = "pmemctl-vm TAG block i"
#                       padded with spaces to 4095 bytes + "\n" (vm_pattern
#                       on the host prints the same bytes)
#     vm_data_io write|read
#                       for every pmem block device (/sys/block/pmem*) and
#                       device-dax char device: 2 MiB "head" at offset 0 and
#                       2 MiB "tail" at the last 2 MiB-aligned offset. write:
#                       writes vm_pattern "TAG PART" 512 there (O_DIRECT; for
#                       devdax with daxio, see vm_daxio_build); both print
#                       "TAG PART OFFSET SHA256 DEVICE" per range (TAG: the
#                       namespace's uuid as ndctl lists it; read: SHA256 of
#                       what was read back, O_DIRECT; "-" when skipped);
#                       check on the host with vm_data_verify
vm_guest_script() {
    local f=${1:?vm_guest_script FILE}
    {
        cat <<'GUESTLIB'
set -e
section() { echo "@@SECTION $1"; }
j() { _out=$("$@"); echo "${_out:-[]}"; }
# vm_label_nmem0: ndctl's v1.1 labels on nmem0; prints the first region
vm_label_nmem0() {
    ndctl disable-region all >&2
    ndctl init-labels nmem0 >&2
    ndctl enable-region all >&2
    ndctl list -R | sed -n 's/.*"dev":"\(region[0-9]*\)".*/\1/p' | head -n1
}
# vm_ns_of_mode MODE: the first namespace ndctl lists in MODE
vm_ns_of_mode() { ndctl list -N -m "$1" | sed -n 's/.*"dev":"\([^"]*\)".*/\1/p' | head -n1; }
# vm_ns_field NS FIELD: a string field of ndctl's listing of NS
vm_ns_field() { ndctl list -N -n "$1" | sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p" | head -n1; }
vm_pattern() {
    awk -v tag="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%-4095s\n", "pmemctl-vm " tag " block " i }'
}
vm_data_io() {
    # TAG: the uuid ndctl lists for the namespace (its btt/pfn/dax/namespace
    # device's uuid), stable across reboots unlike the device names.
    for _b in /sys/block/pmem*; do
        [ -e "$_b" ] || continue
        _u=$(cat "$(readlink -f "$_b/device")/uuid" 2>/dev/null) || _u=${_b##*/}
        echo "/dev/${_b##*/} ${_u:-${_b##*/}} $(($(cat "$_b/size") * 512))"
    done >/tmp/vm_targets
    for _d in /sys/bus/dax/devices/dax*; do
        [ -e "$_d" ] || continue
        _u=$(cat "$(readlink -f "$_d")/../uuid" 2>/dev/null) || _u=${_d##*/}
        echo "/dev/${_d##*/} ${_u:-${_d##*/}} $(cat "$_d/size")"
    done >>/tmp/vm_targets
    while read -r _path _tag _size; do
        for _part in head tail; do
            _off=0
            [ "$_part" = head ] || _off=$(((_size / 2097152 - 1) * 2097152))
            case $1:$_path in
            *:/dev/dax*) if ! command -v daxio >/dev/null; then
                        echo "$_tag $_part $_off - ${_path#/dev/}"; continue
                    fi ;;
            esac
            case $1:$_path in
            write:/dev/dax*)
                vm_pattern "$_tag $_part" 512 >/tmp/vm_pat
                daxio write "$_path" "$_off" 2097152 </tmp/vm_pat
                _sum=$(sha256sum </tmp/vm_pat) ;;
            write:*)
                vm_pattern "$_tag $_part" 512 >/tmp/vm_pat
                dd if=/tmp/vm_pat of="$_path" bs=4096 count=512 seek=$((_off / 4096)) oflag=direct 2>/tmp/vm_dd ||
                    { cat /tmp/vm_dd >&2; return 1; }
                _sum=$(sha256sum </tmp/vm_pat) ;;
            read:/dev/dax*)
                daxio read "$_path" "$_off" 2097152 >/tmp/vm_pat
                _sum=$(sha256sum </tmp/vm_pat) ;;
            read:*)
                dd if="$_path" of=/tmp/vm_pat bs=4096 count=512 skip=$((_off / 4096)) iflag=direct 2>/tmp/vm_dd ||
                    { cat /tmp/vm_dd >&2; return 1; }
                _sum=$(sha256sum </tmp/vm_pat) ;;
            esac
            echo "$_tag $_part $_off ${_sum%% *} ${_path#/dev/}"
        done
    done </tmp/vm_targets
    sync
}
GUESTLIB
        cat
    } >"$f"
}

# vm_pattern TAG N: host twin of the guest's vm_pattern.
vm_pattern() {
    local i
    for ((i = 0; i < $2; i++)); do printf '%-4095s\n' "pmemctl-vm $1 block $i"; done
}

# vm_data_verify WHAT FILE: every line "TAG PART OFFSET SHA256 DEVICE" of FILE
#   (guest vm_data_io output) must carry the sha256 of vm_pattern "TAG PART"
#   512; "-" (skipped) passes with a note. Prints every mismatch; returns 1
#   then.
vm_data_verify() {
    local what=$1 file=$2 tag part off sum dev want bad=0
    [ -s "$file" ] || { vm_log "FAIL: $what: no data ranges at all"; return 1; }
    while read -r tag part off sum dev; do
        if [ "$sum" = - ]; then
            vm_log "note: $what: $dev ($tag) $part skipped in the guest (no daxio)"
            continue
        fi
        want=$(vm_pattern "$tag $part" 512 | sha256sum | cut -d' ' -f1)
        if [ "$sum" != "$want" ]; then
            vm_log "FAIL: $what: $dev ($tag) $part, 2 MiB at byte $off: sha256 $sum, expected $want"
            bad=1
        fi
    done <"$file"
    return $bad
}

# vm_sections DIR: split $VM_OUT at "@@SECTION NAME" lines into DIR/NAME
#   (characters outside [A-Za-z0-9._-] in NAME become "_"). Text before the
#   first marker is dropped.
vm_sections() {
    local dir=${1:?vm_sections DIR}
    rm -rf "$dir"
    mkdir -p "$dir"
    awk -v dir="$dir" '
        /^@@SECTION / { name = substr($0, 11); gsub(/[^A-Za-z0-9._-]/, "_", name)
                        f = dir "/" name; printf "" > f; next }
        f { print >> f }' "$VM_OUT"
}

# vm_boot_sections PLATFORM SCRIPT DIR [WHAT]: boot PLATFORM running the
#   guest SCRIPT, split its output into sections under DIR, and require the
#   guest to have reached its final "section end".
vm_boot_sections() {
    vm_boot_platform "$1" "$2" || vm_die "guest script (${4:-$(basename "$2")}) failed"
    vm_sections "$3"
    vm_section "$3" end >/dev/null
}

# check CMD...: run one assertion without stopping at its failure; count
#   it for vm_checks_done, which ends the scenario once all have run.
VM_FAILS=0
check() { "$@" || VM_FAILS=$((VM_FAILS + 1)); }
vm_check_failed() { VM_FAILS=$((VM_FAILS + 1)); }
vm_checks_done() {
    [ "$VM_FAILS" = 0 ] ||
        vm_die "$VM_FAILS check(s) failed (guest output: $VM_OUT, console: $VM_LOG)"
}

# vm_check_cookies DIR REGIONS_JSON REGION...: each REGION's set_cookie
#   (guest section "set_cookie-REGION" in DIR, hex) equals pmemctl's
#   iset_id in REGIONS_JSON (`pmemctl list -R | vm_bigjson`: decimal text,
#   compared as text since jq rounds 64-bit numbers). Counts failures.
vm_check_cookies() {
    local dir=$1 regions=$2 r ours kernel
    shift 2
    for r in "$@"; do
        ours=$(jq -r --arg r "$r" '.[] | select(.dev == $r) | .iset_id' <<<"$regions")
        [ -n "$ours" ] || vm_die "pmemctl list -R has no $r"
        ours=$(printf '0x%x' "$ours")
        kernel=$(vm_section "$dir" "set_cookie-$r")
        if [ "$ours" != "$kernel" ]; then
            vm_log "FAIL: $r: kernel set_cookie $kernel, pmemctl iset_id $ours"
            vm_check_failed
        fi
    done
}

# vm_section DIR NAME: cat one section, failing when the guest never printed it.
vm_section() {
    [ -f "$1/$2" ] || vm_die "guest output has no section '$2' (see $VM_OUT)"
    cat "$1/$2"
}

# vm_bigjson: stdin JSON with the 64-bit identifiers (iset_id, isetcookie)
#   turned into decimal strings, so that jq (which rounds numbers through
#   doubles) keeps them exact.
vm_bigjson() {
    sed -E 's/"(iset_id|isetcookie)"[[:space:]]*:[[:space:]]*(-?[0-9]+)/"\1":"\2"/g'
}

# vm_ndctl_list [FILE]: normalise `ndctl list` output (nothing, a bare object,
#   an array, or {"regions": [...]}/{"dimms": ...} for nested listings) to
#   an array of the listed objects (for -N: namespaces, for -R/-RN: regions
#   with "namespaces" always an array), 64-bit ids as strings, sorted by dev.
vm_ndctl_list() {
    local text
    text=$(cat "$@")
    [ -n "$text" ] || text='[]'
    vm_bigjson <<<"$text" | jq -S '
        def arr: if type == "array" then . elif . == null then [] else [.] end;
        (if type == "object" and has("regions") then .regions
         elif type == "object" and has("namespaces") and (has("dev") | not) then .namespaces
         else . end)
        | arr | sort_by(.dev)
        | map(if has("namespaces") then .namespaces |= (arr | sort_by(.dev)) else . end)'
}

# jq filters for the scenarios: a namespace as both tools print it, reduced
# to the fields that must agree (null fields dropped; ndctl puts a devdax
# chardev either at the top level or, with -v, in daxregion.devices[0]) ...
# shellcheck disable=SC2034
VM_NS_KEYS='{dev, mode, map, size, uuid, raw_uuid, sector_size, align,
  blockdev, chardev: (.chardev // .daxregion.devices[0].chardev), name}
  | with_entries(select(.value != null))'
# ... and a region (iset_id as a string: see vm_bigjson).
# shellcheck disable=SC2034
VM_REGION_KEYS='{dev, size, align, available_size, max_available_extent, iset_id}'

# vm_lsa_sum IMG [LABEL_BYTES]: sha256 of the label storage area (file tail).
vm_lsa_sum() {
    tail -c "${2:-131072}" "$1" | sha256sum | cut -d' ' -f1
}

# vm_pmemctl ARGS...: run $PMEMCTL; on failure show the command and its
#   stderr and fail the scenario. stdout passes through.
vm_pmemctl() {
    local rc=0 err
    err=$(mktemp)
    "$PMEMCTL" "$@" 2>"$err" || rc=$?
    if [ "$rc" != 0 ]; then
        vm_log "command failed (exit $rc): pmemctl $*"
        sed 's/^/    /' "$err" >&2
        rm -f "$err"
        exit 1
    fi
    rm -f "$err"
}

# vm_require_pmemctl [CMD...]: PMEMCTL must be set; exit 77 when one of the
#   pmemctl commands CMD is not there yet (`pmemctl CMD -h` fails).
vm_require_pmemctl() {
    [ -x "${PMEMCTL:-}" ] || vm_die "PMEMCTL not set or not executable"
    local c
    for c in "$@"; do
        "$PMEMCTL" "$c" -h >/dev/null 2>&1 ||
            vm_skip "'pmemctl $c' is not available yet ('$PMEMCTL $c -h' fails)"
    done
}

# vm_daxio_build: compile daxio (below) for the guest and add it to VM_FILES
#   as /usr/bin/daxio. Device DAX has no read(2)/write(2) (dd fails with
#   EINVAL), only mmap(2); daxio copies stdin into, or a window out to
#   stdout, of an mmap()ed /dev/daxX.Y:
#     daxio write|read DEV OFFSET LENGTH   (OFFSET, LENGTH: multiples of align)
#   Returns 1 (with a message) when there is no C compiler.
vm_daxio_build() {
    local cc=${CC:-cc} src=$VM_WORKDIR/daxio.c bin=$VM_WORKDIR/daxio
    command -v "$cc" >/dev/null || { vm_log "no C compiler ($cc): cannot build daxio"; return 1; }
    cat >"$src" <<'CSRC'
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "daxio: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 5 || (strcmp(argv[1], "read") && strcmp(argv[1], "write"))) {
		fprintf(stderr, "usage: daxio read|write DEV OFFSET LENGTH\n");
		return 2;
	}
	int wr = !strcmp(argv[1], "write");
	off_t off = (off_t)strtoull(argv[3], NULL, 0);
	size_t len = (size_t)strtoull(argv[4], NULL, 0), done = 0;
	int fd = open(argv[2], wr ? O_RDWR : O_RDONLY);
	if (fd < 0)
		return die(argv[2]);
	char *p = mmap(NULL, len, wr ? PROT_READ | PROT_WRITE : PROT_READ,
		       MAP_SHARED, fd, off);
	if (p == MAP_FAILED)
		return die("mmap");
	while (done < len) {
		ssize_t n = wr ? read(0, p + done, len - done)
			       : write(1, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return die(wr ? "read stdin" : "write stdout");
		if (n == 0) {
			fprintf(stderr, "daxio: short input (%zu of %zu bytes)\n", done, len);
			return 1;
		}
		done += (size_t)n;
	}
	/* Device DAX has no fsync: msync() fails with EINVAL there; the
	 * stores went straight to the (QEMU file-backed) media anyway. */
	if (wr && msync(p, len, MS_SYNC) && errno != EINVAL)
		return die("msync");
	return munmap(p, len) ? die("munmap") : 0;
}
CSRC
    "$cc" -O2 -Wall -static -o "$bin" "$src" 2>/dev/null ||
        "$cc" -O2 -Wall -o "$bin" "$src" || { vm_log "cannot build daxio"; return 1; }
    VM_FILES+=("$bin=/usr/bin/daxio")
}

# vm_exclhold_build: compile exclhold for the guest (added to VM_FILES as
#   /usr/bin/exclhold): `exclhold DEV` opens DEV O_EXCL, prints "held" and
#   keeps it open until killed, as a mount or another exclusive user would.
#   Returns 1 (with a message) when there is no C compiler.
vm_exclhold_build() {
    local cc=${CC:-cc} src=$VM_WORKDIR/exclhold.c bin=$VM_WORKDIR/exclhold
    command -v "$cc" >/dev/null || { vm_log "no C compiler ($cc): cannot build exclhold"; return 1; }
    cat >"$src" <<'CSRC'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2 || open(argv[1], O_RDONLY | O_EXCL) < 0) {
		perror("exclhold");
		return 1;
	}
	puts("held");
	fflush(stdout);
	for (;;)
		pause();
}
CSRC
    "$cc" -O2 -Wall -static -o "$bin" "$src" 2>/dev/null ||
        "$cc" -O2 -Wall -o "$bin" "$src" || { vm_log "cannot build exclhold"; return 1; }
    VM_FILES+=("$bin=/usr/bin/exclhold")
}
