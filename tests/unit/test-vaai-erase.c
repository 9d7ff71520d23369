/*
 * test-vaai-erase.c: pool-delete on an in-memory LUN (memlun.h): refused
 * while another host's heartbeat moves or a volume exists, and afterwards
 * the LUN is no pool.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "mempool.h"
#include "storage_vaai_erase.h"
#include "storage_vaai_volume.h"

#define BS 512
#define MIB (1024 * 1024)

typedef testMemPool testPool;


static void
testHost(virStorageVaaiHost *host,
         uint8_t id)
{
    testMemPoolHost(host, id);
}


static void
testPoolOpen(testPool *tp)
{
    testMemLunProfile profile = { .blocks = 32 * MIB / BS, .blockSize = BS, .lbprz = true };

    testMemPoolOpen(tp, &profile, "erase", 16, 1000, 100, false);
}


static void
testPoolClose(testPool *tp)
{
    testMemPoolClose(tp);
}


static void
testEraseRefusedWhileOtherHostAlive(void)
{
    testPool tp;
    virStorageVaaiHost a;
    virStorageVaaiHost b;
    virStorageVaaiSession *other;
    g_autoptr(GError) err = NULL;
    g_autoptr(virStorageVaaiPool) again = NULL;

    testPoolOpen(&tp);
    testHost(&a, 1);
    testHost(&b, 2);
    other = virStorageVaaiSessionJoin(tp.pool, &b, &err);
    g_assert_no_error(err);

    g_assert_cmpint(virStorageVaaiPoolErase(tp.pool, &a, 5000, &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY);
    g_assert_nonnull(strstr(err->message, "host-2"));
    g_clear_error(&err);
    /* Nothing was erased: the pool opens and the other host goes on. */
    again = virStorageVaaiPoolOpen(tp.lun, true, &err);
    g_assert_no_error(err);
    g_assert_true(virStorageVaaiSessionFresh(other, virStorageVaaiSessionEpoch(other)));

    /* Once it left, the erase goes through. */
    virStorageVaaiSessionLeave(other);
    g_assert_cmpint(virStorageVaaiPoolErase(tp.pool, &a, 5000, &err), ==, 0);
    g_assert_no_error(err);
    testPoolClose(&tp);
}


static void
testEraseRefusedWithVolumes(void)
{
    testPool tp;
    virStorageVaaiHost a;
    virStorageVaaiSession *s;
    g_autoptr(GError) err = NULL;

    testPoolOpen(&tp);
    testHost(&a, 1);
    s = virStorageVaaiSessionJoin(tp.pool, &a, &err);
    g_assert_no_error(err);
    g_assert_cmpint(virStorageVaaiVolCreate(s, "v", MIB, NULL, NULL, NULL, &err), ==, 0);
    virStorageVaaiSessionLeave(s);

    testHost(&a, 1);
    g_assert_cmpint(virStorageVaaiPoolErase(tp.pool, &a, 5000, &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY);
    testPoolClose(&tp);
}


static void
testEraseLeavesNoPool(void)
{
    testPool tp;
    virStorageVaaiHost a;
    g_autoptr(GError) err = NULL;
    g_autoptr(virStorageVaaiPool) gone = NULL;
    g_autofree uint8_t *meta = NULL;
    uint64_t i;

    testPoolOpen(&tp);
    testHost(&a, 1);
    g_assert_cmpint(virStorageVaaiPoolErase(tp.pool, &a, 5000, &err), ==, 0);
    g_assert_no_error(err);
    gone = virStorageVaaiPoolOpen(tp.lun, true, &err);
    g_assert_null(gone);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FOREIGN);
    meta = g_new(uint8_t, tp.pool->header.dataLba * BS);
    testMemLunRead(tp.mem, 0, tp.pool->header.dataLba, meta);
    for (i = 0; i < tp.pool->header.dataLba * BS; i++)
        g_assert_cmpuint(meta[i], ==, 0);
    testPoolClose(&tp);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vaai/erase/refused-while-other-host-alive",
                    testEraseRefusedWhileOtherHostAlive);
    g_test_add_func("/vaai/erase/refused-with-volumes", testEraseRefusedWithVolumes);
    g_test_add_func("/vaai/erase/leaves-no-pool", testEraseLeavesNoPool);
    return g_test_run();
}
