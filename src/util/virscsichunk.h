/*
 * virscsichunk.h: cutting a block range into commands that honour a
 *                 LUN's limits (pure)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * The length of the next command starting at @lba, with @remaining blocks
 * left: at most @maxBlocks, and, when the range goes on past it, ending on
 * a granule boundary (LBA % @granularity == @alignment) so that every
 * later command starts aligned.  Never 0 while @remaining is not.
 */
uint64_t
virSCSIChunkNext(uint64_t lba,
                 uint64_t remaining,
                 uint64_t maxBlocks,
                 uint32_t granularity,
                 uint32_t alignment);

/* The first granule boundary at or after @lba. */
uint64_t
virSCSIChunkAlignUp(uint64_t lba,
                    uint32_t granularity,
                    uint32_t alignment);

/* The last granule boundary at or before @lba. */
uint64_t
virSCSIChunkAlignDown(uint64_t lba,
                      uint32_t granularity,
                      uint32_t alignment);

/*
 * Split [@lba, @lba + @nblocks) into whole granules in the middle and the
 * partial granules at either end.  Returns false when no whole granule
 * fits (all of the range is head).
 */
bool
virSCSIChunkGranules(uint64_t lba,
                     uint64_t nblocks,
                     uint32_t granularity,
                     uint32_t alignment,
                     uint64_t *headBlocks,
                     uint64_t *middleBlocks,
                     uint64_t *tailBlocks);

/* True when [@a, @a + @n) and [@b, @b + @n) overlap. */
bool
virSCSIChunkOverlap(uint64_t a,
                    uint64_t b,
                    uint64_t n);
