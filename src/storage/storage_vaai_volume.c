/*
 * storage_vaai_volume.c: the volume operations on a shared vaai pool, each
 *                        a script over storage_vaai_work.h: intent under
 *                        the lease, the data moved, the final state
 *
 * Resize is in storage_vaai_resize.c, recovery in storage_vaai_recover.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "storage_vaai_work.h"
#include "virscsierror.h"
#include "virscsioffload.h"


/* ---- Create ---- */

int
virStorageVaaiVolCreate(virStorageVaaiSession *s,
                        const char *name,
                        uint64_t capacity,
                        const virStorageVaaiOpOptions *opts,
                        virSCSIReport *report,
                        virStorageVaaiVolRecord *out,
                        GError **error)
{
    virStorageVaaiWork w;
    virStorageVaaiVolRecord rec = { 0 };
    int ret = -1;

    virStorageVaaiWorkInit(&w, s, opts, report, "create");
    if (!virStorageVaaiVolNameValid(name, error))
        goto cleanup;
    capacity = virStorageVaaiRoundCapacity(capacity, w.pool->header.blockSize);

    if (virStorageVaaiWorkLease(&w, error) < 0 ||
        virStorageVaaiWorkClaimNew(&w, name, capacity, VIR_STORAGE_VAAI_VOL_CREATING,
                                   &rec, error) < 0)
        goto cleanup;
    virStorageVaaiWorkUnlease(&w);
    virStorageVaaiCrashPoint("create.intent");

    /* The whole extent, so that a later grow in place finds zeros too. */
    w.total = rec.extentLength;
    if (virStorageVaaiWorkMove(&w, VIR_STORAGE_VAAI_MOVE_UNMAP, NULL, 0,
                               rec.extentStart, rec.extentLength, error) < 0) {
        virStorageVaaiWorkAbandon(&w, virStorageVaaiEditFree);
        goto cleanup;
    }
    virStorageVaaiCrashPoint("create.zeroed");

    if (virStorageVaaiWorkSwapOwn(&w, virStorageVaaiEditReady, NULL, error) < 0)
        goto cleanup;
    if (out)
        *out = w.table->recs[w.idx];
    ret = 0;

 cleanup:
    virStorageVaaiWorkClear(&w);
    return ret;
}


/* ---- Clone ---- */

/* Read the source's record: under our lease for this pool, plainly for
 * another pool (whose hosts coordinate with their own lease; the copy is
 * checked against the source's sequence afterwards). */
static int
virStorageVaaiReadSource(virStorageVaaiPool *src,
                         const char *srcName,
                         const uint8_t *uuid,
                         virStorageVaaiVolRecord *rec,
                         GError **error)
{
    int idx;

    if ((idx = virStorageVaaiTableLookup(src, srcName, uuid, rec, error)) < 0)
        return -1;
    if (rec->state != VIR_STORAGE_VAAI_VOL_READY) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY,
                    "volume '%s' is %s, not ready", srcName,
                    virStorageVaaiVolStateName(rec->state));
        return -1;
    }
    return idx;
}


int
virStorageVaaiVolClone(virStorageVaaiSession *s,
                       virStorageVaaiPool *srcPool,
                       const char *srcName,
                       const char *name,
                       uint64_t capacity,
                       const virStorageVaaiOpOptions *opts,
                       virSCSIReport *report,
                       virStorageVaaiVolRecord *out,
                       GError **error)
{
    virStorageVaaiWork w;
    virStorageVaaiVolRecord src = { 0 };
    virStorageVaaiVolRecord check = { 0 };
    virStorageVaaiVolRecord rec = { 0 };
    bool samePool;
    uint32_t bs;
    uint64_t srcBlocks;
    int srcIdx;
    int ret = -1;

    virStorageVaaiWorkInit(&w, s, opts, report, "clone");
    bs = w.pool->header.blockSize;
    samePool = !srcPool || srcPool == w.pool ||
        memcmp(srcPool->header.poolUuid, w.pool->header.poolUuid,
               VIR_STORAGE_VAAI_UUID_LEN) == 0;
    if (!srcPool)
        srcPool = w.pool;
    if (!virStorageVaaiVolNameValid(name, error))
        goto cleanup;
    if (srcPool->header.blockSize != bs) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "clone: pool '%s' has %u-byte blocks, pool '%s' %u-byte",
                    srcPool->header.name, srcPool->header.blockSize,
                    w.pool->header.name, bs);
        goto cleanup;
    }

    if (virStorageVaaiWorkLease(&w, error) < 0)
        goto cleanup;
    if (samePool) {
        if ((srcIdx = virStorageVaaiWorkFind(&w, srcName, NULL, false, error)) < 0)
            goto cleanup;
        src = w.table->recs[srcIdx];
    } else if ((srcIdx = virStorageVaaiReadSource(srcPool, srcName, NULL, &src, error)) < 0) {
        goto cleanup;
    }
    capacity = virStorageVaaiRoundCapacity(MAX(capacity, src.capacity), bs);
    memcpy(rec.parentUuid, src.uuid, VIR_STORAGE_VAAI_UUID_LEN);
    if (!samePool)
        memcpy(rec.parentPoolUuid, srcPool->header.poolUuid, VIR_STORAGE_VAAI_UUID_LEN);
    if (virStorageVaaiWorkClaimNew(&w, name, capacity, VIR_STORAGE_VAAI_VOL_CLONING,
                                   &rec, error) < 0)
        goto cleanup;
    virStorageVaaiWorkUnlease(&w);
    virStorageVaaiCrashPoint("clone.intent");

    srcBlocks = src.capacity / bs;
    w.total = rec.extentLength;
    if (virStorageVaaiWorkMove(&w, VIR_STORAGE_VAAI_MOVE_COPY, srcPool, src.extentStart,
                               rec.extentStart, srcBlocks, error) < 0 ||
        virStorageVaaiWorkMove(&w, VIR_STORAGE_VAAI_MOVE_UNMAP, NULL, 0,
                               rec.extentStart + srcBlocks,
                               rec.extentLength - srcBlocks, error) < 0) {
        virStorageVaaiWorkAbandon(&w, virStorageVaaiEditFree);
        goto cleanup;
    }
    virStorageVaaiCrashPoint("clone.copied");

    /* The source must not have changed while it was read.  In this pool
     * no host may wipe, delete, move or shrink it while our clone record
     * names it (a rename or a grow in place is harmless); another pool's
     * hosts do not see that record, so any change of its sequence counts.
     * Only its own record is read again: records do not move between
     * slots, so another volume in the slot, or none, is a change too. */
    if (virStorageVaaiTableReadRecord(srcPool, srcIdx, &check, error) !=
        VIR_STORAGE_VAAI_RECORD_VALID ||
        check.state != VIR_STORAGE_VAAI_VOL_READY ||
        memcmp(check.uuid, src.uuid, VIR_STORAGE_VAAI_UUID_LEN) != 0 ||
        check.extentStart != src.extentStart ||
        (!samePool && check.sequence != src.sequence)) {
        if (error && !*error)
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CHANGED,
                        "clone: source volume '%s' changed while it was copied",
                        srcName);
        virStorageVaaiWorkAbandon(&w, virStorageVaaiEditFree);
        goto cleanup;
    }

    if (virStorageVaaiWorkSwapOwn(&w, virStorageVaaiEditReady, NULL, error) < 0)
        goto cleanup;
    if (out)
        *out = w.table->recs[w.idx];
    ret = 0;

 cleanup:
    virStorageVaaiWorkClear(&w);
    return ret;
}


/* ---- Wipe and delete ---- */

int
virStorageVaaiVolWipe(virStorageVaaiSession *s,
                      const char *name,
                      const virStorageVaaiOpOptions *opts,
                      virSCSIReport *report,
                      GError **error)
{
    virStorageVaaiWork w;
    int ret = -1;

    virStorageVaaiWorkInit(&w, s, opts, report, "wipe");
    if (w.opts->algorithm && (w.opts->flags & VIR_STORAGE_VAAI_OP_TRIM)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "wipe: trim and algorithm '%s' exclude each other",
                    w.opts->algorithm->name);
        goto cleanup;
    }
    if (w.opts->algorithm && (w.opts->flags & VIR_STORAGE_VAAI_OP_NO_HOST)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "wipe: algorithm '%s' is written by the host, which was not allowed",
                    w.opts->algorithm->name);
        goto cleanup;
    }
    if (virStorageVaaiWorkBegin(&w, name, VIR_STORAGE_VAAI_VOL_WIPING, false, error) < 0)
        goto cleanup;
    virStorageVaaiCrashPoint("wipe.intent");
    ret = virStorageVaaiWorkWipe(&w, w.opts->flags & VIR_STORAGE_VAAI_OP_TRIM,
                                 w.opts->algorithm, error);

 cleanup:
    virStorageVaaiWorkClear(&w);
    return ret;
}


int
virStorageVaaiVolDelete(virStorageVaaiSession *s,
                        const char *name,
                        const virStorageVaaiOpOptions *opts,
                        virSCSIReport *report,
                        GError **error)
{
    virStorageVaaiWork w;
    int ret = -1;

    virStorageVaaiWorkInit(&w, s, opts, report, "delete");
    if (virStorageVaaiWorkBegin(&w, name, VIR_STORAGE_VAAI_VOL_DELETING, true, error) < 0)
        goto cleanup;
    virStorageVaaiCrashPoint("delete.intent");
    ret = virStorageVaaiWorkDelete(&w, w.opts->flags & VIR_STORAGE_VAAI_OP_ZERO, error);

 cleanup:
    virStorageVaaiWorkClear(&w);
    return ret;
}


/* ---- Rename ---- */

int
virStorageVaaiVolRename(virStorageVaaiSession *s,
                        const char *name,
                        const char *newName,
                        const virStorageVaaiOpOptions *opts,
                        virStorageVaaiVolRecord *out,
                        GError **error)
{
    virStorageVaaiWork w;
    virStorageVaaiVolRecord next;
    int idx;
    int ret = -1;

    virStorageVaaiWorkInit(&w, s, opts, NULL, "rename");
    if (!virStorageVaaiVolNameValid(newName, error) ||
        virStorageVaaiWorkLease(&w, error) < 0 ||
        (idx = virStorageVaaiWorkFind(&w, name, w.opts->uuid, false, error)) < 0)
        goto cleanup;
    if (virStorageVaaiTableFindName(w.table, newName) >= 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_EXISTS,
                    "a volume named '%s' already exists in pool '%s'", newName,
                    w.pool->header.name);
        goto cleanup;
    }
    next = w.table->recs[idx];
    g_strlcpy(next.name, newName, sizeof(next.name));
    if (virStorageVaaiWorkSwapMarked(&w, idx, &next, name, error) < 0)
        goto cleanup;
    if (out)
        *out = w.table->recs[idx];
    ret = 0;

 cleanup:
    virStorageVaaiWorkClear(&w);
    return ret;
}


/* ---- Allocation ---- */

int
virStorageVaaiVolAllocation(virStorageVaaiPool *pool,
                            const virStorageVaaiVolRecord *rec,
                            uint64_t *mappedBlocks,
                            GError **error)
{
    uint64_t lba = rec->extentStart;
    uint64_t end = rec->extentStart + rec->extentLength;
    uint64_t mapped = 0;

    if (pool->lun->caps->getLbaStatus != VIR_SCSI_SUPPORT_YES) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_UNSUPPORTED,
                    "%s does not report allocation (no GET LBA STATUS)",
                    pool->lun->caps->target);
        return -1;
    }
    while (lba < end) {
        g_autoptr(GArray) ext = virSCSIOffloadLbaStatus(pool->lun, lba, error);
        uint64_t next = lba;
        guint i;

        if (!ext)
            return -1;
        for (i = 0; i < ext->len; i++) {
            const virSCSILbaStatusDescriptor *d =
                &g_array_index(ext, virSCSILbaStatusDescriptor, i);
            uint64_t s = MAX(d->lba, lba);
            uint64_t e = MIN(d->lba + d->nblocks, end);

            if (e > s && d->provisioningStatus == 0)
                mapped += e - s;
            next = MAX(next, d->lba + d->nblocks);
        }
        if (next <= lba)
            break;      /* a LUN that reports no progress: stop, not loop */
        lba = next;
    }
    *mappedBlocks = mapped;
    return 0;
}
