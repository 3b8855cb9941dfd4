/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-event delivery to user space. Every record that cannot be delivered
 * (buffer full) is counted in NT_CNT_LOST_EVENTS, so the summary can say how
 * much was not seen.
 *
 * Two transports, chosen by user space before load (src/lib/run.c,
 * nt_events_prepare) and fixed in .rodata, so the verifier sees only one:
 *  - the BPF ring buffer (kernel >= 5.8): reserve in place, submit;
 *  - on older kernels (5.4: global data but no ring buffer) a BPF queue map:
 *    the event is built in a per-CPU scratch slot and pushed (a copy), and
 *    user space pops it. It needs no program context (perf buffers do, and
 *    the tools emit from helpers that have none). A program nesting on the
 *    same CPU between reserve and submit (an IRQ-time tracepoint) could reuse
 *    the slot: acceptable for the fallback, impossible with the ring buffer.
 */
#ifndef NT_EVENTS_BPF_H
#define NT_EVENTS_BPF_H

#include "nt_common.bpf.h"
#include "nt_types.h"

const volatile bool nt_events_queue = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);        /* user space may resize before load */
} nt_events SEC(".maps");

struct nt_event_slot {
	__u8 data[NT_EVENT_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 1);                 /* sized by user space when used */
	__type(value, struct nt_event_slot);
} nt_events_q SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nt_event_slot);
} nt_event_scratch SEC(".maps");

static __always_inline void *nt_event_slot_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nt_event_scratch, &zero);
}

#define nt_event_reserve(type)                                                      \
	({                                                                          \
		_Static_assert(sizeof(type) <= NT_EVENT_MAX, "event exceeds NT_EVENT_MAX"); \
		type *__e = nt_events_queue ? (type *)nt_event_slot_get()           \
					    : bpf_ringbuf_reserve(&nt_events, sizeof(type), 0); \
		if (!__e)                                                           \
			nt_count(NT_CNT_LOST_EVENTS);                               \
		__e;                                                                \
	})

#define nt_event_submit(e)                                                          \
	do {                                                                        \
		if (nt_events_queue) {                                              \
			if (bpf_map_push_elem(&nt_events_q, (e), 0))                \
				nt_count(NT_CNT_LOST_EVENTS);                       \
		} else {                                                            \
			bpf_ringbuf_submit((e), 0);                                 \
		}                                                                   \
	} while (0)

#endif
