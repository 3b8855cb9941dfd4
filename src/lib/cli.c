// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nt.h"
#include "cli.h"

enum {
	KEY_JSON = 0x1000,
	KEY_DURATION,
	KEY_DEBUG,
	KEY_ATTACH_MODE,
	KEY_BTF,
	KEY_DRY_RUN,
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

int nt_usage_error(const char *flag, const char *value, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s", nt_prog, flag);
	if (value)
		fprintf(stderr, ": '%s'", value);
	fprintf(stderr, ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'nettrail %s --help')\n", nt_prog);
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
	printf("Usage: nettrail %s %s\n\n%s\n\nOptions:\n", cli->tool, cli->synopsis,
	       cli->description);
	for (int i = 0; i < cli->nopts; i++)
		print_opt(&cli->opts[i]);
	printf("\nCommon options:\n");
	for (size_t i = 0; i < NT_ARRAY_SIZE(common_opts); i++)
		print_opt(&common_opts[i]);
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
		if (access(arg, R_OK))
			return nt_usage_error("--btf", arg, "cannot read: %s", strerror(errno));
		c->btf_path = arg;
		return 0;
	}
	return -1;
}

int nt_cli_parse(const struct nt_cli *cli, int argc, char **argv, struct nt_common *common)
{
	int n = cli->nopts + NT_ARRAY_SIZE(common_opts);
	struct option *lopts = calloc(n + 1, sizeof(*lopts));
	const struct nt_opt **by_index = calloc(n, sizeof(*by_index));
	char shorts[64] = ":";
	int ret = 0, c, idx;

	if (!lopts || !by_index) {
		nt_err("out of memory");
		exit(NT_EXIT_RUNTIME);
	}
	memset(common, 0, sizeof(*common));
	for (int i = 0; i < n; i++) {
		const struct nt_opt *o = i < cli->nopts ? &cli->opts[i]
						: &common_opts[i - cli->nopts];

		by_index[i] = o;
		lopts[i].name = o->name;
		lopts[i].has_arg = o->metavar ? required_argument : no_argument;
		lopts[i].val = 0x10000 + i;
		if (o->short_name) {
			size_t l = strlen(shorts);

			shorts[l] = o->short_name;
			if (o->metavar)
				shorts[++l] = ':';
			shorts[l + 1] = 0;
		}
	}

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, lopts, &idx)) != -1) {
		const struct nt_opt *o = NULL;
		char flag[64];

		if (c >= 0x10000) {
			o = by_index[c - 0x10000];
		} else if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];

			if (c == ':')
				ret = nt_usage_error(bad, NULL, "needs a value");
			else
				ret = nt_usage_error(bad, NULL, "unknown option");
			break;
		} else {
			for (int i = 0; i < n; i++)
				if (by_index[i]->short_name == c)
					o = by_index[i];
		}
		if (!o)
			continue;
		snprintf(flag, sizeof(flag), "--%s", o->name);
		if (o->key == KEY_HELP) {
			print_help(cli);
			ret = 1;
			break;
		}
		if (o->key >= KEY_JSON && o->key <= KEY_HELP)
			ret = handle_common(o->key, optarg, common);
		else
			ret = cli->handle(o->key, optarg, cli->cfg);
		if (ret)
			break;
	}
	if (!ret && optind < argc)
		ret = nt_usage_error(argv[optind], NULL, "unexpected argument");
	free(lopts);
	free(by_index);
	if (ret == 1)
		return -1;
	return ret ? NT_EXIT_USAGE : 0;
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

	if (!nt_addr_parse(v, &a, &family) || family != 4)
		return nt_usage_error(flag, v, "not an IPv4 address");
	*addr = a.v4;
	return 0;
}

int nt_arg_uint(const char *flag, const char *v, unsigned long long min,
		unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	if (!*v || *v == '-' || *v == '+')
		return nt_usage_error(flag, v, "not a number from %llu to %llu", min, max);
	x = strtoull(v, &end, 10);
	if (errno || *end || x < min || x > max)
		return nt_usage_error(flag, v, "not a number from %llu to %llu", min, max);
	*out = x;
	return 0;
}

int nt_arg_port(const char *flag, const char *v, __u16 *port)
{
	unsigned long long x;

	if (nt_arg_uint(flag, v, 1, 65535, &x))
		return -1;
	*port = (__u16)x;
	return 0;
}

int nt_arg_seconds(const char *flag, const char *v, double *out)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(x) || x <= 0 || x > 31 * 24 * 3600)
		return nt_usage_error(flag, v, "not a positive number of seconds");
	*out = x;
	return 0;
}

int nt_arg_l4proto(const char *flag, const char *v, __u8 *proto)
{
	int p = nt_l4_parse(v);

	if (p < 0)
		return nt_usage_error(flag, v, "must be tcp, udp, icmp, icmpv6 or all");
	*proto = (__u8)p;
	return 0;
}

int nt_arg_list(const char *flag, const char *v, char *buf, size_t buflen,
		char **items, int max)
{
	int n = 0;
	char *save, *tok;

	if (strlen(v) >= buflen)
		return nt_usage_error(flag, v, "too long");
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max)
			return nt_usage_error(flag, v, "at most %d items", max);
		items[n++] = tok;
	}
	if (!n)
		return nt_usage_error(flag, v, "empty list");
	return n;
}
