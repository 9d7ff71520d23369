/*
 * storage_vaai_lease.c: a host's session on a shared pool: its heartbeat
 *                       slot and the metadata lease
 *
 * Every change is one COMPARE AND WRITE of one block from the bytes last
 * read; a miscompare is answered by re-reading and deciding again, never
 * by assuming.  Time is only ever this host's monotonic clock: a holder is
 * presumed dead when its heartbeat counter has not moved for the lease
 * timeout T as this host measured it, and a holder stops writing metadata
 * when its own last renewal is older than T/2 (docs/format.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>
#include <time.h>

#include "storage_vaai_lease.h"
#include "storage_vaai_fence.h"
#include "storage_vaai_journal.h"
#include "virscsierror.h"
#include "virscsioffload.h"

struct _virStorageVaaiSession {
    virStorageVaaiPool *pool;               /* not owned */
    virStorageVaaiHost self;
    uint32_t blockSize;
    uint64_t timeoutUs;                     /* T */
    uint64_t intervalUs;                    /* P */

    /* The heartbeat's own path to the LUN: a command of an operation,
     * however slow, never holds up a renewal (docs/lease-protocol.md). */
    virSCSILun *hbLun;

    GMutex lock;                            /* protects everything below */
    GCond cond;
    GCond ownerCond;                        /* signalled when @owned clears */
    GCond renewCond;                        /* broadcast when a renewal lands
                                             * or the session is fenced */
    bool owned;                             /* an operation of this process
                                             * holds the lease or is acquiring it */
    GHashTable *working;                    /* record index + 1 -> operations of
                                             * this process working on it */
    uint32_t slot;
    uint8_t *slotBlock;                     /* my slot as last written (heartbeat thread) */
    uint64_t counter;                       /* written by the heartbeat thread only */
    gint64 lastRenewUs;                     /* issue time of the last good renewal */
    uint64_t lapses;                        /* times the self-fence ran out */
    bool fenced;                            /* my slot was taken over */
    bool held;
    bool reverify;                          /* the fence ran out while held */
    uint64_t verifiedLapses;                /* lapses when Verify last found
                                             * the fence standing */
    uint8_t *leaseBlock;                    /* the lease as I last wrote it */
    uint64_t generation;
    bool stop;
    GThread *thread;
};


/* Every duration is measured on this clock: unlike CLOCK_MONOTONIC it
 * keeps counting while the machine is suspended, as other hosts' clocks do. */
static gint64
virStorageVaaiNowUs(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
        return g_get_monotonic_time();
    return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}


static uint64_t
virStorageVaaiSlotLba(const virStorageVaaiSession *s,
                      uint32_t slot)
{
    return s->pool->header.heartbeatLba + slot;
}


static bool
virStorageVaaiSameHost(const uint8_t *uuid,
                       uint64_t incarnation,
                       const virStorageVaaiHost *host)
{
    return memcmp(uuid, host->uuid, VIR_STORAGE_VAAI_UUID_LEN) == 0 &&
           incarnation == host->incarnation;
}


static int
virStorageVaaiEncodeSlot(virStorageVaaiSession *s,
                         uint64_t counter,
                         uint8_t *block,
                         GError **error)
{
    virStorageVaaiHeartbeat hb = { 0 };

    memcpy(hb.host, s->self.uuid, sizeof(hb.host));
    hb.incarnation = s->self.incarnation;
    hb.counter = counter;
    hb.renewedAt = g_get_real_time() / G_USEC_PER_SEC;
    g_strlcpy(hb.hostName, s->self.name, sizeof(hb.hostName));
    return virStorageVaaiHeartbeatEncode(&hb, block, s->blockSize, error);
}


/* Read slot @slot: its bytes and decoded record (status EMPTY/VALID/...). */
static int
virStorageVaaiReadSlot(virStorageVaaiSession *s,
                       virSCSILun *lun,
                       uint32_t slot,
                       uint8_t *block,
                       virStorageVaaiHeartbeat *hb,
                       virStorageVaaiRecordStatus *status,
                       GError **error)
{
    if (virStorageVaaiPoolReadBlock(lun, virStorageVaaiSlotLba(s, slot), block, error) < 0)
        return -1;
    *status = virStorageVaaiHeartbeatDecode(block, s->blockSize, hb, NULL);
    return 0;
}


/* The fence ran out (called with the lock held): whatever relied on it
 * must be verified again. */
static void
virStorageVaaiLapse(virStorageVaaiSession *s)
{
    s->lapses++;
    s->reverify = true;
}


/*
 * Renew the heartbeat once, on the heartbeat's own session and without
 * the session lock (writers check the fence under it, and must not wait
 * for a renewal in flight).  The renewal is timed before it is issued.  A
 * miscompare or an error is answered by reading the slot: our identity
 * and counter still there means a false miscompare (try again); our
 * identity and counter + 1 means our write was applied and its status
 * lost; anything else means another host took the slot over, having seen
 * us dead, and we must stop using the pool.
 */
static int
virStorageVaaiRenew(virStorageVaaiSession *s,
                    GError **error)
{
    g_autofree uint8_t *next = g_new0(uint8_t, s->blockSize);
    g_autofree uint8_t *seen = g_new0(uint8_t, s->blockSize);
    virStorageVaaiHeartbeat hb;
    virStorageVaaiRecordStatus status;
    g_autoptr(GError) swapErr = NULL;
    size_t attempt;

    for (attempt = 0; attempt < 3; attempt++) {
        gint64 issued = virStorageVaaiNowUs();
        bool applied = false;
        int rc;

        g_mutex_lock(&s->lock);
        if ((uint64_t)(issued - s->lastRenewUs) >= s->timeoutUs / 2)
            virStorageVaaiLapse(s);
        g_mutex_unlock(&s->lock);
        if (virStorageVaaiEncodeSlot(s, s->counter + 1, next, error) < 0)
            return -1;
        rc = virStorageVaaiPoolSwapBlockVia(s->pool, s->hbLun, virStorageVaaiSlotLba(s, s->slot),
                                            s->slotBlock, next, &swapErr);
        if (rc < 0 && g_error_matches(swapErr, VIR_SCSI_ERROR,
                                      VIR_SCSI_ERROR_RESERVATION_CONFLICT)) {
            /* The array refuses our writes: another host removed our key,
             * having presumed us dead.  Whatever the slot says, we are. */
            g_mutex_lock(&s->lock);
            s->fenced = true;
            virStorageVaaiLapse(s);
            g_mutex_unlock(&s->lock);
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FENCED,
                        "heartbeat slot %u: the array refuses this host's writes "
                        "(its reservation key was removed): this host was presumed "
                        "dead and stops using the pool", s->slot);
            return -1;
        }
        if (rc == 0) {
            memcpy(seen, next, s->blockSize);
            applied = true;
        } else {
            if (virStorageVaaiReadSlot(s, s->hbLun, s->slot, seen, &hb, &status, error) < 0)
                return -1;
            if (status == VIR_STORAGE_VAAI_RECORD_VALID &&
                virStorageVaaiSameHost(hb.host, hb.incarnation, &s->self)) {
                if (hb.counter == s->counter) {
                    memcpy(s->slotBlock, seen, s->blockSize);
                    if (attempt + 1 < 3)
                        g_clear_error(&swapErr);
                    continue;
                }
                applied = hb.counter == s->counter + 1;
            }
        }
        g_mutex_lock(&s->lock);
        if (applied) {
            memcpy(s->slotBlock, seen, s->blockSize);
            s->counter++;
            s->lastRenewUs = issued;
        } else {
            s->fenced = true;
            virStorageVaaiLapse(s);
        }
        g_cond_broadcast(&s->renewCond);
        g_mutex_unlock(&s->lock);
        if (applied)
            return 0;
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FENCED,
                    "heartbeat slot %u was taken over by another host: this "
                    "host was presumed dead and stops using the pool", s->slot);
        return -1;
    }
    g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CORRUPT,
                "heartbeat slot %u could not be renewed although it holds our record: %s",
                s->slot, swapErr ? swapErr->message : "miscompare");
    return -1;
}


static gpointer
virStorageVaaiHeartbeatThread(gpointer opaque)
{
    virStorageVaaiSession *s = opaque;

    g_mutex_lock(&s->lock);
    while (!s->stop && !s->fenced) {
        /* g_cond_wait_until() takes a CLOCK_MONOTONIC deadline; only the
         * fence is measured on CLOCK_BOOTTIME. */
        gint64 until = g_get_monotonic_time() + s->intervalUs;
        g_autoptr(GError) err = NULL;
        int rc;

        while (!s->stop && g_cond_wait_until(&s->cond, &s->lock, until))
            ;
        if (s->stop)
            break;
        g_mutex_unlock(&s->lock);
        /* A failure leaves lastRenewUs behind: time fences us. */
        rc = virStorageVaaiRenew(s, &err);
        if (rc < 0)
            g_debug("heartbeat: %s", err->message);
        g_mutex_lock(&s->lock);
    }
    g_mutex_unlock(&s->lock);
    return NULL;
}


/* Watch one slot: true once its counter has not moved for T. */
typedef struct {
    bool watching;
    uint8_t uuid[VIR_STORAGE_VAAI_UUID_LEN];
    uint64_t incarnation;
    uint64_t counter;
    gint64 sinceUs;
} virStorageVaaiWatch;


/* @readIssuedUs: the clock read before issuing the read that returned
 * @hb.  A new value starts the watch at the clock read after that read
 * completed (now); the counter is stale once a read issued T or more after
 * that start still returns it. */
static bool
virStorageVaaiWatchStale(virStorageVaaiWatch *w,
                         const virStorageVaaiHeartbeat *hb,
                         uint64_t timeoutUs,
                         gint64 readIssuedUs)
{
    if (!w->watching || w->counter != hb->counter || w->incarnation != hb->incarnation ||
        memcmp(w->uuid, hb->host, sizeof(w->uuid)) != 0) {
        w->watching = true;
        memcpy(w->uuid, hb->host, sizeof(w->uuid));
        w->incarnation = hb->incarnation;
        w->counter = hb->counter;
        w->sinceUs = virStorageVaaiNowUs();
        return false;
    }
    return readIssuedUs > w->sinceUs && (uint64_t)(readIssuedUs - w->sinceUs) >= timeoutUs;
}


/* Claim a slot: the first free one, else the first whose heartbeat has
 * stood still for T (its host died without leaving). */
static int
virStorageVaaiClaimSlot(virStorageVaaiSession *s,
                        GError **error)
{
    uint32_t n = s->pool->header.heartbeatSlots;
    g_autofree uint8_t *seen = g_new0(uint8_t, s->blockSize);
    g_autofree uint8_t *mine = g_new0(uint8_t, s->blockSize);
    g_autofree virStorageVaaiWatch *watch = g_new0(virStorageVaaiWatch, n);
    gint64 deadline = virStorageVaaiNowUs() + 3 * s->timeoutUs;
    uint32_t i;

    if (virStorageVaaiEncodeSlot(s, 0, mine, error) < 0)
        return -1;

    while (virStorageVaaiNowUs() < deadline) {
        for (i = 0; i < n; i++) {
            virStorageVaaiHeartbeat hb;
            virStorageVaaiRecordStatus status;
            gint64 readIssued = virStorageVaaiNowUs();
            gint64 issued;
            int rc;

            if (virStorageVaaiReadSlot(s, s->pool->lun, i, seen, &hb, &status, error) < 0)
                return -1;
            if (status != VIR_STORAGE_VAAI_RECORD_EMPTY &&
                !(status == VIR_STORAGE_VAAI_RECORD_VALID &&
                  (virStorageVaaiHeartbeatIsFree(&hb) ||
                   virStorageVaaiWatchStale(&watch[i], &hb, s->timeoutUs, readIssued))))
                continue;
            /* A stale slot's process is presumed dead: fence it at the
             * array before its slot, and with it its work, changes hands. */
            if (status == VIR_STORAGE_VAAI_RECORD_VALID && !virStorageVaaiHeartbeatIsFree(&hb) &&
                virStorageVaaiFenceOut(s->pool, hb.host, hb.incarnation, error) < 0)
                return -1;
            issued = virStorageVaaiNowUs();
            rc = virStorageVaaiPoolSwapBlock(s->pool, virStorageVaaiSlotLba(s, i),
                                             seen, mine, error);
            if (rc < 0)
                return -1;
            if (rc == 1)
                continue;   /* someone else was quicker: look on */
            g_mutex_lock(&s->lock);
            s->slot = i;
            memcpy(s->slotBlock, mine, s->blockSize);
            s->counter = 0;
            s->lastRenewUs = issued;
            g_mutex_unlock(&s->lock);
            return 0;
        }
        g_usleep(s->intervalUs);
    }
    g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY,
                "all %u heartbeat slots of the pool are in use by live hosts", n);
    return -1;
}


/* This incarnation's key on every session to the LUN (a pool fenced by
 * reservations, storage_vaai_fence.h), then the heartbeat's own session,
 * registered as it opens.  Before the slot is claimed: under the
 * reservation, a session without the key may not write. */
static int
virStorageVaaiSessionFenceJoin(virStorageVaaiSession *s,
                               GError **error)
{
    virSCSITransport *t;

    if (virStorageVaaiFenceJoin(s->pool, virStorageVaaiFenceKey(s->self.uuid,
                                                                s->self.incarnation),
                                error) < 0)
        return -1;
    g_clear_pointer(&s->hbLun, virSCSILunFree);
    if (!(t = virSCSILunOpenExtraTransport(s->pool->lun, error))) {
        g_prefix_error(error, "cannot open a session for the heartbeat: ");
        return -1;
    }
    s->hbLun = virSCSILunNewView(s->pool->lun, t, NULL, NULL);
    return 0;
}


virStorageVaaiSession *
virStorageVaaiSessionJoin(virStorageVaaiPool *pool,
                          const virStorageVaaiHost *host,
                          GError **error)
{
    virStorageVaaiSession *s = g_new0(virStorageVaaiSession, 1);

    s->pool = pool;
    s->self = *host;
    s->blockSize = pool->header.blockSize;
    s->timeoutUs = pool->header.leaseTimeoutMs * 1000;
    s->intervalUs = pool->header.heartbeatIntervalMs * 1000;
    s->slotBlock = g_new0(uint8_t, s->blockSize);
    s->leaseBlock = g_new0(uint8_t, s->blockSize);
    g_mutex_init(&s->lock);
    g_cond_init(&s->cond);
    g_cond_init(&s->ownerCond);
    g_cond_init(&s->renewCond);
    s->working = g_hash_table_new(g_direct_hash, g_direct_equal);

    if (virStorageVaaiSessionFenceJoin(s, error) < 0 ||
        virStorageVaaiClaimSlot(s, error) < 0) {
        virStorageVaaiSessionLeave(s);
        return NULL;
    }
    s->thread = g_thread_new("vaai-heartbeat", virStorageVaaiHeartbeatThread, s);
    return s;
}


int
virStorageVaaiSessionRejoin(virStorageVaaiSession *s,
                            GError **error)
{
    GThread *thread;

    g_mutex_lock(&s->lock);
    if (!s->fenced || s->stop) {
        g_mutex_unlock(&s->lock);
        return 0;
    }
    thread = g_steal_pointer(&s->thread);
    g_mutex_unlock(&s->lock);
    if (thread)
        g_thread_join(thread);      /* it ends once fenced */

    /* A new identity: the records of the old one are a dead worker's to
     * every host (this one included), and a new epoch: operations begun
     * under the old one never write again. */
    g_mutex_lock(&s->lock);
    s->self.incarnation = ((uint64_t)g_random_int() << 32) | g_random_int();
    s->held = false;
    s->reverify = false;
    s->fenced = false;
    s->lastRenewUs = 0;
    virStorageVaaiLapse(s);
    g_mutex_unlock(&s->lock);

    /* The old key was removed when this host was presumed dead: register
     * the new one, and give the heartbeat a session that carries it. */
    if (virStorageVaaiSessionFenceJoin(s, error) < 0 ||
        virStorageVaaiClaimSlot(s, error) < 0) {
        g_mutex_lock(&s->lock);
        s->fenced = true;
        g_mutex_unlock(&s->lock);
        return -1;
    }
    s->thread = g_thread_new("vaai-heartbeat", virStorageVaaiHeartbeatThread, s);
    return 1;
}


/* Called with the lock held: whether the fence still stands now. */
static bool
virStorageVaaiFenceStands(virStorageVaaiSession *s)
{
    if (s->fenced)
        return false;
    if ((uint64_t)(virStorageVaaiNowUs() - s->lastRenewUs) >= s->timeoutUs / 2) {
        virStorageVaaiLapse(s);
        return false;
    }
    return true;
}


/*
 * Wait (the lock held) until the fence stands again, at most until
 * @deadline (CLOCK_MONOTONIC): a heartbeat that fell behind for a moment
 * (a slow command on its session, a loaded host) is renewed within P
 * once it can be, and an operation that has written nothing yet need not
 * fail for it.  Nothing is written while waiting; a session whose slot
 * was taken over meanwhile is fenced for good.  Whether it stands.
 */
static bool
virStorageVaaiWaitFence(virStorageVaaiSession *s,
                        gint64 deadline)
{
    while (!virStorageVaaiFenceStands(s) && !s->fenced && !s->stop &&
           g_get_monotonic_time() < deadline)
        g_cond_wait_until(&s->renewCond, &s->lock,
                          MIN(deadline, g_get_monotonic_time() + (gint64)s->intervalUs));
    return virStorageVaaiFenceStands(s);
}


bool
virStorageVaaiSessionMayWrite(virStorageVaaiSession *s)
{
    bool ok;

    g_mutex_lock(&s->lock);
    ok = virStorageVaaiFenceStands(s) && s->held && !s->reverify;
    g_mutex_unlock(&s->lock);
    return ok;
}


/*
 * The lease record to write over @seen: ours (@mine) or free, at
 * @generation.  In a journaled pool it carries @seen's table journal on,
 * with @n changed records (@changes) appended; "any record may have
 * changed" when @seen was another live holder's (a takeover: its holder
 * may have changed records it never journaled) or had no journal.
 */
static int
virStorageVaaiEncodeLease(virStorageVaaiSession *s,
                          bool mine,
                          uint64_t generation,
                          const uint8_t *seen,
                          const uint32_t *changes,
                          size_t n,
                          uint8_t *block,
                          GError **error)
{
    virStorageVaaiLease lease = { 0 };
    virStorageVaaiLease before;
    bool known;

    if (virStorageVaaiPoolJournaled(s->pool)) {
        known = virStorageVaaiJournalDecode(seen, s->blockSize, &before);
        if (known) {
            lease.tableGeneration = before.tableGeneration;
            memcpy(lease.journal, before.journal, sizeof(lease.journal));
            if (!virStorageVaaiLeaseIsFree(&before) &&
                !virStorageVaaiSameHost(before.owner, before.ownerIncarnation, &s->self))
                known = false;
        }
        lease.version = VIR_STORAGE_VAAI_LEASE_VERSION_JOURNAL;
        virStorageVaaiJournalAppend(&lease, changes, n, !known);
    }
    if (mine) {
        memcpy(lease.owner, s->self.uuid, sizeof(lease.owner));
        lease.ownerIncarnation = s->self.incarnation;
        lease.ownerSlot = s->slot;
        lease.acquiredAt = g_get_real_time() / G_USEC_PER_SEC;
    }
    lease.generation = generation;
    return virStorageVaaiLeaseEncode(&lease, block, s->blockSize, error);
}


/* CAW the lease from @seen to ours with @generation, timed and judged
 * fresh before it is issued.  0 held, 1 miscompare or error (read again). */
static int
virStorageVaaiLeaseSwap(virStorageVaaiSession *s,
                        const uint8_t *seen,
                        uint64_t generation,
                        bool *issuedFresh,
                        GError **error)
{
    g_autofree uint8_t *next = g_new0(uint8_t, s->blockSize);
    g_autoptr(GError) swapErr = NULL;
    bool fresh;
    int rc;

    if (virStorageVaaiEncodeLease(s, true, generation, seen, NULL, 0, next, error) < 0)
        return -1;
    g_mutex_lock(&s->lock);
    fresh = virStorageVaaiFenceStands(s);
    g_mutex_unlock(&s->lock);
    *issuedFresh = fresh;
    rc = virStorageVaaiPoolSwapBlock(s->pool, s->pool->header.leaseLba, seen, next, &swapErr);
    if (rc != 0)
        return 1;
    g_mutex_lock(&s->lock);
    memcpy(s->leaseBlock, next, s->blockSize);
    s->generation = generation;
    s->held = true;
    s->reverify = !fresh;
    g_mutex_unlock(&s->lock);
    return 0;
}


/*
 * Acquire, step 3 (docs/lease-protocol.md): "Ours (our identity, any
 * generation): a CAW of ours was applied with its status lost; held, with
 * reverify as noted when that CAW was issued (or set by a renewal since)."
 * An earlier operation of this process that could not release it lands
 * here too; no other operation of this process holds it (only the owner
 * of the session's lease gets here).  @fresh: whether a CAW of this
 * Acquire was issued while the heartbeat was fresh (unknown means no).
 */
static void
virStorageVaaiLeaseAdopt(virStorageVaaiSession *s,
                         const uint8_t *seen,
                         const virStorageVaaiLease *lease,
                         bool fresh)
{
    g_mutex_lock(&s->lock);
    memcpy(s->leaseBlock, seen, s->blockSize);
    s->generation = lease->generation;
    s->held = true;
    s->reverify = !fresh;
    g_mutex_unlock(&s->lock);
}


/*
 * Acquire, step 4: "Held by another: read the holder's slot (ownerSlot).
 * If it no longer holds the holder's identity, go to 5.  Otherwise watch
 * its counter: a new holder identity or a new counter value restarts the
 * watch at the clock read after that read completed; the counter is stale
 * when the clock read before issuing a read that returns the same value
 * is T or more past the start.  Stale: go to 5."  A holder presumed dead
 * is fenced at the array first (a pool fenced by reservation: "Fencing at
 * the array").  1: go to 5 (take the lease), 0: wait, -1: error.
 */
static int
virStorageVaaiLeaseHolderGone(virStorageVaaiSession *s,
                              const virStorageVaaiLease *lease,
                              virStorageVaaiWatch *watch,
                              GError **error)
{
    g_autofree uint8_t *slotBytes = g_new0(uint8_t, s->blockSize);
    virStorageVaaiHeartbeat hb;
    virStorageVaaiRecordStatus hbStatus;
    gint64 readIssued;

    /* A holder without a valid slot cannot be alive. */
    if (lease->ownerSlot >= s->pool->header.heartbeatSlots)
        return 1;
    readIssued = virStorageVaaiNowUs();
    if (virStorageVaaiReadSlot(s, s->pool->lun, lease->ownerSlot, slotBytes, &hb,
                               &hbStatus, error) < 0)
        return -1;
    /* The slot no longer holds the holder: someone saw it dead for T. */
    if (hbStatus != VIR_STORAGE_VAAI_RECORD_VALID ||
        hb.incarnation != lease->ownerIncarnation ||
        memcmp(hb.host, lease->owner, sizeof(hb.host)) != 0)
        return 1;
    if (!virStorageVaaiWatchStale(watch, &hb, s->timeoutUs, readIssued))
        return 0;
    if (virStorageVaaiFenceOut(s->pool, lease->owner, lease->ownerIncarnation, error) < 0)
        return -1;
    return 1;
}


/*
 * The protocol's Acquire (docs/lease-protocol.md), "repeat until held",
 * for the operation that owns the session's lease
 * (virStorageVaaiSessionAcquire).
 */
static int
virStorageVaaiLeaseAcquire(virStorageVaaiSession *s,
                           gint64 deadline,
                           GError **error)
{
    uint64_t leaseLba = s->pool->header.leaseLba;
    g_autofree uint8_t *seen = g_new0(uint8_t, s->blockSize);
    /* "The watch is kept from one iteration to the next (a new generation
     * of the same holder does not restart it)." */
    virStorageVaaiWatch watch = { 0 };
    bool issuedFresh = false;
    bool issued = false;

    for (;;) {
        virStorageVaaiLease lease;
        virStorageVaaiRecordStatus status;
        int take;
        int rc;

        if (s->fenced) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FENCED,
                        "this host's heartbeat slot was taken over: it may not use the pool");
            return -1;
        }

        /* "1. Read the lease." */
        if (virStorageVaaiPoolReadBlock(s->pool->lun, leaseLba, seen, error) < 0)
            return -1;
        status = virStorageVaaiLeaseDecode(seen, s->blockSize, &lease, error);
        if (status != VIR_STORAGE_VAAI_RECORD_VALID && status != VIR_STORAGE_VAAI_RECORD_EMPTY)
            return -1;
        if (status == VIR_STORAGE_VAAI_RECORD_EMPTY)
            memset(&lease, 0, sizeof(lease));

        if (virStorageVaaiLeaseIsFree(&lease)) {
            /* "2. Free: go to 5." */
            take = 1;
        } else if (virStorageVaaiSameHost(lease.owner, lease.ownerIncarnation, &s->self)) {
            /* "3. Ours" */
            virStorageVaaiLeaseAdopt(s, seen, &lease, issued && issuedFresh);
            break;
        } else if ((take = virStorageVaaiLeaseHolderGone(s, &lease, &watch, error)) < 0) {
            /* "4. Held by another" */
            return -1;
        }

        if (take) {
            /* "5. Note whether the heartbeat is fresh (now - lastRenew < F)
             * before issuing the CAW; not fresh sets reverify.  CAW the
             * lease from the exact bytes read to (us, generation + 1).
             * Success: held.  Miscompare or error: go to 1 (an applied CAW
             * is then found at 3)." */
            issued = true;
            rc = virStorageVaaiLeaseSwap(s, seen, lease.generation + 1, &issuedFresh, error);
            if (rc < 0)
                return -1;
            if (rc == 0)
                break;
            continue;
        }

        /* "Else wait (P/2 at most 500 ms) and go to 1." */
        if (virStorageVaaiNowUs() >= deadline) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_LEASE_TIMEOUT,
                        "the pool's metadata lease is held by a live host "
                        "(slot %u, generation %llu)", lease.ownerSlot,
                        (unsigned long long)lease.generation);
            return -1;
        }
        g_usleep(MIN(s->intervalUs / 2, 500000));
    }

    /* "Hold ... if the heartbeat was not fresh at some moment since the
     * lease was written, ... re-verify." */
    return virStorageVaaiSessionVerify(s, error);
}


/* The end of an operation's ownership of the session's lease. */
static void
virStorageVaaiDisown(virStorageVaaiSession *s)
{
    g_mutex_lock(&s->lock);
    s->owned = false;
    g_cond_signal(&s->ownerCond);
    g_mutex_unlock(&s->lock);
}


int
virStorageVaaiSessionAcquire(virStorageVaaiSession *s,
                             unsigned int timeoutMs,
                             GError **error)
{
    gint64 deadline = virStorageVaaiNowUs() + (gint64)timeoutMs * 1000;
    gint64 ownerDeadline = g_get_monotonic_time() + (gint64)timeoutMs * 1000;

    /* The lease names a process, so the protocol cannot tell two threads
     * of one process apart: an operation first waits for the others of
     * this process to release it, so that every metadata change holds
     * the lease alone, whatever thread or process it runs in. */
    g_mutex_lock(&s->lock);
    while (s->owned) {
        if (!g_cond_wait_until(&s->ownerCond, &s->lock, ownerDeadline) && s->owned) {
            g_mutex_unlock(&s->lock);
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_LEASE_TIMEOUT,
                        "the pool's metadata lease is held by another operation "
                        "of this host for more than %u ms", timeoutMs);
            return -1;
        }
    }
    s->owned = true;
    /* A lease taken without a standing fence would have to be re-verified
     * at once, and the re-verification needs one: wait for it first. */
    virStorageVaaiWaitFence(s, ownerDeadline);
    g_mutex_unlock(&s->lock);

    if (virStorageVaaiLeaseAcquire(s, deadline, error) < 0) {
        virStorageVaaiDisown(s);
        return -1;
    }
    return 0;
}


int
virStorageVaaiSessionVerify(virStorageVaaiSession *s,
                            GError **error)
{
    g_autofree uint8_t *seen = g_new0(uint8_t, s->blockSize);
    size_t attempt;

    for (attempt = 0; attempt < 4; attempt++) {
        uint64_t generation;
        uint64_t lapses;
        bool held;
        bool reverify;
        bool fresh;
        bool issuedFresh;
        int rc;

        g_mutex_lock(&s->lock);
        /* "With reverify set and a fresh heartbeat": a heartbeat behind
         * for a moment is waited for (at most T), not taken for a loss. */
        fresh = virStorageVaaiWaitFence(s, g_get_monotonic_time() + (gint64)s->timeoutUs);
        lapses = s->lapses;
        held = s->held;
        reverify = s->reverify;
        generation = s->generation;
        memcpy(seen, s->leaseBlock, s->blockSize);
        g_mutex_unlock(&s->lock);

        if (!held) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FENCED,
                        "this host does not hold the pool's metadata lease");
            return -1;
        }
        if (!reverify && fresh) {
            g_mutex_lock(&s->lock);
            s->verifiedLapses = lapses;
            g_mutex_unlock(&s->lock);
            return 0;
        }
        if (!fresh) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FENCED,
                        "this host's heartbeat is too old to use the lease (the "
                        "self-fence of T/2 ran out): nothing was written");
            return -1;
        }
        /* The fence ran out while we held the lease: a watcher may have
         * taken it over.  Only a CAW that moves the generation on proves
         * it is still ours (a takeover that read the old one then fails). */
        rc = virStorageVaaiLeaseSwap(s, seen, generation + 1, &issuedFresh, error);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            if (!issuedFresh)
                continue;
            g_mutex_lock(&s->lock);
            s->verifiedLapses = lapses;
            g_mutex_unlock(&s->lock);
            return 0;
        }
        if (virStorageVaaiPoolReadBlock(s->pool->lun, s->pool->header.leaseLba,
                                        seen, error) < 0)
            return -1;
        g_mutex_lock(&s->lock);
        if (memcmp(seen, s->leaseBlock, s->blockSize) != 0) {
            virStorageVaaiLease lease;

            if (virStorageVaaiLeaseDecode(seen, s->blockSize, &lease, NULL) ==
                VIR_STORAGE_VAAI_RECORD_VALID &&
                virStorageVaaiSameHost(lease.owner, lease.ownerIncarnation, &s->self) &&
                lease.generation == generation + 1) {
                /* applied, status lost */
                memcpy(s->leaseBlock, seen, s->blockSize);
                s->generation = generation + 1;
                s->reverify = !issuedFresh;
            } else {
                s->held = false;
                g_mutex_unlock(&s->lock);
                g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FENCED,
                            "the pool's metadata lease was taken over while this "
                            "host was too slow to renew: nothing was written");
                return -1;
            }
        }
        g_mutex_unlock(&s->lock);
    }
    g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FENCED,
                "could not re-verify the pool's metadata lease");
    return -1;
}


/* Give @changes back to the pool's list: the lease was not released. */
static void
virStorageVaaiReleaseKeep(virStorageVaaiSession *s,
                          GArray *changes)
{
    g_mutex_lock(&s->pool->tableLock);
    g_array_append_vals(s->pool->tableChanged, changes->data, changes->len);
    g_mutex_unlock(&s->pool->tableLock);
}


int
virStorageVaaiSessionRelease(virStorageVaaiSession *s,
                             GError **error)
{
    g_autofree uint8_t *next = g_new0(uint8_t, s->blockSize);
    g_autofree uint8_t *seen = g_new0(uint8_t, s->blockSize);
    g_autoptr(GArray) changes = NULL;
    size_t attempt;
    int ret = -1;

    if (!s->held) {
        virStorageVaaiDisown(s);
        return 0;
    }
    /* "Release: ... journal the records changed since the last release in
     * the same CAW" (docs/format.md "The table journal"): the changes of
     * this operation and those the workers of this process wrote meanwhile
     * (the latter are busy records, read again anyway). */
    g_mutex_lock(&s->pool->tableLock);
    changes = g_steal_pointer(&s->pool->tableChanged);
    s->pool->tableChanged = g_array_new(false, false, sizeof(uint32_t));
    g_mutex_unlock(&s->pool->tableLock);
    if (virStorageVaaiEncodeLease(s, false, s->generation + 1, s->leaseBlock,
                                  (const uint32_t *)(void *)changes->data, changes->len,
                                  next, error) < 0) {
        virStorageVaaiReleaseKeep(s, changes);
        virStorageVaaiDisown(s);
        return -1;
    }
    /* A miscompare or an error is answered by reading: still ours as we
     * wrote it, try again; anything else, released (status lost) or taken
     * over, and either way no longer ours. */
    for (attempt = 0; attempt < 3; attempt++) {
        g_autoptr(GError) swapErr = NULL;
        int rc = virStorageVaaiPoolSwapBlock(s->pool, s->pool->header.leaseLba,
                                             s->leaseBlock, next, &swapErr);

        if (rc == 0) {
            s->generation++;
            ret = 0;
            break;
        }
        if (virStorageVaaiPoolReadBlock(s->pool->lun, s->pool->header.leaseLba,
                                        seen, error) < 0)
            break;
        if (memcmp(seen, s->leaseBlock, s->blockSize) != 0) {
            ret = 0;
            break;
        }
    }
    if (ret < 0 && error && !*error)
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_UNSUPPORTED,
                    "could not release the pool's metadata lease");
    /* Still held: the release that frees it journals them. */
    if (ret < 0)
        virStorageVaaiReleaseKeep(s, changes);
    /* Not released: s->held stays, and the next Acquire of this process
     * finds the lease its own and adopts it. */
    g_mutex_lock(&s->lock);
    if (ret == 0)
        s->held = false;
    s->owned = false;
    g_cond_signal(&s->ownerCond);
    g_mutex_unlock(&s->lock);
    return ret;
}


void
virStorageVaaiSessionLeave(virStorageVaaiSession *s)
{
    g_autofree uint8_t *empty = NULL;

    if (!s)
        return;
    if (s->thread) {
        g_mutex_lock(&s->lock);
        s->stop = true;
        g_cond_signal(&s->cond);
        g_mutex_unlock(&s->lock);
        g_thread_join(s->thread);
    }
    if (s->held)
        virStorageVaaiSessionRelease(s, NULL);
    if (s->thread && !s->fenced) {
        empty = g_new0(uint8_t, s->blockSize);
        virStorageVaaiPoolSwapBlock(s->pool, virStorageVaaiSlotLba(s, s->slot),
                                    s->slotBlock, empty, NULL);
    }
    virSCSILunFree(s->hbLun);
    if (!s->fenced)
        virStorageVaaiFenceLeave(s->pool);
    g_hash_table_unref(s->working);
    g_mutex_clear(&s->lock);
    g_cond_clear(&s->cond);
    g_cond_clear(&s->ownerCond);
    g_cond_clear(&s->renewCond);
    g_free(s->slotBlock);
    g_free(s->leaseBlock);
    g_free(s);
}


void
virStorageVaaiSessionWorkBegin(virStorageVaaiSession *s,
                               uint32_t idx)
{
    gpointer key = GUINT_TO_POINTER(idx + 1);

    g_mutex_lock(&s->lock);
    g_hash_table_insert(s->working, key,
                        GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(s->working,
                                                                              key)) + 1));
    g_mutex_unlock(&s->lock);
}


void
virStorageVaaiSessionWorkEnd(virStorageVaaiSession *s,
                             uint32_t idx)
{
    gpointer key = GUINT_TO_POINTER(idx + 1);
    guint n;

    g_mutex_lock(&s->lock);
    n = GPOINTER_TO_UINT(g_hash_table_lookup(s->working, key));
    if (n > 1)
        g_hash_table_insert(s->working, key, GUINT_TO_POINTER(n - 1));
    else
        g_hash_table_remove(s->working, key);
    g_mutex_unlock(&s->lock);
}


bool
virStorageVaaiSessionWorking(virStorageVaaiSession *s,
                             uint32_t idx)
{
    bool working;

    g_mutex_lock(&s->lock);
    working = g_hash_table_contains(s->working, GUINT_TO_POINTER(idx + 1));
    g_mutex_unlock(&s->lock);
    return working;
}


void
virStorageVaaiSessionAbandon(virStorageVaaiSession *s)
{
    if (!s)
        return;
    g_mutex_lock(&s->lock);
    s->held = false;
    s->fenced = true;   /* nothing to give back: Leave writes nothing */
    g_mutex_unlock(&s->lock);
    virStorageVaaiSessionLeave(s);
}


uint32_t
virStorageVaaiSessionSlot(const virStorageVaaiSession *s)
{
    return s->slot;
}


uint64_t
virStorageVaaiSessionGeneration(const virStorageVaaiSession *s)
{
    return s->generation;
}


const virStorageVaaiHost *
virStorageVaaiSessionHost(const virStorageVaaiSession *s)
{
    return &s->self;
}


virStorageVaaiPool *
virStorageVaaiSessionPool(const virStorageVaaiSession *s)
{
    return s->pool;
}


uint64_t
virStorageVaaiSessionVerifiedEpoch(virStorageVaaiSession *s)
{
    uint64_t lapses;

    g_mutex_lock(&s->lock);
    lapses = s->verifiedLapses;
    g_mutex_unlock(&s->lock);
    return lapses;
}


uint64_t
virStorageVaaiSessionEpoch(virStorageVaaiSession *s)
{
    uint64_t lapses;

    g_mutex_lock(&s->lock);
    lapses = s->lapses;
    g_mutex_unlock(&s->lock);
    return lapses;
}


bool
virStorageVaaiSessionFenced(virStorageVaaiSession *s)
{
    bool fenced;

    g_mutex_lock(&s->lock);
    fenced = s->fenced;
    g_mutex_unlock(&s->lock);
    return fenced;
}


bool
virStorageVaaiSessionFresh(virStorageVaaiSession *s,
                           uint64_t epoch)
{
    bool ok;

    g_mutex_lock(&s->lock);
    ok = virStorageVaaiFenceStands(s) && s->lapses == epoch;
    g_mutex_unlock(&s->lock);
    return ok;
}


struct _virStorageVaaiWatcher {
    virStorageVaaiPool *pool;               /* not owned */
    uint64_t timeoutUs;
    uint32_t slots;
    uint8_t *raw;                           /* every slot, as last read */
    virStorageVaaiHeartbeat *hb;
    bool *valid;
    virStorageVaaiWatch *watch;
    gint64 readIssuedUs;                    /* before the last read was issued */
    bool read;
};


virStorageVaaiWatcher *
virStorageVaaiWatcherNew(virStorageVaaiPool *pool)
{
    virStorageVaaiWatcher *w = g_new0(virStorageVaaiWatcher, 1);

    w->pool = pool;
    w->timeoutUs = pool->header.leaseTimeoutMs * 1000;
    w->slots = pool->header.heartbeatSlots;
    w->raw = g_new0(uint8_t, (size_t)w->slots * pool->header.blockSize);
    w->hb = g_new0(virStorageVaaiHeartbeat, w->slots);
    w->valid = g_new0(bool, w->slots);
    w->watch = g_new0(virStorageVaaiWatch, w->slots);
    return w;
}


void
virStorageVaaiWatcherFree(virStorageVaaiWatcher *w)
{
    if (!w)
        return;
    g_free(w->raw);
    g_free(w->hb);
    g_free(w->valid);
    g_free(w->watch);
    g_free(w);
}


int
virStorageVaaiWatcherUpdate(virStorageVaaiWatcher *w,
                            GError **error)
{
    uint32_t bs = w->pool->header.blockSize;
    uint32_t i;

    w->readIssuedUs = virStorageVaaiNowUs();
    if (virStorageVaaiPoolReadRecords(w->pool->lun, w->pool->header.heartbeatLba, w->slots,
                                      w->raw, error) < 0)
        return -1;
    for (i = 0; i < w->slots; i++) {
        w->valid[i] = virStorageVaaiHeartbeatDecode(w->raw + (size_t)i * bs, bs,
                                                    &w->hb[i], NULL) ==
                      VIR_STORAGE_VAAI_RECORD_VALID &&
                      !virStorageVaaiHeartbeatIsFree(&w->hb[i]);
        if (w->valid[i])
            virStorageVaaiWatchStale(&w->watch[i], &w->hb[i], w->timeoutUs,
                                     w->readIssuedUs);
        else
            w->watch[i].watching = false;
    }
    w->read = true;
    return 0;
}


const virStorageVaaiHeartbeat *
virStorageVaaiWatcherSlot(const virStorageVaaiWatcher *w,
                          uint32_t slot)
{
    if (!w->read || slot >= w->slots || !w->valid[slot])
        return NULL;
    return &w->hb[slot];
}


virStorageVaaiProcessState
virStorageVaaiWatcherState(virStorageVaaiWatcher *w,
                           const uint8_t *uuid,
                           uint64_t incarnation)
{
    static const uint8_t nobody[VIR_STORAGE_VAAI_UUID_LEN] = { 0 };
    uint32_t i;

    if (memcmp(uuid, nobody, sizeof(nobody)) == 0)
        return VIR_STORAGE_VAAI_PROCESS_DEAD;
    if (!w->read)
        return VIR_STORAGE_VAAI_PROCESS_UNSURE;
    for (i = 0; i < w->slots; i++) {
        if (!w->valid[i] || w->hb[i].incarnation != incarnation ||
            memcmp(w->hb[i].host, uuid, VIR_STORAGE_VAAI_UUID_LEN) != 0)
            continue;
        if (w->watch[i].watching && w->watch[i].counter == w->hb[i].counter) {
            uint64_t still = MAX(w->readIssuedUs - w->watch[i].sinceUs, 0);

            if (still >= w->timeoutUs)
                return VIR_STORAGE_VAAI_PROCESS_DEAD;
            if (still > 2 * w->pool->header.heartbeatIntervalMs * 1000)
                return VIR_STORAGE_VAAI_PROCESS_UNSURE;
        }
        return VIR_STORAGE_VAAI_PROCESS_ALIVE;
    }
    return VIR_STORAGE_VAAI_PROCESS_DEAD;
}


int
virStorageVaaiWatcherReap(virStorageVaaiWatcher *w,
                          GPtrArray *log,
                          GError **error)
{
    uint32_t bs = w->pool->header.blockSize;
    g_autofree uint8_t *empty = g_new0(uint8_t, bs);
    gint64 now = w->readIssuedUs;
    int freed = 0;
    uint32_t i;

    for (i = 0; i < w->slots; i++) {
        int rc;

        /* A counter that moved in the last read started its watch after
         * that read was issued: now - since is negative then, not large. */
        if (!w->valid[i] || !w->watch[i].watching ||
            w->watch[i].counter != w->hb[i].counter ||
            now <= w->watch[i].sinceUs ||
            (uint64_t)(now - w->watch[i].sinceUs) < w->timeoutUs)
            continue;
        if (virStorageVaaiFenceOut(w->pool, w->hb[i].host, w->hb[i].incarnation, error) < 0)
            return -1;
        rc = virStorageVaaiPoolSwapBlock(w->pool, w->pool->header.heartbeatLba + i,
                                         w->raw + (size_t)i * bs, empty, error);
        if (rc < 0)
            return -1;
        if (rc == 1)
            continue;
        freed++;
        w->valid[i] = false;
        w->watch[i].watching = false;
        memset(w->raw + (size_t)i * bs, 0, bs);
        if (log)
            g_ptr_array_add(log, g_strdup_printf("freed heartbeat slot %u of host '%s', "
                                                 "stopped for the lease timeout", i,
                                                 w->hb[i].hostName));
    }
    return freed;
}


bool
virStorageVaaiWatcherAnyStopping(virStorageVaaiWatcher *w)
{
    gint64 now = w->readIssuedUs;
    uint32_t i;

    for (i = 0; i < w->slots; i++) {
        uint64_t still;

        if (!w->valid[i] || !w->watch[i].watching ||
            w->watch[i].counter != w->hb[i].counter ||
            now <= w->watch[i].sinceUs)
            continue;
        still = now - w->watch[i].sinceUs;
        if (still > 2 * w->pool->header.heartbeatIntervalMs * 1000 && still < w->timeoutUs)
            return true;
    }
    return false;
}
