/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef UDP_PATH_TRACER_H
#define UDP_PATH_TRACER_H

#include "l4_path.h"

/* The ports of a fragmented datagram, learnt from its first fragment, so the
 * later fragments (which carry no UDP header) join the same group. */
struct udppt_ports {
	__u16 sport;
	__u16 dport;
};

#endif
