/* Drop reasons by name from the running kernel's BTF; locations from stacks. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "unit.h"
#include "btfinfo.h"
#include "ksyms.h"
#include "drops.h"

TEST(drop_reason_names_from_btf)
{
	char buf[64];
	long long nf = nt_btf_enum_value("skb_drop_reason", "SKB_DROP_REASON_NETFILTER_DROP");

	if (access("/sys/kernel/btf/vmlinux", R_OK) || nf < 0) {
		printf("    (skipped: this kernel has no skb_drop_reason in BTF)\n");
		return;
	}
	CHECK_STR(nt_drop_reason_name((__u32)nf, buf, sizeof(buf)), "NETFILTER_DROP");
	CHECK_STR(nt_drop_reason_name(
		(__u32)nt_btf_enum_value("skb_drop_reason", "SKB_DROP_REASON_NO_SOCKET"), buf,
		sizeof(buf)), "NO_SOCKET");
	CHECK_STR(nt_drop_reason_name(NT_DROP_NO_REASON, buf, sizeof(buf)), "NOT_SPECIFIED");
	CHECK_STR(nt_drop_reason_name(60000, buf, sizeof(buf)), "UNKNOWN(60000)");
	CHECK_STR(nt_drop_reason_name((3u << 16) | 5, buf, sizeof(buf)), "SUBSYS3:5");
}

TEST(drop_location_skips_machinery)
{
	char path[] = "/tmp/nt-unit-ks2-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct nt_drop_event e = {};
	struct ksyms *ks;

	fprintf(f, "ffffffff81000000 T bpf_trace_run3\nffffffff81000100 T kfree_skb_reason\n"
		   "ffffffff81000200 T nf_hook_slow\nffffffff81000300 T ip_forward\n");
	fclose(f);
	ks = ksyms__parse(path);
	unlink(path);
	e.stack[0] = 0xffffffff81000010ULL;
	e.stack[1] = 0xffffffff81000110ULL;
	e.stack[2] = 0xffffffff81000220ULL;
	e.stack[3] = 0xffffffff81000330ULL;
	e.stack_bytes = 4 * 8;
	CHECK(nt_drop_location(&e, ks) == 0xffffffff81000220ULL);
	e.location = 0xffffffff81000333ULL;      /* the tracepoint's own location wins */
	CHECK(nt_drop_location(&e, ks) == 0xffffffff81000333ULL);
	ksyms__free(ks);
}

TEST(drop_location_when_jit_frames_have_no_symbols)
{
	/* 5.10 with bpf_jit_kallsyms=0: our program's frames fall after the last
	 * module symbol; the drop function anchors the location. */
	char path[] = "/tmp/nt-unit-ks3-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct nt_drop_event e = {};
	struct ksyms *ks;

	fprintf(f, "ffffffff81000100 T kfree_skb\nffffffff81000200 T __udp4_lib_rcv\n"
		   "ffffffff81000300 T ip_local_deliver_finish\n"
		   "ffffffffc0000000 t cleanup_module\t[some_mod]\n");
	fclose(f);
	ks = ksyms__parse(path);
	unlink(path);
	e.stack[0] = 0xffffffffc0006659ULL;     /* JIT image, "cleanup_module+0x6659" */
	e.stack[1] = 0xffffffffc00040a0ULL;     /* trampoline */
	e.stack[2] = 0xffffffff81000105ULL;     /* kfree_skb+0x5 */
	e.stack[3] = 0xffffffff810002a3ULL;     /* __udp4_lib_rcv+0xa3 */
	e.stack[4] = 0xffffffff81000344ULL;
	e.stack_bytes = 5 * 8;
	CHECK(nt_drop_location(&e, ks) == 0xffffffff810002a3ULL);
	CHECK(nt_stack_first_frame(e.stack, 5, ks) == 2);
	ksyms__free(ks);
}
