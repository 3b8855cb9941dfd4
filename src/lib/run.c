// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "nt.h"
#include "attach.h"
#include "btfinfo.h"
#include "cli.h"
#include "output.h"
#include "run.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

void nt_signals_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool nt_stop_requested(void)
{
	return stop;
}

int nt_runtime_init(const struct nt_common *common)
{
	const char *why = NULL;

	nt_libbpf_setup();
	nt_btf_set_path(common->btf_path);
	if (!nt_btf_vmlinux(&why)) {
		nt_err("%s", why);
		return NT_EXIT_RUNTIME;
	}
	nt_signals_setup();
	return 0;
}

void nt_open_opts(struct bpf_object_open_opts *opts, const struct nt_common *common)
{
	memset(opts, 0, sizeof(*opts));
	opts->sz = sizeof(*opts);
	opts->btf_custom_path = common->btf_path;
}

int nt_run_loop(struct bpf_map *events, ring_buffer_sample_fn on_event, void *ctx,
		double duration_s, int tick_ms, void (*tick)(void *ctx))
{
	struct ring_buffer *rb = NULL;
	uint64_t start = nt_mono_ns(), next_tick;
	uint64_t end = duration_s > 0 ? start + (uint64_t)(duration_s * 1e9) : UINT64_MAX;
	int ret = 0;

	if (events) {
		rb = ring_buffer__new(bpf_map__fd(events), on_event, ctx, NULL);
		if (!rb) {
			nt_err("failed to create ring buffer: %s", strerror(errno));
			return -1;
		}
	}
	next_tick = tick ? start + (uint64_t)tick_ms * 1000000ULL : UINT64_MAX;
	while (!stop) {
		uint64_t now = nt_mono_ns(), wake = end < next_tick ? end : next_tick;
		int timeout = wake == UINT64_MAX ? 200 : (int)((wake > now ? wake - now : 0) / 1000000);
		int err;

		if (now >= end)
			break;
		if (timeout > 200)
			timeout = 200;
		if (rb) {
			err = ring_buffer__poll(rb, timeout);
			if (err < 0 && err != -EINTR) {
				nt_err("polling events failed: %s", strerror(-err));
				ret = -1;
				break;
			}
		} else {
			struct timespec ts = { timeout / 1000, (timeout % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
		if (tick && nt_mono_ns() >= next_tick) {
			tick(ctx);
			next_tick += (uint64_t)tick_ms * 1000000ULL;
		}
	}
	/* Drain what is already in the buffer before the summary. */
	if (rb)
		ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return ret;
}

uint64_t nt_counter_sum(struct bpf_map *counters, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals, sum = 0;

	if (ncpu <= 0)
		return 0;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	if (bpf_map_lookup_elem(bpf_map__fd(counters), &idx, vals) == 0)
		for (int i = 0; i < ncpu; i++)
			sum += vals[i];
	free(vals);
	return sum;
}
