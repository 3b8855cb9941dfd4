/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus metrics of the summary tools (--prometheus [ADDR:]PORT).
 *
 * A tool's metrics hook writes its whole-run state into an exposition
 * (struct nt_prom) after each report: counters, gauges and histograms with
 * labels; every sample also carries tool="..." and host="...". Samples are
 * grouped by metric family in the text, whatever order the hook wrote them
 * in, as the text format requires. The runner then publishes the text to an
 * HTTP server (libmicrohttpd, its own thread) that only hands out the last
 * published copy: a slow, idle or flooding client never waits on tracing,
 * nor tracing on it. Connections are bounded in number, idle time and
 * request size (see prom.c).
 */
#ifndef NT_PROM_H
#define NT_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct nt_lat;

/* Where the endpoint listens: parsed from [ADDR:]PORT (cli.c). */
struct nt_listen {
	bool set;
	struct sockaddr_storage sa;
	socklen_t len;
	char shown[80];         /* "127.0.0.1:9464", "[::1]:9464" */
};

/* "PORT", "ADDR:PORT" or "[ADDR6]:PORT"; ADDR defaults to 127.0.0.1. 0, or -1
 * with @why set ("port must be 1-65535", ...). */
int nt_listen_parse(const char *arg, struct nt_listen *l, char *why, size_t whylen);

enum nt_prom_type { NT_PROM_COUNTER, NT_PROM_GAUGE, NT_PROM_HISTOGRAM };

struct nt_prom;

/* An empty exposition whose samples carry tool=@tool and host=@host. */
struct nt_prom *nt_prom_new(const char *tool, const char *host);
void nt_prom_free(struct nt_prom *p);
/* Forget the samples (families and constant labels stay). */
void nt_prom_reset(struct nt_prom *p);

/* One sample of the family @name (created with @type and @help on first
 * use). The labels follow as name, value pairs ending with NULL; a NULL
 * value leaves its label out. Histograms go through nt_prom_hist. */
void nt_prom_add(struct nt_prom *p, const char *name, enum nt_prom_type type, const char *help,
		 double value, ...) __attribute__((sentinel));
/* A log2 latency accumulator (nanoseconds) as a histogram in seconds:
 * NAME_bucket{le=".."} for every slot bound (the same set each time, so
 * rates over buckets work), le="+Inf", NAME_sum and NAME_count. */
void nt_prom_hist(struct nt_prom *p, const char *name, const char *help, const struct nt_lat *l,
		  ...) __attribute__((sentinel));

/* The text format of what was added (valid until the next change). */
const char *nt_prom_text(struct nt_prom *p, size_t *len);

/* The endpoint: GET /metrics serves the last published text. Returns 0, or
 * -1 with the reason printed (address in use, ...). */
int nt_prom_serve(const struct nt_listen *l);
/* Hand a copy of @p's text to the endpoint. */
void nt_prom_publish(struct nt_prom *p);
/* Stop serving and close every connection. */
void nt_prom_stop(void);
/* Requests answered, refused (busy or malformed) and connections timed out,
 * for --debug and the tests. */
void nt_prom_stats(uint64_t *served, uint64_t *refused);

#endif
