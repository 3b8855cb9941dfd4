/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Interfaces as the kernel side sees them: (netns inode, ifindex). Names are
 * resolved in the network namespace the tool runs in (`ip netns exec NS ...`).
 */
#ifndef NT_IFACE_H
#define NT_IFACE_H

#include <stdbool.h>
#include "nt_types.h"

/* Inode of our own network namespace. */
__u32 nt_netns_self(void);
/* Resolve @name for @flag; prints a usage error and returns -1 if unknown. */
int nt_iface_resolve(const char *flag, const char *name, struct nt_ifref *ref);
/* Resolve a comma list into @refs (at most NT_MAX_IFACES); returns count or -1. */
int nt_iface_resolve_list(const char *flag, const char *list, struct nt_ifref *refs);
/* Has an interface resolved above been deleted since? Names the first such
 * (flag, name, ifindex) on stderr. The run loop checks it a few times a
 * second and ends the tool with exit 1. */
bool nt_iface_watch_gone(void);
/* Name of an interface of our netns, or "if<N>" when it is gone or foreign. */
const char *nt_iface_name(const struct nt_ifref *ref, char *buf, size_t len);

struct nt_iflist;
/* Are the interfaces of @l (given by @flag) tun/tap devices? Usage error, -1, if not. */
int nt_iface_check_taps(const char *flag, const struct nt_iflist *l);

#endif
