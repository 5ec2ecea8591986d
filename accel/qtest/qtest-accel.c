/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest accelerator: a machine with no vCPUs whose virtual clock
 * stands still until the qtest client steps it (clock_step, clock_set).
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/mman.h>

#include "hw/i386/e820.h"
#include "hw/i386/guest-memory.h"
#include "quokka/timer.h"
#include "sysemu/accel.h"
#include "sysemu/qtest.h"

static bool qtest_accel_active;

bool qtest_enabled(void)
{
    return qtest_accel_active;
}

static bool qtest_accel_init_machine(AccelState *accel, MachineState *ms,
                                     Error **errp)
{
    clock_virtual_set_manual(true);
    qtest_accel_active = true;
    return true;
}

/*
 * Guest RAM in plain anonymous memory: no KVM slots, but loaders, device
 * DMA and the memory commands see it as they would under kvm.
 */
static bool qtest_accel_ram_init(AccelState *accel, const X86MemLayout *l,
                                 GuestMemory *mem, Error **errp)
{
    uint8_t *host = mmap(NULL, l->ram_size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    if (host == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot allocate %" PRIu64 " bytes of "
                         "guest RAM", l->ram_size);
        return false;
    }
    guest_memory_init(mem);
    if (!guest_memory_add(mem, 0, l->below_4g, host, errp) ||
        (l->above_4g && !guest_memory_add(mem, X86_4G, l->above_4g,
                                          host + l->below_4g, errp))) {
        munmap(host, l->ram_size);
        return false;
    }
    return true;
}

/* Nothing runs guest code: there are no vCPUs to create or start. */
static bool qtest_accel_start_vcpus(AccelState *accel, MachineState *ms,
                                    Error **errp)
{
    return true;
}

static void qtest_accel_class_init(ObjectClass *klass, const void *data)
{
    AccelClass *ac = (AccelClass *)klass;

    ac->name = "qtest";
    ac->init_machine = qtest_accel_init_machine;
    ac->start_vcpus = qtest_accel_start_vcpus;
    ac->ram_init = qtest_accel_ram_init;
}

static const TypeInfo qtest_accel_type_info = {
    .name = "qtest" ACCEL_TYPE_SUFFIX,
    .parent = TYPE_ACCEL,
    .class_init = qtest_accel_class_init,
};

static void qtest_accel_register_types(void)
{
    type_register_static(&qtest_accel_type_info);
}

type_init(qtest_accel_register_types)
