/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the running kernel's BTF says: which tracepoints and functions exist,
 * their argument shapes, and enum names (drop reasons are decoded by name,
 * never from a table of numbers: NETFILTER_DROP is 12 on 6.18 and 7 on 6.1).
 */
#ifndef NT_BTFINFO_H
#define NT_BTFINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* The largest BTF file we read: a kernel's is ~5 MB (allyesconfig ~60 MB). */
#define NT_BTF_MAX_SIZE (256u << 20)

/* Is @path usable as --btf? A regular file of at most NT_BTF_MAX_SIZE bytes
 * with the BTF magic in this host's byte order that libbpf parses and that
 * describes a kernel (has struct sk_buff). Opens nothing but regular files,
 * reads at most the file's size, never blocks. 0, or -1 with what is wrong in @why. */
int nt_btf_check_file(const char *path, char *why, size_t len);

/* Use @path instead of /sys/kernel/btf/vmlinux (--btf). Call before any lookup. */
void nt_btf_set_path(const char *path);
const char *nt_btf_path(void);
/* The kernel's BTF, loaded once; NULL (with a message in @why) if none. */
const void *nt_btf_vmlinux(const char **why);
unsigned int nt_btf_type_count(void);
/* Type @id (1 .. nt_btf_type_count()) of the kernel's BTF, NULL if none; a name
 * at string offset @off ("" if out of range); the bytes a type record takes
 * (0: a kind this reader does not know). For walking the types (core_target.c). */
struct btf_type;
const struct btf_type *nt_btf_type_by_id(unsigned int id);
const char *nt_btf_str(unsigned int off);
size_t nt_btf_type_size(const struct btf_type *t);
/* Call @fn for every named type of a kind in @kinds (a bit per BTF_KIND_*)
 * whose name starts with a character marked in @first; a non-zero return of
 * @fn ends the scan and is returned. One pass over the kernel's types. */
int nt_btf_scan(__u32 kinds, const bool first[256],
		int (*fn)(__u32 id, const struct btf_type *t, const char *name, void *ctx),
		void *ctx);

/* Free our copy (libbpf loads its own for CO-RE): call after the lookups a
 * tool needs before load, so two copies of ~5 MB never coexist. Later lookups
 * load it again. */
void nt_btf_release(void);

bool nt_btf_has_func(const char *name);
/* Is there a type @name of BTF_KIND @kind for CO-RE: in the kernel's BTF (or the
 * --btf file), else in a loaded module's BTF (not with --btf)? */
bool nt_btf_has_type(const char *name, int kind);
/* A tool's check before load: struct @name (of @module, when a module) in some BTF;
 * else a message saying @what cannot be read and what --btf must carry, and
 * NT_EXIT_RUNTIME. */
int nt_btf_need_struct(const char *name, const char *module, const char *what);
/* Id of type @name of BTF_KIND @kind in the running kernel's own BTF (what a
 * program's attach_btf_id names); -1 when absent or when --btf gave another file. */
int nt_btf_kernel_id(const char *name, int kind);
bool nt_btf_has_raw_tp(const char *tp);     /* typedef btf_trace_<tp> */
/* Number of arguments the tracepoint passes (without the leading void *), -1 if unknown. */
int nt_btf_tp_nargs(const char *tp);
/* Pointer depth of argument @i of function @func (1 for T *, 2 for T **), -1 if unknown. */
int nt_btf_func_arg_depth(const char *func, int i);
/* Name of @value in enum @enum_name with @prefix stripped; NULL if not found. */
const char *nt_btf_enum_name(const char *enum_name, const char *prefix, long long value,
			     char *buf, size_t len);
/* Call @fn for every enumerator of @enum_name (name with @prefix stripped).
 * Returns the number of enumerators, -1 if the enum is absent. */
int nt_btf_enum_foreach(const char *enum_name, const char *prefix,
			void (*fn)(const char *name, long long value, void *ctx), void *ctx);
/* Value of enumerator @name in enum @enum_name, or -1. */
long long nt_btf_enum_value(const char *enum_name, const char *name);

#endif
