/* Unit-test fixture of merge: host @s saw packet @id (direction @dir) enter @in
 * times and leave @out times, first at @t0 on its own clock, with IP TTL @ttl at
 * entry (0: none). */
#ifndef NT_UNIT_MERGE_FIXTURE_H
#define NT_UNIT_MERGE_FIXTURE_H

#include <stdio.h>
#include "../../src/tools/fleet/merge.h"

static inline struct merge_obs *merge_see(struct merge_side *s, const char *id, int dir,
					  unsigned in, unsigned out, double t0, double ttl)
{
	struct merge_obs *o = merge_side_obs(s, id, dir);

	o->in += in;
	o->out += out;
	o->t0 = t0;
	if (ttl > 0) {
		o->ttl_sum += ttl;
		o->ttl_n++;
	}
	snprintf(o->desc, sizeof(o->desc), "%s", id);
	return o;
}

#endif
