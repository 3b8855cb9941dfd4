// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"

struct ksyms {
	struct ksym *syms;
	size_t n, cap;
	char *strs;
	size_t strs_len, strs_cap;
};

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int add(struct ksyms *ks, uint64_t addr, const char *name)
{
	size_t l = strlen(name) + 1;

	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 4096;
		void *p = realloc(ks->syms, cap * sizeof(*ks->syms));

		if (!p)
			return -1;
		ks->syms = p;
		ks->cap = cap;
	}
	if (ks->strs_len + l > ks->strs_cap) {
		size_t cap = ks->strs_cap ? ks->strs_cap * 2 : 1 << 20;
		void *p;

		while (cap < ks->strs_len + l)
			cap *= 2;
		p = realloc(ks->strs, cap);
		if (!p)
			return -1;
		ks->strs = p;
		ks->strs_cap = cap;
	}
	memcpy(ks->strs + ks->strs_len, name, l);
	/* Store the offset for now: strs may still move. */
	ks->syms[ks->n].addr = addr;
	ks->syms[ks->n].name = (const char *)(uintptr_t)ks->strs_len;
	ks->strs_len += l;
	ks->n++;
	return 0;
}

/* "ADDR TYPE NAME[\t[MODULE]]\n": the name ends at the first blank, in place.
 * By hand: sscanf made reading /proc/kallsyms (~200k lines) the slowest step
 * of a start that needs symbols before loading. 0 if the line has all three. */
static int parse_line(char *line, unsigned long long *addr, char *type, const char **name)
{
	char *p = line, *end;

	*addr = strtoull(p, &end, 16);
	if (end == p || *end != ' ' || !end[1] || end[2] != ' ')
		return -1;
	*type = end[1];
	p = end + 3;
	end = p + strcspn(p, " \t\n");
	if (end == p || end - p > 255)
		return -1;
	*end = 0;
	*name = p;
	return 0;
}

/* Each text symbol of the kallsyms-format file @path, in file order, to @fn
 * until it returns nonzero (that value is returned). -1: @path unreadable.
 * Text symbols only: stacks and probe points live there. */
static int each_text_symbol(const char *path, int (*fn)(void *ctx, uint64_t addr,
							const char *name), void *ctx)
{
	FILE *f = fopen(path, "r");
	static char iobuf[1 << 16];
	char line[512];
	int ret = 0;

	if (!f)
		return -1;
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	while (!ret && fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		const char *name;
		char type;

		if (parse_line(line, &addr, &type, &name) ||
		    (type != 't' && type != 'T' && type != 'w' && type != 'W'))
			continue;
		ret = fn(ctx, addr, name);
	}
	fclose(f);
	return ret;
}

static int add_symbol(void *ctx, uint64_t addr, const char *name)
{
	return add(ctx, addr, name);
}

struct ksyms *ksyms__parse(const char *path)
{
	struct ksyms *ks = calloc(1, sizeof(*ks));

	if (!ks)
		return NULL;
	if (each_text_symbol(path, add_symbol, ks)) {
		ksyms__free(ks);
		return NULL;
	}
	for (size_t i = 0; i < ks->n; i++)
		ks->syms[i].name = ks->strs + (uintptr_t)ks->syms[i].name;
	qsort(ks->syms, ks->n, sizeof(*ks->syms), cmp_addr);
	return ks;
}

struct ksyms *ksyms__load(void)
{
	return ksyms__parse("/proc/kallsyms");
}

/* 2: @sym is @name; 1: a "name.<suffix>" clone of it; 0: neither. */
static int name_match(const char *sym, const char *name)
{
	size_t l = strlen(name);

	if (strncmp(sym, name, l))
		return 0;
	return !sym[l] ? 2 : sym[l] == '.';
}

bool ksyms__is(const char *sym, const char *name)
{
	return name_match(sym, name) > 0;
}

struct scan {
	const char *const *names;
	uint64_t *addrs, *ends;
	int n, exact, ended, best[NT_KSYMS_SCAN_MAX];
	bool open[NT_KSYMS_SCAN_MAX];   /* found, its end not seen yet */
};

static int scan_symbol(void *ctx, uint64_t addr, const char *name)
{
	struct scan *sc = ctx;

	for (int i = 0; i < sc->n; i++) {
		int m = name_match(name, sc->names[i]);

		/* the first text symbol above a found one ends it (the core
		 * kernel's lines are in address order) */
		if (sc->open[i] && addr > sc->addrs[i]) {
			sc->ends[i] = addr;
			sc->open[i] = false;
			sc->ended++;
		}
		if (m <= sc->best[i])
			continue;
		/* the exact name wins over a clone */
		if (sc->ends && sc->best[i] && !sc->open[i])
			sc->ended--;    /* the clone's end no longer counts */
		sc->exact += m == 2;
		sc->best[i] = m;
		sc->addrs[i] = addr;
		if (sc->ends) {
			sc->ends[i] = addr + 1;
			sc->open[i] = true;
		}
	}
	/* all found exactly (and ended): stop reading */
	return sc->exact == sc->n && (!sc->ends || sc->ended == sc->n);
}

int ksyms__scan(const char *path, const char *const names[], uint64_t addrs[], uint64_t ends[],
		int n)
{
	struct scan sc = { .names = names, .addrs = addrs, .ends = ends, .n = n };
	int found = 0;

	if (n > NT_KSYMS_SCAN_MAX)
		return -1;
	for (int i = 0; i < n; i++) {
		addrs[i] = 0;
		if (ends)
			ends[i] = 0;
	}
	if (each_text_symbol(path, scan_symbol, &sc) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		found += sc.best[i] > 0;
	return found;
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->strs);
	free(ks);
}

const struct ksym *ksyms__map_addr(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!ks || !ks->n || addr < ks->syms[0].addr)
		return NULL;
	hi = ks->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return &ks->syms[lo];
}

const char *ksyms__fmt(const struct ksyms *ks, uint64_t addr, char *buf, size_t len)
{
	const struct ksym *s = ksyms__map_addr(ks, addr);

	if (s && s->addr)
		snprintf(buf, len, "%s+0x%llx", s->name, (unsigned long long)(addr - s->addr));
	else
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
	return buf;
}

const struct ksym *ksyms__find(const struct ksyms *ks, const char *name)
{
	const struct ksym *clone = NULL;

	if (!ks)
		return NULL;
	for (size_t i = 0; i < ks->n; i++) {
		int m = name_match(ks->syms[i].name, name);

		if (m == 2)
			return &ks->syms[i];
		if (m == 1 && !clone)
			clone = &ks->syms[i];
	}
	return clone;
}

bool ksyms__range(const struct ksyms *ks, const char *name, uint64_t *start, uint64_t *end)
{
	const struct ksym *s = ksyms__find(ks, name);

	if (!s)
		return false;
	*start = s->addr;
	*end = s->addr + 1;
	/* The next symbol at a higher address ends this one. */
	for (const struct ksym *n = s + 1; n < ks->syms + ks->n; n++) {
		if (n->addr > s->addr) {
			*end = n->addr;
			break;
		}
	}
	return true;
}

static struct ksyms *shared_ks;
static bool shared_tried;

struct ksyms *nt_ksyms(void)
{
	if (!shared_tried) {
		shared_tried = true;
		shared_ks = ksyms__load();
	}
	return shared_ks;
}

void nt_ksyms_stale(void)
{
	ksyms__free(shared_ks);
	shared_ks = NULL;
	shared_tried = false;
}
