/* --prometheus: the [ADDR:]PORT parser and the text exposition (no sockets). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "unit.h"
#include "hist.h"
#include "prom.h"

TEST(prom_listen_parse)
{
	struct nt_listen l;
	char why[128];

	CHECK(!nt_listen_parse("9464", &l, why, sizeof(why)));
	CHECK_STR(l.shown, "127.0.0.1:9464");
	CHECK(l.sa.ss_family == AF_INET && ntohs(((struct sockaddr_in *)&l.sa)->sin_port) == 9464);
	CHECK(!nt_listen_parse("0.0.0.0:80", &l, why, sizeof(why)));
	CHECK_STR(l.shown, "0.0.0.0:80");
	CHECK(!nt_listen_parse("[::1]:9464", &l, why, sizeof(why)));
	CHECK(l.sa.ss_family == AF_INET6);
	CHECK_STR(l.shown, "[::1]:9464");
	CHECK(!nt_listen_parse("::1:9464", &l, why, sizeof(why)));     /* last colon: the port */
	CHECK_STR(l.shown, "[::1]:9464");
	CHECK(nt_listen_parse("0", &l, why, sizeof(why)) && strstr(why, "1 to 65535"));
	CHECK(nt_listen_parse("65536", &l, why, sizeof(why)));
	CHECK(nt_listen_parse("+80", &l, why, sizeof(why)));
	CHECK(nt_listen_parse("80x", &l, why, sizeof(why)));
	CHECK(nt_listen_parse(":80", &l, why, sizeof(why)));
	CHECK(nt_listen_parse("host.example:80", &l, why, sizeof(why)) && strstr(why, "not an IPv4"));
	CHECK(!l.set);
}

/* Samples of one family stay together whatever order they were added in; labels are
 * escaped; the constant labels come first. */
TEST(prom_families_grouped)
{
	struct nt_prom *p = nt_prom_new("t", "h\"1");
	const char *text;
	size_t len;

	nt_prom_add(p, "a_total", NT_PROM_COUNTER, "a help", 1, "reason", "x", NULL);
	nt_prom_add(p, "b", NT_PROM_GAUGE, "b help", 2.5, NULL);
	nt_prom_add(p, "a_total", NT_PROM_COUNTER, "ignored", 3, "reason", "q\"\\\n", "dev", NULL, NULL);
	text = nt_prom_text(p, &len);
	CHECK(len == strlen(text));
	CHECK_STR(text,
		  "# HELP a_total a help\n# TYPE a_total counter\n"
		  "a_total{tool=\"t\",host=\"h\\\"1\",reason=\"x\"} 1\n"
		  "a_total{tool=\"t\",host=\"h\\\"1\",reason=\"q\\\"\\\\\\n\"} 3\n"
		  "# HELP b b help\n# TYPE b gauge\n"
		  "b{tool=\"t\",host=\"h\\\"1\"} 2.5\n");
	nt_prom_reset(p);
	text = nt_prom_text(p, &len);
	CHECK(len == 0);                /* families without samples are left out */
	nt_prom_free(p);
}

/* Buckets from the log2 slots: cumulative, in seconds, one per slot bound, +Inf last;
 * the last slot (everything above 2^30 ns) only in +Inf. */
TEST(prom_histogram)
{
	struct nt_prom *p = nt_prom_new("t", "h");
	struct nt_lat l = {};
	const char *text, *inf;
	size_t len;
	int buckets = 0;

	nt_lat_add_value(&l, 0);
	nt_lat_add_value(&l, 1500);             /* slot 11: [1024, 2048) */
	nt_lat_add_value(&l, 1500);
	nt_lat_add_value(&l, 5000000000ULL);    /* 5 s: the last slot */
	nt_prom_hist(p, "lat_seconds", "h", &l, "direction", "tx", NULL);
	text = nt_prom_text(p, &len);
	for (const char *s = text; (s = strstr(s, "lat_seconds_bucket{")); s++)
		buckets++;
	CHECK(buckets == NT_HIST_SLOTS);        /* 31 bounds and +Inf */
	CHECK(strstr(text, "# TYPE lat_seconds histogram\n"));
	CHECK(strstr(text, "lat_seconds_bucket{tool=\"t\",host=\"h\",direction=\"tx\",le=\"1e-09\"} 1\n"));
	CHECK(strstr(text, "lat_seconds_bucket{tool=\"t\",host=\"h\",direction=\"tx\",le=\"1.024e-06\"} 1\n"));
	CHECK(strstr(text, "lat_seconds_bucket{tool=\"t\",host=\"h\",direction=\"tx\",le=\"2.048e-06\"} 3\n"));
	CHECK(strstr(text, "lat_seconds_bucket{tool=\"t\",host=\"h\",direction=\"tx\",le=\"1.073741824\"} 3\n"));
	inf = strstr(text, "le=\"+Inf\"} 4\n");
	CHECK(inf && inf > strstr(text, "le=\"1.073741824\""));
	CHECK(strstr(text, "lat_seconds_sum{tool=\"t\",host=\"h\",direction=\"tx\"} 5.000003\n"));
	CHECK(strstr(text, "lat_seconds_count{tool=\"t\",host=\"h\",direction=\"tx\"} 4\n"));
	nt_prom_free(p);
}
