/*
 * test-vaai-fence.c: a host whose fence ran out issues no more writes,
 * whatever path the operation is on; a stalled data command does not
 * starve the heartbeat; zeros never rest on UNMAP.
 *
 * The in-memory LUN (memlun.h) logs when each command was handed to it.
 * The heartbeat is made to fail from a chosen moment, so the fence
 * (T/2 after the last renewal was issued) runs out while an operation
 * moves data; every write to the data area must have been issued before
 * that, on the plain path, after a WRITE SAME refusal (host writes), after
 * BUSY (retries), and in a host copy whose READs are slow.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "mempool.h"
#include "storage_vaai_volume.h"
#include "virscsibytes.h"
#include "virscsierror.h"

#define BS 512
#define MIB (1024 * 1024)
#define T_MS 1000
#define P_MS 100
/* A command checked just before the fence ran out reaches the target a
 * little later, more on a loaded machine; the hooks below hold the
 * commands of an unchecked path until LATE_US past the fence, so it shows
 * far beyond this. */
#define SLACK_US (200 * 1000)
#define LATE_US (400 * 1000)

typedef enum {
    FENCE_SLOW_PIECES,      /* WRITE SAME pieces, each slow */
    FENCE_FALLBACK,         /* a WRITE SAME fails: the host writes that piece */
    FENCE_BUSY,             /* WRITE SAME keeps answering BUSY */
    FENCE_UNIT_ATTENTION,   /* a WRITE SAME draws a UNIT ATTENTION: resent */
    FENCE_HOST_COPY,        /* a clone through the host, its READs slow */
    FENCE_XCOPY_FALLBACK,   /* an EXTENDED COPY fails: the host copies that piece */
} testFenceCase;

typedef struct {
    testMemLun *mem;
    virSCSILun *lun;
    virStorageVaaiPool *pool;
    virStorageVaaiSession *session;

    testFenceCase which;
    gint64 failHeartbeatFrom;   /* 0: heartbeat works */
    gint64 failUntil;           /* ...until then; 0: for ever */
    bool failTable;             /* volume table writes fail too */
    uint64_t stallWriteUs;      /* one data write stalls this long once */
    bool stalled;
} testFence;


static bool
testIsHeartbeat(testFence *f,
                uint64_t lba)
{
    const virStorageVaaiHeader *h = &f->pool->header;

    return lba >= h->heartbeatLba && lba < h->heartbeatLba + h->heartbeatSlots;
}


/* Hold a command until LATE_US past the latest the fence can run out when
 * the heartbeat fails from @failFrom (the last renewal was issued before
 * it): an unchecked path's next command then goes out that late. */
static void
testSleepPastFence(gint64 failFrom)
{
    gint64 until = failFrom + T_MS * 1000 / 2 + LATE_US;
    gint64 now = testMemLunNowUs();

    if (until > now)
        g_usleep(until - now);
}


static testMemLunAction
testFenceHook(testMemLun *mem G_GNUC_UNUSED,
              unsigned int session G_GNUC_UNUSED,
              const virSCSICmd *cmd,
              void *opaque)
{
    testFence *f = opaque;
    uint64_t lba = 0;
    gint64 failFrom = __atomic_load_n(&f->failHeartbeatFrom, __ATOMIC_SEQ_CST);
    bool data;

    if (cmd->cdb[0] == 0x88 || cmd->cdb[0] == 0x8A || cmd->cdb[0] == 0x93 ||
        cmd->cdb[0] == 0x89)
        lba = virSCSIGetBE64(cmd->cdb + 2);
    if (cmd->cdb[0] == 0x89 &&
        (testIsHeartbeat(f, lba) ||
         (f->failTable && lba >= f->pool->header.volumeTableLba &&
          lba < f->pool->header.dataLba))) {
        gint64 now = testMemLunNowUs();

        return failFrom && now >= failFrom && (!f->failUntil || now < f->failUntil) ?
            TEST_MEM_LUN_FAIL : TEST_MEM_LUN_RUN;
    }

    data = lba >= f->pool->header.dataLba || cmd->cdb[0] == 0x83;
    if (!data || !failFrom)
        return TEST_MEM_LUN_RUN;
    if (f->stallWriteUs && cmd->cdb[0] == 0x93 && !f->stalled) {
        f->stalled = true;
        g_usleep(f->stallWriteUs);
        return TEST_MEM_LUN_RUN;
    }
    switch (f->which) {
    case FENCE_SLOW_PIECES:
        if (cmd->cdb[0] == 0x93)
            g_usleep(20 * 1000);
        break;
    case FENCE_FALLBACK:
        /* Fails once the fence surely ran out: the piece's host writes
         * follow at once. */
        if (cmd->cdb[0] == 0x93) {
            testSleepPastFence(failFrom);
            return TEST_MEM_LUN_WRITE_ERROR;
        }
        break;
    case FENCE_BUSY:
        if (cmd->cdb[0] == 0x93) {
            g_usleep(20 * 1000);
            return TEST_MEM_LUN_BUSY;
        }
        break;
    case FENCE_UNIT_ATTENTION:
        /* Answered once the fence surely ran out: the resend follows at
         * once (virSCSITransportExecRetry). */
        if (cmd->cdb[0] == 0x93) {
            testSleepPastFence(failFrom);
            return TEST_MEM_LUN_UNIT_ATTENTION;
        }
        break;
    case FENCE_XCOPY_FALLBACK:
        /* Slow enough to be running when the heartbeat fails; the one in
         * flight then fails once the fence surely ran out, and the host
         * copies its piece at once (READ, then WRITE). */
        if (cmd->cdb[0] == 0x83) {
            if (testMemLunNowUs() < failFrom) {
                g_usleep(200 * 1000);   /* 4 copy workers at once */
                return TEST_MEM_LUN_RUN;
            }
            testSleepPastFence(failFrom);
            return TEST_MEM_LUN_WRITE_ERROR;
        }
        break;
    case FENCE_HOST_COPY:
        /* The READs in flight end once the fence surely ran out: their
         * WRITEs follow at once. */
        if (cmd->cdb[0] == 0x88)
            testSleepPastFence(failFrom);
        break;
    }
    return TEST_MEM_LUN_RUN;
}


static void
testFenceOpen(testFence *f,
              bool lbprz,
              bool ignoreUnmap)
{
    testMemLunProfile profile = {
        .blocks = 128 * MIB / BS, .blockSize = BS,
        .lbprz = lbprz, .ignoreUnmap = ignoreUnmap,
        .maxWriteSame = f->which == FENCE_SLOW_PIECES ? 256 : 0,
        .xcopy = f->which == FENCE_XCOPY_FALLBACK,
    };
    testMemPool tp;

    testMemPoolOpen(&tp, &profile, "fence", 16, T_MS, P_MS, true);
    f->mem = tp.mem;
    f->lun = tp.lun;
    f->pool = tp.pool;
    f->session = tp.session;
    testMemLunSetHook(f->mem, testFenceHook, f);
}


static void
testFenceClose(testFence *f)
{
    testMemPool tp = { f->mem, f->lun, f->pool, f->session };

    testMemPoolClose(&tp);
}


static bool
testErrorIsFenced(const GError *err)
{
    return g_error_matches(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FENCED) ||
           g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_FENCED);
}


static void
testFenceStopsWrites(gconstpointer data)
{
    testFence f = { .which = GPOINTER_TO_INT(data) };
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) ev = NULL;
    gint64 lastRenewal = 0;
    gint64 lastWrite = 0;
    size_t late = 0;
    guint i;
    int rc;

    testFenceOpen(&f, false, false);
    if (f.which == FENCE_HOST_COPY || f.which == FENCE_XCOPY_FALLBACK) {
        g_assert_cmpint(virStorageVaaiVolCreate(f.session, "src", 32 * MIB, NULL, NULL,
                                                NULL, &err), ==, 0);
    }
    g_usleep(3 * P_MS * 1000);
    __atomic_store_n(&f.failHeartbeatFrom, testMemLunNowUs() + P_MS * 1000, __ATOMIC_SEQ_CST);
    if (f.which == FENCE_HOST_COPY || f.which == FENCE_XCOPY_FALLBACK)
        rc = virStorageVaaiVolClone(f.session, NULL, "src", "copy", 0, NULL, NULL, NULL, &err);
    else
        rc = virStorageVaaiVolCreate(f.session, "v", 32 * MIB, NULL, NULL, NULL, &err);

    g_assert_cmpint(rc, ==, -1);
    g_assert_true(testErrorIsFenced(err));

    ev = testMemLunTakeEvents(f.mem);
    for (i = 0; i < ev->len; i++) {
        const testMemLunEvent *e = &g_array_index(ev, testMemLunEvent, i);

        if (e->opcode == 0x89 && testIsHeartbeat(&f, e->lba) && e->action == TEST_MEM_LUN_RUN)
            lastRenewal = MAX(lastRenewal, e->issuedUs);
    }
    /* The fence ran out at most T/2 after the last renewal was issued. */
    for (i = 0; i < ev->len; i++) {
        const testMemLunEvent *e = &g_array_index(ev, testMemLunEvent, i);

        if (!e->writes || e->lba < f.pool->header.dataLba)
            continue;
        lastWrite = MAX(lastWrite, e->issuedUs);
        if (e->issuedUs > lastRenewal + T_MS * 1000 / 2 + SLACK_US)
            late++;
    }
    g_test_message("last data write issued %.0f ms after the last renewal",
                   (lastWrite - lastRenewal) / 1000.0);
    if (late)
        g_printerr("%zu data writes issued after the fence ran out (the last %.0f ms after)\n",
                   late, (lastWrite - lastRenewal - T_MS * 1000 / 2) / 1000.0);
    g_assert_cmpuint(late, ==, 0);
    g_assert_cmpint(lastWrite, >, 0);
    testFenceClose(&f);
}


/* A create stopped by its fence while the table was unreachable too, so
 * that it could not even roll its record back: the record stays busy in
 * this process's name.  Returns once heartbeat and table work again. */
static void
testFenceLeaveStuckRecord(testFence *f)
{
    g_autoptr(GError) err = NULL;
    gint64 from;

    g_usleep(3 * P_MS * 1000);
    from = testMemLunNowUs() + P_MS * 1000;
    /* Long enough past the fence that the operation stops (at its next
     * command) while the table is still unreachable, even on a loaded
     * machine. */
    f->failUntil = from + T_MS * 1000 / 2 + 800 * 1000;
    __atomic_store_n(&f->failHeartbeatFrom, from, __ATOMIC_SEQ_CST);
    g_assert_cmpint(virStorageVaaiVolCreate(f->session, "v", 32 * MIB, NULL, NULL, NULL,
                                            &err), ==, -1);
    g_assert_true(testErrorIsFenced(err));
    g_usleep(MAX(f->failUntil - testMemLunNowUs(), 0) + 3 * P_MS * 1000);
}


/* Once the fence stands again, recovery in the same process rolls such a
 * record back (it used to skip this process's records). */
static void
testFenceOwnRecordRecovered(void)
{
    testFence f = { .which = FENCE_SLOW_PIECES, .failTable = true };
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(virStorageVaaiTable) t = NULL;
    uint32_t busy = 0;
    uint32_t i;

    testFenceOpen(&f, false, false);
    testFenceLeaveStuckRecord(&f);
    t = virStorageVaaiTableNew(&f.pool->header);
    g_assert_cmpint(virStorageVaaiTableRead(f.pool, t, &err), ==, 0);
    for (i = 0; i < t->count; i++)
        busy += t->status[i] == VIR_STORAGE_VAAI_RECORD_VALID &&
                virStorageVaaiVolStateBusy(t->recs[i].state);
    g_assert_cmpuint(busy, ==, 1);

    g_assert_cmpint(virStorageVaaiVolRecover(f.session, 0, NULL, NULL, log, &err), ==, 1);
    g_assert_no_error(err);
    g_assert_cmpint(virStorageVaaiTableRead(f.pool, t, &err), ==, 0);
    for (i = 0; i < t->count; i++)
        g_assert_false(t->status[i] == VIR_STORAGE_VAAI_RECORD_VALID &&
                       t->recs[i].state != VIR_STORAGE_VAAI_VOL_FREE);
    /* ...and the pool works on: the name is free again. */
    g_assert_cmpint(virStorageVaaiVolCreate(f.session, "v", 1 * MIB, NULL, NULL, NULL,
                                            &err), ==, 0);
    g_assert_no_error(err);
    testFenceClose(&f);
}


/* Another host recovers a dead host's stuck record while its pool runs:
 * its long-lived watcher has seen the dead host's heartbeat stand still
 * for T, and one pass finishes the job; not before T. */
static void
testFenceRecoveredWhileRunning(void)
{
    testFence f = { .which = FENCE_SLOW_PIECES, .failTable = true };
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(virStorageVaaiWatcher) watcher = NULL;
    virStorageVaaiSession *other;
    virStorageVaaiHost b;
    gint64 killed;
    gint64 recoveredAt = 0;
    int handled = 0;

    testFenceOpen(&f, false, false);
    testMemPoolHost(&b, 2);
    other = virStorageVaaiSessionJoin(f.pool, &b, &err);
    g_assert_no_error(err);
    watcher = virStorageVaaiWatcherNew(f.pool);
    testFenceLeaveStuckRecord(&f);

    /* The host dies: its heartbeat stops, its record stays busy. */
    virStorageVaaiSessionAbandon(f.session);
    f.session = NULL;
    killed = g_get_monotonic_time();
    while (g_get_monotonic_time() < killed + 3 * T_MS * 1000) {
        g_assert_cmpint(virStorageVaaiWatcherUpdate(watcher, &err), ==, 0);
        handled = virStorageVaaiVolRecoverPass(other, watcher, log, &err);
        g_assert_no_error(err);
        if (handled > 0) {
            recoveredAt = g_get_monotonic_time();
            break;
        }
        g_usleep(P_MS * 1000);
    }
    g_assert_cmpint(handled, ==, 1);
    g_assert_cmpint(recoveredAt - killed, >=, T_MS * 1000);
    g_test_message("recovered %.1f s after the host died: %s",
                   (recoveredAt - killed) / 1e6, (char *)log->pdata[0]);
    f.session = other;
    testFenceClose(&f);
}


/* A host whose heartbeat slot another host took over (it was presumed
 * dead) is fenced for good under its identity; it joins again with a new
 * one and works on. */
static void
testFenceRejoin(void)
{
    testFence f = { .which = FENCE_SLOW_PIECES };
    g_autoptr(GError) err = NULL;
    g_autofree uint8_t *slot = g_new0(uint8_t, BS);
    const virStorageVaaiHeader *h;
    virStorageVaaiSession *other;
    virStorageVaaiHost b;
    uint64_t oldIncarnation;
    gint64 deadline;

    testFenceOpen(&f, false, false);
    h = &f.pool->header;
    testMemPoolHost(&b, 2);
    other = virStorageVaaiSessionJoin(f.pool, &b, &err);
    g_assert_no_error(err);
    oldIncarnation = virStorageVaaiSessionHost(f.session)->incarnation;

    /* The other host's record lands in this host's slot, as a takeover
     * of a slot stale for T would put it there. */
    testMemLunRead(f.mem, h->heartbeatLba + virStorageVaaiSessionSlot(other), 1, slot);
    testMemLunWrite(f.mem, h->heartbeatLba + virStorageVaaiSessionSlot(f.session), 1, slot);
    deadline = g_get_monotonic_time() + 30 * P_MS * 1000;
    while (!virStorageVaaiSessionFenced(f.session) && g_get_monotonic_time() < deadline)
        g_usleep(P_MS * 1000 / 4);
    g_assert_true(virStorageVaaiSessionFenced(f.session));
    g_assert_cmpint(virStorageVaaiVolCreate(f.session, "v", MIB, NULL, NULL, NULL, &err),
                    ==, -1);
    g_assert_true(testErrorIsFenced(err));
    g_clear_error(&err);

    g_assert_cmpint(virStorageVaaiSessionRejoin(f.session, &err), ==, 1);
    g_assert_no_error(err);
    g_assert_cmpuint(virStorageVaaiSessionHost(f.session)->incarnation, !=, oldIncarnation);
    g_assert_cmpint(virStorageVaaiVolCreate(f.session, "v", MIB, NULL, NULL, NULL, &err),
                    ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(virStorageVaaiSessionRejoin(f.session, &err), ==, 0);
    virStorageVaaiSessionLeave(other);
    testFenceClose(&f);
}


/* A data command that takes longer than the fence does not hold up the
 * renewals: the heartbeat has a session of its own. */
static void
testFenceStallDoesNotStarve(void)
{
    testFence f = { .which = FENCE_SLOW_PIECES };
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) ev = NULL;
    size_t renewals = 0;
    gint64 stallFrom = 0;
    guint i;

    f.stallWriteUs = 3 * T_MS * 1000 / 4;
    testFenceOpen(&f, false, false);
    /* No heartbeat failure: "failHeartbeatFrom" only arms the data hook. */
    __atomic_store_n(&f.failHeartbeatFrom, G_MAXINT64, __ATOMIC_SEQ_CST);
    g_assert_cmpint(virStorageVaaiVolCreate(f.session, "v", 1 * MIB, NULL, NULL, NULL,
                                            &err), ==, 0);
    g_assert_no_error(err);
    ev = testMemLunTakeEvents(f.mem);
    for (i = 0; i < ev->len; i++) {
        const testMemLunEvent *e = &g_array_index(ev, testMemLunEvent, i);

        if (e->opcode == 0x93 && e->lba >= f.pool->header.dataLba && !stallFrom)
            stallFrom = e->arrivedUs - f.stallWriteUs;
    }
    g_assert_cmpint(stallFrom, >, 0);
    for (i = 0; i < ev->len; i++) {
        const testMemLunEvent *e = &g_array_index(ev, testMemLunEvent, i);

        if (e->opcode == 0x89 && testIsHeartbeat(&f, e->lba) &&
            e->arrivedUs > stallFrom && e->arrivedUs < stallFrom + (gint64)f.stallWriteUs)
            renewals++;
    }
    /* P = 100 ms, a 750 ms stall: about 7 renewals (2 leave room for a
     * loaded machine); none if they queued behind the stalled command. */
    g_assert_cmpuint(renewals, >=, 2);
    g_assert_true(virStorageVaaiSessionFresh(f.session, virStorageVaaiSessionEpoch(f.session)));
    testFenceClose(&f);
}


/* A target may complete UNMAP without unmapping (SBC allows it): a new
 * volume must read as zeros all the same. */
static void
testZerosWithoutUnmap(void)
{
    testFence f = { .which = FENCE_SLOW_PIECES };
    g_autoptr(GError) err = NULL;
    g_autofree uint8_t *junk = NULL;
    g_autofree uint8_t *back = NULL;
    virStorageVaaiVolRecord rec;
    uint64_t data;
    uint64_t n;
    uint64_t i;
    int rc;

    testFenceOpen(&f, true, true);
    data = f.pool->header.dataLba;
    n = f.pool->header.dataEndLba - data;
    junk = g_new(uint8_t, n * BS);
    memset(junk, 0xa5, n * BS);
    testMemLunWrite(f.mem, data, n, junk);

    rc = virStorageVaaiVolCreate(f.session, "v", 4 * MIB, NULL, NULL, &rec, &err);
    g_assert_no_error(err);
    g_assert_cmpint(rc, ==, 0);
    back = g_new(uint8_t, rec.extentLength * BS);
    testMemLunRead(f.mem, rec.extentStart, rec.extentLength, back);
    for (i = 0; i < rec.extentLength * BS; i++) {
        if (back[i]) {
            g_printerr("byte %llu of the new volume is 0x%02x\n",
                       (unsigned long long)i, back[i]);
            break;
        }
    }
    g_assert_cmpuint(i, ==, rec.extentLength * BS);
    testFenceClose(&f);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/vaai/fence/slow-pieces", GINT_TO_POINTER(FENCE_SLOW_PIECES),
                         testFenceStopsWrites);
    g_test_add_data_func("/vaai/fence/write-same-fails", GINT_TO_POINTER(FENCE_FALLBACK),
                         testFenceStopsWrites);
    g_test_add_data_func("/vaai/fence/busy-retries", GINT_TO_POINTER(FENCE_BUSY),
                         testFenceStopsWrites);
    g_test_add_data_func("/vaai/fence/unit-attention-resend",
                         GINT_TO_POINTER(FENCE_UNIT_ATTENTION), testFenceStopsWrites);
    g_test_add_data_func("/vaai/fence/host-copy", GINT_TO_POINTER(FENCE_HOST_COPY),
                         testFenceStopsWrites);
    g_test_add_data_func("/vaai/fence/xcopy-fallback", GINT_TO_POINTER(FENCE_XCOPY_FALLBACK),
                         testFenceStopsWrites);
    g_test_add_func("/vaai/fence/own-stuck-record-recovered", testFenceOwnRecordRecovered);
    g_test_add_func("/vaai/fence/recovered-while-running", testFenceRecoveredWhileRunning);
    g_test_add_func("/vaai/fence/rejoin", testFenceRejoin);
    g_test_add_func("/vaai/fence/stall-does-not-starve-heartbeat",
                    testFenceStallDoesNotStarve);
    g_test_add_func("/vaai/zero/target-ignores-unmap", testZerosWithoutUnmap);
    return g_test_run();
}
