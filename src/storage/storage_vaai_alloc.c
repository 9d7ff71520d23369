/*
 * storage_vaai_alloc.c: the extent allocator of a vaai pool (pure)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "storage_vaai_alloc.h"


uint64_t
virStorageVaaiAllocBlocks(uint64_t bytes,
                          uint32_t blockSize,
                          uint32_t alignment)
{
    uint64_t blocks;

    if (bytes == 0 || blockSize == 0 || alignment == 0)
        return 0;
    blocks = bytes / blockSize + (bytes % blockSize != 0);
    if (blocks > UINT64_MAX - (alignment - 1))
        return 0;
    return (blocks + alignment - 1) / alignment * alignment;
}


static int
virStorageVaaiExtentCmp(const void *a,
                        const void *b)
{
    const virStorageVaaiExtent *x = a;
    const virStorageVaaiExtent *y = b;

    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->owner != y->owner)
        return x->owner < y->owner ? -1 : 1;
    return 0;
}


void
virStorageVaaiExtentsSort(virStorageVaaiExtent *used,
                          size_t nused)
{
    if (nused > 1)
        qsort(used, nused, sizeof(*used), virStorageVaaiExtentCmp);
}


static uint64_t
virStorageVaaiExtentEnd(const virStorageVaaiExtent *e)
{
    return e->length > UINT64_MAX - e->start ? UINT64_MAX : e->start + e->length;
}


bool
virStorageVaaiExtentsOverlap(const virStorageVaaiExtent *used,
                             size_t nused,
                             size_t *a,
                             size_t *b)
{
    size_t i;
    size_t reach = SIZE_MAX;    /* the extent seen so far that ends last */

    for (i = 0; i < nused; i++) {
        if (used[i].length == 0)
            continue;
        if (reach != SIZE_MAX &&
            used[i].start < virStorageVaaiExtentEnd(&used[reach])) {
            *a = reach;
            *b = i;
            return true;
        }
        if (reach == SIZE_MAX ||
            virStorageVaaiExtentEnd(&used[i]) > virStorageVaaiExtentEnd(&used[reach]))
            reach = i;
    }
    return false;
}


static uint64_t
virStorageVaaiAlignUp(uint64_t v,
                      uint32_t alignment)
{
    if (v > UINT64_MAX - (alignment - 1))
        return UINT64_MAX;
    return (v + alignment - 1) / alignment * alignment;
}


/* Call @fn on every free run of [@dataLba, @dataEnd), lowest first, until
 * it returns true. */
static bool
virStorageVaaiForEachFree(const virStorageVaaiExtent *used,
                          size_t nused,
                          uint64_t dataLba,
                          uint64_t dataEnd,
                          bool (*fn)(uint64_t start, uint64_t end, void *opaque),
                          void *opaque)
{
    uint64_t cursor = dataLba;
    size_t i;

    for (i = 0; i < nused && cursor < dataEnd; i++) {
        uint64_t end = virStorageVaaiExtentEnd(&used[i]);

        if (used[i].length == 0 || end <= cursor)
            continue;
        if (used[i].start > cursor &&
            fn(cursor, MIN(used[i].start, dataEnd), opaque))
            return true;
        cursor = MAX(cursor, end);
    }
    if (cursor < dataEnd)
        return fn(cursor, dataEnd, opaque);
    return false;
}


/* Extents are aligned relative to the start of the data area, which
 * starts where the LUN's unmap granules do (format.md "Layout"). */
typedef struct {
    uint64_t base;
    uint32_t alignment;
    uint64_t length;
    uint64_t found;
    uint64_t largest;
    uint64_t total;
} virStorageVaaiFit;


static bool
virStorageVaaiFitFirst(uint64_t start,
                       uint64_t end,
                       void *opaque)
{
    virStorageVaaiFit *f = opaque;
    uint64_t s = f->base + virStorageVaaiAlignUp(start - f->base, f->alignment);

    if (s < end && end - s >= f->length) {
        f->found = s;
        return true;
    }
    return false;
}


bool
virStorageVaaiAllocFind(const virStorageVaaiExtent *used,
                        size_t nused,
                        uint64_t dataLba,
                        uint64_t dataEnd,
                        uint32_t alignment,
                        uint64_t length,
                        uint64_t *start)
{
    virStorageVaaiFit f = { .base = dataLba, .alignment = alignment, .length = length };

    if (length == 0 || alignment == 0)
        return false;
    if (!virStorageVaaiForEachFree(used, nused, dataLba, dataEnd,
                                   virStorageVaaiFitFirst, &f))
        return false;
    *start = f.found;
    return true;
}


bool
virStorageVaaiAllocCanGrow(const virStorageVaaiExtent *used,
                           size_t nused,
                           uint64_t dataEnd,
                           int owner,
                           uint64_t start,
                           uint64_t oldLength,
                           uint64_t newLength)
{
    uint64_t from = start + oldLength;
    uint64_t to;
    size_t i;

    if (newLength <= oldLength)
        return true;
    if (newLength > UINT64_MAX - start || start + newLength > dataEnd)
        return false;
    to = start + newLength;
    for (i = 0; i < nused; i++) {
        if (used[i].owner == owner || used[i].length == 0)
            continue;
        if (used[i].start < to && virStorageVaaiExtentEnd(&used[i]) > from)
            return false;
    }
    return true;
}


static bool
virStorageVaaiFitCount(uint64_t start,
                       uint64_t end,
                       void *opaque)
{
    virStorageVaaiFit *f = opaque;
    uint64_t s = f->base + virStorageVaaiAlignUp(start - f->base, f->alignment);

    f->total += end - start;
    if (s < end) {
        uint64_t run = (end - s) / f->alignment * f->alignment;
        f->largest = MAX(f->largest, run);
    }
    return false;
}


uint64_t
virStorageVaaiAllocFreeBlocks(const virStorageVaaiExtent *used,
                              size_t nused,
                              uint64_t dataLba,
                              uint64_t dataEnd)
{
    virStorageVaaiFit f = { .base = dataLba, .alignment = 1 };

    virStorageVaaiForEachFree(used, nused, dataLba, dataEnd,
                              virStorageVaaiFitCount, &f);
    return f.total;
}


uint64_t
virStorageVaaiAllocLargestFree(const virStorageVaaiExtent *used,
                               size_t nused,
                               uint64_t dataLba,
                               uint64_t dataEnd,
                               uint32_t alignment)
{
    virStorageVaaiFit f = { .base = dataLba, .alignment = alignment ? alignment : 1 };

    virStorageVaaiForEachFree(used, nused, dataLba, dataEnd,
                              virStorageVaaiFitCount, &f);
    return f.largest;
}
