/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * nettrail merge: the manual's Q7 verdict from path-tracer runs on the hosts
 * along a path -- the sender's host, any forwarding hosts, the receiver's
 * host. Pure logic here, so it is unit-tested without files.
 *
 * Path order: host 1 is the sender's host (src->dst packets, FWD, cross it
 * first), host N the receiver's; replies (REP) cross the hosts in reverse.
 * Link k joins host k and host k+1. In C the hosts and links are numbered
 * from 0.
 */
#ifndef NT_MERGE_H
#define NT_MERGE_H

#include <stdbool.h>
#include <stddef.h>

/* The hosts one merge takes at most. */
#define MERGE_MAX_HOSTS 32

/* Where a copy of a packet was last seen. The names do not depend on the
 * number of hosts: a script written for two hosts reads N hosts' output. */
enum merge_verdict {
	MERGE_DELIVERED = 0,            /* left the last host of its direction */
	MERGE_SENDER_INTERNAL,          /* entered the sender's host, never left it */
	MERGE_NETWORK,                  /* left a host, never reached the next one */
	MERGE_RECEIVER_INTERNAL,        /* entered the receiver's host, never left it */
	MERGE_HOST_INTERNAL,            /* entered a host between them, never left it */
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

/* One host's run: one file. */
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

/* ---- path order (merge_path.c) ---- */

/* Which of two hosts is upstream (crossed first by FWD packets): > 0 @a,
 * < 0 @b, 0 no evidence. @how names the evidence used: "ttl" (the IP TTL at
 * entry is larger upstream), "icmp_external_segment" (an exchange's time
 * outside the host is longer upstream: it contains the downstream one's),
 * "forwarding" (both saw a packet, only one forwarded it), "assumed". */
int merge_roles(const struct merge_side *a, const struct merge_side *b, const char **how);

struct merge_path {
	const struct merge_side *host[MERGE_MAX_HOSTS];  /* path order */
	int n;
	int file[MERGE_MAX_HOSTS];      /* host k is the file[k]-th side given */
	int undecided;                  /* adjacent pairs no evidence orders (file order kept) */
	int conflicts;                  /* pairs whose evidence the order contradicts */
	char how[64];                   /* evidence used, e.g. "ttl", "ttl+forwarding", "given" */
};

/* The sides in the order given (--sender-first: the files are in path order). */
void merge_path_given(const struct merge_side *sides, int n, struct merge_path *p);
/* Order @n sides along the path from the packets: merge_roles on every pair,
 * then the hosts nothing is upstream of first, ties in file order. An order
 * no evidence decides keeps the files' order and counts in ->undecided
 * (->how ends in "assumed"); contradicting evidence counts in ->conflicts. */
void merge_order(const struct merge_side *sides, int n, struct merge_path *p);

/* ---- verdicts (merge.c) ---- */

struct merge_result {
	unsigned long long count[MERGE_NVERDICTS];
	unsigned long long dir_count[2][MERGE_NVERDICTS];
	unsigned long long outside_window;      /* upstream sent, downstream run not covering it */
	bool no_overlap[2];                     /* a link no packet of that direction crossed seen
						 * by both ends */
	int nhosts;
	/* per host and link in path order, per direction */
	unsigned long long host_drops[MERGE_MAX_HOSTS][2];     /* entered, never left */
	unsigned long long link_drops[MERGE_MAX_HOSTS - 1][2]; /* left host k, never reached k+1 */
	unsigned long long link_outside[MERGE_MAX_HOSTS - 1][2];
	bool link_no_overlap[MERGE_MAX_HOSTS - 1][2];
};

/* One verdict for @n copies of one packet. */
struct merge_hit {
	const struct merge_obs *any;    /* an observation of the packet (its desc) */
	int dir;
	enum merge_verdict v;
	int host;                       /* where the copies were last seen (path index) */
	int next;                       /* MERGE_NETWORK: the host never reached; else -1 */
	unsigned long long n;
	int nhosts;
	const struct merge_obs *obs[MERGE_MAX_HOSTS];  /* per host in path order; NULL: unseen */
};

/* Called for each identity and verdict with a non-zero count. */
typedef void (*merge_cb)(void *ctx, const struct merge_hit *hit);

/* Judge every packet along @p. */
void merge_judge_path(const struct merge_path *p, struct merge_result *res, merge_cb cb, void *ctx);
/* Two hosts: @snd is the sender's host, @rcv the receiver's. */
void merge_judge(const struct merge_side *snd, const struct merge_side *rcv,
		 struct merge_result *res, merge_cb cb, void *ctx);
const char *merge_verdict_name(int v);
/* The verdict of a copy lost inside host @h of @n. */
enum merge_verdict merge_internal_verdict(int h, int n);

#endif
