/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Command lines: each tool declares its options as a table; the options every
 * tool has (--json, --duration, -v, --attach-mode, --btf, --help) are added
 * here. Every bad value is reported in one line naming the flag, the value
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

struct nt_opt {
	const char *name;       /* long name without "--" */
	char short_name;        /* 0 if none */
	const char *metavar;    /* NULL: a flag without a value */
	const char *help;
	int key;                /* handed to the tool's handler */
};

struct nt_common {
	bool json;
	double duration;                /* seconds; 0 = until Ctrl-C */
	enum nt_attach_mode attach_mode;
	const char *btf_path;
	bool dry_run;                   /* plan and print, load nothing */
};

struct nt_cli {
	const char *tool;
	const char *synopsis;           /* e.g. "--src-ip IP --dst-ip IP ..." */
	const char *description;        /* a paragraph */
	const char *examples;           /* lines of examples */
	const struct nt_opt *opts;
	int nopts;
	/* Return 0, or -1 after printing the error with nt_usage_error(). */
	int (*handle)(int key, const char *arg, void *cfg);
	void *cfg;
	/* Optional cross-flag checks after parsing (nt_cli_parse calls it):
	 * 0, or -1 after nt_usage_error(). */
	int (*validate)(void *cfg);
};

/* Parse and validate (cli->validate).
 * 0: parsed; NT_EXIT_USAGE: bad input (reported); -1: --help was printed. */
int nt_cli_parse(const struct nt_cli *cli, int argc, char **argv, struct nt_common *common);

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

/* Value parsers for tool handlers; each reports its own error. */
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
/* Cross-flag checks of a 5-tuple filter: a protocol of the other IP version
 * than the addresses, ports with a protocol that has none. 0 or -1 (reported). */
int nt_filter_validate(const struct nt_filter *f);

#endif
