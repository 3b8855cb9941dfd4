// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * eth_drop — which packets does the kernel drop, where, and why? (manual 3.4.1)
 *
 * Kernel event: skb:kfree_skb (tp_btf, raw_tp or classic tracepoint), else the
 * drop function of this kernel era via fentry/kprobe (sk_skb_reason_drop on
 * 6.11+, kfree_skb_reason on 5.17-6.10, kfree_skb before). The drop reason is
 * decoded by name from the running kernel's BTF (enum skb_drop_reason). All
 * filters (interface, addresses, ports, protocol) run in the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "nt.h"
#include "btfinfo.h"
#include "cli.h"
#include "drops.h"
#include "iface.h"
#include "ksyms.h"
#include "output.h"
#include "run.h"
#include "eth_drop.h"
#include "eth_drop.skel.h"

const struct nt_stage eth_drop_stages[] = {
	{ "drop", "the kernel frees an skb as dropped", false, { NT_DROP_CANDIDATES } },
};
const int eth_drop_nstages = NT_ARRAY_SIZE(eth_drop_stages);

struct config {
	struct nt_filter filter;
	bool filter_l3;
	const char *if_str;
	struct nt_ifref iface;
	bool no_stack, no_normal_filter, verbose;
};

enum {
	OPT_IF = 1, OPT_SRC, OPT_DST, OPT_PROTO, OPT_SPORT, OPT_DPORT, OPT_NOSTACK,
	OPT_NONORMAL, OPT_VERBOSE,
};

static const struct nt_opt options[] = {
	{ "interface", 'i', "IF", "only drops of skbs on this interface", OPT_IF },
	{ "src-ip", 0, "IP", "only packets from this IPv4/IPv6 address", OPT_SRC },
	{ "dst-ip", 0, "IP", "only packets to this address", OPT_DST },
	{ "protocol", 0, "PROTO", "tcp|udp|icmp|icmpv6|all (default all)", OPT_PROTO },
	{ "l4-protocol", 0, "PROTO", "same as --protocol (reference name)", OPT_PROTO },
	{ "src-port", 0, "PORT", "only this TCP/UDP source port", OPT_SPORT },
	{ "dst-port", 0, "PORT", "only this TCP/UDP destination port", OPT_DPORT },
	{ "no-stack", 0, NULL, "do not take kernel stacks (cheaper)", OPT_NOSTACK },
	{ "disable-kernel-stacks", 0, NULL, "same as --no-stack", OPT_NOSTACK },
	{ "no-stack-trace", 0, NULL, "same as --no-stack (reference name)", OPT_NOSTACK },
	{ "disable-normal-filter", 0, NULL, "also report normal frees (QUEUE_PURGE at socket "
	  "teardown; on kernels without reasons, frees from normal receive paths)", OPT_NONORMAL },
	{ "verbose", 0, NULL, "also print pid, comm, cpu and length of each drop", OPT_VERBOSE },
};

static int set_addr(const char *flag, const char *arg, union nt_addr *a, __u8 *has,
		    struct nt_filter *f)
{
	__u8 family;

	if (nt_arg_ip(flag, arg, a, &family))
		return -1;
	if (f->family && f->family != family)
		return nt_usage_error(flag, arg, "--src-ip and --dst-ip must be the same family");
	f->family = family;
	*has = 1;
	return 0;
}

static int handle_opt(int key, const char *arg, void *data)
{
	struct config *c = data;
	struct nt_filter *f = &c->filter;

	switch (key) {
	case OPT_IF:
		c->if_str = arg;
		return nt_iface_resolve("--interface", arg, &c->iface);
	case OPT_SRC:
		c->filter_l3 = true;
		return set_addr("--src-ip", arg, &f->saddr, &f->has_saddr, f);
	case OPT_DST:
		c->filter_l3 = true;
		return set_addr("--dst-ip", arg, &f->daddr, &f->has_daddr, f);
	case OPT_PROTO:
		c->filter_l3 = true;
		return nt_arg_l4proto("--protocol", arg, &f->l4_proto);
	case OPT_SPORT:
		c->filter_l3 = true;
		return nt_arg_port("--src-port", arg, &f->sport);
	case OPT_DPORT:
		c->filter_l3 = true;
		return nt_arg_port("--dst-port", arg, &f->dport);
	case OPT_NOSTACK:
		c->no_stack = true;
		return 0;
	case OPT_NONORMAL:
		c->no_normal_filter = true;
		return 0;
	case OPT_VERBOSE:
		c->verbose = true;
		return 0;
	}
	return -1;
}

static int validate(const struct config *c)
{
	const struct nt_filter *f = &c->filter;

	if ((f->sport || f->dport) && f->l4_proto && f->l4_proto != IPPROTO_TCP &&
	    f->l4_proto != IPPROTO_UDP)
		return nt_usage_error("--protocol", nt_l4_name(4, f->l4_proto),
				      "ports only apply to tcp or udp");
	return 0;
}

/* ---- reporting ----------------------------------------------------------- */

#define MAX_REASONS 128

struct tracer {
	struct config *cfg;
	struct eth_drop_bpf *skel;
	unsigned long long drops;
	struct { __u32 code; unsigned long long n; } reasons[MAX_REASONS];
	int nreasons;
};

static void count_reason(struct tracer *t, __u32 code)
{
	t->drops++;
	for (int i = 0; i < t->nreasons; i++) {
		if (t->reasons[i].code == code) {
			t->reasons[i].n++;
			return;
		}
	}
	if (t->nreasons < MAX_REASONS) {
		t->reasons[t->nreasons].code = code;
		t->reasons[t->nreasons++].n = 1;
	}
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct tracer *t = ctx;
	const struct nt_drop_event *e = data;
	const struct ksyms *ks = nt_ksyms();

	if (len < sizeof(*e))
		return 0;
	count_reason(t, e->reason);
	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("event", nt_mono_to_wall_ns(e->ts));

		nt_drop_event_json(j, e, ks);
		nt_json_end(j);
	} else {
		nt_drop_event_text(e, t->cfg->verbose, ks);
	}
	return 0;
}

static void report_summary(struct tracer *t)
{
	uint64_t lost = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_LOST_EVENTS);
	uint64_t nostack = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_STACK_LOST);
	uint64_t normal = nt_counter_sum(t->skel->maps.nt_counters, NT_DROP_CNT_NORMAL);
	char name[64];

	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("summary", 0);

		nt_json_u64(j, "drops", t->drops);
		nt_json_obj(j, "reasons");
		for (int i = 0; i < t->nreasons; i++)
			nt_json_u64(j, nt_drop_reason_name(t->reasons[i].code, name, sizeof(name)),
				    t->reasons[i].n);
		nt_json_obj_end(j);
		nt_json_u64(j, "lost_events", lost);
		nt_json_u64(j, "stacks_lost", nostack);
		nt_json_u64(j, "normal_frees_skipped", normal);
		nt_json_end(j);
		return;
	}
	nt_text("\n=== eth_drop summary ===\nDrops: %llu\n", t->drops);
	for (int i = 0; i < t->nreasons; i++)
		nt_text("  %-28s %llu\n", nt_drop_reason_name(t->reasons[i].code, name, sizeof(name)),
			t->reasons[i].n);
	nt_text("Lost events: %llu  Stacks lost: %llu\n", (unsigned long long)lost,
		(unsigned long long)nostack);
}

int eth_drop_main(int argc, char **argv)
{
	struct config cfg = {};
	const struct nt_cli cli = {
		.tool = "eth_drop",
		.synopsis = "[--interface IF] [--src-ip IP] [--dst-ip IP] [--protocol P] "
			    "[--src-port N] [--dst-port N] [options]",
		.description =
			"Report every packet the kernel drops: interface, addresses, ports, the drop\n"
			"reason (by name, from this kernel's BTF), the dropping function and the\n"
			"kernel stack. Normal frees are not reported. Filters run in the kernel:\n"
			"on a busy host, give addresses or an interface. Overhead: low when drops\n"
			"are rare; each reported drop costs a stack walk (--no-stack to save it).",
		.examples =
			"  nettrail eth_drop                                   # every drop\n"
			"  nettrail eth_drop --src-ip 10.0.0.1 --dst-ip 10.0.0.2\n"
			"  nettrail eth_drop --interface ens4f0 --protocol udp --dst-port 4789\n"
			"  nettrail eth_drop --json --duration 30 > drops.jsonl\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.handle = handle_opt,
		.cfg = &cfg,
	};
	struct nt_stage_plan plans[NT_ARRAY_SIZE(eth_drop_stages)];
	struct tracer t = { .cfg = &cfg };
	struct nt_common common;
	struct eth_drop_bpf *skel;
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	char desc[256];
	int err;

	err = nt_cli_parse(&cli, argc, argv, &common);
	if (err)
		return err < 0 ? NT_EXIT_OK : err;
	if (validate(&cfg))
		return NT_EXIT_USAGE;
	err = nt_runtime_init(&common);
	if (err)
		return err;
	nt_out_init(cli.tool, common.json);
	if (nt_stages_plan(eth_drop_stages, eth_drop_nstages, common.attach_mode, plans, false))
		return NT_EXIT_RUNTIME;

	open_opts.btf_custom_path = common.btf_path;
	skel = eth_drop_bpf__open_opts(&open_opts);
	if (!skel) {
		nt_err("failed to open BPF object: %s", strerror(errno));
		return NT_EXIT_RUNTIME;
	}
	t.skel = skel;
	skel->rodata->targ_filter = cfg.filter;
	skel->rodata->targ_filter_l3 = cfg.filter_l3;
	skel->rodata->targ_if = cfg.iface;
	skel->rodata->targ_has_if = cfg.if_str != NULL;
	skel->rodata->targ_stacks = !cfg.no_stack;
	NT_DROP_SET_NORMAL_FILTER(skel->rodata, cfg.no_normal_filter);
	nt_drop_load_reasons();
	nt_btf_release();

	err = NT_EXIT_RUNTIME;
	if (nt_stages_load_attach(skel->skeleton, plans, eth_drop_nstages))
		goto cleanup;

	nt_stages_describe(plans, eth_drop_nstages, desc, sizeof(desc));
	nt_info("Tracing dropped packets [%s]. Ctrl-C to end.", desc);
	if (!nt_out_json())
		nt_drop_text_header();
	err = nt_run_loop(skel->maps.nt_events, on_event, &t, common.duration, 0, NULL)
		      ? NT_EXIT_RUNTIME : NT_EXIT_OK;
	nt_stages_detach(plans, eth_drop_nstages);
	report_summary(&t);
cleanup:
	nt_stages_detach(plans, eth_drop_nstages);
	eth_drop_bpf__destroy(skel);
	return err;
}
