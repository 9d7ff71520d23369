/*
 * virscsichunk.c: cutting a block range into commands that honour a
 *                 LUN's limits (pure)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "virscsichunk.h"

uint64_t
virSCSIChunkAlignDown(uint64_t lba,
                      uint32_t granularity,
                      uint32_t alignment)
{
    uint64_t off;

    if (granularity <= 1)
        return lba;
    alignment %= granularity;
    if (lba < alignment)
        return lba;     /* no boundary at or before: leave it */
    off = (lba - alignment) % granularity;
    return lba - off;
}


uint64_t
virSCSIChunkAlignUp(uint64_t lba,
                    uint32_t granularity,
                    uint32_t alignment)
{
    uint64_t off;

    if (granularity <= 1)
        return lba;
    alignment %= granularity;
    if (lba <= alignment)
        return alignment;
    off = (lba - alignment) % granularity;
    if (!off)
        return lba;
    if (lba > UINT64_MAX - (granularity - off))
        return UINT64_MAX;
    return lba + (granularity - off);
}


uint64_t
virSCSIChunkNext(uint64_t lba,
                 uint64_t remaining,
                 uint64_t maxBlocks,
                 uint32_t granularity,
                 uint32_t alignment)
{
    uint64_t len;
    uint64_t end;
    uint64_t aligned;

    if (!remaining)
        return 0;
    if (!maxBlocks)
        maxBlocks = 1;
    len = remaining < maxBlocks ? remaining : maxBlocks;
    if (len == remaining || granularity <= 1)
        return len;

    /* Cut where a granule starts, if one lies inside this command. */
    end = lba + len;
    aligned = virSCSIChunkAlignDown(end, granularity, alignment);
    if (aligned > lba && aligned <= end)
        return aligned - lba;
    return len;
}


bool
virSCSIChunkGranules(uint64_t lba,
                     uint64_t nblocks,
                     uint32_t granularity,
                     uint32_t alignment,
                     uint64_t *headBlocks,
                     uint64_t *middleBlocks,
                     uint64_t *tailBlocks)
{
    uint64_t end = lba + nblocks;
    uint64_t first = virSCSIChunkAlignUp(lba, granularity, alignment);
    uint64_t last = virSCSIChunkAlignDown(end, granularity, alignment);

    if (granularity > 1 && end >= alignment % granularity &&
        first < last && first >= lba && last <= end) {
        *headBlocks = first - lba;
        *middleBlocks = last - first;
        *tailBlocks = end - last;
        return true;
    }
    if (granularity <= 1) {
        *headBlocks = 0;
        *middleBlocks = nblocks;
        *tailBlocks = 0;
        return nblocks > 0;
    }
    *headBlocks = nblocks;
    *middleBlocks = 0;
    *tailBlocks = 0;
    return false;
}


bool
virSCSIChunkOverlap(uint64_t a,
                    uint64_t b,
                    uint64_t n)
{
    if (!n)
        return false;
    return a < b ? b - a < n : a - b < n;
}
