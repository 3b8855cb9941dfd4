// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the virtio-net guest tools find before they load: the guest's
 * virtio-net interfaces (sysfs) and their virtio device's IRQs
 * (/proc/interrupts names them after the device: virtioN-input.Q,
 * virtioN-output.Q, virtioN-config with MSI-X; "virtioN" on a shared line).
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "iface.h"
#include "virtnet_common.h"

/* basename of the symlink /sys/class/net/@ifname/@rel, "" if none */
static void link_base(const char *ifname, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, rel);
	n = readlink(path, target, sizeof(target) - 1);
	buf[0] = 0;
	if (n <= 0)
		return;
	target[n] = 0;
	snprintf(buf, len, "%s", basename(target));
}

static bool is_virtio_net(const char *ifname, char *vdev, size_t len)
{
	char drv[64];

	link_base(ifname, "device/driver", drv, sizeof(drv));
	if (strcmp(drv, "virtio_net"))
		return false;
	link_base(ifname, "device", vdev, len);
	return vdev[0] != 0;
}

static int add_if(const char *flag, const char *name, struct vn_if *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name);
	if (!is_virtio_net(name, out->vdev, sizeof(out->vdev)))
		return -1;
	return nt_iface_resolve(flag, name, &out->ref);
}

int vn_find_ifs(const char *flag, const char *only, struct vn_if *out, int max)
{
	struct if_nameindex *all, *i;
	int n = 0;

	if (only) {
		char vdev[32];

		if (!is_virtio_net(only, vdev, sizeof(vdev))) {
			struct nt_ifref ref;

			if (nt_iface_resolve(flag, only, &ref))
				return -1;      /* unknown: reported */
			return nt_usage_error(flag, only, "not a virtio-net interface (its driver "
					      "is not virtio_net)");
		}
		return add_if(flag, only, out) ? -1 : 1;
	}
	all = if_nameindex();
	for (i = all; i && i->if_index && n < max; i++)
		if (!add_if(flag, i->if_name, &out[n]))
			n++;
	if_freenameindex(all);
	return n;
}

bool vn_names_device(const char *names, const char *vdev)
{
	size_t l = strlen(vdev);

	for (const char *p = names; (p = strstr(p, vdev)); p += l) {
		bool start = p == names || p[-1] == ' ' || p[-1] == ',';
		char next = p[l];

		if (start && (next == 0 || next == '-' || next == ',' || next == ' ' || next == '\n'))
			return true;
	}
	return false;
}

bool vn_parse_interrupts_line(const char *line, unsigned int *irq, char *names, size_t len)
{
	const char *p = line, *last;
	char *end;

	while (*p == ' ')
		p++;
	*irq = strtoul(p, &end, 10);
	if (end == p || *end != ':')
		return false;
	/* the action names: the last whitespace-separated words after the counts;
	 * take from the last run of two spaces (columns are padded) */
	last = strrchr(line, '\n') ? strrchr(line, '\n') : line + strlen(line);
	for (p = last; p > end && !(p[-1] == ' ' && p[-2] == ' '); p--)
		;
	snprintf(names, len, "%.*s", (int)(last - p), p);
	return true;
}

int vn_find_irqs(const struct vn_if *ifs, int nifs, struct vn_irq *out, int n, int max)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096], names[256];
	unsigned int irq;

	if (!f)
		return n;
	while (fgets(line, sizeof(line), f) && n < max) {
		if (!vn_parse_interrupts_line(line, &irq, names, sizeof(names)))
			continue;
		for (int i = 0; i < nifs; i++) {
			if (!vn_names_device(names, ifs[i].vdev))
				continue;
			out[n].irq = irq;
			snprintf(out[n].name, sizeof(out[n].name), "%.*s", (int)sizeof(out[n].name) - 1, names);
			out[n].ifi = i;
			n++;
			break;
		}
	}
	fclose(f);
	return n;
}

void vn_irq_name(unsigned int irq, char *buf, size_t len)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096];
	unsigned int i;

	buf[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (vn_parse_interrupts_line(line, &i, buf, len) && i == irq)
			break;
		else
			buf[0] = 0;
	fclose(f);
}
