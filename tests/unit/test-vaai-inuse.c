/*
 * test-vaai-inuse.c: the in-use record (docs/design/in-use-leases.md):
 * its bytes, the records the format refuses, and who may hold a volume.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "storage_vaai_crc32c.h"
#include "storage_vaai_inuse.h"
#include "virscsibytes.h"

#define BS 512


/* The domain that holds volumes unless a test says otherwise. */
#define DOM1 0xD1

static void
testHolderFor(virStorageVaaiInUseHolder *h,
              uint8_t host,
              uint64_t incarnation,
              uint8_t owner,
              virStorageVaaiInUseMode mode)
{
    memset(h, 0, sizeof(*h));
    memset(h->host, host, sizeof(h->host));
    h->incarnation = incarnation;
    memset(h->owner, owner, sizeof(h->owner));
    h->mode = mode;
    h->since = 1700000000 + host;
}


static void
testHolder(virStorageVaaiInUseHolder *h,
           uint8_t host,
           uint64_t incarnation,
           virStorageVaaiInUseMode mode)
{
    testHolderFor(h, host, incarnation, DOM1, mode);
}


static void
testRecord(virStorageVaaiInUse *rec)
{
    memset(rec, 0, sizeof(*rec));
    rec->generation = 0x0102030405060708ULL;
    memset(rec->volume, 0x77, sizeof(rec->volume));
}


/* The bytes, field by field, as docs/design/in-use-leases.md lays them out. */
static void
testVector(void)
{
    virStorageVaaiInUse rec;
    virStorageVaaiInUse back;
    uint8_t block[BS];
    g_autoptr(GError) err = NULL;
    size_t i;

    testRecord(&rec);
    rec.count = 1;
    testHolder(&rec.holders[0], 0xA1, 42, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE);
    g_assert_cmpint(virStorageVaaiInUseEncode(&rec, block, BS, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpmem(block, 4, "USE1", 4);
    g_assert_cmpuint(block[4], ==, 1);
    g_assert_cmpuint(virSCSIGetBE64(block + 8), ==, 0x0102030405060708ULL);
    for (i = 16; i < 32; i++)
        g_assert_cmpuint(block[i], ==, 0x77);
    g_assert_cmpuint(block[32], ==, 1);
    for (i = 40; i < 56; i++)
        g_assert_cmpuint(block[i], ==, 0xA1);
    g_assert_cmpuint(virSCSIGetBE64(block + 56), ==, 42);
    for (i = 64; i < 80; i++)
        g_assert_cmpuint(block[i], ==, DOM1);
    g_assert_cmpuint(block[80], ==, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE);
    for (i = 81; i < 88; i++)
        g_assert_cmpuint(block[i], ==, 0);
    g_assert_cmpuint(virSCSIGetBE64(block + 88), ==, 1700000000 + 0xA1);
    for (i = 96; i < 488; i++)
        g_assert_cmpuint(block[i], ==, 0);
    {
        /* the CRC: of the whole block, its own 4 bytes taken as zero */
        uint8_t copy[BS];

        memcpy(copy, block, BS);
        virSCSIPutBE32(copy + 488, 0);
        g_assert_cmpuint(virSCSIGetBE32(block + 488), ==, virStorageVaaiCrc32c(copy, BS));
    }
    g_assert_true(virStorageVaaiBlockWhole(block, BS));

    g_assert_cmpint(virStorageVaaiInUseDecode(block, BS, &back, &err), ==,
                    VIR_STORAGE_VAAI_RECORD_VALID);
    g_assert_no_error(err);
    g_assert_cmpmem(&back.holders[0], sizeof(back.holders[0]),
                    &rec.holders[0], sizeof(rec.holders[0]));
    g_assert_cmpuint(back.count, ==, 1);
    g_assert_cmpuint(back.generation, ==, rec.generation);

    block[84] = 1;      /* holder 0's reserved bytes, resealed */
    virSCSIPutBE32(block + 488, 0);
    g_assert_false(virStorageVaaiBlockWhole(block, BS));
    virSCSIPutBE32(block + 488, virStorageVaaiCrc32c(block, BS));
    g_assert_true(virStorageVaaiBlockWhole(block, BS));
    g_assert_cmpint(virStorageVaaiInUseDecode(block, BS, &back, &err), ==,
                    VIR_STORAGE_VAAI_RECORD_CORRUPT);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CORRUPT);
}


/* Records the format refuses, both to write and when read. */
static void
testRefused(void)
{
    static const struct {
        const char *what;
        uint8_t modes[3];
        size_t count;
    } bad[] = {
        { "two exclusive", { 1, 1 }, 2 },
        { "exclusive and shared", { 1, 2 }, 2 },
        { "shared and incoming", { 2, 3 }, 2 },
        { "two incoming", { 3, 3 }, 2 },
        { "mode 0", { 0 }, 1 },
        { "mode 4", { 4 }, 1 },
    };
    virStorageVaaiInUse rec;
    uint8_t block[BS];
    size_t i;
    size_t j;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;

        testRecord(&rec);
        rec.count = bad[i].count;
        for (j = 0; j < bad[i].count; j++)
            testHolder(&rec.holders[j], 0x10 + j, j, bad[i].modes[j]);
        g_test_message("%s", bad[i].what);
        g_assert_cmpint(virStorageVaaiInUseEncode(&rec, block, BS, &err), ==, -1);
        g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    }

    /* The same holder twice; the same process for two owners is two. */
    testRecord(&rec);
    rec.count = 2;
    testHolder(&rec.holders[0], 0x10, 1, VIR_STORAGE_VAAI_INUSE_SHARED);
    testHolder(&rec.holders[1], 0x10, 1, VIR_STORAGE_VAAI_INUSE_SHARED);
    g_assert_cmpint(virStorageVaaiInUseEncode(&rec, block, BS, NULL), ==, -1);
    testHolderFor(&rec.holders[1], 0x10, 1, 0xD2, VIR_STORAGE_VAAI_INUSE_SHARED);
    g_assert_cmpint(virStorageVaaiInUseEncode(&rec, block, BS, NULL), ==, 0);

    /* An incoming holder for another owner than the exclusive one's: no
     * migration, two domains on one volume. */
    testRecord(&rec);
    rec.count = 2;
    testHolder(&rec.holders[0], 0x10, 1, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE);
    testHolderFor(&rec.holders[1], 0x20, 1, 0xD2, VIR_STORAGE_VAAI_INUSE_INCOMING);
    g_assert_cmpint(virStorageVaaiInUseEncode(&rec, block, BS, NULL), ==, -1);

    /* Holders of no volume; a holder past the count. */
    testRecord(&rec);
    memset(rec.volume, 0, sizeof(rec.volume));
    rec.count = 1;
    testHolder(&rec.holders[0], 0x10, 1, VIR_STORAGE_VAAI_INUSE_SHARED);
    g_assert_cmpint(virStorageVaaiInUseEncode(&rec, block, BS, NULL), ==, -1);
    testRecord(&rec);
    testHolder(&rec.holders[3], 0x10, 1, VIR_STORAGE_VAAI_INUSE_SHARED);
    g_assert_cmpint(virStorageVaaiInUseEncode(&rec, block, BS, NULL), ==, -1);

    /* ...and read from the LUN: a well-sealed block breaking a rule is
     * corrupt.  Two exclusive holders, written by hand. */
    testRecord(&rec);
    rec.count = 1;
    testHolder(&rec.holders[0], 0x10, 1, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE);
    g_assert_cmpint(virStorageVaaiInUseEncode(&rec, block, BS, NULL), ==, 0);
    block[32] = 2;
    memset(block + 96, 0x20, 16);
    block[96 + 40] = VIR_STORAGE_VAAI_INUSE_EXCLUSIVE;
    virSCSIPutBE32(block + 488, 0);
    {
        /* reseal: the CRC covers the whole block with its own 4 bytes zero */
        virStorageVaaiInUse out;
        g_autoptr(GError) err = NULL;

        virSCSIPutBE32(block + 488, virStorageVaaiCrc32c(block, BS));
        g_assert_cmpint(virStorageVaaiInUseDecode(block, BS, &out, &err), ==,
                        VIR_STORAGE_VAAI_RECORD_CORRUPT);
        g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CORRUPT);
        g_assert_cmpuint(out.count, ==, 0);
    }
}


static void
testTakeFor(virStorageVaaiInUse *rec,
            uint8_t host,
            uint64_t incarnation,
            uint8_t owner,
            virStorageVaaiInUseMode mode,
            int expect)
{
    virStorageVaaiInUseHolder who;
    g_autoptr(GError) err = NULL;
    uint8_t block[BS];
    size_t blocker = 99;

    testHolderFor(&who, host, incarnation, owner, mode);
    g_assert_cmpint(virStorageVaaiInUseTake(rec, &who, &blocker, &err), ==, expect);
    if (expect < 0) {
        g_autofree char *uuid = virStorageVaaiUuidFormat(rec->holders[blocker].host);

        g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY);
        g_test_message("%s", err->message);
        g_assert_nonnull(strstr(err->message, "in use by "));
        /* the blocker is a holder other than @who, and is named */
        g_assert_cmpuint(blocker, <, rec->count);
        g_assert_false(virStorageVaaiInUseHolderIs(&rec->holders[blocker], &who));
        if (rec->count < VIR_STORAGE_VAAI_INUSE_HOLDERS)
            g_assert_nonnull(strstr(err->message, uuid));
    }
    /* Whatever was decided, the record is one the format allows. */
    g_assert_cmpint(virStorageVaaiInUseEncode(rec, block, BS, NULL), ==, 0);
}


static void
testTake(virStorageVaaiInUse *rec,
         uint8_t host,
         uint64_t incarnation,
         virStorageVaaiInUseMode mode,
         int expect)
{
    testTakeFor(rec, host, incarnation, DOM1, mode, expect);
}


static bool
testGoneB(const virStorageVaaiInUseHolder *h,
          void *opaque G_GNUC_UNUSED)
{
    return h->host[0] == 0xB0;
}


/* A domain on A; B's start refused naming A; shared disks together; a
 * migration A -> B; a dead holder pruned. */
static void
testDecisions(void)
{
    virStorageVaaiInUse rec;
    uint64_t gen;
    uint8_t vol2[VIR_STORAGE_VAAI_UUID_LEN];

    testRecord(&rec);
    testTake(&rec, 0xA0, 1, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, 0);
    gen = rec.generation;
    testTake(&rec, 0xA0, 1, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, 1);     /* again: no change */
    g_assert_cmpuint(rec.generation, ==, gen);
    testTake(&rec, 0xB0, 1, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, -1);
    testTake(&rec, 0xB0, 1, VIR_STORAGE_VAAI_INUSE_SHARED, -1);
    testTake(&rec, 0xA0, 2, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, -1);    /* A's next daemon */
    /* Another domain: not on the same host, and not by "migrating" in. */
    testTakeFor(&rec, 0xA0, 1, 0xD2, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, -1);
    testTakeFor(&rec, 0xB0, 1, 0xD2, VIR_STORAGE_VAAI_INUSE_INCOMING, -1);

    /* Migration: B comes in beside A, A lets go, B takes it alone. */
    testTake(&rec, 0xB0, 1, VIR_STORAGE_VAAI_INUSE_INCOMING, 0);
    g_assert_cmpuint(rec.count, ==, 2);
    testTake(&rec, 0xC0, 1, VIR_STORAGE_VAAI_INUSE_INCOMING, -1);     /* one migration at a time */
    testTake(&rec, 0xB0, 1, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, -1);    /* A still holds it */
    {
        virStorageVaaiInUseHolder a;

        testHolder(&a, 0xA0, 7, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE);
        g_assert_false(virStorageVaaiInUseDrop(&rec, &a));           /* another incarnation */
        testHolderFor(&a, 0xA0, 1, 0xD2, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE);
        g_assert_false(virStorageVaaiInUseDrop(&rec, &a));           /* another owner */
        testHolder(&a, 0xA0, 1, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE);
        g_assert_true(virStorageVaaiInUseDrop(&rec, &a));
    }
    testTake(&rec, 0xB0, 1, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, 0);
    g_assert_cmpuint(rec.count, ==, 1);
    g_assert_cmpuint(rec.holders[0].host[0], ==, 0xB0);

    /* B dies: pruned, the volume is free for anyone. */
    g_assert_cmpuint(virStorageVaaiInUsePrune(&rec, testGoneB, NULL), ==, 1);
    g_assert_cmpuint(rec.count, ==, 0);
    testTake(&rec, 0xC0, 1, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, 0);
    testRecord(&rec);

    /* Shared holders together, up to the most the record has. */
    for (gen = 0; gen < VIR_STORAGE_VAAI_INUSE_HOLDERS; gen++)
        testTake(&rec, 0x10 + gen, 1, VIR_STORAGE_VAAI_INUSE_SHARED, 0);
    testTake(&rec, 0xF0, 1, VIR_STORAGE_VAAI_INUSE_SHARED, -1);
    testTake(&rec, 0xF0, 1, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, -1);

    /* Another volume's leftovers hold nobody for a new one. */
    memset(vol2, 0x99, sizeof(vol2));
    virStorageVaaiInUseFor(&rec, vol2);
    g_assert_cmpuint(rec.count, ==, 0);
    testTake(&rec, 0xA0, 1, VIR_STORAGE_VAAI_INUSE_EXCLUSIVE, 0);
}


static bool
testGoneOdd(const virStorageVaaiInUseHolder *h,
            void *opaque G_GNUC_UNUSED)
{
    return h->host[0] & 1;
}


static void
testPrune(void)
{
    virStorageVaaiInUse rec;
    uint64_t gen;
    size_t i;

    testRecord(&rec);
    for (i = 0; i < 6; i++)
        testTake(&rec, 0x10 + i, 1, VIR_STORAGE_VAAI_INUSE_SHARED, 0);
    gen = rec.generation;
    g_assert_cmpuint(virStorageVaaiInUsePrune(&rec, testGoneOdd, NULL), ==, 3);
    g_assert_cmpuint(rec.count, ==, 3);
    g_assert_cmpuint(rec.generation, ==, gen + 1);
    for (i = 0; i < rec.count; i++)
        g_assert_cmpuint(rec.holders[i].host[0] & 1, ==, 0);
    g_assert_cmpuint(virStorageVaaiInUsePrune(&rec, testGoneOdd, NULL), ==, 0);
    g_assert_cmpuint(rec.generation, ==, gen + 1);
}


/* The words XML, JSON and the lease daemon's protocol use, and UUIDs as
 * people and /etc/machine-id write them. */
static void
testWords(void)
{
    uint8_t uuid[VIR_STORAGE_VAAI_UUID_LEN];
    g_autofree char *back = NULL;
    int m;

    for (m = VIR_STORAGE_VAAI_INUSE_EXCLUSIVE; m <= VIR_STORAGE_VAAI_INUSE_INCOMING; m++)
        g_assert_cmpint(virStorageVaaiInUseModeFromString(virStorageVaaiInUseModeToString(m)), ==, m);
    g_assert_cmpint(virStorageVaaiInUseModeFromString("none"), ==, -1);
    g_assert_cmpint(virStorageVaaiInUseModeFromString("Exclusive"), ==, -1);
    g_assert_cmpint(virStorageVaaiInUseModeFromString(""), ==, -1);
    g_assert_cmpint(virStorageVaaiInUseModeFromString(NULL), ==, -1);
    g_assert_cmpstr(virStorageVaaiInUseModeToString(99), ==, "none");

    g_assert_true(virStorageVaaiUuidParse("d1d1d1d1-0000-4000-8000-0000000000d1", uuid));
    back = virStorageVaaiUuidFormat(uuid);
    g_assert_cmpstr(back, ==, "d1d1d1d1-0000-4000-8000-0000000000d1");
    g_assert_true(virStorageVaaiUuidParse("0123456789abcdef0123456789ABCDEF", uuid));
    g_assert_cmpuint(uuid[15], ==, 0xef);
    g_assert_false(virStorageVaaiUuidParse("0123456789abcdef0123456789abcde", uuid));
    g_assert_false(virStorageVaaiUuidParse("0123456789abcdef0123456789abcdef0", uuid));
    g_assert_false(virStorageVaaiUuidParse("0123456789abcdef0123456789abcdeg", uuid));
    g_assert_false(virStorageVaaiUuidParse("", uuid));
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vaai/inuse/vector", testVector);
    g_test_add_func("/vaai/inuse/refused", testRefused);
    g_test_add_func("/vaai/inuse/decisions", testDecisions);
    g_test_add_func("/vaai/inuse/prune", testPrune);
    g_test_add_func("/vaai/inuse/words", testWords);
    return g_test_run();
}
