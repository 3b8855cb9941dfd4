#!/bin/bash
# system_network_icmp_rtt end-to-end (cases in lat_icmp_cases.sh)
. "$(dirname "$0")/lib.sh"
LAT_TOOL=system_network_icmp_rtt LAT_IFFLAG=--phy-interface
. "$E2E_DIR/lat_icmp_cases.sh"
case_needs_phy() {
	"$NT" system_network_icmp_rtt --src-ip 198.18.0.1 --dst-ip 198.18.0.2 >"$W/out" 2>"$W/err"
	assert_eq "exit without --phy-interface" "$?" 2
	grep -q -- '--phy-interface' "$W/err" || fail "error does not name --phy-interface: $(cat "$W/err")"
}
nt_case "system_network_icmp_rtt: --phy-interface is required" case_needs_phy
nt_done
