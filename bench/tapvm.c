// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tapvm: a VM's network card as the host's kernel sees it, for `make bench`.
 * A VM without vhost-net is a process (qemu) moving frames between the host's
 * tap and the guest's NIC. Here the guest is a network namespace: tapvm moves
 * frames both ways between HOST_TAP (the VM's tap, in the caller's namespace,
 * in the host's bridge) and GUEST_TAP, a tap it creates inside the namespace
 * GUEST_NETNS (/run/netns/NAME), whose kernel stack answers pings, runs
 * sockperf and iperf3. Both taps carry virtio-net headers with checksum and
 * TSO offloads on, as a virtio-net NIC negotiates them: TCP crosses as 64 KB
 * segments, as it leaves and reaches a real VM.
 *
 *   tapvm HOST_TAP GUEST_NETNS GUEST_TAP
 *
 * Prints "ready" once both taps are open (GUEST_TAP is then down: the caller
 * gives it its address). Runs until SIGTERM or SIGINT, then prints "frames
 * to-guest N from-guest M". Bench use only: a usage line and exit 2 on bad
 * arguments, the failing call and exit 1 on errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>

#define FRAME_MAX (65536 + 256)         /* a TSO segment and its virtio-net header */

struct pump {
	int from, to;
	unsigned long long frames;
};

static void die(const char *what)
{
	fprintf(stderr, "tapvm: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A tap with virtio-net headers and the offloads a virtio-net NIC takes. */
static int tap_open(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("/dev/net/tun");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die(name);
	if (ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0)
		die("TUNSETOFFLOAD");
	return fd;
}

/* The guest's tap is created inside its namespace: enter it for the open. */
static int guest_tap_open(const char *netns, const char *name)
{
	char path[256];
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), ns, fd;

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || ns < 0)
		die(path);
	if (setns(ns, CLONE_NEWNET))
		die("setns");
	fd = tap_open(name);
	if (setns(self, CLONE_NEWNET))
		die("setns back");
	close(ns);
	close(self);
	return fd;
}

/* One direction: each frame read from one tap is written to the other as is
 * (header and all). A full queue on the far side drops it, as a NIC would. */
static void *pump_run(void *arg)
{
	struct pump *p = arg;
	char *buf = malloc(FRAME_MAX);

	if (!buf)
		die("malloc");
	for (;;) {
		ssize_t n = read(p->from, buf, FRAME_MAX);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("read");
		}
		if (write(p->to, buf, n) == n)
			p->frames++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct pump in, out;
	pthread_t t1, t2;
	sigset_t set;
	int host, guest, sig;

	if (argc != 4) {
		fprintf(stderr, "usage: tapvm HOST_TAP GUEST_NETNS GUEST_TAP\n");
		return 2;
	}
	/* the pumps block in read(): the main thread alone takes the signals */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	host = tap_open(argv[1]);
	guest = guest_tap_open(argv[2], argv[3]);
	in = (struct pump){ .from = host, .to = guest };
	out = (struct pump){ .from = guest, .to = host };
	if (pthread_create(&t1, NULL, pump_run, &in) || pthread_create(&t2, NULL, pump_run, &out))
		die("pthread_create");
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	printf("frames to-guest %llu from-guest %llu\n", in.frames, out.frames);
	return 0;
}
