/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What every part of nettrail shares: exit codes, logging, the tool registry.
 */
#ifndef NT_H
#define NT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define NT_EXIT_OK      0
#define NT_EXIT_RUNTIME 1       /* load/attach/kernel feature missing */
#define NT_EXIT_USAGE   2       /* bad input, nothing was loaded */
#define NT_EXIT_PIPE    141     /* stdout's reader exited (128 + SIGPIPE, as a shell shows it) */

extern int nt_debug;            /* -v/--debug count */
extern const char *nt_prog;     /* name of the running tool, for messages */

#define nt_err(fmt, ...)   fprintf(stderr, "%s: " fmt "\n", nt_prog, ##__VA_ARGS__)
#define nt_warn(fmt, ...)  fprintf(stderr, "%s: warning: " fmt "\n", nt_prog, ##__VA_ARGS__)
#define nt_info(fmt, ...)  fprintf(stderr, fmt "\n", ##__VA_ARGS__)
#define nt_dbg(fmt, ...)   do { if (nt_debug) fprintf(stderr, "debug: " fmt "\n", ##__VA_ARGS__); } while (0)

#define NT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct nt_tool_def;

enum nt_group {
	NT_GROUP_BOUNDARY,
	NT_GROUP_LATENCY,
	NT_GROUP_DROPS,
	NT_GROUP_OVS,
	NT_GROUP_STACK,
	NT_GROUP_VIRT,
	NT_GROUP_CPU,
	NT_GROUP_TCP,
	NT_GROUP_FLEET,
	NT_GROUP_HOST,
	NT_GROUP_MAX,
};

struct nt_tool {
	const char *name;
	const char *alias;              /* another accepted name, or NULL */
	enum nt_group group;
	const char *overhead;           /* the manual's class: "low" / "variable" */
	const char *manual;             /* manual section */
	const char *purpose;
	const struct nt_tool_def *def;  /* options, stages, skeleton, hooks (tool.h) */
};

extern const struct nt_tool nt_tools[];
extern const int nt_ntools;
const struct nt_tool *nt_tool_find(const char *name);
const char *nt_group_name(enum nt_group g);

/* This binary: "nettrail <git describe> (libbpf vX.Y: how it is linked)" (version.c). */
void nt_version_print(FILE *f);
/* How the libbpf inside was built: "static; Debian source 1.7.0-1" or the system's. */
const char *nt_libbpf_build(void);

#endif
