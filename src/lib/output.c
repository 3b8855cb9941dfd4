// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "nt.h"
#include "output.h"
#include "run.h"

#define NT_JSON_DEPTH 8

struct nt_json {
	char *buf;
	size_t len, cap;
	int depth;
	bool first[NT_JSON_DEPTH];
	bool event;             /* "type":"event": never redirected to stderr */
};

static const char *out_tool = "nettrail";
static bool out_json;
static int64_t mono_to_wall;
static struct nt_json rec;
static FILE *out_tee;

/* ---- stdout: the one place that writes it ---------------------------------
 *
 * Records go out with write(2), not stdio, so a failure is seen where it
 * happens and nothing waits in a buffer. SIGPIPE is ignored (a tool must
 * detach, not die): a reader that went away shows as EPIPE here, or, while no
 * write happens, as POLLERR/POLLHUP on a pipe or socket stdout, which the run
 * loop polls (nt_out_poll_fd). Either way the output is closed and the tool
 * ends as on SIGTERM; main() then exits NT_EXIT_PIPE (141).
 *
 * Accounting: the output of one event callback (nt_out_event_begin/end, put
 * around every on_event by the run loop) is written as one record; a record
 * that cannot be written is counted (nt_out_unwritten) and reported in
 * lost_events, so printed + lost always equals what the kernel saw. A
 * SIGINT/SIGTERM that interrupts a write blocked on a stalled reader does not
 * drop the record: we keep trying for NT_OUT_GRACE_NS after the stop, then
 * give up (the output is "stalled"): the rest is counted, not written. Output
 * that is not an event (interval reports, the final summary) goes to stderr
 * once stdout is closed or stalled.
 */
#define NT_OUT_GRACE_NS 1000000000ULL

enum out_state { OUT_OPEN, OUT_STALLED, OUT_CLOSED };
enum out_kind { OUT_FILE, OUT_PIPE, OUT_SOCKET };

struct out_buf {
	char *p;
	size_t len, cap;
};

static enum out_state out_state;
static enum out_kind out_kind;
static struct out_buf pend;            /* nt_text output not yet written */
static bool in_event;                  /* inside nt_out_event_begin/end */
static uint64_t unwritten;             /* event records that could not be written */
static uint64_t give_up_ns;            /* after a stop signal: last moment to wait */

static void buf_reserve(struct out_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 1024;

	if (b->len + more <= b->cap)
		return;
	while (cap < b->len + more)
		cap *= 2;
	b->p = realloc(b->p, cap);
	if (!b->p)
		abort();
	b->cap = cap;
}

/* Is stderr the same pipe as stdout (`2>&1 |`)? Then a stalled stdout is a
 * stalled stderr too, and writing there would block. */
static bool stderr_is_stdout(void)
{
	struct stat o, e;

	return !fstat(STDOUT_FILENO, &o) && !fstat(STDERR_FILENO, &e) &&
	       o.st_dev == e.st_dev && o.st_ino == e.st_ino;
}

static bool stderr_usable(void)
{
	return out_state != OUT_STALLED || out_kind == OUT_FILE || !stderr_is_stdout();
}

static int out_errno;                  /* why stdout closed */

static void out_close(int err)
{
	if (out_state == OUT_CLOSED)
		return;
	out_state = OUT_CLOSED;
	out_errno = err;
	if (err == EPIPE || err == ECONNRESET)
		nt_info("%s: stdout closed (its reader exited): stopping", nt_prog);
	else
		nt_err("writing stdout failed: %s: stopping", strerror(err));
}

/* After a stop signal: wait until stdout takes data, at most until the grace
 * period ends. Files and terminals are simply written. */
static bool wait_writable_after_stop(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
	uint64_t now = nt_mono_ns();

	if (out_kind == OUT_FILE)
		return true;
	if (!give_up_ns)
		give_up_ns = now + NT_OUT_GRACE_NS;
	while (now < give_up_ns) {
		int r = poll(&p, 1, (int)((give_up_ns - now + 999999) / 1000000));

		if (r > 0)
			return true;    /* writable, or an error the write reports */
		if (r < 0 && errno != EINTR)
			return true;
		now = nt_mono_ns();
	}
	return false;
}

/* One write that, after a stop signal, cannot block: a pipe takes up to
 * PIPE_BUF bytes whole once poll said POLLOUT; a socket is sent to without
 * waiting. */
static ssize_t write_once(const char *p, size_t len, bool stopping)
{
	if (stopping && out_kind == OUT_SOCKET)
		return send(STDOUT_FILENO, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (stopping && out_kind == OUT_PIPE && len > PIPE_BUF)
		len = PIPE_BUF;
	return write(STDOUT_FILENO, p, len);
}

/* Write all of @p to stdout; false when stdout is (or became) unusable. */
static bool write_stdout(const char *p, size_t len)
{
	while (len && out_state == OUT_OPEN) {
		bool stopping = nt_stop_requested();
		ssize_t n;

		if (stopping && !wait_writable_after_stop()) {
			out_state = OUT_STALLED;
			if (stderr_usable())
				nt_info("%s: stdout took nothing for %.0f s after the stop: the "
					"rest is counted as lost, the summary goes to stderr",
					nt_prog, NT_OUT_GRACE_NS / 1e9);
			break;
		}
		n = write_once(p, len, stopping);
		if (n > 0) {
			p += n;
			len -= n;
		} else if (n < 0 && errno == EAGAIN && !stopping) {
			struct pollfd pf = { .fd = STDOUT_FILENO, .events = POLLOUT };

			poll(&pf, 1, -1);       /* stdout was handed to us non-blocking */
		} else if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			continue;               /* a signal: the loop head decides */
		} else {
			out_close(n < 0 ? errno : EIO);
		}
	}
	return len == 0;
}

/* Output that is not an event: stdout while it works, else stderr. */
static void write_report(const char *p, size_t len)
{
	if (write_stdout(p, len) || !stderr_usable())
		return;
	while (len) {
		ssize_t n = write(STDERR_FILENO, p, len);

		if (n <= 0 && !(n < 0 && errno == EINTR))
			return;
		if (n > 0) {
			p += n;
			len -= n;
		}
	}
}

/* Write the pending text: its complete lines (line buffering), or all. */
static void flush_lines(bool all)
{
	size_t n = pend.len;

	if (!all)
		while (n && pend.p[n - 1] != '\n')
			n--;
	if (!n)
		return;
	write_report(pend.p, n);
	memmove(pend.p, pend.p + n, pend.len - n);
	pend.len -= n;
}

/* One complete record (a JSON line). Inside an event callback it joins the
 * event's output; an event record elsewhere is counted when unwritable. */
static void out_record(const char *p, size_t len, bool event)
{
	if (in_event) {
		buf_reserve(&pend, len);
		memcpy(pend.p + pend.len, p, len);
		pend.len += len;
		return;
	}
	flush_lines(true);
	if (!event)
		write_report(p, len);
	else if (!write_stdout(p, len))
		unwritten++;
}

void nt_out_event_begin(void)
{
	flush_lines(true);
	in_event = true;
}

void nt_out_event_end(void)
{
	in_event = false;
	if (pend.len && !write_stdout(pend.p, pend.len))
		unwritten++;
	pend.len = 0;
}

uint64_t nt_out_unwritten(void)
{
	return unwritten;
}

bool nt_out_closed(void)
{
	return out_state == OUT_CLOSED;
}

int nt_out_poll_fd(void)
{
	return out_state == OUT_OPEN && out_kind != OUT_FILE ? STDOUT_FILENO : -1;
}

void nt_out_reader_gone(void)
{
	out_close(EPIPE);
}

int nt_out_exit_code(int rc)
{
	flush_lines(true);
	if (rc != NT_EXIT_OK || out_state != OUT_CLOSED)
		return rc;
	/* the reader left: 141; a write that failed otherwise (disk full): 1 */
	return out_errno == EPIPE || out_errno == ECONNRESET ? NT_EXIT_PIPE : NT_EXIT_RUNTIME;
}

static enum out_kind stdout_kind(void)
{
	struct stat st;

	if (fstat(STDOUT_FILENO, &st))
		return OUT_FILE;
	return S_ISFIFO(st.st_mode) ? OUT_PIPE : S_ISSOCK(st.st_mode) ? OUT_SOCKET : OUT_FILE;
}

void nt_out_tee(FILE *f)
{
	out_tee = f;
}

void nt_out_init(const char *tool, bool json)
{
	struct timespec rt, mt;

	out_tool = tool;
	out_json = json;
	out_kind = stdout_kind();
	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	mono_to_wall = ((int64_t)rt.tv_sec - mt.tv_sec) * 1000000000LL +
		       (rt.tv_nsec - mt.tv_nsec);
}

bool nt_out_json(void)
{
	return out_json;
}

uint64_t nt_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t nt_mono_to_wall_ns(uint64_t mono_ns)
{
	return mono_ns + mono_to_wall;
}

void nt_fmt_rfc3339(uint64_t wall_ns, char *buf, size_t len)
{
	time_t s = wall_ns / 1000000000ULL;
	struct tm tm;
	char tmp[32];

	gmtime_r(&s, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06lluZ", tmp,
		 (unsigned long long)(wall_ns % 1000000000ULL) / 1000);
}

void nt_fmt_clock(uint64_t wall_ns, char *buf, size_t len)
{
	time_t s = wall_ns / 1000000000ULL;
	struct tm tm;
	char tmp[16];

	localtime_r(&s, &tm);
	strftime(tmp, sizeof(tmp), "%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03llu", tmp,
		 (unsigned long long)(wall_ns % 1000000000ULL) / 1000000);
}

static void put(struct nt_json *j, const char *s, size_t n)
{
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 1024;

		while (cap < j->len + n + 1)
			cap *= 2;
		j->buf = realloc(j->buf, cap);
		if (!j->buf)
			abort();
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = 0;
}

static void puts_(struct nt_json *j, const char *s)
{
	put(j, s, strlen(s));
}

size_t nt_json_escape(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	if (len < 3)
		return 0;
	buf[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		size_t n;

		switch (*p) {
		case '"':  strcpy(esc, "\\\""); break;
		case '\\': strcpy(esc, "\\\\"); break;
		case '\n': strcpy(esc, "\\n"); break;
		case '\r': strcpy(esc, "\\r"); break;
		case '\t': strcpy(esc, "\\t"); break;
		default:
			if (*p < 0x20)
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
			else {
				esc[0] = (char)*p;
				esc[1] = 0;
			}
		}
		n = strlen(esc);
		if (o + n + 2 > len)
			break;
		memcpy(buf + o, esc, n);
		o += n;
	}
	buf[o++] = '"';
	buf[o] = 0;
	return o;
}

static void key(struct nt_json *j, const char *k)
{
	if (!j->first[j->depth])
		puts_(j, ",");
	j->first[j->depth] = false;
	if (k) {
		char tmp[256];

		put(j, tmp, nt_json_escape(k, tmp, sizeof(tmp)));
		puts_(j, ":");
	}
}

struct nt_json *nt_json_begin(const char *type, uint64_t wall_ns)
{
	struct nt_json *j = &rec;
	char t[40];

	j->len = 0;
	j->depth = 0;
	j->first[0] = true;
	j->event = !strcmp(type, "event");
	puts_(j, "{");
	nt_json_str(j, "tool", out_tool);
	nt_json_str(j, "type", type);
	nt_fmt_rfc3339(wall_ns ? wall_ns : nt_mono_to_wall_ns(nt_mono_ns()), t, sizeof(t));
	nt_json_str(j, "time", t);
	return j;
}

void nt_json_str(struct nt_json *j, const char *k, const char *val)
{
	size_t cap = strlen(val) * 6 + 3;
	char *tmp = malloc(cap);

	if (!tmp)
		abort();
	key(j, k);
	put(j, tmp, nt_json_escape(val, tmp, cap));
	free(tmp);
}

void nt_json_u64(struct nt_json *j, const char *k, uint64_t val)
{
	char tmp[32];

	key(j, k);
	snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)val);
	puts_(j, tmp);
}

void nt_json_i64(struct nt_json *j, const char *k, int64_t val)
{
	char tmp[32];

	key(j, k);
	snprintf(tmp, sizeof(tmp), "%lld", (long long)val);
	puts_(j, tmp);
}

void nt_json_f64(struct nt_json *j, const char *k, double val)
{
	char tmp[64];

	key(j, k);
	if (!isfinite(val))
		snprintf(tmp, sizeof(tmp), "null");
	else
		snprintf(tmp, sizeof(tmp), "%.3f", val);
	puts_(j, tmp);
}

void nt_json_bool(struct nt_json *j, const char *k, bool val)
{
	key(j, k);
	puts_(j, val ? "true" : "false");
}

static void open_(struct nt_json *j, const char *k, const char *brace)
{
	key(j, k);
	puts_(j, brace);
	if (j->depth + 1 < NT_JSON_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct nt_json *j, const char *brace)
{
	puts_(j, brace);
	if (j->depth > 0)
		j->depth--;
}

void nt_json_obj(struct nt_json *j, const char *k) { open_(j, k, "{"); }
void nt_json_obj_end(struct nt_json *j) { close_(j, "}"); }
void nt_json_arr(struct nt_json *j, const char *k) { open_(j, k, "["); }
void nt_json_arr_end(struct nt_json *j) { close_(j, "]"); }

void nt_json_end(struct nt_json *j)
{
	puts_(j, "}\n");
	out_record(j->buf, j->len, j->event);
	if (out_tee) {
		fwrite(j->buf, 1, j->len, out_tee);
		fflush(out_tee);
	}
}

void nt_text(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0) {
		buf_reserve(&pend, n + 1);
		va_start(ap, fmt);
		vsnprintf(pend.p + pend.len, n + 1, fmt, ap);
		va_end(ap);
		pend.len += n;
		if (!in_event)
			flush_lines(false);
	}
	if (out_tee) {
		va_start(ap, fmt);
		vfprintf(out_tee, fmt, ap);
		va_end(ap);
		fflush(out_tee);
	}
}

void nt_report_close(struct nt_json *j, unsigned long long map_full, bool whole, int shown,
		     const char *none)
{
	if (j) {
		nt_json_arr_end(j);
		nt_json_u64(j, "map_full", map_full);
		nt_json_end(j);
		return;
	}
	if (!shown)
		nt_text("  %s\n", none);
	if (whole || map_full)
		nt_text("Map full: %llu\n", map_full);
}
