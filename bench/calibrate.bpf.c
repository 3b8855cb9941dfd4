// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `make bench` calibration: empty programs on the dev-layer tracepoints the
 * latency tools use. What kernel.bpf_stats_enabled reports for them per run is
 * the accounting's own cost (its clock reads), not work.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tp_btf/net_dev_queue")
int nt_cal_devq(void *ctx) { return 0; }

SEC("tp_btf/net_dev_start_xmit")
int nt_cal_xmit(void *ctx) { return 0; }

SEC("tp_btf/netif_receive_skb")
int nt_cal_rx(void *ctx) { return 0; }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
