/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Log2 latency accumulators shared by the kernel side (nt_hist.bpf.h fills
 * them, usually in a per-CPU map) and user space (src/lib/hist.h merges the
 * CPUs and derives percentiles). Values are in whatever unit the tool adds
 * (nettrail tools use nanoseconds).
 *
 * Slot 0 holds the value 0; slot k >= 1 holds [2^(k-1), 2^k); the last slot
 * also takes everything larger.
 */
#ifndef NT_HIST_H
#define NT_HIST_H

#include "nt_types.h"

#define NT_HIST_SLOTS 32

struct nt_lat {
	__u64 count;
	__u64 sum;
	__u64 min;              /* valid when count > 0 */
	__u64 max;
	__u64 slots[NT_HIST_SLOTS];
};

#endif
