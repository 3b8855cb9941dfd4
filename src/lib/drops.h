/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * User-space half of the drop floor (src/bpf/nt_drop.bpf.h): drop-reason
 * names from the running kernel's BTF, the dropping function from a stack,
 * stack trimming and printing, the normal-free filter, and eth_drop's event
 * shape in text and JSON. Shared by every drop tool.
 */
#ifndef NT_DROPS_H
#define NT_DROPS_H

#include <stdbool.h>
#include <stddef.h>
#include "attach.h"
#include "cli.h"
#include "nt_drop.h"

struct ksyms;
struct nt_json;

/* Candidates of stage "drop" (the rows of nt_drop.h), first choice first. */
#define NT_DROP_CANDIDATE(kind, target, prog, flavour, a) { NT_PK_##kind, target, #prog },
#define NT_DROP_CANDIDATES NT_DROP_ROWS(NT_DROP_CANDIDATE, )

/* Reason name from the running kernel's BTF ("NETFILTER_DROP"); kernels
 * without reasons give "NOT_SPECIFIED", unknown numbers "UNKNOWN(<n>)". */
const char *nt_drop_reason_name(__u32 reason, char *buf, size_t len);
/* Read every reason name from BTF now (before our BTF copy is released). */
void nt_drop_load_reasons(void);
/* A runner's planned hook for the drop family: the reasons read from the
 * kernel BTF while it is parsed (struct nt_run: tool.h). */
struct nt_run;
int nt_drop_planned(struct nt_run *r);
/* Value of reason NAME (without the SKB_DROP_REASON_ prefix), -1 if absent. */
long long nt_drop_reason_value(const char *name);
/* Does this kernel have enum skb_drop_reason? */
bool nt_drop_has_reasons(void);

/* The dropping function: the tracepoint's location, else the first stack
 * frame outside the generic free/drop functions and BPF glue. */
__u64 nt_drop_location(const struct nt_drop_event *e, const struct ksyms *ks);
/* Same from a bare stack (n frames). */
__u64 nt_drop_stack_location(const __u64 *stack, int n, const struct ksyms *ks);
/* Index of the first frame that is not our program or tracepoint glue. */
int nt_stack_first_frame(const __u64 *stack, int n, const struct ksyms *ks);

/* Fill the normal-free knobs of a drop-floor object (the skeleton's rodata
 * fields targ_normal_*): by reason where the kernel has reasons, else by the
 * address ranges of the known normal callers. No-op when @disabled. */
void nt_drop_normal_filter(bool disabled, __u32 *reasons, __u32 *nreasons, __u64 *lo,
			   __u64 *hi, __u32 *n);
#define NT_DROP_SET_NORMAL_FILTER(rodata, disabled)                                    \
	nt_drop_normal_filter((disabled), (__u32 *)(rodata)->targ_normal_reason,        \
			      (__u32 *)&(rodata)->targ_nnormal_reasons,                 \
			      (__u64 *)(rodata)->targ_normal_lo,                        \
			      (__u64 *)(rodata)->targ_normal_hi, (__u32 *)&(rodata)->targ_nnormal)

/* ---- filters every drop tool takes (interface, addresses, ports, protocol) */
struct nt_drop_filters {
	struct nt_filter filter;
	struct nt_iface iface;          /* .name NULL: any interface */
};

/* Option rows of a config T whose struct nt_drop_filters is F: the 5-tuple
 * group (cli.h; IPv4 and IPv6) and the interface under the tool's own name
 * and short name. */
#define NT_DROP_OPTS_FILTER(T, F) NT_OPTS_FILTER(T, F.filter, 0)
#define NT_DROP_OPT_IFACE(name, sh, help, T, F)                                 \
	NT_OPT_ROW(name, sh, "IF", help, NT_OPT_IFACE, T, F.iface, 0)

#define NT_DROP_SET_FILTERS(rodata, f)                                          \
	do {                                                                    \
		(rodata)->targ_filter = (f)->filter;                            \
		(rodata)->targ_filter_l3 = nt_filter_any(&(f)->filter);         \
		(rodata)->targ_if = (f)->iface.ref;                             \
		(rodata)->targ_has_if = (f)->iface.name != NULL;                \
	} while (0)

/* "198.18.0.2:5555", "[2001:2::1]:80", or the bare address. */
void nt_drop_endpoint(const struct nt_pkt *p, bool src, char *buf, size_t len);

/* eth_drop's event: fields into an open JSON object / text lines. */
void nt_drop_event_json(struct nt_json *j, const struct nt_drop_event *e,
			const struct ksyms *ks);
void nt_drop_event_text(const struct nt_drop_event *e, bool verbose, const struct ksyms *ks);
/* Column header of nt_drop_event_text. */
void nt_drop_text_header(void);

#endif
