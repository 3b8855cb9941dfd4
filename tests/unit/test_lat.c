/* latency family: stage layout per tier, bottleneck, abnormal, microsecond percentiles. */
#include <string.h>
#include "hist.h"
#include "unit.h"
#include "../../src/tools/latency/lat.h"
#include "lat_path40.h"

double lat_pct_us(const struct nt_lat *l, double pct);

/* A path of every catalogue hook in catalogue order: slot == hook. */
static const struct lat_hook_info *const *all_hooks(void)
{
	static const struct lat_hook_info *slots[LH_MAX];

	for (int h = 0; h < LH_MAX; h++)
		slots[h] = &lat_hooks[h];
	return slots;
}

static void layout(struct lat_kcfg *k, enum lat_kind kind, int dir, const bool *planned)
{
	lat_layout(k, kind, dir, false, all_hooks(), LH_MAX, planned);
}

/* host tier: only tracepoint stages; ICMP tx: request starts at the device layer,
 * replies never open an exchange, socket read ends it */
TEST(lat_layout_host_icmp_tx)
{
	bool planned[LH_MAX] = { false };
	struct lat_kcfg k;

	planned[LH_DEV_QUEUE] = planned[LH_DEV_XMIT] = planned[LH_NETIF_RX] = planned[LH_SOCK_COPY] = true;
	layout(&k, LAT_KIND_RTT, LAT_DIR_TX, planned);
	CHECK(k.pos[0][LH_DEV_QUEUE] && k.pos[0][LH_DEV_XMIT] > k.pos[0][LH_DEV_QUEUE]);
	CHECK(!k.pos[0][LH_NETIF_RX] && k.pos[1][LH_NETIF_RX]);
	CHECK(k.pos[1][LH_SOCK_COPY] > k.pos[1][LH_NETIF_RX]);
	CHECK(k.end_pos[1] == k.pos[1][LH_SOCK_COPY]);
	CHECK(k.start_mask[0] == (1ull << LH_DEV_QUEUE));
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
	layout(&k, LAT_KIND_SUMMARY, LAT_DIR_BOTH, planned);
	CHECK(k.open_mask[0] == ((1ull << LH_IP_QUEUE_XMIT) | (1ull << LH_IP_SEND_SKB)));
	CHECK(k.start_mask[0] & (1ull << LH_IP_LOCAL_OUT));
	CHECK(k.open_mask[1] == (1ull << LH_NETIF_RX));
	memset(planned, 0, sizeof(planned));
	planned[LH_DEV_QUEUE] = planned[LH_DEV_XMIT] = planned[LH_NETIF_RX] = planned[LH_SOCK_COPY] = true;
	layout(&k, LAT_KIND_DETAILS, LAT_DIR_TX, planned);
	CHECK(k.open_mask[0] == (1ull << LH_DEV_QUEUE) && k.open_mask[1] == 0);
}

/* guest tier: the IP layer opens records; OVS hooks never do; rx requests do not end at
 * a socket read */
TEST(lat_layout_guest)
{
	bool planned[LH_MAX];
	struct lat_kcfg k;

	for (int h = 0; h < LH_MAX; h++)
		planned[h] = true;
	layout(&k, LAT_KIND_DETAILS, LAT_DIR_BOTH, planned);
	CHECK(k.start_mask[0] & (1ull << LH_IP_SEND_SKB));
	CHECK(!(k.start_mask[0] & (1ull << LH_DEV_QUEUE)));
	CHECK(!(k.start_mask[0] & (1ull << LH_OVS_INT_XMIT)));
	CHECK(k.start_mask[1] == (1ull << LH_NETIF_RX));
	CHECK(k.pos[0][LH_OVS_DP_PROCESS] && k.pos[1][LH_OVS_DP_PROCESS]);
	layout(&k, LAT_KIND_RTT, LAT_DIR_RX, planned);
	CHECK(k.pos[0][LH_ICMP_RCV] && !k.pos[0][LH_SOCK_COPY] && !k.pos[0][LH_CONSUME]);
	CHECK(k.pos[1][LH_IP_LOCAL_OUT] && k.end_pos[1] == k.pos[1][LH_DEV_XMIT]);
	layout(&k, LAT_KIND_SUMMARY, LAT_DIR_TX, planned);
	CHECK(k.end_pos[1] == 0 && k.start_mask[1] == 0);
}

/* UDP receive ends where the datagram is queued to its socket: sk_data_ready (6.6+,
 * also on the host), else __udp4_lib_rcv (function probe), else the socket stages */
TEST(lat_layout_udp_end)
{
	bool planned[LH_MAX] = { false };
	struct lat_kcfg k;

	planned[LH_NETIF_RX] = planned[LH_SOCK_COPY] = planned[LH_CONSUME] = true;
	layout(&k, LAT_KIND_SUMMARY, LAT_DIR_RX, planned);
	CHECK(k.udp_end_slot == LAT_NO_SLOT && k.end_pos[1] == k.pos[1][LH_SOCK_COPY]);
	planned[LH_UDP_RCV] = true;
	layout(&k, LAT_KIND_SUMMARY, LAT_DIR_RX, planned);
	CHECK(k.udp_end_slot == LH_UDP_RCV);
	planned[LH_SK_DATA_READY] = true;
	layout(&k, LAT_KIND_DETAILS, LAT_DIR_RX, planned);
	CHECK(k.udp_end_slot == LH_SK_DATA_READY);
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

static void stamp(struct lat_rec_head *r, const struct lat_geom *g, int path, int slot, __u64 ts)
{
	((struct lat_stamp *)lat_stamp(r, g, path, slot))->ts = ts;
}

TEST(lat_rec_order_by_time)
{
	static __u64 buf[LAT_REC_SIZE(LH_MAX, 2) / 8];
	struct lat_rec_head *r = (void *)buf;
	const struct lat_geom g = { LH_MAX, 2, LAT_EVENT_SIZE(LH_MAX, 2) };
	int slots[2 * LH_MAX], paths[2 * LH_MAX];

	stamp(r, &g, 0, LH_DEV_XMIT, 20);
	stamp(r, &g, 0, LH_DEV_QUEUE, 10);
	stamp(r, &g, 1, LH_NETIF_RX, 30);
	stamp(r, &g, 1, LH_SOCK_COPY, 40);
	CHECK(lat_rec_order(r, &g, slots, paths) == 4);
	CHECK(slots[0] == LH_DEV_QUEUE && slots[1] == LH_DEV_XMIT && paths[2] == 1 && slots[3] == LH_SOCK_COPY);
	/* the stack ids follow both paths' stamps */
	((__s32 *)((char *)r + sizeof(*r) + 2 * LH_MAX * sizeof(struct lat_stamp)))[LH_MAX + 1] = 7;
	CHECK(lat_stack_id(r, &g, 1, 1) == 7);
}

/* A path tool is its list: the record, masks and event of a 40-hook one-way
 * path (lat_path40.h, whose engine build is a build test) fit, its slots
 * above 32 get positions and mask bits, and its stages expand. */
static const struct lat_hook_info cat40[LAT_SYN_END] = {
	LAT_HOOKS(LAT_HOOK_INFO, LAT_U) LAT_SYN_HOOKS(LAT_HOOK_INFO, LAT_U)
};
static const int path40[] = { LAT_PATH40(LAT_HOOK_ID, LAT_HOOK_ID) };
static const struct nt_stage stages40[] = { LAT_PATH40(LAT_STAGE, LAT_STAGE_PER_IF) };
_Static_assert(sizeof(path40) / sizeof(path40[0]) == 40 &&
	       sizeof(stages40) / sizeof(stages40[0]) == 40, "40 hooks");
_Static_assert(LAT_EVENT_SIZE(40, 1) <= NT_EVENT_MAX, "a 40-hook one-way event fits");
_Static_assert(sizeof(((struct lat_kcfg *)0)->start_mask[0]) * 8 >= 40, "40 mask bits");

TEST(lat_layout_path40)
{
	const struct lat_hook_info *slots[40];
	bool planned[40];
	struct lat_kcfg k;

	for (int i = 0; i < 40; i++) {
		slots[i] = &cat40[path40[i]];
		planned[i] = true;
	}
	lat_layout(&k, LAT_KIND_DETAILS, LAT_DIR_BOTH, false, slots, 40, planned);
	CHECK(k.pos[0][39] == 29 && k.end_pos[0] == 29);    /* the last synthetic hook ends tx */
	CHECK(k.pos[0][23] == 13 && !k.pos[1][39]);
	CHECK(k.start_mask[0] == ((1ull << LH_IP_QUEUE_XMIT) | (1ull << LH_IP_SEND_SKB) |
				  (1ull << LH_IP_LOCAL_OUT) | (1ull << LH___IP_LOCAL_OUT) |
				  (1ull << LH_IP_OUTPUT)));
	CHECK(k.start_mask[1] == 1ull << LH_NETIF_RX && k.udp_end_slot == LH_SK_DATA_READY);
	/* slots 32..39 start the path once the IP layer is gone */
	for (int i = 0; i < 23; i++)
		planned[i] = false;
	lat_layout(&k, LAT_KIND_DETAILS, LAT_DIR_TX, false, slots, 40, planned);
	CHECK(k.start_mask[0] == 0 && k.end_pos[0] == 29);
	planned[LH_DEV_QUEUE] = true;
	lat_layout(&k, LAT_KIND_DETAILS, LAT_DIR_TX, false, slots, 40, planned);
	CHECK(k.start_mask[0] == 1ull << LH_DEV_QUEUE && k.pos[0][35] == 25);
	/* a tracepoint hook: the stub handing off to the shared engine, then its own program */
	CHECK(!strcmp(stages40[39].name, "syn16") && !strcmp(stages40[39].cands[0].prog, "nt_lat_syn16_hand") &&
	      !strcmp(stages40[39].cands[0].shared, "nt_lat_engine") &&
	      !strcmp(stages40[39].cands[1].prog, "nt_lat_syn16_btf"));
	CHECK(stages40[LH_DEV_QUEUE].cands[0].kind == NT_PK_TC_EGRESS);
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

/* A VM path gives its own positions (P(ID, tx, rx)): tx opens at the tap's receive and
 * ends at the NIC's transmit, rx the other way round; the switch hooks are on both paths
 * and never open a record; where they cannot attach, the device stages still chain. */
static const struct lat_slot_def vm_path[] = {
	LAT_PATH_VM_NETWORK_LATENCY_SUMMARY(LAT_SLOT_DEF, LAT_SLOT_DEF)
};
#define VM_N ((int)(sizeof(vm_path) / sizeof(vm_path[0])))

static int vm_slot(int hook)
{
	for (int i = 0; i < VM_N; i++)
		if (vm_path[i].hook == hook)
			return i;
	return -1;
}

static void vm_layout(struct lat_kcfg *k, int dir, bool switch_planned)
{
	static struct lat_hook_info info[VM_N];
	const struct lat_hook_info *slots[VM_N];
	bool planned[VM_N];

	for (int i = 0; i < VM_N; i++) {
		info[i] = lat_hooks[vm_path[i].hook];
		info[i].tx_pos = vm_path[i].tx_pos;
		info[i].rx_pos = vm_path[i].rx_pos;
		slots[i] = &info[i];
		planned[i] = switch_planned || info[i].cls != LAT_CL_OVS;
	}
	lat_layout(k, LAT_KIND_SUMMARY, dir, true, slots, VM_N, planned);
}

TEST(lat_layout_vm_path)
{
	struct lat_kcfg k;
	int vrx = vm_slot(LH_VNET_RX), devq = vm_slot(LH_DEV_QUEUE), xmit = vm_slot(LH_DEV_XMIT);
	int rx = vm_slot(LH_NETIF_RX), vq = vm_slot(LH_VNET_QUEUE), vx = vm_slot(LH_VNET_XMIT);
	int ovs = vm_slot(LH_OVS_DP_PROCESS), br = vm_slot(LH_BR_HANDLE_FRAME);

	CHECK(vrx >= 0 && devq >= 0 && xmit >= 0 && rx >= 0 && vq >= 0 && vx >= 0 && ovs >= 0 && br >= 0);
	vm_layout(&k, LAT_DIR_BOTH, true);
	CHECK(k.start_mask[0] == 1ull << vrx && k.open_mask[0] == 1ull << vrx);
	CHECK(k.start_mask[1] == 1ull << rx && k.open_mask[1] == 1ull << rx);
	CHECK(k.end_pos[0] == k.pos[0][xmit] && k.end_pos[1] == k.pos[1][vx]);
	CHECK(k.pos[0][ovs] && k.pos[1][ovs] && k.pos[0][br] == k.pos[1][br]);
	CHECK(k.pos[0][vrx] < k.pos[0][br] && k.pos[0][ovs] < k.pos[0][devq] && k.pos[0][devq] < k.pos[0][xmit]);
	CHECK(k.pos[1][rx] < k.pos[1][ovs] && k.pos[1][ovs] < k.pos[1][vq] && k.pos[1][vq] < k.pos[1][vx]);
	CHECK(!k.pos[0][rx] && !k.pos[0][vq] && !k.pos[1][vrx] && !k.pos[1][devq]);
	CHECK(k.udp_end_slot == LAT_NO_SLOT);           /* no socket: UDP ends at the tap too */
	/* no function probes: the same ends, the device stages only */
	vm_layout(&k, LAT_DIR_TX, false);
	CHECK(k.start_mask[0] == 1ull << vrx && k.end_pos[0] == k.pos[0][xmit] && !k.pos[0][ovs]);
	CHECK(!k.start_mask[1] && !k.end_pos[1]);       /* tx only */
}

/* An interval of a running distribution: counts and sums exact, its extremes narrowed to
 * its slots (depths 0..19 first, then 40..47: the interval's min is 32, its max 47) */
TEST(lat_sub_interval)
{
	struct nt_lat run = { 0 }, prev, d;

	for (int v = 0; v < 20; v++)
		nt_lat_add_value(&run, v);
	prev = run;
	for (int v = 40; v < 48; v++)
		nt_lat_add_value(&run, v);
	d = run;
	nt_lat_sub(&d, &prev);
	CHECK(d.count == 8 && d.sum == 40 * 8 + 28);
	CHECK(d.slots[6] == 8 && d.slots[0] == 0 && d.slots[5] == 0);
	CHECK(d.min == 32 && d.max == 47);
	d = prev;
	nt_lat_sub(&d, &prev);                  /* nothing new */
	CHECK(d.count == 0 && d.min == 0 && d.max == 0);
	d = run;
	nt_lat_sub(&d, &(struct nt_lat){ 0 }); /* from the start: exact */
	CHECK(d.min == 0 && d.max == 47 && d.count == 28);
}
