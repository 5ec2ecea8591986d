/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Phase 1's table of the objects the command line will make (chardevs,
 * drives, I/O threads...) and of their users, so that a reference to a
 * missing or already taken object is refused before anything exists.
 */
#ifndef HW_QDEV_REFS_H
#define HW_QDEV_REFS_H

#include <stdbool.h>

typedef enum QdevRefKind {
    QDEV_REF_CHARDEV,
    QDEV_REF_DRIVE,
    QDEV_REF_NETDEV,
    QDEV_REF_IOTHREAD,
    QDEV_REF_BOOTINDEX,
    QDEV_REF__MAX,
} QdevRefKind;

typedef enum QdevRefClaim {
    QDEV_REF_CLAIMED,           /* the use is recorded */
    QDEV_REF_MISSING,           /* nothing of that name is declared */
    QDEV_REF_IN_USE,            /* it has all the users it can take */
} QdevRefClaim;

/* No limit on users (an I/O thread serves any number of devices). */
#define QDEV_REF_SHARED 0u

/* Phase 1 will make @id of @kind, which takes at most @max_users users. */
void qdev_ref_declare(QdevRefKind kind, const char *id, unsigned max_users);
bool qdev_ref_declared(QdevRefKind kind, const char *id);
/* Whether @id takes more than one user (a mux chardev). */
bool qdev_ref_shared(QdevRefKind kind, const char *id);
/*
 * Records one user of @id.  For a kind nothing declares (bootindex, and
 * netdev, whose names its own property checks), an unknown @id is
 * declared on first use with one user.
 */
QdevRefClaim qdev_ref_claim(QdevRefKind kind, const char *id,
                            bool must_exist);
void qdev_refs_reset(void);

#endif
