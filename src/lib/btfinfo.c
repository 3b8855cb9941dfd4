// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A small reader for the kernel's BTF, for the questions the stage layer and
 * the tools ask before load: does this tracepoint/function exist, what are its
 * arguments, what is enum X's member N called.
 *
 * Why not libbpf's btf__parse(): it copies and validates all ~5 MB and builds
 * indexes (~9 ms, ~11 MB peak here), and libbpf then does the same again for
 * CO-RE at load time. We map the file (kernels >= 6.16 allow mmap of
 * /sys/kernel/btf/vmlinux; older ones are read), index type offsets only, and
 * scan linearly for the few names we need. The data is released before libbpf
 * loads its own copy (nt_btf_release), so the two never coexist.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/btf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "nt.h"
#include "btfinfo.h"

struct nt_btf {
	const unsigned char *data;
	size_t size;
	bool mapped;
	const struct btf_header *hdr;
	const char *strs;
	__u32 str_len;
	__u32 *off;             /* offset of type id i (1-based) in the type section */
	__u32 ntypes;           /* ids 1..ntypes */
};

static const char *btf_path;
static struct nt_btf *vmlinux;
static bool tried;
static char why_buf[384];

void nt_btf_set_path(const char *path)
{
	btf_path = path;
}

const char *nt_btf_path(void)
{
	return btf_path ? btf_path : "/sys/kernel/btf/vmlinux";
}

static __u32 kind_of(const struct btf_type *t) { return BTF_INFO_KIND(t->info); }
static __u32 vlen_of(const struct btf_type *t) { return BTF_INFO_VLEN(t->info); }

/* Bytes a type record occupies, or 0 for an unknown kind. */
static size_t type_size(const struct btf_type *t)
{
	size_t base = sizeof(*t), n = vlen_of(t);

	switch (kind_of(t)) {
	case BTF_KIND_INT: return base + sizeof(__u32);
	case BTF_KIND_ARRAY: return base + sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: return base + n * sizeof(struct btf_member);
	case BTF_KIND_ENUM: return base + n * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO: return base + n * sizeof(struct btf_param);
	case BTF_KIND_VAR: return base + sizeof(struct btf_var);
	case BTF_KIND_DATASEC: return base + n * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG: return base + sizeof(struct btf_decl_tag);
	case 19 /* BTF_KIND_ENUM64 */: return base + n * 3 * sizeof(__u32);
	case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return base;
	}
	return 0;
}

static void btf_free(struct nt_btf *b)
{
	if (!b)
		return;
	if (b->mapped)
		munmap((void *)b->data, b->size);
	else
		free((void *)b->data);
	free(b->off);
	free(b);
}

/* The whole file into @b: mapped if the file has a size (kernels >= 6.16 allow
 * mmap of /sys/kernel/btf/vmlinux), else read, at most NT_BTF_MAX_SIZE bytes. */
static int read_all(int fd, struct nt_btf *b)
{
	struct stat st;
	size_t cap, len = 0;
	unsigned char *buf;
	ssize_t r;

	if (fstat(fd, &st))
		return -errno;
	if (st.st_size > NT_BTF_MAX_SIZE)
		return -EFBIG;
	if (st.st_size > 0) {
		void *p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (p != MAP_FAILED) {
			b->data = p;
			b->size = st.st_size;
			b->mapped = true;
			return 0;
		}
	}
	cap = st.st_size > 0 ? (size_t)st.st_size : 8 << 20;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	while ((r = read(fd, buf + len, cap - len)) > 0) {
		len += r;
		if (len > NT_BTF_MAX_SIZE) {
			free(buf);
			return -EFBIG;
		}
		if (len == cap) {
			unsigned char *nb = realloc(buf, cap *= 2);

			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
	}
	if (r < 0) {
		free(buf);
		return -errno;
	}
	b->data = buf;
	b->size = len;
	return 0;
}

static int index_types(struct nt_btf *b)
{
	const struct btf_header *h = (const void *)b->data;
	const unsigned char *types;
	size_t pos = 0, cap = 1 << 16;

	if (b->size < sizeof(*h) || h->magic != BTF_MAGIC ||
	    h->hdr_len + (size_t)h->type_off + h->type_len > b->size ||
	    h->hdr_len + (size_t)h->str_off + h->str_len > b->size)
		return -EINVAL;
	b->hdr = h;
	types = b->data + h->hdr_len + h->type_off;
	b->strs = (const char *)b->data + h->hdr_len + h->str_off;
	b->str_len = h->str_len;
	b->off = malloc(cap * sizeof(*b->off));
	if (!b->off)
		return -ENOMEM;
	b->off[0] = 0;
	while (pos + sizeof(struct btf_type) <= h->type_len) {
		size_t sz = type_size((const void *)(types + pos));

		if (!sz || pos + sz > h->type_len)
			return -EINVAL;
		if (b->ntypes + 2 > cap) {
			__u32 *n = realloc(b->off, (cap *= 2) * sizeof(*b->off));

			if (!n)
				return -ENOMEM;
			b->off = n;
		}
		b->off[++b->ntypes] = pos;
		pos += sz;
	}
	return 0;
}

/* ---- --btf FILE, checked before anything is loaded ------------------------- */

static const char *file_kind(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISCHR(m) ? "a character device" :
	       S_ISBLK(m) ? "a block device" : S_ISFIFO(m) ? "a fifo" :
	       S_ISSOCK(m) ? "a socket" : "not a regular file";
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* What is wrong with the BTF in @b (read whole), or NULL. */
static const char *btf_data_problem(const struct nt_btf *b, char *why, size_t len)
{
	const struct btf_header *h = (const void *)b->data;
	libbpf_print_fn_t old;
	struct btf *btf;
	size_t want;
	long err;

	if (b->size >= sizeof(h->magic) && h->magic == __builtin_bswap16(BTF_MAGIC)) {
		snprintf(why, len, "BTF in the other byte order (%s-endian): not this host's kernel",
			 __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? "big" : "little");
		return why;
	}
	if (b->size < sizeof(h->magic) || h->magic != BTF_MAGIC) {
		snprintf(why, len, "not a BTF file (no 0xeB9F magic)");
		return why;
	}
	if (b->size < sizeof(*h)) {
		snprintf(why, len, "truncated BTF: %zu bytes, less than its header", b->size);
		return why;
	}
	want = (size_t)h->hdr_len + h->str_off + h->str_len;
	if ((size_t)h->hdr_len + h->type_off + h->type_len > want)
		want = (size_t)h->hdr_len + h->type_off + h->type_len;
	if (want > b->size) {
		snprintf(why, len, "truncated BTF: its header describes %zu bytes, the file has %zu",
			 want, b->size);
		return why;
	}
	old = libbpf_set_print(quiet_libbpf);     /* the one line is ours */
	btf = btf__new(b->data, b->size);
	err = libbpf_get_error(btf);
	libbpf_set_print(old);
	if (err) {
		snprintf(why, len, "not valid BTF (libbpf: %s)", strerror(-err));
		return why;
	}
	if (btf__find_by_name_kind(btf, "sk_buff", BTF_KIND_STRUCT) < 0)
		snprintf(why, len, "BTF without struct sk_buff: not a kernel's BTF "
			 "(a module's or a BPF object's?)");
	else
		why = NULL;
	btf__free(btf);
	return why;
}

int nt_btf_check_file(const char *path, char *why, size_t len)
{
	struct nt_btf b = {};
	struct stat st;
	const char *problem;
	int fd, err;

	/* stat first: opening a fifo blocks, opening a device may act on it */
	if (stat(path, &st)) {
		snprintf(why, len, "cannot read: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, len, "%s, not a BTF file", file_kind(st.st_mode));
		return -1;
	}
	if (st.st_size > NT_BTF_MAX_SIZE) {
		snprintf(why, len, "%lld bytes, more than the %u MiB a kernel's BTF can be",
			 (long long)st.st_size, NT_BTF_MAX_SIZE >> 20);
		return -1;
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "cannot read: %s", strerror(errno));
		return -1;
	}
	/* the same file as stat()ed: still regular (read_all re-checks the size) */
	err = fstat(fd, &st) ? -errno : !S_ISREG(st.st_mode) ? -EINVAL : read_all(fd, &b);
	close(fd);
	if (err) {
		if (err == -EFBIG)
			snprintf(why, len, "more than the %u MiB a kernel's BTF can be",
				 NT_BTF_MAX_SIZE >> 20);
		else
			snprintf(why, len, "cannot read: %s",
				 err == -EINVAL ? "not a regular file" : strerror(-err));
		return -1;
	}
	problem = btf_data_problem(&b, why, len);
	if (b.mapped)
		munmap((void *)b.data, b.size);
	else
		free((void *)b.data);
	return problem ? -1 : 0;
}

/* The last lookups (a scan of the ~126k types is ~0.1 ms; planning asks some
 * names once per candidate, e.g. a kfunc every stub needs). */
#define FIND_MEMO 8
static struct { char name[64]; int kind; __u32 id; } memo[FIND_MEMO];
static unsigned int memo_next;

const void *nt_btf_vmlinux(const char **why)
{
	if (!tried) {
		struct nt_btf *b = calloc(1, sizeof(*b));
		int fd = open(nt_btf_path(), O_RDONLY | O_CLOEXEC), err;

		tried = true;
		err = fd < 0 ? -errno : (b ? read_all(fd, b) : -ENOMEM);
		if (fd >= 0)
			close(fd);
		if (!err)
			err = index_types(b);
		if (err) {
			btf_free(b);
			snprintf(why_buf, sizeof(why_buf),
				 "no usable kernel BTF (%s: %s); this kernel needs "
				 "CONFIG_DEBUG_INFO_BTF, or pass --btf FILE with BTF for exactly this "
				 "kernel (e.g. from BTFHub, or 'pahole --btf_encode_detached FILE "
				 "vmlinux' on its debug vmlinux)", nt_btf_path(),
				 err == -EINVAL ? "not a BTF file" : strerror(-err));
		} else {
			vmlinux = b;
		}
	}
	if (!vmlinux && why)
		*why = why_buf;
	return vmlinux;
}

void nt_btf_release(void)
{
	memset(memo, 0, sizeof(memo));
	btf_free(vmlinux);
	vmlinux = NULL;
	tried = false;
}

unsigned int nt_btf_type_count(void)
{
	const struct nt_btf *b = nt_btf_vmlinux(NULL);

	return b ? b->ntypes : 0;
}

static const struct btf_type *type_by_id(const struct nt_btf *b, __u32 id)
{
	if (!id || id > b->ntypes)
		return NULL;
	return (const void *)(b->data + b->hdr->hdr_len + b->hdr->type_off + b->off[id]);
}

static const char *name_of(const struct nt_btf *b, __u32 off)
{
	return off < b->str_len ? b->strs + off : "";
}

const struct btf_type *nt_btf_type_by_id(unsigned int id)
{
	const struct nt_btf *b = nt_btf_vmlinux(NULL);

	return b ? type_by_id(b, id) : NULL;
}

const char *nt_btf_str(unsigned int off)
{
	const struct nt_btf *b = nt_btf_vmlinux(NULL);

	return b ? name_of(b, off) : "";
}

size_t nt_btf_type_size(const struct btf_type *t)
{
	return type_size(t);
}

int nt_btf_scan(__u32 kinds, const bool first[256],
		int (*fn)(__u32 id, const struct btf_type *t, const char *name, void *ctx),
		void *ctx)
{
	const struct nt_btf *b = nt_btf_vmlinux(NULL);

	for (__u32 id = 1; b && id <= b->ntypes; id++) {
		const struct btf_type *t = type_by_id(b, id);
		const char *name;
		int err;

		if (!(kinds & 1u << kind_of(t)) || !t->name_off)
			continue;
		name = name_of(b, t->name_off);
		if (first[(unsigned char)name[0]] && (err = fn(id, t, name, ctx)))
			return err;
	}
	return 0;
}

/* Type id of the first type @name of @kind in the kernel's BTF, 0 if none. */
static __u32 find_id(const char *name, int kind)
{
	const struct nt_btf *b = nt_btf_vmlinux(NULL);
	__u32 found = 0;

	if (!b)
		return 0;
	for (int i = 0; i < FIND_MEMO; i++)
		if (memo[i].name[0] && memo[i].kind == kind && !strcmp(memo[i].name, name))
			return memo[i].id;
	for (__u32 id = 1; id <= b->ntypes && !found; id++) {
		const struct btf_type *t = type_by_id(b, id);

		if ((int)kind_of(t) == kind && t->name_off && !strcmp(name_of(b, t->name_off), name))
			found = id;
	}
	if (strlen(name) < sizeof(memo[0].name)) {
		unsigned int i = memo_next++ % FIND_MEMO;

		strcpy(memo[i].name, name);
		memo[i].kind = kind;
		memo[i].id = found;
	}
	return found;
}

static const struct btf_type *find(const char *name, int kind)
{
	__u32 id = find_id(name, kind);

	return id ? type_by_id(nt_btf_vmlinux(NULL), id) : NULL;
}

int nt_btf_kernel_id(const char *name, int kind)
{
	/* another file's ids (--btf) are not the kernel's own */
	if (btf_path)
		return -1;
	__u32 id = find_id(name, kind);

	return id ? (int)id : -1;
}

/* Is @name a type of BTF_KIND @kind in the split BTF of a loaded module
 * (/sys/kernel/btf/<module>)? Its type ids and string offsets continue the base
 * (vmlinux) ones: a name offset below the base's string length is a base string. */
static bool module_has(const struct nt_btf *base, const char *path, const char *name, int kind)
{
	struct nt_btf m = {};
	bool found = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (!read_all(fd, &m) && !index_types(&m)) {
		for (__u32 id = 1; id <= m.ntypes && !found; id++) {
			const struct btf_type *t = type_by_id(&m, id);
			__u32 off = t->name_off;
			const char *n;

			if ((int)kind_of(t) != kind || !off)
				continue;
			n = off < base->str_len ? base->strs + off :
			    off - base->str_len < m.str_len ? m.strs + (off - base->str_len) : "";
			found = !strcmp(n, name);
		}
	}
	close(fd);
	if (m.mapped)
		munmap((void *)m.data, m.size);
	else
		free((void *)m.data);
	free(m.off);
	return found;
}

/* fentry/fexit reach module functions, and CO-RE module types, too (libbpf
 * searches the modules' BTF): look there when vmlinux does not have @name.
 * Only the running kernel's own module BTF counts, so not with --btf (a file
 * for CO-RE, the kernel's own BTF hidden or absent). */
static bool modules_have(const char *name, int kind)
{
	const struct nt_btf *base = nt_btf_vmlinux(NULL);
	bool found = false;
	struct dirent *d;
	DIR *dir;

	if (!base || btf_path || !(dir = opendir("/sys/kernel/btf")))
		return false;
	while (!found && (d = readdir(dir))) {
		char path[300];

		if (d->d_name[0] == '.' || !strcmp(d->d_name, "vmlinux"))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", d->d_name);
		found = module_has(base, path, name, kind);
	}
	closedir(dir);
	return found;
}

bool nt_btf_has_func(const char *name)
{
	return find(name, BTF_KIND_FUNC) != NULL || modules_have(name, BTF_KIND_FUNC);
}

bool nt_btf_has_type(const char *name, int kind)
{
	return find(name, kind) != NULL || modules_have(name, kind);
}

int nt_btf_need_struct(const char *name, const char *module, const char *what)
{
	if (nt_btf_has_type(name, BTF_KIND_STRUCT))
		return 0;
	if (btf_path)
		nt_err("struct %s is not in the --btf file %s: %s cannot be read", name, btf_path,
		       what);
	else
		nt_err("struct %s is in no BTF of this kernel (%s is a module here, and modules "
		       "carry BTF from 5.11 on): %s cannot be read; give --btf FILE with the "
		       "kernel's and %s's types", name, module, what, module);
	return NT_EXIT_RUNTIME;
}

bool nt_btf_has_raw_tp(const char *tp)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return find(name, BTF_KIND_TYPEDEF) != NULL;
}

static bool is_modifier(const struct btf_type *t)
{
	__u32 k = kind_of(t);

	return k == BTF_KIND_TYPEDEF || k == BTF_KIND_CONST || k == BTF_KIND_VOLATILE ||
	       k == BTF_KIND_RESTRICT || k == BTF_KIND_TYPE_TAG;
}

static const struct btf_type *skip_mods(const struct nt_btf *b, __u32 id)
{
	const struct btf_type *t = type_by_id(b, id);

	while (t && is_modifier(t))
		t = type_by_id(b, t->type);
	return t;
}

int nt_btf_tp_nargs(const char *tp)
{
	const struct nt_btf *b = nt_btf_vmlinux(NULL);
	const struct btf_type *t;
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	t = find(name, BTF_KIND_TYPEDEF);
	if (!t)
		return -1;
	t = skip_mods(b, t->type);              /* pointer */
	if (!t || kind_of(t) != BTF_KIND_PTR)
		return -1;
	t = skip_mods(b, t->type);              /* func proto */
	if (!t || kind_of(t) != BTF_KIND_FUNC_PROTO)
		return -1;
	return vlen_of(t) - 1;
}

int nt_btf_func_arg_depth(const char *func, int i)
{
	const struct nt_btf *b = nt_btf_vmlinux(NULL);
	const struct btf_type *t = find(func, BTF_KIND_FUNC);
	const struct btf_param *params;
	int depth = 0;

	if (!t)
		return -1;
	t = type_by_id(b, t->type);
	if (!t || kind_of(t) != BTF_KIND_FUNC_PROTO || i >= (int)vlen_of(t))
		return -1;
	params = (const void *)(t + 1);
	t = skip_mods(b, params[i].type);
	while (t && kind_of(t) == BTF_KIND_PTR) {
		depth++;
		t = skip_mods(b, t->type);
	}
	return depth;
}

static const struct btf_type *find_enum(const char *enum_name)
{
	const struct btf_type *t = find(enum_name, BTF_KIND_ENUM);

	return t ? t : find(enum_name, 19 /* BTF_KIND_ENUM64 */);
}

/* Member @i of enum @t: its name and value. */
static const char *enum_member(const struct nt_btf *b, const struct btf_type *t, int i,
			       long long *value)
{
	if (kind_of(t) == BTF_KIND_ENUM) {
		const struct btf_enum *e = (const struct btf_enum *)(t + 1) + i;

		*value = BTF_INFO_KFLAG(t->info) ? (long long)e->val : (long long)(__u32)e->val;
		return name_of(b, e->name_off);
	} else {
		const __u32 *e = (const __u32 *)(t + 1) + 3 * i;   /* name_off, lo32, hi32 */

		*value = (long long)(((__u64)e[2] << 32) | e[1]);
		return name_of(b, e[0]);
	}
}

int nt_btf_enum_foreach(const char *enum_name, const char *prefix,
			void (*fn)(const char *name, long long value, void *ctx), void *ctx)
{
	const struct nt_btf *b = nt_btf_vmlinux(NULL);
	const struct btf_type *t = find_enum(enum_name);
	size_t plen = prefix ? strlen(prefix) : 0;

	if (!t)
		return -1;
	for (int i = 0; i < (int)vlen_of(t); i++) {
		long long v;
		const char *name = enum_member(b, t, i, &v);

		if (plen && !strncmp(name, prefix, plen))
			name += plen;
		fn(name, v, ctx);
	}
	return vlen_of(t);
}

const char *nt_btf_enum_name(const char *enum_name, const char *prefix, long long value,
			     char *buf, size_t len)
{
	const struct nt_btf *b = nt_btf_vmlinux(NULL);
	const struct btf_type *t = find_enum(enum_name);
	size_t plen = prefix ? strlen(prefix) : 0;

	if (!t)
		return NULL;
	for (int i = 0; i < (int)vlen_of(t); i++) {
		long long v;
		const char *name = enum_member(b, t, i, &v);

		if (v != value)
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
	const struct nt_btf *b = nt_btf_vmlinux(NULL);
	const struct btf_type *t = find_enum(enum_name);

	if (!t)
		return -1;
	for (int i = 0; i < (int)vlen_of(t); i++) {
		long long v;

		if (!strcmp(enum_member(b, t, i, &v), name))
			return v;
	}
	return -1;
}
