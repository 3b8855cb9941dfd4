// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Tiny programs, one per attach type, that `nettrail doctor` and the stage
 * layer load and attach one at a time to learn what this kernel allows. Each
 * counts a hit so doctor can also say whether it fired.
 */
#include "nt_common.bpf.h"

static __always_inline int hit(void)
{
	nt_count(NT_CNT_TOOL_BASE);
	return 0;
}

SEC("tracepoint/net/netif_receive_skb")
int nt_probe_tp(void *ctx) { return hit(); }

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(nt_probe_btf, struct sk_buff *skb) { return hit(); }

SEC("raw_tp/netif_receive_skb")
int BPF_PROG(nt_probe_raw, struct sk_buff *skb) { return hit(); }

/* fentry/fexit/kprobe/kretprobe/uprobe targets are set at run time. */
SEC("fentry/netif_rx")
int BPF_PROG(nt_probe_fentry) { return hit(); }

SEC("fexit/netif_rx")
int BPF_PROG(nt_probe_fexit) { return hit(); }

SEC("kprobe/netif_rx")
int BPF_KPROBE(nt_probe_kprobe) { return hit(); }

SEC("kretprobe/netif_rx")
int BPF_KRETPROBE(nt_probe_kretprobe) { return hit(); }

SEC("uprobe")
int BPF_KPROBE(nt_probe_uprobe) { return hit(); }

SEC("tc")
int nt_probe_tc(struct __sk_buff *skb) { hit(); return -1; /* TC_ACT_UNSPEC */ }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
