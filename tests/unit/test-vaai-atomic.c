/*
 * test-vaai-atomic.c: COMPARE AND WRITE is proven before it is relied on.
 *
 * A LUN whose Block Limits page advertises COMPARE AND WRITE but that
 * refuses the command (INVALID COMMAND OPERATION CODE): the first thing
 * that relies on it (a pool format) proves it, takes COMPARE AND WRITE
 * out of the LUN's plan with the reason and refuses a pool for several
 * hosts with "use --single-host"; a single-host pool is made and used on
 * it without one COMPARE AND WRITE.  On a LUN that does it, the proof
 * changes nothing and runs once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "mempool.h"
#include "storage_vaai_volume.h"

#define BS 512
#define MIB (1024 * 1024)


static void
testAtomicRefused(void)
{
    testMemLunProfile profile = { .blocks = 64 * MIB / BS, .blockSize = BS };
    virStorageVaaiFormatOptions fo = { .name = "one", .volumeRecords = 8 };
    g_autoptr(testMemLun) mem = testMemLunNew(&profile);
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(virStorageVaaiPool) pool = NULL;
    g_autoptr(GError) err = NULL;
    const virSCSIOpPlan *op;
    virStorageVaaiHeader header;
    virStorageVaaiSession *s;
    virStorageVaaiHost host;

    testMemLunSetHook(mem, testMemLunRefuseOpcode, GUINT_TO_POINTER(0x89));
    lun = testMemLunOpen(mem, &err);
    g_assert_no_error(err);
    op = &lun->plan.ops[VIR_SCSI_PLAN_OP_ATOMIC];
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_COMPARE_AND_WRITE);

    /* A pool for several hosts is the first thing to rely on it. */
    g_assert_cmpint(virStorageVaaiPoolFormat(lun, &fo, &header, &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_UNSUPPORTED);
    g_assert_nonnull(strstr(err->message, "--single-host"));
    g_clear_error(&err);
    g_test_message("atomic: %s", op->reason);
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_NONE);
    g_assert_nonnull(strstr(op->reason, "advertises compare-and-write but refused it"));
    g_assert_cmpuint(testMemLunTakeCount(mem, 0x89), ==, 1);   /* the proof */

    fo.singleHost = true;
    g_assert_cmpint(virStorageVaaiPoolFormat(lun, &fo, &header, &err), ==, 0);
    g_assert_no_error(err);
    pool = virStorageVaaiPoolOpen(lun, true, &err);
    g_assert_no_error(err);
    g_assert_true(pool->singleHost);
    testMemPoolHost(&host, 1);
    s = virStorageVaaiSessionJoin(pool, &host, &err);
    g_assert_no_error(err);
    g_assert_cmpint(virStorageVaaiVolCreate(s, "v", MIB, NULL, NULL, NULL, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(virStorageVaaiVolDelete(s, "v", NULL, NULL, &err), ==, 0);
    g_assert_no_error(err);
    virStorageVaaiSessionLeave(s);
    g_assert_cmpuint(testMemLunTakeCount(mem, 0x89), ==, 0);
}


static void
testAtomicProven(void)
{
    testMemLunProfile profile = { .blocks = 16 * MIB / BS, .blockSize = BS };
    g_autoptr(testMemLun) mem = testMemLunNew(&profile);
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree uint8_t *before = g_malloc(BS);
    g_autofree uint8_t *after = g_malloc(BS);

    memset(before, 0x5A, BS);
    testMemLunWrite(mem, 0, 1, before);
    lun = testMemLunOpen(mem, &err);
    g_assert_no_error(err);
    virSCSILunProveAtomic(lun);
    virSCSILunProveAtomic(lun);     /* once per LUN */
    g_assert_cmpint(lun->plan.ops[VIR_SCSI_PLAN_OP_ATOMIC].method, ==,
                    VIR_SCSI_METHOD_COMPARE_AND_WRITE);
    /* One COMPARE AND WRITE went out, and it wrote nothing. */
    g_assert_cmpuint(testMemLunTakeCount(mem, 0x89), ==, 1);
    testMemLunRead(mem, 0, 1, after);
    g_assert_cmpmem(before, BS, after, BS);
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/atomic/refused", testAtomicRefused);
    g_test_add_func("/atomic/proven", testAtomicProven);
    return g_test_run();
}
