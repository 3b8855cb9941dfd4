// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The common half of the latency family: stage positions, options, the
 * runner hooks every member shares (plan on --phy-interface, fill targ_cfg,
 * report), and the output of each kind (RTT exchanges, per-interval
 * histograms, per-packet details and metrics). Each tool's .c declares its
 * stage list, the hook of each stage, its flags and help text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nt.h"
#include "tool.h"
#include "btfinfo.h"
#include "cli.h"
#include "hist.h"
#include "iface.h"
#include "ksyms.h"
#include "drops.h"
#include "output.h"
#include "prom.h"
#include "run.h"
#include "lat.h"

const struct lat_hook_info lat_hooks[LH_MAX] = { LAT_HOOKS(LAT_HOOK_INFO, LAT_U) };

static bool is_delivery(int h)
{
	return h == LH_SOCK_COPY || h == LH_CONSUME;
}

/* Path @p of the layout uses the transmit order (true) or the receive one. */
static bool path_is_tx(enum lat_kind kind, int dir, int p)
{
	if (kind == LAT_KIND_RTT)
		return dir == LAT_DIR_TX ? p == 0 : p == 1;
	return p == 0;
}

/* The lowest position of path @p (0: the path is empty). */
static int first_pos(const struct lat_kcfg *k, int p, int n)
{
	int first = 0;

	for (int i = 0; i < n; i++)
		if (k->pos[p][i] && (!first || k->pos[p][i] < first))
			first = k->pos[p][i];
	return first;
}

/* The first planned slot of hook @h, else LAT_NO_SLOT. */
static int planned_slot(const struct lat_hook_info *const *slots, int n, const bool *planned, int h)
{
	for (int i = 0; i < n; i++)
		if (planned[i] && slots[i]->id == h)
			return i;
	return LAT_NO_SLOT;
}

/* A forwarding path (a VM's tap <-> the physical interface) opens its records
 * at the first planned position that is not a switch hook. */
static void fwd_starts(struct lat_kcfg *k, int p, const struct lat_hook_info *const *slots, int n)
{
	int start = 0;

	for (int i = 0; i < n; i++)
		if (k->pos[p][i] && slots[i]->cls != LAT_CL_OVS && (!start || k->pos[p][i] < start))
			start = k->pos[p][i];
	for (int i = 0; i < n; i++)
		if (start && k->pos[p][i] == start && slots[i]->cls != LAT_CL_OVS)
			k->start_mask[p] |= 1ull << i;
}

void lat_layout(struct lat_kcfg *k, enum lat_kind kind, int dir, bool fwd,
		const struct lat_hook_info *const *slots, int n, const bool *planned)
{
	memset(k->pos, 0, sizeof(k->pos));
	memset(k->end_pos, 0, sizeof(k->end_pos));
	memset(k->start_mask, 0, sizeof(k->start_mask));
	memset(k->open_mask, 0, sizeof(k->open_mask));
	for (int p = 0; p < LAT_NPATHS; p++) {
		bool tx = path_is_tx(kind, dir, p);
		int ip_start = 0, dev_start = 0;

		if (kind != LAT_KIND_RTT && !(dir & (p == 0 ? LAT_DIR_TX : LAT_DIR_RX)))
			continue;
		for (int i = 0; i < n; i++) {
			int h = slots[i]->id, pos = tx ? slots[i]->tx_pos : slots[i]->rx_pos;

			if (!planned[i] || !pos)
				continue;
			/* delivery to a socket ends a path only where the packet is
			 * received for good: not the echo request the kernel answers
			 * before the reply path starts */
			if (is_delivery(h) && kind == LAT_KIND_RTT && p == 0)
				continue;
			k->pos[p][i] = pos;
			if (pos > k->end_pos[p])
				k->end_pos[p] = pos;
			if (tx && pos <= 3 && (!ip_start || pos < ip_start))
				ip_start = pos;
			if ((tx && (h == LH_DEV_QUEUE || h == LH_DEV_XMIT)) || (!tx && h == LH_NETIF_RX))
				if (!dev_start || pos < dev_start)
					dev_start = pos;
		}
		if (kind == LAT_KIND_RTT && p == 1)
			continue;       /* replies only update exchanges the request opened */
		if (fwd)
			fwd_starts(k, p, slots, n);
		/* Records open at the earliest layer that is planned: the IP layer
		 * when function probes work, else the device layer. OVS hooks never
		 * open one (they also carry traffic that is not the host's). */
		for (int i = 0; i < n && !fwd; i++) {
			int pos = k->pos[p][i];

			if (!pos || slots[i]->cls == LAT_CL_OVS)
				continue;
			if (ip_start ? (pos <= 3) : (pos <= dev_start))
				k->start_mask[p] |= 1ull << i;
		}
		/* A one-way packet's first hook restarts any record of its key
		 * (see lat_on): no need to look one up. */
		for (int i = 0, first = first_pos(k, p, n); i < n && kind != LAT_KIND_RTT; i++)
			if ((k->start_mask[p] & (1ull << i)) && k->pos[p][i] == first)
				k->open_mask[p] |= 1ull << i;
	}
	k->final_path = 1;
	/* UDP hands linear datagrams to the reader without skb_copy_datagram_iovec
	 * (copy_linear_skb) and frees them late (deferred to the allocating CPU on
	 * 6.18), so neither ends its path: it ends where the datagram is queued to
	 * the socket (sk_data_ready, 6.6+), else at __udp4_lib_rcv. */
	k->udp_end_slot = planned_slot(slots, n, planned, LH_SK_DATA_READY);
	if (k->udp_end_slot == LAT_NO_SLOT)
		k->udp_end_slot = planned_slot(slots, n, planned, LH_UDP_RCV);
}

int lat_rec_order(const struct lat_rec_head *rec, const struct lat_geom *g, int *slots, int *paths)
{
	int n = 0;

	for (int p = 0; p < g->rec_paths; p++)
		for (int h = 0; h < g->nhooks; h++)
			if (lat_stamp(rec, g, p, h)->ts) {
				slots[n] = h;
				paths[n] = p;
				n++;
			}
	/* insertion sort by time: request stages before reply stages on ties */
	for (int i = 1; i < n; i++) {
		int hh = slots[i], pp = paths[i], j = i - 1;
		__u64 t = lat_stamp(rec, g, pp, hh)->ts;

		while (j >= 0 && (lat_stamp(rec, g, paths[j], slots[j])->ts > t ||
				  (lat_stamp(rec, g, paths[j], slots[j])->ts == t && paths[j] > pp))) {
			slots[j + 1] = slots[j];
			paths[j + 1] = paths[j];
			j--;
		}
		slots[j + 1] = hh;
		paths[j + 1] = pp;
	}
	return n;
}

int lat_bottleneck(const __u64 *ts, int n)
{
	int best = -1;
	__u64 bd = 0;

	for (int i = 0; i + 1 < n; i++) {
		__u64 d = ts[i + 1] > ts[i] ? ts[i + 1] - ts[i] : 0;

		if (best < 0 || d > bd) {
			best = i;
			bd = d;
		}
	}
	return best;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

bool lat_abnormal(const double *hist, int n, double v)
{
	double s[64], med;

	if (n < 4)
		return false;
	if (n > 64)
		n = 64;
	memcpy(s, hist, n * sizeof(double));
	qsort(s, n, sizeof(double), cmp_double);
	med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return v >= 2 * med;
}

const struct nt_enum lat_sort_names[] = {
	{ "count", LAT_SORT_COUNT }, { "avg", LAT_SORT_AVG }, { "p90", LAT_SORT_P90 },
	{ "p99", LAT_SORT_P99 }, { NULL },
};

const struct nt_enum lat_dir_names[] = {
	{ "tx", LAT_DIR_TX }, { "rx", LAT_DIR_RX }, { "both", LAT_DIR_BOTH }, { NULL },
};

const char *lat_sort_name(int s)
{
	return s >= 0 && s < 4 ? lat_sort_names[s].name : "?";
}

/* ---- options ---------------------------------------------------------- */

int lat_handle_opt(int key, const char *arg, void *data)
{
	struct lat_config *c = data;
	bool ms = key == LAT_OPT_LAT_MS;
	const char *flag = ms ? "--latency-ms" : key == LAT_OPT_THRESHOLD ? "--threshold" : "--latency-us";
	unsigned long long v;

	if (key == LAT_OPT_VM_IP) {
		c->has_vm_ip = true;
		return nt_arg_ipv4("--vm-ip", arg, &c->vm_ip);
	}
	if (nt_arg_uint(flag, arg, 0,
			ms ? 3600000 : 3600000000ULL, ms ? "ms" : "us", &v))
		return -1;
	c->threshold_us = ms ? v * 1000 : v;
	c->threshold_set = true;
	c->threshold_ms_given |= ms;
	c->threshold_us_given |= !ms;
	return 0;
}

/* The filter's addresses as text for the reports, NULL when not given. */
static const char *addr_of(bool has, const union nt_addr *a, char *buf, size_t len)
{
	return has ? nt_addr_str(a, 4, buf, len) : NULL;
}

int lat_validate(void *cfg)
{
	struct lat_config *c = cfg;
	const struct nt_filter *f = &c->filter;
	__u8 p = f->l4_proto;

	if (p && p != IPPROTO_TCP && p != IPPROTO_UDP && p != IPPROTO_ICMP)
		return nt_usage_error("--protocol", nt_l4_key(p), "must be tcp, udp, icmp or all");
	if ((c->needs & LAT_NEED_PAIR) && nt_filter_validate_pair(f))
		return -1;
	if ((c->needs & LAT_NEED_ONE_DIR) && c->direction == LAT_DIR_BOTH)
		return nt_usage_error("--direction", "both", "must be tx or rx");
	if (c->threshold_ms_given && c->threshold_us_given)
		return nt_usage_error("--latency-us", NULL, "conflicts with --latency-ms: "
				      "give the threshold once, in one unit");
	c->src_str = addr_of(f->has_saddr, &f->saddr, c->src_buf, sizeof(c->src_buf));
	c->dst_str = addr_of(f->has_daddr, &f->daddr, c->dst_buf, sizeof(c->dst_buf));
	return 0;
}

/* ---- shared formatting ------------------------------------------------- */

struct lat_state {
	const struct lat_tool *tool;
	struct lat_config *cfg;
	struct bpf_object *obj;
	const struct nt_stage_plan *slot_plan[LAT_MAX_HOOKS];   /* NULL: not planned */
	struct lat_geom geom;           /* the tool's record layout (its object's lat_geom) */
	uint64_t twin_mask;             /* VM slots served by their physical twin's program */
	struct bpf_map *counters, *stacks;
	/* RTT / details / metrics */
	double recent[16];
	int nrecent, recent_next;
	struct nt_lat total, wire;
	struct seg_stat {
		int from, to, fp, tp;
		struct nt_lat l;
	} segs[64];
	int nsegs;
	uint64_t events;
	/* summary */
	uint64_t interval_start_ns;
	uint64_t run_started[LAT_NPATHS], run_completed[LAT_NPATHS], run_restarted[LAT_NPATHS];
	struct nt_lat run_total[LAT_NPATHS];
	struct run_pair {               /* stage pairs over the whole run (the metrics) */
		struct lat_pair_key k;  /* gen unused */
		struct nt_lat l;
	} run_pairs[LAT_MAX_PAIRS];
	int nrun_pairs;
	unsigned intervals;
};

/* "TX (socket -> NIC)": a path's name in text reports */
static const char *path_label(const struct lat_state *s, int p)
{
	if (s->tool->where == LAT_AT_VM_PAIR)
		return "VM -> VM (source tap -> destination tap)";
	if (s->tool->where == LAT_AT_VM)
		return p ? "VM RX (NIC -> tap)" : "VM TX (tap -> NIC)";
	return p ? "RX (NIC -> socket)" : "TX (socket -> NIC)";
}

static const char *ip_str(__u32 a, char *buf, size_t len)
{
	return inet_ntop(AF_INET, &a, buf, len) ? buf : "?";
}

static const char *proto_name(int p)
{
	return p == IPPROTO_TCP ? "TCP" : p == IPPROTO_UDP ? "UDP" : p == IPPROTO_ICMP ? "ICMP" : "IP";
}

static const char *lproto_name(int p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : p == IPPROTO_ICMP ? "icmp" : "ip";
}

static const char *ifname(__u32 ifindex, char *buf, size_t len)
{
	struct nt_ifref ref = { nt_netns_self(), ifindex };

	if (!ifindex) {
		snprintf(buf, len, "-");
		return buf;
	}
	return nt_iface_name(&ref, buf, len);
}

static const char *slot_name(const struct lat_state *s, int slot)
{
	return lat_hooks[s->tool->slots[slot].hook].name;
}

/* The tool's slot of hook @h, -1 if its list has none. */
static int slot_of(const struct lat_state *s, int h)
{
	for (int i = 0; i < s->tool->nhooks; i++)
		if (s->tool->slots[i].hook == h)
			return i;
	return -1;
}

static const char *probe_of(const struct lat_state *s, int slot, char *buf, size_t len)
{
	const struct nt_stage_plan *pl = s->slot_plan[slot];

	if (!pl || !pl->cand)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s:%s", nt_kind_name(pl->cand->kind), pl->symbol);
	return buf;
}

static void fmt_us(double us, char *buf, size_t len)
{
	snprintf(buf, len, us >= 100 || us <= -100 ? "%.0f" : "%.1f", us);
}

static void tcp_flags_str(__u8 f, char *buf)
{
	static const char names[] = "FSRPAUEC";
	int n = 0;

	for (int i = 0; i < 8; i++)
		if (f & (1 << i))
			buf[n++] = names[i];
	if (!n)
		buf[n++] = '.';
	buf[n] = 0;
}

static void json_stack(struct lat_state *s, struct nt_json *j, const char *key, const __u64 *st,
		       int n)
{
	char sym[256];

	nt_json_arr(j, key);
	for (int i = nt_stack_first_frame(st, n, nt_ksyms()); i < n && i < NT_STACK_DEPTH && st[i]; i++)
		nt_json_str(j, NULL, ksyms__fmt(nt_ksyms(), st[i], sym, sizeof(sym)));
	nt_json_arr_end(j);
}

static void text_stack(struct lat_state *s, const char *title, const __u64 *st, int n)
{
	char sym[256];

	nt_text("  %s:\n", title);
	for (int i = nt_stack_first_frame(st, n, nt_ksyms()); i < n && i < NT_STACK_DEPTH && st[i]; i++)
		nt_text("    %s\n", ksyms__fmt(nt_ksyms(), st[i], sym, sizeof(sym)));
}

static int stack_of(struct lat_state *s, int id, __u64 *st)
{
	memset(st, 0, NT_STACK_DEPTH * sizeof(__u64));
	if (id < 0 || !s->stacks || bpf_map_lookup_elem(bpf_map__fd(s->stacks), &id, st))
		return 0;
	return NT_STACK_DEPTH;
}

static struct seg_stat *seg_get(struct lat_state *s, int fp, int from, int tp, int to)
{
	for (int i = 0; i < s->nsegs; i++)
		if (s->segs[i].from == from && s->segs[i].to == to && s->segs[i].fp == fp &&
		    s->segs[i].tp == tp)
			return &s->segs[i];
	if (s->nsegs >= (int)NT_ARRAY_SIZE(s->segs))
		return NULL;
	s->segs[s->nsegs] = (struct seg_stat){ from, to, fp, tp, {0} };
	return &s->segs[s->nsegs++];
}

/* ---- RTT exchanges ------------------------------------------------------- */

static const char *seg_kind(const struct lat_state *s, int fp, int tp)
{
	bool tx = s->cfg->direction == LAT_DIR_TX;

	if (fp != tp)
		return tx ? "wire" : "host";
	return fp == 0 ? "request" : "reply";
}

static void rtt_event(struct lat_state *s, const struct lat_event_head *e)
{
	const struct lat_rec_head *r = (const void *)(e + 1);
	int slots[2 * LAT_MAX_HOOKS], paths[2 * LAT_MAX_HOOKS], n, bn;
	__u64 ts[2 * LAT_MAX_HOOKS];
	double total_us = e->total_ns / 1000.0, inter_us = -1, pathus[2] = { 0, 0 };
	bool tx = s->cfg->direction == LAT_DIR_TX, abnormal;
	char when[32], b1[160], b2[160], ifn[32], d[32];
	unsigned id = e->key.id1 >> 16, seq = e->key.id1 & 0xffff;

	n = lat_rec_order(r, &s->geom, slots, paths);
	for (int i = 0; i < n; i++)
		ts[i] = lat_stamp(r, &s->geom, paths[i], slots[i])->ts;
	bn = lat_bottleneck(ts, n);
	for (int i = 0; i + 1 < n; i++) {
		double us = (ts[i + 1] - ts[i]) / 1000.0;
		struct seg_stat *sg = seg_get(s, paths[i], slots[i], paths[i + 1], slots[i + 1]);

		if (sg)
			nt_lat_add_value(&sg->l, ts[i + 1] - ts[i]);
		if (paths[i] != paths[i + 1]) {
			inter_us = us;
			nt_lat_add_value(&s->wire, ts[i + 1] - ts[i]);
		} else {
			pathus[paths[i]] += us;
		}
	}
	nt_lat_add_value(&s->total, e->total_ns);
	abnormal = lat_abnormal(s->recent, s->nrecent, total_us);
	s->recent[s->recent_next++ % 16] = total_us;
	if (s->nrecent < 16)
		s->nrecent++;
	s->events++;

	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("event", nt_mono_to_wall_ns(r->first_ts));
		__u64 st[NT_STACK_DEPTH];

		nt_json_str(j, "src_ip", s->cfg->src_str);
		nt_json_str(j, "dst_ip", s->cfg->dst_str);
		nt_json_str(j, "direction", tx ? "tx" : "rx");
		nt_json_u64(j, "id", id);
		nt_json_u64(j, "seq", seq);
		nt_json_f64(j, "total_rtt_us", total_us);
		if (inter_us >= 0)
			nt_json_f64(j, tx ? "wire_us" : "inter_path_us", inter_us);
		nt_json_f64(j, "request_path_us", pathus[0]);
		nt_json_f64(j, "reply_path_us", pathus[1]);
		nt_json_bool(j, "abnormal", abnormal);
		nt_json_arr(j, "stages");
		for (int i = 0; i < n; i++) {
			const struct lat_stamp *sp = lat_stamp(r, &s->geom, paths[i], slots[i]);

			nt_json_obj(j, NULL);
			nt_json_str(j, "path", paths[i] ? "reply" : "request");
			nt_json_str(j, "name", slot_name(s, slots[i]));
			nt_json_str(j, "probe", probe_of(s, slots[i], b1, sizeof(b1)));
			nt_json_str(j, "iface", ifname(sp->ifindex, ifn, sizeof(ifn)));
			nt_json_u64(j, "cpu", sp->cpu);
			nt_json_u64(j, "ts_ns", sp->ts);
			nt_json_obj_end(j);
		}
		nt_json_arr_end(j);
		nt_json_arr(j, "segments");
		for (int i = 0; i + 1 < n; i++) {
			nt_json_obj(j, NULL);
			nt_json_str(j, "from", slot_name(s, slots[i]));
			nt_json_str(j, "to", slot_name(s, slots[i + 1]));
			nt_json_str(j, "kind", seg_kind(s, paths[i], paths[i + 1]));
			nt_json_f64(j, "us", (ts[i + 1] - ts[i]) / 1000.0);
			if (i == bn)
				nt_json_bool(j, "bottleneck", true);
			nt_json_obj_end(j);
		}
		nt_json_arr_end(j);
		nt_json_obj(j, "paths");
		for (int p = 0; p < 2; p++) {
			nt_json_obj(j, p ? "reply" : "request");
			nt_json_u64(j, "pid", r->pid[p]);
			nt_json_str(j, "comm", r->comm[p]);
			nt_json_obj_end(j);
		}
		nt_json_obj_end(j);
		if (!s->cfg->no_stacks) {
			nt_json_obj(j, "stacks");
			for (int i = 0; i < n; i++) {
				int k = stack_of(s, lat_stack_id(r, &s->geom, paths[i], slots[i]), st);

				if (!k)
					continue;
				snprintf(b2, sizeof(b2), "%s:%s", paths[i] ? "reply" : "request",
					 slot_name(s, slots[i]));
				json_stack(s, j, b2, st, k);
			}
			nt_json_obj_end(j);
		}
		nt_json_end(j);
		return;
	}

	nt_fmt_clock(nt_mono_to_wall_ns(r->first_ts), when, sizeof(when));
	fmt_us(total_us, d, sizeof(d));
	nt_text("[%s] id=%u seq=%u TOTAL_RTT=%sus%s\n", when, id, seq, d,
		abnormal ? "  <<<< ABNORMAL" : "");
	for (int p = 0; p < 2; p++)
		if (r->pid[p] || r->comm[p][0])
			nt_text("  Path %d (%s): PID %u COMM %s\n", p + 1, p ? "reply" : "request",
				r->pid[p], r->comm[p]);
	for (int i = 0; i + 1 < n; i++) {
		const char *label;
		double us = (ts[i + 1] - ts[i]) / 1000.0;

		if (paths[i] != paths[i + 1])
			label = tx ? "WIRE_TIME:" : "HOST:";
		else
			label = (paths[i] == 0) == tx ? "TX:" : "RX:";
		fmt_us(us, d, sizeof(d));
		nt_text("  %-10s [%d->%d] %s (%s) -> %s (%s): %s us%s\n", label, i, i + 1,
			slot_name(s, slots[i]),
			ifname(lat_stamp(r, &s->geom, paths[i], slots[i])->ifindex, b1, sizeof(b1)),
			slot_name(s, slots[i + 1]),
			ifname(lat_stamp(r, &s->geom, paths[i + 1], slots[i + 1])->ifindex, b2,
			       sizeof(b2)), d,
			i == bn ? "  <<<< BOTTLENECK" : "");
	}
	if (inter_us >= 0) {
		fmt_us(inter_us, d, sizeof(d));
		nt_text("  %s %sus", tx ? "WIRE_TIME" : "INTER_PATH", d);
	}
	nt_text("  REQUEST_PATH %.1fus  REPLY_PATH %.1fus\n", pathus[0], pathus[1]);
	if (!s->cfg->no_stacks && bn >= 0) {
		__u64 st[NT_STACK_DEPTH];
		int k = stack_of(s, lat_stack_id(r, &s->geom, paths[bn + 1], slots[bn + 1]), st);
		char title[96];

		snprintf(title, sizeof(title), "stack at %s (end of the bottleneck)",
			 slot_name(s, slots[bn + 1]));
		if (k)
			text_stack(s, title, st, k);
	}
	nt_text("\n");
}

static void seg_summary(struct lat_state *s, struct nt_json *j)
{
	if (j) {
		nt_json_arr(j, "segments");
		for (int i = 0; i < s->nsegs; i++) {
			const struct seg_stat *sg = &s->segs[i];

			nt_json_obj(j, NULL);
			nt_json_str(j, "from", slot_name(s, sg->from));
			nt_json_str(j, "to", slot_name(s, sg->to));
			nt_json_str(j, "kind", s->tool->kind == LAT_KIND_RTT ?
				    seg_kind(s, sg->fp, sg->tp) : sg->fp ? "rx" : "tx");
			nt_lat_json(j, "latency_us", NULL, &sg->l, 1000.0);
			nt_json_obj_end(j);
		}
		nt_json_arr_end(j);
		return;
	}
	if (!s->nsegs)
		return;
	nt_text("Per segment (us)                                            count      avg      max\n");
	for (int i = 0; i < s->nsegs; i++) {
		const struct seg_stat *sg = &s->segs[i];
		char name[96];

		snprintf(name, sizeof(name), "%s -> %s", slot_name(s, sg->from), slot_name(s, sg->to));
		nt_text("  %-56s %8llu %8.1f %8.1f\n", name, (unsigned long long)sg->l.count,
			sg->l.count ? (double)sg->l.sum / sg->l.count / 1000.0 : 0,
			sg->l.max / 1000.0);
	}
}

/* ---- details and metrics -------------------------------------------------- */

static void pkt_line(const struct lat_pkt *p, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], fl[12];

	ip_str(p->saddr, a, sizeof(a));
	ip_str(p->daddr, b, sizeof(b));
	if (p->proto == IPPROTO_TCP) {
		tcp_flags_str(p->tcp_flags, fl);
		snprintf(buf, len, "TCP Segment: %s:%u -> %s:%u (seq=%u, ack=%u, flags=%s, len=%u)", a,
			 p->sport, b, p->dport, p->seq, p->ack, fl, p->ip_len);
	} else if (p->proto == IPPROTO_UDP) {
		snprintf(buf, len, "UDP %s: %s:%u -> %s:%u (ip_id=%u, frag_offset=%u, len=%u)",
			 p->frag_off & 0x3fff ? "Fragment" : "Packet", a, p->sport, b, p->dport,
			 p->ip_id, (p->frag_off & 0x1fff) * 8, p->ip_len);
	} else {
		snprintf(buf, len, "ICMP: %s -> %s (type=%u, id=%u, seq=%u, len=%u)", a, b, p->icmp_type,
			 p->icmp_id, p->icmp_seq, p->ip_len);
	}
}

static void pkt_json(struct nt_json *j, const struct lat_pkt *p)
{
	char a[INET_ADDRSTRLEN];

	nt_json_str(j, "protocol", lproto_name(p->proto));
	nt_json_str(j, "src_ip", ip_str(p->saddr, a, sizeof(a)));
	nt_json_str(j, "dst_ip", ip_str(p->daddr, a, sizeof(a)));
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
		nt_json_u64(j, "src_port", p->sport);
		nt_json_u64(j, "dst_port", p->dport);
	}
	if (p->proto == IPPROTO_TCP) {
		char fl[12];

		tcp_flags_str(p->tcp_flags, fl);
		nt_json_u64(j, "seq", p->seq);
		nt_json_u64(j, "ack", p->ack);
		nt_json_str(j, "tcp_flags", fl);
	} else if (p->proto == IPPROTO_UDP) {
		nt_json_u64(j, "ip_id", p->ip_id);
		nt_json_u64(j, "frag_offset", (p->frag_off & 0x1fff) * 8);
	} else if (p->proto == IPPROTO_ICMP) {
		nt_json_u64(j, "icmp_type", p->icmp_type);
		nt_json_u64(j, "icmp_id", p->icmp_id);
		nt_json_u64(j, "icmp_seq", p->icmp_seq);
	}
	nt_json_u64(j, "ip_len", p->ip_len);
	nt_json_u64(j, "skb_len", p->len);
}

/* The stamp of hook @h on @path (a zero one if the tool's list has no @h). */
static const struct lat_stamp *hook_stamp(const struct lat_state *s, const struct lat_rec_head *r,
					  int path, int h)
{
	static const struct lat_stamp none;
	int slot = slot_of(s, h);

	return slot < 0 ? &none : lat_stamp(r, &s->geom, path, slot);
}

static void packet_event(struct lat_state *s, const struct lat_event_head *e)
{
	const struct lat_rec_head *r = (const void *)(e + 1);
	const struct lat_pkt *p = &r->pkt;
	int path = r->path & 1, slots[LAT_MAX_HOOKS], n = 0, bn;
	__u64 ts[LAT_MAX_HOOKS];
	bool metrics = s->tool->kind == LAT_KIND_METRICS;
	char when[32], line[256], ifn[32], b1[160], d[32];
	const struct lat_stamp *qe = hook_stamp(s, r, path, LH_QDISC_ENQ);
	const struct lat_stamp *qd = hook_stamp(s, r, path, LH_QDISC_DEQ);

	/* stamps of the path in time order */
	for (int h = 0; h < s->geom.nhooks; h++) {
		__u64 t = lat_stamp(r, &s->geom, path, h)->ts;
		int i;

		if (!t)
			continue;
		for (i = n; i > 0 && lat_stamp(r, &s->geom, path, slots[i - 1])->ts > t; i--)
			slots[i] = slots[i - 1];
		slots[i] = h;
		n++;
	}
	for (int i = 0; i < n; i++)
		ts[i] = lat_stamp(r, &s->geom, path, slots[i])->ts;
	bn = lat_bottleneck(ts, n);
	for (int i = 0; i + 1 < n; i++) {
		struct seg_stat *sg = seg_get(s, path, slots[i], path, slots[i + 1]);

		if (sg)
			nt_lat_add_value(&sg->l, ts[i + 1] - ts[i]);
	}
	nt_lat_add_value(&s->total, e->total_ns);
	s->events++;

	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("event", nt_mono_to_wall_ns(r->first_ts));

		nt_json_str(j, "direction", path ? "rx" : "tx");
		pkt_json(j, p);
		nt_json_f64(j, "total_us", e->total_ns / 1000.0);
		nt_json_u64(j, "pid", r->pid[path]);
		nt_json_str(j, "comm", r->comm[path]);
		nt_json_arr(j, "stages");
		for (int i = 0; i < n; i++) {
			const struct lat_stamp *sp = lat_stamp(r, &s->geom, path, slots[i]);

			nt_json_obj(j, NULL);
			nt_json_str(j, "name", slot_name(s, slots[i]));
			nt_json_str(j, "probe", probe_of(s, slots[i], b1, sizeof(b1)));
			nt_json_str(j, "iface", ifname(sp->ifindex, ifn, sizeof(ifn)));
			nt_json_u64(j, "cpu", sp->cpu);
			nt_json_u64(j, "ts_ns", sp->ts);
			if (i)
				nt_json_f64(j, "delta_us", (ts[i] - ts[i - 1]) / 1000.0);
			if (s->tool->slots[slots[i]].hook == LH_QDISC_ENQ)
				nt_json_u64(j, "qlen", sp->qlen);
			nt_json_obj_end(j);
		}
		nt_json_arr_end(j);
		if (bn >= 0) {
			snprintf(line, sizeof(line), "%s -> %s", slot_name(s, slots[bn]),
				 slot_name(s, slots[bn + 1]));
			nt_json_str(j, "bottleneck", line);
		}
		if (metrics && qe->ts && qd->ts && qd->ts >= qe->ts) {
			nt_json_f64(j, "qdisc_sojourn_us", (qd->ts - qe->ts) / 1000.0);
			nt_json_u64(j, "qdisc_qlen", qe->qlen);
		}
		if (e->stack_bytes > 0)
			json_stack(s, j, "stack", e->stack, e->stack_bytes / 8);
		nt_json_end(j);
		return;
	}

	nt_fmt_clock(nt_mono_to_wall_ns(r->first_ts), when, sizeof(when));
	pkt_line(p, line, sizeof(line));
	if (metrics) {
		char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

		nt_text("=== FLOW COMPLETE: %d stages captured === [%s]\n", n, when);
		if (p->proto == IPPROTO_TCP)
			snprintf(b1, sizeof(b1), "TCP (seq=%u)", p->seq);
		else if (p->proto == IPPROTO_UDP)
			snprintf(b1, sizeof(b1), "UDP (ip_id=%u)", p->ip_id);
		else
			snprintf(b1, sizeof(b1), "ICMP (id=%u seq=%u)", p->icmp_id, p->icmp_seq);
		nt_text("5-TUPLE: %s:%u -> %s:%u %s DIR=%s\n", ip_str(p->saddr, a, sizeof(a)), p->sport,
			ip_str(p->daddr, b, sizeof(b)), p->dport, b1, path ? "RX" : "TX");
		for (int i = 0; i < n; i++) {
			const struct lat_stamp *sp = lat_stamp(r, &s->geom, path, slots[i]);

			fmt_us(i ? (ts[i] - ts[i - 1]) / 1000.0 : 0, d, sizeof(d));
			nt_text("  Stage %d: %-30s (KTIME=%lluns) +%sus  DEV=%s CPU=%u%s\n", i,
				slot_name(s, slots[i]), (unsigned long long)sp->ts, d,
				ifname(sp->ifindex, ifn, sizeof(ifn)), sp->cpu,
				i && i - 1 == bn ? "  <<<< BOTTLENECK" : "");
		}
		fmt_us(e->total_ns / 1000.0, d, sizeof(d));
		nt_text("TOTAL DURATION: %sus\n", d);
		nt_text("PACKET: ip_len=%u skb_len=%u  PROCESS: pid=%u comm=%s  FINAL_STAGE: %s\n",
			p->ip_len, p->len, r->pid[path], r->comm[path],
			n ? slot_name(s, slots[n - 1]) : "-");
		if (qe->ts && qd->ts && qd->ts >= qe->ts)
			nt_text("PHY_QDISC: sojourn=%.1fus qlen=%u\n", (qd->ts - qe->ts) / 1000.0, qe->qlen);
	} else {
		nt_text("=== %s Network %s Latency Trace: %s ===\n", s->tool->where != LAT_AT_HOST ? "VM" : "System",
			proto_name(p->proto), when);
		nt_text("Direction: %s\n%s\n", path_label(s, path), line);
		nt_text("Process: PID %u COMM %s\n", r->pid[path], r->comm[path]);
		for (int i = 0; i + 1 < n; i++) {
			fmt_us((ts[i + 1] - ts[i]) / 1000.0, d, sizeof(d));
			nt_text("  [%d->%d] %s -> %s: %s us%s\n", i, i + 1, slot_name(s, slots[i]),
				slot_name(s, slots[i + 1]), d, i == bn ? "  <<<< BOTTLENECK" : "");
		}
		fmt_us(e->total_ns / 1000.0, d, sizeof(d));
		nt_text("Total One-Way Latency: %s us\n", d);
	}
	if (e->stack_bytes > 0) {
		snprintf(b1, sizeof(b1), "stack at %s", n ? slot_name(s, slots[n - 1]) : "-");
		text_stack(s, b1, e->stack, e->stack_bytes / 8);
	}
	nt_text("\n");
}

static int lat_on_event(void *ctx, void *data, size_t len)
{
	struct lat_state *s = ctx;

	if (len < s->geom.event_size)
		return 0;
	if (s->tool->kind == LAT_KIND_RTT)
		rtt_event(s, data);
	else
		packet_event(s, data);
	return 0;
}

/* ---- summary histograms ---------------------------------------------------- */

/* The summary's slots hold microseconds (the manual's buckets: 0 -> 1,
 * 2 -> 3, 4 -> 7 ...) while count/sum/min/max stay in nanoseconds. */
double lat_pct_us(const struct nt_lat *l, double pct);
double lat_pct_us(const struct nt_lat *l, double pct)
{
	uint64_t seen = 0;
	double rank, v = 0, mn = l->min / 1000.0, mx = l->max / 1000.0;

	if (!l->count)
		return 0;
	rank = pct / 100.0 * (double)l->count;
	if (rank < 1)
		rank = 1;
	for (int k = 0; k < NT_HIST_SLOTS; k++) {
		uint64_t n = l->slots[k];
		double lo, hi;

		if (!n || (double)(seen + n) < rank) {
			seen += n;
			continue;
		}
		lo = (double)nt_hist_slot_lo(k);
		hi = (double)nt_hist_slot_hi(k);
		if (lo < mn)
			lo = mn;
		if (hi > mx)
			hi = mx;
		v = lo + (hi - lo) * ((rank - (double)seen) / (double)n);
		break;
	}
	return v < mn ? mn : v > mx ? mx : v;
}

static void hist_json(struct nt_json *j, const char *key, const char *hkey, const struct nt_lat *l)
{
	nt_json_obj(j, key);
	nt_json_u64(j, "count", l->count);
	if (l->count) {
		nt_json_f64(j, "min", l->min / 1000.0);
		nt_json_f64(j, "avg", (double)l->sum / l->count / 1000.0);
		nt_json_f64(j, "max", l->max / 1000.0);
		nt_json_f64(j, "p50", lat_pct_us(l, 50));
		nt_json_f64(j, "p90", lat_pct_us(l, 90));
		nt_json_f64(j, "p99", lat_pct_us(l, 99));
	}
	nt_json_obj_end(j);
	nt_json_arr(j, hkey);
	for (int k = 0; k < NT_HIST_SLOTS; k++) {
		if (!l->slots[k])
			continue;
		nt_json_obj(j, NULL);
		nt_json_u64(j, "lo", nt_hist_slot_lo(k));
		nt_json_u64(j, "hi", nt_hist_slot_hi(k) - 1);
		nt_json_u64(j, "count", l->slots[k]);
		nt_json_obj_end(j);
	}
	nt_json_arr_end(j);
}

/* The manual's (5.2.3) log2 table; slots 0 and 1 print as one "0 -> 1" row. */
static void hist_text(const struct nt_lat *l)
{
	uint64_t rows[NT_HIST_SLOTS] = { 0 }, top = 0;
	int last = -1;

	for (int k = 0; k < NT_HIST_SLOTS; k++) {
		int row = k ? k : 1;

		rows[row] += l->slots[k];
		if (l->slots[k])
			last = row;
	}
	if (last < 0) {
		nt_text("     (no packets)\n");
		return;
	}
	for (int k = 1; k <= last; k++)
		if (rows[k] > top)
			top = rows[k];
	nt_text("     usecs               : count     distribution\n");
	for (int k = 1; k <= last; k++) {
		char bar[33];
		int w = (int)(rows[k] * 32 / top);
		uint64_t lo = k == 1 ? 0 : nt_hist_slot_lo(k), hi = nt_hist_slot_hi(k) - 1;

		memset(bar, '*', w);
		memset(bar + w, ' ', 32 - w);
		bar[32] = 0;
		nt_text("%10llu -> %-10llu : %-8llu |%s|\n", (unsigned long long)lo,
			(unsigned long long)hi, (unsigned long long)rows[k], bar);
	}
}

struct flow_row {
	struct lat_flow_key k;
	struct nt_lat l;
	double key;
};

static int cmp_flow(const void *a, const void *b)
{
	const struct flow_row *x = a, *y = b;

	return x->key < y->key ? 1 : x->key > y->key ? -1 : 0;
}

static void percpu_sum(const struct nt_lat *v, int ncpu, struct nt_lat *out)
{
	memset(out, 0, sizeof(*out));
	for (int c = 0; c < ncpu; c++)
		nt_lat_merge(out, &v[c]);
}

/* The manual's phase-1 finding (2.3.2, 2.3.3): per direction the stage pair
 * holding the highest P99, the flow with the highest P99, and the details
 * command that follows it up with that flow's filters. */
struct lat_finding {
	const char *from, *to;  /* the stage pair, NULL: none */
	double pair_p99;
	bool has_flow;
	struct lat_flow_key flow;
	double flow_p99;
};

static void details_command(const struct lat_state *s, const struct lat_flow_key *k, char *buf,
			    size_t len)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	const struct lat_config *c = s->cfg;
	int n;

	if (s->tool->where == LAT_AT_VM_PAIR) {
		snprintf(buf, len, "nettrail vm_pair_gap --src-vm-interface %s --dst-vm-interface %s "
			 "--src-ip %s --dst-ip %s --protocol %s", c->vm.str, c->phy.str,
			 ip_str(k->saddr, a, sizeof(a)), ip_str(k->daddr, b, sizeof(b)),
			 lproto_name(k->proto));
		return;
	}
	n = snprintf(buf, len, "nettrail %s_network_latency_details",
		     s->tool->where == LAT_AT_VM ? "vm" : "system");
	if (s->tool->where == LAT_AT_VM && c->vm.str)
		n += snprintf(buf + n, len - n, " --vm-interface %s", c->vm.str);
	if (c->phy.str && n < (int)len)
		n += snprintf(buf + n, len - n, " --phy-interface %s", c->phy.str);
	if (n < (int)len)
		snprintf(buf + n, len - n, " --src-ip %s --dst-ip %s --protocol %s --direction %s",
			 ip_str(k->saddr, a, sizeof(a)), ip_str(k->daddr, b, sizeof(b)),
			 lproto_name(k->proto), k->path ? "rx" : "tx");
}

static void finding_text(const struct lat_state *s, const struct lat_finding *f)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], cmd[512];
	const struct lat_flow_key *k = &f->flow;

	if (f->from)
		nt_text("  Slowest stage pair (P99): %s -> %s, P99~ %.1f us\n", f->from, f->to,
			f->pair_p99);
	if (f->has_flow) {
		nt_text("  Slowest flow (P99): %s %s -> %s, P99~ %.1f us\n", proto_name(k->proto),
			ip_str(k->saddr, a, sizeof(a)), ip_str(k->daddr, b, sizeof(b)), f->flow_p99);
		details_command(s, k, cmd, sizeof(cmd));
		nt_text("  Next: %s\n", cmd);
	}
}

static void finding_json(const struct lat_state *s, struct nt_json *j, const struct lat_finding *f)
{
	char a[INET_ADDRSTRLEN], cmd[512];
	const struct lat_flow_key *k = &f->flow;

	if (f->from) {
		nt_json_obj(j, "p99_stage");
		nt_json_str(j, "from", f->from);
		nt_json_str(j, "to", f->to);
		nt_json_f64(j, "p99_us", f->pair_p99);
		nt_json_obj_end(j);
	}
	if (f->has_flow) {
		nt_json_obj(j, "p99_flow");
		nt_json_str(j, "protocol", lproto_name(k->proto));
		nt_json_str(j, "src_ip", ip_str(k->saddr, a, sizeof(a)));
		nt_json_str(j, "dst_ip", ip_str(k->daddr, a, sizeof(a)));
		nt_json_f64(j, "p99_us", f->flow_p99);
		details_command(s, k, cmd, sizeof(cmd));
		nt_json_str(j, "next", cmd);
		nt_json_obj_end(j);
	}
}

/* The run's total of a stage pair, for the metrics. */
static void run_pair_add(struct lat_state *s, const struct lat_pair_key *k, const struct nt_lat *l)
{
	int i;

	for (i = 0; i < s->nrun_pairs; i++)
		if (s->run_pairs[i].k.path == k->path && s->run_pairs[i].k.prev == k->prev &&
		    s->run_pairs[i].k.cur == k->cur)
			break;
	if (i == LAT_MAX_PAIRS)
		return;
	if (i == s->nrun_pairs) {
		memset(&s->run_pairs[i], 0, sizeof(s->run_pairs[i]));
		s->run_pairs[i].k = *k;
		s->nrun_pairs++;
	}
	nt_lat_merge(&s->run_pairs[i].l, l);
}

static void summary_report(struct lat_state *s, bool final)
{
	int ncpu = libbpf_num_possible_cpus();
	volatile __u8 *genp = nt_obj_var(s->obj, "cur_gen", sizeof(__u8));
	__u8 old = *genp & 1;
	int fd_total = bpf_map__fd(bpf_object__find_map_by_name(s->obj, "lat_total"));
	int fd_pairs = bpf_map__fd(bpf_object__find_map_by_name(s->obj, "lat_pairs"));
	int fd_flows = bpf_map__fd(bpf_object__find_map_by_name(s->obj, "lat_flows"));
	int fd_cnt = bpf_map__fd(bpf_object__find_map_by_name(s->obj, "lat_gen_cnt"));
	struct nt_lat *pc = calloc(ncpu, sizeof(struct nt_lat)), tot[LAT_NPATHS];
	__u64 *cv = calloc(ncpu, sizeof(__u64)), cnt[LAT_NPATHS][LAT_GC_MAX];
	struct flow_row *rows = calloc(LAT_MAX_FLOWS, sizeof(*rows));
	struct { struct lat_pair_key k; struct nt_lat l; } pairs[LAT_MAX_PAIRS];
	struct lat_finding find[LAT_NPATHS];
	int npairs = 0, nrows = 0;
	uint64_t now = nt_mono_ns(), wall = nt_mono_to_wall_ns(now);
	double secs = (now - s->interval_start_ns) / 1e9;
	struct timespec settle = { 0, 5 * 1000 * 1000 };

	if (!pc || !cv || !rows)
		goto out;
	/* flip the generation; programs already running finish on the old one */
	*genp = old ^ 1;
	nanosleep(&settle, NULL);
	s->interval_start_ns = now;

	for (int p = 0; p < LAT_NPATHS; p++) {
		__u32 idx = old * LAT_NPATHS + p;

		memset(&tot[p], 0, sizeof(tot[p]));
		if (!bpf_map_lookup_elem(fd_total, &idx, pc)) {
			percpu_sum(pc, ncpu, &tot[p]);
			memset(pc, 0, ncpu * sizeof(*pc));
			bpf_map_update_elem(fd_total, &idx, pc, BPF_ANY);
		}
		for (int c = 0; c < LAT_GC_MAX; c++) {
			__u32 ci = LAT_GEN_CNT_IDX(old, p, c);

			cnt[p][c] = 0;
			if (!bpf_map_lookup_elem(fd_cnt, &ci, cv)) {
				for (int k = 0; k < ncpu; k++)
					cnt[p][c] += cv[k];
				memset(cv, 0, ncpu * sizeof(*cv));
				bpf_map_update_elem(fd_cnt, &ci, cv, BPF_ANY);
			}
		}
		s->run_started[p] += cnt[p][LAT_GC_STARTED];
		s->run_completed[p] += cnt[p][LAT_GC_COMPLETED];
		s->run_restarted[p] += cnt[p][LAT_GC_RESTARTED];
		nt_lat_merge(&s->run_total[p], &tot[p]);
	}
	{
		struct lat_pair_key k, *prev = NULL, keys[LAT_MAX_PAIRS];
		int nk = 0;

		while (nk < LAT_MAX_PAIRS && !bpf_map_get_next_key(fd_pairs, prev, &k)) {
			keys[nk] = k;
			prev = &keys[nk++];
		}
		for (int i = 0; i < nk; i++) {
			if (keys[i].gen != old)
				continue;
			if (!bpf_map_lookup_elem(fd_pairs, &keys[i], pc)) {
				pairs[npairs].k = keys[i];
				percpu_sum(pc, ncpu, &pairs[npairs].l);
				run_pair_add(s, &keys[i], &pairs[npairs].l);
				npairs++;
			}
			bpf_map_delete_elem(fd_pairs, &keys[i]);
		}
	}
	{
		struct lat_flow_key k, *prev = NULL;
		static struct lat_flow_key keys[LAT_MAX_FLOWS];
		int nk = 0;

		while (nk < LAT_MAX_FLOWS && !bpf_map_get_next_key(fd_flows, prev, &k)) {
			keys[nk] = k;
			prev = &keys[nk++];
		}
		for (int i = 0; i < nk; i++) {
			if (keys[i].gen != old)
				continue;
			if (!bpf_map_lookup_elem(fd_flows, &keys[i], &rows[nrows].l)) {
				struct nt_lat *l = &rows[nrows].l;

				rows[nrows].k = keys[i];
				switch (s->cfg->sort) {
				case LAT_SORT_AVG: rows[nrows].key = l->count ? (double)l->sum / l->count : 0; break;
				case LAT_SORT_P90: rows[nrows].key = lat_pct_us(l, 90); break;
				case LAT_SORT_P99: rows[nrows].key = lat_pct_us(l, 99); break;
				default: rows[nrows].key = (double)l->count;
				}
				nrows++;
			}
			bpf_map_delete_elem(fd_flows, &keys[i]);
		}
	}
	for (int p = 0; p < LAT_NPATHS; p++) {
		struct lat_finding *f = &find[p];

		memset(f, 0, sizeof(*f));
		for (int i = 0; i < npairs; i++) {
			double v = lat_pct_us(&pairs[i].l, 99);

			if (pairs[i].k.path == p && (!f->from || v > f->pair_p99)) {
				f->from = slot_name(s, pairs[i].k.prev);
				f->to = slot_name(s, pairs[i].k.cur);
				f->pair_p99 = v;
			}
		}
		for (int i = 0; i < nrows; i++) {
			double v = lat_pct_us(&rows[i].l, 99);

			if (rows[i].k.path == p && (!f->has_flow || v > f->flow_p99)) {
				f->has_flow = true;
				f->flow = rows[i].k;
				f->flow_p99 = v;
			}
		}
	}
	qsort(rows, nrows, sizeof(*rows), cmp_flow);
	if ((unsigned long long)nrows > s->cfg->top)
		nrows = (int)s->cfg->top;
	s->intervals++;

	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("interval", wall);

		nt_json_f64(j, "interval_s", secs);
		for (int p = 0; p < LAT_NPATHS; p++) {
			if (!(s->cfg->direction & (p ? LAT_DIR_RX : LAT_DIR_TX)))
				continue;
			nt_json_obj(j, p ? "rx" : "tx");
			nt_json_u64(j, "started", cnt[p][LAT_GC_STARTED]);
			nt_json_u64(j, "completed", cnt[p][LAT_GC_COMPLETED]);
			nt_json_u64(j, "restarted", cnt[p][LAT_GC_RESTARTED]);
			hist_json(j, "latency_us", "hist_us", &tot[p]);
			if (s->cfg->stage_latency) {
				nt_json_arr(j, "stages");
				for (int i = 0; i < npairs; i++) {
					if (pairs[i].k.path != p)
						continue;
					nt_json_obj(j, NULL);
					nt_json_str(j, "from", slot_name(s, pairs[i].k.prev));
					nt_json_str(j, "to", slot_name(s, pairs[i].k.cur));
					hist_json(j, "latency_us", "hist_us", &pairs[i].l);
					nt_json_obj_end(j);
				}
				nt_json_arr_end(j);
			}
			finding_json(s, j, &find[p]);
			nt_json_obj_end(j);
		}
		nt_json_arr(j, "flows");
		for (int i = 0; i < nrows; i++) {
			char a[INET_ADDRSTRLEN];
			const struct lat_flow_key *k = &rows[i].k;

			nt_json_obj(j, NULL);
			nt_json_str(j, "direction", k->path ? "rx" : "tx");
			nt_json_str(j, "protocol", lproto_name(k->proto));
			nt_json_str(j, "src_ip", ip_str(k->saddr, a, sizeof(a)));
			nt_json_str(j, "dst_ip", ip_str(k->daddr, a, sizeof(a)));
			nt_json_u64(j, "src_port", k->sport);
			nt_json_u64(j, "dst_port", k->dport);
			hist_json(j, "latency_us", "hist_us", &rows[i].l);
			nt_json_obj_end(j);
		}
		nt_json_arr_end(j);
		nt_json_u64(j, "lost_events", nt_counter_sum(s->counters, NT_CNT_LOST_EVENTS));
		nt_json_u64(j, "map_full", nt_counter_sum(s->counters, NT_CNT_MAP_FULL));
		nt_json_end(j);
		goto out;
	}
	{
		char when[32];

		nt_fmt_clock(wall, when, sizeof(when));
		nt_text("[%s] Flow Latency Report (Interval: %.1fs)%s\n", when, secs,
			final ? " (final, partial interval)" : "");
	}
	for (int p = 0; p < LAT_NPATHS; p++) {
		uint64_t st = cnt[p][LAT_GC_STARTED], co = cnt[p][LAT_GC_COMPLETED];

		if (!(s->cfg->direction & (p ? LAT_DIR_RX : LAT_DIR_TX)))
			continue;
		nt_text("Direction %s: packets started %llu, completed %llu, incomplete %llu (%.1f%%)\n",
			path_label(s, p), (unsigned long long)st,
			(unsigned long long)co, (unsigned long long)(st > co ? st - co : 0),
			st ? 100.0 * (st > co ? st - co : 0) / st : 0.0);
		if (tot[p].count)
			nt_text("  Total latency (us): Min %.1f Avg %.1f P50~ %.1f P90~ %.1f P99~ %.1f Max %.1f\n",
				tot[p].min / 1000.0, (double)tot[p].sum / tot[p].count / 1000.0,
				lat_pct_us(&tot[p], 50), lat_pct_us(&tot[p], 90), lat_pct_us(&tot[p], 99),
				tot[p].max / 1000.0);
		hist_text(&tot[p]);
		if (s->cfg->stage_latency)
			for (int i = 0; i < npairs; i++) {
				if (pairs[i].k.path != p)
					continue;
				nt_text("  Stage %s -> %s (%s): Avg %.1fus P99~ %.1fus (n=%llu)\n",
					slot_name(s, pairs[i].k.prev), slot_name(s, pairs[i].k.cur),
					p ? "RX" : "TX",
					(double)pairs[i].l.sum / pairs[i].l.count / 1000.0,
					lat_pct_us(&pairs[i].l, 99), (unsigned long long)pairs[i].l.count);
				hist_text(&pairs[i].l);
			}
		finding_text(s, &find[p]);
	}
	nt_text("Top %llu flows by %s:\n", (unsigned long long)s->cfg->top, lat_sort_name(s->cfg->sort));
	if (nrows)
		nt_text("  %-3s %-4s %-44s %8s %8s %8s %8s %8s %8s %8s\n", "DIR", "PROT", "FLOW", "Count",
			"Avg~", "P50~", "P90~", "P99~", "Min", "Max");
	for (int i = 0; i < nrows; i++) {
		const struct lat_flow_key *k = &rows[i].k;
		const struct nt_lat *l = &rows[i].l;
		char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], flow[64];

		snprintf(flow, sizeof(flow), "%s:%u -> %s:%u", ip_str(k->saddr, a, sizeof(a)), k->sport,
			 ip_str(k->daddr, b, sizeof(b)), k->dport);
		nt_text("  %-3s %-4s %-44s %8llu %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f\n", k->path ? "RX" : "TX",
			proto_name(k->proto), flow, (unsigned long long)l->count,
			(double)l->sum / l->count / 1000.0, lat_pct_us(l, 50), lat_pct_us(l, 90),
			lat_pct_us(l, 99), l->min / 1000.0, l->max / 1000.0);
	}
	nt_text("\n");
out:
	free(pc);
	free(cv);
	free(rows);
}

static void lat_tick(void *ctx)
{
	struct lat_state *s = ctx;

	summary_report(s, false);
}

static void final_summary(struct lat_state *s)
{
	uint64_t lost = nt_counter_sum(s->counters, NT_CNT_LOST_EVENTS);
	uint64_t started = nt_counter_sum(s->counters, LAT_CNT_STARTED);
	uint64_t completed = nt_counter_sum(s->counters, LAT_CNT_COMPLETED);
	uint64_t reported = nt_counter_sum(s->counters, LAT_CNT_REPORTED);
	uint64_t restarted = nt_counter_sum(s->counters, LAT_CNT_RESTARTED);
	uint64_t map_full = nt_counter_sum(s->counters, NT_CNT_MAP_FULL);
	uint64_t stacks_lost = nt_counter_sum(s->counters, NT_CNT_STACK_LOST);
	/* hook runs the shared program did not get (nesting deeper than its stack) */
	uint64_t hooks_missed = nt_counter_sum(s->counters, NT_CNT_HOOK_MISSED);
	bool rtt = s->tool->kind == LAT_KIND_RTT;
	const char *unit = rtt ? "exchanges" : "packets";

	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("summary", 0);

		if (s->cfg->src_str)
			nt_json_str(j, "src_ip", s->cfg->src_str);
		if (s->cfg->dst_str)
			nt_json_str(j, "dst_ip", s->cfg->dst_str);
		nt_json_str(j, "direction", s->cfg->direction == LAT_DIR_TX ? "tx" :
			    s->cfg->direction == LAT_DIR_RX ? "rx" : "both");
		nt_json_obj(j, unit);
		nt_json_u64(j, "started", started);
		nt_json_u64(j, "completed", completed);
		nt_json_u64(j, "incomplete", started > completed ? started - completed : 0);
		nt_json_u64(j, "restarted", restarted);
		if (s->tool->kind != LAT_KIND_SUMMARY)
			nt_json_u64(j, "reported", reported);
		nt_json_obj_end(j);
		if (s->tool->kind == LAT_KIND_SUMMARY) {
			nt_json_u64(j, "intervals", s->intervals);
			for (int p = 0; p < LAT_NPATHS; p++)
				if (s->cfg->direction & (p ? LAT_DIR_RX : LAT_DIR_TX))
					hist_json(j, p ? "rx_latency_us" : "tx_latency_us",
						  p ? "rx_hist_us" : "tx_hist_us", &s->run_total[p]);
		} else {
			nt_lat_json(j, rtt ? "total_rtt_us" : "total_us", NULL, &s->total, 1000.0);
			if (rtt)
				nt_lat_json(j, s->cfg->direction == LAT_DIR_TX ? "wire_us" : "inter_path_us",
					    NULL, &s->wire, 1000.0);
			seg_summary(s, j);
		}
		nt_json_u64(j, "lost_events", lost);
		nt_json_u64(j, "map_full", map_full);
		nt_json_u64(j, "stacks_lost", stacks_lost);
		nt_json_u64(j, "hooks_missed", hooks_missed);
		nt_json_end(j);
		return;
	}
	nt_text("=== %s summary ===\n", s->tool->name);
	nt_text("%s: started %llu, completed %llu, incomplete %llu, restarted %llu", unit,
		(unsigned long long)started, (unsigned long long)completed,
		(unsigned long long)(started > completed ? started - completed : 0),
		(unsigned long long)restarted);
	if (s->tool->kind != LAT_KIND_SUMMARY)
		nt_text(", reported %llu", (unsigned long long)reported);
	nt_text("\n");
	if (s->tool->kind == LAT_KIND_SUMMARY) {
		for (int p = 0; p < LAT_NPATHS; p++)
			if (s->cfg->direction & (p ? LAT_DIR_RX : LAT_DIR_TX) && s->run_total[p].count)
				nt_text("%s total latency (us): Min %.1f Avg %.1f P99~ %.1f Max %.1f (n=%llu)\n",
					p ? "RX" : "TX", s->run_total[p].min / 1000.0,
					(double)s->run_total[p].sum / s->run_total[p].count / 1000.0,
					lat_pct_us(&s->run_total[p], 99), s->run_total[p].max / 1000.0,
					(unsigned long long)s->run_total[p].count);
	} else {
		nt_lat_text("", rtt ? "us, TOTAL_RTT" : "us, total", &s->total, 1000.0, 0);
		if (rtt)
			nt_lat_text("", s->cfg->direction == LAT_DIR_TX ? "us, WIRE_TIME" : "us, INTER_PATH",
				    &s->wire, 1000.0, 0);
		seg_summary(s, NULL);
	}
	nt_text("Lost events: %llu  Map full: %llu  Stacks lost: %llu", (unsigned long long)lost,
		(unsigned long long)map_full, (unsigned long long)stacks_lost);
	if (hooks_missed)
		nt_text("  Hooks missed: %llu", (unsigned long long)hooks_missed);
	nt_text("\n");
}

/* ---- the run ------------------------------------------------------------ */

static void shrink_unused(struct bpf_object *obj, enum lat_kind kind)
{
	static const char *summary_only[] = { "lat_total", "lat_pairs", "lat_flows", "lat_gen_cnt" };

	if (kind != LAT_KIND_SUMMARY) {
		for (size_t i = 0; i < NT_ARRAY_SIZE(summary_only); i++)
			bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, summary_only[i]),
						 i == 3 ? LAT_GEN_CNT_N : 1);
	}
	if (kind != LAT_KIND_RTT)
		bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "lat_stacks"), 1);
	if (kind == LAT_KIND_RTT)
		bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "lat_recs"), 4096);
	if (kind == LAT_KIND_SUMMARY)
		bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "nt_events"), 4096);
	/* ~400 slow packets' records (1.3 KB each) in flight to the reader; the mapping
	 * counts twice in the process's RSS (the data pages are mapped twice) */
	if (kind == LAT_KIND_DETAILS || kind == LAT_KIND_METRICS)
		bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "nt_events"), 512 << 10);
}

/* ---- the family's runner hooks ---------------------------------------------- */

static struct lat_state state;

/* Each slot's catalogue row, with the list's own positions where it gives
 * them, and whether it is planned. */
static void slot_infos(struct lat_hook_info *info, const struct lat_hook_info **slots,
		       bool *planned)
{
	for (int i = 0; i < state.tool->nhooks; i++) {
		const struct lat_slot_def *d = &state.tool->slots[i];

		info[i] = lat_hooks[d->hook];
		if (d->tx_pos || d->rx_pos) {
			info[i].tx_pos = d->tx_pos;
			info[i].rx_pos = d->rx_pos;
		}
		slots[i] = &info[i];
		planned[i] = state.slot_plan[i] != NULL;
	}
}

/* Without --stage-latency the summary of a forwarding path (tap <-> NIC)
 * attaches only where each path opens and ends (keep_path_ends). */
static bool keeps_path_ends_only(void)
{
	return state.tool->kind == LAT_KIND_SUMMARY && state.tool->where != LAT_AT_HOST &&
	       !state.cfg->stage_latency;
}

/* The slots a one-way tool's --direction leaves without a position (see
 * lat_layout: a hook stamps a path where its catalogue row, or the tool's
 * list, gives it one): not attached, so not run for every packet either.
 * An ICMP tool's exchange always has both paths. */
static unsigned long long off_direction(void)
{
	const struct lat_hook_info *slots[LAT_MAX_HOOKS];
	struct lat_hook_info info[LAT_MAX_HOOKS];
	bool planned[LAT_MAX_HOOKS];
	int dir = state.cfg->direction;
	unsigned long long off = 0;

	if (state.tool->kind == LAT_KIND_RTT || dir == LAT_DIR_BOTH)
		return 0;
	slot_infos(info, slots, planned);
	for (int i = 0; i < state.tool->nhooks && i < 64; i++)
		if (!((dir & LAT_DIR_TX) && info[i].tx_pos) && !((dir & LAT_DIR_RX) && info[i].rx_pos))
			off |= 1ull << i;
	return off;
}

/* The tool's definition holds its struct lat_tool as ctx; from here on the
 * runner's ctx is the run's state. */
static int lat_plan(struct nt_run *r)
{
	state.tool = r->def->ctx;
	state.cfg = r->def->cli.cfg;
	if (state.tool->nhooks > LAT_MAX_HOOKS || state.tool->nhooks != r->def->nstages) {
		nt_err("%s: %d hooks, one per stage and at most %d", state.tool->name,
		       state.tool->nhooks, LAT_MAX_HOOKS);
		return NT_EXIT_RUNTIME;
	}
	r->ctx = &state;
	nt_plan_ctx_set_ifaces(&r->plan_ctx, LAT_IFSET_PHY, state.cfg->phy.ref, state.cfg->phy.n);
	nt_plan_ctx_set_ifaces(&r->plan_ctx, LAT_IFSET_VM, state.cfg->vm.ref, state.cfg->vm.n);
	r->plan_ctx.tc_kept = !keeps_path_ends_only();
	r->plan_ctx.skip = off_direction();
	r->plan_ctx.skip_why = state.cfg->direction == LAT_DIR_TX ?
			       "not on the tx path (--direction tx)" : "not on the rx path (--direction rx)";
	return 0;
}

/* Without --stage-latency the summary of a forwarding path (tap <-> NIC)
 * reports what happens between where each path opens and where it ends:
 * the hooks between (the queues) stamp nothing it prints, so they are not
 * attached. That is two program runs fewer per packet. */
static void keep_path_ends(struct nt_run *r)
{
	const struct lat_hook_info *slots[LAT_MAX_HOOKS];
	struct lat_hook_info info[LAT_MAX_HOOKS];
	bool planned[LAT_MAX_HOOKS];
	struct lat_kcfg k;

	slot_infos(info, slots, planned);
	lat_layout(&k, state.tool->kind, state.cfg->direction, true, slots, state.tool->nhooks,
		   planned);
	for (int i = 0; i < state.tool->nhooks; i++) {
		bool keep = false;

		for (int p = 0; p < LAT_NPATHS; p++)
			if (k.pos[p][i] && ((k.start_mask[p] & (1ULL << i)) || k.pos[p][i] == k.end_pos[p]))
				keep = true;
		if (!planned[i] || keep)
			continue;
		r->plans[i].cand = NULL;
		snprintf(r->plans[i].why, sizeof(r->plans[i].why),
			 "not attached without --stage-latency (the summary needs where a path opens and ends)");
		state.slot_plan[i] = NULL;
	}
}

static bool is_tracepoint(enum nt_probe_kind k)
{
	return k == NT_PK_TP_BTF || k == NT_PK_RAW_TP || k == NT_PK_TRACEPOINT;
}

/* A VM hook planned on the very tracepoint its physical twin took is served
 * by the twin's program (lat_on_tp() picks by the device): one program run
 * per packet of every device instead of two. */
static void share_twins(struct nt_run *r)
{
	for (int i = 0; i < state.tool->nhooks; i++) {
		int t = slot_of(&state, lat_twin_hook(state.tool->slots[i].hook));
		struct nt_stage_plan *dev = &r->plans[i], *vm = t < 0 ? NULL : &r->plans[t];

		if (!vm || !state.slot_plan[i] || !state.slot_plan[t] ||
		    dev->cand->kind != vm->cand->kind || !is_tracepoint(dev->cand->kind) ||
		    strcmp(dev->cand->target, vm->cand->target))
			continue;
		vm->served_by = dev;
		state.twin_mask |= 1ULL << t;
		nt_dbg("stage %s: served by stage %s's program (%s:%s)", vm->stage->name,
		       dev->stage->name, nt_kind_name(dev->cand->kind), dev->symbol);
	}
}

static int lat_planned(struct nt_run *r)
{
	const struct lat_tool *tool = state.tool;

	for (int i = 0; i < r->def->nstages; i++) {
		struct nt_stage_plan *pl = &r->plans[i];
		int h = tool->slots[i].hook;

		if (!pl->cand)
			continue;
		/* OVS hooks only with the stage breakdown (summary) */
		if (tool->kind == LAT_KIND_SUMMARY && lat_hooks[h].cls == LAT_CL_OVS &&
		    !state.cfg->stage_latency) {
			pl->cand = NULL;
			continue;
		}
		state.slot_plan[i] = pl;
	}
	if (keeps_path_ends_only())
		keep_path_ends(r);
	share_twins(r);
	return 0;
}

static int lat_configure(struct nt_run *r)
{
	const struct lat_tool *tool = state.tool;
	const struct lat_config *cfg = state.cfg;
	struct lat_kcfg *k = nt_obj_var(r->obj, "targ_cfg", sizeof(*k));
	const struct lat_geom *g = nt_obj_var(r->obj, "lat_geom", sizeof(*g));
	const struct lat_hook_info *slots[LAT_MAX_HOOKS];
	struct lat_hook_info info[LAT_MAX_HOOKS];
	bool planned[LAT_MAX_HOOKS];

	/* the object was built from the tool's list: the same slots */
	if (!k || !g || g->nhooks != tool->nhooks) {
		nt_err("BPF object does not match the tool's latency path (targ_cfg, lat_geom)");
		return NT_EXIT_RUNTIME;
	}
	state.obj = r->obj;
	state.geom = *g;
	slot_infos(info, slots, planned);
	lat_layout(k, tool->kind, cfg->direction, tool->where != LAT_AT_HOST, slots, tool->nhooks,
		   planned);
	k->fwd_path = tool->where != LAT_AT_HOST;
	k->has_vm_ip = cfg->has_vm_ip;
	k->vm_ip = cfg->vm_ip;
	k->nvm = cfg->vm.n;
	memcpy(k->vm, cfg->vm.ref, sizeof(k->vm));
	k->mode = tool->kind == LAT_KIND_RTT ? LAT_MODE_ICMP : LAT_MODE_FLOW;
	k->stage_stacks = tool->kind == LAT_KIND_RTT && !cfg->no_stacks;
	k->final_stack = tool->kind != LAT_KIND_RTT && tool->kind != LAT_KIND_SUMMARY && !cfg->no_stacks;
	k->pair_hist = tool->kind == LAT_KIND_SUMMARY && cfg->stage_latency;
	k->aggregate = tool->kind == LAT_KIND_SUMMARY;
	k->filter = cfg->filter;
	k->nphy = cfg->phy.n;
	memcpy(k->phy, cfg->phy.ref, sizeof(k->phy));
	k->threshold_ns = cfg->threshold_us * 1000ULL;
	k->twin_mask = state.twin_mask;
	shrink_unused(r->obj, tool->kind);
	if (tool->kind == LAT_KIND_SUMMARY) {
		r->events = NULL;       /* aggregated in the kernel, read every interval */
		r->tick_ms = (int)(cfg->interval * 1000);
	}
	return 0;
}

static int lat_attached(struct nt_run *r)
{
	state.counters = bpf_object__find_map_by_name(r->obj, "nt_counters");
	state.stacks = bpf_object__find_map_by_name(r->obj, "lat_stacks");
	return 0;
}

static void lat_describe(struct nt_run *r, char *buf, size_t len)
{
	const struct lat_config *cfg = state.cfg;
	char filt[256] = "";

	if (cfg->src_str || cfg->dst_str)
		snprintf(filt, sizeof(filt), "%s -> %s ", cfg->src_str ? cfg->src_str : "any",
			 cfg->dst_str ? cfg->dst_str : "any");
	if (state.tool->where == LAT_AT_VM_PAIR) {
		snprintf(buf, len, "%sfrom tap %s to tap %s", filt, cfg->vm.str, cfg->phy.str);
		return;
	}
	snprintf(buf, len, "%sdirection %s%s%s%s%s", filt,
		 cfg->direction == LAT_DIR_TX ? "tx" : cfg->direction == LAT_DIR_RX ? "rx" : "both",
		 cfg->phy.str ? " on " : "", cfg->phy.str ? cfg->phy.str : "",
		 cfg->vm.str ? ", VM tap " : "", cfg->vm.str ? cfg->vm.str : "");
}

static void lat_header(struct nt_run *r)
{
	const struct lat_config *cfg = state.cfg;

	if (!nt_out_json() && state.tool->kind == LAT_KIND_RTT) {
		nt_text("=== %s ===\n", state.tool->name);
		nt_text("Direction: %s\n", cfg->direction == LAT_DIR_TX ? "TX (local ping remote)" :
			"RX (remote ping local)");
		nt_text("Filter: %s -> %s%s\n\n", cfg->src_str, cfg->dst_str,
			cfg->threshold_set ? " (only exchanges at least --latency-ms slow)" : "");
	}
	state.interval_start_ns = nt_mono_ns();
}

static void lat_finish(struct nt_run *r)
{
	if (state.tool->kind == LAT_KIND_SUMMARY && nt_mono_ns() - state.interval_start_ns > 50000000ULL)
		summary_report(&state, true);
	final_summary(&state);
}

static void lat_cleanup(struct nt_run *r)
{
}

/* --prometheus of the summary members: per direction the packets whose path
 * started and completed, the path's latency, and with --stage-latency each
 * stage pair's. */
static void lat_metrics(void *ctx, struct nt_prom *m)
{
	struct lat_state *s = &state;

	for (int p = 0; p < LAT_NPATHS; p++) {
		const char *dir = p ? "rx" : "tx";

		if (!(s->cfg->direction & (p ? LAT_DIR_RX : LAT_DIR_TX)))
			continue;
		nt_prom_add(m, "nettrail_latency_packets_started_total", NT_PROM_COUNTER,
			    "packets seen at the start of the traced path", (double)s->run_started[p],
			    "direction", dir, NULL);
		nt_prom_add(m, "nettrail_latency_packets_completed_total", NT_PROM_COUNTER,
			    "packets seen at the end of the traced path", (double)s->run_completed[p],
			    "direction", dir, NULL);
		nt_prom_hist(m, "nettrail_latency_seconds", "one-way latency over the traced path",
			     &s->run_total[p], "direction", dir, NULL);
	}
	for (int i = 0; s->cfg->stage_latency && i < s->nrun_pairs; i++) {
		const struct run_pair *rp = &s->run_pairs[i];

		nt_prom_hist(m, "nettrail_stage_latency_seconds", "latency between two stages",
			     &rp->l, "direction", rp->k.path ? "rx" : "tx", "from",
			     slot_name(s, rp->k.prev), "to", slot_name(s, rp->k.cur), NULL);
	}
	nt_prom_losses(m, s->counters, "packets not followed because a table was full");
}

/* Every member's hooks; the summary members also serve metrics. */
#define LAT_TOOL_HOOKS                                                              \
	.plan = lat_plan, .planned = lat_planned, .configure = lat_configure,       \
	.attached = lat_attached, .describe = lat_describe, .header = lat_header,   \
	.on_event = lat_on_event, .tick = lat_tick, .finish = lat_finish,           \
	.cleanup = lat_cleanup

const struct nt_tool_hooks lat_tool_hooks = { LAT_TOOL_HOOKS };
const struct nt_tool_hooks lat_summary_hooks = { LAT_TOOL_HOOKS, .metrics = lat_metrics };
