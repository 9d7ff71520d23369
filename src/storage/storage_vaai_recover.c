/*
 * storage_vaai_recover.c: finishing or rolling back the operations of
 *                         workers that died, on a shared vaai pool
 *
 * A busy record whose worker the heartbeats show dead (or that is this
 * process's and no operation of it works on any more) is adopted by
 * COMPARE AND WRITE from the exact bytes read, so that two recoverers
 * cannot both proceed, and then finished or rolled back with the same
 * steps the operation itself would have run (storage_vaai_work.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "storage_vaai_work.h"
#include "storage_vaai_fence.h"
#include "virscsierror.h"


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
