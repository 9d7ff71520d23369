/*
 * test-vaai-format.c: the on-LUN records of a vaai pool (docs/format.md)
 *
 * The byte vectors are written by hand from the tables of docs/format.md,
 * one designated initializer per field at the offset the table gives.
 * Their CRCs were computed with a bit-at-a-time CRC32C written apart from
 * the table-driven one under test (a dozen lines of Python over the same
 * bytes), so a wrong table, a wrong offset or a wrong byte order in the
 * code shows up as a mismatch here.  Every block is a heap block of
 * exactly its size, so ASan or valgrind flag any read past it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "storage_vaai_crc32c.h"
#include "storage_vaai_format.h"
#include "virscsibytes.h"


static const size_t testBlockSizes[] = { 512, 4096 };


/* A zeroed heap block of exactly @blockSize bytes holding @fixed. */
static uint8_t *
testBlock(const uint8_t *fixed,
          size_t fixedLen,
          size_t blockSize)
{
    uint8_t *block = g_malloc0(blockSize);

    memcpy(block, fixed, fixedLen);
    return block;
}


/*
 * Recomputes a block's CRC after a test changed its fields, so that the
 * decoder gets past the CRC and judges the values.
 */
static void
testReseal(uint8_t *block,
           size_t blockSize,
           size_t crcOffset)
{
    memset(block + crcOffset, 0, 4);
    virSCSIPutBE32(block + crcOffset, virStorageVaaiCrc32c(block, blockSize));
}


/* ---- CRC32C ---- */

static void
testCrcVectors(void)
{
    uint8_t buf[32];
    size_t i;

    /* RFC 3720 B.4 */
    memset(buf, 0, sizeof(buf));
    g_assert_cmphex(virStorageVaaiCrc32c(buf, sizeof(buf)), ==, 0x8A9136AA);
    memset(buf, 0xFF, sizeof(buf));
    g_assert_cmphex(virStorageVaaiCrc32c(buf, sizeof(buf)), ==, 0x62A8AB43);
    for (i = 0; i < sizeof(buf); i++)
        buf[i] = i;
    g_assert_cmphex(virStorageVaaiCrc32c(buf, sizeof(buf)), ==, 0x46DD794E);
    for (i = 0; i < sizeof(buf); i++)
        buf[i] = 31 - i;
    g_assert_cmphex(virStorageVaaiCrc32c(buf, sizeof(buf)), ==, 0x113FDB5C);

    /* The check value of the CRC catalogue. */
    g_assert_cmphex(virStorageVaaiCrc32c("123456789", 9), ==, 0xE3069283);

    g_assert_cmphex(virStorageVaaiCrc32c(buf, 0), ==, 0);
}


static void
testCrcExtend(void)
{
    static const char text[] = "The quick brown fox jumps over the lazy dog";
    uint32_t whole = virStorageVaaiCrc32c(text, strlen(text));
    size_t split;

    g_assert_cmphex(whole, ==, 0x22620404);
    for (split = 0; split <= strlen(text); split++) {
        uint32_t crc = virStorageVaaiCrc32c(text, split);

        crc = virStorageVaaiCrc32cExtend(crc, text + split,
                                         strlen(text) - split);
        g_assert_cmphex(crc, ==, whole);
    }
}


/* ---- Vectors by hand ---- */

/* Metadata lease, format.md "Metadata lease (LBA 2)". */
static const uint8_t leaseVec[VIR_STORAGE_VAAI_LEASE_LEN] = {
    [0] = 'L', 'E', 'A', 'S',                       /* magic */
    [4] = 0x01,                                     /* record version */
    /* 5..7: zero */
    [8] = 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,   /* owner */
          0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00,
    [24] = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  /* incarnation */
    [32] = 0x00, 0x00, 0x00, 0x2A,                  /* heartbeat slot 42 */
    /* 36..39: zero */
    [40] = 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,  /* generation */
    [48] = 0x00, 0x00, 0x00, 0x00, 0x65, 0xA0, 0xB1, 0xC2,  /* acquired at */
    [56] = 0xC3, 0x43, 0x56, 0x11,                  /* CRC32C, 512-byte block */
};
static const uint8_t leaseCrc4096[4] = { 0x53, 0xA0, 0xEC, 0x18 };


static void
testLeaseSample(virStorageVaaiLease *l)
{
    static const uint8_t owner[16] = {
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
        0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00,
    };

    memset(l, 0, sizeof(*l));
    l->version = 1;
    memcpy(l->owner, owner, sizeof(owner));
    l->ownerIncarnation = 0x0102030405060708ULL;
    l->ownerSlot = 42;
    l->generation = 0x1112131415161718ULL;
    l->acquiredAt = 0x65A0B1C2;
}


static void
testAssertLeaseEqual(const virStorageVaaiLease *a,
                     const virStorageVaaiLease *b)
{
    g_assert_cmpuint(a->version, ==, b->version);
    g_assert_cmpmem(a->owner, 16, b->owner, 16);
    g_assert_cmphex(a->ownerIncarnation, ==, b->ownerIncarnation);
    g_assert_cmpuint(a->ownerSlot, ==, b->ownerSlot);
    g_assert_cmphex(a->generation, ==, b->generation);
    g_assert_cmphex(a->acquiredAt, ==, b->acquiredAt);
}


static void
testLeaseVector(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(testBlockSizes); i++) {
        size_t bs = testBlockSizes[i];
        g_autofree uint8_t *expect = testBlock(leaseVec, sizeof(leaseVec), bs);
        g_autofree uint8_t *block = g_malloc(bs);
        virStorageVaaiLease l;
        virStorageVaaiLease got;
        g_autoptr(GError) err = NULL;

        if (bs == 4096)
            memcpy(expect + 56, leaseCrc4096, 4);

        /* Garbage first: the encoder must write every byte. */
        memset(block, 0xA5, bs);
        testLeaseSample(&l);
        g_assert_cmpint(virStorageVaaiLeaseEncode(&l, block, bs, &err), ==, 0);
        g_assert_no_error(err);
        g_assert_cmpmem(block, bs, expect, bs);

        g_assert_cmpint(virStorageVaaiLeaseDecode(expect, bs, &got, &err), ==,
                        VIR_STORAGE_VAAI_RECORD_VALID);
        g_assert_no_error(err);
        testAssertLeaseEqual(&got, &l);
        g_assert_false(virStorageVaaiLeaseIsFree(&got));
    }
}


/* Heartbeat slot, format.md "Heartbeat slot (LBA 8 + i)". */
static const uint8_t hbVec[VIR_STORAGE_VAAI_HEARTBEAT_LEN] = {
    [0] = 'H', 'B', 'T', '1',                       /* magic */
    [4] = 0x01,                                     /* record version */
    /* 5..7: zero */
    [8] = 0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7,   /* host UUID */
          0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF,
    [24] = 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,  /* incarnation */
    [32] = 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38,  /* counter */
    [40] = 0x00, 0x00, 0x00, 0x00, 0x65, 0xA0, 0xB1, 0xC3,  /* renewed at */
    [48] = 'n', 'o', 'd', 'e', '-', 'a', '.', 'e',          /* host name */
           'x', 'a', 'm', 'p', 'l', 'e',
    /* 62..111: NUL padding */
    [112] = 0xDE, 0x1D, 0xD3, 0x55,                 /* CRC32C, 512-byte block */
};
static const uint8_t hbCrc4096[4] = { 0xB8, 0xCA, 0xA2, 0x87 };


static void
testHeartbeatSample(virStorageVaaiHeartbeat *hb)
{
    size_t i;

    memset(hb, 0, sizeof(*hb));
    hb->version = 1;
    for (i = 0; i < 16; i++)
        hb->host[i] = 0xA0 + i;
    hb->incarnation = 0x2122232425262728ULL;
    hb->counter = 0x3132333435363738ULL;
    hb->renewedAt = 0x65A0B1C3;
    g_strlcpy(hb->hostName, "node-a.example", sizeof(hb->hostName));
}


static void
testAssertHeartbeatEqual(const virStorageVaaiHeartbeat *a,
                         const virStorageVaaiHeartbeat *b)
{
    g_assert_cmpuint(a->version, ==, b->version);
    g_assert_cmpmem(a->host, 16, b->host, 16);
    g_assert_cmphex(a->incarnation, ==, b->incarnation);
    g_assert_cmphex(a->counter, ==, b->counter);
    g_assert_cmphex(a->renewedAt, ==, b->renewedAt);
    g_assert_cmpmem(a->hostName, sizeof(a->hostName),
                    b->hostName, sizeof(b->hostName));
}


static void
testHeartbeatVector(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(testBlockSizes); i++) {
        size_t bs = testBlockSizes[i];
        g_autofree uint8_t *expect = testBlock(hbVec, sizeof(hbVec), bs);
        g_autofree uint8_t *block = g_malloc(bs);
        virStorageVaaiHeartbeat hb;
        virStorageVaaiHeartbeat got;
        g_autoptr(GError) err = NULL;

        if (bs == 4096)
            memcpy(expect + 112, hbCrc4096, 4);

        memset(block, 0x5A, bs);
        testHeartbeatSample(&hb);
        g_assert_cmpint(virStorageVaaiHeartbeatEncode(&hb, block, bs, &err),
                        ==, 0);
        g_assert_no_error(err);
        g_assert_cmpmem(block, bs, expect, bs);

        g_assert_cmpint(virStorageVaaiHeartbeatDecode(expect, bs, &got, &err),
                        ==, VIR_STORAGE_VAAI_RECORD_VALID);
        g_assert_no_error(err);
        testAssertHeartbeatEqual(&got, &hb);
        g_assert_cmpstr(got.hostName, ==, "node-a.example");
        g_assert_false(virStorageVaaiHeartbeatIsFree(&got));
    }
}


/*
 * Header, format.md "Header (LBA 0 and 1)": an 8 GiB LUN of 512-byte
 * blocks with the default layout and 1 MiB extents.  The three flag words
 * hold one distinct bit each, to pin their offsets.
 */
static const uint8_t hdrVec512[VIR_STORAGE_VAAI_HEADER_LEN] = {
    [0] = 'V', 'A', 'A', 'I', 'P', 'O', 'O', 'L',   /* magic */
    [8] = 0x01,                                     /* record version */
    [9] = 0x01,                                     /* format major */
    [10] = 0x00, 0x00,                              /* format minor */
    [12] = 0x00, 0x00, 0x00, 0x01,                  /* compat */
    [16] = 0x00, 0x00, 0x00, 0x02,                  /* ro_compat */
    [20] = 0x00, 0x00, 0x00, 0x04,                  /* incompat */
    [24] = 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,  /* pool UUID */
           0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F,
    [40] = 0x00, 0x00, 0x02, 0x00,                  /* block size 512 */
    [44] = 0x00, 0x00, 0x08, 0x00,                  /* alignment 2048 blocks */
    [48] = 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,  /* capacity */
    [56] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,  /* lease LBA */
    [64] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,  /* heartbeat LBA */
    [72] = 0x00, 0x00, 0x00, 0x40,                  /* H = 64 */
    [76] = 0x00, 0x00, 0x04, 0x00,                  /* N = 1024 */
    [80] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x48,  /* V = 72 */
    [88] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00,  /* D = 2048 */
    [96] = 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,  /* data end */
    [104] = 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, /* host UUID */
            0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F,
    [120] = 0x00, 0x00, 0x00, 0x00, 0x65, 0xA0, 0xB1, 0xC4, /* format time */
    [128] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x27, 0x10, /* T = 10000 */
    [136] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xE8, /* P = 1000 */
    [144] = 'p', 'o', 'o', 'l', '-', 'o', 'n', 'e',         /* pool name */
    [208] = 0xBA, 0xF3, 0xDE, 0xDF,                 /* CRC32C */
};


/*
 * The vector's header for 512-byte blocks; for 4096, the same 8 GiB with
 * 256-block (1 MiB) alignment and the data area at 1280.
 */
static void
testHeaderSample(virStorageVaaiHeader *h,
                 size_t blockSize)
{
    size_t i;

    memset(h, 0, sizeof(*h));
    h->version = 1;
    h->formatMajor = 1;
    h->formatMinor = 0;
    h->compat = 1;
    h->roCompat = 2;
    h->incompat = 4;
    for (i = 0; i < 16; i++) {
        h->poolUuid[i] = 0x10 + i;
        h->formatHostUuid[i] = 0x20 + i;
    }
    h->blockSize = blockSize;
    h->extentAlignment = (1024 * 1024) / blockSize;
    h->capacity = (8ULL << 30) / blockSize;
    h->leaseLba = 2;
    h->heartbeatLba = 8;
    h->heartbeatSlots = 64;
    h->volumeRecords = 1024;
    h->volumeTableLba = 72;
    /* the first aligned LBA after the volume table */
    h->dataLba = (72 + 1024 + h->extentAlignment - 1) /
                 h->extentAlignment * h->extentAlignment;
    h->dataEndLba = h->capacity;
    h->formatTime = 0x65A0B1C4;
    h->leaseTimeoutMs = 10000;
    h->heartbeatIntervalMs = 1000;
    g_strlcpy(h->name, "pool-one", sizeof(h->name));
}


static void
testAssertHeaderEqual(const virStorageVaaiHeader *a,
                      const virStorageVaaiHeader *b)
{
    g_assert_cmpuint(a->version, ==, b->version);
    g_assert_cmpuint(a->formatMajor, ==, b->formatMajor);
    g_assert_cmpuint(a->formatMinor, ==, b->formatMinor);
    g_assert_cmphex(a->compat, ==, b->compat);
    g_assert_cmphex(a->roCompat, ==, b->roCompat);
    g_assert_cmphex(a->incompat, ==, b->incompat);
    g_assert_cmpmem(a->poolUuid, 16, b->poolUuid, 16);
    g_assert_cmpuint(a->blockSize, ==, b->blockSize);
    g_assert_cmpuint(a->extentAlignment, ==, b->extentAlignment);
    g_assert_cmpuint(a->capacity, ==, b->capacity);
    g_assert_cmpuint(a->leaseLba, ==, b->leaseLba);
    g_assert_cmpuint(a->heartbeatLba, ==, b->heartbeatLba);
    g_assert_cmpuint(a->heartbeatSlots, ==, b->heartbeatSlots);
    g_assert_cmpuint(a->volumeRecords, ==, b->volumeRecords);
    g_assert_cmpuint(a->volumeTableLba, ==, b->volumeTableLba);
    g_assert_cmpuint(a->dataLba, ==, b->dataLba);
    g_assert_cmpuint(a->dataEndLba, ==, b->dataEndLba);
    g_assert_cmpmem(a->formatHostUuid, 16, b->formatHostUuid, 16);
    g_assert_cmphex(a->formatTime, ==, b->formatTime);
    g_assert_cmpuint(a->leaseTimeoutMs, ==, b->leaseTimeoutMs);
    g_assert_cmpuint(a->heartbeatIntervalMs, ==, b->heartbeatIntervalMs);
    g_assert_cmpmem(a->name, sizeof(a->name), b->name, sizeof(b->name));
}


static void
testHeaderVector(void)
{
    g_autofree uint8_t *expect = testBlock(hdrVec512, sizeof(hdrVec512), 512);
    g_autofree uint8_t *block = g_malloc(512);
    virStorageVaaiHeader h;
    virStorageVaaiHeader got;
    g_autoptr(GError) err = NULL;

    memset(block, 0xA5, 512);
    testHeaderSample(&h, 512);
    g_assert_cmpint(virStorageVaaiHeaderEncode(&h, block, 512, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpmem(block, 512, expect, 512);

    g_assert_cmpint(virStorageVaaiHeaderDecode(expect, 512, &got, &err), ==,
                    VIR_STORAGE_VAAI_RECORD_VALID);
    g_assert_no_error(err);
    testAssertHeaderEqual(&got, &h);
    g_assert_cmpstr(got.name, ==, "pool-one");
}


/*
 * Volume record, format.md "Volume record (LBA V + i)": a clone in
 * progress whose capacity fills its extent exactly and whose intent
 * capacity is one byte short of its intent extent.
 */
static const uint8_t volVec512[VIR_STORAGE_VAAI_VOLRECORD_LEN] = {
    [0] = 'V', 'O', 'L', '1',                       /* magic */
    [4] = 0x01,                                     /* record version */
    [5] = 0x05,                                     /* state: cloning */
    [6] = 0x00, 0x01,                               /* flags: zeroed */
    [8] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,   /* sequence */
    [16] = 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,  /* volume UUID */
           0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
    [32] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00,  /* extent start */
    [40] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00,  /* extent length */
    [48] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,  /* capacity */
    [56] = 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,  /* parent */
           0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F,
    [72] = 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,  /* parent pool */
           0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F,
    [88] = 0x00, 0x00, 0x00, 0x00, 0x65, 0xA0, 0xB1, 0xC5,  /* created */
    [96] = 0x00, 0x00, 0x00, 0x00, 0x65, 0xA0, 0xB1, 0xC6,  /* modified */
    [104] = 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, /* worker */
            0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F,
    [120] = 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, /* worker inc. */
    [128] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, /* progress */
    [136] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, /* intent start */
    [144] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, /* intent length */
    [152] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F, 0xFF, 0xFF, /* intent cap. */
    [160] = 'd', 'i', 's', 'k', '0', '.', 'i', 'm', 'g',    /* name */
    [288] = 0x13, 0xF5, 0xD6, 0x99,                 /* CRC32C */
};


static void
testVolSample(virStorageVaaiVolRecord *v,
              size_t blockSize)
{
    size_t i;

    memset(v, 0, sizeof(*v));
    v->version = 1;
    v->state = VIR_STORAGE_VAAI_VOL_CLONING;
    v->flags = VIR_STORAGE_VAAI_VOL_FLAG_ZEROED;
    v->sequence = 9;
    for (i = 0; i < 16; i++) {
        v->uuid[i] = 0x30 + i;
        v->parentUuid[i] = 0x40 + i;
        v->parentPoolUuid[i] = 0x50 + i;
        v->workerUuid[i] = 0x60 + i;
    }
    v->extentStart = 0x4000;
    v->extentLength = 0x800;
    v->capacity = 0x800 * (uint64_t)blockSize;
    v->createdAt = 0x65A0B1C5;
    v->modifiedAt = 0x65A0B1C6;
    v->workerIncarnation = 0x7172737475767778ULL;
    v->progress = 0x100;
    v->intentExtentStart = 0x8000;
    v->intentExtentLength = 0x1000;
    v->intentCapacity = 0x1000 * (uint64_t)blockSize - 1;
    g_strlcpy(v->name, "disk0.img", sizeof(v->name));
}


static void
testAssertVolEqual(const virStorageVaaiVolRecord *a,
                   const virStorageVaaiVolRecord *b)
{
    g_assert_cmpuint(a->version, ==, b->version);
    g_assert_cmpint(a->state, ==, b->state);
    g_assert_cmphex(a->flags, ==, b->flags);
    g_assert_cmpuint(a->sequence, ==, b->sequence);
    g_assert_cmpmem(a->uuid, 16, b->uuid, 16);
    g_assert_cmpuint(a->extentStart, ==, b->extentStart);
    g_assert_cmpuint(a->extentLength, ==, b->extentLength);
    g_assert_cmpuint(a->capacity, ==, b->capacity);
    g_assert_cmpmem(a->parentUuid, 16, b->parentUuid, 16);
    g_assert_cmpmem(a->parentPoolUuid, 16, b->parentPoolUuid, 16);
    g_assert_cmphex(a->createdAt, ==, b->createdAt);
    g_assert_cmphex(a->modifiedAt, ==, b->modifiedAt);
    g_assert_cmpmem(a->workerUuid, 16, b->workerUuid, 16);
    g_assert_cmphex(a->workerIncarnation, ==, b->workerIncarnation);
    g_assert_cmpuint(a->progress, ==, b->progress);
    g_assert_cmpuint(a->intentExtentStart, ==, b->intentExtentStart);
    g_assert_cmpuint(a->intentExtentLength, ==, b->intentExtentLength);
    g_assert_cmpuint(a->intentCapacity, ==, b->intentCapacity);
    g_assert_cmpmem(a->name, sizeof(a->name), b->name, sizeof(b->name));
}


static void
testVolVector(void)
{
    g_autofree uint8_t *expect = testBlock(volVec512, sizeof(volVec512), 512);
    g_autofree uint8_t *block = g_malloc(512);
    virStorageVaaiVolRecord v;
    virStorageVaaiVolRecord got;
    g_autoptr(GError) err = NULL;

    memset(block, 0xA5, 512);
    testVolSample(&v, 512);
    g_assert_cmpint(virStorageVaaiVolRecordEncode(&v, block, 512, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpmem(block, 512, expect, 512);

    g_assert_cmpint(virStorageVaaiVolRecordDecode(expect, 512, &got, &err), ==,
                    VIR_STORAGE_VAAI_RECORD_VALID);
    g_assert_no_error(err);
    testAssertVolEqual(&got, &v);
    g_assert_cmpint(got.state, ==, VIR_STORAGE_VAAI_VOL_CLONING);
    g_assert_cmpstr(got.name, ==, "disk0.img");
}


/* ---- Every record, generically ---- */

typedef struct {
    const char *name;
    const char *magic;
    size_t versionOffset;
    size_t crcOffset;
    /* the sample record of that kind, encoded */
    void (*encodeSample)(uint8_t *block, size_t blockSize);
    virStorageVaaiRecordStatus (*decode)(const uint8_t *block,
                                         size_t blockSize,
                                         uint8_t *version,
                                         GError **error);
} testKind;


static void
testEncodeHeaderSample(uint8_t *block,
                       size_t blockSize)
{
    virStorageVaaiHeader h;

    testHeaderSample(&h, blockSize);
    g_assert_cmpint(virStorageVaaiHeaderEncode(&h, block, blockSize, NULL),
                    ==, 0);
}


static virStorageVaaiRecordStatus
testDecodeHeader(const uint8_t *block,
                 size_t blockSize,
                 uint8_t *version,
                 GError **error)
{
    virStorageVaaiHeader h;
    virStorageVaaiRecordStatus ret;

    memset(&h, 0xEE, sizeof(h));
    ret = virStorageVaaiHeaderDecode(block, blockSize, &h, error);
    *version = h.version;
    if (ret != VIR_STORAGE_VAAI_RECORD_VALID)
        g_assert_cmpstr(h.name, ==, "");
    return ret;
}


static void
testEncodeLeaseSample(uint8_t *block,
                      size_t blockSize)
{
    virStorageVaaiLease l;

    testLeaseSample(&l);
    g_assert_cmpint(virStorageVaaiLeaseEncode(&l, block, blockSize, NULL),
                    ==, 0);
}


static virStorageVaaiRecordStatus
testDecodeLease(const uint8_t *block,
                size_t blockSize,
                uint8_t *version,
                GError **error)
{
    virStorageVaaiLease l;
    virStorageVaaiRecordStatus ret;

    memset(&l, 0xEE, sizeof(l));
    ret = virStorageVaaiLeaseDecode(block, blockSize, &l, error);
    *version = l.version;
    if (ret != VIR_STORAGE_VAAI_RECORD_VALID)
        g_assert_cmpuint(l.generation, ==, 0);
    return ret;
}


static void
testEncodeHeartbeatSample(uint8_t *block,
                          size_t blockSize)
{
    virStorageVaaiHeartbeat hb;

    testHeartbeatSample(&hb);
    g_assert_cmpint(virStorageVaaiHeartbeatEncode(&hb, block, blockSize, NULL),
                    ==, 0);
}


static virStorageVaaiRecordStatus
testDecodeHeartbeat(const uint8_t *block,
                    size_t blockSize,
                    uint8_t *version,
                    GError **error)
{
    virStorageVaaiHeartbeat hb;
    virStorageVaaiRecordStatus ret;

    memset(&hb, 0xEE, sizeof(hb));
    ret = virStorageVaaiHeartbeatDecode(block, blockSize, &hb, error);
    *version = hb.version;
    if (ret != VIR_STORAGE_VAAI_RECORD_VALID) {
        g_assert_cmpuint(hb.counter, ==, 0);
        g_assert_cmpstr(hb.hostName, ==, "");
    }
    return ret;
}


static void
testEncodeVolSample(uint8_t *block,
                    size_t blockSize)
{
    virStorageVaaiVolRecord v;

    testVolSample(&v, blockSize);
    g_assert_cmpint(virStorageVaaiVolRecordEncode(&v, block, blockSize, NULL),
                    ==, 0);
}


static virStorageVaaiRecordStatus
testDecodeVol(const uint8_t *block,
              size_t blockSize,
              uint8_t *version,
              GError **error)
{
    virStorageVaaiVolRecord v;
    virStorageVaaiRecordStatus ret;

    memset(&v, 0xEE, sizeof(v));
    ret = virStorageVaaiVolRecordDecode(block, blockSize, &v, error);
    *version = v.version;
    if (ret != VIR_STORAGE_VAAI_RECORD_VALID) {
        g_assert_cmpint(v.state, ==, 0);
        g_assert_cmpuint(v.capacity, ==, 0);
        g_assert_cmpstr(v.name, ==, "");
    }
    return ret;
}


static const testKind testKinds[] = {
    { "header", "VAAIPOOL", 8, 208, testEncodeHeaderSample, testDecodeHeader },
    { "lease", "LEAS", 4, 56, testEncodeLeaseSample, testDecodeLease },
    { "heartbeat", "HBT1", 4, 112, testEncodeHeartbeatSample,
      testDecodeHeartbeat },
    { "volrecord", "VOL1", 4, 288, testEncodeVolSample, testDecodeVol },
};


/*
 * Decodes @block and checks the status, the error code that goes with it
 * (none for VALID and EMPTY) and the version reported.
 */
static void
testExpect(const testKind *kind,
           const uint8_t *block,
           size_t blockSize,
           virStorageVaaiRecordStatus expect,
           int expectCode)
{
    g_autoptr(GError) err = NULL;
    uint8_t version = 0xEE;
    virStorageVaaiRecordStatus got;

    got = kind->decode(block, blockSize, &version, &err);
    if (got != expect) {
        g_test_message("%s (%zu): expected %s, got %s (%s)", kind->name,
                       blockSize, virStorageVaaiRecordStatusName(expect),
                       virStorageVaaiRecordStatusName(got),
                       err ? err->message : "no error");
    }
    g_assert_cmpint(got, ==, expect);

    switch (expect) {
    case VIR_STORAGE_VAAI_RECORD_EMPTY:
    case VIR_STORAGE_VAAI_RECORD_VALID:
        g_assert_no_error(err);
        g_assert_cmpuint(version, ==, expect == VIR_STORAGE_VAAI_RECORD_VALID);
        break;
    case VIR_STORAGE_VAAI_RECORD_CORRUPT:
    case VIR_STORAGE_VAAI_RECORD_FOREIGN:
        g_assert_error(err, VIR_STORAGE_VAAI_ERROR, expectCode);
        g_assert_cmpuint(version, ==, 0);
        break;
    case VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION:
        g_assert_error(err, VIR_STORAGE_VAAI_ERROR, expectCode);
        g_assert_cmpuint(version, ==, block[kind->versionOffset]);
        break;
    case VIR_STORAGE_VAAI_RECORD_STATUS_LAST:
        g_assert_not_reached();
    }
}


static void
testRoundTrips(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(testBlockSizes); i++) {
        size_t bs = testBlockSizes[i];
        g_autofree uint8_t *block = g_malloc(bs);
        g_autofree uint8_t *again = g_malloc(bs);
        g_autoptr(GError) err = NULL;

        {
            virStorageVaaiHeader in;
            virStorageVaaiHeader out;

            testHeaderSample(&in, bs);
            in.formatMinor = 0xBEEF;
            in.compat = 0x80000001;
            in.roCompat = 0x40000002;
            in.incompat = 0x20000004;
            in.dataEndLba = in.capacity - 1;
            in.leaseTimeoutMs = G_MAXUINT64;
            in.heartbeatIntervalMs = G_MAXUINT64 - 1;
            /* the longest name, not all ASCII */
            memset(in.name, 0, sizeof(in.name));
            strcpy(in.name, "\xC3\xA9t\xC3\xA9 pool ");
            memset(in.name + strlen(in.name), '-', 63 - strlen(in.name));
            g_assert_cmpuint(strlen(in.name), ==, 63);
            g_assert_cmpint(virStorageVaaiHeaderEncode(&in, block, bs, &err),
                            ==, 0);
            g_assert_cmpuint(block[8], ==, 1);
            g_assert_cmpint(virStorageVaaiHeaderDecode(block, bs, &out, &err),
                            ==, VIR_STORAGE_VAAI_RECORD_VALID);
            g_assert_no_error(err);
            testAssertHeaderEqual(&out, &in);
            g_assert_cmpint(virStorageVaaiHeaderEncode(&out, again, bs, &err),
                            ==, 0);
            g_assert_cmpmem(block, bs, again, bs);
        }
        {
            virStorageVaaiLease in;
            virStorageVaaiLease out;

            /* a free lease, as released: only the generation is left */
            memset(&in, 0, sizeof(in));
            in.generation = G_MAXUINT64;
            g_assert_cmpint(virStorageVaaiLeaseEncode(&in, block, bs, &err),
                            ==, 0);
            g_assert_cmpint(virStorageVaaiLeaseDecode(block, bs, &out, &err),
                            ==, VIR_STORAGE_VAAI_RECORD_VALID);
            g_assert_no_error(err);
            in.version = 1;     /* 0 asked for the current version */
            testAssertLeaseEqual(&out, &in);
            g_assert_true(virStorageVaaiLeaseIsFree(&out));

            testLeaseSample(&in);
            in.ownerSlot = G_MAXUINT32;
            in.acquiredAt = G_MAXUINT64;
            g_assert_cmpint(virStorageVaaiLeaseEncode(&in, block, bs, &err),
                            ==, 0);
            g_assert_cmpint(virStorageVaaiLeaseDecode(block, bs, &out, &err),
                            ==, VIR_STORAGE_VAAI_RECORD_VALID);
            testAssertLeaseEqual(&out, &in);
            g_assert_cmpint(virStorageVaaiLeaseEncode(&out, again, bs, &err),
                            ==, 0);
            g_assert_cmpmem(block, bs, again, bs);
        }
        {
            virStorageVaaiHeartbeat in;
            virStorageVaaiHeartbeat out;

            memset(&in, 0, sizeof(in));
            in.version = 1;
            g_assert_cmpint(virStorageVaaiHeartbeatEncode(&in, block, bs, &err),
                            ==, 0);
            g_assert_cmpint(virStorageVaaiHeartbeatDecode(block, bs, &out, &err),
                            ==, VIR_STORAGE_VAAI_RECORD_VALID);
            g_assert_no_error(err);
            testAssertHeartbeatEqual(&out, &in);
            g_assert_true(virStorageVaaiHeartbeatIsFree(&out));

            testHeartbeatSample(&in);
            memset(in.hostName, 'h', sizeof(in.hostName) - 1);
            in.counter = G_MAXUINT64;
            g_assert_cmpint(virStorageVaaiHeartbeatEncode(&in, block, bs, &err),
                            ==, 0);
            g_assert_cmpint(virStorageVaaiHeartbeatDecode(block, bs, &out, &err),
                            ==, VIR_STORAGE_VAAI_RECORD_VALID);
            testAssertHeartbeatEqual(&out, &in);
            g_assert_cmpuint(strlen(out.hostName), ==, 63);
            g_assert_cmpint(virStorageVaaiHeartbeatEncode(&out, again, bs, &err),
                            ==, 0);
            g_assert_cmpmem(block, bs, again, bs);
        }
        {
            virStorageVaaiVolRecord in;
            virStorageVaaiVolRecord out;
            int state;

            for (state = 0; state < VIR_STORAGE_VAAI_VOL_STATE_LAST; state++) {
                testVolSample(&in, bs);
                in.state = state;
                in.flags = state % 2 ? VIR_STORAGE_VAAI_VOL_FLAG_THIN : 0;
                in.sequence = G_MAXUINT64 - state;
                /* the largest extent there can be */
                in.extentStart = 1;
                in.extentLength = G_MAXUINT64 - 1;
                in.capacity = G_MAXUINT64;
                memset(in.name, 'v', sizeof(in.name) - 1);
                g_assert_cmpint(virStorageVaaiVolRecordEncode(&in, block, bs,
                                                              &err), ==, 0);
                g_assert_no_error(err);
                g_assert_cmpuint(block[5], ==, state);
                g_assert_cmpint(virStorageVaaiVolRecordDecode(block, bs, &out,
                                                              &err),
                                ==, VIR_STORAGE_VAAI_RECORD_VALID);
                g_assert_no_error(err);
                testAssertVolEqual(&out, &in);
                g_assert_cmpint(virStorageVaaiVolRecordEncode(&out, again, bs,
                                                              &err), ==, 0);
                g_assert_cmpmem(block, bs, again, bs);
            }

            /* a free record may have no name */
            memset(&in, 0, sizeof(in));
            in.version = 1;
            in.sequence = 3;
            g_assert_cmpint(virStorageVaaiVolRecordEncode(&in, block, bs, &err),
                            ==, 0);
            g_assert_cmpint(virStorageVaaiVolRecordDecode(block, bs, &out, &err),
                            ==, VIR_STORAGE_VAAI_RECORD_VALID);
            testAssertVolEqual(&out, &in);
        }
    }
}


/*
 * Every single-bit error is caught: in the magic the block is no longer
 * ours (FOREIGN), anywhere else (the CRC field included) the CRC fails.
 * Either way the block is not whole (a read of it may have been torn),
 * and the record as written, or all zeros, is.
 */
static void
testBitFlips(void)
{
    size_t k;
    size_t i;

    for (k = 0; k < G_N_ELEMENTS(testKinds); k++) {
        const testKind *kind = &testKinds[k];

        for (i = 0; i < G_N_ELEMENTS(testBlockSizes); i++) {
            size_t bs = testBlockSizes[i];
            g_autofree uint8_t *block = g_malloc(bs);
            size_t magicLen = strlen(kind->magic);
            size_t bit;

            memset(block, 0, bs);
            g_assert_true(virStorageVaaiBlockWhole(block, bs));
            kind->encodeSample(block, bs);
            testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_VALID, 0);
            g_assert_true(virStorageVaaiBlockWhole(block, bs));

            for (bit = 0; bit < bs * 8; bit++) {
                g_autoptr(GError) err = NULL;
                uint8_t version;
                virStorageVaaiRecordStatus st;

                block[bit / 8] ^= 1u << (bit % 8);
                st = kind->decode(block, bs, &version, &err);
                if (bit / 8 < magicLen) {
                    g_assert_cmpint(st, ==, VIR_STORAGE_VAAI_RECORD_FOREIGN);
                    g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                                   VIR_STORAGE_VAAI_ERROR_FOREIGN);
                } else {
                    g_assert_cmpint(st, ==, VIR_STORAGE_VAAI_RECORD_CORRUPT);
                    g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                                   VIR_STORAGE_VAAI_ERROR_CORRUPT);
                    g_assert_nonnull(strstr(err->message, "CRC"));
                }
                g_assert_false(virStorageVaaiBlockWhole(block, bs));
                block[bit / 8] ^= 1u << (bit % 8);
            }
            testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_VALID, 0);
        }
    }
}


static void
testEmptyForeignVersion(void)
{
    size_t k;
    size_t i;

    for (k = 0; k < G_N_ELEMENTS(testKinds); k++) {
        const testKind *kind = &testKinds[k];

        for (i = 0; i < G_N_ELEMENTS(testBlockSizes); i++) {
            size_t bs = testBlockSizes[i];
            g_autofree uint8_t *block = g_malloc0(bs);
            size_t other;

            testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_EMPTY, 0);

            /* one non-zero byte anywhere, even in the padding, is data */
            block[bs - 1] = 1;
            testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_FOREIGN,
                       VIR_STORAGE_VAAI_ERROR_FOREIGN);

            /* another kind's record is foreign here */
            for (other = 0; other < G_N_ELEMENTS(testKinds); other++) {
                if (other == k)
                    continue;
                testKinds[other].encodeSample(block, bs);
                testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_FOREIGN,
                           VIR_STORAGE_VAAI_ERROR_FOREIGN);
            }

            /* a newer (or an older) record version, properly sealed (the
             * lease knows 1 and 2) */
            kind->encodeSample(block, bs);
            block[kind->versionOffset] = 3;
            testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                       VIR_STORAGE_VAAI_ERROR_CORRUPT);
            testReseal(block, bs, kind->crcOffset);
            testExpect(kind, block, bs,
                       VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION,
                       VIR_STORAGE_VAAI_ERROR_UNSUPPORTED);
            block[kind->versionOffset] = 0;
            testReseal(block, bs, kind->crcOffset);
            testExpect(kind, block, bs,
                       VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION,
                       VIR_STORAGE_VAAI_ERROR_UNSUPPORTED);
            /* what version 1 calls padding is opaque in another version */
            block[kind->versionOffset] = 0xFF;
            block[bs - 1] = 0x77;
            testReseal(block, bs, kind->crcOffset);
            testExpect(kind, block, bs,
                       VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION,
                       VIR_STORAGE_VAAI_ERROR_UNSUPPORTED);
            /* ... and corrupt in version 1 */
            block[kind->versionOffset] = 1;
            testReseal(block, bs, kind->crcOffset);
            testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                       VIR_STORAGE_VAAI_ERROR_CORRUPT);
            block[bs - 1] = 0;
            testReseal(block, bs, kind->crcOffset);
            testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_VALID, 0);

            /* the CRC is stored big-endian: byte-swapped, it is wrong */
            {
                uint32_t crc = virSCSIGetBE32(block + kind->crcOffset);

                virSCSIPutBE32(block + kind->crcOffset, GUINT32_SWAP_LE_BE(crc));
                testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                           VIR_STORAGE_VAAI_ERROR_CORRUPT);
            }
        }
    }
}


/* Block sizes the codecs refuse, on both sides. */
static void
testBadBlockSizes(void)
{
    static const size_t bad[] = { 0, 256, 511, 1000, 4095, 131072 };
    size_t k;
    size_t i;

    for (k = 0; k < G_N_ELEMENTS(testKinds); k++) {
        for (i = 0; i < G_N_ELEMENTS(bad); i++) {
            g_autofree uint8_t *block = g_malloc0(bad[i] ? bad[i] : 1);

            /* even an all-zero block is not judged: nothing is read */
            testExpect(&testKinds[k], block, bad[i],
                       VIR_STORAGE_VAAI_RECORD_CORRUPT,
                       VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
        }
    }

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree uint8_t *block = g_malloc(bad[i] ? bad[i] : 1);
        virStorageVaaiHeader h;
        virStorageVaaiLease l;
        virStorageVaaiHeartbeat hb;
        virStorageVaaiVolRecord v;

        memset(block, 0xA5, bad[i] ? bad[i] : 1);
        testHeaderSample(&h, 512);
        h.blockSize = bad[i];
        testLeaseSample(&l);
        testHeartbeatSample(&hb);
        testVolSample(&v, 512);
        {
            g_autoptr(GError) err = NULL;
            g_assert_cmpint(virStorageVaaiHeaderEncode(&h, block, bad[i], &err),
                            ==, -1);
            g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                           VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
        }
        {
            g_autoptr(GError) err = NULL;
            g_assert_cmpint(virStorageVaaiLeaseEncode(&l, block, bad[i], &err),
                            ==, -1);
            g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                           VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
        }
        {
            g_autoptr(GError) err = NULL;
            g_assert_cmpint(virStorageVaaiHeartbeatEncode(&hb, block, bad[i],
                                                          &err), ==, -1);
            g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                           VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
        }
        {
            g_autoptr(GError) err = NULL;
            g_assert_cmpint(virStorageVaaiVolRecordEncode(&v, block, bad[i],
                                                          &err), ==, -1);
            g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                           VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
        }
        /* a refused encode leaves the buffer alone */
        g_assert_cmpuint(block[0], ==, 0xA5);
    }
}


/* ---- Impossible values, with a good CRC ---- */

typedef void (*testHeaderMutator)(virStorageVaaiHeader *h);

static void
testHdrMajor0(virStorageVaaiHeader *h)
{
    h->formatMajor = 0;
}

static void
testHdrAlign0(virStorageVaaiHeader *h)
{
    h->extentAlignment = 0;
}

static void
testHdrAlign3(virStorageVaaiHeader *h)
{
    h->extentAlignment = 3;
}

static void
testHdrAlignTop(virStorageVaaiHeader *h)
{
    h->extentAlignment = 0x80000001;
}

static void
testHdrSlots0(virStorageVaaiHeader *h)
{
    h->heartbeatSlots = 0;
}

static void
testHdrRecords0(virStorageVaaiHeader *h)
{
    h->volumeRecords = 0;
}

static void
testHdrLeaseOnHeader(virStorageVaaiHeader *h)
{
    h->leaseLba = 1;
}

static void
testHdrLeaseInSlots(virStorageVaaiHeader *h)
{
    h->leaseLba = 8 + 63;
}

static void
testHdrSlotsOnTable(virStorageVaaiHeader *h)
{
    h->heartbeatSlots = 65;
}

static void
testHdrTableOnData(virStorageVaaiHeader *h)
{
    h->volumeRecords = h->dataLba - 72 + 1;
}

static void
testHdrTableBeyond(virStorageVaaiHeader *h)
{
    h->volumeTableLba = h->capacity;
    h->volumeRecords = 1;
}

static void
testHdrTableWraps(virStorageVaaiHeader *h)
{
    h->volumeTableLba = G_MAXUINT64 - 10;
}

static void
testHdrDataUnaligned(virStorageVaaiHeader *h)
{
    h->dataLba += 1;
}

static void
testHdrDataReversed(virStorageVaaiHeader *h)
{
    h->dataEndLba = h->dataLba - 1;
}

static void
testHdrDataBeyond(virStorageVaaiHeader *h)
{
    h->dataEndLba = h->capacity + 1;
}

static void
testHdrCapacity0(virStorageVaaiHeader *h)
{
    h->capacity = 0;
}

static void
testHdrInterval0(virStorageVaaiHeader *h)
{
    h->heartbeatIntervalMs = 0;
}

static void
testHdrIntervalT(virStorageVaaiHeader *h)
{
    h->heartbeatIntervalMs = h->leaseTimeoutMs;
}

static void
testHdrPoolUuid0(virStorageVaaiHeader *h)
{
    memset(h->poolUuid, 0, 16);
}

static void
testHdrHostUuid0(virStorageVaaiHeader *h)
{
    memset(h->formatHostUuid, 0, 16);
}

static void
testHdrNameEmpty(virStorageVaaiHeader *h)
{
    h->name[0] = '\0';
}

static void
testHdrNameUtf8(virStorageVaaiHeader *h)
{
    h->name[2] = (char)0xC3;
}



static void
testHeaderImpossible(void)
{
    static const testHeaderMutator mutators[] = {
        testHdrMajor0, testHdrAlign0, testHdrAlign3, testHdrAlignTop,
        testHdrSlots0, testHdrRecords0, testHdrLeaseOnHeader,
        testHdrLeaseInSlots, testHdrSlotsOnTable, testHdrTableOnData,
        testHdrTableBeyond, testHdrTableWraps, testHdrDataUnaligned,
        testHdrDataReversed, testHdrDataBeyond, testHdrCapacity0,
        testHdrInterval0, testHdrIntervalT, testHdrPoolUuid0,
        testHdrHostUuid0, testHdrNameEmpty, testHdrNameUtf8,
    };
    size_t i;
    size_t m;

    for (i = 0; i < G_N_ELEMENTS(testBlockSizes); i++) {
        size_t bs = testBlockSizes[i];
        g_autofree uint8_t *good = g_malloc(bs);
        g_autofree uint8_t *block = g_malloc(bs);
        virStorageVaaiHeader h;

        testEncodeHeaderSample(good, bs);

        for (m = 0; m < G_N_ELEMENTS(mutators); m++) {
            g_autoptr(GError) err = NULL;

            testHeaderSample(&h, bs);
            mutators[m](&h);
            memset(block, 0xA5, bs);
            g_assert_cmpint(virStorageVaaiHeaderEncode(&h, block, bs, &err),
                            ==, -1);
            g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                           VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
            g_assert_cmpuint(block[0], ==, 0xA5);
        }

        /*
         * The same values written into a good block and sealed: the
         * decoder must judge them, not just the CRC.
         */
        memcpy(block, good, bs);
        block[9] = 0;                                   /* major 0 */
        testReseal(block, bs, 208);
        testExpect(&testKinds[0], block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);

        memcpy(block, good, bs);
        virSCSIPutBE32(block + 40, bs == 512 ? 4096 : 512);    /* block size */
        testReseal(block, bs, 208);
        testExpect(&testKinds[0], block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);

        memcpy(block, good, bs);
        virSCSIPutBE32(block + 44, 3);                  /* alignment */
        testReseal(block, bs, 208);
        testExpect(&testKinds[0], block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);

        memcpy(block, good, bs);
        virSCSIPutBE64(block + 56, 8);                  /* lease on slot 0 */
        testReseal(block, bs, 208);
        testExpect(&testKinds[0], block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);

        memcpy(block, good, bs);
        virSCSIPutBE64(block + 96, virSCSIGetBE64(block + 48) + 1); /* end */
        testReseal(block, bs, 208);
        testExpect(&testKinds[0], block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);

        memcpy(block, good, bs);
        virSCSIPutBE32(block + 44, 8);                  /* D aligned, but */
        virSCSIPutBE64(block + 88, 1088);               /* on the table */
        testReseal(block, bs, 208);
        testExpect(&testKinds[0], block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);

        memcpy(block, good, bs);
        virSCSIPutBE64(block + 136, 10000);             /* P = T */
        testReseal(block, bs, 208);
        testExpect(&testKinds[0], block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);

        memcpy(block, good, bs);
        memset(block + 24, 0, 16);                      /* pool UUID */
        testReseal(block, bs, 208);
        testExpect(&testKinds[0], block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);

        /* a name filling all 64 bytes has no NUL */
        memcpy(block, good, bs);
        memset(block + 144, 'n', 64);
        testReseal(block, bs, 208);
        testExpect(&testKinds[0], block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);
        memset(block + 144 + 63, 0, 1);
        testReseal(block, bs, 208);
        testExpect(&testKinds[0], block, bs, VIR_STORAGE_VAAI_RECORD_VALID, 0);

        /* a byte after the name's NUL would not survive a rewrite */
        memcpy(block, good, bs);
        block[144 + 63] = 'x';
        testReseal(block, bs, 208);
        testExpect(&testKinds[0], block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);

        /* the boundaries that are fine: data area empty, ends at capacity */
        testHeaderSample(&h, bs);
        h.dataEndLba = h.dataLba;
        {
            g_autoptr(GError) err = NULL;
            g_assert_cmpint(virStorageVaaiHeaderEncode(&h, block, bs, &err),
                            ==, 0);
            testExpect(&testKinds[0], block, bs,
                       VIR_STORAGE_VAAI_RECORD_VALID, 0);
        }
        /* ... even when it sits at the very end */
        testHeaderSample(&h, bs);
        h.dataLba = h.dataEndLba = h.capacity;
        {
            g_autoptr(GError) err = NULL;
            g_assert_cmpint(virStorageVaaiHeaderEncode(&h, block, bs, &err),
                            ==, 0);
            testExpect(&testKinds[0], block, bs,
                       VIR_STORAGE_VAAI_RECORD_VALID, 0);
        }
        h.dataLba = h.dataEndLba = h.capacity + h.extentAlignment;
        {
            g_autoptr(GError) err = NULL;
            g_assert_cmpint(virStorageVaaiHeaderEncode(&h, block, bs, &err),
                            ==, -1);
            g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                           VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
        }
        /* regions in another order than the default, and touching */
        testHeaderSample(&h, bs);
        h.volumeTableLba = 2;
        h.volumeRecords = 8;
        h.leaseLba = 10;
        h.heartbeatLba = 11;
        {
            g_autoptr(GError) err = NULL;
            g_assert_cmpint(virStorageVaaiHeaderEncode(&h, block, bs, &err),
                            ==, 0);
            testExpect(&testKinds[0], block, bs,
                       VIR_STORAGE_VAAI_RECORD_VALID, 0);
        }
    }
}


typedef void (*testVolMutator)(virStorageVaaiVolRecord *v, size_t bs);

static void
testVolState9(virStorageVaaiVolRecord *v,
              size_t bs)
{
    v->state = 9;
}

static void
testVolStateNeg(virStorageVaaiVolRecord *v,
                size_t bs)
{
    v->state = -1;
}

static void
testVolFlag4(virStorageVaaiVolRecord *v,
             size_t bs)
{
    v->flags = 4;
}

static void
testVolFlagsBoth(virStorageVaaiVolRecord *v,
                 size_t bs)
{
    v->flags = 3;
}

static void
testVolCapacity(virStorageVaaiVolRecord *v,
                size_t bs)
{
    v->capacity = v->extentLength * bs + 1;
}

static void
testVolExtentWraps(virStorageVaaiVolRecord *v,
                   size_t bs)
{
    v->extentStart = G_MAXUINT64;
    v->extentLength = 1;
}

static void
testVolIntentWraps(virStorageVaaiVolRecord *v,
                   size_t bs)
{
    v->intentExtentStart = 2;
    v->intentExtentLength = G_MAXUINT64 - 1;
}

static void
testVolIntentCap(virStorageVaaiVolRecord *v,
                 size_t bs)
{
    v->intentCapacity = v->intentExtentLength * bs + 1;
}

static void
testVolNameEmpty(virStorageVaaiVolRecord *v,
                 size_t bs)
{
    v->name[0] = '\0';
}

static void
testVolNameFull(virStorageVaaiVolRecord *v,
                size_t bs)
{
    memset(v->name, 'a', sizeof(v->name));
}

static void
testVolNameUtf8(virStorageVaaiVolRecord *v,
                size_t bs)
{
    v->name[0] = (char)0xFF;
}



static void
testVolImpossible(void)
{
    static const testVolMutator mutators[] = {
        testVolState9, testVolStateNeg, testVolFlag4, testVolFlagsBoth,
        testVolCapacity, testVolExtentWraps, testVolIntentWraps,
        testVolIntentCap, testVolNameEmpty, testVolNameFull, testVolNameUtf8,
    };
    const testKind *kind = &testKinds[3];
    size_t i;
    size_t m;

    for (i = 0; i < G_N_ELEMENTS(testBlockSizes); i++) {
        size_t bs = testBlockSizes[i];
        g_autofree uint8_t *good = g_malloc(bs);
        g_autofree uint8_t *block = g_malloc(bs);
        virStorageVaaiVolRecord v;

        testEncodeVolSample(good, bs);

        for (m = 0; m < G_N_ELEMENTS(mutators); m++) {
            g_autoptr(GError) err = NULL;

            testVolSample(&v, bs);
            mutators[m](&v, bs);
            g_assert_cmpint(virStorageVaaiVolRecordEncode(&v, block, bs, &err),
                            ==, -1);
            g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                           VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
        }

        memcpy(block, good, bs);
        block[5] = 9;                                   /* state */
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);
        block[5] = 0xFF;
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);
        block[5] = 7;                                   /* broken is a state */
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_VALID, 0);

        memcpy(block, good, bs);
        block[6] = 0x80;                                /* unknown flag */
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);
        block[6] = 0;
        block[7] = 3;                                   /* zeroed and thin */
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);

        /* capacity one byte over extent length x block size */
        memcpy(block, good, bs);
        virSCSIPutBE64(block + 48, 0x800 * (uint64_t)bs + 1);
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);
        /* an empty extent holds nothing */
        virSCSIPutBE64(block + 40, 0);
        virSCSIPutBE64(block + 48, 1);
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);
        virSCSIPutBE64(block + 48, 0);
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_VALID, 0);

        memcpy(block, good, bs);
        virSCSIPutBE64(block + 32, G_MAXUINT64 - 0x7FF);  /* start + length */
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);
        virSCSIPutBE64(block + 32, G_MAXUINT64 - 0x800);  /* ends at 2^64-1 */
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_VALID, 0);

        memcpy(block, good, bs);
        virSCSIPutBE64(block + 152, 0x1000 * (uint64_t)bs + 1);
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);
        /* with no intended extent, the intended capacity is not judged */
        virSCSIPutBE64(block + 144, 0);
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_VALID, 0);

        /* names: empty, unterminated, bytes after the NUL, not UTF-8 */
        memcpy(block, good, bs);
        memset(block + 160, 0, 128);
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);
        block[5] = VIR_STORAGE_VAAI_VOL_FREE;
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_VALID, 0);

        memcpy(block, good, bs);
        memset(block + 160, 'a', 128);
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);

        memcpy(block, good, bs);
        block[160 + 127] = 'z';
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);

        memcpy(block, good, bs);
        block[160 + 4] = 0xC0;                          /* overlong lead */
        testReseal(block, bs, 288);
        testExpect(kind, block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);
    }
}


static void
testLeaseHeartbeatImpossible(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(testBlockSizes); i++) {
        size_t bs = testBlockSizes[i];
        g_autofree uint8_t *block = g_malloc(bs);
        size_t off;

        /* the zero bytes of the lease: 5-7 and 36-39 */
        for (off = 0; off < VIR_STORAGE_VAAI_LEASE_LEN; off++) {
            bool reserved = (off >= 5 && off < 8) || (off >= 36 && off < 40);

            testEncodeLeaseSample(block, bs);
            if (block[off] != 0)
                continue;
            block[off] = 0x01;
            testReseal(block, bs, 56);
            /* other zero bytes are fields that happen to be zero */
            testExpect(&testKinds[1], block, bs,
                       reserved ? VIR_STORAGE_VAAI_RECORD_CORRUPT
                                : VIR_STORAGE_VAAI_RECORD_VALID,
                       VIR_STORAGE_VAAI_ERROR_CORRUPT);
        }

        for (off = 5; off < 8; off++) {
            testEncodeHeartbeatSample(block, bs);
            block[off] = 0x80;
            testReseal(block, bs, 112);
            testExpect(&testKinds[2], block, bs,
                       VIR_STORAGE_VAAI_RECORD_CORRUPT,
                       VIR_STORAGE_VAAI_ERROR_CORRUPT);
        }

        /* host name: unterminated, bytes after the NUL, not UTF-8 */
        testEncodeHeartbeatSample(block, bs);
        memset(block + 48, 'h', 64);
        testReseal(block, bs, 112);
        testExpect(&testKinds[2], block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);

        testEncodeHeartbeatSample(block, bs);
        block[48 + 20] = 'h';
        testReseal(block, bs, 112);
        testExpect(&testKinds[2], block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);

        testEncodeHeartbeatSample(block, bs);
        block[48] = 0xE2;
        block[49] = 0x82;       /* a 3-byte sequence cut short */
        testReseal(block, bs, 112);
        testExpect(&testKinds[2], block, bs, VIR_STORAGE_VAAI_RECORD_CORRUPT,
                   VIR_STORAGE_VAAI_ERROR_CORRUPT);
        block[50] = 0xAC;       /* U+20AC, whole */
        testReseal(block, bs, 112);
        testExpect(&testKinds[2], block, bs, VIR_STORAGE_VAAI_RECORD_VALID, 0);
    }
}


static void
testEncodeRefuses(void)
{
    g_autofree uint8_t *block = g_malloc(512);
    virStorageVaaiLease l;
    virStorageVaaiHeartbeat hb;
    virStorageVaaiHeader h;
    virStorageVaaiVolRecord v;

    /* a record of another version read from the LUN is never rewritten */
    testLeaseSample(&l);
    l.version = 3;
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(virStorageVaaiLeaseEncode(&l, block, 512, &err), ==, -1);
        g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                       VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    }
    testHeartbeatSample(&hb);
    hb.version = 0xFF;
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(virStorageVaaiHeartbeatEncode(&hb, block, 512, &err),
                        ==, -1);
        g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                       VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    }
    testHeaderSample(&h, 512);
    h.version = 2;
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(virStorageVaaiHeaderEncode(&h, block, 512, &err), ==, -1);
        g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                       VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    }
    testVolSample(&v, 512);
    v.version = 3;
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(virStorageVaaiVolRecordEncode(&v, block, 512, &err),
                        ==, -1);
        g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                       VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    }

    /* names too long for their field: the NUL must fit */
    testHeaderSample(&h, 512);
    memset(h.name, 'p', sizeof(h.name));
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(virStorageVaaiHeaderEncode(&h, block, 512, &err), ==, -1);
        g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                       VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    }
    testHeartbeatSample(&hb);
    memset(hb.hostName, 'h', sizeof(hb.hostName));
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(virStorageVaaiHeartbeatEncode(&hb, block, 512, &err),
                        ==, -1);
        g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                       VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    }
    hb.hostName[0] = (char)0x80;
    hb.hostName[1] = '\0';
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(virStorageVaaiHeartbeatEncode(&hb, block, 512, &err),
                        ==, -1);
        g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                       VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    }

    /*
     * Whatever follows the NUL in the caller's array is not written: the
     * field on the LUN is NUL-padded.
     */
    testVolSample(&v, 512);
    memset(v.name, 'q', sizeof(v.name));
    v.name[3] = '\0';
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(virStorageVaaiVolRecordEncode(&v, block, 512, &err),
                        ==, 0);
        g_assert_cmpmem(block + 160, 4, "qqq\0", 4);
        g_assert_cmpuint(block[160 + 127], ==, 0);
        testExpect(&testKinds[3], block, 512, VIR_STORAGE_VAAI_RECORD_VALID, 0);
    }
}


/* ---- Compatibility flags ---- */

static void
testCompat(void)
{
    virStorageVaaiHeader h;

    testHeaderSample(&h, 512);
    h.compat = h.roCompat = h.incompat = 0;

    g_assert_true(virStorageVaaiHeaderCompatOK(&h, false, NULL));
    g_assert_true(virStorageVaaiHeaderCompatOK(&h, true, NULL));

    /* a later minor version of format 1 */
    h.formatMinor = 7;
    g_assert_true(virStorageVaaiHeaderCompatOK(&h, true, NULL));

    /* unknown compat: ignored, even for writing */
    h.compat = 0x80000000;
    g_assert_true(virStorageVaaiHeaderCompatOK(&h, true, NULL));
    g_assert_true(virStorageVaaiHeaderCompatOK(&h, false, NULL));

    /* unknown ro_compat: read-only */
    h.roCompat = 0x00000100;
    g_assert_true(virStorageVaaiHeaderCompatOK(&h, false, NULL));
    {
        g_autoptr(GError) err = NULL;
        g_assert_false(virStorageVaaiHeaderCompatOK(&h, true, &err));
        g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                       VIR_STORAGE_VAAI_ERROR_UNSUPPORTED);
        g_assert_nonnull(strstr(err->message, "0x00000100"));
    }

    /* unknown incompat: not at all */
    h.roCompat = 0;
    h.incompat = 0x00000020;   /* FORMATTING, RESERVATIONS, DATA_OFFSET, JOURNAL (0x1, 0x2, 0x8, 0x10) are known */
    {
        g_autoptr(GError) err = NULL;
        g_assert_false(virStorageVaaiHeaderCompatOK(&h, false, &err));
        g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                       VIR_STORAGE_VAAI_ERROR_UNSUPPORTED);
    }
    {
        g_autoptr(GError) err = NULL;
        g_assert_false(virStorageVaaiHeaderCompatOK(&h, true, &err));
        g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                       VIR_STORAGE_VAAI_ERROR_UNSUPPORTED);
    }

    /* another major version: not at all */
    h.incompat = 0;
    h.formatMajor = 2;
    {
        g_autoptr(GError) err = NULL;
        g_assert_false(virStorageVaaiHeaderCompatOK(&h, false, &err));
        g_assert_error(err, VIR_STORAGE_VAAI_ERROR,
                       VIR_STORAGE_VAAI_ERROR_UNSUPPORTED);
    }

    /* the flags come through the decoder as written */
    {
        g_autofree uint8_t *block = testBlock(hdrVec512, sizeof(hdrVec512),
                                              512);
        virStorageVaaiHeader got;

        g_assert_cmpint(virStorageVaaiHeaderDecode(block, 512, &got, NULL), ==,
                        VIR_STORAGE_VAAI_RECORD_VALID);
        g_assert_false(virStorageVaaiHeaderCompatOK(&got, false, NULL));
        got.incompat = 0;
        g_assert_true(virStorageVaaiHeaderCompatOK(&got, false, NULL));
        g_assert_false(virStorageVaaiHeaderCompatOK(&got, true, NULL));
        got.roCompat = 0;
        g_assert_true(virStorageVaaiHeaderCompatOK(&got, true, NULL));
    }
}


/* ---- Names ---- */

static void
testNames(void)
{
    static const char *states[] = {
        "free", "creating", "ready", "deleting",
        "resizing", "cloning", "wiping", "broken", "releasing",
    };
    size_t i;

    G_STATIC_ASSERT(G_N_ELEMENTS(states) == VIR_STORAGE_VAAI_VOL_STATE_LAST);
    for (i = 0; i < G_N_ELEMENTS(states); i++)
        g_assert_cmpstr(virStorageVaaiVolStateName(i), ==, states[i]);
    g_assert_cmpstr(virStorageVaaiVolStateName(VIR_STORAGE_VAAI_VOL_STATE_LAST),
                    ==, "unknown");
    g_assert_cmpstr(virStorageVaaiVolStateName(200), ==, "unknown");

    g_assert_cmpstr(virStorageVaaiRecordStatusName(VIR_STORAGE_VAAI_RECORD_EMPTY),
                    ==, "empty");
    g_assert_cmpstr(virStorageVaaiRecordStatusName(VIR_STORAGE_VAAI_RECORD_VALID),
                    ==, "valid");
    g_assert_cmpstr(virStorageVaaiRecordStatusName(VIR_STORAGE_VAAI_RECORD_CORRUPT),
                    ==, "corrupt");
    g_assert_cmpstr(virStorageVaaiRecordStatusName(VIR_STORAGE_VAAI_RECORD_FOREIGN),
                    ==, "foreign");
    g_assert_cmpstr(virStorageVaaiRecordStatusName(VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION),
                    ==, "unknown version");
    g_assert_cmpstr(virStorageVaaiRecordStatusName(VIR_STORAGE_VAAI_RECORD_STATUS_LAST),
                    ==, "unknown");
}


/* ---- Signatures ---- */

/* A zeroed 72 KiB start of a LUN with @sig at @offset. */
static uint8_t *
testSniffBuf(size_t offset,
             const void *sig,
             size_t sigLen)
{
    uint8_t *buf = g_malloc0(VIR_STORAGE_VAAI_SNIFF_BYTES);

    memcpy(buf + offset, sig, sigLen);
    return buf;
}


/*
 * @sig at @offset is found as @expect with the whole sniff window, with
 * exactly enough bytes, and not with one byte less.
 */
static void
testSniffOne(size_t offset,
             const void *sig,
             size_t sigLen,
             uint32_t blockSize,
             const char *expect)
{
    g_autofree uint8_t *buf = testSniffBuf(offset, sig, sigLen);
    size_t need = offset + sigLen;

    g_assert_cmpstr(virStorageVaaiDetectSignature(buf,
                                                  VIR_STORAGE_VAAI_SNIFF_BYTES,
                                                  blockSize), ==, expect);
    g_assert_cmpstr(virStorageVaaiDetectSignature(buf, need, blockSize),
                    ==, expect);
    g_assert_null(virStorageVaaiDetectSignature(buf, need - 1, blockSize));
}


/* A DOS partition table with one Linux partition from LBA 2048. */
static void
testSniffPutMbr(uint8_t *buf)
{
    uint8_t *e = buf + 446;

    e[0] = 0x00;                            /* not bootable */
    e[4] = 0x83;                            /* Linux */
    e[9] = 0x08;                            /* start LBA 2048, LE */
    e[14] = 0x10;                           /* 1 Mi sectors, LE */
    buf[510] = 0x55;
    buf[511] = 0xAA;
}


static void
testSignatures(void)
{
    size_t n = VIR_STORAGE_VAAI_SNIFF_BYTES;
    uint32_t bs;

    G_STATIC_ASSERT(VIR_STORAGE_VAAI_SNIFF_BYTES >= 65600 + 8);

    {
        g_autofree uint8_t *zero = g_malloc0(n);

        g_assert_null(virStorageVaaiDetectSignature(zero, n, 512));
        g_assert_null(virStorageVaaiDetectSignature(zero, n, 4096));
        g_assert_null(virStorageVaaiDetectSignature(zero, 0, 512));
    }

    for (bs = 512; bs <= 4096; bs *= 8) {
        /* our own header, primary and backup alone */
        testSniffOne(0, "VAAIPOOL", 8, bs, "vaai pool");
        testSniffOne(bs, "VAAIPOOL", 8, bs, "vaai pool");
        testSniffOne(bs, "EFI PART", 8, bs, "GPT");
        testSniffOne(1080, "\x53\xEF", 2, bs, "ext2/3/4 filesystem");
        testSniffOne(0, "XFSB", 4, bs, "XFS filesystem");
        testSniffOne(65600, "_BHRfS_M", 8, bs, "btrfs");
        testSniffOne(4096 - 10, "SWAPSPACE2", 10, bs, "swap");
        testSniffOne(65536 - 10, "SWAPSPACE2", 10, bs, "swap");
        testSniffOne(32769, "CD001", 5, bs, "ISO 9660");

        /* a real encoded header */
        {
            g_autofree uint8_t *buf = g_malloc0(n);
            virStorageVaaiHeader h;

            testHeaderSample(&h, bs);
            g_assert_cmpint(virStorageVaaiHeaderEncode(&h, buf, bs, NULL),
                            ==, 0);
            g_assert_cmpstr(virStorageVaaiDetectSignature(buf, n, bs),
                            ==, "vaai pool");
        }
    }

    /* GPT is at LBA 1 of the LUN's block size, not anywhere else */
    {
        g_autofree uint8_t *buf = testSniffBuf(4096, "EFI PART", 8);

        g_assert_null(virStorageVaaiDetectSignature(buf, n, 512));
        /* a block size below 512 is no LBA 1 to look at */
        memcpy(buf, "\0\0\0\0\0\0\0\0", 8);
        memcpy(buf + 256, "EFI PART", 8);
        g_assert_null(virStorageVaaiDetectSignature(buf, n, 256));
    }

    /* GPT with its protective MBR is a GPT */
    {
        g_autofree uint8_t *buf = testSniffBuf(512, "EFI PART", 8);

        testSniffPutMbr(buf);
        buf[446 + 4] = 0xEE;
        g_assert_cmpstr(virStorageVaaiDetectSignature(buf, n, 512), ==, "GPT");
    }

    /* DOS/MBR */
    {
        g_autofree uint8_t *buf = g_malloc0(n);

        testSniffPutMbr(buf);
        g_assert_cmpstr(virStorageVaaiDetectSignature(buf, n, 512),
                        ==, "DOS/MBR partition table");
        g_assert_cmpstr(virStorageVaaiDetectSignature(buf, 512, 512),
                        ==, "DOS/MBR partition table");
        g_assert_null(virStorageVaaiDetectSignature(buf, 511, 512));
        /* in the fourth entry, bootable */
        memset(buf + 446, 0, 16);
        buf[446 + 48] = 0x80;
        buf[446 + 48 + 4] = 0x07;
        buf[446 + 48 + 8] = 0x3F;
        buf[446 + 48 + 12] = 0x01;
        g_assert_cmpstr(virStorageVaaiDetectSignature(buf, n, 4096),
                        ==, "DOS/MBR partition table");
        /* a boot flag that is neither 0x00 nor 0x80: boot code, not a table */
        buf[446] = 0x12;
        g_assert_null(virStorageVaaiDetectSignature(buf, n, 512));
        buf[446] = 0x00;
        /* the signature alone, no entry */
        memset(buf + 446, 0, 64);
        g_assert_null(virStorageVaaiDetectSignature(buf, n, 512));
        /* an entry with a type but no sectors */
        buf[446 + 4] = 0x83;
        buf[446 + 8] = 0x01;
        g_assert_null(virStorageVaaiDetectSignature(buf, n, 512));
        buf[446 + 12] = 0x01;
        g_assert_cmpstr(virStorageVaaiDetectSignature(buf, n, 512),
                        ==, "DOS/MBR partition table");
        /* an entry but no 0x55AA */
        buf[511] = 0x55;
        g_assert_null(virStorageVaaiDetectSignature(buf, n, 512));
    }

    /* LVM2: a label in any of the first four 512-byte sectors */
    {
        size_t sector;

        for (sector = 0; sector < 4; sector++) {
            g_autofree uint8_t *buf = testSniffBuf(sector * 512, "LABELONE", 8);

            g_assert_null(virStorageVaaiDetectSignature(buf, n, 512));
            memcpy(buf + sector * 512 + 24, "LVM2 001", 8);
            g_assert_cmpstr(virStorageVaaiDetectSignature(buf, n, 4096),
                            ==, "LVM2 physical volume");
            g_assert_cmpstr(virStorageVaaiDetectSignature(buf,
                                                          sector * 512 + 32,
                                                          512),
                            ==, "LVM2 physical volume");
            g_assert_null(virStorageVaaiDetectSignature(buf, sector * 512 + 31,
                                                        512));
        }
        /* the fifth sector is not scanned */
        {
            g_autofree uint8_t *buf = testSniffBuf(2048, "LABELONE", 8);

            memcpy(buf + 2048 + 24, "LVM2 001", 8);
            g_assert_null(virStorageVaaiDetectSignature(buf, n, 512));
        }
    }

    /* swap is at the end of the first page, not anywhere */
    {
        g_autofree uint8_t *buf = testSniffBuf(4096 - 11, "SWAPSPACE2", 10);

        g_assert_null(virStorageVaaiDetectSignature(buf, n, 512));
    }

    /* the ext magic is little-endian */
    {
        g_autofree uint8_t *buf = testSniffBuf(1080, "\xEF\x53", 2);

        g_assert_null(virStorageVaaiDetectSignature(buf, n, 512));
    }
}



/* A header read from the LUN may not ask for huge tables; a record read
 * from it may not point outside the data area nor carry a name a user
 * could not have given. */
static void
testUntrusted(void)
{
    virStorageVaaiHeader h;
    virStorageVaaiVolRecord v;
    virStorageVaaiVolRecord out;
    g_autofree uint8_t *block = g_malloc0(512);
    static const char *badNames[] = { "a/b", "..", ".", "tab\there", "del\x7f" };
    size_t i;

    for (i = 0; i < 2; i++) {
        g_autoptr(GError) err = NULL;

        testHeaderSample(&h, 512);
        if (i == 0)
            h.volumeRecords = VIR_STORAGE_VAAI_VOLUME_RECORDS_MAX + 1;
        else
            h.heartbeatSlots = VIR_STORAGE_VAAI_HEARTBEAT_SLOTS_MAX + 1;
        h.volumeTableLba = h.heartbeatLba + h.heartbeatSlots;
        h.dataLba = (h.volumeTableLba + (uint64_t)h.volumeRecords + h.extentAlignment - 1) /
                    h.extentAlignment * h.extentAlignment;
        g_assert_cmpint(virStorageVaaiHeaderEncode(&h, block, 512, &err), ==, -1);
        g_assert_nonnull(strstr(err->message, "at most"));
    }

    for (i = 0; i < G_N_ELEMENTS(badNames); i++) {
        testVolSample(&v, 512);
        g_strlcpy(v.name, badNames[i], sizeof(v.name));
        g_assert_cmpint(virStorageVaaiVolRecordEncode(&v, block, 512, NULL), ==, -1);
        /* ...and the same name sealed by someone else is corrupt */
        testVolSample(&v, 512);
        g_assert_cmpint(virStorageVaaiVolRecordEncode(&v, block, 512, NULL), ==, 0);
        memset(block + 160, 0, VIR_STORAGE_VAAI_VOL_NAME_SIZE);
        memcpy(block + 160, badNames[i], strlen(badNames[i]));
        testReseal(block, 512, 160 + VIR_STORAGE_VAAI_VOL_NAME_SIZE);
        g_assert_cmpint(virStorageVaaiVolRecordDecode(block, 512, &out, NULL), ==,
                        VIR_STORAGE_VAAI_RECORD_CORRUPT);
    }

    /* A capacity whose byte offsets overflow 64 bits. */
    {
        g_autoptr(GError) err = NULL;

        testHeaderSample(&h, 512);
        h.capacity = UINT64_MAX / 256;
        h.dataEndLba = h.capacity;
        g_assert_cmpint(virStorageVaaiHeaderEncode(&h, block, 512, &err), ==, -1);
        g_assert_nonnull(strstr(err->message, "64 bits"));
    }

    /* A pool or host name with a newline or an escape is refused too: it
     * would end up in XML, logs and terminals. */
    testHeaderSample(&h, 512);
    g_strlcpy(h.name, "pool\nname", sizeof(h.name));
    g_assert_cmpint(virStorageVaaiHeaderEncode(&h, block, 512, NULL), ==, -1);
    {
        virStorageVaaiHeartbeat hb;

        testHeartbeatSample(&hb);
        g_strlcpy(hb.hostName, "host\x1b[31m", sizeof(hb.hostName));
        g_assert_cmpint(virStorageVaaiHeartbeatEncode(&hb, block, 512, NULL), ==, -1);
    }

    testVolSample(&v, 512);
    g_assert_true(virStorageVaaiVolRecordInArea(&v, 0x4000, 0x10000, NULL));
    g_assert_false(virStorageVaaiVolRecordInArea(&v, 0x4001, 0x10000, NULL));
    g_assert_false(virStorageVaaiVolRecordInArea(&v, 0x4000, 0x8fff, NULL));
    v.extentLength = 0;
    g_assert_false(virStorageVaaiVolRecordInArea(&v, 0x4000, 0x10000, NULL));
    v.state = VIR_STORAGE_VAAI_VOL_FREE;
    g_assert_true(virStorageVaaiVolRecordInArea(&v, 0x4000, 0x10000, NULL));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/vaai-format/crc32c/vectors", testCrcVectors);
    g_test_add_func("/vaai-format/crc32c/extend", testCrcExtend);
    g_test_add_func("/vaai-format/lease/vector", testLeaseVector);
    g_test_add_func("/vaai-format/heartbeat/vector", testHeartbeatVector);
    g_test_add_func("/vaai-format/header/vector", testHeaderVector);
    g_test_add_func("/vaai-format/volrecord/vector", testVolVector);
    g_test_add_func("/vaai-format/round-trips", testRoundTrips);
    g_test_add_func("/vaai-format/bit-flips", testBitFlips);
    g_test_add_func("/vaai-format/empty-foreign-version", testEmptyForeignVersion);
    g_test_add_func("/vaai-format/bad-block-sizes", testBadBlockSizes);
    g_test_add_func("/vaai-format/header/impossible", testHeaderImpossible);
    g_test_add_func("/vaai-format/volrecord/impossible", testVolImpossible);
    g_test_add_func("/vaai-format/lease-heartbeat/impossible",
                    testLeaseHeartbeatImpossible);
    g_test_add_func("/vaai-format/encode-refuses", testEncodeRefuses);
    g_test_add_func("/vaai-format/compat", testCompat);
    g_test_add_func("/vaai-format/names", testNames);
    g_test_add_func("/vaai-format/signatures", testSignatures);
    g_test_add_func("/vaai-format/untrusted", testUntrusted);

    return g_test_run();
}
