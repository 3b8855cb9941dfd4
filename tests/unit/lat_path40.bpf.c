// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Build test: the latency engine on the 40-hook path of lat_path40.h, one-way
 * records (the details/metrics shape): its static asserts (slots <= the mask
 * width, the record's layout, the event <= NT_EVENT_MAX) must hold. */
#include "nt_common.bpf.h"
#include "lat_path40.h"
#define LAT_PATH LAT_PATH40
#define LAT_REC_PATHS 1
#include "lat_engine.bpf.h"

_Static_assert(LAT_NHOOKS == LAT_PATH40_N, "40 slots");
_Static_assert(sizeof(struct lat_event) == LAT_EVENT_SIZE(LAT_PATH40_N, 1), "lat.h's event size");
