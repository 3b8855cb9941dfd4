/* latency family: stage layout per tier, bottleneck, abnormal, microsecond percentiles. */
#include <string.h>
#include "unit.h"
#include "../../src/tools/latency/lat.h"

double lat_pct_us(const struct nt_lat *l, double pct);

/* host tier: only tracepoint stages; ICMP tx: request starts at the device layer,
 * replies never open an exchange, socket read ends it */
TEST(lat_layout_host_icmp_tx)
{
	bool planned[LH_MAX] = { false };
	struct lat_kcfg k;

	planned[LH_DEV_QUEUE] = planned[LH_DEV_XMIT] = planned[LH_NETIF_RX] = planned[LH_SOCK_COPY] = true;
	lat_layout(&k, LAT_KIND_RTT, LAT_DIR_TX, planned);
	CHECK(k.pos[0][LH_DEV_QUEUE] && k.pos[0][LH_DEV_XMIT] > k.pos[0][LH_DEV_QUEUE]);
	CHECK(!k.pos[0][LH_NETIF_RX] && k.pos[1][LH_NETIF_RX]);
	CHECK(k.pos[1][LH_SOCK_COPY] > k.pos[1][LH_NETIF_RX]);
	CHECK(k.end_pos[1] == k.pos[1][LH_SOCK_COPY]);
	CHECK(k.start_mask[0] == (1u << LH_DEV_QUEUE));
	CHECK(k.start_mask[1] == 0);
	CHECK(k.final_path == 1);
	CHECK(k.open_mask[0] == 0 && k.open_mask[1] == 0);   /* exchanges: always looked up */
}

/* one-way paths: the path's first hook stores a new record without a lookup; later
 * start hooks (ip_local_out, ip_output: a record may be open since ip_send_skb) look */
TEST(lat_layout_open_mask)
{
	bool planned[LH_MAX];
	struct lat_kcfg k;

	for (int h = 0; h < LH_MAX; h++)
		planned[h] = true;
	lat_layout(&k, LAT_KIND_SUMMARY, LAT_DIR_BOTH, planned);
	CHECK(k.open_mask[0] == ((1u << LH_IP_QUEUE_XMIT) | (1u << LH_IP_SEND_SKB)));
	CHECK(k.start_mask[0] & (1u << LH_IP_LOCAL_OUT));
	CHECK(k.open_mask[1] == (1u << LH_NETIF_RX));
	memset(planned, 0, sizeof(planned));
	planned[LH_DEV_QUEUE] = planned[LH_DEV_XMIT] = planned[LH_NETIF_RX] = planned[LH_SOCK_COPY] = true;
	lat_layout(&k, LAT_KIND_DETAILS, LAT_DIR_TX, planned);
	CHECK(k.open_mask[0] == (1u << LH_DEV_QUEUE) && k.open_mask[1] == 0);
}

/* guest tier: the IP layer opens records; OVS hooks never do; rx requests do not end at
 * a socket read */
TEST(lat_layout_guest)
{
	bool planned[LH_MAX];
	struct lat_kcfg k;

	for (int h = 0; h < LH_MAX; h++)
		planned[h] = true;
	lat_layout(&k, LAT_KIND_DETAILS, LAT_DIR_BOTH, planned);
	CHECK(k.start_mask[0] & (1u << LH_IP_SEND_SKB));
	CHECK(!(k.start_mask[0] & (1u << LH_DEV_QUEUE)));
	CHECK(!(k.start_mask[0] & (1u << LH_OVS_INT_XMIT)));
	CHECK(k.start_mask[1] == (1u << LH_NETIF_RX));
	CHECK(k.pos[0][LH_OVS_DP_PROCESS] && k.pos[1][LH_OVS_DP_PROCESS]);
	lat_layout(&k, LAT_KIND_RTT, LAT_DIR_RX, planned);
	CHECK(k.pos[0][LH_ICMP_RCV] && !k.pos[0][LH_SOCK_COPY] && !k.pos[0][LH_CONSUME]);
	CHECK(k.pos[1][LH_IP_LOCAL_OUT] && k.end_pos[1] == k.pos[1][LH_DEV_XMIT]);
	lat_layout(&k, LAT_KIND_SUMMARY, LAT_DIR_TX, planned);
	CHECK(k.end_pos[1] == 0 && k.start_mask[1] == 0);
}

/* UDP receive ends where the datagram is queued to its socket: sk_data_ready (6.6+,
 * also on the host), else __udp4_lib_rcv (function probe), else the socket stages */
TEST(lat_layout_udp_end)
{
	bool planned[LH_MAX] = { false };
	struct lat_kcfg k;

	planned[LH_NETIF_RX] = planned[LH_SOCK_COPY] = planned[LH_CONSUME] = true;
	lat_layout(&k, LAT_KIND_SUMMARY, LAT_DIR_RX, planned);
	CHECK(k.udp_end_hook == LH_MAX && k.end_pos[1] == k.pos[1][LH_SOCK_COPY]);
	planned[LH_UDP_RCV] = true;
	lat_layout(&k, LAT_KIND_SUMMARY, LAT_DIR_RX, planned);
	CHECK(k.udp_end_hook == LH_UDP_RCV);
	planned[LH_SK_DATA_READY] = true;
	lat_layout(&k, LAT_KIND_DETAILS, LAT_DIR_RX, planned);
	CHECK(k.udp_end_hook == LH_SK_DATA_READY);
	CHECK(k.pos[1][LH_UDP_RCV] < k.pos[1][LH_SK_DATA_READY] &&
	      k.pos[1][LH_SK_DATA_READY] < k.pos[1][LH_SOCK_COPY]);
}

TEST(lat_bottleneck_abnormal)
{
	__u64 ts[] = { 100, 110, 20110, 20150 };
	double h[] = { 100, 110, 90, 105, 95 };

	CHECK(lat_bottleneck(ts, 4) == 1);
	CHECK(lat_bottleneck(ts, 1) == -1);
	CHECK(!lat_abnormal(h, 3, 1000));      /* too few to judge */
	CHECK(lat_abnormal(h, 5, 250));
	CHECK(!lat_abnormal(h, 5, 150));
}

TEST(lat_rec_order_by_time)
{
	static struct lat_rec r;
	int hooks[2 * LH_MAX], paths[2 * LH_MAX];

	memset(&r, 0, sizeof(r));
	r.st[0][LH_DEV_XMIT].ts = 20;
	r.st[0][LH_DEV_QUEUE].ts = 10;
	r.st[1][LH_NETIF_RX].ts = 30;
	r.st[1][LH_SOCK_COPY].ts = 40;
	CHECK(lat_rec_order(&r, hooks, paths) == 4);
	CHECK(hooks[0] == LH_DEV_QUEUE && hooks[1] == LH_DEV_XMIT && paths[2] == 1 && hooks[3] == LH_SOCK_COPY);
}

/* summary slots hold microseconds, count/min/max nanoseconds */
TEST(lat_pct_us_slots)
{
	struct nt_lat l = { 0 };

	for (int i = 0; i < 10; i++) {
		l.slots[15]++;          /* 16384 .. 32767 us */
		l.count++;
	}
	l.min = 20000000;
	l.max = 22000000;
	CHECK(lat_pct_us(&l, 50) >= 20000 && lat_pct_us(&l, 50) <= 22000);
	CHECK(lat_pct_us(&l, 99) <= 22000);
	CHECK(!strcmp(lat_sort_name(LAT_SORT_P99), "p99") && !strcmp(lat_sort_name(9), "?"));
}
