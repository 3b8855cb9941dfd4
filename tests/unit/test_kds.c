/* kernel_drop_stack_stats_summary_all: grouping kernel cells into top stacks / flows. */
#include "unit.h"
#include "kernel_drop_stack_stats_summary_all.h"

static struct kds_rec rec(int stack, unsigned reason, unsigned ifindex, unsigned short sport,
			  unsigned long long count)
{
	struct kds_rec r = { .count = count };

	r.key.stack_id = stack;
	r.key.reason = reason;
	r.key.dev.ifindex = ifindex;
	r.key.dev.netns = 1;
	r.key.family = 4;
	r.key.l4_proto = 17;
	r.key.sport = sport;
	r.key.dport = 53;
	return r;
}

TEST(kds_group_by_stack_and_reason)
{
	struct kds_rec r[] = {
		rec(7, 12, 2, 1000, 3), rec(9, 2, 3, 1000, 4), rec(7, 12, 2, 1001, 5),
		rec(7, 2, 2, 1000, 1),  /* same stack, other reason: its own group */
	};
	struct kds_group g[4];
	int n = kds_group(r, 4, KDS_BY_STACK, g, 4);

	CHECK(n == 3);
	CHECK(g[0].key.stack_id == 7 && g[0].key.reason == 12 && g[0].count == 8 && g[0].n == 2);
	/* members adjacent, largest first */
	CHECK(r[g[0].first].count == 5 && r[g[0].first + 1].count == 3);
	CHECK(g[1].key.stack_id == 9 && g[1].count == 4);
	CHECK(g[2].key.stack_id == 7 && g[2].key.reason == 2 && g[2].count == 1);
}

TEST(kds_group_by_flow_and_top_n)
{
	struct kds_rec r[] = {
		rec(7, 12, 2, 1000, 3), rec(9, 2, 2, 1000, 4), rec(7, 12, 2, 1001, 5),
		rec(7, 12, 3, 1000, 2),  /* same tuple, other device: other flow */
	};
	struct kds_group g[2];
	int n = kds_group(r, 4, KDS_BY_FLOW, g, 2);

	CHECK(n == 2);
	CHECK(g[0].key.sport == 1000 && g[0].key.dev.ifindex == 2 && g[0].count == 7 && g[0].n == 2);
	CHECK(g[1].key.sport == 1001 && g[1].count == 5);
	CHECK(kds_group(r, 0, KDS_BY_FLOW, g, 2) == 0);
}
