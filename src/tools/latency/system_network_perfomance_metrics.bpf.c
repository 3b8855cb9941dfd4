// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* system_network_perfomance_metrics: the latency family's engine (lat_engine.bpf.h), see system_network_perfomance_metrics.c. */
#include "lat_engine.bpf.h"
