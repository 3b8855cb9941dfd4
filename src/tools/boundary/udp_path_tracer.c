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
#include <errno.h>
#include <string.h>
#include "nt.h"
#include "btfinfo.h"
#include "cli.h"
#include "output.h"
#include "run.h"
#include "stages.h"
#include "udp_path_tracer.h"
#include "udp_path_tracer.skel.h"

const struct nt_stage udp_path_tracer_stages[] = {
	NT_NETDEV_STAGE_RX("nt_udp", "a packet enters an interface"),
	NT_NETDEV_STAGE_TX("nt_udp", "a packet is handed to an interface's driver"),
};
const int udp_path_tracer_nstages = NT_ARRAY_SIZE(udp_path_tracer_stages);

int udp_path_tracer_main(int argc, char **argv)
{
	struct l4pt_config cfg = { .proto = L4PT_UDP, .timeout_ms = 1000, .stats_interval = 10 };
	const struct nt_cli cli = {
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
			"  nettrail udp_path_tracer ... --verbose --json --duration 60 > hostA.jsonl   # on host A\n"
			"  nettrail udp_path_tracer ... --verbose --json --duration 60 > hostB.jsonl   # on host B\n"
			"  nettrail merge hostA.jsonl hostB.jsonl\n",
		.opts = l4pt_options,
		.nopts = l4pt_noptions,
		.handle = l4pt_handle_opt,
		.cfg = &cfg,
	};
	struct nt_stage_plan plans[NT_ARRAY_SIZE(udp_path_tracer_stages)];
	struct nt_common common;
	struct udp_path_tracer_bpf *skel = NULL;
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

	if (nt_stages_plan(udp_path_tracer_stages, udp_path_tracer_nstages, common.attach_mode,
			   plans, false))
		return NT_EXIT_RUNTIME;
	nt_btf_release();
	open_opts.btf_custom_path = common.btf_path;
	skel = udp_path_tracer_bpf__open_opts(&open_opts);
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
	if (nt_stages_load_attach(skel->skeleton, plans, udp_path_tracer_nstages))
		goto cleanup;
	maps = (struct l4pt_maps){ skel->maps.l4pt_recs, skel->maps.l4pt_stats, skel->maps.nt_events,
				   skel->maps.nt_counters, &skel->bss->l4pt_epoch };
	runner = l4pt_runner_new(&cfg, &maps);
	if (!runner) {
		nt_err("failed to allocate the sweep buffers: %s", strerror(ENOMEM));
		goto cleanup;
	}

	nt_stages_describe(plans, udp_path_tracer_nstages, desc, sizeof(desc));
	nt_info("Tracing UDP %s -> %s: rx-iface %s, tx-iface %s, ports %u -> %u (0 = any), timeout %llums, %s [%s]. Ctrl-C to end.",
		cfg.src_str, cfg.dst_str, cfg.rx_str, cfg.tx_str, cfg.sport, cfg.dport, cfg.timeout_ms,
		cfg.stats_mode ? "stats mode" : cfg.verbose ? "verbose" : "drops only", desc);

	err = l4pt_runner_loop(runner, common.duration);
	nt_stages_detach(plans, udp_path_tracer_nstages);
	l4pt_runner_finish(runner);
	runner = NULL;
cleanup:
	if (runner)
		l4pt_runner_finish(runner);
	nt_stages_detach(plans, udp_path_tracer_nstages);
	udp_path_tracer_bpf__destroy(skel);
	return err;
}
