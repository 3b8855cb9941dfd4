/* Typed option rows and option groups: nt_cli_parse fills, bounds-checks and
 * reports missing required flags itself; only custom rows reach the handler. */
#include <stdio.h>
#include <unistd.h>
#include "unit.h"
#include "cli.h"
#include "nt.h"

struct tcfg {
	bool flag;
	const char *str;
	unsigned long long n;
	double secs;
	int mode;
	struct nt_iflist ifs;
	struct nt_filter f, f4;
	int custom_key;
	unsigned bits;
	const char *dir;
};

static int custom(int key, const char *arg, void *cfg)
{
	((struct tcfg *)cfg)->custom_key = key;
	return 0;
}

static const struct nt_enum kinds[] = {
	{ "a", 1 }, { "b", 2 }, { "c", 4 }, { "all", 7 }, { "none", 0 }, { NULL },
};
static const struct nt_enum modes[] = { { "tx", 1 }, { "rx", 2 }, { "both", 3 }, { NULL } };

#define C struct tcfg
static const struct nt_opt opts[] = {
	NT_OPT_B("flag", "x", C, flag),
	NT_OPT_ROW("str", 's', "S", "x", NT_OPT_STR, C, str, 0),
	NT_OPT_U("count", "N", "x", C, n, 1, 100, "ms"),
	NT_OPT_INTERVAL('i', C, secs, "x"),
	NT_OPT_E("mode", "M", "x", C, mode, modes, NT_OPT_REQUIRED),
	NT_OPT_ROW("ifs", 0, "IF[,IF]", "x", NT_OPT_IFLIST, C, ifs, 0),
	NT_OPTS_FILTER(C, f, 0),
	{ "custom", 0, "X", "x", 42 },
	NT_OPT_L("kinds", "LIST", "x", C, bits, kinds),
	NT_OPT_ROW("dir", 0, "DIR", "x", NT_OPT_DIR, C, dir, 0),
};
#undef C

/* an IPv4-only tool: the same flags into another filter */
static const struct nt_opt opts4[] = {
	NT_OPTS_FILTER_ADDRS(struct tcfg, f4, NT_OPT_V4, NT_OPT_REQUIRED),
	NT_OPTS_FILTER_PROTO(struct tcfg, f4, NT_OPT_V4),
};

static struct tcfg cfg;
static const struct nt_cli cli = { .tool = "t", .synopsis = "", .description = "", .opts = opts,
				   .nopts = NT_ARRAY_SIZE(opts), .handle = custom, .cfg = &cfg };
static const struct nt_cli cli4 = { .tool = "t", .synopsis = "", .description = "", .opts = opts4,
				    .nopts = NT_ARRAY_SIZE(opts4), .cfg = &cfg };

/* Parse @args (NULL-terminated) into a fresh cfg; the error line, "" when it parsed. */
static char err[1024];
static const char *parse_with(const struct nt_cli *cli, char **args)
{
	struct nt_common c;
	FILE *tmp = tmpfile();
	int saved = dup(2), argc = 0, rc;
	size_t n;

	memset(&cfg, 0, sizeof(cfg));
	while (args[argc])
		argc++;
	fflush(stderr);
	dup2(fileno(tmp), 2);
	rc = nt_cli_parse(cli, argc, args, &c);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(err, 1, sizeof(err) - 1, tmp);
	err[n] = 0;
	fclose(tmp);
	return rc ? err : "";
}

static int lines_of(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#define parse(args) parse_with(&cli, args)
#define HAS(args, text) strstr(parse(args), text) != NULL

TEST(cli_typed_rows_fill_the_config)
{
	char *ok[] = { "t", "--mode", "rx", "--flag", "-s", "word", "--count", "7", "-i", "0.5",
		       "--ifs", "lo", "--custom", "v", NULL };

	CHECK_STR(parse(ok), "");
	CHECK(cfg.flag && !strcmp(cfg.str, "word") && cfg.n == 7 && cfg.secs == 0.5);
	CHECK(cfg.mode == 2 && cfg.ifs.n == 1 && !strcmp(cfg.ifs.str, "lo"));
	CHECK(cfg.custom_key == 42);            /* only custom rows reach the handler */
}

TEST(cli_typed_rows_check_bounds)
{
	char *big[] = { "t", "--mode", "tx", "--count", "101", NULL };
	char *zero[] = { "t", "--mode", "tx", "--count", "0", NULL };
	char *fast[] = { "t", "--mode", "tx", "--interval", "0.01", NULL };
	char *bad_enum[] = { "t", "--mode", "up", NULL };
	char *empty_item[] = { "t", "--mode", "tx", "--ifs", "lo,,lo", NULL };

	CHECK(HAS(big, ": --count: '101': not a whole number from 1 to 100 ms"));
	CHECK(HAS(zero, "--count: '0'"));
	CHECK(HAS(fast, "--interval: '0.01': not a number from 0.1 to"));
	CHECK(HAS(bad_enum, "--mode: 'up': must be tx, rx or both"));
	CHECK(HAS(empty_item, "--ifs: 'lo,,lo': item 2 of the list is empty"));
	CHECK(lines_of(err) == 1);
}

TEST(cli_required_rows)
{
	char *none[] = { "t", "--flag", NULL };

	CHECK(HAS(none, ": --mode: required (tx, rx or both)"));
	CHECK(lines_of(err) == 1);
}

TEST(cli_typed_aliases_are_one_option)
{
	char *twice[] = { "t", "--mode", "tx", "--count", "5", "--count", "6", NULL };
	char *alias[] = { "t", "--mode", "tx", "--protocol", "tcp", "--l4-protocol", "udp", NULL };
	char *two_parts[] = { "t", "--mode", "tx", "--src-ip", "10.0.0.1", "--dst-ip", "10.0.0.2",
			      NULL };

	CHECK(HAS(twice, "--count: '6': given twice (first '5')"));
	CHECK(HAS(alias, "--l4-protocol: 'udp': --protocol (the same option) was already given"));
	CHECK_STR(parse(two_parts), "");        /* two parts of one filter are two options */
}

TEST(cli_filter_group)
{
	char *v6[] = { "t", "--mode", "tx", "--src-ip", "2001:db8::1", "--dst-ip", "2001:db8::2",
		       "--port", "53", "--protocol", "udp", NULL };
	char *mixed[] = { "t", "--mode", "tx", "--src-ip", "10.0.0.1", "--dst-ip", "::1", NULL };
	char *v4only[] = { "t", "--src-ip", "::1", NULL };
	char *v4proto[] = { "t", "--src-ip", "10.0.0.1", "--protocol", "icmpv6", NULL };
	char *v4missing[] = { "t", "--src-ip", "10.0.0.1", NULL };
	char *port_icmp[] = { "t", "--mode", "tx", "--port", "80", "--protocol", "icmp", NULL };
	char *port_both[] = { "t", "--mode", "tx", "--port", "80", "--dst-port", "81", NULL };
	char *port0[] = { "t", "--mode", "tx", "--src-port", "0", NULL };

	CHECK_STR(parse(v6), "");
	CHECK(cfg.f.family == 6 && cfg.f.has_saddr && cfg.f.has_daddr && cfg.f.port == 53 &&
	      cfg.f.l4_proto == 17 && nt_filter_any(&cfg.f));
	CHECK(HAS(mixed, "--dst-ip: '::1': an IPv6 address, but --src-ip is IPv4"));
	CHECK(strstr(parse_with(&cli4, v4only), "--src-ip: '::1': an IPv6 address, and"));
	CHECK(strstr(parse_with(&cli4, v4proto), "--protocol: 'icmpv6': an IPv6 protocol, and"));
	CHECK(strstr(parse_with(&cli4, v4missing), ": --dst-ip: required"));
	/* the group's own rules run after parsing, before the tool's validate */
	CHECK(HAS(port_icmp, "--port: '80': --protocol icmp has no ports"));
	CHECK(HAS(port_both, "--port: '80': either port; --dst-port names one side"));
	CHECK(HAS(port0, "--src-port: '0': not a whole number from 1 to 65535"));
}

TEST(cli_filter_pair)
{
	struct nt_filter f = { 0 };
	char *one[] = { "t", "--mode", "tx", "--src-ip", "10.0.0.1", "--dst-ip", "10.0.0.1", NULL };
	char *v6[] = { "t", "--mode", "tx", "--src-ip", "::1", "--dst-ip", "::1", NULL };

	freopen("/dev/null", "w", stderr);
	CHECK(nt_filter_validate_pair(&f) == -1);
	CHECK_STR(parse(one), "");
	CHECK(nt_filter_validate_pair(&cfg.f) == -1);
	CHECK_STR(parse(v6), "");
	CHECK(nt_filter_validate_pair(&cfg.f) == -1);
	cfg.f.daddr.v6[15] = 2;
	CHECK(nt_filter_validate_pair(&cfg.f) == 0);
}

TEST(cli_list_and_dir_rows)
{
	char *ab[] = { "t", "--mode", "tx", "--kinds", "a,c", "--dir", "/tmp", NULL };
	char *none[] = { "t", "--mode", "tx", "--kinds", "none", NULL };
	char *none_and[] = { "t", "--mode", "tx", "--kinds", "none,a", NULL };
	char *unknown[] = { "t", "--mode", "tx", "--kinds", "a,zz", NULL };
	char *empty[] = { "t", "--mode", "tx", "--kinds", "a,", NULL };
	char *nodir[] = { "t", "--mode", "tx", "--dir", "/nonexistent/nt", NULL };

	CHECK_STR(parse(ab), "");
	CHECK(cfg.bits == 5 && !strcmp(cfg.dir, "/tmp"));
	CHECK_STR(parse(none), "");
	CHECK(cfg.bits == 0);
	CHECK(HAS(none_and, "--kinds: 'none,a': none cannot be combined with others"));
	CHECK(HAS(unknown, "--kinds: 'zz': not one of a, b, c, all or none"));
	CHECK(HAS(empty, "--kinds: 'a,': item 2 of the list is empty"));
	CHECK(HAS(nodir, "--dir: '/nonexistent/nt'"));
}
