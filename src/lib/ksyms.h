/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel symbols from /proc/kallsyms: address -> "func+0xoff" for locations
 * and stacks, and name lookups that understand compiler-suffixed clones
 * (BTF says "foo", kallsyms may only have "foo.constprop.0").
 */
#ifndef NT_KSYMS_H
#define NT_KSYMS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct ksym {
	uint64_t addr;
	const char *name;
};

struct ksyms;

struct ksyms *ksyms__load(void);                /* /proc/kallsyms */
struct ksyms *ksyms__parse(const char *path);   /* any file in kallsyms format */
void ksyms__free(struct ksyms *ks);
/* The symbol containing @addr (greatest start <= addr), or NULL. */
const struct ksym *ksyms__map_addr(const struct ksyms *ks, uint64_t addr);
/* "func+0x1f" or "0xffff..." when unknown. */
const char *ksyms__fmt(const struct ksyms *ks, uint64_t addr, char *buf, size_t len);
/* Exact name, else the first "name.<suffix>" clone; NULL when absent. */
const struct ksym *ksyms__find(const struct ksyms *ks, const char *name);
/* Is symbol @sym the function @name, or a "name.<suffix>" clone of it? */
bool ksyms__is(const char *sym, const char *name);
/* Addresses of @n (<= NT_KSYMS_SCAN_MAX) functions by name (exact, else the
 * first clone) in the kallsyms-format file @path, without keeping a table: the
 * start of a tool that needs a few addresses and prints no symbol. Unknown
 * ones are 0. @ends (may be NULL): where each ends, the next text symbol above
 * it (as ksyms__range). Returns how many were found, -1 if @path cannot be read. */
#define NT_KSYMS_SCAN_MAX 16
int ksyms__scan(const char *path, const char *const names[], uint64_t addrs[], uint64_t ends[],
		int n);
/* [start, end) of the function @name (end = next symbol). */
bool ksyms__range(const struct ksyms *ks, const char *name, uint64_t *start, uint64_t *end);
/* Shared instance, loaded at its first use: a tool that prints no stack or
 * location never reads /proc/kallsyms (~10 MB of memory). */
struct ksyms *nt_ksyms(void);
/* Forget the shared instance (read before our programs existed, it lacks their
 * frames); the next nt_ksyms() reads /proc/kallsyms again. */
void nt_ksyms_stale(void);

#endif
