// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nettrail merge: the order of the hosts along the path, from the packets
 * themselves (the hosts' clocks are not compared). Every pair of hosts that
 * saw the same packets is ordered by the strongest evidence it has: the IP
 * TTL at entry (each router on the way takes one off), the external segment
 * of ICMP exchanges (a host's time outside itself contains every host
 * further down), or where a packet stopped being forwarded. The pairs then
 * give the path: the host no other is upstream of first. See merge.h.
 */
#include <stdio.h>
#include <string.h>
#include "merge.h"

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

void merge_path_given(const struct merge_side *sides, int n, struct merge_path *p)
{
	memset(p, 0, sizeof(*p));
	p->n = n;
	for (int i = 0; i < n; i++) {
		p->host[i] = &sides[i];
		p->file[i] = i;
	}
	snprintf(p->how, sizeof(p->how), "given");
}

/* The kinds of evidence, in merge_roles' order of strength. */
static const char *const evidence[] = { "ttl", "icmp_external_segment", "forwarding" };
#define NEVIDENCE (int)(sizeof(evidence) / sizeof(evidence[0]))

struct order_ctx {
	int n;
	signed char rel[MERGE_MAX_HOSTS][MERGE_MAX_HOSTS];      /* +1: i is upstream of j */
	bool reach[MERGE_MAX_HOSTS][MERGE_MAX_HOSTS];           /* i upstream of j, transitively */
	unsigned kinds;                                         /* bit per evidence[] used */
};

/* Every pair's evidence, and what it implies transitively (Warshall). */
static void order_relations(struct order_ctx *c, const struct merge_side *sides)
{
	for (int i = 0; i < c->n; i++)
		for (int j = i + 1; j < c->n; j++) {
			const char *how;
			int r = merge_roles(&sides[i], &sides[j], &how);

			c->rel[i][j] = r > 0 ? 1 : r < 0 ? -1 : 0;
			c->rel[j][i] = -c->rel[i][j];
			for (int k = 0; r && k < NEVIDENCE; k++)
				if (!strcmp(how, evidence[k]))
					c->kinds |= 1u << k;
		}
	for (int i = 0; i < c->n; i++)
		for (int j = 0; j < c->n; j++)
			c->reach[i][j] = c->rel[i][j] > 0;
	for (int k = 0; k < c->n; k++)
		for (int i = 0; i < c->n; i++)
			for (int j = 0; c->reach[i][k] && j < c->n; j++)
				c->reach[i][j] |= c->reach[k][j];
}

/* The next host: the first (in file order) that no unplaced host is upstream
 * of; without one (circular evidence) the host upstream of the most others. */
static int order_next(const struct order_ctx *c, const bool *placed)
{
	int best = -1, best_score = 0;

	for (int i = 0; i < c->n; i++) {
		int score = 0;
		bool source = true;

		if (placed[i])
			continue;
		for (int j = 0; j < c->n; j++) {
			if (placed[j] || j == i)
				continue;
			score += c->rel[i][j];
			if (c->rel[j][i] > 0)
				source = false;
		}
		if (source)
			return i;
		if (best < 0 || score > best_score) {
			best = i;
			best_score = score;
		}
	}
	return best;
}

static void order_how(const struct order_ctx *c, struct merge_path *p)
{
	size_t len = 0;

	p->how[0] = 0;
	for (int k = 0; k < NEVIDENCE; k++)
		if (c->kinds & (1u << k))
			len += snprintf(p->how + len, sizeof(p->how) - len, "%s%s", len ? "+" : "",
					evidence[k]);
	if (p->undecided && len < sizeof(p->how))
		snprintf(p->how + len, sizeof(p->how) - len, "%sassumed", len ? "+" : "");
}

void merge_order(const struct merge_side *sides, int n, struct merge_path *p)
{
	struct order_ctx c = { .n = n };
	bool placed[MERGE_MAX_HOSTS] = {};

	memset(p, 0, sizeof(*p));
	p->n = n;
	order_relations(&c, sides);
	for (int k = 0; k < n; k++) {
		int i = order_next(&c, placed);

		placed[i] = true;
		p->file[k] = i;
		p->host[k] = &sides[i];
	}
	for (int k = 0; k + 1 < n; k++)
		if (!c.reach[p->file[k]][p->file[k + 1]])
			p->undecided++;
	for (int k = 0; k < n; k++)
		for (int l = k + 1; l < n; l++)
			if (c.rel[p->file[l]][p->file[k]] > 0)
				p->conflicts++;
	order_how(&c, p);
}
