// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>
#include "nt.h"
#include "attach.h"
#include "btfinfo.h"
#include "iface.h"
#include "ksyms.h"
#include "probe.skel.h"

static const char *kind_names[NT_PK_MAX] = {
	[NT_PK_TP_BTF] = "tp_btf",
	[NT_PK_RAW_TP] = "raw_tp",
	[NT_PK_TRACEPOINT] = "tracepoint",
	[NT_PK_FENTRY] = "fentry",
	[NT_PK_FEXIT] = "fexit",
	[NT_PK_KPROBE] = "kprobe",
	[NT_PK_KRETPROBE] = "kretprobe",
	[NT_PK_UPROBE] = "uprobe",
	[NT_PK_TC_INGRESS] = "tc-ingress",
	[NT_PK_TC_EGRESS] = "tc-egress",
};

const char *nt_kind_name(enum nt_probe_kind k)
{
	return k < NT_PK_MAX ? kind_names[k] : "?";
}

enum nt_probe_kind nt_companion_kind(enum nt_probe_kind k)
{
	return k == NT_PK_FEXIT ? NT_PK_FENTRY : k == NT_PK_KRETPROBE ? NT_PK_KPROBE : k;
}

static bool is_fentry_like(enum nt_probe_kind k)
{
	return k == NT_PK_FENTRY || k == NT_PK_FEXIT;
}

static bool is_kprobe_like(enum nt_probe_kind k)
{
	return k == NT_PK_KPROBE || k == NT_PK_KRETPROBE;
}

static bool is_tc(enum nt_probe_kind k)
{
	return k == NT_PK_TC_INGRESS || k == NT_PK_TC_EGRESS;
}

void nt_plan_ctx_set_ifaces(struct nt_plan_ctx *pc, int set, const struct nt_ifref *ifs, int n)
{
	if (set < 0 || set >= NT_PLAN_IFSETS)
		return;
	pc->nifaces[set] = n < 0 ? 0 : n > NT_MAX_IFACES ? NT_MAX_IFACES : n;
	memcpy(pc->ifaces[set], ifs, pc->nifaces[set] * sizeof(*ifs));
}

/* The plan context's interface set a per-interface candidate @c goes on. */
static int cand_ifset(const struct nt_candidate *c)
{
	return c->ifset >= 0 && c->ifset < NT_PLAN_IFSETS ? c->ifset : 0;
}

static int plan_nifaces(const struct nt_stage_plan *pl, const struct nt_candidate *c)
{
	return pl->ctx ? pl->ctx->nifaces[cand_ifset(c)] : 0;
}

static const struct nt_ifref *plan_ifaces(const struct nt_stage_plan *pl,
					  const struct nt_candidate *c)
{
	return pl->ctx->ifaces[cand_ifset(c)];
}

const char *nt_mode_name(enum nt_attach_mode m)
{
	static const char *names[] = { "auto", "tracepoint", "fentry", "kprobe" };

	return m <= NT_MODE_KPROBE ? names[m] : "?";
}

/* libbpf's warnings are kept (bounded) even without -v: when a load fails,
 * the verifier's last lines say why, and a failure that happens once in CI
 * must be readable from its output alone. */
static char warn_tail[4096];
static size_t warn_len;

static void keep_warning(const char *fmt, va_list ap)
{
	char line[8192];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if ((size_t)n >= sizeof(warn_tail)) {
		memcpy(warn_tail, line + n - (sizeof(warn_tail) - 1), sizeof(warn_tail) - 1);
		warn_len = sizeof(warn_tail) - 1;
		return;
	}
	if (warn_len + n >= sizeof(warn_tail)) {
		size_t drop = warn_len + n - (sizeof(warn_tail) - 1);

		memmove(warn_tail, warn_tail + drop, warn_len - drop);
		warn_len -= drop;
	}
	memcpy(warn_tail + warn_len, line, n);
	warn_len += n;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && !nt_debug) {
		keep_warning(fmt, ap);
		return 0;
	}
	if (!nt_debug || (level == LIBBPF_DEBUG && nt_debug < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void nt_libbpf_setup(void)
{
	libbpf_set_print(libbpf_print);
}

void nt_report_load_failure(int err)
{
	enum { SHOWN_LINES = 12 };
	const char *p = warn_tail + warn_len;
	int lines = 0;

	nt_err("failed to load BPF programs: %s", strerror(err));
	if (!warn_len) {
		nt_err("(run with -v for libbpf's messages)");
		return;
	}
	/* the last lines hold the failing program's name and the verifier's reason */
	while (p > warn_tail && lines <= SHOWN_LINES)
		if (*--p == '\n' && p + 1 < warn_tail + warn_len)
			lines++;
	if (*p == '\n')
		p++;
	fprintf(stderr, "%s: last libbpf messages (-v for all):\n%.*s", nt_prog,
		(int)(warn_tail + warn_len - p), p);
	if (warn_tail[warn_len - 1] != '\n')
		fputc('\n', stderr);
}

const char *nt_tracefs(void)
{
	static const char *path;
	static bool tried;

	if (tried)
		return path;
	tried = true;
	if (!access("/sys/kernel/tracing/events", F_OK))
		path = "/sys/kernel/tracing";
	else if (!access("/sys/kernel/debug/tracing/events", F_OK))
		path = "/sys/kernel/debug/tracing";
	/* `ip netns exec` gives us a fresh /sys without tracefs: mount it in
	 * our private mount namespace (libbpf looks there). */
	else if (!mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL))
		path = "/sys/kernel/tracing";
	nt_dbg("tracefs: %s", path ? path : "unavailable");
	return path;
}

/* A function in this binary for the uprobe probe to attach to. */
__attribute__((noinline)) int nt_uprobe_target(int x)
{
	asm volatile("" : : : "memory");
	return x + 1;
}

static const char *kprobe_why(void)
{
	if (access("/sys/bus/event_source/devices/kprobe/type", F_OK) &&
	    (!nt_tracefs() || access("/sys/kernel/tracing/kprobe_events", F_OK)))
		return "kprobes are not supported by this kernel (no kprobe PMU in "
		       "/sys/bus/event_source/devices, no kprobe_events: CONFIG_KPROBES is off)";
	return NULL;
}

/* tp_btf, fentry and fexit: a two-instruction program (r0 = 0; exit) loaded
 * and attached without libbpf's object layer, its attach_btf_id taken from our
 * reader of the kernel's BTF. Through the probe object libbpf would parse the
 * whole kernel BTF once per kind (~10 ms each, and a second mapping of it
 * while ours is open). */
static int try_btf_kind(enum nt_probe_kind k, char *why, size_t len)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	enum bpf_attach_type at = k == NT_PK_TP_BTF ? BPF_TRACE_RAW_TP :
				  k == NT_PK_FENTRY ? BPF_TRACE_FENTRY : BPF_TRACE_FEXIT;
	int id = k == NT_PK_TP_BTF ? nt_btf_kernel_id("btf_trace_netif_receive_skb", BTF_KIND_TYPEDEF)
				   : nt_btf_kernel_id("netif_rx", BTF_KIND_FUNC);
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = at, .attach_btf_id = id);
	int fd, link, err = 0;

	if (id < 0) {
		snprintf(why, len, "%s programs need the running kernel's own BTF (%s)", kind_names[k],
			 nt_btf_vmlinux(NULL) ? "--btf gives another file's" : "none usable");
		return -ENOENT;
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "nt_probe", "GPL", insns, NT_ARRAY_SIZE(insns),
			   &opts);
	if (fd < 0) {
		err = -errno;
		snprintf(why, len, "%s programs are refused by this kernel (load: %s)", kind_names[k],
			 strerror(-err));
		return err;
	}
	/* the tracing attach every kernel with these kinds has (5.5+) */
	link = bpf_raw_tracepoint_open(NULL, fd);
	if (link < 0) {
		err = -errno;
		snprintf(why, len, "%s attach failed: %s", kind_names[k], strerror(-err));
	} else {
		close(link);
	}
	close(fd);
	return err;
}

/* tc: a two-instruction program (r0 = TC_ACT_UNSPEC; exit) loaded without
 * libbpf's object layer; attached per interface later, so loading is what
 * can be tried (the probe object would cost its own BTF load and parse). */
static int try_tc_kind(enum nt_probe_kind k, char *why, size_t len)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = -1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "nt_probe", "GPL", insns,
			       NT_ARRAY_SIZE(insns), NULL);

	if (fd < 0) {
		int err = -errno;

		snprintf(why, len, "%s programs are refused by this kernel (load: %s)", kind_names[k],
			 strerror(-err));
		return err;
	}
	close(fd);
	return 0;
}

/* Load and attach the probe object's program for @k alone. */
static int try_kind(enum nt_probe_kind k, char *why, size_t len)
{
	static const char *progs[NT_PK_MAX] = {
		[NT_PK_TP_BTF] = "nt_probe_btf", [NT_PK_RAW_TP] = "nt_probe_raw",
		[NT_PK_TRACEPOINT] = "nt_probe_tp", [NT_PK_FENTRY] = "nt_probe_fentry",
		[NT_PK_FEXIT] = "nt_probe_fexit", [NT_PK_KPROBE] = "nt_probe_kprobe",
		[NT_PK_KRETPROBE] = "nt_probe_kretprobe", [NT_PK_UPROBE] = "nt_probe_uprobe",
		[NT_PK_TC_INGRESS] = "nt_probe_tc", [NT_PK_TC_EGRESS] = "nt_probe_tc",
	};
	struct probe_bpf *obj;
	struct bpf_program *p, *want = NULL;
	struct bpf_link *link = NULL;
	int err;

	if (is_kprobe_like(k) && kprobe_why()) {
		snprintf(why, len, "%s", kprobe_why());
		return -ENOTSUP;
	}
	if (k == NT_PK_TRACEPOINT && !nt_tracefs()) {
		snprintf(why, len, "tracefs is not mounted and cannot be mounted");
		return -ENOENT;
	}
	if (k == NT_PK_TP_BTF || k == NT_PK_FENTRY || k == NT_PK_FEXIT)
		return try_btf_kind(k, why, len);
	if (is_tc(k))
		return try_tc_kind(k, why, len);
	obj = probe_bpf__open();
	if (!obj) {
		snprintf(why, len, "cannot open probe object: %s", strerror(errno));
		return -errno;
	}
	bpf_object__for_each_program(p, obj->obj) {
		bool mine = !strcmp(bpf_program__name(p), progs[k]);

		bpf_program__set_autoload(p, mine);
		if (mine)
			want = p;
	}
	err = probe_bpf__load(obj);
	if (err) {
		err = -errno;
		snprintf(why, len, "%s programs are refused by this kernel (load: %s)",
			 kind_names[k], strerror(-err));
		goto out;
	}
	if (is_tc(k))           /* attached per interface: loading is what can be tried */
		goto out;
	switch (k) {
	case NT_PK_KPROBE:
	case NT_PK_KRETPROBE:
		link = bpf_program__attach_kprobe(want, k == NT_PK_KRETPROBE, "netif_rx");
		break;
	case NT_PK_UPROBE: {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "nt_uprobe_target");
		char exe[512];
		ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		if (l < 0)
			break;
		exe[l] = 0;
		link = bpf_program__attach_uprobe_opts(want, 0, exe, 0, &uo);
		if (link)
			nt_uprobe_target(1);
		break;
	}
	default:
		link = bpf_program__attach(want);
	}
	if (!link) {
		err = -errno;
		snprintf(why, len, "%s attach failed: %s", kind_names[k], strerror(-err));
	}
	bpf_link__destroy(link);
out:
	probe_bpf__destroy(obj);
	return err;
}

bool nt_kind_works(enum nt_probe_kind k, const char **why)
{
	static int state[NT_PK_MAX];    /* 0 unknown, 1 works, -1 not */
	static char whys[NT_PK_MAX][256];

	if (!state[k])
		state[k] = try_kind(k, whys[k], sizeof(whys[k])) ? -1 : 1;
	if (why)
		*why = whys[k];
	return state[k] > 0;
}

static bool mode_allows(enum nt_attach_mode m, enum nt_probe_kind k)
{
	switch (m) {
	case NT_MODE_AUTO:
		return true;    /* the only mode with per-interface hooks */
	case NT_MODE_TRACEPOINT:
		return k == NT_PK_TP_BTF || k == NT_PK_RAW_TP || k == NT_PK_TRACEPOINT;
	case NT_MODE_FENTRY:
		return is_fentry_like(k);
	case NT_MODE_KPROBE:
		return is_kprobe_like(k);
	}
	return false;
}

static bool tracefs_event_exists(const char *cat_name)
{
	const char *tfs = nt_tracefs();
	char path[512];

	if (!tfs)
		return false;
	snprintf(path, sizeof(path), "%s/events/%s/id", tfs, cat_name);
	return !access(path, F_OK);
}

static bool tracefs_event_any_cat(const char *name)
{
	const char *tfs = nt_tracefs();
	char pat[512];
	glob_t g;
	bool found;

	if (!tfs)
		return false;
	snprintf(pat, sizeof(pat), "%s/events/*/%s/id", tfs, name);
	found = glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0;
	globfree(&g);
	return found;
}

/* Does function @fn exist for a fentry/kprobe of @kind? Kprobes resolve the
 * kallsyms name (compiler clones included) into @symbol. */
static bool function_ok(enum nt_probe_kind kind, const char *fn, int arg0_depth, char *symbol,
			size_t slen, char *why, size_t wlen)
{
	int depth;

	if (is_fentry_like(kind) && !nt_btf_has_func(fn)) {
		snprintf(why, wlen, "function %s not in kernel BTF (inlined or renamed)", fn);
		return false;
	}
	if (is_kprobe_like(kind)) {
		const struct ksym *s = ksyms__find(nt_ksyms(), fn);

		if (!s) {
			snprintf(why, wlen, "function %s not in /proc/kallsyms", fn);
			return false;
		}
		snprintf(symbol, slen, "%s", s->name);
	} else {
		snprintf(symbol, slen, "%s", fn);
	}
	depth = arg0_depth ? nt_btf_func_arg_depth(fn, 0) : 0;
	if (arg0_depth && depth >= 0 && depth != arg0_depth) {
		snprintf(why, wlen, "%s takes a different first argument on this kernel", fn);
		return false;
	}
	return true;
}

/* tp_btf and fentry attach to the kernel's own BTF objects, which libbpf
 * reads from sysfs: a --btf file only serves CO-RE relocations. */
static bool kernel_btf_readable(char *why, size_t wlen, enum nt_probe_kind kind)
{
	if (!access("/sys/kernel/btf/vmlinux", R_OK))
		return true;
	snprintf(why, wlen, "%s needs the kernel's own BTF (/sys/kernel/btf/vmlinux is missing; "
		 "--btf only serves CO-RE)", nt_kind_name(kind));
	return false;
}

static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;

	if (l >= len - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + l, len - l, fmt, ap);
	va_end(ap);
}

/* Can @c serve on this kernel? On no, say why in @why. */
static bool candidate_ok(const struct nt_candidate *c, struct nt_stage_plan *pl,
			 char *why, size_t wlen)
{
	const char *kwhy = NULL;

	if ((c->kind == NT_PK_TP_BTF || is_fentry_like(c->kind) || c->needs) &&
	    !kernel_btf_readable(why, wlen, c->kind))
		return false;
	if (c->needs && nt_btf_kernel_id(c->needs, BTF_KIND_FUNC) < 0) {
		snprintf(why, wlen, "needs the kernel function %s, not in this kernel's BTF", c->needs);
		return false;
	}
	switch (c->kind) {
	case NT_PK_TP_BTF:
		if (!nt_btf_has_raw_tp(c->target)) {
			snprintf(why, wlen, "no BTF-typed tracepoint %s", c->target);
			return false;
		}
		return true;
	case NT_PK_RAW_TP:
		if (!nt_btf_has_raw_tp(c->target) && !tracefs_event_any_cat(c->target)) {
			snprintf(why, wlen, "no tracepoint %s", c->target);
			return false;
		}
		return true;
	case NT_PK_TRACEPOINT:
		if (!tracefs_event_exists(c->target)) {
			snprintf(why, wlen, "no tracepoint %s in tracefs", c->target);
			return false;
		}
		return true;
	case NT_PK_FENTRY:
	case NT_PK_FEXIT:
	case NT_PK_KPROBE:
	case NT_PK_KRETPROBE:
		/* the kind first (tried once, cached): where kprobes do not exist,
		 * /proc/kallsyms (~10 MB parsed) is never read for them */
		if (!nt_kind_works(c->kind, &kwhy) ||
		    (c->prog2 && !nt_kind_works(nt_companion_kind(c->kind), &kwhy))) {
			snprintf(why, wlen, "%s", kwhy);
			return false;
		}
		if (!function_ok(c->kind, c->target, c->arg0_depth, pl->symbol, sizeof(pl->symbol),
				 why, wlen))
			return false;
		return !c->target2 || function_ok(c->kind, c->target2, 0, pl->symbol2,
						  sizeof(pl->symbol2), why, wlen);
	case NT_PK_TC_INGRESS:
	case NT_PK_TC_EGRESS:
		if (!plan_nifaces(pl, c)) {
			snprintf(why, wlen, "a per-interface hook: no interface given");
			return false;
		}
		if (!nt_kind_works(c->kind, &kwhy)) {
			snprintf(why, wlen, "%s", kwhy);
			return false;
		}
		return true;
	default:
		snprintf(why, wlen, "unsupported kind");
		return false;
	}
}

/* "eth0,eth1": the interfaces of a per-interface hook, for messages */
static void tc_iface_names(const struct nt_stage_plan *pl, const struct nt_candidate *c,
			   char *buf, size_t len)
{
	buf[0] = 0;
	for (int i = 0; i < plan_nifaces(pl, c); i++) {
		char name[32];

		append(buf, len, "%s%s", i ? "," : "",
		       nt_iface_name(&plan_ifaces(pl, c)[i], name, sizeof(name)));
	}
}

/* Take the first candidate from @c on that this kernel can serve, passing
 * over stubs of a shared program if @own; says why others were passed over.
 * Returns how many candidates @mode let it consider. */
static int plan_from(struct nt_stage_plan *pl, const struct nt_candidate *c,
		     enum nt_attach_mode mode, bool own)
{
	int considered = 0;

	pl->cand = NULL;
	for (; c->prog; c++) {
		char why[256] = "";

		if (!mode_allows(mode, c->kind) || (own && c->shared))
			continue;
		considered++;
		pl->symbol[0] = pl->symbol2[0] = 0;
		if (candidate_ok(c, pl, why, sizeof(why))) {
			pl->cand = c;
			if (is_tc(c->kind))
				tc_iface_names(pl, c, pl->symbol, sizeof(pl->symbol));
			if (!pl->symbol[0])
				snprintf(pl->symbol, sizeof(pl->symbol), "%s", c->target);
			break;
		}
		append(pl->why, sizeof(pl->why), "%s%s:%s: %s", pl->why[0] ? "; " : "",
		       nt_kind_name(c->kind), c->target, why);
	}
	return considered;
}

static bool same_shared(const struct nt_stage_plan *pl, const char *shared)
{
	return pl->cand && pl->cand->shared && !strcmp(pl->cand->shared, shared);
}

/*
 * A shared program costs its verification once, a stub almost nothing; a
 * program of its own per probe point costs a verification each, but of code
 * specialised to its point (a third to half the shared program's). Below
 * NT_SHARED_MIN_STUBS stubs the own programs start faster: those stages take
 * their next candidate.
 */
#define NT_SHARED_MIN_STUBS 3
static void unshare_few(struct nt_stage_plan *plans, int n, enum nt_attach_mode mode)
{
	for (int i = 0; i < n; i++) {
		const char *shared = plans[i].cand ? plans[i].cand->shared : NULL;
		int stubs = 0;

		if (!shared)
			continue;
		for (int k = 0; k < n; k++)
			stubs += same_shared(&plans[k], shared);
		if (stubs >= NT_SHARED_MIN_STUBS)
			continue;
		for (int k = n - 1; k >= i; k--)        /* plans[i] last: @shared is its name */
			if (same_shared(&plans[k], shared))
				plan_from(&plans[k], plans[k].cand + 1, mode, true);
	}
}

static bool skipped(const struct nt_plan_ctx *pc, int i)
{
	return pc && i < 64 && (pc->skip >> i & 1);
}

int nt_stages_plan(const struct nt_stage *stages, int n, enum nt_attach_mode mode,
		   const struct nt_plan_ctx *pc, struct nt_stage_plan *plans, bool quiet)
{
	int ret = 0;

	for (int i = 0; i < n; i++) {
		memset(&plans[i], 0, sizeof(plans[i]));
		plans[i].stage = &stages[i];
		plans[i].ctx = pc;
		if (skipped(pc, i)) {
			snprintf(plans[i].why, sizeof(plans[i].why), "%s",
				 pc->skip_why ? pc->skip_why : "not needed by this command line");
			continue;
		}
		if (!plan_from(&plans[i], stages[i].cands, mode, false))
			snprintf(plans[i].why, sizeof(plans[i].why), "no %s candidate is declared for it",
				 nt_mode_name(mode));
	}
	unshare_few(plans, n, mode);
	for (int i = 0; i < n; i++) {
		struct nt_stage_plan *pl = &plans[i];

		if (pl->cand || skipped(pc, i))
			continue;
		if (!quiet)
			fprintf(stderr, "%s: %s stage '%s' (%s): %s\n", nt_prog,
				pl->stage->optional ? "skipping" : "cannot trace",
				pl->stage->name, pl->stage->what, pl->why);
		if (!pl->stage->optional)
			ret = -1;
	}
	return ret;
}

static int prepare_prog(struct bpf_object *obj, enum nt_probe_kind kind, const char *prog,
			const char *target)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);
	int err;

	if (!p) {
		nt_err("internal: no BPF program %s", prog);
		return -1;
	}
	bpf_program__set_autoload(p, true);
	if (is_fentry_like(kind) || kind == NT_PK_TP_BTF) {
		err = bpf_program__set_attach_target(p, 0, target);
		if (err) {
			nt_err("cannot target %s %s: %s", nt_kind_name(kind), target,
			       strerror(-err));
			return -1;
		}
	}
	return 0;
}

int nt_stages_prepare(struct bpf_object *obj, struct nt_stage_plan *plans, int n)
{
	struct bpf_program *p;

	warn_len = 0;           /* a load failure shows its own warnings, not the probes' */
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, false);
	for (int i = 0; i < n; i++) {
		const struct nt_candidate *c = plans[i].cand;

		if (!c || plans[i].served_by)
			continue;
		if (prepare_prog(obj, c->kind, c->prog, c->target))
			return -1;
		if (c->shared && prepare_prog(obj, c->kind, c->shared, NULL))
			return -1;
		if (c->prog2 && prepare_prog(obj, nt_companion_kind(c->kind), c->prog2, c->target2))
			return -1;
	}
	return 0;
}

static struct bpf_link *attach_one(struct bpf_object *obj, enum nt_probe_kind kind,
				   const char *prog, const char *target, const char *symbol)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);
	char cat[64], *name;

	switch (kind) {
	case NT_PK_TP_BTF:
	case NT_PK_FENTRY:
	case NT_PK_FEXIT:
		return bpf_program__attach_trace(p);
	case NT_PK_RAW_TP:
		return bpf_program__attach_raw_tracepoint(p, target);
	case NT_PK_TRACEPOINT:
		snprintf(cat, sizeof(cat), "%s", target);
		name = strchr(cat, '/');
		if (!name)
			break;
		*name++ = 0;
		return bpf_program__attach_tracepoint(p, cat, name);
	case NT_PK_KPROBE:
	case NT_PK_KRETPROBE:
		return bpf_program__attach_kprobe(p, kind == NT_PK_KRETPROBE, symbol);
	default:
		break;
	}
	errno = EINVAL;
	return NULL;
}

/* A per-interface stage: its program on each interface given. */
static int attach_tc(struct bpf_object *obj, struct nt_stage_plan *pl)
{
	const struct nt_candidate *c = pl->cand;
	struct bpf_program *p = bpf_object__find_program_by_name(obj, c->prog);
	const struct nt_ifref *ifs = plan_ifaces(pl, c);

	for (int i = 0; i < plan_nifaces(pl, c); i++) {
		char why[256], name[32];
		int err = nt_tc_hook_attach(&pl->tc[i], bpf_program__fd(p), ifs[i].ifindex,
					    c->kind == NT_PK_TC_EGRESS, why, sizeof(why));

		if (err) {
			nt_err("failed to attach %s on %s (stage %s): %s", nt_kind_name(c->kind),
			       nt_iface_name(&ifs[i], name, sizeof(name)), pl->stage->name, why);
			return -1;
		}
		if (pl->ntc < i + 1)    /* reserved hooks are counted already */
			pl->ntc = i + 1;
		nt_dbg("stage %s: attached %s on %s as %s (%s)", pl->stage->name,
		       nt_kind_name(c->kind), nt_iface_name(&ifs[i], name, sizeof(name)),
		       nt_tc_hook_how(&pl->tc[i]), c->prog);
	}
	return 0;
}

void nt_stages_reserve(struct nt_stage_plan *plans, int n)
{
	for (int i = 0; i < n; i++) {
		struct nt_stage_plan *pl = &plans[i];
		const struct nt_candidate *c = pl->cand;

		if (!c || pl->served_by || !is_tc(c->kind))
			continue;
		for (int k = 0; k < plan_nifaces(pl, c); k++)
			nt_tc_hook_reserve(&pl->tc[k], plan_ifaces(pl, c)[k].ifindex,
					   c->kind == NT_PK_TC_EGRESS);
		pl->ntc = plan_nifaces(pl, c);
	}
}

void nt_stages_reserve_early(const struct nt_stage *stages, int n, enum nt_attach_mode mode,
			     const struct nt_plan_ctx *pc)
{
	if (!pc || !pc->tc_kept)
		return;
	for (int i = 0; i < n; i++) {
		struct nt_stage_plan pl = { .stage = &stages[i], .ctx = pc };
		const struct nt_candidate *c = stages[i].cands;

		if (skipped(pc, i))
			continue;
		while (c->prog && !mode_allows(mode, c->kind))
			c++;
		if (!c->prog || !is_tc(c->kind))
			continue;
		for (int k = 0; k < plan_nifaces(&pl, c); k++)
			nt_tc_reserve_early(plan_ifaces(&pl, c)[k].ifindex,
					    c->kind == NT_PK_TC_EGRESS);
	}
}

/* The program the chosen stubs hand off to, into the object's nt_handoff_progs map
 * before any stub can run (one shared program per object). */
static int handoff_fill(struct bpf_object *obj, struct nt_stage_plan *plans, int n)
{
	const char *shared = NULL;
	struct bpf_program *p;
	struct bpf_map *m;
	int key = 0, fd;

	for (int i = 0; i < n; i++) {
		const struct nt_candidate *c = plans[i].cand;

		if (!c || plans[i].served_by || !c->shared || (shared && !strcmp(shared, c->shared)))
			continue;
		if (shared) {
			nt_err("internal: stubs hand off to %s and %s (one shared program per object)",
			       shared, c->shared);
			return -1;
		}
		shared = c->shared;
	}
	if (!shared)
		return 0;
	m = bpf_object__find_map_by_name(obj, "nt_handoff_progs");
	p = bpf_object__find_program_by_name(obj, shared);
	fd = p ? bpf_program__fd(p) : -1;
	if (!m || fd < 0 || bpf_map_update_elem(bpf_map__fd(m), &key, &fd, BPF_ANY)) {
		nt_err("cannot install the shared program %s in nt_handoff_progs: %s", shared,
		       !m || fd < 0 ? "missing from the object" : strerror(errno));
		return -1;
	}
	return 0;
}

int nt_stages_attach(struct bpf_object *obj, struct nt_stage_plan *plans, int n)
{
	if (handoff_fill(obj, plans, n))
		return -1;
	for (int i = 0; i < n; i++) {
		struct nt_stage_plan *pl = &plans[i];
		const struct nt_candidate *c = pl->cand;
		const char *failed = NULL;

		if (!c || pl->served_by)
			continue;
		if (is_tc(c->kind)) {
			if (attach_tc(obj, pl))
				return -1;
			continue;
		}
		pl->link = attach_one(obj, c->kind, c->prog, c->target, pl->symbol);
		if (!pl->link)
			failed = pl->symbol;
		else if (c->prog2) {
			pl->link2 = attach_one(obj, nt_companion_kind(c->kind), c->prog2,
					       c->target2, pl->symbol2);
			if (!pl->link2)
				failed = pl->symbol2;
		}
		if (failed) {
			int err = errno;

			nt_err("failed to attach %s %s (stage %s): %s", nt_kind_name(c->kind),
			       failed, pl->stage->name, strerror(err));
			return -1;
		}
		nt_dbg("stage %s: attached %s:%s%s%s (%s)", pl->stage->name, nt_kind_name(c->kind),
		       pl->symbol, c->prog2 ? "+" : "", c->prog2 ? pl->symbol2 : "", c->prog);
	}
	return 0;
}

void nt_stages_detach(struct nt_stage_plan *plans, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		bpf_link__destroy(plans[i].link);
		bpf_link__destroy(plans[i].link2);
		plans[i].link = plans[i].link2 = NULL;
		while (plans[i].ntc > 0)
			nt_tc_hook_detach(&plans[i].tc[--plans[i].ntc]);
	}
}

void nt_stages_describe(const struct nt_stage_plan *plans, int n, char *buf, size_t len)
{
	buf[0] = 0;
	for (int i = 0; i < n; i++) {
		const struct nt_candidate *c = plans[i].cand;
		enum nt_probe_kind k2 = c ? nt_companion_kind(c->kind) : NT_PK_MAX;

		if (c)  /* "s=kretprobe:f+kprobe:f" when the companion is of another kind */
			append(buf, len, "%s%s=%s:%s%s%s%s%s", i ? " " : "", plans[i].stage->name,
			       nt_kind_name(c->kind), plans[i].symbol, c->prog2 ? "+" : "",
			       c->prog2 && k2 != c->kind ? nt_kind_name(k2) : "",
			       c->prog2 && k2 != c->kind ? ":" : "",
			       c->prog2 ? plans[i].symbol2 : "");
		else
			append(buf, len, "%s%s=none", i ? " " : "", plans[i].stage->name);
	}
}
