/*
 * test-blockvpd.c: unit tests of the VPD B0h, B1h and B2h decoders
 *
 * The byte vectors are worked out by hand from SBC-4 (6.6.2, 6.6.4,
 * 6.6.7).  Every vector is decoded from a heap block of exactly its size,
 * so that ASan or valgrind flag any read past what the "device" sent.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "virscsiblockvpd.h"
#include "virscsierror.h"
#include "testbytes.h"

/* Block Limits ---------------------------------------------------------- */

static int
testParseBlockLimits(const uint8_t *data,
                     size_t len,
                     virSCSIVPDBlockLimits *out,
                     GError **error)
{
    g_autofree uint8_t *copy = testDupExact(data, len);

    return virSCSIVPDBlockLimitsParse(copy, len, out, error);
}


/*
 * What LIO (Linux 6.1, spc_emulate_evpd_b0) returns for a block backstore
 * with emulate_tpu=1: PAGE LENGTH 003Ch, WSNZ=1, MAX COMPARE AND WRITE 1,
 * OPTIMAL TRANSFER LENGTH GRANULARITY 1, MAXIMUM TRANSFER LENGTH 16384,
 * OPTIMAL TRANSFER LENGTH = optimal_sectors (LIO's default is
 * hw_max_sectors, 16384 here), MAXIMUM UNMAP LBA COUNT 8192, MAXIMUM UNMAP
 * BLOCK DESCRIPTOR COUNT 1, OPTIMAL UNMAP GRANULARITY 1, alignment 0 and
 * UGAVALID 0, MAXIMUM WRITE SAME LENGTH 1000h.  Bytes 44-63 are zero.
 */
static const uint8_t blockLimitsLio[] = {
    0x00, 0xB0, 0x00, 0x3C,     /* disk, page B0h, page length 60 */
    0x01,                       /* 4: WSNZ */
    0x01,                       /* 5: MAXIMUM COMPARE AND WRITE LENGTH 1 */
    0x00, 0x01,                 /* 6-7: OPTIMAL TRANSFER LENGTH GRANULARITY 1 */
    0x00, 0x00, 0x40, 0x00,     /* 8-11: MAXIMUM TRANSFER LENGTH 16384 */
    0x00, 0x00, 0x40, 0x00,     /* 12-15: OPTIMAL TRANSFER LENGTH 16384 */
    0x00, 0x00, 0x00, 0x00,     /* 16-19: MAXIMUM PREFETCH LENGTH 0 */
    0x00, 0x00, 0x20, 0x00,     /* 20-23: MAXIMUM UNMAP LBA COUNT 8192 */
    0x00, 0x00, 0x00, 0x01,     /* 24-27: MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT 1 */
    0x00, 0x00, 0x00, 0x01,     /* 28-31: OPTIMAL UNMAP GRANULARITY 1 */
    0x00, 0x00, 0x00, 0x00,     /* 32-35: UGAVALID 0, alignment 0 */
    0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x10, 0x00,     /* 36-43: MAXIMUM WRITE SAME LENGTH 4096 */
    ZERO4, ZERO4, ZERO4, ZERO4, ZERO4, /* 44-63: atomic fields, all 0 */
};

static void
testBlockLimitsLio(void)
{
    virSCSIVPDBlockLimits bl;
    g_autoptr(GError) err = NULL;

    g_assert_cmpuint(sizeof(blockLimitsLio), ==, 64);
    g_assert_cmpint(testParseBlockLimits(blockLimitsLio, sizeof(blockLimitsLio),
                                         &bl, &err), ==, 0);
    g_assert_no_error(err);

    g_assert_cmpuint(bl.peripheralQualifier, ==, 0);
    g_assert_cmpuint(bl.peripheralDeviceType, ==, 0);
    g_assert_cmpuint(bl.needed, ==, 64);
    g_assert_true(bl.wsnz);
    g_assert_cmpuint(bl.maxCompareAndWriteLength, ==, 1);
    g_assert_cmpuint(bl.optimalTransferLengthGranularity, ==, 1);
    g_assert_cmpuint(bl.maxTransferLength, ==, 16384);
    g_assert_cmpuint(bl.optimalTransferLength, ==, 16384);
    g_assert_true(bl.hasMaxPrefetchLength);
    g_assert_cmpuint(bl.maxPrefetchLength, ==, 0);
    g_assert_true(bl.hasUnmapFields);
    g_assert_cmpuint(bl.maxUnmapLbaCount, ==, 8192);
    g_assert_cmpuint(bl.maxUnmapBlockDescriptorCount, ==, 1);
    g_assert_cmpuint(bl.optimalUnmapGranularity, ==, 1);
    g_assert_false(bl.ugaValid);
    g_assert_cmpuint(bl.unmapGranularityAlignment, ==, 0);
    g_assert_true(bl.hasWriteSameLength);
    g_assert_cmpuint(bl.maxWriteSameLength, ==, 0x1000);
    g_assert_true(bl.hasAtomicFields);
    g_assert_cmpuint(bl.maxAtomicTransferLength, ==, 0);
}


/*
 * LIO with thin provisioning emulation off: PAGE LENGTH 0010h (so the
 * page ends after MAXIMUM PREFETCH LENGTH), yet spc_emulate_evpd_b0 still
 * writes MAXIMUM WRITE SAME LENGTH at 36-43, past the page, and kernels
 * that transfer the whole allocation send those bytes.  They must be
 * ignored: the page says they are not there.
 */
static const uint8_t blockLimitsLioNoTp[] = {
    0x00, 0xB0, 0x00, 0x10,     /* page length 16: bytes 4-19 */
    0x01, 0x01, 0x00, 0x01,     /* WSNZ, MAX CAW 1, OTLG 1 */
    0x00, 0x00, 0x40, 0x00,     /* 8-11: MAXIMUM TRANSFER LENGTH 16384 */
    0x00, 0x00, 0x40, 0x00,     /* 12-15: OPTIMAL TRANSFER LENGTH 16384 */
    0x00, 0x00, 0x00, 0x00,     /* 16-19: MAXIMUM PREFETCH LENGTH 0 */
    /* past the page: zeros, then the stray MAXIMUM WRITE SAME LENGTH */
    ZERO4, ZERO4, ZERO4, ZERO4,
    0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x10, 0x00,     /* 36-43: 4096, not part of the page */
    ZERO4, ZERO4, ZERO4, ZERO4, ZERO4,
};

static void
testBlockLimitsLioNoTp(void)
{
    virSCSIVPDBlockLimits bl;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParseBlockLimits(blockLimitsLioNoTp,
                                         sizeof(blockLimitsLioNoTp),
                                         &bl, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(bl.needed, ==, 20);
    g_assert_cmpuint(bl.maxTransferLength, ==, 16384);
    g_assert_true(bl.hasMaxPrefetchLength);
    g_assert_false(bl.hasUnmapFields);
    g_assert_false(bl.hasWriteSameLength);
    g_assert_cmpuint(bl.maxWriteSameLength, ==, 0);
    g_assert_false(bl.hasAtomicFields);
}


/*
 * An SBC-2 era page: PAGE LENGTH 000Ch, ending after OPTIMAL TRANSFER
 * LENGTH.  No prefetch, unmap, write same or atomic fields at all.
 */
static const uint8_t blockLimitsSbc2[] = {
    0x00, 0xB0, 0x00, 0x0C,
    0x00,                       /* 4: WSNZ 0 */
    0x00,                       /* 5: reserved in SBC-2 (MAX CAW 0) */
    0x00, 0x08,                 /* 6-7: OPTIMAL TRANSFER LENGTH GRANULARITY 8 */
    0x00, 0x00, 0x04, 0x00,     /* 8-11: MAXIMUM TRANSFER LENGTH 1024 */
    0x00, 0x00, 0x01, 0x00,     /* 12-15: OPTIMAL TRANSFER LENGTH 256 */
};

static void
testBlockLimitsSbc2(void)
{
    virSCSIVPDBlockLimits bl;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParseBlockLimits(blockLimitsSbc2, sizeof(blockLimitsSbc2),
                                         &bl, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(bl.needed, ==, 16);
    g_assert_false(bl.wsnz);
    g_assert_cmpuint(bl.maxCompareAndWriteLength, ==, 0);
    g_assert_cmpuint(bl.optimalTransferLengthGranularity, ==, 8);
    g_assert_cmpuint(bl.maxTransferLength, ==, 1024);
    g_assert_cmpuint(bl.optimalTransferLength, ==, 256);
    g_assert_false(bl.hasMaxPrefetchLength);
    g_assert_false(bl.hasUnmapFields);
    g_assert_false(bl.hasWriteSameLength);
    g_assert_false(bl.hasAtomicFields);
}


/* An SBC-4 page with every field distinct, UGAVALID set. */
static const uint8_t blockLimitsFull[] = {
    0x40, 0xB0, 0x00, 0x3C,     /* qualifier 010b, type 0 */
    0x01,                       /* 4: WSNZ */
    0x20,                       /* 5: MAX CAW 32 */
    0x00, 0x10,                 /* 6-7: OTLG 16 */
    0x00, 0x01, 0x00, 0x00,     /* 8-11: MTL 65536 */
    0x00, 0x00, 0x80, 0x00,     /* 12-15: OTL 32768 */
    0x00, 0x00, 0x20, 0x00,     /* 16-19: MAX PREFETCH 8192 */
    0xFF, 0xFF, 0xFF, 0xFF,     /* 20-23: MAX UNMAP LBA COUNT: no limit */
    0x00, 0x00, 0x01, 0x00,     /* 24-27: MAX UNMAP DESCRIPTORS 256 */
    0x00, 0x00, 0x08, 0x00,     /* 28-31: OPTIMAL UNMAP GRANULARITY 2048 */
    0x80, 0x00, 0x00, 0x07,     /* 32-35: UGAVALID, alignment 7 */
    0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00,     /* 36-43: MAX WRITE SAME 2^32 */
    0x00, 0x00, 0x02, 0x00,     /* 44-47: MAX ATOMIC TRANSFER LENGTH 512 */
    0x00, 0x00, 0x00, 0x08,     /* 48-51: ATOMIC ALIGNMENT 8 */
    0x00, 0x00, 0x00, 0x04,     /* 52-55: ATOMIC TRANSFER LENGTH GRANULARITY 4 */
    0x00, 0x00, 0x01, 0x00,     /* 56-59: MAX ATOMIC TL WITH BOUNDARY 256 */
    0x00, 0x00, 0x00, 0x80,     /* 60-63: MAX ATOMIC BOUNDARY SIZE 128 */
};

/* Peripheral qualifier 3: no logical unit, so the page describes
 * nothing; the same header check as every other VPD page. */
static void
testBlockLimitsNoLu(void)
{
    g_autofree uint8_t *page = g_memdup2(blockLimitsFull, sizeof(blockLimitsFull));
    virSCSIVPDBlockLimits bl;
    g_autoptr(GError) err = NULL;

    page[0] = 0x60;
    g_assert_cmpint(testParseBlockLimits(page, sizeof(blockLimitsFull), &bl, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_UNSUPPORTED);
    g_assert_nonnull(strstr(err->message, "no logical unit"));
}


static void
testBlockLimitsFull(void)
{
    virSCSIVPDBlockLimits bl;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParseBlockLimits(blockLimitsFull, sizeof(blockLimitsFull),
                                         &bl, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(bl.peripheralQualifier, ==, 2);
    g_assert_cmpuint(bl.needed, ==, 64);
    g_assert_true(bl.wsnz);
    g_assert_cmpuint(bl.maxCompareAndWriteLength, ==, 32);
    g_assert_cmpuint(bl.optimalTransferLengthGranularity, ==, 16);
    g_assert_cmpuint(bl.maxTransferLength, ==, 65536);
    g_assert_cmpuint(bl.optimalTransferLength, ==, 32768);
    g_assert_cmpuint(bl.maxPrefetchLength, ==, 8192);
    g_assert_cmpuint(bl.maxUnmapLbaCount, ==, 0xFFFFFFFF);
    g_assert_cmpuint(bl.maxUnmapBlockDescriptorCount, ==, 256);
    g_assert_cmpuint(bl.optimalUnmapGranularity, ==, 2048);
    g_assert_true(bl.ugaValid);
    g_assert_cmpuint(bl.unmapGranularityAlignment, ==, 7);
    g_assert_cmpuint(bl.maxWriteSameLength, ==, G_GUINT64_CONSTANT(0x100000000));
    g_assert_true(bl.hasAtomicFields);
    g_assert_cmpuint(bl.maxAtomicTransferLength, ==, 512);
    g_assert_cmpuint(bl.atomicAlignment, ==, 8);
    g_assert_cmpuint(bl.atomicTransferLengthGranularity, ==, 4);
    g_assert_cmpuint(bl.maxAtomicTransferLengthWithAtomicBoundary, ==, 256);
    g_assert_cmpuint(bl.maxAtomicBoundarySize, ==, 128);
}


/* Without UGAVALID, whatever sits in the alignment bits is not passed on. */
static void
testBlockLimitsUgaInvalid(void)
{
    uint8_t page[sizeof(blockLimitsFull)];
    virSCSIVPDBlockLimits bl;
    g_autoptr(GError) err = NULL;

    memcpy(page, blockLimitsFull, sizeof(page));
    page[32] = 0x00;            /* UGAVALID 0, alignment bits 0x00000007 */
    g_assert_cmpint(testParseBlockLimits(page, sizeof(page), &bl, &err), ==, 0);
    g_assert_true(bl.hasUnmapFields);
    g_assert_false(bl.ugaValid);
    g_assert_cmpuint(bl.unmapGranularityAlignment, ==, 0);
}


/*
 * Every prefix of the full page: below the 16 mandatory bytes the call
 * fails with TRUNCATED (and still says how much to read); above, each
 * group is present exactly when all of its bytes are.
 */
static void
testBlockLimitsTruncated(void)
{
    virSCSIVPDBlockLimits full;
    size_t n;

    g_assert_cmpint(testParseBlockLimits(blockLimitsFull, sizeof(blockLimitsFull),
                                         &full, NULL), ==, 0);

    for (n = 0; n <= sizeof(blockLimitsFull); n++) {
        virSCSIVPDBlockLimits bl;
        g_autoptr(GError) err = NULL;
        int rc = testParseBlockLimits(blockLimitsFull, n, &bl, &err);

        if (n < 16) {
            g_assert_cmpint(rc, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            g_assert_cmpuint(bl.needed, ==, n >= 4 ? 64 : 0);
            g_assert_false(bl.hasUnmapFields);
            continue;
        }

        g_assert_cmpint(rc, ==, 0);
        g_assert_no_error(err);
        g_assert_cmpuint(bl.needed, ==, 64);
        g_assert_cmpuint(bl.maxTransferLength, ==, full.maxTransferLength);
        g_assert_cmpuint(bl.optimalTransferLength, ==, full.optimalTransferLength);

        g_assert_cmpint(bl.hasMaxPrefetchLength, ==, n >= 20);
        g_assert_cmpuint(bl.maxPrefetchLength, ==, n >= 20 ? full.maxPrefetchLength : 0);

        g_assert_cmpint(bl.hasUnmapFields, ==, n >= 36);
        g_assert_cmpuint(bl.maxUnmapLbaCount, ==, n >= 36 ? full.maxUnmapLbaCount : 0);
        g_assert_cmpint(bl.ugaValid, ==, n >= 36);
        g_assert_cmpuint(bl.unmapGranularityAlignment, ==, n >= 36 ? 7 : 0);

        g_assert_cmpint(bl.hasWriteSameLength, ==, n >= 44);
        g_assert_cmpuint(bl.maxWriteSameLength, ==,
                         n >= 44 ? full.maxWriteSameLength : 0);

        g_assert_cmpint(bl.hasAtomicFields, ==, n >= 64);
        g_assert_cmpuint(bl.maxAtomicBoundarySize, ==, n >= 64 ? 128 : 0);
    }
}


/* Bytes after the page are ignored, whatever they contain. */
static void
testBlockLimitsOversized(void)
{
    uint8_t big[sizeof(blockLimitsSbc2) + 48];
    virSCSIVPDBlockLimits bl;
    g_autoptr(GError) err = NULL;

    memset(big, 0xFF, sizeof(big));
    memcpy(big, blockLimitsSbc2, sizeof(blockLimitsSbc2));
    g_assert_cmpint(testParseBlockLimits(big, sizeof(big), &bl, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(bl.needed, ==, 16);
    g_assert_cmpuint(bl.optimalTransferLength, ==, 256);
    g_assert_false(bl.hasMaxPrefetchLength);
    g_assert_false(bl.hasUnmapFields);
    g_assert_false(bl.hasWriteSameLength);
    g_assert_cmpuint(bl.maxWriteSameLength, ==, 0);
    g_assert_false(bl.hasAtomicFields);
}


/*
 * PAGE LENGTH claims more than was sent: needed reports the claim, and
 * only the bytes sent are decoded.  The vector ends exactly at the end of
 * its heap block, so a read past it is caught.
 */
static void
testBlockLimitsLying(void)
{
    static const uint8_t lying[] = {
        0x00, 0xB0, 0xFF, 0xFF,     /* page length 65535 */
        0x01, 0x01, 0x00, 0x01,
        0x00, 0x00, 0x40, 0x00,
        0x00, 0x00, 0x40, 0x00,
        0x00, 0x00, 0x00, 0x10,     /* MAX PREFETCH 16 */
        0x00, 0x00, 0x20, 0x00,     /* the unmap group starts, but stops at 24 */
    };
    virSCSIVPDBlockLimits bl;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParseBlockLimits(lying, sizeof(lying), &bl, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(bl.needed, ==, 65539);
    g_assert_true(bl.hasMaxPrefetchLength);
    g_assert_cmpuint(bl.maxPrefetchLength, ==, 16);
    g_assert_false(bl.hasUnmapFields);
    g_assert_cmpuint(bl.maxUnmapLbaCount, ==, 0);
    g_assert_false(bl.hasWriteSameLength);

    /* The LIO page cut after 16 bytes: the claim is the whole page. */
    g_clear_error(&err);
    g_assert_cmpint(testParseBlockLimits(blockLimitsLio, 16, &bl, &err), ==, 0);
    g_assert_cmpuint(bl.needed, ==, 64);
    g_assert_cmpuint(bl.maxTransferLength, ==, 16384);
    g_assert_false(bl.hasMaxPrefetchLength);
    g_assert_false(bl.hasUnmapFields);
}


static void
testBlockLimitsBadPage(void)
{
    uint8_t page[sizeof(blockLimitsLio)];
    virSCSIVPDBlockLimits bl;
    g_autoptr(GError) err = NULL;

    /* Another page's code. */
    memcpy(page, blockLimitsLio, sizeof(page));
    page[1] = 0xB2;
    g_assert_cmpint(testParseBlockLimits(page, sizeof(page), &bl, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
    g_assert_false(bl.wsnz);

    /* A page length too small for the SBC-2 fields, though bytes follow. */
    g_clear_error(&err);
    page[1] = 0xB0;
    page[3] = 0x08;
    g_assert_cmpint(testParseBlockLimits(page, sizeof(page), &bl, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
    g_assert_cmpuint(bl.needed, ==, 12);

    /* Nothing at all. */
    g_clear_error(&err);
    g_assert_cmpint(virSCSIVPDBlockLimitsParse(NULL, 0, &bl, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
}


/* Block Device Characteristics ------------------------------------------- */

static int
testParseBdc(const uint8_t *data,
             size_t len,
             virSCSIVPDBlockCharacteristics *out,
             GError **error)
{
    g_autofree uint8_t *copy = testDupExact(data, len);

    return virSCSIVPDBlockCharacteristicsParse(copy, len, out, error);
}


/* A 2.5" SSD: non-rotating, host-aware zoned, FUAB and VBULS. */
static const uint8_t bdcSsd[] = {
    0x00, 0xB1, 0x00, 0x3C,
    0x00, 0x01,                 /* 4-5: MEDIUM ROTATION RATE: non-rotating */
    0x07,                       /* 6: PRODUCT TYPE: UFS */
    0x93,                       /* 7: WABEREQ 10b, WACEREQ 01b, form factor 3h (2.5") */
    0x13,                       /* 8: ZONED 01b, FUAB, VBULS */
    ZERO4, ZERO4, ZERO4, ZERO4, ZERO4, ZERO4, ZERO4,
    ZERO4, ZERO4, ZERO4, ZERO4, ZERO4, ZERO4,
    0x00, 0x00, 0x00,           /* 9-63: reserved / DEPOPULATION TIME 0 */
};

/* A 7200 rpm 3.5" disk, device-managed zoned, RBWZ and BOCS, no FUAB. */
static const uint8_t bdcHdd[] = {
    0x00, 0xB1, 0x00, 0x3C,
    0x1C, 0x20,                 /* 4-5: 7200 rpm */
    0x00,                       /* 6: not indicated */
    0x02,                       /* 7: 3.5" */
    0x2C,                       /* 8: ZONED 10b, RBWZ, BOCS */
    ZERO4, ZERO4, ZERO4, ZERO4, ZERO4, ZERO4, ZERO4,
    ZERO4, ZERO4, ZERO4, ZERO4, ZERO4, ZERO4,
    0x00, 0x00, 0x00,
};

static void
testBdcNormal(void)
{
    virSCSIVPDBlockCharacteristics bdc;
    g_autoptr(GError) err = NULL;

    g_assert_cmpuint(sizeof(bdcSsd), ==, 64);
    g_assert_cmpint(testParseBdc(bdcSsd, sizeof(bdcSsd), &bdc, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(bdc.needed, ==, 64);
    g_assert_cmpuint(bdc.mediumRotationRate, ==, VIR_SCSI_ROTATION_RATE_NON_ROTATING);
    g_assert_true(bdc.hasProductType);
    g_assert_cmpuint(bdc.productType, ==, 7);
    g_assert_true(bdc.hasFormFactor);
    g_assert_cmpuint(bdc.wabereq, ==, 2);
    g_assert_cmpuint(bdc.wacereq, ==, 1);
    g_assert_cmpuint(bdc.nominalFormFactor, ==, 3);
    g_assert_true(bdc.hasFlags);
    g_assert_cmpuint(bdc.zoned, ==, 1);
    g_assert_false(bdc.rbwz);
    g_assert_false(bdc.bocs);
    g_assert_true(bdc.fuab);
    g_assert_true(bdc.vbuls);

    g_assert_cmpint(testParseBdc(bdcHdd, sizeof(bdcHdd), &bdc, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(bdc.mediumRotationRate, ==, 7200);
    g_assert_cmpuint(bdc.productType, ==, 0);
    g_assert_cmpuint(bdc.wabereq, ==, 0);
    g_assert_cmpuint(bdc.wacereq, ==, 0);
    g_assert_cmpuint(bdc.nominalFormFactor, ==, 2);
    g_assert_cmpuint(bdc.zoned, ==, 2);
    g_assert_true(bdc.rbwz);
    g_assert_true(bdc.bocs);
    g_assert_false(bdc.fuab);
    g_assert_false(bdc.vbuls);
}


static void
testBdcTruncated(void)
{
    size_t n;

    for (n = 0; n <= sizeof(bdcSsd); n++) {
        virSCSIVPDBlockCharacteristics bdc;
        g_autoptr(GError) err = NULL;
        int rc = testParseBdc(bdcSsd, n, &bdc, &err);

        if (n < 6) {
            g_assert_cmpint(rc, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            g_assert_cmpuint(bdc.needed, ==, n >= 4 ? 64 : 0);
            continue;
        }

        g_assert_cmpint(rc, ==, 0);
        g_assert_cmpuint(bdc.mediumRotationRate, ==, 1);
        g_assert_cmpint(bdc.hasProductType, ==, n >= 7);
        g_assert_cmpuint(bdc.productType, ==, n >= 7 ? 7 : 0);
        g_assert_cmpint(bdc.hasFormFactor, ==, n >= 8);
        g_assert_cmpuint(bdc.nominalFormFactor, ==, n >= 8 ? 3 : 0);
        g_assert_cmpint(bdc.hasFlags, ==, n >= 9);
        g_assert_cmpint(bdc.fuab, ==, n >= 9);
        g_assert_cmpuint(bdc.zoned, ==, n >= 9 ? 1 : 0);
    }
}


static void
testBdcOversizedAndLying(void)
{
    /* PAGE LENGTH 2: only the rotation rate; what follows is not the page. */
    static const uint8_t shortPage[] = {
        0x00, 0xB1, 0x00, 0x02,
        0x3A, 0x98,             /* 15000 rpm */
        0x05, 0xFF, 0xFF,       /* past the page */
    };
    /* PAGE LENGTH 003Ch, 7 bytes sent. */
    static const uint8_t lying[] = {
        0x00, 0xB1, 0x00, 0x3C,
        0x27, 0x10,             /* 10000 rpm */
        0x02,
    };
    virSCSIVPDBlockCharacteristics bdc;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParseBdc(shortPage, sizeof(shortPage), &bdc, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(bdc.needed, ==, 6);
    g_assert_cmpuint(bdc.mediumRotationRate, ==, 15000);
    g_assert_false(bdc.hasProductType);
    g_assert_cmpuint(bdc.productType, ==, 0);
    g_assert_false(bdc.hasFormFactor);
    g_assert_false(bdc.hasFlags);
    g_assert_false(bdc.fuab);

    g_assert_cmpint(testParseBdc(lying, sizeof(lying), &bdc, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(bdc.needed, ==, 64);
    g_assert_cmpuint(bdc.mediumRotationRate, ==, 10000);
    g_assert_true(bdc.hasProductType);
    g_assert_cmpuint(bdc.productType, ==, 2);
    g_assert_false(bdc.hasFormFactor);
    g_assert_false(bdc.hasFlags);
}


static void
testBdcBadPage(void)
{
    uint8_t page[sizeof(bdcSsd)];
    virSCSIVPDBlockCharacteristics bdc;
    g_autoptr(GError) err = NULL;

    memcpy(page, bdcSsd, sizeof(page));
    page[1] = 0xB0;
    g_assert_cmpint(testParseBdc(page, sizeof(page), &bdc, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
    g_assert_cmpuint(bdc.mediumRotationRate, ==, 0);

    /* PAGE LENGTH 1 cannot hold the rotation rate. */
    g_clear_error(&err);
    page[1] = 0xB1;
    page[3] = 0x01;
    g_assert_cmpint(testParseBdc(page, sizeof(page), &bdc, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
}


/* Logical Block Provisioning --------------------------------------------- */

static int
testParseLbp(const uint8_t *data,
             size_t len,
             virSCSIVPDLbp *out,
             GError **error)
{
    g_autofree uint8_t *copy = testDupExact(data, len);

    return virSCSIVPDLbpParse(copy, len, out, error);
}


/*
 * A thin-provisioned LUN with unmap support and zeroing unmap (what LIO
 * reports with emulate_tpu=1, emulate_tpws=1 on a backend whose discard
 * zeroes data, plus PROVISIONING TYPE thin): LBPU, LBPWS, LBPWS10,
 * LBPRZ 001b; no descriptor.
 */
static const uint8_t lbpThin[] = {
    0x00, 0xB2, 0x00, 0x04,
    0x00,                       /* 4: THRESHOLD EXPONENT 0 */
    0xE4,                       /* 5: LBPU, LBPWS, LBPWS10, LBPRZ 001b */
    0x02,                       /* 6: MINIMUM PERCENTAGE 0, thin */
    0x00,                       /* 7: THRESHOLD PERCENTAGE 0 */
};

/*
 * Resource provisioned, with a provisioning group descriptor (an NAA
 * IEEE Registered designator, 8 bytes): PAGE LENGTH 4 + 4 + 8 = 16.
 */
static const uint8_t lbpGroup[] = {
    0x00, 0xB2, 0x00, 0x10,
    0x0A,                       /* 4: THRESHOLD EXPONENT 10 */
    0x81,                       /* 5: LBPU, LBPRZ 000b, DP */
    0x29,                       /* 6: MINIMUM PERCENTAGE 5, resource provisioned */
    0x0A,                       /* 7: THRESHOLD PERCENTAGE 10 (1.0%) */
    0x01, 0x03, 0x00, 0x08,     /* binary, LU association, NAA, length 8 */
    0x60, 0x01, 0x40, 0x5A, 0xBC, 0xDE, 0xF0, 0x12,
};

static void
testLbpNormal(void)
{
    static const uint8_t naa[] = { 0x60, 0x01, 0x40, 0x5A, 0xBC, 0xDE, 0xF0, 0x12 };
    virSCSIVPDLbp lbp;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParseLbp(lbpThin, sizeof(lbpThin), &lbp, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(lbp.needed, ==, 8);
    g_assert_cmpuint(lbp.thresholdExponent, ==, 0);
    g_assert_true(lbp.lbpu);
    g_assert_true(lbp.lbpws);
    g_assert_true(lbp.lbpws10);
    g_assert_cmpuint(lbp.lbprzField, ==, 1);
    g_assert_true(lbp.lbprz);
    g_assert_false(lbp.ancSup);
    g_assert_false(lbp.dp);
    g_assert_cmpuint(lbp.minimumPercentage, ==, 0);
    g_assert_cmpuint(lbp.provisioningType, ==, VIR_SCSI_PROVISIONING_THIN);
    g_assert_cmpuint(lbp.thresholdPercentage, ==, 0);
    g_assert_false(lbp.hasProvisioningGroup);

    g_assert_cmpint(testParseLbp(lbpGroup, sizeof(lbpGroup), &lbp, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(lbp.needed, ==, 20);
    g_assert_cmpuint(lbp.thresholdExponent, ==, 10);
    g_assert_true(lbp.lbpu);
    g_assert_false(lbp.lbpws);
    g_assert_false(lbp.lbpws10);
    g_assert_cmpuint(lbp.lbprzField, ==, 0);
    g_assert_false(lbp.lbprz);
    g_assert_true(lbp.dp);
    g_assert_cmpuint(lbp.minimumPercentage, ==, 5);
    g_assert_cmpuint(lbp.provisioningType, ==, VIR_SCSI_PROVISIONING_RESOURCE);
    g_assert_cmpuint(lbp.thresholdPercentage, ==, 10);
    g_assert_true(lbp.hasProvisioningGroup);
    g_assert_cmpuint(lbp.pgCodeSet, ==, 1);
    g_assert_cmpuint(lbp.pgAssociation, ==, 0);
    g_assert_cmpuint(lbp.pgDesignatorType, ==, 3);
    g_assert_cmpuint(lbp.pgDesignatorLength, ==, 8);
    g_assert_cmpmem(lbp.pgDesignator, lbp.pgDesignatorLength, naa, sizeof(naa));
}


/*
 * The LBPRZ field: SBC-3's single bit 0x04 is the field's low bit, and
 * SBC-4 says xx1b reads as zeros but 010b is the initialization pattern.
 */
static void
testLbpLbprz(void)
{
    static const struct {
        uint8_t byte5;
        uint8_t field;
        bool zeros;
    } cases[] = {
        { 0x80, 0, false },     /* 000b: vendor specific */
        { 0x84, 1, true },      /* 001b, or SBC-3's LBPRZ bit */
        { 0x88, 2, false },     /* 010b: provisioning initialization pattern */
        { 0x8C, 3, true },      /* 011b: xx1b, zeros */
        { 0x9C, 7, true },      /* 111b: xx1b, zeros */
        { 0x90, 4, false },     /* 100b: reserved */
        { 0x7B, 6, false },     /* 110b with every other bit set */
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        uint8_t page[sizeof(lbpThin)];
        virSCSIVPDLbp lbp;

        memcpy(page, lbpThin, sizeof(page));
        page[5] = cases[i].byte5;
        g_assert_cmpint(testParseLbp(page, sizeof(page), &lbp, NULL), ==, 0);
        g_assert_cmpuint(lbp.lbprzField, ==, cases[i].field);
        g_assert_cmpint(lbp.lbprz, ==, cases[i].zeros);
        g_assert_cmpint(lbp.lbpu, ==, !!(cases[i].byte5 & 0x80));
    }
}


static void
testLbpTruncated(void)
{
    size_t n;

    for (n = 0; n <= sizeof(lbpGroup); n++) {
        virSCSIVPDLbp lbp;
        g_autoptr(GError) err = NULL;
        int rc = testParseLbp(lbpGroup, n, &lbp, &err);

        if (n < 8) {
            g_assert_cmpint(rc, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            g_assert_cmpuint(lbp.needed, ==, n >= 4 ? 20 : 0);
            continue;
        }

        g_assert_cmpint(rc, ==, 0);
        g_assert_cmpuint(lbp.needed, ==, 20);
        g_assert_true(lbp.dp);
        g_assert_cmpuint(lbp.thresholdPercentage, ==, 10);
        /* The designator is all there or not at all. */
        g_assert_cmpint(lbp.hasProvisioningGroup, ==, n == sizeof(lbpGroup));
        g_assert_cmpuint(lbp.pgDesignatorLength, ==, n == sizeof(lbpGroup) ? 8 : 0);
    }
}


static void
testLbpOversized(void)
{
    /* DP clear: a designator-looking tail past the page is not one. */
    uint8_t page[sizeof(lbpThin) + 12];
    virSCSIVPDLbp lbp;
    g_autoptr(GError) err = NULL;

    memcpy(page, lbpThin, sizeof(lbpThin));
    memcpy(page + sizeof(lbpThin), lbpGroup + 8, 12);
    g_assert_cmpint(testParseLbp(page, sizeof(page), &lbp, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(lbp.needed, ==, 8);
    g_assert_true(lbp.lbprz);
    g_assert_false(lbp.hasProvisioningGroup);

    /* DP set, but the page ends (PAGE LENGTH 000Ch) before the designator
     * does: the 20 bytes sent do not make it part of the page. */
    memcpy(page, lbpGroup, sizeof(lbpGroup));
    page[3] = 0x0C;
    g_assert_cmpint(testParseLbp(page, sizeof(lbpGroup), &lbp, &err), ==, 0);
    g_assert_cmpuint(lbp.needed, ==, 16);
    g_assert_true(lbp.dp);
    g_assert_false(lbp.hasProvisioningGroup);
}


static void
testLbpLying(void)
{
    /* PAGE LENGTH 256 and a 248-byte designator, of which 8 bytes come. */
    static const uint8_t lying[] = {
        0x00, 0xB2, 0x01, 0x00,
        0x00, 0x85, 0x01, 0x00,     /* LBPU, LBPRZ 001b, DP; resource */
        0x02, 0x08, 0x00, 0xF8,     /* ASCII, LU, vendor ID based, length 248 */
        'V', 'E', 'N', 'D', 'O', 'R', ' ', ' ',
    };
    virSCSIVPDLbp lbp;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParseLbp(lying, sizeof(lying), &lbp, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(lbp.needed, ==, 260);
    g_assert_true(lbp.lbprz);
    g_assert_true(lbp.dp);
    g_assert_cmpuint(lbp.provisioningType, ==, 1);
    g_assert_false(lbp.hasProvisioningGroup);
    g_assert_cmpuint(lbp.pgDesignatorLength, ==, 0);
}


static void
testLbpBadPage(void)
{
    uint8_t page[sizeof(lbpThin)];
    virSCSIVPDLbp lbp;
    g_autoptr(GError) err = NULL;

    memcpy(page, lbpThin, sizeof(page));
    page[1] = 0xB1;
    g_assert_cmpint(testParseLbp(page, sizeof(page), &lbp, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
    g_assert_false(lbp.lbpu);

    /* PAGE LENGTH below 4 is against SBC-4. */
    g_clear_error(&err);
    page[1] = 0xB2;
    page[3] = 0x02;
    g_assert_cmpint(testParseLbp(page, sizeof(page), &lbp, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/blockvpd/block-limits/lio", testBlockLimitsLio);
    g_test_add_func("/blockvpd/block-limits/lio-no-tp", testBlockLimitsLioNoTp);
    g_test_add_func("/blockvpd/block-limits/sbc2", testBlockLimitsSbc2);
    g_test_add_func("/blockvpd/block-limits/full", testBlockLimitsFull);
    g_test_add_func("/blockvpd/block-limits/no-lu", testBlockLimitsNoLu);
    g_test_add_func("/blockvpd/block-limits/uga-invalid", testBlockLimitsUgaInvalid);
    g_test_add_func("/blockvpd/block-limits/truncated", testBlockLimitsTruncated);
    g_test_add_func("/blockvpd/block-limits/oversized", testBlockLimitsOversized);
    g_test_add_func("/blockvpd/block-limits/lying", testBlockLimitsLying);
    g_test_add_func("/blockvpd/block-limits/bad-page", testBlockLimitsBadPage);

    g_test_add_func("/blockvpd/bdc/normal", testBdcNormal);
    g_test_add_func("/blockvpd/bdc/truncated", testBdcTruncated);
    g_test_add_func("/blockvpd/bdc/oversized-lying", testBdcOversizedAndLying);
    g_test_add_func("/blockvpd/bdc/bad-page", testBdcBadPage);

    g_test_add_func("/blockvpd/lbp/normal", testLbpNormal);
    g_test_add_func("/blockvpd/lbp/lbprz", testLbpLbprz);
    g_test_add_func("/blockvpd/lbp/truncated", testLbpTruncated);
    g_test_add_func("/blockvpd/lbp/oversized", testLbpOversized);
    g_test_add_func("/blockvpd/lbp/lying", testLbpLying);
    g_test_add_func("/blockvpd/lbp/bad-page", testLbpBadPage);

    return g_test_run();
}
