// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vm_network_latency_details: the latency family's engine (lat_engine.bpf.h) on its VM path
 * (lat_paths.h), see vm_network_latency_details.c. */
#define LAT_PATH LAT_PATH_VM_NETWORK_LATENCY_DETAILS
#define LAT_REC_PATHS 1
#include "lat_engine.bpf.h"
