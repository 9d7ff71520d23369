/*
 * test-chunk.c: cutting block ranges into commands, against cases worked
 * out by hand and a property check over many ranges and limits
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib.h>

#include "virscsichunk.h"

/* Whether @lba is a granule boundary: LBA % granularity == alignment. */
static bool
testIsBoundary(uint64_t lba,
               uint32_t granularity,
               uint32_t alignment)
{
    if (granularity <= 1)
        return true;
    alignment %= granularity;
    return lba >= alignment && (lba - alignment) % granularity == 0;
}


static void
testAlignGranularityOne(void)
{
    /* 0 and 1 both mean "any block": nothing moves. */
    g_assert_cmpuint(virSCSIChunkAlignUp(0, 1, 0), ==, 0);
    g_assert_cmpuint(virSCSIChunkAlignUp(12345, 1, 0), ==, 12345);
    g_assert_cmpuint(virSCSIChunkAlignDown(12345, 1, 0), ==, 12345);
    g_assert_cmpuint(virSCSIChunkAlignUp(12345, 1, 3), ==, 12345);
    g_assert_cmpuint(virSCSIChunkAlignDown(12345, 1, 3), ==, 12345);
    g_assert_cmpuint(virSCSIChunkAlignUp(7, 0, 0), ==, 7);
    g_assert_cmpuint(virSCSIChunkAlignDown(7, 0, 5), ==, 7);
    g_assert_cmpuint(virSCSIChunkAlignUp(UINT64_MAX, 1, 0), ==, UINT64_MAX);
    g_assert_cmpuint(virSCSIChunkAlignDown(UINT64_MAX, 1, 0), ==, UINT64_MAX);
}


static void
testAlignGranularity8(void)
{
    /* Boundaries 0, 8, 16, ... */
    g_assert_cmpuint(virSCSIChunkAlignUp(0, 8, 0), ==, 0);
    g_assert_cmpuint(virSCSIChunkAlignUp(1, 8, 0), ==, 8);
    g_assert_cmpuint(virSCSIChunkAlignUp(7, 8, 0), ==, 8);
    g_assert_cmpuint(virSCSIChunkAlignUp(8, 8, 0), ==, 8);
    g_assert_cmpuint(virSCSIChunkAlignUp(9, 8, 0), ==, 16);
    g_assert_cmpuint(virSCSIChunkAlignDown(0, 8, 0), ==, 0);
    g_assert_cmpuint(virSCSIChunkAlignDown(7, 8, 0), ==, 0);
    g_assert_cmpuint(virSCSIChunkAlignDown(8, 8, 0), ==, 8);
    g_assert_cmpuint(virSCSIChunkAlignDown(15, 8, 0), ==, 8);
    g_assert_cmpuint(virSCSIChunkAlignDown(16, 8, 0), ==, 16);

    /* Boundaries 3, 11, 19, ...: below the first one there is none to
     * round down to, and rounding up reaches 3. */
    g_assert_cmpuint(virSCSIChunkAlignUp(0, 8, 3), ==, 3);
    g_assert_cmpuint(virSCSIChunkAlignUp(3, 8, 3), ==, 3);
    g_assert_cmpuint(virSCSIChunkAlignUp(4, 8, 3), ==, 11);
    g_assert_cmpuint(virSCSIChunkAlignUp(11, 8, 3), ==, 11);
    g_assert_cmpuint(virSCSIChunkAlignUp(12, 8, 3), ==, 19);
    g_assert_cmpuint(virSCSIChunkAlignDown(2, 8, 3), ==, 2);
    g_assert_cmpuint(virSCSIChunkAlignDown(3, 8, 3), ==, 3);
    g_assert_cmpuint(virSCSIChunkAlignDown(10, 8, 3), ==, 3);
    g_assert_cmpuint(virSCSIChunkAlignDown(11, 8, 3), ==, 11);
    g_assert_cmpuint(virSCSIChunkAlignDown(18, 8, 3), ==, 11);

    /* An alignment of a granule or more counts modulo the granule. */
    g_assert_cmpuint(virSCSIChunkAlignUp(4, 8, 11), ==, 11);
    g_assert_cmpuint(virSCSIChunkAlignDown(10, 8, 11), ==, 3);
    g_assert_cmpuint(virSCSIChunkAlignUp(5, 8, 8), ==, 8);
}


static void
testAlignGranularity2048(void)
{
    g_assert_cmpuint(virSCSIChunkAlignUp(1, 2048, 0), ==, 2048);
    g_assert_cmpuint(virSCSIChunkAlignUp(2048, 2048, 0), ==, 2048);
    g_assert_cmpuint(virSCSIChunkAlignUp(2049, 2048, 0), ==, 4096);
    g_assert_cmpuint(virSCSIChunkAlignDown(4095, 2048, 0), ==, 2048);
    g_assert_cmpuint(virSCSIChunkAlignDown(2047, 2048, 0), ==, 0);

    g_assert_cmpuint(virSCSIChunkAlignUp(0, 2048, 3), ==, 3);
    g_assert_cmpuint(virSCSIChunkAlignUp(4, 2048, 3), ==, 2051);
    g_assert_cmpuint(virSCSIChunkAlignDown(2050, 2048, 3), ==, 3);
    g_assert_cmpuint(virSCSIChunkAlignDown(2051, 2048, 3), ==, 2051);
    g_assert_cmpuint(virSCSIChunkAlignDown(1, 2048, 3), ==, 1);
}


static void
testAlignNearMax(void)
{
    /* 2^64 is a multiple of 8 and 2048: the last boundaries below it are
     * UINT64_MAX - 7 and UINT64_MAX - 2047. */
    g_assert_cmpuint(virSCSIChunkAlignDown(UINT64_MAX, 8, 0), ==, UINT64_MAX - 7);
    g_assert_cmpuint(virSCSIChunkAlignDown(UINT64_MAX, 2048, 0), ==, UINT64_MAX - 2047);
    g_assert_cmpuint(virSCSIChunkAlignDown(UINT64_MAX, 8, 3), ==, UINT64_MAX - 4);
    g_assert_cmpuint(virSCSIChunkAlignUp(UINT64_MAX - 7, 8, 0), ==, UINT64_MAX - 7);
    g_assert_cmpuint(virSCSIChunkAlignUp(UINT64_MAX - 10, 8, 0), ==, UINT64_MAX - 7);
    g_assert_cmpuint(virSCSIChunkAlignUp(UINT64_MAX - 6, 8, 3), ==, UINT64_MAX - 4);

    /* The next boundary would be 2^64: saturate rather than wrap to 0. */
    g_assert_cmpuint(virSCSIChunkAlignUp(UINT64_MAX - 6, 8, 0), ==, UINT64_MAX);
    g_assert_cmpuint(virSCSIChunkAlignUp(UINT64_MAX, 8, 0), ==, UINT64_MAX);
    g_assert_cmpuint(virSCSIChunkAlignUp(UINT64_MAX - 3, 8, 3), ==, UINT64_MAX);
    g_assert_cmpuint(virSCSIChunkAlignUp(UINT64_MAX - 1, 2048, 0), ==, UINT64_MAX);
}


static void
testNextGranularityOne(void)
{
    g_assert_cmpuint(virSCSIChunkNext(0, 0, 8, 1, 0), ==, 0);
    g_assert_cmpuint(virSCSIChunkNext(5, 100, 8, 1, 0), ==, 8);
    g_assert_cmpuint(virSCSIChunkNext(5, 3, 8, 1, 0), ==, 3);
    g_assert_cmpuint(virSCSIChunkNext(5, 8, 8, 1, 0), ==, 8);
    g_assert_cmpuint(virSCSIChunkNext(5, 100, 8, 0, 0), ==, 8);
    g_assert_cmpuint(virSCSIChunkNext(5, 100, 8, 1, 3), ==, 8);
    /* A limit of 0 would loop for ever: one block at a time instead. */
    g_assert_cmpuint(virSCSIChunkNext(5, 100, 0, 1, 0), ==, 1);
    g_assert_cmpuint(virSCSIChunkNext(5, 100, 0, 8, 0), ==, 1);
}


static void
testNextGranularity8(void)
{
    /* Aligned start: whole limits. */
    g_assert_cmpuint(virSCSIChunkNext(0, 100, 16, 8, 0), ==, 16);
    g_assert_cmpuint(virSCSIChunkNext(8, 100, 20, 8, 0), ==, 16);
    /* Unaligned start: cut at the last boundary in reach (16). */
    g_assert_cmpuint(virSCSIChunkNext(3, 100, 16, 8, 0), ==, 13);
    g_assert_cmpuint(virSCSIChunkNext(3, 100, 8, 8, 0), ==, 5);
    /* The rest of the range fits: no cut, aligned or not. */
    g_assert_cmpuint(virSCSIChunkNext(3, 5, 16, 8, 0), ==, 5);
    g_assert_cmpuint(virSCSIChunkNext(3, 16, 16, 8, 0), ==, 16);
    /* Shorter than a granule. */
    g_assert_cmpuint(virSCSIChunkNext(1, 2, 16, 8, 0), ==, 2);

    /* Boundaries 3, 11, 19, ... */
    g_assert_cmpuint(virSCSIChunkNext(0, 100, 16, 8, 3), ==, 11);
    g_assert_cmpuint(virSCSIChunkNext(11, 100, 16, 8, 3), ==, 16);
    g_assert_cmpuint(virSCSIChunkNext(0, 100, 8, 8, 3), ==, 3);
    g_assert_cmpuint(virSCSIChunkNext(1, 100, 16, 8, 3), ==, 10);

    /* A limit below the granule: as much as allowed, ending on a boundary
     * when one is in reach. */
    g_assert_cmpuint(virSCSIChunkNext(0, 100, 5, 8, 0), ==, 5);
    g_assert_cmpuint(virSCSIChunkNext(5, 95, 5, 8, 0), ==, 3);
    g_assert_cmpuint(virSCSIChunkNext(8, 92, 5, 8, 0), ==, 5);
    g_assert_cmpuint(virSCSIChunkNext(0, 100, 2, 8, 3), ==, 2);
    g_assert_cmpuint(virSCSIChunkNext(2, 100, 2, 8, 3), ==, 1);
}


static void
testNextGranularity2048(void)
{
    g_assert_cmpuint(virSCSIChunkNext(0, 10000, 8192, 2048, 0), ==, 8192);
    g_assert_cmpuint(virSCSIChunkNext(100, 10000, 8192, 2048, 0), ==, 8092);
    g_assert_cmpuint(virSCSIChunkNext(0, 1000, 8192, 2048, 0), ==, 1000);
    /* 3 + 3 * 2048 = 6147 is the last boundary within 8192 blocks. */
    g_assert_cmpuint(virSCSIChunkNext(0, 10000, 8192, 2048, 3), ==, 6147);
    g_assert_cmpuint(virSCSIChunkNext(6147, 10000, 8192, 2048, 3), ==, 8192);

    /* A limit below the granule. */
    g_assert_cmpuint(virSCSIChunkNext(0, 10000, 1000, 2048, 0), ==, 1000);
    g_assert_cmpuint(virSCSIChunkNext(1000, 9000, 1000, 2048, 0), ==, 1000);
    g_assert_cmpuint(virSCSIChunkNext(2000, 8000, 1000, 2048, 0), ==, 48);
    g_assert_cmpuint(virSCSIChunkNext(2048, 7952, 1000, 2048, 0), ==, 1000);
}


static void
testNextNearMax(void)
{
    uint64_t lba = UINT64_MAX - 100;

    /* [2^64 - 101, 2^64 - 1): the first cut is at 2^64 - 40. */
    g_assert_cmpuint(virSCSIChunkNext(lba, 100, 64, 8, 0), ==, 61);
    g_assert_cmpuint(virSCSIChunkNext(lba + 61, 39, 64, 8, 0), ==, 39);

    /* A range whose last block is UINT64_MAX. */
    g_assert_cmpuint(virSCSIChunkNext(UINT64_MAX - 15, 16, 8, 8, 0), ==, 8);
    g_assert_cmpuint(virSCSIChunkNext(UINT64_MAX - 7, 8, 8, 8, 0), ==, 8);
    g_assert_cmpuint(virSCSIChunkNext(UINT64_MAX - 5, 6, 4, 8, 0), ==, 4);
    g_assert_cmpuint(virSCSIChunkNext(UINT64_MAX - 1, 2, 4, 8, 0), ==, 2);
    g_assert_cmpuint(virSCSIChunkNext(UINT64_MAX, 1, UINT64_MAX, 2048, 3), ==, 1);
    g_assert_cmpuint(virSCSIChunkNext(0, UINT64_MAX, UINT64_MAX, 2048, 0), ==, UINT64_MAX);
    g_assert_cmpuint(virSCSIChunkNext(1, UINT64_MAX - 1, UINT64_MAX - 2, 2048, 0), ==,
                     UINT64_MAX - 2048);
}


static void
testCheckGranules(uint64_t lba,
                  uint64_t nblocks,
                  uint32_t granularity,
                  uint32_t alignment,
                  bool expectRet,
                  uint64_t expectHead,
                  uint64_t expectMiddle,
                  uint64_t expectTail)
{
    uint64_t head = 0xdead;
    uint64_t middle = 0xdead;
    uint64_t tail = 0xdead;
    bool ret = virSCSIChunkGranules(lba, nblocks, granularity, alignment,
                                    &head, &middle, &tail);

    if (ret != expectRet || head != expectHead || middle != expectMiddle ||
        tail != expectTail)
        g_error("Granules(%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ", %u, %u) = "
                "%d %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                ", expected %d %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                lba, nblocks, granularity, alignment, ret, head, middle, tail,
                expectRet, expectHead, expectMiddle, expectTail);
}


static void
testGranules(void)
{
    /* Granularity 1 (or 0): all middle. */
    testCheckGranules(5, 10, 1, 0, true, 0, 10, 0);
    testCheckGranules(5, 10, 0, 0, true, 0, 10, 0);
    testCheckGranules(5, 10, 1, 3, true, 0, 10, 0);
    testCheckGranules(5, 0, 1, 0, false, 0, 0, 0);

    /* Granularity 8 at 0. */
    testCheckGranules(3, 20, 8, 0, true, 5, 8, 7);
    testCheckGranules(8, 16, 8, 0, true, 0, 16, 0);
    testCheckGranules(8, 17, 8, 0, true, 0, 16, 1);
    testCheckGranules(7, 17, 8, 0, true, 1, 16, 0);
    testCheckGranules(3, 4, 8, 0, false, 4, 0, 0);
    testCheckGranules(0, 7, 8, 0, false, 7, 0, 0);
    testCheckGranules(5, 8, 8, 0, false, 8, 0, 0);     /* straddles 8 */
    testCheckGranules(8, 0, 8, 0, false, 0, 0, 0);

    /* Granularity 8 at 3. */
    testCheckGranules(0, 20, 8, 3, true, 3, 16, 1);
    testCheckGranules(3, 8, 8, 3, true, 0, 8, 0);
    testCheckGranules(0, 2, 8, 3, false, 2, 0, 0);     /* before any boundary */
    testCheckGranules(0, 5, 8, 3, false, 5, 0, 0);
    testCheckGranules(0, 11, 8, 3, true, 3, 8, 0);

    /* Granularity 2048. */
    testCheckGranules(100, 5000, 2048, 0, true, 1948, 2048, 1004);
    testCheckGranules(0, 4099, 2048, 3, true, 3, 4096, 0);
    testCheckGranules(1, 2047, 2048, 0, false, 2047, 0, 0);
    testCheckGranules(1, 2048, 2048, 3, false, 2048, 0, 0);

    /* Near the end of the LBA space. */
    testCheckGranules(UINT64_MAX - 20, 20, 8, 0, true, 5, 8, 7);
    testCheckGranules(UINT64_MAX - 2, 2, 8, 0, false, 2, 0, 0);
    testCheckGranules(UINT64_MAX - 4103, 4103, 2048, 0, true, 8, 2048, 2047);
}


static void
testOverlap(void)
{
    g_assert_false(virSCSIChunkOverlap(0, 10, 10));    /* adjacent */
    g_assert_false(virSCSIChunkOverlap(10, 0, 10));
    g_assert_true(virSCSIChunkOverlap(0, 9, 10));
    g_assert_true(virSCSIChunkOverlap(9, 0, 10));
    g_assert_true(virSCSIChunkOverlap(5, 5, 1));
    g_assert_false(virSCSIChunkOverlap(5, 5, 0));      /* empty ranges */
    g_assert_false(virSCSIChunkOverlap(5, 6, 1));
    g_assert_false(virSCSIChunkOverlap(UINT64_MAX - 1, UINT64_MAX, 1));
    g_assert_true(virSCSIChunkOverlap(UINT64_MAX - 1, UINT64_MAX - 2, 2));
    g_assert_false(virSCSIChunkOverlap(0, UINT64_MAX, UINT64_MAX));
    g_assert_true(virSCSIChunkOverlap(1, UINT64_MAX, UINT64_MAX));

    /* Against the definition, on small numbers. */
    for (uint64_t a = 0; a < 20; a++) {
        for (uint64_t b = 0; b < 20; b++) {
            for (uint64_t n = 0; n < 12; n++) {
                bool expect = n > 0 && a < b + n && b < a + n;

                g_assert_cmpint(virSCSIChunkOverlap(a, b, n), ==, expect);
            }
        }
    }
}


/*
 * Cut [@lba, @lba + @n) as the engine does and check the promises: the
 * commands tile the range exactly, none is empty or over the limit, and
 * when a whole granule fits in one command, every cut inside the range
 * falls on a boundary.
 */
static void
testTile(uint64_t lba,
         uint64_t n,
         uint64_t max,
         uint32_t gran,
         uint32_t align)
{
    uint64_t effMax = max ? max : 1;
    uint64_t pos = 0;

    while (pos < n) {
        uint64_t len = virSCSIChunkNext(lba + pos, n - pos, max, gran, align);

        if (len == 0 || len > effMax || len > n - pos)
            g_error("Next(%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                    ", %u, %u) = %" G_GUINT64_FORMAT,
                    lba + pos, n - pos, max, gran, align, len);
        pos += len;
        if (pos < n && effMax >= gran && !testIsBoundary(lba + pos, gran, align))
            g_error("range %" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT " max %" G_GUINT64_FORMAT
                    " granularity %u alignment %u: cut at %" G_GUINT64_FORMAT
                    " is not on a boundary",
                    lba, n, max, gran, align, lba + pos);
    }
    g_assert_cmpuint(pos, ==, n);
}


static void
testGranulesProperty(uint64_t lba,
                     uint64_t n,
                     uint32_t gran,
                     uint32_t align)
{
    uint64_t head, middle, tail;
    bool ret = virSCSIChunkGranules(lba, n, gran, align, &head, &middle, &tail);

    g_assert_cmpuint(head + middle + tail, ==, n);
    g_assert_cmpint(ret, ==, middle > 0);
    if (!ret) {
        g_assert_cmpuint(head, ==, n);
        /* No whole granule fits: check by brute force on small ranges. */
        if (gran > 1 && n <= 4 * (uint64_t)gran) {
            uint64_t first = virSCSIChunkAlignUp(lba, gran, align);

            g_assert_true(!testIsBoundary(first, gran, align) ||
                          first > UINT64_MAX - gran || first + gran > lba + n);
        }
        return;
    }
    if (gran > 1) {
        g_assert_true(testIsBoundary(lba + head, gran, align));
        g_assert_true(testIsBoundary(lba + head + middle, gran, align));
        g_assert_cmpuint(middle % gran, ==, 0);
        g_assert_cmpuint(head, <, gran);
        g_assert_cmpuint(tail, <, gran);
    }
}


static void
testAlignProperty(uint64_t lba,
                  uint32_t gran,
                  uint32_t align)
{
    uint64_t up = virSCSIChunkAlignUp(lba, gran, align);
    uint64_t down = virSCSIChunkAlignDown(lba, gran, align);

    g_assert_cmpuint(up, >=, lba);
    g_assert_cmpuint(down, <=, lba);
    if (gran <= 1) {
        g_assert_cmpuint(up, ==, lba);
        g_assert_cmpuint(down, ==, lba);
        return;
    }
    if (up != UINT64_MAX || testIsBoundary(UINT64_MAX, gran, align)) {
        g_assert_true(testIsBoundary(up, gran, align));
        g_assert_cmpuint(up - lba, <, gran);
    }
    if (lba >= align % gran) {
        g_assert_true(testIsBoundary(down, gran, align));
        g_assert_cmpuint(lba - down, <, gran);
    } else {
        g_assert_cmpuint(down, ==, lba);
    }
}


static void
testProperty(void)
{
    static const uint64_t lbas[] = {
        0, 1, 2, 3, 5, 7, 8, 9, 100, 2047, 2048, 2049, 4093, 1000003,
        UINT64_MAX - 20000, UINT64_MAX - 6147,
    };
    static const uint64_t counts[] = {
        1, 2, 3, 7, 8, 9, 15, 16, 17, 100, 2047, 2048, 2049, 5000, 12289,
    };
    static const uint64_t maxes[] = {
        0, 1, 2, 3, 7, 8, 9, 16, 100, 2048, 3000, 4096, 8192, UINT64_MAX,
    };
    static const uint32_t grans[] = { 0, 1, 2, 3, 8, 64, 2048 };
    static const uint32_t aligns[] = { 0, 1, 3, 7, 2047, 5000 };
    size_t combos = 0;

    for (size_t l = 0; l < G_N_ELEMENTS(lbas); l++) {
        for (size_t g = 0; g < G_N_ELEMENTS(grans); g++) {
            for (size_t a = 0; a < G_N_ELEMENTS(aligns); a++) {
                testAlignProperty(lbas[l], grans[g], aligns[a]);

                for (size_t c = 0; c < G_N_ELEMENTS(counts); c++) {
                    if (counts[c] > UINT64_MAX - lbas[l])
                        continue;
                    testGranulesProperty(lbas[l], counts[c], grans[g], aligns[a]);
                    for (size_t m = 0; m < G_N_ELEMENTS(maxes); m++) {
                        testTile(lbas[l], counts[c], maxes[m], grans[g], aligns[a]);
                        combos++;
                    }
                }
            }
        }
    }
    g_test_message("%zu combinations", combos);

    /* And some random ones, reproducible from the seed gtest prints. */
    for (size_t i = 0; i < 20000; i++) {
        uint32_t gran = g_test_rand_int_range(0, 5000);
        uint32_t align = g_test_rand_int_range(0, 10000);
        uint64_t n = g_test_rand_int_range(1, 50000);
        uint64_t max = g_test_rand_int_range(0, 20000);
        uint64_t lba = g_test_rand_bit() ?
            (uint64_t)g_test_rand_int_range(0, 1 << 30) :
            UINT64_MAX - n - (uint64_t)g_test_rand_int_range(0, 1 << 20);

        testAlignProperty(lba, gran, align);
        testGranulesProperty(lba, n, gran, align);
        testTile(lba, n, max, gran, align);
    }
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/chunk/align/granularity-1", testAlignGranularityOne);
    g_test_add_func("/chunk/align/granularity-8", testAlignGranularity8);
    g_test_add_func("/chunk/align/granularity-2048", testAlignGranularity2048);
    g_test_add_func("/chunk/align/near-max", testAlignNearMax);
    g_test_add_func("/chunk/next/granularity-1", testNextGranularityOne);
    g_test_add_func("/chunk/next/granularity-8", testNextGranularity8);
    g_test_add_func("/chunk/next/granularity-2048", testNextGranularity2048);
    g_test_add_func("/chunk/next/near-max", testNextNearMax);
    g_test_add_func("/chunk/granules", testGranules);
    g_test_add_func("/chunk/overlap", testOverlap);
    g_test_add_func("/chunk/property", testProperty);
    return g_test_run();
}
