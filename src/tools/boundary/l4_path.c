// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * User-space half shared by tcp_path_tracer and udp_path_tracer: the seed's
 * flags, the verdicts, the sweep that judges packets which entered and did
 * not leave within --timeout-ms, per-packet reports (--verbose: every packet;
 * default: drops only), and --stats-mode: one report per interval built from
 * the kernel's per-CPU counters and log2 latency histograms (the kernel sends
 * no per-packet events in that mode, whatever the traffic).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nt.h"
#include "tool.h"
#include "attach.h"
#include "btfinfo.h"
#include "cli.h"
#include "hist.h"
#include "iface.h"
#include "output.h"
#include "run.h"
#include "l4_path.h"

/* ---- flags ------------------------------------------------------------- */

#define C struct l4pt_config
const struct nt_opt l4pt_options[] = {
	NT_OPTS_FWD_PATH(C, path, "source of the traced direction (required)",
			 "destination of the traced direction (required)",
			 "interface(s) src->dst packets enter, e.g. bond slaves (required)",
			 "IF[,IF]", "interface(s) src->dst packets leave by (required)"),
	NT_OPTS_FILTER_PORTS(C, path.filter),
	NT_OPT_U("timeout-ms", "MS", "a packet not out MS after it entered is a drop (default 1000)",
		 C, timeout_ms, 1, 3600000, "ms"),
	NT_OPT_B("stats-mode", "in-kernel aggregation, one report per interval (low overhead)",
		 C, stats_mode),
	NT_OPT_U("stats-interval", "SEC", "seconds between --stats-mode reports (default 10)", C,
		 stats_interval, 1, 86400, "s"),
	NT_OPT_B("verbose", "every packet with its stages, latency and status (default: drops only)",
		 C, verbose),
};
#undef C

int l4pt_validate(void *cfg)
{
	struct l4pt_config *c = cfg;

	if (nt_fwd_path_validate(&c->path))
		return -1;
	if (c->stats_mode && c->verbose)
		return nt_usage_error("--verbose", NULL,
				      "cannot be combined with --stats-mode (the modes are exclusive)");
	if (c->stats_interval && !c->stats_mode)
		return nt_usage_error("--stats-interval", NULL, "only meaningful with --stats-mode");
	if (!c->stats_interval)
		c->stats_interval = L4PT_STATS_INTERVAL;
	return 0;
}

/* ---- verdicts (pure) ------------------------------------------------------ */

bool l4pt_rec_complete(const struct l4pt_rec *r)
{
	const __u8 all = L4PT_F_IN_LAST | L4PT_F_OUT_FIRST | L4PT_F_OUT_LAST;

	if (!r->n_in || r->n_out < r->n_in)
		return false;
	return !(r->flags & L4PT_F_FRAG) || (r->flags & all) == all;
}

unsigned l4pt_rec_drops(const struct l4pt_rec *r)
{
	if (l4pt_rec_complete(r))
		return 0;
	if (r->flags & L4PT_F_FRAG)
		return 1;
	return r->n_in > r->n_out ? r->n_in - r->n_out : 1;
}

enum l4pt_status l4pt_judge(const struct l4pt_rec *r)
{
	return l4pt_rec_complete(r) ? L4PT_COMPLETE : L4PT_INTERNAL_DROP;
}

const char *l4pt_status_name(int st)
{
	return st == L4PT_COMPLETE ? "COMPLETE" : st == L4PT_INTERNAL_DROP ? "INTERNAL_DROP" : "?";
}

const char *l4pt_dir_name(int dir)
{
	return dir == L4PT_FWD ? "FWD" : dir == L4PT_REP ? "REP" : "?";
}

const char *l4pt_stage_name(int dir, bool out)
{
	if (dir == L4PT_REP)
		return out ? "REP_TX" : "REP_RX";
	return out ? "REQ_TX" : "REQ_RX";
}

const char *l4pt_tcp_flags_str(__u8 f, char *buf, size_t len)
{
	static const struct { __u8 bit; const char *name; } names[] = {
		{ 0x02, "SYN" }, { 0x10, "ACK" }, { 0x01, "FIN" }, { 0x04, "RST" },
		{ 0x08, "PSH" }, { 0x20, "URG" }, { 0x40, "ECE" }, { 0x80, "CWR" },
	};
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < NT_ARRAY_SIZE(names); i++)
		if ((f & names[i].bit) && n < len)
			n += snprintf(buf + n, len - n, "%s%s", n ? "," : "", names[i].name);
	if (!n)
		snprintf(buf, len, "-");
	return buf;
}

void l4pt_stats_sum(struct l4pt_stats *sum, const struct l4pt_stats *pc, int ncpu)
{
	for (int i = 0; i < ncpu; i++) {
		sum->in_pkts += pc[i].in_pkts;
		sum->out_pkts += pc[i].out_pkts;
		sum->groups += pc[i].groups;
		sum->retrans += pc[i].retrans;
		sum->complete += pc[i].complete;
		sum->out_unmatched += pc[i].out_unmatched;
		nt_lat_merge(&sum->lat, &pc[i].lat);
	}
}

/* ---- the runner ----------------------------------------------------------- */

struct dir_totals {
	struct l4pt_stats k;            /* from the kernel */
	uint64_t drops;                 /* packets judged INTERNAL_DROP */
};

struct l4pt_runner {
	const struct l4pt_config *cfg;
	const struct l4pt_maps *m;
	int ndirs, ncpu;
	struct dir_totals interval[L4PT_NDIRS], total[L4PT_NDIRS];
	uint64_t swept, pending, events;
	uint64_t interval_start_ns, next_interval_ns, next_sweep_ns;
	struct l4pt_key *keys;
	struct l4pt_stats *percpu;
};

static const char *proto_name(const struct l4pt_config *c)
{
	return c->proto == L4PT_TCP ? "TCP" : "UDP";
}

static const char *ifname(__u32 ifindex, char *buf, size_t len)
{
	struct nt_ifref ref = { nt_netns_self(), ifindex };

	return nt_iface_name(&ref, buf, len);
}

/* The packet's own addresses (REP packets go dst -> src). */
static void pkt_addrs(const struct l4pt_config *c, const struct l4pt_key *k,
		      const char **sip, const char **dip)
{
	*sip = k->dir == L4PT_REP ? c->path.dst_str : c->path.src_str;
	*dip = k->dir == L4PT_REP ? c->path.src_str : c->path.dst_str;
}

static void report_json(struct l4pt_runner *r, const struct l4pt_key *k,
			const struct l4pt_rec *rec, bool pending)
{
	const struct l4pt_config *c = r->cfg;
	struct nt_json *j = nt_json_begin("event", nt_mono_to_wall_ns(rec->ts_in));
	enum l4pt_status st = l4pt_judge(rec);
	const char *sip, *dip;
	char buf[64];

	pkt_addrs(c, k, &sip, &dip);
	nt_json_str(j, "dir", l4pt_dir_name(k->dir));
	nt_json_str(j, "src_ip", sip);
	nt_json_str(j, "dst_ip", dip);
	nt_json_u64(j, "src_port", k->sport);
	nt_json_u64(j, "dst_port", k->dport);
	if (c->proto == L4PT_TCP) {
		nt_json_u64(j, "seq", k->seq);
		nt_json_u64(j, "ack", rec->ack);
		nt_json_str(j, "kind", k->kind == L4PT_K_ACK ? "ack" : "data");
		nt_json_u64(j, "len", rec->len);
		nt_json_str(j, "flags", l4pt_tcp_flags_str(rec->tcp_flags, buf, sizeof(buf)));
		nt_json_bool(j, "retrans", rec->flags & L4PT_F_RETRANS);
	} else {
		nt_json_u64(j, "ip_id", k->ip_id);
		nt_json_u64(j, "len", rec->len);
		nt_json_bool(j, "fragmented", rec->flags & L4PT_F_FRAG);
	}
	nt_json_u64(j, "ttl", rec->ttl);
	nt_json_u64(j, "rx", rec->n_in);
	nt_json_u64(j, "tx", rec->n_out);
	nt_json_str(j, "status", l4pt_status_name(st));
	if (pending)
		nt_json_bool(j, "pending", true);
	if (st != L4PT_COMPLETE)
		nt_json_u64(j, "drops", l4pt_rec_drops(rec));
	nt_json_arr(j, "stages");
	nt_json_obj(j, NULL);
	nt_json_str(j, "name", l4pt_stage_name(k->dir, false));
	nt_json_str(j, "iface", ifname(rec->if_in, buf, sizeof(buf)));
	nt_json_u64(j, "ts_ns", rec->ts_in);
	nt_json_obj_end(j);
	if (rec->ts_out) {
		nt_json_obj(j, NULL);
		nt_json_str(j, "name", l4pt_stage_name(k->dir, true));
		nt_json_str(j, "iface", ifname(rec->if_out, buf, sizeof(buf)));
		nt_json_u64(j, "ts_ns", rec->ts_out);
		nt_json_obj_end(j);
	}
	nt_json_arr_end(j);
	if (st == L4PT_COMPLETE) {
		__u64 from = (rec->flags & L4PT_F_FRAG) ? rec->ts_in : rec->ts_last_in;

		nt_json_f64(j, "internal_us", ((double)rec->ts_last_out - (double)from) / 1000.0);
	}
	nt_json_end(j);
}

static void report_text(struct l4pt_runner *r, const struct l4pt_key *k,
			const struct l4pt_rec *rec, bool pending)
{
	const struct l4pt_config *c = r->cfg;
	enum l4pt_status st = l4pt_judge(rec);
	char when[32], ifa[32], ifb[32], fl[64];
	const char *sip, *dip;

	pkt_addrs(c, k, &sip, &dip);
	nt_fmt_clock(nt_mono_to_wall_ns(rec->ts_in), when, sizeof(when));
	if (st == L4PT_COMPLETE) {
		__u64 from = (rec->flags & L4PT_F_FRAG) ? rec->ts_in : rec->ts_last_in;

		if (c->proto == L4PT_TCP)
			nt_text("[%s] [%s] %s:%u -> %s:%u seq=%u ack=%u len=%u flags=%s%s  %s@%s -> %s@%s  +%.1fus  COMPLETE\n",
				when, l4pt_dir_name(k->dir), sip, k->sport, dip, k->dport, k->seq,
				rec->ack, rec->len, l4pt_tcp_flags_str(rec->tcp_flags, fl, sizeof(fl)),
				(rec->flags & L4PT_F_RETRANS) ? " RETRANS" : "",
				l4pt_stage_name(k->dir, false), ifname(rec->if_in, ifa, sizeof(ifa)),
				l4pt_stage_name(k->dir, true), ifname(rec->if_out, ifb, sizeof(ifb)),
				((double)rec->ts_last_out - (double)from) / 1000.0);
		else
			nt_text("[%s] %s:%u -> %s:%u ip_id=%u len=%u%s  %s@%s -> %s@%s  +%.1fus  COMPLETE\n",
				when, sip, k->sport, dip, k->dport, k->ip_id, rec->len,
				(rec->flags & L4PT_F_FRAG) ? " fragmented" : "",
				l4pt_stage_name(k->dir, false), ifname(rec->if_in, ifa, sizeof(ifa)),
				l4pt_stage_name(k->dir, true), ifname(rec->if_out, ifb, sizeof(ifb)),
				((double)rec->ts_last_out - (double)from) / 1000.0);
		return;
	}
	if (c->proto == L4PT_TCP) {
		nt_text("=== TCP Drop Detected [%s] %s===\n", l4pt_dir_name(k->dir),
			pending ? "(tool stopped before the timeout) " : "");
		nt_text("Time: %s\nFlow: %s:%u -> %s:%u seq=%u ack=%u len=%u flags=%s%s\n", when, sip,
			k->sport, dip, k->dport, k->seq, rec->ack, rec->len,
			l4pt_tcp_flags_str(rec->tcp_flags, fl, sizeof(fl)),
			(rec->flags & L4PT_F_RETRANS) ? " (retransmission)" : "");
		nt_text("Stages: %s at %s (x%u), %s seen x%u after %llums\n",
			l4pt_stage_name(k->dir, false), ifname(rec->if_in, ifa, sizeof(ifa)), rec->n_in,
			l4pt_stage_name(k->dir, true), rec->n_out, c->timeout_ms);
	} else {
		nt_text("=== UDP Drop Detected %s===\n", pending ? "(tool stopped before the timeout) " : "");
		nt_text("Time: %s\nGroup: %s -> %s IP_ID=%u (Port: %u -> %u) len=%u\n", when, sip, dip,
			k->ip_id, k->sport, k->dport, rec->len);
		if (rec->flags & L4PT_F_FRAG)
			nt_text("Fragmented: Yes (RX frags=%u, TX frags=%u)\n", rec->n_in, rec->n_out);
		else
			nt_text("Fragmented: No (RX=%u, TX=%u)\n", rec->n_in, rec->n_out);
		if ((rec->flags & L4PT_F_FRAG) && rec->n_out)
			nt_text("Type: PARTIAL FRAGMENT DROP\n");
	}
	nt_text("Dropped INTERNALLY (entered %s, did not leave %s)\n\n",
		ifname(rec->if_in, ifa, sizeof(ifa)), r->cfg->path.tx.str);
}

static void report_packet(struct l4pt_runner *r, const struct l4pt_key *k,
			  const struct l4pt_rec *rec, bool pending)
{
	enum l4pt_status st = l4pt_judge(rec);

	if (st != L4PT_COMPLETE && !pending) {
		r->interval[k->dir & 1].drops += l4pt_rec_drops(rec);
		r->total[k->dir & 1].drops += l4pt_rec_drops(rec);
	}
	if (pending)
		r->pending++;
	if (r->cfg->stats_mode)
		return;
	if (st == L4PT_COMPLETE && !r->cfg->verbose)
		return;
	r->events++;
	if (nt_out_json())
		report_json(r, k, rec, pending);
	else
		report_text(r, k, rec, pending);
}

static int l4pt_on_event(void *ctx, void *data, size_t len)
{
	const struct l4pt_event *e = data;

	if (len >= sizeof(*e))
		report_packet(ctx, &e->key, &e->rec, false);
	return 0;
}

/* Judge the packets that entered more than --timeout-ms ago (at exit: all
 * of them; the young ones as pending) and remove them from the kernel map. */
static void sweep(struct l4pt_runner *r, bool at_exit)
{
	int fd = bpf_map__fd(r->m->recs);
	uint64_t now = nt_mono_ns(), timeout_ns = r->cfg->timeout_ms * 1000000ULL;
	struct l4pt_key *prev = NULL;
	int n = 0;

	while (n < L4PT_MAX_RECS && bpf_map_get_next_key(fd, prev, &r->keys[n]) == 0) {
		prev = &r->keys[n];
		n++;
	}
	for (int i = 0; i < n; i++) {
		struct l4pt_rec rec;
		bool young;

		if (bpf_map_lookup_elem(fd, &r->keys[i], &rec))
			continue;
		if (!rec.n_in)
			continue;
		/* A record the kernel made after we read the clock is young, not
		 * 2^64 ns old. */
		young = rec.ts_last_in >= now || now - rec.ts_last_in < timeout_ns;
		if (young && !at_exit)
			continue;
		if (bpf_map_delete_elem(fd, &r->keys[i]))
			continue;       /* completed by the kernel meanwhile */
		r->swept++;
		report_packet(r, &r->keys[i], &rec, young && !l4pt_rec_complete(&rec));
	}
}

/* Flip the kernel's epoch and add the half it was writing to @into. */
static void collect(struct l4pt_runner *r)
{
	int fd = bpf_map__fd(r->m->stats);
	__u32 old = *r->m->epoch & 1;
	struct timespec ts = { 0, 2000000 };

	*r->m->epoch = old ^ 1;
	nanosleep(&ts, NULL);           /* let programs that read the old epoch finish */
	for (int d = 0; d < r->ndirs; d++) {
		__u32 idx = d * 2 + old;
		struct l4pt_stats sum = {};

		memset(r->percpu, 0, sizeof(*r->percpu) * r->ncpu);
		if (bpf_map_lookup_elem(fd, &idx, r->percpu))
			continue;
		l4pt_stats_sum(&sum, r->percpu, r->ncpu);
		memset(r->percpu, 0, sizeof(*r->percpu) * r->ncpu);
		bpf_map_update_elem(fd, &idx, r->percpu, BPF_ANY);
		r->interval[d].k.in_pkts += sum.in_pkts;
		r->interval[d].k.out_pkts += sum.out_pkts;
		r->interval[d].k.groups += sum.groups;
		r->interval[d].k.retrans += sum.retrans;
		r->interval[d].k.complete += sum.complete;
		r->interval[d].k.out_unmatched += sum.out_unmatched;
		nt_lat_merge(&r->interval[d].k.lat, &sum.lat);
	}
}

static uint64_t evicted(struct l4pt_runner *r)
{
	uint64_t created = nt_counter_sum(r->m->counters, L4PT_CNT_CREATED);
	uint64_t done = nt_counter_sum(r->m->counters, L4PT_CNT_COMPLETED) + r->swept;

	return created > done ? created - done : 0;
}

static void dir_json(struct nt_json *j, const char *key, const struct dir_totals *t)
{
	nt_json_obj(j, key);
	nt_json_u64(j, "in_packets", t->k.in_pkts);
	nt_json_u64(j, "out_packets", t->k.out_pkts);
	nt_json_u64(j, "packets", t->k.groups);
	nt_json_u64(j, "retrans", t->k.retrans);
	nt_json_u64(j, "complete", t->k.complete);
	nt_json_u64(j, "internal_drops", t->drops);
	nt_json_u64(j, "out_unmatched", t->k.out_unmatched);
	nt_lat_json(j, "latency_us", "hist_us", &t->k.lat, 1000.0);
	nt_json_obj_end(j);
}

static void dir_text(struct l4pt_runner *r, int d, const struct dir_totals *t)
{
	const struct l4pt_config *c = r->cfg;

	if (r->ndirs > 1)
		nt_text("%s (%s -> %s):\n", d == L4PT_FWD ? "Forward" : "Reply",
			d == L4PT_FWD ? c->path.src_str : c->path.dst_str, d == L4PT_FWD ? c->path.dst_str : c->path.src_str);
	else
		nt_text("%s -> %s:\n", c->path.src_str, c->path.dst_str);
	nt_text("  Packets   RX: %llu  TX: %llu  (TX without RX: %llu)\n",
		(unsigned long long)t->k.in_pkts, (unsigned long long)t->k.out_pkts,
		(unsigned long long)t->k.out_unmatched);
	nt_text("  Groups    New: %llu  Complete: %llu  InternalDrop: %llu%s",
		(unsigned long long)t->k.groups, (unsigned long long)t->k.complete,
		(unsigned long long)t->drops, c->proto == L4PT_TCP ? "" : "\n");
	if (c->proto == L4PT_TCP)
		nt_text("  Retrans: %llu\n", (unsigned long long)t->k.retrans);
	nt_lat_text("  ", "us", &t->k.lat, 1000.0, 1);
}

static void add_totals(struct dir_totals *tot, const struct dir_totals *iv)
{
	tot->k.in_pkts += iv->k.in_pkts;
	tot->k.out_pkts += iv->k.out_pkts;
	tot->k.groups += iv->k.groups;
	tot->k.retrans += iv->k.retrans;
	tot->k.complete += iv->k.complete;
	tot->k.out_unmatched += iv->k.out_unmatched;
	nt_lat_merge(&tot->k.lat, &iv->k.lat);
}

/* Close an interval: kernel counts in, totals updated, report in stats mode. */
static void end_interval(struct l4pt_runner *r, bool print)
{
	uint64_t now = nt_mono_ns();
	static const char *keys[L4PT_NDIRS] = { "fwd", "rep" };

	collect(r);
	for (int d = 0; d < r->ndirs; d++)
		add_totals(&r->total[d], &r->interval[d]);
	if (print) {
		uint64_t lost = nt_counter_sum(r->m->counters, NT_CNT_LOST_EVENTS);

		if (nt_out_json()) {
			struct nt_json *j = nt_json_begin("interval", 0);

			nt_json_f64(j, "interval_s", (double)(now - r->interval_start_ns) / 1e9);
			for (int d = 0; d < r->ndirs; d++)
				dir_json(j, keys[d], &r->interval[d]);
			nt_json_u64(j, "lost_events", lost);
			nt_json_u64(j, "evicted", evicted(r));
			nt_json_end(j);
		} else {
			char a[32], b[32];

			nt_fmt_clock(nt_mono_to_wall_ns(r->interval_start_ns), a, sizeof(a));
			nt_fmt_clock(nt_mono_to_wall_ns(now), b, sizeof(b));
			nt_text("=== %s Stats [%s - %s] ===\n", proto_name(r->cfg), a, b);
			for (int d = 0; d < r->ndirs; d++)
				dir_text(r, d, &r->interval[d]);
			nt_text("\n");
		}
	}
	memset(r->interval, 0, sizeof(r->interval));
	r->interval_start_ns = now;
}

static void l4pt_tick(void *ctx)
{
	struct l4pt_runner *r = ctx;
	uint64_t now = nt_mono_ns();

	if (now >= r->next_sweep_ns) {
		sweep(r, false);
		r->next_sweep_ns = now + 200000000ULL;
	}
	if (now >= r->next_interval_ns) {
		end_interval(r, r->cfg->stats_mode);
		r->next_interval_ns += r->cfg->stats_interval * 1000000000ULL;
	}
}

struct l4pt_runner *l4pt_runner_new(const struct l4pt_config *c, const struct l4pt_maps *m)
{
	struct l4pt_runner *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cfg = c;
	r->m = m;
	r->ndirs = c->proto == L4PT_TCP ? 2 : 1;
	r->ncpu = libbpf_num_possible_cpus();
	r->keys = calloc(L4PT_MAX_RECS, sizeof(*r->keys));
	r->percpu = calloc(r->ncpu > 0 ? r->ncpu : 1, sizeof(*r->percpu));
	if (r->ncpu <= 0 || !r->keys || !r->percpu) {
		free(r->keys);
		free(r->percpu);
		free(r);
		return NULL;
	}
	r->interval_start_ns = nt_mono_ns();
	r->next_interval_ns = r->interval_start_ns + c->stats_interval * 1000000000ULL;
	r->next_sweep_ns = r->interval_start_ns;
	return r;
}

void l4pt_runner_finish(struct l4pt_runner *r)
{
	const struct l4pt_config *c = r->cfg;
	static const char *keys[L4PT_NDIRS] = { "fwd", "rep" };
	uint64_t lost, full;

	sweep(r, true);
	/* what the kernel counted since the last interval (no report of its own) */
	end_interval(r, false);
	lost = nt_counter_sum(r->m->counters, NT_CNT_LOST_EVENTS);
	full = nt_counter_sum(r->m->counters, NT_CNT_MAP_FULL);
	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("summary", 0);

		nt_json_str(j, "src_ip", c->path.src_str);
		nt_json_str(j, "dst_ip", c->path.dst_str);
		nt_json_str(j, "mode", c->stats_mode ? "stats" : c->verbose ? "verbose" : "drops");
		for (int d = 0; d < r->ndirs; d++)
			dir_json(j, keys[d], &r->total[d]);
		nt_json_u64(j, "pending", r->pending);
		nt_json_u64(j, "events", r->events);
		nt_json_u64(j, "lost_events", lost);
		nt_json_u64(j, "evicted", evicted(r));
		nt_json_u64(j, "map_full", full);
		nt_json_end(j);
	} else {
		nt_text("=== %s path summary: %s -> %s ===\n", proto_name(c), c->path.src_str, c->path.dst_str);
		for (int d = 0; d < r->ndirs; d++)
			dir_text(r, d, &r->total[d]);
		if (r->pending)
			nt_text("Pending (tool stopped before their timeout): %llu\n",
				(unsigned long long)r->pending);
		nt_text("Lost events: %llu  Evicted: %llu\n", (unsigned long long)lost,
			(unsigned long long)evicted(r));
	}
	free(r->keys);
	free(r->percpu);
	free(r);
}

/* ---- the tools' hooks ------------------------------------------------------ */

static struct l4pt_maps maps;

static const struct l4pt_config *config_of(const struct nt_run *r)
{
	return r->def->cli.cfg;
}

/* Both skeletons have the same globals, of other C types: set them by name. */
static int l4pt_configure(struct nt_run *r)
{
	const struct l4pt_config *c = config_of(r);
	struct bpf_object *o = r->obj;

	const struct nt_fwd_path *p = &c->path;

	if (NT_OBJ_SET(o, targ_filter, p->filter) ||
	    nt_obj_set(o, "targ_rx", p->rx.ref, sizeof(p->rx.ref)) ||
	    NT_OBJ_SET(o, targ_nrx, (__u32)p->rx.n) ||
	    nt_obj_set(o, "targ_tx", p->tx.ref, sizeof(p->tx.ref)) ||
	    NT_OBJ_SET(o, targ_ntx, (__u32)p->tx.n) || NT_OBJ_SET(o, targ_verbose, c->verbose))
		return NT_EXIT_RUNTIME;
	if (!c->verbose)
		r->events = NULL;       /* drops and stats come from the sweep */
	r->tick_ms = 100;
	return 0;
}

static int l4pt_attached(struct nt_run *r)
{
	struct l4pt_runner *runner;

	maps = (struct l4pt_maps){
		bpf_object__find_map_by_name(r->obj, "l4pt_recs"),
		bpf_object__find_map_by_name(r->obj, "l4pt_stats"),
		bpf_object__find_map_by_name(r->obj, "nt_events"),
		bpf_object__find_map_by_name(r->obj, "nt_counters"),
		nt_obj_var(r->obj, "l4pt_epoch", sizeof(__u32)),
	};
	if (!maps.recs || !maps.stats || !maps.counters || !maps.epoch) {
		nt_err("BPF object lacks the path tracer's maps");
		return NT_EXIT_RUNTIME;
	}
	runner = l4pt_runner_new(config_of(r), &maps);
	if (!runner) {
		nt_err("failed to allocate the sweep buffers: %s", strerror(ENOMEM));
		return NT_EXIT_RUNTIME;
	}
	r->ctx = runner;
	return 0;
}

static void l4pt_describe(struct nt_run *r, char *buf, size_t len)
{
	const struct l4pt_config *c = config_of(r);

	const struct nt_fwd_path *p = &c->path;
	char either[24] = "";

	if (p->filter.port)
		snprintf(either, sizeof(either), ", either port %u", p->filter.port);
	snprintf(buf, len, "%s %s -> %s: rx-iface %s, tx-iface %s, ports %u -> %u (0 = any)%s, "
		 "timeout %llums, %s", c->proto == L4PT_TCP ? "TCP" : "UDP", p->src_str, p->dst_str,
		 p->rx.str, p->tx.str, p->filter.sport, p->filter.dport, either, c->timeout_ms,
		 c->stats_mode ? "stats mode" : c->verbose ? "verbose" : "drops only");
}

static void l4pt_finish(struct nt_run *r)
{
	l4pt_runner_finish(r->ctx);
	r->ctx = NULL;
}

/* --prometheus: per direction the run's packets in and out, those that left,
 * those lost inside, and the in -> out latency, as of the last interval. */
static void l4pt_metrics(void *ctx, struct nt_prom *m)
{
	static const char *dirs[L4PT_NDIRS] = { "fwd", "rep" };
	static const struct { const char *name, *help; size_t off; } counts[] = {
		{ "nettrail_path_in_packets_total", "packets seen entering the host",
		  offsetof(struct l4pt_stats, in_pkts) },
		{ "nettrail_path_out_packets_total", "tracked packets seen leaving the host",
		  offsetof(struct l4pt_stats, out_pkts) },
		{ "nettrail_path_packets_total", "packets (datagrams, segments) tracked",
		  offsetof(struct l4pt_stats, groups) },
		{ "nettrail_path_complete_total", "tracked packets that left the host entirely",
		  offsetof(struct l4pt_stats, complete) },
		{ "nettrail_path_retrans_total", "TCP retransmissions among the tracked packets",
		  offsetof(struct l4pt_stats, retrans) },
		{ "nettrail_path_out_unmatched_total", "packets leaving that were not seen entering",
		  offsetof(struct l4pt_stats, out_unmatched) },
	};
	struct l4pt_runner *r = ctx;

	if (!r)
		return;
	for (int d = 0; d < r->ndirs; d++) {
		const struct dir_totals *t = &r->total[d];

		for (size_t i = 0; i < NT_ARRAY_SIZE(counts); i++)
			nt_prom_add(m, counts[i].name, NT_PROM_COUNTER, counts[i].help,
				    (double)*(const __u64 *)((const char *)&t->k + counts[i].off),
				    "direction", dirs[d], NULL);
		nt_prom_add(m, "nettrail_path_internal_drops_total", NT_PROM_COUNTER,
			    "packets that entered the host and never left it (INTERNAL_DROP)",
			    (double)t->drops, "direction", dirs[d], NULL);
		nt_prom_hist(m, "nettrail_path_latency_seconds", "time from entering to leaving the host",
			     &t->k.lat, "direction", dirs[d], NULL);
	}
	nt_prom_losses(m, r->m->counters, "packets not tracked because the table was full");
}

const struct nt_tool_hooks l4pt_hooks = {
	.metrics = l4pt_metrics,
	.configure = l4pt_configure,
	.attached = l4pt_attached,
	.describe = l4pt_describe,
	.on_event = l4pt_on_event,
	.tick = l4pt_tick,
	.finish = l4pt_finish,
};
