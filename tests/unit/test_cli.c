/* Flag value validation: every bad value is refused with exit-2 semantics. */
#include <stdio.h>
#include "unit.h"
#include "cli.h"
#include "nt.h"

/* Silence the one-line errors while testing. */
static FILE *quiet(void)
{
	return freopen("/dev/null", "w", stderr);
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
	CHECK(nt_arg_uint("--timeout-ms", "1000", 1, 3600000, &x) == 0 && x == 1000);
	CHECK(nt_arg_uint("--timeout-ms", "0", 1, 3600000, &x) < 0);
	CHECK(nt_arg_uint("--timeout-ms", "99999999999999999999999", 1, 3600000, &x) < 0);
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
