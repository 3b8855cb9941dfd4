// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * kernel_icmp_rtt — where does a ping's round trip spend its time inside this
 * kernel (no OVS), and how much is outside? (manual 1.2 scenario 3 B, 3.2.2, Q6)
 *
 * Each echo exchange of one src/dst pair is stamped at every stage of its
 * request path and its reply path: on the transmit side ip_local_out /
 * __ip_local_out (function probes, first wins), net:net_dev_queue and
 * net:net_dev_start_xmit on --interface; on the receive side
 * net:netif_receive_skb on --interface, ip_rcv_core and icmp_rcv (function
 * probes) and skb:skb_copy_datagram_iovec (the ping reader gets the reply).
 * --direction tx: this host pings (request = transmit side, the gap between
 * the paths is the wire/outside time); rx: the peer pings this host. The
 * engine is lat_engine.bpf.h; one event per exchange at least --latency-ms slow.
 */
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "lat.h"
#include "kernel_icmp_rtt.skel.h"

/* its path (lat_paths.h): one stage per hook, stage i is slot i */
static const struct nt_stage stages[] = { LAT_PATH_KERNEL_ICMP_RTT(LAT_STAGE, LAT_STAGE_PER_IF) };

static const struct nt_opt options[] = {
	LAT_OPTS_RTT(LAT_OPT_IFLIST("interface", "interface(s) the pings use, e.g. bond slaves "
				    "(default: any)", 0)),
};

NT_SKEL(kernel_icmp_rtt);

static struct lat_config cfg = LAT_RTT_CONFIG;
LAT_TOOL(kernel_icmp_rtt, RTT, LAT_PATH_KERNEL_ICMP_RTT, HOST);


const struct nt_tool_def kernel_icmp_rtt_tool = {
	.cli = {
		.tool = "kernel_icmp_rtt",
		.synopsis = "--src-ip IP --dst-ip IP [--interface IF[,IF]] [--direction tx|rx] [options]",
		.description =
			"Break each ping's round trip into kernel stages: request path, the time\n"
			"outside this host (WIRE_TIME, --direction tx) and reply path. Stages:\n"
			"ip_local_out, net_dev_queue, net_dev_xmit | netif_receive_skb, ip_rcv,\n"
			"icmp_rcv, skb_copy_datagram_iovec (socket read). Stages whose probe this\n"
			"kernel cannot attach are skipped (the reason is printed). Each line\n"
			"[i->j] A -> B: x us is one segment; the largest is marked BOTTLENECK, an\n"
			"exchange at least twice the recent median is ABNORMAL. Overhead: low.",
		.examples =
			"  nettrail kernel_icmp_rtt --src-ip 172.21.153.113 --dst-ip 172.21.153.114 \\\n"
			"      --interface eth0 --direction tx\n"
			"  nettrail kernel_icmp_rtt --src-ip 172.21.153.113 --dst-ip 172.21.153.114 \\\n"
			"      --interface ens4f0,ens4f1 --direction tx          # bond slaves\n"
			"  nettrail kernel_icmp_rtt --src-ip 10.0.0.2 --dst-ip 10.0.0.1 --direction rx \\\n"
			"      --latency-ms 5 --json\n",
		LAT_CLI_ROWS,
	},
	LAT_DEF_REST(kernel_icmp_rtt),
};
