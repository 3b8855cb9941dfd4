// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nettrail merge — which segment loses the packets: the sender's host, the
 * network, or the receiver's host? (manual 3.1.2, Q7, done for the reader)
 *
 * Takes the --json outputs of the same path tracer (icmp_path_tracer,
 * tcp_path_tracer --verbose or udp_path_tracer --verbose) run on the
 * sender's and on the receiver's host, in any order, and matches packets by
 * their identity (ICMP id/seq; TCP ports + seq [+ ack]; UDP ports + IP id),
 * never by time: the hosts' clocks are not assumed to agree. Which file is
 * the sender's host is found from the packets themselves: the IP TTL at
 * entry (TCP/UDP; the upstream host sees the larger TTL), the external
 * segment of ICMP exchanges (longer on the sender's host, which contains the
 * receiver's), or where packets stop being forwarded; --sender-first
 * overrides. Packets the upstream host forwarded before the downstream run
 * started or after it ended are not judged (window = first to last packet
 * seen by both, on the upstream host's clock).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "jsonin.h"
#include "output.h"
#include "merge.h"

static const char *verdict_names[MERGE_NVERDICTS] = {
	"DELIVERED", "SENDER_INTERNAL_DROP", "NETWORK_DROP", "RECEIVER_INTERNAL_DROP",
};

const char *merge_verdict_name(int v)
{
	return v >= 0 && v < MERGE_NVERDICTS ? verdict_names[v] : "?";
}

/* ---- observations --------------------------------------------------------- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int index_grow(struct merge_side *s)
{
	size_t n = s->nslots ? s->nslots * 2 : 1024;
	size_t *t = calloc(n, sizeof(*t));

	if (!t)
		return -1;
	for (size_t i = 0; i < s->n; i++) {
		size_t h = hash_str(s->v[i].id) & (n - 1);

		while (t[h])
			h = (h + 1) & (n - 1);
		t[h] = i + 1;
	}
	free(s->slots);
	s->slots = t;
	s->nslots = n;
	return 0;
}

const struct merge_obs *merge_side_find(const struct merge_side *s, const char *id)
{
	if (!s->nslots)
		return NULL;
	for (size_t h = hash_str(id) & (s->nslots - 1); s->slots[h]; h = (h + 1) & (s->nslots - 1))
		if (!strcmp(s->v[s->slots[h] - 1].id, id))
			return &s->v[s->slots[h] - 1];
	return NULL;
}

struct merge_obs *merge_side_obs(struct merge_side *s, const char *id, int dir)
{
	struct merge_obs *o = (struct merge_obs *)merge_side_find(s, id);
	size_t h;

	if (o)
		return o;
	if ((s->n + 1) * 2 > s->nslots && index_grow(s))
		return NULL;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct merge_obs *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	o = &s->v[s->n];
	memset(o, 0, sizeof(*o));
	snprintf(o->id, sizeof(o->id), "%s", id);
	o->dir = dir;
	o->t0 = 0;
	o->ext_us = -1;
	for (h = hash_str(id) & (s->nslots - 1); s->slots[h]; h = (h + 1) & (s->nslots - 1))
		;
	s->slots[h] = ++s->n;
	return o;
}

void merge_side_free(struct merge_side *s)
{
	free(s->v);
	free(s->slots);
	s->v = NULL;
	s->slots = NULL;
	s->n = s->cap = s->nslots = 0;
}

static bool has_stage(const struct nt_jv *ev, const char *name)
{
	const struct nt_jv *st = nt_jv_get(ev, "stages");

	if (!st || st->type != NT_JV_ARR)
		return false;
	for (const struct nt_jv *e = st->child; e; e = e->next)
		if (!strcmp(nt_jv_str(e, "name", ""), name))
			return true;
	return false;
}

/* The packet's first stage on this host's clock: orders packets within a file. */
static void add_time(struct merge_obs *o, const struct nt_jv *ev)
{
	const struct nt_jv *st = nt_jv_get(ev, "stages");
	double t = 0;

	if (st && st->type == NT_JV_ARR && st->child)
		t = nt_jv_num(st->child, "ts_ns", 0);
	if (t > 0 && (!o->t0 || t < o->t0))
		o->t0 = t;
}

static void add_ttl(struct merge_obs *o, const struct nt_jv *ev)
{
	add_time(o, ev);
	double ttl = nt_jv_num(ev, "ttl", -1);

	if (ttl >= 0) {
		o->ttl_sum += ttl;
		o->ttl_n++;
	}
}

int merge_side_add_event(struct merge_side *s, const struct nt_jv *ev)
{
	const char *tool = nt_jv_str(ev, "tool", ""), *type = nt_jv_str(ev, "type", "");
	const char *sip = nt_jv_str(ev, "src_ip", "?"), *dip = nt_jv_str(ev, "dst_ip", "?");
	char id[96], desc[160];
	struct merge_obs *o;

	if (strcmp(type, "event") || (strcmp(tool, "icmp_path_tracer") &&
				      strcmp(tool, "tcp_path_tracer") && strcmp(tool, "udp_path_tracer")))
		return 1;
	if (!s->tool[0])
		snprintf(s->tool, sizeof(s->tool), "%s", tool);
	else if (strcmp(s->tool, tool))
		return -1;
	s->events++;
	if (nt_jv_bool(ev, "pending", false)) {
		s->pending++;           /* the run ended before its verdict: unknown */
		return 0;
	}
	if (!strcmp(nt_jv_str(ev, "status", ""), "COMPLETE"))
		s->has_complete = true;

	if (!strcmp(tool, "icmp_path_tracer")) {
		unsigned eid = nt_jv_num(ev, "id", 0), seq = nt_jv_num(ev, "seq", 0);
		bool rq_in = has_stage(ev, "REQ_RX"), rq_out = has_stage(ev, "REQ_TX");
		bool rp_in = has_stage(ev, "REP_RX"), rp_out = has_stage(ev, "REP_TX");

		snprintf(id, sizeof(id), "icmp|0|%u|%u", eid, seq);
		snprintf(desc, sizeof(desc), "FWD echo request %s -> %s id=%u seq=%u", sip, dip, eid, seq);
		if (rq_in || rq_out) {
			if (!(o = merge_side_obs(s, id, 0)))
				return -2;
			snprintf(o->desc, sizeof(o->desc), "%s", desc);
			o->in += rq_in;
			o->out += rq_out;
			add_time(o, ev);
			if (rp_in && rp_out)
				o->ext_us = nt_jv_num(ev, "external_us", -1);
		}
		if (rp_in || rp_out) {
			snprintf(id, sizeof(id), "icmp|1|%u|%u", eid, seq);
			if (!(o = merge_side_obs(s, id, 1)))
				return -2;
			snprintf(o->desc, sizeof(o->desc), "REP echo reply %s -> %s id=%u seq=%u", dip, sip,
				 eid, seq);
			o->in += rp_in;
			o->out += rp_out;
			add_time(o, ev);
		}
		return 0;
	}
	if (!strcmp(tool, "tcp_path_tracer")) {
		const char *dir = nt_jv_str(ev, "dir", "FWD"), *kind = nt_jv_str(ev, "kind", "data");
		int d = !strcmp(dir, "REP");
		unsigned sp = nt_jv_num(ev, "src_port", 0), dp = nt_jv_num(ev, "dst_port", 0);
		unsigned long long seq = nt_jv_num(ev, "seq", 0), ack = nt_jv_num(ev, "ack", 0);
		unsigned rx = nt_jv_num(ev, "rx", 0), tx = nt_jv_num(ev, "tx", 0);
		bool pure = !strcmp(kind, "ack");

		snprintf(id, sizeof(id), "tcp|%d|%u|%u|%s|%llu|%llu", d, sp, dp, kind, seq, pure ? ack : 0);
		if (!(o = merge_side_obs(s, id, d)))
			return -2;
		snprintf(o->desc, sizeof(o->desc), "%s %s:%u -> %s:%u seq=%llu%s%s len=%u", dir, sip, sp,
			 dip, dp, seq, pure ? " pure-ack=" : "", pure ? "" : "",
			 (unsigned)nt_jv_num(ev, "len", 0));
		if (pure) {
			char *p = strstr(o->desc, " pure-ack=");

			if (p)
				snprintf(p, sizeof(o->desc) - (p - o->desc), " ack=%llu (pure ACK)", ack);
		}
		o->in += rx;
		o->out += tx < rx ? tx : rx;
		add_ttl(o, ev);
		return 0;
	}
	/* udp_path_tracer: a datagram (or fragment group) either left whole or not */
	{
		unsigned sp = nt_jv_num(ev, "src_port", 0), dp = nt_jv_num(ev, "dst_port", 0);
		unsigned ipid = nt_jv_num(ev, "ip_id", 0);
		bool frag = nt_jv_bool(ev, "fragmented", false);

		snprintf(id, sizeof(id), "udp|0|%u|%u|%u", sp, dp, ipid);
		if (!(o = merge_side_obs(s, id, 0)))
			return -2;
		snprintf(o->desc, sizeof(o->desc), "FWD %s:%u -> %s:%u ip_id=%u%s", sip, sp, dip, dp, ipid,
			 frag ? " (fragmented)" : "");
		o->in += nt_jv_num(ev, "rx", 0) > 0;
		o->out += !strcmp(nt_jv_str(ev, "status", ""), "COMPLETE");
		add_ttl(o, ev);
		return 0;
	}
}

/* ---- roles ------------------------------------------------------------------ */

int merge_roles(const struct merge_side *a, const struct merge_side *b, const char **how)
{
	long ttl = 0, ext = 0, fwd = 0;

	for (size_t i = 0; i < a->n; i++) {
		const struct merge_obs *x = &a->v[i], *y = merge_side_find(b, x->id);
		int up = x->dir == 0 ? 1 : -1;  /* upstream in FWD = sender */

		if (!y)
			continue;
		if (x->ttl_n && y->ttl_n) {
			double tx = x->ttl_sum / x->ttl_n, ty = y->ttl_sum / y->ttl_n;

			if (tx > ty)
				ttl += up;
			else if (tx < ty)
				ttl -= up;
		}
		if (x->dir == 0 && x->ext_us >= 0 && y->ext_us >= 0)
			ext += x->ext_us > y->ext_us ? 1 : x->ext_us < y->ext_us ? -1 : 0;
		/* Both saw it; only one forwarded it: that one is upstream. */
		if (x->out && y->in > y->out)
			fwd += up;
		else if (y->out && x->in > x->out)
			fwd -= up;
	}
	if (ttl) {
		*how = "ttl";
		return ttl > 0 ? 1 : -1;
	}
	if (ext) {
		*how = "icmp_external_segment";
		return ext > 0 ? 1 : -1;
	}
	if (fwd) {
		*how = "forwarding";
		return fwd > 0 ? 1 : -1;
	}
	*how = "assumed";
	return 0;
}

/* ---- verdicts ----------------------------------------------------------------- */

static void count(struct merge_result *res, merge_cb cb, void *ctx, const struct merge_obs *up,
		  const struct merge_obs *down, int dir, enum merge_verdict v, unsigned long long n)
{
	if (!n)
		return;
	res->count[v] += n;
	res->dir_count[dir][v] += n;
	if (cb)
		cb(ctx, up, down, dir, v, n);
}

/* One direction: @up is the host the packets cross first. */
static void judge_dir(const struct merge_side *up, const struct merge_side *down, int dir,
		      enum merge_verdict up_internal, enum merge_verdict down_internal,
		      struct merge_result *res, merge_cb cb, void *ctx)
{
	double first = -1, last = -1;

	/* The window, on the upstream host's clock: from the first to the last
	 * packet (of either direction) that both hosts saw -- the downstream
	 * run was recording then. Outside it a missing packet proves nothing. */
	for (size_t i = 0; i < up->n; i++) {
		const struct merge_obs *u = &up->v[i], *d;

		if (!u->t0 || !(d = merge_side_find(down, u->id)) || !d->in)
			continue;
		if (first < 0 || u->t0 < first)
			first = u->t0;
		if (u->t0 > last)
			last = u->t0;
	}
	res->no_overlap[dir] = first < 0;
	for (size_t i = 0; i < up->n; i++) {
		const struct merge_obs *u = &up->v[i], *d;
		bool inside = first < 0 || (u->t0 >= first && u->t0 <= last);
		unsigned din;

		if (u->dir != dir)
			continue;
		d = merge_side_find(down, u->id);
		din = d ? d->in : 0;
		count(res, cb, ctx, u, d, dir, up_internal, u->in > u->out ? u->in - u->out : 0);
		if (u->out > din) {
			if (inside)
				count(res, cb, ctx, u, d, dir, MERGE_NETWORK, u->out - din);
			else
				res->outside_window += u->out - din;
		}
	}
	for (size_t i = 0; i < down->n; i++) {
		const struct merge_obs *d = &down->v[i];

		if (d->dir != dir)
			continue;
		count(res, cb, ctx, merge_side_find(up, d->id), d, dir, down_internal,
		      d->in > d->out ? d->in - d->out : 0);
		count(res, cb, ctx, merge_side_find(up, d->id), d, dir, MERGE_DELIVERED, d->out);
	}
}

void merge_judge(const struct merge_side *snd, const struct merge_side *rcv,
		 struct merge_result *res, merge_cb cb, void *ctx)
{
	memset(res, 0, sizeof(*res));
	judge_dir(snd, rcv, 0, MERGE_SENDER_INTERNAL, MERGE_RECEIVER_INTERNAL, res, cb, ctx);
	judge_dir(rcv, snd, 1, MERGE_RECEIVER_INTERNAL, MERGE_SENDER_INTERNAL, res, cb, ctx);
}

/* ---- the command ----------------------------------------------------------------- */

#define MERGE_EXAMPLES 3

struct report {
	bool all;
	const struct merge_side *snd, *rcv;
	char examples[MERGE_NVERDICTS][MERGE_EXAMPLES][160];
	int nex[MERGE_NVERDICTS];
};

static void on_verdict(void *ctx, const struct merge_obs *up, const struct merge_obs *down,
		       int dir, enum merge_verdict v, unsigned long long n)
{
	struct report *r = ctx;
	const struct merge_obs *any = up ? up : down;
	const struct merge_obs *s = dir == 0 ? up : down, *rc = dir == 0 ? down : up;

	if (v != MERGE_DELIVERED && r->nex[v] < MERGE_EXAMPLES)
		snprintf(r->examples[v][r->nex[v]++], 160, "%s", any->desc);
	if (v == MERGE_DELIVERED && !r->all)
		return;
	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("event", 0);

		nt_json_str(j, "dir", dir ? "REP" : "FWD");
		nt_json_str(j, "packet", any->desc);
		nt_json_str(j, "verdict", merge_verdict_name(v));
		nt_json_u64(j, "count", n);
		nt_json_obj(j, "sender_host");
		nt_json_u64(j, "in", s ? s->in : 0);
		nt_json_u64(j, "out", s ? s->out : 0);
		nt_json_obj_end(j);
		nt_json_obj(j, "receiver_host");
		nt_json_u64(j, "in", rc ? rc->in : 0);
		nt_json_u64(j, "out", rc ? rc->out : 0);
		nt_json_obj_end(j);
		nt_json_end(j);
	} else {
		nt_text("[%s] %s%s (sender's host in/out %u/%u, receiver's host in/out %u/%u)\n",
			merge_verdict_name(v), any->desc, n > 1 ? " x" : "", s ? s->in : 0,
			s ? s->out : 0, rc ? rc->in : 0, rc ? rc->out : 0);
	}
}

static int load(struct merge_side *s, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	if (!f) {
		nt_usage_error(path, NULL, "cannot read: %s", strerror(errno));
		return NT_EXIT_USAGE;
	}
	s->name = path;
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct nt_jv *v;
		int r;

		if (len == 0 || line[0] != '{') {
			if (len > 1)
				s->bad_lines++;
			continue;
		}
		v = nt_jv_parse(line);
		if (!v) {
			s->bad_lines++;
			continue;
		}
		r = merge_side_add_event(s, v);
		nt_jv_free(v);
		if (r == -1) {
			nt_usage_error(path, NULL, "mixes outputs of several tools (%s first)", s->tool);
			rc = NT_EXIT_USAGE;
			break;
		}
		if (r == -2) {
			nt_err("out of memory reading %s", path);
			rc = NT_EXIT_RUNTIME;
			break;
		}
	}
	free(line);
	fclose(f);
	if (!rc && !s->events) {
		nt_usage_error(path, NULL,
			       "no path-tracer events (run icmp_path_tracer, or tcp/udp_path_tracer --verbose, with --json)");
		rc = NT_EXIT_USAGE;
	}
	return rc;
}

struct merge_cfg {
	bool all, sender_first;
};

static const struct nt_opt options[] = {
	NT_OPT_B("all", "also print every delivered packet (default: lost ones only)",
		 struct merge_cfg, all),
	NT_OPT_B("sender-first", "the first file is the sender's host (default: found from the "
		 "packets)", struct merge_cfg, sender_first),
};

static const char *conclusion(const struct merge_result *res, char *buf, size_t len)
{
	static const char *words[MERGE_NVERDICTS] = { NULL, "sender internal", "network",
						      "receiver internal" };
	size_t n = 0;

	buf[0] = 0;
	for (int v = MERGE_SENDER_INTERNAL; v < MERGE_NVERDICTS; v++)
		if (res->count[v] && n < len)
			n += snprintf(buf + n, len - n, "%s%s", n ? " + " : "", words[v]);
	if (!n)
		snprintf(buf, len, "no loss");
	return buf;
}

static struct merge_cfg merge_cfg;
static int merge_main(int argc, char **argv);

const struct nt_tool_def merge_tool = {
	.cli = {
		.tool = "merge",
		.synopsis = "[--json] [--all] [--sender-first] FILE FILE",
		.description =
			"Where are packets lost: on the sender's host, in the network, or on the\n"
			"receiver's host? (manual Q7). FILEs are the --json outputs of the same path\n"
			"tracer run on the sender's host and on the receiver's host, in any order:\n"
			"icmp_path_tracer, or tcp_path_tracer/udp_path_tracer with --verbose (their\n"
			"default output lists drops only, which hides network losses). Packets are\n"
			"matched by identity, not by time (clocks need not agree); which file is the\n"
			"sender's host is found from the IP TTL, ICMP segment times or forwarding.\n"
			"Verdicts: SENDER_INTERNAL_DROP (entered the sender's host, never left it),\n"
			"NETWORK_DROP (left one host, never reached the other), RECEIVER_INTERNAL_DROP,\n"
			"DELIVERED. Prints each lost packet, then a summary with counts and examples.",
		.examples =
			"  nettrail merge hostA.jsonl hostB.jsonl\n"
			"  nettrail merge --json --all a.jsonl b.jsonl | jq 'select(.type==\"summary\")'\n"
			"  nettrail merge --sender-first sender.jsonl receiver.jsonl\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.cfg = &merge_cfg,
	},
	.main = merge_main,
};

static int merge_main(int argc, char **argv)
{
	const struct nt_cli *cli = &merge_tool.cli;
	struct merge_side sides[2] = {};
	struct merge_result res;
	struct report rep = {};
	struct nt_common common;
	const char *files[2], *how;
	int nfiles, first, err, who;
	const struct merge_side *snd, *rcv;
	char concl[96];

	err = nt_cli_parse_words(cli, argc, argv, &common, &first);
	if (err)
		return err < 0 ? NT_EXIT_OK : err;
	nfiles = argc - first;
	if (nfiles > 2) {
		nt_usage_error(argv[first + 2], NULL, "unexpected argument (two files are merged)");
		return NT_EXIT_USAGE;
	}
	if (nfiles != 2) {
		nt_usage_error("FILE", NULL, "two files needed (sender's and receiver's host), got %d",
			       nfiles);
		return NT_EXIT_USAGE;
	}
	files[0] = argv[first];
	files[1] = argv[first + 1];
	nt_out_init(cli->tool, common.json);
	if (common.dry_run) {           /* the command line is good: read nothing */
		nt_text("merge: dry run: would merge %s and %s\n", files[0], files[1]);
		return NT_EXIT_OK;
	}
	for (int i = 0; i < 2; i++) {
		err = load(&sides[i], files[i]);
		if (err)
			goto out;
	}
	if (strcmp(sides[0].tool, sides[1].tool)) {
		nt_usage_error(files[1], NULL, "holds %s output, %s holds %s", sides[1].tool,
			       files[0], sides[0].tool);
		err = NT_EXIT_USAGE;
		goto out;
	}
	for (int i = 0; i < 2; i++)
		if (!sides[i].has_complete && strcmp(sides[i].tool, "icmp_path_tracer"))
			nt_warn("%s has no COMPLETE packet: was it run with --verbose? Network drops cannot be told apart without it.",
				files[i]);
	who = merge_cfg.sender_first ? 1 : merge_roles(&sides[0], &sides[1], &how);
	if (merge_cfg.sender_first)
		how = "given";
	snd = who >= 0 ? &sides[0] : &sides[1];
	rcv = who >= 0 ? &sides[1] : &sides[0];
	rep.all = merge_cfg.all;
	rep.snd = snd;
	rep.rcv = rcv;
	if (!nt_out_json())
		nt_text("=== merge %s: sender's host %s, receiver's host %s (roles: %s) ===\n", snd->tool,
			snd->name, rcv->name, how);
	merge_judge(snd, rcv, &res, on_verdict, &rep);
	conclusion(&res, concl, sizeof(concl));

	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("summary", 0);
		unsigned long long total = 0;

		for (int v = 0; v < MERGE_NVERDICTS; v++)
			total += res.count[v];
		nt_json_str(j, "source_tool", snd->tool);
		nt_json_str(j, "sender_file", snd->name);
		nt_json_str(j, "receiver_file", rcv->name);
		nt_json_str(j, "roles", how);
		nt_json_u64(j, "packets", total);
		nt_json_obj(j, "verdicts");
		for (int v = 0; v < MERGE_NVERDICTS; v++)
			nt_json_u64(j, merge_verdict_name(v), res.count[v]);
		nt_json_obj_end(j);
		for (int d = 0; d < 2; d++) {
			nt_json_obj(j, d ? "rep" : "fwd");
			for (int v = 0; v < MERGE_NVERDICTS; v++)
				nt_json_u64(j, merge_verdict_name(v), res.dir_count[d][v]);
			nt_json_bool(j, "no_overlap", res.no_overlap[d]);
			nt_json_obj_end(j);
		}
		nt_json_obj(j, "examples");
		for (int v = 1; v < MERGE_NVERDICTS; v++) {
			if (!rep.nex[v])
				continue;
			nt_json_arr(j, merge_verdict_name(v));
			for (int k = 0; k < rep.nex[v]; k++)
				nt_json_str(j, NULL, rep.examples[v][k]);
			nt_json_arr_end(j);
		}
		nt_json_obj_end(j);
		nt_json_u64(j, "outside_window", res.outside_window);
		nt_json_u64(j, "pending", snd->pending + rcv->pending);
		nt_json_str(j, "conclusion", concl);
		nt_json_end(j);
	} else {
		static const char *label[MERGE_NVERDICTS] = {
			"delivered", "sender internal drop", "network drop", "receiver internal drop",
		};

		nt_text("Summary:\n");
		for (int v = 0; v < MERGE_NVERDICTS; v++) {
			nt_text("  %-24s %llu\n", label[v], res.count[v]);
			for (int k = 0; v && k < rep.nex[v]; k++)
				nt_text("      e.g. %s\n", rep.examples[v][k]);
		}
		if (res.outside_window)
			nt_text("  not judged: %llu packets forwarded while the other run was not recording\n",
				res.outside_window);
		nt_text("Conclusion (manual Q7): %s\n", concl);
	}
	err = NT_EXIT_OK;
out:
	merge_side_free(&sides[0]);
	merge_side_free(&sides[1]);
	return err;
}
