/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * nettrail merge: the manual's Q7 verdict from two path-tracer runs, one on
 * the sender's host and one on the receiver's host. Pure logic here, so it is
 * unit-tested without files.
 */
#ifndef NT_MERGE_H
#define NT_MERGE_H

#include <stdbool.h>
#include <stddef.h>

enum merge_verdict {
	MERGE_DELIVERED = 0,
	MERGE_SENDER_INTERNAL,
	MERGE_NETWORK,
	MERGE_RECEIVER_INTERNAL,
	MERGE_NVERDICTS,
};

/* What one host saw of one packet identity (all events with that identity
 * summed: retransmitted copies count separately). */
struct merge_obs {
	char id[96];            /* protocol, direction and the packet's key */
	int dir;                /* 0: src->dst (FWD), 1: dst->src (REP) */
	unsigned in, out;       /* copies that entered / left the host */
	double t0;              /* first stage, ns on this host's monotonic clock */
	double ttl_sum;
	unsigned ttl_n;
	double ext_us;          /* icmp: external_us of a complete exchange, else < 0 */
	char desc[160];         /* "FWD 198.18.0.2:40000 -> 198.18.3.2:5201 seq=1" */
};

struct merge_side {
	const char *name;       /* file name */
	char tool[32];
	struct merge_obs *v;
	size_t n, cap;
	size_t *slots;          /* hash index into v (+1; 0 = empty) */
	size_t nslots;
	unsigned events, pending, bad_lines;
	bool has_complete;
};

/* Add one parsed event line (a struct nt_jv object) to @s. Returns 0, 1 if
 * the object is not a path-tracer event (ignored), -1 on a tool mismatch. */
struct nt_jv;
int merge_side_add_event(struct merge_side *s, const struct nt_jv *ev);
/* Record an observation directly (unit tests, and the event parser). */
struct merge_obs *merge_side_obs(struct merge_side *s, const char *id, int dir);
const struct merge_obs *merge_side_find(const struct merge_side *s, const char *id);
void merge_side_free(struct merge_side *s);

/* Which side is the sender's host: > 0 the first, < 0 the second, 0 no
 * evidence. @how names the evidence used. */
int merge_roles(const struct merge_side *a, const struct merge_side *b, const char **how);

struct merge_result {
	unsigned long long count[MERGE_NVERDICTS];
	unsigned long long dir_count[2][MERGE_NVERDICTS];
	unsigned long long outside_window;      /* upstream sent, downstream run not covering it */
	bool no_overlap[2];                     /* no packet of that direction seen by both */
};

/* Called for each identity and verdict with a non-zero count. */
typedef void (*merge_cb)(void *ctx, const struct merge_obs *up, const struct merge_obs *down,
			 int dir, enum merge_verdict v, unsigned long long n);

/* Judge every packet: @snd is the sender's host, @rcv the receiver's. */
void merge_judge(const struct merge_side *snd, const struct merge_side *rcv,
		 struct merge_result *res, merge_cb cb, void *ctx);
const char *merge_verdict_name(int v);

#endif
