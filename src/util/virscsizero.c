/*
 * virscsizero.c: make a range read as zeros, as cheaply as the LUN allows
 *
 * WRITE SAME with UNMAP where unmapped blocks read as zeros, else WRITE
 * SAME of a zero block, else host writes of zero buffers: one path, the
 * fallbacks inside it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "virscsiengine.h"
#include "virscsicommands.h"
#include "virscsichunk.h"
#include "virscsierror.h"

/* The next method down the ladder. */
static virScsiMethod
virScsiZeroFallback(virScsiMethod method)
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


int
virScsiEngineZeroRange(virScsiLun *lun,
                       uint64_t lba,
                       uint64_t nblocks,
                       unsigned int flags,
                       virScsiReport *report,
                       uint64_t *done,
                       GError **error)
{
    const virScsiOpPlan *op = &lun->plan.ops[VIR_SCSI_PLAN_OP_ZERO];
    uint32_t bs = virScsiLunBlockSize(lun);
    virScsiMethod method = op->method;
    uint64_t maxBlocks = op->maxBlocks;
    unsigned int failures = 0;
    uint64_t pos = 0;

    *done = 0;
    if (flags & VIR_SCSI_OFFLOAD_HOST_ONLY) {
        method = VIR_SCSI_METHOD_HOST;
        report->planned = VIR_SCSI_METHOD_HOST;
    }

    while (pos < nblocks) {
        g_autoptr(GError) err = NULL;
        virScsiMethod next;
        uint64_t len;

        if (virScsiEngineCancelled(report, error))
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
            if (virScsiEngineHostZero(lun->transport, lun, lba + pos, nblocks - pos,
                                      report, error) < 0)
                return -1;
            *done = nblocks;
            return 0;
        }

        /* Granule-aligned pieces let WRITE SAME with UNMAP deallocate
         * whole granules instead of writing partial ones. */
        len = virScsiChunkNext(lba + pos, nblocks - pos, maxBlocks,
                               op->granularity, op->alignment);
        if (virScsiCommandWriteSameZero(lun->transport, op->cdbSize ? op->cdbSize : 16,
                                        lba + pos, len, bs,
                                        method == VIR_SCSI_METHOD_WRITE_SAME_UNMAP,
                                        &err) == 0) {
            virScsiReportAdd(report, method, 1, 0, len, 0);
            failures = 0;
            pos += len;
            *done = pos;
            continue;
        }

        virScsiReportAdd(report, method, 1, 1, 0, 0);

        /* No limit was reported and this length was refused: the array
         * has a limit it did not say; find it by halving. */
        if (g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_FIELD) &&
            !op->limitReported && len > 1) {
            maxBlocks = len / 2;
            virScsiReportEvent(report, "LBA %llu+%llu: %s refused (%s); trying %llu "
                               "blocks a command",
                               (unsigned long long)(lba + pos), (unsigned long long)len,
                               virScsiMethodName(method), err->message,
                               (unsigned long long)maxBlocks);
            continue;
        }
        next = virScsiZeroFallback(method);
        if (virScsiEngineErrorIsPermanent(err) ||
            ++failures >= VIR_SCSI_ENGINE_MAX_CONSECUTIVE_FAILURES) {
            virScsiReportEvent(report, "LBA %llu+%llu: %s failed (%s); %s for the rest",
                               (unsigned long long)(lba + pos), (unsigned long long)len,
                               virScsiMethodName(method), err->message,
                               virScsiMethodName(next));
            method = next;
            failures = 0;
            continue;
        }

        /* Not this time: this piece the next way down, then try again. */
        virScsiReportEvent(report, "LBA %llu+%llu: %s failed (%s); this piece by %s",
                           (unsigned long long)(lba + pos), (unsigned long long)len,
                           virScsiMethodName(method), err->message,
                           virScsiMethodName(next));
        if (next == VIR_SCSI_METHOD_HOST) {
            if (flags & VIR_SCSI_OFFLOAD_NO_HOST) {
                g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_NO_OFFLOAD,
                            "%s: LBA %llu: %s failed and host writes are not allowed: %s",
                            lun->caps->target, (unsigned long long)(lba + pos),
                            virScsiMethodName(method), err->message);
                return -1;
            }
            if (virScsiEngineHostZero(lun->transport, lun, lba + pos, len, report, error) < 0)
                return -1;
        } else if (virScsiCommandWriteSameZero(lun->transport, op->cdbSize ? op->cdbSize : 16,
                                               lba + pos, len, bs, false, error) < 0) {
            virScsiReportAdd(report, next, 1, 1, 0, 0);
            return -1;
        } else {
            virScsiReportAdd(report, next, 1, 0, len, 0);
        }
        pos += len;
        *done = pos;
    }
    return 0;
}


int
virScsiOffloadZero(virScsiLun *lun,
                   uint64_t lba,
                   uint64_t nblocks,
                   const virScsiOffloadOptions *opts,
                   virScsiReport *report,
                   GError **error)
{
    virScsiOffloadOptions none = { 0 };
    virScsiTransportStats before;
    virScsiTransportStats after;
    uint64_t done = 0;
    int ret = -1;

    if (!opts)
        opts = &none;
    /* The report covers what this run does: a resumed run's total is
     * what was left. */
    virScsiReportBegin(report, "zero", virScsiLunBlockSize(lun),
                       nblocks - MIN(opts->resumeBlocks, nblocks),
                       &lun->plan.ops[VIR_SCSI_PLAN_OP_ZERO]);
    virScsiTransportGetStats(lun->transport, &before);

    if (virScsiEngineCheckRange(lun, lba, nblocks, error) < 0)
        goto cleanup;
    if (opts->resumeBlocks >= nblocks) {
        ret = 0;
        goto cleanup;
    }
    ret = virScsiEngineZeroRange(lun, lba + opts->resumeBlocks,
                                 nblocks - opts->resumeBlocks, opts->flags,
                                 report, &done, error);

 cleanup:
    virScsiReportResume(report, MIN(opts->resumeBlocks + done, nblocks));
    virScsiTransportGetStats(lun->transport, &after);
    virScsiReportLink(report, &before, &after);
    virScsiReportEnd(report);
    return ret;
}
