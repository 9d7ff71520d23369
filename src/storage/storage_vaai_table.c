/*
 * storage_vaai_table.c: the volume table of a vaai pool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "storage_vaai_table.h"
#include "storage_vaai_journal.h"
#include "virscsioffload.h"

/* Reads of the table are split so that no single command is large. */
#define VIR_STORAGE_VAAI_TABLE_READ_BLOCKS 256


virStorageVaaiTable *
virStorageVaaiTableNew(const virStorageVaaiHeader *header)
{
    virStorageVaaiTable *t = g_new0(virStorageVaaiTable, 1);

    t->blockSize = header->blockSize;
    t->count = header->volumeRecords;
    t->dataLba = header->dataLba;
    t->dataEndLba = header->dataEndLba;
    t->raw = g_new0(uint8_t, (size_t)t->count * t->blockSize);
    t->recs = g_new0(virStorageVaaiVolRecord, t->count);
    t->status = g_new0(virStorageVaaiRecordStatus, t->count);
    t->errors = g_new0(char *, t->count);
    return t;
}


void
virStorageVaaiTableFree(virStorageVaaiTable *t)
{
    uint32_t i;

    if (!t)
        return;
    for (i = 0; i < t->count; i++)
        g_free(t->errors[i]);
    g_free(t->errors);
    g_free(t->status);
    g_free(t->recs);
    g_free(t->raw);
    g_free(t);
}


/* Decode a volume record read from the LUN: one whose extents lie outside
 * the data area [@dataLba, @dataEndLba) is corrupt, and left zeroed. */
static virStorageVaaiRecordStatus
virStorageVaaiTableDecode(const uint8_t *block,
                          uint32_t blockSize,
                          uint64_t dataLba,
                          uint64_t dataEndLba,
                          virStorageVaaiVolRecord *rec,
                          GError **error)
{
    virStorageVaaiRecordStatus status = virStorageVaaiVolRecordDecode(block, blockSize,
                                                                      rec, error);

    if (status == VIR_STORAGE_VAAI_RECORD_VALID &&
        !virStorageVaaiVolRecordInArea(rec, dataLba, dataEndLba, error)) {
        memset(rec, 0, sizeof(*rec));
        status = VIR_STORAGE_VAAI_RECORD_CORRUPT;
    }
    return status;
}


void
virStorageVaaiTableLoad(virStorageVaaiTable *t,
                        uint32_t idx,
                        const uint8_t *block)
{
    uint8_t *raw = t->raw + (size_t)idx * t->blockSize;
    g_autoptr(GError) err = NULL;

    if (raw != block)
        memcpy(raw, block, t->blockSize);
    t->status[idx] = virStorageVaaiTableDecode(raw, t->blockSize, t->dataLba, t->dataEndLba,
                                               &t->recs[idx], &err);
    g_clear_pointer(&t->errors[idx], g_free);
    if (err)
        t->errors[idx] = g_strdup(err->message);
}


/* Every record, in pieces no larger than READ_BLOCKS. */
static int
virStorageVaaiTableReadAll(virStorageVaaiPool *pool,
                           virStorageVaaiTable *t,
                           GError **error)
{
    uint32_t i;

    for (i = 0; i < t->count; i += VIR_STORAGE_VAAI_TABLE_READ_BLOCKS) {
        uint32_t n = MIN(VIR_STORAGE_VAAI_TABLE_READ_BLOCKS, t->count - i);
        uint32_t j;

        if (virStorageVaaiPoolReadRecords(pool->lun, pool->header.volumeTableLba + i, n,
                                          t->raw + (size_t)i * t->blockSize, error) < 0)
            return -1;
        for (j = i; j < i + n; j++)
            virStorageVaaiTableLoad(t, j, t->raw + (size_t)j * t->blockSize);
    }
    return 0;
}


static gint
virStorageVaaiCompareU32(gconstpointer a,
                         gconstpointer b)
{
    uint32_t x = *(const uint32_t *)a;
    uint32_t y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}


/* The records @idx names (sorted here; repeats allowed), each run of
 * neighbours in one command. */
static int
virStorageVaaiTableReadSome(virStorageVaaiPool *pool,
                            virStorageVaaiTable *t,
                            GArray *idx,
                            GError **error)
{
    size_t i = 0;

    g_array_sort(idx, virStorageVaaiCompareU32);
    while (i < idx->len) {
        uint32_t first = g_array_index(idx, uint32_t, i);
        uint32_t last = first;
        uint32_t j;

        if (first >= t->count)          /* a journal naming no record: read all */
            return virStorageVaaiTableReadAll(pool, t, error);
        while (i < idx->len && g_array_index(idx, uint32_t, i) <= last + 1 &&
               g_array_index(idx, uint32_t, i) < t->count &&
               last - first + 1 < VIR_STORAGE_VAAI_TABLE_READ_BLOCKS) {
            last = MAX(last, g_array_index(idx, uint32_t, i));
            i++;
        }
        if (virStorageVaaiPoolReadRecords(pool->lun, pool->header.volumeTableLba + first,
                                          last - first + 1,
                                          t->raw + (size_t)first * t->blockSize, error) < 0)
            return -1;
        for (j = first; j <= last; j++)
            virStorageVaaiTableLoad(t, j, t->raw + (size_t)j * t->blockSize);
    }
    return 0;
}


/* Whether record @idx may change without the metadata lease: a busy one
 * (its worker writes progress and the end), or one that could not be read
 * as a record (read again until it can, as a whole read would). */
static bool
virStorageVaaiTableVolatile(const virStorageVaaiTable *t,
                            uint32_t idx)
{
    switch (t->status[idx]) {
    case VIR_STORAGE_VAAI_RECORD_EMPTY:
        return false;
    case VIR_STORAGE_VAAI_RECORD_VALID:
        return virStorageVaaiVolStateBusy(t->recs[idx].state);
    case VIR_STORAGE_VAAI_RECORD_CORRUPT:
    case VIR_STORAGE_VAAI_RECORD_FOREIGN:
    case VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION:
    case VIR_STORAGE_VAAI_RECORD_STATUS_LAST:
        return true;
    }
    return true;
}


static void
virStorageVaaiTableCopy(virStorageVaaiTable *dst,
                        const virStorageVaaiTable *src)
{
    uint32_t i;

    memcpy(dst->raw, src->raw, (size_t)src->count * src->blockSize);
    memcpy(dst->recs, src->recs, sizeof(*src->recs) * src->count);
    memcpy(dst->status, src->status, sizeof(*src->status) * src->count);
    for (i = 0; i < src->count; i++) {
        g_free(dst->errors[i]);
        dst->errors[i] = g_strdup(src->errors[i]);
    }
}


/*
 * The table journal (docs/format.md): the pool's cache brought up to date
 * with what changed since this process last read the lease record (the
 * journal's records, and every busy record), or read whole when the
 * journal cannot tell.  Called with pool->tableLock held.
 *
 * "Read the lease record first, then the records": everything journaled
 * up to the generation read was written before that release completed,
 * so the reads that follow see it.  A holder's changes that are not yet
 * journaled may be missed now (as a read of the whole table just before
 * them would have), and are read at the first read after its release.
 */
static int
virStorageVaaiTableRefresh(virStorageVaaiPool *pool,
                           GError **error)
{
    virStorageVaaiTable *cache = pool->tableCache;
    g_autofree uint8_t *block = g_new0(uint8_t, pool->header.blockSize);
    g_autoptr(GArray) idx = g_array_new(false, false, sizeof(uint32_t));
    virStorageVaaiLease lease;
    bool journaled;
    uint32_t i;

    if (virStorageVaaiPoolReadRecords(pool->lun, pool->header.leaseLba, 1, block, error) < 0)
        return -1;
    journaled = virStorageVaaiJournalDecode(block, pool->header.blockSize, &lease);

    if (!cache)
        cache = pool->tableCache = virStorageVaaiTableNew(&pool->header);
    else if (pool->tableCacheKnown && journaled &&
             virStorageVaaiJournalSince(&lease, pool->tableCacheGeneration, idx)) {
        for (i = 0; i < cache->count; i++) {
            if (virStorageVaaiTableVolatile(cache, i))
                g_array_append_val(idx, i);
        }
        pool->tableCacheKnown = false;
        if (virStorageVaaiTableReadSome(pool, cache, idx, error) < 0)
            return -1;
        pool->tableCacheKnown = true;
        pool->tableCacheGeneration = lease.tableGeneration;
        return 0;
    }

    pool->tableCacheKnown = false;
    if (virStorageVaaiTableReadAll(pool, cache, error) < 0)
        return -1;
    pool->tableCacheKnown = journaled;
    pool->tableCacheGeneration = journaled ? lease.tableGeneration : 0;
    return 0;
}


int
virStorageVaaiTableRead(virStorageVaaiPool *pool,
                        virStorageVaaiTable *t,
                        GError **error)
{
    int ret;

    /* Without the journal, every host reads it all. */
    if (!virStorageVaaiPoolJournaled(pool) || t->count != pool->header.volumeRecords)
        return virStorageVaaiTableReadAll(pool, t, error);

    g_mutex_lock(&pool->tableLock);
    if ((ret = virStorageVaaiTableRefresh(pool, error)) == 0)
        virStorageVaaiTableCopy(t, pool->tableCache);
    g_mutex_unlock(&pool->tableLock);
    return ret;
}


/* Record @idx holds @block on the LUN now, as this process just read or
 * wrote it (@changed: wrote, so the next release journals it). */
static void
virStorageVaaiTableCacheStore(virStorageVaaiPool *pool,
                              uint32_t idx,
                              const uint8_t *block,
                              bool changed)
{
    g_mutex_lock(&pool->tableLock);
    if (pool->tableCache && idx < pool->tableCache->count)
        virStorageVaaiTableLoad(pool->tableCache, idx, block);
    if (changed && virStorageVaaiPoolJournaled(pool)) {
        guint i;

        /* Once each: a worker writes its progress every second, and a
         * long clone's must not make the release journal "any". */
        for (i = 0; i < pool->tableChanged->len; i++) {
            if (g_array_index(pool->tableChanged, uint32_t, i) == idx)
                break;
        }
        if (i == pool->tableChanged->len)
            g_array_append_val(pool->tableChanged, idx);
    }
    g_mutex_unlock(&pool->tableLock);
}


int
virStorageVaaiTableReadOne(virStorageVaaiPool *pool,
                           virStorageVaaiTable *t,
                           uint32_t idx,
                           GError **error)
{
    g_autofree uint8_t *block = g_new0(uint8_t, t->blockSize);

    if (virStorageVaaiPoolReadBlock(pool->lun, pool->header.volumeTableLba + idx,
                                    block, error) < 0)
        return -1;
    virStorageVaaiTableLoad(t, idx, block);
    virStorageVaaiTableCacheStore(pool, idx, block, false);
    return 0;
}


int
virStorageVaaiTableReadRecord(virStorageVaaiPool *pool,
                              uint32_t idx,
                              virStorageVaaiVolRecord *rec,
                              GError **error)
{
    uint32_t bs = pool->header.blockSize;
    g_autofree uint8_t *block = g_new0(uint8_t, bs);

    if (virStorageVaaiPoolReadBlock(pool->lun, pool->header.volumeTableLba + idx,
                                    block, error) < 0)
        return -1;
    return virStorageVaaiTableDecode(block, bs, pool->header.dataLba,
                                     pool->header.dataEndLba, rec, NULL);
}


int
virStorageVaaiTableSwap(virStorageVaaiPool *pool,
                        virStorageVaaiTable *t,
                        uint32_t idx,
                        virStorageVaaiVolRecord *next,
                        GError **error)
{
    g_autofree uint8_t *block = g_new0(uint8_t, t->blockSize);
    g_autofree uint8_t *seen = g_new0(uint8_t, t->blockSize);
    uint64_t lba = pool->header.volumeTableLba + idx;
    GError *swapErr = NULL;
    int rc;

    /* The sequence only grows, so a record never returns to bytes a slow
     * writer may still expect (no ABA). */
    next->version = VIR_STORAGE_VAAI_RECORD_VERSION;
    next->sequence = t->recs[idx].sequence + 1;
    next->modifiedAt = g_get_real_time() / G_USEC_PER_SEC;
    if (virStorageVaaiVolRecordEncode(next, block, t->blockSize, error) < 0)
        return -1;

    rc = virStorageVaaiPoolSwapBlock(pool, lba, t->raw + (size_t)idx * t->blockSize,
                                     block, &swapErr);
    if (rc < 0) {
        /* The write may have been applied with its status lost: the
         * record itself tells. */
        if (virStorageVaaiPoolReadBlock(pool->lun, lba, seen, NULL) == 0 &&
            memcmp(seen, block, t->blockSize) == 0) {
            g_clear_error(&swapErr);
            rc = 0;
        } else {
            g_propagate_error(error, swapErr);
            return -1;
        }
    }
    if (rc == 1)
        return virStorageVaaiTableReadOne(pool, t, idx, error) < 0 ? -1 : 1;
    virStorageVaaiTableLoad(t, idx, block);
    virStorageVaaiTableCacheStore(pool, idx, block, true);
    return 0;
}


int
virStorageVaaiTableDiscard(virStorageVaaiPool *pool,
                           virStorageVaaiTable *t,
                           uint32_t idx,
                           GError **error)
{
    g_autofree uint8_t *empty = g_new0(uint8_t, t->blockSize);
    int rc = virStorageVaaiPoolSwapBlock(pool, pool->header.volumeTableLba + idx,
                                         t->raw + (size_t)idx * t->blockSize,
                                         empty, error);

    if (rc == 0) {
        virStorageVaaiTableLoad(t, idx, empty);
        virStorageVaaiTableCacheStore(pool, idx, empty, true);
    }
    return rc;
}


bool
virStorageVaaiTableInUse(const virStorageVaaiTable *t,
                         uint32_t idx)
{
    switch (t->status[idx]) {
    case VIR_STORAGE_VAAI_RECORD_EMPTY:
        return false;
    case VIR_STORAGE_VAAI_RECORD_VALID:
        return t->recs[idx].state != VIR_STORAGE_VAAI_VOL_FREE;
    case VIR_STORAGE_VAAI_RECORD_CORRUPT:
    case VIR_STORAGE_VAAI_RECORD_FOREIGN:
    case VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION:
    case VIR_STORAGE_VAAI_RECORD_STATUS_LAST:
        break;
    }
    return true;
}


bool
virStorageVaaiTableOpaque(const virStorageVaaiTable *t,
                          uint32_t idx)
{
    return t->status[idx] != VIR_STORAGE_VAAI_RECORD_EMPTY &&
           t->status[idx] != VIR_STORAGE_VAAI_RECORD_VALID;
}


int
virStorageVaaiTableFindName(const virStorageVaaiTable *t,
                            const char *name)
{
    uint32_t i;

    for (i = 0; i < t->count; i++) {
        if (t->status[i] == VIR_STORAGE_VAAI_RECORD_VALID &&
            t->recs[i].state != VIR_STORAGE_VAAI_VOL_FREE &&
            strcmp(t->recs[i].name, name) == 0)
            return i;
    }
    return -1;
}


int
virStorageVaaiTableLookup(virStorageVaaiPool *pool,
                          const char *name,
                          const uint8_t *uuid,
                          virStorageVaaiVolRecord *rec,
                          GError **error)
{
    g_autoptr(virStorageVaaiTable) t = virStorageVaaiTableNew(&pool->header);
    int idx;

    if (virStorageVaaiTableRead(pool, t, error) < 0)
        return -1;
    idx = uuid ? virStorageVaaiTableFindUuid(t, uuid) : virStorageVaaiTableFindName(t, name);
    if (idx < 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NOT_FOUND,
                    "no volume '%s' in pool '%s'", name, pool->header.name);
        return -1;
    }
    *rec = t->recs[idx];
    return idx;
}


int
virStorageVaaiTableFindUuid(const virStorageVaaiTable *t,
                            const uint8_t *uuid)
{
    uint32_t i;

    for (i = 0; i < t->count; i++) {
        if (t->status[i] == VIR_STORAGE_VAAI_RECORD_VALID &&
            t->recs[i].state != VIR_STORAGE_VAAI_VOL_FREE &&
            memcmp(t->recs[i].uuid, uuid, VIR_STORAGE_VAAI_UUID_LEN) == 0)
            return i;
    }
    return -1;
}


int
virStorageVaaiTableFindFree(const virStorageVaaiTable *t)
{
    uint32_t i;

    for (i = 0; i < t->count; i++) {
        if (!virStorageVaaiTableInUse(t, i))
            return i;
    }
    return -1;
}


bool
virStorageVaaiTableRecordChanged(const virStorageVaaiTable *before,
                                 const virStorageVaaiTable *after,
                                 uint32_t idx)
{
    const virStorageVaaiVolRecord *a = &before->recs[idx];
    const virStorageVaaiVolRecord *b = &after->recs[idx];
    bool usedA = virStorageVaaiTableInUse(before, idx);
    bool usedB = virStorageVaaiTableInUse(after, idx);

    if (usedA != usedB || before->status[idx] != after->status[idx])
        return true;
    if (!usedA || before->status[idx] != VIR_STORAGE_VAAI_RECORD_VALID)
        return false;   /* both free, or both unreadable the same way */
    return a->state != b->state ||
        memcmp(a->uuid, b->uuid, sizeof(a->uuid)) != 0 ||
        strcmp(a->name, b->name) != 0 ||
        a->capacity != b->capacity ||
        a->extentStart != b->extentStart ||
        a->extentLength != b->extentLength;
}


virStorageVaaiExtent *
virStorageVaaiTableUsedExtents(const virStorageVaaiTable *t,
                               size_t *nused)
{
    virStorageVaaiExtent *used = g_new0(virStorageVaaiExtent, 2 * (size_t)t->count);
    size_t n = 0;
    uint32_t i;

    for (i = 0; i < t->count; i++) {
        const virStorageVaaiVolRecord *r = &t->recs[i];

        if (t->status[i] != VIR_STORAGE_VAAI_RECORD_VALID ||
            r->state == VIR_STORAGE_VAAI_VOL_FREE)
            continue;
        if (r->extentLength) {
            used[n].start = r->extentStart;
            used[n].length = r->extentLength;
            used[n++].owner = i;
        }
        /* The intent extent is held only while an operation runs.  A grow
         * in place names the current extent and its growth: only the
         * growth is added. */
        if (r->intentExtentLength && virStorageVaaiVolStateBusy(r->state)) {
            uint64_t start = r->intentExtentStart;
            uint64_t length = r->intentExtentLength;

            if (start == r->extentStart && r->extentLength) {
                if (length <= r->extentLength)
                    continue;
                start += r->extentLength;
                length -= r->extentLength;
            }
            used[n].start = start;
            used[n].length = length;
            used[n++].owner = i;
        }
    }
    virStorageVaaiExtentsSort(used, n);
    *nused = n;
    return used;
}


bool
virStorageVaaiVolStateBusy(virStorageVaaiVolState state)
{
    switch (state) {
    case VIR_STORAGE_VAAI_VOL_CREATING:
    case VIR_STORAGE_VAAI_VOL_DELETING:
    case VIR_STORAGE_VAAI_VOL_RESIZING:
    case VIR_STORAGE_VAAI_VOL_CLONING:
    case VIR_STORAGE_VAAI_VOL_WIPING:
    case VIR_STORAGE_VAAI_VOL_RELEASING:
        return true;
    case VIR_STORAGE_VAAI_VOL_FREE:
    case VIR_STORAGE_VAAI_VOL_READY:
    case VIR_STORAGE_VAAI_VOL_BROKEN:
    case VIR_STORAGE_VAAI_VOL_STATE_LAST:
        break;
    }
    return false;
}
