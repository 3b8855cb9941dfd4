/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-event delivery to user space through a ring buffer. Every record that
 * cannot be reserved (buffer full) is counted in NT_CNT_LOST_EVENTS, so the
 * summary can say how much was not seen.
 */
#ifndef NT_EVENTS_BPF_H
#define NT_EVENTS_BPF_H

#include "nt_common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);        /* user space may resize before load */
} nt_events SEC(".maps");

#define nt_event_reserve(type)                                              \
	({                                                                  \
		type *__e = bpf_ringbuf_reserve(&nt_events, sizeof(type), 0); \
		if (!__e)                                                   \
			nt_count(NT_CNT_LOST_EVENTS);                       \
		__e;                                                        \
	})

#define nt_event_submit(e) bpf_ringbuf_submit((e), 0)

#endif
