/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Command lines: each tool declares its options as a table; the options every
 * tool has (--json, --duration, -v, --attach-mode, --btf, --help) are added
 * here. Every bad value is reported in one line naming the flag, the value
 * and why, before anything is loaded, and gives exit code 2.
 */
#ifndef NT_CLI_H
#define NT_CLI_H

#include <stdbool.h>
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
	/* Optional cross-flag checks after parsing: 0, or -1 after nt_usage_error(). */
	int (*validate)(void *cfg);
};

/* 0: parsed; NT_EXIT_USAGE: bad input (reported); -1: --help was printed. */
int nt_cli_parse(const struct nt_cli *cli, int argc, char **argv, struct nt_common *common);

/* Print "<tool>: --flag: 'value': why" and return -1. */
int nt_usage_error(const char *flag, const char *value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Value parsers for tool handlers; each reports its own error. */
int nt_arg_ip(const char *flag, const char *v, union nt_addr *a, __u8 *family);
int nt_arg_ipv4(const char *flag, const char *v, __u32 *addr);
int nt_arg_port(const char *flag, const char *v, __u16 *port);
int nt_arg_uint(const char *flag, const char *v, unsigned long long min,
		unsigned long long max, unsigned long long *out);
int nt_arg_seconds(const char *flag, const char *v, double *out);
int nt_arg_l4proto(const char *flag, const char *v, __u8 *proto);
/* Split a comma list into at most @max items (pointers into @buf). */
int nt_arg_list(const char *flag, const char *v, char *buf, size_t buflen,
		char **items, int max);

#endif
