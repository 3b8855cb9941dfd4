/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef ETH_DROP_H
#define ETH_DROP_H

/* eth_drop's event and counters are the drop floor's (src/bpf/nt_drop.h). */
#include "nt_drop.h"

#endif
