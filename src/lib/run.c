// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "nt.h"
#include "nt_types.h"
#include "iface.h"
#include "output.h"
#include "prom.h"
#include "run.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/* No SA_RESTART: a write blocked on a stalled reader returns EINTR, and the
 * writer (output.c) decides what becomes of the record. SIGPIPE is ignored: a
 * reader that exits is an EPIPE the writer sees, and the tool ends as on
 * SIGTERM (detach, summary) instead of dying attached. */
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

static bool events_queue;
static struct bpf_map *events_q;       /* the queue map, when events_queue */

const char *nt_events_transport(void)
{
	return events_queue ? "queue" : "ringbuf";
}

/* The internal map of data section @sec (libbpf names it "<obj>.rodata" etc). */
static struct bpf_map *section_map(struct bpf_object *obj, const char *sec)
{
	size_t sl = strlen(sec);
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		const char *n = bpf_map__name(m);
		size_t l = strlen(n);

		if (bpf_map__is_internal(m) && l >= sl && !strcmp(n + l - sl, sec))
			return m;
	}
	return NULL;
}

/* @name in data section @sec of @obj: its bytes, or NULL (absent, other size). */
static void *section_var(struct bpf_object *obj, const char *sec, const char *name,
			 size_t size)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map = section_map(obj, sec);
	const struct btf_var_secinfo *vs;
	const struct btf_type *t;
	size_t len;
	char *data;
	int id;

	id = btf ? btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC) : -1;
	/* writable before load (libbpf 1.1 declares it const); after load the
	 * mmapped map itself for .bss/.data */
	data = map ? (char *)bpf_map__initial_value(map, &len) : NULL;
	if (id < 0 || !data)
		return NULL;
	t = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(t);
	for (int i = 0; i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);

		if (!strcmp(btf__name_by_offset(btf, v->name_off), name))
			return vs->size == size && vs->offset + size <= len ?
			       data + vs->offset : NULL;
	}
	return NULL;
}

void *nt_obj_var(struct bpf_object *obj, const char *name, size_t size)
{
	static const char *secs[] = { ".rodata", ".bss", ".data" };

	for (size_t i = 0; i < NT_ARRAY_SIZE(secs); i++) {
		void *p = section_var(obj, secs[i], name, size);

		if (p)
			return p;
	}
	return NULL;
}

int nt_obj_set(struct bpf_object *obj, const char *name, const void *val, size_t size)
{
	void *p = nt_obj_var(obj, name, size);

	if (!p) {
		nt_err("BPF object has no global '%s' of %zu bytes", name, size);
		return -1;
	}
	memcpy(p, val, size);
	return 0;
}

void nt_map_mirror(int map_fd, void *rows, size_t row_size, int *nrows, int max, size_t key_off,
		  size_t key_size, size_t val_off, size_t val_size)
{
	unsigned char key[key_size], val[val_size];
	void *prev = NULL;

	while (!bpf_map_get_next_key(map_fd, prev, key)) {
		unsigned char *row = NULL;

		prev = key;
		if (bpf_map_lookup_elem(map_fd, key, val))
			continue;       /* deleted meanwhile */
		for (int i = 0; i < *nrows && !row; i++)
			if (!memcmp((unsigned char *)rows + i * row_size + key_off, key, key_size))
				row = (unsigned char *)rows + i * row_size;
		if (!row && *nrows >= max)
			continue;
		if (!row) {
			row = (unsigned char *)rows + (*nrows)++ * row_size;
			memset(row, 0, row_size);
			memcpy(row + key_off, key, key_size);
		}
		memcpy(row + val_off, val, val_size);
	}
}

int nt_events_prepare(struct bpf_object *obj)
{
	struct bpf_map *rb = bpf_object__find_map_by_name(obj, "nt_events");
	struct bpf_map *q = bpf_object__find_map_by_name(obj, "nt_events_q");
	const char *force = getenv("NT_EVENTS_TRANSPORT");

	events_queue = false;
	events_q = q;
	if (!rb || !q)
		return 0;
	if (force && *force && strcmp(force, "queue") && strcmp(force, "ringbuf")) {
		nt_err("NT_EVENTS_TRANSPORT=%s: use queue or ringbuf", force);
		return -1;
	}
	events_queue = force && !strcmp(force, "queue");
	if (!events_queue && libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 0)
		events_queue = true;            /* kernel < 5.8 */
	if (!events_queue)
		return 0;
	if (!force || strcmp(force, "queue"))
		nt_info("this kernel has no BPF ring buffer (5.8+): events go through a BPF "
			"queue map polled every 10 ms");
	if (nt_obj_set(obj, "nt_events_queue", &events_queue, sizeof(events_queue))) {
		nt_err("cannot select the queue event transport (no nt_events_queue in .rodata)");
		return -1;
	}
	/* the ring buffer map is not used now, but still created: make it a map
	 * type every kernel has; the queue holds what 10 ms of polling must absorb */
	if (bpf_map__set_type(rb, BPF_MAP_TYPE_ARRAY) || bpf_map__set_key_size(rb, 4) ||
	    bpf_map__set_value_size(rb, 4) || bpf_map__set_max_entries(rb, 1) ||
	    bpf_map__set_max_entries(q, 2048)) {
		nt_err("cannot set up the queue event transport: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The tool's event callback. Each call is one output record (output.c):
 * written whole, or counted as lost when stdout cannot take it. */
static ring_buffer_sample_fn tool_on_event;
static void *tool_ctx;

static int on_sample(void *ctx, void *data, size_t len)
{
	int r;

	nt_out_event_begin();
	r = tool_on_event(tool_ctx, data, len);
	nt_out_event_end();
	return r;
}

/* Queue transport: pop every waiting event. */
static int queue_drain(int fd)
{
	static __u8 buf[NT_EVENT_MAX];
	int n = 0;

	while (!bpf_map_lookup_and_delete_elem(fd, NULL, buf)) {
		n++;
		if (on_sample(NULL, buf, sizeof(buf)) < 0)
			break;
	}
	return n;
}

/* What the loop leaves to read once the probes are detached. */
static struct ring_buffer *left_rb;
static struct bpf_map *left_queue;

void nt_events_drain_detached(void)
{
	if (left_rb) {
		ring_buffer__consume(left_rb);
		ring_buffer__free(left_rb);
		left_rb = NULL;
	}
	if (left_queue) {
		queue_drain(bpf_map__fd(left_queue));
		left_queue = NULL;
	}
}

/* Wait up to @timeout_ms for events or for stdout's reader to go away (a pipe
 * or socket stdout reports POLLERR/POLLHUP without being asked): the tool
 * notices a closed output also while nothing is written. */
static int wait_events(struct ring_buffer *rb, int timeout_ms)
{
	struct pollfd fds[2];
	int n = 0, out = nt_out_poll_fd(), r;

	if (rb)
		fds[n++] = (struct pollfd){ .fd = ring_buffer__epoll_fd(rb), .events = POLLIN };
	if (out >= 0)
		fds[n++] = (struct pollfd){ .fd = out, .events = 0 };
	r = poll(fds, n, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if (out >= 0 && (fds[n - 1].revents & (POLLERR | POLLHUP | POLLNVAL)))
		nt_out_reader_gone();
	return 0;
}

/* The loop's end: what is still in the buffer is read after the detach
 * (the runner calls nt_events_drain_detached), so that events that came
 * in meanwhile are counted too and a slow reader never holds probes attached. */
static int ret_after(struct ring_buffer *rb, struct bpf_map *queue, int ret)
{
	left_rb = rb;
	left_queue = queue;
	return ret;
}

#define IFACE_CHECK_NS 250000000ULL     /* how often the watched interfaces are checked */

int nt_run_loop(struct bpf_map *events, ring_buffer_sample_fn on_event, void *ctx,
		double duration_s, int tick_ms, void (*tick)(void *ctx))
{
	struct ring_buffer *rb = NULL;
	uint64_t start = nt_mono_ns(), next_tick, next_iface_check = start;
	uint64_t end = duration_s > 0 ? start + (uint64_t)(duration_s * 1e9) : UINT64_MAX;
	/* the queue fallback is polled: its map, and a 10 ms cadence */
	struct bpf_map *queue = events && events_queue ? events_q : NULL;
	int max_sleep = queue ? 10 : 200;
	int ret = 0;

	tool_on_event = on_event;
	tool_ctx = ctx;
	if (events && !queue) {
		rb = ring_buffer__new(bpf_map__fd(events), on_sample, NULL, NULL);
		if (!rb) {
			nt_err("failed to create ring buffer: %s", strerror(errno));
			return -1;
		}
	}
	next_tick = tick ? start + (uint64_t)tick_ms * 1000000ULL : UINT64_MAX;
	while (!stop && !nt_out_closed()) {
		uint64_t now = nt_mono_ns(), wake = end < next_tick ? end : next_tick;
		int timeout = wake == UINT64_MAX ? max_sleep : (int)((wake > now ? wake - now : 0) / 1000000);
		int err;

		if (now >= end)
			break;
		if (timeout > max_sleep)
			timeout = max_sleep;
		err = wait_events(rb, timeout);
		if (!err && rb)
			err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR) {
			nt_err("polling events failed: %s", strerror(-err));
			ret = -1;
			break;
		}
		if (queue)
			queue_drain(bpf_map__fd(queue));
		if (nt_mono_ns() >= next_iface_check) {
			if (nt_iface_watch_gone()) {
				ret = -1;
				break;
			}
			next_iface_check = nt_mono_ns() + IFACE_CHECK_NS;
		}
		if (tick && nt_mono_ns() >= next_tick) {
			tick(ctx);
			next_tick += (uint64_t)tick_ms * 1000000ULL;
		}
	}
	return ret_after(rb, queue, ret);
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
	/* lost events: also those user space got but could not write out */
	if (idx == NT_CNT_LOST_EVENTS)
		sum += nt_out_unwritten();
	return sum;
}

void nt_prom_losses(struct nt_prom *m, struct bpf_map *counters, const char *map_full_help)
{
	nt_prom_add(m, "nettrail_lost_events_total", NT_PROM_COUNTER,
		    "events the kernel could not hand over, or that could not be written",
		    (double)nt_counter_sum(counters, NT_CNT_LOST_EVENTS), NULL);
	nt_prom_add(m, "nettrail_map_full_total", NT_PROM_COUNTER, map_full_help,
		    (double)nt_counter_sum(counters, NT_CNT_MAP_FULL), NULL);
}
