// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "addr.h"

bool nt_addr_parse(const char *s, union nt_addr *a, __u8 *family)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		*family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, a->v6) == 1) {
		*family = 6;
		return true;
	}
	return false;
}

const char *nt_addr_str(const union nt_addr *a, int family, char *buf, size_t len)
{
	if (family == 4)
		inet_ntop(AF_INET, &a->v4, buf, len);
	else if (family == 6)
		inet_ntop(AF_INET6, a->v6, buf, len);
	else
		snprintf(buf, len, "-");
	return buf;
}

static const struct { int proto; const char *name; } l4_names[] = {
	{ IPPROTO_TCP, "tcp" }, { IPPROTO_UDP, "udp" }, { IPPROTO_ICMP, "icmp" },
	{ IPPROTO_ICMPV6, "icmpv6" }, { IPPROTO_SCTP, "sctp" }, { IPPROTO_GRE, "gre" },
	{ IPPROTO_ESP, "esp" }, { IPPROTO_IGMP, "igmp" },
};

const char *nt_l4_name(int family, int proto)
{
	static const char *upper[] = { "TCP", "UDP", "ICMP", "ICMPv6", "SCTP", "GRE", "ESP", "IGMP" };

	if (!family)
		return "-";
	for (size_t i = 0; i < sizeof(l4_names) / sizeof(l4_names[0]); i++)
		if (l4_names[i].proto == proto)
			return upper[i];
	return "OTHER";
}

/* Other spellings users bring (/etc/protocols, ip6tables, tcpdump). */
static const struct { int proto; const char *name; } l4_aliases[] = {
	{ IPPROTO_ICMPV6, "icmp6" }, { IPPROTO_ICMPV6, "ipv6-icmp" },
};

int nt_l4_parse(const char *s)
{
	if (!strcasecmp(s, "all"))
		return 0;
	for (size_t i = 0; i < sizeof(l4_aliases) / sizeof(l4_aliases[0]); i++)
		if (!strcasecmp(s, l4_aliases[i].name))
			return l4_aliases[i].proto;
	for (size_t i = 0; i < sizeof(l4_names) / sizeof(l4_names[0]); i++)
		if (!strcasecmp(s, l4_names[i].name))
			return l4_names[i].proto;
	return -1;
}

const char *nt_l4_key(int proto)
{
	for (size_t i = 0; i < sizeof(l4_names) / sizeof(l4_names[0]); i++)
		if (l4_names[i].proto == proto)
			return l4_names[i].name;
	return "other";
}

int nt_l4_family(int proto)
{
	switch (proto) {
	case IPPROTO_ICMP:
	case IPPROTO_IGMP:
		return 4;
	case IPPROTO_ICMPV6:
		return 6;
	}
	return 0;
}

bool nt_l4_has_ports(int proto)
{
	return !proto || proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}
