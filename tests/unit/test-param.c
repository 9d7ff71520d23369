/*
 * test-param.c: parameter list encoders against byte vectors written out
 * from SPC-4 / SBC-4
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "virscsiparam.h"
#include "virscsierror.h"

#define GUARD 0xA5

/* Every failure must return -1 with INVALID_ARG and leave @buf, which the
 * test filled with GUARD, untouched. */
static void
checkInvalid(ssize_t rc,
             GError **err,
             const uint8_t *buf,
             size_t buflen)
{
    size_t i;

    g_assert_cmpint(rc, ==, -1);
    g_assert_error(*err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG);
    g_clear_error(err);
    for (i = 0; i < buflen; i++)
        g_assert_cmphex(buf[i], ==, GUARD);
}


/* ---- UNMAP ------------------------------------------------------------ */

static void
testUnmapEncode(void)
{
    static const virSCSILbaRange ranges[] = {
        { 0x0102030405060708ULL, 0x0A0B0C0D },
        { 0xFFFFFFFFFFFFFFF0ULL, 0x10 },    /* ends exactly at LBA 2^64 - 1 */
        { UINT64_MAX, 0 },                  /* empty range: legal, unmaps nothing */
    };
    static const uint8_t expected[] = {
        0x00, 0x36,                 /* UNMAP DATA LENGTH = 56 - 2 */
        0x00, 0x30,                 /* BLOCK DESCRIPTOR DATA LENGTH = 56 - 8 */
        0x00, 0x00, 0x00, 0x00,     /* reserved */
        /* descriptor 0: LBA, NUMBER OF LOGICAL BLOCKS, reserved */
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
        0x0A, 0x0B, 0x0C, 0x0D,
        0x00, 0x00, 0x00, 0x00,
        /* descriptor 1 */
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0,
        0x00, 0x00, 0x00, 0x10,
        0x00, 0x00, 0x00, 0x00,
        /* descriptor 2 */
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
    };
    uint8_t buf[sizeof(expected) + 8];
    g_autoptr(GError) err = NULL;
    ssize_t rc;

    g_assert_cmpuint(virSCSIParamUnmapSize(G_N_ELEMENTS(ranges)), ==,
                     sizeof(expected));

    memset(buf, GUARD, sizeof(buf));
    rc = virSCSIParamUnmap(buf, sizeof(buf), ranges, G_N_ELEMENTS(ranges),
                           &err);
    g_assert_no_error(err);
    g_assert_cmpint(rc, ==, sizeof(expected));
    g_assert_cmpmem(buf, rc, expected, sizeof(expected));
    /* nothing written past the list */
    g_assert_cmphex(buf[sizeof(expected)], ==, GUARD);
    g_assert_cmphex(buf[sizeof(buf) - 1], ==, GUARD);
}


static void
testUnmapLimits(void)
{
    g_autofree virSCSILbaRange *ranges = NULL;
    g_autofree uint8_t *buf = NULL;
    g_autoptr(GError) err = NULL;
    size_t max = VIR_SCSI_UNMAP_MAX_DESCRIPTORS;
    size_t size;
    ssize_t rc;

    /* 4095 descriptors is the most the 16-bit lengths can hold:
     * 8 + 16 * 4095 = 65528, one more would make UNMAP DATA LENGTH
     * 6 + 16 * 4096 = 65542 > 65535. */
    g_assert_cmpuint(max, ==, 4095);
    g_assert_cmpuint(virSCSIParamUnmapSize(1), ==, 24);
    g_assert_cmpuint(virSCSIParamUnmapSize(max), ==, 65528);
    g_assert_cmpuint(virSCSIParamUnmapSize(max + 1), ==, 0);
    g_assert_cmpuint(virSCSIParamUnmapSize(0), ==, 0);

    ranges = g_new0(virSCSILbaRange, max + 1);
    ranges[max - 1].lba = 42;
    ranges[max - 1].nblocks = 7;
    size = virSCSIParamUnmapSize(max);
    buf = g_new(uint8_t, size + 16);

    memset(buf, GUARD, size + 16);
    rc = virSCSIParamUnmap(buf, size, ranges, max, &err);
    g_assert_no_error(err);
    g_assert_cmpint(rc, ==, 65528);
    {
        static const uint8_t header[] = {
            0xFF, 0xF6,     /* UNMAP DATA LENGTH = 65526 */
            0xFF, 0xF0,     /* BLOCK DESCRIPTOR DATA LENGTH = 65520 */
            0x00, 0x00, 0x00, 0x00,
        };
        static const uint8_t last[] = {
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A,
            0x00, 0x00, 0x00, 0x07,
            0x00, 0x00, 0x00, 0x00,
        };
        g_assert_cmpmem(buf, sizeof(header), header, sizeof(header));
        g_assert_cmpmem(buf + size - 16, 16, last, sizeof(last));
    }

    /* too many */
    memset(buf, GUARD, size + 16);
    checkInvalid(virSCSIParamUnmap(buf, size + 16, ranges, max + 1, &err),
                 &err, buf, size + 16);
    /* none */
    checkInvalid(virSCSIParamUnmap(buf, size + 16, ranges, 0, &err),
                 &err, buf, size + 16);
    /* buffer one byte short */
    checkInvalid(virSCSIParamUnmap(buf, 23, ranges, 1, &err),
                 &err, buf, size + 16);
    checkInvalid(virSCSIParamUnmap(buf, size - 1, ranges, max, &err),
                 &err, buf, size + 16);
}


static void
testUnmapWrap(void)
{
    /* Last block would be 2^64: the caller's arithmetic wrapped. */
    static const virSCSILbaRange past[] = {
        { 0, 8 },
        { 0xFFFFFFFFFFFFFFF1ULL, 0x10 },
    };
    static const virSCSILbaRange lastTwo[] = {
        { UINT64_MAX, 2 },
    };
    static const virSCSILbaRange lastOne[] = {
        { UINT64_MAX, 1 },
    };
    uint8_t buf[64];
    g_autoptr(GError) err = NULL;

    memset(buf, GUARD, sizeof(buf));
    checkInvalid(virSCSIParamUnmap(buf, sizeof(buf), past, 2, &err),
                 &err, buf, sizeof(buf));
    checkInvalid(virSCSIParamUnmap(buf, sizeof(buf), lastTwo, 1, &err),
                 &err, buf, sizeof(buf));
    g_assert_cmpint(virSCSIParamUnmap(buf, sizeof(buf), lastOne, 1, &err),
                    ==, 24);
    g_assert_no_error(err);
}


/* ---- EXTENDED COPY(LID1) ----------------------------------------------- */

/* NAA 6 (16 bytes), binary code set, LU association, 512-byte blocks */
static const virSCSIXcopyCscdId cscdSrc = {
    .codeSet = 1,
    .association = 0,
    .designatorType = 3,
    .designatorLen = 16,
    .designator = { 0x60, 0x01, 0x40, 0x50, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 },
    .blockLength = 512,
};

/* NAA 5 (8 bytes), 4096-byte blocks */
static const virSCSIXcopyCscdId cscdDst = {
    .codeSet = 1,
    .association = 0,
    .designatorType = 3,
    .designatorLen = 8,
    .designator = { 0x50, 0x01, 0x40, 0x50, 0x12, 0x34, 0x56, 0x78 },
    .blockLength = 4096,
};

static void
testXcopyEncode(void)
{
    static const virSCSIXcopySegment seg = {
        .srcIndex = 0,
        .dstIndex = 1,
        .nblocks = 65535,       /* the most one segment can carry */
        .srcLba = 0x1000,
        .dstLba = 0xDEADBEEF,
    };
    virSCSIXcopyCscdId cscds[2] = { cscdSrc, cscdDst };
    static const uint8_t expected[] = {
        /* header */
        0x07,                       /* LIST IDENTIFIER */
        0x19,                       /* STR 0, LIST ID USAGE 11b, PRIORITY 1 */
        0x00, 0x40,                 /* CSCD DESCRIPTOR LIST LENGTH = 64 */
        0x00, 0x00, 0x00, 0x00,     /* reserved */
        0x00, 0x00, 0x00, 0x1C,     /* SEGMENT DESCRIPTOR LIST LENGTH = 28 */
        0x00, 0x00, 0x00, 0x00,     /* INLINE DATA LENGTH */
        /* CSCD 0: identification descriptor */
        0xE4,                       /* DESCRIPTOR TYPE CODE */
        0x00,                       /* NUL 0, PERIPHERAL DEVICE TYPE 0 (disk) */
        0x00, 0x00,                 /* RELATIVE INITIATOR PORT IDENTIFIER */
        0x01,                       /* CODE SET: binary */
        0x03,                       /* ASSOCIATION 0, DESIGNATOR TYPE 3 (NAA) */
        0x00,                       /* reserved */
        0x10,                       /* DESIGNATOR LENGTH = 16 */
        0x60, 0x01, 0x40, 0x50, 0x00, 0x00, 0x00, 0x00,     /* DESIGNATOR */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x00,                             /* padding to 20 */
        0x00,                       /* PAD 0 */
        0x00, 0x02, 0x00,           /* DISK BLOCK LENGTH = 512 */
        /* CSCD 1 */
        0xE4, 0x00, 0x00, 0x00,
        0x01, 0x03, 0x00,
        0x08,                       /* DESIGNATOR LENGTH = 8 */
        0x50, 0x01, 0x40, 0x50, 0x12, 0x34, 0x56, 0x78,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
        0x00,
        0x00, 0x10, 0x00,           /* DISK BLOCK LENGTH = 4096 */
        /* segment 0: block device to block device */
        0x02,                       /* DESCRIPTOR TYPE CODE */
        0x02,                       /* DC 1, CAT 0 */
        0x00, 0x18,                 /* DESCRIPTOR LENGTH = 24 */
        0x00, 0x00,                 /* SOURCE CSCD DESCRIPTOR ID */
        0x00, 0x01,                 /* DESTINATION CSCD DESCRIPTOR ID */
        0x00, 0x00,                 /* reserved */
        0xFF, 0xFF,                 /* NUMBER OF BLOCKS = 65535 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,     /* source LBA */
        0x00, 0x00, 0x00, 0x00, 0xDE, 0xAD, 0xBE, 0xEF,     /* destination LBA */
    };
    uint8_t buf[sizeof(expected) + 4];
    g_autoptr(GError) err = NULL;
    ssize_t rc;

    g_assert_cmpuint(sizeof(expected), ==, 108);
    g_assert_cmpuint(virSCSIParamExtendedCopyLid1Size(2, 1), ==, 108);

    memset(buf, GUARD, sizeof(buf));
    rc = virSCSIParamExtendedCopyLid1(buf, sizeof(buf), 0x07,
                                      VIR_SCSI_XCOPY_LIST_ID_NONE, 1, 0,
                                      cscds, 2, &seg, 1, &err);
    g_assert_no_error(err);
    g_assert_cmpint(rc, ==, 108);
    g_assert_cmpmem(buf, rc, expected, sizeof(expected));
    g_assert_cmphex(buf[108], ==, GUARD);
}


static void
testXcopyFlags(void)
{
    /* Copy within one LU: both indexes name the only CSCD.  A 20-byte
     * designator (the maximum), unusual association/type/code set to see
     * the bit packing, the largest 24-bit block length. */
    static const virSCSIXcopyCscdId cscd = {
        .codeSet = 3,           /* UTF-8 */
        .association = 2,       /* target device */
        .designatorType = 8,    /* SCSI name string */
        .designatorLen = 20,
        .designator = { 'n', 'a', 'a', '.', '6', '0', '0', '1', '4', '0',
                        '5', '0', '0', '0', '0', '0', '0', '0', '0', '1' },
        .blockLength = 0xFFFFFF,
    };
    static const virSCSIXcopySegment seg = {
        .srcIndex = 0,
        .dstIndex = 0,
        .nblocks = 1,
        .srcLba = 0,
        .dstLba = 0xFFFFFFFFFFFFFFFFULL,    /* one block at the very end */
    };
    static const uint8_t expected[] = {
        0xFF,                       /* LIST IDENTIFIER */
        0x27,                       /* STR 1, LIST ID USAGE 00b, PRIORITY 7 */
        0x00, 0x20,                 /* CSCD DESCRIPTOR LIST LENGTH = 32 */
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x1C,     /* SEGMENT DESCRIPTOR LIST LENGTH = 28 */
        0x00, 0x00, 0x00, 0x00,
        0xE4, 0x00, 0x00, 0x00,
        0x03,                       /* CODE SET 3 */
        0x28,                       /* ASSOCIATION 2, DESIGNATOR TYPE 8 */
        0x00,
        0x14,                       /* DESIGNATOR LENGTH = 20 */
        'n', 'a', 'a', '.', '6', '0', '0', '1', '4', '0',
        '5', '0', '0', '0', '0', '0', '0', '0', '0', '1',
        0x00,
        0xFF, 0xFF, 0xFF,           /* DISK BLOCK LENGTH = 2^24 - 1 */
        0x02,
        0x01,                       /* DC 0 (source blocks), CAT 1 */
        0x00, 0x18,
        0x00, 0x00,
        0x00, 0x00,
        0x00, 0x00,
        0x00, 0x01,                 /* NUMBER OF BLOCKS = 1 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    };
    uint8_t buf[sizeof(expected)];
    g_autoptr(GError) err = NULL;
    ssize_t rc;

    memset(buf, GUARD, sizeof(buf));
    rc = virSCSIParamExtendedCopyLid1(buf, sizeof(buf), 0xFF,
                                      VIR_SCSI_XCOPY_LIST_ID_HOLD, 7,
                                      VIR_SCSI_XCOPY_STR |
                                      VIR_SCSI_XCOPY_SOURCE_BLOCKS |
                                      VIR_SCSI_XCOPY_CAT,
                                      &cscd, 1, &seg, 1, &err);
    g_assert_no_error(err);
    g_assert_cmpint(rc, ==, 76);
    g_assert_cmpmem(buf, rc, expected, sizeof(expected));
}


static void
testXcopyInvalid(void)
{
    virSCSIXcopyCscdId cscds[2] = { cscdSrc, cscdDst };
    virSCSIXcopySegment seg = { 0, 1, 128, 0, 0 };
    virSCSIXcopySegment selfSeg = { 0, 0, 1, 0, 0 };   /* for one-CSCD lists */
    virSCSIXcopyCscdId badCscd;
    virSCSIXcopySegment badSeg;
    uint8_t buf[256];
    g_autoptr(GError) err = NULL;

#define XCOPY(usage, prio, flags, c, nc, s, ns) \
    virSCSIParamExtendedCopyLid1(buf, sizeof(buf), 0, usage, prio, flags, \
                                 c, nc, s, ns, &err)
#define NONE VIR_SCSI_XCOPY_LIST_ID_NONE

    memset(buf, GUARD, sizeof(buf));

    /* the valid baseline, so that each case below fails for its own reason */
    g_assert_cmpint(XCOPY(NONE, 0, 0, cscds, 2, &seg, 1), ==, 108);
    g_assert_no_error(err);
    memset(buf, GUARD, sizeof(buf));

    /* NUMBER OF BLOCKS: 0 and 65536 */
    badSeg = seg;
    badSeg.nblocks = 0;
    checkInvalid(XCOPY(NONE, 0, 0, cscds, 2, &badSeg, 1), &err, buf, sizeof(buf));
    badSeg.nblocks = 65536;
    checkInvalid(XCOPY(NONE, 0, 0, cscds, 2, &badSeg, 1), &err, buf, sizeof(buf));

    /* indexes past the CSCD list */
    badSeg = seg;
    badSeg.dstIndex = 2;
    checkInvalid(XCOPY(NONE, 0, 0, cscds, 2, &badSeg, 1), &err, buf, sizeof(buf));
    badSeg = seg;
    badSeg.srcIndex = 0xFFFF;
    checkInvalid(XCOPY(NONE, 0, 0, cscds, 2, &badSeg, 1), &err, buf, sizeof(buf));

    /* a segment running past LBA 2^64 - 1, source or destination */
    badSeg = seg;
    badSeg.srcLba = UINT64_MAX - 126;
    checkInvalid(XCOPY(NONE, 0, 0, cscds, 2, &badSeg, 1), &err, buf, sizeof(buf));
    badSeg = seg;
    badSeg.dstLba = UINT64_MAX;
    checkInvalid(XCOPY(NONE, 0, 0, cscds, 2, &badSeg, 1), &err, buf, sizeof(buf));

    /* CSCD fields */
    badCscd = cscdSrc;
    badCscd.designatorLen = 0;
    checkInvalid(XCOPY(NONE, 0, 0, &badCscd, 1, &selfSeg, 1),
                 &err, buf, sizeof(buf));
    badCscd.designatorLen = 21;
    checkInvalid(XCOPY(NONE, 0, 0, &badCscd, 1, &selfSeg, 1),
                 &err, buf, sizeof(buf));
    badCscd = cscdSrc;
    badCscd.blockLength = 0;
    checkInvalid(XCOPY(NONE, 0, 0, &badCscd, 1, &selfSeg, 1),
                 &err, buf, sizeof(buf));
    badCscd.blockLength = 0x1000000;
    checkInvalid(XCOPY(NONE, 0, 0, &badCscd, 1, &selfSeg, 1),
                 &err, buf, sizeof(buf));
    badCscd = cscdSrc;
    badCscd.codeSet = 0x10;
    checkInvalid(XCOPY(NONE, 0, 0, &badCscd, 1, &selfSeg, 1),
                 &err, buf, sizeof(buf));
    badCscd = cscdSrc;
    badCscd.association = 4;
    checkInvalid(XCOPY(NONE, 0, 0, &badCscd, 1, &selfSeg, 1),
                 &err, buf, sizeof(buf));
    badCscd = cscdSrc;
    badCscd.designatorType = 0x10;
    checkInvalid(XCOPY(NONE, 0, 0, &badCscd, 1, &selfSeg, 1),
                 &err, buf, sizeof(buf));

    /* header fields: reserved LIST ID USAGE 01b, and past 11b */
    checkInvalid(XCOPY((virSCSIXcopyListIdUsage)1, 0, 0, cscds, 2, &seg, 1),
                 &err, buf, sizeof(buf));
    checkInvalid(XCOPY((virSCSIXcopyListIdUsage)4, 0, 0, cscds, 2, &seg, 1),
                 &err, buf, sizeof(buf));
    checkInvalid(XCOPY(NONE, 8, 0, cscds, 2, &seg, 1), &err, buf, sizeof(buf));
    checkInvalid(XCOPY(NONE, 0, 1 << 3, cscds, 2, &seg, 1), &err, buf, sizeof(buf));

    /* counts */
    checkInvalid(XCOPY(NONE, 0, 0, cscds, 0, &seg, 1), &err, buf, sizeof(buf));
    checkInvalid(XCOPY(NONE, 0, 0, cscds, 2, &seg, 0), &err, buf, sizeof(buf));

    /* buffer one byte short */
    checkInvalid(virSCSIParamExtendedCopyLid1(buf, 107, 0, NONE, 0, 0,
                                              cscds, 2, &seg, 1, &err),
                 &err, buf, sizeof(buf));

#undef XCOPY
#undef NONE
}


static void
testXcopyLimits(void)
{
    g_autofree virSCSIXcopyCscdId *cscds = NULL;
    g_autofree uint8_t *buf = NULL;
    g_autoptr(GError) err = NULL;
    virSCSIXcopySegment seg = { 0, VIR_SCSI_XCOPY_MAX_CSCDS - 1, 1, 0, 0 };
    size_t maxSegs;
    size_t size;
    size_t i;
    ssize_t rc;

    /* CSCD DESCRIPTOR LIST LENGTH is 16 bits: 2047 * 32 = 65504 fits,
     * 2048 * 32 = 65536 does not. */
    g_assert_cmpuint(VIR_SCSI_XCOPY_MAX_CSCDS, ==, 2047);
    g_assert_cmpuint(virSCSIParamExtendedCopyLid1Size(2047, 1), ==,
                     16 + 65504 + 28);
    g_assert_cmpuint(virSCSIParamExtendedCopyLid1Size(2048, 1), ==, 0);
    g_assert_cmpuint(virSCSIParamExtendedCopyLid1Size(0, 1), ==, 0);
    g_assert_cmpuint(virSCSIParamExtendedCopyLid1Size(1, 0), ==, 0);

    /* The whole list must fit a 32-bit PARAMETER LIST LENGTH:
     * 16 + 32 + 28 n <= 2^32 - 1  =>  n <= 153391687. */
    maxSegs = 153391687;
    g_assert_cmpuint(virSCSIParamExtendedCopyLid1Size(1, maxSegs), ==,
                     4294967284ULL);
    g_assert_cmpuint(virSCSIParamExtendedCopyLid1Size(1, maxSegs + 1), ==, 0);
    g_assert_cmpuint(virSCSIParamExtendedCopyLid1Size(1, SIZE_MAX), ==, 0);
    /* with 2047 CSCDs: 16 + 65504 + 28 n <= 2^32 - 1  =>  n <= 153389349 */
    g_assert_cmpuint(virSCSIParamExtendedCopyLid1Size(2047, 153389349), ==,
                     4294967292ULL);
    g_assert_cmpuint(virSCSIParamExtendedCopyLid1Size(2047, 153389350), ==, 0);

    cscds = g_new0(virSCSIXcopyCscdId, VIR_SCSI_XCOPY_MAX_CSCDS + 1);
    for (i = 0; i < VIR_SCSI_XCOPY_MAX_CSCDS + 1; i++)
        cscds[i] = cscdSrc;
    cscds[VIR_SCSI_XCOPY_MAX_CSCDS - 1] = cscdDst;

    size = virSCSIParamExtendedCopyLid1Size(VIR_SCSI_XCOPY_MAX_CSCDS, 1);
    buf = g_new(uint8_t, size);
    memset(buf, GUARD, size);
    rc = virSCSIParamExtendedCopyLid1(buf, size, 0,
                                      VIR_SCSI_XCOPY_LIST_ID_NONE, 0, 0,
                                      cscds, VIR_SCSI_XCOPY_MAX_CSCDS,
                                      &seg, 1, &err);
    g_assert_no_error(err);
    g_assert_cmpint(rc, ==, size);
    {
        static const uint8_t header[] = {
            0x00, 0x18,
            0xFF, 0xE0,             /* CSCD DESCRIPTOR LIST LENGTH = 65504 */
            0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x1C,
            0x00, 0x00, 0x00, 0x00,
        };
        static const uint8_t segment[] = {
            0x02, 0x02, 0x00, 0x18,
            0x00, 0x00,
            0x07, 0xFE,             /* DESTINATION CSCD DESCRIPTOR ID = 2046 */
            0x00, 0x00,
            0x00, 0x01,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        };
        g_assert_cmpmem(buf, 16, header, sizeof(header));
        /* the last CSCD is the 8-byte NAA 5 one */
        g_assert_cmphex(buf[16 + 2046 * 32 + 7], ==, 0x08);
        g_assert_cmpmem(buf + size - 28, 28, segment, sizeof(segment));
    }

    /* one CSCD too many, and a segment count the 32-bit lengths cannot
     * hold: both refused before any descriptor is read */
    memset(buf, GUARD, size);
    checkInvalid(virSCSIParamExtendedCopyLid1(buf, size, 0,
                                              VIR_SCSI_XCOPY_LIST_ID_NONE, 0, 0,
                                              cscds,
                                              VIR_SCSI_XCOPY_MAX_CSCDS + 1,
                                              &seg, 1, &err),
                 &err, buf, size);
    checkInvalid(virSCSIParamExtendedCopyLid1(buf, size, 0,
                                              VIR_SCSI_XCOPY_LIST_ID_NONE, 0, 0,
                                              cscds, 1, &seg, maxSegs + 1,
                                              &err),
                 &err, buf, size);
}


/* ---- POPULATE TOKEN ---------------------------------------------------- */

static void
testPopulateTokenEncode(void)
{
    static const virSCSILbaRange ranges[] = {
        { 0, 0x800 },
        { 0x100000000ULL, UINT32_MAX },
    };
    static const uint8_t expected[] = {
        0x00, 0x2E,                 /* POPULATE TOKEN DATA LENGTH = 48 - 2 */
        0x03,                       /* RTV | IMMED */
        0x00,                       /* reserved */
        0x00, 0x00, 0x00, 0x3C,     /* INACTIVITY TIMEOUT = 60 s */
        0x00, 0x80, 0x00, 0x00,     /* ROD TYPE: point in time copy, default */
        0x00, 0x00,                 /* reserved */
        0x00, 0x20,                 /* BLOCK DEVICE RANGE DESCRIPTOR LENGTH = 32 */
        /* range 0 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x08, 0x00,
        0x00, 0x00, 0x00, 0x00,
        /* range 1 */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
        0xFF, 0xFF, 0xFF, 0xFF,
        0x00, 0x00, 0x00, 0x00,
    };
    static const uint8_t defaults[] = {
        0x00, 0x1E,                 /* 32 - 2 */
        0x00,                       /* no flags */
        0x00,
        0x00, 0x00, 0x00, 0x00,     /* copy manager's default timeout */
        0x00, 0x00, 0x00, 0x00,     /* ROD TYPE unused */
        0x00, 0x00,
        0x00, 0x10,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x08, 0x00,
        0x00, 0x00, 0x00, 0x00,
    };
    uint8_t buf[sizeof(expected) + 4];
    g_autoptr(GError) err = NULL;
    ssize_t rc;

    g_assert_cmpuint(virSCSIParamPopulateTokenSize(2), ==, sizeof(expected));

    memset(buf, GUARD, sizeof(buf));
    rc = virSCSIParamPopulateToken(buf, sizeof(buf),
                                   VIR_SCSI_TOKEN_IMMED | VIR_SCSI_TOKEN_RTV,
                                   60, 0x00800000, ranges, 2, &err);
    g_assert_no_error(err);
    g_assert_cmpint(rc, ==, sizeof(expected));
    g_assert_cmpmem(buf, rc, expected, sizeof(expected));
    g_assert_cmphex(buf[sizeof(expected)], ==, GUARD);

    memset(buf, GUARD, sizeof(buf));
    rc = virSCSIParamPopulateToken(buf, sizeof(buf), 0, 0, 0, ranges, 1, &err);
    g_assert_no_error(err);
    g_assert_cmpmem(buf, rc, defaults, sizeof(defaults));
}


static void
testPopulateTokenLimits(void)
{
    g_autofree virSCSILbaRange *ranges = NULL;
    g_autofree uint8_t *buf = NULL;
    g_autoptr(GError) err = NULL;
    size_t max = VIR_SCSI_POPULATE_TOKEN_MAX_RANGES;
    size_t size;
    ssize_t rc;
    static const virSCSILbaRange wrap[] = { { UINT64_MAX - 2, 4 } };
    static const uint8_t header[] = {
        0xFF, 0xFE,                 /* DATA LENGTH = 65536 - 2 */
        0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x00,
        0xFF, 0xF0,                 /* RANGE DESCRIPTOR LENGTH = 65520 */
    };

    /* 14 + 16 n <= 65535  =>  n <= 4095 */
    g_assert_cmpuint(max, ==, 4095);
    g_assert_cmpuint(virSCSIParamPopulateTokenSize(max), ==, 65536);
    g_assert_cmpuint(virSCSIParamPopulateTokenSize(max + 1), ==, 0);
    g_assert_cmpuint(virSCSIParamPopulateTokenSize(0), ==, 0);

    ranges = g_new0(virSCSILbaRange, max + 1);
    size = virSCSIParamPopulateTokenSize(max);
    buf = g_new(uint8_t, size);

    memset(buf, GUARD, size);
    rc = virSCSIParamPopulateToken(buf, size, 0, 0, 0, ranges, max, &err);
    g_assert_no_error(err);
    g_assert_cmpint(rc, ==, 65536);
    g_assert_cmpmem(buf, sizeof(header), header, sizeof(header));

    memset(buf, GUARD, size);
    checkInvalid(virSCSIParamPopulateToken(buf, size, 0, 0, 0,
                                           ranges, max + 1, &err),
                 &err, buf, size);
    checkInvalid(virSCSIParamPopulateToken(buf, size, 0, 0, 0,
                                           ranges, 0, &err),
                 &err, buf, size);
    checkInvalid(virSCSIParamPopulateToken(buf, 31, 0, 0, 0,
                                           ranges, 1, &err),
                 &err, buf, size);
    /* a ROD type the device would ignore without RTV */
    checkInvalid(virSCSIParamPopulateToken(buf, size, 0, 0, 0x00800000,
                                           ranges, 1, &err),
                 &err, buf, size);
    /* DEL_TKN's neighbour bit 2 is not a POPULATE TOKEN flag */
    checkInvalid(virSCSIParamPopulateToken(buf, size, 0x04, 0, 0,
                                           ranges, 1, &err),
                 &err, buf, size);
    checkInvalid(virSCSIParamPopulateToken(buf, size, 0, 0, 0, wrap, 1, &err),
                 &err, buf, size);
}


/* ---- WRITE USING TOKEN ------------------------------------------------- */

static void
testWriteUsingTokenEncode(void)
{
    static const virSCSILbaRange range = { 0x2000, 0x800 };
    static const uint8_t head[] = {
        0x02, 0x26,                 /* WRITE USING TOKEN DATA LENGTH = 552 - 2 */
        0x02,                       /* DEL_TKN */
        0x00, 0x00, 0x00, 0x00, 0x00,   /* reserved */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, /* OFFSET INTO ROD = 256 */
    };
    static const uint8_t tail[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00,     /* bytes 528-533 reserved */
        0x00, 0x10,                 /* BLOCK DEVICE RANGE DESCRIPTOR LENGTH */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, /* LBA */
        0x00, 0x00, 0x08, 0x00,     /* NUMBER OF LOGICAL BLOCKS */
        0x00, 0x00, 0x00, 0x00,
    };
    uint8_t token[VIR_SCSI_ROD_TOKEN_LEN];
    uint8_t buf[552 + 4];
    g_autoptr(GError) err = NULL;
    ssize_t rc;
    size_t i;

    /* a token whose every byte is distinct enough to catch a shift */
    for (i = 0; i < sizeof(token); i++)
        token[i] = (uint8_t)(i * 7 + 1);

    g_assert_cmpuint(virSCSIParamWriteUsingTokenSize(1), ==, 552);

    memset(buf, GUARD, sizeof(buf));
    rc = virSCSIParamWriteUsingToken(buf, sizeof(buf), VIR_SCSI_TOKEN_DEL_TKN,
                                     256, token, &range, 1, &err);
    g_assert_no_error(err);
    g_assert_cmpint(rc, ==, 552);
    g_assert_cmpmem(buf, 16, head, sizeof(head));
    g_assert_cmpmem(buf + 16, 512, token, sizeof(token));
    g_assert_cmpmem(buf + 528, 24, tail, sizeof(tail));
    g_assert_cmphex(buf[552], ==, GUARD);

    /* IMMED alone, offset with every byte set */
    memset(buf, GUARD, sizeof(buf));
    rc = virSCSIParamWriteUsingToken(buf, sizeof(buf), VIR_SCSI_TOKEN_IMMED,
                                     0x0102030405060708ULL, token, &range, 1,
                                     &err);
    g_assert_no_error(err);
    {
        static const uint8_t immed[] = {
            0x02, 0x26,
            0x01,                   /* IMMED */
            0x00, 0x00, 0x00, 0x00, 0x00,
            0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
        };
        g_assert_cmpmem(buf, 16, immed, sizeof(immed));
    }
}


static void
testWriteUsingTokenLimits(void)
{
    g_autofree virSCSILbaRange *ranges = NULL;
    g_autofree uint8_t *buf = NULL;
    g_autoptr(GError) err = NULL;
    uint8_t token[VIR_SCSI_ROD_TOKEN_LEN] = { 0 };
    size_t max = VIR_SCSI_WRITE_USING_TOKEN_MAX_RANGES;
    size_t size;
    ssize_t rc;
    static const virSCSILbaRange wrap[] = { { 1, UINT32_MAX }, { UINT64_MAX, 2 } };

    /* 534 + 16 n <= 65535  =>  n <= 4062 */
    g_assert_cmpuint(max, ==, 4062);
    g_assert_cmpuint(virSCSIParamWriteUsingTokenSize(max), ==, 65528);
    g_assert_cmpuint(virSCSIParamWriteUsingTokenSize(max + 1), ==, 0);
    g_assert_cmpuint(virSCSIParamWriteUsingTokenSize(0), ==, 0);

    ranges = g_new0(virSCSILbaRange, max + 1);
    size = virSCSIParamWriteUsingTokenSize(max);
    buf = g_new(uint8_t, size);

    memset(buf, GUARD, size);
    rc = virSCSIParamWriteUsingToken(buf, size, 0, 0, token, ranges, max, &err);
    g_assert_no_error(err);
    g_assert_cmpint(rc, ==, 65528);
    {
        static const uint8_t len[] = { 0xFF, 0xF6 };    /* 65526 */
        static const uint8_t bdrd[] = { 0xFD, 0xE0 };   /* 4062 * 16 = 64992 */
        g_assert_cmpmem(buf, 2, len, sizeof(len));
        g_assert_cmpmem(buf + 534, 2, bdrd, sizeof(bdrd));
    }

    memset(buf, GUARD, size);
    checkInvalid(virSCSIParamWriteUsingToken(buf, size, 0, 0, token,
                                             ranges, max + 1, &err),
                 &err, buf, size);
    checkInvalid(virSCSIParamWriteUsingToken(buf, size, 0, 0, token,
                                             ranges, 0, &err),
                 &err, buf, size);
    checkInvalid(virSCSIParamWriteUsingToken(buf, 551, 0, 0, token,
                                             ranges, 1, &err),
                 &err, buf, size);
    checkInvalid(virSCSIParamWriteUsingToken(buf, size, 0x04, 0, token,
                                             ranges, 1, &err),
                 &err, buf, size);
    checkInvalid(virSCSIParamWriteUsingToken(buf, size, 0, 0, token,
                                             wrap, 2, &err),
                 &err, buf, size);
}


static void
testRodTokenBlockZero(void)
{
    uint8_t token[VIR_SCSI_ROD_TOKEN_LEN];
    static const uint8_t head[] = {
        0xFF, 0xFF, 0x00, 0x01,     /* ROD TYPE: block device zero */
        0x00, 0x00,                 /* reserved */
        0x01, 0xF8,                 /* ROD TOKEN LENGTH = 504 */
    };
    static const uint8_t zero[VIR_SCSI_ROD_TOKEN_LEN - 8] = { 0 };

    memset(token, GUARD, sizeof(token));
    virSCSIParamRodTokenBlockZero(token);
    g_assert_cmpmem(token, 8, head, sizeof(head));
    g_assert_cmpmem(token + 8, sizeof(token) - 8, zero, sizeof(zero));
}


/* ---- COMPARE AND WRITE ------------------------------------------------- */

static void
testCompareAndWrite(void)
{
    static const uint8_t expected[] = { 'a', 'b', 'c', 'd' };
    static const uint8_t replacement[] = { 'w', 'x', 'y', 'z' };
    static const uint8_t both[] = { 'a', 'b', 'c', 'd', 'w', 'x', 'y', 'z' };
    uint8_t buf[9];
    g_autoptr(GError) err = NULL;
    ssize_t rc;

    memset(buf, GUARD, sizeof(buf));
    rc = virSCSIParamCompareAndWrite(buf, 8, expected, replacement, 4, &err);
    g_assert_no_error(err);
    g_assert_cmpint(rc, ==, 8);
    g_assert_cmpmem(buf, rc, both, sizeof(both));
    g_assert_cmphex(buf[8], ==, GUARD);

    memset(buf, GUARD, sizeof(buf));
    checkInvalid(virSCSIParamCompareAndWrite(buf, 7, expected, replacement, 4,
                                             &err),
                 &err, buf, sizeof(buf));
    checkInvalid(virSCSIParamCompareAndWrite(buf, 8, expected, replacement, 0,
                                             &err),
                 &err, buf, sizeof(buf));
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/param/unmap/encode", testUnmapEncode);
    g_test_add_func("/param/unmap/limits", testUnmapLimits);
    g_test_add_func("/param/unmap/wrap", testUnmapWrap);
    g_test_add_func("/param/xcopy/encode", testXcopyEncode);
    g_test_add_func("/param/xcopy/flags", testXcopyFlags);
    g_test_add_func("/param/xcopy/invalid", testXcopyInvalid);
    g_test_add_func("/param/xcopy/limits", testXcopyLimits);
    g_test_add_func("/param/populate-token/encode", testPopulateTokenEncode);
    g_test_add_func("/param/populate-token/limits", testPopulateTokenLimits);
    g_test_add_func("/param/write-using-token/encode", testWriteUsingTokenEncode);
    g_test_add_func("/param/write-using-token/limits", testWriteUsingTokenLimits);
    g_test_add_func("/param/rod-token-block-zero", testRodTokenBlockZero);
    g_test_add_func("/param/compare-and-write", testCompareAndWrite);

    return g_test_run();
}
