// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * virtnet_irq_monitor: the watched IRQs' handler calls per CPU, their return
 * values and handler time, from irq:irq_handler_entry / irq_handler_exit.
 * Hard IRQ handlers do not nest on a CPU, so the entry time is kept per CPU.
 */
#include "nt_common.bpf.h"
#include "virtnet.h"

const volatile __u32 targ_irqs[VN_MAX_IRQS] = {};
const volatile __u32 targ_nirqs = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VN_MAX_ROWS);
	__type(key, struct vn_irq_key);
	__type(value, struct vn_irq_val);
} irqs SEC(".maps");

struct entry {
	__u64 ts;
	__s32 irq;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct entry);
} entered SEC(".maps");

static __always_inline bool watched(int irq)
{
#pragma unroll
	for (int i = 0; i < VN_MAX_IRQS; i++) {
		if (i >= targ_nirqs)
			break;
		if (targ_irqs[i] == (__u32)irq)
			return true;
	}
	return false;
}

static __always_inline int on_entry(int irq)
{
	__u32 zero = 0;
	struct entry *e;

	if (!watched(irq) || !(e = bpf_map_lookup_elem(&entered, &zero)))
		return 0;
	e->ts = bpf_ktime_get_ns();
	e->irq = irq;
	return 0;
}

static __always_inline int on_exit(int irq, int ret)
{
	struct vn_irq_key k = { .irq = irq, .cpu = bpf_get_smp_processor_id() };
	struct vn_irq_val *v, init = {};
	__u32 zero = 0;
	struct entry *e = bpf_map_lookup_elem(&entered, &zero);
	__u64 ns;

	if (!e || e->irq != irq || !e->ts)
		return 0;
	ns = bpf_ktime_get_ns() - e->ts;
	e->ts = 0;
	v = bpf_map_lookup_elem(&irqs, &k);
	if (!v) {
		bpf_map_update_elem(&irqs, &k, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&irqs, &k);
		if (!v) {
			nt_count(NT_CNT_MAP_FULL);
			return 0;
		}
	}
	/* the key holds the CPU: only this CPU writes the row */
	v->calls++;
	if (ret)
		v->handled++;
	else
		v->none++;
	v->ns_sum += ns;
	if (ns > v->ns_max)
		v->ns_max = ns;
	return 0;
}

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(nt_vni_entry_btf, int irq, struct irqaction *action) { return on_entry(irq); }
SEC("raw_tp/irq_handler_entry")
int BPF_PROG(nt_vni_entry_raw, int irq, struct irqaction *action) { return on_entry(irq); }
SEC("tracepoint/irq/irq_handler_entry")
int nt_vni_entry_tp(struct trace_event_raw_irq_handler_entry *ctx) { return on_entry(ctx->irq); }

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(nt_vni_exit_btf, int irq, struct irqaction *action, int ret) { return on_exit(irq, ret); }
SEC("raw_tp/irq_handler_exit")
int BPF_PROG(nt_vni_exit_raw, int irq, struct irqaction *action, int ret) { return on_exit(irq, ret); }
SEC("tracepoint/irq/irq_handler_exit")
int nt_vni_exit_tp(struct trace_event_raw_irq_handler_exit *ctx) { return on_exit(ctx->irq, ctx->ret); }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
