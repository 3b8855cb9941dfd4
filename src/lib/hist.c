// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "hist.h"
#include "output.h"

uint64_t nt_hist_slot_lo(int k)
{
	return k <= 0 ? 0 : 1ULL << (k - 1);
}

uint64_t nt_hist_slot_hi(int k)
{
	return k <= 0 ? 1 : 1ULL << k;
}

int nt_hist_slot_of(uint64_t v)
{
	int r = 0;

	if (!v)
		return 0;
	while (v >>= 1)
		r++;
	r += 1;
	return r < NT_HIST_SLOTS ? r : NT_HIST_SLOTS - 1;
}

void nt_lat_add_value(struct nt_lat *l, uint64_t v)
{
	if (!l->count || v < l->min)
		l->min = v;
	if (v > l->max)
		l->max = v;
	l->count++;
	l->sum += v;
	l->slots[nt_hist_slot_of(v)]++;
}

void nt_lat_merge(struct nt_lat *dst, const struct nt_lat *src)
{
	if (!src->count)
		return;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	for (int k = 0; k < NT_HIST_SLOTS; k++)
		dst->slots[k] += src->slots[k];
}

double nt_lat_percentile(const struct nt_lat *l, double p)
{
	uint64_t total = 0, seen = 0;
	double rank, v = 0;

	for (int k = 0; k < NT_HIST_SLOTS; k++)
		total += l->slots[k];
	if (!total || !l->count)
		return 0;
	rank = p / 100.0 * (double)total;
	if (rank < 1)
		rank = 1;
	for (int k = 0; k < NT_HIST_SLOTS; k++) {
		uint64_t n = l->slots[k];
		double lo, hi;

		if (!n || (double)(seen + n) < rank) {
			seen += n;
			continue;
		}
		lo = (double)nt_hist_slot_lo(k);
		hi = (double)nt_hist_slot_hi(k);
		if (lo < (double)l->min)
			lo = (double)l->min;
		if (hi > (double)l->max)
			hi = (double)l->max;
		v = lo + (hi - lo) * ((rank - (double)seen) / (double)n);
		break;
	}
	if (v < (double)l->min)
		v = (double)l->min;
	if (v > (double)l->max)
		v = (double)l->max;
	return v;
}

void nt_lat_json(struct nt_json *j, const char *key, const char *hist_key,
		 const struct nt_lat *l, double div)
{
	nt_json_obj(j, key);
	nt_json_u64(j, "count", l->count);
	if (l->count) {
		nt_json_f64(j, "min", (double)l->min / div);
		nt_json_f64(j, "avg", (double)l->sum / (double)l->count / div);
		nt_json_f64(j, "max", (double)l->max / div);
		nt_json_f64(j, "p50", nt_lat_percentile(l, 50) / div);
		nt_json_f64(j, "p99", nt_lat_percentile(l, 99) / div);
	}
	nt_json_obj_end(j);
	if (!hist_key)
		return;
	nt_json_arr(j, hist_key);
	for (int k = 0; k < NT_HIST_SLOTS; k++) {
		if (!l->slots[k])
			continue;
		nt_json_obj(j, NULL);
		nt_json_f64(j, "lo", (double)nt_hist_slot_lo(k) / div);
		nt_json_f64(j, "hi", (double)nt_hist_slot_hi(k) / div);
		nt_json_u64(j, "count", l->slots[k]);
		nt_json_obj_end(j);
	}
	nt_json_arr_end(j);
}

/* a bar per non-empty slot, bounds divided by @div; with @pct each count's share */
static void hist_bars(const char *indent, const struct nt_lat *l, double div, bool pct)
{
	uint64_t top = 0;

	for (int k = 0; k < NT_HIST_SLOTS; k++)
		if (l->slots[k] > top)
			top = l->slots[k];
	for (int k = 0; k < NT_HIST_SLOTS; k++) {
		char bar[41], share[16] = "";
		int w;

		if (!l->slots[k])
			continue;
		w = (int)(l->slots[k] * 40 / top);
		if (w < 1)
			w = 1;
		memset(bar, '*', w);
		bar[w] = 0;
		if (pct)
			snprintf(share, sizeof(share), "(%5.1f%%) ", 100.0 * (double)l->slots[k] /
				 (double)l->count);
		nt_text("%s  %10.1f -> %-10.1f : %-10llu %s|%-40s|\n", indent,
			nt_hist_slot_lo(k) / div, nt_hist_slot_hi(k) / div,
			(unsigned long long)l->slots[k], share, bar);
	}
}

void nt_lat_text(const char *indent, const char *unit, const struct nt_lat *l, double div,
		 int hist)
{
	if (!l->count) {
		nt_text("%sLatency(%s) no samples\n", indent, unit);
		return;
	}
	nt_text("%sLatency(%s) Min %.1f Avg %.1f Max %.1f P50 %.1f P99 %.1f (n=%llu)\n", indent,
		unit, l->min / div, (double)l->sum / (double)l->count / div, l->max / div,
		nt_lat_percentile(l, 50) / div, nt_lat_percentile(l, 99) / div,
		(unsigned long long)l->count);
	if (hist)
		hist_bars(indent, l, div, false);
}

void nt_dist_text(const char *indent, const char *label, const struct nt_lat *l)
{
	nt_text("%s%s: n=%llu min %llu avg %.1f max %llu\n", indent, label,
		(unsigned long long)l->count, (unsigned long long)(l->count ? l->min : 0),
		l->count ? (double)l->sum / (double)l->count : 0.0, (unsigned long long)l->max);
	if (l->count)
		hist_bars(indent, l, 1, true);
}

void nt_lat_sub(struct nt_lat *l, const struct nt_lat *prev)
{
	int first = -1, last = -1;

	l->count -= prev->count;
	l->sum -= prev->sum;
	for (int k = 0; k < NT_HIST_SLOTS; k++) {
		l->slots[k] -= prev->slots[k];
		if (l->slots[k]) {
			if (first < 0)
				first = k;
			last = k;
		}
	}
	/* the interval's extremes are known to their slots only */
	if (first >= 0 && prev->count) {
		if (nt_hist_slot_lo(first) > l->min)
			l->min = nt_hist_slot_lo(first);
		if (nt_hist_slot_hi(last) - 1 < l->max)
			l->max = nt_hist_slot_hi(last) - 1;
	}
	if (!l->count)
		l->min = l->max = 0;
}
