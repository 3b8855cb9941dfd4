// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* /proc/interrupts lines and virtio device names (src/tools/virt/virtnet_common.c). */
#include "unit.h"
#include "../../src/tools/virt/virtnet_common.h"

TEST(virtnet_interrupts_line_msix)
{
	unsigned int irq = 0;
	char names[64];

	CHECK(vn_parse_interrupts_line(" 38:        779          0 PCI-MSIX-0000:00:05.0   1-edge      virtio2-input.0\n",
				       &irq, names, sizeof(names)));
	CHECK(irq == 38);
	CHECK(!strcmp(names, "virtio2-input.0"));
	CHECK(!vn_parse_interrupts_line("           CPU0       CPU1\n", &irq, names, sizeof(names)));
	CHECK(!vn_parse_interrupts_line("NMI:          0          0   Non-maskable interrupts\n",
					&irq, names, sizeof(names)));
}

TEST(virtnet_interrupts_line_shared)
{
	unsigned int irq = 0;
	char names[64];

	CHECK(vn_parse_interrupts_line(" 11:   5   0   IO-APIC  11-fasteoi   virtio1, uhci_hcd:usb1\n",
				       &irq, names, sizeof(names)));
	CHECK(irq == 11);
	CHECK(!strcmp(names, "virtio1, uhci_hcd:usb1"));
	CHECK(vn_names_device(names, "virtio1"));
	CHECK(!vn_names_device(names, "virtio11"));
}

TEST(virtnet_names_device)
{
	CHECK(vn_names_device("virtio0-input.0", "virtio0"));
	CHECK(vn_names_device("virtio0-config", "virtio0"));
	CHECK(vn_names_device("virtio0", "virtio0"));
	CHECK(!vn_names_device("virtio10-input.0", "virtio1"));
	CHECK(!vn_names_device("xvirtio0-input.0", "virtio0"));
	CHECK(vn_names_device("ahci, virtio3-output.1", "virtio3"));
}
