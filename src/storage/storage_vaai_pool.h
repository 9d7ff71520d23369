/*
 * storage_vaai_pool.h: formatting a LUN as a vaai pool and opening it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "storage_vaai_format.h"
#include "virscsilun.h"

typedef struct _virStorageVaaiFormatOptions virStorageVaaiFormatOptions;
struct _virStorageVaaiFormatOptions {
    const char *name;               /* pool name */
    const uint8_t *hostUuid;        /* the formatting host */
    bool force;                     /* overwrite another signature */
    bool singleHost;                /* allowed without COMPARE AND WRITE */
    bool reservations;              /* fence hosts by persistent reservation */
    uint32_t volumeRecords;         /* 0: default */
    uint64_t leaseTimeoutMs;        /* 0: default */
    uint64_t heartbeatIntervalMs;   /* 0: default */
    uint32_t alignmentBytes;        /* extent alignment; 0: 1 MiB or more */
};

typedef struct _virStorageVaaiPool virStorageVaaiPool;
struct _virStorageVaaiPool {
    virSCSILun *lun;                /* not owned */
    virStorageVaaiHeader header;
    bool singleHost;                /* no COMPARE AND WRITE on this LUN */
    GPtrArray *warnings;            /* char *: e.g. a damaged header copy */

    /* Fencing by persistent reservation (INCOMPAT_RESERVATIONS): the key
     * this process registers on every session it opens to the LUN
     * (storage_vaai_fence.h); 0 until it joins. */
    GMutex fenceLock;
    uint64_t fenceKey;

    /* The volume table as this process last read or wrote it, and which
     * records it changed since it last released the metadata lease: the
     * release journals them (storage_vaai_table.c, "The table journal" in
     * docs/format.md).  Protected by tableLock. */
    GMutex tableLock;
    struct _virStorageVaaiTable *tableCache;    /* NULL: nothing read yet */
    bool tableCacheKnown;                       /* tableCacheGeneration holds */
    uint64_t tableCacheGeneration;              /* the journal's, when read */
    GArray *tableChanged;                       /* uint32_t record indices */
};

/* The extent alignment a LUN wants: at least 1 MiB, a multiple of its
 * unmap granularity and copy segment granularity, a power of two. */
uint32_t
virStorageVaaiPoolAlignment(const virSCSILun *lun,
                            uint32_t minBytes);

/* How the pool keeps a host presumed dead from writing, in words:
 * "reservation" (persistent reservation, storage_vaai_fence.h),
 * "heartbeat" (each host stops itself when its fence runs out) or
 * "single host". */
const char *
virStorageVaaiPoolFencing(const virStorageVaaiPool *pool);

/* A random (version 4) UUID: pools, volumes. */
void
virStorageVaaiRandomUuid(uint8_t *uuid);

/* Where the LUN's unmap granules start, modulo @alignmentBlocks: extents
 * aligned from there give back whole granules when unmapped. */
uint32_t
virStorageVaaiPoolAlignmentOffset(const virSCSILun *lun,
                                  uint32_t alignmentBlocks);

/* Pure: the layout of a new pool on a LUN of @capacity blocks, its data
 * area (and so every extent) starting @alignmentOffset past a multiple of
 * @alignmentBlocks. */
int
virStorageVaaiPoolLayout(virStorageVaaiHeader *header,
                         uint32_t blockSize,
                         uint64_t capacity,
                         uint32_t alignmentBlocks,
                         uint32_t alignmentOffset,
                         uint32_t volumeRecords,
                         GError **error);

int
virStorageVaaiPoolFormat(virSCSILun *lun,
                         const virStorageVaaiFormatOptions *opts,
                         virStorageVaaiHeader *header,
                         GError **error);

virStorageVaaiPool *
virStorageVaaiPoolOpen(virSCSILun *lun,
                       bool forWrite,
                       GError **error);

void
virStorageVaaiPoolFree(virStorageVaaiPool *pool);

/* Change header copy @lba (0 or 1) by COMPARE AND WRITE from the exact
 * bytes read: @flags set in incompat, and the format minor raised to
 * @minor (0: kept).  A copy that changed meanwhile is CHANGED (@doing says
 * what was going on, for the message); one that does not decode cannot
 * be changed. */
int
virStorageVaaiPoolUpdateHeader(virStorageVaaiPool *pool,
                               uint64_t lba,
                               uint32_t incompat,
                               uint16_t minor,
                               const char *doing,
                               GError **error);

/* Whether hosts journal their changes of the volume table in the lease
 * record (INCOMPAT_JOURNAL). */
bool
virStorageVaaiPoolJournaled(const virStorageVaaiPool *pool);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStorageVaaiPool, virStorageVaaiPoolFree);

/* Read @count metadata blocks from @lba, each a whole write of its
 * record: a read torn by a COMPARE AND WRITE in flight is read again
 * (see the .c file). */
int
virStorageVaaiPoolReadRecords(virSCSILun *lun,
                              uint64_t lba,
                              uint32_t count,
                              uint8_t *buf,
                              GError **error);

/* Read (as above) or COMPARE AND WRITE one metadata block (single-host
 * pools write plainly). */
int
virStorageVaaiPoolReadBlock(virSCSILun *lun,
                            uint64_t lba,
                            uint8_t *block,
                            GError **error);

/* Replace one metadata block if it still holds @expected (COMPARE AND
 * WRITE; single-host pools write plainly).  Returns 0 when replaced, 1 on
 * a miscompare, -1 on error.  ...Via sends it over @lun, a view of the
 * pool's LUN (the heartbeat's own session). */
int
virStorageVaaiPoolSwapBlockVia(virStorageVaaiPool *pool,
                               virSCSILun *lun,
                               uint64_t lba,
                               const uint8_t *expected,
                               const uint8_t *replacement,
                               GError **error);

int
virStorageVaaiPoolSwapBlock(virStorageVaaiPool *pool,
                            uint64_t lba,
                            const uint8_t *expected,
                            const uint8_t *replacement,
                            GError **error);
