/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Phase 1's names table: what the command line declares and who uses it.
 * It holds names only; phase 2 finds the real objects by the same names.
 */
#include <glib.h>

#include "hw/qdev-refs.h"

typedef struct QdevRef {
    unsigned max_users;         /* QDEV_REF_SHARED: no limit */
    unsigned users;
} QdevRef;

static GHashTable *refs[QDEV_REF__MAX];  /* name -> QdevRef */

static QdevRef *qdev_ref_lookup(QdevRefKind kind, const char *id)
{
    return refs[kind] ? g_hash_table_lookup(refs[kind], id) : NULL;
}

void qdev_ref_declare(QdevRefKind kind, const char *id, unsigned max_users)
{
    QdevRef *ref = g_new0(QdevRef, 1);

    if (!refs[kind]) {
        refs[kind] = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           g_free);
    }
    ref->max_users = max_users;
    g_hash_table_replace(refs[kind], g_strdup(id), ref);
}

bool qdev_ref_declared(QdevRefKind kind, const char *id)
{
    return qdev_ref_lookup(kind, id) != NULL;
}

bool qdev_ref_shared(QdevRefKind kind, const char *id)
{
    QdevRef *ref = qdev_ref_lookup(kind, id);

    return ref && ref->max_users != 1;
}

QdevRefClaim qdev_ref_claim(QdevRefKind kind, const char *id,
                            bool must_exist)
{
    QdevRef *ref = qdev_ref_lookup(kind, id);

    if (!ref && must_exist) {
        return QDEV_REF_MISSING;
    }
    if (!ref) {
        qdev_ref_declare(kind, id, 1);
        ref = qdev_ref_lookup(kind, id);
    }
    if (ref->max_users != QDEV_REF_SHARED && ref->users >= ref->max_users) {
        return QDEV_REF_IN_USE;
    }
    ref->users++;
    return QDEV_REF_CLAIMED;
}

void qdev_refs_reset(void)
{
    for (int i = 0; i < QDEV_REF__MAX; i++) {
        if (refs[i]) {
            g_hash_table_destroy(refs[i]);
            refs[i] = NULL;
        }
    }
}
