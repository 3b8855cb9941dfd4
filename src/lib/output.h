/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One writer for both output formats. In JSON mode every record is one
 * object on one line with "tool", "type" and "time"; in text mode tools print
 * the manual's shapes with nt_text(). stdout is line-buffered either way, so
 * `... | tee log` sees each result as it happens. Every stdout write of a
 * tool goes through here, so a reader that exits is noticed in one place.
 */
#ifndef NT_OUTPUT_H
#define NT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

void nt_out_init(const char *tool, bool json);
bool nt_out_json(void);
/* Also write every record (JSON line or nt_text) to @f until called with NULL. */
#include <stdio.h>
void nt_out_tee(FILE *f);

/* Clock conversions: BPF timestamps are CLOCK_MONOTONIC ns. */
uint64_t nt_mono_ns(void);
uint64_t nt_mono_to_wall_ns(uint64_t mono_ns);
/* "2026-11-22T12:00:00.123456Z" */
void nt_fmt_rfc3339(uint64_t wall_ns, char *buf, size_t len);
/* "12:00:00.123" local time */
void nt_fmt_clock(uint64_t wall_ns, char *buf, size_t len);

/* JSON records: begin, add fields (nesting with obj/arr), end = one line. */
struct nt_json;
struct nt_json *nt_json_begin(const char *type, uint64_t wall_ns);
void nt_json_str(struct nt_json *j, const char *key, const char *val);
void nt_json_u64(struct nt_json *j, const char *key, uint64_t val);
void nt_json_i64(struct nt_json *j, const char *key, int64_t val);
void nt_json_f64(struct nt_json *j, const char *key, double val);
void nt_json_bool(struct nt_json *j, const char *key, bool val);
void nt_json_obj(struct nt_json *j, const char *key);   /* key NULL inside arrays */
void nt_json_obj_end(struct nt_json *j);
void nt_json_arr(struct nt_json *j, const char *key);
void nt_json_arr_end(struct nt_json *j);
void nt_json_end(struct nt_json *j);

/* Escape @s as a JSON string (with quotes) into @buf; returns bytes written
 * (truncating safely). Exposed for unit tests. */
size_t nt_json_escape(const char *s, char *buf, size_t len);

void nt_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A counting report's end, after its rows: the JSON record @j (an open array of rows)
 * closed with "map_full"; or, in text, @none when no row was @shown, and the map-full
 * count (at the end of the run, or whenever it is not 0). */
void nt_report_close(struct nt_json *j, unsigned long long map_full, bool whole, int shown,
		     const char *none);

/* A closed or stalled stdout (see output.c). The run loop puts every event
 * callback between nt_out_event_begin/end: its output is one record, written
 * whole or counted in nt_out_unwritten (which the lost_events of every
 * summary include). */
void nt_out_event_begin(void);
void nt_out_event_end(void);
uint64_t nt_out_unwritten(void);
/* The reader of stdout went away (EPIPE, or POLLERR/POLLHUP): the tool stops. */
bool nt_out_closed(void);
void nt_out_reader_gone(void);
/* stdout's fd when it is a pipe or socket still open (poll it for
 * POLLERR/POLLHUP while idle), else -1. */
int nt_out_poll_fd(void);
/* Flush what is pending; @rc, or, when a tool that ended well lost its
 * stdout, NT_EXIT_PIPE (the reader exited) or NT_EXIT_RUNTIME (a write error
 * such as ENOSPC, named on stderr). */
int nt_out_exit_code(int rc);

#endif
