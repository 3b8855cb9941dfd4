/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The run loop every tool shares: SIGINT, SIGTERM and --duration all end it
 * the same way, so each tool prints its final summary once and then frees its
 * skeleton (links are fd-owned and never pinned: nothing stays attached).
 */
#ifndef NT_RUN_H
#define NT_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>

/* Install SIGINT/SIGTERM handlers that stop the loop. */
void nt_signals_setup(void);
bool nt_stop_requested(void);

/* What a runner step returns to go on (any other value is an exit code). */
#define NT_TOOL_GO (-1)

/* A BPF object's global variable by name (BTF): its bytes in .rodata, .bss or
 * .data, or NULL when there is none of @size bytes. Before load the initial
 * values (set rodata here), after load the live mmapped .bss/.data. For code
 * shared by tools whose skeletons differ in type but not in variable names. */
void *nt_obj_var(struct bpf_object *obj, const char *name, size_t size);
/* Copy @val into the variable; -1 (message printed) when it is missing. */
int nt_obj_set(struct bpf_object *obj, const char *name, const void *val, size_t size);
/* NT_OBJ_SET(obj, targ_x, c->x): targ_x = c->x (a scalar or a struct; sizes must match). */
#define NT_OBJ_SET(obj, var, val) \
	({ __typeof__(val) __v = (val); nt_obj_set(obj, #var, &__v, sizeof(__v)); })

/*
 * Mirror a BPF hash map into a tool's table of rows (an array of the tool's
 * struct, with the map's key in member @key and its value in member @val):
 * each entry's value is copied into the row of its key; a new key takes the
 * next free row, zeroed first. Rows keep their first-seen order between
 * intervals, and what else a row carries (the last interval's values) stays.
 * Size the table as the map (max_entries): entries beyond it are left out.
 * Use: NT_MAP_MIRROR(fd, t->rows, &t->nrows, k, v).
 */
void nt_map_mirror(int map_fd, void *rows, size_t row_size, int *nrows, int max, size_t key_off,
		  size_t key_size, size_t val_off, size_t val_size);
#define NT_MAP_MIRROR(fd, rows, nrows, key, val)                                              \
	nt_map_mirror(fd, rows, sizeof((rows)[0]), nrows, sizeof(rows) / sizeof((rows)[0]),  \
		      offsetof(__typeof__((rows)[0]), key), sizeof((rows)[0].key),           \
		      offsetof(__typeof__((rows)[0]), val), sizeof((rows)[0].val))

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
 * nt_events_drain_detached, which the runner calls once the probes are
 * off. */
int nt_run_loop(struct bpf_map *events, ring_buffer_sample_fn on_event, void *ctx,
		double duration_s, int tick_ms, void (*tick)(void *ctx));
void nt_events_drain_detached(void);

/* Sum of a per-CPU counter (nt_counters map). NT_CNT_LOST_EVENTS includes
 * the events user space received but could not write (nt_out_unwritten). */
uint64_t nt_counter_sum(struct bpf_map *counters, uint32_t idx);

/* --prometheus: nettrail_lost_events_total and nettrail_map_full_total from the
 * nt_counters map; @map_full_help says what a full table cost the tool. */
struct nt_prom;
void nt_prom_losses(struct nt_prom *m, struct bpf_map *counters, const char *map_full_help);

#endif
