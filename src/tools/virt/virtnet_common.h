/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* User side shared by the virtio-net guest tools (virtnet_common.c). */
#ifndef NT_VIRTNET_COMMON_H
#define NT_VIRTNET_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include "virtnet.h"

/* A virtio-net interface of this guest and its virtio device ("virtio0"). */
struct vn_if {
	char name[16];
	char vdev[32];
	struct nt_ifref ref;
};

/* The interfaces driven by virtio_net (sysfs: device/driver): @only (a name
 * given by the user; NULL = every one) or all of them. Returns how many (at
 * most @max); -1 after an error naming @flag (@only is not virtio-net). */
int vn_find_ifs(const char *flag, const char *only, struct vn_if *out, int max);

/* An IRQ line of /proc/interrupts and its action names ("virtio0-input.0"). */
struct vn_irq {
	unsigned int irq;
	char name[48];
	int ifi;                /* index into the vn_if list, -1: given by --irqs */
};

/* The IRQs whose action name is the device's ("virtio0", "virtio0-input.0",
 * "virtio0-config", ...) for each interface, appended to @out (at most
 * @max); returns the new count. */
int vn_find_irqs(const struct vn_if *ifs, int nifs, struct vn_irq *out, int n, int max);
/* One /proc/interrupts line ("  24:  12  0  PCI-MSI 49153-edge  virtio0-input.0"):
 * its IRQ number and action names (the last column, after a run of two spaces;
 * "virtio0, uhci_hcd:usb1" on a shared line). False for the CPU header, NMI: ... */
bool vn_parse_interrupts_line(const char *line, unsigned int *irq, char *names, size_t len);
/* Does the action list @names name the virtio device @vdev ("virtio0", "virtio0-...")? */
bool vn_names_device(const char *names, const char *vdev);
/* The action names of IRQ @irq from /proc/interrupts ("" when not listed). */
void vn_irq_name(unsigned int irq, char *buf, size_t len);

#endif
