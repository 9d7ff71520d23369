/*
 * test-vaai-torn.c: a READ torn by a COMPARE AND WRITE in flight is read
 * again, never taken for a damaged record.
 *
 * LIO returns a mix of old and new bytes to a READ that meets a COMPARE
 * AND WRITE of the same block (88 in 84228 reads under a CAW loop on the
 * test array), and the stress test once failed a vol-wipe with "lease has
 * a bad CRC" because of it.  The in-memory LUN tears the first READ of a
 * block after each COMPARE AND WRITE; two hosts taking turns on the pool
 * read each other's lease, heartbeat slots and volume records torn, and
 * every operation must still succeed.  A record that really is damaged
 * reads the same twice and is still reported as such.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "mempool.h"
#include "storage_vaai_check.h"
#include "storage_vaai_table.h"
#include "storage_vaai_volume.h"

#define BS 512
#define MIB (1024 * 1024)
#define ROUNDS 20


static void
testTornTakingTurns(void)
{
    testMemLunProfile profile = { .blocks = 128 * MIB / BS, .blockSize = BS,
                                  .tornReads = true };
    g_autoptr(GError) err = NULL;
    virStorageVaaiSession *other;
    virStorageVaaiCheck check = { 0 };
    virStorageVaaiHost b;
    testMemPool tp;
    guint i;

    testMemPoolOpen(&tp, &profile, "torn", 64, 2000, 200, true);
    testMemPoolHost(&b, 2);
    other = virStorageVaaiSessionJoin(tp.pool, &b, &err);
    g_assert_no_error(err);

    for (i = 0; i < ROUNDS; i++) {
        g_autofree char *a = g_strdup_printf("a%u", i);
        g_autofree char *bn = g_strdup_printf("b%u", i);

        /* Each operation reads the lease the other host's last one left
         * behind (torn), then the table. */
        g_assert_cmpint(virStorageVaaiVolCreate(tp.session, a, MIB, NULL, NULL, NULL, &err), ==, 0);
        g_assert_no_error(err);
        g_assert_cmpint(virStorageVaaiVolCreate(other, bn, MIB, NULL, NULL, NULL, &err), ==, 0);
        g_assert_no_error(err);
        g_assert_cmpint(virStorageVaaiVolDelete(other, a, NULL, NULL, &err), ==, 0);
        g_assert_no_error(err);
        g_assert_cmpint(virStorageVaaiVolDelete(tp.session, bn, NULL, NULL, &err), ==, 0);
        g_assert_no_error(err);
    }
    g_test_message("%u reads came back torn", testMemLunTears(tp.mem));
    g_assert_cmpuint(testMemLunTears(tp.mem), >=, 2 * ROUNDS);

    testMemPoolAssertClean(&tp, "torn", &check);
    g_assert_cmpuint(check.ready, ==, 0);
    virStorageVaaiCheckClear(&check);

    virStorageVaaiSessionLeave(other);
    testMemPoolClose(&tp);
}


/* A lease whose CRC is wrong on the LUN reads the same twice: it is
 * reported as damaged after one read more, not waited on. */
static void
testTornDamaged(void)
{
    testMemLunProfile profile = { .blocks = 64 * MIB / BS, .blockSize = BS,
                                  .tornReads = true };
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) events = NULL;
    uint8_t block[BS];
    uint64_t leaseLba;
    guint reads = 0;
    guint i;
    testMemPool tp;

    testMemPoolOpen(&tp, &profile, "damaged", 8, 2000, 200, true);
    leaseLba = tp.pool->header.leaseLba;
    g_assert_cmpint(virStorageVaaiSessionAcquire(tp.session, 2000, &err), ==, 0);
    g_assert_cmpint(virStorageVaaiSessionRelease(tp.session, &err), ==, 0);
    g_assert_no_error(err);
    testMemLunRead(tp.mem, leaseLba, 1, block);
    g_assert_cmpmem(block, 4, "LEAS", 4);
    block[20] ^= 0x01;
    testMemLunWrite(tp.mem, leaseLba, 1, block);
    events = testMemLunTakeEvents(tp.mem);
    g_clear_pointer(&events, g_array_unref);

    g_assert_cmpint(virStorageVaaiSessionAcquire(tp.session, 2000, &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CORRUPT);
    g_assert_nonnull(strstr(err->message, "bad CRC"));

    events = testMemLunTakeEvents(tp.mem);
    for (i = 0; i < events->len; i++) {
        testMemLunEvent *ev = &g_array_index(events, testMemLunEvent, i);

        if (ev->opcode == 0x88 && ev->lba <= leaseLba && leaseLba < ev->lba + ev->nblocks)
            reads++;
    }
    g_assert_cmpuint(reads, ==, 2);
    testMemPoolClose(&tp);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vaai/torn/taking-turns", testTornTakingTurns);
    g_test_add_func("/vaai/torn/damaged", testTornDamaged);
    return g_test_run();
}
