// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* system_network_perfomance_metrics: the latency family's engine (lat_engine.bpf.h) on its path
 * (lat_paths.h), see system_network_perfomance_metrics.c. */
#define LAT_PATH LAT_PATH_SYSTEM_NETWORK_PERFOMANCE_METRICS
#define LAT_REC_PATHS 1         /* one-way: a record is of one path */
#include "lat_engine.bpf.h"
