/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel half of the log2 latency accumulator (see nt_hist.h). Callers own
 * the storage (typically a PERCPU_ARRAY value), so no locking is needed.
 */
#ifndef NT_HIST_BPF_H
#define NT_HIST_BPF_H

#include "nt_common.bpf.h"
#include "nt_hist.h"

/*
 * floor(log2(v)) + 1 for v > 0, 0 for v == 0, clamped to the last slot.
 * Without branches: each comparison would be a branch the verifier walks both
 * ways, and the clamp on the result made every combination a state of its own
 * (32 walks of the caller's rest where one will do). ((x >> k) + 2^k - 1) >> k
 * is x >= 2^k, for x < 2^2k; barrier_var() keeps the compiler from turning it
 * back into a comparison. Checked against the branching form for every
 * v < 2^26 and around every power of two.
 */
_Static_assert(NT_HIST_SLOTS == 32, "nt_hist_slot() clamps to slot 31");
static __always_inline __u32 nt_hist_slot(__u64 v)
{
	__u64 x, nonzero;
	__u32 r, s;

	if (v > 0x7FFFFFFF)     /* 2^30 and above: the last slot (31) */
		v = 0x7FFFFFFF;
	x = v;
	barrier_var(x);
	nonzero = (x + 0xFFFFFFFF) >> 32;
	s = (((x >> 16) + 0xFFFF) >> 16) << 4; barrier_var(s); x >>= s; r = s;
	s = (((x >> 8) + 0xFF) >> 8) << 3; barrier_var(s); x >>= s; r |= s;
	s = (((x >> 4) + 0xF) >> 4) << 2; barrier_var(s); x >>= s; r |= s;
	s = (((x >> 2) + 0x3) >> 2) << 1; barrier_var(s); x >>= s; r |= s;
	r |= x >> 1;
	return r + nonzero;
}

static __always_inline void nt_lat_add(struct nt_lat *l, __u64 v)
{
	__u32 slot = nt_hist_slot(v);

	/* the mask must survive the compiler (it knows the slot is in range, the
	 * verifier does not: small @v lets it drop the mask otherwise) */
	barrier_var(slot);
	slot &= NT_HIST_SLOTS - 1;

	if (!l->count || v < l->min)
		l->min = v;
	if (v > l->max)
		l->max = v;
	l->count++;
	l->sum += v;
	l->slots[slot]++;
}

#endif
