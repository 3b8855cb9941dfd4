/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef ICMP_PATH_TRACER_H
#define ICMP_PATH_TRACER_H

#include "nt_types.h"
#include "nt_frag.h"

/* The four points an echo exchange passes on a forwarding host. */
enum icmp_pt_stage {
	ICMP_PT_REQ_RX = 0,     /* request enters an rx interface */
	ICMP_PT_REQ_TX,         /* request leaves the tx interface */
	ICMP_PT_REP_RX,         /* reply enters the tx interface */
	ICMP_PT_REP_TX,         /* reply leaves an rx interface */
	ICMP_PT_NSTAGES,
};

/* Source and destination are fixed by the filter, so an exchange is its
 * echo id and sequence number. */
struct icmp_pt_key {
	__u16 id;
	__u16 seq;
};

/* A stage is seen when the whole echo passed it: for a fragmented echo, when
 * its last missing fragment did (ts is that moment). Fragments that passed a
 * stage the echo did not pass whole are counted in frags[] with ts 0. */
struct icmp_pt_rec {
	__u64 ts[ICMP_PT_NSTAGES];       /* bpf_ktime_get_ns(), 0 = not seen (whole) */
	__u32 ifindex[ICMP_PT_NSTAGES];
	__u16 frags[ICMP_PT_NSTAGES];    /* fragments that passed; 0: not fragmented there */
};

/* The fragments of one echo request or reply (IPv4 groups, nt_frag.h): the
 * echo id/seq come from the first fragment, in whatever order they arrive. */
struct icmp_pt_frag_key {
	__u32 saddr;
	__u32 daddr;
	__u16 ip_id;
	__u8  proto;
	__u8  pad;
};

enum icmp_pt_frag_echo {
	ICMP_PT_FRAG_ECHO_UNKNOWN = 0,  /* first fragment not seen yet */
	ICMP_PT_FRAG_ECHO,              /* an echo of the traced pair: ex is its key */
	ICMP_PT_FRAG_NOT_ECHO,          /* another ICMP message: ignored */
};

struct icmp_pt_frag {
	__u64 ts_first;                 /* first fragment seen (stale groups restart) */
	struct icmp_pt_key ex;
	__u32 echo;                     /* enum icmp_pt_frag_echo */
	struct nt_frag_acct at[2];      /* [0] the direction's rx stage, [1] its tx stage */
	__u32 ifindex[2];               /* where the last fragment passed each */
	__u32 pad;
};

enum icmp_pt_event_kind {
	ICMP_PT_EV_STAGE = 1,   /* --verbose: one stage just happened */
	ICMP_PT_EV_DONE,        /* all four stages seen; entry removed */
	ICMP_PT_EV_ORPHAN,      /* a later stage with no open exchange (rec holds just it) */
};

struct icmp_pt_event {
	__u8  kind;
	__u8  stage;
	__u16 pad;
	struct icmp_pt_key key;
	struct icmp_pt_rec rec;
};

enum icmp_pt_counter {
	ICMP_PT_CNT_CREATED = NT_CNT_TOOL_BASE,   /* exchanges entered in the map */
	ICMP_PT_CNT_COMPLETED,                    /* removed by the kernel when complete */
	ICMP_PT_CNT_ORPHANS,                      /* later stages without an open exchange */
};

#define ICMP_PT_MAX_EXCHANGES 8192
#define ICMP_PT_MAX_FRAGS 4096
/* A group older than this is a new one reusing the IP id (the kernel gives up
 * reassembling after ipfrag_time, 30 s by default). */
#define ICMP_PT_FRAG_MAX_AGE_NS (30ULL * 1000000000ULL)

#ifndef __bpf__
/* ---- user-space logic (pure; unit-tested) ---- */
#include <stdbool.h>

enum icmp_pt_status {
	ICMP_PT_COMPLETE = 0,
	ICMP_PT_INTERNAL_DROP_REQ,      /* request entered, never left */
	ICMP_PT_EXTERNAL_DROP,          /* request left, no reply came back */
	ICMP_PT_INTERNAL_DROP_REP,      /* reply entered, never left */
	ICMP_PT_TIMEOUT,                /* stages seen are not a prefix of the path */
	ICMP_PT_NSTATUS,
};

enum icmp_pt_segment {
	ICMP_PT_SEG_INTERNAL_REQ = 0,   /* REQ_RX -> REQ_TX */
	ICMP_PT_SEG_EXTERNAL,           /* REQ_TX -> REP_RX */
	ICMP_PT_SEG_INTERNAL_REP,       /* REP_RX -> REP_TX */
	ICMP_PT_NSEGS,
};

struct icmp_pt_verdict {
	enum icmp_pt_status status;
	int missing;                    /* first missing stage, -1 if none */
	int missing_frags;              /* fragments of the echo that passed it all the same */
};

struct icmp_pt_minmax {
	unsigned long long n;
	double min, max, sum;
};

struct icmp_pt_stats {
	unsigned long long exchanges, pending;
	unsigned long long status[ICMP_PT_NSTATUS];
	struct icmp_pt_minmax seg[ICMP_PT_NSEGS];
};

struct icmp_pt_verdict icmp_pt_judge(const struct icmp_pt_rec *rec);
const char *icmp_pt_status_name(int status);
const char *icmp_pt_stage_name(int stage);
const char *icmp_pt_segment_key(int seg);
/* Segment duration in us (may be negative for out-of-order stamps); false if
 * either end is missing. */
bool icmp_pt_segment_us(const struct icmp_pt_rec *rec, int seg, double *us);
/* Some fragments passed @stage, not the whole echo. */
bool icmp_pt_stage_partial(const struct icmp_pt_rec *rec, int stage);
unsigned long long icmp_pt_first_ts(const struct icmp_pt_rec *rec);
/* Pending exchanges (tool stopped before their timeout) are counted apart. */
void icmp_pt_stats_add(struct icmp_pt_stats *s, const struct icmp_pt_rec *rec,
		       const struct icmp_pt_verdict *v, bool pending);

/* Exchanges judged as drops are remembered for a while: a stage that arrives
 * later (a reply slower than --timeout-ms) turns the verdict into TIMEOUT. */
#define ICMP_PT_JUDGED 1024
struct icmp_pt_judged {
	struct icmp_pt_key key;
	struct icmp_pt_rec rec;
	int status;
	bool live;
};
struct icmp_pt_memory {
	struct icmp_pt_judged slot[ICMP_PT_JUDGED];
	unsigned int next;
};
void icmp_pt_remember(struct icmp_pt_memory *m, const struct icmp_pt_key *key,
		      const struct icmp_pt_rec *rec, int status);
/* If @key was judged a drop, merge the late @stage into its record, forget it
 * and return it (its old status in *old_status); else NULL. */
struct icmp_pt_judged *icmp_pt_recall_late(struct icmp_pt_memory *m, const struct icmp_pt_key *key,
					   int stage, unsigned long long ts, unsigned int ifindex,
					   int *old_status);
#endif

#endif
