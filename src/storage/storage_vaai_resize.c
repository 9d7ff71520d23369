/*
 * storage_vaai_resize.c: growing and shrinking a volume of a shared vaai
 *                        pool: a pure decision of what kind of resize it
 *                        is and the record that says so, then one short
 *                        script per kind
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "storage_vaai_work.h"
#include "virscsierror.h"

typedef enum {
    VIR_STORAGE_VAAI_RESIZE_NONE,
    VIR_STORAGE_VAAI_RESIZE_SHRINK_RELEASE,
    VIR_STORAGE_VAAI_RESIZE_SHRINK,
    VIR_STORAGE_VAAI_RESIZE_GROW,
    VIR_STORAGE_VAAI_RESIZE_MOVE,
} virStorageVaaiResizeKind;


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


/*
 * What resizing record @idx to @capacity (whole blocks, extent @length)
 * is, from the table read under the lease, and the record that says so:
 * busy, this process its worker, the intent filled in.  No I/O.
 *
 *   NONE            the capacity it has: nothing to do
 *   SHRINK_RELEASE  fewer blocks of extent: the tail is held as the
 *                   intent (releasing) until it is trimmed
 *   SHRINK          within the extent: only the capacity changes
 *   GROW            within the extent, or in place into free space after
 *                   it: what lies past the old capacity is zeroed
 *   MOVE            to a new extent: copied, zeroed past the data, then
 *                   the old extent released
 */
static int
virStorageVaaiResizeDecide(virStorageVaaiWork *w,
                           int idx,
                           uint64_t capacity,
                           uint64_t length,
                           virStorageVaaiVolRecord *next,
                           GError **error)
{
    const virStorageVaaiVolRecord *cur = &w->table->recs[idx];
    g_autofree virStorageVaaiExtent *used = NULL;
    size_t nused;

    *next = *cur;
    if (capacity == cur->capacity)
        return VIR_STORAGE_VAAI_RESIZE_NONE;
    if (capacity < cur->capacity && !(w->opts->flags & VIR_STORAGE_VAAI_OP_SHRINK)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "resize: '%s' would shrink from %llu to %llu bytes, losing data: "
                    "ask for it explicitly", cur->name, (unsigned long long)cur->capacity,
                    (unsigned long long)capacity);
        return -1;
    }

    virStorageVaaiSetWorker(w, next);
    next->progress = 0;
    next->state = VIR_STORAGE_VAAI_VOL_RESIZING;
    next->intentCapacity = capacity;

    if (capacity < cur->capacity) {
        if (length >= cur->extentLength)
            return VIR_STORAGE_VAAI_RESIZE_SHRINK;
        /* The tail is trimmed while we still hold it. */
        if (!virStorageVaaiWorkNotCloneSource(w, idx, error))
            return -1;
        next->state = VIR_STORAGE_VAAI_VOL_RELEASING;
        next->extentLength = length;
        next->capacity = capacity;
        next->intentExtentStart = cur->extentStart + length;
        next->intentExtentLength = cur->extentLength - length;
        next->intentCapacity = 0;
        return VIR_STORAGE_VAAI_RESIZE_SHRINK_RELEASE;
    }

    if (length <= cur->extentLength)
        return VIR_STORAGE_VAAI_RESIZE_GROW;
    next->intentExtentLength = length;
    used = virStorageVaaiTableUsedExtents(w->table, &nused);
    if (virStorageVaaiAllocCanGrow(used, nused, w->pool->header.dataEndLba, idx,
                                   cur->extentStart, cur->extentLength, length)) {
        next->intentExtentStart = cur->extentStart;
        return VIR_STORAGE_VAAI_RESIZE_GROW;
    }
    if (w->opts->flags & VIR_STORAGE_VAAI_OP_NO_MOVE) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NO_SPACE,
                    "resize: '%s' cannot grow to %llu bytes in place, and may not move",
                    cur->name, (unsigned long long)capacity);
        return -1;
    }
    if (!virStorageVaaiWorkNotCloneSource(w, idx, error) ||
        virStorageVaaiWorkAllocate(w, length, &next->intentExtentStart, error) < 0)
        return -1;
    return VIR_STORAGE_VAAI_RESIZE_MOVE;
}


/* GROW: what lies past the old capacity may be a deleted volume's data
 * (or this volume's own, from before a shrink): zeros, then the intent
 * applied. */
static int
virStorageVaaiResizeGrow(virStorageVaaiWork *w,
                         const virStorageVaaiVolRecord *cur,
                         uint64_t length,
                         GError **error)
{
    uint64_t from = cur->capacity / w->pool->header.blockSize;
    uint64_t to = MAX(length, cur->extentLength);

    w->total = to - from;
    if (virStorageVaaiWorkMove(w, VIR_STORAGE_VAAI_MOVE_UNMAP, NULL, 0,
                               cur->extentStart + from, to - from, error) < 0) {
        virStorageVaaiWorkAbandon(w, virStorageVaaiEditReady);
        return -1;
    }
    virStorageVaaiCrashPoint("resize.zeroed");
    return virStorageVaaiWorkSwapOwn(w, virStorageVaaiEditApplyIntent, NULL, error);
}


/* MOVE: the data copied to the new extent and the rest of it zeroed; the
 * new extent becomes the volume's and the old one the intent, released. */
static int
virStorageVaaiResizeMove(virStorageVaaiWork *w,
                         const virStorageVaaiVolRecord *cur,
                         const virStorageVaaiVolRecord *next,
                         uint64_t length,
                         GError **error)
{
    uint64_t srcBlocks = cur->capacity / w->pool->header.blockSize;

    w->total = length + cur->extentLength;
    if (virStorageVaaiWorkMove(w, VIR_STORAGE_VAAI_MOVE_COPY, w->pool, cur->extentStart,
                               next->intentExtentStart, srcBlocks, error) < 0 ||
        virStorageVaaiWorkMove(w, VIR_STORAGE_VAAI_MOVE_UNMAP, NULL, 0,
                               next->intentExtentStart + srcBlocks,
                               length - srcBlocks, error) < 0) {
        virStorageVaaiWorkAbandon(w, virStorageVaaiEditReady);
        return -1;
    }
    virStorageVaaiCrashPoint("resize.copied");
    if (virStorageVaaiWorkSwapOwn(w, virStorageVaaiEditSwitchToRelease, NULL, error) < 0)
        return -1;
    virStorageVaaiCrashPoint("resize.switched");
    return virStorageVaaiWorkFinishRelease(w, error);
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
    virStorageVaaiVolRecord cur = { 0 };
    virStorageVaaiVolRecord next = { 0 };
    uint64_t length;
    int kind = VIR_STORAGE_VAAI_RESIZE_NONE;
    int idx;
    int rc = -1;

    virStorageVaaiWorkInit(&w, s, opts, report, "resize");
    capacity = virStorageVaaiRoundCapacity(capacity, w.pool->header.blockSize);
    length = virStorageVaaiWorkBlocks(&w, capacity);
    if (capacity == 0 || length == 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "resize: a volume needs a capacity above 0");
        goto cleanup;
    }

    /* The intent, under the lease. */
    if (virStorageVaaiWorkLease(&w, error) < 0 ||
        (idx = virStorageVaaiWorkFind(&w, name, w.opts->uuid, false, error)) < 0 ||
        (kind = virStorageVaaiResizeDecide(&w, idx, capacity, length, &next, error)) < 0)
        goto cleanup;
    cur = w.table->recs[idx];
    if (kind == VIR_STORAGE_VAAI_RESIZE_NONE) {
        rc = 0;
        goto cleanup;
    }
    if (virStorageVaaiWorkSwapMarked(&w, idx, &next, name, error) < 0)
        goto cleanup;
    w.idx = idx;
    virStorageVaaiWorkUnlease(&w);
    virStorageVaaiCrashPoint("resize.intent");

    switch ((virStorageVaaiResizeKind)kind) {
    case VIR_STORAGE_VAAI_RESIZE_SHRINK_RELEASE:
        w.total = next.intentExtentLength;
        rc = virStorageVaaiWorkFinishRelease(&w, error);
        break;
    case VIR_STORAGE_VAAI_RESIZE_SHRINK:
        rc = virStorageVaaiWorkSwapOwn(&w, virStorageVaaiEditApplyIntent, NULL, error);
        break;
    case VIR_STORAGE_VAAI_RESIZE_GROW:
        rc = virStorageVaaiResizeGrow(&w, &cur, length, error);
        break;
    case VIR_STORAGE_VAAI_RESIZE_MOVE:
        rc = virStorageVaaiResizeMove(&w, &cur, &next, length, error);
        break;
    case VIR_STORAGE_VAAI_RESIZE_NONE:
        break;
    }

 cleanup:
    if (rc == 0 && out)
        *out = w.idx >= 0 ? w.table->recs[w.idx] : cur;
    virStorageVaaiWorkClear(&w);
    return rc;
}
