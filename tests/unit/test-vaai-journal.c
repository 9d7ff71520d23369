/*
 * test-vaai-journal.c: the table journal (docs/format.md "The table
 * journal"): its codec and pure functions; on an in-memory LUN, hosts
 * that read only what the journal names still see every change the
 * others make, a takeover makes them read it all, and what an operation
 * reads of the table does not grow with the number of volumes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "mempool.h"
#include "storage_vaai_crc32c.h"
#include "storage_vaai_journal.h"
#include "storage_vaai_table.h"
#include "storage_vaai_upgrade.h"
#include "storage_vaai_volume.h"

#define BS 512
#define MIB (1024 * 1024)
#define RECORDS 1024
#define JLEN VIR_STORAGE_VAAI_JOURNAL_LEN


/* ---- pure ---- */

/* The CRC made good again over a block whose content was changed. */
static void
testReseal(uint8_t *block)
{
    uint32_t crc;

    memset(block + 56, 0, 4);
    crc = virStorageVaaiCrc32c(block, BS);
    block[56] = crc >> 24;
    block[57] = crc >> 16;
    block[58] = crc >> 8;
    block[59] = crc;
}

static void
testJournalSince(void)
{
    virStorageVaaiLease l = { .version = VIR_STORAGE_VAAI_LEASE_VERSION_JOURNAL };
    g_autoptr(GArray) out = g_array_new(false, false, sizeof(uint32_t));
    uint32_t some[] = { 7, 3, 7 };
    g_autofree uint32_t *many = g_new0(uint32_t, JLEN);
    size_t i;

    /* nothing since 0 */
    g_assert_true(virStorageVaaiJournalSince(&l, 0, out));
    g_assert_cmpuint(out->len, ==, 0);

    /* three changes, one record twice: each at a generation */
    virStorageVaaiJournalAppend(&l, some, G_N_ELEMENTS(some), false);
    g_assert_cmpuint(l.tableGeneration, ==, 3);
    g_assert_true(virStorageVaaiJournalSince(&l, 0, out));
    g_assert_cmpuint(out->len, ==, 3);
    g_assert_cmpuint(g_array_index(out, uint32_t, 0), ==, 7);
    g_assert_cmpuint(g_array_index(out, uint32_t, 1), ==, 3);
    g_array_set_size(out, 0);
    g_assert_true(virStorageVaaiJournalSince(&l, 2, out));
    g_assert_cmpuint(out->len, ==, 1);
    g_assert_cmpuint(g_array_index(out, uint32_t, 0), ==, 7);
    g_array_set_size(out, 0);

    /* a reader ahead of the journal (the pool was formatted again) */
    g_assert_false(virStorageVaaiJournalSince(&l, 4, out));

    /* the journal goes round: a reader JLEN generations behind still
     * knows, one more does not */
    for (i = 0; i < JLEN - 3; i++)
        virStorageVaaiJournalAppend(&l, &some[1], 1, false);
    g_assert_cmpuint(l.tableGeneration, ==, JLEN);
    g_assert_true(virStorageVaaiJournalSince(&l, 0, out));
    g_assert_cmpuint(out->len, ==, JLEN);
    g_array_set_size(out, 0);
    virStorageVaaiJournalAppend(&l, &some[1], 1, false);
    g_assert_false(virStorageVaaiJournalSince(&l, 0, out));
    g_array_set_size(out, 0);
    g_assert_true(virStorageVaaiJournalSince(&l, 1, out));
    g_array_set_size(out, 0);

    /* a takeover journals "all" */
    virStorageVaaiJournalAppend(&l, NULL, 0, true);
    g_assert_false(virStorageVaaiJournalSince(&l, l.tableGeneration - 1, out));
    g_array_set_size(out, 0);
    g_assert_true(virStorageVaaiJournalSince(&l, l.tableGeneration, out));
    g_assert_cmpuint(out->len, ==, 0);

    /* more changes than half the journal: one "all" */
    virStorageVaaiJournalAppend(&l, many, JLEN / 2 + 1, false);
    g_assert_false(virStorageVaaiJournalSince(&l, l.tableGeneration - 1, out));

    /* a lease record of version 1 has no journal */
    l.version = 1;
    g_assert_false(virStorageVaaiJournalSince(&l, l.tableGeneration, out));
}


static void
testJournalCodec(void)
{
    virStorageVaaiLease l = { .version = VIR_STORAGE_VAAI_LEASE_VERSION_JOURNAL,
                              .ownerSlot = 3, .generation = 99 };
    virStorageVaaiLease back;
    g_autofree uint8_t *block = g_new0(uint8_t, BS);
    uint32_t idx[] = { 0, 1023, 5 };
    g_autoptr(GError) err = NULL;

    memset(l.owner, 0xAB, sizeof(l.owner));
    l.tableGeneration = 1000;
    virStorageVaaiJournalAppend(&l, idx, G_N_ELEMENTS(idx), false);
    g_assert_cmpint(virStorageVaaiLeaseEncode(&l, block, BS, &err), ==, 0);
    g_assert_no_error(err);
    /* hand-worked: the table generation at 64, entry g % 64 at 72 + 4 (g % 64) */
    g_assert_cmpuint(block[4], ==, 2);
    g_assert_cmpuint(block[71], ==, (1003 & 0xff));
    g_assert_cmpuint(block[70], ==, (1003 >> 8));
    g_assert_cmpuint(block[72 + 4 * (1002 % 64) + 2], ==, 1023 >> 8);
    g_assert_cmpuint(block[72 + 4 * (1002 % 64) + 3], ==, 1023 & 0xff);
    g_assert_cmpint(virStorageVaaiLeaseDecode(block, BS, &back, &err), ==,
                    VIR_STORAGE_VAAI_RECORD_VALID);
    g_assert_no_error(err);
    g_assert_cmpmem(&back, sizeof(back), &l, sizeof(l));

    /* a byte past the journal, or in the reserved word before it, is
     * corrupt (CRC made good again: only the content is wrong) */
    block[328] = 1;
    testReseal(block);
    g_assert_cmpint(virStorageVaaiLeaseDecode(block, BS, &back, NULL), ==,
                    VIR_STORAGE_VAAI_RECORD_CORRUPT);
    l.version = 1;
    g_assert_cmpint(virStorageVaaiLeaseEncode(&l, block, BS, NULL), ==, 0);
    /* version 1 writes no journal, and reads none */
    {
        size_t i;

        for (i = 60; i < BS; i++)
            g_assert_cmpuint(block[i], ==, 0);
    }
    g_assert_cmpint(virStorageVaaiLeaseDecode(block, BS, &back, NULL), ==,
                    VIR_STORAGE_VAAI_RECORD_VALID);
    g_assert_cmpuint(back.version, ==, 1);
    g_assert_cmpuint(back.tableGeneration, ==, 0);
}


/* ---- on the in-memory LUN ---- */

typedef struct {
    testMemPool tp;                 /* host A: formats, joins */
    virSCSILun *lunB;               /* host B: its own session to the LUN */
    virStorageVaaiPool *poolB;
    virStorageVaaiSession *sessionB;
} testTwoHosts;


static void
testTwoHostsOpen(testTwoHosts *th,
                 uint32_t volumes)
{
    testMemLunProfile profile = { .blocks = (uint64_t)(volumes + 16) * MIB / BS + 8192,
                                  .blockSize = BS, .lbprz = true };
    virStorageVaaiHost b;
    g_autoptr(GError) err = NULL;

    testMemPoolOpen(&th->tp, &profile, "journal", RECORDS, 2000, 100, true);
    g_assert_true(virStorageVaaiPoolJournaled(th->tp.pool));
    testMemPoolHost(&b, 2);
    th->lunB = testMemLunOpen(th->tp.mem, &err);
    g_assert_no_error(err);
    th->poolB = virStorageVaaiPoolOpen(th->lunB, true, &err);
    g_assert_no_error(err);
    th->sessionB = virStorageVaaiSessionJoin(th->poolB, &b, &err);
    g_assert_no_error(err);
}


static void
testTwoHostsClose(testTwoHosts *th)
{
    virStorageVaaiSessionLeave(th->sessionB);
    virStorageVaaiPoolFree(th->poolB);
    virSCSILunFree(th->lunB);
    testMemPoolClose(&th->tp);
}


/* @volumes ready 1 MiB volumes written straight into the table, as a
 * pool that has held them for long has them (no journal names them). */
static void
testFillTable(testMemPool *tp,
              uint32_t volumes)
{
    const virStorageVaaiHeader *h = &tp->pool->header;
    g_autofree uint8_t *blocks = g_new0(uint8_t, (size_t)volumes * BS);
    uint64_t len = MIB / BS;
    uint32_t i;

    g_assert_cmpuint(h->dataLba + (volumes + 8) * len, <=, h->dataEndLba);
    for (i = 0; i < volumes; i++) {
        virStorageVaaiVolRecord r = { .version = 1, .state = VIR_STORAGE_VAAI_VOL_READY,
                                      .sequence = 1, .extentLength = len,
                                      .capacity = MIB };

        r.extentStart = h->dataLba + (uint64_t)i * len;
        virStorageVaaiRandomUuid(r.uuid);
        g_snprintf(r.name, sizeof(r.name), "fill-%u", i);
        g_assert_cmpint(virStorageVaaiVolRecordEncode(&r, blocks + (size_t)i * BS, BS,
                                                      NULL), ==, 0);
    }
    testMemLunWrite(tp->mem, h->volumeTableLba, volumes, blocks);
}


static uint64_t
testBytesIn(virSCSILun *lun)
{
    virSCSITransportStats st;

    virSCSITransportGetStats(lun->transport, &st);
    return st.bytesIn;
}


static uint64_t
testBytesAll(virSCSILun *lun)
{
    virSCSITransportStats st;

    virSCSITransportGetStats(lun->transport, &st);
    return st.bytesIn + st.bytesOut;
}


/* B reads the table again: what it reads, and whether it finds @name in
 * the state @state (0: absent). */
static uint64_t
testReadB(testTwoHosts *th,
          const char *name,
          int state)
{
    g_autoptr(virStorageVaaiTable) t = virStorageVaaiTableNew(&th->poolB->header);
    g_autoptr(GError) err = NULL;
    uint64_t before = testBytesIn(th->lunB);
    int idx;

    g_assert_cmpint(virStorageVaaiTableRead(th->poolB, t, &err), ==, 0);
    g_assert_no_error(err);
    idx = virStorageVaaiTableFindName(t, name);
    if (state == 0)
        g_assert_cmpint(idx, ==, -1);
    else
        g_assert_cmpint(t->recs[idx].state, ==, state);
    return testBytesIn(th->lunB) - before;
}


/* What each host reads after the other's change is the lease record, the
 * records changed and the busy ones: a few blocks, however many volumes
 * the pool holds; and every change is seen. */
static void
testJournalSeesChanges(gconstpointer data)
{
    uint32_t volumes = GPOINTER_TO_UINT(data);
    testTwoHosts th;
    virStorageVaaiVolRecord rec;
    g_autoptr(GError) err = NULL;
    uint64_t first;
    uint64_t after;
    uint64_t opBytes;

    testTwoHostsOpen(&th, volumes);
    testFillTable(&th.tp, volumes);

    /* B's first read is the whole table */
    first = testReadB(&th, "x", 0);
    g_assert_cmpuint(first, >=, (uint64_t)RECORDS * BS);

    /* A creates x: B reads the lease record and x's record */
    opBytes = testBytesAll(th.tp.lun);
    g_assert_cmpint(virStorageVaaiVolCreate(th.tp.session, "x", MIB, NULL, NULL, &rec, &err),
                    ==, 0);
    g_assert_no_error(err);
    opBytes = testBytesAll(th.tp.lun) - opBytes;
    after = testReadB(&th, "x", VIR_STORAGE_VAAI_VOL_READY);
    g_test_message("%u volumes: B's first read %llu bytes, after A's create %llu bytes; "
                   "A's first create (its first read is whole) moved %llu bytes", volumes,
                   (unsigned long long)first, (unsigned long long)after,
                   (unsigned long long)opBytes);
    g_assert_cmpuint(after, <=, 4 * BS);

    /* B changes x (rename), then deletes it: A sees each */
    g_assert_cmpint(virStorageVaaiVolRename(th.sessionB, "x", "y", NULL, NULL, &err), ==, 0);
    g_assert_no_error(err);
    {
        g_autoptr(virStorageVaaiTable) t = virStorageVaaiTableNew(&th.tp.pool->header);

        g_assert_cmpint(virStorageVaaiTableRead(th.tp.pool, t, &err), ==, 0);
        g_assert_cmpint(virStorageVaaiTableFindName(t, "x"), ==, -1);
        g_assert_cmpint(virStorageVaaiTableFindName(t, "y"), >=, 0);
    }
    g_assert_cmpint(virStorageVaaiVolDelete(th.sessionB, "y", NULL, NULL, &err), ==, 0);
    g_assert_no_error(err);
    {
        g_autoptr(virStorageVaaiTable) t = virStorageVaaiTableNew(&th.tp.pool->header);

        g_assert_cmpint(virStorageVaaiTableRead(th.tp.pool, t, &err), ==, 0);
        g_assert_cmpint(virStorageVaaiTableFindName(t, "y"), ==, -1);
    }

    /* Both create in turn: never the same space (the allocator works
     * from the table as the journal brought it up to date). */
    {
        size_t i;

        for (i = 0; i < 6; i++) {
            g_autofree char *name = g_strdup_printf("v%zu", i);

            g_assert_cmpint(virStorageVaaiVolCreate(i % 2 ? th.sessionB : th.tp.session,
                                                    name, MIB, NULL, NULL, &rec, &err), ==, 0);
            g_assert_no_error(err);
        }
        testMemPoolAssertClean(&th.tp, "after creates in turn", NULL);
    }

    /* A second create's own traffic is the same for 10 volumes and for
     * 1000: recorded by the caller through the message above, bounded here */
    opBytes = testBytesAll(th.tp.lun);
    g_assert_cmpint(virStorageVaaiVolCreate(th.tp.session, "z", MIB, NULL, NULL, &rec, &err),
                    ==, 0);
    opBytes = testBytesAll(th.tp.lun) - opBytes;
    g_test_message("%u volumes: a create on A moved %llu bytes", volumes,
                   (unsigned long long)opBytes);
    g_assert_cmpuint(opBytes, <, 64 * 1024);
    testTwoHostsClose(&th);
}


/* A holder that dies with the lease held may have changed records it
 * never journaled: whoever takes the lease over journals "all", and the
 * next read of every host is whole. */
static void
testJournalTakeover(void)
{
    testTwoHosts th;
    g_autoptr(virStorageVaaiTable) t = NULL;
    g_autoptr(GError) err = NULL;
    virStorageVaaiVolRecord rec;
    uint64_t bytes;
    int idx;

    testTwoHostsOpen(&th, 0);
    g_assert_cmpint(virStorageVaaiVolCreate(th.tp.session, "x", MIB, NULL, NULL, &rec, &err),
                    ==, 0);
    testReadB(&th, "x", VIR_STORAGE_VAAI_VOL_READY);

    /* A takes the lease, renames x by hand (a change it will never
     * journal) and dies holding it. */
    t = virStorageVaaiTableNew(&th.tp.pool->header);
    g_assert_cmpint(virStorageVaaiSessionAcquire(th.tp.session, 5000, &err), ==, 0);
    g_assert_cmpint(virStorageVaaiTableRead(th.tp.pool, t, &err), ==, 0);
    idx = virStorageVaaiTableFindName(t, "x");
    rec = t->recs[idx];
    g_strlcpy(rec.name, "renamed", sizeof(rec.name));
    g_assert_cmpint(virStorageVaaiTableSwap(th.tp.pool, t, idx, &rec, &err), ==, 0);
    virStorageVaaiSessionAbandon(th.tp.session);
    th.tp.session = NULL;

    /* Before the takeover B may still see x (the change is not journaled
     * yet, as a read just before it would have shown) ... */
    testReadB(&th, "renamed", 0);
    /* ... B takes the lease over once A's heartbeat stood still for T,
     * journaling "all": its next read is whole, and finds the change. */
    g_assert_cmpint(virStorageVaaiSessionAcquire(th.sessionB, 10000, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(virStorageVaaiSessionRelease(th.sessionB, &err), ==, 0);
    bytes = testReadB(&th, "renamed", VIR_STORAGE_VAAI_VOL_READY);
    g_assert_cmpuint(bytes, >=, (uint64_t)RECORDS * BS);
    testTwoHostsClose(&th);
}


/* Make @tp's pool one of format 1.1, as earlier code formatted it: no
 * journal flag in either header copy, a lease record of version 1. */
static void
testDowngrade(testMemPool *tp)
{
    g_autofree uint8_t *block = g_new0(uint8_t, BS);
    virStorageVaaiHeader h = tp->pool->header;
    virStorageVaaiLease l = { .version = 1, .generation = 7 };
    g_autoptr(GError) err = NULL;

    h.formatMinor = 1;
    h.incompat &= ~VIR_STORAGE_VAAI_INCOMPAT_JOURNAL;
    g_assert_cmpint(virStorageVaaiHeaderEncode(&h, block, BS, &err), ==, 0);
    testMemLunWrite(tp->mem, 0, 1, block);
    testMemLunWrite(tp->mem, 1, 1, block);
    g_assert_cmpint(virStorageVaaiLeaseEncode(&l, block, BS, &err), ==, 0);
    testMemLunWrite(tp->mem, h.leaseLba, 1, block);
    virStorageVaaiPoolFree(tp->pool);
    tp->pool = virStorageVaaiPoolOpen(tp->lun, true, &err);
    g_assert_no_error(err);
    g_assert_false(virStorageVaaiPoolJournaled(tp->pool));
}


/* A pool of format 1.1 is used as before (whole reads), and upgraded in
 * place once no other host works on it; its volumes stay. */
static void
testJournalUpgrade(void)
{
    testMemLunProfile profile = { .blocks = 64 * MIB / BS, .blockSize = BS, .lbprz = true };
    testMemPool tp;
    virStorageVaaiHost a;
    virStorageVaaiHost b;
    virStorageVaaiSession *sa;
    virStorageVaaiSession *sb;
    virStorageVaaiVolRecord rec;
    g_autoptr(GError) err = NULL;
    g_autofree uint8_t *block = g_new0(uint8_t, BS);
    virStorageVaaiLease l;

    testMemPoolOpen(&tp, &profile, "upgrade", RECORDS, 1000, 100, false);
    testDowngrade(&tp);
    testMemPoolHost(&a, 1);
    testMemPoolHost(&b, 2);
    sa = virStorageVaaiSessionJoin(tp.pool, &a, &err);
    g_assert_no_error(err);
    g_assert_cmpint(virStorageVaaiVolCreate(sa, "old", MIB, NULL, NULL, &rec, &err), ==, 0);
    g_assert_no_error(err);
    /* format 1.1 hosts keep writing the lease record of version 1 */
    testMemLunRead(tp.mem, tp.pool->header.leaseLba, 1, block);
    g_assert_cmpint(virStorageVaaiLeaseDecode(block, BS, &l, NULL), ==,
                    VIR_STORAGE_VAAI_RECORD_VALID);
    g_assert_cmpuint(l.version, ==, 1);

    /* refused while another process works on the pool */
    g_assert_cmpint(virStorageVaaiPoolUpgrade(tp.pool, &b, 5000, &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY);
    g_assert_nonnull(strstr(err->message, "host-1"));
    g_clear_error(&err);
    g_assert_false(virStorageVaaiPoolJournaled(tp.pool));
    virStorageVaaiSessionLeave(sa);

    g_assert_cmpint(virStorageVaaiPoolUpgrade(tp.pool, &b, 5000, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(virStorageVaaiPoolUpgrade(tp.pool, &b, 5000, &err), ==, 1);

    /* both header copies say 1.2; the lease journals "all" */
    virStorageVaaiPoolFree(tp.pool);
    tp.pool = virStorageVaaiPoolOpen(tp.lun, true, &err);
    g_assert_no_error(err);
    g_assert_true(virStorageVaaiPoolJournaled(tp.pool));
    g_assert_cmpuint(tp.pool->header.formatMinor, ==, 2);
    g_assert_cmpuint(tp.pool->warnings->len, ==, 0);
    testMemLunRead(tp.mem, tp.pool->header.leaseLba, 1, block);
    g_assert_cmpint(virStorageVaaiLeaseDecode(block, BS, &l, NULL), ==,
                    VIR_STORAGE_VAAI_RECORD_VALID);
    g_assert_cmpuint(l.version, ==, 2);
    g_assert_cmpuint(l.journal[l.tableGeneration % JLEN], ==, VIR_STORAGE_VAAI_JOURNAL_ALL);

    /* the volume is there, and the pool goes on */
    sb = virStorageVaaiSessionJoin(tp.pool, &b, &err);
    g_assert_no_error(err);
    g_assert_cmpint(virStorageVaaiVolCreate(sb, "new", MIB, NULL, NULL, &rec, &err), ==, 0);
    g_assert_no_error(err);
    {
        g_autoptr(virStorageVaaiTable) t = virStorageVaaiTableNew(&tp.pool->header);

        g_assert_cmpint(virStorageVaaiTableRead(tp.pool, t, &err), ==, 0);
        g_assert_cmpint(virStorageVaaiTableFindName(t, "old"), >=, 0);
        g_assert_cmpint(virStorageVaaiTableFindName(t, "new"), >=, 0);
    }
    testMemPoolAssertClean(&tp, "after the upgrade", NULL);
    virStorageVaaiSessionLeave(sb);
    testMemPoolClose(&tp);
}


/* A record changed many times between two releases (a worker's progress,
 * every second of a long clone) is journaled once: the release does not
 * fall back to "any" for it. */
static void
testJournalOnceEach(void)
{
    testTwoHosts th;
    g_autoptr(virStorageVaaiTable) t = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree uint8_t *block = g_new0(uint8_t, BS);
    virStorageVaaiVolRecord rec;
    virStorageVaaiLease before;
    virStorageVaaiLease after;
    int idx;
    int i;

    testTwoHostsOpen(&th, 0);
    g_assert_cmpint(virStorageVaaiVolCreate(th.tp.session, "x", MIB, NULL, NULL, &rec, &err),
                    ==, 0);
    testReadB(&th, "x", VIR_STORAGE_VAAI_VOL_READY);  /* B's cache: at the create */
    testMemLunRead(th.tp.mem, th.tp.pool->header.leaseLba, 1, block);
    g_assert_cmpint(virStorageVaaiLeaseDecode(block, BS, &before, NULL), ==,
                    VIR_STORAGE_VAAI_RECORD_VALID);

    t = virStorageVaaiTableNew(&th.tp.pool->header);
    g_assert_cmpint(virStorageVaaiSessionAcquire(th.tp.session, 5000, &err), ==, 0);
    g_assert_cmpint(virStorageVaaiTableRead(th.tp.pool, t, &err), ==, 0);
    idx = virStorageVaaiTableFindName(t, "x");
    for (i = 0; i < VIR_STORAGE_VAAI_JOURNAL_LEN; i++) {
        rec = t->recs[idx];
        g_snprintf(rec.name, sizeof(rec.name), "x%d", i);
        g_assert_cmpint(virStorageVaaiTableSwap(th.tp.pool, t, idx, &rec, &err), ==, 0);
    }
    g_assert_cmpint(virStorageVaaiSessionRelease(th.tp.session, &err), ==, 0);
    g_assert_no_error(err);

    testMemLunRead(th.tp.mem, th.tp.pool->header.leaseLba, 1, block);
    g_assert_cmpint(virStorageVaaiLeaseDecode(block, BS, &after, NULL), ==,
                    VIR_STORAGE_VAAI_RECORD_VALID);
    g_assert_cmpuint(after.tableGeneration, ==, before.tableGeneration + 1);
    g_assert_cmpuint(after.journal[after.tableGeneration % JLEN], ==, idx);
    /* and B, whose cache is at the create, reads the lease record and x */
    g_assert_cmpuint(testReadB(&th, "x63", VIR_STORAGE_VAAI_VOL_READY), <=, 4 * BS);
    testTwoHostsClose(&th);
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/vaai-journal/since", testJournalSince);
    g_test_add_func("/vaai-journal/codec", testJournalCodec);
    g_test_add_data_func("/vaai-journal/changes/10-volumes", GUINT_TO_POINTER(10),
                         testJournalSeesChanges);
    g_test_add_data_func("/vaai-journal/changes/1000-volumes", GUINT_TO_POINTER(1000),
                         testJournalSeesChanges);
    g_test_add_func("/vaai-journal/takeover", testJournalTakeover);
    g_test_add_func("/vaai-journal/upgrade", testJournalUpgrade);
    g_test_add_func("/vaai-journal/once-each", testJournalOnceEach);
    return g_test_run();
}
