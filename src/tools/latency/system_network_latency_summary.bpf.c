// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* system_network_latency_summary: the latency family's engine (lat_engine.bpf.h), see system_network_latency_summary.c. */
#define LAT_SMALL_REC
#include "lat_engine.bpf.h"
