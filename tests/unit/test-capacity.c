/*
 * test-capacity.c: READ CAPACITY(10/16) and GET LBA STATUS decoding
 * against vectors worked out from SBC-4 5.8, 5.20 and 5.21
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "virscsicapacity.h"
#include "virscsierror.h"
#include "testbytes.h"

/* ---- READ CAPACITY(10) ---- */

/* A 2 GiB LUN of 512-byte blocks. */
static const uint8_t rc10Small[] = {
    0x00, 0x3F, 0xFF, 0xFF,     /* RETURNED LBA 0x3FFFFF */
    0x00, 0x00, 0x02, 0x00,     /* BLOCK LENGTH 512 */
};


static void
testRc10(void)
{
    virSCSIReadCapacity10 rc;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(TEST_PARSE(virSCSIReadCapacity10Parse, rc10Small,
                               sizeof(rc10Small), &rc, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(rc.lastLba, ==, 0x3FFFFF);
    g_assert_cmpuint(rc.blockLength, ==, 512);
    g_assert_false(rc.blockLengthUnusual);
    g_assert_false(rc.needReadCapacity16);
    g_assert_cmpuint(rc.capacityBlocks, ==, 0x400000);
}


static void
testRc10Values(void)
{
    /* The largest LBA READ CAPACITY(10) can state, 4096-byte blocks. */
    static const uint8_t max[] = {
        0xFF, 0xFF, 0xFF, 0xFE, 0x00, 0x00, 0x10, 0x00,
    };
    /* Too big: go and ask READ CAPACITY(16). */
    static const uint8_t use16[] = {
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x02, 0x00,
    };
    /* 520-byte blocks, then 256: decoded, flagged. */
    static const uint8_t b520[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08,
    };
    static const uint8_t b256[] = {
        0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x01, 0x00,
    };
    static const uint8_t b0[] = {
        0x00, 0x3F, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00,
    };
    virSCSIReadCapacity10 rc;

    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSIReadCapacity10Parse, max,
                                   sizeof(max), &rc, &err), ==, 0);
        g_assert_false(rc.needReadCapacity16);
        g_assert_cmpuint(rc.capacityBlocks, ==, 0xFFFFFFFFULL);
        g_assert_cmpuint(rc.blockLength, ==, 4096);
        g_assert_false(rc.blockLengthUnusual);
    }
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSIReadCapacity10Parse, use16,
                                   sizeof(use16), &rc, &err), ==, 0);
        g_assert_true(rc.needReadCapacity16);
        g_assert_cmpuint(rc.capacityBlocks, ==, 0);
    }
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSIReadCapacity10Parse, b520,
                                   sizeof(b520), &rc, &err), ==, 0);
        g_assert_cmpuint(rc.blockLength, ==, 520);
        g_assert_true(rc.blockLengthUnusual);
        g_assert_cmpuint(rc.capacityBlocks, ==, 1);
    }
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSIReadCapacity10Parse, b256,
                                   sizeof(b256), &rc, &err), ==, 0);
        g_assert_true(rc.blockLengthUnusual);
        g_assert_cmpuint(rc.capacityBlocks, ==, 8);
    }
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSIReadCapacity10Parse, b0,
                                   sizeof(b0), &rc, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
        g_assert_cmpuint(rc.lastLba, ==, 0);
    }
}


static void
testRc10Prefixes(void)
{
    uint8_t big[16];
    virSCSIReadCapacity10 rc;
    size_t n;

    for (n = 0; n <= sizeof(rc10Small); n++) {
        g_autoptr(GError) err = NULL;
        int ret = TEST_PARSE(virSCSIReadCapacity10Parse, rc10Small, n,
                             &rc, &err);

        if (n < 8) {
            g_assert_cmpint(ret, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            g_assert_cmpuint(rc.lastLba, ==, 0);
        } else {
            g_assert_cmpint(ret, ==, 0);
            g_assert_cmpuint(rc.capacityBlocks, ==, 0x400000);
        }
    }

    /* Oversized: trailing bytes ignored. */
    memset(big, 0xFF, sizeof(big));
    memcpy(big, rc10Small, sizeof(rc10Small));
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSIReadCapacity10Parse, big,
                                   sizeof(big), &rc, &err), ==, 0);
        g_assert_cmpuint(rc.capacityBlocks, ==, 0x400000);
        g_assert_cmpuint(rc.blockLength, ==, 512);
    }
}


/* ---- READ CAPACITY(16) ---- */

/* A thin LIO LUN: 10 GiB of 512e on 4K, unmap and read-zeros enabled. */
static const uint8_t rc16Lio[] = {
    0x00, 0x00, 0x00, 0x00, 0x01, 0x3F, 0xFF, 0xFF, /* last LBA */
    0x00, 0x00, 0x02, 0x00,     /* BLOCK LENGTH 512 */
    0x00,                       /* no protection */
    0x03,                       /* P_I_EXPONENT 0, 2^3 LBs per PB */
    0xC0, 0x00,                 /* LBPME, LBPRZ, LOWEST ALIGNED LBA 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};


static void
testRc16Lio(void)
{
    virSCSIReadCapacity16 rc;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(TEST_PARSE(virSCSIReadCapacity16Parse, rc16Lio,
                               sizeof(rc16Lio), &rc, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(rc.lastLba, ==, 0x13FFFFF);
    g_assert_cmpuint(rc.capacityBlocks, ==, 20971520);
    g_assert_cmpuint(rc.blockLength, ==, 512);
    g_assert_false(rc.blockLengthUnusual);
    g_assert_true(rc.hasProtection);
    g_assert_false(rc.protEn);
    g_assert_cmpuint(rc.pType, ==, 0);
    g_assert_true(rc.hasExponents);
    g_assert_cmpuint(rc.pIExponent, ==, 0);
    g_assert_cmpuint(rc.lbPerPbExponent, ==, 3);
    g_assert_true(rc.hasProvisioning);
    g_assert_true(rc.lbpme);
    g_assert_true(rc.lbprz);
    g_assert_cmpuint(rc.lowestAlignedLba, ==, 0);
}


static void
testRc16Fields(void)
{
    /* Every field non-zero and distinct. */
    static const uint8_t vec[] = {
        0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0,
        0x00, 0x00, 0x10, 0x00,     /* 4096 */
        0x2D,                       /* RC BASIS 2, P_TYPE 6, PROT_EN */
        0x41,                       /* P_I_EXPONENT 4, exponent 1 */
        0x81, 0x02,                 /* LBPME, LOWEST ALIGNED LBA 0x102 */
    };
    /* LOWEST ALIGNED LBA is 14 bits: LBPME/LBPRZ not part of it */
    static const uint8_t aligned[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x02, 0x00,
        0x00, 0x00,
        0x3F, 0xFF,
    };
    virSCSIReadCapacity16 rc;

    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSIReadCapacity16Parse, vec,
                                   sizeof(vec), &rc, &err), ==, 0);
        g_assert_cmpuint(rc.lastLba, ==, 0x123456789ABCDEF0ULL);
        g_assert_cmpuint(rc.capacityBlocks, ==, 0x123456789ABCDEF1ULL);
        g_assert_cmpuint(rc.blockLength, ==, 4096);
        g_assert_cmpuint(rc.rcBasis, ==, 2);
        g_assert_cmpuint(rc.pType, ==, 6);
        g_assert_true(rc.protEn);
        g_assert_cmpuint(rc.pIExponent, ==, 4);
        g_assert_cmpuint(rc.lbPerPbExponent, ==, 1);
        g_assert_true(rc.lbpme);
        g_assert_false(rc.lbprz);
        g_assert_cmpuint(rc.lowestAlignedLba, ==, 0x102);
    }
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSIReadCapacity16Parse, aligned,
                                   sizeof(aligned), &rc, &err), ==, 0);
        g_assert_false(rc.lbpme);
        g_assert_false(rc.lbprz);
        g_assert_cmpuint(rc.lowestAlignedLba, ==, 0x3FFF);
        g_assert_cmpuint(rc.capacityBlocks, ==, 1);
    }
}


static void
testRc16Limits(void)
{
    uint8_t vec[16];
    virSCSIReadCapacity16 rc;

    memcpy(vec, rc16Lio, sizeof(vec));

    {
        /* 2^64 blocks: not representable */
        g_autoptr(GError) err = NULL;
        memset(vec, 0xFF, 8);
        g_assert_cmpint(TEST_PARSE(virSCSIReadCapacity16Parse, vec,
                                   sizeof(vec), &rc, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
        g_assert_cmpuint(rc.lastLba, ==, 0);
        g_assert_false(rc.hasProvisioning);
    }
    {
        /* one less is the largest capacity there is */
        g_autoptr(GError) err = NULL;
        vec[7] = 0xFE;
        g_assert_cmpint(TEST_PARSE(virSCSIReadCapacity16Parse, vec,
                                   sizeof(vec), &rc, &err), ==, 0);
        g_assert_cmpuint(rc.capacityBlocks, ==, G_MAXUINT64);
    }
    {
        g_autoptr(GError) err = NULL;
        memset(vec + 8, 0, 4);
        g_assert_cmpint(TEST_PARSE(virSCSIReadCapacity16Parse, vec,
                                   sizeof(vec), &rc, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
    }
    {
        g_autoptr(GError) err = NULL;
        vec[10] = 0x02;
        vec[11] = 0x08;         /* 520 */
        g_assert_cmpint(TEST_PARSE(virSCSIReadCapacity16Parse, vec,
                                   sizeof(vec), &rc, &err), ==, 0);
        g_assert_true(rc.blockLengthUnusual);
    }
}


static void
testRc16Prefixes(void)
{
    size_t n;

    for (n = 0; n <= sizeof(rc16Lio); n++) {
        virSCSIReadCapacity16 rc;
        g_autoptr(GError) err = NULL;
        int ret = TEST_PARSE(virSCSIReadCapacity16Parse, rc16Lio, n,
                             &rc, &err);

        if (n < 12) {
            g_assert_cmpint(ret, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            continue;
        }
        g_assert_cmpint(ret, ==, 0);
        g_assert_cmpuint(rc.capacityBlocks, ==, 20971520);
        g_assert_cmpuint(rc.blockLength, ==, 512);
        g_assert_cmpint(rc.hasProtection, ==, n >= 13);
        g_assert_cmpint(rc.hasExponents, ==, n >= 14);
        g_assert_cmpuint(rc.lbPerPbExponent, ==, n >= 14 ? 3 : 0);
        g_assert_cmpint(rc.hasProvisioning, ==, n >= 16);
        g_assert_cmpint(rc.lbpme, ==, n >= 16);
        g_assert_cmpint(rc.lbprz, ==, n >= 16);
    }
}


/* ---- GET LBA STATUS ---- */

/*
 * A thin LUN after a discard of most of its first 8 GiB, as ESXi reports
 * it (sg_get_lba_status on a VMware virtual disk).
 */
static const uint8_t lbaStatusThin[] = {
    0x00, 0x00, 0x00, 0x34,     /* PARAMETER DATA LENGTH 52: 4 + 3 * 16 */
    0x00, 0x00, 0x00, 0x00,     /* reserved */
    /* 8: LBA 0, 2048 blocks, mapped or unknown */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* 24: LBA 0x800, 16773120 blocks, deallocated */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00,
    0x00, 0xFF, 0xF0, 0x00, 0x01, 0x00, 0x00, 0x00,
    /* 40: LBA 0xFFF800, 2048 blocks, mapped (SBC-4), additional status 1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xF8, 0x00,
    0x00, 0x00, 0x08, 0x00, 0x03, 0x01, 0x00, 0x00,
    /* 56: end */
};


G_STATIC_ASSERT(sizeof(lbaStatusThin) == 56);
G_STATIC_ASSERT(sizeof(rc16Lio) == 32);


static void
testLbaStatusThin(void)
{
    g_auto(virSCSILbaStatus) st = { 0 };
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(TEST_PARSE(virSCSILbaStatusParse, lbaStatusThin,
                               sizeof(lbaStatusThin), &st, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(st.needed, ==, 56);
    g_assert_cmpuint(st.ndescriptors, ==, 3);

    g_assert_cmpuint(st.descriptors[0].lba, ==, 0);
    g_assert_cmpuint(st.descriptors[0].nblocks, ==, 2048);
    g_assert_cmpuint(st.descriptors[0].provisioningStatus, ==,
                     VIR_SCSI_LBA_MAPPED_OR_UNKNOWN);

    g_assert_cmpuint(st.descriptors[1].lba, ==, 0x800);
    g_assert_cmpuint(st.descriptors[1].nblocks, ==, 16773120);
    g_assert_cmpuint(st.descriptors[1].provisioningStatus, ==,
                     VIR_SCSI_LBA_DEALLOCATED);

    g_assert_cmpuint(st.descriptors[2].lba, ==, 0xFFF800);
    g_assert_cmpuint(st.descriptors[2].nblocks, ==, 2048);
    g_assert_cmpuint(st.descriptors[2].provisioningStatus, ==,
                     VIR_SCSI_LBA_MAPPED);
    g_assert_cmpuint(st.descriptors[2].additionalStatus, ==, 1);

    g_assert_cmpstr(virSCSILbaProvisioningStatusName(0), ==, "mapped or unknown");
    g_assert_cmpstr(virSCSILbaProvisioningStatusName(1), ==, "deallocated");
    g_assert_cmpstr(virSCSILbaProvisioningStatusName(2), ==, "anchored");
    g_assert_cmpstr(virSCSILbaProvisioningStatusName(3), ==, "mapped");
    g_assert_cmpstr(virSCSILbaProvisioningStatusName(4), ==, "unknown");
    g_assert_cmpstr(virSCSILbaProvisioningStatusName(9), ==, "reserved");
}


static void
testLbaStatusPrefixes(void)
{
    size_t n;

    for (n = 0; n <= sizeof(lbaStatusThin); n++) {
        g_auto(virSCSILbaStatus) st = { 0 };
        g_autoptr(GError) err = NULL;
        int ret = TEST_PARSE(virSCSILbaStatusParse, lbaStatusThin, n,
                             &st, &err);
        size_t expect;
        size_t i;

        if (n < 8) {
            g_assert_cmpint(ret, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            g_assert_null(st.descriptors);
            continue;
        }
        g_assert_cmpint(ret, ==, 0);
        g_assert_cmpuint(st.needed, ==, 56);
        /* a partial descriptor at the end is ignored */
        expect = (n - 8) / 16;
        g_assert_cmpuint(st.ndescriptors, ==, expect);
        if (expect == 0)
            g_assert_null(st.descriptors);
        for (i = 0; i < expect; i++)
            g_assert_cmpuint(st.descriptors[i].nblocks, >, 0);
        if (expect >= 2)
            g_assert_cmpuint(st.descriptors[1].lba, ==, 0x800);
    }
}


static void
testLbaStatusLengths(void)
{
    uint8_t vec[sizeof(lbaStatusThin)];

    memcpy(vec, lbaStatusThin, sizeof(vec));

    {
        /* Oversized: one descriptor announced, three in the buffer. */
        g_auto(virSCSILbaStatus) st = { 0 };
        g_autoptr(GError) err = NULL;
        vec[3] = 20;
        g_assert_cmpint(TEST_PARSE(virSCSILbaStatusParse, vec, sizeof(vec),
                                   &st, &err), ==, 0);
        g_assert_cmpuint(st.needed, ==, 24);
        g_assert_cmpuint(st.ndescriptors, ==, 1);
    }
    {
        /* Announcing less than the header itself: no descriptors. */
        g_auto(virSCSILbaStatus) st = { 0 };
        g_autoptr(GError) err = NULL;
        vec[3] = 0;
        g_assert_cmpint(TEST_PARSE(virSCSILbaStatusParse, vec, sizeof(vec),
                                   &st, &err), ==, 0);
        g_assert_cmpuint(st.needed, ==, 4);
        g_assert_cmpuint(st.ndescriptors, ==, 0);
    }
    {
        /* Lying: 4 GiB claimed, 56 bytes returned. */
        g_auto(virSCSILbaStatus) st = { 0 };
        g_autoptr(GError) err = NULL;
        memset(vec, 0xFF, 4);
        g_assert_cmpint(TEST_PARSE(virSCSILbaStatusParse, vec, sizeof(vec),
                                   &st, &err), ==, 0);
        g_assert_cmpuint(st.needed, ==, 0xFFFFFFFFULL + 4);
        g_assert_cmpuint(st.ndescriptors, ==, 3);
        g_assert_cmpuint(st.descriptors[2].lba, ==, 0xFFF800);
    }
}


static void
testLbaStatusOrder(void)
{
    uint8_t vec[sizeof(lbaStatusThin)];
    size_t i;
    static const struct {
        size_t off;             /* a 16-bit big-endian value goes here */
        uint16_t value;
        bool ok;
    } cases[] = {
        /* descriptor 1 at LBA 0x700: overlaps descriptor 0 (0-0x7FF) */
        { 24 + 6, 0x0700, false },
        /* ...at LBA 0x7FF, the last LBA of descriptor 0 */
        { 24 + 6, 0x07FF, false },
        /* ...at LBA 0x800, right after it: the vector as is */
        { 24 + 6, 0x0800, true },
        /* descriptor 2 at 0x100F800: a gap is not an overlap */
        { 40 + 4, 0x0100, true },
        /* descriptor 2 at LBA 0, before descriptor 1 */
        { 40 + 5, 0x0000, false },
        /* descriptor 0 with no blocks */
        { 8 + 10, 0x0000, false },
    };

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_auto(virSCSILbaStatus) st = { 0 };
        g_autoptr(GError) err = NULL;
        int ret;

        memcpy(vec, lbaStatusThin, sizeof(vec));
        vec[cases[i].off] = cases[i].value >> 8;
        vec[cases[i].off + 1] = cases[i].value & 0xFF;
        ret = TEST_PARSE(virSCSILbaStatusParse, vec, sizeof(vec), &st, &err);
        if (cases[i].ok) {
            g_assert_cmpint(ret, ==, 0);
            g_assert_cmpuint(st.ndescriptors, ==, 3);
        } else {
            g_assert_cmpint(ret, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
            g_assert_null(st.descriptors);
            g_assert_cmpuint(st.ndescriptors, ==, 0);
            g_assert_cmpuint(st.needed, ==, 0);
        }
    }
}


/* Extents at the very top of the LBA space. */
static void
testLbaStatusTop(void)
{
    uint8_t vec[] = {
        0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00, 0x00,
        /* LBA 2^64 - 0x20, 0x10 blocks: ends at 2^64 - 0x11 */
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xE0,
        0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
        /* LBA 2^64 - 0x10, 0x10 blocks: ends at the last LBA there is */
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0,
        0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
    };

    {
        g_auto(virSCSILbaStatus) st = { 0 };
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSILbaStatusParse, vec, sizeof(vec),
                                   &st, &err), ==, 0);
        g_assert_cmpuint(st.ndescriptors, ==, 2);
        g_assert_cmpuint(st.descriptors[1].lba, ==, 0xFFFFFFFFFFFFFFF0ULL);
    }
    {
        /* one block more would pass the last LBA */
        g_auto(virSCSILbaStatus) st = { 0 };
        g_autoptr(GError) err = NULL;
        vec[8 + 16 + 11] = 0x11;
        g_assert_cmpint(TEST_PARSE(virSCSILbaStatusParse, vec, sizeof(vec),
                                   &st, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
    }
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/capacity/rc10/small", testRc10);
    g_test_add_func("/capacity/rc10/values", testRc10Values);
    g_test_add_func("/capacity/rc10/prefixes", testRc10Prefixes);
    g_test_add_func("/capacity/rc16/lio", testRc16Lio);
    g_test_add_func("/capacity/rc16/fields", testRc16Fields);
    g_test_add_func("/capacity/rc16/limits", testRc16Limits);
    g_test_add_func("/capacity/rc16/prefixes", testRc16Prefixes);
    g_test_add_func("/capacity/lba-status/thin", testLbaStatusThin);
    g_test_add_func("/capacity/lba-status/prefixes", testLbaStatusPrefixes);
    g_test_add_func("/capacity/lba-status/lengths", testLbaStatusLengths);
    g_test_add_func("/capacity/lba-status/order", testLbaStatusOrder);
    g_test_add_func("/capacity/lba-status/top", testLbaStatusTop);

    return g_test_run();
}
