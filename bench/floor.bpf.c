// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `make bench`'s floor: the least a libbpf tool can be, one tracepoint program
 * counting drops into one array map (bench/floor.c loads it by skeleton). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

SEC("tp_btf/kfree_skb")
int floor_drop(void *ctx)
{
	__u32 k = 0;
	__u64 *n = bpf_map_lookup_elem(&drops, &k);

	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
