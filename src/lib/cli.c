// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "nt.h"
#include "btfinfo.h"
#include "cli.h"
#include "iface.h"

enum {
	KEY_JSON = 0x1000,
	KEY_DURATION,
	KEY_DEBUG,
	KEY_ATTACH_MODE,
	KEY_BTF,
	KEY_DRY_RUN,
	KEY_PROMETHEUS,
	KEY_HELP,       /* the last common key */
};

static const struct nt_opt common_opts[] = {
	{ "json", 0, NULL, "one JSON object per line on stdout", KEY_JSON },
	{ "duration", 'd', "SEC", "stop after SEC seconds (default: until Ctrl-C)", KEY_DURATION },
	{ "debug", 'v', NULL, "libbpf and attach details on stderr", KEY_DEBUG },
	{ "attach-mode", 0, "MODE", "auto|tracepoint|fentry|kprobe (default auto)", KEY_ATTACH_MODE },
	{ "btf", 0, "FILE", "kernel BTF to use instead of /sys/kernel/btf/vmlinux", KEY_BTF },
	{ "dry-run", 0, NULL, "check the command line and print which probe point each stage would "
	  "use; load nothing", KEY_DRY_RUN },
	{ "help", 'h', NULL, "this help", KEY_HELP },
};

/* A common option of the tools that serve metrics (cli->metrics). */
static const struct nt_opt metrics_opt = {
	"prometheus", 0, "[ADDR:]PORT", "serve Prometheus metrics at http://ADDR:PORT/metrics "
	"(ADDR default 127.0.0.1), updated at every report", KEY_PROMETHEUS
};

/* The common options of @cli: the table, with --prometheus before --help when the
 * tool serves metrics. Returns how many were put in @rows. */
static int common_rows(const struct nt_cli *cli, const struct nt_opt **rows)
{
	int n = 0;

	for (size_t i = 0; i < NT_ARRAY_SIZE(common_opts); i++) {
		if (common_opts[i].key == KEY_HELP && cli->metrics)
			rows[n++] = &metrics_opt;
		rows[n++] = &common_opts[i];
	}
	return n;
}
#define NT_COMMON_MAX (NT_ARRAY_SIZE(common_opts) + 1)

/* Length of the UTF-8 sequence at @s if it is valid and printable (no C1
 * control: a lone 0x9b is a CSI on some terminals), else 0. */
static int utf8_printable_len(const unsigned char *s)
{
	static const unsigned min_cp[] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned cp;
	int n;

	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

/* Copy @in to @out with control characters and invalid UTF-8 as C escapes
 * (\n, \t, \r, \xNN), and the backslash too when @backslash (so an escape
 * in the output always means one in the input); at most @max characters,
 * then "…". */
static void escape(const char *in, size_t max, bool backslash, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, chars = 0;

	if (!len)
		return;
	while (*s) {
		char tmp[8];
		int n = utf8_printable_len(s);
		size_t tl;

		if (chars == max) {
			snprintf(tmp, sizeof(tmp), "…");
			if (o + strlen(tmp) < len)
				o += snprintf(out + o, len - o, "%s", tmp);
			break;
		}
		if (n == 1 && *s == '\\' && backslash)
			tl = snprintf(tmp, sizeof(tmp), "\\\\");
		else if (n) {
			memcpy(tmp, s, n);
			tmp[n] = 0;
			tl = n;
		} else if (*s == '\n' || *s == '\t' || *s == '\r') {
			tl = snprintf(tmp, sizeof(tmp), "\\%c", *s == '\n' ? 'n' : *s == '\t' ? 't' : 'r');
		} else {
			tl = snprintf(tmp, sizeof(tmp), "\\x%02x", *s);
		}
		if (o + tl >= len)
			break;
		memcpy(out + o, tmp, tl);
		o += tl;
		s += n ? n : 1;
		chars++;
	}
	out[o] = 0;
}

const char *nt_cli_show(const char *s, char *buf, size_t len)
{
	escape(s, NT_SHOW_MAX, true, buf, len);
	return buf;
}

int nt_usage_error(const char *flag, const char *value, const char *fmt, ...)
{
	char f[NT_SHOW_LEN], v[NT_SHOW_LEN], why[512], safe[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* values inside @why are the caller's to shorten (nt_cli_show); this
	 * only keeps the line one line */
	escape(why, sizeof(why), false, safe, sizeof(safe));
	fprintf(stderr, "%s: %s", nt_prog, nt_cli_show(flag, f, sizeof(f)));
	if (value)
		fprintf(stderr, ": '%s'", nt_cli_show(value, v, sizeof(v)));
	fprintf(stderr, ": %s (see 'nettrail %s --help')\n", safe, nt_prog);
	return -1;
}

static void print_opt(const struct nt_opt *o)
{
	char left[64];

	if (o->short_name)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
			 o->metavar ? " " : "", o->metavar ? o->metavar : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", o->name,
			 o->metavar ? " " : "", o->metavar ? o->metavar : "");
	printf("  %-28s %s\n", left, o->help);
}

static void print_help(const struct nt_cli *cli)
{
	const struct nt_opt *common[NT_COMMON_MAX];
	int ncommon = common_rows(cli, common);

	printf("Usage: nettrail %s %s\n\n%s\n\nOptions:\n", cli->tool, cli->synopsis,
	       cli->description);
	for (int i = 0; i < cli->nopts; i++)
		print_opt(&cli->opts[i]);
	printf("\nCommon options:\n");
	for (int i = 0; i < ncommon; i++)
		print_opt(common[i]);
	printf("\nExit codes: 0 ok, 1 runtime failure (load/attach), 2 bad usage.\n");
	if (cli->examples)
		printf("\nExamples:\n%s", cli->examples);
}

static int parse_attach_mode(const char *v, enum nt_attach_mode *mode)
{
	static const char *names[] = { "auto", "tracepoint", "fentry", "kprobe" };

	for (size_t i = 0; i < NT_ARRAY_SIZE(names); i++) {
		if (!strcmp(v, names[i])) {
			*mode = (enum nt_attach_mode)i;
			return 0;
		}
	}
	return nt_usage_error("--attach-mode", v, "must be auto, tracepoint, fentry or kprobe");
}

static int handle_common(int key, const char *arg, struct nt_common *c)
{
	char why[256];

	switch (key) {
	case KEY_JSON:
		c->json = true;
		return 0;
	case KEY_DURATION:
		return nt_arg_seconds("--duration", arg, &c->duration);
	case KEY_DEBUG:
		nt_debug++;
		return 0;
	case KEY_DRY_RUN:
		c->dry_run = true;
		return 0;
	case KEY_ATTACH_MODE:
		return parse_attach_mode(arg, &c->attach_mode);
	case KEY_BTF:
		if (nt_btf_check_file(arg, why, sizeof(why)))
			return nt_usage_error("--btf", arg, "%s", why);
		c->btf_path = arg;
		return 0;
	case KEY_PROMETHEUS:
		if (nt_listen_parse(arg, &c->prometheus, why, sizeof(why)))
			return nt_usage_error("--prometheus", arg, "%s", why);
		return 0;
	}
	return -1;
}

/* The options of a parse: the tool's, then the common ones. */
struct optset {
	const struct nt_opt **by_index;
	struct option *lopts;
	int n;
};

/* "--name" of the option getopt reported as @val, or "-c" for a short one. */
static const char *flag_of(const struct optset *os, int val, char *buf, size_t len)
{
	if (val >= 0x10000 && val - 0x10000 < os->n)
		snprintf(buf, len, "--%s", os->by_index[val - 0x10000]->name);
	else
		snprintf(buf, len, "-%c", val);
	return buf;
}

/* An unknown or ambiguous long option @arg ("--name" or "--name=value"):
 * getopt accepts a unique prefix, so list the candidates of an ambiguous one. */
static int bad_long_option(const struct optset *os, const char *arg)
{
	const char *name = arg + 2;
	size_t nlen = strcspn(name, "=");
	char cands[512] = "", shown[NT_SHOW_LEN];
	size_t used = 0;
	int matches = 0;

	for (int i = 0; i < os->n; i++) {
		if (strncmp(os->lopts[i].name, name, nlen))
			continue;
		matches++;
		used += snprintf(cands + used, used < sizeof(cands) ? sizeof(cands) - used : 0,
				 "%s--%s", matches > 1 ? ", " : "", os->lopts[i].name);
	}
	snprintf(shown, sizeof(shown), "%.*s", (int)(nlen + 2 < sizeof(shown) ? nlen + 2 :
						      sizeof(shown) - 1), arg);
	if (matches > 1)
		return nt_usage_error(shown, NULL, "ambiguous: could be %s", cands);
	return nt_usage_error(shown, NULL, "unknown option");
}

/* Report what getopt refused (@c is '?' or ':'); always -1. */
static int getopt_error(const struct optset *os, int c, char **argv)
{
	const char *arg = argv[optind - 1];
	char flag[80];

	if (c == ':')
		return nt_usage_error(flag_of(os, optopt, flag, sizeof(flag)), NULL, "needs a value");
	if (optopt >= 0x10000) {                /* --flag=value for a flag without one */
		const char *eq = strchr(arg, '=');

		return nt_usage_error(flag_of(os, optopt, flag, sizeof(flag)), eq ? eq + 1 : NULL,
				      "takes no value");
	}
	if (optopt)                             /* in a cluster, argv names the cluster */
		return nt_usage_error(flag_of(os, optopt, flag, sizeof(flag)), NULL,
				      "unknown option");
	if (!strncmp(arg, "--", 2))
		return bad_long_option(os, arg);
	return nt_usage_error(arg, NULL, "unknown option");
}

/* An option that takes a value is given once, also under an alias (same
 * key): the last one would otherwise win silently. @seen holds the value
 * options given so far. */
struct given {
	const struct nt_opt *opt;
	const char *value;
};

/* One option under several names: custom rows by key, typed rows by where
 * (and as what) they land. */
static bool same_opt(const struct nt_opt *a, const struct nt_opt *b)
{
	if (a->type != b->type)
		return false;
	return a->type == NT_OPT_CUSTOM ? a->key == b->key : a->offset == b->offset;
}

static int once(struct given *seen, int *nseen, const struct nt_opt *o, const char *value)
{
	char prev[NT_SHOW_LEN], flag[80];

	if (!o->metavar)
		return 0;
	for (int i = 0; i < *nseen; i++) {
		if (!same_opt(seen[i].opt, o))
			continue;
		snprintf(flag, sizeof(flag), "--%s", o->name);
		nt_cli_show(seen[i].value, prev, sizeof(prev));
		if (seen[i].opt == o)
			return nt_usage_error(flag, value, "given twice (first '%s'): give it once",
					      prev);
		return nt_usage_error(flag, value, "--%s (the same option) was already given "
				      "('%s'): give one of them", seen[i].opt->name, prev);
	}
	seen[(*nseen)++] = (struct given){ o, value };
	return 0;
}

/* "a, b or c" of an enum table (the first spelling of each value). */
static const char *enum_names(const struct nt_enum *e, char *buf, size_t len)
{
	size_t n = 0;
	int count = 0, i;

	for (i = 0; e[i].name; i++)
		count++;
	buf[0] = 0;
	for (i = 0; i < count && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i == 0 ? "" : i == count - 1 ? " or " : ", ",
			      e[i].name);
	return buf;
}

static int parse_enum(const char *flag, const struct nt_opt *o, const char *v, int *out)
{
	char names[256];

	for (const struct nt_enum *e = o->names; e->name; e++) {
		if (!strcmp(v, e->name)) {
			*out = e->value;
			return 0;
		}
	}
	return nt_usage_error(flag, v, "must be %s", enum_names(o->names, names, sizeof(names)));
}

#define LIST_MAX 16

static int parse_list(const char *flag, const struct nt_opt *o, const char *v, unsigned *out)
{
	char buf[256], *items[LIST_MAX], names[256];
	int n = nt_arg_list(flag, v, buf, sizeof(buf), items, LIST_MAX);
	const struct nt_enum *e;

	if (n < 0)
		return -1;
	*out = 0;
	for (int i = 0; i < n; i++) {
		for (e = o->names; e->name && strcmp(items[i], e->name); e++)
			;
		if (!e->name)
			return nt_usage_error(flag, items[i], "not one of %s",
					      enum_names(o->names, names, sizeof(names)));
		if (!e->value && n > 1)
			return nt_usage_error(flag, v, "%s cannot be combined with others", e->name);
		*out |= e->value;
	}
	return 0;
}

static int parse_filter(const char *flag, const struct nt_opt *o, const char *v,
			struct nt_filter *f)
{
	bool v4 = o->flags & NT_OPT_V4;

	switch (o->type) {
	case NT_OPT_SRC_IP:
	case NT_OPT_DST_IP:
		if (v4 && nt_arg_ipv4(flag, v, &(__u32){ 0 }))
			return -1;
		return nt_arg_filter_ip(flag, v, f, o->type == NT_OPT_SRC_IP);
	case NT_OPT_SRC_PORT:
		return nt_arg_port(flag, v, &f->sport);
	case NT_OPT_DST_PORT:
		return nt_arg_port(flag, v, &f->dport);
	case NT_OPT_PORT:
		return nt_arg_port(flag, v, &f->port);
	default:
		return (v4 ? nt_arg_l4proto_v4 : nt_arg_l4proto)(flag, v, &f->l4_proto);
	}
}

static int parse_iflist(const char *flag, const char *v, struct nt_iflist *l)
{
	l->n = nt_iface_resolve_list(flag, v, l->ref);
	if (l->n < 0)
		return -1;
	l->str = v;
	return 0;
}

/* Parse, check and store the value of typed row @o into @cfg. */
static int parse_typed(const struct nt_opt *o, const char *v, void *cfg)
{
	void *at = (char *)cfg + o->offset;
	char flag[80];
	struct nt_iface *ifc = at;

	snprintf(flag, sizeof(flag), "--%s", o->name);
	switch (o->type) {
	case NT_OPT_FLAG:
		*(bool *)at = true;
		return 0;
	case NT_OPT_STR:
		*(const char **)at = v;
		return 0;
	case NT_OPT_UINT:
		return nt_arg_uint(flag, v, (unsigned long long)o->min, (unsigned long long)o->max,
				   o->unit, at);
	case NT_OPT_NUMBER:
		return nt_arg_number(flag, v, o->min, o->max, o->unit, at);
	case NT_OPT_SECONDS:
		return nt_arg_seconds(flag, v, at);
	case NT_OPT_ENUM:
		return parse_enum(flag, o, v, at);
	case NT_OPT_LIST:
		return parse_list(flag, o, v, at);
	case NT_OPT_DIR:
		if (nt_arg_writable_dir(flag, v))
			return -1;
		*(const char **)at = v;
		return 0;
	case NT_OPT_IFACE:
		ifc->name = v;
		return nt_iface_resolve(flag, v, &ifc->ref);
	case NT_OPT_IFLIST:
		return parse_iflist(flag, v, at);
	case NT_OPT_CUSTOM:
		break;
	default:
		return parse_filter(flag, o, v, at);
	}
	return -1;
}

/* The first required row of @cli not given (@seen: the value options given). */
static int check_required(const struct nt_cli *cli, const struct given *seen, int nseen)
{
	char flag[80], names[256];

	for (int i = 0; i < cli->nopts; i++) {
		const struct nt_opt *o = &cli->opts[i];
		bool given = false;

		if (!(o->flags & NT_OPT_REQUIRED))
			continue;
		for (int j = 0; j < nseen && !given; j++)
			given = same_opt(seen[j].opt, o);
		if (given)
			continue;
		snprintf(flag, sizeof(flag), "--%s", o->name);
		if (o->type == NT_OPT_ENUM)
			return nt_usage_error(flag, NULL, "required (%s)",
					      enum_names(o->names, names, sizeof(names)));
		return nt_usage_error(flag, NULL, "required");
	}
	return 0;
}

static bool is_filter_row(const struct nt_opt *o)
{
	return o->type >= NT_OPT_SRC_IP && o->type <= NT_OPT_PROTO;
}

/* The rules of each 5-tuple group of @cli (nt_filter_validate), once per filter. */
static int check_groups(const struct nt_cli *cli)
{
	for (int i = 0; i < cli->nopts; i++) {
		const struct nt_opt *o = &cli->opts[i];
		bool done = false;

		if (!is_filter_row(o))
			continue;
		for (int j = 0; j < i && !done; j++)
			done = is_filter_row(&cli->opts[j]) && cli->opts[j].offset == o->offset;
		if (!done && nt_filter_validate((const struct nt_filter *)((char *)cli->cfg + o->offset)))
			return -1;
	}
	return 0;
}

/* @words: NULL, or where the index of the first word that is no option nor
 * option value goes (getopt_long moves such words to the end of argv). */
static int parse(const struct nt_cli *cli, int argc, char **argv, struct nt_common *common,
		 int *words)
{
	const struct nt_opt *shared[NT_COMMON_MAX];
	int n = cli->nopts + common_rows(cli, shared);
	struct optset os = { calloc(n, sizeof(*os.by_index)), calloc(n + 1, sizeof(*os.lopts)), n };
	struct given *seen = calloc(argc + 1, sizeof(*seen));
	char shorts[64] = ":";
	int ret = 0, c, idx, nseen = 0;

	if (!os.lopts || !os.by_index || !seen) {
		nt_err("out of memory");
		exit(NT_EXIT_RUNTIME);
	}
	memset(common, 0, sizeof(*common));
	for (int i = 0; i < n; i++) {
		const struct nt_opt *o = i < cli->nopts ? &cli->opts[i] : shared[i - cli->nopts];

		os.by_index[i] = o;
		os.lopts[i].name = o->name;
		os.lopts[i].has_arg = o->metavar ? required_argument : no_argument;
		os.lopts[i].val = 0x10000 + i;
		if (o->short_name) {
			size_t l = strlen(shorts);

			shorts[l] = o->short_name;
			if (o->metavar)
				shorts[++l] = ':';
			shorts[l + 1] = 0;
		}
	}

	optind = 0;             /* 0, not 1: also forgets a cluster left half-read */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, os.lopts, &idx)) != -1) {
		const struct nt_opt *o = NULL;

		if (c >= 0x10000) {
			o = os.by_index[c - 0x10000];
		} else if (c == '?' || c == ':') {
			ret = getopt_error(&os, c, argv);
			break;
		} else {
			for (int i = 0; i < n; i++)
				if (os.by_index[i]->short_name == c)
					o = os.by_index[i];
		}
		if (!o)
			continue;
		if (o->key == KEY_HELP) {
			print_help(cli);
			ret = 1;
			break;
		}
		ret = once(seen, &nseen, o, optarg);
		if (ret)
			break;
		if (o->type != NT_OPT_CUSTOM)
			ret = parse_typed(o, optarg, cli->cfg);
		else if (o->key >= KEY_JSON && o->key <= KEY_HELP)
			ret = handle_common(o->key, optarg, common);
		else
			ret = cli->handle ? cli->handle(o->key, optarg, cli->cfg) : -1;
		if (ret)
			break;
	}
	if (!ret && optind < argc && !words)
		ret = nt_usage_error(argv[optind], NULL, "unexpected argument");
	if (words)
		*words = optind;
	if (!ret)
		ret = check_required(cli, seen, nseen);
	if (!ret)
		ret = check_groups(cli);
	if (!ret && cli->validate)
		ret = cli->validate(cli->cfg);
	free(os.lopts);
	free(os.by_index);
	free(seen);
	if (ret == 1)
		return -1;
	return ret ? NT_EXIT_USAGE : 0;
}

int nt_cli_parse(const struct nt_cli *cli, int argc, char **argv, struct nt_common *common)
{
	return parse(cli, argc, argv, common, NULL);
}

int nt_cli_parse_words(const struct nt_cli *cli, int argc, char **argv, struct nt_common *common,
		       int *first)
{
	return parse(cli, argc, argv, common, first);
}

int nt_arg_ip(const char *flag, const char *v, union nt_addr *a, __u8 *family)
{
	if (!nt_addr_parse(v, a, family))
		return nt_usage_error(flag, v, "not an IPv4 or IPv6 address");
	return 0;
}

int nt_arg_ipv4(const char *flag, const char *v, __u32 *addr)
{
	union nt_addr a;
	__u8 family;

	if (!nt_addr_parse(v, &a, &family))
		return nt_usage_error(flag, v, "not an IPv4 address");
	if (family != 4)
		return nt_usage_error(flag, v, "an IPv6 address, and %s sees IPv4 only", nt_prog);
	*addr = a.v4;
	return 0;
}

static const char *unit_suffix(const char *unit, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", unit ? " " : "", unit ? unit : "");
	return buf;
}

int nt_arg_uint(const char *flag, const char *v, unsigned long long min,
		unsigned long long max, const char *unit, unsigned long long *out)
{
	char *end, u[32];
	unsigned long long x;

	errno = 0;
	if (*v && *v != '-' && *v != '+') {
		x = strtoull(v, &end, 10);
		if (!errno && !*end && x >= min && x <= max) {
			*out = x;
			return 0;
		}
	}
	return nt_usage_error(flag, v, "not a whole number from %llu to %llu%s", min, max,
			      unit_suffix(unit, u, sizeof(u)));
}

int nt_arg_port(const char *flag, const char *v, __u16 *port)
{
	unsigned long long x;

	if (nt_arg_uint(flag, v, 1, 65535, NULL, &x))
		return -1;
	*port = (__u16)x;
	return 0;
}

int nt_arg_number(const char *flag, const char *v, double min, double max, const char *unit,
		  double *out)
{
	char *end, u[48];
	double x;

	errno = 0;
	x = strtod(v, &end);
	if (!errno && end != v && !*end && isfinite(x) && x <= max && (min ? x >= min : x > 0)) {
		*out = x;
		return 0;
	}
	unit_suffix(unit, u, sizeof(u));
	if (unit && !strcmp(unit, "s") && max >= 86400 &&
	    max == (long long)max && (long long)max % 86400 == 0)
		snprintf(u, sizeof(u), " s (%g days)", max / 86400);
	if (!min)
		return nt_usage_error(flag, v, "not a number above 0 and at most %.10g%s", max, u);
	return nt_usage_error(flag, v, "not a number from %.10g to %.10g%s", min, max, u);
}

int nt_arg_seconds(const char *flag, const char *v, double *out)
{
	return nt_arg_number(flag, v, 0, NT_MAX_SECONDS, "s", out);
}

#define L4_NAMES "tcp, udp, icmp, icmpv6 (icmp6, ipv6-icmp), sctp, gre, esp, igmp or all"

int nt_arg_l4proto(const char *flag, const char *v, __u8 *proto)
{
	int p = nt_l4_parse(v);

	if (p < 0)
		return nt_usage_error(flag, v, "must be " L4_NAMES);
	*proto = (__u8)p;
	return 0;
}

int nt_arg_l4proto_v4(const char *flag, const char *v, __u8 *proto)
{
	if (nt_arg_l4proto(flag, v, proto))
		return -1;
	if (nt_l4_family(*proto) == 6)
		return nt_usage_error(flag, v, "an IPv6 protocol, and %s sees IPv4 only", nt_prog);
	return 0;
}

int nt_arg_list(const char *flag, const char *v, char *buf, size_t buflen,
		char **items, int max)
{
	char *p;
	int n = 0;

	if (strlen(v) >= buflen)
		return nt_usage_error(flag, v, "too long (at most %zu characters)", buflen - 1);
	if (!*v)
		return nt_usage_error(flag, v, "empty list");
	strcpy(buf, v);
	for (p = buf; p; n++) {
		char *item = strsep(&p, ",");

		if (!*item)
			return nt_usage_error(flag, v, "item %d of the list is empty "
					      "(items are separated by one comma)", n + 1);
		if (n == max)
			return nt_usage_error(flag, v, "at most %d items", max);
		items[n] = item;
	}
	return n;
}

int nt_arg_writable_dir(const char *flag, const char *dir)
{
	char path[4096];
	struct stat st;
	int fd;

	if (stat(dir, &st))
		return nt_usage_error(flag, dir, "%s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return nt_usage_error(flag, dir, "not a directory");
	if (snprintf(path, sizeof(path), "%s/.nettrail-probe-XXXXXX", dir) >= (int)sizeof(path))
		return nt_usage_error(flag, dir, "path too long");
	fd = mkstemp(path);
	if (fd < 0)
		return nt_usage_error(flag, dir, "cannot create a file there: %s", strerror(errno));
	close(fd);
	unlink(path);
	return 0;
}

int nt_arg_filter_ip(const char *flag, const char *v, struct nt_filter *f, bool src)
{
	union nt_addr a;
	__u8 family;

	if (nt_arg_ip(flag, v, &a, &family))
		return -1;
	if (f->family && f->family != family)
		return nt_usage_error(flag, v, "an IPv%u address, but %s is IPv%u: give both "
				      "of one family", family, src ? "--dst-ip" : "--src-ip",
				      f->family);
	f->family = family;
	if (src) {
		f->saddr = a;
		f->has_saddr = 1;
	} else {
		f->daddr = a;
		f->has_daddr = 1;
	}
	return 0;
}

bool nt_filter_any(const struct nt_filter *f)
{
	return f->has_saddr || f->has_daddr || f->sport || f->dport || f->port || f->l4_proto;
}

int nt_filter_validate_pair(const struct nt_filter *f)
{
	char a[INET6_ADDRSTRLEN];

	if (!f->has_saddr)
		return nt_usage_error("--src-ip", NULL, "required");
	if (!f->has_daddr)
		return nt_usage_error("--dst-ip", NULL, "required");
	if (!memcmp(&f->saddr, &f->daddr, sizeof(f->saddr)))
		return nt_usage_error("--dst-ip", nt_addr_str(&f->daddr, f->family, a, sizeof(a)),
				      "same as --src-ip");
	return 0;
}

int nt_fwd_path_validate(struct nt_fwd_path *p)
{
	if (nt_filter_validate_pair(&p->filter))
		return -1;
	for (int i = 0; i < p->rx.n; i++)
		for (int j = 0; j < p->tx.n; j++)
			if (p->rx.ref[i].ifindex == p->tx.ref[j].ifindex)
				return nt_usage_error("--tx-iface", p->tx.str, "also named in --rx-iface");
	nt_addr_str(&p->filter.saddr, p->filter.family, p->src_str, sizeof(p->src_str));
	nt_addr_str(&p->filter.daddr, p->filter.family, p->dst_str, sizeof(p->dst_str));
	return 0;
}

int nt_filter_validate(const struct nt_filter *f)
{
	const char *addr_flag = f->has_saddr ? "--src-ip" : "--dst-ip";
	int pf = nt_l4_family(f->l4_proto);
	char port[8];

	if (f->family && pf && pf != f->family)
		return nt_usage_error("--protocol", nt_l4_key(f->l4_proto),
				      "an IPv%d protocol, but %s is an IPv%u address%s", pf,
				      addr_flag, f->family,
				      pf == 4 ? " (ICMP over IPv6 is icmpv6)" : "");
	if (f->port && (f->sport || f->dport)) {
		snprintf(port, sizeof(port), "%u", f->port);
		return nt_usage_error("--port", port, "either port; %s names one side: give one "
				      "of them", f->sport ? "--src-port" : "--dst-port");
	}
	if ((f->sport || f->dport || f->port) && !nt_l4_has_ports(f->l4_proto)) {
		const char *flag = f->sport ? "--src-port" : f->dport ? "--dst-port" : "--port";

		snprintf(port, sizeof(port), "%u", f->sport ? f->sport : f->dport ? f->dport : f->port);
		return nt_usage_error(flag, port,
				      "--protocol %s has no ports (only tcp and udp do)",
				      nt_l4_key(f->l4_proto));
	}
	return 0;
}
