#!/usr/bin/env bash
# The main job: install dependencies, build pmemctl, provision an image
# platform offline (labels, then sector, fsdax and devdax namespaces) and
# show it.  The platform it leaves in ./demo-platform
# boots in QEMU: qemu-system-x86_64 $(build/cmd/pmemctl platform qemu-args demo-platform) ...
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null

pmemctl=build/cmd/pmemctl
run() {
	echo "\$ pmemctl $*" >&2
	"$pmemctl" "$@"
}

rm -rf demo-platform
run platform create demo-platform --dimms 2 --dimm-size 1G --label-size 128K
export PMEMCTL_PLATFORM=$PWD/demo-platform
run init-labels --label-version 1.2 nmem0
run init-labels --label-version 1.1 nmem1
run check-labels -v all
run create-namespace -r region0 -s 256M -m sector -n demo-sector
run create-namespace -r region0 -s 256M -m fsdax -M dev -n demo-fsdax
run create-namespace -r region1 -s 512M -m devdax -n demo-devdax
run list -BDRN -i
run read-infoblock namespace0.0
run platform qemu-args
