// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* bench-floor: open, load and attach bench/floor.bpf.c by its skeleton, print
 * "Tracing" on stderr, hold until SIGINT/SIGTERM. The start-up table's floor:
 * what exec -> attached costs a libbpf tool that does nothing else. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include "floor.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(void)
{
	struct floor_bpf *skel = floor_bpf__open_and_load();

	if (!skel || floor_bpf__attach(skel)) {
		fprintf(stderr, "bench-floor: cannot load or attach tp_btf/kfree_skb\n");
		floor_bpf__destroy(skel);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "Tracing\n");
	while (!stop)
		pause();
	floor_bpf__destroy(skel);
	return 0;
}
