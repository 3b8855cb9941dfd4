/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* User side shared by the vhost tools (vhost_common.c): who a virtqueue is. */
#ifndef NT_VHOST_COMMON_H
#define NT_VHOST_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include "vhost_vq.h"

#include "cli.h"

struct nt_json;
struct nt_run;

/* The vhost tools' flags: which queues (the taps behind them, their qemu), how often. */
struct vq_opts {
	struct nt_iflist devs;
	unsigned long long pid;
	double interval;
	bool clear;
};

#define VQ_OPTS                                                                              \
	NT_OPT_ROW("device", 0, "TAP[,TAP]", "only the queues whose backend is one of these taps", \
		   NT_OPT_IFLIST, struct vq_opts, devs, 0),                                  \
	NT_OPT_ROW("interface", 0, "TAP[,TAP]", "same as --device", NT_OPT_IFLIST,           \
		   struct vq_opts, devs, 0),                                                  \
	NT_OPT_ROW("vm-interface", 0, "TAP[,TAP]", "same as --device", NT_OPT_IFLIST,        \
		   struct vq_opts, devs, 0),                                                  \
	NT_OPT_U("pid", "PID", "only the queues of this qemu (the vhost device's owner)",     \
		 struct vq_opts, pid, 1, 4194304, NULL),                                      \
	NT_OPT_INTERVAL('i', struct vq_opts, interval,                                        \
			"print the counts every SEC seconds (default 1)"),                    \
	NT_OPT_ROW("clear", 'c', NULL, "print each interval's counts, not the running totals", \
		   NT_OPT_FLAG, struct vq_opts, clear, 0)

/* --device names taps (the cli's validate hook; @cfg is a struct vq_opts) */
int vq_opts_validate(void *cfg);

/* The qemu a queue belongs to: its worker is "vhost-<qemu pid>" (a kernel thread up to
 * 6.3, a thread of qemu itself after). */
unsigned vq_owner(const struct vq_ident *id);
/* "rx" / "tx" for a vhost-net queue with a tap behind it, else "vq<index>". */
const char *vq_role(const struct vq_ident *id, char *buf, size_t len);
/* "tap:queue", or "-" when the backend is not a tap. */
const char *vq_tap_str(const struct vq_ident *id, char *buf, size_t len);
/* The fd of the eventfd with id @efd_id in process @pid (fdinfo "eventfd-id"); -1: none. */
int vq_eventfd_fd(unsigned pid, unsigned efd_id);
/* Does the user want this queue: its tap among --device (none given: any), its owner
 * --pid (none: any)? */
bool vq_wanted(const struct vq_ident *id, const struct vq_opts *o);
/* Order for tables: owner, tap, tap queue, index. */
int vq_ident_cmp(const struct vq_ident *a, const struct vq_ident *b);
/* owner_pid worker vq index role tap tap_queue, into the open object. */
void vq_ident_json(struct nt_json *j, unsigned long long vq, const struct vq_ident *id);
/* --prometheus: a queue's labels, who it is (never where it lives in memory):
 * owner_pid, device (the tap; left out without one), queue (the tap's queue;
 * likewise) and role. Queues with equal idents (vq_ident_cmp) share them: a
 * metrics hook sums their rows. Pass as VQ_PROM_LABELS(l) to nt_prom_add. */
struct vq_labels {
	char owner[16], tap[17], queue[16], role[16];
};
void vq_labels(const struct vq_ident *id, struct vq_labels *l);
#define VQ_PROM_LABELS(l)                                                                    	"owner_pid", (l).owner, "device", (l).tap[0] ? (l).tap : NULL, "queue",             	(l).tap[0] ? (l).queue : NULL, "role", (l).role
/* The planned hook's check: vhost's types in some BTF, else 1 with a message naming them. */
int vq_need_btf(struct nt_run *r);
/* ... and tun's: the tools that read the taps' queues too */
int vq_tap_need_btf(struct nt_run *r);

#endif
