/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The i440FX PCI host bridge of the pc machine.
 */
#ifndef HW_PCI_HOST_I440FX_H
#define HW_PCI_HOST_I440FX_H

#include "hw/pci/pci.h"

#define TYPE_I440FX_PCI_HOST "i440FX-pcihost"
#define TYPE_I440FX_PCI_DEVICE "i440FX"

/* The root bus the host device created at realize. */
PCIBus *i440fx_host_bus(DeviceState *host);

#endif
