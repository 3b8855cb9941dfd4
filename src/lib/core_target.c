// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A CO-RE target made for one BPF object.
 *
 * libbpf resolves an object's CO-RE relocations by looking up each relocated
 * type's name in the kernel's BTF, a pass over all of its types (126k on
 * 6.18) per type: five passes, ~6 ms, for a latency tool's start. The object's
 * .BTF.ext names those types; the planner has the kernel's BTF mapped already.
 * So before the open we find them all in one pass, and give libbpf (as
 * btf_custom_path, which it uses for CO-RE only) a small BTF with exactly
 * what the relocations can look at:
 *
 *  - every kernel type a relocated type's name matches (libbpf's candidates:
 *    same kind, enums of either width, names compared up to a "___flavor");
 *  - what their fields are made of: member, array element and typedef types,
 *    followed down to the leaves; a pointer is kept, what it points to is not
 *    (a relocation never looks through one: each dereference relocates on its
 *    own type);
 *  - the kernel's type ids where a relocation asks for one
 *    (bpf_core_type_id_kernel): ids up to the largest such are kept as they
 *    are, the types in between are one-word placeholders.
 *
 * The same pass finds the kernel functions (kfuncs) the object calls: libbpf
 * would load the kernel's whole BTF again at load for their ids alone (our
 * patch 0002 takes them from us: bpf_object__set_kfunc_btf_id).
 *
 * The relocations come out as the kernel's BTF would give them (tests compare
 * the patched instructions both ways). Where a relocated type is not in
 * vmlinux (a module's, or absent), where the object has no CO-RE relocation,
 * or with --btf, libbpf does its own search as before.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/btf.h>
#include <bpf/btf.h>
#include "nt.h"
#include "btfinfo.h"
#include "core_target.h"

#ifndef BTF_KIND_ENUM64
#define BTF_KIND_ENUM64 19
#endif
#define CORE_TYPE_ID_LOCAL  6   /* enum bpf_core_relo_kind */
#define CORE_TYPE_ID_TARGET 7
#define MAX_ROOTS 64

/* .BTF.ext's header (the CO-RE part is in headers of 32 bytes and more) */
struct ext_header {
	__u16 magic;
	__u8 version, flags;
	__u32 hdr_len, func_info_off, func_info_len, line_info_off, line_info_len;
	__u32 core_relo_off, core_relo_len;
};

struct root {                   /* a relocated type of the object */
	const char *name;
	size_t len;             /* of the name without a ___flavor */
	__u32 kind;
	bool wants_id;          /* a relocation asks for its kernel type id */
	unsigned int found;     /* kernel candidates */
};

struct target {
	struct root roots[MAX_ROOTS];
	int nroots;
	unsigned int ntypes;    /* kernel's */
	unsigned char *kept;    /* bit per kernel type id */
	__u32 *queue, nqueue, cap;
	__u32 keep_ids_to;      /* ids 1..keep_ids_to stay the kernel's */
	__u32 *order;           /* kept ids above keep_ids_to, ascending */
	__u32 norder;
	struct nt_kfuncs *kf;   /* the object's kfuncs: ids found in the same pass */
	/* the BTF written: types, then strings */
	unsigned char *types, *strs;
	size_t types_len, types_cap, strs_len, strs_cap;
	bool short_of_memory;
};

/* ---- the object's ELF: .BTF and .BTF.ext -------------------------------- */

static bool elf_section(const void *elf, size_t size, const char *want, const void **data,
			size_t *len)
{
	const Elf64_Ehdr *eh = elf;
	const Elf64_Shdr *sh, *names;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shentsize != sizeof(*sh) ||
	    eh->e_shoff > size || eh->e_shnum > (size - eh->e_shoff) / sizeof(*sh) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return false;
	sh = (const void *)((const char *)elf + eh->e_shoff);
	names = &sh[eh->e_shstrndx];
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_name >= names->sh_size || names->sh_offset + names->sh_size > size ||
		    sh[i].sh_offset + sh[i].sh_size > size)
			continue;
		if (!strcmp((const char *)elf + names->sh_offset + sh[i].sh_name, want)) {
			*data = (const char *)elf + sh[i].sh_offset;
			*len = sh[i].sh_size;
			return true;
		}
	}
	return false;
}

/* libbpf's rule: "name___flavor" is "name" */
static size_t essential_len(const char *name)
{
	size_t n = strlen(name);

	for (int i = (int)n - 5; i >= 0; i--)
		if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' &&
		    name[i + 3] == '_' && name[i + 4] != '_')
			return i + 1;
	return n;
}

static int add_root(struct target *tg, const struct btf *local, __u32 id, __u32 kind)
{
	const struct btf_type *t = btf__type_by_id(local, id);
	const char *name;

	if (kind == CORE_TYPE_ID_LOCAL)
		return 0;
	if (!t || !t->name_off)
		return -1;
	name = btf__name_by_offset(local, t->name_off);
	for (int i = 0; i < tg->nroots; i++)
		if (!strcmp(tg->roots[i].name, name) && tg->roots[i].kind == btf_kind(t)) {
			tg->roots[i].wants_id |= kind == CORE_TYPE_ID_TARGET;
			return 0;
		}
	if (tg->nroots == MAX_ROOTS)
		return -1;
	tg->roots[tg->nroots++] = (struct root){
		.name = name, .len = essential_len(name), .kind = btf_kind(t),
		.wants_id = kind == CORE_TYPE_ID_TARGET,
	};
	return 0;
}

/* The types the object's CO-RE relocations name; 0 with none, -1 if unreadable. */
static int read_roots(struct target *tg, const struct btf *local, const void *ext, size_t len)
{
	const struct ext_header *h = ext;
	const unsigned char *p, *end;
	__u32 rec_size;

	if (len < sizeof(__u32) * 2 || h->magic != BTF_MAGIC || h->hdr_len > len)
		return -1;
	if (h->hdr_len < sizeof(*h) || !h->core_relo_len)
		return 0;
	p = (const unsigned char *)ext + h->hdr_len + h->core_relo_off;
	end = p + h->core_relo_len;
	if (h->core_relo_off > len - h->hdr_len || h->core_relo_len > len - h->hdr_len -
	    h->core_relo_off || h->core_relo_len < sizeof(__u32))
		return -1;
	memcpy(&rec_size, p, sizeof(rec_size));
	if (rec_size < 4 * sizeof(__u32))
		return -1;
	for (p += sizeof(__u32); p + 2 * sizeof(__u32) <= end;) {
		__u32 sec[2];           /* section name, records */

		memcpy(sec, p, sizeof(sec));
		p += sizeof(sec);
		if (sec[1] > (size_t)(end - p) / rec_size)
			return -1;
		for (__u32 i = 0; i < sec[1]; i++, p += rec_size) {
			__u32 rec[4];   /* insn_off, type_id, access_str_off, kind */

			memcpy(rec, p, sizeof(rec));
			if (add_root(tg, local, rec[1], rec[3]))
				return -1;
		}
	}
	return tg->nroots;
}

/* The kernel functions the object calls: its extern FUNCs (ids found later). */
static void read_kfuncs(struct target *tg, const struct btf *local)
{
	for (__u32 id = 1; id < btf__type_cnt(local) && tg->kf->n < NT_MAX_KFUNCS; id++) {
		const struct btf_type *t = btf__type_by_id(local, id);
		const char *name = btf__name_by_offset(local, t->name_off);
		size_t len = essential_len(name);

		if (!btf_is_func(t) || btf_vlen(t) != BTF_FUNC_EXTERN ||
		    len >= sizeof(tg->kf->f[0].name))
			continue;
		memcpy(tg->kf->f[tg->kf->n].name, name, len);
		tg->kf->f[tg->kf->n].name[len] = 0;
		tg->kf->f[tg->kf->n++].id = 0;
	}
}

/* ---- the kernel's types: candidates and what they are made of ---------- */

static bool kind_compat(__u32 a, __u32 b)
{
	bool ea = a == BTF_KIND_ENUM || a == BTF_KIND_ENUM64;
	bool eb = b == BTF_KIND_ENUM || b == BTF_KIND_ENUM64;

	return a == b || (ea && eb);
}

static bool is_kept(const struct target *tg, __u32 id)
{
	return tg->kept[id / 8] & (1u << (id % 8));
}

static int keep(struct target *tg, __u32 id)
{
	if (id > tg->ntypes)
		return -1;
	if (!id || is_kept(tg, id))
		return 0;
	tg->kept[id / 8] |= 1u << (id % 8);
	if (tg->nqueue == tg->cap) {
		__u32 *q = realloc(tg->queue, (tg->cap = tg->cap ? tg->cap * 2 : 256) * sizeof(*q));

		if (!q)
			return -1;
		tg->queue = q;
	}
	tg->queue[tg->nqueue++] = id;
	return 0;
}

static int match_roots(__u32 id, const struct btf_type *t, const char *name, void *ctx)
{
	struct target *tg = ctx;

	if (btf_kind(t) == BTF_KIND_FUNC) {     /* a kfunc's (its first: libbpf's choice) */
		for (int i = 0; i < tg->kf->n; i++)
			if (!tg->kf->f[i].id && !strcmp(name, tg->kf->f[i].name))
				tg->kf->f[i].id = id;
		return 0;
	}
	for (int i = 0; i < tg->nroots; i++) {
		struct root *r = &tg->roots[i];

		if (!kind_compat(btf_kind(t), r->kind) || strncmp(name, r->name, r->len) ||
		    essential_len(name) != r->len)
			continue;
		r->found++;
		if (r->wants_id && id > tg->keep_ids_to)
			tg->keep_ids_to = id;
		if (keep(tg, id))
			return -1;
	}
	return 0;
}

/* Every kernel type a root's name and kind match, in one pass (most types
 * are passed over on their kind or their name's first letter). */
static int find_candidates(struct target *tg)
{
	__u32 kinds = 0;
	bool first[256] = {};

	for (int i = 0; i < tg->nroots; i++) {
		__u32 k = tg->roots[i].kind;

		kinds |= k == BTF_KIND_ENUM || k == BTF_KIND_ENUM64 ?
			 1u << BTF_KIND_ENUM | 1u << BTF_KIND_ENUM64 : 1u << k;
		first[(unsigned char)tg->roots[i].name[0]] = true;
	}
	for (int i = 0; i < tg->kf->n; i++) {
		kinds |= 1u << BTF_KIND_FUNC;
		first[(unsigned char)tg->kf->f[i].name[0]] = true;
	}
	if (nt_btf_scan(kinds, first, match_roots, tg))
		return -1;
	for (int i = 0; i < tg->nroots; i++)
		if (!tg->roots[i].found)
			return -1;      /* a module's type, or none: libbpf's search */
	return 0;
}

/* What the kept types are made of (the queue grows as it is walked). */
static int keep_parts(struct target *tg)
{
	for (__u32 q = 0; q < tg->nqueue; q++) {
		const struct btf_type *t = nt_btf_type_by_id(tg->queue[q]);
		int err = 0;

		switch (btf_kind(t)) {
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			for (__u32 i = 0; i < btf_vlen(t) && !err; i++)
				err = keep(tg, btf_members(t)[i].type);
			break;
		case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
			err = keep(tg, t->type);
			break;
		case BTF_KIND_ARRAY:
			err = keep(tg, btf_array(t)->type) ?: keep(tg, btf_array(t)->index_type);
			break;
		case BTF_KIND_PTR:      /* kept; its target only if kept for itself */
		case BTF_KIND_INT: case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
		case BTF_KIND_FWD: case BTF_KIND_FLOAT:
			break;
		default:                /* functions, variables: never a field's type */
			return -1;
		}
		if (err)
			return -1;
	}
	return 0;
}

/* ---- the BTF written ----------------------------------------------------- */

static int grow(unsigned char **buf, size_t *cap, size_t need)
{
	unsigned char *n;
	size_t c = *cap ? *cap : 4096;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	n = realloc(*buf, c);
	if (!n)
		return -1;
	*buf = n;
	*cap = c;
	return 0;
}

static __u32 add_str(struct target *tg, __u32 kernel_off)
{
	const char *s = nt_btf_str(kernel_off);
	size_t n = strlen(s) + 1;
	__u32 off = tg->strs_len;

	if (!kernel_off || !*s)
		return 0;
	if (grow(&tg->strs, &tg->strs_cap, tg->strs_len + n)) {
		tg->short_of_memory = true;
		return 0;
	}
	memcpy(tg->strs + tg->strs_len, s, n);
	tg->strs_len += n;
	return off;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* A kernel type id as the written BTF numbers it; 0 for one not kept. */
static __u32 new_id(const struct target *tg, __u32 id)
{
	const __u32 *at;

	if (!id || !is_kept(tg, id))
		return 0;
	if (id <= tg->keep_ids_to)
		return id;
	at = bsearch(&id, tg->order, tg->norder, sizeof(id), cmp_u32);
	return tg->keep_ids_to + 1 + (__u32)(at - tg->order);
}

static void *add_type(struct target *tg, size_t n)
{
	void *p;

	if (grow(&tg->types, &tg->types_cap, tg->types_len + n))
		return NULL;
	p = tg->types + tg->types_len;
	tg->types_len += n;
	return p;
}

/* Kernel type @id, with its names and type references renumbered. */
static int copy_type(struct target *tg, __u32 id)
{
	const struct btf_type *k = nt_btf_type_by_id(id);
	size_t n = nt_btf_type_size(k);
	struct btf_type *t = n ? add_type(tg, n) : NULL;

	if (!t)
		return -1;
	memcpy(t, k, n);
	t->name_off = add_str(tg, k->name_off);
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		for (__u32 i = 0; i < btf_vlen(t); i++) {
			btf_members(t)[i].name_off = add_str(tg, btf_members(k)[i].name_off);
			btf_members(t)[i].type = new_id(tg, btf_members(k)[i].type);
		}
		break;
	case BTF_KIND_ENUM:
		for (__u32 i = 0; i < btf_vlen(t); i++)
			btf_enum(t)[i].name_off = add_str(tg, btf_enum(k)[i].name_off);
		break;
	case BTF_KIND_ENUM64:
		for (__u32 i = 0; i < btf_vlen(t); i++)
			btf_enum64(t)[i].name_off = add_str(tg, btf_enum64(k)[i].name_off);
		break;
	case BTF_KIND_ARRAY:
		btf_array(t)->type = new_id(tg, btf_array(k)->type);
		btf_array(t)->index_type = new_id(tg, btf_array(k)->index_type);
		break;
	case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
		t->type = new_id(tg, k->type);
		break;
	}
	return 0;
}

/* A placeholder for a kernel type id not kept: void *, nameless (never a
 * candidate: names are what candidates are found by). */
static int add_hole(struct target *tg)
{
	struct btf_type *t = add_type(tg, sizeof(*t));

	if (!t)
		return -1;
	*t = (struct btf_type){ .info = BTF_KIND_PTR << 24 };
	return 0;
}

static int build(struct target *tg)
{
	tg->strs_len = 1;
	if (grow(&tg->strs, &tg->strs_cap, 1))
		return -1;
	tg->strs[0] = 0;
	for (__u32 i = 0; i < tg->nqueue; i++)
		if (tg->queue[i] > tg->keep_ids_to)
			tg->order[tg->norder++] = tg->queue[i];
	qsort(tg->order, tg->norder, sizeof(*tg->order), cmp_u32);
	for (__u32 id = 1; id <= tg->keep_ids_to; id++)
		if (is_kept(tg, id) ? copy_type(tg, id) : add_hole(tg))
			return -1;
	for (__u32 i = 0; i < tg->norder; i++)
		if (copy_type(tg, tg->order[i]))
			return -1;
	return tg->short_of_memory ? -1 : 0;
}

/* The BTF into a memory file, named by /proc/self/fd/N for libbpf. */
static int write_target(struct target *tg, char *path, size_t len)
{
	struct btf_header h = {
		.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h),
		.type_off = 0, .type_len = tg->types_len,
		.str_off = tg->types_len, .str_len = tg->strs_len,
	};
	int fd = memfd_create("nettrail-core-target", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	snprintf(path, len, "/proc/self/fd/%d", fd);
	if (write(fd, &h, sizeof(h)) != sizeof(h) ||
	    write(fd, tg->types, tg->types_len) != (ssize_t)tg->types_len ||
	    write(fd, tg->strs, tg->strs_len) != (ssize_t)tg->strs_len || access(path, R_OK)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void target_free(struct target *tg)
{
	free(tg->kept);
	free(tg->queue);
	free(tg->order);
	free(tg->types);
	free(tg->strs);
}

int nt_core_target(const void *elf, size_t size, char *path, size_t len, struct nt_kfuncs *kf)
{
	struct target tg = { .ntypes = nt_btf_type_count(), .kf = kf };
	const void *btf_data, *ext;
	size_t btf_len, ext_len;
	struct btf *local = NULL;
	int fd = -1;

	if (!tg.ntypes || !elf_section(elf, size, ".BTF", &btf_data, &btf_len) ||
	    !elf_section(elf, size, ".BTF.ext", &ext, &ext_len))
		return -1;
	local = btf__new(btf_data, btf_len);
	if (!local)
		return -1;
	kf->n = 0;
	read_kfuncs(&tg, local);
	tg.kept = calloc(tg.ntypes / 8 + 1, 1);
	if (tg.kept && read_roots(&tg, local, ext, ext_len) > 0 && !find_candidates(&tg) &&
	    !keep_parts(&tg) && (tg.order = malloc(tg.nqueue * sizeof(*tg.order))) &&
	    !build(&tg))
		fd = write_target(&tg, path, len);
	if (fd >= 0)
		nt_dbg("CO-RE target: %u kernel types (%zu bytes) for the %d the relocations name",
		       tg.nqueue, tg.types_len + tg.strs_len, tg.nroots);
	btf__free(local);
	target_free(&tg);
	return fd;
}
