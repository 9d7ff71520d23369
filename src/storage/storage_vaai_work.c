/*
 * storage_vaai_work.c: one volume operation in progress (see
 *                      storage_vaai_work.h), the crash points of tests
 *
 * The rules (docs/format.md "How every update is made atomic"):
 *   - anything that allocates space or takes a name (create, clone,
 *     resize, rename) decides under the metadata lease, from a table read
 *     under the lease, and writes its intent before releasing the lease;
 *   - every record change is one COMPARE AND WRITE from the bytes last
 *     read (virStorageVaaiTableSwap), so a record that another host
 *     changed is never overwritten;
 *   - space is trimmed or zeroed while the record still holds it, and
 *     freed only afterwards, so no host can be handed space that this one
 *     still writes;
 *   - data moves without the lease, and only while this host's heartbeat
 *     is fresh enough that nobody can have presumed it dead.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage_vaai_work.h"
#include "storage_vaai_hold.h"
#include "virscsierror.h"
#include "virscsioffload.h"
#include "virscsitransportguard.h"

/* How often an operation's progress is written to its record. */
#define VIR_STORAGE_VAAI_PROGRESS_US (1000 * 1000)
/* Miscompares on a record we hold the lease for mean someone else is
 * recovering it: give up after this many. */
#define VIR_STORAGE_VAAI_SWAP_TRIES 4


/* VIR_STORAGE_VAAI_CRASH_AT=POINT[:N][:stop]: at the Nth time @point is
 * reached, SIGKILL this process, or with "stop" SIGSTOP it (a host that
 * hangs), for the crash tests: an exact moment, whatever the machine's
 * speed.  Only in builds with the test_hooks option (meson_options.txt). */
#ifndef VIR_STORAGE_VAAI_TEST_HOOKS
void
virStorageVaaiCrashPoint(const char *point G_GNUC_UNUSED)
{
}
#else
void
virStorageVaaiCrashPoint(const char *point)
{
    static gint hits;
    const char *spec = g_getenv("VIR_STORAGE_VAAI_CRASH_AT");
    const char *colon;
    bool stop;
    size_t len;
    int nth = 1;
    int hit;

    if (!spec || !*spec)
        return;
    colon = strchr(spec, ':');
    len = colon ? (size_t)(colon - spec) : strlen(spec);
    if (strlen(point) != len || strncmp(spec, point, len) != 0)
        return;
    if (colon && g_ascii_isdigit(colon[1]))
        nth = atoi(colon + 1);
    stop = g_str_has_suffix(spec, ":stop");
    hit = g_atomic_int_add(&hits, 1) + 1;
    /* A stopped process is stopped once: resumed, it goes on. */
    if (stop ? hit == nth : hit >= nth) {
        fprintf(stderr, "crash point %s reached: %s this process\n", point,
                stop ? "stopping" : "killing");
        fflush(stderr);
        raise(stop ? SIGSTOP : SIGKILL);
    }
}
#endif


/* ---- One operation in progress ---- */

/* Whether the operation may still write: the fence must stand, and must
 * never have run out since the operation started (another host may have
 * recovered its work since); false with @error set when not. */
static bool
virStorageVaaiWorkFresh(virStorageVaaiWork *w,
                        GError **error)
{
    if (virStorageVaaiSessionFresh(w->s, w->epoch))
        return true;
    g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FENCED,
                "%s: this host's heartbeat is too old to keep writing data "
                "(another host may presume it dead): stopped", w->what);
    return false;
}


/* The check before every command of the operation that changes the
 * medium, retries and fallbacks included (virscsitransportguard.h). */
static bool
virStorageVaaiWorkMayWrite(void *opaque,
                           GError **error)
{
    return virStorageVaaiWorkFresh(opaque, error);
}


static virSCSITransport *
virStorageVaaiWorkGuardExtra(virSCSITransport *transport,
                             void *opaque)
{
    return virSCSITransportGuardNew(transport, true, virStorageVaaiWorkMayWrite, opaque);
}


void
virStorageVaaiWorkInit(virStorageVaaiWork *w,
                       virStorageVaaiSession *s,
                       const virStorageVaaiOpOptions *opts,
                       virSCSIReport *report,
                       const char *what)
{
    static const virStorageVaaiOpOptions defaults = { 0 };

    memset(w, 0, sizeof(*w));
    w->s = s;
    w->pool = virStorageVaaiSessionPool(s);
    w->table = virStorageVaaiTableNew(&w->pool->header);
    w->opts = opts ? opts : &defaults;
    w->report = report;
    w->what = what;
    w->idx = -1;
    w->registered = -1;
    w->epoch = virStorageVaaiSessionEpoch(s);
    w->lun = virSCSILunNewView(w->pool->lun,
                               virSCSITransportGuardNew(w->pool->lun->transport, false,
                                                        virStorageVaaiWorkMayWrite, w),
                               virStorageVaaiWorkGuardExtra, w);
    g_mutex_init(&w->lock);
    if (report)
        virSCSIReportBegin(report, what, w->pool->header.blockSize, 0, NULL);
}


void
virStorageVaaiWorkUnlease(virStorageVaaiWork *w)
{
    if (w->leased) {
        g_autoptr(GError) err = NULL;

        if (virStorageVaaiSessionRelease(w->s, &err) < 0)
            g_debug("%s: releasing the lease: %s", w->what, err->message);
        w->leased = false;
    }
}


/* Tell the session which record this operation works on (before it is
 * marked busy), so that recovery in this process leaves it alone. */
void
virStorageVaaiWorkRegister(virStorageVaaiWork *w,
                           int idx)
{
    if (w->registered == idx)
        return;
    if (w->registered >= 0)
        virStorageVaaiSessionWorkEnd(w->s, w->registered);
    if (idx >= 0)
        virStorageVaaiSessionWorkBegin(w->s, idx);
    w->registered = idx;
}


void
virStorageVaaiWorkClear(virStorageVaaiWork *w)
{
    virStorageVaaiWorkRegister(w, -1);
    virStorageVaaiWorkUnlease(w);
    if (w->report)
        virSCSIReportEnd(w->report);
    virStorageVaaiTableFree(w->table);
    virSCSILunFree(w->lun);
    g_clear_error(&w->lostError);
    memset(w->fillKey, 0, sizeof(w->fillKey));
    g_mutex_clear(&w->lock);
}


/* Take the lease and read the table under it. */
int
virStorageVaaiWorkLease(virStorageVaaiWork *w,
                        GError **error)
{
    unsigned int wait = w->opts->leaseWaitMs ? w->opts->leaseWaitMs :
        VIR_STORAGE_VAAI_LEASE_WAIT_MS;

    if (virStorageVaaiSessionAcquire(w->s, wait, error) < 0)
        return -1;
    w->leased = true;
    /* Nothing of the operation is on the LUN before its first lease: a
     * lapse of the fence before then (waited out by the Acquire) recovers
     * nothing of it, so its data may move under the fence the lease was
     * verified with.  Later lapses still stop it. */
    if (!w->leasedOnce) {
        w->epoch = virStorageVaaiSessionVerifiedEpoch(w->s);
        w->leasedOnce = true;
    }
    return virStorageVaaiTableRead(w->pool, w->table, error);
}


void
virStorageVaaiSetWorker(virStorageVaaiWork *w,
                        virStorageVaaiVolRecord *rec)
{
    const virStorageVaaiHost *self = virStorageVaaiSessionHost(w->s);

    memcpy(rec->workerUuid, self->uuid, VIR_STORAGE_VAAI_UUID_LEN);
    rec->workerIncarnation = self->incarnation;
}


void
virStorageVaaiClearWorker(virStorageVaaiVolRecord *rec)
{
    memset(rec->workerUuid, 0, VIR_STORAGE_VAAI_UUID_LEN);
    rec->workerIncarnation = 0;
    rec->progress = 0;
    rec->intentExtentStart = 0;
    rec->intentExtentLength = 0;
    rec->intentCapacity = 0;
}


/* Whether @rec's worker is this process (the session's identity). */
bool
virStorageVaaiIsWorker(virStorageVaaiSession *s,
                       const virStorageVaaiVolRecord *rec)
{
    const virStorageVaaiHost *self = virStorageVaaiSessionHost(s);

    return memcmp(rec->workerUuid, self->uuid, VIR_STORAGE_VAAI_UUID_LEN) == 0 &&
           rec->workerIncarnation == self->incarnation;
}


/* Write @next over record @idx under the lease: the lease must still be
 * ours and fresh (self-fencing), and a miscompare, which cannot come from
 * another allocator while we hold the lease, is re-read and reported. */
int
virStorageVaaiWorkSwapLeased(virStorageVaaiWork *w,
                             uint32_t idx,
                             virStorageVaaiVolRecord *next,
                             GError **error)
{
    int rc;

    if (virStorageVaaiSessionVerify(w->s, error) < 0)
        return -1;
    if (virStorageVaaiIsWorker(w->s, next))
        virStorageVaaiWorkRegister(w, idx);
    rc = virStorageVaaiTableSwap(w->pool, w->table, idx, next, error);
    if (rc == 1)
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CHANGED,
                    "%s: volume record %u changed under the lease (another host "
                    "is recovering it): try again", w->what, idx);
    return rc == 0 ? 0 : -1;
}


/* Mark record @idx with @next (SwapLeased), then make sure no domain on
 * any host holds the volume open; if one does, put the record back as it
 * was and refuse naming the holder.  The mark is written before the
 * in-use block is read, and a hold is written before the record is read
 * (storage_vaai_hold.c): one side always sees the other. */
int
virStorageVaaiWorkSwapMarked(virStorageVaaiWork *w,
                             uint32_t idx,
                             virStorageVaaiVolRecord *next,
                             const char *name,
                             GError **error)
{
    virStorageVaaiVolRecord was = w->table->recs[idx];
    g_autoptr(GError) err = NULL;

    if (virStorageVaaiWorkSwapLeased(w, idx, next, error) < 0)
        return -1;
    if (virStorageVaaiHoldCheck(w->pool, idx, was.uuid, w->what, name, error) == 0)
        return 0;
    if (virStorageVaaiWorkSwapLeased(w, idx, &was, &err) < 0) {
        /* the mark stays: recovery rolls it back once this process is
         * gone, or this process's watcher (its record, no operation) */
        g_debug("%s: putting record %u back: %s", w->what, idx, err->message);
    }
    return -1;
}


/* Change our own in-progress record @w->idx with @edit, without the
 * lease: only its worker writes a busy record, so a miscompare means a
 * false miscompare (re-read, same content: retry) or that another host
 * presumed us dead and took the record (stop). */
int
virStorageVaaiWorkSwapOwn(virStorageVaaiWork *w,
                          void (*edit)(virStorageVaaiVolRecord *rec, void *opaque),
                          void *opaque,
                          GError **error)
{
    size_t attempt;

    for (attempt = 0; attempt < VIR_STORAGE_VAAI_SWAP_TRIES; attempt++) {
        virStorageVaaiVolRecord next;
        int rc;

        if (w->table->status[w->idx] != VIR_STORAGE_VAAI_RECORD_VALID ||
            !virStorageVaaiIsWorker(w->s, &w->table->recs[w->idx])) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FENCED,
                        "%s: volume record %d was taken over by another host "
                        "(this host was presumed dead)", w->what, w->idx);
            return -1;
        }
        next = w->table->recs[w->idx];
        edit(&next, opaque);
        rc = virStorageVaaiTableSwap(w->pool, w->table, w->idx, &next, error);
        if (rc <= 0)
            return rc;
    }
    g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CHANGED,
                "%s: volume record %d keeps changing under this host", w->what, w->idx);
    return -1;
}


static void
virStorageVaaiEditProgress(virStorageVaaiVolRecord *rec,
                           void *opaque)
{
    rec->progress = *(uint64_t *)opaque;
}


/* The engine's progress callback: fence, forward, persist. */
static void
virStorageVaaiWorkProgress(uint64_t done,
                           uint64_t total G_GNUC_UNUSED,
                           void *opaque)
{
    virStorageVaaiWork *w = opaque;
    uint64_t overall;
    gint64 now = g_get_monotonic_time();

    virStorageVaaiCrashPoint("data.piece");
    g_mutex_lock(&w->lock);
    overall = w->base + done;
    if (!w->lost && !virStorageVaaiWorkFresh(w, &w->lostError))
        w->lost = true;
    if (!w->lost && now - w->persistedUs >= VIR_STORAGE_VAAI_PROGRESS_US) {
        g_autoptr(GError) err = NULL;

        w->persistedUs = now;
        if (virStorageVaaiWorkSwapOwn(w, virStorageVaaiEditProgress, &overall, &err) < 0) {
            w->lost = true;
            w->lostError = g_steal_pointer(&err);
        }
        virStorageVaaiCrashPoint("progress");
    }
    if (w->lost || (w->report && virSCSIReportCancelled(w->report)))
        virSCSIReportCancel(w->phase);
    g_mutex_unlock(&w->lock);

    if (w->report && w->report->progress)
        w->report->progress(overall, w->total, w->report->progressOpaque);
}


/* Whether a copy from @src to @dst goes through the host anyway, from a
 * source that can tell its holes (GET LBA STATUS, LBPRZ) to a destination
 * that zeroes by deallocating: then zeroing the destination first lets the
 * copy skip every hole. */
static bool
virStorageVaaiCopyThin(const virSCSILun *src,
                       const virSCSILun *dst,
                       const virSCSIOffloadOptions *eo)
{
    const virSCSIOpPlan *copy = src->caps == dst->caps ?
        &dst->plan.ops[VIR_SCSI_PLAN_OP_COPY] : &dst->plan.ops[VIR_SCSI_PLAN_OP_COPY_REMOTE];
    bool viaHost = (eo->flags & VIR_SCSI_OFFLOAD_HOST_ONLY) ||
        copy->method == VIR_SCSI_METHOD_HOST;

    return viaHost && !(eo->flags & VIR_SCSI_OFFLOAD_NO_HOST) &&
           src->caps->getLbaStatus == VIR_SCSI_SUPPORT_YES &&
           src->caps->hasLbp && src->caps->lbp.lbprz &&
           dst->plan.ops[VIR_SCSI_PLAN_OP_ZERO].method == VIR_SCSI_METHOD_WRITE_SAME_UNMAP;
}


/* One engine call of the operation, fenced and reported. */
int
virStorageVaaiWorkMove(virStorageVaaiWork *w,
                       virStorageVaaiMove move,
                       virStorageVaaiPool *src,
                       uint64_t srcLba,
                       uint64_t lba,
                       uint64_t nblocks,
                       GError **error)
{
    virSCSIReport phase;
    virSCSIOffloadOptions eo = { 0 };
    int rc;

    if (nblocks == 0)
        return 0;
    if (!virStorageVaaiWorkFresh(w, error))
        return -1;
    if (w->opts->flags & VIR_STORAGE_VAAI_OP_NO_HOST)
        eo.flags |= VIR_SCSI_OFFLOAD_NO_HOST;
    if (w->opts->flags & VIR_STORAGE_VAAI_OP_HOST_ONLY)
        eo.flags |= VIR_SCSI_OFFLOAD_HOST_ONLY;
    eo.inflight = w->opts->inflight;

    virSCSIReportInit(&phase);
    phase.progress = virStorageVaaiWorkProgress;
    phase.progressOpaque = w;
    g_mutex_lock(&w->lock);
    w->phase = &phase;
    g_mutex_unlock(&w->lock);

    /* Every command goes through w->lun, whose guard checks the fence
     * right before each write is issued. */
    switch (move) {
    case VIR_STORAGE_VAAI_MOVE_ZERO:
        rc = virSCSIOffloadZero(w->lun, lba, nblocks, &eo, &phase, error);
        break;
    case VIR_STORAGE_VAAI_MOVE_UNMAP:
        eo.flags |= VIR_SCSI_OFFLOAD_NEED_ZEROS;
        rc = virSCSIOffloadUnmap(w->lun, lba, nblocks, &eo, &phase, error);
        break;
    case VIR_STORAGE_VAAI_MOVE_TRIM:
        rc = virSCSIOffloadUnmap(w->lun, lba, nblocks, &eo, &phase, error);
        break;
    case VIR_STORAGE_VAAI_MOVE_FILL:
        rc = virSCSIOffloadFill(w->lun, lba, nblocks, w->fillPass, w->fillIndex,
                                w->fillKey, &eo, &phase, error);
        break;
    case VIR_STORAGE_VAAI_MOVE_COPY:
    default: {
        virSCSILun *from = src == w->pool ? w->lun : src->lun;

        /* Through the host, a thin source's holes need not cross the link
         * twice: deallocate the destination first (cheap where WRITE SAME
         * with UNMAP reads back zeros), and the copy asks the source (GET
         * LBA STATUS) which ranges it can skip. */
        if (virStorageVaaiCopyThin(from, w->lun, &eo)) {
            virSCSIOffloadOptions zo = { .flags = eo.flags };
            virSCSIReport zeroing;

            /* Its commands count; its blocks are the copy's to report. */
            virSCSIReportInit(&zeroing);
            rc = virSCSIOffloadZero(w->lun, lba, nblocks, &zo, &zeroing, error);
            zeroing.totalBlocks = zeroing.doneBlocks = zeroing.skippedBlocks = 0;
            virSCSIReportMerge(&phase, &zeroing);
            virSCSIReportClear(&zeroing);
            if (rc < 0)
                break;
            eo.flags |= VIR_SCSI_OFFLOAD_DST_ZEROED;
        }
        rc = virSCSIOffloadCopy(from, srcLba, w->lun, lba, nblocks, &eo, &phase, error);
        break;
    }
    }

    g_mutex_lock(&w->lock);
    w->phase = NULL;
    w->base += nblocks;
    if (w->lost && rc == 0)
        rc = -1;
    if (w->lost && error) {
        g_clear_error(error);
        g_set_error_literal(error, w->lostError->domain, w->lostError->code,
                            w->lostError->message);
    } else if (error && (g_error_matches(*error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_FENCED) ||
                         g_error_matches(*error, VIR_SCSI_ERROR,
                                         VIR_SCSI_ERROR_RESERVATION_CONFLICT))) {
        /* The guard refused a command, or the array did (this host's
         * reservation key was removed): the pool's own code for it. */
        (*error)->domain = VIR_STORAGE_VAAI_ERROR;
        (*error)->code = VIR_STORAGE_VAAI_ERROR_FENCED;
    }
    g_mutex_unlock(&w->lock);
    if (w->report)
        virSCSIReportMerge(w->report, &phase);
    virSCSIReportClear(&phase);
    return rc;
}


/* Trim space that is being given up.  A LUN that cannot unmap keeps the
 * data; creation zeroes every new extent, so nothing leaks either way. */
int
virStorageVaaiWorkRelease(virStorageVaaiWork *w,
                          uint64_t lba,
                          uint64_t nblocks,
                          bool zero,
                          GError **error)
{
    if (zero)
        return virStorageVaaiWorkMove(w, VIR_STORAGE_VAAI_MOVE_ZERO, NULL, 0,
                                      lba, nblocks, error);
    if (w->pool->lun->plan.ops[VIR_SCSI_PLAN_OP_UNMAP].method == VIR_SCSI_METHOD_NONE) {
        if (w->report)
            virSCSIReportEvent(w->report, "space not reclaimed on the array: %s",
                               w->pool->lun->plan.ops[VIR_SCSI_PLAN_OP_UNMAP].reason);
        return 0;
    }
    return virStorageVaaiWorkMove(w, VIR_STORAGE_VAAI_MOVE_TRIM, NULL, 0,
                                  lba, nblocks, error);
}


/* ---- Final states ---- */

void
virStorageVaaiEditReady(virStorageVaaiVolRecord *rec,
                        void *opaque G_GNUC_UNUSED)
{
    rec->state = VIR_STORAGE_VAAI_VOL_READY;
    virStorageVaaiClearWorker(rec);
}


void
virStorageVaaiEditFree(virStorageVaaiVolRecord *rec,
                       void *opaque G_GNUC_UNUSED)
{
    uint64_t seq = rec->sequence;

    memset(rec, 0, sizeof(*rec));
    rec->sequence = seq;
    rec->state = VIR_STORAGE_VAAI_VOL_FREE;
}


/* Leave a busy record to recovery: no worker, so any host finishes or
 * rolls it back at once. */
void
virStorageVaaiEditOrphan(virStorageVaaiVolRecord *rec,
                         void *opaque G_GNUC_UNUSED)
{
    memset(rec->workerUuid, 0, VIR_STORAGE_VAAI_UUID_LEN);
    rec->workerIncarnation = 0;
}


/* After a failed data phase: roll our record back with @edit, or, if
 * that fails too, leave it to recovery. */
void
virStorageVaaiWorkAbandon(virStorageVaaiWork *w,
                          void (*edit)(virStorageVaaiVolRecord *rec, void *opaque))
{
    g_autoptr(GError) err = NULL;

    if (w->idx < 0 || w->lost)
        return;
    if (virStorageVaaiWorkSwapOwn(w, edit, NULL, &err) < 0) {
        g_debug("%s: rolling back record %d: %s", w->what, w->idx, err->message);
        g_clear_error(&err);
        virStorageVaaiWorkSwapOwn(w, virStorageVaaiEditOrphan, NULL, NULL);
    }
}


/* ---- Lookups under the lease ---- */

/* The ready volume @name; with @uuid, only if it is that volume: a name
 * is not an identity (another host may have deleted the volume and made
 * a new one of that name since the caller looked), the UUID is. */
int
virStorageVaaiWorkFind(virStorageVaaiWork *w,
                       const char *name,
                       const uint8_t *uuid,
                       bool allowBroken,
                       GError **error)
{
    int idx = virStorageVaaiTableFindName(w->table, name);

    if (idx < 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NOT_FOUND,
                    "no volume '%s' in pool '%s'", name, w->pool->header.name);
        return -1;
    }
    if (uuid && memcmp(w->table->recs[idx].uuid, uuid, VIR_STORAGE_VAAI_UUID_LEN) != 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NOT_FOUND,
                    "volume '%s' in pool '%s' is another volume now (its key "
                    "differs): the one asked for is gone", name, w->pool->header.name);
        return -1;
    }
    if (allowBroken && w->table->recs[idx].state == VIR_STORAGE_VAAI_VOL_BROKEN)
        return idx;
    if (w->table->recs[idx].state != VIR_STORAGE_VAAI_VOL_READY) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY,
                    "volume '%s' is %s, not ready", name,
                    virStorageVaaiVolStateName(w->table->recs[idx].state));
        return -1;
    }
    return idx;
}


/* A volume that a clone in progress reads from must keep its extent. */
bool
virStorageVaaiWorkNotCloneSource(virStorageVaaiWork *w,
                                 int idx,
                                 GError **error)
{
    static const uint8_t thisPool[VIR_STORAGE_VAAI_UUID_LEN] = { 0 };
    uint32_t i;

    for (i = 0; i < w->table->count; i++) {
        const virStorageVaaiVolRecord *r = &w->table->recs[i];

        if (w->table->status[i] == VIR_STORAGE_VAAI_RECORD_VALID &&
            r->state == VIR_STORAGE_VAAI_VOL_CLONING &&
            memcmp(r->parentPoolUuid, thisPool, sizeof(thisPool)) == 0 &&
            memcmp(r->parentUuid, w->table->recs[idx].uuid, VIR_STORAGE_VAAI_UUID_LEN) == 0) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY,
                        "volume '%s' is the source of clone '%s' in progress",
                        w->table->recs[idx].name, r->name);
            return false;
        }
    }
    return true;
}


/* Where @length blocks fit; allocation stops while any record's extents
 * cannot be known. */
int
virStorageVaaiWorkAllocate(virStorageVaaiWork *w,
                           uint64_t length,
                           uint64_t *start,
                           GError **error)
{
    const virStorageVaaiHeader *h = &w->pool->header;
    g_autofree virStorageVaaiExtent *used = NULL;
    size_t nused;
    uint32_t i;

    for (i = 0; i < w->table->count; i++) {
        if (virStorageVaaiTableOpaque(w->table, i)) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CORRUPT,
                        "volume table record %u is %s%s%s: its space cannot be "
                        "known, so nothing is allocated until 'pool repair' settles it",
                        i, virStorageVaaiRecordStatusName(w->table->status[i]),
                        w->table->errors[i] ? ": " : "",
                        w->table->errors[i] ? w->table->errors[i] : "");
            return -1;
        }
    }
    used = virStorageVaaiTableUsedExtents(w->table, &nused);
    if (!virStorageVaaiAllocFind(used, nused, h->dataLba, h->dataEndLba,
                                 h->extentAlignment, length, start)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NO_SPACE,
                    "pool '%s' has no free extent of %llu blocks (largest free: %llu)",
                    h->name, (unsigned long long)length,
                    (unsigned long long)virStorageVaaiAllocLargestFree(used, nused, h->dataLba,
                                                                       h->dataEndLba,
                                                                       h->extentAlignment));
        return -1;
    }
    return 0;
}


uint64_t
virStorageVaaiWorkBlocks(virStorageVaaiWork *w,
                         uint64_t capacity)
{
    return virStorageVaaiAllocBlocks(capacity, w->pool->header.blockSize,
                                     w->pool->header.extentAlignment);
}


/* Capacities are whole blocks. */
uint64_t
virStorageVaaiRoundCapacity(uint64_t capacity,
                            uint32_t blockSize)
{
    return (capacity + blockSize - 1) / blockSize * blockSize;
}


/* Claim a free record for a new volume: name unique, extent found. */
int
virStorageVaaiWorkClaimNew(virStorageVaaiWork *w,
                           const char *name,
                           uint64_t capacity,
                           virStorageVaaiVolState state,
                           virStorageVaaiVolRecord *rec,
                           GError **error)
{
    uint64_t length = virStorageVaaiWorkBlocks(w, capacity);
    uint64_t start;
    int idx;

    if (capacity == 0 || length == 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "%s: a volume needs a capacity above 0", w->what);
        return -1;
    }
    if (virStorageVaaiTableFindName(w->table, name) >= 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_EXISTS,
                    "a volume named '%s' already exists in pool '%s'", name,
                    w->pool->header.name);
        return -1;
    }
    if ((idx = virStorageVaaiTableFindFree(w->table)) < 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NO_SPACE,
                    "the volume table of pool '%s' is full (%u records)",
                    w->pool->header.name, w->table->count);
        return -1;
    }
    if (virStorageVaaiWorkAllocate(w, length, &start, error) < 0)
        return -1;

    rec->state = state;
    rec->flags = VIR_STORAGE_VAAI_VOL_FLAG_ZEROED;
    if (w->opts->uuid)
        memcpy(rec->uuid, w->opts->uuid, VIR_STORAGE_VAAI_UUID_LEN);
    else
        virStorageVaaiRandomUuid(rec->uuid);
    rec->extentStart = start;
    rec->extentLength = length;
    rec->capacity = capacity;
    rec->createdAt = g_get_real_time() / G_USEC_PER_SEC;
    virStorageVaaiSetWorker(w, rec);
    g_strlcpy(rec->name, name, sizeof(rec->name));
    if (virStorageVaaiWorkSwapLeased(w, idx, rec, error) < 0)
        return -1;
    w->idx = idx;
    return 0;
}


/* ---- Steps that operations and recovery both run ---- */

/* Mark a ready volume busy with @state under the lease. */
int
virStorageVaaiWorkBegin(virStorageVaaiWork *w,
                        const char *name,
                        virStorageVaaiVolState state,
                        bool allowBroken,
                        GError **error)
{
    virStorageVaaiVolRecord next;
    int idx;

    if (virStorageVaaiWorkLease(w, error) < 0)
        return -1;
    /* a broken volume may be deleted */
    if ((idx = virStorageVaaiWorkFind(w, name, w->opts->uuid, allowBroken, error)) < 0)
        return -1;
    if (!virStorageVaaiWorkNotCloneSource(w, idx, error))
        return -1;
    next = w->table->recs[idx];
    next.state = state;
    virStorageVaaiSetWorker(w, &next);
    next.progress = 0;
    if (virStorageVaaiWorkSwapMarked(w, idx, &next, name, error) < 0)
        return -1;
    w->idx = idx;
    virStorageVaaiWorkUnlease(w);
    return 0;
}


/* Overwrite the whole extent with @alg's passes, one engine call per
 * pass; progress counts the blocks of every pass. */
static int
virStorageVaaiWorkOverwrite(virStorageVaaiWork *w,
                            const virSCSIPatternAlgorithm *alg,
                            const virStorageVaaiVolRecord *rec,
                            GError **error)
{
    size_t i;

    if (virSCSIOffloadFillKey(w->fillKey, error) < 0)
        return -1;
    w->total = rec->extentLength * alg->npasses;
    for (i = 0; i < alg->npasses; i++) {
        w->fillPass = &alg->passes[i];
        w->fillIndex = i;
        if (virStorageVaaiWorkMove(w, VIR_STORAGE_VAAI_MOVE_FILL, NULL, 0,
                                   rec->extentStart, rec->extentLength, error) < 0)
            return -1;
        virStorageVaaiCrashPoint("wipe.pass");
    }
    return 0;
}


/* Zero, trim or overwrite (@alg) the whole extent of a busy volume, then
 * make it ready.  Whatever stops it half way leaves the record wiping,
 * which recovery zeroes. */
int
virStorageVaaiWorkWipe(virStorageVaaiWork *w,
                       bool trim,
                       const virSCSIPatternAlgorithm *alg,
                       GError **error)
{
    virStorageVaaiVolRecord rec = w->table->recs[w->idx];
    int rc;

    if (alg) {
        rc = virStorageVaaiWorkOverwrite(w, alg, &rec, error);
    } else {
        w->total = rec.extentLength;
        rc = virStorageVaaiWorkMove(w, trim ? VIR_STORAGE_VAAI_MOVE_TRIM :
                                    VIR_STORAGE_VAAI_MOVE_UNMAP, NULL, 0,
                                    rec.extentStart, rec.extentLength, error);
    }
    if (rc < 0) {
        /* Half wiped: leave it to recovery, which wipes again. */
        virStorageVaaiWorkAbandon(w, virStorageVaaiEditOrphan);
        return -1;
    }
    virStorageVaaiCrashPoint("wipe.done");
    return virStorageVaaiWorkSwapOwn(w, virStorageVaaiEditReady, NULL, error);
}


/* Trim (or zero) the extent of a volume being deleted, then free it. */
int
virStorageVaaiWorkDelete(virStorageVaaiWork *w,
                         bool zero,
                         GError **error)
{
    virStorageVaaiVolRecord rec = w->table->recs[w->idx];

    w->total = rec.extentLength;
    if (virStorageVaaiWorkRelease(w, rec.extentStart, rec.extentLength, zero, error) < 0) {
        virStorageVaaiWorkAbandon(w, virStorageVaaiEditOrphan);
        return -1;
    }
    virStorageVaaiCrashPoint("delete.trimmed");
    return virStorageVaaiWorkSwapOwn(w, virStorageVaaiEditFree, NULL, error);
}


/* Trim the intent extent of a releasing volume, then drop it. */
int
virStorageVaaiWorkFinishRelease(virStorageVaaiWork *w,
                                GError **error)
{
    virStorageVaaiVolRecord rec = w->table->recs[w->idx];

    if (virStorageVaaiWorkRelease(w, rec.intentExtentStart, rec.intentExtentLength,
                                  false, error) < 0) {
        virStorageVaaiWorkAbandon(w, virStorageVaaiEditOrphan);
        return -1;
    }
    virStorageVaaiCrashPoint("resize.released");
    return virStorageVaaiWorkSwapOwn(w, virStorageVaaiEditReady, NULL, error);
}
