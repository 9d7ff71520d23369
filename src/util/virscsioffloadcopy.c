/*
 * virscsioffloadcopy.c: copy a range within a LUN or between LUNs of one
 *                       array
 *
 * The range is cut into chunks of one offload command each (EXTENDED
 * COPY with as many segments as the copy manager takes, or a token
 * copy); several workers, each with sessions of its own, keep commands in
 * flight (virscsioffloadparallel.c: chunks complete out of order, the
 * resume point is the end of the longest prefix known complete).  A chunk
 * the array refuses or fails is finished by the host from the first block
 * not known copied, and offload goes on for later chunks unless the
 * failure says it never will work.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsioffloadparallel.h"
#include "virscsicommands.h"
#include "virscsichunk.h"
#include "virscsierror.h"

#define VIR_SCSI_COPY_INFLIGHT_DEFAULT 4
#define VIR_SCSI_COPY_INFLIGHT_MAX 32

/* Host chunks of one transfer each: the resume point then never lags
 * more than a transfer per worker behind what was copied. */
#define VIR_SCSI_COPY_HOST_CHUNK_TRANSFERS 1

typedef struct _virSCSIOffloadCopyJob virSCSIOffloadCopyJob;
struct _virSCSIOffloadCopyJob {
    virSCSILun *src;
    virSCSILun *dst;
    uint64_t srcLba;
    uint64_t dstLba;
    uint64_t resume;            /* blocks done by earlier runs */
    unsigned int flags;
    virSCSIReport *report;
    const virSCSIOpPlan *op;    /* limits of the offload method */
    virSCSIMethod method;       /* offload method, or HOST */
    bool skipDeallocated;

    virSCSIXcopyCscdId cscds[2];
    size_t ncscds;
    uint16_t srcIndex;
    uint16_t dstIndex;
    guint32 listIdBase;

    gint nextListId;            /* atomic */
    gint offloadOff;            /* atomic: offload given up */
    gint consecutiveFailures;   /* atomic */
};

/* A worker's view: its sessions of each LUN (one, within a LUN). */
typedef struct _virSCSIOffloadCopyWorker virSCSIOffloadCopyWorker;
struct _virSCSIOffloadCopyWorker {
    virSCSIOffloadCopyJob *job;
    virSCSITransport *srcT;
    virSCSITransport *dstT;
};


/* An offload command failed: decide whether offload stays on. */
static void
virSCSIOffloadCopyOffloadFailed(virSCSIOffloadCopyJob *job,
                                uint64_t off,
                                uint64_t len,
                                const GError *err)
{
    bool permanent = virSCSIOffloadErrorIsPermanent(err);
    int failures = g_atomic_int_add(&job->consecutiveFailures, 1) + 1;

    if (g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_UNSUPPORTED))
        virSCSILunNoteRefused(job->dst, job->method);

    if (permanent || failures >= VIR_SCSI_OFFLOAD_MAX_CONSECUTIVE_FAILURES) {
        /* Only the first worker to give up says so. */
        if (g_atomic_int_compare_and_exchange(&job->offloadOff, 0, 1))
            virSCSIReportEvent(job->report,
                               "source LBA %llu+%llu: %s failed (%s); host copy "
                               "from there on%s",
                               (unsigned long long)(job->srcLba + off),
                               (unsigned long long)len, virSCSIMethodName(job->method),
                               err->message,
                               permanent ? "" : " after repeated failures");
        return;
    }
    virSCSIReportEvent(job->report,
                       "source LBA %llu+%llu: %s failed (%s); this piece by host, "
                       "offload goes on",
                       (unsigned long long)(job->srcLba + off), (unsigned long long)len,
                       virSCSIMethodName(job->method), err->message);
}


/* EXTENDED COPY of [off, off + len): as many commands as the limits ask.
 * *copied counts leading blocks known copied, also on failure. */
static int
virSCSIOffloadCopyXcopy(virSCSIOffloadCopyWorker *w,
                        uint64_t off,
                        uint64_t len,
                        uint64_t *copied,
                        GError **error)
{
    virSCSIOffloadCopyJob *job = w->job;
    const virSCSIOpPlan *op = job->op;
    g_autofree virSCSIXcopySegment *segs = g_new0(virSCSIXcopySegment, op->maxDescriptors);
    uint64_t pos = 0;

    *copied = 0;
    while (pos < len) {
        size_t nsegs = 0;
        size_t segsDone = 0;
        uint64_t cmdBlocks = 0;
        size_t i;

        while (nsegs < op->maxDescriptors && pos + cmdBlocks < len) {
            uint64_t at = off + pos + cmdBlocks;
            uint64_t n = virSCSIChunkNext(at, len - pos - cmdBlocks, op->maxBlocks,
                                          op->granularity, 0);

            segs[nsegs].srcIndex = job->srcIndex;
            segs[nsegs].dstIndex = job->dstIndex;
            segs[nsegs].nblocks = n;
            segs[nsegs].srcLba = job->srcLba + at;
            segs[nsegs].dstLba = job->dstLba + at;
            cmdBlocks += n;
            nsegs++;
        }

        if (virSCSICommandExtendedCopy(w->dstT, job->cscds, job->ncscds, segs, nsegs,
                                       0, &segsDone, error) < 0) {
            uint64_t partial = 0;

            for (i = 0; i < segsDone; i++)
                partial += segs[i].nblocks;
            virSCSIReportAdd(job->report, job->method, 1, 1, partial, 0);
            *copied = pos + partial;
            return -1;
        }
        virSCSIReportAdd(job->report, job->method, 1, 0, cmdBlocks, 0);
        g_atomic_int_set(&job->consecutiveFailures, 0);
        pos += cmdBlocks;
        *copied = pos;
    }
    return 0;
}


/* Token copy of [off, off + len): POPULATE TOKEN on the source, WRITE
 * USING TOKEN on the destination, one token per piece. */
static int
virSCSIOffloadCopyToken(virSCSIOffloadCopyWorker *w,
                        uint64_t off,
                        uint64_t len,
                        uint64_t *copied,
                        GError **error)
{
    virSCSIOffloadCopyJob *job = w->job;
    uint8_t token[VIR_SCSI_ROD_TOKEN_LEN];
    uint64_t pos = 0;

    *copied = 0;
    while (pos < len) {
        uint64_t n = MIN(MIN(len - pos, job->op->maxBlocks), 0xFFFFFFFFULL);
        guint32 listId = job->listIdBase + g_atomic_int_add(&job->nextListId, 1);
        virSCSILbaRange srcRange = { job->srcLba + off + pos, n };
        virSCSILbaRange dstRange = { job->dstLba + off + pos, n };

        if (virSCSICommandPopulateToken(w->srcT, listId, &srcRange, 1, token, error) < 0 ||
            virSCSICommandWriteUsingToken(w->dstT, listId, token, &dstRange, 1, error) < 0) {
            virSCSIReportAdd(job->report, job->method, 2, 1, 0, 0);
            return -1;
        }
        virSCSIReportAdd(job->report, job->method, 3, 0, n, 0);
        g_atomic_int_set(&job->consecutiveFailures, 0);
        pos += n;
        *copied = pos;
    }
    return 0;
}


static int
virSCSIOffloadCopyRange(virSCSIOffloadCopyWorker *w,
                        uint64_t off,
                        uint64_t len,
                        GError **error)
{
    virSCSIOffloadCopyJob *job = w->job;
    bool dstZeroed = job->flags & VIR_SCSI_OFFLOAD_DST_ZEROED;
    uint64_t copied = 0;
    uint64_t done = 0;

    if (job->method != VIR_SCSI_METHOD_HOST && !g_atomic_int_get(&job->offloadOff)) {
        g_autoptr(GError) err = NULL;
        int rc;

        if (job->method == VIR_SCSI_METHOD_TOKEN_COPY)
            rc = virSCSIOffloadCopyToken(w, off, len, &copied, &err);
        else
            rc = virSCSIOffloadCopyXcopy(w, off, len, &copied, &err);
        if (rc == 0)
            return 0;
        if (virSCSIReportCancelled(job->report) || virSCSIOffloadErrorIsFinal(err)) {
            g_propagate_error(error, g_steal_pointer(&err));
            return -1;
        }
        if (job->flags & VIR_SCSI_OFFLOAD_NO_HOST) {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_NO_OFFLOAD,
                        "source LBA %llu: offload failed and host copy is not "
                        "allowed: %s", (unsigned long long)(job->srcLba + off + copied),
                        err->message);
            return -1;
        }
        virSCSIOffloadCopyOffloadFailed(job, off + copied, len - copied, err);
    } else if (job->flags & VIR_SCSI_OFFLOAD_NO_HOST) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_NO_OFFLOAD,
                    "offload is not possible here and host copy is not allowed");
        return -1;
    }

    /* The host finishes what offload did not, from the first block not
     * known copied.  A lost reply may mean the array copied more: copying
     * it again is harmless. */
    return virSCSIOffloadHostCopy(w->srcT, job->src, job->srcLba + off + copied,
                                  w->dstT, job->dst, job->dstLba + off + copied,
                                  len - copied, dstZeroed, job->report, &done, error);
}


/* With a zeroed destination, source extents that read as zeros need no
 * copying: ask the source which are deallocated, copy the rest. */
static int
virSCSIOffloadCopyChunkSparse(virSCSIOffloadCopyWorker *w,
                              uint64_t off,
                              uint64_t len,
                              GError **error)
{
    virSCSIOffloadCopyJob *job = w->job;
    uint64_t pos = 0;

    while (pos < len) {
        g_auto(virSCSILbaStatus) status = { 0 };
        g_autoptr(GError) err = NULL;
        uint64_t lba = job->srcLba + off + pos;
        size_t i;

        if (virSCSICommandGetLbaStatus(w->srcT, lba, &status, &err) < 0 ||
            status.ndescriptors == 0 || status.descriptors[0].lba > lba) {
            /* No usable answer: copy the rest of the chunk. */
            return virSCSIOffloadCopyRange(w, off + pos, len - pos, error);
        }

        for (i = 0; i < status.ndescriptors && pos < len; i++) {
            const virSCSILbaStatusDescriptor *d = &status.descriptors[i];
            uint64_t end = d->lba + d->nblocks;
            uint64_t n;

            if (end <= lba)
                continue;
            if (d->lba > job->srcLba + off + pos)
                break;      /* a gap: ask again from here */
            n = MIN(end - (job->srcLba + off + pos), len - pos);
            if (d->provisioningStatus == VIR_SCSI_LBA_DEALLOCATED ||
                d->provisioningStatus == VIR_SCSI_LBA_ANCHORED) {
                virSCSIReportSkip(job->report, n);
            } else if (virSCSIOffloadCopyRange(w, off + pos, n, error) < 0) {
                return -1;
            }
            pos += n;
        }
    }
    return 0;
}


/* One chunk on a worker's sessions (virSCSIParallelChunkFunc). */
static int
virSCSIOffloadCopyChunk(void *opaque,
                        uint64_t off,
                        uint64_t len,
                        GError **error)
{
    virSCSIParallelWorker *pw = opaque;
    virSCSIOffloadCopyJob *job = pw->opaque;
    virSCSIOffloadCopyWorker w = {
        .job = job,
        .srcT = pw->transport2 ? pw->transport2 : pw->transport,
        .dstT = pw->transport,
    };

    if (job->skipDeallocated)
        return virSCSIOffloadCopyChunkSparse(&w, off, len, error);
    return virSCSIOffloadCopyRange(&w, off, len, error);
}


/* Choose the offload method and its limits for this pair of LUNs. */
static void
virSCSIOffloadCopyChoose(virSCSIOffloadCopyJob *job,
                         bool sameLun)
{
    const virSCSIOpPlan *op = sameLun ?
        &job->dst->plan.ops[VIR_SCSI_PLAN_OP_COPY] :
        &job->dst->plan.ops[VIR_SCSI_PLAN_OP_COPY_REMOTE];
    g_autoptr(GError) err = NULL;

    job->op = op;
    job->method = op->method;

    if (job->flags & VIR_SCSI_OFFLOAD_HOST_ONLY) {
        job->method = VIR_SCSI_METHOD_HOST;
        job->report->planned = VIR_SCSI_METHOD_HOST;
        virSCSIReportEvent(job->report, "host copy, as asked");
        return;
    }
    /* What the copy manager refused for good before, it refuses again. */
    if (job->method != VIR_SCSI_METHOD_HOST && virSCSILunRefused(job->dst, job->method)) {
        virSCSIReportEvent(job->report, "host copy, because this LUN refused %s before",
                           virSCSIMethodName(job->method));
        job->method = VIR_SCSI_METHOD_HOST;
        return;
    }
    if (job->method == VIR_SCSI_METHOD_TOKEN_COPY && !sameLun) {
        const virSCSIOpPlan *srcOp = &job->src->plan.ops[VIR_SCSI_PLAN_OP_COPY_REMOTE];

        if (srcOp->method != VIR_SCSI_METHOD_TOKEN_COPY)
            job->method = VIR_SCSI_METHOD_XCOPY_LID1;
    }
    if (job->method != VIR_SCSI_METHOD_XCOPY_LID1)
        return;

    /* A copy manager reaches only LUNs that offer copies themselves (LIO's
     * target_xcopy.c looks among devices with 3PC): a source whose own
     * plan refuses copies would cost an EXTENDED COPY that fails with COPY
     * TARGET DEVICE NOT REACHABLE before the host copy. */
    if (!sameLun) {
        const virSCSIOpPlan *srcOp = &job->src->plan.ops[VIR_SCSI_PLAN_OP_COPY_REMOTE];

        if (srcOp->method == VIR_SCSI_METHOD_HOST) {
            virSCSIReportEvent(job->report, "host copy, because the source LUN cannot "
                               "take part in an offloaded copy: %s", srcOp->reason);
            job->method = VIR_SCSI_METHOD_HOST;
            return;
        }
    }

    /* The destination's copy manager must name both LUNs. */
    if (virSCSICommandCscdFromCaps(job->src->caps, &job->cscds[0], &err) < 0 ||
        virSCSICommandCscdFromCaps(job->dst->caps, &job->cscds[1], &err) < 0) {
        virSCSIReportEvent(job->report, "host copy, because %s", err->message);
        job->method = VIR_SCSI_METHOD_HOST;
        return;
    }
    if (sameLun && job->dst->caps->copyParams.maxCscdDescriptorCount < 2) {
        job->ncscds = 1;
        job->srcIndex = job->dstIndex = 0;
    } else {
        job->ncscds = 2;
        job->srcIndex = 0;
        job->dstIndex = 1;
    }
}


/* Blocks a chunk: one offload command (all its segments), or one host
 * transfer; fewer when asked (@commandBlocks: how an array's copy engine
 * takes command size against commands in flight is measured, not known:
 * bench/xcopy-shape), never past the plan's limits, whole granules. */
static uint64_t
virSCSIOffloadCopyChunkBlocks(const virSCSIOffloadCopyJob *job,
                              uint64_t commandBlocks)
{
    uint64_t chunkBlocks;

    if (job->method == VIR_SCSI_METHOD_HOST)
        return MAX(job->op->hostMaxBlocks, 1) * VIR_SCSI_COPY_HOST_CHUNK_TRANSFERS;
    if (job->method == VIR_SCSI_METHOD_TOKEN_COPY)
        chunkBlocks = MAX(job->op->maxBlocks, 1);
    else
        chunkBlocks = MAX(job->op->maxBlocks, 1) * MAX(job->op->maxDescriptors, 1);
    if (commandBlocks && commandBlocks < chunkBlocks) {
        uint64_t g = MAX(job->op->granularity, 1);

        chunkBlocks = MAX(commandBlocks / g, 1) * g;
    }
    return chunkBlocks;
}


static int
virSCSIOffloadCopyCheck(virSCSILun *src,
                        uint64_t srcLba,
                        virSCSILun *dst,
                        uint64_t dstLba,
                        uint64_t nblocks,
                        bool sameLun,
                        GError **error)
{
    if (virSCSIOffloadCheckRange(src, srcLba, nblocks, error) < 0 ||
        virSCSIOffloadCheckRange(dst, dstLba, nblocks, error) < 0)
        return -1;
    if (virSCSILunBlockSize(src) != virSCSILunBlockSize(dst)) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "cannot copy between block sizes %u (%s) and %u (%s)",
                    virSCSILunBlockSize(src), src->caps->target,
                    virSCSILunBlockSize(dst), dst->caps->target);
        return -1;
    }
    if (sameLun && virSCSIChunkOverlap(srcLba, dstLba, nblocks)) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "source LBA %llu and destination LBA %llu overlap over %llu blocks",
                    (unsigned long long)srcLba, (unsigned long long)dstLba,
                    (unsigned long long)nblocks);
        return -1;
    }
    return 0;
}


int
virSCSIOffloadCopy(virSCSILun *src,
                   uint64_t srcLba,
                   virSCSILun *dst,
                   uint64_t dstLba,
                   uint64_t nblocks,
                   const virSCSIOffloadOptions *opts,
                   virSCSIReport *report,
                   GError **error)
{
    virSCSIOffloadOptions none = { 0 };
    virSCSIOffloadCopyJob job = { 0 };
    virSCSIOffloadFrame frame;
    bool sameLun = src == dst || virSCSILunCapsSameLun(src->caps, dst->caps);
    virSCSIParallel p = { 0 };
    uint64_t done;
    int ret = -1;

    if (!opts)
        opts = &none;
    job.resume = MIN(opts->resumeBlocks, nblocks);
    job.src = src;
    job.dst = dst;
    job.srcLba = srcLba + job.resume;
    job.dstLba = dstLba + job.resume;
    job.flags = opts->flags;
    job.report = report;
    job.listIdBase = g_random_int();

    virSCSIOffloadBegin(&frame, report, "copy", dst, nblocks - job.resume,
                        sameLun ? &dst->plan.ops[VIR_SCSI_PLAN_OP_COPY] :
                        &dst->plan.ops[VIR_SCSI_PLAN_OP_COPY_REMOTE]);
    virSCSIOffloadAlsoCount(&frame, src->transport);
    virSCSIReportResume(report, job.resume);

    if (virSCSIOffloadCopyCheck(src, srcLba, dst, dstLba, nblocks, sameLun, error) < 0)
        goto cleanup;
    if (job.resume == nblocks) {
        ret = 0;
        goto cleanup;
    }

    virSCSIOffloadCopyChoose(&job, sameLun);
    job.skipDeallocated = (opts->flags & VIR_SCSI_OFFLOAD_DST_ZEROED) &&
        src->caps->getLbaStatus == VIR_SCSI_SUPPORT_YES &&
        src->caps->hasLbp && src->caps->lbp.lbprz;

    /* Each worker has a session of the destination (whose copy manager
     * gets the commands) and, between LUNs, one of the source. */
    p.lun = dst;
    p.lun2 = src == dst ? NULL : src;
    p.workers = opts->inflight ? MIN(opts->inflight, VIR_SCSI_COPY_INFLIGHT_MAX) :
        VIR_SCSI_COPY_INFLIGHT_DEFAULT;
    p.chunkBlocks = virSCSIOffloadCopyChunkBlocks(&job, opts->commandBlocks);
    p.granularity = job.op->granularity;
    p.run = virSCSIOffloadCopyChunk;
    p.opaque = &job;
    p.report = report;
    p.resumeBase = job.resume;
    ret = virSCSIParallelRun(&p, nblocks - job.resume, &done, error);

 cleanup:
    virSCSIOffloadEnd(&frame);
    return ret;
}
