/* kallsyms parsing, address lookup and suffixed clones. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "unit.h"
#include "ksyms.h"

static const char fake_text[] = "ffffffff81000000 T _stext\n"
		   "ffffffff81000080 t ip_rcv.cold\n"
		   "ffffffff81000100 t __netif_receive_skb_core.constprop.0\n"
		   "ffffffff81000400 T ip_rcv\n"
		   "ffffffff81000500 D some_data\n"
		   "ffffffff81000600 T nf_hook_slow\n"
		   "garbage line\n"
		   "ffffffff81000700 T\n"
		   "ffffffffc0000000 t ovs_vport_send\t[openvswitch]\n"
		   "0000000000000000 T zero_addr_hidden";      /* last line without a newline */

static void fake_file(char *path)
{
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fputs(fake_text, f);
	fclose(f);
}

static struct ksyms *fake(void)
{
	char path[] = "/tmp/nt-unit-ksyms-XXXXXX";
	struct ksyms *ks;

	fake_file(path);
	ks = ksyms__parse(path);
	unlink(path);
	return ks;
}

TEST(ksyms_map_and_format)
{
	struct ksyms *ks = fake();
	char buf[128];

	CHECK(ks != NULL);
	CHECK_STR(ksyms__fmt(ks, 0xffffffff81000410ULL, buf, sizeof(buf)), "ip_rcv+0x10");
	/* data symbols are not code: the address belongs to ip_rcv still */
	CHECK_STR(ksyms__fmt(ks, 0xffffffff81000550ULL, buf, sizeof(buf)), "ip_rcv+0x150");
	CHECK_STR(ksyms__fmt(ks, 0xffffffffc0000008ULL, buf, sizeof(buf)), "ovs_vport_send+0x8");
	CHECK_STR(ksyms__fmt(ks, 0x1000, buf, sizeof(buf)), "0x1000");
	/* malformed lines are passed over; a name ends at the module's tab */
	CHECK(ksyms__find(ks, "ovs_vport_send") != NULL);
	CHECK(ksyms__find(ks, "zero_addr_hidden") != NULL);
	ksyms__free(ks);
}

TEST(ksyms_find_clone_and_range)
{
	struct ksyms *ks = fake();
	const struct ksym *s;
	uint64_t lo, hi;

	s = ksyms__find(ks, "__netif_receive_skb_core");
	CHECK(s && !strcmp(s->name, "__netif_receive_skb_core.constprop.0"));
	CHECK(ksyms__find(ks, "__netif_receive_skb") == NULL);
	CHECK(ksyms__find(ks, "ip_rc") == NULL);
	CHECK(ksyms__range(ks, "ip_rcv", &lo, &hi) && lo == 0xffffffff81000400ULL &&
	      hi == 0xffffffff81000600ULL);
	ksyms__free(ks);
}

TEST(ksyms_scan_names)
{
	static const char *const names[] = { "ip_rcv", "__netif_receive_skb_core", "some_data",
					      "absent", "ovs_vport_send" };
	char path[] = "/tmp/nt-unit-ksyms-XXXXXX";
	uint64_t a[5];

	fake_file(path);
	/* the exact name beats an earlier clone; a clone stands in for a missing exact
	 * name; data symbols and absent names are 0 */
	CHECK(ksyms__scan(path, names, a, NULL, 5) == 3);
	CHECK(a[0] == 0xffffffff81000400ULL);
	CHECK(a[1] == 0xffffffff81000100ULL);
	CHECK(a[2] == 0 && a[3] == 0);
	CHECK(a[4] == 0xffffffffc0000000ULL);
	/* with their ends, as ksyms__range gives them from the table: the next text
	 * symbol above (data symbols are not code); the last one: its address + 1 */
	{
		static const char *const two[] = { "ip_rcv", "__netif_receive_skb_core" };
		static const char *const last[] = { "zero_addr_hidden" };
		struct ksyms *ks = ksyms__parse(path);
		uint64_t e[2], lo, hi;

		CHECK(ksyms__scan(path, two, a, e, 2) == 2);
		CHECK(a[0] == 0xffffffff81000400ULL && e[0] == 0xffffffff81000600ULL);
		/* the clone's end, not ip_rcv.cold's */
		CHECK(a[1] == 0xffffffff81000100ULL && e[1] == 0xffffffff81000400ULL);
		CHECK(ks && ksyms__range(ks, "ip_rcv", &lo, &hi) && lo == a[0] && hi == e[0]);
		CHECK(ksyms__scan(path, last, a, e, 1) == 1 && e[0] == a[0] + 1);
		ksyms__free(ks);
	}
	unlink(path);
	CHECK(ksyms__scan(path, names, a, NULL, 5) == -1);
	CHECK(ksyms__is("ip_expire.cold", "ip_expire") && ksyms__is("ip_expire", "ip_expire"));
	CHECK(!ksyms__is("ip_expire_x", "ip_expire") && !ksyms__is("ip_expir", "ip_expire"));
}
