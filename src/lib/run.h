/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The run loop every tool shares: SIGINT, SIGTERM and --duration all end it
 * the same way, so each tool prints its final summary once and then frees its
 * skeleton (links are fd-owned and never pinned: nothing stays attached).
 */
#ifndef NT_RUN_H
#define NT_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <bpf/libbpf.h>

struct nt_common;

/* Install SIGINT/SIGTERM handlers that stop the loop. */
void nt_signals_setup(void);
bool nt_stop_requested(void);

/* Common start-up checks before any BPF object is opened: libbpf logging,
 * kernel BTF present. Returns 0 or NT_EXIT_RUNTIME (message printed). */
int nt_runtime_init(const struct nt_common *common);
/* Options for skeleton open honouring --btf. */
void nt_open_opts(struct bpf_object_open_opts *opts, const struct nt_common *common);

/* The start every tool's main() shares: parse the command line (and
 * cli->validate), the runtime checks, the output writer, the stage plan.
 * Returns NT_TOOL_GO to go on, else the exit code to return (--help: 0, bad
 * input: 2, nothing to attach: 1). @quiet_plan: the tool explains itself. */
#define NT_TOOL_GO (-1)
struct nt_cli;
struct nt_stage;
struct nt_stage_plan;
int nt_tool_begin(const struct nt_cli *cli, int argc, char **argv, struct nt_common *common,
		  const struct nt_stage *stages, int nstages, struct nt_stage_plan *plans,
		  bool quiet_plan);

/* Choose the event transport of a BPF object that has the nt_events map
 * (others: no-op), before load: the ring buffer when the kernel has it (5.8+),
 * else the queue-map fallback; NT_EVENTS_TRANSPORT=queue forces the fallback
 * (tests exercise it on new kernels). Returns 0 or -1 (message printed). */
int nt_events_prepare(struct bpf_object *obj);
/* "ringbuf" or "queue": what the last nt_events_prepare chose. */
const char *nt_events_transport(void);

/* Poll @events (may be NULL) until stop or @duration_s; call @tick every
 * @tick_ms (may be NULL). Also ends when stdout's reader goes away (exit code
 * NT_EXIT_PIPE, see output.h) and when a watched interface is deleted
 * (message naming it; -1). Returns 0, or -1 on a poll failure or a deleted
 * interface. Events still buffered at the end are read by
 * nt_events_drain_detached, which nt_stages_detach calls once the probes are
 * off. */
int nt_run_loop(struct bpf_map *events, ring_buffer_sample_fn on_event, void *ctx,
		double duration_s, int tick_ms, void (*tick)(void *ctx));
void nt_events_drain_detached(void);

/* Sum of a per-CPU counter (nt_counters map). NT_CNT_LOST_EVENTS includes
 * the events user space received but could not write (nt_out_unwritten). */
uint64_t nt_counter_sum(struct bpf_map *counters, uint32_t idx);

#endif
