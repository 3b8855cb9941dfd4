/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef TCP_PATH_TRACER_H
#define TCP_PATH_TRACER_H

#include "l4_path.h"

/* Per flow and direction: where the highest sequence seen entering ends, so
 * a segment that ends at or before it is a retransmission. */
struct tcppt_flow_key {
	__u16 sport;
	__u16 dport;
	__u32 dir;
};

#define TCPPT_MAX_FLOWS 4096

#define TCPPT_FIN 0x01
#define TCPPT_SYN 0x02
#define TCPPT_RST 0x04

#endif
