/*
 * test-vaai-hold.c: volumes held open by domains, across hosts, on the
 * in-memory LUN (storage_vaai_hold.h, docs/format.md "In-use records").
 *
 * While host A holds a volume, host B's delete, wipe, resize and rename,
 * and B's opening it for another domain, are refused naming A, and the
 * data stays as it was; a migration's destination comes in beside the
 * source; a dead holder frees the volume after the lease timeout and not
 * before; the operation and the hold, racing, never both succeed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "mempool.h"
#include "storage_vaai_hold.h"
#include "storage_vaai_table.h"
#include "storage_vaai_volume.h"
#include "virscsibytes.h"

#define BS 512
#define MIB (1024 * 1024)
#define T_MS 800
#define P_MS 100

static const uint8_t dom1[VIR_STORAGE_VAAI_UUID_LEN] = { 0xD1, 0xD1, 0xD1, 0xD1 };
static const uint8_t dom2[VIR_STORAGE_VAAI_UUID_LEN] = { 0xD2, 0xD2, 0xD2, 0xD2 };


/* Another host on the same LUN: its own connection, pool and session. */
typedef struct {
    virSCSILun *lun;
    virStorageVaaiPool *pool;
    virStorageVaaiSession *session;
} testHost;


static void
testHostJoin(testHost *h,
             testMemPool *tp,
             uint8_t id)
{
    virStorageVaaiHost host;
    g_autoptr(GError) err = NULL;

    testMemPoolHost(&host, id);
    h->lun = testMemLunOpen(tp->mem, &err);
    g_assert_no_error(err);
    h->pool = virStorageVaaiPoolOpen(h->lun, true, &err);
    g_assert_no_error(err);
    h->session = virStorageVaaiSessionJoin(h->pool, &host, &err);
    g_assert_no_error(err);
}


static void
testHostLeave(testHost *h)
{
    if (h->session)
        virStorageVaaiSessionLeave(h->session);
    virStorageVaaiPoolFree(h->pool);
    virSCSILunFree(h->lun);
    memset(h, 0, sizeof(*h));
}


static void
testCreate(virStorageVaaiSession *s,
           const char *name,
           virStorageVaaiVolRecord *rec)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(virStorageVaaiVolCreate(s, name, 4 * MIB, NULL, NULL, rec, &err), ==, 0);
    g_assert_no_error(err);
}


/* The volume's first block, filled with @byte. */
static void
testMark(testMemPool *tp,
         const virStorageVaaiVolRecord *rec,
         uint8_t byte)
{
    uint8_t block[BS];

    memset(block, byte, sizeof(block));
    testMemLunWrite(tp->mem, rec->extentStart, 1, block);
}


static void
testAssertMarked(testMemPool *tp,
                 const virStorageVaaiVolRecord *rec,
                 uint8_t byte)
{
    uint8_t block[BS];
    uint8_t want[BS];

    memset(want, byte, sizeof(want));
    testMemLunRead(tp->mem, rec->extentStart, 1, block);
    g_assert_cmpmem(block, BS, want, BS);
}


/* @rc must be -1 with BUSY, the message naming "host-@id". */
static void
testAssertRefused(int rc,
                  GError **err,
                  uint8_t id)
{
    g_autofree char *host = g_strdup_printf("host host-%u (", id);

    g_assert_cmpint(rc, ==, -1);
    g_assert_error(*err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY);
    g_test_message("refused: %s", (*err)->message);
    g_assert_nonnull(strstr((*err)->message, host));
    g_clear_error(err);
}


static size_t
testHolders(testMemPool *tp,
            const char *name,
            virStorageVaaiHolderInfo *first)
{
    g_autoptr(virStorageVaaiTable) t = virStorageVaaiTableNew(&tp->pool->header);
    g_autoptr(GArray) holders = NULL;
    g_autoptr(GError) err = NULL;
    int idx;

    g_assert_cmpint(virStorageVaaiTableRead(tp->pool, t, &err), ==, 0);
    idx = virStorageVaaiTableFindName(t, name);
    g_assert_cmpint(idx, >=, 0);
    holders = virStorageVaaiVolHolders(tp->pool, NULL, idx, t->recs[idx].uuid, &err);
    g_assert_no_error(err);
    if (first && holders->len)
        *first = g_array_index(holders, virStorageVaaiHolderInfo, 0);
    return holders->len;
}


/* While A holds "x", every change from B is refused naming A, and x's
 * data and record stay; once A lets go they all succeed. */
static void
testRefusals(void)
{
    testMemLunProfile profile = { .blocks = 128 * MIB / BS, .blockSize = BS };
    virStorageVaaiOpOptions dod = { .algorithm = virSCSIPatternLookup("dod") };
    virStorageVaaiVolRecord x;
    virStorageVaaiVolRecord after;
    virStorageVaaiHolderInfo info;
    g_autoptr(GError) err = NULL;
    testMemPool tp;
    testHost b;

    testMemPoolOpen(&tp, &profile, "refusals", 32, T_MS, P_MS, true);
    g_assert_cmpuint(virStorageVaaiHeaderInUseLba(&tp.pool->header), ==,
                     tp.pool->header.volumeTableLba + 32);
    testHostJoin(&b, &tp, 2);
    testCreate(tp.session, "x", &x);
    testMark(&tp, &x, 0x5A);

    g_assert_cmpint(virStorageVaaiVolHold(tp.session, "x", NULL, dom1,
                                          VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err), ==, 0);
    g_assert_no_error(err);
    /* again: nothing changes */
    g_assert_cmpint(virStorageVaaiVolHold(tp.session, "x", x.uuid, dom1,
                                          VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err), ==, 0);
    g_assert_cmpuint(testHolders(&tp, "x", &info), ==, 1);
    g_assert_cmpstr(info.hostName, ==, "host-1");
    g_assert_cmpuint(info.holder.mode, ==, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE);
    g_assert_cmpmem(info.holder.owner, 16, dom1, 16);

    testAssertRefused(virStorageVaaiVolDelete(b.session, "x", NULL, NULL, &err), &err, 1);
    testAssertRefused(virStorageVaaiVolWipe(b.session, "x", NULL, NULL, &err), &err, 1);
    testAssertRefused(virStorageVaaiVolWipe(b.session, "x", &dod, NULL, &err), &err, 1);
    testAssertRefused(virStorageVaaiVolResize(b.session, "x", 64 * MIB, NULL, NULL, NULL, &err),
                      &err, 1);
    testAssertRefused(virStorageVaaiVolRename(b.session, "x", "y", NULL, NULL, &err), &err, 1);
    /* the host holding it is refused too: the domain, not the host, holds it */
    testAssertRefused(virStorageVaaiVolDelete(tp.session, "x", NULL, NULL, &err), &err, 1);
    /* a second domain, on B or on A, read-write or shared */
    testAssertRefused(virStorageVaaiVolHold(b.session, "x", NULL, dom2,
                                            VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err), &err, 1);
    testAssertRefused(virStorageVaaiVolHold(b.session, "x", NULL, dom2,
                                            VIR_STORAGE_VAAI_INUSE_SHARED, &err), &err, 1);
    testAssertRefused(virStorageVaaiVolHold(tp.session, "x", NULL, dom2,
                                            VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err), &err, 1);

    /* Nothing happened to x: same record, same data, no busy mark. */
    g_assert_cmpint(virStorageVaaiTableReadRecord(tp.pool, 0, &after, &err), ==,
                    VIR_STORAGE_VAAI_RECORD_VALID);
    g_assert_cmpstr(after.name, ==, "x");
    g_assert_cmpuint(after.state, ==, VIR_STORAGE_VAAI_VOL_READY);
    g_assert_cmpuint(after.extentStart, ==, x.extentStart);
    g_assert_cmpuint(after.capacity, ==, x.capacity);
    testAssertMarked(&tp, &x, 0x5A);
    testMemPoolAssertClean(&tp, "refused", NULL);

    /* A lets go (twice: the second is a no-op); B's operations succeed. */
    g_assert_cmpint(virStorageVaaiVolUnhold(tp.session, "x", NULL, dom1, &err), ==, 0);
    g_assert_cmpint(virStorageVaaiVolUnhold(tp.session, "x", NULL, dom1, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(testHolders(&tp, "x", NULL), ==, 0);
    g_assert_cmpint(virStorageVaaiVolRename(b.session, "x", "y", NULL, NULL, &err), ==, 0);
    g_assert_cmpint(virStorageVaaiVolResize(b.session, "y", 8 * MIB, NULL, NULL, &after, &err), ==, 0);
    g_assert_no_error(err);
    testAssertMarked(&tp, &after, 0x5A);
    g_assert_cmpint(virStorageVaaiVolWipe(b.session, "y", NULL, NULL, &err), ==, 0);
    g_assert_no_error(err);
    testAssertMarked(&tp, &after, 0);
    /* B's domain now; A's delete is refused naming B */
    g_assert_cmpint(virStorageVaaiVolHold(b.session, "y", NULL, dom2,
                                          VIR_STORAGE_VAAI_INUSE_SHARED, &err), ==, 0);
    testAssertRefused(virStorageVaaiVolDelete(tp.session, "y", NULL, NULL, &err), &err, 2);
    g_assert_cmpint(virStorageVaaiVolUnhold(b.session, "y", NULL, dom2, &err), ==, 0);
    g_assert_cmpint(virStorageVaaiVolDelete(tp.session, "y", NULL, NULL, &err), ==, 0);
    g_assert_no_error(err);
    /* a hold of a volume that is gone */
    g_assert_cmpint(virStorageVaaiVolHold(b.session, "y", NULL, dom2,
                                          VIR_STORAGE_VAAI_INUSE_SHARED, &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NOT_FOUND);

    testHostLeave(&b);
    testMemPoolClose(&tp);
}


/* Shared disks: several domains on several hosts, nobody exclusive. */
static void
testShared(void)
{
    testMemLunProfile profile = { .blocks = 64 * MIB / BS, .blockSize = BS };
    g_autoptr(GError) err = NULL;
    virStorageVaaiVolRecord x;
    testMemPool tp;
    testHost b;

    testMemPoolOpen(&tp, &profile, "shared", 8, T_MS, P_MS, true);
    testHostJoin(&b, &tp, 2);
    testCreate(tp.session, "x", &x);
    g_assert_cmpint(virStorageVaaiVolHold(tp.session, "x", NULL, dom1,
                                          VIR_STORAGE_VAAI_INUSE_SHARED, &err), ==, 0);
    g_assert_cmpint(virStorageVaaiVolHold(tp.session, "x", NULL, dom2,
                                          VIR_STORAGE_VAAI_INUSE_SHARED, &err), ==, 0);
    g_assert_cmpint(virStorageVaaiVolHold(b.session, "x", NULL, dom1,
                                          VIR_STORAGE_VAAI_INUSE_SHARED, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(testHolders(&tp, "x", NULL), ==, 3);
    {
        /* the whole pool's holders in one pass, as the pool XML shows them */
        g_autoptr(virStorageVaaiTable) t = virStorageVaaiTableNew(&tp.pool->header);
        g_autoptr(GArray) all = NULL;
        guint i;

        testCreate(tp.session, "y", NULL);
        g_assert_cmpint(virStorageVaaiTableRead(tp.pool, t, &err), ==, 0);
        all = virStorageVaaiTableHolders(tp.pool, t, NULL, &err);
        g_assert_no_error(err);
        g_assert_cmpuint(all->len, ==, 3);
        for (i = 0; i < all->len; i++) {
            const virStorageVaaiVolHolder *vh = &g_array_index(all, virStorageVaaiVolHolder, i);

            g_assert_cmpstr(t->recs[vh->idx].name, ==, "x");
            g_assert_cmpuint(vh->info.holder.mode, ==, VIR_STORAGE_VAAI_INUSE_SHARED);
            g_assert_true(g_str_has_prefix(vh->info.hostName, "host-"));
        }
    }
    testAssertRefused(virStorageVaaiVolHold(b.session, "x", NULL, dom2,
                                            VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err), &err, 1);
    testHostLeave(&b);
    /* B left: its hold went with its heartbeat slot */
    g_assert_cmpuint(testHolders(&tp, "x", NULL), ==, 2);
    testMemPoolClose(&tp);
}


/* A domain moves A -> B: B comes in beside A, a third host cannot, B
 * becomes the holder once A let go; then back B -> A. */
static void
testMigration(void)
{
    testMemLunProfile profile = { .blocks = 64 * MIB / BS, .blockSize = BS };
    g_autoptr(GError) err = NULL;
    virStorageVaaiHolderInfo info;
    virStorageVaaiVolRecord x;
    testMemPool tp;
    testHost b;
    testHost c;

    testMemPoolOpen(&tp, &profile, "migration", 8, T_MS, P_MS, true);
    testHostJoin(&b, &tp, 2);
    testHostJoin(&c, &tp, 3);
    testCreate(tp.session, "x", &x);
    g_assert_cmpint(virStorageVaaiVolHold(tp.session, "x", NULL, dom1,
                                          VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err), ==, 0);

    /* the destination, paused, registers */
    g_assert_cmpint(virStorageVaaiVolHold(b.session, "x", NULL, dom1,
                                          VIR_STORAGE_VAAI_INUSE_INCOMING, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(testHolders(&tp, "x", NULL), ==, 2);
    /* nobody else gets in meanwhile, another domain not even as "incoming" */
    testAssertRefused(virStorageVaaiVolHold(c.session, "x", NULL, dom2,
                                            VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err), &err, 1);
    testAssertRefused(virStorageVaaiVolHold(c.session, "x", NULL, dom2,
                                            VIR_STORAGE_VAAI_INUSE_INCOMING, &err), &err, 1);
    testAssertRefused(virStorageVaaiVolDelete(c.session, "x", NULL, NULL, &err), &err, 1);
    /* B cannot resume while A still holds it */
    testAssertRefused(virStorageVaaiVolHold(b.session, "x", NULL, dom1,
                                            VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err), &err, 1);
    /* the switch-over: A pauses and lets go; a third host still cannot
     * take it (B is there as incoming); B resumes */
    g_assert_cmpint(virStorageVaaiVolUnhold(tp.session, "x", NULL, dom1, &err), ==, 0);
    testAssertRefused(virStorageVaaiVolHold(c.session, "x", NULL, dom2,
                                            VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err), &err, 2);
    g_assert_cmpint(virStorageVaaiVolHold(b.session, "x", NULL, dom1,
                                          VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(testHolders(&tp, "x", &info), ==, 1);
    g_assert_cmpstr(info.hostName, ==, "host-2");
    g_assert_cmpuint(info.holder.mode, ==, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE);

    /* and back */
    g_assert_cmpint(virStorageVaaiVolHold(tp.session, "x", NULL, dom1,
                                          VIR_STORAGE_VAAI_INUSE_INCOMING, &err), ==, 0);
    g_assert_cmpint(virStorageVaaiVolUnhold(b.session, "x", NULL, dom1, &err), ==, 0);
    g_assert_cmpint(virStorageVaaiVolHold(tp.session, "x", NULL, dom1,
                                          VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(testHolders(&tp, "x", &info), ==, 1);
    g_assert_cmpstr(info.hostName, ==, "host-1");

    testHostLeave(&c);
    testHostLeave(&b);
    testMemPoolClose(&tp);
}


/* B dies holding x (its heartbeat stops; it never lets go): x stays held
 * while B's slot stands still for less than T, and is free once another
 * host saw it still for T and took the slot back (the metadata lease's
 * bound, lease-protocol.md). */
static void
testDeadHolder(void)
{
    testMemLunProfile profile = { .blocks = 64 * MIB / BS, .blockSize = BS };
    g_autoptr(virStorageVaaiWatcher) watcher = NULL;
    g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;
    virStorageVaaiVolRecord x;
    gint64 died;
    gint64 freed = 0;
    testMemPool tp;
    testHost b;

    testMemPoolOpen(&tp, &profile, "dead", 8, T_MS, P_MS, true);
    testHostJoin(&b, &tp, 2);
    testCreate(tp.session, "x", &x);
    g_assert_cmpint(virStorageVaaiVolHold(b.session, "x", NULL, dom1,
                                          VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err), ==, 0);
    virStorageVaaiSessionAbandon(b.session);
    b.session = NULL;
    died = testMemLunNowUs();

    watcher = virStorageVaaiWatcherNew(tp.pool);
    while (!freed) {
        int rc;

        g_assert_cmpint(virStorageVaaiWatcherUpdate(watcher, &err), ==, 0);
        g_assert_cmpint(virStorageVaaiWatcherReap(watcher, log, &err), >=, 0);
        rc = virStorageVaaiVolHold(tp.session, "x", NULL, dom1,
                                   VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err);
        if (rc == 0) {
            freed = testMemLunNowUs();
            break;
        }
        testAssertRefused(rc, &err, 2);
        g_assert_cmpint(testMemLunNowUs() - died, <, 4 * T_MS * 1000);
        g_usleep(P_MS * 1000 / 2);
    }
    g_test_message("x free %.2f s after its holder died (T = %.2f s)",
                   (freed - died) / 1e6, T_MS / 1e3);
    g_assert_cmpint(freed - died, >=, T_MS * 1000);
    g_assert_cmpuint(log->len, ==, 1);
    testHostLeave(&b);
    testMemPoolClose(&tp);
}


/* ---- The Dekker pair: an operation and a hold, each delayed at its
 * read of the other's intent while the other runs to its end. ---- */

typedef struct {
    testMemPool *tp;
    testHost *b;
    GThread *paused;            /* whose READ of @lba waits for @other */
    uint64_t armLba;            /* ... once it wrote its intent there */
    uint64_t lba;
    bool armed;
    bool fired;
    GThreadFunc other;
    int otherRc;
} testDekker;


static gpointer
testDekkerDelete(gpointer opaque)
{
    testDekker *d = opaque;
    g_autoptr(GError) err = NULL;

    d->otherRc = virStorageVaaiVolDelete(d->b->session, "x", NULL, NULL, &err);
    g_test_message("delete: %s", err ? err->message : "done");
    return NULL;
}


static gpointer
testDekkerHold(gpointer opaque)
{
    testDekker *d = opaque;
    g_autoptr(GError) err = NULL;

    d->otherRc = virStorageVaaiVolHold(d->tp->session, "x", NULL, dom1,
                                       VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err);
    g_test_message("hold: %s", err ? err->message : "done");
    return NULL;
}


static testMemLunAction
testDekkerHook(testMemLun *mem G_GNUC_UNUSED,
               unsigned int session G_GNUC_UNUSED,
               const virSCSICmd *cmd,
               void *opaque)
{
    testDekker *d = opaque;

    /* its COMPARE AND WRITE of its own intent, then a one-block READ(16):
     * the read of the other's intent (the lookup before may read the same
     * block: the journal names it) */
    if (g_thread_self() == d->paused && cmd->cdb[0] == 0x89 &&
        virSCSIGetBE64(cmd->cdb + 2) == d->armLba)
        d->armed = true;
    if (d->armed && !d->fired && g_thread_self() == d->paused && cmd->cdb[0] == 0x88 &&
        virSCSIGetBE64(cmd->cdb + 2) == d->lba && virSCSIGetBE32(cmd->cdb + 10) == 1) {
        d->fired = true;
        g_thread_join(g_thread_new("other", d->other, d));
    }
    return TEST_MEM_LUN_RUN;
}


static void
testDekkerCase(bool holdFirst)
{
    testMemLunProfile profile = { .blocks = 64 * MIB / BS, .blockSize = BS };
    g_autoptr(GError) err = NULL;
    virStorageVaaiVolRecord x;
    testDekker d = { 0 };
    testMemPool tp;
    testHost b;
    int rc;

    testMemPoolOpen(&tp, &profile, "dekker", 8, T_MS, P_MS, true);
    testHostJoin(&b, &tp, 2);
    testCreate(tp.session, "x", &x);
    d.tp = &tp;
    d.b = &b;
    d.paused = g_thread_self();
    testMemLunSetHook(tp.mem, testDekkerHook, &d);

    if (holdFirst) {
        /* A's hold is on the LUN; before A reads the record, B's delete
         * marks it, reads the hold and gives up.  A then finds x ready. */
        d.armLba = virStorageVaaiHeaderInUseLba(&tp.pool->header);
        d.lba = tp.pool->header.volumeTableLba;
        d.other = testDekkerDelete;
        rc = virStorageVaaiVolHold(tp.session, "x", NULL, dom1,
                                   VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err);
    } else {
        /* B's mark is on the LUN; before B reads the in-use block, A's
         * hold lands, reads the mark and gives the hold back. */
        d.armLba = tp.pool->header.volumeTableLba;
        d.lba = virStorageVaaiHeaderInUseLba(&tp.pool->header);
        d.other = testDekkerHold;
        rc = virStorageVaaiVolDelete(b.session, "x", NULL, NULL, &err);
    }
    testMemLunSetHook(tp.mem, NULL, NULL);
    g_assert_true(d.fired);
    g_test_message("first: %s", err ? err->message : "done");
    /* exactly one of the two won, and it is the one that came first */
    g_assert_cmpint(rc, ==, 0);
    g_assert_cmpint(d.otherRc, ==, -1);
    if (holdFirst) {
        g_assert_cmpuint(testHolders(&tp, "x", NULL), ==, 1);
        testMemPoolAssertClean(&tp, "hold first", NULL);
    } else {
        g_autoptr(virStorageVaaiTable) t = virStorageVaaiTableNew(&tp.pool->header);

        g_assert_cmpint(virStorageVaaiTableRead(tp.pool, t, &err), ==, 0);
        g_assert_cmpint(virStorageVaaiTableFindName(t, "x"), <, 0);
    }
    testHostLeave(&b);
    testMemPoolClose(&tp);
}


static void
testDekkerHoldFirst(void)
{
    testDekkerCase(true);
}


static void
testDekkerDeleteFirst(void)
{
    testDekkerCase(false);
}


/* Free-running: a delete and a hold at once, many times: never both. */
static void
testRace(void)
{
    testMemLunProfile profile = { .blocks = 64 * MIB / BS, .blockSize = BS,
                                  .tornReads = true };
    guint wins[4] = { 0 };
    testMemPool tp;
    testHost b;
    guint i;

    testMemPoolOpen(&tp, &profile, "race", 8, 2000, 200, true);
    testHostJoin(&b, &tp, 2);
    for (i = 0; i < 30; i++) {
        g_autoptr(GError) err = NULL;
        testDekker d = { .tp = &tp, .b = &b };
        GThread *th;
        int held;
        bool gone;
        g_autoptr(virStorageVaaiTable) t = virStorageVaaiTableNew(&tp.pool->header);

        testCreate(tp.session, "x", NULL);
        th = g_thread_new("delete", testDekkerDelete, &d);
        g_usleep(g_random_int_range(0, 4000));
        held = virStorageVaaiVolHold(tp.session, "x", NULL, dom1,
                                     VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, NULL);
        g_thread_join(th);
        g_assert_cmpint(virStorageVaaiTableRead(tp.pool, t, &err), ==, 0);
        gone = virStorageVaaiTableFindName(t, "x") < 0;
        g_assert_true(gone == (d.otherRc == 0));
        g_assert_false(held == 0 && d.otherRc == 0);
        wins[(held == 0) * 2 + (d.otherRc == 0)]++;
        if (!gone) {
            g_assert_cmpint(virStorageVaaiVolUnhold(tp.session, "x", NULL, dom1, &err), ==, 0);
            g_assert_cmpint(virStorageVaaiVolDelete(tp.session, "x", NULL, NULL, &err), ==, 0);
            g_assert_no_error(err);
        }
    }
    g_test_message("hold won %u, delete won %u, both refused %u",
                   wins[2], wins[1], wins[0]);
    testMemPoolAssertClean(&tp, "race", NULL);
    testHostLeave(&b);
    testMemPoolClose(&tp);
}


/* What each step sends over the link on a pool of the default 1024
 * records and 64 heartbeat slots (docs/lease-daemon.md's table): counts
 * that do not depend on the machine.  A slow heartbeat keeps its own
 * writes out of the counts. */
static void
testLinkCost(testMemLun *mem,
             const char *what,
             size_t *cmds,
             uint64_t *bytes)
{
    g_autoptr(GArray) events = testMemLunTakeEvents(mem);
    guint i;

    *cmds = events->len;
    *bytes = 0;
    for (i = 0; i < events->len; i++) {
        const testMemLunEvent *ev = &g_array_index(events, testMemLunEvent, i);

        /* COMPARE AND WRITE carries both halves */
        *bytes += ev->nblocks * BS * (ev->opcode == 0x89 ? 2 : 1);
    }
    g_test_message("%s: %zu commands, %" G_GUINT64_FORMAT " bytes", what, *cmds, *bytes);
}


static void
testLinkCosts(void)
{
    testMemLunProfile profile = { .blocks = 256 * MIB / BS, .blockSize = BS };
    g_autoptr(GError) err = NULL;
    virStorageVaaiVolRecord x;
    testMemPool tp;
    size_t cmds;
    uint64_t bytes;
    uint64_t refusedBytes;

    testMemPoolOpen(&tp, &profile, "costs", 0, 60000, 20000, true);
    testCreate(tp.session, "x", &x);
    testLinkCost(tp.mem, "setup", &cmds, &bytes);

    g_assert_cmpint(virStorageVaaiVolHold(tp.session, "x", NULL, dom1,
                                          VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, &err), ==, 0);
    testLinkCost(tp.mem, "hold", &cmds, &bytes);
    /* the lease record and the table's journaled records (not the 1024
     * of the table: format 1.2), the heartbeats (64) once, the block and
     * the record: nothing of the volume's data */
    g_assert_cmpuint(bytes, <, 48 * 1024);

    g_assert_cmpint(virStorageVaaiVolDelete(tp.session, "x", NULL, NULL, &err), ==, -1);
    g_clear_error(&err);
    testLinkCost(tp.mem, "delete refused", &cmds, &refusedBytes);
    g_assert_cmpuint(refusedBytes, <, 48 * 1024);

    g_assert_cmpint(virStorageVaaiVolUnhold(tp.session, "x", NULL, dom1, &err), ==, 0);
    testLinkCost(tp.mem, "unhold", &cmds, &bytes);
    g_assert_cmpuint(bytes, <, 48 * 1024);
    testMemPoolClose(&tp);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vaai/hold/refusals", testRefusals);
    g_test_add_func("/vaai/hold/shared", testShared);
    g_test_add_func("/vaai/hold/migration", testMigration);
    g_test_add_func("/vaai/hold/dead-holder", testDeadHolder);
    g_test_add_func("/vaai/hold/dekker-hold-first", testDekkerHoldFirst);
    g_test_add_func("/vaai/hold/dekker-delete-first", testDekkerDeleteFirst);
    g_test_add_func("/vaai/hold/race", testRace);
    g_test_add_func("/vaai/hold/link-costs", testLinkCosts);
    return g_test_run();
}
