// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nt.h"
#include "nt_types.h"
#include "tchook.h"

/* Not in the UAPI headers of the distributions we build on (6.6+). */
#define NT_BPF_TCX_INGRESS 46
#define NT_BPF_TCX_EGRESS  47

/* A tcx link of @prog_fd on @ifindex: its fd, or -errno. */
static int tcx_link(int ifindex, bool egress, int prog_fd)
{
	int fd = bpf_link_create(prog_fd, ifindex, egress ? NT_BPF_TCX_EGRESS : NT_BPF_TCX_INGRESS,
				 NULL);

	return fd < 0 ? -errno : fd;
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

/* A placeholder link being made by a thread of its own. */
struct nt_tc_resv {
	int ifindex;
	bool egress;
	int link_fd;            /* set by the thread; -1 where it failed */
	pthread_t thread;
};

static void *reserve_thread(void *arg)
{
	struct nt_tc_resv *v = arg;
	int fd = tcx_link(v->ifindex, v->egress, placeholder_fd);

	v->link_fd = fd < 0 ? -1 : fd;
	return NULL;
}

static struct nt_tc_resv *resv_start(int ifindex, bool egress)
{
	struct nt_tc_resv *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	*v = (struct nt_tc_resv){ .ifindex = ifindex, .egress = egress, .link_fd = -1 };
	if (placeholder_get() < 0) {
		free(v);
		return NULL;
	}
	if (pthread_create(&v->thread, NULL, reserve_thread, v)) {
		placeholder_put();
		free(v);
		return NULL;
	}
	return v;
}

/* Wait for it; its link (-1 if none). */
static int resv_end(struct nt_tc_resv *v)
{
	int fd;

	pthread_join(v->thread, NULL);
	placeholder_put();
	fd = v->link_fd;
	free(v);
	return fd;
}

/* Early reservations, until a hook takes one over (one per interface and
 * direction). */
static struct nt_tc_resv *early[2 * NT_MAX_IFACES];
static int nearly;

void nt_tc_reserve_early(int ifindex, bool egress)
{
	struct nt_tc_resv *v;

	for (int i = 0; i < nearly; i++)
		if (early[i]->ifindex == ifindex && early[i]->egress == egress)
			return;
	if (nearly == (int)(sizeof(early) / sizeof(early[0])))
		return;
	v = resv_start(ifindex, egress);
	if (v)
		early[nearly++] = v;
}

static struct nt_tc_resv *early_take(int ifindex, bool egress)
{
	for (int i = 0; i < nearly; i++) {
		struct nt_tc_resv *v = early[i];

		if (v->ifindex == ifindex && v->egress == egress) {
			early[i] = early[--nearly];
			return v;
		}
	}
	return NULL;
}

void nt_tc_reservations_drop(void)
{
	while (nearly > 0) {
		int fd = resv_end(early[--nearly]);

		if (fd >= 0)
			close(fd);
	}
}

void nt_tc_hook_reserve(struct nt_tc_hook *h, int ifindex, bool egress)
{
	memset(h, 0, sizeof(*h));
	h->link_fd = -1;
	h->ifindex = ifindex;
	h->egress = egress;
	h->resv = early_take(ifindex, egress);
	if (!h->resv)
		h->resv = resv_start(ifindex, egress);
}

/* Wait for the reservation; true if it holds a link. */
static bool reserved(struct nt_tc_hook *h)
{
	if (!h->resv)
		return false;
	h->link_fd = resv_end(h->resv);
	h->resv = NULL;
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
	tcx = tcx_link(ifindex, egress, prog_fd);
	if (tcx >= 0) {
		h->link_fd = tcx;
		return 0;
	}
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
