/*
 * test-cdb.c: CDB encoders against byte vectors written out from
 * SPC-4 / SBC-4
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "virscsicdb.h"
#include "virscsierror.h"

/* Fill a CDB buffer with garbage, so that a test also proves the encoder
 * zeroes all VIR_SCSI_CDB_MAX bytes, not only the ones it sets. */
#define DIRTY(cdb) memset((cdb), 0xA5, VIR_SCSI_CDB_MAX)

/*
 * Compare the whole 16-byte buffer with @expected followed by zeros, and
 * check that the returned length is both the expected one and the one the
 * opcode's group code implies.
 */
static void
checkCdb(const uint8_t *cdb,
         gssize len,
         const uint8_t *expected,
         size_t explen)
{
    uint8_t full[VIR_SCSI_CDB_MAX] = { 0 };

    g_assert_cmpint(len, ==, (gssize)explen);
    g_assert_cmpuint(explen, <=, VIR_SCSI_CDB_MAX);
    memcpy(full, expected, explen);
    g_assert_cmpmem(cdb, VIR_SCSI_CDB_MAX, full, VIR_SCSI_CDB_MAX);
    g_assert_cmpuint(virSCSICdbLength(cdb[0]), ==, explen);
}

#define CHECK_CDB(cdb, len, expected) \
    checkCdb(cdb, len, expected, sizeof(expected))

/* A failed encoder returns -1, says INVALID_ARG, and leaves the buffer
 * zeroed (a TEST UNIT READY, harmless if sent by mistake). */
static void
checkInvalid(const uint8_t *cdb,
             int rc,
             GError **err)
{
    static const uint8_t zero[VIR_SCSI_CDB_MAX] = { 0 };

    g_assert_cmpint(rc, ==, -1);
    g_assert_error(*err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG);
    g_clear_error(err);
    g_assert_cmpmem(cdb, VIR_SCSI_CDB_MAX, zero, VIR_SCSI_CDB_MAX);
}


static void
testLength(void)
{
    g_assert_cmpuint(virSCSICdbLength(0x00), ==, 6);    /* TEST UNIT READY */
    g_assert_cmpuint(virSCSICdbLength(0x12), ==, 6);    /* INQUIRY */
    g_assert_cmpuint(virSCSICdbLength(0x1F), ==, 6);    /* last of group 0 */
    g_assert_cmpuint(virSCSICdbLength(0x25), ==, 10);   /* READ CAPACITY(10) */
    g_assert_cmpuint(virSCSICdbLength(0x42), ==, 10);   /* UNMAP, group 2 */
    g_assert_cmpuint(virSCSICdbLength(0x5F), ==, 10);   /* last of group 2 */
    g_assert_cmpuint(virSCSICdbLength(0x7F), ==, 0);    /* variable length */
    g_assert_cmpuint(virSCSICdbLength(0x83), ==, 16);   /* THIRD-PARTY COPY OUT */
    g_assert_cmpuint(virSCSICdbLength(0x9E), ==, 16);   /* SERVICE ACTION IN(16) */
    g_assert_cmpuint(virSCSICdbLength(0xA3), ==, 12);   /* MAINTENANCE IN */
    g_assert_cmpuint(virSCSICdbLength(0xC0), ==, 0);    /* vendor specific */
    g_assert_cmpuint(virSCSICdbLength(0xFF), ==, 0);    /* vendor specific */
}


static void
testTestUnitReady(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t expected[] = {
        0x00,                   /* OPERATION CODE */
        0x00, 0x00, 0x00, 0x00, /* reserved */
        0x00,                   /* CONTROL */
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbTestUnitReady(cdb), expected);
}


static void
testInquiryStandard(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t expected[] = {
        0x12,           /* OPERATION CODE */
        0x00,           /* EVPD = 0 */
        0x00,           /* PAGE CODE */
        0x01, 0x24,     /* ALLOCATION LENGTH = 292 */
        0x00,           /* CONTROL */
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbInquiryStandard(cdb, 292), expected);
}


static void
testInquiryVPD(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t devid[] = {
        0x12,           /* OPERATION CODE */
        0x01,           /* EVPD = 1 */
        0x83,           /* PAGE CODE: Device Identification */
        0xFF, 0xFF,     /* ALLOCATION LENGTH = 65535 (largest) */
        0x00,           /* CONTROL */
    };
    static const uint8_t supported[] = {
        0x12, 0x01,
        0x00,           /* PAGE CODE: Supported VPD Pages */
        0x00, 0xFC,     /* ALLOCATION LENGTH = 252 */
        0x00,
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbInquiryVPD(cdb, 0x83, 0xFFFF), devid);
    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbInquiryVPD(cdb, 0x00, 252), supported);
}


static void
testReadCapacity10(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t expected[] = {
        0x25,                   /* OPERATION CODE */
        0x00,                   /* reserved */
        0x00, 0x00, 0x00, 0x00, /* obsolete LBA */
        0x00, 0x00,             /* reserved */
        0x00,                   /* obsolete PMI */
        0x00,                   /* CONTROL */
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbReadCapacity10(cdb), expected);
}


static void
testReadCapacity16(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t expected[] = {
        0x9E,                   /* SERVICE ACTION IN(16) */
        0x10,                   /* SA: READ CAPACITY(16) */
        0x00, 0x00, 0x00, 0x00, /* obsolete LBA */
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x20, /* ALLOCATION LENGTH = 32 */
        0x00,                   /* obsolete PMI */
        0x00,                   /* CONTROL */
    };
    static const uint8_t order[] = {
        0x9E, 0x10,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xDE, 0xAD, 0xBE, 0xEF, /* ALLOCATION LENGTH, most significant first */
        0x00, 0x00,
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbReadCapacity16(cdb, 32), expected);
    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbReadCapacity16(cdb, 0xDEADBEEF), order);
}


static void
testGetLbaStatus(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t expected[] = {
        0x9E,                   /* SERVICE ACTION IN(16) */
        0x12,                   /* SA: GET LBA STATUS */
        0x01, 0x02, 0x03, 0x04, /* STARTING LBA */
        0x05, 0x06, 0x07, 0x08,
        0x00, 0x00, 0x10, 0x00, /* ALLOCATION LENGTH = 4096 */
        0x00,                   /* REPORT TYPE: all */
        0x00,                   /* CONTROL */
    };
    static const uint8_t maxLba[] = {
        0x9E, 0x12,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF,
        0x00, 0x00,
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbGetLbaStatus(cdb, 0x0102030405060708ULL, 4096),
              expected);
    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbGetLbaStatus(cdb, UINT64_MAX, UINT32_MAX),
              maxLba);
}


static void
testWriteSame10(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    g_autoptr(GError) err = NULL;
    static const uint8_t unmap[] = {
        0x41,                   /* OPERATION CODE */
        0x08,                   /* UNMAP */
        0x12, 0x34, 0x56, 0x78, /* LBA */
        0x00,                   /* GROUP NUMBER */
        0xAB, 0xCD,             /* NUMBER OF LOGICAL BLOCKS */
        0x00,                   /* CONTROL */
    };
    static const uint8_t limits[] = {
        0x41,
        0x18,                   /* ANCHOR | UNMAP */
        0xFF, 0xFF, 0xFF, 0xFF, /* LBA = 2^32 - 1 */
        0x00,
        0xFF, 0xFF,             /* 65535 blocks */
        0x00,
    };
    static const uint8_t plain[] = {
        0x41, 0x00,
        0x00, 0x00, 0x00, 0x00,
        0x00,
        0x00, 0x00,             /* 0 blocks: to the last LBA */
        0x00,
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbWriteSame10(cdb, 0x12345678, 0xABCD,
                                         VIR_SCSI_WRITE_SAME_UNMAP, &err),
              unmap);
    g_assert_no_error(err);

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbWriteSame10(cdb, UINT32_MAX, UINT16_MAX,
                                         VIR_SCSI_WRITE_SAME_UNMAP |
                                         VIR_SCSI_WRITE_SAME_ANCHOR, &err),
              limits);
    g_assert_no_error(err);

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbWriteSame10(cdb, 0, 0, 0, &err), plain);
    g_assert_no_error(err);

    /* LBA one past 32 bits */
    DIRTY(cdb);
    checkInvalid(cdb, virSCSICdbWriteSame10(cdb, 0x100000000ULL, 1, 0, &err),
                 &err);
    /* count one past 16 bits */
    DIRTY(cdb);
    checkInvalid(cdb, virSCSICdbWriteSame10(cdb, 0, 0x10000, 0, &err), &err);
    /* NDOB exists only in the 16-byte CDB */
    DIRTY(cdb);
    checkInvalid(cdb, virSCSICdbWriteSame10(cdb, 0, 1,
                                            VIR_SCSI_WRITE_SAME_NDOB |
                                            VIR_SCSI_WRITE_SAME_UNMAP, &err),
                 &err);
    /* ANCHOR without UNMAP */
    DIRTY(cdb);
    checkInvalid(cdb, virSCSICdbWriteSame10(cdb, 0, 1,
                                            VIR_SCSI_WRITE_SAME_ANCHOR, &err),
                 &err);
    /* LBDATA (0x02) is not a flag we offer */
    DIRTY(cdb);
    checkInvalid(cdb, virSCSICdbWriteSame10(cdb, 0, 1, 0x02, &err), &err);
}


static void
testWriteSame16(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    g_autoptr(GError) err = NULL;
    static const uint8_t zero[] = {
        0x93,                   /* OPERATION CODE */
        0x09,                   /* UNMAP | NDOB */
        0x00, 0x00, 0x00, 0x01, /* LBA */
        0x23, 0x45, 0x67, 0x89,
        0x00, 0x00, 0x08, 0x00, /* NUMBER OF LOGICAL BLOCKS = 2048 */
        0x00,                   /* GROUP NUMBER */
        0x00,                   /* CONTROL */
    };
    static const uint8_t limits[] = {
        0x93,
        0x18,                   /* ANCHOR | UNMAP */
        0xFF, 0xFF, 0xFF, 0xFF, /* LBA = 2^64 - 1 */
        0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, /* 2^32 - 1 blocks */
        0x00, 0x00,
    };
    static const uint8_t ndobOnly[] = {
        0x93,
        0x01,                   /* NDOB: zeros, nothing unmapped */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, /* 0 blocks: to the last LBA */
        0x00, 0x00,
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbWriteSame16(cdb, 0x0000000123456789ULL, 2048,
                                         VIR_SCSI_WRITE_SAME_UNMAP |
                                         VIR_SCSI_WRITE_SAME_NDOB, &err),
              zero);
    g_assert_no_error(err);

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbWriteSame16(cdb, UINT64_MAX, UINT32_MAX,
                                         VIR_SCSI_WRITE_SAME_ANCHOR |
                                         VIR_SCSI_WRITE_SAME_UNMAP, &err),
              limits);
    g_assert_no_error(err);

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbWriteSame16(cdb, 0, 0, VIR_SCSI_WRITE_SAME_NDOB,
                                         &err),
              ndobOnly);
    g_assert_no_error(err);

    DIRTY(cdb);
    checkInvalid(cdb, virSCSICdbWriteSame16(cdb, 0, 1,
                                            VIR_SCSI_WRITE_SAME_ANCHOR |
                                            VIR_SCSI_WRITE_SAME_NDOB, &err),
                 &err);
    DIRTY(cdb);
    checkInvalid(cdb, virSCSICdbWriteSame16(cdb, 0, 1, 0x04 /* PBDATA */, &err),
                 &err);
    DIRTY(cdb);
    checkInvalid(cdb, virSCSICdbWriteSame16(cdb, 0, 1, 0x100, &err), &err);
}


static void
testUnmap(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t anchor[] = {
        0x42,                   /* OPERATION CODE */
        0x01,                   /* ANCHOR */
        0x00, 0x00, 0x00, 0x00, /* reserved */
        0x00,                   /* GROUP NUMBER */
        0x00, 0x18,             /* PARAMETER LIST LENGTH = 24 */
        0x00,                   /* CONTROL */
    };
    static const uint8_t big[] = {
        0x42, 0x00,
        0x00, 0x00, 0x00, 0x00,
        0x00,
        0xFF, 0xF8,             /* PARAMETER LIST LENGTH = 65528 */
        0x00,
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbUnmap(cdb, true, 24), anchor);
    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbUnmap(cdb, false, 65528), big);
}


static void
testCompareAndWrite(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    g_autoptr(GError) err = NULL;
    static const uint8_t one[] = {
        0x89,                   /* OPERATION CODE */
        0x00,                   /* WRPROTECT 0, DPO 0, FUA 0 */
        0x00, 0x00, 0x00, 0x00, /* LBA = 16 */
        0x00, 0x00, 0x00, 0x10,
        0x00, 0x00, 0x00,       /* reserved */
        0x01,                   /* NUMBER OF LOGICAL BLOCKS */
        0x00,                   /* GROUP NUMBER */
        0x00,                   /* CONTROL */
    };
    static const uint8_t max[] = {
        0x89,
        0x18,                   /* DPO | FUA */
        0xFF, 0xFF, 0xFF, 0xFF, /* LBA = 2^64 - 1 */
        0xFF, 0xFF, 0xFF, 0xFF,
        0x00, 0x00, 0x00,
        0xFF,                   /* 255 blocks */
        0x00, 0x00,
    };
    static const uint8_t fua[] = {
        0x89,
        0x08,                   /* FUA */
        0x00, 0x00, 0x00, 0x00, 0xCA, 0xFE, 0xBA, 0xBE,
        0x00, 0x00, 0x00,
        0x08,
        0x00, 0x00,
    };
    static const uint8_t dpo[] = {
        0x89,
        0x10,                   /* DPO */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00,
        0x02,
        0x00, 0x00,
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbCompareAndWrite(cdb, 16, 1, false, false, &err),
              one);
    g_assert_no_error(err);

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbCompareAndWrite(cdb, UINT64_MAX, 255, true, true,
                                             &err),
              max);
    g_assert_no_error(err);

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbCompareAndWrite(cdb, 0xCAFEBABE, 8, false, true,
                                             &err),
              fua);
    g_assert_no_error(err);

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbCompareAndWrite(cdb, 0, 2, true, false, &err),
              dpo);
    g_assert_no_error(err);

    DIRTY(cdb);
    checkInvalid(cdb, virSCSICdbCompareAndWrite(cdb, 0, 0, false, false, &err),
                 &err);
    DIRTY(cdb);
    checkInvalid(cdb, virSCSICdbCompareAndWrite(cdb, 0, 256, false, false, &err),
                 &err);
}


static void
testRead16(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t expected[] = {
        0x88,                   /* OPERATION CODE */
        0x00,                   /* RDPROTECT 0, DPO 0, FUA 0 */
        0x00, 0x00, 0x00, 0x01, /* LBA = 2^32 */
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, /* TRANSFER LENGTH = 65536 */
        0x00,                   /* GROUP NUMBER */
        0x00,                   /* CONTROL */
    };
    static const uint8_t flags[] = {
        0x88,
        0x18,                   /* DPO | FUA */
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF,
        0x00, 0x00,
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbRead16(cdb, 0x100000000ULL, 65536, false, false),
              expected);
    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbRead16(cdb, UINT64_MAX, UINT32_MAX, true, true),
              flags);
}


static void
testWrite16(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t fua[] = {
        0x8A,                   /* OPERATION CODE */
        0x08,                   /* FUA */
        0x00, 0x00, 0x00, 0x00, /* LBA = 0x00ABCDEF */
        0x00, 0xAB, 0xCD, 0xEF,
        0x00, 0x00, 0x10, 0x00, /* TRANSFER LENGTH = 4096 */
        0x00,                   /* GROUP NUMBER */
        0x00,                   /* CONTROL */
    };
    static const uint8_t dpo[] = {
        0x8A,
        0x10,                   /* DPO */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x01,
        0x00, 0x00,
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbWrite16(cdb, 0xABCDEF, 4096, false, true), fua);
    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbWrite16(cdb, 0, 1, true, false), dpo);
}


static void
testExtendedCopyLid1(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t expected[] = {
        0x83,                   /* THIRD-PARTY COPY OUT */
        0x00,                   /* SA: EXTENDED COPY(LID1) */
        0x00, 0x00, 0x00, 0x00, /* reserved */
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x6C, /* PARAMETER LIST LENGTH = 108 */
        0x00,                   /* reserved */
        0x00,                   /* CONTROL */
    };
    static const uint8_t big[] = {
        0x83, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x02, 0x03, 0x04,
        0x00, 0x00,
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbExtendedCopyLid1(cdb, 108), expected);
    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbExtendedCopyLid1(cdb, 0x01020304), big);
}


static void
testPopulateToken(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t expected[] = {
        0x83,                   /* THIRD-PARTY COPY OUT */
        0x10,                   /* SA: POPULATE TOKEN */
        0x00, 0x00, 0x00, 0x00, /* reserved */
        0x01, 0x02, 0x03, 0x04, /* LIST IDENTIFIER */
        0x00, 0x00, 0x00, 0x20, /* PARAMETER LIST LENGTH = 32 */
        0x00,                   /* GROUP NUMBER */
        0x00,                   /* CONTROL */
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbPopulateToken(cdb, 0x01020304, 32), expected);
}


static void
testWriteUsingToken(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t expected[] = {
        0x83,                   /* THIRD-PARTY COPY OUT */
        0x11,                   /* SA: WRITE USING TOKEN */
        0x00, 0x00, 0x00, 0x00, /* reserved */
        0xFF, 0xFF, 0xFF, 0xFF, /* LIST IDENTIFIER = 2^32 - 1 */
        0x00, 0x00, 0x02, 0x28, /* PARAMETER LIST LENGTH = 552 */
        0x00,                   /* GROUP NUMBER */
        0x00,                   /* CONTROL */
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbWriteUsingToken(cdb, UINT32_MAX, 552), expected);
}


static void
testReceiveCopyStatusLid1(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t expected[] = {
        0x84,                   /* THIRD-PARTY COPY IN */
        0x00,                   /* SA: COPY STATUS(LID1) */
        0x5A,                   /* LIST IDENTIFIER (8 bits) */
        0x00, 0x00, 0x00, 0x00, /* reserved */
        0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x60, /* ALLOCATION LENGTH = 96 */
        0x00,                   /* reserved */
        0x00,                   /* CONTROL */
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbReceiveCopyStatusLid1(cdb, 0x5A, 96), expected);
}


static void
testReceiveCopyOperatingParameters(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t expected[] = {
        0x84,                   /* THIRD-PARTY COPY IN */
        0x03,                   /* SA: OPERATING PARAMETERS */
        0x00,                   /* LIST IDENTIFIER: unused */
        0x00, 0x00, 0x00, 0x00, /* reserved */
        0x00, 0x00, 0x00,
        0x00, 0x00, 0x01, 0x00, /* ALLOCATION LENGTH = 256 */
        0x00,                   /* reserved */
        0x00,                   /* CONTROL */
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbReceiveCopyOperatingParameters(cdb, 256),
              expected);
}


static void
testReceiveRodTokenInformation(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t expected[] = {
        0x84,                   /* THIRD-PARTY COPY IN */
        0x07,                   /* SA: RECEIVE ROD TOKEN INFORMATION */
        0xA1, 0xB2, 0xC3, 0xD4, /* LIST IDENTIFIER (32 bits) */
        0x00, 0x00, 0x00, 0x00, /* reserved */
        0x00, 0x00, 0x04, 0x00, /* ALLOCATION LENGTH = 1024 */
        0x00,                   /* reserved */
        0x00,                   /* CONTROL */
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbReceiveRodTokenInformation(cdb, 0xA1B2C3D4, 1024),
              expected);
}


static void
testReportSupportedOpcodes(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    g_autoptr(GError) err = NULL;
    static const uint8_t one[] = {
        0xA3,                   /* MAINTENANCE IN */
        0x0C,                   /* SA: REPORT SUPPORTED OPERATION CODES */
        0x82,                   /* RCTD | REPORTING OPTIONS = 2 */
        0x83,                   /* REQUESTED OPERATION CODE */
        0x00, 0x11,             /* REQUESTED SERVICE ACTION */
        0x00, 0x00, 0x10, 0x00, /* ALLOCATION LENGTH = 4096 */
        0x00,                   /* reserved */
        0x00,                   /* CONTROL */
    };
    static const uint8_t all[] = {
        0xA3, 0x0C,
        0x00,                   /* REPORTING OPTIONS = 0: all commands */
        0x00,
        0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, /* ALLOCATION LENGTH = 65536 */
        0x00, 0x00,
    };
    static const uint8_t either[] = {
        0xA3, 0x0C,
        0x03,                   /* REPORTING OPTIONS = 3 */
        0x89,                   /* COMPARE AND WRITE */
        0x00, 0x00,
        0x00, 0x00, 0x00, 0x14,
        0x00, 0x00,
    };

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbReportSupportedOpcodes(cdb,
                                                    VIR_SCSI_RSOC_ONE_WITH_SA,
                                                    true, 0x83, 0x0011, 4096,
                                                    &err),
              one);
    g_assert_no_error(err);

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbReportSupportedOpcodes(cdb, VIR_SCSI_RSOC_ALL,
                                                    false, 0, 0, 65536, &err),
              all);
    g_assert_no_error(err);

    DIRTY(cdb);
    CHECK_CDB(cdb, virSCSICdbReportSupportedOpcodes(cdb,
                                                    VIR_SCSI_RSOC_ONE_EITHER,
                                                    false, 0x89, 0, 20, &err),
              either);
    g_assert_no_error(err);

    DIRTY(cdb);
    checkInvalid(cdb, virSCSICdbReportSupportedOpcodes(cdb,
                                                       (virSCSIRsocOptions)4,
                                                       false, 0, 0, 16, &err),
                 &err);
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/cdb/length", testLength);
    g_test_add_func("/cdb/test-unit-ready", testTestUnitReady);
    g_test_add_func("/cdb/inquiry/standard", testInquiryStandard);
    g_test_add_func("/cdb/inquiry/vpd", testInquiryVPD);
    g_test_add_func("/cdb/read-capacity-10", testReadCapacity10);
    g_test_add_func("/cdb/read-capacity-16", testReadCapacity16);
    g_test_add_func("/cdb/get-lba-status", testGetLbaStatus);
    g_test_add_func("/cdb/write-same-10", testWriteSame10);
    g_test_add_func("/cdb/write-same-16", testWriteSame16);
    g_test_add_func("/cdb/unmap", testUnmap);
    g_test_add_func("/cdb/compare-and-write", testCompareAndWrite);
    g_test_add_func("/cdb/read-16", testRead16);
    g_test_add_func("/cdb/write-16", testWrite16);
    g_test_add_func("/cdb/extended-copy-lid1", testExtendedCopyLid1);
    g_test_add_func("/cdb/populate-token", testPopulateToken);
    g_test_add_func("/cdb/write-using-token", testWriteUsingToken);
    g_test_add_func("/cdb/receive-copy-status-lid1", testReceiveCopyStatusLid1);
    g_test_add_func("/cdb/receive-copy-operating-parameters",
                    testReceiveCopyOperatingParameters);
    g_test_add_func("/cdb/receive-rod-token-information",
                    testReceiveRodTokenInformation);
    g_test_add_func("/cdb/report-supported-opcodes", testReportSupportedOpcodes);

    return g_test_run();
}
