/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * User-space half of the log2 latency accumulators (src/bpf/nt_hist.h):
 * merging per-CPU copies, percentiles, and one way to print them in text and
 * JSON, so every tool's histograms look alike.
 */
#ifndef NT_LIB_HIST_H
#define NT_LIB_HIST_H

#include <stdint.h>
#include "nt_hist.h"

struct nt_json;

/* Lower and upper bound (exclusive) of slot @k. */
uint64_t nt_hist_slot_lo(int k);
uint64_t nt_hist_slot_hi(int k);
/* Slot of value @v (same rule as the kernel side). */
int nt_hist_slot_of(uint64_t v);
/* Add a value from user space (tests, user-side aggregation). */
void nt_lat_add_value(struct nt_lat *l, uint64_t v);
/* dst += src (count, sum, min, max, slots). */
void nt_lat_merge(struct nt_lat *dst, const struct nt_lat *src);
/* The @p-th percentile (0 < p <= 100), interpolated linearly inside its
 * slot and clamped to [min, max]; 0 when empty. */
double nt_lat_percentile(const struct nt_lat *l, double p);

/* JSON: "KEY":{"count":N,"min":..,"avg":..,"max":..,"p50":..,"p99":..} with
 * values divided by @div (1000 turns ns into us); then, when @hist_key is not
 * NULL, "HIST_KEY":[{"lo":..,"hi":..,"count":N}...] over non-empty slots, bounds
 * divided by @div too. */
void nt_lat_json(struct nt_json *j, const char *key, const char *hist_key,
		 const struct nt_lat *l, double div);
/* Text: one line "Latency(UNIT) Min .. Avg .. Max .. P50 .. P99 .." and, with
 * @hist, a bar per non-empty slot. Each line starts with @indent. */
void nt_lat_text(const char *indent, const char *unit, const struct nt_lat *l, double div,
		 int hist);

/* Text for a distribution of counts (queue depths, indexes): "LABEL: n=.. min .. avg
 * .. max .." and a bar per non-empty slot with its share. */
void nt_dist_text(const char *indent, const char *label, const struct nt_lat *l);
/* @l (a running total) minus an earlier copy @prev: the interval between them. Its
 * min and max are narrowed to the bounds of its first and last non-empty slots. */
void nt_lat_sub(struct nt_lat *l, const struct nt_lat *prev);

#endif
