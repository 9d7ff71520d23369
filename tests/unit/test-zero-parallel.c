/*
 * test-zero-parallel.c: a long zeroing runs on several sessions at once
 * (the array works on several WRITE SAME commands while each waits for
 * its round trip), every block gets zeroed once, and a stopped zeroing
 * reports a resume point below which every block is zero.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "memlun.h"
#include "virscsierror.h"
#include "virscsioffload.h"

#define BS 512
#define MAXWS 256                       /* blocks a WRITE SAME */
#define RANGE (64 * MAXWS)              /* 8 chunks of 8 commands */
#define OP_WRITE_SAME_16 0x93

typedef struct {
    virSCSIReport *report;
    uint64_t stopAt;                    /* cancel when a command reaches it */
    gint waitPeer;                      /* the first command waits (up to 10 s)
                                         * for another to reach the medium */
    gint running;                       /* WRITE SAME commands at the medium now */
    gint most;                          /* the most at once */
} testZeroState;


static testMemLunAction
testZeroHook(testMemLun *mem,
             unsigned int session,
             const virSCSICmd *cmd,
             void *opaque)
{
    testZeroState *st = opaque;
    uint64_t lba = 0;
    gint now;
    size_t i;

    if (cmd->cdb[0] != OP_WRITE_SAME_16)
        return TEST_MEM_LUN_RUN;
    for (i = 2; i < 10; i++)
        lba = (lba << 8) | cmd->cdb[i];
    if (st->stopAt && lba >= st->stopAt)
        virSCSIReportCancel(st->report);
    /* Each command takes a while, as on an array: the others overlap it. */
    now = g_atomic_int_add(&st->running, 1) + 1;
    while (TRUE) {
        gint most = g_atomic_int_get(&st->most);

        if (now <= most || g_atomic_int_compare_and_exchange(&st->most, most, now))
            break;
    }
    if (st->waitPeer && now == 1 && g_atomic_int_compare_and_exchange(&st->waitPeer, 1, 0)) {
        gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

        /* However the threads are scheduled: parallel sessions show as a
         * second command arriving while this one is held. */
        while (g_atomic_int_get(&st->running) < 2 && g_get_monotonic_time() < deadline)
            g_usleep(1000);
    }
    g_usleep(2000);
    g_atomic_int_add(&st->running, -1);
    return TEST_MEM_LUN_RUN;
}


static void
testZeroFill(testMemLun *mem)
{
    g_autofree uint8_t *junk = g_malloc((size_t)RANGE * BS);

    memset(junk, 0xA5, (size_t)RANGE * BS);
    testMemLunWrite(mem, 1000, RANGE, junk);
}


static uint64_t
testZeroZeroed(testMemLun *mem,
               uint64_t nblocks)
{
    g_autofree uint8_t *back = g_malloc((size_t)nblocks * BS);
    uint64_t i;

    testMemLunRead(mem, 1000, nblocks, back);
    for (i = 0; i < (uint64_t)nblocks * BS; i++) {
        if (back[i])
            return i / BS;
    }
    return nblocks;
}


static void
testZeroInflight(gconstpointer data)
{
    unsigned int inflight = GPOINTER_TO_UINT(data);
    testMemLunProfile profile = { .blocks = 4 * RANGE, .blockSize = BS, .maxWriteSame = MAXWS };
    g_autoptr(testMemLun) mem = testMemLunNew(&profile);
    g_autoptr(virSCSILun) lun = testMemLunOpen(mem, NULL);
    g_autoptr(GError) err = NULL;
    virSCSIOffloadOptions opts = { .inflight = inflight };
    virSCSIReport report;
    testZeroState st = { .report = &report, .waitPeer = inflight > 1 };
    g_autoptr(GArray) ev = NULL;
    g_autoptr(GHashTable) sessions = g_hash_table_new(NULL, NULL);
    uint64_t covered = 0;
    guint i;

    testZeroFill(mem);
    testMemLunSetHook(mem, testZeroHook, &st);
    testMemLunTakeEvents(mem);
    virSCSIReportInit(&report);
    g_assert_cmpint(virSCSIOffloadZero(lun, 1000, RANGE, &opts, &report, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(report.resumeBlocks, ==, RANGE);
    g_assert_cmpuint(report.methods[VIR_SCSI_METHOD_WRITE_SAME].blocks, ==, RANGE);
    virSCSIReportClear(&report);

    /* Every block zeroed, by exactly one command; how many at once */
    g_assert_cmpuint(testZeroZeroed(mem, RANGE), ==, RANGE);
    ev = testMemLunTakeEvents(mem);
    for (i = 0; i < ev->len; i++) {
        testMemLunEvent *e = &g_array_index(ev, testMemLunEvent, i);

        if (e->opcode != OP_WRITE_SAME_16)
            continue;
        covered += e->nblocks;
        g_hash_table_add(sessions, GUINT_TO_POINTER(e->session + 1));
    }
    g_assert_cmpuint(covered, ==, RANGE);
    g_test_message("inflight %u: %u sessions, at most %d commands at once",
                   inflight, g_hash_table_size(sessions), st.most);
    if (inflight == 1) {
        g_assert_cmpuint(g_hash_table_size(sessions), ==, 1);
        g_assert_cmpint(st.most, ==, 1);
    } else {
        /* (A worker the others leave no chunk to may never send one.) */
        g_assert_cmpuint(g_hash_table_size(sessions), >=, 2);
        g_assert_cmpuint(g_hash_table_size(sessions), <=, inflight);
        g_assert_cmpint(st.most, >, 1);
        g_assert_cmpint(st.most, <=, inflight);
    }
}


/* Stopped half-way: the resume point is a prefix of zeroed blocks, and a
 * second run from it finishes the range. */
static void
testZeroStopped(void)
{
    testMemLunProfile profile = { .blocks = 4 * RANGE, .blockSize = BS, .maxWriteSame = MAXWS };
    g_autoptr(testMemLun) mem = testMemLunNew(&profile);
    g_autoptr(virSCSILun) lun = testMemLunOpen(mem, NULL);
    g_autoptr(GError) err = NULL;
    virSCSIOffloadOptions opts = { .inflight = 4 };
    virSCSIReport report;
    testZeroState st = { .report = &report, .stopAt = 1000 + RANGE / 2 };
    uint64_t resume;

    testZeroFill(mem);
    testMemLunSetHook(mem, testZeroHook, &st);
    virSCSIReportInit(&report);
    g_assert_cmpint(virSCSIOffloadZero(lun, 1000, RANGE, &opts, &report, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_CANCELLED);
    resume = report.resumeBlocks;
    virSCSIReportClear(&report);
    g_test_message("stopped: resume at %llu of %u", (unsigned long long)resume, RANGE);
    g_assert_cmpuint(resume, <=, RANGE / 2);
    g_assert_cmpuint(resume % (8 * MAXWS), ==, 0);
    g_assert_cmpuint(testZeroZeroed(mem, RANGE), >=, resume);
    g_assert_cmpuint(testZeroZeroed(mem, RANGE), <, RANGE);

    g_clear_error(&err);
    st.stopAt = 0;
    opts.resumeBlocks = resume;
    virSCSIReportInit(&report);
    g_assert_cmpint(virSCSIOffloadZero(lun, 1000, RANGE, &opts, &report, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(report.resumeBlocks, ==, RANGE);
    virSCSIReportClear(&report);
    g_assert_cmpuint(testZeroZeroed(mem, RANGE), ==, RANGE);
}


/* On a LUN that deallocates whole granules, chunks end on granule
 * boundaries of the LUN, wherever the range starts: between the partial
 * granules at its two ends nothing stays mapped. */
static void
testZeroGranules(void)
{
    testMemLunProfile profile = { .blocks = 4 * RANGE, .blockSize = BS, .maxWriteSame = MAXWS,
                                  .lbprz = true, .unmapGranularity = 8 };
    g_autoptr(testMemLun) mem = testMemLunNew(&profile);
    g_autoptr(virSCSILun) lun = testMemLunOpen(mem, NULL);
    g_autoptr(GError) err = NULL;
    virSCSIOffloadOptions opts = { .inflight = 4 };
    virSCSIReport report;
    uint64_t start = 1003;                  /* not on a granule boundary */
    uint64_t end = start + RANGE;

    testZeroFill(mem);
    g_assert_cmpint(lun->plan.ops[VIR_SCSI_PLAN_OP_ZERO].method, ==,
                    VIR_SCSI_METHOD_WRITE_SAME_UNMAP);
    virSCSIReportInit(&report);
    g_assert_cmpint(virSCSIOffloadZero(lun, start, RANGE, &opts, &report, &err), ==, 0);
    g_assert_no_error(err);
    virSCSIReportClear(&report);
    g_assert_cmpuint(testMemLunMapped(mem, start + 5, (end - end % 8) - (start + 5)), ==, 0);
}


/* One session fails every command: its worker fails the zeroing, and the
 * other workers stop at their next command (each has at most the one it
 * was sending), not at the end of their chunk: with a target that is
 * gone, every command left in a chunk would wait out its timeout. */
typedef struct {
    unsigned int failing;               /* the session whose commands fail */
} testZeroFailState;


static testMemLunAction
testZeroFailHook(testMemLun *mem,
                 unsigned int session,
                 const virSCSICmd *cmd,
                 void *opaque)
{
    testZeroFailState *st = opaque;

    if (session == st->failing)
        return TEST_MEM_LUN_FAIL;
    if (cmd->cdb[0] == OP_WRITE_SAME_16)
        g_usleep(20000);                /* the others' commands take a while */
    return TEST_MEM_LUN_RUN;
}


static void
testZeroOneFails(void)
{
    testMemLunProfile profile = { .blocks = 4 * RANGE, .blockSize = BS, .maxWriteSame = MAXWS };
    g_autoptr(testMemLun) mem = testMemLunNew(&profile);
    g_autoptr(virSCSILun) lun = testMemLunOpen(mem, NULL);
    g_autoptr(GError) err = NULL;
    virSCSIOffloadOptions opts = { .inflight = 4 };
    testZeroFailState st = { 0 };
    virSCSIReport report;
    g_autoptr(GArray) ev = NULL;
    gint64 lastFailure = 0;
    guint after = 0;
    guint i;

    testZeroFill(mem);
    testMemLunTakeEvents(mem);
    /* the LUN's own session is the memlun's first; the workers' the next */
    st.failing = 1;
    testMemLunSetHook(mem, testZeroFailHook, &st);
    virSCSIReportInit(&report);
    g_assert_cmpint(virSCSIOffloadZero(lun, 1000, RANGE, &opts, &report, &err), ==, -1);
    g_assert_nonnull(err);
    g_test_message("failed: %s", err->message);
    /* the first failure is the one reported, not "cancelled" */
    g_assert_false(g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_CANCELLED));
    virSCSIReportClear(&report);
    testMemLunSetHook(mem, NULL, NULL);

    ev = testMemLunTakeEvents(mem);
    for (i = 0; i < ev->len; i++) {
        testMemLunEvent *e = &g_array_index(ev, testMemLunEvent, i);

        if (e->session == st.failing)
            lastFailure = MAX(lastFailure, e->arrivedUs);
    }
    g_assert_cmpint(lastFailure, >, 0);
    for (i = 0; i < ev->len; i++) {
        testMemLunEvent *e = &g_array_index(ev, testMemLunEvent, i);

        if (e->session != st.failing && e->issuedUs > lastFailure)
            after++;
    }
    g_test_message("commands the other sessions sent after the last failure: %u "
                   "(of %u events)", after, ev->len);
    /* at most one each of the 3 others (sent as the stop was being set) */
    g_assert_cmpuint(after, <=, 3);
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/zero-parallel/one-session", GUINT_TO_POINTER(1), testZeroInflight);
    g_test_add_data_func("/zero-parallel/four-sessions", GUINT_TO_POINTER(4), testZeroInflight);
    g_test_add_func("/zero-parallel/stopped", testZeroStopped);
    g_test_add_func("/zero-parallel/granules", testZeroGranules);
    g_test_add_func("/zero-parallel/one-fails", testZeroOneFails);
    return g_test_run();
}
