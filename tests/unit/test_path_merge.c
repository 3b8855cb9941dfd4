/* Path tracers and merge: completion rules, histogram percentiles, the Q7
 * verdicts and role detection (no files, no kernel). */
#include "unit.h"
#include "cli.h"
#include "l4_path.h"
#include "hist.h"
#include "jsonin.h"
#include "merge_fixture.h"

TEST(l4pt_fragment_group_complete_only_with_every_fragment)
{
	struct l4pt_rec r = { .n_in = 3, .n_out = 2,
			      .flags = L4PT_F_FRAG | L4PT_F_IN_FIRST | L4PT_F_IN_LAST | L4PT_F_OUT_FIRST };

	CHECK(!l4pt_rec_complete(&r));
	CHECK(l4pt_judge(&r) == L4PT_INTERNAL_DROP);
	CHECK(l4pt_rec_drops(&r) == 1);
	r.n_out = 3;
	CHECK(!l4pt_rec_complete(&r));          /* last fragment never left */
	r.flags |= L4PT_F_OUT_LAST;
	CHECK(l4pt_rec_complete(&r));
	CHECK(l4pt_rec_drops(&r) == 0);
}

TEST(l4pt_copies_dropped_are_counted)
{
	struct l4pt_rec r = { .n_in = 2, .n_out = 1 };

	CHECK(l4pt_judge(&r) == L4PT_INTERNAL_DROP && l4pt_rec_drops(&r) == 1);
	r.n_out = 2;
	CHECK(l4pt_judge(&r) == L4PT_COMPLETE);
	CHECK_STR(l4pt_stage_name(L4PT_REP, false), "REP_RX");
	CHECK_STR(l4pt_stage_name(L4PT_FWD, true), "REQ_TX");
}

TEST(l4pt_tcp_flags)
{
	char b[64];

	CHECK_STR(l4pt_tcp_flags_str(0x12, b, sizeof(b)), "SYN,ACK");
	CHECK_STR(l4pt_tcp_flags_str(0, b, sizeof(b)), "-");
}

TEST(hist_slots_and_percentiles)
{
	struct nt_lat l = {};

	CHECK(nt_hist_slot_of(0) == 0 && nt_hist_slot_of(1) == 1 && nt_hist_slot_of(3) == 2);
	CHECK(nt_hist_slot_of(1024) == 11 && nt_hist_slot_of(~0ULL) == NT_HIST_SLOTS - 1);
	for (int i = 0; i < 99; i++)
		nt_lat_add_value(&l, 1000);
	nt_lat_add_value(&l, 100000);
	CHECK(l.count == 100 && l.min == 1000 && l.max == 100000);
	CHECK(nt_lat_percentile(&l, 50) >= 1000 && nt_lat_percentile(&l, 50) < 1024);
	CHECK(nt_lat_percentile(&l, 100) > 65536);
	{
		struct nt_lat m = {};

		nt_lat_add_value(&m, 5);
		nt_lat_merge(&m, &l);
		CHECK(m.count == 101 && m.min == 5 && m.max == 100000);
	}
}

TEST(jsonin_parses_own_output)
{
	struct nt_jv *v = nt_jv_parse("{\"a\":\"x\\\"y\",\"n\":-1.5e3,\"b\":true,\"arr\":[{\"k\":1},2],\"z\":null}");

	CHECK(v != NULL);
	CHECK_STR(nt_jv_str(v, "a", NULL), "x\"y");
	CHECK(nt_jv_num(v, "n", 0) == -1500);
	CHECK(nt_jv_bool(v, "b", false));
	CHECK(nt_jv_get(v, "arr")->child->next->num == 2);
	nt_jv_free(v);
	CHECK(nt_jv_parse("{\"a\":") == NULL);
	CHECK(nt_jv_parse("{} x") == NULL);
}


TEST(merge_verdicts_per_segment)
{
	struct merge_side snd = {}, rcv = {};
	struct merge_result res;
	const char *how;

	/* p1 delivered, p2 lost in the network, p3 lost in the sender's host,
	 * p4 lost in the receiver's host, p5 a reply lost in the network */
	merge_see(&snd, "p1", 0, 1, 1, 10, 64);   merge_see(&rcv, "p1", 0, 1, 1, 500, 63);
	merge_see(&snd, "p2", 0, 1, 1, 20, 64);
	merge_see(&snd, "p3", 0, 1, 0, 30, 64);
	merge_see(&snd, "p4", 0, 1, 1, 40, 64);   merge_see(&rcv, "p4", 0, 1, 0, 530, 63);
	merge_see(&rcv, "p5", 1, 1, 1, 535, 64);
	merge_see(&snd, "p6", 0, 1, 1, 50, 64);   merge_see(&rcv, "p6", 0, 1, 1, 540, 63);
	/* sent by the sender after the receiver's run ended: not judged */
	merge_see(&snd, "p7", 0, 1, 1, 60, 64);

	CHECK(merge_roles(&snd, &rcv, &how) > 0);
	CHECK_STR(how, "ttl");
	CHECK(merge_roles(&rcv, &snd, &how) < 0);
	merge_judge(&snd, &rcv, &res, NULL, NULL);
	CHECK(res.count[MERGE_DELIVERED] == 2);
	CHECK(res.count[MERGE_NETWORK] == 2);
	CHECK(res.dir_count[1][MERGE_NETWORK] == 1);
	CHECK(res.count[MERGE_SENDER_INTERNAL] == 1);
	CHECK(res.count[MERGE_RECEIVER_INTERNAL] == 1);
	CHECK(res.outside_window == 1);
	merge_side_free(&snd);
	merge_side_free(&rcv);
}

TEST(merge_roles_from_forwarding_without_ttl)
{
	struct merge_side a = {}, b = {};
	const char *how;

	/* both saw q; b forwarded it and a did not: b is upstream (sender) */
	merge_see(&a, "q", 0, 1, 0, 1, 0);
	merge_see(&b, "q", 0, 1, 1, 1, 0);
	CHECK(merge_roles(&a, &b, &how) < 0);
	CHECK_STR(how, "forwarding");
	merge_side_free(&a);
	merge_side_free(&b);
}
