/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel half of the log2 latency accumulator (see nt_hist.h). Callers own
 * the storage (typically a PERCPU_ARRAY value), so no locking is needed.
 */
#ifndef NT_HIST_BPF_H
#define NT_HIST_BPF_H

#include "nt_common.bpf.h"
#include "nt_hist.h"

/* floor(log2(v)) + 1 for v > 0, 0 for v == 0, clamped to the last slot. */
static __always_inline __u32 nt_hist_slot(__u64 v)
{
	__u32 r, s;

	if (!v)
		return 0;
	s = (v > 0xFFFFFFFFULL) << 5; v >>= s; r = s;
	s = (v > 0xFFFF) << 4; v >>= s; r |= s;
	s = (v > 0xFF) << 3; v >>= s; r |= s;
	s = (v > 0xF) << 2; v >>= s; r |= s;
	s = (v > 0x3) << 1; v >>= s; r |= s;
	r |= (v >> 1);
	r += 1;
	return r < NT_HIST_SLOTS ? r : NT_HIST_SLOTS - 1;
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
