/* icmp_path_tracer verdicts: which stages were seen decides the status. */
#include "unit.h"
#include "icmp_path_tracer.h"

static struct icmp_pt_rec rec_of(unsigned long long a, unsigned long long b,
				 unsigned long long c, unsigned long long d)
{
	struct icmp_pt_rec r = { .ts = { a, b, c, d } };

	return r;
}

TEST(icmp_judge_complete)
{
	struct icmp_pt_rec r = rec_of(1000, 31000, 211000, 241000);
	struct icmp_pt_verdict v = icmp_pt_judge(&r);
	double us;

	CHECK(v.status == ICMP_PT_COMPLETE);
	CHECK(v.missing == -1);
	CHECK(icmp_pt_segment_us(&r, ICMP_PT_SEG_INTERNAL_REQ, &us) && us == 30.0);
	CHECK(icmp_pt_segment_us(&r, ICMP_PT_SEG_EXTERNAL, &us) && us == 180.0);
	CHECK(icmp_pt_segment_us(&r, ICMP_PT_SEG_INTERNAL_REP, &us) && us == 30.0);
}

TEST(icmp_judge_drops_by_first_missing_stage)
{
	struct icmp_pt_rec r1 = rec_of(5, 0, 0, 0), r2 = rec_of(5, 6, 0, 0), r3 = rec_of(5, 6, 7, 0);
	struct icmp_pt_verdict v;

	v = icmp_pt_judge(&r1);
	CHECK(v.status == ICMP_PT_INTERNAL_DROP_REQ && v.missing == ICMP_PT_REQ_TX);
	v = icmp_pt_judge(&r2);
	CHECK(v.status == ICMP_PT_EXTERNAL_DROP && v.missing == ICMP_PT_REP_RX);
	v = icmp_pt_judge(&r3);
	CHECK(v.status == ICMP_PT_INTERNAL_DROP_REP && v.missing == ICMP_PT_REP_TX);
}

TEST(icmp_judge_non_prefix_is_timeout)
{
	/* reply seen, request never: started before the tool, or a late reply */
	struct icmp_pt_rec r1 = rec_of(0, 0, 7, 8), r2 = rec_of(0, 6, 7, 8), r3 = rec_of(5, 0, 7, 0);
	struct icmp_pt_verdict v;

	v = icmp_pt_judge(&r1);
	CHECK(v.status == ICMP_PT_TIMEOUT && v.missing == ICMP_PT_REQ_RX);
	v = icmp_pt_judge(&r2);
	CHECK(v.status == ICMP_PT_TIMEOUT);
	v = icmp_pt_judge(&r3);
	CHECK(v.status == ICMP_PT_TIMEOUT && v.missing == ICMP_PT_REQ_TX);
}

TEST(icmp_judge_out_of_order_stamps)
{
	/* Stamps from different CPUs may be out of order: still complete, the
	 * segment is negative rather than wrapped. */
	struct icmp_pt_rec r = rec_of(2000, 1000, 5000, 6000);
	struct icmp_pt_verdict v = icmp_pt_judge(&r);
	double us;

	CHECK(v.status == ICMP_PT_COMPLETE);
	CHECK(icmp_pt_segment_us(&r, ICMP_PT_SEG_INTERNAL_REQ, &us) && us == -1.0);
	CHECK(icmp_pt_first_ts(&r) == 1000);
}

TEST(icmp_stats_pending_kept_apart)
{
	struct icmp_pt_stats s = {};
	struct icmp_pt_rec done = rec_of(1000, 2000, 4000, 5000), open = rec_of(1000, 0, 0, 0);
	struct icmp_pt_verdict v1 = icmp_pt_judge(&done), v2 = icmp_pt_judge(&open);

	icmp_pt_stats_add(&s, &done, &v1, false);
	icmp_pt_stats_add(&s, &done, &v1, false);
	icmp_pt_stats_add(&s, &open, &v2, true);
	CHECK(s.exchanges == 2);
	CHECK(s.pending == 1);
	CHECK(s.status[ICMP_PT_COMPLETE] == 2);
	CHECK(s.status[ICMP_PT_INTERNAL_DROP_REQ] == 0);
	CHECK(s.seg[ICMP_PT_SEG_EXTERNAL].n == 2 && s.seg[ICMP_PT_SEG_EXTERNAL].max == 2.0);
}

TEST(icmp_names)
{
	CHECK_STR(icmp_pt_status_name(ICMP_PT_EXTERNAL_DROP), "EXTERNAL_DROP");
	CHECK_STR(icmp_pt_stage_name(ICMP_PT_REP_TX), "REP_TX");
	CHECK_STR(icmp_pt_segment_key(ICMP_PT_SEG_INTERNAL_REP), "internal_rep_us");
	CHECK_STR(icmp_pt_status_name(99), "?");
}

TEST(icmp_late_stage_turns_drop_into_timeout)
{
	static struct icmp_pt_memory m;
	struct icmp_pt_key k1 = { 7, 1 }, k2 = { 7, 2 }, other = { 8, 1 };
	struct icmp_pt_rec r = rec_of(1000, 2000, 0, 0);
	struct icmp_pt_judged *j;
	int old = -1;

	icmp_pt_remember(&m, &k1, &r, ICMP_PT_EXTERNAL_DROP);
	icmp_pt_remember(&m, &k2, &r, ICMP_PT_EXTERNAL_DROP);
	/* never judged: not ours */
	CHECK(icmp_pt_recall_late(&m, &other, ICMP_PT_REP_RX, 5000, 3, &old) == NULL);
	/* a stage it already has is not "late" */
	CHECK(icmp_pt_recall_late(&m, &k1, ICMP_PT_REQ_TX, 5000, 3, &old) == NULL);
	j = icmp_pt_recall_late(&m, &k1, ICMP_PT_REP_RX, 1500000000ULL, 3, &old);
	CHECK(j != NULL);
	CHECK(old == ICMP_PT_EXTERNAL_DROP);
	CHECK(j && j->status == ICMP_PT_TIMEOUT && j->rec.ts[ICMP_PT_REP_RX] == 1500000000ULL &&
	      j->rec.ifindex[ICMP_PT_REP_RX] == 3);
	/* only once */
	CHECK(icmp_pt_recall_late(&m, &k1, ICMP_PT_REP_TX, 1600000000ULL, 3, &old) == NULL);
}

/* ---- fragment groups (nt_frag.h: the rules the kernel side runs) ---- */

static struct nt_ipfrag frag_of(unsigned off_bytes, unsigned payload, bool more)
{
	struct nt_ipfrag f;

	nt_ipfrag_of((__u16)((off_bytes / 8) | (more ? NT_IP_MF : 0)), (__u16)(20 + payload), 5, &f);
	return f;
}

TEST(ipfrag_fields)
{
	struct nt_ipfrag f;

	nt_ipfrag_of(0, 1500, 5, &f);                   /* a whole datagram */
	CHECK(!f.frag && f.first && f.last && f.off == 0 && f.len == 1480);
	nt_ipfrag_of(NT_IP_MF, 1500, 5, &f);            /* first fragment */
	CHECK(f.frag && f.first && !f.last && f.len == 1480);
	nt_ipfrag_of(185 | NT_IP_MF, 1500, 5, &f);      /* middle, offset 1480 */
	CHECK(f.frag && !f.first && !f.last && f.off == 1480);
	nt_ipfrag_of(370, 68, 5, &f);                   /* last: offset 2960, 48 bytes */
	CHECK(f.frag && !f.first && f.last && f.off == 2960 && f.len == 48);
	nt_ipfrag_of(0x4000, 84, 5, &f);                /* DF alone is no fragment */
	CHECK(!f.frag);
}

/* ping -s 3000: 1480 + 1480 + 48 payload bytes */
TEST(frag_group_whole_only_with_every_fragment)
{
	struct nt_ipfrag a = frag_of(0, 1480, true), b = frag_of(1480, 1480, true),
			 c = frag_of(2960, 48, false);
	struct nt_frag_acct in = {}, out = {};

	CHECK(!nt_frag_pass(&in, &a));
	CHECK(!nt_frag_pass(&in, &b));
	CHECK(nt_frag_pass(&in, &c));
	CHECK(in.frags == 3 && in.end == 3008 && in.bytes == 3008);
	/* the first fragment alone left (the rest dropped by a firewall): not whole */
	CHECK(!nt_frag_pass(&out, &a));
	CHECK(!nt_frag_whole(&out) && out.frags == 1);
}

TEST(frag_group_any_order)
{
	struct nt_ipfrag a = frag_of(0, 1480, true), b = frag_of(1480, 1480, true),
			 c = frag_of(2960, 48, false);
	struct nt_frag_acct g1 = {}, g2 = {};

	CHECK(!nt_frag_pass(&g1, &c));          /* last first: end known, bytes short */
	CHECK(!nt_frag_pass(&g1, &a));
	CHECK(nt_frag_pass(&g1, &b));
	CHECK(!nt_frag_pass(&g2, &b));
	CHECK(!nt_frag_pass(&g2, &c));
	CHECK(nt_frag_pass(&g2, &a));
}

TEST(frag_group_missing_middle_or_duplicate)
{
	struct nt_ipfrag a = frag_of(0, 1480, true), b = frag_of(1480, 1480, true),
			 c = frag_of(2960, 48, false);
	struct nt_frag_acct miss = {}, dup = {}, dupmid = {};

	CHECK(!nt_frag_pass(&miss, &a));
	CHECK(!nt_frag_pass(&miss, &c));        /* first and last, middle lost */
	CHECK(!nt_frag_whole(&miss));
	/* a copy of the first fragment does not stand in for the lost middle
	 * one of the same length */
	CHECK(!nt_frag_pass(&dup, &a));
	CHECK(!nt_frag_pass(&dup, &a));
	CHECK(!nt_frag_pass(&dup, &c));
	CHECK(!nt_frag_whole(&dup) && dup.frags == 2);
	CHECK(nt_frag_pass(&dup, &b));
	/* a copy of the last fragment after the group is whole changes nothing */
	CHECK(!nt_frag_pass(&dup, &c) && nt_frag_whole(&dup));
	/* a copy of a middle fragment: more bytes than the datagram, not whole */
	CHECK(!nt_frag_pass(&dupmid, &a));
	CHECK(!nt_frag_pass(&dupmid, &b));
	CHECK(!nt_frag_pass(&dupmid, &b));
	CHECK(!nt_frag_pass(&dupmid, &c));
}

TEST(icmp_judge_partial_stage)
{
	/* request entered whole (3 fragments), only 1 left: lost inside */
	struct icmp_pt_rec r = rec_of(5, 0, 0, 0), rep = rec_of(5, 6, 7, 0);
	struct icmp_pt_verdict v;

	r.frags[ICMP_PT_REQ_RX] = 3;
	r.frags[ICMP_PT_REQ_TX] = 1;
	v = icmp_pt_judge(&r);
	CHECK(v.status == ICMP_PT_INTERNAL_DROP_REQ && v.missing == ICMP_PT_REQ_TX);
	CHECK(v.missing_frags == 1);
	CHECK(icmp_pt_stage_partial(&r, ICMP_PT_REQ_TX));
	CHECK(!icmp_pt_stage_partial(&r, ICMP_PT_REQ_RX));     /* whole */
	CHECK(!icmp_pt_stage_partial(&r, ICMP_PT_REP_RX));     /* nothing */
	rep.frags[ICMP_PT_REP_TX] = 2;
	v = icmp_pt_judge(&rep);
	CHECK(v.status == ICMP_PT_INTERNAL_DROP_REP && v.missing_frags == 2);
	v = icmp_pt_judge(&(struct icmp_pt_rec){ .ts = { 5, 6, 0, 0 } });
	CHECK(v.status == ICMP_PT_EXTERNAL_DROP && v.missing_frags == 0);
}
