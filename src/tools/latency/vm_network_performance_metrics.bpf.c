// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vm_network_performance_metrics: the latency family's engine (lat_engine.bpf.h) on its
 * VM path (lat_paths.h), see vm_network_performance_metrics.c. */
#define LAT_PATH LAT_PATH_VM_NETWORK_PERFORMANCE_METRICS
#define LAT_REC_PATHS 1
#include "lat_engine.bpf.h"
