// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What this binary is: the tree it was built from and the libbpf inside (the
 * Makefile writes both into version.h). */
#include <bpf/libbpf.h>
#include "nt.h"
#include "version.h"

/* "nettrail <describe> (libbpf v1.7: static; Debian source 1.7.0-1)" */
void nt_version_print(FILE *f)
{
	fprintf(f, "nettrail %s (libbpf %s: %s)\n", NT_VERSION, libbpf_version_string(),
		NT_LIBBPF_BUILD);
}

const char *nt_libbpf_build(void)
{
	return NT_LIBBPF_BUILD;
}
