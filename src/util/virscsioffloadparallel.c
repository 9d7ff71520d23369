/*
 * virscsioffloadparallel.c: one range, cut into chunks, run by workers
 *                           with a session each
 *
 * An array works on several commands at once (each in its own context:
 * LIO takes one EXTENDED COPY or WRITE SAME per worker thread), while one
 * session at a time waits for each command's round trip.  So a long
 * operation cuts its range into chunks of several commands each, and
 * workers, each with a session of its own (wrapped as the LUN's are: the
 * fence check goes before every command on every session), take the next
 * chunk until none is left.  Chunks finish out of order; *done is the end
 * of the longest prefix known finished, so a stopped operation resumes
 * there.  The first failure stops the other workers at their next
 * command: each worker's sessions are wrapped so that, once stop is set,
 * nothing more is sent, whichever retry or fallback of a chunk asks.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "virscsioffloadparallel.h"
#include "virscsichunk.h"
#include "virscsitransportguard.h"

typedef struct _virSCSIParallelJob virSCSIParallelJob;
struct _virSCSIParallelJob {
    const virSCSIParallel *p;
    uint64_t *offs;             /* chunk i: [offs[i], offs[i + 1]) */
    size_t nchunks;
    gint next;                  /* atomic: the next chunk to take */
    gint stop;                  /* atomic: a worker failed */

    GMutex lock;                /* protects what follows */
    bool *finished;
    size_t prefix;              /* chunks [0, prefix) all finished */
    GError *error;              /* the first failure */
};

typedef struct _virSCSIParallelThread virSCSIParallelThread;
struct _virSCSIParallelThread {
    virSCSIParallelJob *job;
    virSCSIParallelWorker worker;
    bool ownTransports;
    GThread *thread;
};


/* The worker's sessions, each wrapped to send nothing once job->stop is
 * set: the LUN's own (borrowed) for the first worker, new ones for the
 * others.  False when a new one could not be opened. */
static bool
virSCSIParallelOpenSessions(virSCSIParallelJob *job,
                            virSCSIParallelThread *t,
                            size_t n)
{
    const virSCSIParallel *p = job->p;
    g_autoptr(GError) err = NULL;
    virSCSITransport *s1 = NULL;
    virSCSITransport *s2 = NULL;

    if (n == 0) {
        t->worker.transport = virSCSITransportStopNew(p->lun->transport, false, &job->stop);
        if (p->lun2)
            t->worker.transport2 = virSCSITransportStopNew(p->lun2->transport, false, &job->stop);
        return true;
    }
    if ((s1 = virSCSILunOpenExtraTransport(p->lun, &err)) &&
        (!p->lun2 || (s2 = virSCSILunOpenExtraTransport(p->lun2, &err)))) {
        t->ownTransports = true;
        t->worker.transport = virSCSITransportStopNew(s1, true, &job->stop);
        if (s2)
            t->worker.transport2 = virSCSITransportStopNew(s2, true, &job->stop);
        return true;
    }
    /* Fewer workers is slower, not wrong: go on with those. */
    virSCSIReportEvent(p->report, "running %zu sessions at once: another failed: %s",
                       n, err->message);
    if (s1) {
        virSCSIOffloadCountClosing(p->report, s1);
        virSCSITransportFree(s1);
    }
    return false;
}


static void
virSCSIParallelCloseSessions(const virSCSIParallel *p,
                             virSCSIParallelThread *t)
{
    virSCSITransport *ts[] = { t->worker.transport, t->worker.transport2 };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(ts); i++) {
        if (!ts[i])
            continue;
        /* The LUN's own sessions are counted by the operation's frame. */
        if (t->ownTransports)
            virSCSIOffloadCountClosing(p->report, ts[i]);
        virSCSITransportFree(ts[i]);
    }
}


static void
virSCSIParallelFinished(virSCSIParallelJob *job,
                        size_t i)
{
    uint64_t resume;

    g_mutex_lock(&job->lock);
    job->finished[i] = true;
    while (job->prefix < job->nchunks && job->finished[job->prefix])
        job->prefix++;
    resume = job->p->resumeBase + job->offs[job->prefix];
    g_mutex_unlock(&job->lock);
    virSCSIReportResume(job->p->report, resume);
}


static void
virSCSIParallelFail(virSCSIParallelJob *job,
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


static gpointer
virSCSIParallelWorkerRun(gpointer opaque)
{
    virSCSIParallelThread *t = opaque;
    virSCSIParallelJob *job = t->job;

    while (!g_atomic_int_get(&job->stop)) {
        gint i = g_atomic_int_add(&job->next, 1);
        GError *err = NULL;

        if ((size_t)i >= job->nchunks)
            break;
        if (virSCSIOffloadCancelled(job->p->report, &err) ||
            job->p->run(&t->worker, job->offs[i], job->offs[i + 1] - job->offs[i], &err) < 0) {
            virSCSIParallelFail(job, err);
            break;
        }
        virSCSIParallelFinished(job, i);
    }
    return NULL;
}


int
virSCSIParallelRun(const virSCSIParallel *p,
                   uint64_t nblocks,
                   uint64_t *done,
                   GError **error)
{
    virSCSIParallelJob job = { .p = p };
    g_autofree virSCSIParallelThread *threads = NULL;
    uint64_t pos = 0;
    size_t want;
    size_t started;
    size_t i;

    *done = 0;
    job.offs = g_new0(uint64_t, nblocks / MAX(p->chunkBlocks, 1) + 2);
    while (pos < nblocks) {
        pos += virSCSIChunkNext(p->lba + pos, nblocks - pos, MAX(p->chunkBlocks, 1),
                                p->granularity, p->alignment);
        job.offs[++job.nchunks] = pos;
    }
    job.finished = g_new0(bool, job.nchunks);
    g_mutex_init(&job.lock);

    want = MAX(MIN(p->workers, job.nchunks), 1);
    threads = g_new0(virSCSIParallelThread, want);
    for (started = 0; started < want; started++) {
        virSCSIParallelThread *t = &threads[started];

        t->job = &job;
        t->worker.opaque = p->opaque;
        if (!virSCSIParallelOpenSessions(&job, t, started))
            break;
        t->thread = g_thread_new("vaai-chunks", virSCSIParallelWorkerRun, t);
    }
    for (i = 0; i < started; i++) {
        g_thread_join(threads[i].thread);
        virSCSIParallelCloseSessions(p, &threads[i]);
    }

    *done = job.offs[job.prefix];
    g_free(job.offs);
    g_free(job.finished);
    g_mutex_clear(&job.lock);
    if (job.error) {
        g_propagate_error(error, job.error);
        return -1;
    }
    return 0;
}
