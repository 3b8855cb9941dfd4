// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * icmp_path_tracer — is a ping lost (or slow) inside this host or outside it?
 * (manual 1.2 scenario 1, 3.1.1, 5.2.4)
 *
 * Follows each echo exchange of one src/dst pair through four stages on a
 * forwarding host: REQ_RX (request enters an rx interface), REQ_TX (request
 * leaves the tx interface), REP_RX (reply enters the tx interface), REP_TX
 * (reply leaves an rx interface). Kernel events: net:netif_receive_skb and
 * net:net_dev_start_xmit (or the receive/transmit functions via fentry or
 * kprobe). An exchange missing a stage after --timeout-ms is judged by the
 * first stage it lacks: INTERNAL_DROP_REQ, EXTERNAL_DROP, INTERNAL_DROP_REP.
 * A fragmented echo passes a stage only when every fragment of it did (the
 * kernel follows its fragments as a group): a host that forwards the first
 * fragment of a large ping and drops the rest lost the ping itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "nt.h"
#include "tool.h"
#include "btfinfo.h"
#include "cli.h"
#include "iface.h"
#include "output.h"
#include "run.h"
#include "stages.h"
#include "icmp_path_tracer.h"
#include "icmp_path_tracer.skel.h"

static const struct nt_stage stages[] = {
	NT_NETDEV_STAGE_RX("nt_icmp", "a packet enters an interface (request at --rx-iface, reply at --tx-iface)"),
	NT_NETDEV_STAGE_TX("nt_icmp", "a packet is handed to an interface's driver (request at --tx-iface, reply at --rx-iface)"),
};

struct config {
	struct nt_fwd_path path;
	unsigned long long timeout_ms;
	bool verbose;
};

#define C struct config
static const struct nt_opt options[] = {
	NT_OPTS_FWD_PATH(C, path, "echo request source (required)",
			 "echo request destination (required)",
			 "interface(s) the request enters, e.g. bond slaves (required)",
			 "IF", "interface the request leaves by (required)"),
	NT_OPT_U("timeout-ms", "MS", "judge an exchange missing a stage after MS (default 1000)",
		 C, timeout_ms, 1, 3600000, "ms"),
	NT_OPT_B("verbose", "print every stage as it happens", C, verbose),
};
#undef C

static int validate(void *cfg)
{
	return nt_fwd_path_validate(&((struct config *)cfg)->path);
}

/* ---- verdicts (pure) ---------------------------------------------------- */

static const char *stage_names[ICMP_PT_NSTAGES] = { "REQ_RX", "REQ_TX", "REP_RX", "REP_TX" };
static const char *status_names[ICMP_PT_NSTATUS] = {
	"COMPLETE", "INTERNAL_DROP_REQ", "EXTERNAL_DROP", "INTERNAL_DROP_REP", "TIMEOUT",
};
static const char *segment_keys[ICMP_PT_NSEGS] = {
	"internal_req_us", "external_us", "internal_rep_us",
};

const char *icmp_pt_stage_name(int stage)
{
	return stage >= 0 && stage < ICMP_PT_NSTAGES ? stage_names[stage] : "?";
}

const char *icmp_pt_status_name(int status)
{
	return status >= 0 && status < ICMP_PT_NSTATUS ? status_names[status] : "?";
}

const char *icmp_pt_segment_key(int seg)
{
	return seg >= 0 && seg < ICMP_PT_NSEGS ? segment_keys[seg] : "?";
}

/* Judged by which stages were seen, not by arrival order: the stamps of one
 * exchange can reach us from different CPUs. The first missing stage names
 * the segment where the packet was lost, provided everything before it was
 * seen; anything else (e.g. a reply whose request we never saw) is TIMEOUT. */
struct icmp_pt_verdict icmp_pt_judge(const struct icmp_pt_rec *rec)
{
	struct icmp_pt_verdict v = { ICMP_PT_COMPLETE, -1, 0 };
	int first_missing = -1;

	for (int s = 0; s < ICMP_PT_NSTAGES; s++) {
		if (!rec->ts[s] && first_missing < 0)
			first_missing = s;
		if (rec->ts[s] && first_missing >= 0) {
			v.status = ICMP_PT_TIMEOUT;
			v.missing = first_missing;
			v.missing_frags = rec->frags[first_missing];
			return v;
		}
	}
	v.missing = first_missing;
	if (first_missing >= 0)
		v.missing_frags = rec->frags[first_missing];
	switch (first_missing) {
	case -1: v.status = ICMP_PT_COMPLETE; break;
	case ICMP_PT_REQ_TX: v.status = ICMP_PT_INTERNAL_DROP_REQ; break;
	case ICMP_PT_REP_RX: v.status = ICMP_PT_EXTERNAL_DROP; break;
	case ICMP_PT_REP_TX: v.status = ICMP_PT_INTERNAL_DROP_REP; break;
	default: v.status = ICMP_PT_TIMEOUT; break;
	}
	return v;
}

bool icmp_pt_segment_us(const struct icmp_pt_rec *rec, int seg, double *us)
{
	unsigned long long a = rec->ts[seg], b = rec->ts[seg + 1];

	if (seg < 0 || seg >= ICMP_PT_NSEGS || !a || !b)
		return false;
	*us = ((double)b - (double)a) / 1000.0;
	return true;
}

bool icmp_pt_stage_partial(const struct icmp_pt_rec *rec, int stage)
{
	return stage >= 0 && stage < ICMP_PT_NSTAGES && !rec->ts[stage] && rec->frags[stage];
}

unsigned long long icmp_pt_first_ts(const struct icmp_pt_rec *rec)
{
	unsigned long long first = 0;

	for (int s = 0; s < ICMP_PT_NSTAGES; s++)
		if (rec->ts[s] && (!first || rec->ts[s] < first))
			first = rec->ts[s];
	return first;
}

void icmp_pt_stats_add(struct icmp_pt_stats *s, const struct icmp_pt_rec *rec,
		       const struct icmp_pt_verdict *v, bool pending)
{
	if (pending) {
		s->pending++;
		return;
	}
	s->exchanges++;
	s->status[v->status]++;
	for (int seg = 0; seg < ICMP_PT_NSEGS; seg++) {
		struct icmp_pt_minmax *m = &s->seg[seg];
		double us;

		if (!icmp_pt_segment_us(rec, seg, &us))
			continue;
		if (!m->n || us < m->min)
			m->min = us;
		if (!m->n || us > m->max)
			m->max = us;
		m->sum += us;
		m->n++;
	}
}

void icmp_pt_remember(struct icmp_pt_memory *m, const struct icmp_pt_key *key,
		      const struct icmp_pt_rec *rec, int status)
{
	struct icmp_pt_judged *j = &m->slot[m->next++ % ICMP_PT_JUDGED];

	j->key = *key;
	j->rec = *rec;
	j->status = status;
	j->live = true;
}

struct icmp_pt_judged *icmp_pt_recall_late(struct icmp_pt_memory *m, const struct icmp_pt_key *key,
					   int stage, unsigned long long ts, unsigned int ifindex,
					   int *old_status)
{
	/* Newest first: echo ids/seqs wrap, the latest use of a key is the one. */
	for (unsigned int i = 0; i < ICMP_PT_JUDGED; i++) {
		struct icmp_pt_judged *j = &m->slot[(m->next - 1 - i) % ICMP_PT_JUDGED];

		if (!j->live || j->key.id != key->id || j->key.seq != key->seq)
			continue;
		if (stage < 0 || stage >= ICMP_PT_NSTAGES || j->rec.ts[stage])
			return NULL;
		j->live = false;
		j->rec.ts[stage] = ts;
		j->rec.ifindex[stage] = ifindex;
		*old_status = j->status;
		j->status = ICMP_PT_TIMEOUT;
		return j;
	}
	return NULL;
}

/* ---- reporting --------------------------------------------------------- */

struct tracer {
	struct config *cfg;
	struct icmp_path_tracer_bpf *skel;
	struct icmp_pt_stats stats;
	struct icmp_pt_memory judged;
	uint64_t swept;
};

static const char *ifname_of(const struct tracer *t, __u32 ifindex, char *buf, size_t len)
{
	struct nt_ifref ref = { nt_netns_self(), ifindex };

	return nt_iface_name(&ref, buf, len);
}

/* partial_stages[{name iface fragments}]: stages some fragments of the echo
 * passed, not all; absent when there is none. */
static void report_json_partial(struct tracer *t, struct nt_json *j, const struct icmp_pt_rec *rec)
{
	bool any = false;
	char ifn[32];

	for (int s = 0; s < ICMP_PT_NSTAGES; s++) {
		if (!icmp_pt_stage_partial(rec, s))
			continue;
		if (!any)
			nt_json_arr(j, "partial_stages");
		any = true;
		nt_json_obj(j, NULL);
		nt_json_str(j, "name", icmp_pt_stage_name(s));
		nt_json_str(j, "iface", ifname_of(t, rec->ifindex[s], ifn, sizeof(ifn)));
		nt_json_u64(j, "fragments", rec->frags[s]);
		nt_json_obj_end(j);
	}
	if (any)
		nt_json_arr_end(j);
}

static void report_json(struct tracer *t, const char *type, const struct icmp_pt_key *key,
			const struct icmp_pt_rec *rec, int stage, const struct icmp_pt_verdict *v,
			bool pending, int late_stage, int previous)
{
	struct nt_json *j = nt_json_begin(type, nt_mono_to_wall_ns(icmp_pt_first_ts(rec)));
	char ifn[32];

	nt_json_str(j, "src_ip", t->cfg->path.src_str);
	nt_json_str(j, "dst_ip", t->cfg->path.dst_str);
	nt_json_u64(j, "id", key->id);
	nt_json_u64(j, "seq", key->seq);
	if (stage >= 0) {
		nt_json_str(j, "stage", icmp_pt_stage_name(stage));
		nt_json_str(j, "iface", ifname_of(t, rec->ifindex[stage], ifn, sizeof(ifn)));
		nt_json_u64(j, "ts_ns", rec->ts[stage]);
	}
	if (v) {
		nt_json_str(j, "status", icmp_pt_status_name(v->status));
		if (pending)
			nt_json_bool(j, "pending", true);
		if (late_stage >= 0) {
			nt_json_str(j, "late_stage", icmp_pt_stage_name(late_stage));
			nt_json_str(j, "previous_status", icmp_pt_status_name(previous));
		}
	}
	nt_json_arr(j, "stages");
	for (int s = 0; s < ICMP_PT_NSTAGES; s++) {
		if (!rec->ts[s])
			continue;
		nt_json_obj(j, NULL);
		nt_json_str(j, "name", icmp_pt_stage_name(s));
		nt_json_str(j, "iface", ifname_of(t, rec->ifindex[s], ifn, sizeof(ifn)));
		nt_json_u64(j, "ts_ns", rec->ts[s]);
		if (rec->frags[s])
			nt_json_u64(j, "fragments", rec->frags[s]);
		nt_json_obj_end(j);
	}
	nt_json_arr_end(j);
	report_json_partial(t, j, rec);
	for (int seg = 0; seg < ICMP_PT_NSEGS; seg++) {
		double us;

		if (icmp_pt_segment_us(rec, seg, &us))
			nt_json_f64(j, icmp_pt_segment_key(seg), us);
	}
	nt_json_end(j);
}

static void fmt_us(double us, char *buf, size_t len)
{
	snprintf(buf, len, us >= 100 || us <= -100 ? "%.0f" : "%.1f", us);
}

static void report_text_exchange(struct tracer *t, const struct icmp_pt_key *key,
				 const struct icmp_pt_rec *rec, const struct icmp_pt_verdict *v,
				 bool pending)
{
	char when[32], ifn[32], d[32];
	int prev = -1;

	nt_fmt_clock(nt_mono_to_wall_ns(icmp_pt_first_ts(rec)), when, sizeof(when));
	nt_text("[%s] ICMP id=%u seq=%u %s -> %s\n", when, key->id, key->seq,
		t->cfg->path.src_str, t->cfg->path.dst_str);
	for (int s = 0; s < ICMP_PT_NSTAGES; s++) {
		if (icmp_pt_stage_partial(rec, s)) {
			nt_text("  [%d] %-7s %-10s only %u fragment(s) of the echo, not all\n", s,
				icmp_pt_stage_name(s), ifname_of(t, rec->ifindex[s], ifn, sizeof(ifn)),
				rec->frags[s]);
			continue;
		}
		if (!rec->ts[s])
			continue;
		nt_text("  [%d] %-7s %-10s ts=%llu", s, icmp_pt_stage_name(s),
			ifname_of(t, rec->ifindex[s], ifn, sizeof(ifn)),
			(unsigned long long)(rec->ts[s] / 1000));
		if (prev >= 0) {
			fmt_us(((double)rec->ts[s] - (double)rec->ts[prev]) / 1000.0, d, sizeof(d));
			nt_text("  (+%sus)", d);
		}
		if (rec->frags[s])
			nt_text("  [%u fragments]", rec->frags[s]);
		nt_text("\n");
		prev = s;
	}
	if (v->status == ICMP_PT_COMPLETE) {
		double a = 0, b = 0, c = 0;

		icmp_pt_segment_us(rec, ICMP_PT_SEG_INTERNAL_REQ, &a);
		icmp_pt_segment_us(rec, ICMP_PT_SEG_EXTERNAL, &b);
		icmp_pt_segment_us(rec, ICMP_PT_SEG_INTERNAL_REP, &c);
		nt_text("  Latency(us): ReqInternal=%.1f External=%.1f RepInternal=%.1f Total=%.1f\n",
			a, b, c, a + b + c);
		nt_text("  STATUS: COMPLETE\n\n");
	} else if (v->missing >= 0) {
		char part[64] = "";

		if (v->missing_frags)
			snprintf(part, sizeof(part), "; %d fragment(s) of it passed, not all",
				 v->missing_frags);
		nt_text("  STATUS: %s (missing %s after %llums%s)%s\n\n", icmp_pt_status_name(v->status),
			icmp_pt_stage_name(v->missing), t->cfg->timeout_ms, part,
			pending ? " [tool stopped before the timeout]" : "");
	} else {
		nt_text("  STATUS: %s\n\n", icmp_pt_status_name(v->status));
	}
}

static void report_exchange(struct tracer *t, const struct icmp_pt_key *key,
			    const struct icmp_pt_rec *rec, bool pending)
{
	struct icmp_pt_verdict v = icmp_pt_judge(rec);

	icmp_pt_stats_add(&t->stats, rec, &v, pending);
	if (nt_out_json())
		report_json(t, "event", key, rec, -1, &v, pending, -1, 0);
	else
		report_text_exchange(t, key, rec, &v, pending);
	if (!pending && v.status != ICMP_PT_COMPLETE && v.status != ICMP_PT_TIMEOUT)
		icmp_pt_remember(&t->judged, key, rec, v.status);
}

/* A stage with no open exchange: either late for one already judged a drop
 * (then that verdict was really a TIMEOUT), or of an exchange that did not
 * start at a listed rx interface (counted, not reported). */
static void report_late(struct tracer *t, const struct icmp_pt_event *e)
{
	struct icmp_pt_judged *j;
	char when[32];
	int old;

	j = icmp_pt_recall_late(&t->judged, &e->key, e->stage, e->rec.ts[e->stage],
				e->rec.ifindex[e->stage], &old);
	if (!j)
		return;
	j->rec.frags[e->stage] = e->rec.frags[e->stage];
	t->stats.status[old]--;
	t->stats.status[ICMP_PT_TIMEOUT]++;
	if (nt_out_json()) {
		struct icmp_pt_verdict v = { ICMP_PT_TIMEOUT, -1 };

		report_json(t, "event", &j->key, &j->rec, -1, &v, false, e->stage, old);
		return;
	}
	nt_fmt_clock(nt_mono_to_wall_ns(icmp_pt_first_ts(&j->rec)), when, sizeof(when));
	nt_text("[%s] ICMP id=%u seq=%u %s -> %s\n  STATUS: TIMEOUT (%s arrived %.1fms after the "
		"first stage, later than --timeout-ms %llu; reported above as %s)\n\n", when,
		e->key.id, e->key.seq, t->cfg->path.src_str, t->cfg->path.dst_str,
		icmp_pt_stage_name(e->stage),
		(e->rec.ts[e->stage] - icmp_pt_first_ts(&j->rec)) / 1e6, t->cfg->timeout_ms,
		icmp_pt_status_name(old));
}

static void report_stage(struct tracer *t, const struct icmp_path_tracer_bpf *skel,
			 const struct icmp_pt_event *e)
{
	char when[32], ifn[32];

	if (nt_out_json()) {
		report_json(t, "stage", &e->key, &e->rec, e->stage, NULL, false, -1, 0);
		return;
	}
	nt_fmt_clock(nt_mono_to_wall_ns(e->rec.ts[e->stage]), when, sizeof(when));
	nt_text("[%s] ICMP id=%u seq=%u stage %s at %s\n", when, e->key.id, e->key.seq,
		icmp_pt_stage_name(e->stage),
		ifname_of(t, e->rec.ifindex[e->stage], ifn, sizeof(ifn)));
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct tracer *t = ctx;
	const struct icmp_pt_event *e = data;

	if (len < sizeof(*e))
		return 0;
	if (e->kind == ICMP_PT_EV_STAGE)
		report_stage(t, t->skel, e);
	else if (e->kind == ICMP_PT_EV_DONE)
		report_exchange(t, &e->key, &e->rec, false);
	else if (e->kind == ICMP_PT_EV_ORPHAN)
		report_late(t, e);
	return 0;
}

/* Judge exchanges that have waited longer than the timeout (or, at exit,
 * every one still open) and remove them from the kernel's table. */
static void sweep(struct tracer *t, bool at_exit)
{
	int fd = bpf_map__fd(t->skel->maps.exchanges);
	struct icmp_pt_key keys[256], key, *prev = NULL;
	uint64_t now = nt_mono_ns(), timeout_ns = t->cfg->timeout_ms * 1000000ULL;
	int n = 0;

	while (n < (int)NT_ARRAY_SIZE(keys) && bpf_map_get_next_key(fd, prev, &key) == 0) {
		keys[n] = key;
		prev = &keys[n++];
	}
	for (int i = 0; i < n; i++) {
		struct icmp_pt_rec rec;
		uint64_t first;
		bool young;

		if (bpf_map_lookup_elem(fd, &keys[i], &rec))
			continue;
		first = icmp_pt_first_ts(&rec);
		/* first > now: the kernel made it after we read the clock */
		young = !first || first >= now || now - first < timeout_ns;
		if (!at_exit && young)
			continue;
		if (bpf_map_delete_elem(fd, &keys[i]))
			continue;       /* completed by the kernel meanwhile */
		t->swept++;
		report_exchange(t, &keys[i], &rec, at_exit && young);
	}
}

static void tick(void *ctx)
{
	sweep(ctx, false);
}

static void report_summary(struct tracer *t)
{
	struct icmp_path_tracer_bpf *skel = t->skel;
	uint64_t lost = nt_counter_sum(skel->maps.nt_counters, NT_CNT_LOST_EVENTS);
	uint64_t created = nt_counter_sum(skel->maps.nt_counters, ICMP_PT_CNT_CREATED);
	uint64_t completed = nt_counter_sum(skel->maps.nt_counters, ICMP_PT_CNT_COMPLETED);
	uint64_t orphans = nt_counter_sum(skel->maps.nt_counters, ICMP_PT_CNT_ORPHANS);
	uint64_t accounted = completed + t->swept;
	uint64_t evicted = created > accounted ? created - accounted : 0;
	const struct icmp_pt_stats *s = &t->stats;

	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("summary", 0);

		nt_json_str(j, "src_ip", t->cfg->path.src_str);
		nt_json_str(j, "dst_ip", t->cfg->path.dst_str);
		nt_json_u64(j, "exchanges", s->exchanges);
		nt_json_obj(j, "statuses");
		for (int st = 0; st < ICMP_PT_NSTATUS; st++)
			nt_json_u64(j, icmp_pt_status_name(st), s->status[st]);
		nt_json_obj_end(j);
		nt_json_u64(j, "pending", s->pending);
		for (int seg = 0; seg < ICMP_PT_NSEGS; seg++) {
			const struct icmp_pt_minmax *m = &s->seg[seg];

			nt_json_obj(j, icmp_pt_segment_key(seg));
			nt_json_u64(j, "count", m->n);
			if (m->n) {
				nt_json_f64(j, "min", m->min);
				nt_json_f64(j, "avg", m->sum / m->n);
				nt_json_f64(j, "max", m->max);
			}
			nt_json_obj_end(j);
		}
		nt_json_u64(j, "lost_events", lost);
		nt_json_u64(j, "evicted", evicted);
		nt_json_u64(j, "orphan_stages", orphans);
		nt_json_end(j);
		return;
	}
	nt_text("=== ICMP path summary: %s -> %s ===\n", t->cfg->path.src_str, t->cfg->path.dst_str);
	nt_text("Exchanges: %llu\n", (unsigned long long)s->exchanges);
	for (int st = 0; st < ICMP_PT_NSTATUS; st++)
		nt_text("  %-18s %llu\n", icmp_pt_status_name(st), (unsigned long long)s->status[st]);
	if (s->pending)
		nt_text("  %-18s %llu (tool stopped before their timeout)\n", "pending",
			(unsigned long long)s->pending);
	nt_text("Segment latency (us)      count       min       avg       max\n");
	for (int seg = 0; seg < ICMP_PT_NSEGS; seg++) {
		const struct icmp_pt_minmax *m = &s->seg[seg];

		if (m->n)
			nt_text("  %-22s %6llu %9.1f %9.1f %9.1f\n", icmp_pt_segment_key(seg),
				(unsigned long long)m->n, m->min, m->sum / m->n, m->max);
		else
			nt_text("  %-22s %6d %9s %9s %9s\n", icmp_pt_segment_key(seg), 0, "-", "-", "-");
	}
	nt_text("Lost events: %llu  Evicted exchanges: %llu  Stages without an exchange: %llu\n",
		(unsigned long long)lost, (unsigned long long)evicted, (unsigned long long)orphans);
}

NT_SKEL(icmp_path_tracer);

static struct config cfg = { .timeout_ms = 1000 };
static struct tracer tracer;            /* zeroed (.bss): only the pages used are resident */

static int configure(struct nt_run *r)
{
	struct icmp_path_tracer_bpf *skel = r->skel;

	tracer.cfg = &cfg;
	tracer.skel = skel;
	skel->rodata->targ_filter = cfg.path.filter;
	memcpy((void *)skel->rodata->targ_rx, cfg.path.rx.ref, sizeof(cfg.path.rx.ref));
	skel->rodata->targ_nrx = cfg.path.rx.n;
	memcpy((void *)skel->rodata->targ_tx, cfg.path.tx.ref, sizeof(cfg.path.tx.ref));
	skel->rodata->targ_ntx = cfg.path.tx.n;
	skel->rodata->targ_verbose = cfg.verbose;
	r->tick_ms = 100;
	return 0;
}

static void describe(struct nt_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "ICMP %s -> %s: rx-iface %s, tx-iface %s, timeout %llums",
		 cfg.path.src_str, cfg.path.dst_str, cfg.path.rx.str, cfg.path.tx.str, cfg.timeout_ms);
}

static void finish(struct nt_run *r)
{
	sweep(&tracer, true);
	report_summary(&tracer);
}

static const struct nt_tool_hooks hooks = {
	.configure = configure,
	.describe = describe,
	.on_event = on_event,
	.tick = tick,
	.finish = finish,
};

const struct nt_tool_def icmp_path_tracer_tool = {
	.cli = {
		.tool = "icmp_path_tracer",
		.synopsis = "--src-ip IP --dst-ip IP --rx-iface IF[,IF] --tx-iface IF [options]",
		.description =
			"Follow each ping between SRC and DST through this host: REQ_RX (request\n"
			"enters an rx interface), REQ_TX (leaves the tx interface), REP_RX (reply\n"
			"enters the tx interface), REP_TX (reply leaves an rx interface). An exchange\n"
			"missing a stage after --timeout-ms is reported as INTERNAL_DROP_REQ,\n"
			"EXTERNAL_DROP or INTERNAL_DROP_REP; if the missing stage shows up later, the\n"
			"exchange is re-reported as TIMEOUT (raise --timeout-ms). An exchange starts\n"
			"at REQ_RX: pings entering by other interfaces are not reported. Run it in the\n"
			"network namespace of the interfaces. Overhead: low (ICMP rates).",
		.examples =
			"  nettrail icmp_path_tracer --src-ip 10.0.0.1 --dst-ip 10.0.0.2 \\\n"
			"      --rx-iface ens4f0 --tx-iface vnet0\n"
			"  nettrail icmp_path_tracer --src-ip 10.0.0.1 --dst-ip 10.0.0.2 \\\n"
			"      --rx-iface ens4f0,ens4f1 --tx-iface vnet0 --verbose      # bond slaves\n"
			"  nettrail icmp_path_tracer --src-ip 10.0.0.1 --dst-ip 10.0.0.2 \\\n"
			"      --rx-iface ens4f0 --tx-iface vnet0 --json --duration 60 | tee icmp.jsonl\n"
			"  ip netns exec router nettrail icmp_path_tracer --src-ip 10.0.0.1 \\\n"
			"      --dst-ip 10.0.0.2 --rx-iface eth0 --tx-iface eth1    # in a namespace\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.validate = validate,
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &icmp_path_tracer_skel,
	.hooks = &hooks,
	.ctx = &tracer,
};
