// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The taps and queue the tun tools watch (tun_common.h). */
#include "nt.h"
#include "iface.h"
#include "tun_common.h"

int tr_taps_validate(const struct tr_taps *t)
{
	if (!t->devs.str)
		return nt_usage_error("--device", NULL, "is required: the tap(s) to watch");
	return nt_iface_check_taps("--device", &t->devs);
}

void tr_taps_rodata(const struct tr_taps *t, volatile struct nt_ifref *devs, volatile __u32 *ndevs,
		    volatile __u32 *queue)
{
	for (int i = 0; i < t->devs.n; i++)
		devs[i] = t->devs.ref[i];
	*ndevs = t->devs.n;
	*queue = t->queue == TR_ANY_QUEUE ? TR_ANY_QUEUE : (__u32)t->queue;
}
