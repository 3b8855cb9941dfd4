// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * trace_ip_defrag — what happens to IPv4 fragments: queued, reassembled,
 * timed out, dropped? (manual 3.7)
 *
 * Kernel events: skb:kfree_skb with the fragment drop reasons of the running
 * kernel (FRAG_REASM_TIMEOUT, FRAG_TOO_FAR, DUP_FRAG; by name from BTF) —
 * works wherever tracepoints do; plus function probes (fentry, else kprobe)
 * on ip_defrag (a fragment enters reassembly), inet_frag_reasm_finish (a
 * datagram was reassembled) and ip_expire (a queue timed out), used where
 * function probes work and reported as missing elsewhere. Every event names
 * the datagram: source, destination, IP id, protocol (and offset).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "nt.h"
#include "tool.h"
#include "addr.h"
#include "btfinfo.h"
#include "cli.h"
#include "drops.h"
#include "ksyms.h"
#include "output.h"
#include "run.h"
#include "trace_ip_defrag.h"
#include "trace_ip_defrag.skel.h"

static const struct nt_stage stages[] = {
	{ "drop", "a fragment is dropped (timeout, too far, duplicate)", false,
	  { NT_DROP_CANDIDATES } },
	{ "queue", "a fragment enters reassembly", true, {
		{ NT_PK_FENTRY, "ip_defrag", "nt_defrag_fe" },
		{ NT_PK_KPROBE, "ip_defrag", "nt_defrag_kp" },
	} },
	{ "reasm", "a datagram is reassembled", true, {
		{ NT_PK_FENTRY, "inet_frag_reasm_finish", "nt_reasm_fe" },
		{ NT_PK_KPROBE, "inet_frag_reasm_finish", "nt_reasm_kp" },
	} },
	{ "expire", "a reassembly queue times out", true, {
		{ NT_PK_FENTRY, "ip_expire", "nt_expire_fe" },
		{ NT_PK_KPROBE, "ip_expire", "nt_expire_kp" },
	} },
};

static const char *frag_reasons[] = { "FRAG_REASM_TIMEOUT", "FRAG_TOO_FAR", "DUP_FRAG" };
/* kernels without reasons: frees from the reassembly code */
static const char *frag_callers[] = { "ip_expire", "inet_frag_rbtree_purge", "ip_frag_queue",
				      "inet_frag_destroy" };
static const char *type_names[] = { "?", "queue", "reassembled", "expire", "drop" };

struct config {
	struct nt_filter filter;        /* addresses and protocol; this tool sees IPv4 only */
};

#define C struct config
static const struct nt_opt options[] = {
	NT_OPTS_FILTER_ADDRS(C, filter, NT_OPT_V4, 0),
	NT_OPTS_FILTER_PROTO(C, filter, NT_OPT_V4),
};
#undef C

struct tool {
	struct trace_ip_defrag_bpf *skel;
	uint64_t counts[5];
};

/* Is @location in one of the reassembly functions (or a compiler clone)? */
static bool from_reassembly(uint64_t location)
{
	const struct ksym *s = nt_ksyms() ? ksyms__map_addr(nt_ksyms(), location) : NULL;

	for (size_t i = 0; s && i < NT_ARRAY_SIZE(frag_callers); i++)
		if (ksyms__is(s->name, frag_callers[i]))
			return true;
	return false;
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct tool *t = ctx;
	const struct tid_event *e = data;
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN], reason[64] = "", where[160] = "";
	const char *type = e->type < 5 ? type_names[e->type] : "?";

	if (len < sizeof(*e))
		return 0;
	if (e->type == TID_DROP && e->unspecific && !from_reassembly(e->location))
		return 0;
	if (e->type < 5)
		t->counts[e->type]++;
	inet_ntop(AF_INET, &e->saddr, s, sizeof(s));
	inet_ntop(AF_INET, &e->daddr, d, sizeof(d));
	if (e->type == TID_DROP) {
		nt_drop_reason_name(e->reason, reason, sizeof(reason));
		if (e->location)
			ksyms__fmt(nt_ksyms(), e->location, where, sizeof(where));
	}
	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("event", nt_mono_to_wall_ns(e->ts));

		nt_json_str(j, "kind", type);
		nt_json_str(j, "src_ip", s);
		nt_json_str(j, "dst_ip", d);
		nt_json_u64(j, "ip_id", e->id);
		nt_json_str(j, "proto", nt_l4_name(4, e->proto));
		if (e->type == TID_QUEUE || e->type == TID_DROP) {
			nt_json_u64(j, "offset", e->offset);
			nt_json_bool(j, "more_fragments", e->more);
		}
		nt_json_u64(j, "len", e->len);
		if (e->type == TID_DROP) {
			nt_json_str(j, "reason", reason);
			nt_json_str(j, "location", where[0] ? where : "-");
		} else {
			nt_json_u64(j, "user", e->user);
		}
		if (e->type == TID_QUEUE) {
			nt_json_str(j, "ifname", e->ifname);
			nt_json_u64(j, "ifindex", e->dev.ifindex);
		}
		nt_json_u64(j, "netns", e->netns);
		nt_json_u64(j, "pid", e->pid);
		nt_json_str(j, "comm", e->comm);
		nt_json_end(j);
		return 0;
	}
	{
		char when[32];

		nt_fmt_clock(nt_mono_to_wall_ns(e->ts), when, sizeof(when));
		nt_text("%-12s %-11s %s -> %s  ID=%u Proto=%s", when, type, s, d, e->id,
			nt_l4_name(4, e->proto));
		if (e->type == TID_QUEUE || e->type == TID_DROP)
			nt_text(" Offset=%u%s", e->offset, e->more ? " MF" : "");
		nt_text(" Len=%u", e->len);
		if (e->type == TID_QUEUE)
			nt_text(" DEV=%s User=%u", e->ifname, e->user);
		if (e->type == TID_DROP)
			nt_text(" Reason=%s Location=%s", reason, where[0] ? where : "-");
		if (e->netns)
			nt_text(" NS=%u", e->netns);
		nt_text("\n");
	}
	return 0;
}

static void report_summary(struct tool *t, const struct nt_stage_plan *plans, int nplans)
{
	uint64_t lost = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_LOST_EVENTS);

	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("summary", 0);

		nt_json_obj(j, "events");
		for (int i = 1; i < 5; i++)
			nt_json_u64(j, type_names[i], t->counts[i]);
		nt_json_obj_end(j);
		nt_json_arr(j, "stages_missing");
		for (int i = 0; i < nplans; i++)
			if (!plans[i].cand)
				nt_json_str(j, NULL, plans[i].stage->name);
		nt_json_arr_end(j);
		nt_json_u64(j, "lost_events", lost);
		nt_json_end(j);
		return;
	}
	nt_text("\n=== trace_ip_defrag summary ===\nqueued %llu  reassembled %llu  expired %llu  "
		"dropped %llu  lost events %llu\n", (unsigned long long)t->counts[1],
		(unsigned long long)t->counts[2], (unsigned long long)t->counts[3],
		(unsigned long long)t->counts[4], (unsigned long long)lost);
}

/* Fragment drops: by reason where this kernel names fragment reasons; and by
 * caller for frees without a specific one (kernels before reasons, and those
 * with reasons but no fragment ones yet, e.g. 6.1's NOT_SPECIFIED free of the
 * timed-out head in ip_expire). The callers' ranges are learnt once tracing has
 * begun (learn_callers). */
static void set_reasons(struct trace_ip_defrag_bpf *skel)
{
	__u32 n = 0;

	if (!nt_drop_has_reasons())
		return;
	for (size_t i = 0; i < NT_ARRAY_SIZE(frag_reasons) && n < TID_MAX_REASONS; i++) {
		long long v = nt_drop_reason_value(frag_reasons[i]);

		if (v >= 0)
			((__u32 *)skel->rodata->targ_reasons)[n++] = (__u32)v;
	}
	skel->rodata->targ_nreasons = n;
}

/* kallsyms costs tens of ms: read once tracing has begun, not before, and
 * scanned for the callers' ranges without keeping a table (~4.5 MiB; a
 * location printed later loads it). Until callers_known is set the programs
 * send every unspecific free of a fragment and on_event judges it by
 * from_reassembly(). */
static void learn_callers(struct nt_run *r)
{
	struct trace_ip_defrag_bpf *skel = r->skel;
	uint64_t lo[NT_ARRAY_SIZE(frag_callers)], hi[NT_ARRAY_SIZE(frag_callers)];
	__u32 n = 0;

	_Static_assert(NT_ARRAY_SIZE(frag_callers) <= NT_KSYMS_SCAN_MAX, "one scan");
	if (getenv("NT_TEST_CALLERS_UNKNOWN"))  /* tests: user space judges the whole run */
		return;
	/* unreadable: no range, every unspecific free stays out, as before the scan */
	ksyms__scan("/proc/kallsyms", frag_callers, lo, hi, NT_ARRAY_SIZE(frag_callers));
	for (size_t i = 0; i < NT_ARRAY_SIZE(frag_callers) && n < TID_MAX_CALLERS; i++) {
		if (!lo[i])
			continue;
		skel->bss->caller_lo[n] = lo[i];
		skel->bss->caller_hi[n] = hi[i];
		n++;
	}
	skel->bss->ncallers = n;
	__atomic_store_n(&skel->bss->callers_known, 1, __ATOMIC_RELEASE);
	nt_dbg("reassembly code for unspecific frees: %u of %zu functions in kallsyms", n,
	       NT_ARRAY_SIZE(frag_callers));
}

NT_SKEL(trace_ip_defrag);

static struct config cfg;
static struct tool tool;

static int configure(struct nt_run *r)
{
	struct trace_ip_defrag_bpf *skel = r->skel;

	tool.skel = skel;
	skel->rodata->targ_saddr = cfg.filter.saddr.v4;        /* 0 when not given */
	skel->rodata->targ_daddr = cfg.filter.daddr.v4;
	skel->rodata->targ_proto = cfg.filter.l4_proto;
	set_reasons(skel);
	return 0;
}

static void describe(struct nt_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "IPv4 fragment reassembly");
}

static void finish(struct nt_run *r)
{
	report_summary(&tool, r->plans, r->def->nstages);
}

static const struct nt_tool_hooks hooks = {
	.planned = nt_drop_planned,
	.configure = configure,
	.describe = describe,
	.begun = learn_callers,
	.on_event = on_event,
	.finish = finish,
};

const struct nt_tool_def trace_ip_defrag_tool = {
	.cli = {
		.tool = "trace_ip_defrag",
		.synopsis = "[--src-ip IP] [--dst-ip IP] [--protocol P]",
		.description =
			"Follow IPv4 fragment reassembly: fragments queued (ip_defrag), datagrams\n"
			"reassembled, queues timed out (ip_expire), fragments dropped (timeout, too\n"
			"far, duplicate) — each with the datagram identity (addresses, IP id,\n"
			"protocol) and the fragment offset. Drops come from the kfree_skb tracepoint\n"
			"(drop reasons); queue/reassembly/expiry need function probes (fentry or\n"
			"kprobe) and are reported missing where the kernel has neither.",
		.examples =
			"  nettrail trace_ip_defrag\n"
			"  nettrail trace_ip_defrag --src-ip 10.0.0.1 --protocol udp\n"
			"  nettrail trace_ip_defrag --dst-ip 10.0.0.2 --json --duration 60\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &trace_ip_defrag_skel,
	.hooks = &hooks,
	.ctx = &tool,
};
