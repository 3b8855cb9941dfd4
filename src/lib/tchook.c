// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
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
