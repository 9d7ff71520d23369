/*
 * storage_vaai_check.c: consistency check of a vaai pool's volume table
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "storage_vaai_check.h"


void
virStorageVaaiCheckClear(virStorageVaaiCheck *c)
{
    if (c->errors)
        g_ptr_array_unref(c->errors);
    if (c->notes)
        g_ptr_array_unref(c->notes);
    memset(c, 0, sizeof(*c));
}


static bool
virStorageVaaiExtentOK(const virStorageVaaiHeader *h,
                       uint64_t start,
                       uint64_t length)
{
    return length > 0 && start >= h->dataLba && start <= h->dataEndLba &&
           length <= h->dataEndLba - start &&
           (start - h->dataLba) % h->extentAlignment == 0 &&
           length % h->extentAlignment == 0;
}


static void
virStorageVaaiCheckRecord(const virStorageVaaiHeader *h,
                          const virStorageVaaiTable *t,
                          uint32_t i,
                          virStorageVaaiDeadFunc dead,
                          void *opaque,
                          virStorageVaaiCheck *c)
{
    const virStorageVaaiVolRecord *r = &t->recs[i];
    virStorageVaaiVolRecord blank = { 0 };

    switch (t->status[i]) {
    case VIR_STORAGE_VAAI_RECORD_EMPTY:
        return;
    case VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION:
        c->opaque++;
        g_ptr_array_add(c->notes, g_strdup_printf("record %u has record version %u, "
                                                  "unknown here: left alone, its space "
                                                  "counts as in use", i, r->version));
        return;
    case VIR_STORAGE_VAAI_RECORD_CORRUPT:
    case VIR_STORAGE_VAAI_RECORD_FOREIGN:
    case VIR_STORAGE_VAAI_RECORD_STATUS_LAST:
        c->opaque++;
        g_ptr_array_add(c->errors, g_strdup_printf("record %u is %s: %s", i,
                                                   virStorageVaaiRecordStatusName(t->status[i]),
                                                   t->errors[i] ? t->errors[i] : "unreadable"));
        return;
    case VIR_STORAGE_VAAI_RECORD_VALID:
        break;
    }

    if (r->state == VIR_STORAGE_VAAI_VOL_FREE) {
        blank.version = r->version;
        blank.sequence = r->sequence;
        blank.modifiedAt = r->modifiedAt;
        if (memcmp(&blank, r, sizeof(blank)) != 0)
            g_ptr_array_add(c->errors, g_strdup_printf("record %u is free but not empty", i));
        return;
    }

    if (!virStorageVaaiExtentOK(h, r->extentStart, r->extentLength))
        g_ptr_array_add(c->errors,
                        g_strdup_printf("volume '%s' (record %u): extent %llu+%llu is "
                                        "outside the data area or not aligned to %u blocks",
                                        r->name, i, (unsigned long long)r->extentStart,
                                        (unsigned long long)r->extentLength,
                                        h->extentAlignment));
    if (virStorageVaaiVolStateBusy(r->state) && r->intentExtentLength &&
        !virStorageVaaiExtentOK(h, r->intentExtentStart, r->intentExtentLength))
        g_ptr_array_add(c->errors,
                        g_strdup_printf("volume '%s' (record %u): intent extent %llu+%llu "
                                        "is outside the data area or not aligned",
                                        r->name, i, (unsigned long long)r->intentExtentStart,
                                        (unsigned long long)r->intentExtentLength));

    if (r->state == VIR_STORAGE_VAAI_VOL_READY) {
        c->ready++;
    } else if (r->state == VIR_STORAGE_VAAI_VOL_BROKEN) {
        c->broken++;
        g_ptr_array_add(c->notes, g_strdup_printf("volume '%s' (record %u) is marked broken",
                                                  r->name, i));
    } else {
        c->busy++;
        if (dead && dead(r, opaque)) {
            c->orphans++;
            g_ptr_array_add(c->errors,
                            g_strdup_printf("volume '%s' (record %u) is %s by a dead "
                                            "worker: 'pool repair' finishes or rolls it back",
                                            r->name, i, virStorageVaaiVolStateName(r->state)));
        } else {
            g_ptr_array_add(c->notes,
                            g_strdup_printf("volume '%s' (record %u) is %s (%llu of "
                                            "%llu blocks done)", r->name, i,
                                            virStorageVaaiVolStateName(r->state),
                                            (unsigned long long)r->progress,
                                            (unsigned long long)r->extentLength));
        }
    }
}


void
virStorageVaaiCheckTable(const virStorageVaaiHeader *h,
                         const virStorageVaaiTable *t,
                         virStorageVaaiDeadFunc dead,
                         void *opaque,
                         virStorageVaaiCheck *c)
{
    g_autofree virStorageVaaiExtent *used = NULL;
    g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) uuids = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                                        (GDestroyNotify)g_bytes_unref, NULL);
    size_t nused;
    size_t i;
    size_t reach = SIZE_MAX;

    memset(c, 0, sizeof(*c));
    c->errors = g_ptr_array_new_with_free_func(g_free);
    c->notes = g_ptr_array_new_with_free_func(g_free);
    c->dataBlocks = h->dataEndLba - h->dataLba;

    for (i = 0; i < t->count; i++) {
        const virStorageVaaiVolRecord *r = &t->recs[i];

        virStorageVaaiCheckRecord(h, t, i, dead, opaque, c);
        if (t->status[i] != VIR_STORAGE_VAAI_RECORD_VALID ||
            r->state == VIR_STORAGE_VAAI_VOL_FREE)
            continue;
        if (g_hash_table_contains(names, r->name))
            g_ptr_array_add(c->errors, g_strdup_printf("the name '%s' is used by records "
                                                       "%u and %zu", r->name,
                                                       GPOINTER_TO_UINT(g_hash_table_lookup(names, r->name)),
                                                       i));
        else
            g_hash_table_insert(names, (gpointer)r->name, GUINT_TO_POINTER(i));
        {
            GBytes *u = g_bytes_new(r->uuid, sizeof(r->uuid));

            if (g_hash_table_contains(uuids, u)) {
                g_ptr_array_add(c->errors, g_strdup_printf("volume '%s' (record %zu) has "
                                                           "the UUID of another record",
                                                           r->name, i));
                g_bytes_unref(u);
            } else {
                g_hash_table_add(uuids, u);
            }
        }
    }

    /* Sorted by start: an extent overlaps an earlier one exactly when it
     * starts before the furthest end seen so far. */
    used = virStorageVaaiTableUsedExtents(t, &nused);
    for (i = 0; i < nused && c->errors->len < 1000; i++) {
        const virStorageVaaiExtent *x = &used[i];
        const virStorageVaaiExtent *y = reach < nused ? &used[reach] : NULL;

        if (y && x->start < y->start + y->length)
            g_ptr_array_add(c->errors,
                            g_strdup_printf("the extents of '%s' (record %d, %llu+%llu) and "
                                            "'%s' (record %d, %llu+%llu) overlap",
                                            t->recs[y->owner].name, y->owner,
                                            (unsigned long long)y->start,
                                            (unsigned long long)y->length,
                                            t->recs[x->owner].name, x->owner,
                                            (unsigned long long)x->start,
                                            (unsigned long long)x->length));
        if (!y || x->start + x->length > y->start + y->length)
            reach = i;
    }

    /* Space: overlaps are errors above, so count the union. */
    c->freeBlocks = virStorageVaaiAllocFreeBlocks(used, nused, h->dataLba, h->dataEndLba);
    c->usedBlocks = c->dataBlocks - c->freeBlocks;
    c->largestFree = virStorageVaaiAllocLargestFree(used, nused, h->dataLba, h->dataEndLba,
                                                    h->extentAlignment);
    for (i = 0; i < nused; i++) {
        const virStorageVaaiVolRecord *r = &t->recs[used[i].owner];

        if (virStorageVaaiVolStateBusy(r->state) && dead && dead(r, opaque))
            c->orphanBlocks += used[i].length;
    }
}
