/*
 * storage_vaai_volume.c: crash-safe volume operations on a shared vaai pool
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

#include "storage_vaai_volume.h"
#include "storage_vaai_fence.h"
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

typedef struct _virStorageVaaiWork virStorageVaaiWork;
struct _virStorageVaaiWork {
    virStorageVaaiSession *s;
    virStorageVaaiPool *pool;
    virStorageVaaiTable *table;
    const virStorageVaaiOpOptions *opts;
    virSCSIReport *report;          /* the caller's: the sum of all phases */
    const char *what;               /* "create", "clone", ... */
    bool leased;
    uint64_t epoch;                 /* the session's fence epoch at the start */
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


static void
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


static void
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
static void
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


static void
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
static int
virStorageVaaiWorkLease(virStorageVaaiWork *w,
                        GError **error)
{
    unsigned int wait = w->opts->leaseWaitMs ? w->opts->leaseWaitMs :
        VIR_STORAGE_VAAI_LEASE_WAIT_MS;

    if (virStorageVaaiSessionAcquire(w->s, wait, error) < 0)
        return -1;
    w->leased = true;
    return virStorageVaaiTableRead(w->pool, w->table, error);
}


static void
virStorageVaaiSetWorker(virStorageVaaiWork *w,
                        virStorageVaaiVolRecord *rec)
{
    const virStorageVaaiHost *self = virStorageVaaiSessionHost(w->s);

    memcpy(rec->workerUuid, self->uuid, VIR_STORAGE_VAAI_UUID_LEN);
    rec->workerIncarnation = self->incarnation;
}


static void
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
static bool
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
static int
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


/* Change our own in-progress record @w->idx with @edit, without the
 * lease: only its worker writes a busy record, so a miscompare means a
 * false miscompare (re-read, same content: retry) or that another host
 * presumed us dead and took the record (stop). */
static int
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


typedef enum {
    VIR_STORAGE_VAAI_MOVE_ZERO,
    VIR_STORAGE_VAAI_MOVE_UNMAP,        /* must read as zeros */
    VIR_STORAGE_VAAI_MOVE_TRIM,         /* unmap; zeros not needed */
    VIR_STORAGE_VAAI_MOVE_COPY,
    VIR_STORAGE_VAAI_MOVE_FILL,         /* w->fillPass, by the host */
} virStorageVaaiMove;


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
static int
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
static int
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

static void
virStorageVaaiEditReady(virStorageVaaiVolRecord *rec,
                        void *opaque G_GNUC_UNUSED)
{
    rec->state = VIR_STORAGE_VAAI_VOL_READY;
    virStorageVaaiClearWorker(rec);
}


static void
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
static void
virStorageVaaiEditOrphan(virStorageVaaiVolRecord *rec,
                         void *opaque G_GNUC_UNUSED)
{
    memset(rec->workerUuid, 0, VIR_STORAGE_VAAI_UUID_LEN);
    rec->workerIncarnation = 0;
}


/* After a failed data phase: roll our record back with @edit, or, if
 * that fails too, leave it to recovery. */
static void
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
static int
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
static bool
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
static int
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


static uint64_t
virStorageVaaiWorkBlocks(virStorageVaaiWork *w,
                         uint64_t capacity)
{
    return virStorageVaaiAllocBlocks(capacity, w->pool->header.blockSize,
                                     w->pool->header.extentAlignment);
}


/* Capacities are whole blocks. */
static uint64_t
virStorageVaaiRoundCapacity(uint64_t capacity,
                            uint32_t blockSize)
{
    return (capacity + blockSize - 1) / blockSize * blockSize;
}


/* Claim a free record for a new volume: name unique, extent found. */
static int
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
    g_autoptr(virStorageVaaiTable) t = virStorageVaaiTableNew(&src->header);
    int idx;

    if (virStorageVaaiTableRead(src, t, error) < 0)
        return -1;
    idx = uuid ? virStorageVaaiTableFindUuid(t, uuid) : virStorageVaaiTableFindName(t, srcName);
    if (idx < 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NOT_FOUND,
                    "no volume '%s' in pool '%s'", srcName, src->header.name);
        return -1;
    }
    if (t->recs[idx].state != VIR_STORAGE_VAAI_VOL_READY) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY,
                    "volume '%s' is %s, not ready", srcName,
                    virStorageVaaiVolStateName(t->recs[idx].state));
        return -1;
    }
    *rec = t->recs[idx];
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

/* Mark a ready volume busy with @state under the lease. */
static int
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
    if (virStorageVaaiWorkSwapLeased(w, idx, &next, error) < 0)
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

    if (virSCSIPatternNewKey(w->fillKey, error) < 0)
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
static int
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


/* Trim (or zero) the extent of a volume being deleted, then free it. */
static int
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


/* ---- Resize ---- */

static void
virStorageVaaiEditApplyIntent(virStorageVaaiVolRecord *rec,
                              void *opaque G_GNUC_UNUSED)
{
    if (rec->intentExtentLength) {
        rec->extentStart = rec->intentExtentStart;
        rec->extentLength = rec->intentExtentLength;
    }
    rec->capacity = rec->intentCapacity;
    rec->state = VIR_STORAGE_VAAI_VOL_READY;
    virStorageVaaiClearWorker(rec);
}


/* After a move's copy: the new extent is the volume's; the old one is
 * the intent, held until it is trimmed. */
static void
virStorageVaaiEditSwitchToRelease(virStorageVaaiVolRecord *rec,
                                  void *opaque G_GNUC_UNUSED)
{
    uint64_t oldStart = rec->extentStart;
    uint64_t oldLength = rec->extentLength;

    rec->extentStart = rec->intentExtentStart;
    rec->extentLength = rec->intentExtentLength;
    rec->capacity = rec->intentCapacity;
    rec->intentExtentStart = oldStart;
    rec->intentExtentLength = oldLength;
    rec->intentCapacity = 0;
    rec->state = VIR_STORAGE_VAAI_VOL_RELEASING;
}


/* Trim the intent extent of a releasing volume, then drop it. */
static int
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


int
virStorageVaaiVolResize(virStorageVaaiSession *s,
                        const char *name,
                        uint64_t capacity,
                        const virStorageVaaiOpOptions *opts,
                        virSCSIReport *report,
                        virStorageVaaiVolRecord *out,
                        GError **error)
{
    virStorageVaaiWork w;
    virStorageVaaiVolRecord cur;
    virStorageVaaiVolRecord next;
    g_autofree virStorageVaaiExtent *used = NULL;
    size_t nused;
    uint32_t bs;
    uint64_t length;
    bool move = false;
    int idx;
    int ret = -1;

    virStorageVaaiWorkInit(&w, s, opts, report, "resize");
    bs = w.pool->header.blockSize;
    capacity = virStorageVaaiRoundCapacity(capacity, bs);
    length = virStorageVaaiWorkBlocks(&w, capacity);
    if (capacity == 0 || length == 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "resize: a volume needs a capacity above 0");
        goto cleanup;
    }
    if (virStorageVaaiWorkLease(&w, error) < 0 ||
        (idx = virStorageVaaiWorkFind(&w, name, w.opts->uuid, false, error)) < 0)
        goto cleanup;
    cur = next = w.table->recs[idx];

    if (capacity == cur.capacity) {
        if (out)
            *out = cur;
        ret = 0;
        goto cleanup;
    }
    if (capacity < cur.capacity && !(w.opts->flags & VIR_STORAGE_VAAI_OP_SHRINK)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "resize: '%s' would shrink from %llu to %llu bytes, losing data: "
                    "ask for it explicitly", name, (unsigned long long)cur.capacity,
                    (unsigned long long)capacity);
        goto cleanup;
    }

    virStorageVaaiSetWorker(&w, &next);
    next.progress = 0;
    next.intentCapacity = capacity;
    if (capacity < cur.capacity) {
        if (length < cur.extentLength) {
            /* Shrink: the tail is trimmed while we still hold it. */
            if (!virStorageVaaiWorkNotCloneSource(&w, idx, error))
                goto cleanup;
            next.state = VIR_STORAGE_VAAI_VOL_RELEASING;
            next.extentLength = length;
            next.capacity = capacity;
            next.intentExtentStart = cur.extentStart + length;
            next.intentExtentLength = cur.extentLength - length;
            next.intentCapacity = 0;
        } else {
            next.state = VIR_STORAGE_VAAI_VOL_RESIZING;
        }
    } else if (length <= cur.extentLength) {
        next.state = VIR_STORAGE_VAAI_VOL_RESIZING;        /* within the extent */
    } else {
        used = virStorageVaaiTableUsedExtents(w.table, &nused);
        next.state = VIR_STORAGE_VAAI_VOL_RESIZING;
        next.intentExtentLength = length;
        if (virStorageVaaiAllocCanGrow(used, nused, w.pool->header.dataEndLba, idx,
                                       cur.extentStart, cur.extentLength, length)) {
            next.intentExtentStart = cur.extentStart;
        } else if (w.opts->flags & VIR_STORAGE_VAAI_OP_NO_MOVE) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NO_SPACE,
                        "resize: '%s' cannot grow to %llu bytes in place, and may not move",
                        name, (unsigned long long)capacity);
            goto cleanup;
        } else {
            if (!virStorageVaaiWorkNotCloneSource(&w, idx, error) ||
                virStorageVaaiWorkAllocate(&w, length, &next.intentExtentStart, error) < 0)
                goto cleanup;
            move = true;
        }
    }
    if (virStorageVaaiWorkSwapLeased(&w, idx, &next, error) < 0)
        goto cleanup;
    w.idx = idx;
    virStorageVaaiWorkUnlease(&w);
    virStorageVaaiCrashPoint("resize.intent");

    if (next.state == VIR_STORAGE_VAAI_VOL_RELEASING) {
        w.total = next.intentExtentLength;
        if (virStorageVaaiWorkFinishRelease(&w, error) < 0)
            goto cleanup;
    } else if (capacity < cur.capacity) {
        if (virStorageVaaiWorkSwapOwn(&w, virStorageVaaiEditApplyIntent, NULL, error) < 0)
            goto cleanup;
    } else if (!move) {
        /* Grow in place: what lies past the old capacity may be a deleted
         * volume's data (or our own from before a shrink). */
        uint64_t from = cur.capacity / bs;
        uint64_t to = MAX(length, cur.extentLength);

        w.total = to - from;
        if (virStorageVaaiWorkMove(&w, VIR_STORAGE_VAAI_MOVE_UNMAP, NULL, 0,
                                   cur.extentStart + from, to - from, error) < 0) {
            virStorageVaaiWorkAbandon(&w, virStorageVaaiEditReady);
            goto cleanup;
        }
        virStorageVaaiCrashPoint("resize.zeroed");
        if (virStorageVaaiWorkSwapOwn(&w, virStorageVaaiEditApplyIntent, NULL, error) < 0)
            goto cleanup;
    } else {
        uint64_t srcBlocks = cur.capacity / bs;

        w.total = length + cur.extentLength;
        if (virStorageVaaiWorkMove(&w, VIR_STORAGE_VAAI_MOVE_COPY, w.pool, cur.extentStart,
                                   next.intentExtentStart, srcBlocks, error) < 0 ||
            virStorageVaaiWorkMove(&w, VIR_STORAGE_VAAI_MOVE_UNMAP, NULL, 0,
                                   next.intentExtentStart + srcBlocks,
                                   length - srcBlocks, error) < 0) {
            virStorageVaaiWorkAbandon(&w, virStorageVaaiEditReady);
            goto cleanup;
        }
        virStorageVaaiCrashPoint("resize.copied");
        if (virStorageVaaiWorkSwapOwn(&w, virStorageVaaiEditSwitchToRelease, NULL, error) < 0)
            goto cleanup;
        virStorageVaaiCrashPoint("resize.switched");
        if (virStorageVaaiWorkFinishRelease(&w, error) < 0)
            goto cleanup;
    }
    if (out)
        *out = w.table->recs[w.idx];
    ret = 0;

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
    if (virStorageVaaiWorkSwapLeased(&w, idx, &next, error) < 0)
        goto cleanup;
    if (out)
        *out = w.table->recs[idx];
    ret = 0;

 cleanup:
    virStorageVaaiWorkClear(&w);
    return ret;
}


/* ---- Recovery ---- */

/* Take over the busy record @idx of a dead worker: our identity replaces
 * the dead one's, from the exact bytes read, so two recoverers cannot
 * both proceed. */
static int
virStorageVaaiWorkAdopt(virStorageVaaiWork *w,
                        uint32_t idx,
                        GError **error)
{
    virStorageVaaiVolRecord next = w->table->recs[idx];
    int rc;

    virStorageVaaiSetWorker(w, &next);
    virStorageVaaiWorkRegister(w, idx);
    rc = virStorageVaaiTableSwap(w->pool, w->table, idx, &next, error);
    if (rc != 0) {
        virStorageVaaiWorkRegister(w, -1);
        return rc;
    }
    w->idx = idx;
    return 0;
}


static int
virStorageVaaiRecoverOne(virStorageVaaiWork *w,
                         uint32_t idx,
                         GPtrArray *log,
                         GError **error)
{
    virStorageVaaiVolRecord rec = w->table->recs[idx];
    const char *action = NULL;
    int rc;

    w->base = 0;
    w->total = rec.extentLength;
    if ((rc = virStorageVaaiWorkAdopt(w, idx, error)) != 0)
        return rc;     /* someone else got there first: leave it to them */
    virStorageVaaiCrashPoint("recover.adopted");

    switch (rec.state) {
    case VIR_STORAGE_VAAI_VOL_CREATING:
    case VIR_STORAGE_VAAI_VOL_CLONING:
        /* Never reported made: roll back.  Its space is zeroed again by
         * whichever volume gets it next. */
        action = "rolled back (freed)";
        rc = virStorageVaaiWorkSwapOwn(w, virStorageVaaiEditFree, NULL, error);
        break;
    case VIR_STORAGE_VAAI_VOL_RESIZING:
        /* The old extent was never written: keep it. */
        action = "rolled back to its old size";
        rc = virStorageVaaiWorkSwapOwn(w, virStorageVaaiEditReady, NULL, error);
        break;
    case VIR_STORAGE_VAAI_VOL_WIPING:
        /* Whatever algorithm it ran: zeros cover every pass's data. */
        action = "wiped again";
        rc = virStorageVaaiWorkWipe(w, false, NULL, error);
        break;
    case VIR_STORAGE_VAAI_VOL_DELETING:
        action = "deleted";
        rc = virStorageVaaiWorkDelete(w, false, error);
        break;
    case VIR_STORAGE_VAAI_VOL_RELEASING:
        action = "finished releasing its old space";
        w->total = rec.intentExtentLength;
        rc = virStorageVaaiWorkFinishRelease(w, error);
        break;
    case VIR_STORAGE_VAAI_VOL_FREE:
    case VIR_STORAGE_VAAI_VOL_READY:
    case VIR_STORAGE_VAAI_VOL_BROKEN:
    case VIR_STORAGE_VAAI_VOL_STATE_LAST:
        break;
    }
    w->idx = -1;
    virStorageVaaiWorkRegister(w, -1);
    if (rc == 0 && log)
        g_ptr_array_add(log, g_strdup_printf("record %u: %s volume '%s' of a dead "
                                             "worker %s", idx,
                                             virStorageVaaiVolStateName(rec.state),
                                             rec.name, action ? action : "left alone"));
    return rc;
}


/* Whether busy record @idx of @table is to be recovered now: its worker
 * is this process and none of its operations works on it, or @watcher
 * holds the worker dead (*@unsure: it stood still, not yet for T). */
static bool
virStorageVaaiRecoverDue(virStorageVaaiSession *s,
                         virStorageVaaiWatcher *watcher,
                         const virStorageVaaiTable *table,
                         uint32_t idx,
                         bool *unsure)
{
    const virStorageVaaiVolRecord *r = &table->recs[idx];

    if (table->status[idx] != VIR_STORAGE_VAAI_RECORD_VALID ||
        !virStorageVaaiVolStateBusy(r->state))
        return false;
    /* This process's own record, which no operation of it works on any
     * more (one stopped by its fence that could not roll back): its
     * worker is as good as dead. */
    if (virStorageVaaiIsWorker(s, r))
        return !virStorageVaaiSessionWorking(s, idx);
    switch (virStorageVaaiWatcherState(watcher, r->workerUuid, r->workerIncarnation)) {
    case VIR_STORAGE_VAAI_PROCESS_ALIVE:
        return false;
    case VIR_STORAGE_VAAI_PROCESS_UNSURE:
        *unsure = true;
        return false;
    case VIR_STORAGE_VAAI_PROCESS_DEAD:
        break;
    }
    return true;
}


bool
virStorageVaaiVolNeedsRecovery(virStorageVaaiSession *s,
                               virStorageVaaiWatcher *watcher,
                               const virStorageVaaiTable *table)
{
    bool unsure = false;
    uint32_t i;

    for (i = 0; i < table->count; i++) {
        if (virStorageVaaiRecoverDue(s, watcher, table, i, &unsure))
            return true;
    }
    return false;
}


/* Recover every busy record of the table just read that @watcher holds
 * dead (or that is this process's and unworked); *@unsure when a worker
 * stood still but not yet for T.  Returns how many were handled. */
static int
virStorageVaaiRecoverScan(virStorageVaaiWork *w,
                          virStorageVaaiWatcher *watcher,
                          GPtrArray *log,
                          bool *unsure,
                          GError **error)
{
    int handled = 0;
    uint32_t i;

    for (i = 0; i < w->table->count; i++) {
        int rc;

        const virStorageVaaiVolRecord *r = &w->table->recs[i];

        if (!virStorageVaaiRecoverDue(w->s, watcher, w->table, i, unsure))
            continue;
        /* A dead worker is fenced at the array before its work changes
         * hands: its commands still queued are aborted, later ones
         * refused (storage_vaai_fence.h). */
        if (!virStorageVaaiIsWorker(w->s, r) &&
            virStorageVaaiFenceOut(w->pool, r->workerUuid, r->workerIncarnation, error) < 0)
            return -1;
        if ((rc = virStorageVaaiRecoverOne(w, i, log, error)) < 0)
            return -1;
        if (rc == 0)
            handled++;
    }
    return handled;
}


int
virStorageVaaiVolRecover(virStorageVaaiSession *s,
                         unsigned int waitMs,
                         const virStorageVaaiOpOptions *opts,
                         virSCSIReport *report,
                         GPtrArray *log,
                         GError **error)
{
    virStorageVaaiWork w;
    g_autoptr(virStorageVaaiWatcher) watcher = NULL;
    gint64 deadline = g_get_monotonic_time() + (gint64)waitMs * 1000;
    gint64 settle;
    int handled = 0;
    int ret = -1;

    virStorageVaaiWorkInit(&w, s, opts, report, "recover");
    watcher = virStorageVaaiWatcherNew(w.pool);
    settle = g_get_monotonic_time() + 3 * w.pool->header.heartbeatIntervalMs * 1000;

    for (;;) {
        bool unsure = false;
        int rc;

        if (virStorageVaaiTableRead(w.pool, w.table, error) < 0 ||
            virStorageVaaiWatcherUpdate(watcher, error) < 0 ||
            (rc = virStorageVaaiRecoverScan(&w, watcher, log, &unsure, error)) < 0)
            goto cleanup;
        handled += rc;
        /* Watch a few heartbeats before judging a slot that stands still. */
        if (waitMs > 0 &&
            (virStorageVaaiWatcherAnyStopping(watcher) ||
             g_get_monotonic_time() < settle))
            unsure = true;
        if (!unsure || g_get_monotonic_time() >= deadline)
            break;
        g_usleep(w.pool->header.heartbeatIntervalMs * 1000 / 2);
    }
    /* Slots of processes that died stay taken until someone frees them:
     * whoever watched them for T may. */
    if (waitMs > 0 && virStorageVaaiWatcherReap(watcher, log, error) < 0)
        goto cleanup;
    ret = handled;

 cleanup:
    virStorageVaaiWorkClear(&w);
    return ret;
}


int
virStorageVaaiVolRecoverPass(virStorageVaaiSession *s,
                             virStorageVaaiWatcher *watcher,
                             GPtrArray *log,
                             GError **error)
{
    virStorageVaaiWork w;
    bool unsure = false;
    int ret = -1;

    virStorageVaaiWorkInit(&w, s, NULL, NULL, "recover");
    if (virStorageVaaiTableRead(w.pool, w.table, error) == 0)
        ret = virStorageVaaiRecoverScan(&w, watcher, log, &unsure, error);
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
