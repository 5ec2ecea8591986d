/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest accelerator: a machine with no vCPUs whose virtual clock
 * stands still until the qtest client steps it (clock_step, clock_set).
 */
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
