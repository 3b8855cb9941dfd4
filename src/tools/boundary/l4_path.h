/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What tcp_path_tracer and udp_path_tracer share: both follow each packet of
 * one address pair from the interface it enters ("IN") to the interface it
 * leaves by ("OUT") on a forwarding host, keyed by what identifies a packet
 * in its protocol (TCP: ports + seq, pure ACKs by ack; UDP: ports + IP id,
 * fragments grouped). A packet that entered and did not leave within
 * --timeout-ms is an internal drop.
 */
#ifndef L4_PATH_H
#define L4_PATH_H

#include "nt_types.h"
#include "nt_hist.h"
#ifndef __bpf__
#include "cli.h"
#endif

enum l4pt_dir {
	L4PT_FWD = 0,           /* src -> dst: enters --rx-iface, leaves --tx-iface */
	L4PT_REP,               /* dst -> src: enters --tx-iface, leaves --rx-iface (TCP) */
	L4PT_NDIRS,
};

enum l4pt_kind {
	L4PT_K_DATA = 0,        /* TCP segment with payload, SYN, FIN or RST: keyed by seq */
	L4PT_K_ACK,             /* TCP pure ACK: keyed by seq and ack */
	L4PT_K_DGRAM,           /* UDP datagram (all its fragments): keyed by IP id */
};

/* One packet (or fragment group) of the traced pair; the addresses are fixed
 * by the filter and the direction. Ports in host order, as in the packet. */
struct l4pt_key {
	__u8  dir;
	__u8  kind;
	__u16 ip_id;            /* UDP */
	__u16 sport;
	__u16 dport;
	__u32 seq;              /* TCP */
	__u32 ack;              /* TCP pure ACK */
};

enum l4pt_rec_flags {
	L4PT_F_RETRANS   = 1 << 0,   /* TCP: seq range already seen entering */
	L4PT_F_FRAG      = 1 << 1,   /* UDP: the datagram is fragmented */
	L4PT_F_IN_FIRST  = 1 << 2,   /* fragment at offset 0 entered */
	L4PT_F_IN_LAST   = 1 << 3,   /* fragment without MF entered */
	L4PT_F_OUT_FIRST = 1 << 4,
	L4PT_F_OUT_LAST  = 1 << 5,
};

struct l4pt_rec {
	__u64 ts_in;            /* first IN, bpf_ktime_get_ns() */
	__u64 ts_last_in;
	__u64 ts_out;           /* first OUT, 0 = none */
	__u64 ts_last_out;
	__u32 if_in;
	__u32 if_out;
	__u32 ack;              /* TCP ack field of the first copy */
	__u16 n_in;             /* copies (TCP) / fragments (UDP) that entered */
	__u16 n_out;            /* ... and left */
	__u16 len;              /* TCP payload / UDP length (from the first fragment) */
	__u8  tcp_flags;
	__u8  ttl;              /* IP TTL when it entered (orders hosts for `merge`) */
	__u8  flags;            /* enum l4pt_rec_flags */
	__u8  pad[7];
};

struct l4pt_event {             /* --verbose: a packet left (complete) */
	struct l4pt_key key;
	struct l4pt_rec rec;
};

/* Per direction, per CPU, per epoch (user space flips the epoch each
 * interval and reads the other half: counts are never reset under the
 * kernel's feet). */
struct l4pt_stats {
	__u64 in_pkts;          /* packets (fragments) seen at IN */
	__u64 out_pkts;         /* ... at OUT that belonged to a tracked packet */
	__u64 groups;           /* new packets / datagrams tracked */
	__u64 retrans;          /* TCP retransmissions among them */
	__u64 complete;         /* left the host entirely */
	__u64 out_unmatched;    /* OUT without a tracked IN (started before us, local, resegmented) */
	struct nt_lat lat;      /* IN -> OUT, ns */
};

enum l4pt_counter {
	L4PT_CNT_CREATED = NT_CNT_TOOL_BASE,   /* records entered in the map */
	L4PT_CNT_COMPLETED,                    /* removed by the kernel when complete */
};

#define L4PT_MAX_RECS  65536
#define L4PT_MAX_FRAGS 8192

#ifndef __bpf__
/* ---- user-space logic (pure; unit-tested) ---- */
#include <stdbool.h>
#include <stdint.h>

enum l4pt_status {
	L4PT_COMPLETE = 0,
	L4PT_INTERNAL_DROP,     /* entered, (part of it) never left */
	L4PT_NSTATUS,
};

/* Has every copy / fragment that entered left? (the kernel's rule) */
bool l4pt_rec_complete(const struct l4pt_rec *r);
/* Packets lost inside the host: copies that entered and did not leave
 * (a fragment group counts once). */
unsigned l4pt_rec_drops(const struct l4pt_rec *r);
enum l4pt_status l4pt_judge(const struct l4pt_rec *r);
const char *l4pt_status_name(int st);
const char *l4pt_dir_name(int dir);
/* Stage names as the manual's Q7 table: REQ_RX/REQ_TX (FWD), REP_RX/REP_TX (REP). */
const char *l4pt_stage_name(int dir, bool out);
/* "SYN,ACK" */
const char *l4pt_tcp_flags_str(__u8 flags, char *buf, size_t len);
/* Sum per-CPU copies of one stats slot into @sum. */
void l4pt_stats_sum(struct l4pt_stats *sum, const struct l4pt_stats *percpu, int ncpu);

/* ---- the runner both tools share (l4_path.c) ---- */
struct bpf_map;
struct nt_opt;
struct nt_ifref;

enum l4pt_proto { L4PT_TCP, L4PT_UDP };

struct l4pt_config {
	enum l4pt_proto proto;
	struct nt_fwd_path path;        /* --src-ip/--dst-ip/--rx-iface/--tx-iface (cli.h) */
	unsigned long long timeout_ms;
	unsigned long long stats_interval;      /* 0: not given (then L4PT_STATS_INTERVAL) */
	bool verbose, stats_mode;
};

/* Both tools' option rows (the count is checked against the definition). */
#define L4PT_NOPTIONS 11
#define L4PT_STATS_INTERVAL 10     /* seconds */
extern const struct nt_opt l4pt_options[L4PT_NOPTIONS];
int l4pt_validate(void *cfg);      /* struct l4pt_config *, as nt_cli.validate */

struct l4pt_maps {
	struct bpf_map *recs, *stats, *events, *counters;
	volatile __u32 *epoch;
};

/* The sweep: new -> (poll events, sweep timed-out packets, print intervals)
 * -> finish (judge what is still open, print the summary, free). */
struct l4pt_runner;
struct l4pt_runner *l4pt_runner_new(const struct l4pt_config *c, const struct l4pt_maps *m);
void l4pt_runner_finish(struct l4pt_runner *r);

/* Both tools' runner hooks (tool.h): the tool's cli.cfg is its struct
 * l4pt_config; once attached the run's ctx is the sweep. */
extern const struct nt_tool_hooks l4pt_hooks;
#endif

#endif
