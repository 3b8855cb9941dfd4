/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef NT_CORE_TARGET_H
#define NT_CORE_TARGET_H
#include <stddef.h>

/* The kernel functions (kfuncs) the object calls, with their ids in the
 * kernel's BTF (0: not in vmlinux), for bpf_object__set_kfunc_btf_id(). */
#define NT_MAX_KFUNCS 8
struct nt_kfuncs {
	int n;
	struct { char name[64]; int id; } f[NT_MAX_KFUNCS];
};

/* A BTF for libbpf's CO-RE relocations of the object @elf (@size bytes): the
 * kernel types they name and what those are made of (see core_target.c); the
 * object's kfuncs found in the same pass into @kf. Call while the kernel's BTF
 * is mapped (before nt_btf_release). The file descriptor of a memory file, its
 * name in @path for bpf_object_open_opts.btf_custom_path, to be closed after
 * the load; -1 to let libbpf search the kernel's BTF. */
int nt_core_target(const void *elf, size_t size, char *path, size_t len, struct nt_kfuncs *kf);

#endif
