/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "none" machine: no CPUs, no devices; a container for -device tests,
 * QMP and qtest, as QEMU's -M none.  Like QEMU's, it has RAM at address 0
 * only when -m is given.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/mman.h>

#include "hw/boards.h"
#include "hw/i386/guest-memory.h"
#include "hw/io-dispatch.h"

static GuestMemory none_machine_ram;

static bool none_machine_init(MachineState *ms, Error **errp)
{
    void *host;

    if (!ms->ram_size) {
        return true;
    }
    host = mmap(NULL, ms->ram_size, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot allocate %" PRIu64 " bytes of "
                         "RAM", ms->ram_size);
        return false;
    }
    guest_memory_init(&none_machine_ram);
    if (!guest_memory_add(&none_machine_ram, 0, ms->ram_size, host, errp)) {
        munmap(host, ms->ram_size);
        return false;
    }
    guest_ram_set(&none_machine_ram);
    return true;
}
static void none_machine_class_init(ObjectClass *klass, const void *data)
{
    MachineClass *mc = to_machine_class(klass);

    mc->name = "none";
    mc->desc = "empty machine";
    mc->max_cpus = 1;
    mc->default_ram_size = 0;
    mc->no_serial = true;
    mc->needs_accel = false;
    mc->init = none_machine_init;
}

static const TypeInfo none_machine_type_info = {
    .name = "none" MACHINE_TYPE_SUFFIX,
    .parent = TYPE_MACHINE,
    .class_init = none_machine_class_init,
};

static void none_machine_register_types(void)
{
    type_register_static(&none_machine_type_info);
}

type_init(none_machine_register_types)
