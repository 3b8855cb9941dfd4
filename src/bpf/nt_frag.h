/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv4 fragment groups, for the BPF programs and their user-space halves alike
 * (the rules are plain C: the unit tests run the code the kernel runs).
 *
 * The fragments of one datagram share addresses, protocol and IP id; only the
 * first (offset 0) carries the transport header, only the last has MF clear.
 * A group has passed a point of the path when every byte of it has: the last
 * fragment was seen (its offset + length is the datagram's payload length) and
 * the lengths of the fragments seen add up to exactly that. Order does not
 * matter. A second copy of the first or the last fragment is not counted; a
 * copy of a middle one pushes the sum past the end, so the group never counts
 * as whole (unless a middle fragment of the same length is missing: only a
 * datagram of 4 fragments or more can be fooled, by a loop and a loss at once).
 */
#ifndef NT_FRAG_H
#define NT_FRAG_H

#include "nt_types.h"

#ifndef __bpf__
#include <stdbool.h>
#endif

#define NT_FRAG_INLINE static inline __attribute__((always_inline))

/* The fragment fields of one IPv4 header (values in host order). */
struct nt_ipfrag {
	__u32 off;              /* offset of this fragment's payload, bytes */
	__u32 len;              /* payload bytes it carries */
	bool  frag;             /* part of a fragmented datagram (MF set or offset != 0) */
	bool  first;            /* offset 0: carries the transport header */
	bool  last;             /* MF clear */
};

#define NT_IP_MF     0x2000
#define NT_IP_OFFSET 0x1fff

/* @frag_off and @tot_len as in the header, converted to host order; @ihl in
 * 32-bit words. */
NT_FRAG_INLINE void nt_ipfrag_of(__u16 frag_off, __u16 tot_len, __u8 ihl, struct nt_ipfrag *f)
{
	__u32 hlen = (__u32)ihl * 4;

	f->off = (__u32)(frag_off & NT_IP_OFFSET) * 8;
	f->len = tot_len > hlen ? tot_len - hlen : 0;
	f->frag = (frag_off & (NT_IP_MF | NT_IP_OFFSET)) != 0;
	f->first = (frag_off & NT_IP_OFFSET) == 0;
	f->last = !(frag_off & NT_IP_MF);
}

/* What of one group passed one point. 32-bit fields: the BPF atomic add of
 * old kernels (5.10) takes words and double words only. */
struct nt_frag_acct {
	__u32 bytes;            /* payload bytes of the fragments that passed */
	__u32 end;              /* offset + length of the last fragment; 0 = not passed yet */
	__u32 frags;            /* fragments that passed */
	__u8  first_seen;       /* the fragment at offset 0 passed */
	__u8  pad[3];
};

NT_FRAG_INLINE bool nt_frag_whole(const struct nt_frag_acct *a)
{
	__u32 end = *(volatile const __u32 *)&a->end;

	return end && *(volatile const __u32 *)&a->bytes == end;
}

/* Fragment @f passed the point @a counts: true when the group is whole now.
 * Fragments of a group may pass on several CPUs at once: the sums are atomic,
 * and the end is stored before the bytes are added, so whichever fragment
 * completes the group sees it whole (two may; callers keep the first). */
NT_FRAG_INLINE bool nt_frag_pass(struct nt_frag_acct *a, const struct nt_ipfrag *f)
{
	if ((f->first && a->first_seen) || (f->last && a->end))
		return false;   /* a copy: the group was or will be whole without it */
	if (f->first)
		a->first_seen = 1;
	if (f->last)
		a->end = f->off + f->len;
	__sync_fetch_and_add(&a->bytes, f->len);
	__sync_fetch_and_add(&a->frags, 1);
	return nt_frag_whole(a);
}

#endif
