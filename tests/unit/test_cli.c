/* Flag value validation: every bad value is refused with exit-2 semantics. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include "unit.h"
#include "btfinfo.h"
#include "cli.h"
#include "nt.h"

/* Silence the one-line errors while testing. */
static FILE *quiet(void)
{
	return freopen("/dev/null", "w", stderr);
}

/* What the code under test writes on stderr between capture() and captured(). */
static FILE *cap_file;
static int cap_saved = -1;
static char cap_buf[4096];

static void capture(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	cap_saved = dup(2);
	dup2(fileno(cap_file), 2);
}

static const char *captured(void)
{
	size_t n;

	fflush(stderr);
	dup2(cap_saved, 2);
	close(cap_saved);
	rewind(cap_file);
	n = fread(cap_buf, 1, sizeof(cap_buf) - 1, cap_file);
	cap_buf[n] = 0;
	fclose(cap_file);
	return cap_buf;
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

TEST(cli_ip_values)
{
	union nt_addr a;
	__u8 fam;
	__u32 v4;

	quiet();
	CHECK(nt_arg_ip("--src-ip", "198.18.0.1", &a, &fam) == 0 && fam == 4);
	CHECK(nt_arg_ip("--src-ip", "2001:db8::1", &a, &fam) == 0 && fam == 6);
	CHECK(nt_arg_ip("--src-ip", "1.2.3", &a, &fam) < 0);
	CHECK(nt_arg_ip("--src-ip", "300.1.1.1", &a, &fam) < 0);
	CHECK(nt_arg_ip("--src-ip", "", &a, &fam) < 0);
	CHECK(nt_arg_ipv4("--src-ip", "::1", &v4) < 0);
	CHECK(nt_arg_ipv4("--src-ip", "10.0.0.1", &v4) == 0 && v4 == htonl(0x0a000001));
}

TEST(cli_port_and_numbers)
{
	__u16 port;
	unsigned long long x;
	double d;
	__u8 proto;

	quiet();
	CHECK(nt_arg_port("--src-port", "80", &port) == 0 && port == 80);
	CHECK(nt_arg_port("--src-port", "0", &port) < 0);
	CHECK(nt_arg_port("--src-port", "70000", &port) < 0);
	CHECK(nt_arg_port("--src-port", "-1", &port) < 0);
	CHECK(nt_arg_port("--src-port", "8o", &port) < 0);
	CHECK(nt_arg_uint("--timeout-ms", "1000", 1, 3600000, "ms", &x) == 0 && x == 1000);
	CHECK(nt_arg_uint("--timeout-ms", "0", 1, 3600000, "ms", &x) < 0);
	CHECK(nt_arg_uint("--timeout-ms", "99999999999999999999999", 1, 3600000, "ms", &x) < 0);
	CHECK(nt_arg_seconds("--duration", "1.5", &d) == 0 && d == 1.5);
	CHECK(nt_arg_seconds("--duration", "0", &d) < 0);
	CHECK(nt_arg_seconds("--duration", "abc", &d) < 0);
	CHECK(nt_arg_seconds("--duration", "nan", &d) < 0);
	CHECK(nt_arg_l4proto("--protocol", "TCP", &proto) == 0 && proto == 6);
	CHECK(nt_arg_l4proto("--protocol", "all", &proto) == 0 && proto == 0);
	CHECK(nt_arg_l4proto("--protocol", "sctpx", &proto) < 0);
}

TEST(cli_lists)
{
	char buf[64], *items[4];

	quiet();
	CHECK(nt_arg_list("--rx-iface", "a,b", buf, sizeof(buf), items, 4) == 2);
	CHECK_STR(items[1], "b");
	CHECK(nt_arg_list("--rx-iface", ",", buf, sizeof(buf), items, 4) < 0);
	CHECK(nt_arg_list("--rx-iface", "a,b,c,d,e", buf, sizeof(buf), items, 4) < 0);
	CHECK(nt_arg_list("--rx-iface", "a,b,c,d", buf, sizeof(buf), items, 4) == 4);
}

/* "eth0,,eth1", a trailing or leading comma: an empty item is refused, named by position */
TEST(cli_list_empty_items)
{
	char buf[64], *items[4];
	const char *e;

	capture();
	CHECK(nt_arg_list("--phy-interface", "eth0,,eth1", buf, sizeof(buf), items, 4) < 0);
	e = captured();
	CHECK(strstr(e, "--phy-interface: 'eth0,,eth1': item 2 of the list is empty") != NULL);
	quiet();
	CHECK(nt_arg_list("--phy-interface", "eth0,", buf, sizeof(buf), items, 4) < 0);
	CHECK(nt_arg_list("--phy-interface", ",eth0", buf, sizeof(buf), items, 4) < 0);
	CHECK(nt_arg_list("--phy-interface", "", buf, sizeof(buf), items, 4) < 0);
}

/* values echoed in errors: one line, no terminal escape, at most NT_SHOW_MAX characters */
TEST(cli_show_escapes_and_shortens)
{
	char b[NT_SHOW_LEN], long_in[200];

	CHECK_STR(nt_cli_show("a\nb\tc\r", b, sizeof(b)), "a\\nb\\tc\\r");
	CHECK_STR(nt_cli_show("\x1b[31mred", b, sizeof(b)), "\\x1b[31mred");
	CHECK_STR(nt_cli_show("back\\slash", b, sizeof(b)), "back\\\\slash");
	CHECK_STR(nt_cli_show("caf\xc3\xa9", b, sizeof(b)), "caf\xc3\xa9");       /* UTF-8 kept */
	CHECK_STR(nt_cli_show("\xc2\x9b" "2J", b, sizeof(b)), "\\xc2\\x9b2J");  /* C1 CSI */
	CHECK_STR(nt_cli_show("\xff\xfe", b, sizeof(b)), "\\xff\\xfe");        /* not UTF-8 */
	CHECK_STR(nt_cli_show("\x7f", b, sizeof(b)), "\\x7f");
	memset(long_in, 'a', sizeof(long_in) - 1);
	long_in[sizeof(long_in) - 1] = 0;
	nt_cli_show(long_in, b, sizeof(b));
	CHECK(strlen(b) == NT_SHOW_MAX + strlen("…") && !strcmp(b + NT_SHOW_MAX, "…"));
	memset(long_in, '\n', sizeof(long_in) - 1);       /* the worst case fits */
	nt_cli_show(long_in, b, sizeof(b));
	CHECK(strlen(b) == NT_SHOW_MAX * 2 + strlen("…"));
}

TEST(cli_usage_error_is_one_safe_line)
{
	const char *e;

	capture();
	nt_usage_error("--duration", "1\nTracing fake\x1b]0;x\a", "bad %s", "x\ny");
	e = captured();
	CHECK(lines(e) == 1);
	CHECK(!strchr(e, '\x1b') && !strchr(e, '\a'));
	CHECK(strstr(e, "'1\\nTracing fake\\x1b]0;x\\x07'") != NULL);
	CHECK(strstr(e, "bad x\\ny") != NULL);
}

TEST(cli_limits_and_units_in_errors)
{
	double d;
	unsigned long long x;
	const char *e;

	capture();
	CHECK(nt_arg_seconds("--duration", "99999999", &d) < 0);
	e = captured();
	CHECK(strstr(e, "at most 2678400 s (31 days)") != NULL);
	capture();
	CHECK(nt_arg_number("--threshold", "0", 0, 1e9, "drops/s", &d) < 0);
	e = captured();
	CHECK(strstr(e, "drops/s") != NULL && !strstr(e, "seconds"));
	capture();
	CHECK(nt_arg_number("--interval", "0.05", 0.1, NT_MAX_SECONDS, "s", &d) < 0);
	e = captured();
	CHECK(strstr(e, "from 0.1 to 2678400 s") != NULL);
	capture();
	CHECK(nt_arg_uint("--stats-interval", "0", 1, 86400, "s", &x) < 0);
	e = captured();
	CHECK(strstr(e, "from 1 to 86400 s") != NULL);
	quiet();
	CHECK(nt_arg_number("--interval", "0.1", 0.1, NT_MAX_SECONDS, "s", &d) == 0 && d == 0.1);
	CHECK(nt_arg_seconds("--duration", "2678400", &d) == 0);
	CHECK(nt_arg_seconds("--duration", "2678401", &d) < 0);
	CHECK(nt_arg_seconds("--duration", "inf", &d) < 0);
}

TEST(cli_ipv4_only_tools_say_so)
{
	__u32 v4;
	__u8 p;
	const char *e;

	nt_prog = "icmp_path_tracer";
	capture();
	CHECK(nt_arg_ipv4("--src-ip", "2001:2::1", &v4) < 0);
	e = captured();
	CHECK(strstr(e, "icmp_path_tracer sees IPv4 only") != NULL);
	capture();
	CHECK(nt_arg_l4proto_v4("--protocol", "ipv6-icmp", &p) < 0);
	e = captured();
	CHECK(strstr(e, "IPv6 protocol, and icmp_path_tracer sees IPv4 only") != NULL);
	nt_prog = "nettrail";
	quiet();
	CHECK(nt_arg_l4proto_v4("--protocol", "icmp", &p) == 0 && p == 1);
	CHECK(nt_arg_l4proto("--protocol", "icmp6", &p) == 0 && p == 58);
	CHECK(nt_arg_l4proto("--protocol", "IPv6-ICMP", &p) == 0 && p == 58);
}

/* the cross-flag rules every 5-tuple filter shares: each names both flags */
TEST(cli_filter_contradictions)
{
	struct nt_filter f;
	const char *e;

	quiet();
	memset(&f, 0, sizeof(f));
	CHECK(nt_arg_filter_ip("--src-ip", "198.18.0.1", &f, true) == 0);
	capture();
	CHECK(nt_arg_filter_ip("--dst-ip", "2001:2::1", &f, false) < 0);
	e = captured();
	CHECK(strstr(e, "--dst-ip") && strstr(e, "--src-ip"));

	f.l4_proto = 58;                        /* icmpv6 with an IPv4 address */
	capture();
	CHECK(nt_filter_validate(&f) < 0);
	e = captured();
	CHECK(strstr(e, "--protocol: 'icmpv6'") && strstr(e, "--src-ip is an IPv4"));

	memset(&f, 0, sizeof(f));
	quiet();
	CHECK(nt_arg_filter_ip("--dst-ip", "2001:2::1", &f, false) == 0);
	f.l4_proto = 1;                         /* icmp with an IPv6 address */
	capture();
	CHECK(nt_filter_validate(&f) < 0);
	e = captured();
	CHECK(strstr(e, "--protocol: 'icmp'") && strstr(e, "--dst-ip is an IPv6"));
	f.l4_proto = 58;
	CHECK(nt_filter_validate(&f) == 0);

	memset(&f, 0, sizeof(f));
	f.l4_proto = 1;
	f.dport = 80;                           /* ports with a protocol that has none */
	capture();
	CHECK(nt_filter_validate(&f) < 0);
	e = captured();
	CHECK(strstr(e, "--dst-port: '80'") && strstr(e, "--protocol icmp has no ports"));
	f.l4_proto = 6;
	CHECK(nt_filter_validate(&f) == 0);
	f.l4_proto = 0;
	CHECK(nt_filter_validate(&f) == 0);
}

TEST(cli_writable_dir)
{
	char dir[] = "/tmp/nt-unit-XXXXXX";

	quiet();
	CHECK(mkdtemp(dir) != NULL);
	CHECK(nt_arg_writable_dir("--log-dir", dir) == 0);
	CHECK(rmdir(dir) == 0);                 /* the probe file is gone again */
	CHECK(nt_arg_writable_dir("--log-dir", dir) < 0);
	CHECK(nt_arg_writable_dir("--log-dir", "/etc/passwd") < 0);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
}

/* --btf FILE: only a whole, parseable kernel BTF in a regular file is taken;
 * devices, fifos and directories are refused without being read */
TEST(cli_btf_file_checks)
{
	char dir[] = "/tmp/nt-unit-btf-XXXXXX", path[128], why[256];
	unsigned char *vm;
	size_t len = 0, cap = 16 << 20;
	FILE *f = fopen("/sys/kernel/btf/vmlinux", "r");

	CHECK(mkdtemp(dir) != NULL);
	CHECK(nt_btf_check_file("/dev/zero", why, sizeof(why)) < 0 && strstr(why, "device"));
	CHECK(nt_btf_check_file(dir, why, sizeof(why)) < 0 && strstr(why, "directory"));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK(nt_btf_check_file(path, why, sizeof(why)) < 0 && strstr(why, "fifo"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/text", dir);
	write_file(path, "hello, this is not BTF\n", 23);
	CHECK(nt_btf_check_file(path, why, sizeof(why)) < 0 && strstr(why, "magic"));
	CHECK(nt_btf_check_file("/nonexistent/btf", why, sizeof(why)) < 0);
	if (f) {
		vm = malloc(cap);
		len = vm ? fread(vm, 1, cap, f) : 0;
		fclose(f);
		CHECK(nt_btf_check_file("/sys/kernel/btf/vmlinux", why, sizeof(why)) == 0);
		snprintf(path, sizeof(path), "%s/whole", dir);
		write_file(path, vm, len);
		CHECK(nt_btf_check_file(path, why, sizeof(why)) == 0);
		write_file(path, vm, len / 3);
		CHECK(nt_btf_check_file(path, why, sizeof(why)) < 0 && strstr(why, "truncated"));
		vm[0] ^= vm[1], vm[1] ^= vm[0], vm[0] ^= vm[1];     /* magic byte-swapped */
		write_file(path, vm, len);
		CHECK(nt_btf_check_file(path, why, sizeof(why)) < 0 && strstr(why, "byte order"));
		unlink(path);
		free(vm);
	}
	rmdir(dir);
}

static int handle_none(int key, const char *arg, void *cfg)
{
	return 0;
}

TEST(cli_parse_common_and_unknown)
{
	static const struct nt_opt opts[] = { { "verbose", 0, NULL, "x", 1 } };
	struct nt_cli cli = { .tool = "t", .synopsis = "", .description = "",
			      .opts = opts, .nopts = 1, .handle = handle_none };
	struct nt_common c;
	char *ok[] = { "t", "--json", "--duration", "2", "--attach-mode", "kprobe", "--verbose", NULL };
	char *bad1[] = { "t", "--nope", NULL };
	char *bad2[] = { "t", "--attach-mode", "magic", NULL };
	char *bad3[] = { "t", "--duration", NULL };
	char *bad4[] = { "t", "stray", NULL };

	quiet();
	CHECK(nt_cli_parse(&cli, 7, ok, &c) == 0);
	CHECK(c.json && c.duration == 2 && c.attach_mode == NT_MODE_KPROBE);
	CHECK(nt_cli_parse(&cli, 2, bad1, &c) == NT_EXIT_USAGE);
	CHECK(nt_cli_parse(&cli, 3, bad2, &c) == NT_EXIT_USAGE);
	CHECK(nt_cli_parse(&cli, 2, bad3, &c) == NT_EXIT_USAGE);
	CHECK(nt_cli_parse(&cli, 2, bad4, &c) == NT_EXIT_USAGE);
}

/* Tools that read files: words and options mixed, the words kept in order. */
TEST(cli_parse_words_keeps_files_in_order)
{
	static const struct nt_opt opts[] = { { "verbose", 0, NULL, "x", 1 } };
	struct nt_cli cli = { .tool = "t", .synopsis = "", .description = "",
			      .opts = opts, .nopts = 1, .handle = handle_none };
	struct nt_common c;
	char *args[] = { "t", "a.jsonl", "--duration", "2", "b.jsonl", "--json", "c", NULL };
	char *bad[] = { "t", "a.jsonl", "--nope", NULL };
	int first = -1;

	quiet();
	CHECK(nt_cli_parse_words(&cli, 7, args, &c, &first) == 0);
	CHECK(c.json && c.duration == 2 && first == 4);
	CHECK_STR(args[4], "a.jsonl");
	CHECK_STR(args[5], "b.jsonl");
	CHECK_STR(args[6], "c");
	CHECK(nt_cli_parse_words(&cli, 3, bad, &c, &first) == NT_EXIT_USAGE);
}

/* nt_cli_parse's error for @args (NULL-terminated), "" when it parsed */
static const char *parse_error(const struct nt_cli *cli, char **args)
{
	struct nt_common c;
	int argc = 0, rc;

	while (args[argc])
		argc++;
	capture();
	rc = nt_cli_parse(cli, argc, args, &c);
	captured();
	return rc ? cap_buf : "";
}

static int validated;

static int validate_count(void *cfg)
{
	validated++;
	return 0;
}

TEST(cli_parse_names_the_right_thing)
{
	static const struct nt_opt opts[] = {
		{ "verbose", 'V', NULL, "x", 1 },
		{ "src-ip", 0, "IP", "x", 2 },
		{ "src-port", 0, "PORT", "x", 3 },
		{ "protocol", 0, "P", "x", 4 },
		{ "l4-protocol", 0, "P", "same as --protocol", 4 },
		{ "no-stack", 0, NULL, "x", 5 },
		{ "disable-kernel-stacks", 0, NULL, "same as --no-stack", 5 },
	};
	struct nt_cli cli = { .tool = "t", .synopsis = "", .description = "",
			      .opts = opts, .nopts = NT_ARRAY_SIZE(opts), .handle = handle_none,
			      .validate = validate_count };
	char *cluster[] = { "t", "-VZv", NULL };
	char *novalue[] = { "t", "--json=yes", NULL };
	char *ambiguous[] = { "t", "--src", "x", NULL };
	char *prefix[] = { "t", "--src-i", "198.18.0.1", "--verb", NULL };
	char *unknown[] = { "t", "--nope=1", NULL };
	char *twice[] = { "t", "--duration", "5", "--duration", "7", NULL };
	char *alias[] = { "t", "--protocol", "tcp", "--l4-protocol", "udp", NULL };
	char *flags_twice[] = { "t", "--no-stack", "--disable-kernel-stacks", "-vv", NULL };
	const char *e;

	e = parse_error(&cli, cluster);
	CHECK(strstr(e, ": -Z: unknown option") != NULL);
	e = parse_error(&cli, novalue);
	CHECK(strstr(e, "--json: 'yes': takes no value") != NULL);
	e = parse_error(&cli, ambiguous);
	CHECK(strstr(e, "--src: ambiguous: could be --src-ip, --src-port") != NULL);
	e = parse_error(&cli, unknown);
	CHECK(strstr(e, "--nope: unknown option") != NULL);
	e = parse_error(&cli, twice);
	CHECK(strstr(e, "--duration: '7': given twice (first '5')") != NULL);
	CHECK(lines(e) == 1);
	e = parse_error(&cli, alias);
	CHECK(strstr(e, "--l4-protocol: 'udp': --protocol") != NULL && strstr(e, "'tcp'"));
	validated = 0;
	CHECK_STR(parse_error(&cli, prefix), "");
	CHECK_STR(parse_error(&cli, flags_twice), "");
	CHECK(validated == 2);                  /* nt_cli_parse validates */
	nt_debug = 0;
}
