/* merge on N hosts: the hosts' order along the path from the packets (TTL,
 * ICMP external segment, forwarding), and per packet the host it was last
 * seen on, lost inside it or on the link after it (synthetic records; no
 * files, no kernel). */
#include "unit.h"
#include "merge_fixture.h"


static void free_sides(struct merge_side *s, int n)
{
	for (int i = 0; i < n; i++)
		merge_side_free(&s[i]);
}

TEST(merge_order_three_hosts_by_ttl_from_any_file_order)
{
	/* given as receiver's host, sender's host, router host; each hop takes one off the TTL */
	struct merge_side s[3] = { { .name = "b" }, { .name = "a" }, { .name = "r" } };
	struct merge_path p;

	for (int i = 0; i < 4; i++) {
		char id[16];

		snprintf(id, sizeof(id), "p%d", i);
		merge_see(&s[1], id, 0, 1, 1, 10 + i, 64);
		merge_see(&s[2], id, 0, 1, 1, 500 + i, 63);
		merge_see(&s[0], id, 0, 1, 1, 9000 + i, 62);
	}
	merge_order(s, 3, &p);
	CHECK(p.n == 3);
	CHECK_STR(p.host[0]->name, "a");
	CHECK_STR(p.host[1]->name, "r");
	CHECK_STR(p.host[2]->name, "b");
	CHECK(p.file[0] == 1 && p.file[1] == 2 && p.file[2] == 0);
	CHECK_STR(p.how, "ttl");
	CHECK(p.undecided == 0 && p.conflicts == 0);
	free_sides(s, 3);
}

TEST(merge_order_replies_only_read_the_ttl_backwards)
{
	/* only REP packets (server -> client): the receiver's host sees the largest TTL */
	struct merge_side s[3] = { { .name = "a" }, { .name = "r" }, { .name = "b" } };
	struct merge_path p;

	merge_see(&s[2], "r1", 1, 1, 1, 1, 64);
	merge_see(&s[1], "r1", 1, 1, 1, 1, 63);
	merge_see(&s[0], "r1", 1, 1, 1, 1, 62);
	merge_order(s, 3, &p);
	CHECK_STR(p.host[0]->name, "a");
	CHECK_STR(p.host[2]->name, "b");
	CHECK_STR(p.how, "ttl");
	free_sides(s, 3);
}

TEST(merge_order_icmp_external_segment_shrinks_downstream)
{
	/* the time an exchange spends outside a host contains every host further on */
	struct merge_side s[3] = { { .name = "r" }, { .name = "b" }, { .name = "a" } };
	struct merge_path p;

	merge_see(&s[2], "e1", 0, 1, 1, 1, 0)->ext_us = 300;
	merge_see(&s[0], "e1", 0, 1, 1, 1, 0)->ext_us = 200;
	merge_see(&s[1], "e1", 0, 1, 1, 1, 0)->ext_us = 90;
	merge_order(s, 3, &p);
	CHECK_STR(p.host[0]->name, "a");
	CHECK_STR(p.host[1]->name, "r");
	CHECK_STR(p.host[2]->name, "b");
	CHECK_STR(p.how, "icmp_external_segment");
	free_sides(s, 3);
}

TEST(merge_order_by_forwarding_and_by_ttl_together)
{
	/* a/r: TTL; r/b: no TTL in common, but b dropped what r forwarded */
	struct merge_side s[3] = { { .name = "b" }, { .name = "r" }, { .name = "a" } };
	struct merge_path p;

	merge_see(&s[2], "t", 0, 1, 1, 1, 64);
	merge_see(&s[1], "t", 0, 1, 1, 1, 63);
	merge_see(&s[1], "f", 0, 1, 1, 2, 0);
	merge_see(&s[0], "f", 0, 1, 0, 2, 0);
	merge_order(s, 3, &p);
	CHECK_STR(p.host[0]->name, "a");
	CHECK_STR(p.host[1]->name, "r");
	CHECK_STR(p.host[2]->name, "b");
	CHECK_STR(p.how, "ttl+forwarding");
	CHECK(p.undecided == 0);
	free_sides(s, 3);
}

TEST(merge_order_without_evidence_keeps_the_files_order)
{
	struct merge_side s[3] = { { .name = "x" }, { .name = "y" }, { .name = "z" } };
	struct merge_path p;

	merge_see(&s[0], "only-x", 0, 1, 1, 1, 64);
	merge_see(&s[2], "only-z", 0, 1, 1, 1, 60);
	merge_order(s, 3, &p);
	CHECK_STR(p.host[0]->name, "x");
	CHECK_STR(p.host[1]->name, "y");
	CHECK_STR(p.host[2]->name, "z");
	CHECK_STR(p.how, "assumed");
	CHECK(p.undecided == 2);
	/* partly known: z before y by TTL; x unrelated stays first (file order) */
	merge_see(&s[2], "zy", 0, 1, 1, 1, 64);
	merge_see(&s[1], "zy", 0, 1, 1, 1, 63);
	merge_order(s, 3, &p);
	CHECK_STR(p.host[0]->name, "x");
	CHECK_STR(p.host[1]->name, "z");
	CHECK_STR(p.host[2]->name, "y");
	CHECK_STR(p.how, "ttl+assumed");
	CHECK(p.undecided == 1);
	free_sides(s, 3);
}

TEST(merge_order_circular_evidence_is_counted)
{
	struct merge_side s[3] = { { .name = "x" }, { .name = "y" }, { .name = "z" } };
	struct merge_path p;

	merge_see(&s[0], "xy", 0, 1, 1, 1, 64); merge_see(&s[1], "xy", 0, 1, 1, 1, 63);
	merge_see(&s[1], "yz", 0, 1, 1, 1, 64); merge_see(&s[2], "yz", 0, 1, 1, 1, 63);
	merge_see(&s[2], "zx", 0, 1, 1, 1, 64); merge_see(&s[0], "zx", 0, 1, 1, 1, 63);
	merge_order(s, 3, &p);
	CHECK(p.conflicts == 1);
	CHECK(p.host[0] && p.host[1] && p.host[2]);
	free_sides(s, 3);
}

TEST(merge_order_two_hosts_as_merge_roles)
{
	struct merge_side s[2] = { { .name = "rcv" }, { .name = "snd" } };
	struct merge_path p;

	merge_order(s, 2, &p);                  /* nothing in common: as given */
	CHECK_STR(p.host[0]->name, "rcv");
	CHECK_STR(p.how, "assumed");
	merge_see(&s[1], "p", 0, 1, 1, 1, 64);
	merge_see(&s[0], "p", 0, 1, 1, 1, 63);
	merge_order(s, 2, &p);
	CHECK_STR(p.host[0]->name, "snd");
	CHECK_STR(p.host[1]->name, "rcv");
	CHECK_STR(p.how, "ttl");
	merge_path_given(s, 2, &p);
	CHECK_STR(p.host[0]->name, "rcv");
	CHECK_STR(p.how, "given");
	free_sides(s, 2);
}

TEST(merge_verdict_names_by_position)
{
	CHECK(merge_internal_verdict(0, 2) == MERGE_SENDER_INTERNAL);
	CHECK(merge_internal_verdict(1, 2) == MERGE_RECEIVER_INTERNAL);
	CHECK(merge_internal_verdict(1, 3) == MERGE_HOST_INTERNAL);
	CHECK(merge_internal_verdict(3, 5) == MERGE_HOST_INTERNAL);
	CHECK(merge_internal_verdict(4, 5) == MERGE_RECEIVER_INTERNAL);
	CHECK_STR(merge_verdict_name(MERGE_HOST_INTERNAL), "HOST_INTERNAL_DROP");
	CHECK_STR(merge_verdict_name(MERGE_NETWORK), "NETWORK_DROP");
}

/* What the callback was told, per packet. */
struct seen_hits {
	int n;
	struct {
		char id[96];
		int dir, v, host, next;
		unsigned long long count;
	} h[32];
};

static void record_hit(void *ctx, const struct merge_hit *hit)
{
	struct seen_hits *s = ctx;

	if (s->n == 32)
		return;
	snprintf(s->h[s->n].id, sizeof(s->h[0].id), "%s", hit->any->id);
	s->h[s->n].dir = hit->dir;
	s->h[s->n].v = hit->v;
	s->h[s->n].host = hit->host;
	s->h[s->n].next = hit->next;
	s->h[s->n].count = hit->n;
	s->n++;
}

/* The verdict the callback gave @id (-1: none but DELIVERED), with its hosts. */
static int hit_of(const struct seen_hits *s, const char *id, int *host, int *next)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->h[i].id, id) && s->h[i].v != MERGE_DELIVERED) {
			*host = s->h[i].host;
			*next = s->h[i].next;
			return s->h[i].v;
		}
	return -1;
}

TEST(merge_three_hosts_last_seen_per_packet)
{
	/* a (sender's host) -> r (router host) -> b (receiver's host); each its own clock */
	struct merge_side a = { .name = "a" }, r = { .name = "r" }, b = { .name = "b" };
	struct merge_path p = { .host = { &a, &r, &b }, .n = 3 };
	struct merge_result res;
	struct seen_hits hits = {};
	int host, next;

	merge_see(&a, "p1", 0, 1, 1, 100, 64); merge_see(&r, "p1", 0, 1, 1, 5000, 63); merge_see(&b, "p1", 0, 1, 1, 9000, 62);
	merge_see(&a, "p2", 0, 1, 0, 110, 64);                                    /* inside a */
	merge_see(&a, "p3", 0, 1, 1, 120, 64);                                    /* link a -> r */
	merge_see(&a, "p4", 0, 1, 1, 130, 64); merge_see(&r, "p4", 0, 1, 0, 5030, 63); /* inside r */
	merge_see(&a, "p5", 0, 1, 1, 140, 64); merge_see(&r, "p5", 0, 1, 1, 5040, 63); /* link r -> b */
	merge_see(&a, "p6", 0, 1, 1, 150, 64); merge_see(&r, "p6", 0, 1, 1, 5050, 63);
	merge_see(&b, "p6", 0, 1, 0, 9050, 62);                                   /* inside b */
	/* r's run missed it, b saw it: not lost on either link */
	merge_see(&a, "p7", 0, 1, 1, 160, 64); merge_see(&b, "p7", 0, 1, 1, 9060, 62);
	/* replies b -> r -> a: r1 lost between b and r, r2 inside r, r3 inside a */
	merge_see(&b, "r1", 1, 1, 1, 9030, 64);
	merge_see(&b, "r2", 1, 1, 1, 9035, 64); merge_see(&r, "r2", 1, 1, 0, 5035, 63);
	merge_see(&b, "r3", 1, 1, 1, 9036, 64); merge_see(&r, "r3", 1, 1, 1, 5036, 63); merge_see(&a, "r3", 1, 1, 0, 136, 62);
	/* r forwarded it after b's run ended: not judged on link r -> b */
	merge_see(&a, "p8", 0, 1, 1, 170, 64); merge_see(&r, "p8", 0, 1, 1, 5070, 63);

	merge_judge_path(&p, &res, record_hit, &hits);
	CHECK(res.nhosts == 3);
	CHECK(res.count[MERGE_DELIVERED] == 2);                 /* p1, p7 */
	CHECK(res.count[MERGE_SENDER_INTERNAL] == 2);           /* p2, r3 */
	CHECK(res.count[MERGE_HOST_INTERNAL] == 2);             /* p4, r2 */
	CHECK(res.count[MERGE_RECEIVER_INTERNAL] == 1);         /* p6 */
	CHECK(res.count[MERGE_NETWORK] == 3);                   /* p3, p5, r1 */
	CHECK(res.dir_count[1][MERGE_NETWORK] == 1);
	CHECK(res.host_drops[0][0] == 1 && res.host_drops[0][1] == 1);
	CHECK(res.host_drops[1][0] == 1 && res.host_drops[1][1] == 1);
	CHECK(res.host_drops[2][0] == 1 && res.host_drops[2][1] == 0);
	CHECK(res.link_drops[0][0] == 1 && res.link_drops[0][1] == 0);
	CHECK(res.link_drops[1][0] == 1 && res.link_drops[1][1] == 1);
	CHECK(res.outside_window == 1 && res.link_outside[1][0] == 1);
	CHECK(!res.no_overlap[0] && !res.no_overlap[1]);

	CHECK(hit_of(&hits, "p2", &host, &next) == MERGE_SENDER_INTERNAL && host == 0 && next == -1);
	CHECK(hit_of(&hits, "p3", &host, &next) == MERGE_NETWORK && host == 0 && next == 1);
	CHECK(hit_of(&hits, "p4", &host, &next) == MERGE_HOST_INTERNAL && host == 1);
	CHECK(hit_of(&hits, "p5", &host, &next) == MERGE_NETWORK && host == 1 && next == 2);
	CHECK(hit_of(&hits, "p6", &host, &next) == MERGE_RECEIVER_INTERNAL && host == 2);
	CHECK(hit_of(&hits, "r1", &host, &next) == MERGE_NETWORK && host == 2 && next == 1);
	CHECK(hit_of(&hits, "r2", &host, &next) == MERGE_HOST_INTERNAL && host == 1);
	CHECK(hit_of(&hits, "r3", &host, &next) == MERGE_SENDER_INTERNAL && host == 0);
	CHECK(hit_of(&hits, "p7", &host, &next) == -1);
	CHECK(hit_of(&hits, "p8", &host, &next) == -1);
	CHECK(hit_of(&hits, "p1", &host, &next) == -1);
	merge_side_free(&a);
	merge_side_free(&r);
	merge_side_free(&b);
}

TEST(merge_three_hosts_copies_and_a_dead_link)
{
	/* two copies (a retransmission) left a, one reached r; nothing reached b:
	 * link r -> b has no packet both ends saw, so all its losses are judged */
	struct merge_side a = { .name = "a" }, r = { .name = "r" }, b = { .name = "b" };
	struct merge_path p = { .host = { &a, &r, &b }, .n = 3 };
	struct merge_result res;

	merge_see(&a, "s", 0, 2, 2, 10, 64); merge_see(&r, "s", 0, 1, 1, 20, 63);
	merge_see(&a, "t", 0, 1, 1, 30, 64); merge_see(&r, "t", 0, 1, 1, 40, 63);
	merge_see(&b, "u", 1, 1, 1, 50, 64);  /* a reply b sent that r never saw */
	merge_judge_path(&p, &res, NULL, NULL);
	CHECK(res.link_drops[0][0] == 1);
	CHECK(res.link_drops[1][0] == 2 && res.link_drops[1][1] == 1);
	CHECK(res.link_no_overlap[1][0] && res.link_no_overlap[1][1] && !res.link_no_overlap[0][0]);
	CHECK(res.no_overlap[0] && res.no_overlap[1]);
	CHECK(res.count[MERGE_DELIVERED] == 0 && res.outside_window == 0);
	merge_side_free(&a);
	merge_side_free(&r);
	merge_side_free(&b);
}

TEST(merge_two_hosts_path_equals_merge_judge)
{
	struct merge_side snd = { .name = "s" }, rcv = { .name = "r" };
	struct merge_path p = { .host = { &snd, &rcv }, .n = 2 };
	struct merge_result one, two;

	merge_see(&snd, "a", 0, 1, 1, 1, 64); merge_see(&rcv, "a", 0, 1, 1, 7, 63);
	merge_see(&snd, "b", 0, 1, 0, 2, 64);
	merge_see(&snd, "c", 0, 1, 1, 3, 64);
	merge_see(&snd, "d", 0, 1, 1, 4, 64); merge_see(&rcv, "d", 0, 1, 0, 9, 63);
	merge_judge(&snd, &rcv, &one, NULL, NULL);
	merge_judge_path(&p, &two, NULL, NULL);
	CHECK(!memcmp(one.count, two.count, sizeof(one.count)));
	CHECK(one.count[MERGE_SENDER_INTERNAL] == 1 && one.count[MERGE_NETWORK] == 1 &&
	      one.count[MERGE_RECEIVER_INTERNAL] == 1 && one.count[MERGE_DELIVERED] == 1);
	CHECK(one.count[MERGE_HOST_INTERNAL] == 0);
	merge_side_free(&snd);
	merge_side_free(&rcv);
}
