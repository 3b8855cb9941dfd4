// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* kernel_icmp_rtt: the latency family's engine (lat_engine.bpf.h) on its path
 * (lat_paths.h), see kernel_icmp_rtt.c. */
#define LAT_PATH LAT_PATH_KERNEL_ICMP_RTT
#include "lat_engine.bpf.h"
