/*
 * virscsioffloadzero.c: make a range read as zeros, as cheaply as the LUN
 *                       allows
 *
 * WRITE SAME with UNMAP where unmapped blocks read as zeros, else WRITE
 * SAME of a zero block, else host writes of zero buffers: one path, the
 * fallbacks inside it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "virscsioffloadparallel.h"
#include "virscsicommands.h"
#include "virscsichunk.h"
#include "virscsierror.h"

/* The next method down the ladder. */
static virSCSIMethod
virSCSIOffloadZeroFallback(virSCSIMethod method)
{
    switch (method) {
    case VIR_SCSI_METHOD_WRITE_SAME_UNMAP:
        return VIR_SCSI_METHOD_WRITE_SAME;
    case VIR_SCSI_METHOD_WRITE_SAME:
    case VIR_SCSI_METHOD_NONE:
    case VIR_SCSI_METHOD_HOST:
    case VIR_SCSI_METHOD_UNMAP:
    case VIR_SCSI_METHOD_XCOPY_LID1:
    case VIR_SCSI_METHOD_TOKEN_COPY:
    case VIR_SCSI_METHOD_COMPARE_AND_WRITE:
    case VIR_SCSI_METHOD_LAST:
        break;
    }
    return VIR_SCSI_METHOD_HOST;
}


/* Sessions at once for a long zeroing, and commands a chunk.  One session
 * unless asked: with several, a portal that goes away under a volume
 * create ended it in 120 s instead of 20 (CI run 8, engine-outage under
 * ASan), to be understood before it becomes the default; bench/xcopy-shape
 * measures what several buy. */
#define VIR_SCSI_ZERO_INFLIGHT_DEFAULT 1
#define VIR_SCSI_ZERO_INFLIGHT_MAX 32
#define VIR_SCSI_ZERO_CHUNK_COMMANDS 8

/* Zero [@lba, @lba + @nblocks) down the ladder on @transport (the LUN's
 * or one of its extra sessions). */
static int
virSCSIOffloadZeroRange(virSCSILun *lun,
                        virSCSITransport *transport,
                        uint64_t lba,
                        uint64_t nblocks,
                        unsigned int flags,
                        virSCSIReport *report,
                        uint64_t *done,
                        GError **error)
{
    const virSCSIOpPlan *op = &lun->plan.ops[VIR_SCSI_PLAN_OP_ZERO];
    uint32_t bs = virSCSILunBlockSize(lun);
    virSCSIMethod method = op->method;
    uint64_t maxBlocks = op->maxBlocks;
    unsigned int failures = 0;
    uint64_t pos = 0;

    *done = 0;
    if (flags & VIR_SCSI_OFFLOAD_HOST_ONLY) {
        method = VIR_SCSI_METHOD_HOST;
        report->planned = VIR_SCSI_METHOD_HOST;
    }
    /* What the LUN refused for good before, it refuses again. */
    while (method != VIR_SCSI_METHOD_HOST && virSCSILunRefused(lun, method)) {
        virSCSIReportEvent(report, "%s: refused by this LUN before; %s",
                           virSCSIMethodName(method),
                           virSCSIMethodName(virSCSIOffloadZeroFallback(method)));
        method = virSCSIOffloadZeroFallback(method);
    }

    while (pos < nblocks) {
        g_autoptr(GError) err = NULL;
        virSCSIMethod next;
        uint64_t len;

        if (virSCSIOffloadCancelled(report, error))
            return -1;

        if (method == VIR_SCSI_METHOD_HOST) {
            if (flags & VIR_SCSI_OFFLOAD_NO_HOST) {
                g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_NO_OFFLOAD,
                            "%s: cannot zero LBA %llu+%llu without host writes, "
                            "which were not allowed", lun->caps->target,
                            (unsigned long long)(lba + pos),
                            (unsigned long long)(nblocks - pos));
                return -1;
            }
            if (virSCSIOffloadHostZero(transport, lun, lba + pos, nblocks - pos,
                                       report, error) < 0)
                return -1;
            *done = nblocks;
            return 0;
        }

        /* Granule-aligned pieces let WRITE SAME with UNMAP deallocate
         * whole granules instead of writing partial ones. */
        len = virSCSIChunkNext(lba + pos, nblocks - pos, maxBlocks,
                               op->granularity, op->alignment);
        if (virSCSICommandWriteSameZero(transport, op->cdbSize ? op->cdbSize : 16,
                                        lba + pos, len, bs,
                                        method == VIR_SCSI_METHOD_WRITE_SAME_UNMAP,
                                        &err) == 0) {
            virSCSIReportAdd(report, method, 1, 0, len, 0);
            failures = 0;
            pos += len;
            *done = pos;
            continue;
        }

        virSCSIReportAdd(report, method, 1, 1, 0, 0);
        if (virSCSIOffloadErrorIsFinal(err)) {
            g_propagate_error(error, g_steal_pointer(&err));
            return -1;
        }

        /* No limit was reported and this length was refused: the array
         * has a limit it did not say; find it by halving. */
        if (g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_FIELD) &&
            !op->limitReported && len > 1) {
            maxBlocks = len / 2;
            virSCSIReportEvent(report, "LBA %llu+%llu: %s refused (%s); trying %llu "
                               "blocks a command",
                               (unsigned long long)(lba + pos), (unsigned long long)len,
                               virSCSIMethodName(method), err->message,
                               (unsigned long long)maxBlocks);
            continue;
        }
        next = virSCSIOffloadZeroFallback(method);
        if (g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_UNSUPPORTED))
            virSCSILunNoteRefused(lun, method);
        if (virSCSIOffloadErrorIsPermanent(err) ||
            ++failures >= VIR_SCSI_OFFLOAD_MAX_CONSECUTIVE_FAILURES) {
            virSCSIReportEvent(report, "LBA %llu+%llu: %s failed (%s); %s for the rest",
                               (unsigned long long)(lba + pos), (unsigned long long)len,
                               virSCSIMethodName(method), err->message,
                               virSCSIMethodName(next));
            method = next;
            failures = 0;
            continue;
        }

        /* Not this time: this piece the next way down, then try again. */
        virSCSIReportEvent(report, "LBA %llu+%llu: %s failed (%s); this piece by %s",
                           (unsigned long long)(lba + pos), (unsigned long long)len,
                           virSCSIMethodName(method), err->message,
                           virSCSIMethodName(next));
        if (next == VIR_SCSI_METHOD_HOST) {
            if (flags & VIR_SCSI_OFFLOAD_NO_HOST) {
                g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_NO_OFFLOAD,
                            "%s: LBA %llu: %s failed and host writes are not allowed: %s",
                            lun->caps->target, (unsigned long long)(lba + pos),
                            virSCSIMethodName(method), err->message);
                return -1;
            }
            if (virSCSIOffloadHostZero(transport, lun, lba + pos, len, report, error) < 0)
                return -1;
        } else if (virSCSICommandWriteSameZero(transport, op->cdbSize ? op->cdbSize : 16,
                                               lba + pos, len, bs, false, error) < 0) {
            virSCSIReportAdd(report, next, 1, 1, 0, 0);
            return -1;
        } else {
            virSCSIReportAdd(report, next, 1, 0, len, 0);
        }
        pos += len;
        *done = pos;
    }
    return 0;
}


typedef struct _virSCSIOffloadZeroJob virSCSIOffloadZeroJob;
struct _virSCSIOffloadZeroJob {
    virSCSILun *lun;
    uint64_t lba;
    unsigned int flags;
    virSCSIReport *report;
};


static int
virSCSIOffloadZeroChunk(void *opaque,
                        uint64_t off,
                        uint64_t len,
                        GError **error)
{
    virSCSIParallelWorker *w = opaque;
    virSCSIOffloadZeroJob *job = w->opaque;
    uint64_t done;

    return virSCSIOffloadZeroRange(job->lun, w->transport, job->lba + off, len,
                                   job->flags, job->report, &done, error);
}


int
virSCSIOffloadZeroParallel(virSCSILun *lun,
                           uint64_t lba,
                           uint64_t nblocks,
                           uint64_t resumeBase,
                           unsigned int flags,
                           unsigned int inflight,
                           virSCSIReport *report,
                           uint64_t *done,
                           GError **error)
{
    const virSCSIOpPlan *op = &lun->plan.ops[VIR_SCSI_PLAN_OP_ZERO];
    virSCSIOffloadZeroJob job = { lun, lba, flags, report };
    virSCSIParallel p = {
        .lun = lun,
        .workers = inflight ? MIN(inflight, VIR_SCSI_ZERO_INFLIGHT_MAX) :
            VIR_SCSI_ZERO_INFLIGHT_DEFAULT,
        .chunkBlocks = MAX(op->maxBlocks, 1) * VIR_SCSI_ZERO_CHUNK_COMMANDS,
        .lba = lba,
        .granularity = op->granularity,
        .alignment = op->alignment,
        .run = virSCSIOffloadZeroChunk,
        .opaque = &job,
        .report = report,
        .resumeBase = resumeBase,
    };

    /* Host writes are one stream of data through the host, whose link
     * is what limits them: no more sessions for those.  Nor for a range
     * of one chunk. */
    if (p.workers == 1 || nblocks <= p.chunkBlocks ||
        op->method == VIR_SCSI_METHOD_HOST || (flags & VIR_SCSI_OFFLOAD_HOST_ONLY))
        return virSCSIOffloadZeroRange(lun, lun->transport, lba, nblocks, flags,
                                       report, done, error);
    return virSCSIParallelRun(&p, nblocks, done, error);
}


int
virSCSIOffloadZero(virSCSILun *lun,
                   uint64_t lba,
                   uint64_t nblocks,
                   const virSCSIOffloadOptions *opts,
                   virSCSIReport *report,
                   GError **error)
{
    virSCSIOffloadOptions none = { 0 };
    virSCSIOffloadFrame frame;
    uint64_t done = 0;
    int ret = -1;

    if (!opts)
        opts = &none;
    /* The report covers what this run does: a resumed run's total is
     * what was left. */
    virSCSIOffloadBegin(&frame, report, "zero", lun,
                        nblocks - MIN(opts->resumeBlocks, nblocks),
                        &lun->plan.ops[VIR_SCSI_PLAN_OP_ZERO]);

    if (virSCSIOffloadCheckRange(lun, lba, nblocks, error) < 0)
        goto cleanup;
    if (opts->resumeBlocks >= nblocks) {
        ret = 0;
        goto cleanup;
    }
    ret = virSCSIOffloadZeroParallel(lun, lba + opts->resumeBlocks,
                                     nblocks - opts->resumeBlocks, opts->resumeBlocks,
                                     opts->flags,
                                     opts->inflight, report, &done, error);

 cleanup:
    virSCSIReportResume(report, MIN(opts->resumeBlocks + done, nblocks));
    virSCSIOffloadEnd(&frame);
    return ret;
}
