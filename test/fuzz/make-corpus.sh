#!/usr/bin/env bash
# Regenerate the seed corpora from the kernel-made fixtures: label areas
# the kernel and ndctl wrote, and the first 8 KiB of every namespace the
# kernel laid out (BTT 2.0 at 0, BTT 1.1 / PFN / DAX at 4 KiB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fx=$here/../fixtures/kernel
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MIB=$((1024 * 1024))
lsa_off=$((258 * MIB - 131072))

for set in lsa-v1.1 lsa-v1.2 ns-v1.1 ns-v1.2; do
	xz -dc "$fx/$set.img.xz" >"$tmp/$set.img"
	dd if="$tmp/$set.img" of="$here/corpus/lsa/$set.lsa" bs=4096 \
		skip=$((lsa_off / 4096)) count=32 status=none
done
for set in ns-v1.1 ns-v1.2; do
	i=0
	for dpa in $(jq '.labels[0].label[] | select(.flags == 0) | .dpa' \
			"$fx/$set.json" | sort -un); do
		dd if="$tmp/$set.img" of="$here/corpus/infoblock/$set-ns$i.bin" \
			bs=4096 skip=$((dpa / 4096)) count=2 status=none
		i=$((i + 1))
	done
done

# fuzz-btt: sparse images (btt-seed.h) of BTTs the library lays out and
# writes to, and of libpmemblk pools (fresh, and written: a BTT) when the
# build has pmemblk-tool (the written ones differ from run to run: pool
# uuids, the engine's lane is the CPU's).  The reproducers of what the
# fuzzer found, *.bin, stay.  BUILD: the meson build directory.
build=${BUILD:-$here/../../build}
rm -f "$here"/corpus/btt/*.seed
"$build/test/fuzz/btt-seed" gen "$here/corpus/btt"
tool=$build/test/pmemblk-tool
[ -x "$tool" ] || exit 0
pool_min=$((16 * MIB + 8192))
for spec in 512:0 512:2 1000:2 4096:0 4096:1; do
	bsize=${spec%:*} n=${spec#*:}
	head -c $((bsize * n)) /dev/zero | tr '\0' 'p' |
		"$tool" create "$tmp/pool" "$bsize" $((pool_min + MIB)) >/dev/null
	"$build/test/fuzz/btt-seed" pack "$tmp/pool" \
		"$here/corpus/btt/pool-$bsize-$n.seed"
	rm -f "$tmp/pool"
done
