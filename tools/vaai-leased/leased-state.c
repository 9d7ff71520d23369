/*
 * leased-state.c: vaai-leased's pools and holds
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <signal.h>
#include <string.h>
#include <sys/types.h>

#include "leased.h"
#include "storage_vaai_inuse.h"
#include "storage_vaai_table.h"

/* How often a waiting acquire looks again for a migration's other side
 * to let go. */
#define LEASED_PARTNER_POLL_MS 200

typedef struct {
    char *name;
    char *spec;                 /* with the CHAP secret: never printed */
    char *initiator;
    virSCSILun *lun;
    virStorageVaaiPool *pool;
    virStorageVaaiSession *session;
    uint64_t epoch;             /* the session's fence epoch at join */
    virStorageVaaiWatcher *watcher;     /* the other hosts' heartbeats */
} leasedPool;

typedef struct {
    leasedPool *pool;
    char *volume;
    uint8_t uuid[VIR_STORAGE_VAAI_UUID_LEN];
    uint8_t owner[VIR_STORAGE_VAAI_UUID_LEN];
    char *ownerName;
    int pid;
    virStorageVaaiInUseMode mode;
    bool killed;                /* its process was killed by the fence */
} leasedHold;

struct _leasedState {
    virStorageVaaiHost host;
    GMutex ioLock;              /* one request (one decision on a LUN) at a time */
    GMutex lock;                /* pools and holds, also for the fence thread */
    GPtrArray *pools;           /* leasedPool */
    GPtrArray *holds;           /* leasedHold */
};


static void
leasedPoolClose(leasedPool *p)
{
    g_clear_pointer(&p->watcher, virStorageVaaiWatcherFree);
    g_clear_pointer(&p->session, virStorageVaaiSessionLeave);
    g_clear_pointer(&p->pool, virStorageVaaiPoolFree);
    g_clear_pointer(&p->lun, virSCSILunFree);
}


static void
leasedPoolFree(gpointer opaque)
{
    leasedPool *p = opaque;

    leasedPoolClose(p);
    g_free(p->name);
    if (p->spec)
        memset(p->spec, 0, strlen(p->spec));
    g_free(p->spec);
    g_free(p->initiator);
    g_free(p);
}


static void
leasedHoldFree(gpointer opaque)
{
    leasedHold *h = opaque;

    g_free(h->volume);
    g_free(h->ownerName);
    g_free(h);
}


leasedState *
leasedStateNew(const virStorageVaaiHost *host)
{
    leasedState *st = g_new0(leasedState, 1);

    st->host = *host;
    g_mutex_init(&st->ioLock);
    g_mutex_init(&st->lock);
    st->pools = g_ptr_array_new_with_free_func(leasedPoolFree);
    st->holds = g_ptr_array_new_with_free_func(leasedHoldFree);
    return st;
}


void
leasedStateFree(leasedState *st)
{
    if (!st)
        return;
    g_ptr_array_unref(st->holds);
    g_ptr_array_unref(st->pools);
    g_mutex_clear(&st->lock);
    g_mutex_clear(&st->ioLock);
    g_free(st);
}


static leasedPool *
leasedPoolFind(leasedState *st,
               const char *name)
{
    guint i;

    for (i = 0; i < st->pools->len; i++) {
        leasedPool *p = g_ptr_array_index(st->pools, i);

        if (strcmp(p->name, name) == 0)
            return p;
    }
    return NULL;
}


static bool
leasedPoolHeld(leasedState *st,
               leasedPool *p)
{
    guint i;

    for (i = 0; i < st->holds->len; i++) {
        if (((leasedHold *)g_ptr_array_index(st->holds, i))->pool == p)
            return true;
    }
    return false;
}


int
leasedPoolRegister(leasedState *st,
                   const char *name,
                   const char *spec,
                   const char *initiator,
                   GError **error)
{
    g_autoptr(GMutexLocker) io = g_mutex_locker_new(&st->ioLock);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&st->lock);
    leasedPool *p = leasedPoolFind(st, name);

    if (p) {
        if (strcmp(p->spec, spec) == 0 && g_strcmp0(p->initiator, initiator) == 0)
            return 0;
        if (leasedPoolHeld(st, p)) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY,
                        "pool '%s' is held open for domains on another LUN: "
                        "stop them before it moves", name);
            return -1;
        }
        g_ptr_array_remove(st->pools, p);
    }
    p = g_new0(leasedPool, 1);
    p->name = g_strdup(name);
    p->spec = g_strdup(spec);
    p->initiator = g_strdup(initiator);
    g_ptr_array_add(st->pools, p);
    g_message("pool '%s' registered", name);
    return 0;
}


/* Open and join @p if not yet, or again after its fence ran out with
 * nothing held (a fresh incarnation); refuse when it ran out while
 * domains held its volumes (their processes were killed).  Called under
 * the I/O lock only: the fence thread looks at pools that hold volumes,
 * which this never closes. */
static int
leasedPoolReady(leasedState *st,
                leasedPool *p,
                GError **error)
{
    virSCSITransportOptions opts = { .initiatorName = p->initiator };

    if (p->session && !virStorageVaaiSessionFresh(p->session, p->epoch)) {
        bool held;

        g_mutex_lock(&st->lock);
        held = leasedPoolHeld(st, p);
        g_mutex_unlock(&st->lock);
        if (held) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FENCED,
                        "this host lost its heartbeat on pool '%s' while it held "
                        "volumes: their domains were stopped", p->name);
            return -1;
        }
        g_message("pool '%s': heartbeat lost before; joining again", p->name);
        leasedPoolClose(p);
    }
    if (p->session)
        return 0;
    if (!(p->lun = virSCSILunOpen(p->spec, &opts, error)) ||
        !(p->pool = virStorageVaaiPoolOpen(p->lun, true, error)) ||
        !(p->session = virStorageVaaiSessionJoin(p->pool, &st->host, error))) {
        g_prefix_error(error, "pool '%s': ", p->name);
        leasedPoolClose(p);
        return -1;
    }
    p->epoch = virStorageVaaiSessionEpoch(p->session);
    return 0;
}


static leasedHold *
leasedHoldFind(leasedState *st,
               leasedPool *p,
               const uint8_t *uuid,
               const uint8_t *owner)
{
    guint i;

    for (i = 0; i < st->holds->len; i++) {
        leasedHold *h = g_ptr_array_index(st->holds, i);

        if (h->pool == p && memcmp(h->uuid, uuid, VIR_STORAGE_VAAI_UUID_LEN) == 0 &&
            memcmp(h->owner, owner, VIR_STORAGE_VAAI_UUID_LEN) == 0)
            return h;
    }
    return NULL;
}


/* Whether everybody else who holds the volume is @owner on another host:
 * the other side of its migration, about to let go. */
static bool
leasedOnlyPartner(leasedPool *p,
                  int idx,
                  const uint8_t *uuid,
                  const uint8_t *owner)
{
    g_autoptr(GArray) holders = virStorageVaaiVolHolders(p->pool, NULL, idx, uuid, NULL);
    guint i;

    if (!holders || holders->len == 0)
        return false;
    for (i = 0; i < holders->len; i++) {
        const virStorageVaaiHolderInfo *hi = &g_array_index(holders, virStorageVaaiHolderInfo, i);

        if (memcmp(hi->holder.owner, owner, VIR_STORAGE_VAAI_UUID_LEN) != 0)
            return false;
    }
    return true;
}


int
leasedAcquire(leasedState *st,
              const char *pool,
              const char *volume,
              const uint8_t *owner,
              const char *ownerName,
              int pid,
              virStorageVaaiInUseMode mode,
              unsigned int waitMs,
              GError **error)
{
    g_autoptr(GMutexLocker) io = g_mutex_locker_new(&st->ioLock);
    virStorageVaaiVolRecord rec;
    gint64 deadline = g_get_monotonic_time() + (gint64)waitMs * 1000;
    leasedHold *h;
    leasedPool *p;
    uint8_t uuid[VIR_STORAGE_VAAI_UUID_LEN];
    int idx;

    /* pools are added and removed under the I/O lock, which we hold */
    p = leasedPoolFind(st, pool);
    if (!p) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NOT_FOUND,
                    "vaai-leased knows no pool '%s' on this host (is the pool "
                    "active in libvirt here?)", pool);
        return -1;
    }
    if (leasedPoolReady(st, p, error) < 0)
        return -1;

    /* The volume's key now: every later change is made to that volume,
     * never to a namesake made meanwhile. */
    if ((idx = virStorageVaaiTableLookup(p->pool, volume, NULL, &rec, error)) < 0)
        return -1;
    memcpy(uuid, rec.uuid, VIR_STORAGE_VAAI_UUID_LEN);

    while (true) {
        g_autoptr(GError) err = NULL;

        if (virStorageVaaiVolHold(p->session, volume, uuid, owner, mode, &err) == 0)
            break;
        if (!g_error_matches(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY) ||
            g_get_monotonic_time() >= deadline ||
            !leasedOnlyPartner(p, idx, uuid, owner)) {
            g_propagate_error(error, g_steal_pointer(&err));
            return -1;
        }
        /* Wait without the I/O lock: other requests go on, and so does
         * the reaper, which frees the partner's hold if its host died
         * (then this take succeeds after the lease timeout). */
        g_clear_pointer(&io, g_mutex_locker_free);
        g_usleep(LEASED_PARTNER_POLL_MS * 1000);
        io = g_mutex_locker_new(&st->ioLock);
        if (leasedPoolFind(st, pool) != p || !p->session) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CHANGED,
                        "pool '%s' was registered again while waiting for volume '%s'",
                        pool, volume);
            return -1;
        }
    }

    g_mutex_lock(&st->lock);
    if (!(h = leasedHoldFind(st, p, uuid, owner))) {
        h = g_new0(leasedHold, 1);
        h->pool = p;
        h->volume = g_strdup(volume);
        memcpy(h->uuid, uuid, VIR_STORAGE_VAAI_UUID_LEN);
        memcpy(h->owner, owner, VIR_STORAGE_VAAI_UUID_LEN);
        g_ptr_array_add(st->holds, h);
    }
    g_free(h->ownerName);
    h->ownerName = g_strdup(ownerName);
    h->pid = pid;
    h->mode = mode;
    h->killed = false;
    g_mutex_unlock(&st->lock);
    g_message("holding %s/%s for %s (pid %d, %s)", pool, volume,
              ownerName ? ownerName : "?", pid, virStorageVaaiInUseModeName(mode));
    return 0;
}


/* Give back hold @h on the LUN and forget it.  A hold whose fence ran out
 * cannot be written: it expires with this daemon's heartbeat slot. */
static int
leasedHoldDrop(leasedState *st,
               leasedHold *h,
               GError **error)
{
    leasedPool *p = h->pool;
    bool held;
    int rc = 0;

    if (h->pool->session && virStorageVaaiSessionFresh(h->pool->session, h->pool->epoch))
        rc = virStorageVaaiVolUnhold(h->pool->session, h->volume, h->uuid, h->owner, error);
    g_message("released %s/%s of %s%s", h->pool->name, h->volume,
              h->ownerName ? h->ownerName : "?", rc < 0 ? " (failed on the LUN)" : "");
    g_mutex_lock(&st->lock);
    g_ptr_array_remove(st->holds, h);
    held = leasedPoolHeld(st, p);
    g_mutex_unlock(&st->lock);

    /* A session whose fence ran out still heartbeats, and its slot keeps
     * the holds it could not give back alive for the other hosts: once
     * nothing of it is held here (its domains are gone), it leaves, which
     * frees the slot and with it those holds (or, the array unreachable,
     * stops the heartbeat so that they expire after T). */
    if (!held && p->session && !virStorageVaaiSessionFresh(p->session, p->epoch)) {
        g_message("pool '%s': leaving after a lost heartbeat", p->name);
        leasedPoolClose(p);
    }
    return rc;
}


/* Give back, one by one, every hold @match accepts (each is forgotten
 * whether or not the LUN took the change); the first error in @error. */
static int
leasedDropMatching(leasedState *st,
                   bool (*match)(const leasedHold *h, const void *opaque),
                   const void *opaque,
                   GError **error)
{
    g_autoptr(GMutexLocker) io = g_mutex_locker_new(&st->ioLock);
    int ret = 0;

    while (true) {
        leasedHold *h = NULL;
        g_autoptr(GError) err = NULL;
        guint i;

        g_mutex_lock(&st->lock);
        for (i = 0; i < st->holds->len && !h; i++) {
            leasedHold *c = g_ptr_array_index(st->holds, i);

            if (match(c, opaque))
                h = c;
        }
        g_mutex_unlock(&st->lock);
        if (!h)
            return ret;
        if (leasedHoldDrop(st, h, &err) < 0 && ret == 0) {
            g_propagate_error(error, g_steal_pointer(&err));
            ret = -1;
        }
    }
}


typedef struct {
    const char *pool;
    const char *volume;
    const uint8_t *owner;
} leasedReleaseWhat;


static bool
leasedReleaseMatch(const leasedHold *h,
                   const void *opaque)
{
    const leasedReleaseWhat *w = opaque;

    return memcmp(h->owner, w->owner, VIR_STORAGE_VAAI_UUID_LEN) == 0 &&
           (!w->pool || strcmp(h->pool->name, w->pool) == 0) &&
           (!w->volume || strcmp(h->volume, w->volume) == 0);
}


int
leasedRelease(leasedState *st,
              const char *pool,
              const char *volume,
              const uint8_t *owner,
              GError **error)
{
    leasedReleaseWhat what = { pool, volume, owner };

    return leasedDropMatching(st, leasedReleaseMatch, &what, error);
}


static bool
leasedPidMatch(const leasedHold *h,
               const void *opaque)
{
    return h->pid == *(const int *)opaque;
}


void
leasedProcessGone(leasedState *st,
                  int pid)
{
    g_autoptr(GError) err = NULL;

    if (leasedDropMatching(st, leasedPidMatch, &pid, &err) < 0)
        g_warning("process %d ended; giving back its holds: %s", pid, err->message);
}


GVariant *
leasedList(leasedState *st)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&st->lock);
    GVariantBuilder b;
    guint i;

    g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
    for (i = 0; i < st->holds->len; i++) {
        leasedHold *h = g_ptr_array_index(st->holds, i);
        g_autofree char *owner = virStorageVaaiUuidFormat(h->owner);

        g_variant_builder_open(&b, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&b, "{sv}", "pool", g_variant_new_string(h->pool->name));
        g_variant_builder_add(&b, "{sv}", "volume", g_variant_new_string(h->volume));
        g_variant_builder_add(&b, "{sv}", "owner", g_variant_new_string(owner));
        g_variant_builder_add(&b, "{sv}", "name",
                              g_variant_new_string(h->ownerName ? h->ownerName : ""));
        g_variant_builder_add(&b, "{sv}", "pid", g_variant_new_int32(h->pid));
        g_variant_builder_add(&b, "{sv}", "mode",
                              g_variant_new_string(virStorageVaaiInUseModeToString(h->mode)));
        g_variant_builder_add(&b, "{sv}", "killed", g_variant_new_boolean(h->killed));
        g_variant_builder_close(&b);
    }
    return g_variant_builder_end(&b);
}


unsigned int
leasedFenceCheck(leasedState *st)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&st->lock);
    unsigned int killed = 0;
    guint i;

    for (i = 0; i < st->holds->len; i++) {
        leasedHold *h = g_ptr_array_index(st->holds, i);

        if (h->killed || !h->pool->session ||
            virStorageVaaiSessionFresh(h->pool->session, h->pool->epoch))
            continue;
        /* sanlock's answer: the process that may write goes, before
         * anyone may presume this host dead (T/2 before, by the fence) */
        h->killed = true;
        if (h->pid > 0) {
            g_warning("pool '%s': this host's heartbeat is too old to keep volume "
                      "'%s' held: killing %s (pid %d)", h->pool->name, h->volume,
                      h->ownerName ? h->ownerName : "its holder", h->pid);
            kill(h->pid, SIGKILL);
            killed++;
        }
    }
    return killed;
}


void
leasedReap(leasedState *st)
{
    g_autoptr(GMutexLocker) io = g_mutex_locker_new(&st->ioLock);
    guint i;

    for (i = 0; i < st->pools->len; i++) {
        leasedPool *p = g_ptr_array_index(st->pools, i);
        g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) err = NULL;
        guint j;

        if (!p->session)
            continue;
        if (!p->watcher)
            p->watcher = virStorageVaaiWatcherNew(p->pool);
        if (virStorageVaaiWatcherUpdate(p->watcher, &err) < 0 ||
            virStorageVaaiWatcherReap(p->watcher, log, &err) < 0) {
            g_debug("pool '%s': watching heartbeats: %s", p->name, err->message);
            continue;
        }
        for (j = 0; j < log->len; j++)
            g_message("pool '%s': %s", p->name, (const char *)g_ptr_array_index(log, j));
    }
}
