#!/usr/bin/env bash
# Build the base initramfs for the QEMU NVDIMM tests.
#
# usage: mkinitramfs.sh [-d DEPFILE] [-s PMEMCTL_STATIC] OUT.cpio.gz OUT.env
#                       [PMEMCTL_BIN [LIBPMEMCTL.so...]]
#
# OUT.cpio.gz  gzip'd newc archive: busybox-static, the libnvdimm/nfit/dax
#              modules with a depmod'ed /lib/modules/<ver> tree, Debian's
#              ndctl + daxctl and their shared libraries, optionally pmemctl
#              (+ libpmemctl) and pmemctl.static, and /init (see
#              below). Zero-padded to 512 bytes so another archive can be
#              appended (the per-scenario cpio that carries /scenario.sh;
#              the kernel unpacks concatenated archives).
# OUT.env      shell fragment for test/vm/lib.sh: the kernel (vmlinuz) the
#              modules came from, or PMEMCTL_VM_SKIP=<reason> when the VM
#              dependencies were never fetched. In the latter case OUT.cpio.gz
#              is an empty placeholder and the build still succeeds, so that
#              the scenarios skip (exit 77) instead of breaking the build.
#
# DEPFILE     Makefile-style dependency list (for ninja): every host file
#             that went into the archive, plus the kernel cache's kernel.env
#             (listed even when missing, so that ninja retries until the
#             cache exists).
#
# Kernel cache: ${PMEMCTL_VM_CACHE:-/var/cache/pmemctl-vm}/kernel.env, written
# by scripts/vm-deps.sh.
set -euo pipefail

depfile=
if [ "${1:-}" = -d ]; then depfile=$2; shift 2; fi
pmemctl_static=
if [ "${1:-}" = -s ]; then pmemctl_static=$2; shift 2; fi
usage="usage: mkinitramfs.sh [-d DEPFILE] [-s PMEMCTL_STATIC] OUT.cpio.gz OUT.env [PMEMCTL_BIN [LIB...]]"
out=${1:?$usage}
outenv=${2:?$usage}
shift 2
pmemctl_bin=${1:-}
[ $# -gt 0 ] && shift
pmemctl_libs=("$@")

CACHE=${PMEMCTL_VM_CACHE:-/var/cache/pmemctl-vm}
# Modules the tests need; their dependencies are added from modules.dep.
MODULES=(libnvdimm nfit nd_btt nd_pmem device_dax dax_pmem)
# Shipped but not loaded at boot: daxctl loads kmem itself (system-ram).
LAZY_MODULES=(kmem)

# Inputs for the depfile.
deps=("$CACHE/kernel.env" "$0")
write_depfile() {
    [ -n "$depfile" ] || return 0
    local d
    {
        printf '%s:' "${out// /\\ }"
        for d in "${deps[@]}"; do printf ' \\\n  %s' "${d// /\\ }"; done
        echo
    } >"$depfile"
}

skip() {
    : >"$out"
    write_depfile
    printf 'PMEMCTL_VM_SKIP=%q\n' "$*" >"$outenv"
    echo "mkinitramfs: skipping VM image: $*" >&2
    exit 0
}

[ -f "$CACHE/kernel.env" ] || skip "VM deps not fetched (run scripts/vm-deps.sh)"
# shellcheck source=/dev/null
. "$CACHE/kernel.env"
[ -f "${PMEMCTL_VM_VMLINUZ:-}" ] && [ -f "${PMEMCTL_VM_MODDIR:-}/modules.dep" ] ||
    skip "kernel cache in $CACHE incomplete (run scripts/vm-deps.sh)"
for tool in busybox ndctl daxctl cpio gzip ldd depmod; do
    command -v "$tool" >/dev/null || [ -x "/sbin/$tool" ] ||
        skip "$tool not installed (run scripts/vm-deps.sh)"
done
# busybox must be the static build: we ship no libc for it.
bb=$(command -v busybox)
if ldd "$bb" >/dev/null 2>&1; then skip "busybox is not static (install busybox-static)"; fi

kver=$PMEMCTL_VM_KVER
stage=$(mktemp -d "${TMPDIR:-/tmp}/pmemctl-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,mnt,etc,root}
mkdir -p "$stage/lib/x86_64-linux-gnu" "$stage/lib64"

# --- busybox + applet links -------------------------------------------------
cp "$bb" "$stage/bin/busybox"
deps+=("$bb")
for applet in $("$bb" --list-full); do
    [ -e "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet"
done

# --- shared libraries -------------------------------------------------------
# Every library goes to /lib/x86_64-linux-gnu (on the loader's built-in search
# path, so no ld.so.cache is needed); the loader goes to its PT_INTERP path.
copy_libs() {
    local f lib
    for f in "$@"; do
        # ldd lines: "libX.so.N => /path (0x...)" or "/lib64/ld-linux... (0x...)"
        # (ldd fails for static files: nothing to copy then.)
        while read -r lib; do
            case $lib in
            */ld-linux*) cp -L "$lib" "$stage/lib64/$(basename "$lib")" ;;
            *) [ -e "$stage/lib/x86_64-linux-gnu/$(basename "$lib")" ] ||
                   cp -L "$lib" "$stage/lib/x86_64-linux-gnu/" ;;
            esac
            deps+=("$lib")
        done < <(ldd "$f" 2>/dev/null | awk '/=> \// { print $3 } /^\t\// { print $1 }')
    done
}

for t in ndctl daxctl; do
    cp "$(command -v "$t")" "$stage/usr/bin/$t"
    deps+=("$(command -v "$t")")
    copy_libs "$(command -v "$t")"
done

# --- optional udev ----------------------------------------------------------
# Debian's udevd (udevadm is systemd-udevd too) and its rules, unpacked by
# scripts/vm-deps.sh; a scenario starts it when it wants one (udev-kernel).
udev=$CACHE/udev
deps+=("$udev/.complete")
if [ -f "$udev/.complete" ]; then
    rm -f "$stage/bin/udevadm"
    cp "$udev/bin/udevadm" "$stage/bin/udevadm"
    mkdir -p "$stage/lib/systemd" "$stage/lib/udev/rules.d" "$stage/etc/udev/rules.d"
    ln -sf /bin/udevadm "$stage/lib/systemd/systemd-udevd"
    cp "$udev"/lib/udev/rules.d/*.rules "$stage/lib/udev/rules.d/"
    deps+=("$udev/bin/udevadm")
    copy_libs "$udev/bin/udevadm"
fi

# --- optional pmemctl -------------------------------------------------------
if [ -n "$pmemctl_bin" ]; then
    cp "$pmemctl_bin" "$stage/usr/bin/pmemctl"
    deps+=("$pmemctl_bin" "${pmemctl_libs[@]}")
    for l in "${pmemctl_libs[@]}"; do
        # Copy the real file under its own name; soname symlinks below.
        cp -L "$l" "$stage/lib/x86_64-linux-gnu/$(basename "$l")"
    done
    # ldd resolves libpmemctl through the build tree's RUNPATH, so it also
    # lands in /lib/x86_64-linux-gnu under its soname.
    copy_libs "$pmemctl_bin" "${pmemctl_libs[@]}"
fi
if [ -n "$pmemctl_static" ]; then
    cp "$pmemctl_static" "$stage/usr/bin/pmemctl.static"
    deps+=("$pmemctl_static")
fi

# --- kernel modules ---------------------------------------------------------
# modules.dep: "kernel/drivers/x/foo.ko: kernel/dep1.ko kernel/dep2.ko"
moddep=$PMEMCTL_VM_MODDIR/modules.dep
modpath() { # module name -> path relative to the modules dir
    local name=${1//-/_}
    awk -F: -v n="$name" '{
        b = $1; sub(/.*\//, "", b); sub(/\.ko(\.(xz|gz|zst))?$/, "", b)
        gsub(/-/, "_", b)
        if (b == n) { print $1; exit }
    }' "$moddep"
}
declare -A seen=()
order=()
add_module() { # add path $1 after its dependencies (depth first)
    local p=$1 d
    [ -n "${seen[$p]:-}" ] && return 0
    seen[$p]=1
    for d in $(awk -F: -v p="$p" '$1 == p { print $2; exit }' "$moddep"); do
        add_module "$d"
    done
    order+=("$p")
}
for m in "${MODULES[@]}" "${LAZY_MODULES[@]}"; do
    p=$(modpath "$m")
    if [ -z "$p" ]; then
        # Not a loadable module: fine if built in.
        grep -q "/$m.ko\$" "$PMEMCTL_VM_MODDIR/modules.builtin" 2>/dev/null ||
            { echo "mkinitramfs: module $m not found for $kver" >&2; exit 1; }
        continue
    fi
    add_module "$p"
done

gmoddir=$stage/lib/modules/$kver
mkdir -p "$gmoddir"
: >"$stage/etc/vm-modules"
for p in "${order[@]}"; do
    dst=$gmoddir/${p%.ko*}.ko
    mkdir -p "$(dirname "$dst")"
    # busybox insmod only takes plain .ko files.
    case $p in
    *.ko) cp "$PMEMCTL_VM_MODDIR/$p" "$dst" ;;
    *.ko.xz) xz -dc "$PMEMCTL_VM_MODDIR/$p" >"$dst" ;;
    *.ko.gz) gzip -dc "$PMEMCTL_VM_MODDIR/$p" >"$dst" ;;
    *.ko.zst) zstd -qdc "$PMEMCTL_VM_MODDIR/$p" >"$dst" ;;
    esac
    case " ${LAZY_MODULES[*]} " in
    *" $(basename "${p%.ko*}") "*) ;;
    *) echo "${p%.ko*}.ko" >>"$stage/etc/vm-modules" ;;
    esac
    deps+=("$PMEMCTL_VM_MODDIR/$p")
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
    [ -f "$PMEMCTL_VM_MODDIR/$f" ] && cp "$PMEMCTL_VM_MODDIR/$f" "$gmoddir/"
done
deps+=("$moddep" "$PMEMCTL_VM_VMLINUZ")
# A consistent modules.dep/alias/... for the subset we ship, so libkmod (used
# by ndctl and daxctl) finds what it looks for.
depmod_bin=$(command -v depmod || echo /sbin/depmod)
"$depmod_bin" -b "$stage" "$kver"

# --- /init ------------------------------------------------------------------
cat >"$stage/init" <<EOF
#!/bin/sh
# pmemctl VM test init: set up, load nvdimm modules, run /scenario.sh.
export PATH=/usr/bin:/usr/sbin:/bin:/sbin
export KVER=$kver
EOF
cat >>"$stage/init" <<'EOF'
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
exec </dev/console >/dev/console 2>&1

fail() { echo "PMEMCTL-VM-INIT-ERROR: $*"; echo "PMEMCTL-VM-EXIT=125"; sync; poweroff -f; }

for m in $(cat /etc/vm-modules); do
    insmod "/lib/modules/$KVER/$m" || fail "insmod $m"
done
# libnvdimm registers devices asynchronously; wait for the bus to settle
# (only if the firmware has an NFIT, i.e. there are NVDIMMs at all).
i=0
[ -e /sys/firmware/acpi/tables/NFIT ] || i=100
while [ ! -e /sys/bus/nd/devices/ndbus0/wait_probe ] && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
done
[ -e /sys/bus/nd/devices/ndbus0/wait_probe ] && cat /sys/bus/nd/devices/ndbus0/wait_probe >/dev/null

echo "PMEMCTL-VM-READY"
if [ -f /scenario.sh ]; then
    # stdout is collected and printed between markers at the end; stderr goes
    # straight to the console (progress, set -x traces, errors).
    (cd /root && sh /scenario.sh) >/tmp/scenario.out
    rc=$?
else
    echo "no /scenario.sh in the initramfs"
    rc=125
fi
sync
# Keep kernel messages from interleaving with the output dump.
echo 1 >/proc/sys/kernel/printk
# The BEGIN marker must start a line too: the scenario's stderr is this
# console, where a progress line ends without a newline.
echo
echo "PMEMCTL-VM-OUT-BEGIN"
cat /tmp/scenario.out
# The END marker must start a line; if the output lacks a final newline we
# add one and say so (…-NOEOL) so the host can strip it again.
if [ -s /tmp/scenario.out ] && [ "$(tail -c 1 /tmp/scenario.out | wc -l)" = 0 ]; then
    echo
    echo "PMEMCTL-VM-OUT-END-NOEOL"
else
    echo "PMEMCTL-VM-OUT-END"
fi
echo "PMEMCTL-VM-EXIT=$rc"
sync
poweroff -f
EOF
chmod 0755 "$stage/init"

# --- archive ----------------------------------------------------------------
tmpout=$out.tmp.$$
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
    cpio -o -H newc -R 0:0 --quiet) | gzip -6 -n >"$tmpout"
# Zero-pad to a 512-byte boundary: the kernel skips NULs between archives and
# requires an uncompressed newc archive appended after us to start 4-aligned.
size=$(stat -c %s "$tmpout")
pad=$(( (512 - size % 512) % 512 ))
[ "$pad" -gt 0 ] && head -c "$pad" /dev/zero >>"$tmpout"
mv "$tmpout" "$out"
write_depfile

{
    printf 'PMEMCTL_VM_KVER=%q\n' "$kver"
    printf 'PMEMCTL_VM_VMLINUZ=%q\n' "$PMEMCTL_VM_VMLINUZ"
    printf 'PMEMCTL_VM_HAVE_PMEMCTL=%q\n' "$([ -n "$pmemctl_bin" ] && echo 1 || echo 0)"
} >"$outenv"
echo "mkinitramfs: $out ($(stat -c %s "$out") bytes, kernel $kver, modules: ${order[*]##*/})" >&2
