/*
 * test-vaai-granules.c: on a thin LUN whose unmap granules start off a
 * multiple of their size (granularity 2048 blocks, alignment 1024, as the
 * issue's array had), the pool's data area starts where a granule does,
 * extents are aligned from there, and deleting a volume gives back every
 * block of it (each extent boundary is a granule boundary); the pool
 * checks clean.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib.h>

#include "mempool.h"
#include "storage_vaai_check.h"
#include "storage_vaai_volume.h"

#define BS 512
#define MIB (1024 * 1024)
#define GRAN 2048
#define GRAN_ALIGN 1024


static void
testGranulesGivenBack(void)
{
    testMemLunProfile profile = {
        .blocks = 256 * MIB / BS, .blockSize = BS,
        .unmapGranularity = GRAN, .unmapAlignment = GRAN_ALIGN,
    };
    testMemPool tp;
    virStorageVaaiVolRecord a, v, b;
    g_autoptr(GError) err = NULL;
    virStorageVaaiCheck check = { 0 };
    const virStorageVaaiHeader *h;
    uint64_t mapped;

    testMemPoolOpen(&tp, &profile, "granules", 16, 10000, 1000, true);
    h = &tp.pool->header;
    g_test_message("data area from LBA %llu, extents aligned to %u blocks",
                   (unsigned long long)h->dataLba, h->extentAlignment);
    g_assert_cmpuint(h->dataLba % GRAN, ==, GRAN_ALIGN);
    g_assert_cmpuint(h->extentAlignment % GRAN, ==, 0);
    g_assert_true(h->incompat & VIR_STORAGE_VAAI_INCOMPAT_DATA_OFFSET);

    g_assert_cmpint(virStorageVaaiVolCreate(tp.session, "a", 5 * MIB, NULL, NULL, &a, &err),
                    ==, 0);
    g_assert_cmpint(virStorageVaaiVolCreate(tp.session, "v", 37 * MIB, NULL, NULL, &v, &err),
                    ==, 0);
    g_assert_cmpint(virStorageVaaiVolCreate(tp.session, "b", 3 * MIB, NULL, NULL, &b, &err),
                    ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(v.extentStart % GRAN, ==, GRAN_ALIGN);
    g_assert_cmpuint(testMemLunMapped(tp.mem, v.extentStart, v.extentLength), ==,
                     v.extentLength);

    g_assert_cmpint(virStorageVaaiVolDelete(tp.session, "v", NULL, NULL, &err), ==, 0);
    g_assert_no_error(err);
    mapped = testMemLunMapped(tp.mem, v.extentStart, v.extentLength);
    g_test_message("after the delete, %llu of %llu blocks still mapped",
                   (unsigned long long)mapped, (unsigned long long)v.extentLength);
    g_assert_cmpuint(mapped, ==, 0);
    /* ...and the neighbours lost nothing. */
    g_assert_cmpuint(testMemLunMapped(tp.mem, a.extentStart, a.extentLength), ==,
                     a.extentLength);
    g_assert_cmpuint(testMemLunMapped(tp.mem, b.extentStart, b.extentLength), ==,
                     b.extentLength);

    testMemPoolAssertClean(&tp, "granules", &check);
    g_assert_cmpuint(check.usedBlocks, ==, a.extentLength + b.extentLength);
    virStorageVaaiCheckClear(&check);
    testMemPoolClose(&tp);
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/granules/given-back", testGranulesGivenBack);
    return g_test_run();
}
