// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vm_network_latency_summary: the latency family's engine (lat_engine.bpf.h) on its VM path
 * (lat_paths.h), see vm_network_latency_summary.c. */
#define LAT_PATH LAT_PATH_VM_NETWORK_LATENCY_SUMMARY
#define LAT_SMALL_REC
#include "lat_engine.bpf.h"
