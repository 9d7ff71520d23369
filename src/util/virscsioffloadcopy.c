/*
 * virscsioffloadcopy.c: copy a range within a LUN or between LUNs of one
 *                       array
 *
 * The range is cut into chunks of one offload command each (EXTENDED
 * COPY with as many segments as the copy manager takes, or a token
 * copy); several workers, each with its own session, keep commands in
 * flight.  A chunk the array refuses or fails is finished by the host
 * from the first block not known copied, and offload goes on for later
 * chunks unless the failure says it never will work.  Chunks complete out
 * of order; the report's resume point is the end of the longest prefix
 * known complete, so a stopped copy restarts there, not at zero.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsioffloadpriv.h"
#include "virscsicommands.h"
#include "virscsichunk.h"
#include "virscsierror.h"

#define VIR_SCSI_COPY_INFLIGHT_DEFAULT 4
#define VIR_SCSI_COPY_INFLIGHT_MAX 32

/* Host chunks of one transfer each: the resume point then never lags
 * more than a transfer per worker behind what was copied. */
#define VIR_SCSI_COPY_HOST_CHUNK_TRANSFERS 1

typedef struct _virSCSIOffloadCopyChunk virSCSIOffloadCopyChunk;
struct _virSCSIOffloadCopyChunk {
    uint64_t off;               /* from the start of this run's range */
    uint64_t len;
};

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

    virSCSIOffloadCopyChunk *chunks;
    size_t nchunks;

    gint nextChunk;             /* atomic */
    gint nextListId;            /* atomic */
    gint offloadOff;            /* atomic: offload given up */
    gint consecutiveFailures;   /* atomic */
    gint stop;                  /* atomic: a worker failed */

    GMutex lock;                /* protects what follows */
    bool *chunkDone;
    size_t watermarkChunk;
    uint64_t watermark;
    GError *error;              /* the first fatal one */
};

typedef struct _virSCSIOffloadCopyWorker virSCSIOffloadCopyWorker;
struct _virSCSIOffloadCopyWorker {
    virSCSIOffloadCopyJob *job;
    virSCSITransport *srcT;
    virSCSITransport *dstT;
    bool ownSrc;
    bool ownDst;
    GThread *thread;
};


static void
virSCSIOffloadCopyFail(virSCSIOffloadCopyJob *job,
                       GError *err)
{
    g_mutex_lock(&job->lock);
    if (!job->error)
        job->error = err;
    else
        g_error_free(err);
    g_mutex_unlock(&job->lock);
    g_atomic_int_set(&job->stop, 1);
}


static void
virSCSIOffloadCopyChunkFinished(virSCSIOffloadCopyJob *job,
                                size_t index)
{
    uint64_t resume;

    g_mutex_lock(&job->lock);
    job->chunkDone[index] = true;
    while (job->watermarkChunk < job->nchunks && job->chunkDone[job->watermarkChunk])
        job->watermark += job->chunks[job->watermarkChunk++].len;
    resume = job->resume + job->watermark;
    g_mutex_unlock(&job->lock);
    virSCSIReportResume(job->report, resume);
}


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
                              const virSCSIOffloadCopyChunk *chunk,
                              GError **error)
{
    virSCSIOffloadCopyJob *job = w->job;
    uint64_t pos = 0;

    while (pos < chunk->len) {
        g_auto(virSCSILbaStatus) status = { 0 };
        g_autoptr(GError) err = NULL;
        uint64_t lba = job->srcLba + chunk->off + pos;
        size_t i;

        if (virSCSICommandGetLbaStatus(w->srcT, lba, &status, &err) < 0 ||
            status.ndescriptors == 0 || status.descriptors[0].lba > lba) {
            /* No usable answer: copy the rest of the chunk. */
            return virSCSIOffloadCopyRange(w, chunk->off + pos, chunk->len - pos, error);
        }

        for (i = 0; i < status.ndescriptors && pos < chunk->len; i++) {
            const virSCSILbaStatusDescriptor *d = &status.descriptors[i];
            uint64_t end = d->lba + d->nblocks;
            uint64_t n;

            if (end <= lba)
                continue;
            if (d->lba > job->srcLba + chunk->off + pos)
                break;      /* a gap: ask again from here */
            n = MIN(end - (job->srcLba + chunk->off + pos), chunk->len - pos);
            if (d->provisioningStatus == VIR_SCSI_LBA_DEALLOCATED ||
                d->provisioningStatus == VIR_SCSI_LBA_ANCHORED) {
                virSCSIReportSkip(job->report, n);
            } else if (virSCSIOffloadCopyRange(w, chunk->off + pos, n, error) < 0) {
                return -1;
            }
            pos += n;
        }
    }
    return 0;
}


static gpointer
virSCSIOffloadCopyWorkerRun(gpointer opaque)
{
    virSCSIOffloadCopyWorker *w = opaque;
    virSCSIOffloadCopyJob *job = w->job;

    while (!g_atomic_int_get(&job->stop)) {
        gint i = g_atomic_int_add(&job->nextChunk, 1);
        GError *err = NULL;
        int rc;

        if ((size_t)i >= job->nchunks)
            break;
        if (virSCSIOffloadCancelled(job->report, &err)) {
            virSCSIOffloadCopyFail(job, err);
            break;
        }
        if (job->skipDeallocated)
            rc = virSCSIOffloadCopyChunkSparse(w, &job->chunks[i], &err);
        else
            rc = virSCSIOffloadCopyRange(w, job->chunks[i].off, job->chunks[i].len, &err);
        if (rc < 0) {
            virSCSIOffloadCopyFail(job, err);
            break;
        }
        virSCSIOffloadCopyChunkFinished(job, i);
    }
    return NULL;
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


static void
virSCSIOffloadCopyMakeChunks(virSCSIOffloadCopyJob *job,
                             uint64_t nblocks,
                             uint64_t commandBlocks)
{
    uint64_t chunkBlocks;
    uint64_t pos = 0;
    size_t n = 0;

    if (job->method == VIR_SCSI_METHOD_HOST)
        chunkBlocks = MAX(job->op->hostMaxBlocks, 1) * VIR_SCSI_COPY_HOST_CHUNK_TRANSFERS;
    else if (job->method == VIR_SCSI_METHOD_TOKEN_COPY)
        chunkBlocks = MAX(job->op->maxBlocks, 1);
    else
        chunkBlocks = MAX(job->op->maxBlocks, 1) * MAX(job->op->maxDescriptors, 1);
    /* A smaller command on request (how an array's copy engine takes
     * command size against commands in flight is measured, not known:
     * bench/xcopy-shape), never past the plan's limits, whole granules. */
    if (commandBlocks && job->method != VIR_SCSI_METHOD_HOST && commandBlocks < chunkBlocks) {
        uint64_t g = MAX(job->op->granularity, 1);

        chunkBlocks = MAX(commandBlocks / g, 1) * g;
    }

    job->nchunks = (nblocks + chunkBlocks - 1) / chunkBlocks + 1;
    job->chunks = g_new0(virSCSIOffloadCopyChunk, job->nchunks);
    while (pos < nblocks) {
        uint64_t len = virSCSIChunkNext(pos, nblocks - pos, chunkBlocks,
                                        job->op->granularity, 0);

        job->chunks[n].off = pos;
        job->chunks[n].len = len;
        pos += len;
        n++;
    }
    job->nchunks = n;
    job->chunkDone = g_new0(bool, n);
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


/* Start the workers: the first on the LUNs' own sessions, the others on
 * sessions of their own, as many as could be opened. */
static size_t
virSCSIOffloadCopyStartWorkers(virSCSIOffloadCopyJob *job,
                               virSCSIOffloadCopyWorker *workers,
                               size_t want)
{
    size_t n;

    for (n = 0; n < want; n++) {
        virSCSIOffloadCopyWorker *w = &workers[n];
        g_autoptr(GError) err = NULL;

        w->job = job;
        if (n == 0) {
            w->srcT = job->src->transport;
            w->dstT = job->dst->transport;
        } else {
            if (!(w->dstT = virSCSILunOpenExtraTransport(job->dst, &err))) {
                virSCSIReportEvent(job->report, "running %zu commands in flight: "
                                   "another session failed: %s", n, err->message);
                break;
            }
            w->ownDst = true;
            if (job->src == job->dst) {
                w->srcT = w->dstT;
            } else if (!(w->srcT = virSCSILunOpenExtraTransport(job->src, &err))) {
                virSCSIReportEvent(job->report, "running %zu commands in flight: "
                                   "another session failed: %s", n, err->message);
                virSCSIOffloadCountClosing(job->report, w->dstT);
                virSCSITransportFree(w->dstT);
                w->dstT = NULL;
                w->ownDst = false;
                break;
            } else {
                w->ownSrc = true;
            }
        }
        w->thread = g_thread_new("vaai-copy", virSCSIOffloadCopyWorkerRun, w);
    }
    return n;
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
    g_autofree virSCSIOffloadCopyWorker *workers = NULL;
    virSCSIOffloadFrame frame;
    bool sameLun = src == dst || virSCSILunCapsSameLun(src->caps, dst->caps);
    size_t want;
    size_t started;
    size_t i;
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
    g_mutex_init(&job.lock);

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
    virSCSIOffloadCopyMakeChunks(&job, nblocks - job.resume, opts->commandBlocks);

    want = opts->inflight ? MIN(opts->inflight, VIR_SCSI_COPY_INFLIGHT_MAX) :
        VIR_SCSI_COPY_INFLIGHT_DEFAULT;
    want = MAX(MIN(want, job.nchunks), 1);
    workers = g_new0(virSCSIOffloadCopyWorker, want);
    started = virSCSIOffloadCopyStartWorkers(&job, workers, want);

    for (i = 0; i < started; i++) {
        g_thread_join(workers[i].thread);
        if (workers[i].ownDst) {
            virSCSIOffloadCountClosing(report, workers[i].dstT);
            virSCSITransportFree(workers[i].dstT);
        }
        if (workers[i].ownSrc) {
            virSCSIOffloadCountClosing(report, workers[i].srcT);
            virSCSITransportFree(workers[i].srcT);
        }
    }

    if (job.error) {
        g_propagate_error(error, g_steal_pointer(&job.error));
        goto cleanup;
    }
    ret = 0;

 cleanup:
    virSCSIOffloadEnd(&frame);
    g_free(job.chunks);
    g_free(job.chunkDone);
    g_mutex_clear(&job.lock);
    return ret;
}
