/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The machine's display card as -vga chooses it.
 */
#ifndef HW_DISPLAY_VGA_H
#define HW_DISPLAY_VGA_H

#include <stdbool.h>

#include "hw/pci/pci.h"

/* The card -vga std makes. */
#define TYPE_VGA_PCI "VGA"

/* "std" or "none"; the command line sets it before the machine exists. */
void vga_interface_set(const char *type);
/* Creates the chosen card on @bus (nothing for "none"). */
bool vga_interface_create(PCIBus *bus, Error **errp);

#endif
