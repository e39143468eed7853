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
