// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "btfinfo.h"

static const char *btf_path;
static struct btf *vmlinux;
static bool tried;
static char why_buf[256];

void nt_btf_set_path(const char *path)
{
	btf_path = path;
}

const char *nt_btf_path(void)
{
	return btf_path ? btf_path : "/sys/kernel/btf/vmlinux";
}

struct btf *nt_btf_vmlinux(const char **why)
{
	if (!tried) {
		tried = true;
		vmlinux = btf_path ? btf__parse(btf_path, NULL) : btf__load_vmlinux_btf();
		if (!vmlinux) {
			snprintf(why_buf, sizeof(why_buf),
				 "no kernel BTF (%s: %s); this kernel needs CONFIG_DEBUG_INFO_BTF, "
				 "or pass --btf FILE with BTF for exactly this kernel (e.g. from "
				 "BTFHub, or 'pahole --btf_encode_detached FILE vmlinux' on its "
				 "debug vmlinux)", nt_btf_path(), strerror(errno));
		}
	}
	if (!vmlinux && why)
		*why = why_buf;
	return vmlinux;
}

void nt_btf_release(void)
{
	btf__free(vmlinux);
	vmlinux = NULL;
	tried = false;
}

static const struct btf_type *find(const char *name, int kind)
{
	struct btf *btf = nt_btf_vmlinux(NULL);
	int id;

	if (!btf)
		return NULL;
	id = btf__find_by_name_kind(btf, name, kind);
	return id > 0 ? btf__type_by_id(btf, id) : NULL;
}

bool nt_btf_has_func(const char *name)
{
	return find(name, BTF_KIND_FUNC) != NULL;
}

bool nt_btf_has_raw_tp(const char *tp)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return find(name, BTF_KIND_TYPEDEF) != NULL;
}

/* Follow typedefs/modifiers to the real type. */
static const struct btf_type *skip_mods(struct btf *btf, __u32 id, __u32 *out_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_typedef(t) || btf_is_const(t) || btf_is_volatile(t) ||
		     btf_is_restrict(t) || btf_is_type_tag(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (out_id)
		*out_id = id;
	return t;
}

int nt_btf_tp_nargs(const char *tp)
{
	struct btf *btf = nt_btf_vmlinux(NULL);
	const struct btf_type *t;
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	t = find(name, BTF_KIND_TYPEDEF);
	if (!t)
		return -1;
	t = skip_mods(btf, t->type, NULL);      /* pointer */
	if (!t || !btf_is_ptr(t))
		return -1;
	t = skip_mods(btf, t->type, NULL);      /* func proto */
	if (!t || !btf_is_func_proto(t))
		return -1;
	return btf_vlen(t) - 1;
}

int nt_btf_func_arg_depth(const char *func, int i)
{
	struct btf *btf = nt_btf_vmlinux(NULL);
	const struct btf_type *t = find(func, BTF_KIND_FUNC);
	const struct btf_param *params;
	int depth = 0;

	if (!t)
		return -1;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t) || i >= btf_vlen(t))
		return -1;
	params = btf_params(t);
	t = skip_mods(btf, params[i].type, NULL);
	while (t && btf_is_ptr(t)) {
		depth++;
		t = skip_mods(btf, t->type, NULL);
	}
	return depth;
}

static const struct btf_type *find_enum(const char *enum_name)
{
	const struct btf_type *t = find(enum_name, BTF_KIND_ENUM);

	return t ? t : find(enum_name, BTF_KIND_ENUM64);
}

int nt_btf_enum_foreach(const char *enum_name, const char *prefix,
			void (*fn)(const char *name, long long value, void *ctx), void *ctx)
{
	struct btf *btf = nt_btf_vmlinux(NULL);
	const struct btf_type *t = find_enum(enum_name);
	size_t plen = prefix ? strlen(prefix) : 0;

	if (!t)
		return -1;
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *name;
		long long v;

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t) + i;

			name = btf__name_by_offset(btf, e->name_off);
			v = btf_kflag(t) ? (long long)e->val : (long long)(__u32)e->val;
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;

			name = btf__name_by_offset(btf, e->name_off);
			v = (long long)btf_enum64_value(e);
		}
		if (!name)
			continue;
		if (plen && !strncmp(name, prefix, plen))
			name += plen;
		fn(name, v, ctx);
	}
	return btf_vlen(t);
}

const char *nt_btf_enum_name(const char *enum_name, const char *prefix, long long value,
			     char *buf, size_t len)
{
	struct btf *btf = nt_btf_vmlinux(NULL);
	const struct btf_type *t = find_enum(enum_name);
	size_t plen = prefix ? strlen(prefix) : 0;

	if (!t)
		return NULL;
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *name;
		long long v;

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t) + i;

			name = btf__name_by_offset(btf, e->name_off);
			v = btf_kflag(t) ? (long long)e->val : (long long)(__u32)e->val;
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;

			name = btf__name_by_offset(btf, e->name_off);
			v = (long long)btf_enum64_value(e);
		}
		if (v != value || !name)
			continue;
		if (plen && !strncmp(name, prefix, plen))
			name += plen;
		snprintf(buf, len, "%s", name);
		return buf;
	}
	return NULL;
}

long long nt_btf_enum_value(const char *enum_name, const char *name)
{
	struct btf *btf = nt_btf_vmlinux(NULL);
	const struct btf_type *t = find_enum(enum_name);

	if (!t)
		return -1;
	for (int i = 0; i < btf_vlen(t); i++) {
		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t) + i;

			if (!strcmp(btf__name_by_offset(btf, e->name_off), name))
				return e->val;
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;

			if (!strcmp(btf__name_by_offset(btf, e->name_off), name))
				return (long long)btf_enum64_value(e);
		}
	}
	return -1;
}
