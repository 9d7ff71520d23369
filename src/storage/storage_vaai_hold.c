/*
 * storage_vaai_hold.c: volumes held open by domains, on the LUN
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "storage_vaai_hold.h"
#include "storage_vaai_inuse.h"
#include "storage_vaai_table.h"

/* COMPARE AND WRITEs lost to other hosts' changes of one in-use block
 * before giving up: each loser re-reads, so this bounds a live-lock, not
 * the number of hosts. */
#define VIR_STORAGE_VAAI_HOLD_TRIES 64


static const char *
virStorageVaaiHoldHostName(virStorageVaaiWatcher *watcher,
                           uint32_t slots,
                           const uint8_t *host,
                           uint64_t incarnation)
{
    uint32_t i;

    for (i = 0; i < slots; i++) {
        const virStorageVaaiHeartbeat *hb = virStorageVaaiWatcherSlot(watcher, i);

        if (hb && hb->incarnation == incarnation &&
            memcmp(hb->host, host, VIR_STORAGE_VAAI_UUID_LEN) == 0)
            return hb->hostName;
    }
    return NULL;
}


/* A holder is gone when no heartbeat slot holds its process any more: it
 * left, or another host saw it stand still for the lease timeout and took
 * its slot (lease-protocol.md): the bound after which a dead host's
 * volumes are free is the metadata lease's. */
static bool
virStorageVaaiHoldGone(const virStorageVaaiInUseHolder *h,
                       void *opaque)
{
    return virStorageVaaiWatcherState(opaque, h->host, h->incarnation) ==
        VIR_STORAGE_VAAI_PROCESS_DEAD;
}


/* In-use block @block (record @idx's) as it stands for volume @uuid,
 * holders gone dropped. */
static int
virStorageVaaiHoldDecode(virStorageVaaiPool *pool,
                         virStorageVaaiWatcher *watcher,
                         uint32_t idx,
                         const uint8_t *block,
                         const uint8_t *uuid,
                         virStorageVaaiInUse *rec,
                         GError **error)
{
    g_autoptr(GError) err = NULL;

    switch (virStorageVaaiInUseDecode(block, pool->header.blockSize, rec, &err)) {
    case VIR_STORAGE_VAAI_RECORD_EMPTY:
    case VIR_STORAGE_VAAI_RECORD_VALID:
        break;
    case VIR_STORAGE_VAAI_RECORD_CORRUPT:
    case VIR_STORAGE_VAAI_RECORD_FOREIGN:
    case VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION:
    case VIR_STORAGE_VAAI_RECORD_STATUS_LAST:
        /* never taken as "nobody": who holds it cannot be known */
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, err ? err->code : VIR_STORAGE_VAAI_ERROR_CORRUPT,
                    "in-use block %u of pool '%s' (LBA %llu): %s", idx, pool->header.name,
                    (unsigned long long)(virStorageVaaiHeaderInUseLba(&pool->header) + idx),
                    err ? err->message : "unreadable");
        return -1;
    }
    virStorageVaaiInUseFor(rec, uuid);
    virStorageVaaiInUsePrune(rec, virStorageVaaiHoldGone, watcher);
    return 0;
}


/* In-use block @idx read and decoded; @raw: the bytes read, for the
 * COMPARE AND WRITE. */
static int
virStorageVaaiHoldRead(virStorageVaaiPool *pool,
                       virStorageVaaiWatcher *watcher,
                       uint32_t idx,
                       const uint8_t *uuid,
                       uint8_t *raw,
                       virStorageVaaiInUse *rec,
                       GError **error)
{
    uint64_t lba = virStorageVaaiHeaderInUseLba(&pool->header);

    if (virStorageVaaiPoolReadRecords(pool->lun, lba + idx, 1, raw, error) < 0)
        return -1;
    return virStorageVaaiHoldDecode(pool, watcher, idx, raw, uuid, rec, error);
}


/* In-use blocks read at a time: the table's reads are as large. */
#define VIR_STORAGE_VAAI_HOLD_READ_BLOCKS 256


GArray *
virStorageVaaiTableHolders(virStorageVaaiPool *pool,
                           const virStorageVaaiTable *table,
                           GPtrArray *warnings,
                           GError **error)
{
    uint64_t lba = virStorageVaaiHeaderInUseLba(&pool->header);
    uint32_t bs = pool->header.blockSize;
    g_autoptr(GArray) out = g_array_new(false, true, sizeof(virStorageVaaiVolHolder));
    g_autoptr(virStorageVaaiWatcher) watcher = NULL;
    g_autofree uint8_t *buf = NULL;
    uint32_t i;

    if (!lba)
        return g_steal_pointer(&out);
    watcher = virStorageVaaiWatcherNew(pool);
    if (virStorageVaaiWatcherUpdate(watcher, error) < 0)
        return NULL;
    buf = g_new0(uint8_t, (size_t)VIR_STORAGE_VAAI_HOLD_READ_BLOCKS * bs);
    for (i = 0; i < table->count; i += VIR_STORAGE_VAAI_HOLD_READ_BLOCKS) {
        uint32_t n = MIN(VIR_STORAGE_VAAI_HOLD_READ_BLOCKS, table->count - i);
        uint32_t first = n;
        uint32_t last = 0;
        uint32_t j;

        /* Only the blocks from the first volume of this piece to its last:
         * a pool of few volumes reads few blocks (the allocator takes the
         * lowest free records). */
        for (j = 0; j < n; j++) {
            if (table->status[i + j] == VIR_STORAGE_VAAI_RECORD_VALID &&
                table->recs[i + j].state != VIR_STORAGE_VAAI_VOL_FREE) {
                first = MIN(first, j);
                last = j;
            }
        }
        if (first == n)
            continue;
        if (virStorageVaaiPoolReadRecords(pool->lun, lba + i + first, last - first + 1,
                                          buf + (size_t)first * bs, error) < 0)
            return NULL;
        for (j = first; j <= last; j++) {
            const virStorageVaaiVolRecord *r = &table->recs[i + j];
            g_autoptr(GError) err = NULL;
            virStorageVaaiInUse rec;
            size_t h;

            if (table->status[i + j] != VIR_STORAGE_VAAI_RECORD_VALID ||
                r->state == VIR_STORAGE_VAAI_VOL_FREE)
                continue;
            if (virStorageVaaiHoldDecode(pool, watcher, i + j, buf + (size_t)j * bs,
                                         r->uuid, &rec, &err) < 0) {
                if (warnings)
                    g_ptr_array_add(warnings, g_strdup_printf("volume '%s': %s", r->name,
                                                              err->message));
                continue;
            }
            for (h = 0; h < rec.count; h++) {
                virStorageVaaiVolHolder vh = { .idx = i + j };
                const char *host = virStorageVaaiHoldHostName(watcher,
                                                              pool->header.heartbeatSlots,
                                                              rec.holders[h].host,
                                                              rec.holders[h].incarnation);

                vh.info.holder = rec.holders[h];
                if (host)
                    g_strlcpy(vh.info.hostName, host, sizeof(vh.info.hostName));
                g_array_append_val(out, vh);
            }
        }
    }
    return g_steal_pointer(&out);
}


/* A BUSY error naming holder @h of volume @name. */
static void
virStorageVaaiHoldBusy(virStorageVaaiWatcher *watcher,
                       virStorageVaaiPool *pool,
                       const virStorageVaaiInUseHolder *h,
                       const char *what,
                       const char *name,
                       GError **error)
{
    const char *host = virStorageVaaiHoldHostName(watcher, pool->header.heartbeatSlots,
                                                  h->host, h->incarnation);
    g_autofree char *holder = virStorageVaaiInUseHolderDescribe(h, host);

    g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY,
                "cannot %s volume '%s': it is in use by %s", what, name, holder);
}


/* A BUSY error naming the operation on volume @name's record @rec and
 * the host that runs it. */
static void
virStorageVaaiHoldWorkerBusy(virStorageVaaiPool *pool,
                             const virStorageVaaiVolRecord *rec,
                             const char *name,
                             GError **error)
{
    g_autoptr(virStorageVaaiWatcher) watcher = virStorageVaaiWatcherNew(pool);
    const char *host = NULL;
    g_autofree char *uuid = virStorageVaaiUuidFormat(rec->workerUuid);

    if (virStorageVaaiWatcherUpdate(watcher, NULL) == 0)
        host = virStorageVaaiHoldHostName(watcher, pool->header.heartbeatSlots,
                                          rec->workerUuid, rec->workerIncarnation);
    g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY,
                "cannot open volume '%s': it is %s, by host %s", name,
                virStorageVaaiVolStateName(rec->state), host && *host ? host : uuid);
}


typedef int (*virStorageVaaiHoldEdit)(virStorageVaaiInUse *rec,
                                      virStorageVaaiWatcher *watcher,
                                      void *opaque,
                                      GError **error);

/*
 * Change in-use block @idx with @edit (-1 error, 0 changed, 1 nothing to
 * change) by COMPARE AND WRITE from the bytes read, again from a fresh
 * read when another host changed it in between.  Every write first checks
 * that this host may still write: a host presumed dead may have had its
 * holds pruned by others, and must not write one back.
 */
static int
virStorageVaaiHoldUpdate(virStorageVaaiSession *s,
                         uint64_t epoch,
                         uint32_t idx,
                         const uint8_t *uuid,
                         virStorageVaaiHoldEdit edit,
                         void *opaque,
                         GError **error)
{
    virStorageVaaiPool *pool = virStorageVaaiSessionPool(s);
    uint32_t bs = pool->header.blockSize;
    uint64_t lba = virStorageVaaiHeaderInUseLba(&pool->header) + idx;
    g_autoptr(virStorageVaaiWatcher) watcher = virStorageVaaiWatcherNew(pool);
    g_autofree uint8_t *raw = g_new0(uint8_t, bs);
    g_autofree uint8_t *next = g_new0(uint8_t, bs);
    size_t attempt;

    for (attempt = 0; attempt < VIR_STORAGE_VAAI_HOLD_TRIES; attempt++) {
        virStorageVaaiInUse rec;
        int rc;

        if (virStorageVaaiWatcherUpdate(watcher, error) < 0 ||
            virStorageVaaiHoldRead(pool, watcher, idx, uuid, raw, &rec, error) < 0)
            return -1;
        if ((rc = edit(&rec, watcher, opaque, error)) != 0)
            return rc;
        if (!virStorageVaaiSessionFresh(s, epoch)) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FENCED,
                        "this host's heartbeat is too old to change who holds a "
                        "volume (another host may presume it dead)");
            return -1;
        }
        if (virStorageVaaiInUseEncode(&rec, next, bs, error) < 0)
            return -1;
        rc = virStorageVaaiPoolSwapBlock(pool, lba, raw, next, error);
        if (rc <= 0)
            return rc;
    }
    g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CHANGED,
                "in-use block %u of pool '%s' keeps changing under this host",
                idx, pool->header.name);
    return -1;
}


typedef struct {
    virStorageVaaiPool *pool;
    const virStorageVaaiInUseHolder *who;
    const char *name;
} virStorageVaaiHoldTakeData;


static int
virStorageVaaiHoldEditTake(virStorageVaaiInUse *rec,
                           virStorageVaaiWatcher *watcher,
                           void *opaque,
                           GError **error)
{
    virStorageVaaiHoldTakeData *d = opaque;
    g_autoptr(GError) err = NULL;
    size_t blocker = 0;
    int rc;

    if ((rc = virStorageVaaiInUseTake(rec, d->who, &blocker, &err)) < 0) {
        if (err->code == VIR_STORAGE_VAAI_ERROR_BUSY && blocker < rec->count)
            virStorageVaaiHoldBusy(watcher, d->pool, &rec->holders[blocker],
                                   "open", d->name, error);
        else
            g_propagate_error(error, g_steal_pointer(&err));
        return -1;
    }
    return rc;
}


static int
virStorageVaaiHoldEditDrop(virStorageVaaiInUse *rec,
                           virStorageVaaiWatcher *watcher G_GNUC_UNUSED,
                           void *opaque,
                           GError **error G_GNUC_UNUSED)
{
    return virStorageVaaiInUseDrop(rec, opaque) ? 0 : 1;
}


static bool
virStorageVaaiHoldHasArea(virStorageVaaiPool *pool,
                          GError **error)
{
    if (virStorageVaaiHeaderInUseLba(&pool->header))
        return true;
    g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_UNSUPPORTED,
                "pool '%s' (format %u.%u) has no in-use area: its volumes "
                "cannot be held open across hosts", pool->header.name,
                pool->header.formatMajor, pool->header.formatMinor);
    return false;
}


static void
virStorageVaaiHoldWho(virStorageVaaiSession *s,
                      const uint8_t *owner,
                      virStorageVaaiInUseMode mode,
                      virStorageVaaiInUseHolder *who)
{
    const virStorageVaaiHost *self = virStorageVaaiSessionHost(s);

    memset(who, 0, sizeof(*who));
    memcpy(who->host, self->uuid, VIR_STORAGE_VAAI_UUID_LEN);
    who->incarnation = self->incarnation;
    if (owner)
        memcpy(who->owner, owner, VIR_STORAGE_VAAI_UUID_LEN);
    who->mode = mode;
    who->since = g_get_real_time() / G_USEC_PER_SEC;
}


int
virStorageVaaiVolHold(virStorageVaaiSession *s,
                      const char *name,
                      const uint8_t *uuid,
                      const uint8_t *owner,
                      virStorageVaaiInUseMode mode,
                      GError **error)
{
    virStorageVaaiPool *pool = virStorageVaaiSessionPool(s);
    uint64_t epoch = virStorageVaaiSessionEpoch(s);
    virStorageVaaiInUseHolder who;
    virStorageVaaiHoldTakeData take = { pool, &who, name };
    virStorageVaaiVolRecord rec;
    virStorageVaaiVolRecord now = { 0 };
    g_autoptr(GError) err = NULL;
    int idx;

    if (!virStorageVaaiHoldHasArea(pool, error) ||
        (idx = virStorageVaaiTableLookup(pool, name, uuid, &rec, error)) < 0)
        return -1;
    virStorageVaaiHoldWho(s, owner, mode, &who);

    /* "A start takes the in-use lease, then reads the record": our intent
     * is on the LUN before we look at theirs. */
    if (virStorageVaaiHoldUpdate(s, epoch, idx, rec.uuid, virStorageVaaiHoldEditTake,
                                 &take, error) < 0)
        return -1;

    /* "Each writes its own intent before reading the other's, so one of
     * the two always sees the other": an operation that marked the record
     * before our hold landed finds no hold and goes on; we find its mark
     * here and give the hold back. */
    if (virStorageVaaiTableReadRecord(pool, idx, &now, error) == VIR_STORAGE_VAAI_RECORD_VALID &&
        memcmp(now.uuid, rec.uuid, VIR_STORAGE_VAAI_UUID_LEN) == 0 &&
        now.state == VIR_STORAGE_VAAI_VOL_READY)
        return 0;

    if (error && !*error) {
        if (memcmp(now.uuid, rec.uuid, VIR_STORAGE_VAAI_UUID_LEN) != 0)
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NOT_FOUND,
                        "cannot open volume '%s': it was deleted", name);
        else
            virStorageVaaiHoldWorkerBusy(pool, &now, name, error);
    }
    if (virStorageVaaiHoldUpdate(s, epoch, idx, rec.uuid, virStorageVaaiHoldEditDrop,
                                 &who, &err) < 0)
        g_debug("giving back the hold of volume '%s': %s", name, err->message);
    return -1;
}


int
virStorageVaaiVolUnhold(virStorageVaaiSession *s,
                        const char *name,
                        const uint8_t *uuid,
                        const uint8_t *owner,
                        GError **error)
{
    virStorageVaaiPool *pool = virStorageVaaiSessionPool(s);
    virStorageVaaiInUseHolder who;
    virStorageVaaiVolRecord rec;
    g_autoptr(GError) err = NULL;
    int idx;

    if (!virStorageVaaiHoldHasArea(pool, error))
        return -1;
    if ((idx = virStorageVaaiTableLookup(pool, name, uuid, &rec, &err)) < 0) {
        if (err->code == VIR_STORAGE_VAAI_ERROR_NOT_FOUND)
            return 0;
        g_propagate_error(error, g_steal_pointer(&err));
        return -1;
    }
    virStorageVaaiHoldWho(s, owner, VIR_STORAGE_VAAI_INUSE_NONE, &who);
    return virStorageVaaiHoldUpdate(s, virStorageVaaiSessionEpoch(s), idx, rec.uuid,
                                    virStorageVaaiHoldEditDrop, &who, error) < 0 ? -1 : 0;
}


GArray *
virStorageVaaiVolHolders(virStorageVaaiPool *pool,
                         virStorageVaaiWatcher *watcher,
                         uint32_t idx,
                         const uint8_t *uuid,
                         GError **error)
{
    g_autoptr(virStorageVaaiWatcher) own = NULL;
    g_autoptr(GArray) out = g_array_new(false, true, sizeof(virStorageVaaiHolderInfo));
    g_autofree uint8_t *raw = NULL;
    virStorageVaaiInUse rec;
    size_t i;

    if (!virStorageVaaiHeaderInUseLba(&pool->header))
        return g_steal_pointer(&out);
    if (!watcher) {
        watcher = own = virStorageVaaiWatcherNew(pool);
        if (virStorageVaaiWatcherUpdate(watcher, error) < 0)
            return NULL;
    }
    raw = g_new0(uint8_t, pool->header.blockSize);
    if (virStorageVaaiHoldRead(pool, watcher, idx, uuid, raw, &rec, error) < 0)
        return NULL;
    for (i = 0; i < rec.count; i++) {
        virStorageVaaiHolderInfo info = { .holder = rec.holders[i] };
        const char *host = virStorageVaaiHoldHostName(watcher, pool->header.heartbeatSlots,
                                                      rec.holders[i].host,
                                                      rec.holders[i].incarnation);

        if (host)
            g_strlcpy(info.hostName, host, sizeof(info.hostName));
        g_array_append_val(out, info);
    }
    return g_steal_pointer(&out);
}


int
virStorageVaaiHoldCheck(virStorageVaaiPool *pool,
                        uint32_t idx,
                        const uint8_t *uuid,
                        const char *what,
                        const char *name,
                        GError **error)
{
    g_autoptr(virStorageVaaiWatcher) watcher = NULL;
    g_autofree uint8_t *raw = NULL;
    virStorageVaaiInUse rec;

    if (!virStorageVaaiHeaderInUseLba(&pool->header))
        return 0;       /* format 1.0: nothing can hold a volume */
    watcher = virStorageVaaiWatcherNew(pool);
    raw = g_new0(uint8_t, pool->header.blockSize);
    if (virStorageVaaiWatcherUpdate(watcher, error) < 0 ||
        virStorageVaaiHoldRead(pool, watcher, idx, uuid, raw, &rec, error) < 0)
        return -1;
    if (rec.count == 0)
        return 0;
    virStorageVaaiHoldBusy(watcher, pool, &rec.holders[0], what, name, error);
    return -1;
}
