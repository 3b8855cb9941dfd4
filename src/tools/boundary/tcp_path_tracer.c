// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcp_path_tracer — is a TCP packet lost inside this host or outside it?
 * (manual 2.1.3, 3.1.2, Q7)
 *
 * Follows every TCP segment of one address pair through a forwarding host in
 * both directions: src->dst enters --rx-iface and leaves --tx-iface (FWD,
 * stages REQ_RX/REQ_TX), dst->src enters --tx-iface and leaves --rx-iface
 * (REP, stages REP_RX/REP_TX). A segment is identified by its ports and
 * sequence number (pure ACKs also by ack number); one whose sequence range
 * was already seen entering is a retransmission, tracked but counted apart.
 * A segment that entered and has not left after --timeout-ms is an internal
 * drop.
 * Kernel events: net:netif_receive_skb (IN) and net:net_dev_start_xmit (OUT),
 * or the receive/transmit functions via fentry or kprobe. Logic shared with
 * the other path tracer: l4_path.{h,bpf.h,c}.
 */
#include <string.h>
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "stages.h"
#include "tcp_path_tracer.h"
#include "tcp_path_tracer.skel.h"

static const struct nt_stage stages[] = {
	NT_NETDEV_STAGE_RX("nt_tcp", "a packet enters an interface"),
	NT_NETDEV_STAGE_TX("nt_tcp", "a packet is handed to an interface's driver"),
};

NT_SKEL(tcp_path_tracer);

static struct l4pt_config cfg = { .proto = L4PT_TCP, .timeout_ms = 1000 };

const struct nt_tool_def tcp_path_tracer_tool = {
	.cli = {
		.tool = "tcp_path_tracer",
		.synopsis = "--src-ip IP --dst-ip IP --rx-iface IF[,IF] --tx-iface IF[,IF] [options]",
		.description =
			"Follow each TCP segment between SRC and DST through this host, both ways:\n"
			"src->dst enters --rx-iface and leaves --tx-iface (FWD: REQ_RX, REQ_TX),\n"
			"dst->src enters --tx-iface and leaves --rx-iface (REP: REP_RX, REP_TX).\n"
			"Segments are matched by ports + sequence number (pure ACKs + ack number);\n"
			"retransmissions are recognised and counted apart. A segment that entered\n"
			"and did not leave within --timeout-ms is an INTERNAL_DROP. Default output:\n"
			"drops only; --verbose: every segment; --stats-mode: per-interval counts,\n"
			"internal drops and latency (avg/min/max/P50/P99, log2 histogram) aggregated\n"
			"in the kernel (overhead low; --verbose: variable, filter by port). Run it\n"
			"on the sender's and the receiver's host and give both --json outputs to\n"
			"'nettrail merge' for the manual's Q7 verdict.",
		.examples =
			"  nettrail tcp_path_tracer --src-ip 10.0.0.1 --dst-ip 10.0.0.2 \\\n"
			"      --rx-iface ens4f0 --tx-iface vnet0 --stats-mode --stats-interval 10\n"
			"  nettrail tcp_path_tracer --src-ip 10.0.0.1 --dst-ip 10.0.0.2 \\\n"
			"      --rx-iface ens4f0 --tx-iface vnet0 --verbose --src-port 5201\n"
			"  # both hosts, then name the segment that loses packets:\n"
			"  nettrail tcp_path_tracer --src-ip 10.0.0.1 --dst-ip 10.0.0.2 --rx-iface ens4f0 \\\n"
			"      --tx-iface vnet0 --verbose --json --duration 60 > hostA.jsonl   # on host A\n"
			"  nettrail tcp_path_tracer --src-ip 10.0.0.1 --dst-ip 10.0.0.2 --rx-iface ens4f0 \\\n"
			"      --tx-iface vnet0 --verbose --json --duration 60 > hostB.jsonl   # on host B\n"
			"  nettrail merge hostA.jsonl hostB.jsonl\n",
		.opts = l4pt_options,
		.nopts = L4PT_NOPTIONS,
		.validate = l4pt_validate,
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &tcp_path_tracer_skel,
	.hooks = &l4pt_hooks,
};
