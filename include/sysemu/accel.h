/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Accelerators (-accel): kvm (the host's /dev/kvm or quokka.ko) and qtest.
 * An accelerator's type name is "<name>-accel".
 */
#ifndef SYSEMU_ACCEL_H
#define SYSEMU_ACCEL_H

#include "qom/object.h"
#include "hw/boards.h"

#define TYPE_ACCEL "accel"
#define ACCEL_TYPE_SUFFIX "-accel"

typedef struct X86MemLayout X86MemLayout;
typedef struct GuestMemory GuestMemory;
typedef struct X86EntryState X86EntryState;

typedef struct AccelState {
    Object parent_obj;
} AccelState;

typedef struct AccelClass {
    ObjectClass parent_class;
    const char *name;
    /* Sets up the accelerator for @ms; called before the board is built. */
    bool (*init_machine)(AccelState *accel, MachineState *ms, Error **errp);
    /* After the board is built: create and start vCPU threads (paused). */
    bool (*start_vcpus)(AccelState *accel, MachineState *ms, Error **errp);
    /* Guest RAM laid out as @layout, described in @mem for loaders/DMA. */
    bool (*ram_init)(AccelState *accel, const X86MemLayout *layout,
                     GuestMemory *mem, Error **errp);
    /*
     * Power-on state for every vCPU; vCPU 0 then takes @entry when not
     * NULL (direct kernel boot).  Context: vCPUs paused.
     */
    bool (*cpus_reset)(AccelState *accel, const X86EntryState *entry,
                       Error **errp);
    /*
     * Optional: maps @size bytes at @host as read-only guest memory at
     * @gpa (the firmware ROM below 4 GiB).  @host stays the caller's.
     */
    bool (*map_rom)(AccelState *accel, uint64_t gpa, uint64_t size,
                    void *host, Error **errp);
    /*
     * Optional: maps (or moves, or with @gpa UINT64_MAX unmaps) read-only
     * memory that appears at run time, such as a PCI ROM BAR, so guest
     * reads need no exit.  *@slot starts at -1.  @host is page-aligned.
     */
    bool (*move_rom)(AccelState *accel, int *slot, uint64_t gpa,
                     uint64_t size, void *host, Error **errp);
    /* Drives global system interrupt @gsi (ISA IRQ n is GSI n). */
    void (*set_gsi)(AccelState *accel, int gsi, int level);
    /* Delivers a message-signalled interrupt (optional). */
    void (*send_msi)(AccelState *accel, uint64_t addr, uint32_t data);
    /*
     * Optional: an eventfd each write of which delivers the message
     * @addr/@data without a trip through the VMM (KVM: an MSI route and
     * an irqfd).  Returns the fd and sets *@route, or -1 with @errp set
     * when the accelerator cannot (no in-kernel irqchip, no routing).
     * update changes the message behind @route; del unbinds and closes
     * @fd and frees @route.  Context: BQL.
     */
    int (*msi_irqfd_add)(AccelState *accel, uint64_t addr, uint32_t data,
                         int *route, Error **errp);
    bool (*msi_irqfd_update)(AccelState *accel, int route, uint64_t addr,
                             uint32_t data, Error **errp);
    void (*msi_irqfd_del)(AccelState *accel, int fd, int route);
    /*
     * Optional: guest writes of @len bytes to MMIO @addr signal eventfd
     * @fd instead of exiting (@assign false removes the binding).
     */
    bool (*set_ioeventfd)(AccelState *accel, int fd, uint64_t addr,
                          unsigned len, bool assign, Error **errp);
    /*
     * Optional: guest writes of @len bytes of value @data to I/O port
     * @port signal eventfd @fd instead of exiting (@assign false removes
     * the binding); other values still exit.
     */
    bool (*set_pio_ioeventfd)(AccelState *accel, int fd, uint64_t port,
                              unsigned len, uint64_t data, bool assign,
                              Error **errp);
    /*
     * Optional: true when the accelerator emulates the PIC, IOAPIC and
     * LAPICs itself (KVM's in-kernel irqchip), respectively the PIT; the
     * machine creates userspace ones otherwise.  Valid after init_machine.
     */
    bool (*kernel_irqchip)(AccelState *accel);
    bool (*kernel_pit)(AccelState *accel);
    /* Stops vCPU threads for good before exit.  Context: BQL. */
    void (*shutdown)(AccelState *accel);
} AccelClass;

static inline AccelState *to_accel(Object *obj)
{
    return (AccelState *)object_check_type(obj, TYPE_ACCEL);
}

static inline AccelClass *accel_get_class(AccelState *a)
{
    return (AccelClass *)object_class_check(a->parent_obj.klass, TYPE_ACCEL);
}

AccelClass *accel_find(const char *name);
void accel_print_help(void);
AccelState *current_accel(void);
void current_accel_set(AccelState *accel);

#endif
