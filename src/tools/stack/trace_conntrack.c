// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * trace_conntrack — what does conntrack do with a flow: when is its entry
 * created, refreshed, destroyed, with which tuples, zone, mark, status and
 * timeout? (manual 3.7)
 *
 * Kernel events: function probes only (conntrack has no tracepoints):
 * __nf_conntrack_confirm (a new entry enters the table), __nf_ct_refresh_acct
 * (a packet refreshes it), nf_ct_delete (it is removed) — fentry, else
 * kprobe. Address/port/protocol filters and the event-type filter run in the
 * kernel. On a kernel where neither fentry nor kprobe works the tool says so
 * and exits 1.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include "nt.h"
#include "addr.h"
#include "btfinfo.h"
#include "cli.h"
#include "output.h"
#include "run.h"
#include "trace_conntrack.h"
#include "trace_conntrack.skel.h"

const struct nt_stage trace_conntrack_stages[] = {
	{ "new", "a new connection is confirmed into the table", true, {
		{ NT_PK_FENTRY, "__nf_conntrack_confirm", "nt_ct_confirm_fe" },
		{ NT_PK_KPROBE, "__nf_conntrack_confirm", "nt_ct_confirm_kp" },
	} },
	{ "update", "a packet refreshes a connection's timeout", true, {
		{ NT_PK_FENTRY, "__nf_ct_refresh_acct", "nt_ct_refresh_fe" },
		{ NT_PK_KPROBE, "__nf_ct_refresh_acct", "nt_ct_refresh_kp" },
	} },
	{ "destroy", "a connection leaves the table (its entry is freed)", true, {
		{ NT_PK_FENTRY, "nf_ct_destroy", "nt_ct_destroy_fe", 1 },
		{ NT_PK_FENTRY, "destroy_conntrack", "nt_ct_destroy_fe", 1 },
		{ NT_PK_KPROBE, "nf_ct_destroy", "nt_ct_destroy_kp" },
		{ NT_PK_KPROBE, "destroy_conntrack", "nt_ct_destroy_kp" },
		{ NT_PK_FENTRY, "nf_ct_delete", "nt_ct_delete_fe" },
		{ NT_PK_KPROBE, "nf_ct_delete", "nt_ct_delete_kp" },
	} },
};
const int trace_conntrack_nstages = NT_ARRAY_SIZE(trace_conntrack_stages);

static const char *type_names[] = { "?", "new", "update", "destroy" };

struct config {
	struct nt_filter filter;
	bool filter_on;
	__u32 types;
};

enum { OPT_SRC = 1, OPT_DST, OPT_PROTO, OPT_SPORT, OPT_DPORT, OPT_EVENTS };

static const struct nt_opt options[] = {
	{ "src-ip", 0, "IP", "only connections from this address (original direction)", OPT_SRC },
	{ "dst-ip", 0, "IP", "only connections to this address", OPT_DST },
	{ "protocol", 0, "PROTO", "tcp|udp|icmp|all (default all)", OPT_PROTO },
	{ "src-port", 0, "PORT", "only this original source port", OPT_SPORT },
	{ "dst-port", 0, "PORT", "only this original destination port", OPT_DPORT },
	{ "events", 0, "LIST", "new,update,destroy or all (default new,destroy; update fires "
	  "per packet)", OPT_EVENTS },
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

	if (key != OPT_EVENTS)
		c->filter_on = true;
	switch (key) {
	case OPT_SRC:
		return set_addr("--src-ip", arg, &f->saddr, &f->has_saddr, f);
	case OPT_DST:
		return set_addr("--dst-ip", arg, &f->daddr, &f->has_daddr, f);
	case OPT_PROTO:
		return nt_arg_l4proto("--protocol", arg, &f->l4_proto);
	case OPT_SPORT:
		return nt_arg_port("--src-port", arg, &f->sport);
	case OPT_DPORT:
		return nt_arg_port("--dst-port", arg, &f->dport);
	case OPT_EVENTS: {
		char buf[128], *items[8];
		int n = nt_arg_list("--events", arg, buf, sizeof(buf), items, 8);

		if (n < 0)
			return -1;
		c->types = 0;
		for (int i = 0; i < n; i++) {
			int t;

			if (!strcmp(items[i], "all")) {
				c->types |= TCT_EV_BIT(TCT_NEW) | TCT_EV_BIT(TCT_UPDATE) |
					    TCT_EV_BIT(TCT_DESTROY);
				continue;
			}
			for (t = 1; t < 4 && strcmp(items[i], type_names[t]); t++)
				;
			if (t == 4)
				return nt_usage_error("--events", items[i],
						      "not one of new, update, destroy, all");
			c->types |= TCT_EV_BIT(t);
		}
		return 0;
	}
	}
	return -1;
}

/* The kernel's HZ (ct->timeout is in jiffies): from its config if readable, else 250. */
static __u64 kernel_hz(void)
{
	struct utsname u;
	char path[300], line[128];
	__u64 hz = 0;
	FILE *f;

	if (uname(&u))
		return 250;
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	f = fopen(path, "r");
	if (!f)
		return 250;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CONFIG_HZ=%llu", (unsigned long long *)&hz) == 1)
			break;
	fclose(f);
	return hz ? hz : 250;
}

struct tool {
	struct trace_conntrack_bpf *skel;
	uint64_t counts[4];
};

static void status_str(__u64 st, char *buf, size_t len)
{
	static const char *bits[] = { "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED", "SRC_NAT",
				      "DST_NAT", "SEQ_ADJUST", "SRC_NAT_DONE", "DST_NAT_DONE",
				      "DYING", "FIXED_TIMEOUT", "TEMPLATE", "UNTRACKED", "HELPER",
				      "OFFLOAD", "HW_OFFLOAD" };
	size_t o = 0;

	buf[0] = 0;
	for (int i = 0; i < 16; i++)
		if (st & (1ull << i))
			o += snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? "|" : "", bits[i]);
	if (!o)
		snprintf(buf, len, "0");
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct tool *t = ctx;
	const struct tct_event *e = data;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], rs[INET6_ADDRSTRLEN], rd[INET6_ADDRSTRLEN];
	char st[256];
	const char *type = e->type < 4 ? type_names[e->type] : "?";

	if (len < sizeof(*e))
		return 0;
	if (e->type < 4)
		t->counts[e->type]++;
	nt_addr_str(&e->saddr, e->family, s, sizeof(s));
	nt_addr_str(&e->daddr, e->family, d, sizeof(d));
	nt_addr_str(&e->reply_saddr, e->family, rs, sizeof(rs));
	nt_addr_str(&e->reply_daddr, e->family, rd, sizeof(rd));
	status_str(e->status, st, sizeof(st));
	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("event", nt_mono_to_wall_ns(e->ts));
		char ct[32];

		nt_json_str(j, "event", type);
		snprintf(ct, sizeof(ct), "0x%llx", (unsigned long long)e->ct);
		nt_json_str(j, "ct", ct);
		nt_json_str(j, "family", e->family == 4 ? "ipv4" : e->family == 6 ? "ipv6" : "other");
		nt_json_str(j, "proto", nt_l4_name(e->family, e->proto));
		nt_json_str(j, "src_ip", s);
		nt_json_str(j, "dst_ip", d);
		nt_json_u64(j, "src_port", e->sport);
		nt_json_u64(j, "dst_port", e->dport);
		nt_json_str(j, "reply_src_ip", rs);
		nt_json_str(j, "reply_dst_ip", rd);
		nt_json_u64(j, "reply_src_port", e->reply_sport);
		nt_json_u64(j, "reply_dst_port", e->reply_dport);
		nt_json_u64(j, "netns", e->netns);
		nt_json_u64(j, "zone", e->zone);
		nt_json_u64(j, "mark", e->mark);
		nt_json_str(j, "status", st);
		nt_json_i64(j, "timeout_s", e->timeout_s);
		nt_json_u64(j, "pid", e->pid);
		nt_json_str(j, "comm", e->comm);
		nt_json_end(j);
	} else {
		char when[32];

		nt_fmt_clock(nt_mono_to_wall_ns(e->ts), when, sizeof(when));
		nt_text("%-12s %-8s %-5s %s:%u -> %s:%u  reply %s:%u -> %s:%u  netns=%u zone=%u "
			"mark=%u timeout=%llds status=%s\n", when, type,
			nt_l4_name(e->family, e->proto), s, e->sport, d, e->dport, rs, e->reply_sport,
			rd, e->reply_dport, e->netns, e->zone, e->mark, (long long)e->timeout_s, st);
	}
	return 0;
}

int trace_conntrack_main(int argc, char **argv)
{
	struct config cfg = { .types = TCT_EV_BIT(TCT_NEW) | TCT_EV_BIT(TCT_DESTROY) };
	const struct nt_cli cli = {
		.tool = "trace_conntrack",
		.synopsis = "[--src-ip IP] [--dst-ip IP] [--protocol P] [--src-port N] "
			    "[--dst-port N] [--events LIST]",
		.description =
			"Follow conntrack entries: created (confirmed into the table), refreshed by\n"
			"packets (--events update), destroyed — with both tuples, zone, mark,\n"
			"status bits and the timeout left. Filters run in the kernel. Conntrack\n"
			"has no tracepoints: needs fentry or kprobe (exit 1 naming them if the\n"
			"kernel offers neither).",
		.examples =
			"  nettrail trace_conntrack --protocol tcp --dst-port 80\n"
			"  nettrail trace_conntrack --src-ip 10.0.0.1 --events all\n"
			"  nettrail trace_conntrack --json --events destroy\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.handle = handle_opt,
		.cfg = &cfg,
	};
	struct nt_stage_plan plans[NT_ARRAY_SIZE(trace_conntrack_stages)];
	struct tool t = {};
	struct nt_common common;
	struct trace_conntrack_bpf *skel;
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	char desc[512];
	int err, usable = 0;

	err = nt_cli_parse(&cli, argc, argv, &common);
	if (err)
		return err < 0 ? NT_EXIT_OK : err;
	if ((cfg.filter.sport || cfg.filter.dport) && cfg.filter.l4_proto &&
	    cfg.filter.l4_proto != IPPROTO_TCP && cfg.filter.l4_proto != IPPROTO_UDP) {
		nt_usage_error("--protocol", NULL, "ports only apply to tcp or udp");
		return NT_EXIT_USAGE;
	}
	err = nt_runtime_init(&common);
	if (err)
		return err;
	nt_out_init(cli.tool, common.json);
	if (nt_stages_plan(trace_conntrack_stages, trace_conntrack_nstages, common.attach_mode,
			   plans, true))
		return NT_EXIT_RUNTIME;
	for (int i = 0; i < trace_conntrack_nstages; i++)
		if (plans[i].cand && (cfg.types & TCT_EV_BIT(i + 1)))
			usable++;
	if (!usable) {
		nt_err("no conntrack probe point can attach here: conntrack has no tracepoints and "
		       "needs fentry or kprobe on __nf_conntrack_confirm / __nf_ct_refresh_acct / "
		       "nf_ct_delete; %s", plans[0].why[0] ? plans[0].why : "none available");
		return NT_EXIT_RUNTIME;
	}
	for (int i = 0; i < trace_conntrack_nstages; i++)
		if (!plans[i].cand && (cfg.types & TCT_EV_BIT(i + 1)))
			nt_warn("stage '%s' cannot attach: %s", plans[i].stage->name, plans[i].why);

	open_opts.btf_custom_path = common.btf_path;
	skel = trace_conntrack_bpf__open_opts(&open_opts);
	if (!skel) {
		nt_err("failed to open BPF object: %s", strerror(errno));
		return NT_EXIT_RUNTIME;
	}
	t.skel = skel;
	skel->rodata->targ_filter = cfg.filter;
	skel->rodata->targ_filter_on = cfg.filter_on;
	skel->rodata->targ_types = cfg.types;
	skel->rodata->targ_hz = kernel_hz();
	/* stages whose events were not asked for are not attached at all */
	for (int i = 0; i < trace_conntrack_nstages; i++)
		if (!(cfg.types & TCT_EV_BIT(i + 1)))
			plans[i].cand = NULL;
	nt_btf_release();

	err = NT_EXIT_RUNTIME;
	if (nt_stages_load_attach(skel->skeleton, plans, trace_conntrack_nstages))
		goto cleanup;
	nt_stages_describe(plans, trace_conntrack_nstages, desc, sizeof(desc));
	nt_info("Tracing conntrack [%s]. Ctrl-C to end.", desc);
	err = nt_run_loop(skel->maps.nt_events, on_event, &t, common.duration, 0, NULL)
		      ? NT_EXIT_RUNTIME : NT_EXIT_OK;
	nt_stages_detach(plans, trace_conntrack_nstages);
	{
		uint64_t lost = nt_counter_sum(skel->maps.nt_counters, NT_CNT_LOST_EVENTS);

		if (nt_out_json()) {
			struct nt_json *j = nt_json_begin("summary", 0);

			nt_json_obj(j, "events");
			for (int i = 1; i < 4; i++)
				nt_json_u64(j, type_names[i], t.counts[i]);
			nt_json_obj_end(j);
			nt_json_u64(j, "lost_events", lost);
			nt_json_end(j);
		} else {
			nt_text("\n=== trace_conntrack summary ===\nnew %llu  update %llu  destroy %llu  "
				"lost events %llu\n", (unsigned long long)t.counts[1],
				(unsigned long long)t.counts[2], (unsigned long long)t.counts[3],
				(unsigned long long)lost);
		}
	}
cleanup:
	nt_stages_detach(plans, trace_conntrack_nstages);
	trace_conntrack_bpf__destroy(skel);
	return err;
}
