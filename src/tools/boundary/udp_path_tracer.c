// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * udp_path_tracer — is a UDP packet lost inside this host or outside it?
 * (manual 2.1.3, 3.1.3, Q7)
 *
 * Follows every UDP datagram src->dst through a forwarding host: it enters
 * --rx-iface (REQ_RX) and leaves --tx-iface (REQ_TX). A datagram is its ports
 * and IP id; the fragments of one datagram are one group, complete only when
 * every fragment that entered has left. A datagram (or fragment group) not
 * complete after --timeout-ms is an internal drop.
 * Kernel events: net:netif_receive_skb (IN) and net:net_dev_start_xmit (OUT),
 * or the receive/transmit functions via fentry or kprobe. Logic shared with
 * the other path tracer: l4_path.{h,bpf.h,c}.
 */
#include <string.h>
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "stages.h"
#include "udp_path_tracer.h"
#include "udp_path_tracer.skel.h"

static const struct nt_stage stages[] = {
	NT_NETDEV_STAGE_RX("nt_udp", "a packet enters an interface"),
	NT_NETDEV_STAGE_TX("nt_udp", "a packet is handed to an interface's driver"),
};

NT_SKEL(udp_path_tracer);

static struct l4pt_config cfg = { .proto = L4PT_UDP, .timeout_ms = 1000 };

const struct nt_tool_def udp_path_tracer_tool = {
	.cli = {
		.tool = "udp_path_tracer",
		.synopsis = "--src-ip IP --dst-ip IP --rx-iface IF[,IF] --tx-iface IF[,IF] [options]",
		.description =
			"Follow each UDP datagram SRC->DST through this host (one way): it enters\n"
			"--rx-iface (REQ_RX) and leaves --tx-iface (REQ_TX). Datagrams are matched\n"
			"by ports + IP id; the IP fragments of one datagram are tracked as one group\n"
			"(port filters apply to the first fragment), complete only when every\n"
			"fragment passed. A datagram not complete within --timeout-ms is an\n"
			"INTERNAL_DROP (a partial fragment drop included). Default output: drops\n"
			"only; --verbose: every datagram; --stats-mode: per-interval counts and\n"
			"latency aggregated in the kernel. Run it on both hosts and give the --json\n"
			"outputs to 'nettrail merge'.",
		.examples =
			"  nettrail udp_path_tracer --src-ip 10.0.0.1 --dst-ip 10.0.0.2 \\\n"
			"      --rx-iface ens4f0 --tx-iface vnet0 --stats-mode --stats-interval 10\n"
			"  nettrail udp_path_tracer --src-ip 10.0.0.1 --dst-ip 10.0.0.2 \\\n"
			"      --rx-iface ens4f0 --tx-iface vnet0 --verbose --dst-port 53\n"
			"  # both hosts, then name the segment that loses packets:\n"
			"  nettrail udp_path_tracer --src-ip 10.0.0.1 --dst-ip 10.0.0.2 --rx-iface ens4f0 \\\n"
			"      --tx-iface vnet0 --verbose --json --duration 60 > hostA.jsonl   # on host A\n"
			"  nettrail udp_path_tracer --src-ip 10.0.0.1 --dst-ip 10.0.0.2 --rx-iface ens4f0 \\\n"
			"      --tx-iface vnet0 --verbose --json --duration 60 > hostB.jsonl   # on host B\n"
			"  nettrail merge hostA.jsonl hostB.jsonl\n",
		.opts = l4pt_options,
		.nopts = L4PT_NOPTIONS,
		.validate = l4pt_validate,
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &udp_path_tracer_skel,
	.hooks = &l4pt_hooks,
};
