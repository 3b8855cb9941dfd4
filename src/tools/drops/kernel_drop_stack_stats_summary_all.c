// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * kernel_drop_stack_stats_summary_all — where does the kernel drop packets
 * most? (manual 3.4 / 3.7; cheap enough to leave running)
 *
 * Kernel event: skb:kfree_skb (tp_btf, raw_tp or tracepoint), else the drop
 * function via fentry/kprobe — the drop floor of eth_drop. Instead of one
 * event per drop, the kernel counts drops per (stack id, reason, device,
 * 5-tuple) in a bounded hash map; every --interval user space swaps the
 * interval generation, reads and clears the finished one and prints the top
 * stacks (with their reasons, devices and flows) and the top flows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "nt.h"
#include "tool.h"
#include "addr.h"
#include "btfinfo.h"
#include "cli.h"
#include "drops.h"
#include "iface.h"
#include "ksyms.h"
#include "output.h"
#include "run.h"
#include "kernel_drop_stack_stats_summary_all.h"
#include "kernel_drop_stack_stats_summary_all.skel.h"

static const struct nt_stage stages[] = {
	{ "drop", "the kernel frees an skb as dropped", false, { NT_DROP_CANDIDATES } },
};

enum group_by { GROUP_ALL, GROUP_STACK, GROUP_FLOW };

struct config {
	struct nt_drop_filters f;
	double interval;
	unsigned long long top, max_entries, max_stacks, frames;
	int group_by;                   /* enum group_by */
	bool no_stack, no_normal_filter;
};

static struct config cfg = {
	.interval = 10,
	.top = 5,
	.max_entries = KDS_DEFAULT_ENTRIES,
	.max_stacks = KDS_DEFAULT_STACKS,
	.frames = 5,
	.group_by = GROUP_ALL,
};

static const struct nt_enum group_names[] = {
	{ "all", GROUP_ALL }, { "stack", GROUP_STACK }, { "fivetuple", GROUP_FLOW },
	{ "flow", GROUP_FLOW }, { NULL },
};

#define C struct config
static const struct nt_opt options[] = {
	NT_OPT_INTERVAL('i', C, interval, "report every SEC seconds (default 10)"),
	NT_OPT_ROW("top", 't', "N", "show the N largest stacks/flows per report (default 5)",
		   NT_OPT_UINT, C, top, 0, 1, 1000, NULL),
	NT_DROP_OPT_IFACE("name", 'n', "only drops of skbs on this interface", C, f),
	NT_DROP_OPT_IFACE("interface", 0, "same as --name", C, f),
	NT_DROP_OPTS_FILTER(C, f),
	NT_OPT_E("group-by", "WHAT", "all|stack|fivetuple: which tables to print (default all)",
		 C, group_by, group_names, 0),
	NT_OPT_U("max-entries", "N", "kernel cells (stack, reason, device, flow) per interval; "
		 "inserts beyond are counted as map_full (default 10240)", C, max_entries,
		 16, 1 << 20, NULL),
	NT_OPT_U("max-stacks", "N", "distinct stacks kept (default 1024)", C, max_stacks,
		 16, 1 << 16, NULL),
	NT_OPT_U("frames", "N", "stack frames printed per stack in text (default 5)", C, frames,
		 1, NT_STACK_DEPTH, NULL),
	NT_OPTS_NO_STACK(C, no_stack, "count per reason/device/flow only, no stacks (cheaper)"),
	NT_OPT_B("disable-normal-filter", "also count normal frees (QUEUE_PURGE ...)", C,
		 no_normal_filter),
};
#undef C

/* ---- grouping (pure) ------------------------------------------------------- */

static enum kds_by sort_by;

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static int flow_cmp(const struct kds_key *a, const struct kds_key *b)
{
	int r;

	if (a->dev.netns != b->dev.netns)
		return a->dev.netns < b->dev.netns ? -1 : 1;
	if (a->dev.ifindex != b->dev.ifindex)
		return a->dev.ifindex < b->dev.ifindex ? -1 : 1;
	if (a->family != b->family)
		return a->family - b->family;
	if (a->l4_proto != b->l4_proto)
		return a->l4_proto - b->l4_proto;
	if ((r = memcmp(&a->saddr, &b->saddr, sizeof(a->saddr))))
		return r;
	if ((r = memcmp(&a->daddr, &b->daddr, sizeof(a->daddr))))
		return r;
	if (a->sport != b->sport)
		return a->sport - b->sport;
	return a->dport - b->dport;
}

static int stack_cmp(const struct kds_key *a, const struct kds_key *b)
{
	if (a->stack_id != b->stack_id)
		return a->stack_id < b->stack_id ? -1 : 1;
	if (a->reason != b->reason)
		return a->reason < b->reason ? -1 : 1;
	return 0;
}

static int group_cmp(const struct kds_key *a, const struct kds_key *b)
{
	return sort_by == KDS_BY_STACK ? stack_cmp(a, b) : flow_cmp(a, b);
}

static int rec_cmp(const void *pa, const void *pb)
{
	const struct kds_rec *a = pa, *b = pb;
	int r = group_cmp(&a->key, &b->key);

	return r ? r : cmp_u64_desc(a->count, b->count);
}

static int groupv_cmp(const void *pa, const void *pb)
{
	const struct kds_group *a = pa, *b = pb;
	int r = cmp_u64_desc(a->count, b->count);

	return r ? r : a->first - b->first;
}

int kds_group(struct kds_rec *recs, int n, enum kds_by by, struct kds_group *groups, int max)
{
	struct kds_group *all;
	int ng = 0;

	if (n <= 0 || max <= 0)
		return 0;
	sort_by = by;
	qsort(recs, n, sizeof(*recs), rec_cmp);
	all = calloc(n, sizeof(*all));
	if (!all)
		return 0;
	for (int i = 0; i < n; i++) {
		if (ng && !group_cmp(&all[ng - 1].key, &recs[i].key)) {
			all[ng - 1].count += recs[i].count;
			all[ng - 1].n++;
			continue;
		}
		all[ng].key = recs[i].key;
		all[ng].count = recs[i].count;
		all[ng].first = i;
		all[ng].n = 1;
		ng++;
	}
	qsort(all, ng, sizeof(*all), groupv_cmp);
	if (ng > max)
		ng = max;
	memcpy(groups, all, ng * sizeof(*groups));
	free(all);
	return ng;
}

/* ---- reading the kernel's cells -------------------------------------------- */

#define SUM_STACKS 4096          /* distinct (stack, reason) kept for the final summary */
#define SUM_REASONS 128
#define SUM_REASON_DEVS 256      /* distinct (reason, device) kept for the metrics */

struct sum_stack {
	__s32 stack_id;
	__u32 reason;
	uint64_t count;
	char location[160];
};

struct tool {
	struct config *cfg;
	struct kernel_drop_stack_stats_summary_all_bpf *skel;
	int counts_fd, stacks_fd;
	__u8 gen;
	unsigned cycle;
	uint64_t last_tick_ns;
	uint64_t prev_map_full, prev_stacks_lost;
	struct kds_rec *recs;
	struct kds_key *keys;
	struct kds_total seen[2];       /* per generation, as last read */
	/* whole run: drops = broken down (cells) + unattributed (no cell) */
	uint64_t drops, broken_down, unattributed, map_full_total, stacks_lost_total;
	struct { __u32 code; uint64_t n; } reasons[SUM_REASONS];
	int nreasons;
	/* whole run per (reason, device): the metrics; past the table's end, device "other" */
	struct { __u32 code; struct nt_ifref dev; uint64_t n; } by_dev[SUM_REASON_DEVS];
	int nby_dev;
	struct sum_stack *sum;
	int nsum;
	uint64_t sum_other;
};

static void sum_reason(struct tool *t, __u32 code, uint64_t n)
{
	for (int i = 0; i < t->nreasons; i++)
		if (t->reasons[i].code == code) {
			t->reasons[i].n += n;
			return;
		}
	if (t->nreasons < SUM_REASONS) {
		t->reasons[t->nreasons].code = code;
		t->reasons[t->nreasons++].n = n;
	} else {                /* no row left for the reason: shown as not broken down */
		t->broken_down -= n;
		t->unattributed += n;
	}
}

/* The metrics' row of (reason, device); when the table is full, its last row takes
 * every other pair (reason and device "other"). */
static void sum_reason_dev(struct tool *t, __u32 code, const struct nt_ifref *dev, uint64_t n)
{
	int i;

	for (i = 0; i < t->nby_dev; i++)
		if (t->by_dev[i].code == code && !memcmp(&t->by_dev[i].dev, dev, sizeof(*dev)))
			break;
	if (i == t->nby_dev && i < SUM_REASON_DEVS - 1) {
		t->by_dev[i].code = code;
		t->by_dev[i].dev = *dev;
		t->nby_dev++;
	}
	t->by_dev[i].n += n;    /* i == SUM_REASON_DEVS - 1: the "other" row */
}

/* Drops (and drops without a cell) counted in generation @gen since the last
 * read: per-CPU counters, never reset, so nothing is lost between reads. */
static struct kds_total read_total(struct tool *t, __u8 gen)
{
	int ncpu = libbpf_num_possible_cpus();
	struct kds_total *vals, now = {}, d = {};
	__u32 idx = gen & 1;

	if (ncpu <= 0 || !(vals = calloc(ncpu, sizeof(*vals))))
		return d;
	if (!bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.totals), &idx, vals))
		for (int i = 0; i < ncpu; i++) {
			now.drops += vals[i].drops;
			now.unattributed += vals[i].unattributed;
		}
	free(vals);
	d.drops = now.drops - t->seen[idx].drops;
	d.unattributed = now.unattributed - t->seen[idx].unattributed;
	t->seen[idx] = now;
	return d;
}

/* Cells of every generation but the current one: read, then delete. */
static int collect(struct tool *t, __u8 keep_gen, bool all)
{
	struct kds_key key, next, *prev = NULL;
	int nkeys = 0, n = 0;

	while (nkeys < (int)t->cfg->max_entries &&
	       !bpf_map_get_next_key(t->counts_fd, prev, &next)) {
		key = next;
		if (all || key.gen != keep_gen)
			t->keys[nkeys++] = key;
		prev = &key;
	}
	for (int i = 0; i < nkeys; i++) {
		__u64 v;

		if (bpf_map_lookup_elem(t->counts_fd, &t->keys[i], &v))
			continue;
		bpf_map_delete_elem(t->counts_fd, &t->keys[i]);
		t->recs[n].key = t->keys[i];
		t->recs[n++].count = v;
	}
	return n;
}

static int read_stack(struct tool *t, __s32 id, __u64 *ips)
{
	int n = 0;

	if (id < 0 || bpf_map_lookup_elem(t->stacks_fd, &id, ips))
		return 0;
	while (n < NT_STACK_DEPTH && ips[n])
		n++;
	return n;
}

/* ---- printing -------------------------------------------------------------- */

static void flow_str(const struct kds_key *k, char *buf, size_t len)
{
	struct nt_pkt p = { .saddr = k->saddr, .daddr = k->daddr, .sport = k->sport,
			    .dport = k->dport, .family = k->family };
	char s[64], d[64];

	if (!k->family) {
		snprintf(buf, len, "non-IP");
		return;
	}
	nt_drop_endpoint(&p, true, s, sizeof(s));
	nt_drop_endpoint(&p, false, d, sizeof(d));
	snprintf(buf, len, "%s %s -> %s", nt_l4_name(k->family, k->l4_proto), s, d);
}

static void json_flow_fields(struct nt_json *j, const struct kds_key *k, bool dev)
{
	char a[INET6_ADDRSTRLEN], ifn[32];

	if (dev) {
		nt_json_str(j, "ifname", nt_iface_name(&k->dev, ifn, sizeof(ifn)));
		nt_json_u64(j, "ifindex", k->dev.ifindex);
		nt_json_u64(j, "netns", k->dev.netns);
	}
	nt_json_str(j, "family", k->family == 4 ? "ipv4" : k->family == 6 ? "ipv6" : "other");
	nt_json_str(j, "proto", nt_l4_name(k->family, k->l4_proto));
	nt_json_str(j, "src_ip", k->family ? nt_addr_str(&k->saddr, k->family, a, sizeof(a)) : "");
	nt_json_str(j, "dst_ip", k->family ? nt_addr_str(&k->daddr, k->family, a, sizeof(a)) : "");
	nt_json_u64(j, "src_port", k->sport);
	nt_json_u64(j, "dst_port", k->dport);
}

static void note_stack(struct tool *t, const struct kds_group *g, const char *where)
{
	for (int i = 0; i < t->nsum; i++)
		if (t->sum[i].stack_id == g->key.stack_id && t->sum[i].reason == g->key.reason) {
			t->sum[i].count += g->count;
			return;
		}
	if (t->nsum >= SUM_STACKS) {
		t->sum_other += g->count;
		return;
	}
	t->sum[t->nsum].stack_id = g->key.stack_id;
	t->sum[t->nsum].reason = g->key.reason;
	t->sum[t->nsum].count = g->count;
	snprintf(t->sum[t->nsum].location, sizeof(t->sum[0].location), "%s", where);
	t->nsum++;
}

static void print_stacks(struct tool *t, struct nt_json *j, int n)
{
	const struct ksyms *ks = nt_ksyms();
	struct kds_group *g = calloc(t->cfg->top, sizeof(*g));
	int ng = kds_group(t->recs, n, KDS_BY_STACK, g, (int)t->cfg->top);
	__u64 ips[NT_STACK_DEPTH];
	char reason[64], where[160], sym[160], flow[160], ifn[32];

	if (j)
		nt_json_arr(j, "stacks");
	else if (ng)
		nt_text("Top stacks:\n");
	for (int i = 0; i < ng; i++) {
		int nf = read_stack(t, g[i].key.stack_id, ips);
		int first = nt_stack_first_frame(ips, nf, ks);
		__u64 loc = nt_drop_stack_location(ips, nf, ks);

		nt_drop_reason_name(g[i].key.reason, reason, sizeof(reason));
		if (loc)
			ksyms__fmt(ks, loc, where, sizeof(where));
		else
			snprintf(where, sizeof(where), "-");
		if (j) {
			nt_json_obj(j, NULL);
			nt_json_u64(j, "count", g[i].count);
			nt_json_str(j, "reason", reason);
			nt_json_i64(j, "stack_id", g[i].key.stack_id);
			nt_json_str(j, "location", where);
			nt_json_arr(j, "stack");
			for (int f = first; f < nf; f++)
				nt_json_str(j, NULL, ksyms__fmt(ks, ips[f], sym, sizeof(sym)));
			nt_json_arr_end(j);
			nt_json_arr(j, "flows");
			for (int m = 0; m < g[i].n && m < (int)t->cfg->top; m++) {
				const struct kds_rec *r = &t->recs[g[i].first + m];

				nt_json_obj(j, NULL);
				json_flow_fields(j, &r->key, true);
				nt_json_u64(j, "count", r->count);
				nt_json_obj_end(j);
			}
			nt_json_arr_end(j);
			nt_json_obj_end(j);
		} else {
			nt_text("#%d Count: %llu calls  reason: %s  [stack_id: %d]\n", i + 1,
				(unsigned long long)g[i].count, reason, g[i].key.stack_id);
			nt_text("   Location: %s\n", where);
			for (int m = 0; m < g[i].n && m < (int)t->cfg->top; m++) {
				const struct kds_rec *r = &t->recs[g[i].first + m];

				flow_str(&r->key, flow, sizeof(flow));
				nt_text("   Flow: %-52s [device: %s] %llu\n", flow,
					nt_iface_name(&r->key.dev, ifn, sizeof(ifn)),
					(unsigned long long)r->count);
			}
			if (g[i].n > (int)t->cfg->top)
				nt_text("   ... (%d more flows)\n", g[i].n - (int)t->cfg->top);
			if (nf) {
				int shown = 0;

				nt_text("   Stack:\n");
				for (int f = first; f < nf && shown < (int)t->cfg->frames; f++, shown++)
					nt_text("     %s\n", ksyms__fmt(ks, ips[f], sym, sizeof(sym)));
				if (nf - first > shown)
					nt_text("     ... (%d more frames)\n", nf - first - shown);
			} else if (g[i].key.stack_id >= 0) {
				nt_text("   Stack: (evicted from the stack map)\n");
			}
		}
	}
	if (j)
		nt_json_arr_end(j);
	free(g);
}

static void print_flows(struct tool *t, struct nt_json *j, int n)
{
	struct kds_group *g = calloc(t->cfg->top, sizeof(*g));
	int ng = kds_group(t->recs, n, KDS_BY_FLOW, g, (int)t->cfg->top);
	char flow[160], ifn[32], reason[64];

	if (j)
		nt_json_arr(j, "flows");
	else if (ng)
		nt_text("Top flows:\n");
	for (int i = 0; i < ng; i++) {
		if (j) {
			nt_json_obj(j, NULL);
			nt_json_u64(j, "count", g[i].count);
			json_flow_fields(j, &g[i].key, true);
			nt_json_obj(j, "reasons");
		} else {
			flow_str(&g[i].key, flow, sizeof(flow));
			nt_text("#%d Count: %llu  %s  [device: %s]  reasons:", i + 1,
				(unsigned long long)g[i].count, flow,
				nt_iface_name(&g[i].key.dev, ifn, sizeof(ifn)));
		}
		/* members are (stack, reason) cells of this flow: merge by reason */
		for (int m = 0; m < g[i].n; m++) {
			const struct kds_rec *r = &t->recs[g[i].first + m];
			uint64_t c = 0;
			bool dup = false;

			for (int q = 0; q < m; q++)
				dup |= t->recs[g[i].first + q].key.reason == r->key.reason;
			if (dup)
				continue;
			for (int q = m; q < g[i].n; q++)
				if (t->recs[g[i].first + q].key.reason == r->key.reason)
					c += t->recs[g[i].first + q].count;
			nt_drop_reason_name(r->key.reason, reason, sizeof(reason));
			if (j)
				nt_json_u64(j, reason, c);
			else
				nt_text(" %s %llu", reason, (unsigned long long)c);
		}
		if (j) {
			nt_json_obj_end(j);
			nt_json_obj_end(j);
		} else {
			nt_text("\n");
		}
	}
	if (j)
		nt_json_arr_end(j);
	free(g);
}

/* Fold this interval's stacks into the run's summary (all groups, not only the top). */
static void fold_summary(struct tool *t, int n)
{
	const struct ksyms *ks = nt_ksyms();
	struct kds_group *g;
	int ng;
	__u64 ips[NT_STACK_DEPTH];
	char where[160];

	if (!n)
		return;
	g = calloc(n, sizeof(*g));
	if (!g)
		return;
	ng = kds_group(t->recs, n, KDS_BY_STACK, g, n);
	for (int i = 0; i < ng; i++) {
		int nf = read_stack(t, g[i].key.stack_id, ips);
		__u64 loc = nt_drop_stack_location(ips, nf, ks);

		if (loc)
			ksyms__fmt(ks, loc, where, sizeof(where));
		else
			snprintf(where, sizeof(where), "-");
		note_stack(t, &g[i], where);
		sum_reason(t, g[i].key.reason, g[i].count);
	}
	free(g);
}

static void report_interval(struct tool *t, bool final)
{
	struct bpf_map *cnt = t->skel->maps.nt_counters;
	uint64_t map_full = nt_counter_sum(cnt, NT_CNT_MAP_FULL);
	uint64_t stacks_lost = nt_counter_sum(cnt, NT_CNT_STACK_LOST);
	uint64_t now = nt_mono_ns(), cells = 0;
	double secs = (now - t->last_tick_ns) / 1e9;
	struct kds_total tot, other;
	int n;

	/* New drops go to the other generation; give programs already past the
	 * read of cur_gen a moment, then read and clear the finished one. A late
	 * increment re-creates its cell and is read next time: nothing is lost. */
	t->gen ^= 1;
	t->skel->bss->cur_gen = t->gen;
	usleep(2000);
	n = collect(t, t->gen, final);
	for (int i = 0; i < n; i++) {
		cells += t->recs[i].count;
		sum_reason_dev(t, t->recs[i].key.reason, &t->recs[i].key.dev, t->recs[i].count);
	}
	/* the total is counted apart from the cells: a full table leaves part
	 * of it unattributed, never out of the total */
	tot = read_total(t, t->gen ^ 1);
	if (final) {
		other = read_total(t, t->gen);
		tot.drops += other.drops;
		tot.unattributed += other.unattributed;
	}
	t->cycle++;
	t->drops += tot.drops;
	t->broken_down += cells;
	t->unattributed += tot.unattributed;
	t->map_full_total = map_full;
	t->stacks_lost_total = stacks_lost;

	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("interval", 0);

		nt_json_u64(j, "cycle", t->cycle);
		nt_json_f64(j, "interval_s", secs);
		nt_json_u64(j, "drops", tot.drops);
		nt_json_u64(j, "broken_down", cells);
		nt_json_u64(j, "unattributed", tot.unattributed);
		nt_json_u64(j, "cells", n);
		nt_json_u64(j, "map_full", map_full - t->prev_map_full);
		nt_json_u64(j, "stacks_lost", stacks_lost - t->prev_stacks_lost);
		nt_json_u64(j, "lost_events", 0);
		if (t->cfg->group_by != GROUP_FLOW)
			print_stacks(t, j, n);
		if (t->cfg->group_by != GROUP_STACK)
			print_flows(t, j, n);
		nt_json_end(j);
	} else {
		char when[32];

		nt_fmt_clock(nt_mono_to_wall_ns(now), when, sizeof(when));
		nt_text("\n[%s] Cycle %u - Interval drops: %llu (%.1f s; cells %d, map full %llu, "
			"stacks lost %llu)\n", when, t->cycle, (unsigned long long)tot.drops, secs, n,
			(unsigned long long)(map_full - t->prev_map_full),
			(unsigned long long)(stacks_lost - t->prev_stacks_lost));
		if (tot.unattributed)
			nt_text("Not broken down (table full, raise --max-entries): %llu of the %llu "
				"drops\n", (unsigned long long)tot.unattributed,
				(unsigned long long)tot.drops);
		if (t->cfg->group_by != GROUP_FLOW)
			print_stacks(t, NULL, n);
		if (t->cfg->group_by != GROUP_STACK)
			print_flows(t, NULL, n);
	}
	fold_summary(t, n);
	t->prev_map_full = map_full;
	t->prev_stacks_lost = stacks_lost;
	t->last_tick_ns = now;
}

static void on_tick(void *ctx)
{
	report_interval(ctx, false);
}

static int sum_cmp(const void *pa, const void *pb)
{
	const struct sum_stack *a = pa, *b = pb;

	return cmp_u64_desc(a->count, b->count);
}

static void report_summary(struct tool *t)
{
	uint64_t normal = nt_counter_sum(t->skel->maps.nt_counters, NT_DROP_CNT_NORMAL);
	char name[64];
	int top = t->nsum < (int)t->cfg->top ? t->nsum : (int)t->cfg->top;

	qsort(t->sum, t->nsum, sizeof(*t->sum), sum_cmp);
	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("summary", 0);

		nt_json_u64(j, "cycles", t->cycle);
		nt_json_u64(j, "drops", t->drops);
		nt_json_u64(j, "broken_down", t->broken_down);
		nt_json_u64(j, "unattributed", t->unattributed);
		nt_json_obj(j, "reasons");
		for (int i = 0; i < t->nreasons; i++)
			nt_json_u64(j, nt_drop_reason_name(t->reasons[i].code, name, sizeof(name)),
				    t->reasons[i].n);
		nt_json_obj_end(j);
		nt_json_arr(j, "top_stacks");
		for (int i = 0; i < top; i++) {
			nt_json_obj(j, NULL);
			nt_json_u64(j, "count", t->sum[i].count);
			nt_json_str(j, "reason", nt_drop_reason_name(t->sum[i].reason, name, sizeof(name)));
			nt_json_i64(j, "stack_id", t->sum[i].stack_id);
			nt_json_str(j, "location", t->sum[i].location);
			nt_json_obj_end(j);
		}
		nt_json_arr_end(j);
		nt_json_u64(j, "map_full", t->map_full_total);
		nt_json_u64(j, "stacks_lost", t->stacks_lost_total);
		nt_json_u64(j, "lost_events", 0);
		nt_json_u64(j, "normal_frees_skipped", normal);
		nt_json_end(j);
		return;
	}
	nt_text("\n=== kernel_drop_stack_stats_summary_all summary ===\n"
		"Cycles: %u  Drops: %llu  Map full: %llu  Stacks lost: %llu  Lost events: 0\n",
		t->cycle, (unsigned long long)t->drops, (unsigned long long)t->map_full_total,
		(unsigned long long)t->stacks_lost_total);
	if (t->unattributed)
		nt_text("  %-28s %llu\n", "not broken down (table full)",
			(unsigned long long)t->unattributed);
	for (int i = 0; i < t->nreasons; i++)
		nt_text("  %-28s %llu\n", nt_drop_reason_name(t->reasons[i].code, name, sizeof(name)),
			(unsigned long long)t->reasons[i].n);
	for (int i = 0; i < top; i++)
		nt_text("#%d Count: %llu  reason: %s  [stack_id: %d]  %s\n", i + 1,
			(unsigned long long)t->sum[i].count,
			nt_drop_reason_name(t->sum[i].reason, name, sizeof(name)), t->sum[i].stack_id,
			t->sum[i].location);
}

NT_SKEL(kernel_drop_stack_stats_summary_all);

static struct tool tool;            /* zeroed (.bss): only the pages used are resident */

static int configure(struct nt_run *r)
{
	struct kernel_drop_stack_stats_summary_all_bpf *skel = r->skel;

	tool.recs = calloc(cfg.max_entries, sizeof(*tool.recs));
	tool.keys = calloc(cfg.max_entries, sizeof(*tool.keys));
	tool.sum = calloc(SUM_STACKS, sizeof(*tool.sum));
	if (!tool.recs || !tool.keys || !tool.sum) {
		nt_err("out of memory");
		return NT_EXIT_RUNTIME;
	}
	tool.cfg = &cfg;
	tool.skel = skel;
	NT_DROP_SET_FILTERS(skel->rodata, &cfg.f);
	skel->rodata->targ_stacks = !cfg.no_stack;
	NT_DROP_SET_NORMAL_FILTER(skel->rodata, cfg.no_normal_filter);
	bpf_map__set_max_entries(skel->maps.counts, cfg.max_entries);
	bpf_map__set_max_entries(skel->maps.stacks, cfg.max_stacks);
	r->tick_ms = (int)(cfg.interval * 1000);
	return 0;
}

static int attached(struct nt_run *r)
{
	tool.counts_fd = bpf_map__fd(tool.skel->maps.counts);
	tool.stacks_fd = bpf_map__fd(tool.skel->maps.stacks);
	tool.last_tick_ns = nt_mono_ns();
	return 0;
}

static void describe(struct nt_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "drops per stack, reason, device and flow, report every %g s",
		 cfg.interval);
}

static void finish(struct nt_run *r)
{
	report_interval(&tool, true);      /* the partial last interval */
	report_summary(&tool);
}

static void cleanup(struct nt_run *r)
{
	free(tool.recs);
	free(tool.keys);
	free(tool.sum);
}

/* --prometheus: the run's drops per reason and device (the cells), those not
 * broken down, and what the tables refused. */
static void metrics(void *ctx, struct nt_prom *m)
{
	struct tool *t = ctx;
	char reason[64], dev[32], netns[16];

	for (int i = 0; i < SUM_REASON_DEVS; i++) {
		bool other = i == SUM_REASON_DEVS - 1;

		if (i >= t->nby_dev && !(other && t->by_dev[i].n))
			continue;
		/* a device of another namespace is "if<N>": its namespace tells them apart */
		snprintf(netns, sizeof(netns), "%u", t->by_dev[i].dev.netns);
		nt_prom_add(m, "nettrail_drops_total", NT_PROM_COUNTER,
			    "dropped packets per drop reason and device (netns: its namespace's inode)",
			    (double)t->by_dev[i].n,
			    "reason", other ? "other" : nt_drop_reason_name(t->by_dev[i].code, reason,
									  sizeof(reason)),
			    "device", other ? "other" : nt_iface_name(&t->by_dev[i].dev, dev, sizeof(dev)),
			    "netns", other ? "other" : netns, NULL);
	}
	nt_prom_add(m, "nettrail_drops_unattributed_total", NT_PROM_COUNTER,
		    "drops counted but not broken down (the table was full: raise --max-entries)",
		    (double)t->unattributed, NULL);
	nt_prom_add(m, "nettrail_map_full_total", NT_PROM_COUNTER,
		    "drops the table had no cell for", (double)t->map_full_total, NULL);
	nt_prom_add(m, "nettrail_stacks_lost_total", NT_PROM_COUNTER,
		    "drops whose kernel stack the stack table refused", (double)t->stacks_lost_total,
		    NULL);
}

static const struct nt_tool_hooks hooks = {
	.metrics = metrics,
	.planned = nt_drop_planned,
	.configure = configure,
	.attached = attached,
	.describe = describe,
	.tick = on_tick,
	.finish = finish,
	.cleanup = cleanup,
};

const struct nt_tool_def kernel_drop_stack_stats_summary_all_tool = {
	.cli = {
		.tool = "kernel_drop_stack_stats_summary_all",
		.synopsis = "[-i SEC] [-t N] [-n IF] [--src-ip IP] [--dst-ip IP] [--protocol P] "
			    "[--src-port N] [--dst-port N] [--port N] [options]",
		.description =
			"Count dropped packets in the kernel per (kernel stack, drop reason, device,\n"
			"5-tuple) and print, every --interval, the stacks that drop most with their\n"
			"reasons, devices and flows, and the flows that lose most. No per-drop event\n"
			"leaves the kernel and memory is bounded (--max-entries cells, --max-stacks\n"
			"stacks; refused inserts are counted as map_full / stacks_lost), so it can be\n"
			"left running on a busy host. Filters as eth_drop, in the kernel.",
		.examples =
			"  nettrail kernel_drop_stack_stats_summary_all                  # every 10 s\n"
			"  nettrail kernel_drop_stack_stats_summary_all -i 5 -t 10 -n ens4f0\n"
			"  nettrail kernel_drop_stack_stats_summary_all --protocol udp --dst-port 4789\n"
			"  nettrail kernel_drop_stack_stats_summary_all --group-by stack --json -d 60\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &kernel_drop_stack_stats_summary_all_skel,
	.hooks = &hooks,
	.ctx = &tool,
};
