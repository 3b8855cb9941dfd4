// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* system_network_icmp_rtt: the latency family's engine (lat_engine.bpf.h), see system_network_icmp_rtt.c. */
#include "lat_engine.bpf.h"
