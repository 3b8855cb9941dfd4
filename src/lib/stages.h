/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Stage catalogue rows shared by several tools. NT_NETDEV_STAGE_RX/TX("nt_x",
 * WHAT) declare the "rx" and "tx" stages of the rows in src/bpf/nt_netdev.h,
 * whose programs NT_NETDEV_PROGRAMS(h, x) (src/bpf/nt_netdev.bpf.h) defines:
 * tracepoint flavours first, then fentry, then kprobe.
 */
#ifndef NT_STAGES_H
#define NT_STAGES_H

#include "attach.h"
#include "nt_netdev.h"

#define NT_NETDEV_CAND(kind, target, depth, prog, flavour, H, P) \
	{ NT_PK_##kind, target, P "_" #prog, depth },
#define NT_NETDEV_CAND2(kind, target, depth, prog, flavour, target2, prog2, flavour2, H, P) \
	{ NT_PK_##kind, target, P "_" #prog, depth, target2, P "_" #prog2 },

#define NT_NETDEV_STAGE_RX(P, WHAT) \
	{ "rx", WHAT, false, { NT_NETDEV_RX_ROWS(NT_NETDEV_CAND, NT_NETDEV_CAND2, , P) } }
#define NT_NETDEV_STAGE_TX(P, WHAT) \
	{ "tx", WHAT, false, { NT_NETDEV_TX_ROWS(NT_NETDEV_CAND, NT_NETDEV_CAND2, , P) } }

#endif
