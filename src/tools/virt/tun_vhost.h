/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* tun_to_vhost_queue_*: what the kernel half accumulates (shared with user space). */
#ifndef TUN_VHOST_H
#define TUN_VHOST_H

#include "tun_ring.h"
#include "nt_hist.h"

#define TQ_MAX_ROWS 1024        /* (tap, queue, measure) distributions */

/* What is measured, per tap queue, each a log2 distribution */
enum tq_measure {
	TQ_XMIT_DEPTH,          /* the tap's ring at each transmit: packets waiting */
	TQ_SIGNAL_AVAIL,        /* at vhost's completion + signal: avail - last_avail */
	TQ_SIGNAL_TAKEN,        /* ... last_avail - last_used (taken, being completed) */
	TQ_RECV_DEPTH,          /* the ring when vhost reads a packet (tun_recvmsg) */
	TQ_HANDLE_AVAIL,        /* at handle_rx: avail - last_avail */
	TQ_HANDLE_TAKEN,        /* ... last_avail - last_used */
	TQ_MEASURES,
};

struct tq_key {
	struct tr_key q;        /* the tap and its queue */
	__u32 measure;
	__u32 pad;
};

#endif
