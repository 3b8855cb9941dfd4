// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Who a vhost virtqueue is, for the vhost tools (vhost_common.h). */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/btf.h>
#include "nt.h"
#include "tool.h"
#include "btfinfo.h"
#include "cli.h"
#include "iface.h"
#include "output.h"
#include "vhost_common.h"

unsigned vq_owner(const struct vq_ident *id)
{
	const char *c = id->comm;
	char *end;
	unsigned long pid;

	if (!strncmp(c, "vhost-", 6) && isdigit((unsigned char)c[6])) {
		pid = strtoul(c + 6, &end, 10);
		if (!*end && pid)
			return (unsigned)pid;
	}
	return id->tgid;
}

const char *vq_role(const struct vq_ident *id, char *buf, size_t len)
{
	if (id->tap_queue >= 0 && id->index == 0)
		return "rx";
	if (id->tap_queue >= 0 && id->index == 1)
		return "tx";
	snprintf(buf, len, "vq%d", id->index);
	return buf;
}

const char *vq_tap_str(const struct vq_ident *id, char *buf, size_t len)
{
	if (!id->tap[0])
		return "-";
	snprintf(buf, len, "%.16s:%d", id->tap, id->tap_queue);
	return buf;
}

int vq_eventfd_fd(unsigned pid, unsigned efd_id)
{
	char dir[64], path[340], line[128];
	struct dirent *de;
	int found = -1;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%u/fdinfo", pid);
	d = opendir(dir);
	if (!d)
		return -1;
	while (found < 0 && (de = readdir(d))) {
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned v;

			if (sscanf(line, "eventfd-id: %u", &v) == 1 && v == efd_id) {
				found = atoi(de->d_name);
				break;
			}
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

int vq_opts_validate(void *cfg)
{
	const struct vq_opts *o = cfg;

	return o->devs.str ? nt_iface_check_taps("--device", &o->devs) : 0;
}

bool vq_wanted(const struct vq_ident *id, const struct vq_opts *o)
{
	char name[IF_NAMESIZE];

	if (o->pid && vq_owner(id) != o->pid)
		return false;
	if (!o->devs.n)
		return true;
	for (int i = 0; i < o->devs.n; i++)
		if (!strncmp(id->tap, nt_iface_name(&o->devs.ref[i], name, sizeof(name)), sizeof(id->tap)))
			return true;
	return false;
}

int vq_ident_cmp(const struct vq_ident *a, const struct vq_ident *b)
{
	unsigned oa = vq_owner(a), ob = vq_owner(b);
	int c;

	if (oa != ob)
		return oa < ob ? -1 : 1;
	c = strncmp(a->tap, b->tap, sizeof(a->tap));
	if (c)
		return c;
	if (a->tap_queue != b->tap_queue)
		return a->tap_queue < b->tap_queue ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

void vq_ident_json(struct nt_json *j, unsigned long long vq, const struct vq_ident *id)
{
	char hex[24], rb[16], tap[17];

	snprintf(tap, sizeof(tap), "%.16s", id->tap);
	snprintf(hex, sizeof(hex), "0x%llx", vq);
	nt_json_u64(j, "owner_pid", vq_owner(id));
	nt_json_str(j, "worker", id->comm);
	nt_json_str(j, "vq", hex);
	nt_json_i64(j, "index", id->index);
	nt_json_str(j, "role", vq_role(id, rb, sizeof(rb)));
	nt_json_str(j, "tap", tap);
	nt_json_i64(j, "tap_queue", id->tap_queue);
}

void vq_labels(const struct vq_ident *id, struct vq_labels *l)
{
	char rb[16];

	snprintf(l->owner, sizeof(l->owner), "%u", vq_owner(id));
	snprintf(l->tap, sizeof(l->tap), "%.16s", id->tap);
	snprintf(l->queue, sizeof(l->queue), "%d", id->tap_queue);
	snprintf(l->role, sizeof(l->role), "%s", vq_role(id, rb, sizeof(rb)));
}

int vq_need_btf(struct nt_run *r)
{
	return nt_btf_need_struct("vhost_virtqueue", "vhost", "the virtqueues");
}

int vq_tap_need_btf(struct nt_run *r)
{
	if (nt_btf_need_struct("tun_struct", "tun", "the taps' queues"))
		return NT_EXIT_RUNTIME;
	return vq_need_btf(r);
}
