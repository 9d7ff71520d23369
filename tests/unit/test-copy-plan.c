/*
 * test-copy-plan.c: a copy between two LUNs goes by EXTENDED COPY only
 * when both can take part: from a LUN that offers no copies the engine
 * copies through the host at once, sending no EXTENDED COPY that could
 * only fail (COPY TARGET DEVICE NOT REACHABLE); the data arrives.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "memlun.h"
#include "virscsioffload.h"

#define BS 512
#define MIB (1024 * 1024)


static void
testCopyFromLunWithoutCopies(void)
{
    testMemLunProfile plain = { .blocks = 8 * MIB / BS, .blockSize = BS };
    testMemLunProfile copies = { .blocks = 8 * MIB / BS, .blockSize = BS, .xcopy = true };
    g_autoptr(testMemLun) srcMem = testMemLunNew(&plain);
    g_autoptr(testMemLun) dstMem = testMemLunNew(&copies);
    g_autoptr(virSCSILun) src = testMemLunOpen(srcMem, NULL);
    g_autoptr(virSCSILun) dst = testMemLunOpen(dstMem, NULL);
    g_autofree uint8_t *data = g_malloc(2 * MIB);
    g_autofree uint8_t *back = g_malloc(2 * MIB);
    g_autoptr(GArray) ev = NULL;
    g_autoptr(GError) err = NULL;
    virSCSIReport report;
    bool said = false;
    guint i;

    for (i = 0; i < 2 * MIB; i++)
        data[i] = (uint8_t)(i * 13 + 7);
    testMemLunWrite(srcMem, 100, 2 * MIB / BS, data);
    g_assert_cmpint(dst->plan.ops[VIR_SCSI_PLAN_OP_COPY_REMOTE].method, ==,
                    VIR_SCSI_METHOD_XCOPY_LID1);
    g_assert_cmpint(src->plan.ops[VIR_SCSI_PLAN_OP_COPY_REMOTE].method, ==,
                    VIR_SCSI_METHOD_HOST);
    testMemLunTakeEvents(dstMem);

    virSCSIReportInit(&report);
    virSCSIOffloadCopy(src, 100, dst, 300, 2 * MIB / BS, NULL, &report, &err);
    g_assert_no_error(err);
    for (i = 0; report.events && i < report.events->len; i++) {
        g_test_message("event: %s", (char *)report.events->pdata[i]);
        said |= strstr(report.events->pdata[i], "source LUN cannot take part") != NULL;
    }
    g_assert_true(said);
    virSCSIReportClear(&report);

    ev = testMemLunTakeEvents(dstMem);
    for (i = 0; i < ev->len; i++)
        g_assert_cmpuint(g_array_index(ev, testMemLunEvent, i).opcode, !=, 0x83);
    testMemLunRead(dstMem, 300, 2 * MIB / BS, back);
    g_assert_cmpmem(back, 2 * MIB, data, 2 * MIB);
}


/* A LUN that refuses WRITE SAME (INVALID COMMAND OPERATION CODE): the
 * first zeroing finds out and writes zeros from the host; the next ones,
 * through another view of the LUN too, send no WRITE SAME at all. */
static void
testRefusalRemembered(void)
{
    testMemLunProfile profile = { .blocks = 8 * MIB / BS, .blockSize = BS };
    g_autoptr(testMemLun) mem = testMemLunNew(&profile);
    g_autoptr(virSCSILun) lun = testMemLunOpen(mem, NULL);
    g_autoptr(virSCSILun) view = virSCSILunNewView(lun, testMemLunConnect(mem), NULL, NULL);
    g_autofree uint8_t *back = g_malloc(2 * MIB);
    g_autofree uint8_t *junk = g_malloc(2 * MIB);
    g_autoptr(GError) err = NULL;
    virSCSIReport report;
    virSCSIOffloadOptions opts = { 0 };

    memset(junk, 0xEE, 2 * MIB);
    testMemLunWrite(mem, 0, 2 * MIB / BS, junk);
    testMemLunSetHook(mem, testMemLunRefuseOpcode, GUINT_TO_POINTER(0x93));
    testMemLunTakeEvents(mem);

    virSCSIReportInit(&report);
    g_assert_cmpint(virSCSIOffloadZero(lun, 0, MIB / BS, &opts, &report, &err), ==, 0);
    g_assert_no_error(err);
    virSCSIReportClear(&report);
    g_assert_cmpuint(testMemLunTakeCount(mem, 0x93), ==, 1);
    g_assert_true(virSCSILunRefused(view, VIR_SCSI_METHOD_WRITE_SAME));

    virSCSIReportInit(&report);
    g_assert_cmpint(virSCSIOffloadZero(view, MIB / BS, MIB / BS, &opts, &report, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_true(report.events && report.events->len > 0);
    g_test_message("event: %s", (char *)report.events->pdata[0]);
    virSCSIReportClear(&report);
    g_assert_cmpuint(testMemLunTakeCount(mem, 0x93), ==, 0);
    testMemLunRead(mem, 0, 2 * MIB / BS, back);
    memset(junk, 0, 2 * MIB);
    g_assert_cmpmem(back, 2 * MIB, junk, 2 * MIB);
}


/* --command-blocks: commands of at most that many blocks (whole granules),
 * as many as the range needs, none larger; the data arrives. */
static void
testCommandBlocks(void)
{
    testMemLunProfile copies = { .blocks = 8 * MIB / BS, .blockSize = BS, .xcopy = true };
    g_autoptr(testMemLun) mem = testMemLunNew(&copies);
    g_autoptr(virSCSILun) lun = testMemLunOpen(mem, NULL);
    g_autofree uint8_t *data = g_malloc(2 * MIB);
    g_autofree uint8_t *back = g_malloc(2 * MIB);
    g_autoptr(GError) err = NULL;
    virSCSIOffloadOptions opts = { .commandBlocks = 500, .inflight = 3 };
    virSCSIReport report;
    guint64 nblocks = 2 * MIB / BS;
    guint i;

    for (i = 0; i < 2 * MIB; i++)
        data[i] = (uint8_t)(i * 29 + 3);
    testMemLunWrite(mem, 0, nblocks, data);
    g_assert_cmpuint(lun->plan.ops[VIR_SCSI_PLAN_OP_COPY].maxBlocks, >, 500);
    testMemLunTakeEvents(mem);

    virSCSIReportInit(&report);
    g_assert_cmpint(virSCSIOffloadCopy(lun, 0, lun, 8192, nblocks, &opts, &report, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(report.methods[VIR_SCSI_METHOD_XCOPY_LID1].blocks, ==, nblocks);
    g_assert_cmpuint(report.methods[VIR_SCSI_METHOD_HOST].blocks, ==, 0);
    virSCSIReportClear(&report);
    /* 4096 blocks in commands of at most 500: 9 */
    g_assert_cmpuint(testMemLunTakeCount(mem, 0x83), ==, (nblocks + 499) / 500);
    testMemLunRead(mem, 8192, nblocks, back);
    g_assert_cmpmem(back, 2 * MIB, data, 2 * MIB);
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/copy-plan/from-lun-without-copies", testCopyFromLunWithoutCopies);
    g_test_add_func("/copy-plan/refusal-remembered", testRefusalRemembered);
    g_test_add_func("/copy-plan/command-blocks", testCommandBlocks);
    return g_test_run();
}
