// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vhost_eventfd_count — how often does vhost interrupt each VM queue? (manual
 * 3.8.2; the guest's notification rate)
 *
 * Kernel events: vhost_add_used_and_signal_n (fentry, kprobe): a vhost worker
 * completed buffers on a virtqueue and signals the guest unless told not to;
 * counted per (virtqueue, call eventfd), the eventfd learnt. eventfd_signal
 * (eventfd_signal_mask from 6.8): each signal of a learnt eventfd, the guest's
 * interrupt through KVM's irqfd. Per queue: completions, buffers, signals, and
 * who it is — its index in the vhost device (vhost-net: 0 rx, 1 tx), the tap
 * behind it, the qemu that owns it and the call eventfd's fd number in that
 * qemu (matched by the eventfd's id in /proc/PID/fdinfo), never typed in.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/btf.h>
#include <bpf/bpf.h>
#include "nt.h"
#include "tool.h"
#include "btfinfo.h"
#include "cli.h"
#include "iface.h"
#include "output.h"
#include "run.h"
#include "vhost_eventfd.h"
#include "vhost_eventfd_count.skel.h"

static const struct nt_stage stages[] = {
	{ "used", "vhost completes a virtqueue's buffers (and may signal the guest)", false, {
		{ NT_PK_FENTRY, "vhost_add_used_and_signal_n", "nt_ve_used_fe" },
		{ NT_PK_KPROBE, "vhost_add_used_and_signal_n", "nt_ve_used_kp" } } },
	{ "signal", "an eventfd is signalled (a queue's call eventfd: the guest's interrupt)",
	  false, {
		{ NT_PK_FENTRY, "eventfd_signal", "nt_ve_signal_fe" },
		{ NT_PK_KPROBE, "eventfd_signal", "nt_ve_signal_kp" },
		{ NT_PK_FENTRY, "eventfd_signal_mask", "nt_ve_signal_fe" },
		{ NT_PK_KPROBE, "eventfd_signal_mask", "nt_ve_signal_kp" } } },
};

struct config {
	struct nt_iflist devs;
	unsigned long long pid;
	double interval;
	bool clear;
};

#define C struct config
static const struct nt_opt options[] = {
	NT_OPT_ROW("device", 0, "TAP[,TAP]", "only the queues whose backend is one of these taps",
		   NT_OPT_IFLIST, C, devs, 0),
	NT_OPT_ROW("interface", 0, "TAP[,TAP]", "same as --device", NT_OPT_IFLIST, C, devs, 0),
	NT_OPT_ROW("vm-interface", 0, "TAP[,TAP]", "same as --device", NT_OPT_IFLIST, C, devs, 0),
	NT_OPT_U("pid", "PID", "only the queues of this qemu (the vhost device's owner)", C, pid,
		 1, 4194304, NULL),
	NT_OPT_INTERVAL('i', C, interval, "print the counts every SEC seconds (default 1)"),
	NT_OPT_ROW("clear", 'c', NULL, "print each interval's counts, not the running totals",
		   NT_OPT_FLAG, C, clear, 0),
};
#undef C

static struct config cfg = { .interval = 1 };

static int validate(void *c_)
{
	const struct config *c = c_;

	return c->devs.str ? nt_iface_check_taps("--device", &c->devs) : 0;
}

/* ---- rows ------------------------------------------------------------------ */

struct row {
	struct ve_key k;
	struct ve_val v, prev;
	int call_fd;                    /* the eventfd's fd in its owner; -1 none, 0 not looked up */
};

static struct tool {
	struct vhost_eventfd_count_bpf *skel;
	struct row rows[VE_MAX_ROWS];
	int nrows;
	uint64_t start_ns, last_ns;     /* the run's start, the last report (monotonic) */
} tool;

/* The qemu a queue belongs to: its worker is "vhost-<qemu pid>" (a kernel thread up
 * to 6.3, a thread of qemu itself after). */
static unsigned owner_of(const struct ve_val *v)
{
	const char *c = v->comm;
	char *end;
	unsigned long pid;

	if (!strncmp(c, "vhost-", 6) && isdigit((unsigned char)c[6])) {
		pid = strtoul(c + 6, &end, 10);
		if (!*end && pid)
			return (unsigned)pid;
	}
	return v->tgid;
}

/* The fd of eventfd @id in process @pid (its fdinfo says "eventfd-id: ID"); -1 if none. */
static int eventfd_fd(unsigned pid, unsigned id)
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

			if (sscanf(line, "eventfd-id: %u", &v) == 1 && v == id) {
				found = atoi(de->d_name);
				break;
			}
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

static const char *role(const struct ve_val *v, char *buf, size_t len)
{
	if (v->tap_queue >= 0 && v->index == 0)
		return "rx";
	if (v->tap_queue >= 0 && v->index == 1)
		return "tx";
	snprintf(buf, len, "vq%d", v->index);
	return buf;
}

static bool shown(const struct row *r)
{
	char name[IF_NAMESIZE];
	bool tap = !cfg.devs.n;

	if (cfg.pid && owner_of(&r->v) != cfg.pid)
		return false;
	for (int i = 0; i < cfg.devs.n && !tap; i++)
		tap = !strcmp(r->v.tap, nt_iface_name(&cfg.devs.ref[i], name, sizeof(name)));
	return tap;
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	unsigned ox = owner_of(&x->v), oy = owner_of(&y->v);

	if (ox != oy)
		return ox < oy ? -1 : 1;
	if (strcmp(x->v.tap, y->v.tap))
		return strcmp(x->v.tap, y->v.tap);
	if (x->v.tap_queue != y->v.tap_queue)
		return x->v.tap_queue < y->v.tap_queue ? -1 : 1;
	return x->v.index < y->v.index ? -1 : x->v.index > y->v.index;
}

static void read_rows(struct tool *t)
{
	NT_MAP_MIRROR(bpf_map__fd(t->skel->maps.queues), t->rows, &t->nrows, k, v);
	for (int i = 0; i < t->nrows; i++)
		if (!t->rows[i].call_fd)
			t->rows[i].call_fd = t->rows[i].v.ctx_id ?
				eventfd_fd(owner_of(&t->rows[i].v), t->rows[i].v.ctx_id) : -1;
	qsort(t->rows, t->nrows, sizeof(t->rows[0]), row_cmp);
}

/* ---- output ---------------------------------------------------------------- */

static void row_json(struct nt_json *j, const struct row *r, const struct ve_val *d, double rate)
{
	char hex[24], rb[16];

	nt_json_obj(j, NULL);
	nt_json_u64(j, "owner_pid", owner_of(&r->v));
	nt_json_str(j, "worker", r->v.comm);
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)r->k.vq);
	nt_json_str(j, "vq", hex);
	nt_json_i64(j, "index", r->v.index);
	nt_json_str(j, "role", role(&r->v, rb, sizeof(rb)));
	nt_json_str(j, "tap", r->v.tap);
	nt_json_i64(j, "tap_queue", r->v.tap_queue);
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)r->k.ctx);
	nt_json_str(j, "eventfd", hex);
	nt_json_u64(j, "eventfd_id", r->v.ctx_id);
	nt_json_i64(j, "call_fd", r->call_fd);
	nt_json_u64(j, "calls", d->calls);
	nt_json_u64(j, "used", d->used);
	nt_json_u64(j, "signals", d->signals);
	nt_json_f64(j, "signals_per_sec", rate);
	nt_json_obj_end(j);
}

static void row_text(const struct row *r, const struct ve_val *d, double rate)
{
	char tapq[32] = "-", fd[16] = "-", rb[16];

	if (r->v.tap[0])
		snprintf(tapq, sizeof(tapq), "%s:%d", r->v.tap, r->v.tap_queue);
	if (r->call_fd >= 0)
		snprintf(fd, sizeof(fd), "%d", r->call_fd);
	nt_text("  %-8u %-5s %-16s 0x%-16llx 0x%-16llx %5s %10llu %10llu %10.1f\n",
		owner_of(&r->v), role(&r->v, rb, sizeof(rb)), tapq, (unsigned long long)r->k.vq,
		(unsigned long long)r->k.ctx, fd, (unsigned long long)d->calls,
		(unsigned long long)d->signals, rate);
}

/* every --interval (whole false) and for the run: counts (the interval's with
 * --clear, else the totals) and the signal rate over the interval (the run) */
static void report(void *ctx, bool whole)
{
	struct tool *t = ctx;
	uint64_t now = nt_mono_ns(), mfull = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_MAP_FULL);
	double secs = (double)(now - t->last_ns) / 1e9;
	struct nt_json *j = NULL;
	char when[32];
	int n = 0;

	read_rows(t);
	nt_fmt_clock(nt_mono_to_wall_ns(now), when, sizeof(when));
	if (whole)
		secs = (double)(now - t->start_ns) / 1e9;
	if (nt_out_json()) {
		j = nt_json_begin(whole ? "summary" : "interval", 0);
		nt_json_f64(j, "seconds", secs);
		nt_json_arr(j, "queues");
	} else {
		nt_text("%s[%s] vhost signals per virtqueue (%s)\n", whole ? "\n" : "", when,
			whole ? "whole run" : cfg.clear ? "this interval" : "totals");
		nt_text("  %-8s %-5s %-16s %-18s %-18s %5s %10s %10s %10s\n", "OWNER", "VQ",
			"TAP:QUEUE", "VQ_PTR", "EVENTFD_PTR", "FD", "CALLS", "SIGNALS", "SIGNALS/s");
	}
	for (int i = 0; i < t->nrows; i++) {
		struct row *r = &t->rows[i];
		struct ve_val d = r->v;
		double rate = secs > 0 ? (double)(r->v.signals - (whole ? 0 : r->prev.signals)) / secs : 0;

		if (!whole && cfg.clear) {
			d.calls -= r->prev.calls;
			d.used -= r->prev.used;
			d.signals -= r->prev.signals;
		}
		if (!whole)
			r->prev = r->v;
		if (!shown(r))
			continue;
		n++;
		if (j)
			row_json(j, r, &d, rate);
		else
			row_text(r, &d, rate);
	}
	t->last_ns = now;
	if (j) {
		nt_json_arr_end(j);
		nt_json_u64(j, "map_full", mfull);
		nt_json_end(j);
		return;
	}
	if (!n)
		nt_text("  no vhost completion on the watched queues\n");
	if (whole || mfull)
		nt_text("Map full: %llu\n", (unsigned long long)mfull);
}

/* ---- the tool ------------------------------------------------------------- */

NT_SKEL(vhost_eventfd_count);

static int planned(struct nt_run *r)
{
	if (nt_btf_has_type("vhost_virtqueue", BTF_KIND_STRUCT))
		return 0;
	if (r->common.btf_path)
		nt_err("struct vhost_virtqueue is not in the --btf file %s: the virtqueues cannot "
		       "be read", r->common.btf_path);
	else
		nt_err("struct vhost_virtqueue is in no BTF of this kernel (vhost is a module here, "
		       "and modules carry BTF from 5.11 on): the virtqueues cannot be read; give "
		       "--btf FILE with the kernel's and vhost's types");
	return NT_EXIT_RUNTIME;
}

static int configure(struct nt_run *r)
{
	tool.skel = r->skel;
	r->ctx = &tool;
	r->tick_ms = (int)(cfg.interval * 1000);
	tool.start_ns = tool.last_ns = nt_mono_ns();
	return 0;
}

static void describe(struct nt_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "vhost's signals per virtqueue%s%s, every %g s",
		 cfg.devs.str ? " behind " : "", cfg.devs.str ? cfg.devs.str : "", cfg.interval);
}

static const struct nt_tool_hooks hooks = {
	.planned = planned,
	.configure = configure,
	.describe = describe,
	.report = report,
};

const struct nt_tool_def vhost_eventfd_count_tool = {
	.cli = {
		.tool = "vhost_eventfd_count",
		.synopsis = "[--device TAP[,TAP]] [--pid PID] [--interval SEC] [--clear] [options]",
		.description =
			"Count how often vhost signals each virtqueue's guest: the vhost worker\n"
			"completes the buffers of a queue and signals its call eventfd, which KVM\n"
			"turns into the guest's interrupt. Per (virtqueue, eventfd): completions\n"
			"(CALLS), buffers, signals and the signal rate, with who the queue is: its\n"
			"qemu, its role (vhost-net: rx into the guest, tx out of it), the tap behind\n"
			"it and the eventfd's fd in that qemu (/proc/PID/fd). Signals fewer than\n"
			"completions: the guest asked for no interrupt (it is polling). Needs\n"
			"function probes (fentry or kprobe) and vhost's BTF. Overhead: low (two\n"
			"probes per completion batch).",
		.examples =
			"  nettrail vhost_eventfd_count\n"
			"  nettrail vhost_eventfd_count --device vnet0 --interval 5 --clear\n"
			"  nettrail vhost_eventfd_count --pid 4242 --duration 10 --json\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.validate = validate,
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &vhost_eventfd_count_skel,
	.hooks = &hooks,
	.ctx = &tool,
};
