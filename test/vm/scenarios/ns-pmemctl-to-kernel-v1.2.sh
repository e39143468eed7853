#!/usr/bin/env bash
# Namespaces provisioned offline by pmemctl on v1.2 labels, booted: the
# kernel sees what pmemctl lists, and data survives a reboot. See
# ns-pmemctl-to-kernel.common.sh.
set -euo pipefail
# shellcheck disable=SC2034 # read by the common part
LABEL_VERSION=1.2
# shellcheck source=ns-pmemctl-to-kernel.common.sh
. "$(dirname "$0")/ns-pmemctl-to-kernel.common.sh"
