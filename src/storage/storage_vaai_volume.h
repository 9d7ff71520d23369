/*
 * storage_vaai_volume.h: crash-safe volume operations on a shared vaai pool
 *
 * Every operation records its intent in the volume's record before it
 * touches data, moves the data through the offload engine without holding
 * the metadata lease, and then records the outcome; a crash at any point
 * leaves a record that the next opener finishes or rolls back
 * (virStorageVaaiVolRecover, docs/format.md "Recovery").
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "storage_vaai_lease.h"
#include "storage_vaai_table.h"
#include "virscsireport.h"
#include "virscsipattern.h"

typedef enum {
    /* delete: zero the extent instead of unmapping it */
    VIR_STORAGE_VAAI_OP_ZERO = 1 << 0,
    /* wipe: unmap (trim) instead of zeroing; the volume may not read as
     * zeros afterwards where the LUN does not promise it */
    VIR_STORAGE_VAAI_OP_TRIM = 1 << 1,
    /* resize: a smaller capacity is allowed (data past it is lost) */
    VIR_STORAGE_VAAI_OP_SHRINK = 1 << 2,
    /* never move data through the host: fail where the array cannot */
    VIR_STORAGE_VAAI_OP_NO_HOST = 1 << 3,
    /* resize: keep the volume's extent where it is, i.e. fail a growth
     * that does not fit in place (a device in use points at it) */
    VIR_STORAGE_VAAI_OP_NO_MOVE = 1 << 4,
    /* move data through the host even where the array could (for
     * comparison, and to test the host paths on an array that offloads) */
    VIR_STORAGE_VAAI_OP_HOST_ONLY = 1 << 5,
} virStorageVaaiOpFlags;

typedef struct _virStorageVaaiOpOptions virStorageVaaiOpOptions;
struct _virStorageVaaiOpOptions {
    unsigned int flags;             /* virStorageVaaiOpFlags */
    unsigned int leaseWaitMs;       /* 0: 60 s */
    unsigned int inflight;          /* copy commands in flight; 0: engine default */
    /* The volume's UUID (its key).  Create, clone: the new volume's (the
     * caller made it known); NULL: random.  Delete, wipe, resize, rename:
     * act only if the volume of that name is this one (else NOT_FOUND),
     * so a caller that looked earlier never hits a newer namesake. */
    const uint8_t *uuid;
    /* wipe: overwrite the extent with this algorithm's passes, written by
     * the host (virSCSIPatternLookup), instead of zeroing it; not with
     * VIR_STORAGE_VAAI_OP_TRIM */
    const virSCSIPatternAlgorithm *algorithm;
};

int
virStorageVaaiVolCreate(virStorageVaaiSession *session,
                        const char *name,
                        uint64_t capacity,
                        const virStorageVaaiOpOptions *opts,
                        virSCSIReport *report,
                        virStorageVaaiVolRecord *out,
                        GError **error);

/* Clone @srcName of @srcPool (NULL: this pool; else another pool on the
 * same array) as @name; @capacity 0 keeps the source's, a larger one is
 * zero-filled past it. */
int
virStorageVaaiVolClone(virStorageVaaiSession *session,
                       virStorageVaaiPool *srcPool,
                       const char *srcName,
                       const char *name,
                       uint64_t capacity,
                       const virStorageVaaiOpOptions *opts,
                       virSCSIReport *report,
                       virStorageVaaiVolRecord *out,
                       GError **error);

int
virStorageVaaiVolWipe(virStorageVaaiSession *session,
                      const char *name,
                      const virStorageVaaiOpOptions *opts,
                      virSCSIReport *report,
                      GError **error);

int
virStorageVaaiVolDelete(virStorageVaaiSession *session,
                        const char *name,
                        const virStorageVaaiOpOptions *opts,
                        virSCSIReport *report,
                        GError **error);

int
virStorageVaaiVolResize(virStorageVaaiSession *session,
                        const char *name,
                        uint64_t capacity,
                        const virStorageVaaiOpOptions *opts,
                        virSCSIReport *report,
                        virStorageVaaiVolRecord *out,
                        GError **error);

int
virStorageVaaiVolRename(virStorageVaaiSession *session,
                        const char *name,
                        const char *newName,
                        const virStorageVaaiOpOptions *opts,
                        virStorageVaaiVolRecord *out,
                        GError **error);

/* Finish or roll back the operations of dead workers.  Workers whose
 * heartbeat is gone are handled at once; those whose heartbeat merely
 * stands still are watched for up to @waitMs (the lease timeout T decides
 * when they are dead).  Appends one line per record handled to @log
 * (char *) and returns how many were handled, or -1. */
int
virStorageVaaiVolRecover(virStorageVaaiSession *session,
                         unsigned int waitMs,
                         const virStorageVaaiOpOptions *opts,
                         virSCSIReport *report,
                         GPtrArray *log,
                         GError **error);

/* One pass of recovery while the pool runs (a libvirt pool's watch
 * thread): @watcher is the caller's, updated every heartbeat or so for as
 * long as the pool runs, so it already knows which workers stood still
 * for T.  Every busy record whose worker it holds dead, or that is this
 * process's own and no operation of it works on, is finished or rolled
 * back; nothing is waited for.  Returns how many were handled, or -1. */
int
virStorageVaaiVolRecoverPass(virStorageVaaiSession *session,
                             virStorageVaaiWatcher *watcher,
                             GPtrArray *log,
                             GError **error);

/* Whether @table (just read) holds a record virStorageVaaiVolRecoverPass
 * would handle: a cheap test before the pass reads the table itself. */
bool
virStorageVaaiVolNeedsRecovery(virStorageVaaiSession *session,
                               virStorageVaaiWatcher *watcher,
                               const virStorageVaaiTable *table);

/* Blocks of the volume's extent that the LUN reports mapped (GET LBA
 * STATUS); -1 with @error when the LUN does not report it. */
int
virStorageVaaiVolAllocation(virStorageVaaiPool *pool,
                            const virStorageVaaiVolRecord *rec,
                            uint64_t *mappedBlocks,
                            GError **error);

/* Testing hook: with VIR_STORAGE_VAAI_CRASH_AT=POINT[:N] in the
 * environment, the process kills itself (SIGKILL) the Nth time (default
 * first) it passes POINT, e.g. "create.intent".  Crash tests use it to
 * stop a process exactly between two steps of an operation. */
void
virStorageVaaiCrashPoint(const char *point);
