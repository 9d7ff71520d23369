/*
 * storage_vaai_alloc.h: the extent allocator of a vaai pool (pure)
 *
 * The volume table is the only record of what is in use: every function
 * here works on a list of used extents derived from it, so no free-space
 * map can disagree with the table.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

typedef struct _virStorageVaaiExtent virStorageVaaiExtent;
struct _virStorageVaaiExtent {
    uint64_t start;             /* LBA */
    uint64_t length;            /* blocks; 0: none */
    int owner;                  /* volume table index, for reports */
};

/* @bytes as whole blocks, rounded up to @alignment blocks; 0 on overflow
 * or for 0 bytes. */
uint64_t
virStorageVaaiAllocBlocks(uint64_t bytes,
                          uint32_t blockSize,
                          uint32_t alignment);

/* Sort @used by start, then by owner. */
void
virStorageVaaiExtentsSort(virStorageVaaiExtent *used,
                          size_t nused);

/* The first pair of overlapping extents in sorted @used: their indexes in
 * @used, or false when none overlap. */
bool
virStorageVaaiExtentsOverlap(const virStorageVaaiExtent *used,
                             size_t nused,
                             size_t *a,
                             size_t *b);

/* First fit: the lowest @alignment-aligned start in [@dataLba, @dataEnd)
 * where @length blocks overlap nothing in sorted @used.  false if there is
 * no such place. */
bool
virStorageVaaiAllocFind(const virStorageVaaiExtent *used,
                        size_t nused,
                        uint64_t dataLba,
                        uint64_t dataEnd,
                        uint32_t alignment,
                        uint64_t length,
                        uint64_t *start);

/* Whether @start can be extended to @newLength blocks in place: nothing in
 * sorted @used other than extents owned by @owner overlaps the growth. */
bool
virStorageVaaiAllocCanGrow(const virStorageVaaiExtent *used,
                           size_t nused,
                           uint64_t dataEnd,
                           int owner,
                           uint64_t start,
                           uint64_t oldLength,
                           uint64_t newLength);

/* Blocks of [@dataLba, @dataEnd) covered by no extent of sorted @used
 * (which must not overlap). */
uint64_t
virStorageVaaiAllocFreeBlocks(const virStorageVaaiExtent *used,
                              size_t nused,
                              uint64_t dataLba,
                              uint64_t dataEnd);

/* The largest free run, aligned, in blocks. */
uint64_t
virStorageVaaiAllocLargestFree(const virStorageVaaiExtent *used,
                               size_t nused,
                               uint64_t dataLba,
                               uint64_t dataEnd,
                               uint32_t alignment);
