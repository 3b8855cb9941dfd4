// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* system_network_latency_details: the latency family's engine (lat_engine.bpf.h) on its path
 * (lat_paths.h), see system_network_latency_details.c. */
#define LAT_PATH LAT_PATH_SYSTEM_NETWORK_LATENCY_DETAILS
#define LAT_REC_PATHS 1         /* one-way: a record is of one path */
#include "lat_engine.bpf.h"
