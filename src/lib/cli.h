/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Command lines: each tool declares its options as a table of typed rows
 * (what the value is, where it lands in the tool's config, whether it is
 * required) and splices in the groups many tools share (the 5-tuple filter,
 * the forwarding path, --interval, the stack switches); nt_cli_parse fills
 * and checks them, and a tool's handler sees only its custom rows. The
 * options every tool has (--json, --duration, -v, --attach-mode, --btf,
 * --help) are added here. Every bad value is reported in one line naming the flag, the value
 * and why, before anything is loaded, and gives exit code 2.
 *
 * The rules (README "Command line"): long options may be shortened to a
 * unique prefix (an ambiguous one is refused with its candidates); an option
 * that takes a value may be given once (also under an alias: --protocol and
 * --l4-protocol are one option), flags without a value may repeat; list
 * items may not be empty. What the user typed is echoed escaped (control
 * characters, backslash and invalid UTF-8 as C escapes) and cut at
 * NT_SHOW_MAX characters, so an error line is always one line.
 */
#ifndef NT_CLI_H
#define NT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include "addr.h"
#include "attach.h"
#include "prom.h"

/* What a row's value is and where it lands. A typed row is parsed, checked
 * and stored by nt_cli_parse at cfg + .offset; only NT_OPT_CUSTOM rows reach
 * the tool's handler (with .key). */
enum nt_opt_type {
	NT_OPT_CUSTOM = 0,      /* the tool's handler gets .key */
	NT_OPT_FLAG,            /* bool = true; may repeat */
	NT_OPT_STR,             /* const char *: the word as given */
	NT_OPT_UINT,            /* unsigned long long from .min to .max, .unit named in errors */
	NT_OPT_NUMBER,          /* double from .min (0: above 0) to .max in .unit */
	NT_OPT_SECONDS,         /* double seconds, above 0, at most NT_MAX_SECONDS */
	NT_OPT_ENUM,            /* int: .value of the matching entry of .names */
	NT_OPT_LIST,            /* unsigned: the .values of a comma list of .names OR'ed; a
				 * name of value 0 ("none") only alone */
	NT_OPT_DIR,             /* const char *: a directory we can create files in */
	NT_OPT_IFACE,           /* struct nt_iface: one interface */
	NT_OPT_IFLIST,          /* struct nt_iflist: IF[,IF] (bond slaves) */
	/* parts of one struct nt_filter at .offset (the 5-tuple group, NT_OPTS_FILTER) */
	NT_OPT_SRC_IP, NT_OPT_DST_IP, NT_OPT_SRC_PORT, NT_OPT_DST_PORT,
	NT_OPT_PORT,            /* either direction */
	NT_OPT_PROTO,
};

/* Row flags. */
#define NT_OPT_REQUIRED 0x1     /* missing -> "<tool>: --flag: required", exit 2 */
#define NT_OPT_V4       0x2     /* addresses/protocols: the tool sees IPv4 only */

struct nt_enum {
	const char *name;
	int value;
};

struct nt_opt {
	const char *name;       /* long name without "--" */
	char short_name;        /* 0 if none */
	const char *metavar;    /* NULL: a flag without a value */
	const char *help;
	int key;                /* NT_OPT_CUSTOM: handed to the tool's handler */
	enum nt_opt_type type;
	size_t offset;          /* typed rows: offsetof(cfg type, field) */
	unsigned flags;         /* NT_OPT_REQUIRED, NT_OPT_V4 */
	double min, max;        /* NT_OPT_UINT / NT_OPT_NUMBER bounds */
	const char *unit;       /* named in range errors ("ms", "s"); NULL for counts */
	const struct nt_enum *names;    /* NT_OPT_ENUM: ends with { NULL } */
};

/* Typed rows; T is the tool's config type, F the field the value lands in. */
#define NT_OPT_ROW(name, sh, meta, help, type, T, F, ...)                                   \
	{ name, sh, meta, help, 0, type, offsetof(T, F), __VA_ARGS__ }
#define NT_OPT_B(name, help, T, F)                                                          \
	NT_OPT_ROW(name, 0, NULL, help, NT_OPT_FLAG, T, F, 0)
#define NT_OPT_U(name, meta, help, T, F, lo, hi, unit)                                      \
	NT_OPT_ROW(name, 0, meta, help, NT_OPT_UINT, T, F, 0, lo, hi, unit)
#define NT_OPT_N(name, meta, help, T, F, lo, hi, unit)                                      \
	NT_OPT_ROW(name, 0, meta, help, NT_OPT_NUMBER, T, F, 0, lo, hi, unit)
#define NT_OPT_E(name, meta, help, T, F, table, fl)                                         \
	NT_OPT_ROW(name, 0, meta, help, NT_OPT_ENUM, T, F, fl, 0, 0, NULL, table)
#define NT_OPT_L(name, meta, help, T, F, table)                                             \
	NT_OPT_ROW(name, 0, meta, help, NT_OPT_LIST, T, F, 0, 0, 0, NULL, table)

/* An interface given on the command line; .name is NULL when it was not. */
struct nt_iface {
	const char *name;
	struct nt_ifref ref;
};

struct nt_iflist {
	const char *str;        /* as given; NULL when not given */
	int n;
	struct nt_ifref ref[NT_MAX_IFACES];
};

/* ---- option groups: rows many tools share, spliced into a table ---- */

/* The 5-tuple filter into the struct nt_filter F of T: --src-ip, --dst-ip,
 * --src-port, --dst-port, --port (either direction), --protocol (also
 * --l4-protocol). FL: NT_OPT_V4 for tools that see IPv4 only. */
#define NT_OPTS_FILTER_ADDRS(T, F, FL, req)                                                 \
	NT_OPT_ROW("src-ip", 0, "IP", "source address filter", NT_OPT_SRC_IP, T, F, (FL) | (req)), \
	NT_OPT_ROW("dst-ip", 0, "IP", "destination address filter", NT_OPT_DST_IP, T, F,    \
		   (FL) | (req))
#define NT_OPTS_FILTER_PORTS(T, F)                                                          \
	NT_OPT_ROW("src-port", 0, "PORT", "source port filter (TCP/UDP)", NT_OPT_SRC_PORT, T, F, 0), \
	NT_OPT_ROW("dst-port", 0, "PORT", "destination port filter (TCP/UDP)", NT_OPT_DST_PORT, \
		   T, F, 0),                                                                 \
	NT_OPT_ROW("port", 0, "PORT", "either port (TCP/UDP)", NT_OPT_PORT, T, F, 0)
#define NT_OPTS_FILTER_PROTO(T, F, FL)                                                      \
	NT_OPT_ROW("protocol", 0, "PROTO", (FL) & NT_OPT_V4 ? "tcp, udp, icmp or all (default all)" \
		   : "tcp|udp|icmp|icmpv6|all (default all)", NT_OPT_PROTO, T, F, FL),      \
	NT_OPT_ROW("l4-protocol", 0, "PROTO", "same as --protocol", NT_OPT_PROTO, T, F, FL)
#define NT_OPTS_FILTER(T, F, FL)                                                            \
	NT_OPTS_FILTER_ADDRS(T, F, FL, 0), NT_OPTS_FILTER_PORTS(T, F), NT_OPTS_FILTER_PROTO(T, F, FL)

/* The interface pair of a forwarding host: --rx-iface IF[,IF] and --tx-iface
 * (both required) into struct nt_iflist RX and TX of T. */
#define NT_OPTS_IFPAIR(T, RX, TX, rx_help, tx_meta, tx_help)                                \
	NT_OPT_ROW("rx-iface", 0, "IF[,IF]", rx_help, NT_OPT_IFLIST, T, RX, NT_OPT_REQUIRED), \
	NT_OPT_ROW("tx-iface", 0, tx_meta, tx_help, NT_OPT_IFLIST, T, TX, NT_OPT_REQUIRED)

/* A forwarding host's traced pair (the path tracers): --src-ip/--dst-ip
 * (IPv4, required, different) into F.filter and --rx-iface/--tx-iface
 * (required, no interface in both) into F.rx/F.tx of T. */
struct nt_fwd_path {
	struct nt_filter filter;
	struct nt_iflist rx, tx;
	char src_str[INET6_ADDRSTRLEN], dst_str[INET6_ADDRSTRLEN];     /* set by validate */
};
#define NT_OPTS_FWD_PATH(T, F, src_help, dst_help, rx_help, tx_meta, tx_help)             \
	NT_OPT_ROW("src-ip", 0, "IP", src_help, NT_OPT_SRC_IP, T, F.filter,                  \
		   NT_OPT_V4 | NT_OPT_REQUIRED),                                              \
	NT_OPT_ROW("dst-ip", 0, "IP", dst_help, NT_OPT_DST_IP, T, F.filter,                  \
		   NT_OPT_V4 | NT_OPT_REQUIRED),                                              \
	NT_OPTS_IFPAIR(T, F.rx, F.tx, rx_help, tx_meta, tx_help)
/* The pair's rules; fills src_str/dst_str. 0 or -1 (reported). */
int nt_fwd_path_validate(struct nt_fwd_path *p);

/* --interval SEC (at least 0.1 s) into the double F of T. */
#define NT_OPT_INTERVAL(sh, T, F, help)                                                     \
	NT_OPT_ROW("interval", sh, "SEC", help, NT_OPT_NUMBER, T, F, 0, 0.1, NT_MAX_SECONDS, "s")

/* The stack switches: --no-stack and its other spellings into the bool F of T. */
#define NT_OPTS_NO_STACK(T, F, help)                                                        \
	NT_OPT_B("no-stack", help, T, F),                                                    \
	NT_OPT_B("disable-kernel-stacks", "same as --no-stack", T, F)

struct nt_common {
	bool json;
	double duration;                /* seconds; 0 = until Ctrl-C */
	enum nt_attach_mode attach_mode;
	const char *btf_path;
	bool dry_run;                   /* plan and print, load nothing */
	struct nt_listen prometheus;    /* --prometheus: where the metrics are served */
};

struct nt_cli {
	const char *tool;
	const char *synopsis;           /* e.g. "--src-ip IP --dst-ip IP ..." */
	const char *description;        /* a paragraph */
	const char *examples;           /* lines of examples */
	const struct nt_opt *opts;
	int nopts;
	/* NT_OPT_CUSTOM rows (NULL if none): 0, or -1 after nt_usage_error(). */
	int (*handle)(int key, const char *arg, void *cfg);
	void *cfg;
	/* Optional cross-flag checks after parsing (nt_cli_parse calls it):
	 * 0, or -1 after nt_usage_error(). */
	int (*validate)(void *cfg);
	/* The tool serves metrics: --prometheus [ADDR:]PORT is one of its common
	 * options (the runner sets it from the tool's metrics hook). */
	bool metrics;
};

/* Parse and validate (cli->validate).
 * 0: parsed; NT_EXIT_USAGE: bad input (reported); -1: --help was printed. */
int nt_cli_parse(const struct nt_cli *cli, int argc, char **argv, struct nt_common *common);
/* The same for tools that also take words (files): options and words may be
 * mixed; afterwards the words are argv[*first .. argc - 1], in their order. */
int nt_cli_parse_words(const struct nt_cli *cli, int argc, char **argv, struct nt_common *common,
		       int *first);

/* Print "<tool>: --flag: 'value': why" (one line, escaped) and return -1. */
int nt_usage_error(const char *flag, const char *value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Characters of a user's string shown in an error line before it is cut. */
#define NT_SHOW_MAX 64
/* Room nt_cli_show needs: each character may become \xNN, plus "…". */
#define NT_SHOW_LEN (NT_SHOW_MAX * 4 + 4)
/* @s made safe for one error line (see above) in @buf; returns @buf. */
const char *nt_cli_show(const char *s, char *buf, size_t len);

/* The longest --duration and other times in seconds: 31 days. */
#define NT_MAX_SECONDS (31.0 * 24 * 3600)

/* The value parsers behind the typed rows, for custom rows too; each reports
 * its own error. */
int nt_arg_ip(const char *flag, const char *v, union nt_addr *a, __u8 *family);
/* For tools that see IPv4 only: an IPv6 address is refused saying so. */
int nt_arg_ipv4(const char *flag, const char *v, __u32 *addr);
int nt_arg_port(const char *flag, const char *v, __u16 *port);
/* A whole number from @min to @max; @unit ("ms", "s") is named in the error, NULL for counts. */
int nt_arg_uint(const char *flag, const char *v, unsigned long long min,
		unsigned long long max, const char *unit, unsigned long long *out);
/* A decimal number from @min to @max in @unit ("s", "drops/s"); @min 0 means above 0. */
int nt_arg_number(const char *flag, const char *v, double min, double max, const char *unit,
		  double *out);
/* Seconds, above 0 and at most NT_MAX_SECONDS. */
int nt_arg_seconds(const char *flag, const char *v, double *out);
int nt_arg_l4proto(const char *flag, const char *v, __u8 *proto);
/* The same for tools that see IPv4 only: IPv6-only protocols (icmpv6) are refused. */
int nt_arg_l4proto_v4(const char *flag, const char *v, __u8 *proto);
/* Split a comma list into at most @max items (pointers into @buf); an empty
 * item ("a,,b", "a,") is refused. Returns the number of items or -1. */
int nt_arg_list(const char *flag, const char *v, char *buf, size_t buflen,
		char **items, int max);
/* A directory this process can create files in: tried by creating (and
 * removing) one, since access() says yes to root on a read-only mount. */
int nt_arg_writable_dir(const char *flag, const char *dir);

/* --src-ip/--dst-ip of a 5-tuple filter (IPv4 or IPv6, both of one family). */
int nt_arg_filter_ip(const char *flag, const char *v, struct nt_filter *f, bool src);
/* Is any part of @f set? */
bool nt_filter_any(const struct nt_filter *f);
/* Both addresses, and different (path tracers, RTT tools): 0 or -1 (reported). */
int nt_filter_validate_pair(const struct nt_filter *f);
/* Cross-flag checks of a 5-tuple filter: a protocol of the other IP version
 * than the addresses, ports with a protocol that has none. 0 or -1 (reported). */
int nt_filter_validate(const struct nt_filter *f);

#endif
