// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nt.h"
#include "cli.h"
#include "iface.h"

__u32 nt_netns_self(void)
{
	static __u32 ino;
	struct stat st;

	if (!ino && stat("/proc/self/ns/net", &st) == 0)
		ino = (__u32)st.st_ino;
	return ino;
}

/* Every interface a flag named: the run loop ends the tool when one is gone. */
#define NT_WATCH_MAX 32
static struct watched {
	const char *flag;
	char name[IF_NAMESIZE];
	unsigned int ifindex;
} watched[NT_WATCH_MAX];
static int nwatched;

static void watch(const char *flag, const char *name, unsigned int ifindex)
{
	for (int i = 0; i < nwatched; i++)
		if (watched[i].ifindex == ifindex)
			return;
	if (nwatched == NT_WATCH_MAX)
		return;
	watched[nwatched].flag = flag;
	snprintf(watched[nwatched].name, IF_NAMESIZE, "%s", name);
	watched[nwatched++].ifindex = ifindex;
}

/* By ifindex, which is what the kernel side matches: a rename keeps the
 * tool's view intact; a deletion (also one followed by a new interface of
 * the same name, which gets another ifindex) does not. */
bool nt_iface_watch_gone(void)
{
	char name[IF_NAMESIZE];

	for (int i = 0; i < nwatched; i++) {
		if (if_indextoname(watched[i].ifindex, name) || errno != ENXIO)
			continue;
		nt_err("%s %s: the interface is gone (ifindex %u deleted from this network "
		       "namespace): stopping", watched[i].flag, watched[i].name, watched[i].ifindex);
		return true;
	}
	return false;
}

int nt_iface_resolve(const char *flag, const char *name, struct nt_ifref *ref)
{
	unsigned int idx;

	if (!*name || strlen(name) >= IF_NAMESIZE)
		return nt_usage_error(flag, name, "not an interface name");
	idx = if_nametoindex(name);
	if (!idx)
		return nt_usage_error(flag, name, "no such interface in this network namespace "
				      "(run the tool where the interface lives: ip netns exec NS ...)");
	ref->ifindex = idx;
	ref->netns = nt_netns_self();
	watch(flag, name, idx);
	return 0;
}

int nt_iface_resolve_list(const char *flag, const char *list, struct nt_ifref *refs)
{
	char buf[NT_MAX_IFACES * (IF_NAMESIZE + 1) + 1];
	char *items[NT_MAX_IFACES];
	int n = nt_arg_list(flag, list, buf, sizeof(buf), items, NT_MAX_IFACES);

	for (int i = 0; i < n; i++) {
		if (nt_iface_resolve(flag, items[i], &refs[i]))
			return -1;
		for (int j = 0; j < i; j++)
			if (refs[j].ifindex == refs[i].ifindex)
				return nt_usage_error(flag, list, "'%s' named twice", items[i]);
	}
	return n;
}

const char *nt_iface_name(const struct nt_ifref *ref, char *buf, size_t len)
{
	char name[IF_NAMESIZE];

	if (!ref->ifindex)
		snprintf(buf, len, "-");
	else if (ref->netns == nt_netns_self() && if_indextoname(ref->ifindex, name))
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "if%u", ref->ifindex);
	return buf;
}

int nt_iface_check_taps(const char *flag, const struct nt_iflist *l)
{
	char path[96], name[IF_NAMESIZE];

	for (int i = 0; i < l->n; i++) {
		nt_iface_name(&l->ref[i], name, sizeof(name));
		/* a tun/tap device has /sys/class/net/<name>/tun_flags */
		snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags", name);
		if (access(path, F_OK))
			return nt_usage_error(flag, name, "is not a tun/tap device");
	}
	return 0;
}
