/*
 * test-vaai-check.c: the consistency check of a vaai pool's volume table
 *
 * Every table is built in memory the way virStorageVaaiTableRead() fills
 * it: records encoded with the codec, then loaded block by block, so a
 * record the codec refuses cannot be built here and a damaged one is
 * damaged in its bytes, not in the decoded structure.
 *
 * The pool: 512-byte blocks, 1 MiB extent alignment (A = 2048 blocks), 16
 * records, data area [D, D + 32 A) with D = 2048.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdarg.h>
#include <string.h>

#include <glib.h>

#include "storage_vaai_check.h"
#include "storage_vaai_crc32c.h"
#include "storage_vaai_table.h"
#include "virscsibytes.h"


#define BS 512
#define A 2048
#define D 2048
#define E (D + 32 * A)
#define NREC 16


static void
testHeader(virStorageVaaiHeader *h)
{
    memset(h, 0, sizeof(*h));
    h->version = VIR_STORAGE_VAAI_RECORD_VERSION;
    h->formatMajor = VIR_STORAGE_VAAI_FORMAT_MAJOR;
    h->blockSize = BS;
    h->extentAlignment = A;
    h->capacity = E;
    h->leaseLba = VIR_STORAGE_VAAI_LEASE_LBA;
    h->heartbeatLba = VIR_STORAGE_VAAI_HEARTBEAT_LBA;
    h->heartbeatSlots = VIR_STORAGE_VAAI_HEARTBEAT_SLOTS;
    h->volumeRecords = NREC;
    h->volumeTableLba = VIR_STORAGE_VAAI_HEARTBEAT_LBA + VIR_STORAGE_VAAI_HEARTBEAT_SLOTS;
    h->dataLba = D;
    h->dataEndLba = E;
    memset(h->poolUuid, 0x01, sizeof(h->poolUuid));
    memset(h->formatHostUuid, 0x02, sizeof(h->formatHostUuid));
    h->leaseTimeoutMs = VIR_STORAGE_VAAI_LEASE_TIMEOUT_MS;
    h->heartbeatIntervalMs = VIR_STORAGE_VAAI_HEARTBEAT_INTERVAL_MS;
    g_strlcpy(h->name, "pool", sizeof(h->name));
}


static void
testHeaderSane(void)
{
    virStorageVaaiHeader h;
    g_autofree uint8_t *block = g_malloc0(BS);
    g_autoptr(GError) err = NULL;

    /* The hand-made header is one the codec would write. */
    testHeader(&h);
    g_assert_cmpint(virStorageVaaiHeaderEncode(&h, block, BS, &err), ==, 0);
    g_assert_no_error(err);
}


/* A volume record, as the volume code fills one. */
static void
testVol(virStorageVaaiVolRecord *v,
        const char *name,
        uint8_t uuid,
        virStorageVaaiVolState state,
        uint64_t start,
        uint64_t length)
{
    memset(v, 0, sizeof(*v));
    v->state = state;
    v->sequence = 1;
    memset(v->uuid, uuid, sizeof(v->uuid));
    v->extentStart = start;
    v->extentLength = length;
    v->capacity = length * BS;
    v->createdAt = 1700000000;
    v->modifiedAt = 1700000000;
    g_strlcpy(v->name, name, sizeof(v->name));
}


/* Encode @v and load it as record @idx, which must then be valid. */
static void
testLoad(virStorageVaaiTable *t,
         uint32_t idx,
         const virStorageVaaiVolRecord *v)
{
    g_autofree uint8_t *block = g_malloc0(BS);
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(virStorageVaaiVolRecordEncode(v, block, BS, &err), ==, 0);
    g_assert_no_error(err);
    virStorageVaaiTableLoad(t, idx, block);
    g_assert_cmpint(t->status[idx], ==, VIR_STORAGE_VAAI_RECORD_VALID);
}


static void
testAddVol(virStorageVaaiTable *t,
           uint32_t idx,
           const char *name,
           uint8_t uuid,
           virStorageVaaiVolState state,
           uint64_t start,
           uint64_t length)
{
    virStorageVaaiVolRecord v;

    testVol(&v, name, uuid, state, start, length);
    testLoad(t, idx, &v);
}


/* Replace @t by an empty table. */
static void
testFresh(virStorageVaaiTable **t,
          const virStorageVaaiHeader *h)
{
    g_clear_pointer(t, virStorageVaaiTableFree);
    *t = virStorageVaaiTableNew(h);
}


/* Recompute the CRC of an encoded volume record after changing it. */
static void
testReseal(uint8_t *block)
{
    memset(block + VIR_STORAGE_VAAI_VOLRECORD_CRC_OFFSET, 0, 4);
    virSCSIPutBE32(block + VIR_STORAGE_VAAI_VOLRECORD_CRC_OFFSET,
                   virStorageVaaiCrc32c(block, BS));
}


/* How many of @msgs contain every one of the NULL-terminated @words. */
static guint
testCount(GPtrArray *msgs,
          ...)
{
    guint n = 0;
    guint i;

    for (i = 0; i < msgs->len; i++) {
        const char *msg = g_ptr_array_index(msgs, i);
        const char *word;
        bool all = true;
        va_list ap;

        va_start(ap, msgs);
        while ((word = va_arg(ap, const char *)))
            all = all && strstr(msg, word) != NULL;
        va_end(ap);
        n += all;
    }
    return n;
}


/* Print what check said, so a failure shows it. */
static void
testDump(const virStorageVaaiCheck *c)
{
    guint i;

    for (i = 0; i < c->errors->len; i++)
        g_test_message("error: %s", (const char *)g_ptr_array_index(c->errors, i));
    for (i = 0; i < c->notes->len; i++)
        g_test_message("note: %s", (const char *)g_ptr_array_index(c->notes, i));
}


static void
testRun(const virStorageVaaiHeader *h,
        const virStorageVaaiTable *t,
        virStorageVaaiDeadFunc dead,
        void *opaque,
        virStorageVaaiCheck *c)
{
    virStorageVaaiCheckTable(h, t, dead, opaque, c);
    testDump(c);
    /* Whatever the table, the space adds up. */
    g_assert_cmpuint(c->dataBlocks, ==, h->dataEndLba - h->dataLba);
    g_assert_cmpuint(c->usedBlocks + c->freeBlocks, ==, c->dataBlocks);
    g_assert_cmpuint(c->largestFree, <=, c->freeBlocks);
    g_assert_cmpuint(c->largestFree % h->extentAlignment, ==, 0);
}


/* ---- A consistent table ---- */

static void
testConsistent(void)
{
    virStorageVaaiHeader h;
    g_autoptr(virStorageVaaiTable) t = NULL;
    g_autofree virStorageVaaiExtent *used = NULL;
    virStorageVaaiVolRecord v;
    virStorageVaaiCheck c;
    uint8_t uuid[VIR_STORAGE_VAAI_UUID_LEN];
    size_t nused;

    testHeader(&h);
    t = virStorageVaaiTableNew(&h);
    g_assert_cmpuint(t->count, ==, NREC);

    /* Free runs: [2A,4A) [5A,8A) [10A,32A). */
    testAddVol(t, 0, "a", 0xA0, VIR_STORAGE_VAAI_VOL_READY, D, 2 * A);
    testAddVol(t, 3, "b", 0xB0, VIR_STORAGE_VAAI_VOL_READY, D + 4 * A, A);
    testAddVol(t, 7, "c", 0xC0, VIR_STORAGE_VAAI_VOL_CREATING, D + 8 * A, 2 * A);
    /* A record freed after use keeps its sequence; nothing else. */
    memset(&v, 0, sizeof(v));
    v.sequence = 9;
    v.modifiedAt = 1700000100;
    testLoad(t, 1, &v);
    /* A broken volume still holds its space. */
    testAddVol(t, 9, "d", 0xD0, VIR_STORAGE_VAAI_VOL_BROKEN, D + 31 * A, A);

    g_assert_true(virStorageVaaiTableInUse(t, 0));
    g_assert_false(virStorageVaaiTableInUse(t, 1));
    g_assert_false(virStorageVaaiTableInUse(t, 2));
    g_assert_false(virStorageVaaiTableOpaque(t, 0));
    g_assert_false(virStorageVaaiTableOpaque(t, 1));
    g_assert_false(virStorageVaaiTableOpaque(t, 2));
    g_assert_cmpint(virStorageVaaiTableFindName(t, "b"), ==, 3);
    g_assert_cmpint(virStorageVaaiTableFindName(t, "x"), ==, -1);
    memset(uuid, 0xC0, sizeof(uuid));
    g_assert_cmpint(virStorageVaaiTableFindUuid(t, uuid), ==, 7);
    g_assert_cmpint(virStorageVaaiTableFindFree(t), ==, 1);

    used = virStorageVaaiTableUsedExtents(t, &nused);
    g_assert_cmpuint(nused, ==, 4);
    g_assert_cmpint(used[0].owner, ==, 0);
    g_assert_cmpint(used[1].owner, ==, 3);
    g_assert_cmpint(used[2].owner, ==, 7);
    g_assert_cmpint(used[3].owner, ==, 9);

    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.errors->len, ==, 0);
    g_assert_cmpuint(c.ready, ==, 2);
    g_assert_cmpuint(c.busy, ==, 1);
    g_assert_cmpuint(c.broken, ==, 1);
    g_assert_cmpuint(c.orphans, ==, 0);
    g_assert_cmpuint(c.opaque, ==, 0);
    g_assert_cmpuint(c.dataBlocks, ==, 32 * A);
    g_assert_cmpuint(c.usedBlocks, ==, 6 * A);
    g_assert_cmpuint(c.freeBlocks, ==, 26 * A);
    g_assert_cmpuint(c.largestFree, ==, 21 * A);
    g_assert_cmpuint(c.orphanBlocks, ==, 0);
    /* Notes: c is being created, d is broken. */
    g_assert_cmpuint(c.notes->len, ==, 2);
    g_assert_cmpuint(testCount(c.notes, "'c'", "creating", NULL), ==, 1);
    g_assert_cmpuint(testCount(c.notes, "'d'", "broken", NULL), ==, 1);
    virStorageVaaiCheckClear(&c);
    g_assert_null(c.errors);

    /* An empty table: all free. */
    {
        g_autoptr(virStorageVaaiTable) empty = virStorageVaaiTableNew(&h);

        testRun(&h, empty, NULL, NULL, &c);
        g_assert_cmpuint(c.errors->len, ==, 0);
        g_assert_cmpuint(c.notes->len, ==, 0);
        g_assert_cmpuint(c.freeBlocks, ==, 32 * A);
        g_assert_cmpuint(c.largestFree, ==, 32 * A);
        virStorageVaaiCheckClear(&c);
    }
}


/* ---- Extents ---- */

static void
testOverlap(void)
{
    virStorageVaaiHeader h;
    g_autoptr(virStorageVaaiTable) t = NULL;
    virStorageVaaiCheck c;

    testHeader(&h);
    t = virStorageVaaiTableNew(&h);
    testAddVol(t, 2, "first", 0x11, VIR_STORAGE_VAAI_VOL_READY, D, 2 * A);
    testAddVol(t, 5, "second", 0x22, VIR_STORAGE_VAAI_VOL_READY, D + A, 2 * A);
    testAddVol(t, 6, "apart", 0x33, VIR_STORAGE_VAAI_VOL_READY, D + 3 * A, A);

    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.errors->len, ==, 1);
    g_assert_cmpuint(testCount(c.errors, "overlap", "'first'", "'second'",
                               "record 2", "record 5", NULL), ==, 1);
    /* The union: [D, D + 4A). */
    g_assert_cmpuint(c.usedBlocks, ==, 4 * A);
    g_assert_cmpuint(c.largestFree, ==, 28 * A);
    virStorageVaaiCheckClear(&c);

    /* A long extent holding two others: both are reported against it,
     * even though they do not overlap each other. */
    testFresh(&t, &h);
    testAddVol(t, 0, "big", 0x11, VIR_STORAGE_VAAI_VOL_READY, D, 8 * A);
    testAddVol(t, 1, "in1", 0x22, VIR_STORAGE_VAAI_VOL_READY, D + A, A);
    testAddVol(t, 2, "in2", 0x33, VIR_STORAGE_VAAI_VOL_READY, D + 5 * A, A);
    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.errors->len, ==, 2);
    g_assert_cmpuint(testCount(c.errors, "overlap", "'big'", "'in1'", NULL), ==, 1);
    g_assert_cmpuint(testCount(c.errors, "overlap", "'big'", "'in2'", NULL), ==, 1);
    g_assert_cmpuint(c.usedBlocks, ==, 8 * A);
    virStorageVaaiCheckClear(&c);

    /* Adjacent is fine. */
    testFresh(&t, &h);
    testAddVol(t, 0, "left", 0x11, VIR_STORAGE_VAAI_VOL_READY, D, A);
    testAddVol(t, 1, "right", 0x22, VIR_STORAGE_VAAI_VOL_READY, D + A, A);
    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.errors->len, ==, 0);
    virStorageVaaiCheckClear(&c);
}


static void
testOutside(void)
{
    virStorageVaaiHeader h;
    g_autoptr(virStorageVaaiTable) t = NULL;
    virStorageVaaiCheck c;
    virStorageVaaiVolRecord v;
    static const struct {
        const char *name;
        uint64_t start;
        uint64_t length;
    } outside[] = {
        { "below", D - A, A },          /* over the metadata, below the data area */
        { "past", E - A, 2 * A },       /* across the end of the data area */
        { "beyond", E + 4 * A, A },     /* wholly past it */
        { "none", 0, 0 },               /* no extent at all */
    };
    size_t i;

    testHeader(&h);
    t = virStorageVaaiTableNew(&h);
    /* A record that points outside the data area is not trusted at all:
     * loading it makes it corrupt, so nothing is ever written through it
     * and allocation stops until 'pool repair' settles it. */
    for (i = 0; i < G_N_ELEMENTS(outside); i++) {
        g_autofree uint8_t *block = g_malloc0(BS);

        testVol(&v, outside[i].name, 0x01 + i, VIR_STORAGE_VAAI_VOL_READY,
                outside[i].start, outside[i].length);
        g_assert_cmpint(virStorageVaaiVolRecordEncode(&v, block, BS, NULL), ==, 0);
        virStorageVaaiTableLoad(t, i, block);
        g_assert_cmpint(t->status[i], ==, VIR_STORAGE_VAAI_RECORD_CORRUPT);
        g_assert_nonnull(strstr(t->errors[i], "not inside the data area"));
    }
    /* Start one block off the alignment. */
    testAddVol(t, 4, "skewed", 0x05, VIR_STORAGE_VAAI_VOL_READY, D + 2 * A + 1, A);
    /* Length one block more than the alignment. */
    testAddVol(t, 5, "ragged", 0x06, VIR_STORAGE_VAAI_VOL_READY, D + 5 * A, A + 1);
    /* And one that is right. */
    testAddVol(t, 6, "fine", 0x07, VIR_STORAGE_VAAI_VOL_READY, D + 10 * A, A);

    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.opaque, ==, 4);
    g_assert_cmpuint(testCount(c.errors, "'skewed'", "not aligned", NULL), ==, 1);
    g_assert_cmpuint(testCount(c.errors, "'ragged'", "not aligned", NULL), ==, 1);
    g_assert_cmpuint(testCount(c.errors, "'fine'", NULL), ==, 0);
    /* A of 'skewed', A + 1 of 'ragged', A of 'fine'. */
    g_assert_cmpuint(c.usedBlocks, ==, 3 * A + 1);
    virStorageVaaiCheckClear(&c);

    /* A busy record's intent extent is checked too. */
    {
        g_autofree uint8_t *block = g_malloc0(BS);

        testFresh(&t, &h);
        testVol(&v, "moving", 0x01, VIR_STORAGE_VAAI_VOL_RESIZING, D, A);
        v.intentExtentStart = E - A;
        v.intentExtentLength = 4 * A;
        v.intentCapacity = 4 * A * BS;
        memset(v.workerUuid, 0x77, sizeof(v.workerUuid));
        g_assert_cmpint(virStorageVaaiVolRecordEncode(&v, block, BS, NULL), ==, 0);
        virStorageVaaiTableLoad(t, 0, block);
        g_assert_cmpint(t->status[0], ==, VIR_STORAGE_VAAI_RECORD_CORRUPT);
        g_assert_nonnull(strstr(t->errors[0], "intent"));
    }
}


/* ---- Names and UUIDs ---- */

static void
testDuplicates(void)
{
    virStorageVaaiHeader h;
    g_autoptr(virStorageVaaiTable) t = NULL;
    virStorageVaaiCheck c;

    testHeader(&h);
    t = virStorageVaaiTableNew(&h);
    testAddVol(t, 0, "same", 0x01, VIR_STORAGE_VAAI_VOL_READY, D, A);
    testAddVol(t, 3, "same", 0x02, VIR_STORAGE_VAAI_VOL_READY, D + A, A);
    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.errors->len, ==, 1);
    g_assert_cmpuint(testCount(c.errors, "'same'", "records 0 and 3", NULL), ==, 1);
    virStorageVaaiCheckClear(&c);

    testFresh(&t, &h);
    testAddVol(t, 4, "x", 0x42, VIR_STORAGE_VAAI_VOL_READY, D, A);
    testAddVol(t, 9, "y", 0x42, VIR_STORAGE_VAAI_VOL_READY, D + A, A);
    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.errors->len, ==, 1);
    g_assert_cmpuint(testCount(c.errors, "'y'", "record 9", "UUID", NULL), ==, 1);
    virStorageVaaiCheckClear(&c);

    /* A free record's old name and UUID collide with nothing (its
     * leftovers are a separate error). */
    testFresh(&t, &h);
    testAddVol(t, 0, "z", 0x42, VIR_STORAGE_VAAI_VOL_READY, D, A);
    testAddVol(t, 1, "z", 0x42, VIR_STORAGE_VAAI_VOL_FREE, 0, 0);
    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.errors->len, ==, 1);
    g_assert_cmpuint(testCount(c.errors, "record 1", "free but not empty", NULL), ==, 1);
    virStorageVaaiCheckClear(&c);
}


/* ---- Records that cannot be read ---- */

static void
testCorrupt(void)
{
    virStorageVaaiHeader h;
    g_autoptr(virStorageVaaiTable) t = NULL;
    g_autofree uint8_t *block = g_malloc0(BS);
    g_autofree virStorageVaaiExtent *used = NULL;
    virStorageVaaiVolRecord v;
    virStorageVaaiCheck c;
    size_t nused;

    testHeader(&h);
    t = virStorageVaaiTableNew(&h);
    testAddVol(t, 0, "ok", 0x01, VIR_STORAGE_VAAI_VOL_READY, D, A);

    /* One bit of the name, after the CRC was computed. */
    testVol(&v, "hurt", 0x02, VIR_STORAGE_VAAI_VOL_READY, D + A, A);
    g_assert_cmpint(virStorageVaaiVolRecordEncode(&v, block, BS, NULL), ==, 0);
    block[160] ^= 0x01;
    virStorageVaaiTableLoad(t, 2, block);
    g_assert_cmpint(t->status[2], ==, VIR_STORAGE_VAAI_RECORD_CORRUPT);
    g_assert_nonnull(t->errors[2]);
    g_assert_nonnull(strstr(t->errors[2], "CRC"));
    g_assert_true(virStorageVaaiTableOpaque(t, 2));
    g_assert_true(virStorageVaaiTableInUse(t, 2));
    /* Never followed: its name and extent are not known. */
    g_assert_cmpint(virStorageVaaiTableFindName(t, "hurt"), ==, -1);
    g_assert_cmpint(virStorageVaaiTableFindName(t, "iurt"), ==, -1);
    used = virStorageVaaiTableUsedExtents(t, &nused);
    g_assert_cmpuint(nused, ==, 1);
    g_assert_cmpint(used[0].owner, ==, 0);

    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.errors->len, ==, 1);
    g_assert_cmpuint(testCount(c.errors, "record 2", "corrupt", "CRC", NULL), ==, 1);
    g_assert_cmpuint(c.opaque, ==, 1);
    g_assert_cmpuint(c.ready, ==, 1);
    virStorageVaaiCheckClear(&c);

    /* Some other data in the table. */
    memset(block, 0, BS);
    memcpy(block, "XFSB", 4);
    virStorageVaaiTableLoad(t, 3, block);
    g_assert_cmpint(t->status[3], ==, VIR_STORAGE_VAAI_RECORD_FOREIGN);
    g_assert_true(virStorageVaaiTableOpaque(t, 3));
    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.errors->len, ==, 2);
    g_assert_cmpuint(testCount(c.errors, "record 3", "foreign", NULL), ==, 1);
    g_assert_cmpuint(c.opaque, ==, 2);
    virStorageVaaiCheckClear(&c);

    /* Loading a good record over it makes it readable again. */
    testAddVol(t, 2, "hurt", 0x02, VIR_STORAGE_VAAI_VOL_READY, D + A, A);
    g_assert_null(t->errors[2]);
    g_assert_false(virStorageVaaiTableOpaque(t, 2));
}


static void
testUnknownVersion(void)
{
    virStorageVaaiHeader h;
    g_autoptr(virStorageVaaiTable) t = NULL;
    g_autofree uint8_t *block = g_malloc0(BS);
    virStorageVaaiVolRecord v;
    virStorageVaaiCheck c;

    testHeader(&h);
    t = virStorageVaaiTableNew(&h);
    testAddVol(t, 0, "ok", 0x01, VIR_STORAGE_VAAI_VOL_READY, D, A);

    /* Version 2, properly sealed: a newer writer's record. */
    testVol(&v, "new", 0x02, VIR_STORAGE_VAAI_VOL_READY, D + A, A);
    g_assert_cmpint(virStorageVaaiVolRecordEncode(&v, block, BS, NULL), ==, 0);
    block[4] = 2;
    testReseal(block);
    virStorageVaaiTableLoad(t, 1, block);
    g_assert_cmpint(t->status[1], ==, VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION);
    g_assert_true(virStorageVaaiTableOpaque(t, 1));
    g_assert_true(virStorageVaaiTableInUse(t, 1));

    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.errors->len, ==, 0);
    g_assert_cmpuint(c.notes->len, ==, 1);
    g_assert_cmpuint(testCount(c.notes, "record 1", "version 2", NULL), ==, 1);
    g_assert_cmpuint(c.opaque, ==, 1);
    virStorageVaaiCheckClear(&c);
}


/* ---- Operations in progress ---- */

static bool
testDeadWorker(const virStorageVaaiVolRecord *rec,
               void *opaque)
{
    const uint8_t *dead = opaque;

    return memcmp(rec->workerUuid, dead, VIR_STORAGE_VAAI_UUID_LEN) == 0;
}


static void
testOrphan(void)
{
    virStorageVaaiHeader h;
    g_autoptr(virStorageVaaiTable) t = NULL;
    virStorageVaaiVolRecord v;
    virStorageVaaiCheck c;
    uint8_t dead[VIR_STORAGE_VAAI_UUID_LEN];

    memset(dead, 0x77, sizeof(dead));
    testHeader(&h);
    t = virStorageVaaiTableNew(&h);

    /* A clone by a dead worker: the source's extent and the target's
     * (intent) extent are both held by the dead. */
    testVol(&v, "clone", 0x01, VIR_STORAGE_VAAI_VOL_CLONING, D, 2 * A);
    memset(v.workerUuid, 0x77, sizeof(v.workerUuid));
    v.workerIncarnation = 5;
    v.progress = 100;
    v.intentExtentStart = D + 10 * A;
    v.intentExtentLength = 2 * A;
    v.intentCapacity = 2 * A * BS;
    testLoad(t, 0, &v);

    /* A wipe by a live worker. */
    testVol(&v, "wipe", 0x02, VIR_STORAGE_VAAI_VOL_WIPING, D + 4 * A, A);
    memset(v.workerUuid, 0x88, sizeof(v.workerUuid));
    testLoad(t, 1, &v);

    /* A ready volume whose worker fields happen to name the dead host:
     * nothing is in progress, so it is no orphan. */
    testVol(&v, "idle", 0x03, VIR_STORAGE_VAAI_VOL_READY, D + 6 * A, A);
    memset(v.workerUuid, 0x77, sizeof(v.workerUuid));
    testLoad(t, 2, &v);

    testRun(&h, t, testDeadWorker, dead, &c);
    g_assert_cmpuint(c.busy, ==, 2);
    g_assert_cmpuint(c.ready, ==, 1);
    g_assert_cmpuint(c.orphans, ==, 1);
    g_assert_cmpuint(c.orphanBlocks, ==, 4 * A);
    g_assert_cmpuint(c.errors->len, ==, 1);
    g_assert_cmpuint(testCount(c.errors, "'clone'", "dead", "cloning", NULL), ==, 1);
    g_assert_cmpuint(testCount(c.notes, "'wipe'", "wiping", NULL), ==, 1);
    g_assert_cmpuint(c.usedBlocks, ==, 6 * A);
    virStorageVaaiCheckClear(&c);

    /* Without a callback nobody is dead. */
    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.orphans, ==, 0);
    g_assert_cmpuint(c.orphanBlocks, ==, 0);
    g_assert_cmpuint(c.errors->len, ==, 0);
    virStorageVaaiCheckClear(&c);
}


static void
testFreeLeftovers(void)
{
    virStorageVaaiHeader h;
    g_autoptr(virStorageVaaiTable) t = NULL;
    virStorageVaaiVolRecord v;
    virStorageVaaiCheck c;

    testHeader(&h);
    t = virStorageVaaiTableNew(&h);

    /* A free record that still has an extent. */
    memset(&v, 0, sizeof(v));
    v.sequence = 4;
    v.extentStart = D;
    v.extentLength = A;
    testLoad(t, 0, &v);
    /* ...a name. */
    memset(&v, 0, sizeof(v));
    v.sequence = 4;
    g_strlcpy(v.name, "gone", sizeof(v.name));
    testLoad(t, 1, &v);
    /* ...a worker. */
    memset(&v, 0, sizeof(v));
    memset(v.workerUuid, 0x77, sizeof(v.workerUuid));
    testLoad(t, 2, &v);
    /* A clean one. */
    memset(&v, 0, sizeof(v));
    v.sequence = 4;
    v.modifiedAt = 1700000000;
    testLoad(t, 3, &v);

    /* Free is free: reusable, and its old name names nothing. */
    g_assert_false(virStorageVaaiTableInUse(t, 0));
    g_assert_cmpint(virStorageVaaiTableFindFree(t), ==, 0);
    g_assert_cmpint(virStorageVaaiTableFindName(t, "gone"), ==, -1);
    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.errors->len, ==, 3);
    g_assert_cmpuint(testCount(c.errors, "record 0", "free but not empty", NULL), ==, 1);
    g_assert_cmpuint(testCount(c.errors, "record 1", "free but not empty", NULL), ==, 1);
    g_assert_cmpuint(testCount(c.errors, "record 2", "free but not empty", NULL), ==, 1);
    /* A free record holds no space, leftovers or not. */
    g_assert_cmpuint(c.usedBlocks, ==, 0);
    virStorageVaaiCheckClear(&c);
}


static void
testGrowInPlace(void)
{
    virStorageVaaiHeader h;
    g_autoptr(virStorageVaaiTable) t = NULL;
    g_autofree virStorageVaaiExtent *used = NULL;
    virStorageVaaiVolRecord v;
    virStorageVaaiCheck c;
    size_t nused;

    testHeader(&h);
    t = virStorageVaaiTableNew(&h);

    /* [D, D + 2A) growing to 4A in place; a neighbour at D + 4A. */
    testVol(&v, "grow", 0x01, VIR_STORAGE_VAAI_VOL_RESIZING, D, 2 * A);
    memset(v.workerUuid, 0x77, sizeof(v.workerUuid));
    v.intentExtentStart = D;
    v.intentExtentLength = 4 * A;
    v.intentCapacity = 4 * A * BS;
    testLoad(t, 3, &v);
    testAddVol(t, 4, "next", 0x02, VIR_STORAGE_VAAI_VOL_READY, D + 4 * A, A);

    /* The extent, then only the growth, then the neighbour. */
    used = virStorageVaaiTableUsedExtents(t, &nused);
    g_assert_cmpuint(nused, ==, 3);
    g_assert_cmpuint(used[0].start, ==, D);
    g_assert_cmpuint(used[0].length, ==, 2 * A);
    g_assert_cmpint(used[0].owner, ==, 3);
    g_assert_cmpuint(used[1].start, ==, D + 2 * A);
    g_assert_cmpuint(used[1].length, ==, 2 * A);
    g_assert_cmpint(used[1].owner, ==, 3);
    g_assert_cmpuint(used[2].start, ==, D + 4 * A);
    g_assert_cmpint(used[2].owner, ==, 4);
    g_clear_pointer(&used, g_free);

    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.errors->len, ==, 0);
    g_assert_cmpuint(c.usedBlocks, ==, 5 * A);
    g_assert_cmpuint(c.busy, ==, 1);
    virStorageVaaiCheckClear(&c);

    /* The growth does count as the dead worker's. */
    {
        uint8_t dead[VIR_STORAGE_VAAI_UUID_LEN];

        memset(dead, 0x77, sizeof(dead));
        testRun(&h, t, testDeadWorker, dead, &c);
        g_assert_cmpuint(c.orphanBlocks, ==, 4 * A);
        virStorageVaaiCheckClear(&c);
    }

    /* A shrink in place (intent shorter, same start) adds nothing. */
    v.intentExtentLength = A;
    v.intentCapacity = A * BS;
    testLoad(t, 3, &v);
    used = virStorageVaaiTableUsedExtents(t, &nused);
    g_assert_cmpuint(nused, ==, 2);
    g_assert_cmpuint(used[0].length, ==, 2 * A);
    g_clear_pointer(&used, g_free);

    /* Growing into the neighbour is an overlap, of the growth. */
    v.intentExtentLength = 5 * A;
    v.intentCapacity = 5 * A * BS;
    testLoad(t, 3, &v);
    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.errors->len, ==, 1);
    g_assert_cmpuint(testCount(c.errors, "overlap", "'grow'", "'next'", NULL), ==, 1);
    virStorageVaaiCheckClear(&c);

    /* The same intent on a volume that is no longer busy holds nothing. */
    v.state = VIR_STORAGE_VAAI_VOL_READY;
    testLoad(t, 3, &v);
    used = virStorageVaaiTableUsedExtents(t, &nused);
    g_assert_cmpuint(nused, ==, 2);
    testRun(&h, t, NULL, NULL, &c);
    g_assert_cmpuint(c.errors->len, ==, 0);
    g_assert_cmpuint(c.usedBlocks, ==, 3 * A);
    virStorageVaaiCheckClear(&c);
}


/* ---- What a listing shows changed (the daemon's table watcher) ---- */

static bool
testAnyChanged(const virStorageVaaiTable *a,
               const virStorageVaaiTable *b)
{
    uint32_t i;
    bool any = false;

    for (i = 0; i < a->count; i++)
        any |= virStorageVaaiTableRecordChanged(a, b, i);
    return any;
}


static void
testRecordChanged(void)
{
    virStorageVaaiHeader h;
    g_autoptr(virStorageVaaiTable) a = NULL;
    g_autoptr(virStorageVaaiTable) b = NULL;
    virStorageVaaiVolRecord v;
    g_autofree uint8_t *block = g_malloc0(BS);
    g_autoptr(GError) err = NULL;

    testHeader(&h);
    testFresh(&a, &h);
    testFresh(&b, &h);
    g_assert_false(testAnyChanged(a, b));

    /* A volume appears (any state), and goes. */
    testAddVol(b, 3, "vm1", 0x31, VIR_STORAGE_VAAI_VOL_CREATING, D, A);
    g_assert_true(virStorageVaaiTableRecordChanged(a, b, 3));
    g_assert_true(virStorageVaaiTableRecordChanged(b, a, 3));
    g_assert_false(virStorageVaaiTableRecordChanged(a, b, 2));

    /* Progress and sequence alone are no change. */
    testAddVol(a, 3, "vm1", 0x31, VIR_STORAGE_VAAI_VOL_CREATING, D, A);
    testVol(&v, "vm1", 0x31, VIR_STORAGE_VAAI_VOL_CREATING, D, A);
    v.sequence = 9;
    v.progress = 100;
    v.modifiedAt++;
    testLoad(b, 3, &v);
    g_assert_false(testAnyChanged(a, b));

    /* State, name, capacity, extent and UUID each are. */
    v.state = VIR_STORAGE_VAAI_VOL_READY;
    testLoad(b, 3, &v);
    g_assert_true(virStorageVaaiTableRecordChanged(a, b, 3));
    testVol(&v, "vm2", 0x31, VIR_STORAGE_VAAI_VOL_CREATING, D, A);
    testLoad(b, 3, &v);
    g_assert_true(virStorageVaaiTableRecordChanged(a, b, 3));
    testVol(&v, "vm1", 0x31, VIR_STORAGE_VAAI_VOL_CREATING, D, A);
    v.capacity -= BS;
    testLoad(b, 3, &v);
    g_assert_true(virStorageVaaiTableRecordChanged(a, b, 3));
    testAddVol(b, 3, "vm1", 0x31, VIR_STORAGE_VAAI_VOL_CREATING, D + A, A);
    g_assert_true(virStorageVaaiTableRecordChanged(a, b, 3));
    testAddVol(b, 3, "vm1", 0x31, VIR_STORAGE_VAAI_VOL_CREATING, D, 2 * A);
    g_assert_true(virStorageVaaiTableRecordChanged(a, b, 3));
    testAddVol(b, 3, "vm1", 0x32, VIR_STORAGE_VAAI_VOL_CREATING, D, A);
    g_assert_true(virStorageVaaiTableRecordChanged(a, b, 3));

    /* A record that becomes unreadable, or readable again. */
    testVol(&v, "vm1", 0x31, VIR_STORAGE_VAAI_VOL_CREATING, D, A);
    g_assert_cmpint(virStorageVaaiVolRecordEncode(&v, block, BS, &err), ==, 0);
    g_assert_no_error(err);
    block[200] ^= 0xff;
    virStorageVaaiTableLoad(b, 3, block);
    g_assert_cmpint(b->status[3], !=, VIR_STORAGE_VAAI_RECORD_VALID);
    g_assert_true(virStorageVaaiTableRecordChanged(a, b, 3));
    g_assert_true(virStorageVaaiTableRecordChanged(b, a, 3));
    g_assert_false(virStorageVaaiTableRecordChanged(b, b, 3));
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/vaai-check/header", testHeaderSane);
    g_test_add_func("/vaai-check/consistent", testConsistent);
    g_test_add_func("/vaai-check/overlap", testOverlap);
    g_test_add_func("/vaai-check/outside", testOutside);
    g_test_add_func("/vaai-check/duplicates", testDuplicates);
    g_test_add_func("/vaai-check/corrupt", testCorrupt);
    g_test_add_func("/vaai-check/unknown-version", testUnknownVersion);
    g_test_add_func("/vaai-check/orphan", testOrphan);
    g_test_add_func("/vaai-check/free-leftovers", testFreeLeftovers);
    g_test_add_func("/vaai-check/grow-in-place", testGrowInPlace);
    g_test_add_func("/vaai-check/record-changed", testRecordChanged);

    return g_test_run();
}
