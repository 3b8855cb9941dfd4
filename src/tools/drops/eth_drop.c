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
#include "iface.h"
#include "ksyms.h"
#include "output.h"
#include "run.h"
#include "eth_drop.h"
#include "eth_drop.skel.h"

const struct nt_stage eth_drop_stages[] = {
	{ "drop", "the kernel frees an skb as dropped", false, {
		{ NT_PK_TP_BTF, "kfree_skb", "nt_drop_btf" },
		{ NT_PK_RAW_TP, "kfree_skb", "nt_drop_raw" },
		{ NT_PK_TRACEPOINT, "skb/kfree_skb", "nt_drop_tp" },
		{ NT_PK_FENTRY, "sk_skb_reason_drop", "nt_drop_fe_sk" },
		{ NT_PK_FENTRY, "kfree_skb_reason", "nt_drop_fe_r" },
		{ NT_PK_FENTRY, "kfree_skb", "nt_drop_fe" },
		{ NT_PK_KPROBE, "sk_skb_reason_drop", "nt_drop_kp_sk" },
		{ NT_PK_KPROBE, "kfree_skb_reason", "nt_drop_kp_r" },
		{ NT_PK_KPROBE, "kfree_skb", "nt_drop_kp" },
	} },
};
const int eth_drop_nstages = NT_ARRAY_SIZE(eth_drop_stages);

/* Callers whose kfree_skb is a normal free on kernels without drop reasons
 * (from 5.17 the reason says it; from 6.4 such frees leave this tracepoint). */
static const char *normal_free_callers[] = {
	"icmp_rcv", "tcp_v4_rcv", "tcp_v4_do_rcv", "tcp_v6_rcv", "skb_release_data",
	"__kfree_skb", "tcp_recvmsg", "tcp_recvmsg_locked", "sk_stream_kill_queues",
	"udp_recvmsg", "unix_stream_read_generic", "netlink_recvmsg",
};

/* Reasons that are housekeeping rather than a lost packet. */
static const char *normal_reasons[] = { "QUEUE_PURGE" };

/* Frames that are the drop machinery itself, not the dropping function. */
static const char *drop_machinery[] = {
	"sk_skb_reason_drop", "kfree_skb_reason", "kfree_skb", "__kfree_skb",
	"kfree_skb_list_reason", "kfree_skb_list", "trace_kfree_skb", "__traceiter_kfree_skb",
	"perf_trace_kfree_skb", "trace_event_raw_event_kfree_skb",
};

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

/* ---- pure helpers ------------------------------------------------------- */

/* Reason names of the running kernel, read from BTF once before load. */
#define REASON_CACHE 512
static char *reason_cache[REASON_CACHE];
static bool reasons_loaded;

static void cache_reason(const char *name, long long value, void *ctx)
{
	if (value >= 0 && value < REASON_CACHE && !reason_cache[value])
		reason_cache[value] = strdup(name);
}

void eth_drop_load_reasons(void)
{
	reasons_loaded = true;
	nt_btf_enum_foreach("skb_drop_reason", "SKB_DROP_REASON_", cache_reason, NULL);
}

const char *eth_drop_reason_name(__u32 reason, char *buf, size_t len)
{
	if (reason == ETH_DROP_NO_REASON) {
		snprintf(buf, len, "NOT_SPECIFIED");
		return buf;
	}
	if (!reasons_loaded)
		eth_drop_load_reasons();
	if (reason < REASON_CACHE && reason_cache[reason]) {
		snprintf(buf, len, "%s", reason_cache[reason]);
		return buf;
	}
	/* 6.x: the upper 16 bits name a subsystem with reasons of its own. */
	if (reason >> 16)
		snprintf(buf, len, "SUBSYS%u:%u", reason >> 16, reason & 0xffff);
	else
		snprintf(buf, len, "UNKNOWN(%u)", reason);
	return buf;
}

/* Our program, BPF trampolines and bpf_trace_run<N>, or a drop function
 * (also as a compiler clone "name.isra.0"). */
static bool is_machinery(const char *sym)
{
	if (!strncmp(sym, "bpf_", 4) || !strncmp(sym, "__bpf_", 6))
		return true;
	for (size_t i = 0; i < NT_ARRAY_SIZE(drop_machinery); i++) {
		size_t l = strlen(drop_machinery[i]);

		if (!strncmp(sym, drop_machinery[i], l) && (sym[l] == 0 || sym[l] == '.'))
			return true;
	}
	return false;
}

__u64 eth_drop_location(const struct eth_drop_event *e, const struct ksyms *ks)
{
	int n = e->stack_bytes > 0 ? e->stack_bytes / 8 : 0;

	if (e->location)
		return e->location;
	for (int i = 0; i < n && i < NT_STACK_DEPTH; i++) {
		const struct ksym *s = ksyms__map_addr(ks, e->stack[i]);

		if (s && !is_machinery(s->name))
			return e->stack[i];
	}
	return 0;
}

/* Leading frames that are our own program and the tracepoint glue. */
static int first_kernel_frame(const struct eth_drop_event *e, const struct ksyms *ks)
{
	int n = e->stack_bytes > 0 ? e->stack_bytes / 8 : 0, i;

	for (i = 0; i < n && i < NT_STACK_DEPTH; i++) {
		const struct ksym *s = ksyms__map_addr(ks, e->stack[i]);

		if (!s || (strncmp(s->name, "bpf_", 4) && strncmp(s->name, "__bpf", 5) &&
			   strncmp(s->name, "__traceiter_", 12) && strncmp(s->name, "perf_trace_", 11)))
			break;
	}
	return i < n ? i : 0;
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

static void endpoint(const struct nt_pkt *p, bool src, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	__u16 port = src ? p->sport : p->dport;

	nt_addr_str(src ? &p->saddr : &p->daddr, p->family, a, sizeof(a));
	if (p->family == 6 && port)
		snprintf(buf, len, "[%s]:%u", a, port);
	else if (port)
		snprintf(buf, len, "%s:%u", a, port);
	else
		snprintf(buf, len, "%s", a);
}

static void report_json(struct tracer *t, const struct eth_drop_event *e, const char *reason,
			const char *where, const struct ksyms *ks)
{
	struct nt_json *j = nt_json_begin("event", nt_mono_to_wall_ns(e->ts));
	char a[INET6_ADDRSTRLEN], sym[160];

	nt_json_str(j, "ifname", e->ifname);
	nt_json_u64(j, "ifindex", e->dev.ifindex);
	nt_json_u64(j, "netns", e->dev.netns);
	nt_json_str(j, "family", e->pkt.family == 4 ? "ipv4" : e->pkt.family == 6 ? "ipv6" : "other");
	if (!e->pkt.family) {
		snprintf(a, sizeof(a), "0x%04x", e->pkt.l3_proto);
		nt_json_str(j, "ethertype", a);
	}
	nt_json_str(j, "proto", nt_l4_name(e->pkt.family, e->pkt.l4_proto));
	nt_json_str(j, "src_ip", e->pkt.family ? nt_addr_str(&e->pkt.saddr, e->pkt.family, a, sizeof(a)) : "");
	nt_json_str(j, "dst_ip", e->pkt.family ? nt_addr_str(&e->pkt.daddr, e->pkt.family, a, sizeof(a)) : "");
	nt_json_u64(j, "src_port", e->pkt.sport);
	nt_json_u64(j, "dst_port", e->pkt.dport);
	if (e->pkt.l4_proto == IPPROTO_ICMP || e->pkt.l4_proto == IPPROTO_ICMPV6) {
		nt_json_u64(j, "icmp_type", e->pkt.icmp_type);
		nt_json_u64(j, "icmp_code", e->pkt.icmp_code);
	}
	nt_json_str(j, "reason", reason);
	if (e->reason != ETH_DROP_NO_REASON)
		nt_json_u64(j, "reason_code", e->reason);
	nt_json_str(j, "location", where);
	nt_json_u64(j, "len", e->len);
	nt_json_u64(j, "pid", e->pid);
	nt_json_str(j, "comm", e->comm);
	nt_json_u64(j, "cpu", e->cpu);
	if (e->stack_bytes >= 0) {
		nt_json_arr(j, "stack");
		for (int i = first_kernel_frame(e, ks); i < e->stack_bytes / 8 && i < NT_STACK_DEPTH; i++)
			nt_json_str(j, NULL, ksyms__fmt(ks, e->stack[i], sym, sizeof(sym)));
		nt_json_arr_end(j);
	}
	nt_json_end(j);
}

static void report_text(struct tracer *t, const struct eth_drop_event *e, const char *reason,
			const char *where, const struct ksyms *ks)
{
	char when[32], src[64], dst[64], sym[160], proto[16];

	nt_fmt_clock(nt_mono_to_wall_ns(e->ts), when, sizeof(when));
	if (e->pkt.family) {
		endpoint(&e->pkt, true, src, sizeof(src));
		endpoint(&e->pkt, false, dst, sizeof(dst));
		snprintf(proto, sizeof(proto), "%s", nt_l4_name(e->pkt.family, e->pkt.l4_proto));
	} else {
		snprintf(src, sizeof(src), "-");
		snprintf(dst, sizeof(dst), "-");
		snprintf(proto, sizeof(proto), "0x%04x", e->pkt.l3_proto);
	}
	nt_text("%-12s %-10s %-6s %s -> %s  %s  %s\n", when, e->ifname[0] ? e->ifname : "-",
		proto, src, dst, reason, where);
	if (t->cfg->verbose)
		nt_text("  pid=%u comm=%s cpu=%u len=%u netns=%u ifindex=%u\n", e->pid, e->comm,
			e->cpu, e->len, e->dev.netns, e->dev.ifindex);
	if (e->stack_bytes > 0) {
		nt_text("  Stack:\n");
		for (int i = first_kernel_frame(e, ks); i < e->stack_bytes / 8 && i < NT_STACK_DEPTH; i++)
			nt_text("    %s\n", ksyms__fmt(ks, e->stack[i], sym, sizeof(sym)));
	}
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct tracer *t = ctx;
	const struct eth_drop_event *e = data;
	const struct ksyms *ks = nt_ksyms();
	char reason[64], where[160];
	__u64 loc;

	if (len < sizeof(*e))
		return 0;
	count_reason(t, e->reason);
	eth_drop_reason_name(e->reason, reason, sizeof(reason));
	loc = eth_drop_location(e, ks);
	if (loc)
		ksyms__fmt(ks, loc, where, sizeof(where));
	else
		snprintf(where, sizeof(where), "-");
	if (nt_out_json())
		report_json(t, e, reason, where, ks);
	else
		report_text(t, e, reason, where, ks);
	return 0;
}

static void report_summary(struct tracer *t)
{
	uint64_t lost = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_LOST_EVENTS);
	uint64_t nostack = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_STACK_LOST);
	uint64_t normal = nt_counter_sum(t->skel->maps.nt_counters, ETH_DROP_CNT_NORMAL);
	char name[64];

	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("summary", 0);

		nt_json_u64(j, "drops", t->drops);
		nt_json_obj(j, "reasons");
		for (int i = 0; i < t->nreasons; i++)
			nt_json_u64(j, eth_drop_reason_name(t->reasons[i].code, name, sizeof(name)),
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
		nt_text("  %-28s %llu\n", eth_drop_reason_name(t->reasons[i].code, name, sizeof(name)),
			t->reasons[i].n);
	nt_text("Lost events: %llu  Stacks lost: %llu\n", (unsigned long long)lost,
		(unsigned long long)nostack);
}

/* Tell the kernel side which frees are normal, so they are skipped before an
 * event is made: by reason where the kernel has reasons, else by the address
 * ranges of the known normal callers. */
static void set_normal_filter(struct eth_drop_bpf *skel, const struct config *cfg)
{
	struct ksyms *ks;
	__u32 n = 0;

	if (cfg->no_normal_filter)
		return;
	if (nt_btf_enum_value("skb_drop_reason", "SKB_DROP_REASON_NOT_SPECIFIED") >= 0) {
		for (size_t i = 0; i < NT_ARRAY_SIZE(normal_reasons); i++) {
			char name[64];
			long long v;

			snprintf(name, sizeof(name), "SKB_DROP_REASON_%s", normal_reasons[i]);
			v = nt_btf_enum_value("skb_drop_reason", name);
			if (v >= 0 && n < ETH_DROP_MAX_NORMAL_REASONS)
				((__u32 *)skel->rodata->targ_normal_reason)[n++] = (__u32)v;
		}
		skel->rodata->targ_nnormal_reasons = n;
		return;
	}
	ks = nt_ksyms();
	for (size_t i = 0; i < NT_ARRAY_SIZE(normal_free_callers) && n < ETH_DROP_MAX_NORMAL; i++) {
		uint64_t lo, hi;

		if (!ksyms__range(ks, normal_free_callers[i], &lo, &hi))
			continue;
		((__u64 *)skel->rodata->targ_normal_lo)[n] = lo;
		((__u64 *)skel->rodata->targ_normal_hi)[n] = hi;
		n++;
	}
	skel->rodata->targ_nnormal = n;
	nt_dbg("no drop reasons in this kernel: skipping frees from %u normal callers", n);
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
	set_normal_filter(skel, &cfg);
	eth_drop_load_reasons();
	nt_btf_release();

	err = NT_EXIT_RUNTIME;
	if (nt_stages_prepare(skel->obj, plans, eth_drop_nstages))
		goto cleanup;
	if (eth_drop_bpf__load(skel)) {
		nt_err("failed to load BPF programs: %s (run with -v for the verifier log)",
		       strerror(errno));
		goto cleanup;
	}
	if (nt_stages_attach(skel->obj, plans, eth_drop_nstages))
		goto cleanup;

	nt_stages_describe(plans, eth_drop_nstages, desc, sizeof(desc));
	nt_info("Tracing dropped packets [%s]. Ctrl-C to end.", desc);
	if (!nt_out_json())
		nt_text("%-12s %-10s %-6s %s  %s  %s\n", "TIME", "INTERFACE", "PROTO",
			"SRC_IP:PORT -> DST_IP:PORT", "REASON", "LOCATION");
	err = nt_run_loop(skel->maps.nt_events, on_event, &t, common.duration, 0, NULL)
		      ? NT_EXIT_RUNTIME : NT_EXIT_OK;
	nt_stages_detach(plans, eth_drop_nstages);
	report_summary(&t);
cleanup:
	nt_stages_detach(plans, eth_drop_nstages);
	eth_drop_bpf__destroy(skel);
	return err;
}
