/*
 * test-vaai-alloc.c: the extent allocator of a vaai pool
 *
 * The expected values are worked out by hand on small data areas (tens of
 * blocks, alignment 8) where every free run can be listed in a comment.
 * The randomized test checks the same functions against a bitmap of the
 * data area, which is too slow for the allocator but obviously right.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "storage_vaai_alloc.h"


#define EXT(s, l, o) { .start = (s), .length = (l), .owner = (o) }


/* ---- virStorageVaaiAllocBlocks ---- */

static void
testBlocks(void)
{
    /* Nothing, or nothing to divide by. */
    g_assert_cmpuint(virStorageVaaiAllocBlocks(0, 512, 1), ==, 0);
    g_assert_cmpuint(virStorageVaaiAllocBlocks(0, 512, 2048), ==, 0);
    g_assert_cmpuint(virStorageVaaiAllocBlocks(1, 0, 1), ==, 0);
    g_assert_cmpuint(virStorageVaaiAllocBlocks(1, 512, 0), ==, 0);

    /* Bytes round up to whole blocks. */
    g_assert_cmpuint(virStorageVaaiAllocBlocks(1, 512, 1), ==, 1);
    g_assert_cmpuint(virStorageVaaiAllocBlocks(511, 512, 1), ==, 1);
    g_assert_cmpuint(virStorageVaaiAllocBlocks(512, 512, 1), ==, 1);
    g_assert_cmpuint(virStorageVaaiAllocBlocks(513, 512, 1), ==, 2);
    g_assert_cmpuint(virStorageVaaiAllocBlocks(4097, 4096, 1), ==, 2);

    /* Blocks round up to the alignment: 1 MiB of 512-byte blocks. */
    g_assert_cmpuint(virStorageVaaiAllocBlocks(1, 512, 2048), ==, 2048);
    g_assert_cmpuint(virStorageVaaiAllocBlocks(1048576, 512, 2048), ==, 2048);
    g_assert_cmpuint(virStorageVaaiAllocBlocks(1048577, 512, 2048), ==, 4096);
    g_assert_cmpuint(virStorageVaaiAllocBlocks(1, 4096, 256), ==, 256);
    /* 3 blocks round to 4 with alignment 4, 5 to 8. */
    g_assert_cmpuint(virStorageVaaiAllocBlocks(3 * 512, 512, 4), ==, 4);
    g_assert_cmpuint(virStorageVaaiAllocBlocks(4 * 512 + 1, 512, 4), ==, 8);

    /* The largest counts: 2^64 - 1 bytes is 2^55 blocks of 512, already
     * a multiple of 2048. */
    g_assert_cmpuint(virStorageVaaiAllocBlocks(UINT64_MAX, 1, 1), ==, UINT64_MAX);
    g_assert_cmpuint(virStorageVaaiAllocBlocks(UINT64_MAX, 512, 2048), ==,
                     G_GUINT64_CONSTANT(1) << 55);
    /* 2^64 - 6 rounds up to 2^64 - 4, the last multiple of 4... */
    g_assert_cmpuint(virStorageVaaiAllocBlocks(UINT64_MAX - 5, 1, 4), ==,
                     UINT64_MAX - 3);
    /* ...and 2^64 - 2 would round to 2^64: overflow. */
    g_assert_cmpuint(virStorageVaaiAllocBlocks(UINT64_MAX - 1, 1, 4), ==, 0);
    g_assert_cmpuint(virStorageVaaiAllocBlocks(UINT64_MAX, 1, 2), ==, 0);
}


/* ---- virStorageVaaiExtentsSort ---- */

static void
testSort(void)
{
    virStorageVaaiExtent e[] = {
        EXT(40, 8, 3), EXT(8, 8, 0), EXT(24, 0, 5), EXT(8, 4, 2),
        EXT(UINT64_MAX - 1, 1, 4), EXT(0, 8, 1),
    };
    /* Equal starts come out in table order (owner), which is the order
     * virStorageVaaiTableUsedExtents() adds them in. */
    static const int owners[] = { 1, 0, 2, 5, 3, 4 };
    static const uint64_t starts[] = { 0, 8, 8, 24, 40, UINT64_MAX - 1 };
    virStorageVaaiExtent one = EXT(5, 1, 9);
    size_t i;

    virStorageVaaiExtentsSort(e, G_N_ELEMENTS(e));
    for (i = 0; i < G_N_ELEMENTS(e); i++) {
        g_assert_cmpuint(e[i].start, ==, starts[i]);
        g_assert_cmpint(e[i].owner, ==, owners[i]);
    }

    /* Nothing to sort. */
    virStorageVaaiExtentsSort(NULL, 0);
    virStorageVaaiExtentsSort(&one, 1);
    g_assert_cmpuint(one.start, ==, 5);
    g_assert_cmpint(one.owner, ==, 9);
}


/* ---- virStorageVaaiExtentsOverlap ---- */

static bool
testOverlap(const virStorageVaaiExtent *e,
            size_t n,
            size_t *a,
            size_t *b)
{
    *a = *b = 999;
    return virStorageVaaiExtentsOverlap(e, n, a, b);
}


static void
testOverlaps(void)
{
    size_t a;
    size_t b;

    {
        virStorageVaaiExtent e[] = { EXT(0, 10, 0) };

        g_assert_false(testOverlap(e, 0, &a, &b));
        g_assert_false(testOverlap(e, 1, &a, &b));
    }
    /* Adjacent: [0,10) and [10,20) share no block. */
    {
        virStorageVaaiExtent e[] = { EXT(0, 10, 0), EXT(10, 10, 1), EXT(20, 1, 2) };

        g_assert_false(testOverlap(e, G_N_ELEMENTS(e), &a, &b));
    }
    /* One block in common. */
    {
        virStorageVaaiExtent e[] = { EXT(0, 10, 0), EXT(9, 10, 1) };

        g_assert_true(testOverlap(e, G_N_ELEMENTS(e), &a, &b));
        g_assert_cmpuint(a, ==, 0);
        g_assert_cmpuint(b, ==, 1);
    }
    /* Same start. */
    {
        virStorageVaaiExtent e[] = { EXT(0, 10, 0), EXT(0, 1, 1) };

        g_assert_true(testOverlap(e, G_N_ELEMENTS(e), &a, &b));
        g_assert_cmpuint(a, ==, 0);
        g_assert_cmpuint(b, ==, 1);
    }
    /* Nested: [10,15) lies wholly inside [0,100); the extent right after
     * the long one is not an overlap. */
    {
        virStorageVaaiExtent e[] = { EXT(0, 100, 0), EXT(100, 5, 1) };
        virStorageVaaiExtent f[] = { EXT(0, 100, 0), EXT(10, 5, 1), EXT(20, 10, 2) };

        g_assert_false(testOverlap(e, G_N_ELEMENTS(e), &a, &b));
        g_assert_true(testOverlap(f, G_N_ELEMENTS(f), &a, &b));
        g_assert_cmpuint(a, ==, 0);
        g_assert_cmpuint(b, ==, 1);
    }
    /* Zero-length extents hold nothing, wherever they lie; the first real
     * overlap is then found past them, against the long extent. */
    {
        virStorageVaaiExtent e[] = { EXT(0, 20, 0), EXT(10, 0, 1), EXT(20, 5, 2) };
        virStorageVaaiExtent f[] = { EXT(5, 0, 0), EXT(5, 0, 1), EXT(5, 3, 2) };
        virStorageVaaiExtent g[] = { EXT(0, 100, 0), EXT(5, 0, 1), EXT(50, 1, 2) };

        g_assert_false(testOverlap(e, G_N_ELEMENTS(e), &a, &b));
        g_assert_false(testOverlap(f, G_N_ELEMENTS(f), &a, &b));
        g_assert_true(testOverlap(g, G_N_ELEMENTS(g), &a, &b));
        g_assert_cmpuint(a, ==, 0);
        g_assert_cmpuint(b, ==, 2);
    }
    /* At the end of the LBA space: an extent that ends exactly at
     * 2^64 - 1 (exclusive) and one that would run past it. */
    {
        virStorageVaaiExtent e[] = {
            EXT(UINT64_MAX - 20, 10, 0), EXT(UINT64_MAX - 10, 10, 1),
        };
        virStorageVaaiExtent f[] = {
            EXT(UINT64_MAX - 10, 10, 0), EXT(UINT64_MAX - 1, 1, 1),
        };
        virStorageVaaiExtent g[] = {
            EXT(UINT64_MAX - 10, UINT64_MAX, 0), EXT(UINT64_MAX - 1, 1, 1),
        };

        g_assert_false(testOverlap(e, G_N_ELEMENTS(e), &a, &b));
        g_assert_true(testOverlap(f, G_N_ELEMENTS(f), &a, &b));
        g_assert_cmpuint(a, ==, 0);
        g_assert_cmpuint(b, ==, 1);
        /* The length overflows: the end is taken as 2^64 - 1, not wrapped
         * round to a small number that would hide the overlap. */
        g_assert_true(testOverlap(g, G_N_ELEMENTS(g), &a, &b));
        g_assert_cmpuint(a, ==, 0);
        g_assert_cmpuint(b, ==, 1);
    }
}


/* ---- virStorageVaaiAllocFind ---- */

static bool
testFind(const virStorageVaaiExtent *used,
         size_t nused,
         uint64_t dataLba,
         uint64_t dataEnd,
         uint32_t alignment,
         uint64_t length,
         uint64_t *start)
{
    *start = 0xDEAD;
    return virStorageVaaiAllocFind(used, nused, dataLba, dataEnd, alignment,
                                   length, start);
}


static void
testFindFit(void)
{
    /* Data area [8, 72), alignment 8.  Free runs: [16,24) [32,40)
     * [56,72). */
    static const virStorageVaaiExtent used[] = {
        EXT(8, 8, 0), EXT(24, 8, 1), EXT(40, 16, 2),
    };
    size_t n = G_N_ELEMENTS(used);
    uint64_t s;

    /* First fit, exactly filling the first gap. */
    g_assert_true(testFind(used, n, 8, 72, 8, 8, &s));
    g_assert_cmpuint(s, ==, 16);
    g_assert_true(testFind(used, n, 8, 72, 8, 1, &s));
    g_assert_cmpuint(s, ==, 16);
    /* Too long for the gaps: exactly the last run. */
    g_assert_true(testFind(used, n, 8, 72, 8, 9, &s));
    g_assert_cmpuint(s, ==, 56);
    g_assert_true(testFind(used, n, 8, 72, 8, 16, &s));
    g_assert_cmpuint(s, ==, 56);
    /* No run of 17. */
    g_assert_false(testFind(used, n, 8, 72, 8, 17, &s));
    g_assert_cmpuint(s, ==, 0xDEAD);
    g_assert_false(testFind(used, n, 8, 72, 8, 64, &s));

    /* Nothing used: the data area's start. */
    g_assert_true(testFind(NULL, 0, 8, 72, 8, 64, &s));
    g_assert_cmpuint(s, ==, 8);
    g_assert_false(testFind(NULL, 0, 8, 72, 8, 65, &s));
    /* An empty data area holds nothing. */
    g_assert_false(testFind(NULL, 0, 72, 72, 8, 1, &s));

    /* Nothing is asked, or the alignment is impossible. */
    g_assert_false(testFind(used, n, 8, 72, 8, 0, &s));
    g_assert_false(testFind(used, n, 8, 72, 0, 8, &s));
    g_assert_cmpuint(s, ==, 0xDEAD);
}


static void
testFindAlign(void)
{
    uint64_t s;

    /* [8,13) used: the run [13,40) starts at 16 once aligned. */
    {
        static const virStorageVaaiExtent used[] = { EXT(8, 5, 0) };

        g_assert_true(testFind(used, 1, 8, 40, 8, 8, &s));
        g_assert_cmpuint(s, ==, 16);
        g_assert_true(testFind(used, 1, 8, 40, 8, 24, &s));
        g_assert_cmpuint(s, ==, 16);
        /* 25 would fit from 13, but not from 16. */
        g_assert_false(testFind(used, 1, 8, 40, 8, 25, &s));
        /* Alignment 1 takes the run as it is. */
        g_assert_true(testFind(used, 1, 8, 40, 1, 27, &s));
        g_assert_cmpuint(s, ==, 13);
    }
    /* The gap [13,24) holds 8 blocks from 16 exactly; 9 go after 32. */
    {
        static const virStorageVaaiExtent used[] = { EXT(8, 5, 0), EXT(24, 8, 1) };

        g_assert_true(testFind(used, 2, 8, 48, 8, 8, &s));
        g_assert_cmpuint(s, ==, 16);
        g_assert_true(testFind(used, 2, 8, 48, 8, 9, &s));
        g_assert_cmpuint(s, ==, 32);
        g_assert_false(testFind(used, 2, 8, 48, 8, 17, &s));
    }
    /* A gap that is too short once aligned: [13,16) holds nothing. */
    {
        static const virStorageVaaiExtent used[] = { EXT(8, 5, 0), EXT(16, 8, 1) };

        g_assert_true(testFind(used, 2, 8, 32, 8, 1, &s));
        g_assert_cmpuint(s, ==, 24);
    }
    /* A data area that does not start on a multiple of the alignment (its
     * start is where the LUN's unmap granules start): extents are aligned
     * from there. */
    g_assert_true(testFind(NULL, 0, 5, 40, 8, 35, &s));
    g_assert_cmpuint(s, ==, 5);
    g_assert_false(testFind(NULL, 0, 5, 40, 8, 36, &s));
    {
        static const virStorageVaaiExtent used[] = { EXT(5, 8, 0) };

        g_assert_true(testFind(used, 1, 5, 40, 8, 8, &s));
        g_assert_cmpuint(s, ==, 13);
    }
}


static void
testFindOutside(void)
{
    uint64_t s;

    /* Extents wholly below and above the data area [8,72) take none of
     * it. */
    {
        static const virStorageVaaiExtent used[] = {
            EXT(0, 8, 0), EXT(72, 8, 1), EXT(100, 100, 2),
        };

        g_assert_true(testFind(used, 3, 8, 72, 8, 64, &s));
        g_assert_cmpuint(s, ==, 8);
        g_assert_false(testFind(used, 3, 8, 72, 8, 65, &s));
    }
    /* Extents across its edges take their part: [4,12) leaves [12,...),
     * aligned to 16; [64,80) leaves [...,64). */
    {
        static const virStorageVaaiExtent used[] = { EXT(4, 8, 0), EXT(64, 16, 1) };

        g_assert_true(testFind(used, 2, 8, 72, 8, 48, &s));
        g_assert_cmpuint(s, ==, 16);
        g_assert_false(testFind(used, 2, 8, 72, 8, 49, &s));
    }
    /* One extent covering it all. */
    {
        static const virStorageVaaiExtent used[] = { EXT(0, 1000, 0) };

        g_assert_false(testFind(used, 1, 8, 72, 8, 1, &s));
    }
}


static void
testFindFull(void)
{
    /* [8,72) in extents of 8 and 16, one of them zero length. */
    static const virStorageVaaiExtent used[] = {
        EXT(8, 16, 0), EXT(24, 8, 1), EXT(32, 0, 2), EXT(32, 24, 3), EXT(56, 16, 4),
    };
    uint64_t s;

    g_assert_false(testFind(used, G_N_ELEMENTS(used), 8, 72, 8, 1, &s));
    g_assert_false(testFind(used, G_N_ELEMENTS(used), 8, 72, 1, 1, &s));
    g_assert_cmpuint(s, ==, 0xDEAD);
    /* One block more at the end: 72 is 64 past the data area's start, a
     * multiple of 8 and of 16 (alignment counts from the start). */
    g_assert_true(testFind(used, G_N_ELEMENTS(used), 8, 73, 8, 1, &s));
    g_assert_cmpuint(s, ==, 72);
    g_assert_false(testFind(used, G_N_ELEMENTS(used), 8, 73, 8, 2, &s));
    g_assert_true(testFind(used, G_N_ELEMENTS(used), 8, 73, 16, 1, &s));
}


static void
testFindUnsorted(void)
{
    /* The table's order is not the LBA order: sorted, the free runs are
     * [16,24) [32,40) [56,72), as in testFindFit(). */
    virStorageVaaiExtent used[] = {
        EXT(40, 16, 0), EXT(8, 8, 1), EXT(24, 8, 2),
    };
    uint64_t s;

    virStorageVaaiExtentsSort(used, G_N_ELEMENTS(used));
    g_assert_cmpuint(used[0].start, ==, 8);
    g_assert_cmpuint(used[1].start, ==, 24);
    g_assert_cmpuint(used[2].start, ==, 40);
    g_assert_true(testFind(used, G_N_ELEMENTS(used), 8, 72, 8, 8, &s));
    g_assert_cmpuint(s, ==, 16);
    g_assert_true(testFind(used, G_N_ELEMENTS(used), 8, 72, 8, 16, &s));
    g_assert_cmpuint(s, ==, 56);
    g_assert_cmpuint(virStorageVaaiAllocFreeBlocks(used, G_N_ELEMENTS(used), 8, 72),
                     ==, 32);
}


/* ---- virStorageVaaiAllocCanGrow ---- */

static void
testCanGrow(void)
{
    /* Data area ends at 72.  Volume 0 at [8,16) with its intent [16,20)
     * (a grow in progress), volume 1 at [24,32), volume 2 at [56,64), and
     * a zero-length extent of volume 3 at 40. */
    static const virStorageVaaiExtent used[] = {
        EXT(8, 8, 0), EXT(16, 4, 0), EXT(24, 8, 1), EXT(40, 0, 3), EXT(56, 8, 2),
    };
    size_t n = G_N_ELEMENTS(used);

    /* Shrinking or staying is always possible. */
    g_assert_true(virStorageVaaiAllocCanGrow(used, n, 72, 0, 8, 8, 8));
    g_assert_true(virStorageVaaiAllocCanGrow(used, n, 72, 0, 8, 8, 1));
    g_assert_true(virStorageVaaiAllocCanGrow(used, n, 72, 0, 8, 8, 0));

    /* Own extents do not block: [16,24) holds only volume 0's intent. */
    g_assert_true(virStorageVaaiAllocCanGrow(used, n, 72, 0, 8, 8, 16));
    /* ...but anyone else's does. */
    g_assert_false(virStorageVaaiAllocCanGrow(used, n, 72, 4, 8, 8, 16));
    /* The neighbour at 24 blocks a growth by one block more. */
    g_assert_false(virStorageVaaiAllocCanGrow(used, n, 72, 0, 8, 8, 17));
    g_assert_false(virStorageVaaiAllocCanGrow(used, n, 72, 0, 8, 8, 64));

    /* Volume 1 up to volume 2: [32,56) is free but for a zero-length
     * extent. */
    g_assert_true(virStorageVaaiAllocCanGrow(used, n, 72, 1, 24, 8, 32));
    g_assert_false(virStorageVaaiAllocCanGrow(used, n, 72, 1, 24, 8, 33));

    /* Volume 2 up to the end of the data area, not past it. */
    g_assert_true(virStorageVaaiAllocCanGrow(used, n, 72, 2, 56, 8, 16));
    g_assert_false(virStorageVaaiAllocCanGrow(used, n, 72, 2, 56, 8, 17));
    g_assert_false(virStorageVaaiAllocCanGrow(used, n, 64, 2, 56, 8, 9));
    g_assert_false(virStorageVaaiAllocCanGrow(used, n, UINT64_MAX, 2, 56, 8,
                                              UINT64_MAX));
    g_assert_false(virStorageVaaiAllocCanGrow(used, n, UINT64_MAX, 2, 56, 8,
                                              UINT64_MAX - 55));
    g_assert_true(virStorageVaaiAllocCanGrow(used, n, UINT64_MAX, 2, 56, 8,
                                             UINT64_MAX - 56));

    /* A table with nobody else in it. */
    g_assert_true(virStorageVaaiAllocCanGrow(NULL, 0, 72, 0, 8, 8, 64));
    g_assert_false(virStorageVaaiAllocCanGrow(NULL, 0, 72, 0, 8, 8, 65));
}


/* ---- virStorageVaaiAllocFreeBlocks, virStorageVaaiAllocLargestFree ---- */

static void
testFreeCounts(void)
{
    /* Free runs of [8,72): [16,24) [32,40) [56,72): 8 + 8 + 16. */
    {
        static const virStorageVaaiExtent used[] = {
            EXT(8, 8, 0), EXT(24, 8, 1), EXT(40, 16, 2),
        };

        g_assert_cmpuint(virStorageVaaiAllocFreeBlocks(used, 3, 8, 72), ==, 32);
        g_assert_cmpuint(virStorageVaaiAllocLargestFree(used, 3, 8, 72, 8), ==, 16);
        /* Aligned to 16 from the data area's start (8), the runs start at
         * 24, 40 and 56: only [56,72) holds a whole unit. */
        g_assert_cmpuint(virStorageVaaiAllocLargestFree(used, 3, 8, 72, 16), ==, 16);
        g_assert_cmpuint(virStorageVaaiAllocLargestFree(used, 3, 8, 72, 4), ==, 16);
    }
    /* Nothing used; nothing free. */
    g_assert_cmpuint(virStorageVaaiAllocFreeBlocks(NULL, 0, 8, 72), ==, 64);
    g_assert_cmpuint(virStorageVaaiAllocLargestFree(NULL, 0, 8, 72, 8), ==, 64);
    g_assert_cmpuint(virStorageVaaiAllocFreeBlocks(NULL, 0, 72, 72), ==, 0);
    g_assert_cmpuint(virStorageVaaiAllocLargestFree(NULL, 0, 72, 72, 8), ==, 0);
    /* Alignment 0 is taken as 1. */
    g_assert_cmpuint(virStorageVaaiAllocLargestFree(NULL, 0, 8, 71, 0), ==, 63);

    /* [13,30) is free: 17 blocks, but aligned to 8 only [16,24): 8. */
    {
        static const virStorageVaaiExtent used[] = { EXT(8, 5, 0), EXT(30, 10, 1) };

        g_assert_cmpuint(virStorageVaaiAllocFreeBlocks(used, 2, 8, 40), ==, 17);
        g_assert_cmpuint(virStorageVaaiAllocLargestFree(used, 2, 8, 40, 8), ==, 8);
        g_assert_cmpuint(virStorageVaaiAllocLargestFree(used, 2, 8, 40, 1), ==, 17);
        g_assert_cmpuint(virStorageVaaiAllocLargestFree(used, 2, 8, 40, 16), ==, 0);
    }
    /* Outside the data area counts for nothing; across its edges only the
     * inside part: [4,12) takes 4 of [8,72), [64,80) takes 8. */
    {
        static const virStorageVaaiExtent used[] = {
            EXT(0, 4, 0), EXT(4, 8, 1), EXT(64, 16, 2), EXT(90, 10, 3),
        };

        g_assert_cmpuint(virStorageVaaiAllocFreeBlocks(used, 4, 8, 72), ==, 52);
        /* [12,64) aligned: [16,64). */
        g_assert_cmpuint(virStorageVaaiAllocLargestFree(used, 4, 8, 72, 8), ==, 48);
    }
    /* Overlapping extents (a table that check reports) count once:
     * [8,20) and [10,26) together cover [8,26). */
    {
        static const virStorageVaaiExtent used[] = {
            EXT(8, 12, 0), EXT(10, 16, 1), EXT(12, 2, 2),
        };

        g_assert_cmpuint(virStorageVaaiAllocFreeBlocks(used, 3, 8, 72), ==, 46);
        g_assert_cmpuint(virStorageVaaiAllocLargestFree(used, 3, 8, 72, 8), ==, 40);
    }
    /* Zero-length extents take nothing. */
    {
        static const virStorageVaaiExtent used[] = { EXT(16, 0, 0), EXT(40, 0, 1) };

        g_assert_cmpuint(virStorageVaaiAllocFreeBlocks(used, 2, 8, 72), ==, 64);
        g_assert_cmpuint(virStorageVaaiAllocLargestFree(used, 2, 8, 72, 8), ==, 64);
    }
}


/* ---- Randomized: the allocator against a bitmap ---- */

/*
 * A data area small enough to keep a bitmap of, in a LBA range that does
 * not start at zero or at an aligned LBA; and an extent below it and one
 * across its end, as the metadata and a damaged table would give.
 */
#define PROP_DATA_LBA 100
#define PROP_DATA_END (PROP_DATA_LBA + 3000)
#define PROP_ROUNDS 4000

typedef struct {
    GArray *extents;                /* virStorageVaaiExtent, unsorted */
    bool *map;                      /* PROP_DATA_END entries: used */
    int nextOwner;
} testModel;


static void
testModelMark(testModel *m,
              const virStorageVaaiExtent *e,
              bool value)
{
    uint64_t b;

    for (b = e->start; b < e->start + e->length && b < PROP_DATA_END; b++)
        m->map[b] = value;
}


static virStorageVaaiExtent *
testModelSorted(const testModel *m)
{
    virStorageVaaiExtent *used = g_new0(virStorageVaaiExtent, m->extents->len + 1);

    if (m->extents->len)
        memcpy(used, m->extents->data, m->extents->len * sizeof(*used));
    virStorageVaaiExtentsSort(used, m->extents->len);
    return used;
}


/* Whether [start, start + length) is free in the bitmap and inside the
 * data area. */
static bool
testModelFree(const testModel *m,
              uint64_t start,
              uint64_t length)
{
    uint64_t b;

    if (start < PROP_DATA_LBA || start + length > PROP_DATA_END)
        return false;
    for (b = start; b < start + length; b++) {
        if (m->map[b])
            return false;
    }
    return true;
}


/* First fit by brute force over the bitmap; false if none. */
static bool
testModelFirstFit(const testModel *m,
                  uint32_t alignment,
                  uint64_t length,
                  uint64_t *start)
{
    /* Extents are aligned from the data area's start, not from LBA 0. */
    uint64_t s = PROP_DATA_LBA;
    uint64_t run = 0;
    uint64_t b;

    /* Length of the free run from each block, counted from the end. */
    g_autofree uint64_t *from = g_new0(uint64_t, PROP_DATA_END + 1);

    for (b = PROP_DATA_END; b-- > PROP_DATA_LBA;) {
        run = m->map[b] ? 0 : run + 1;
        from[b] = run;
    }
    for (; s < PROP_DATA_END; s += alignment) {
        if (from[s] >= length) {
            *start = s;
            return true;
        }
    }
    return false;
}


static void
testModelCounts(const testModel *m,
                uint32_t alignment,
                uint64_t *freeBlocks,
                uint64_t *largest)
{
    uint64_t b = PROP_DATA_LBA;

    *freeBlocks = 0;
    *largest = 0;
    while (b < PROP_DATA_END) {
        uint64_t end = b;
        uint64_t s;

        if (m->map[b]) {
            b++;
            continue;
        }
        while (end < PROP_DATA_END && !m->map[end])
            end++;
        *freeBlocks += end - b;
        s = PROP_DATA_LBA + (b - PROP_DATA_LBA + alignment - 1) / alignment * alignment;
        if (s < end)
            *largest = MAX(*largest, (end - s) / alignment * alignment);
        b = end;
    }
}


static void
testModelAdd(testModel *m,
             uint64_t start,
             uint64_t length)
{
    virStorageVaaiExtent e = { .start = start, .length = length, .owner = m->nextOwner++ };

    g_array_append_val(m->extents, e);
    testModelMark(m, &e, true);
}


static void
testRandom(void)
{
    static const uint32_t alignments[] = { 1, 2, 8, 16, 64 };
    g_autoptr(GRand) rand = g_rand_new_with_seed(20240611);
    size_t a;

    for (a = 0; a < G_N_ELEMENTS(alignments); a++) {
        uint32_t alignment = alignments[a];
        testModel m = { 0 };
        unsigned int found = 0;
        unsigned int full = 0;
        unsigned int round;

        m.extents = g_array_new(FALSE, TRUE, sizeof(virStorageVaaiExtent));
        m.map = g_new0(bool, PROP_DATA_END);
        /* Metadata below the data area, and a damaged extent across its
         * end: both are never freed. */
        testModelAdd(&m, 0, PROP_DATA_LBA);
        testModelAdd(&m, PROP_DATA_END - 7, 20);

        for (round = 0; round < PROP_ROUNDS; round++) {
            g_autofree virStorageVaaiExtent *used = testModelSorted(&m);
            size_t nused = m.extents->len;
            uint64_t length;
            uint64_t start = 0;
            uint64_t expect = 0;
            uint64_t freeBlocks;
            uint64_t largest;
            uint64_t usedBlocks = 0;
            size_t i;
            size_t x;
            size_t y;
            bool ok;

            /* The model never overlaps; every check below leans on it. */
            g_assert_false(virStorageVaaiExtentsOverlap(used, nused, &x, &y));
            for (i = 0; i + 1 < nused; i++)
                g_assert_cmpuint(used[i].start, <=, used[i + 1].start);

            /* Space, both ways. */
            testModelCounts(&m, alignment, &freeBlocks, &largest);
            for (i = PROP_DATA_LBA; i < PROP_DATA_END; i++)
                usedBlocks += m.map[i];
            g_assert_cmpuint(virStorageVaaiAllocFreeBlocks(used, nused, PROP_DATA_LBA,
                                                           PROP_DATA_END), ==, freeBlocks);
            g_assert_cmpuint(freeBlocks + usedBlocks, ==, PROP_DATA_END - PROP_DATA_LBA);
            g_assert_cmpuint(virStorageVaaiAllocLargestFree(used, nused, PROP_DATA_LBA,
                                                            PROP_DATA_END, alignment),
                             ==, largest);

            /* Free one in three rounds, and always when nothing fits. */
            if (m.extents->len > 2 &&
                (g_rand_int_range(rand, 0, 3) == 0 || largest == 0)) {
                guint victim = g_rand_int_range(rand, 2, m.extents->len);

                testModelMark(&m, &g_array_index(m.extents, virStorageVaaiExtent, victim),
                              false);
                g_array_remove_index_fast(m.extents, victim);
                continue;
            }

            /* Mostly small lengths, now and then one that cannot fit. */
            if (g_rand_int_range(rand, 0, 20) == 0)
                length = g_rand_int_range(rand, 1, 2 * (PROP_DATA_END - PROP_DATA_LBA));
            else
                length = g_rand_int_range(rand, 1, 200);
            if (g_rand_boolean(rand))
                length = (length + alignment - 1) / alignment * alignment;

            ok = virStorageVaaiAllocFind(used, nused, PROP_DATA_LBA, PROP_DATA_END,
                                         alignment, length, &start);
            g_assert_cmpint(ok, ==, testModelFirstFit(&m, alignment, length, &expect));
            if (length <= largest)
                g_assert_true(ok);
            if (!ok) {
                full++;
                continue;
            }
            found++;
            g_assert_cmpuint(start, ==, expect);
            g_assert_cmpuint((start - PROP_DATA_LBA) % alignment, ==, 0);
            g_assert_cmpuint(start, >=, PROP_DATA_LBA);
            g_assert_cmpuint(start + length, <=, PROP_DATA_END);
            g_assert_true(testModelFree(&m, start, length));
            for (i = 0; i < nused; i++) {
                g_assert_true(start + length <= used[i].start ||
                              used[i].start + used[i].length <= start);
            }

            /* Now and then, ask whether it could have grown instead. */
            if (g_rand_int_range(rand, 0, 4) == 0) {
                uint64_t more = g_rand_int_range(rand, 1, 100);
                bool can = testModelFree(&m, start + length, more);

                g_assert_cmpint(virStorageVaaiAllocCanGrow(used, nused, PROP_DATA_END,
                                                           m.nextOwner, start, length,
                                                           length + more),
                                ==, can);
            }
            testModelAdd(&m, start, length);
        }

        /* The mix reached both outcomes. */
        g_assert_cmpuint(found, >, PROP_ROUNDS / 4);
        g_assert_cmpuint(full, >, 0);
        g_array_unref(m.extents);
        g_free(m.map);
    }
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/vaai-alloc/blocks", testBlocks);
    g_test_add_func("/vaai-alloc/sort", testSort);
    g_test_add_func("/vaai-alloc/overlap", testOverlaps);
    g_test_add_func("/vaai-alloc/find/fit", testFindFit);
    g_test_add_func("/vaai-alloc/find/align", testFindAlign);
    g_test_add_func("/vaai-alloc/find/outside", testFindOutside);
    g_test_add_func("/vaai-alloc/find/full", testFindFull);
    g_test_add_func("/vaai-alloc/find/unsorted", testFindUnsorted);
    g_test_add_func("/vaai-alloc/can-grow", testCanGrow);
    g_test_add_func("/vaai-alloc/free-counts", testFreeCounts);
    g_test_add_func("/vaai-alloc/random", testRandom);

    return g_test_run();
}
