/*
 * virscsioffloadparallel.h: one range, cut into chunks, run by workers
 *                           with a session each (private to the engine)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsioffloadpriv.h"

/* Runs blocks [@off, @off + @len) of the range on @worker's sessions. */
typedef int (*virSCSIParallelChunkFunc)(void *worker,
                                        uint64_t off,
                                        uint64_t len,
                                        GError **error);

typedef struct _virSCSIParallel virSCSIParallel;
struct _virSCSIParallel {
    virSCSILun *lun;            /* whose extra sessions the workers use */
    virSCSILun *lun2;           /* a second LUN each worker has a session of
                                 * (a copy's source), or NULL */
    size_t workers;             /* at most this many at once (>= 1) */
    uint64_t chunkBlocks;       /* blocks a chunk, whole granules */
    uint64_t lba;               /* where the range starts on the LUN: chunks
                                 * end on granule boundaries of the LUN
                                 * (LBA % granularity == alignment) */
    uint64_t granularity;
    uint64_t alignment;
    virSCSIParallelChunkFunc run;
    void *opaque;               /* passed to run() with the worker's session */
    virSCSIReport *report;
    uint64_t resumeBase;        /* blocks done before this range began */
};

/* What run() gets as @worker. */
typedef struct _virSCSIParallelWorker virSCSIParallelWorker;
struct _virSCSIParallelWorker {
    void *opaque;
    virSCSITransport *transport;    /* the LUN's own, or one of its own */
    virSCSITransport *transport2;   /* lun2's likewise, or NULL */
};

int
virSCSIParallelRun(const virSCSIParallel *p,
                   uint64_t nblocks,
                   uint64_t *done,
                   GError **error);
