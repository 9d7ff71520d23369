/*
 * storage_backend_vaai_watch.c: the vaai pool's watcher of changes made
 *                               by other hosts sharing the LUN
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#define LIBVIRT_STORAGE_BACKEND_VAAI_PRIV_H_ALLOW
#include "storage_backend_vaai_priv.h"
#include "storage_driver.h"
#include "virerror.h"
#include "virlog.h"
#include "virstring.h"

#include "storage_vaai_volume.h"

#define VIR_FROM_THIS VIR_FROM_STORAGE

VIR_LOG_INIT("storage.storage_backend_vaai_watch");


/* ---- Changes made by other hosts ----
 *
 * Other hosts change a shared pool without this daemon.  A thread per
 * started pool reads the volume table every few seconds and, when a
 * record changed in a way a listing shows (virStorageVaaiTableRecordChanged:
 * not progress) and not by this host, has the storage driver refresh the
 * pool, which emits a refresh event: vol-list stays current and
 * `virsh pool-event` sees other hosts' volumes appear, finish and go.
 * Changes of this host's callbacks are told apart by the record's worker
 * (this host, while an operation runs) and by ownOps (the volumes the
 * callbacks changed since the watcher last read the table): they emit
 * their own event when they finish.
 *
 * The same thread joins the pool again when another host took this host's
 * heartbeat slot (it was presumed dead: every operation is fenced until
 * then), and recovers while the pool runs: it keeps watching every
 * heartbeat slot (virStorageVaaiWatcher, updated at each read), and once
 * the table holds a busy record whose worker stood still for T, or one of
 * this process that no operation of it works on any more, it finishes or
 * rolls it back (virStorageVaaiVolRecoverPass) and refreshes the pool.
 * Without that, a crashed host's records stayed busy until someone ran
 * 'vaaictl pool repair'.
 *
 * The refresh needs the pool object's lock, which stopPool's caller holds
 * while it frees this state and joins the watcher: so the watcher never
 * refreshes itself, but starts a detached thread that holds only the
 * pool's UUID; a refresh that passes because a job runs in the pool is
 * tried again at the next read. */

#define VIR_STORAGE_BACKEND_VAAI_WATCH_MS 2000


static unsigned int
virStorageBackendVaaiWatchInterval(void)
{
    const char *env = g_getenv("VAAI_WATCH_INTERVAL_MS");
    unsigned int ms;

    /* For tests; 0 turns the watcher off. */
    if (env && virStrToLong_ui(env, NULL, 10, &ms) == 0)
        return ms;
    return VIR_STORAGE_BACKEND_VAAI_WATCH_MS;
}


/* Mark @key as changed by this host's callbacks, from now until
 * virStorageBackendVaaiOwnEnd(). */
void
virStorageBackendVaaiOwnBegin(virStorageBackendVaaiState *state,
                              const char *key)
{
    virStorageBackendVaaiOwnOp *op;
    VIR_LOCK_GUARD lock = virLockGuardLock(&state->statsLock);

    if (!key)
        return;
    if (!(op = g_hash_table_lookup(state->ownOps, key))) {
        op = g_new0(virStorageBackendVaaiOwnOp, 1);
        g_hash_table_insert(state->ownOps, g_strdup(key), op);
    }
    op->running++;
}


void
virStorageBackendVaaiOwnEnd(virStorageBackendVaaiState *state,
                            const char *key)
{
    virStorageBackendVaaiOwnOp *op;
    VIR_LOCK_GUARD lock = virLockGuardLock(&state->statsLock);

    if (!key || !(op = g_hash_table_lookup(state->ownOps, key)))
        return;
    if (op->running > 0)
        op->running--;
    op->ended = g_get_monotonic_time();
}


/* Whether this host changed record @rec: its worker is this process, or
 * a callback of this host changed the volume since @since, when the
 * watcher started to read the table it compares with. */
static bool
virStorageBackendVaaiOwnRecord(virStorageBackendVaaiState *state,
                               const virStorageVaaiVolRecord *rec,
                               gint64 since)
{
    const virStorageVaaiHost *me = virStorageVaaiSessionHost(state->session);
    g_autofree char *key = NULL;
    virStorageBackendVaaiOwnOp *op;

    if (virStorageVaaiVolStateBusy(rec->state) &&
        memcmp(rec->workerUuid, me->uuid, sizeof(me->uuid)) == 0 &&
        rec->workerIncarnation == me->incarnation)
        return true;

    key = virStorageBackendVaaiUUIDFormat(rec->uuid);
    op = g_hash_table_lookup(state->ownOps, key);
    return op && (op->running > 0 || op->ended >= since);
}


static gboolean
virStorageBackendVaaiOwnExpired(gpointer key G_GNUC_UNUSED,
                                gpointer value,
                                gpointer opaque)
{
    virStorageBackendVaaiOwnOp *op = value;
    gint64 since = *(gint64 *)opaque;

    return op->running == 0 && op->ended < since;
}


static virStorageBackendVaaiWatch *
virStorageBackendVaaiWatchRef(virStorageBackendVaaiWatch *watch)
{
    g_atomic_int_inc(&watch->refs);
    return watch;
}


static void
virStorageBackendVaaiWatchUnref(virStorageBackendVaaiWatch *watch)
{
    if (g_atomic_int_dec_and_test(&watch->refs))
        g_free(watch);
}


static void
virStorageBackendVaaiWatchRefresh(void *opaque)
{
    virStorageBackendVaaiWatch *watch = opaque;

    if (virStorageDriverRefreshPool(watch->uuid) == 1)
        g_atomic_int_set(&watch->retry, 1);
    virStorageBackendVaaiWatchUnref(watch);
}


static void
virStorageBackendVaaiWatchThread(void *opaque)
{
    virStorageBackendVaaiState *state = opaque;
    const virStorageVaaiHeader *hdr = &state->pool->header;
    g_autoptr(virStorageVaaiTable) seen = NULL;
    g_autoptr(virStorageVaaiWatcher) hearts = virStorageVaaiWatcherNew(state->watchPool);
    unsigned int interval = virStorageBackendVaaiWatchInterval();
    gint64 seenSince = 0;

    while (true) {
        g_autoptr(virStorageVaaiTable) table = virStorageVaaiTableNew(hdr);
        g_autoptr(GError) err = NULL;
        gint64 since;
        bool changed = false;
        bool stop;
        uint32_t idx;
        int rc = -1;

        VIR_WITH_MUTEX_LOCK_GUARD(&state->watchLock) {
            unsigned long long until = g_get_real_time() / 1000 + interval;

            while (!state->watchStop &&
                   virCondWaitUntil(&state->watchCond, &state->watchLock, until) == 0)
                ;
            stop = state->watchStop;
        }
        if (stop)
            return;

        since = g_get_monotonic_time();
        rc = virStorageVaaiTableRead(state->watchPool, table, &err);
        if (rc < 0) {
            VIR_DEBUG("pool %s: watcher: %s", hdr->name, err->message);
            continue;
        }

        if (seen) {
            VIR_WITH_MUTEX_LOCK_GUARD(&state->statsLock) {
                for (idx = 0; idx < table->count && !changed; idx++) {
                    if (!virStorageVaaiTableRecordChanged(seen, table, idx))
                        continue;
                    changed = !virStorageBackendVaaiOwnRecord(state, &seen->recs[idx], seenSince) &&
                        !virStorageBackendVaaiOwnRecord(state, &table->recs[idx], seenSince);
                    if (changed)
                        VIR_DEBUG("pool %s: record %u ('%s', state %d -> '%s', state %d) changed by another host",
                                  hdr->name, idx, seen->recs[idx].name, seen->recs[idx].state,
                                  table->recs[idx].name, table->recs[idx].state);
                }
                g_hash_table_foreach_remove(state->ownOps,
                                            virStorageBackendVaaiOwnExpired,
                                            &seenSince);
            }
        }
        /* Presumed dead by another host, which took our heartbeat slot:
         * join again under a new incarnation (the old one's records are
         * then a dead worker's, recovered below). */
        if (virStorageVaaiSessionFenced(state->session)) {
            if (virStorageVaaiSessionRejoin(state->session, &err) < 0) {
                VIR_WARN("pool %s: this host was presumed dead and cannot join "
                         "again: %s", hdr->name, err->message);
                g_clear_error(&err);
            } else {
                VIR_WARN("pool %s: this host was presumed dead by another host "
                         "(its heartbeat slot was taken): joined again", hdr->name);
            }
        }
        if (virStorageVaaiWatcherUpdate(hearts, &err) < 0) {
            VIR_DEBUG("pool %s: watcher: %s", hdr->name, err->message);
            g_clear_error(&err);
        } else if (virStorageVaaiVolNeedsRecovery(state->session, hearts, table)) {
            g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func(g_free);
            guint i;

            if (virStorageVaaiVolRecoverPass(state->session, hearts, log, &err) < 0) {
                VIR_WARN("pool %s: recovery: %s", hdr->name, err->message);
                g_clear_error(&err);
            }
            for (i = 0; i < log->len; i++)
                VIR_INFO("pool %s: recovered %s", hdr->name, (char *)log->pdata[i]);
            changed |= log->len > 0;
        }
        g_clear_pointer(&seen, virStorageVaaiTableFree);
        seen = g_steal_pointer(&table);
        seenSince = since;

        if (changed || g_atomic_int_compare_and_exchange(&state->watch->retry, 1, 0)) {
            virStorageBackendVaaiWatch *watch = virStorageBackendVaaiWatchRef(state->watch);
            virThread thread;

            VIR_DEBUG("pool %s: changed by another host: refreshing", hdr->name);
            if (virThreadCreateFull(&thread, false, virStorageBackendVaaiWatchRefresh,
                                    "vaai-refresh", false, watch) < 0) {
                virStorageBackendVaaiWatchUnref(watch);
                g_atomic_int_set(&state->watch->retry, 1);
            }
        }
    }
}


int
virStorageBackendVaaiWatchStart(virStorageBackendVaaiState *state,
                                virStoragePoolDef *def)
{
    g_autoptr(GError) err = NULL;

    state->watch = g_new0(virStorageBackendVaaiWatch, 1);
    state->watch->refs = 1;
    memcpy(state->watch->uuid, def->uuid, VIR_UUID_BUFLEN);
    if (virStorageBackendVaaiWatchInterval() == 0)
        return 0;

    /* A session of its own: its reads must not count in the link traffic
     * of the volume operations that share the pool's session (each
     * measures its session's counters before and after), nor queue behind
     * them. */
    if (!(state->watchLun = virStorageBackendVaaiOpenLunSource(&def->source, true)))
        return -1;
    if (!(state->watchPool = virStorageVaaiPoolOpen(state->watchLun, false, &err))) {
        virStorageBackendVaaiReportGError(NULL, err);
        return -1;
    }
    if (virThreadCreateFull(&state->watchThread, true, virStorageBackendVaaiWatchThread,
                            "vaai-watch", false, state) < 0) {
        virReportSystemError(errno, "%s",
                             _("cannot start the vaai pool's watcher thread"));
        return -1;
    }
    state->watching = true;
    return 0;
}


void
virStorageBackendVaaiWatchStop(virStorageBackendVaaiState *state)
{
    if (state->watching) {
        VIR_WITH_MUTEX_LOCK_GUARD(&state->watchLock) {
            state->watchStop = true;
            virCondSignal(&state->watchCond);
        }
        virThreadJoin(&state->watchThread);
        state->watching = false;
    }
    g_clear_pointer(&state->watchPool, virStorageVaaiPoolFree);
    g_clear_pointer(&state->watchLun, virSCSILunFree);
    g_clear_pointer(&state->watch, virStorageBackendVaaiWatchUnref);
}
