/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef NT_ADDR_H
#define NT_ADDR_H

#include <stdbool.h>
#include <netinet/in.h>
#include "nt_types.h"

/* Parse an IPv4 or IPv6 literal; *family is 4 or 6. */
bool nt_addr_parse(const char *s, union nt_addr *a, __u8 *family);
/* Format into @buf (at least INET6_ADDRSTRLEN). Returns @buf. */
const char *nt_addr_str(const union nt_addr *a, int family, char *buf, size_t len);
const char *nt_l4_name(int family, int proto);
/* "tcp" -> IPPROTO_TCP; "all" -> 0; -1 when unknown (icmp6 and ipv6-icmp are icmpv6). */
int nt_l4_parse(const char *s);
/* The name nt_l4_parse takes for @proto: "tcp", "icmpv6"; "other" when unknown. */
const char *nt_l4_key(int proto);
/* 4 or 6 for protocols of one IP version only (icmp, igmp / icmpv6), else 0. */
int nt_l4_family(int proto);
/* Whether the port filters apply (tcp, udp, or any protocol). */
bool nt_l4_has_ports(int proto);

#endif
