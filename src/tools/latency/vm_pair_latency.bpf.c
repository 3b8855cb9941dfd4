// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vm_pair_latency: the latency family's engine (lat_engine.bpf.h) on the VM pair path
 * (lat_paths.h), see vm_pair_latency.c. */
#define LAT_PATH LAT_PATH_VM_PAIR_LATENCY
#define LAT_SMALL_REC
#include "lat_engine.bpf.h"
