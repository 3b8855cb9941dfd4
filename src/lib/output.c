// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "output.h"

#define NT_JSON_DEPTH 8

struct nt_json {
	char *buf;
	size_t len, cap;
	int depth;
	bool first[NT_JSON_DEPTH];
};

static const char *out_tool = "nettrail";
static bool out_json;
static int64_t mono_to_wall;
static struct nt_json rec;
static FILE *out_tee;

void nt_out_tee(FILE *f)
{
	out_tee = f;
}

void nt_out_init(const char *tool, bool json)
{
	struct timespec rt, mt;

	out_tool = tool;
	out_json = json;
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
	fwrite(j->buf, 1, j->len, stdout);
	fflush(stdout);
	if (out_tee) {
		fwrite(j->buf, 1, j->len, out_tee);
		fflush(out_tee);
	}
}

void nt_text(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (out_tee) {
		va_start(ap, fmt);
		vfprintf(out_tee, fmt, ap);
		va_end(ap);
		fflush(out_tee);
	}
}
