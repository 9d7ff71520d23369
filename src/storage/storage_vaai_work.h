/*
 * storage_vaai_work.h: one volume operation in progress, the transaction
 *                      machinery that every operation and recovery share
 *
 * An operation (storage_vaai_volume.c, storage_vaai_resize.c) reads as a
 * script over these steps: take the lease and read the table
 * (WorkLease), decide and write the intent (WorkClaimNew, WorkBegin or a
 * SwapLeased of its own), give the lease back (WorkUnlease), move the
 * data with the fence checked before every command (WorkMove), and write
 * the final state (WorkSwapOwn with an Edit).  Recovery
 * (storage_vaai_recover.c) runs the same finishing steps for a dead
 * worker's record.  Internal to the pool library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "storage_vaai_volume.h"

typedef struct _virStorageVaaiWork virStorageVaaiWork;
struct _virStorageVaaiWork {
    virStorageVaaiSession *s;
    virStorageVaaiPool *pool;
    virStorageVaaiTable *table;
    const virStorageVaaiOpOptions *opts;
    virSCSIReport *report;          /* the caller's: the sum of all phases */
    const char *what;               /* "create", "clone", ... */
    bool leased;
    uint64_t epoch;                 /* the session's fence epoch at the start, or
                                     * when its first lease was verified */
    bool leasedOnce;                /* the first lease was taken */
    virSCSILun *lun;                /* the pool's LUN, every write fenced */
    int idx;                        /* the record worked on, or -1 */
    int registered;                 /* the record the session knows we work on, or -1 */

    /* data movement, shared with the engine's progress callback */
    GMutex lock;
    virSCSIReport *phase;           /* the engine call running */
    uint64_t base;                  /* blocks done by earlier phases */
    uint64_t total;                 /* blocks of all phases */
    gint64 persistedUs;
    bool lost;                      /* fenced, or the record was taken */
    GError *lostError;

    /* VIR_STORAGE_VAAI_MOVE_FILL: the pass to write */
    const virSCSIPatternPass *fillPass;
    uint32_t fillIndex;
    uint8_t fillKey[VIR_SCSI_PATTERN_KEY_LEN];
};

typedef enum {
    VIR_STORAGE_VAAI_MOVE_ZERO,
    VIR_STORAGE_VAAI_MOVE_UNMAP,        /* must read as zeros */
    VIR_STORAGE_VAAI_MOVE_TRIM,         /* unmap; zeros not needed */
    VIR_STORAGE_VAAI_MOVE_COPY,
    VIR_STORAGE_VAAI_MOVE_FILL,         /* w->fillPass, by the host */
} virStorageVaaiMove;

/* ---- Life of an operation ---- */

void
virStorageVaaiWorkInit(virStorageVaaiWork *w,
                       virStorageVaaiSession *s,
                       const virStorageVaaiOpOptions *opts,
                       virSCSIReport *report,
                       const char *what);

void
virStorageVaaiWorkClear(virStorageVaaiWork *w);

/* Take the lease and read the table under it; give it back. */
int
virStorageVaaiWorkLease(virStorageVaaiWork *w,
                        GError **error);

void
virStorageVaaiWorkUnlease(virStorageVaaiWork *w);

/* Tell the session which record this operation works on (-1: none). */
void
virStorageVaaiWorkRegister(virStorageVaaiWork *w,
                           int idx);

/* ---- Records ---- */

/* Name this process as @rec's worker; clear the worker and the intent. */
void
virStorageVaaiSetWorker(virStorageVaaiWork *w,
                        virStorageVaaiVolRecord *rec);

void
virStorageVaaiClearWorker(virStorageVaaiVolRecord *rec);

bool
virStorageVaaiIsWorker(virStorageVaaiSession *s,
                       const virStorageVaaiVolRecord *rec);

/* Write @next over record @idx under the lease (fresh, verified). */
int
virStorageVaaiWorkSwapLeased(virStorageVaaiWork *w,
                             uint32_t idx,
                             virStorageVaaiVolRecord *next,
                             GError **error);

/* SwapLeased of a mark (a busy state, a new name), refused and put back
 * when a domain holds the volume open (storage_vaai_hold.h). */
int
virStorageVaaiWorkSwapMarked(virStorageVaaiWork *w,
                             uint32_t idx,
                             virStorageVaaiVolRecord *next,
                             const char *name,
                             GError **error);

/* Change our own busy record w->idx with @edit, without the lease. */
int
virStorageVaaiWorkSwapOwn(virStorageVaaiWork *w,
                          void (*edit)(virStorageVaaiVolRecord *rec, void *opaque),
                          void *opaque,
                          GError **error);

/* Edits for WorkSwapOwn: ready (worker cleared), free, orphan (left to
 * recovery). */
void
virStorageVaaiEditReady(virStorageVaaiVolRecord *rec,
                        void *opaque G_GNUC_UNUSED);

void
virStorageVaaiEditFree(virStorageVaaiVolRecord *rec,
                       void *opaque G_GNUC_UNUSED);

void
virStorageVaaiEditOrphan(virStorageVaaiVolRecord *rec,
                         void *opaque G_GNUC_UNUSED);

/* After a failed data phase: roll back with @edit, else orphan. */
void
virStorageVaaiWorkAbandon(virStorageVaaiWork *w,
                          void (*edit)(virStorageVaaiVolRecord *rec, void *opaque));

/* ---- Data ---- */

/* One engine call, fenced before every command and reported. */
int
virStorageVaaiWorkMove(virStorageVaaiWork *w,
                       virStorageVaaiMove move,
                       virStorageVaaiPool *src,
                       uint64_t srcLba,
                       uint64_t lba,
                       uint64_t nblocks,
                       GError **error);

/* Trim (or with @zero, zero) space being given up. */
int
virStorageVaaiWorkRelease(virStorageVaaiWork *w,
                          uint64_t lba,
                          uint64_t nblocks,
                          bool zero,
                          GError **error);

/* ---- Decisions under the lease ---- */

int
virStorageVaaiWorkFind(virStorageVaaiWork *w,
                       const char *name,
                       const uint8_t *uuid,
                       bool allowBroken,
                       GError **error);

bool
virStorageVaaiWorkNotCloneSource(virStorageVaaiWork *w,
                                 int idx,
                                 GError **error);

int
virStorageVaaiWorkAllocate(virStorageVaaiWork *w,
                           uint64_t length,
                           uint64_t *start,
                           GError **error);

/* The extent length of @capacity bytes (aligned); capacities in whole
 * blocks. */
uint64_t
virStorageVaaiWorkBlocks(virStorageVaaiWork *w,
                         uint64_t capacity);

uint64_t
virStorageVaaiRoundCapacity(uint64_t capacity,
                            uint32_t blockSize);

/* Claim a free record for a new volume (name unique, extent found). */
int
virStorageVaaiWorkClaimNew(virStorageVaaiWork *w,
                           const char *name,
                           uint64_t capacity,
                           virStorageVaaiVolState state,
                           virStorageVaaiVolRecord *rec,
                           GError **error);

/* Mark ready volume @name busy with @state under the lease. */
int
virStorageVaaiWorkBegin(virStorageVaaiWork *w,
                        const char *name,
                        virStorageVaaiVolState state,
                        bool allowBroken,
                        GError **error);

/* ---- Finishing steps, of an operation or of recovery ---- */

/* Zero, trim or overwrite the busy volume's extent, then ready. */
int
virStorageVaaiWorkWipe(virStorageVaaiWork *w,
                       bool trim,
                       const virSCSIPatternAlgorithm *alg,
                       GError **error);

/* Trim (or zero) a deleted volume's extent, then free the record. */
int
virStorageVaaiWorkDelete(virStorageVaaiWork *w,
                         bool zero,
                         GError **error);

/* Trim a releasing volume's intent extent, then ready. */
int
virStorageVaaiWorkFinishRelease(virStorageVaaiWork *w,
                                GError **error);
