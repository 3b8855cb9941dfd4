/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* User side shared by the tun tools (tun_common.c): the taps and queue they watch. */
#ifndef NT_TUN_COMMON_H
#define NT_TUN_COMMON_H

#include "cli.h"
#include "tun_ring.h"

struct tr_taps {
	struct nt_iflist devs;
	unsigned long long queue;       /* TR_ANY_QUEUE: every one */
};

/* --device (required) and its spellings, --queue, into struct tr_taps F of T */
#define TR_OPTS_TAPS(T, F)                                                                   \
	NT_OPT_ROW("device", 0, "TAP[,TAP]", "the tap(s) to watch (required; -d is --duration)", \
		   NT_OPT_IFLIST, T, F.devs, 0),                                              \
	NT_OPT_ROW("interface", 0, "TAP[,TAP]", "same as --device (the manual's name)",      \
		   NT_OPT_IFLIST, T, F.devs, 0),                                              \
	NT_OPT_ROW("vm-interface", 0, "TAP[,TAP]", "same as --device", NT_OPT_IFLIST, T,     \
		   F.devs, 0),                                                                \
	NT_OPT_ROW("queue", 'q', "N", "only this queue of the tap(s) (default: every one)",   \
		   NT_OPT_UINT, T, F.queue, 0, 0, TR_MAX_QUEUES - 1, NULL)

/* --device given, and taps: 0, else -1 after the usage error */
int tr_taps_validate(const struct tr_taps *t);
/* Into a BPF object's rodata (tun_ring.bpf.h's targ_devs, targ_ndevs, targ_queue). */
void tr_taps_rodata(const struct tr_taps *t, volatile struct nt_ifref *devs, volatile __u32 *ndevs,
		    volatile __u32 *queue);

#endif
