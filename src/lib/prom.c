// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Prometheus text exposition and its HTTP endpoint (see prom.h).
 *
 * The endpoint is libmicrohttpd's daemon with its own polling thread. Limits,
 * so that no client can make tracing wait or memory grow:
 *   - at most PROM_MAX_CONNS connections at once (more are accepted and closed
 *     at once by the library), PROM_MAX_PER_IP of them from one address;
 *   - a connection idle for PROM_IDLE_S seconds is closed (a client that
 *     sends its request a byte at a time, or never reads the answer);
 *   - a request (line and headers) must fit in PROM_REQ_MEM bytes; bodies are
 *     refused (only GET and HEAD are served);
 *   - the text served is a copy taken under a mutex that the publishing
 *     thread only holds to swap a pointer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include "nt.h"
#include "hist.h"
#include "prom.h"

#define PROM_MAX_CONNS   16
#define PROM_MAX_PER_IP  8
#define PROM_IDLE_S      5
#define PROM_REQ_MEM     (16 * 1024)
#define PROM_MAX_FAMILIES 64

/* ---- [ADDR:]PORT ------------------------------------------------------------ */

static int parse_port(const char *s, unsigned *port)
{
	char *end;
	unsigned long v;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || v < 1 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

int nt_listen_parse(const char *arg, struct nt_listen *l, char *why, size_t whylen)
{
	char host[64] = "127.0.0.1";
	const char *port_s = arg, *colon = strrchr(arg, ':');
	struct sockaddr_in *in4 = (struct sockaddr_in *)&l->sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&l->sa;
	unsigned port;

	memset(l, 0, sizeof(*l));
	if (colon) {
		size_t n = (size_t)(colon - arg);

		if (arg[0] == '[' && n >= 2 && arg[n - 1] == ']') {     /* [v6]:port */
			arg++;
			n -= 2;
		}
		if (!n || n >= sizeof(host)) {
			snprintf(why, whylen, "want [ADDR:]PORT, e.g. 9464 or 0.0.0.0:9464");
			return -1;
		}
		memcpy(host, arg, n);
		host[n] = 0;
		port_s = colon + 1;
	}
	if (parse_port(port_s, &port)) {
		snprintf(why, whylen, "the port must be a number from 1 to 65535");
		return -1;
	}
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		l->len = sizeof(*in4);
		snprintf(l->shown, sizeof(l->shown), "%s:%u", host, port);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		l->len = sizeof(*in6);
		snprintf(l->shown, sizeof(l->shown), "[%s]:%u", host, port);
	} else {
		snprintf(why, whylen, "'%s' is not an IPv4 or IPv6 address", host);
		return -1;
	}
	l->set = true;
	return 0;
}

/* ---- the exposition ----------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (b->len + n + 1 > cap)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return;         /* out of memory: the sample is left out */
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void buf_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3))) buf_fmt(struct buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* A label value: backslash, double quote and newline escaped (text format 0.0.4). */
static void buf_label_value(struct buf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			buf_put(b, "\\", 1), buf_put(b, v, 1);
		else if (*v == '\n')
			buf_str(b, "\\n");
		else
			buf_put(b, v, 1);
	}
}

/* The shortest "%.Ng" of @v that reads back as @v. */
static const char *shortest(double v, char *buf, size_t len)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

/* A sample value: integers as integers, anything else with full precision. */
static void buf_value(struct buf *b, double v)
{
	char tmp[32];

	if (isinf(v))
		buf_str(b, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		buf_fmt(b, "%.0f", v);
	else
		buf_str(b, shortest(v, tmp, sizeof(tmp)));
}

struct family {
	char name[96];
	enum nt_prom_type type;
	char help[192];
	struct buf samples;
};

struct nt_prom {
	char constant[256];     /* tool="...",host="..." */
	struct family fam[PROM_MAX_FAMILIES];
	int nfam;
	struct buf text;
};

struct nt_prom *nt_prom_new(const char *tool, const char *host)
{
	struct nt_prom *p = calloc(1, sizeof(*p));
	struct buf c = {};

	if (!p)
		return NULL;
	buf_str(&c, "tool=\"");
	buf_label_value(&c, tool);
	buf_str(&c, "\",host=\"");
	buf_label_value(&c, host);
	buf_str(&c, "\"");
	snprintf(p->constant, sizeof(p->constant), "%s", c.p ? c.p : "");
	free(c.p);
	return p;
}

void nt_prom_reset(struct nt_prom *p)
{
	for (int i = 0; i < p->nfam; i++)
		p->fam[i].samples.len = 0;
}

void nt_prom_free(struct nt_prom *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nfam; i++)
		free(p->fam[i].samples.p);
	free(p->text.p);
	free(p);
}

static struct family *family_of(struct nt_prom *p, const char *name, enum nt_prom_type type,
				const char *help)
{
	struct family *f;

	for (int i = 0; i < p->nfam; i++)
		if (!strcmp(p->fam[i].name, name))
			return &p->fam[i];
	if (p->nfam == PROM_MAX_FAMILIES)
		return NULL;
	f = &p->fam[p->nfam++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->help, sizeof(f->help), "%s", help);
	f->type = type;
	return f;
}

/* NAME{constant,k="v",...[,le="LE"]} VALUE */
static void sample(struct buf *b, const char *prefix, const char *name, const char *suffix,
		   va_list labels, const char *le, double value)
{
	const char *k, *v;

	buf_str(b, name);
	buf_str(b, suffix);
	buf_str(b, "{");
	buf_str(b, prefix);
	while ((k = va_arg(labels, const char *))) {
		v = va_arg(labels, const char *);
		if (!v)
			continue;
		buf_fmt(b, ",%s=\"", k);
		buf_label_value(b, v);
		buf_str(b, "\"");
	}
	if (le)
		buf_fmt(b, ",le=\"%s\"", le);
	buf_str(b, "} ");
	buf_value(b, value);
	buf_str(b, "\n");
}

void nt_prom_add(struct nt_prom *p, const char *name, enum nt_prom_type type, const char *help,
		 double value, ...)
{
	struct family *f = family_of(p, name, type, help);
	va_list ap;

	if (!f)
		return;
	va_start(ap, value);
	sample(&f->samples, p->constant, name, "", ap, NULL, value);
	va_end(ap);
}

void nt_prom_hist(struct nt_prom *p, const char *name, const char *help, const struct nt_lat *l,
		  ...)
{
	struct family *f = family_of(p, name, NT_PROM_HISTOGRAM, help);
	uint64_t cum = 0;
	va_list ap;

	if (!f)
		return;
	/* slot k holds [2^(k-1), 2^k) ns: every value in it is <= 2^k ns; the last
	 * slot also holds everything larger, so it has only +Inf above it */
	for (int k = 0; k < NT_HIST_SLOTS - 1; k++) {
		char le[32];

		cum += l->slots[k];
		snprintf(le, sizeof(le), "%.10g", (double)nt_hist_slot_hi(k) / 1e9);
		va_start(ap, l);
		sample(&f->samples, p->constant, name, "_bucket", ap, le, (double)cum);
		va_end(ap);
	}
	va_start(ap, l);
	sample(&f->samples, p->constant, name, "_bucket", ap, "+Inf", (double)l->count);
	va_end(ap);
	va_start(ap, l);
	sample(&f->samples, p->constant, name, "_sum", ap, NULL, (double)l->sum / 1e9);
	va_end(ap);
	va_start(ap, l);
	sample(&f->samples, p->constant, name, "_count", ap, NULL, (double)l->count);
	va_end(ap);
}

const char *nt_prom_text(struct nt_prom *p, size_t *len)
{
	static const char *types[] = { "counter", "gauge", "histogram" };

	p->text.len = 0;
	buf_str(&p->text, "");
	for (int i = 0; i < p->nfam; i++) {
		struct family *f = &p->fam[i];

		if (!f->samples.len)
			continue;
		buf_fmt(&p->text, "# HELP %s ", f->name);
		buf_str(&p->text, f->help);     /* help: our own words, no escapes needed */
		buf_fmt(&p->text, "\n# TYPE %s %s\n", f->name, types[f->type]);
		buf_put(&p->text, f->samples.p, f->samples.len);
	}
	*len = p->text.len;
	return p->text.p ? p->text.p : "";
}

/* ---- the endpoint -------------------------------------------------------------- */

static struct MHD_Daemon *daemon_;
static pthread_mutex_t served_lock = PTHREAD_MUTEX_INITIALIZER;
static char *served_text;               /* the last published text; under served_lock */
static size_t served_len;
static uint64_t served_count, refused_count;

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *type,
			      const char *body, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer_copy(len, body);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **req_cls)
{
	static const char plain[] = "text/plain; charset=utf-8";
	enum MHD_Result ret;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		__atomic_add_fetch(&refused_count, 1, __ATOMIC_RELAXED);
		return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, plain, "GET only\n", 9);
	}
	if (!strcmp(url, "/")) {
		static const char home[] = "nettrail: metrics at /metrics\n";

		return answer(c, MHD_HTTP_OK, plain, home, sizeof(home) - 1);
	}
	if (strcmp(url, "/metrics")) {
		__atomic_add_fetch(&refused_count, 1, __ATOMIC_RELAXED);
		return answer(c, MHD_HTTP_NOT_FOUND, plain, "not found: try /metrics\n", 24);
	}
	pthread_mutex_lock(&served_lock);
	ret = answer(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
		     served_text ? served_text : "", served_len);
	pthread_mutex_unlock(&served_lock);
	__atomic_add_fetch(&served_count, 1, __ATOMIC_RELAXED);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode why)
{
	if (why != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		__atomic_add_fetch(&refused_count, 1, __ATOMIC_RELAXED);
}

static void on_library_error(void *cls, const char *fmt, va_list ap)
{
	if (nt_debug) {
		fprintf(stderr, "debug: prometheus endpoint: ");
		vfprintf(stderr, fmt, ap);
	}
}

int nt_prom_serve(const struct nt_listen *l)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	sigset_t block, old;

	if (l->sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
#ifdef __linux__
	flags |= MHD_USE_EPOLL;
#endif
	/* the polling thread inherits this mask: SIGINT/SIGTERM reach the main
	 * thread, whose poll they interrupt */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	errno = 0;
	daemon_ = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
				   MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&l->sa,
				   MHD_OPTION_CONNECTION_LIMIT, (unsigned)PROM_MAX_CONNS,
				   MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PROM_MAX_PER_IP,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)PROM_IDLE_S,
				   MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)PROM_REQ_MEM,
				   MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)PROM_MAX_CONNS,
				   MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				   MHD_OPTION_EXTERNAL_LOGGER, on_library_error, NULL,
				   MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!daemon_) {
		nt_err("--prometheus %s: cannot listen: %s", l->shown,
		       errno ? strerror(errno) : "the HTTP server did not start");
		return -1;
	}
	return 0;
}

void nt_prom_publish(struct nt_prom *p)
{
	size_t len;
	const char *text = nt_prom_text(p, &len);
	char *copy = malloc(len + 1), *old;

	if (!copy)
		return;         /* the last text stays served */
	memcpy(copy, text, len + 1);
	pthread_mutex_lock(&served_lock);
	old = served_text;
	served_text = copy;
	served_len = len;
	pthread_mutex_unlock(&served_lock);
	free(old);
}

void nt_prom_stop(void)
{
	if (daemon_)
		MHD_stop_daemon(daemon_);
	daemon_ = NULL;
	pthread_mutex_lock(&served_lock);
	free(served_text);
	served_text = NULL;
	served_len = 0;
	pthread_mutex_unlock(&served_lock);
}

void nt_prom_stats(uint64_t *served, uint64_t *refused)
{
	*served = __atomic_load_n(&served_count, __ATOMIC_RELAXED);
	*refused = __atomic_load_n(&refused_count, __ATOMIC_RELAXED);
}
