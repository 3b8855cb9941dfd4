// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nt.h"
#include "tchook.h"

/* Not in the UAPI headers of the distributions we build on (6.6+). */
#define NT_BPF_TCX_INGRESS 46
#define NT_BPF_TCX_EGRESS  47

static int attach_tcx(struct nt_tc_hook *h, int prog_fd)
{
	int fd = bpf_link_create(prog_fd, h->ifindex,
				 h->egress ? NT_BPF_TCX_EGRESS : NT_BPF_TCX_INGRESS, NULL);

	if (fd < 0)
		return -errno;
	h->link_fd = fd;
	return 0;
}

/* The placeholder program, shared by every reservation: return TCX_NEXT (-1),
 * so that the packet goes on as if no program were there. */
static int placeholder_fd = -1;
static int placeholder_users;

static int placeholder_get(void)
{
	static const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = -1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	if (placeholder_fd < 0)
		placeholder_fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "nt_tc_reserve", "GPL",
					       insns, 2, NULL);
	if (placeholder_fd >= 0)
		placeholder_users++;
	return placeholder_fd;
}

static void placeholder_put(void)
{
	if (placeholder_fd >= 0 && --placeholder_users == 0) {
		close(placeholder_fd);
		placeholder_fd = -1;
	}
}

static void *reserve_thread(void *arg)
{
	struct nt_tc_hook *h = arg;

	attach_tcx(h, placeholder_fd);  /* link_fd stays -1 where it fails */
	return NULL;
}

void nt_tc_hook_reserve(struct nt_tc_hook *h, int ifindex, bool egress)
{
	memset(h, 0, sizeof(*h));
	h->link_fd = -1;
	h->ifindex = ifindex;
	h->egress = egress;
	h->reserved = true;
	if (placeholder_get() < 0)
		return;
	if (pthread_create(&h->reserver, NULL, reserve_thread, h)) {
		placeholder_put();
		return;
	}
	h->reserving = true;
}

/* Wait for the reservation; true if it holds a link. */
static bool reserved(struct nt_tc_hook *h)
{
	if (!h->reserved)
		return false;
	if (h->reserving) {
		pthread_join(h->reserver, NULL);
		h->reserving = false;
		placeholder_put();
	}
	return h->link_fd >= 0;
}

static int attach_clsact(struct nt_tc_hook *h, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = h->ifindex,
		    .attach_point = h->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);     /* handle, priority: kernel's pick */
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	h->clsact_created = !err;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		if (h->clsact_created) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
			h->clsact_created = false;
		}
		return err;
	}
	h->filter = true;
	h->handle = opts.handle;
	h->priority = opts.priority;
	return 0;
}

int nt_tc_hook_attach(struct nt_tc_hook *h, int prog_fd, int ifindex, bool egress,
		      char *why, size_t len)
{
	int tcx, err;

	if (reserved(h)) {
		if (h->ifindex == ifindex && h->egress == egress &&
		    !bpf_link_update(h->link_fd, prog_fd, NULL))
			return 0;
		close(h->link_fd);      /* not this hook's, or refused: a new link */
	}
	memset(h, 0, sizeof(*h));
	h->link_fd = -1;
	h->ifindex = ifindex;
	h->egress = egress;
	tcx = attach_tcx(h, prog_fd);
	if (!tcx)
		return 0;
	/* before 6.6 the kernel knows no tcx attach type: EINVAL */
	err = attach_clsact(h, prog_fd);
	if (!err)
		return 0;
	snprintf(why, len, "tcx link: %s; clsact filter: %s", strerror(-tcx), strerror(-err));
	return err;
}

void nt_tc_hook_detach(struct nt_tc_hook *h)
{
	reserved(h);
	if (h->link_fd >= 0) {
		close(h->link_fd);
		h->link_fd = -1;
	}
	if (h->filter) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = h->ifindex,
			    .attach_point = h->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = h->handle, .priority = h->priority);

		bpf_tc_detach(&hook, &opts);
		/* the qdisc goes only if we added it; another tool's filters on
		 * a clsact we created would go with it (pre-6.6 kernels) */
		if (h->clsact_created) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
		h->filter = h->clsact_created = false;
	}
}

const char *nt_tc_hook_how(const struct nt_tc_hook *h)
{
	return h->link_fd >= 0 ? "tcx" : h->filter ? "clsact" : "none";
}
