// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vhost_queue_correlation_simple, vhost_queue_correlation_details — what do the
 * vhost virtqueues behind one tap queue look like, event by event? (manual 3.8.2)
 *
 * One BPF object (vhost_queue_correlation.bpf.c), two tools. The simple one
 * reports each completion of a virtqueue whose backend is the watched tap queue
 * (rx and tx): vhost's indexes, used flags, last signalled index and features,
 * the guest's avail flags and used_event, the buffers completed, and whether
 * the guest was signalled. The details one adds the worker's handle_rx (the rx
 * virtqueue then) and each read from the tap (its ring's indexes).
 */
#include <stdlib.h>
#include <string.h>
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "iface.h"
#include "output.h"
#include "run.h"
#include "tun_common.h"
#include "vhost_common.h"
#include "vhost_corr.h"
#include "vhost_queue_correlation.skel.h"

#define USED_STAGE { "used", "vhost completes a virtqueue's buffers (entry: its state; exit: the event)", \
	false, {                                                                            \
		{ NT_PK_FEXIT, "vhost_add_used_and_signal_n", "nt_vc_used_fx", 0,             \
		  "vhost_add_used_and_signal_n", "nt_vc_used_fe" },                            \
		{ NT_PK_KRETPROBE, "vhost_add_used_and_signal_n", "nt_vc_used_krp", 0,        \
		  "vhost_add_used_and_signal_n", "nt_vc_used_kp" } } }
#define SIGNAL_STAGE { "signal", "an eventfd is signalled (the completed queue's call eventfd)", \
	false, {                                                                            \
		{ NT_PK_FENTRY, "eventfd_signal", "nt_vc_signal_fe" },                        \
		{ NT_PK_KPROBE, "eventfd_signal", "nt_vc_signal_kp" },                        \
		{ NT_PK_FENTRY, "eventfd_signal_mask", "nt_vc_signal_fe" },                   \
		{ NT_PK_KPROBE, "eventfd_signal_mask", "nt_vc_signal_kp" } } }

static const struct nt_stage simple_stages[] = { USED_STAGE, SIGNAL_STAGE };
static const struct nt_stage details_stages[] = {
	USED_STAGE,
	SIGNAL_STAGE,
	{ "handle_rx", "the vhost worker starts moving the tap's packets to the guest", false, {
		{ NT_PK_FENTRY, "handle_rx", "nt_vc_handle_rx_fe" },
		{ NT_PK_KPROBE, "handle_rx", "nt_vc_handle_rx_kp" } } },
	{ "recv", "vhost reads a packet from the tap", false, {
		{ NT_PK_FENTRY, "tun_recvmsg", "nt_vc_recv_fe" },
		{ NT_PK_KPROBE, "tun_recvmsg", "nt_vc_recv_kp" } } },
};

struct config {
	struct tr_taps taps;
	bool verbose;
};

#define C struct config
static const struct nt_opt options[] = {
	TR_OPTS_TAPS(C, taps),
	NT_OPT_B("verbose", "also print the ring addresses' side: features, used_event, signalled index",
		 C, verbose),
};
#undef C

static struct config cfg = { .taps.queue = TR_ANY_QUEUE };

static int validate(void *c_)
{
	return tr_taps_validate(&((struct config *)c_)->taps);
}

static struct tool {
	struct vhost_queue_correlation_bpf *skel;
	uint64_t events[3];
} tool;

static const char *const type_names[] = { "signal", "handle_rx", "recv" };
static const char *const type_banners[] = { "VHOST SIGNAL", "VHOST HANDLE_RX", "TUN RECV" };

static const char *role(int index)
{
	return index == 0 ? "rx" : index == 1 ? "tx" : "-";
}

/* ---- events ---------------------------------------------------------------- */

static void vring_json(struct nt_json *j, const struct vc_vring *v)
{
	nt_json_u64(j, "num", v->num);
	nt_json_u64(j, "avail_idx", v->avail_idx);
	nt_json_u64(j, "last_avail_idx", v->last_avail_idx);
	nt_json_u64(j, "last_used_idx", v->last_used_idx);
	nt_json_u64(j, "used_flags", v->used_flags);
	nt_json_u64(j, "signalled_used", v->signalled_used);
	nt_json_bool(j, "signalled_used_valid", v->signalled_used_valid);
	nt_json_u64(j, "acked_features", v->acked_features);
	nt_json_bool(j, "guest_readable", v->guest_ok);
	nt_json_u64(j, "guest_avail_flags", v->guest_avail_flags);
	nt_json_u64(j, "guest_used_event", v->guest_used_event);
}

static void event_json(const struct vc_event *e)
{
	struct nt_json *j = nt_json_begin("event", nt_mono_to_wall_ns(e->ts));
	char ifn[32], hex[24];

	nt_json_str(j, "event", type_names[e->type]);
	nt_json_str(j, "interface", nt_iface_name(&e->q.dev, ifn, sizeof(ifn)));
	nt_json_u64(j, "queue", e->q.queue);
	if (e->type == VC_RECV) {
		nt_json_u64(j, "size", e->ring.size);
		nt_json_u64(j, "producer", e->ring.producer);
		nt_json_u64(j, "consumer_head", e->ring.consumer_head);
		nt_json_u64(j, "consumer_tail", e->ring.consumer_tail);
		nt_json_u64(j, "used", e->ring.used);
	} else {
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)e->vq);
		nt_json_str(j, "vq", hex);
		nt_json_i64(j, "vq_index", e->index);
		nt_json_str(j, "role", role(e->index));
		vring_json(j, &e->vr);
	}
	if (e->type == VC_SIGNAL) {
		nt_json_u64(j, "count", e->count);
		nt_json_bool(j, "signalled", e->signalled);
	}
	nt_json_u64(j, "pid", e->pid);
	nt_json_str(j, "comm", e->comm);
	nt_json_end(j);
}

/* the reference's block: a banner, the header, the virtqueue's state, the guest's side */
static void event_text(const struct vc_event *e)
{
	char when[32], ifn[32];
	const struct vc_vring *v = &e->vr;

	nt_fmt_clock(nt_mono_to_wall_ns(e->ts), when, sizeof(when));
	nt_text("================================================================================\n"
		"%s  Time: %s  Device: %s  Queue: %u  Process: %s (PID: %u)\n", type_banners[e->type],
		when, nt_iface_name(&e->q.dev, ifn, sizeof(ifn)), e->q.queue, e->comm, e->pid);
	if (e->type == VC_RECV) {
		nt_text("PTR Ring: size %u, producer %u, consumer_head %u, consumer_tail %u, used %u\n",
			e->ring.size, e->ring.producer, e->ring.consumer_head, e->ring.consumer_tail,
			e->ring.used);
		return;
	}
	nt_text("VQ: 0x%llx (%s, index %d, %u descriptors)\n"
		"VQ State: avail_idx=%u last_avail=%u last_used=%u used_flags=0x%x\n",
		(unsigned long long)e->vq, role(e->index), e->index, v->num, v->avail_idx,
		v->last_avail_idx, v->last_used_idx, v->used_flags);
	if (e->type == VC_SIGNAL)
		nt_text("Completed: %u buffers, guest signalled: %s\n", e->count,
			e->signalled ? "yes" : "no");
	if (v->guest_ok)
		nt_text("Guest: avail_flags=0x%x%s\n", v->guest_avail_flags,
			v->guest_avail_flags & 1 ? " (NO_INTERRUPT)" : "");
	else
		nt_text("Guest: rings not readable\n");
	if (cfg.verbose)
		nt_text("  features=0x%llx used_event=%u signalled_used=%u (%s)\n",
			(unsigned long long)v->acked_features, v->guest_used_event, v->signalled_used,
			v->signalled_used_valid ? "valid" : "not valid");
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct tool *t = ctx;
	const struct vc_event *e = data;

	if (len < sizeof(*e) || e->type > VC_RECV)
		return 0;
	t->events[e->type]++;
	if (nt_out_json())
		event_json(e);
	else
		event_text(e);
	return 0;
}

static void finish(struct nt_run *r)
{
	uint64_t lost = nt_counter_sum(tool.skel->maps.nt_counters, NT_CNT_LOST_EVENTS);
	struct nt_json *j;

	if (!nt_out_json()) {
		nt_text("\nEvents: %llu signal, %llu handle_rx, %llu recv; lost: %llu\n",
			(unsigned long long)tool.events[VC_SIGNAL],
			(unsigned long long)tool.events[VC_HANDLE_RX],
			(unsigned long long)tool.events[VC_RECV], (unsigned long long)lost);
		return;
	}
	j = nt_json_begin("summary", 0);
	nt_json_u64(j, "signal_events", tool.events[VC_SIGNAL]);
	nt_json_u64(j, "handle_rx_events", tool.events[VC_HANDLE_RX]);
	nt_json_u64(j, "recv_events", tool.events[VC_RECV]);
	nt_json_u64(j, "lost_events", lost);
	nt_json_end(j);
}

/* ---- the tools ------------------------------------------------------------- */

NT_SKEL(vhost_queue_correlation);

static int configure(struct nt_run *r)
{
	struct vhost_queue_correlation_bpf *skel = r->skel;

	tool.skel = skel;
	r->ctx = &tool;
	tr_taps_rodata(&cfg.taps, skel->rodata->targ_devs, &skel->rodata->targ_ndevs,
		       &skel->rodata->targ_queue);
	return 0;
}

static void describe(struct nt_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "the vhost virtqueues behind %s%s", cfg.taps.devs.str,
		 cfg.taps.queue == TR_ANY_QUEUE ? "" : " (one queue)");
}

static const struct nt_tool_hooks hooks = {
	.planned = vq_tap_need_btf,
	.configure = configure,
	.describe = describe,
	.on_event = on_event,
	.finish = finish,
};

#define VC_CLI(name, what, cost)                                                             \
	.tool = name,                                                                        \
	.synopsis = "--device TAP [--queue N] [--verbose] [options]",                        \
	.description =                                                                       \
		"The vhost virtqueues behind a tap queue (found from the kernel's objects, no\n" \
		"offsets), event by event: each completion of their buffers with vhost's\n"     \
		"indexes (avail, last_avail, last_used), its used flags, the guest's avail\n"   \
		"flags (NO_INTERRUPT: the guest polls) and whether the guest was signalled.\n"  \
		what                                                                         \
		"Needs function probes (fentry/fexit or kprobes) and the tun and vhost BTF.\n"  \
		"Overhead: " cost,                                                           \
	.examples =                                                                          \
		"  nettrail " name " --device vnet0\n"                                        \
		"  nettrail " name " --vm-interface vnet0 --queue 0 --verbose\n"              \
		"  nettrail " name " --device vnet0 --duration 5 --json\n",                   \
	.opts = options,                                                                     \
	.nopts = NT_ARRAY_SIZE(options),                                                     \
	.validate = validate,                                                                \
	.cfg = &cfg

const struct nt_tool_def vhost_queue_correlation_simple_tool = {
	.cli = { VC_CLI("vhost_queue_correlation_simple", "",
			"an event per completion batch of the tap's queues.") },
	.stages = simple_stages,
	.nstages = NT_ARRAY_SIZE(simple_stages),
	.skel = &vhost_queue_correlation_skel,
	.hooks = &hooks,
	.ctx = &tool,
};

const struct nt_tool_def vhost_queue_correlation_details_tool = {
	.cli = { VC_CLI("vhost_queue_correlation_details",
			"Also each handle_rx (the rx virtqueue when the worker starts) and each\n"
			"read from the tap (its ring's producer and consumer).\n",
			"variable: an event per packet vhost reads besides.") },
	.stages = details_stages,
	.nstages = NT_ARRAY_SIZE(details_stages),
	.skel = &vhost_queue_correlation_skel,
	.hooks = &hooks,
	.ctx = &tool,
};
