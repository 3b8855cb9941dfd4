// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The drop floor's user-space half (see drops.h). Reason names are read once
 * from BTF by name (NETFILTER_DROP is 12 on 6.18 and 7 on 6.1).
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "nt.h"
#include "addr.h"
#include "btfinfo.h"
#include "cli.h"
#include "iface.h"
#include "drops.h"
#include "ksyms.h"
#include "output.h"

/* Callers whose kfree_skb is a normal free on kernels without drop reasons
 * (from 5.17 the reason says it; from 6.4 such frees leave this tracepoint). */
static const char *normal_free_callers[] = {
	"icmp_rcv", "tcp_v4_rcv", "tcp_v4_do_rcv", "tcp_v6_rcv", "skb_release_data",
	"__kfree_skb", "tcp_recvmsg", "tcp_recvmsg_locked", "sk_stream_kill_queues",
	"udp_recvmsg", "unix_stream_read_generic", "netlink_recvmsg",
};

/* Reasons that are housekeeping rather than a lost packet. */
static const char *normal_reasons[] = { "QUEUE_PURGE" };

/* Frames that are the drop machinery itself, not the dropping function. */
static const char *drop_machinery[] = {
	"sk_skb_reason_drop", "kfree_skb_reason", "kfree_skb", "__kfree_skb",
	"kfree_skb_list_reason", "kfree_skb_list", "trace_kfree_skb", "__traceiter_kfree_skb",
	"perf_trace_kfree_skb", "trace_event_raw_event_kfree_skb",
};

/* ---- reason names ---------------------------------------------------------- */

#define REASON_CACHE 512
static char *reason_cache[REASON_CACHE];
static bool reasons_loaded, have_reasons;

static void cache_reason(const char *name, long long value, void *ctx)
{
	if (value >= 0 && value < REASON_CACHE && !reason_cache[value])
		reason_cache[value] = strdup(name);
}

void nt_drop_load_reasons(void)
{
	if (reasons_loaded)
		return;
	reasons_loaded = true;
	have_reasons = nt_btf_enum_foreach("skb_drop_reason", "SKB_DROP_REASON_", cache_reason,
					   NULL) > 0;
}

int nt_drop_planned(struct nt_run *r)
{
	nt_drop_load_reasons();
	return 0;
}

bool nt_drop_has_reasons(void)
{
	nt_drop_load_reasons();
	return have_reasons;
}

long long nt_drop_reason_value(const char *name)
{
	nt_drop_load_reasons();
	for (int i = 0; i < REASON_CACHE; i++)
		if (reason_cache[i] && !strcmp(reason_cache[i], name))
			return i;
	return -1;
}

const char *nt_drop_reason_name(__u32 reason, char *buf, size_t len)
{
	if (reason == NT_DROP_NO_REASON) {
		snprintf(buf, len, "NOT_SPECIFIED");
		return buf;
	}
	nt_drop_load_reasons();
	if (reason < REASON_CACHE && reason_cache[reason]) {
		snprintf(buf, len, "%s", reason_cache[reason]);
		return buf;
	}
	/* 6.x: the upper 16 bits name a subsystem with reasons of its own. */
	if (reason >> 16)
		snprintf(buf, len, "SUBSYS%u:%u", reason >> 16, reason & 0xffff);
	else
		snprintf(buf, len, "UNKNOWN(%u)", reason);
	return buf;
}

/* ---- stacks and locations -------------------------------------------------- */

/* Our program, BPF trampolines and bpf_trace_run<N>, or a drop function
 * (also as a compiler clone "name.isra.0"). */
static bool is_drop_function(const char *sym)
{
	for (size_t i = 0; i < NT_ARRAY_SIZE(drop_machinery); i++) {
		size_t l = strlen(drop_machinery[i]);

		if (!strncmp(sym, drop_machinery[i], l) && (sym[l] == 0 || sym[l] == '.'))
			return true;
	}
	return false;
}

static bool is_machinery(const char *sym)
{
	return !strncmp(sym, "bpf_", 4) || !strncmp(sym, "__bpf_", 6) || is_drop_function(sym);
}

/* Index of the innermost drop function among the first frames, or -1. Our own
 * program and the trampoline come before it; where the kernel does not list
 * BPF JIT images in kallsyms (bpf_jit_kallsyms=0, default on 5.10) they look
 * like the last module symbol, so the drop function is the anchor. */
static int drop_function_frame(const __u64 *stack, int n, const struct ksyms *ks)
{
	int last = -1;

	for (int i = 0; i < n && i < 8; i++) {
		const struct ksym *s = ksyms__map_addr(ks, stack[i]);

		if (s && is_drop_function(s->name))
			last = i;
		else if (last >= 0)
			break;
	}
	return last;
}

__u64 nt_drop_stack_location(const __u64 *stack, int n, const struct ksyms *ks)
{
	int k = drop_function_frame(stack, n, ks);

	if (k >= 0 && k + 1 < n)
		return stack[k + 1];
	for (int i = 0; i < n && i < NT_STACK_DEPTH; i++) {
		const struct ksym *s = ksyms__map_addr(ks, stack[i]);

		if (s && !is_machinery(s->name))
			return stack[i];
	}
	return 0;
}

__u64 nt_drop_location(const struct nt_drop_event *e, const struct ksyms *ks)
{
	if (e->location)
		return e->location;
	return nt_drop_stack_location(e->stack, e->stack_bytes > 0 ? e->stack_bytes / 8 : 0, ks);
}

int nt_stack_first_frame(const __u64 *stack, int n, const struct ksyms *ks)
{
	int i = drop_function_frame(stack, n, ks);

	if (i >= 0)
		return i;

	for (i = 0; i < n && i < NT_STACK_DEPTH; i++) {
		const struct ksym *s = ksyms__map_addr(ks, stack[i]);

		if (!s || (strncmp(s->name, "bpf_", 4) && strncmp(s->name, "__bpf", 5) &&
			   strncmp(s->name, "__traceiter_", 12) && strncmp(s->name, "perf_trace_", 11)))
			break;
	}
	return i < n ? i : 0;
}

/* ---- normal-free filter ---------------------------------------------------- */

void nt_drop_normal_filter(bool disabled, __u32 *reasons, __u32 *nreasons, __u64 *lo,
			   __u64 *hi, __u32 *n)
{
	struct ksyms *ks;
	__u32 k = 0;

	if (disabled)
		return;
	if (nt_drop_has_reasons()) {
		for (size_t i = 0; i < NT_ARRAY_SIZE(normal_reasons); i++) {
			long long v = nt_drop_reason_value(normal_reasons[i]);

			if (v >= 0 && k < NT_DROP_MAX_NORMAL_REASONS)
				reasons[k++] = (__u32)v;
		}
		*nreasons = k;
		return;
	}
	ks = nt_ksyms();
	for (size_t i = 0; i < NT_ARRAY_SIZE(normal_free_callers) && k < NT_DROP_MAX_NORMAL; i++) {
		uint64_t a, b;

		if (!ks || !ksyms__range(ks, normal_free_callers[i], &a, &b))
			continue;
		lo[k] = a;
		hi[k] = b;
		k++;
	}
	*n = k;
	nt_dbg("no drop reasons in this kernel: skipping frees from %u normal callers", k);
}

/* ---- eth_drop's event ------------------------------------------------------ */

void nt_drop_endpoint(const struct nt_pkt *p, bool src, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	__u16 port = src ? p->sport : p->dport;

	nt_addr_str(src ? &p->saddr : &p->daddr, p->family, a, sizeof(a));
	if (p->family == 6 && port)
		snprintf(buf, len, "[%s]:%u", a, port);
	else if (port)
		snprintf(buf, len, "%s:%u", a, port);
	else
		snprintf(buf, len, "%s", a);
}

static void where_str(const struct nt_drop_event *e, const struct ksyms *ks, char *buf,
		      size_t len)
{
	__u64 loc = nt_drop_location(e, ks);

	if (loc)
		ksyms__fmt(ks, loc, buf, len);
	else
		snprintf(buf, len, "-");
}

void nt_drop_event_json(struct nt_json *j, const struct nt_drop_event *e, const struct ksyms *ks)
{
	char a[INET6_ADDRSTRLEN], sym[160], reason[64];

	nt_json_str(j, "ifname", e->ifname);
	nt_json_u64(j, "ifindex", e->dev.ifindex);
	nt_json_u64(j, "netns", e->dev.netns);
	nt_json_str(j, "family", e->pkt.family == 4 ? "ipv4" : e->pkt.family == 6 ? "ipv6" : "other");
	if (!e->pkt.family) {
		snprintf(a, sizeof(a), "0x%04x", e->pkt.l3_proto);
		nt_json_str(j, "ethertype", a);
	}
	nt_json_str(j, "proto", nt_l4_name(e->pkt.family, e->pkt.l4_proto));
	nt_json_str(j, "src_ip", e->pkt.family ? nt_addr_str(&e->pkt.saddr, e->pkt.family, a, sizeof(a)) : "");
	nt_json_str(j, "dst_ip", e->pkt.family ? nt_addr_str(&e->pkt.daddr, e->pkt.family, a, sizeof(a)) : "");
	nt_json_u64(j, "src_port", e->pkt.sport);
	nt_json_u64(j, "dst_port", e->pkt.dport);
	if (e->pkt.l4_proto == IPPROTO_ICMP || e->pkt.l4_proto == IPPROTO_ICMPV6) {
		nt_json_u64(j, "icmp_type", e->pkt.icmp_type);
		nt_json_u64(j, "icmp_code", e->pkt.icmp_code);
	}
	nt_json_str(j, "reason", nt_drop_reason_name(e->reason, reason, sizeof(reason)));
	if (e->reason != NT_DROP_NO_REASON)
		nt_json_u64(j, "reason_code", e->reason);
	where_str(e, ks, sym, sizeof(sym));
	nt_json_str(j, "location", sym);
	nt_json_u64(j, "len", e->len);
	nt_json_u64(j, "pid", e->pid);
	nt_json_str(j, "comm", e->comm);
	nt_json_u64(j, "cpu", e->cpu);
	if (e->stack_bytes >= 0) {
		int n = e->stack_bytes / 8;

		nt_json_arr(j, "stack");
		for (int i = nt_stack_first_frame(e->stack, n, ks); i < n && i < NT_STACK_DEPTH; i++)
			nt_json_str(j, NULL, ksyms__fmt(ks, e->stack[i], sym, sizeof(sym)));
		nt_json_arr_end(j);
	}
}

void nt_drop_text_header(void)
{
	nt_text("%-12s %-10s %-6s %s  %s  %s\n", "TIME", "INTERFACE", "PROTO",
		"SRC_IP:PORT -> DST_IP:PORT", "REASON", "LOCATION");
}

void nt_drop_event_text(const struct nt_drop_event *e, bool verbose, const struct ksyms *ks)
{
	char when[32], src[64], dst[64], sym[160], proto[16], reason[64], where[160];

	nt_fmt_clock(nt_mono_to_wall_ns(e->ts), when, sizeof(when));
	if (e->pkt.family) {
		nt_drop_endpoint(&e->pkt, true, src, sizeof(src));
		nt_drop_endpoint(&e->pkt, false, dst, sizeof(dst));
		snprintf(proto, sizeof(proto), "%s", nt_l4_name(e->pkt.family, e->pkt.l4_proto));
	} else {
		snprintf(src, sizeof(src), "-");
		snprintf(dst, sizeof(dst), "-");
		snprintf(proto, sizeof(proto), "0x%04x", e->pkt.l3_proto);
	}
	where_str(e, ks, where, sizeof(where));
	nt_text("%-12s %-10s %-6s %s -> %s  %s  %s\n", when, e->ifname[0] ? e->ifname : "-",
		proto, src, dst, nt_drop_reason_name(e->reason, reason, sizeof(reason)), where);
	if (verbose)
		nt_text("  pid=%u comm=%s cpu=%u len=%u netns=%u ifindex=%u\n", e->pid, e->comm,
			e->cpu, e->len, e->dev.netns, e->dev.ifindex);
	if (e->stack_bytes > 0) {
		int n = e->stack_bytes / 8;

		nt_text("  Stack:\n");
		for (int i = nt_stack_first_frame(e->stack, n, ks); i < n && i < NT_STACK_DEPTH; i++)
			nt_text("    %s\n", ksyms__fmt(ks, e->stack[i], sym, sizeof(sym)));
	}
}

/* ---- filters --------------------------------------------------------------- */

