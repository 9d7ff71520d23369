/*
 * test-vaai-reserve.c: a host presumed dead is fenced at the array.
 *
 * Host A stops (its heartbeat stands still) with a WRITE SAME of a new
 * volume queued at the target.  Host B, on sessions of its own, sees it
 * dead for T, recovers its work, and gives the freed extent to a volume
 * of its own that a guest fills.  Then A's queued command reaches the
 * medium.  In a pool fenced by reservation B's recovery removed A's key
 * with PREEMPT AND ABORT first: the command is aborted, B's data is
 * intact, and A finds itself fenced when it runs again (its next renewal
 * draws RESERVATION CONFLICT), joins again under a new key and works on.
 * In a pool fenced by heartbeat alone the same command lands and destroys
 * B's data: the case the reservation exists for, shown so that this test
 * could fail.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "mempool.h"
#include "storage_vaai_fence.h"
#include "storage_vaai_table.h"
#include "storage_vaai_volume.h"
#include "virscsibytes.h"
#include "virscsicommands.h"
#include "virscsierror.h"

#define BS 512
#define MIB (1024 * 1024)
#define T_MS 1000
#define P_MS 100
#define VOL_BYTES (4 * MIB)

typedef struct {
    testMemLun *mem;
    virStorageVaaiPool *pool;           /* A's; B opens its own */
    uint32_t slotA;                     /* A's heartbeat slot */
    gint armed;                         /* A is "stopped" from now on */
    gint held;                          /* the one queued command is held */
    gint release;                       /* ...until this is set */
    gint heartbeatBack;                 /* A's heartbeat may be written again */
    uint64_t heldLba;
    uint64_t heldBlocks;
} testReserve;


static testMemLunAction
testReserveHook(testMemLun *mem G_GNUC_UNUSED,
                unsigned int session G_GNUC_UNUSED,
                const virSCSICmd *cmd,
                void *opaque)
{
    testReserve *r = opaque;
    const virStorageVaaiHeader *h = &r->pool->header;
    uint64_t lba;

    if (!g_atomic_int_get(&r->armed))
        return TEST_MEM_LUN_RUN;
    lba = (cmd->cdb[0] == 0x89 || cmd->cdb[0] == 0x93) ? virSCSIGetBE64(cmd->cdb + 2) : 0;

    /* A stopped: its heartbeat stands still (a renewal that fails is as
     * good as one never sent).  A renewal is A's record (UUID bytes all 1,
     * at offset 8 of the block) in the second half of the COMPARE AND
     * WRITE's data; B freeing the slot writes zeros. */
    if (cmd->cdb[0] == 0x89 && lba == h->heartbeatLba + r->slotA &&
        cmd->dataLen == 2 * BS && ((const uint8_t *)cmd->data)[BS + 8] == 1 &&
        !g_atomic_int_get(&r->heartbeatBack))
        return TEST_MEM_LUN_FAIL;

    /* A's first data write is queued at the target while A is stopped. */
    if (cmd->cdb[0] == 0x93 && lba >= h->dataLba &&
        g_atomic_int_compare_and_exchange(&r->held, 0, 1)) {
        r->heldLba = lba;
        r->heldBlocks = virSCSIGetBE32(cmd->cdb + 10);
        while (!g_atomic_int_get(&r->release))
            g_usleep(10 * 1000);
    }
    return TEST_MEM_LUN_RUN;
}


typedef struct {
    virStorageVaaiSession *session;
    int rc;
    GError *err;
} testReserveCreate;


static gpointer
testReserveCreateThread(gpointer opaque)
{
    testReserveCreate *c = opaque;

    c->rc = virStorageVaaiVolCreate(c->session, "v", VOL_BYTES, NULL, NULL, NULL, &c->err);
    return NULL;
}


static void
testReserveStoppedHost(gconstpointer data)
{
    bool reservations = GPOINTER_TO_INT(data);
    testMemLunProfile profile = {
        .blocks = 64 * MIB / BS, .blockSize = BS, .reservations = true,
    };
    virStorageVaaiFormatOptions fo = {
        .name = "reserve", .volumeRecords = 16, .reservations = reservations,
        .leaseTimeoutMs = T_MS, .heartbeatIntervalMs = P_MS,
    };
    testReserve r = { 0 };
    testReserveCreate c = { 0 };
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func(g_free);
    g_autofree uint8_t *pattern = g_malloc(VOL_BYTES);
    g_autofree uint8_t *back = g_malloc(VOL_BYTES);
    virStorageVaaiHost a, b;
    virStorageVaaiHeader header;
    virStorageVaaiVolRecord w;
    virSCSILun *lunA, *lunB;
    virStorageVaaiPool *poolB;
    virStorageVaaiSession *sa, *sb;
    GThread *thread;
    gint64 deadline;
    size_t i;

    testMemPoolHost(&a, 1);
    testMemPoolHost(&b, 2);
    fo.hostUuid = a.uuid;
    r.mem = testMemLunNew(&profile);
    lunA = testMemLunOpen(r.mem, &err);
    g_assert_no_error(err);
    g_assert_cmpint(virStorageVaaiPoolFormat(lunA, &fo, &header, &err), ==, 0);
    g_assert_no_error(err);

    /* Each host has its own sessions to the LUN, as two machines do. */
    r.pool = virStorageVaaiPoolOpen(lunA, true, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(virStorageVaaiPoolFencing(r.pool), ==,
                    reservations ? "reservation" : "heartbeat");
    lunB = testMemLunOpen(r.mem, &err);
    g_assert_no_error(err);
    poolB = virStorageVaaiPoolOpen(lunB, true, &err);
    g_assert_no_error(err);
    sa = virStorageVaaiSessionJoin(r.pool, &a, &err);
    g_assert_no_error(err);
    sb = virStorageVaaiSessionJoin(poolB, &b, &err);
    g_assert_no_error(err);
    r.slotA = virStorageVaaiSessionSlot(sa);
    testMemLunSetHook(r.mem, testReserveHook, &r);

    /* A stops with its create's WRITE SAME queued at the target. */
    g_atomic_int_set(&r.armed, 1);
    c.session = sa;
    thread = g_thread_new("create", testReserveCreateThread, &c);
    deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!g_atomic_int_get(&r.held) && g_get_monotonic_time() < deadline)
        g_usleep(10 * 1000);
    g_assert_true(g_atomic_int_get(&r.held));

    /* B sees A dead for T and rolls A's create back... */
    virStorageVaaiVolRecover(sb, 10 * T_MS, NULL, NULL, log, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(log->len, >=, 1);
    for (i = 0; i < log->len; i++)
        g_test_message("recovery: %s", (char *)log->pdata[i]);

    /* Only A was presumed dead: B's own slot, renewed all along, stays. */
    for (i = 0; i < log->len; i++)
        g_assert_null(strstr(log->pdata[i], "host 'host-2'"));
    /* ...and the freed extent goes to B's volume, which a guest fills. */
    g_assert_cmpint(virStorageVaaiVolCreate(sb, "w", VOL_BYTES, NULL, NULL, &w, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(w.extentStart, <, r.heldLba + r.heldBlocks);
    g_assert_cmpuint(r.heldLba, <, w.extentStart + w.extentLength);
    for (i = 0; i < VOL_BYTES; i++)
        pattern[i] = (uint8_t)(i * 7 + 1);
    testMemLunWrite(r.mem, w.extentStart, VOL_BYTES / BS, pattern);

    /* A runs again: the queued command reaches the medium, or not. */
    g_atomic_int_set(&r.release, 1);
    g_thread_join(thread);
    g_assert_cmpint(c.rc, ==, -1);
    g_test_message("A's create: %s", c.err->message);
    g_clear_error(&c.err);
    testMemLunRead(r.mem, w.extentStart, VOL_BYTES / BS, back);
    {
        g_autoptr(GArray) ev = testMemLunTakeEvents(r.mem);
        testMemLunAction held = TEST_MEM_LUN_FAIL;

        for (i = 0; i < ev->len; i++) {
            const testMemLunEvent *e = &g_array_index(ev, testMemLunEvent, i);

            if (e->opcode == 0x93 && e->lba == r.heldLba)
                held = e->action;
        }
        g_assert_cmpint(held, ==, reservations ? TEST_MEM_LUN_ABORTED : TEST_MEM_LUN_RUN);
    }

    if (!reservations) {
        /* What fencing by heartbeat alone cannot prevent. */
        g_assert_true(memcmp(back, pattern, VOL_BYTES) != 0);
    } else {
        g_assert_true(memcmp(back, pattern, VOL_BYTES) == 0);

        /* A learns it was fenced from the array at its next renewal, joins
         * again with a new key and works on. */
        g_atomic_int_set(&r.heartbeatBack, 1);
        deadline = g_get_monotonic_time() + 10 * T_MS * 1000;
        while (!virStorageVaaiSessionFenced(sa) && g_get_monotonic_time() < deadline)
            g_usleep(P_MS * 1000 / 4);
        g_assert_true(virStorageVaaiSessionFenced(sa));
        g_assert_cmpint(virStorageVaaiSessionRejoin(sa, &err), ==, 1);
        g_assert_no_error(err);
        g_assert_cmpint(virStorageVaaiVolCreate(sa, "v2", MIB, NULL, NULL, NULL, &err), ==, 0);
        g_assert_no_error(err);
        testMemLunRead(r.mem, w.extentStart, VOL_BYTES / BS, back);
        g_assert_true(memcmp(back, pattern, VOL_BYTES) == 0);
    }

    testMemLunSetHook(r.mem, NULL, NULL);
    virStorageVaaiSessionLeave(sa);
    virStorageVaaiSessionLeave(sb);
    virStorageVaaiPoolFree(poolB);
    virStorageVaaiPoolFree(r.pool);
    virSCSILunFree(lunB);
    virSCSILunFree(lunA);
    testMemLunFree(r.mem);
}


/* A pool fenced by reservation cannot be formatted on a LUN without
 * them; on one with them, every session a host opens registers its key,
 * the reservation stands while anyone is registered, and leaving takes
 * all of it away. */
static void
testReserveRegistrations(void)
{
    testMemLunProfile plain = { .blocks = 16 * MIB / BS, .blockSize = BS };
    testMemLunProfile pr = { .blocks = 16 * MIB / BS, .blockSize = BS, .reservations = true };
    virStorageVaaiFormatOptions fo = { .name = "r", .volumeRecords = 8, .reservations = true };
    g_autoptr(testMemLun) mem = testMemLunNew(&plain);
    g_autoptr(virSCSILun) lun = testMemLunOpen(mem, NULL);
    g_autoptr(testMemLun) prMem = testMemLunNew(&pr);
    g_autoptr(virSCSILun) prLun = testMemLunOpen(prMem, NULL);
    g_autoptr(virSCSITransport) probe = testMemLunConnect(prMem);
    g_autoptr(virStorageVaaiPool) pool = NULL;
    g_autoptr(GError) err = NULL;
    uint8_t uuid[VIR_STORAGE_VAAI_UUID_LEN] = { 0 };
    virStorageVaaiHeader header;
    virStorageVaaiSession *s;
    virStorageVaaiHost host;
    virSCSIPrReservation res;
    virSCSIPrKeys keys;
    uint64_t key;
    size_t i, mine = 0;

    g_assert_cmpint(virStorageVaaiPoolFormat(lun, &fo, &header, &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_UNSUPPORTED);
    g_clear_error(&err);
    fo.singleHost = true;
    g_assert_cmpint(virStorageVaaiPoolFormat(prLun, &fo, &header, &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    g_clear_error(&err);
    fo.singleHost = false;

    /* The key is never 0 (no key, to the target), and differs between
     * incarnations. */
    g_assert_cmpuint(virStorageVaaiFenceKey(uuid, 0), ==, 1);
    g_assert_cmpuint(virStorageVaaiFenceKey(uuid, 5), !=, virStorageVaaiFenceKey(uuid, 6));

    g_assert_cmpint(virStorageVaaiPoolFormat(prLun, &fo, &header, &err), ==, 0);
    g_assert_no_error(err);
    pool = virStorageVaaiPoolOpen(prLun, true, &err);
    g_assert_no_error(err);
    testMemPoolHost(&host, 1);
    key = virStorageVaaiFenceKey(host.uuid, host.incarnation);
    s = virStorageVaaiSessionJoin(pool, &host, &err);
    g_assert_no_error(err);
    g_assert_cmpint(virStorageVaaiVolCreate(s, "v", MIB, NULL, NULL, NULL, &err), ==, 0);
    g_assert_no_error(err);

    /* The pool's session and the heartbeat's; the create's extra sessions
     * left with their keys. */
    g_assert_cmpint(virSCSICommandReadKeys(probe, &keys, &err), ==, 0);
    for (i = 0; i < keys.nkeys; i++)
        mine += keys.keys[i] == key;
    g_assert_cmpuint(mine, ==, keys.nkeys);
    g_assert_cmpuint(mine, ==, 2);
    virSCSIPrKeysClear(&keys);
    g_assert_cmpint(virSCSICommandReadReservation(probe, &res, &err), ==, 0);
    g_assert_true(res.reserved);
    g_assert_cmpuint(res.type, ==, VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE_AR);

    /* Unregistered, a session may read but not write. */
    {
        uint8_t block[BS] = { 0 };

        g_assert_cmpint(virSCSICommandRead(probe, 0, 1, BS, block, &err), ==, 0);
        g_assert_cmpint(virSCSICommandWrite(probe, header.dataLba, 1, BS, block, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_RESERVATION_CONFLICT);
        g_clear_error(&err);
    }

    virStorageVaaiSessionLeave(s);
    g_assert_cmpint(virSCSICommandReadKeys(probe, &keys, &err), ==, 0);
    g_assert_cmpuint(keys.nkeys, ==, 0);
    virSCSIPrKeysClear(&keys);
    g_assert_cmpint(virSCSICommandReadReservation(probe, &res, &err), ==, 0);
    g_assert_false(res.reserved);
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/reserve/stopped-host/reservation", GINT_TO_POINTER(1),
                         testReserveStoppedHost);
    g_test_add_data_func("/reserve/stopped-host/heartbeat-only", GINT_TO_POINTER(0),
                         testReserveStoppedHost);
    g_test_add_func("/reserve/registrations", testReserveRegistrations);
    return g_test_run();
}
