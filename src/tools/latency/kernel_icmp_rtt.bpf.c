// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* kernel_icmp_rtt: the latency family's engine (lat_engine.bpf.h), see kernel_icmp_rtt.c. */
#include "lat_engine.bpf.h"
