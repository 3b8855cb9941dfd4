/* nettrail report: pairs from RTT runs' summaries, worst first, the heat map
 * (no files, no kernel). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "jsonin.h"
#include "../../src/tools/fleet/report.h"

/* A summary object as system_network_icmp_rtt --json prints it at the end. */
static struct nt_jv *summary(const char *src, const char *dst, const char *dir, int started,
			     int completed, double p99, double wire_avg, double host_avg)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
		 "{\"tool\":\"system_network_icmp_rtt\",\"type\":\"summary\",\"src_ip\":\"%s\","
		 "\"dst_ip\":\"%s\",\"direction\":\"%s\",\"exchanges\":{\"started\":%d,"
		 "\"completed\":%d},\"total_rtt_us\":{\"count\":%d,\"min\":10,\"avg\":%g,\"max\":%g,"
		 "\"p50\":%g,\"p99\":%g},\"segments\":[{\"from\":\"net_dev_xmit\",\"to\":"
		 "\"netif_receive_skb\",\"kind\":\"wire\",\"latency_us\":{\"count\":%d,\"avg\":%g}},"
		 "{\"from\":\"ip_local_out\",\"to\":\"net_dev_xmit\",\"kind\":\"request\","
		 "\"latency_us\":{\"count\":%d,\"avg\":%g}}]}",
		 src, dst, dir, started, completed, completed, p99 / 2, p99 * 1.5, p99 / 2, p99,
		 completed, wire_avg, completed, host_avg);
	return nt_jv_parse(buf);
}

static void add(int *failed, struct report *r, struct nt_jv *v, const char *file, int want)
{
	CHECK(v != NULL);
	CHECK(report_add(r, v, file) == want);
	nt_jv_free(v);
}

/* three hosts, 6 pairs: .1 -> .3 loses a quarter, .2 -> .3 is slow */
static void mesh(int *failed, struct report *r)
{
	add(failed, r, summary("198.18.0.1", "198.18.0.2", "tx", 20, 20, 90, 30, 5), "a", 0);
	add(failed, r, summary("198.18.0.1", "198.18.0.3", "tx", 20, 15, 95, 30, 5), "b", 0);
	add(failed, r, summary("198.18.0.2", "198.18.0.1", "tx", 20, 20, 80, 30, 5), "c", 0);
	add(failed, r, summary("198.18.0.2", "198.18.0.3", "tx", 20, 20, 900, 400, 5), "d", 0);
	add(failed, r, summary("198.18.0.3", "198.18.0.1", "tx", 20, 20, 85, 30, 5), "e", 0);
	add(failed, r, summary("198.18.0.10", "198.18.0.2", "tx", 20, 20, 70, 3, 40), "f", 0);
	CHECK(report_finish(r) == 0);
}

TEST(report_worst_first_loss_then_p99)
{
	struct report r = {};

	mesh(failed, &r);
	CHECK(r.n == 6);
	CHECK_STR(r.pairs[0].src, "198.18.0.1");
	CHECK_STR(r.pairs[0].dst, "198.18.0.3");
	CHECK(r.pairs[0].loss_pct == 25.0);
	CHECK_STR(r.pairs[1].dst, "198.18.0.3");        /* then the slowest p99 */
	CHECK(r.pairs[1].p99 == 900);
	CHECK_STR(r.pairs[1].dom_kind, "wire");
	/* the segment with the largest mean, wherever it is */
	CHECK_STR(report_find(&r, "198.18.0.10", "198.18.0.2")->dom_kind, "request");
	/* hosts in address order, numerically */
	CHECK(r.nhosts == 4);
	CHECK_STR(r.hosts[2], "198.18.0.3");
	CHECK_STR(r.hosts[3], "198.18.0.10");
	CHECK(report_find(&r, "198.18.0.3", "198.18.0.2") == NULL);
	report_free(&r);
}

TEST(report_receiver_runs_and_repeats)
{
	struct report r = {};

	/* a receiving-side run (rx) makes no pair */
	add(failed, &r, summary("198.18.0.1", "198.18.0.2", "rx", 5, 5, 50, 1, 1), "rx", 1);
	/* nor one whose ends are not addresses (they are printed into text and SVG as is) */
	add(failed, &r, summary("<script>", "198.18.0.2", "tx", 5, 5, 50, 1, 1), "odd", 1);
	CHECK(r.n == 0);
	/* two runs of one pair add up; percentiles from the one with more exchanges */
	add(failed, &r, summary("198.18.0.1", "198.18.0.2", "tx", 10, 10, 50, 1, 1), "one", 0);
	add(failed, &r, summary("198.18.0.1", "198.18.0.2", "tx", 30, 27, 70, 1, 1), "two", 0);
	CHECK(r.n == 1 && r.pairs[0].files == 2);
	CHECK(r.pairs[0].started == 40 && r.pairs[0].completed == 37);
	CHECK(r.pairs[0].p99 == 70);
	CHECK_STR(r.pairs[0].file, "one");
	report_free(&r);
}

TEST(report_svg_is_the_matrix)
{
	struct report r = {};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rects = 0;

	mesh(failed, &r);
	report_svg(&r, f);
	fclose(f);
	CHECK(!strncmp(buf, "<?xml", 5));
	CHECK(strstr(buf, "</svg>\n") != NULL);
	for (const char *p = buf; (p = strstr(p, "<rect x=")); p++)
		rects++;
	CHECK(rects == 16);                     /* 4 x 4 cells */
	CHECK(strstr(buf, "worst pair: 198.18.0.1 -&gt; 198.18.0.3 (loss 25.0%") != NULL);
	CHECK(strstr(buf, "no run") != NULL);   /* .3 -> .2 was not traced */
	CHECK(strstr(buf, "rgb(220,") != NULL); /* the lossy cell is red */
	free(buf);
	report_free(&r);
}
