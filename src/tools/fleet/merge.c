// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nettrail merge — which segment loses the packets: the sender's host, the
 * network, a host on the way, or the receiver's host? (manual 3.1.2, Q7,
 * done for the reader)
 *
 * Takes the --json outputs of the same path tracer (icmp_path_tracer,
 * tcp_path_tracer --verbose or udp_path_tracer --verbose) run on two or more
 * hosts along a path, in any order, and matches packets by their identity
 * (merge_obs.c), never by time: the hosts' clocks are not assumed to agree.
 * The hosts' order along the path is found from the packets themselves
 * (merge_path.c); --sender-first says the files are in path order. Per
 * packet, the host it was last seen on, and whether it was lost inside that
 * host (entered, never left) or on the link after it (left, never reached
 * the next host). Packets a host forwarded before the next host's run
 * started or after it ended are not judged (the link's window = first to
 * last packet seen by both ends, on the clock of the host they cross first).
 */
#include <errno.h>
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
	"HOST_INTERNAL_DROP",
};

const char *merge_verdict_name(int v)
{
	return v >= 0 && v < MERGE_NVERDICTS ? verdict_names[v] : "?";
}

/* ---- verdicts ----------------------------------------------------------------- */

enum merge_verdict merge_internal_verdict(int h, int n)
{
	if (h == 0)
		return MERGE_SENDER_INTERNAL;
	return h == n - 1 ? MERGE_RECEIVER_INTERNAL : MERGE_HOST_INTERNAL;
}

/* The window of one link in one direction, on the clock of the host the
 * packets cross first: from the first to the last packet (of either
 * direction) that both ends saw -- the downstream run was recording then.
 * Outside it a missing packet proves nothing. first < 0: no such packet. */
struct merge_window {
	double first, last;
};

static struct merge_window link_window(const struct merge_side *up, const struct merge_side *down)
{
	struct merge_window w = { -1, -1 };

	for (size_t i = 0; i < up->n; i++) {
		const struct merge_obs *u = &up->v[i], *d;

		if (!u->t0 || !(d = merge_side_find(down, u->id)) || !d->in)
			continue;
		if (w.first < 0 || u->t0 < w.first)
			w.first = u->t0;
		if (u->t0 > w.last)
			w.last = u->t0;
	}
	return w;
}

static bool in_window(const struct merge_window *w, double t0)
{
	return w->first < 0 || (t0 >= w->first && t0 <= w->last);
}

/* Host @i of a packet's direction @dir (0: the first it crosses) in path order. */
static int path_pos(int n, int dir, int i)
{
	return dir == 0 ? i : n - 1 - i;
}

struct judge {
	const struct merge_path *p;
	struct merge_result *res;
	merge_cb cb;
	void *ctx;
	struct merge_window win[MERGE_MAX_HOSTS - 1][2];        /* per link and direction */
};

static void count(struct judge *j, struct merge_hit *hit, enum merge_verdict v, int host, int next,
		  unsigned long long n)
{
	struct merge_result *res = j->res;

	if (!n)
		return;
	res->count[v] += n;
	res->dir_count[hit->dir][v] += n;
	if (v == MERGE_NETWORK)
		res->link_drops[host < next ? host : next][hit->dir] += n;
	else if (v != MERGE_DELIVERED)
		res->host_drops[host][hit->dir] += n;
	if (j->cb) {
		hit->v = v;
		hit->host = host;
		hit->next = next;
		hit->n = n;
		j->cb(j->ctx, hit);
	}
}

/* One packet identity of direction @dir, @any one host's observation of it.
 * Per host it crosses: the copies that entered and did not leave were lost
 * inside; the copies that left and that no host further on saw enter were
 * lost on the link after it (a host further on seeing more means this
 * host's next one was not recording, not a loss). */
static void judge_packet(struct judge *j, const struct merge_obs *any, int dir)
{
	const struct merge_path *p = j->p;
	struct merge_hit hit = { .any = any, .dir = dir, .nhosts = p->n };
	unsigned in[MERGE_MAX_HOSTS], out[MERGE_MAX_HOSTS];

	for (int i = 0; i < p->n; i++) {
		int h = path_pos(p->n, dir, i);

		hit.obs[h] = merge_side_find(p->host[h], any->id);
		in[i] = hit.obs[h] ? hit.obs[h]->in : 0;
		out[i] = hit.obs[h] ? hit.obs[h]->out : 0;
	}
	for (int i = 0; i < p->n; i++) {
		int h = path_pos(p->n, dir, i), next = path_pos(p->n, dir, i + 1);
		unsigned reach = 0;

		count(j, &hit, merge_internal_verdict(h, p->n), h, -1, in[i] > out[i] ? in[i] - out[i] : 0);
		if (i == p->n - 1)
			break;
		for (int k = i + 1; k < p->n; k++)
			reach = in[k] > reach ? in[k] : reach;
		if (out[i] <= reach)
			continue;
		if (in_window(&j->win[h < next ? h : next][dir], hit.obs[h]->t0))
			count(j, &hit, MERGE_NETWORK, h, next, out[i] - reach);
		else {
			j->res->link_outside[h < next ? h : next][dir] += out[i] - reach;
			j->res->outside_window += out[i] - reach;
		}
	}
	count(j, &hit, MERGE_DELIVERED, path_pos(p->n, dir, p->n - 1), -1, out[p->n - 1]);
}

/* Has a host the packet crosses before the @i-th one of @dir seen @id? */
static bool seen_before(const struct merge_path *p, int dir, int i, const char *id)
{
	for (int k = 0; k < i; k++)
		if (merge_side_find(p->host[path_pos(p->n, dir, k)], id))
			return true;
	return false;
}

static void judge_dir(struct judge *j, int dir)
{
	const struct merge_path *p = j->p;

	for (int l = 0; l + 1 < p->n; l++) {
		const struct merge_side *a = p->host[l], *b = p->host[l + 1];

		j->win[l][dir] = dir == 0 ? link_window(a, b) : link_window(b, a);
		j->res->link_no_overlap[l][dir] = j->win[l][dir].first < 0;
		j->res->no_overlap[dir] |= j->res->link_no_overlap[l][dir];
	}
	/* every identity once: where it was first seen */
	for (int i = 0; i < p->n; i++) {
		const struct merge_side *s = p->host[path_pos(p->n, dir, i)];

		for (size_t k = 0; k < s->n; k++)
			if (s->v[k].dir == dir && !seen_before(p, dir, i, s->v[k].id))
				judge_packet(j, &s->v[k], dir);
	}
}

void merge_judge_path(const struct merge_path *p, struct merge_result *res, merge_cb cb, void *ctx)
{
	struct judge j = { .p = p, .res = res, .cb = cb, .ctx = ctx };

	memset(res, 0, sizeof(*res));
	res->nhosts = p->n;
	judge_dir(&j, 0);
	judge_dir(&j, 1);
}

void merge_judge(const struct merge_side *snd, const struct merge_side *rcv,
		 struct merge_result *res, merge_cb cb, void *ctx)
{
	struct merge_path p = { .host = { snd, rcv }, .n = 2, .file = { 0, 1 } };

	merge_judge_path(&p, res, cb, ctx);
}

/* ---- the command ----------------------------------------------------------------- */

#define MERGE_EXAMPLES 3
#define MERGE_DESC 160

/* Up to MERGE_EXAMPLES packets of one kind of loss. */
struct merge_examples {
	int n;
	char desc[MERGE_EXAMPLES][MERGE_DESC];
};

struct merge_report {
	bool all;
	const struct merge_path *path;
	struct merge_examples verdict[MERGE_NVERDICTS];
	struct merge_examples host[MERGE_MAX_HOSTS];
	struct merge_examples link[MERGE_MAX_HOSTS - 1];
};

static void example_add(struct merge_examples *e, const char *desc)
{
	if (e->n < MERGE_EXAMPLES)
		snprintf(e->desc[e->n++], MERGE_DESC, "%s", desc);
}

/* "host 2 (router.jsonl)" */
static const char *host_label(const struct merge_path *p, int h, char *buf, size_t len)
{
	snprintf(buf, len, "host %d (%s)", h + 1, p->host[h]->name);
	return buf;
}

static void event_json(const struct merge_report *r, const struct merge_hit *hit)
{
	const struct merge_obs *s = hit->obs[0], *rc = hit->obs[hit->nhosts - 1];
	struct nt_json *j = nt_json_begin("event", 0);

	nt_json_str(j, "dir", hit->dir ? "REP" : "FWD");
	nt_json_str(j, "packet", hit->any->desc);
	nt_json_str(j, "verdict", merge_verdict_name(hit->v));
	nt_json_u64(j, "count", hit->n);
	nt_json_obj(j, "sender_host");
	nt_json_u64(j, "in", s ? s->in : 0);
	nt_json_u64(j, "out", s ? s->out : 0);
	nt_json_obj_end(j);
	nt_json_obj(j, "receiver_host");
	nt_json_u64(j, "in", rc ? rc->in : 0);
	nt_json_u64(j, "out", rc ? rc->out : 0);
	nt_json_obj_end(j);
	nt_json_u64(j, "last_seen_host", hit->host + 1);
	nt_json_str(j, "last_seen_file", r->path->host[hit->host]->name);
	if (hit->next >= 0) {
		nt_json_u64(j, "next_host", hit->next + 1);
		nt_json_str(j, "next_file", r->path->host[hit->next]->name);
	}
	nt_json_arr(j, "hosts");
	for (int h = 0; h < hit->nhosts; h++) {
		nt_json_obj(j, NULL);
		nt_json_u64(j, "in", hit->obs[h] ? hit->obs[h]->in : 0);
		nt_json_u64(j, "out", hit->obs[h] ? hit->obs[h]->out : 0);
		nt_json_obj_end(j);
	}
	nt_json_arr_end(j);
	nt_json_end(j);
}

static void event_text(const struct merge_report *r, const struct merge_hit *hit)
{
	char where[2 * MERGE_DESC + 32], a[MERGE_DESC], b[MERGE_DESC], counts[MERGE_MAX_HOSTS * 24];
	size_t len = 0;

	host_label(r->path, hit->host, a, sizeof(a));
	if (hit->v == MERGE_DELIVERED)
		snprintf(where, sizeof(where), "left %s", a);
	else if (hit->v == MERGE_NETWORK)
		snprintf(where, sizeof(where), "left %s, never reached %s", a,
			 host_label(r->path, hit->next, b, sizeof(b)));
	else
		snprintf(where, sizeof(where), "entered %s, never left it", a);
	counts[0] = 0;
	for (int h = 0; h < hit->nhosts && len < sizeof(counts); h++)
		len += snprintf(counts + len, sizeof(counts) - len, " %u/%u",
				hit->obs[h] ? hit->obs[h]->in : 0, hit->obs[h] ? hit->obs[h]->out : 0);
	nt_text("[%s] %s", merge_verdict_name(hit->v), hit->any->desc);
	if (hit->n > 1)
		nt_text(" x%llu", hit->n);
	nt_text(": %s (in/out per host:%s)\n", where, counts);
}

static void on_verdict(void *ctx, const struct merge_hit *hit)
{
	struct merge_report *r = ctx;

	if (hit->v != MERGE_DELIVERED) {
		example_add(&r->verdict[hit->v], hit->any->desc);
		if (hit->v == MERGE_NETWORK)
			example_add(&r->link[hit->host < hit->next ? hit->host : hit->next],
				    hit->any->desc);
		else
			example_add(&r->host[hit->host], hit->any->desc);
	} else if (!r->all) {
		return;
	}
	if (nt_out_json())
		event_json(r, hit);
	else
		event_text(r, hit);
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

/* Every file, and all of the same tool. */
static int load_all(struct merge_side *sides, char **files, int n)
{
	for (int i = 0; i < n; i++) {
		int err = load(&sides[i], files[i]);

		if (err)
			return err;
		if (i && strcmp(sides[0].tool, sides[i].tool)) {
			nt_usage_error(files[i], NULL, "holds %s output, %s holds %s", sides[i].tool,
				       files[0], sides[0].tool);
			return NT_EXIT_USAGE;
		}
	}
	for (int i = 0; i < n; i++)
		if (!sides[i].has_complete && strcmp(sides[i].tool, "icmp_path_tracer"))
			nt_warn("%s has no COMPLETE packet: was it run with --verbose? Network drops cannot be told apart without it.",
				files[i]);
	return 0;
}

struct merge_cfg {
	bool all, sender_first;
};

static const struct nt_opt options[] = {
	NT_OPT_B("all", "also print every delivered packet (default: lost ones only)",
		 struct merge_cfg, all),
	NT_OPT_B("sender-first", "the FILEs are in path order, the sender's host first"
		 " (default: found from the packets)", struct merge_cfg, sender_first),
};

/* The segments that lost packets, in path order: "network", "sender internal
 * + network 2->3", or "no loss". */
static const char *conclusion(const struct merge_result *res, char *buf, size_t len)
{
	size_t n = 0;
	int nh = res->nhosts;

	buf[0] = 0;
	for (int h = 0; h < nh && n < len; h++) {
		if (res->host_drops[h][0] + res->host_drops[h][1]) {
			if (h == 0 || h == nh - 1)
				n += snprintf(buf + n, len - n, "%s%s internal", n ? " + " : "",
					      h ? "receiver" : "sender");
			else
				n += snprintf(buf + n, len - n, "%shost %d internal", n ? " + " : "", h + 1);
		}
		if (h + 1 < nh && n < len && res->link_drops[h][0] + res->link_drops[h][1]) {
			n += snprintf(buf + n, len - n, "%snetwork", n ? " + " : "");
			if (nh > 2 && n < len)
				n += snprintf(buf + n, len - n, " %d->%d", h + 1, h + 2);
		}
	}
	if (!n)
		snprintf(buf, len, "no loss");
	return buf;
}

static void examples_json(struct nt_json *j, const char *key, const struct merge_examples *e)
{
	nt_json_arr(j, key);
	for (int k = 0; k < e->n; k++)
		nt_json_str(j, NULL, e->desc[k]);
	nt_json_arr_end(j);
}

/* hosts[] and links[] of the summary, in path order. */
static void summary_json_path(struct nt_json *j, const struct merge_result *res,
			      const struct merge_report *rep)
{
	const struct merge_path *p = rep->path;

	nt_json_arr(j, "hosts");
	for (int h = 0; h < p->n; h++) {
		nt_json_obj(j, NULL);
		nt_json_u64(j, "host", h + 1);
		nt_json_str(j, "file", p->host[h]->name);
		nt_json_u64(j, "internal_drops", res->host_drops[h][0] + res->host_drops[h][1]);
		nt_json_u64(j, "fwd", res->host_drops[h][0]);
		nt_json_u64(j, "rep", res->host_drops[h][1]);
		examples_json(j, "examples", &rep->host[h]);
		nt_json_obj_end(j);
	}
	nt_json_arr_end(j);
	nt_json_arr(j, "links");
	for (int l = 0; l + 1 < p->n; l++) {
		nt_json_obj(j, NULL);
		nt_json_u64(j, "from", l + 1);
		nt_json_u64(j, "to", l + 2);
		nt_json_u64(j, "drops", res->link_drops[l][0] + res->link_drops[l][1]);
		nt_json_u64(j, "fwd", res->link_drops[l][0]);
		nt_json_u64(j, "rep", res->link_drops[l][1]);
		nt_json_u64(j, "outside_window", res->link_outside[l][0] + res->link_outside[l][1]);
		examples_json(j, "examples", &rep->link[l]);
		nt_json_obj_end(j);
	}
	nt_json_arr_end(j);
}

static void summary_json(const struct merge_result *res, const struct merge_report *rep,
			 const char *concl)
{
	const struct merge_path *p = rep->path;
	struct nt_json *j = nt_json_begin("summary", 0);
	unsigned long long total = 0, pending = 0;

	for (int v = 0; v < MERGE_NVERDICTS; v++)
		total += res->count[v];
	for (int h = 0; h < p->n; h++)
		pending += p->host[h]->pending;
	nt_json_str(j, "source_tool", p->host[0]->tool);
	nt_json_str(j, "sender_file", p->host[0]->name);
	nt_json_str(j, "receiver_file", p->host[p->n - 1]->name);
	nt_json_str(j, "roles", p->how);
	nt_json_u64(j, "packets", total);
	nt_json_obj(j, "verdicts");
	for (int v = 0; v < MERGE_NVERDICTS; v++)
		nt_json_u64(j, merge_verdict_name(v), res->count[v]);
	nt_json_obj_end(j);
	for (int d = 0; d < 2; d++) {
		nt_json_obj(j, d ? "rep" : "fwd");
		for (int v = 0; v < MERGE_NVERDICTS; v++)
			nt_json_u64(j, merge_verdict_name(v), res->dir_count[d][v]);
		nt_json_bool(j, "no_overlap", res->no_overlap[d]);
		nt_json_obj_end(j);
	}
	nt_json_obj(j, "examples");
	for (int v = 1; v < MERGE_NVERDICTS; v++)
		if (rep->verdict[v].n)
			examples_json(j, merge_verdict_name(v), &rep->verdict[v]);
	nt_json_obj_end(j);
	summary_json_path(j, res, rep);
	nt_json_u64(j, "outside_window", res->outside_window);
	nt_json_u64(j, "pending", pending);
	nt_json_str(j, "conclusion", concl);
	nt_json_end(j);
}

static void examples_text(const struct merge_examples *e, const char *indent)
{
	for (int k = 0; k < e->n; k++)
		nt_text("%se.g. %s\n", indent, e->desc[k]);
}

/* Per host and per link (three hosts or more: with two, the summary says it all). */
static void summary_text_path(const struct merge_result *res, const struct merge_report *rep)
{
	const struct merge_path *p = rep->path;
	char a[MERGE_DESC];

	nt_text("Per host (internal drops: entered, never left):\n");
	for (int h = 0; h < p->n; h++) {
		nt_text("  %-40s %llu\n", host_label(p, h, a, sizeof(a)),
			res->host_drops[h][0] + res->host_drops[h][1]);
		examples_text(&rep->host[h], "      ");
	}
	nt_text("Per link (network drops: left one host, never reached the next):\n");
	for (int l = 0; l + 1 < p->n; l++) {
		char label[32];

		snprintf(label, sizeof(label), "host %d -> host %d", l + 1, l + 2);
		nt_text("  %-40s %llu", label, res->link_drops[l][0] + res->link_drops[l][1]);
		if (res->link_outside[l][0] + res->link_outside[l][1])
			nt_text(" (%llu not judged)", res->link_outside[l][0] + res->link_outside[l][1]);
		nt_text("\n");
		examples_text(&rep->link[l], "      ");
	}
}

static void summary_text(const struct merge_result *res, const struct merge_report *rep,
			 const char *concl)
{
	static const char *label[MERGE_NVERDICTS] = {
		"delivered", "sender internal drop", "network drop", "receiver internal drop",
		"host internal drop",
	};
	static const int rows[MERGE_NVERDICTS] = {
		MERGE_DELIVERED, MERGE_SENDER_INTERNAL, MERGE_HOST_INTERNAL, MERGE_NETWORK,
		MERGE_RECEIVER_INTERNAL,
	};

	nt_text("Summary:\n");
	for (int i = 0; i < MERGE_NVERDICTS; i++) {
		int v = rows[i];

		if (v == MERGE_HOST_INTERNAL && rep->path->n < 3)
			continue;
		nt_text("  %-24s %llu\n", label[v], res->count[v]);
		if (v)
			examples_text(&rep->verdict[v], "      ");
	}
	if (res->outside_window)
		nt_text("  not judged: %llu packets forwarded while the next host's run was not recording\n",
			res->outside_window);
	if (rep->path->n > 2)
		summary_text_path(res, rep);
	nt_text("Conclusion (manual Q7): %s\n", concl);
}

static void header_text(const struct merge_path *p)
{
	if (p->n == 2) {
		nt_text("=== merge %s: sender's host %s, receiver's host %s (roles: %s) ===\n",
			p->host[0]->tool, p->host[0]->name, p->host[1]->name, p->how);
		return;
	}
	nt_text("=== merge %s: %d hosts in path order (order: %s) ===\n", p->host[0]->tool, p->n,
		p->how);
	for (int h = 0; h < p->n; h++)
		nt_text("  host %d: %s%s\n", h + 1, p->host[h]->name,
			h == 0 ? " (sender's host)" : h == p->n - 1 ? " (receiver's host)" : "");
}

/* The order, and a warning where the packets do not give it. */
static void path_of(const struct merge_side *sides, int n, bool given, struct merge_path *p)
{
	if (given) {
		merge_path_given(sides, n, p);
		return;
	}
	merge_order(sides, n, p);
	if (p->conflicts)
		nt_warn("the packets order the hosts in a circle (%d pairs against the order taken): are the files from one path?",
			p->conflicts);
	if (p->undecided)
		nt_warn("the packets do not order %d pair(s) of hosts: kept in the files' order (--sender-first: the files are in path order)",
			p->undecided);
}

static struct merge_cfg merge_cfg;
static int merge_main(int argc, char **argv);

const struct nt_tool_def merge_tool = {
	.cli = {
		.tool = "merge",
		.synopsis = "[--json] [--all] [--sender-first] FILE FILE [FILE...]",
		.description =
			"Where are packets lost: on the sender's host, in the network, on a host on\n"
			"the way, or on the receiver's host? (manual Q7). FILEs are the --json outputs\n"
			"of the same path tracer run on two or more hosts along one path, in any order:\n"
			"icmp_path_tracer, or tcp_path_tracer/udp_path_tracer with --verbose (their\n"
			"default output lists drops only, which hides network losses). Packets are\n"
			"matched by identity, not by time (clocks need not agree). The hosts' order is\n"
			"found from the packets (JSON roles): the IP TTL, ICMP segment times, where\n"
			"forwarding stops. Host 1 is the sender's host, host N the receiver's; replies\n"
			"cross them backwards. Per lost packet, where it was last seen:\n"
			"  SENDER_INTERNAL_DROP    entered host 1, never left it\n"
			"  HOST_INTERNAL_DROP      entered a host between (2..N-1), never left it\n"
			"  RECEIVER_INTERNAL_DROP  entered host N, never left it\n"
			"  NETWORK_DROP            left a host, never reached the next one\n"
			"  DELIVERED               left the last host (printed with --all)\n"
			"then a summary with counts and examples, per host and per link. JSON events:\n"
			"dir packet verdict count last_seen_host last_seen_file [next_host next_file]\n"
			"hosts[{in out}] sender_host{in out} receiver_host{in out}; the summary:\n"
			"verdicts{} fwd{} rep{} examples{} hosts[{host file internal_drops fwd rep\n"
			"examples}] links[{from to drops fwd rep outside_window examples}] roles\n"
			"sender_file receiver_file outside_window pending conclusion.",
		.examples =
			"  nettrail merge hostA.jsonl hostB.jsonl\n"
			"  nettrail merge --json --all a.jsonl b.jsonl | jq 'select(.type==\"summary\")'\n"
			"  nettrail merge --sender-first sender.jsonl receiver.jsonl\n"
			"  # three hosts: sender's host, a forwarding router host, receiver's host\n"
			"  nettrail merge receiver.jsonl router.jsonl sender.jsonl\n"
			"  nettrail merge --json sender.jsonl router.jsonl receiver.jsonl | \\\n"
			"      jq -c 'select(.type==\"summary\") | .links[]'\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.cfg = &merge_cfg,
	},
	.main = merge_main,
};

/* "a and b", "a, b and c" */
static void dry_run(char **files, int n)
{
	nt_text("merge: dry run: would merge");
	for (int i = 0; i < n; i++)
		nt_text("%s %s", i == 0 ? "" : i == n - 1 ? " and" : ",", files[i]);
	nt_text("\n");
}

static int merge_main(int argc, char **argv)
{
	const struct nt_cli *cli = &merge_tool.cli;
	struct merge_side sides[MERGE_MAX_HOSTS] = {};
	struct merge_report *rep = NULL;
	struct merge_result res;
	struct merge_path path;
	struct nt_common common;
	int nfiles, first, err;
	char concl[512];

	err = nt_cli_parse_words(cli, argc, argv, &common, &first);
	if (err)
		return err < 0 ? NT_EXIT_OK : err;
	nfiles = argc - first;
	if (nfiles > MERGE_MAX_HOSTS) {
		nt_usage_error(argv[first + MERGE_MAX_HOSTS], NULL,
			       "unexpected argument (at most %d files are merged)", MERGE_MAX_HOSTS);
		return NT_EXIT_USAGE;
	}
	if (nfiles < 2) {
		nt_usage_error("FILE", NULL,
			       "two files or more needed (the sender's and the receiver's host, and any host between), got %d",
			       nfiles);
		return NT_EXIT_USAGE;
	}
	nt_out_init(cli->tool, common.json);
	if (common.dry_run) {           /* the command line is good: read nothing */
		dry_run(argv + first, nfiles);
		return NT_EXIT_OK;
	}
	err = load_all(sides, argv + first, nfiles);
	if (err)
		goto out;
	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		nt_err("out of memory");
		err = NT_EXIT_RUNTIME;
		goto out;
	}
	path_of(sides, nfiles, merge_cfg.sender_first, &path);
	rep->all = merge_cfg.all;
	rep->path = &path;
	if (!nt_out_json())
		header_text(&path);
	merge_judge_path(&path, &res, on_verdict, rep);
	conclusion(&res, concl, sizeof(concl));
	if (nt_out_json())
		summary_json(&res, rep, concl);
	else
		summary_text(&res, rep, concl);
	err = NT_EXIT_OK;
out:
	free(rep);
	for (int i = 0; i < nfiles; i++)
		merge_side_free(&sides[i]);
	return err;
}
