// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nettrail merge: what one host saw of each packet, read from one path
 * tracer's --json events (icmp_path_tracer, tcp/udp_path_tracer --verbose)
 * and keyed by the packet's identity (ICMP id/seq; TCP ports + seq [+ ack];
 * UDP ports + IP id), which every host on the path sees the same. See merge.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonin.h"
#include "merge.h"

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
