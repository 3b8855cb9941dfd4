/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef DROP_MONITOR_CONTROLLER_H
#define DROP_MONITOR_CONTROLLER_H

#include "nt_drop.h"

enum dmc_counter {
	DMC_CNT_DROPS = NT_DROP_CNT_TOOL_BASE,   /* drops matching the filters (watch) */
};

#ifndef __bpf__
#include <stdbool.h>
#include <stdint.h>

/* The watch logic (pure; unit-tested): feed one sample per period, get
 * whether the drop rate has been above the threshold for the whole sustain
 * window. */
struct dmc_watch {
	double threshold;        /* drops per second */
	int need;                /* consecutive samples above threshold that trigger */
	int above;               /* consecutive samples above so far */
};

void dmc_watch_init(struct dmc_watch *w, double threshold, double sustain_s, double period_s);
/* @drops in @period_s seconds; true when this sample completes a trigger. */
bool dmc_watch_sample(struct dmc_watch *w, uint64_t drops, double period_s);
void dmc_watch_reset(struct dmc_watch *w);
#endif

#endif
