// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * drop_monitor_controller — capture drop details only when drops start.
 * (manual 3.4/3.7: leave it running, get eth_drop's output of the incident)
 *
 * Kernel event: skb:kfree_skb (the drop floor's programs, as eth_drop). While
 * watching, the kernel only counts drops matching the filters in a per-CPU
 * counter; with --interface the device's rx_dropped/tx_dropped counters are
 * watched too. When the rate (sampled every 250 ms) stays above --threshold
 * drops/s for --sustain seconds, a trigger is printed and eth_drop's capture
 * (headers, reason, location, stack per drop) is switched on in the same BPF
 * object for --capture-seconds, then off again; watching resumes. No other
 * process is started: the capture is a flag the kernel side checks.
 * With --log-dir each capture is also written to its own file there, the
 * trigger first (text or JSON lines, as on stdout).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "nt.h"
#include "tool.h"
#include "btfinfo.h"
#include "cli.h"
#include "drops.h"
#include "iface.h"
#include "ksyms.h"
#include "output.h"
#include "run.h"
#include "drop_monitor_controller.h"
#include "drop_monitor_controller.skel.h"

static const struct nt_stage stages[] = {
	{ "drop", "the kernel frees an skb as dropped", false, { NT_DROP_CANDIDATES } },
};

#define PERIOD_MS 250

struct config {
	struct nt_drop_filters f;
	double threshold, sustain, capture;
	unsigned long long max_captures;
	bool no_stack, no_normal_filter, verbose;
	const char *log_dir;     /* NULL: captures on stdout only */
};

#define C struct config
static const struct nt_opt options[] = {
	NT_OPT_N("threshold", "N", "drops per second that count as an incident (default 100)",
		 C, threshold, 0, 1e9, "drops/s"),
	NT_OPT_N("sustain", "SEC", "the rate must stay above --threshold this long (default 3)",
		 C, sustain, PERIOD_MS / 1000.0, NT_MAX_SECONDS, "s"),
	NT_OPT_ROW("capture-seconds", 0, "SEC", "capture every drop this long after a trigger "
		   "(default 10)", NT_OPT_SECONDS, C, capture, 0),
	NT_OPT_ROW("interval", 0, "SEC", "same as --capture-seconds (reference name)",
		   NT_OPT_SECONDS, C, capture, 0),
	NT_OPT_U("max-captures", "N", "stop after N captures (default 0: never)", C, max_captures,
		 0, 1000000, NULL),
	NT_DROP_OPT_IFACE("interface", 'i', "watch and capture drops on this interface only (its "
			  "rx/tx_dropped counters are watched too)", C, f),
	NT_DROP_OPTS_FILTER(C, f),
	NT_OPTS_NO_STACK(C, no_stack, "captured drops without kernel stacks"),
	NT_OPT_B("disable-normal-filter", "also count normal frees (QUEUE_PURGE ...)", C,
		 no_normal_filter),
	NT_OPT_B("verbose", "print the rate of every sample on stderr; pid/comm/cpu per drop",
		 C, verbose),
	NT_OPT_ROW("log-dir", 0, "DIR", "also write each capture (its trigger first) to its own "
		   "file in DIR", NT_OPT_DIR, C, log_dir, 0),
};
#undef C

/* ---- watch logic (pure) ---------------------------------------------------- */

void dmc_watch_init(struct dmc_watch *w, double threshold, double sustain_s, double period_s)
{
	w->threshold = threshold;
	w->need = (int)(sustain_s / period_s + 0.5);
	if (w->need < 1)
		w->need = 1;
	w->above = 0;
}

bool dmc_watch_sample(struct dmc_watch *w, uint64_t drops, double period_s)
{
	if (period_s <= 0 || drops / period_s <= w->threshold) {
		w->above = 0;
		return false;
	}
	return ++w->above >= w->need;
}

void dmc_watch_reset(struct dmc_watch *w)
{
	w->above = 0;
}

/* ---- the controller -------------------------------------------------------- */

struct tool {
	struct config *cfg;
	struct drop_monitor_controller_bpf *skel;
	struct dmc_watch watch;
	uint64_t last_ns, last_drops, last_if;
	bool capturing;
	uint64_t capture_end_ns, capture_seen0, capture_lost0;
	unsigned captures;
	uint64_t events;
	double peak_rate;
	FILE *log;               /* the current capture's file (--log-dir) */
	char log_path[512];
};

/* DIR/capture-N-<UTC time>-<source>.jsonl|txt, opened and teed to; on failure
 * the capture still goes to stdout (warned once per capture). */
static void log_open(struct tool *t, const char *source)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	t->log_path[0] = 0;
	if (!t->cfg->log_dir)
		return;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(t->log_path, sizeof(t->log_path), "%s/capture-%u-%s-%s.%s", t->cfg->log_dir,
		 t->captures, stamp, source, nt_out_json() ? "jsonl" : "txt");
	t->log = fopen(t->log_path, "wx");
	if (!t->log) {
		nt_warn("cannot write capture file %s: %s", t->log_path, strerror(errno));
		t->log_path[0] = 0;
		return;
	}
	nt_out_tee(t->log);
}

static void log_close(struct tool *t)
{
	if (!t->log)
		return;
	nt_out_tee(NULL);
	if (fclose(t->log))
		nt_warn("writing capture file %s: %s", t->log_path, strerror(errno));
	t->log = NULL;
}

/* rx_dropped + tx_dropped of the watched interface (our netns); 0 if none */
static uint64_t iface_dropped(const struct config *c)
{
	static const char *files[] = { "rx_dropped", "tx_dropped" };
	uint64_t sum = 0;

	if (!c->f.iface.name)
		return 0;
	for (size_t i = 0; i < NT_ARRAY_SIZE(files); i++) {
		char path[256];
		unsigned long long v = 0;
		FILE *f;

		snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", c->f.iface.name, files[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &v) == 1)
			sum += v;
		fclose(f);
	}
	return sum;
}

static void end_capture(struct tool *t, bool stopping)
{
	uint64_t lost, seen;

	t->skel->bss->capture_on = false;
	/* counted in the kernel: exact even while events are still in the buffer */
	lost = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_LOST_EVENTS) - t->capture_lost0;
	seen = nt_counter_sum(t->skel->maps.nt_counters, NT_DROP_CNT_SEEN) - t->capture_seen0;
	t->capturing = false;
	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("capture_end", 0);

		nt_json_u64(j, "capture", t->captures);
		nt_json_u64(j, "drops", seen);
		nt_json_u64(j, "lost_events", lost);
		nt_json_bool(j, "cut_short", stopping);
		nt_json_end(j);
	} else {
		char when[32];

		nt_fmt_clock(nt_mono_to_wall_ns(nt_mono_ns()), when, sizeof(when));
		nt_text("[%s] CAPTURE #%u END: %llu drops captured, %llu lost%s; watching again\n",
			when, t->captures, (unsigned long long)seen,
			(unsigned long long)lost, stopping ? " (tool stopped)" : "");
	}
	log_close(t);
}

static void start_capture(struct tool *t, double rate, double if_rate, const char *source)
{
	t->captures++;
	t->capture_seen0 = nt_counter_sum(t->skel->maps.nt_counters, NT_DROP_CNT_SEEN);
	t->capture_lost0 = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_LOST_EVENTS);
	t->capturing = true;
	t->capture_end_ns = nt_mono_ns() + (uint64_t)(t->cfg->capture * 1e9);
	log_open(t, source);
	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("trigger", 0);

		nt_json_u64(j, "capture", t->captures);
		nt_json_str(j, "source", source);
		nt_json_f64(j, "rate", rate);
		if (t->cfg->f.iface.name) {
			nt_json_str(j, "interface", t->cfg->f.iface.name);
			nt_json_f64(j, "iface_dropped_rate", if_rate);
		}
		nt_json_f64(j, "threshold", t->cfg->threshold);
		nt_json_f64(j, "sustain_s", t->cfg->sustain);
		nt_json_f64(j, "capture_s", t->cfg->capture);
		if (t->log)
			nt_json_str(j, "log_file", t->log_path);
		nt_json_end(j);
	} else {
		char when[32];

		nt_fmt_clock(nt_mono_to_wall_ns(nt_mono_ns()), when, sizeof(when));
		nt_text("[%s] TRIGGER #%u: %.1f drops/s (%s) above %g for %g s; capturing for %g s\n",
			when, t->captures, rate, source, t->cfg->threshold, t->cfg->sustain,
			t->cfg->capture);
		if (t->log)
			nt_text("capture file: %s\n", t->log_path);
		nt_drop_text_header();
	}
	t->skel->bss->capture_on = true;
}

static void on_tick(void *ctx)
{
	struct tool *t = ctx;
	uint64_t now = nt_mono_ns();
	uint64_t drops = nt_counter_sum(t->skel->maps.nt_counters, DMC_CNT_DROPS);
	uint64_t ifd = iface_dropped(t->cfg);
	double dt = (now - t->last_ns) / 1e9;
	uint64_t d = drops - t->last_drops, di = ifd - t->last_if;
	double rate = dt > 0 ? d / dt : 0, if_rate = dt > 0 ? di / dt : 0;

	t->last_ns = now;
	t->last_drops = drops;
	t->last_if = ifd;
	if (rate > t->peak_rate)
		t->peak_rate = rate;
	if (t->cfg->verbose)
		nt_info("sample: %.1f drops/s, interface %.1f dropped/s%s", rate, if_rate,
			t->capturing ? " (capturing)" : "");
	if (t->capturing) {
		if (now >= t->capture_end_ns) {
			end_capture(t, false);
			dmc_watch_reset(&t->watch);
			if (t->cfg->max_captures && t->captures >= t->cfg->max_captures)
				kill(getpid(), SIGTERM);   /* ends the run loop like Ctrl-C */
		}
		return;
	}
	if (dmc_watch_sample(&t->watch, d > di ? d : di, dt))
		start_capture(t, d >= di ? rate : if_rate, if_rate, d >= di ? "kfree_skb" : "interface");
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct tool *t = ctx;
	const struct nt_drop_event *e = data;

	if (len < sizeof(*e))
		return 0;
	t->events++;
	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("event", nt_mono_to_wall_ns(e->ts));

		nt_json_u64(j, "capture", t->captures);
		nt_drop_event_json(j, e, nt_ksyms());
		nt_json_end(j);
	} else {
		nt_drop_event_text(e, t->cfg->verbose, nt_ksyms());
	}
	return 0;
}

static void report_summary(struct tool *t)
{
	struct bpf_map *cnt = t->skel->maps.nt_counters;
	uint64_t watched = nt_counter_sum(cnt, DMC_CNT_DROPS);
	uint64_t lost = nt_counter_sum(cnt, NT_CNT_LOST_EVENTS);
	uint64_t nostack = nt_counter_sum(cnt, NT_CNT_STACK_LOST);
	uint64_t normal = nt_counter_sum(cnt, NT_DROP_CNT_NORMAL);

	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("summary", 0);

		nt_json_u64(j, "captures", t->captures);
		nt_json_u64(j, "drops_watched", watched);
		nt_json_u64(j, "events", t->events);
		nt_json_f64(j, "peak_rate", t->peak_rate);
		nt_json_u64(j, "lost_events", lost);
		nt_json_u64(j, "stacks_lost", nostack);
		nt_json_u64(j, "normal_frees_skipped", normal);
		nt_json_end(j);
		return;
	}
	nt_text("\n=== drop_monitor_controller summary ===\n"
		"Captures: %u  Drops watched: %llu  Drops captured: %llu  Peak rate: %.1f/s\n"
		"Lost events: %llu  Stacks lost: %llu\n", t->captures, (unsigned long long)watched,
		(unsigned long long)t->events, t->peak_rate, (unsigned long long)lost,
		(unsigned long long)nostack);
}

NT_SKEL(drop_monitor_controller);

static struct config cfg = { .threshold = 100, .sustain = 3, .capture = 10 };
static struct tool tool;            /* zeroed (.bss): only the pages used are resident */

static int configure(struct nt_run *r)
{
	struct drop_monitor_controller_bpf *skel = r->skel;

	tool.cfg = &cfg;
	tool.skel = skel;
	NT_DROP_SET_FILTERS(skel->rodata, &cfg.f);
	skel->rodata->targ_stacks = !cfg.no_stack;
	NT_DROP_SET_NORMAL_FILTER(skel->rodata, cfg.no_normal_filter);
	r->tick_ms = PERIOD_MS;
	return 0;
}

static int attached(struct nt_run *r)
{
	dmc_watch_init(&tool.watch, cfg.threshold, cfg.sustain, PERIOD_MS / 1000.0);
	tool.last_ns = nt_mono_ns();
	tool.last_if = iface_dropped(&cfg);
	return 0;
}

static void describe(struct nt_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "drop rate: capture %g s when above %g drops/s for %g s",
		 cfg.capture, cfg.threshold, cfg.sustain);
}

static void finish(struct nt_run *r)
{
	if (tool.capturing)
		end_capture(&tool, true);
	report_summary(&tool);
}

static const struct nt_tool_hooks hooks = {
	.planned = nt_drop_planned,
	.configure = configure,
	.attached = attached,
	.describe = describe,
	.on_event = on_event,
	.tick = on_tick,
	.finish = finish,
};

const struct nt_tool_def drop_monitor_controller_tool = {
	.cli = {
		.tool = "drop_monitor_controller",
		.synopsis = "[--threshold N] [--sustain SEC] [--capture-seconds SEC] [--interface IF] "
			    "[--log-dir DIR] [filters] [options]",
		.description =
			"Watch the drop rate cheaply (a per-CPU counter in the kernel; with\n"
			"--interface also the device's rx/tx_dropped counters) and, when it stays\n"
			"above --threshold drops/s for --sustain seconds, capture every drop as\n"
			"eth_drop does (headers, reason, location, stack) for --capture-seconds,\n"
			"then go back to watching. Quiet while healthy. Each capture is printed\n"
			"after the trigger that caused it (and with --log-dir also written to its\n"
			"own file, capture-N-<UTC time>-<source>.txt|.jsonl, trigger first).",
		.examples =
			"  nettrail drop_monitor_controller --threshold 50 --sustain 2\n"
			"  nettrail drop_monitor_controller --interface ens4f0 --threshold 10 "
			"--capture-seconds 30\n"
			"  nettrail drop_monitor_controller --protocol udp --dst-port 4789 --json "
			"| tee incidents.jsonl\n"
			"  nettrail drop_monitor_controller --threshold 50 --log-dir /var/log/drops\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &drop_monitor_controller_skel,
	.hooks = &hooks,
	.ctx = &tool,
};
