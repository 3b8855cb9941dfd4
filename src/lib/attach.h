/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Stages as data. A stage is one point a tool needs to observe, declared once
 * with candidate probe points in order of preference: tracepoint flavours
 * first (tp_btf, raw_tp, classic tracepoint), then fentry, then kprobe, with
 * renamed functions as further candidates. At start each stage takes the
 * first candidate this kernel can serve (the target exists in BTF/kallsyms/
 * tracefs and the attach type works here); `--attach-mode` restricts the
 * kinds considered, and never silently falls back to another kind.
 */
#ifndef NT_ATTACH_H
#define NT_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include "nt_types.h"
#include "tchook.h"

struct bpf_object;
struct bpf_link;

enum nt_probe_kind {
	NT_PK_TP_BTF,
	NT_PK_RAW_TP,
	NT_PK_TRACEPOINT,
	NT_PK_FENTRY,
	NT_PK_FEXIT,            /* fentry's exit twin: the arguments and the return value */
	NT_PK_KPROBE,
	NT_PK_KRETPROBE,        /* the return value only */
	NT_PK_UPROBE,
	/* Per-interface hooks: a tc program on each interface the tool was
	 * given (the plan context's interfaces), in place of a global tracepoint that
	 * runs for every device and filters after. Auto mode only; the target
	 * is unused. */
	NT_PK_TC_INGRESS,
	NT_PK_TC_EGRESS,
	NT_PK_MAX,
};

enum nt_attach_mode {
	NT_MODE_AUTO,
	NT_MODE_TRACEPOINT,     /* tp_btf, raw_tp or classic tracepoint */
	NT_MODE_FENTRY,         /* fentry or fexit */
	NT_MODE_KPROBE,         /* kprobe or kretprobe */
};

struct nt_candidate {
	enum nt_probe_kind kind;
	const char *target;     /* tracepoint "cat/name" (classic), "name" (tp_btf, raw_tp), function */
	const char *prog;       /* BPF program implementing it */
	int arg0_depth;         /* 0: any; else the pointer depth BTF must show for arg 0 */
	/* A second hook of the same kind needed together with the first to see
	 * everything the stage means (e.g. the single-skb and the list receive
	 * paths when the function both call cannot be traced). For an exit kind
	 * (fexit, kretprobe) the companion is attached at a function's entry with
	 * the matching entry kind (fentry, kprobe): a kretprobe sees only the
	 * return value, so its entry half stashes the arguments it needs. */
	const char *target2;
	const char *prog2;
	int ifset;              /* NT_PK_TC_*: which interface set of the plan context */
	/* A stub: @prog hands its run to this program of the object by tail call
	 * (src/bpf/nt_handoff.bpf.h), loaded once for all the stubs naming it. */
	const char *shared;
	/* A kernel function (kfunc) the programs need: the candidate is passed
	 * over where the running kernel's BTF lacks it. */
	const char *needs;
};

#define NT_MAX_CANDS 10

struct nt_stage {
	const char *name;
	const char *what;       /* what the stage observes, for doctor and errors */
	bool optional;          /* the tool runs without it (reported) */
	struct nt_candidate cands[NT_MAX_CANDS];   /* ends at .prog == NULL */
};

/* What planning needs besides the stages: the interfaces per-interface hooks
 * (NT_PK_TC_*) go on, in sets (a VM path hooks the physical interfaces and
 * the VM's tap apart); an empty set: its candidates are passed over. */
#define NT_PLAN_IFSETS 2
struct nt_plan_ctx {
	struct nt_ifref ifaces[NT_PLAN_IFSETS][NT_MAX_IFACES];
	int nifaces[NT_PLAN_IFSETS];
	/* The tool keeps every per-interface hook planning gives it (its
	 * planned hook drops none): they are reserved before planning. */
	bool tc_kept;
	/* Stages this command line does not need (bit i: stage i): not
	 * planned, not reported missing; @skip_why says why (--dry-run). */
	unsigned long long skip;
	const char *skip_why;
};
void nt_plan_ctx_set_ifaces(struct nt_plan_ctx *pc, int set, const struct nt_ifref *ifs, int n);

struct nt_stage_plan {
	const struct nt_stage *stage;
	const struct nt_plan_ctx *ctx;          /* the context it was planned in (may be NULL) */
	const struct nt_candidate *cand;        /* NULL: nothing can serve it */
	char symbol[128];                       /* resolved kallsyms name (kprobe) */
	char symbol2[128];                      /* same for the companion hook */
	char why[512];                          /* why candidates were passed over */
	struct bpf_link *link;
	struct bpf_link *link2;
	struct nt_tc_hook tc[NT_MAX_IFACES];    /* NT_PK_TC_*: one per interface */
	int ntc;
	/* Set by the tool after planning: this stage's events come through
	 * another stage's program on the same probe (one run serves both), so
	 * its own program is neither loaded nor attached. */
	const struct nt_stage_plan *served_by;
};

const char *nt_kind_name(enum nt_probe_kind k);
/* The kind a candidate's companion hook (target2/prog2) is attached as. */
enum nt_probe_kind nt_companion_kind(enum nt_probe_kind k);
const char *nt_mode_name(enum nt_attach_mode m);
/* Does this kernel let us load and attach programs of kind @k? Found by
 * trying a tiny program once; @why says what failed. */
bool nt_kind_works(enum nt_probe_kind k, const char **why);

/* Choose a candidate per stage (@pc may be NULL: no interfaces). Returns 0, or
 * -1 when an essential stage has none (message printed, naming the stage and
 * why). Needs no BPF object, so doctor uses it too (quiet = no messages). */
int nt_stages_plan(const struct nt_stage *stages, int n, enum nt_attach_mode mode,
		   const struct nt_plan_ctx *pc, struct nt_stage_plan *plans, bool quiet);
/* Autoload exactly the chosen programs and point them at their targets. */
int nt_stages_prepare(struct bpf_object *obj, struct nt_stage_plan *plans, int n);
/* Before the load: reserve the tc stages' hooks (tchook.h), whose creation
 * waits for the kernel, while the programs load. */
void nt_stages_reserve(struct nt_stage_plan *plans, int n);
/* Before planning (@pc->tc_kept): reserve the hooks of the stages whose first
 * candidate @mode allows is per-interface; planning's take them over where it
 * chooses the same, the others are dropped at the end (nt_tc_reservations_drop). */
void nt_stages_reserve_early(const struct nt_stage *stages, int n, enum nt_attach_mode mode,
			     const struct nt_plan_ctx *pc);
/* Attach the chosen programs (after load). Message + -1 on failure. */
int nt_stages_attach(struct bpf_object *obj, struct nt_stage_plan *plans, int n);
void nt_stages_detach(struct nt_stage_plan *plans, int n);
/* "rx=tp_btf:netif_receive_skb tx=..." for -v and the ready line. */
void nt_stages_describe(const struct nt_stage_plan *plans, int n, char *buf, size_t len);

/* libbpf messages go to stderr only with -v; its warnings are kept for
 * nt_report_load_failure(). */
void nt_libbpf_setup(void);
/* "failed to load BPF programs: ERR" and the last libbpf warnings (the
 * failing program and the verifier's reason). */
void nt_report_load_failure(int err);
/* Make sure tracefs is reachable (ip netns exec hides it); returns its path or NULL. */
const char *nt_tracefs(void);

#endif
