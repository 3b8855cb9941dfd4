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
#include <errno.h>
#include <string.h>
#include "nt.h"
#include "btfinfo.h"
#include "cli.h"
#include "output.h"
#include "run.h"
#include "stages.h"
#include "tcp_path_tracer.h"
#include "tcp_path_tracer.skel.h"

const struct nt_stage tcp_path_tracer_stages[] = {
	NT_NETDEV_STAGE_RX("nt_tcp", "a packet enters an interface"),
	NT_NETDEV_STAGE_TX("nt_tcp", "a packet is handed to an interface's driver"),
};
const int tcp_path_tracer_nstages = NT_ARRAY_SIZE(tcp_path_tracer_stages);

int tcp_path_tracer_main(int argc, char **argv)
{
	struct l4pt_config cfg = { .proto = L4PT_TCP, .timeout_ms = 1000, .stats_interval = 10 };
	const struct nt_cli cli = {
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
			"  nettrail tcp_path_tracer ... --verbose --json --duration 60 > hostA.jsonl   # on host A\n"
			"  nettrail tcp_path_tracer ... --verbose --json --duration 60 > hostB.jsonl   # on host B\n"
			"  nettrail merge hostA.jsonl hostB.jsonl\n",
		.opts = l4pt_options,
		.nopts = l4pt_noptions,
		.handle = l4pt_handle_opt,
		.cfg = &cfg,
	};
	struct nt_stage_plan plans[NT_ARRAY_SIZE(tcp_path_tracer_stages)];
	struct nt_common common;
	struct tcp_path_tracer_bpf *skel = NULL;
	struct l4pt_runner *runner = NULL;
	struct l4pt_maps maps;
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	char desc[512];
	int err;

	err = nt_cli_parse(&cli, argc, argv, &common);
	if (err)
		return err < 0 ? NT_EXIT_OK : err;
	if (l4pt_validate(&cfg))
		return NT_EXIT_USAGE;
	err = nt_runtime_init(&common);
	if (err)
		return err;
	nt_out_init(cli.tool, common.json);

	if (nt_stages_plan(tcp_path_tracer_stages, tcp_path_tracer_nstages, common.attach_mode,
			   plans, false))
		return NT_EXIT_RUNTIME;
	nt_btf_release();
	open_opts.btf_custom_path = common.btf_path;
	skel = tcp_path_tracer_bpf__open_opts(&open_opts);
	if (!skel) {
		nt_err("failed to open BPF object: %s", strerror(errno));
		return NT_EXIT_RUNTIME;
	}
	skel->rodata->targ_src = cfg.src;
	skel->rodata->targ_dst = cfg.dst;
	skel->rodata->targ_sport = cfg.sport;
	skel->rodata->targ_dport = cfg.dport;
	memcpy((void *)skel->rodata->targ_rx, cfg.rx, sizeof(cfg.rx));
	skel->rodata->targ_nrx = cfg.nrx;
	memcpy((void *)skel->rodata->targ_tx, cfg.tx, sizeof(cfg.tx));
	skel->rodata->targ_ntx = cfg.ntx;
	skel->rodata->targ_verbose = cfg.verbose;

	err = NT_EXIT_RUNTIME;
	if (nt_stages_load_attach(skel->skeleton, plans, tcp_path_tracer_nstages))
		goto cleanup;
	maps = (struct l4pt_maps){ skel->maps.l4pt_recs, skel->maps.l4pt_stats, skel->maps.nt_events,
				   skel->maps.nt_counters, &skel->bss->l4pt_epoch };
	runner = l4pt_runner_new(&cfg, &maps);
	if (!runner) {
		nt_err("failed to allocate the sweep buffers: %s", strerror(ENOMEM));
		goto cleanup;
	}

	nt_stages_describe(plans, tcp_path_tracer_nstages, desc, sizeof(desc));
	nt_info("Tracing TCP %s -> %s: rx-iface %s, tx-iface %s, ports %u -> %u (0 = any), timeout %llums, %s [%s]. Ctrl-C to end.",
		cfg.src_str, cfg.dst_str, cfg.rx_str, cfg.tx_str, cfg.sport, cfg.dport, cfg.timeout_ms,
		cfg.stats_mode ? "stats mode" : cfg.verbose ? "verbose" : "drops only", desc);

	err = l4pt_runner_loop(runner, common.duration);
	nt_stages_detach(plans, tcp_path_tracer_nstages);
	l4pt_runner_finish(runner);
	runner = NULL;
cleanup:
	if (runner)
		l4pt_runner_finish(runner);
	nt_stages_detach(plans, tcp_path_tracer_nstages);
	tcp_path_tracer_bpf__destroy(skel);
	return err;
}
