/*
 * virscsioffloadunmap.c: give a range back to a thin LUN
 *
 * UNMAP (or WRITE SAME with UNMAP) over whole granules, rate-limited on
 * request; partial granules at the ends are left alone.  A range that must
 * read as zeros is zeroed by the zero plan instead (WRITE SAME with UNMAP
 * on LBPRZ LUNs): the UNMAP command may do nothing at all.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "virscsioffloadpriv.h"
#include "virscsicommands.h"
#include "virscsichunk.h"
#include "virscsierror.h"

typedef struct {
    virSCSILun *lun;
    const virSCSIOffloadOptions *opts;
    virSCSIReport *report;
    virSCSIMethod method;
    unsigned int failures;
    gint64 startUs;
    uint64_t bytes;             /* unmapped so far, for the rate limit */
} virSCSIOffloadUnmapState;


/* Sleep as long as it takes to stay under the rate limit: a large reclaim
 * must not flood the array with deallocation work. */
static void
virSCSIOffloadUnmapThrottle(virSCSIOffloadUnmapState *st)
{
    gint64 dueUs;
    gint64 nowUs;

    if (st->opts->rateLimitMiBs <= 0)
        return;
    dueUs = st->startUs + (gint64)(st->bytes / (st->opts->rateLimitMiBs * 1048576.0) * 1e6);
    nowUs = g_get_monotonic_time();
    while (nowUs < dueUs && !virSCSIReportCancelled(st->report)) {
        g_usleep(MIN(dueUs - nowUs, 100000));
        nowUs = g_get_monotonic_time();
    }
}


static int
virSCSIOffloadUnmapOne(virSCSIOffloadUnmapState *st,
                       uint64_t lba,
                       uint64_t len,
                       GError **error)
{
    const virSCSIOpPlan *op = &st->lun->plan.ops[VIR_SCSI_PLAN_OP_UNMAP];
    uint32_t bs = virSCSILunBlockSize(st->lun);
    virSCSILbaRange range = { .lba = lba, .nblocks = len };

    if (st->method == VIR_SCSI_METHOD_UNMAP)
        return virSCSICommandUnmap(st->lun->transport, &range, 1, error);
    return virSCSICommandWriteSameZero(st->lun->transport, op->cdbSize ? op->cdbSize : 16,
                                       lba, len, bs, true, error);
}


/* UNMAP failed for good: WRITE SAME with UNMAP is the other way to say
 * it, where the LUN supports it. */
static bool
virSCSIOffloadUnmapCanFallBack(virSCSIOffloadUnmapState *st)
{
    const virSCSILunCaps *caps = st->lun->caps;

    return st->method == VIR_SCSI_METHOD_UNMAP && caps->hasLbp &&
           (caps->lbp.lbpws || caps->lbp.lbpws10);
}


static int
virSCSIOffloadUnmapMiddle(virSCSIOffloadUnmapState *st,
                          uint64_t lba,
                          uint64_t nblocks,
                          uint64_t *done,
                          GError **error)
{
    const virSCSIOpPlan *op = &st->lun->plan.ops[VIR_SCSI_PLAN_OP_UNMAP];
    uint64_t maxBlocks = op->maxBlocks;
    uint64_t pos = 0;

    *done = 0;
    while (pos < nblocks) {
        g_autoptr(GError) err = NULL;
        uint64_t len;

        if (virSCSIOffloadCancelled(st->report, error))
            return -1;
        if (st->method == VIR_SCSI_METHOD_WRITE_SAME_UNMAP && op->method == VIR_SCSI_METHOD_UNMAP)
            maxBlocks = st->lun->plan.ops[VIR_SCSI_PLAN_OP_ZERO].maxBlocks;
        /* One descriptor per command: MAXIMUM UNMAP LBA COUNT bounds the
         * whole command, so more descriptors would not move more. */
        len = virSCSIChunkNext(lba + pos, nblocks - pos, MIN(maxBlocks, 0xFFFFFFFFULL),
                               op->granularity, op->alignment);
        if (virSCSIOffloadUnmapOne(st, lba + pos, len, &err) == 0) {
            virSCSIReportAdd(st->report, st->method, 1, 0, len, 0);
            st->failures = 0;
            st->bytes += len * virSCSILunBlockSize(st->lun);
            pos += len;
            *done = pos;
            virSCSIOffloadUnmapThrottle(st);
            continue;
        }

        virSCSIReportAdd(st->report, st->method, 1, 1, 0, 0);
        if (virSCSIOffloadErrorIsFinal(err)) {
            g_propagate_error(error, g_steal_pointer(&err));
            return -1;
        }
        if (virSCSIOffloadErrorIsPermanent(err) && virSCSIOffloadUnmapCanFallBack(st)) {
            virSCSIReportEvent(st->report, "LBA %llu+%llu: UNMAP failed (%s); "
                               "WRITE SAME with UNMAP for the rest",
                               (unsigned long long)(lba + pos), (unsigned long long)len,
                               err->message);
            st->method = VIR_SCSI_METHOD_WRITE_SAME_UNMAP;
            continue;
        }
        if (!virSCSIOffloadErrorIsPermanent(err) &&
            ++st->failures < VIR_SCSI_OFFLOAD_MAX_CONSECUTIVE_FAILURES) {
            virSCSIReportEvent(st->report, "LBA %llu+%llu: %s failed (%s); retrying",
                               (unsigned long long)(lba + pos), (unsigned long long)len,
                               virSCSIMethodName(st->method), err->message);
            continue;
        }
        g_propagate_prefixed_error(error, g_steal_pointer(&err),
                                   "unmap stopped at LBA %llu: ",
                                   (unsigned long long)(lba + pos));
        return -1;
    }
    return 0;
}


int
virSCSIOffloadUnmap(virSCSILun *lun,
                    uint64_t lba,
                    uint64_t nblocks,
                    const virSCSIOffloadOptions *opts,
                    virSCSIReport *report,
                    GError **error)
{
    const virSCSIOpPlan *op = &lun->plan.ops[VIR_SCSI_PLAN_OP_UNMAP];
    const virSCSIOpPlan *zero = &lun->plan.ops[VIR_SCSI_PLAN_OP_ZERO];
    virSCSIOffloadOptions none = { 0 };
    virSCSIOffloadUnmapState st = { 0 };
    virSCSIOffloadFrame frame;
    uint64_t resume;
    uint64_t head = 0;
    uint64_t middle = 0;
    uint64_t tail = 0;
    uint64_t done = 0;
    bool needZeros;
    int ret = -1;

    if (!opts)
        opts = &none;
    needZeros = opts->flags & VIR_SCSI_OFFLOAD_NEED_ZEROS;
    resume = MIN(opts->resumeBlocks, nblocks);
    virSCSIOffloadBegin(&frame, report, "unmap", lun, nblocks - resume, op);

    if (virSCSIOffloadCheckRange(lun, lba, nblocks, error) < 0)
        goto cleanup;
    lba += resume;
    nblocks -= resume;
    if (!nblocks) {
        ret = 0;
        goto cleanup;
    }

    /* A range that must read as zeros is never left to the UNMAP
     * command: a target may complete UNMAP without unmapping anything
     * (SBC-4 5.31), and the old data would show through.  WRITE SAME with
     * UNMAP must either deallocate (LBPRZ=1: reads as zeros) or write the
     * zero block, so it is what the zero plan uses on LBPRZ LUNs, as
     * Linux's sd does for REQ_OP_WRITE_ZEROES; without LBPRZ it zeroes. */
    if (needZeros) {
        if (zero->method != VIR_SCSI_METHOD_WRITE_SAME_UNMAP)
            virSCSIReportEvent(report, "the range must read as zeros and %s: zeroing with %s instead",
                               op->method == VIR_SCSI_METHOD_NONE ? "the LUN cannot unmap" :
                               "unmapped blocks need not read as zeros (LBPRZ=0)",
                               virSCSIMethodName(zero->method));
        ret = virSCSIOffloadZeroParallel(lun, lba, nblocks, resume, opts->flags,
                                         opts->inflight, report, &done, error);
        goto cleanup;
    }
    if (op->method == VIR_SCSI_METHOD_NONE) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_UNSUPPORTED,
                    "%s cannot unmap: %s", lun->caps->target, op->reason);
        goto cleanup;
    }

    st.lun = lun;
    st.opts = opts;
    st.report = report;
    st.method = op->method;
    st.startUs = g_get_monotonic_time();

    if (!virSCSIChunkGranules(lba, nblocks, op->granularity, op->alignment,
                              &head, &middle, &tail)) {
        head = nblocks;
        middle = tail = 0;
    }

    if (head) {
        virSCSIReportSkip(report, head);
        virSCSIReportEvent(report, "LBA %llu+%llu: less than a granule of %u blocks, left mapped",
                           (unsigned long long)lba, (unsigned long long)head,
                           op->granularity);
        done = head;
    }

    if (middle) {
        uint64_t d = 0;
        int rc = virSCSIOffloadUnmapMiddle(&st, lba + head, middle, &d, error);

        done += d;
        if (rc < 0)
            goto cleanup;
    }

    if (tail) {
        virSCSIReportSkip(report, tail);
        virSCSIReportEvent(report, "LBA %llu+%llu: less than a granule of %u blocks, left mapped",
                           (unsigned long long)(lba + head + middle),
                           (unsigned long long)tail, op->granularity);
        done += tail;
    }
    ret = 0;

 cleanup:
    virSCSIReportResume(report, resume + done);
    virSCSIOffloadEnd(&frame);
    return ret;
}
