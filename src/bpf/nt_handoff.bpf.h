/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Hand-off: many probe points, one program verified once. A stub program at
 * each probe point takes what it needs from its arguments (a frame: two
 * words and a tag, e.g. the skb and the hook) and tail-calls the shared
 * program in nt_handoff_progs[0], which takes the frame back. The verifier's time
 * goes to the shared program once per start, not once per probe point
 * (a candidate's .shared names it: attach.h).
 *
 * The frame travels on a small per-CPU stack, not in one slot: a program on
 * a CPU can be interrupted between the stub's push and the shared program's
 * pop by another stub on the same CPU (a softirq run on interrupt exit), whose
 * frame goes one place up and is taken before the interrupted one resumes.
 * The stack's depth is raised before the frame is written and lowered after
 * it is read, so an interruption at any instruction finds its own place.
 */
#ifndef NT_HANDOFF_BPF_H
#define NT_HANDOFF_BPF_H

#include "nt_common.bpf.h"

#ifndef barrier                 /* libbpf < 1.2's headers */
#define barrier() asm volatile("" ::: "memory")
#endif

#define NT_HANDOFF_DEPTH 4      /* task, softirq, hardirq, NMI */

struct nt_handoff_frame {
	__u64 a0, a1;
	__u32 tag;
	__u32 pad;
};

struct nt_handoff_stack {
	__u32 depth;
	__u32 pad;
	struct nt_handoff_frame f[NT_HANDOFF_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} nt_handoff_progs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nt_handoff_stack);
} nt_handoff_stacks SEC(".maps");

static __always_inline struct nt_handoff_stack *nt_handoff_stack(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&nt_handoff_stacks, &k);
}

/* The stub's half: push the frame and jump; returns only when it could not
 * (stack full, counted in NT_CNT_HOOK_MISSED; or no shared program). */
static __always_inline int nt_handoff(void *ctx, __u64 a0, __u64 a1, __u32 tag)
{
	struct nt_handoff_stack *s = nt_handoff_stack();
	__u32 d;

	if (!s)
		return 0;
	d = s->depth;
	if (d >= NT_HANDOFF_DEPTH) {
		nt_count(NT_CNT_HOOK_MISSED);
		return 0;
	}
	s->depth = d + 1;
	barrier();
	s->f[d].a0 = a0;
	s->f[d].a1 = a1;
	s->f[d].tag = tag;
	barrier();
	bpf_tail_call(ctx, &nt_handoff_progs, 0);
	s->depth = d;
	nt_count(NT_CNT_HOOK_MISSED);
	return 0;
}

/* The shared program's half: the frame its stub pushed; false if none. */
static __always_inline bool nt_handoff_take(struct nt_handoff_frame *f)
{
	struct nt_handoff_stack *s = nt_handoff_stack();
	__u32 d;

	if (!s)
		return false;
	d = s->depth;
	if (d == 0 || d > NT_HANDOFF_DEPTH)
		return false;
	d--;
	*f = s->f[d & (NT_HANDOFF_DEPTH - 1)];
	barrier();
	s->depth = d;
	return true;
}

#endif
