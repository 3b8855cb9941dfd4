#!/bin/bash
# kernel_icmp_rtt end-to-end (cases in lat_icmp_cases.sh)
. "$(dirname "$0")/lib.sh"
LAT_TOOL=kernel_icmp_rtt LAT_IFFLAG=--interface LAT_GUEST_MODES=fentry
. "$E2E_DIR/lat_icmp_cases.sh"
nt_done
