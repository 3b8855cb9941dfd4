/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * nettrail report: the N x N matrix of a full mesh of ICMP RTT runs (one
 * system_network_icmp_rtt or kernel_icmp_rtt --direction tx --json run per
 * ordered pair of hosts, on the sending host). Pure logic here, so it is
 * unit-tested without files: pairs from the runs' summary objects, their
 * order (worst first) and the SVG heat map.
 */
#ifndef NT_REPORT_H
#define NT_REPORT_H

#include <stdio.h>
#include "jsonin.h"

#define REPORT_ADDR_LEN 46

/* One ordered pair: what the sender's run saw of its pings to the receiver. */
struct report_pair {
	char src[REPORT_ADDR_LEN], dst[REPORT_ADDR_LEN];
	char file[256];                 /* the run's file (the first, if several) */
	int files;                      /* runs of this pair summed */
	unsigned long long started, completed;
	double loss_pct;                /* (started - completed) / started */
	unsigned long long rtt_count;   /* exchanges with a total RTT */
	double p50, p99, max, avg;      /* total RTT, us (the run with most exchanges) */
	char dom_from[48], dom_to[48], dom_kind[16];    /* the segment with the largest mean */
	double dom_avg;                 /* its mean, us; < 0: no segment */
};

struct report {
	struct report_pair *pairs;
	int n, cap;
	char (*hosts)[REPORT_ADDR_LEN]; /* every address seen as sender or receiver, sorted */
	int nhosts;
};

/* The RTT tools whose summaries make a pair. */
bool report_tool_known(const char *tool);
/* Add the pair of one run's summary object (@tool's, read from @file).
 * 0: added; 1: not a pair (a receiving-side run, --direction rx, or no
 * addresses); -1: out of memory. A second run of the same pair is summed. */
int report_add(struct report *r, const struct nt_jv *summary, const char *file);
/* Sort the pairs worst first (loss, then p99, then max) and index the hosts. */
int report_finish(struct report *r);
/* Index of @addr in r->hosts, -1 if absent. */
int report_host(const struct report *r, const char *addr);
/* The pair src -> dst, NULL if no run covered it. */
const struct report_pair *report_find(const struct report *r, const char *src, const char *dst);
/* A self-contained SVG heat map: rows the senders, columns the receivers, each
 * cell coloured by its p99 RTT (red where pings were lost) with p99 and loss. */
void report_svg(const struct report *r, FILE *f);
void report_free(struct report *r);

#endif
