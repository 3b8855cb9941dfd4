// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * system_network_icmp_rtt — ICMP RTT of the system network (physical host,
 * OVS internal port) broken down by stage (manual 1.2 scenario 2, 3.2.1).
 *
 * Like kernel_icmp_rtt with the OVS path in between: transmit side
 * ip_local_out, ip_output, internal_dev_xmit, ovs_dp_process_packet,
 * ovs_dp_upcall, ovs_flow_key_extract_userspace, ovs_vport_send (function
 * probes; the OVS ones exist when the openvswitch module is loaded),
 * net:net_dev_queue and net:net_dev_start_xmit on --phy-interface; receive
 * side net:netif_receive_skb on --phy-interface, netdev_frame_hook, the same
 * OVS hooks, ip_rcv_core, icmp_rcv, skb:skb_copy_datagram_iovec. Stages this
 * kernel cannot attach are skipped and named at start.
 */
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "lat.h"
#include "system_network_icmp_rtt.skel.h"

/* its path (lat_paths.h): one stage per hook, stage i is slot i */
static const struct nt_stage stages[] = { LAT_PATH_SYSTEM_NETWORK_ICMP_RTT(LAT_STAGE, LAT_STAGE_PER_IF) };

static const struct nt_opt options[] = {
	LAT_OPTS_RTT(LAT_OPT_IFLIST("phy-interface", "physical interface(s), e.g. bond slaves "
				    "(required)", NT_OPT_REQUIRED)),
};

NT_SKEL(system_network_icmp_rtt);

static struct lat_config cfg = LAT_RTT_CONFIG;
LAT_TOOL(system_network_icmp_rtt, RTT, LAT_PATH_SYSTEM_NETWORK_ICMP_RTT, HOST);


const struct nt_tool_def system_network_icmp_rtt_tool = {
	.cli = {
		.tool = "system_network_icmp_rtt",
		.synopsis = "--src-ip IP --dst-ip IP --phy-interface IF[,IF] [--direction tx|rx] [options]",
		.description =
			"Break each ping's round trip through the system network (host stack, OVS\n"
			"internal port, physical NIC) into stages: request path, the time outside\n"
			"this host (WIRE_TIME, --direction tx) and reply path. Stages: ip_local_out,\n"
			"ip_output, internal_dev_xmit, ovs_dp_process_packet, ovs_dp_upcall,\n"
			"ovs_flow_key_extract_userspace, ovs_vport_send, net_dev_queue, net_dev_xmit |\n"
			"netif_receive_skb, netdev_frame_hook, OVS, ip_rcv, icmp_rcv,\n"
			"skb_copy_datagram_iovec (socket read). Stages whose probe this\n"
			"kernel cannot attach are skipped (the reason is printed). Each line\n"
			"[i->j] A -> B: x us is one segment; the largest is marked BOTTLENECK, an\n"
			"exchange at least twice the recent median is ABNORMAL. Overhead: low.",
		.examples =
			"  nettrail system_network_icmp_rtt --src-ip 10.132.114.11 --dst-ip 10.132.114.12 \\\n"
			"      --phy-interface ens11 --direction tx\n"
			"  nettrail system_network_icmp_rtt --src-ip 10.132.114.12 --dst-ip 10.132.114.11 \\\n"
			"      --phy-interface ens11 --direction rx                # the peer pings us\n"
			"  nettrail system_network_icmp_rtt --src-ip 10.132.114.11 --dst-ip 10.132.114.12 \\\n"
			"      --phy-interface ens11 --direction tx --latency-ms 10   # slow ones only\n",
		LAT_CLI_ROWS,
	},
	LAT_DEF_REST(system_network_icmp_rtt),
};
