/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A tc program on one interface's ingress or egress, for stages that only
 * need the interfaces a user named (see NT_PK_TC_* in attach.h): a tcx link
 * where the kernel has them (6.6+; gone with the process, whatever ends it),
 * else a cls_bpf filter on the clsact qdisc over netlink (removed at detach,
 * with the qdisc if we added it).
 *
 * Creating a tcx link waits for an RCU grace period (10-20 ms on a quiet
 * 2-CPU VM), replacing the program of one does not. So a hook can be reserved
 * before the tool's programs are loaded: a thread creates the link with a
 * program that hands every packet on (TCX_NEXT), its wait overlapping the
 * load, and attach swaps the tool's program in. A tool whose tc hooks are
 * known from its command line alone reserves them before planning, even
 * before the kernel's BTF is read (nt_tc_reserve_early): planning's hooks
 * then take those reservations over.
 */
#ifndef NT_TCHOOK_H
#define NT_TCHOOK_H

#include <stdbool.h>
#include <stddef.h>

struct nt_tc_resv;

struct nt_tc_hook {
	int ifindex;
	bool egress;
	int link_fd;            /* tcx link, or -1 */
	bool filter;            /* a clsact filter is ours */
	bool clsact_created;    /* and we added the clsact qdisc for it */
	unsigned int handle, priority;
	struct nt_tc_resv *resv;        /* its reservation, until attach takes its link */
};

/* Start creating a placeholder tcx link on @ifindex (no-op where it fails:
 * attach then does it all), or take over the early reservation of it. */
void nt_tc_hook_reserve(struct nt_tc_hook *h, int ifindex, bool egress);
/* The same before planning, for a hook no plan holds yet. */
void nt_tc_reserve_early(int ifindex, bool egress);
/* Early reservations no hook took over: their links removed. */
void nt_tc_reservations_drop(void);

/* Put program @prog_fd on @ifindex (into its reserved link, if any); 0, or
 * -errno with @why filled. */
int nt_tc_hook_attach(struct nt_tc_hook *h, int prog_fd, int ifindex, bool egress,
		      char *why, size_t len);
/* Remove it (no-op for a hook never attached). */
void nt_tc_hook_detach(struct nt_tc_hook *h);
/* "tcx" or "clsact": how it is attached. */
const char *nt_tc_hook_how(const struct nt_tc_hook *h);

#endif
