/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* vhost_queue_correlation_*: the events the kernel half reports (shared with user space). */
#ifndef VHOST_CORR_H
#define VHOST_CORR_H

#include "tun_ring.h"

enum vc_type {
	VC_SIGNAL,              /* vhost completed buffers of a virtqueue (and maybe signalled) */
	VC_HANDLE_RX,           /* the worker starts moving the tap's packets (details) */
	VC_RECV,                /* vhost reads a packet from the tap (details) */
};

/* A virtqueue as vhost keeps it, and the guest's side of its rings. */
struct vc_vring {
	__u64 acked_features;
	__u32 num;
	__u16 avail_idx;        /* the guest's avail index as vhost last read it */
	__u16 last_avail_idx;
	__u16 last_used_idx;
	__u16 used_flags;       /* vhost's own flags in the used ring (NO_NOTIFY) */
	__u16 signalled_used;   /* the used index at the last signal (event idx) */
	__u16 guest_avail_flags; /* the guest's avail->flags (NO_INTERRUPT) */
	__u16 guest_used_event; /* avail->ring[num], the guest's used_event (event idx) */
	__u8 signalled_used_valid;
	__u8 guest_ok;          /* the guest's fields were readable */
};

struct vc_event {
	__u64 ts;
	__u32 type;
	__s32 index;            /* the virtqueue's index (0 rx, 1 tx); -1 for VC_RECV */
	struct tr_key q;        /* the tap queue */
	struct vc_vring vr;     /* VC_SIGNAL, VC_HANDLE_RX: at entry */
	struct tr_ring ring;    /* VC_RECV: the tap queue's ring */
	__u64 vq;
	__u32 count;            /* VC_SIGNAL: buffers completed */
	__u8 signalled;         /* VC_SIGNAL: the call eventfd was signalled */
	__u8 pad[3];
	__u32 pid;
	char comm[16];
};

#endif
