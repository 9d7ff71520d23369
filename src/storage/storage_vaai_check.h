/*
 * storage_vaai_check.h: consistency check of a vaai pool's volume table
 *                       (pure: works on a table already read)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "storage_vaai_table.h"

typedef struct _virStorageVaaiCheck virStorageVaaiCheck;
struct _virStorageVaaiCheck {
    GPtrArray *errors;          /* char *: the pool is inconsistent */
    GPtrArray *notes;           /* char *: worth knowing, not wrong */
    uint32_t ready;             /* volumes by state */
    uint32_t busy;              /* an operation in progress */
    uint32_t orphans;           /* ...whose worker is dead: 'pool repair' */
    uint32_t broken;
    uint32_t opaque;            /* corrupt, foreign or unknown-version records */
    uint64_t dataBlocks;        /* the data area */
    uint64_t usedBlocks;        /* held by some record */
    uint64_t freeBlocks;        /* held by none */
    uint64_t largestFree;       /* aligned */
    uint64_t orphanBlocks;      /* held only by records of dead workers */
};

void
virStorageVaaiCheckClear(virStorageVaaiCheck *check);

/* Whether the worker of busy record @rec is dead (for orphan counts);
 * NULL: nobody is taken as dead. */
typedef bool (*virStorageVaaiDeadFunc)(const virStorageVaaiVolRecord *rec,
                                       void *opaque);

/* Check @table against @header: extents inside the data area and
 * aligned, no two records' extents overlapping, names and UUIDs unique,
 * free records empty, no record that cannot be read; and count space. */
void
virStorageVaaiCheckTable(const virStorageVaaiHeader *header,
                         const virStorageVaaiTable *table,
                         virStorageVaaiDeadFunc dead,
                         void *opaque,
                         virStorageVaaiCheck *check);
