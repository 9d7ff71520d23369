/*
 * storage_vaai_table.h: the volume table of a vaai pool, as read from the
 *                       LUN, and the one way to change a record of it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "storage_vaai_alloc.h"
#include "storage_vaai_pool.h"

typedef struct _virStorageVaaiTable virStorageVaaiTable;
struct _virStorageVaaiTable {
    uint32_t blockSize;
    uint32_t count;                         /* N, from the header */
    uint64_t dataLba;                       /* the data area, from the header: */
    uint64_t dataEndLba;                    /* a record outside it is CORRUPT */
    uint8_t *raw;                           /* count blocks, as last read or written */
    virStorageVaaiVolRecord *recs;          /* decoded (zero unless VALID) */
    virStorageVaaiRecordStatus *status;
    char **errors;                          /* why a record is CORRUPT/FOREIGN, or NULL */
};

virStorageVaaiTable *
virStorageVaaiTableNew(const virStorageVaaiHeader *header);

void
virStorageVaaiTableFree(virStorageVaaiTable *table);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStorageVaaiTable, virStorageVaaiTableFree);

/* Pure: decode @block as record @idx. */
void
virStorageVaaiTableLoad(virStorageVaaiTable *table,
                        uint32_t idx,
                        const uint8_t *block);

/* Read the whole table, or one record, from the LUN.  In a journaled pool
 * (INCOMPAT_JOURNAL), the whole table is the pool's cache brought up to
 * date by the journal: the lease record, the records changed since this
 * process last read it, and the busy ones (docs/format.md "The table
 * journal"). */
int
virStorageVaaiTableRead(virStorageVaaiPool *pool,
                        virStorageVaaiTable *table,
                        GError **error);

int
virStorageVaaiTableReadOne(virStorageVaaiPool *pool,
                           virStorageVaaiTable *table,
                           uint32_t idx,
                           GError **error);

/* Read and decode record @idx alone, without a table: its status (@rec
 * holds the record when it is VIR_STORAGE_VAAI_RECORD_VALID), or -1 when
 * the block cannot be read. */
int
virStorageVaaiTableReadRecord(virStorageVaaiPool *pool,
                              uint32_t idx,
                              virStorageVaaiVolRecord *rec,
                              GError **error);

/* Replace record @idx by @next with one COMPARE AND WRITE from the bytes
 * last read; @next's sequence and modification time are set here.  A
 * lost reply is settled by reading the record back.  Returns 0 when
 * replaced (the table then holds @next), 1 on a miscompare (the table then
 * holds what the LUN has), -1 on error. */
int
virStorageVaaiTableSwap(virStorageVaaiPool *pool,
                        virStorageVaaiTable *table,
                        uint32_t idx,
                        virStorageVaaiVolRecord *next,
                        GError **error);

/* Replace record @idx by an empty block, with one COMPARE AND WRITE from
 * the bytes last read (pool repair --discard-unreadable: a record that
 * cannot be read has no sequence to go on from).  0, 1 on a miscompare,
 * -1 on error. */
int
virStorageVaaiTableDiscard(virStorageVaaiPool *pool,
                           virStorageVaaiTable *table,
                           uint32_t idx,
                           GError **error);

/* A record that holds space or a name: anything but empty or free.
 * Corrupt, foreign and unknown-version records count as in use. */
bool
virStorageVaaiTableInUse(const virStorageVaaiTable *table,
                         uint32_t idx);

/* A record whose extents cannot be known (corrupt, foreign, unknown
 * version): allocation stops while one exists. */
bool
virStorageVaaiTableOpaque(const virStorageVaaiTable *table,
                          uint32_t idx);

/* Index of the valid, in-use record named @name or with @uuid; -1. */
int
virStorageVaaiTableFindName(const virStorageVaaiTable *table,
                            const char *name);

int
virStorageVaaiTableFindUuid(const virStorageVaaiTable *table,
                            const uint8_t *uuid);

/* Read @pool's table and find the volume @uuid (when given) or @name,
 * without the lease: its index and record, or -1 with NOT_FOUND naming
 * @name (or with the read's error). */
int
virStorageVaaiTableLookup(virStorageVaaiPool *pool,
                          const char *name,
                          const uint8_t *uuid,
                          virStorageVaaiVolRecord *rec,
                          GError **error);

/* Index of an empty or free record; -1 when the table is full. */
int
virStorageVaaiTableFindFree(const virStorageVaaiTable *table);

/* The extents held by valid in-use records (the extent and, while an
 * operation runs, the intent extent), sorted by start. */
virStorageVaaiExtent *
virStorageVaaiTableUsedExtents(const virStorageVaaiTable *table,
                               size_t *nused);

/* Whether a listing of the pool shows record @idx differently in @after
 * than in @before: a volume appeared or went, or changed state, name,
 * capacity or extent; a record became readable or unreadable.  Progress
 * and sequence alone are no change (a worker writes them every second).
 * The tables must have the same count. */
bool
virStorageVaaiTableRecordChanged(const virStorageVaaiTable *before,
                                 const virStorageVaaiTable *after,
                                 uint32_t idx);

/* Whether @state is one in which an operation is in progress. */
bool
virStorageVaaiVolStateBusy(virStorageVaaiVolState state);
