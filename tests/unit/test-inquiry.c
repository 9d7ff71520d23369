/*
 * test-inquiry.c: standard INQUIRY and VPD 0x00/0x80/0x83 decoding
 * against vectors worked out from SPC-4 6.6.2 and 7.8, and pages as LIO
 * (target_core_spc.c) returns them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "virscsiinquiry.h"
#include "virscsierror.h"
#include "testbytes.h"

/* ---- standard INQUIRY ---- */

/* An LIO iblock LUN with emulate_3pc and implicit+explicit ALUA. */
static const uint8_t inqLio[] = {
    0x00,                       /* PQ 0, PDT 0 (direct access block) */
    0x00,                       /* RMB=0 */
    0x06,                       /* VERSION: SPC-4 */
    0x02,                       /* NORMACA=0, HISUP=0, RDF 2 */
    0x1F,                       /* ADDITIONAL LENGTH 31: 36 bytes */
    0xB8,                       /* SCCS, TPGS=3, 3PC */
    0x00,
    0x02,                       /* CMDQUE */
    'L', 'I', 'O', '-', 'O', 'R', 'G', ' ',
    'I', 'B', 'L', 'O', 'C', 'K', ' ', ' ',
    ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
    '4', '.', '0', ' ',
};


static void
testInquiryLio(void)
{
    virSCSIInquiry inq;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(TEST_PARSE(virSCSIInquiryParse, inqLio, sizeof(inqLio),
                               &inq, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(inq.peripheralQualifier, ==, 0);
    g_assert_cmpuint(inq.peripheralDeviceType, ==, VIR_SCSI_PDT_DISK);
    g_assert_false(inq.rmb);
    g_assert_cmpuint(inq.version, ==, 6);
    g_assert_false(inq.hiSup);
    g_assert_cmpuint(inq.responseDataFormat, ==, 2);
    g_assert_cmpuint(inq.additionalLength, ==, 31);
    g_assert_cmpuint(inq.needed, ==, 36);
    g_assert_true(inq.hasByte5);
    g_assert_true(inq.sccs);
    g_assert_false(inq.acc);
    g_assert_cmpuint(inq.tpgs, ==, 3);
    g_assert_true(inq.threePC);
    g_assert_false(inq.protect);
    g_assert_true(inq.hasByte6);
    g_assert_false(inq.encServ);
    g_assert_false(inq.multiP);
    g_assert_true(inq.hasByte7);
    g_assert_true(inq.cmdQue);
    g_assert_true(inq.hasVendor);
    g_assert_cmpstr(inq.vendor, ==, "LIO-ORG");
    g_assert_true(inq.hasProduct);
    g_assert_cmpstr(inq.product, ==, "IBLOCK");
    g_assert_true(inq.hasRevision);
    g_assert_cmpstr(inq.revision, ==, "4.0");
}


/* The other bits, each set alone where it can be told apart. */
static void
testInquiryBits(void)
{
    static const uint8_t vec[] = {
        0x3F,                   /* PQ 1, PDT 0x1F */
        0xC0,                   /* RMB, LU_CONG */
        0x05,
        0x32,                   /* NORMACA, HISUP, RDF 2 */
        0x03,
        0x41,                   /* ACC, PROTECT */
        0x50,                   /* ENCSERV, MULTIP */
        0x00,                   /* CMDQUE=0 */
    };
    virSCSIInquiry inq;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(TEST_PARSE(virSCSIInquiryParse, vec, sizeof(vec),
                               &inq, &err), ==, 0);
    g_assert_cmpuint(inq.peripheralQualifier, ==, VIR_SCSI_PQ_NOT_CONNECTED);
    g_assert_cmpuint(inq.peripheralDeviceType, ==, VIR_SCSI_PDT_NONE);
    g_assert_true(inq.rmb);
    g_assert_true(inq.luCong);
    g_assert_true(inq.normAca);
    g_assert_true(inq.hiSup);
    g_assert_false(inq.sccs);
    g_assert_true(inq.acc);
    g_assert_cmpuint(inq.tpgs, ==, 0);
    g_assert_false(inq.threePC);
    g_assert_true(inq.protect);
    g_assert_true(inq.encServ);
    g_assert_true(inq.multiP);
    g_assert_true(inq.hasByte7);
    g_assert_false(inq.cmdQue);
    g_assert_false(inq.hasVendor);
    g_assert_cmpstr(inq.vendor, ==, "");
}


static void
testInquiryPrefixes(void)
{
    size_t n;

    for (n = 0; n <= sizeof(inqLio); n++) {
        virSCSIInquiry inq;
        g_autoptr(GError) err = NULL;
        int rc = TEST_PARSE(virSCSIInquiryParse, inqLio, n, &inq, &err);

        if (n < 5) {
            g_assert_cmpint(rc, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            continue;
        }
        g_assert_cmpint(rc, ==, 0);
        g_assert_cmpuint(inq.needed, ==, 36);
        g_assert_cmpuint(inq.version, ==, 6);
        g_assert_cmpint(inq.hasByte5, ==, n >= 6);
        g_assert_cmpint(inq.threePC, ==, n >= 6);
        g_assert_cmpint(inq.hasByte6, ==, n >= 7);
        g_assert_cmpint(inq.hasByte7, ==, n >= 8);
        g_assert_cmpint(inq.cmdQue, ==, n >= 8);
        g_assert_cmpint(inq.hasVendor, ==, n >= 16);
        g_assert_cmpstr(inq.vendor, ==, n >= 16 ? "LIO-ORG" : "");
        g_assert_cmpint(inq.hasProduct, ==, n >= 32);
        g_assert_cmpstr(inq.product, ==, n >= 32 ? "IBLOCK" : "");
        g_assert_cmpint(inq.hasRevision, ==, n >= 36);
        g_assert_cmpstr(inq.revision, ==, n >= 36 ? "4.0" : "");
    }
}


static void
testInquiryLengths(void)
{
    uint8_t vec[sizeof(inqLio)];
    virSCSIInquiry inq;
    g_autoptr(GError) err = NULL;

    /* Lying: 255 more bytes claimed, 31 returned. */
    memcpy(vec, inqLio, sizeof(vec));
    vec[4] = 0xFF;
    g_assert_cmpint(TEST_PARSE(virSCSIInquiryParse, vec, sizeof(vec),
                               &inq, &err), ==, 0);
    g_assert_cmpuint(inq.needed, ==, 260);
    g_assert_true(inq.hasRevision);
    g_assert_cmpstr(inq.revision, ==, "4.0");

    /* Oversized: ADDITIONAL LENGTH 3 (as LIO answers an 8-byte
     * allocation), the rest of the buffer is not INQUIRY data. */
    vec[4] = 0x03;
    g_assert_cmpint(TEST_PARSE(virSCSIInquiryParse, vec, sizeof(vec),
                               &inq, &err), ==, 0);
    g_assert_cmpuint(inq.needed, ==, 8);
    g_assert_true(inq.hasByte7);
    g_assert_true(inq.cmdQue);
    g_assert_false(inq.hasVendor);
    g_assert_false(inq.hasProduct);
    g_assert_false(inq.hasRevision);

    /* Only the mandatory header, claiming the usual 36 bytes. */
    g_assert_cmpint(TEST_PARSE(virSCSIInquiryParse, inqLio, 5,
                               &inq, &err), ==, 0);
    g_assert_cmpuint(inq.needed, ==, 36);
    g_assert_false(inq.hasByte5);
    g_assert_false(inq.threePC);
}


static void
testInquiryStrings(void)
{
    static const uint8_t vec[] = {
        0x00, 0x00, 0x06, 0x02, 0x1F, 0x00, 0x00, 0x00,
        /* vendor: a control byte and DEL inside, NUL padded */
        'A', 0x01, 'B', 0x7F, 0x00, 0x00, 0x00, 0x00,
        /* product: a NUL inside, spaces then NULs at the end */
        'd', 'i', 0x00, 'k', ' ', ' ', 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        /* revision: a high byte, and leading spaces kept (left-aligned) */
        ' ', 0xE9, '1', ' ',
    };
    virSCSIInquiry inq;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(TEST_PARSE(virSCSIInquiryParse, vec, sizeof(vec),
                               &inq, &err), ==, 0);
    g_assert_cmpstr(inq.vendor, ==, "A?B?");
    g_assert_cmpstr(inq.product, ==, "di?k");
    g_assert_cmpstr(inq.revision, ==, " ?1");
}


/* ---- VPD 0x00 ---- */

static const uint8_t vpdSupportedLio[] = {
    0x00,                       /* PQ 0, PDT 0 */
    0x00,                       /* PAGE CODE 0x00 */
    0x00, 0x08,                 /* PAGE LENGTH 8 */
    0x00, 0x80, 0x83, 0x86, 0xB0, 0xB1, 0xB2, 0xB3,
};


static void
testVPDSupportedLio(void)
{
    virSCSIVPDSupported sup;
    g_autoptr(GError) err = NULL;
    static const uint8_t expect[] = {
        0x00, 0x80, 0x83, 0x86, 0xB0, 0xB1, 0xB2, 0xB3,
    };

    g_assert_cmpint(TEST_PARSE(virSCSIVPDSupportedParse, vpdSupportedLio,
                               sizeof(vpdSupportedLio), &sup, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(sup.peripheralQualifier, ==, 0);
    g_assert_cmpuint(sup.peripheralDeviceType, ==, 0);
    g_assert_cmpuint(sup.needed, ==, 12);
    g_assert_cmpmem(sup.pages, sup.npages, expect, sizeof(expect));
    g_assert_true(virSCSIVPDSupportedHas(&sup, VIR_SCSI_VPD_DEVICE_ID));
    g_assert_true(virSCSIVPDSupportedHas(&sup, 0xB2));
    g_assert_false(virSCSIVPDSupportedHas(&sup, 0x8F));
    g_assert_false(virSCSIVPDSupportedHas(&sup, 0xFF));
}


static void
testVPDSupportedPrefixes(void)
{
    size_t n;

    for (n = 0; n <= sizeof(vpdSupportedLio); n++) {
        virSCSIVPDSupported sup;
        g_autoptr(GError) err = NULL;
        int rc = TEST_PARSE(virSCSIVPDSupportedParse, vpdSupportedLio, n,
                            &sup, &err);

        if (n < 4) {
            g_assert_cmpint(rc, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            continue;
        }
        g_assert_cmpint(rc, ==, 0);
        g_assert_cmpuint(sup.needed, ==, 12);
        g_assert_cmpmem(sup.pages, sup.npages, vpdSupportedLio + 4, n - 4);
        g_assert_cmpint(virSCSIVPDSupportedHas(&sup, 0x83), ==, n >= 7);
    }
}


static void
testVPDSupportedLengths(void)
{
    uint8_t vec[sizeof(vpdSupportedLio)];
    g_autofree uint8_t *big = NULL;
    virSCSIVPDSupported sup;
    g_autoptr(GError) err = NULL;
    size_t i;

    /* Oversized: 3 pages announced, 8 in the buffer. */
    memcpy(vec, vpdSupportedLio, sizeof(vec));
    vec[3] = 3;
    g_assert_cmpint(TEST_PARSE(virSCSIVPDSupportedParse, vec, sizeof(vec),
                               &sup, &err), ==, 0);
    g_assert_cmpuint(sup.needed, ==, 7);
    g_assert_cmpuint(sup.npages, ==, 3);
    g_assert_false(virSCSIVPDSupportedHas(&sup, 0xB0));

    /* Lying: 0x0100 announced, 8 returned. */
    vec[2] = 0x01;
    vec[3] = 0x00;
    g_assert_cmpint(TEST_PARSE(virSCSIVPDSupportedParse, vec, sizeof(vec),
                               &sup, &err), ==, 0);
    g_assert_cmpuint(sup.needed, ==, 260);
    g_assert_cmpuint(sup.npages, ==, 8);

    /* 300 entries: only 256 page codes can exist, the rest is cut. */
    big = g_new0(uint8_t, 304);
    big[3] = 0x2C;
    big[2] = 0x01;
    for (i = 4; i < 304; i++)
        big[i] = (uint8_t)(i - 4);
    g_assert_cmpint(TEST_PARSE(virSCSIVPDSupportedParse, big, 304,
                               &sup, &err), ==, 0);
    g_assert_cmpuint(sup.needed, ==, 304);
    g_assert_cmpuint(sup.npages, ==, 256);
    g_assert_cmpuint(sup.pages[255], ==, 0xFF);
}


/* ---- the checks every VPD decoder shares ---- */

static void
testVPDWrongPage(void)
{
    virSCSIVPDSupported sup;
    g_auto(virSCSIVPDSerial) serial = { 0 };
    g_auto(virSCSIVPDDeviceId) devid = { 0 };
    uint8_t vec[sizeof(vpdSupportedLio)];

    {
        g_autoptr(GError) err = NULL;
        memcpy(vec, vpdSupportedLio, sizeof(vec));
        vec[1] = 0x80;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDSupportedParse, vec, sizeof(vec),
                                   &sup, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
        g_assert_cmpuint(sup.npages, ==, 0);
        g_assert_cmpuint(sup.needed, ==, 0);
    }
    {
        /* Page 0x00 given to the serial number decoder */
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDSerialParse, vpdSupportedLio,
                                   sizeof(vpdSupportedLio), &serial, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
        g_assert_null(serial.serial);
    }
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDDeviceIdParse, vpdSupportedLio,
                                   sizeof(vpdSupportedLio), &devid, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
        g_assert_null(devid.designators);
        g_assert_cmpuint(devid.ndesignators, ==, 0);
    }
    {
        /* Standard INQUIRY data from a device that ignored EVPD. */
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDDeviceIdParse, inqLio,
                                   sizeof(inqLio), &devid, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
    }
}


static void
testVPDPeripheral(void)
{
    uint8_t vec[sizeof(vpdSupportedLio)];
    virSCSIVPDSupported sup;

    memcpy(vec, vpdSupportedLio, sizeof(vec));

    {
        /* PQ 3, PDT 0x1F: no LU behind this LUN */
        g_autoptr(GError) err = NULL;
        vec[0] = 0x7F;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDSupportedParse, vec, sizeof(vec),
                                   &sup, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_UNSUPPORTED);
        g_assert_cmpuint(sup.npages, ==, 0);
    }
    {
        /* PQ 1 (not connected now), PDT 0x0C: decoded and reported */
        g_autoptr(GError) err = NULL;
        vec[0] = 0x2C;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDSupportedParse, vec, sizeof(vec),
                                   &sup, &err), ==, 0);
        g_assert_cmpuint(sup.peripheralQualifier, ==, VIR_SCSI_PQ_NOT_CONNECTED);
        g_assert_cmpuint(sup.peripheralDeviceType, ==, VIR_SCSI_PDT_RAID);
        g_assert_cmpuint(sup.npages, ==, 8);
    }
}


/* ---- VPD 0x80 ---- */

/* LIO: the unit serial, then a NUL it counts in the page length. */
static const uint8_t vpdSerialLio[] = {
    0x00, 0x80,
    0x00, 0x25,                 /* 37: 36 characters and the NUL */
    'a', '1', 'b', '2', 'c', '3', 'd', '4', '-',
    'e', '5', 'f', '6', '-', '0', '7', '1', '8', '-',
    '2', '9', '3', 'a', '-',
    '4', 'b', '5', 'c', '6', 'd', '7', 'e', '8', 'f', '9', '0',
    0x00,
};

#define SERIAL_LIO "a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90"


static void
testVPDSerialLio(void)
{
    g_auto(virSCSIVPDSerial) serial = { 0 };
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(TEST_PARSE(virSCSIVPDSerialParse, vpdSerialLio,
                               sizeof(vpdSerialLio), &serial, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(serial.needed, ==, 41);
    g_assert_cmpstr(serial.serial, ==, SERIAL_LIO);
}


static void
testVPDSerialText(void)
{
    static const uint8_t rightAligned[] = {
        0x00, 0x80, 0x00, 0x0C,
        ' ', ' ', ' ', ' ', 'S', 'N', '0', '0', '1', '2', 'A', 'B',
    };
    static const uint8_t odd[] = {
        0x00, 0x80, 0x00, 0x06,
        ' ', 'S', '\t', 'N', 0x80, ' ',
    };
    static const uint8_t empty[] = { 0x00, 0x80, 0x00, 0x00 };
    static const uint8_t blank[] = { 0x00, 0x80, 0x00, 0x02, ' ', ' ' };

    {
        g_auto(virSCSIVPDSerial) serial = { 0 };
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDSerialParse, rightAligned,
                                   sizeof(rightAligned), &serial, &err), ==, 0);
        g_assert_cmpstr(serial.serial, ==, "SN0012AB");
    }
    {
        g_auto(virSCSIVPDSerial) serial = { 0 };
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDSerialParse, odd,
                                   sizeof(odd), &serial, &err), ==, 0);
        g_assert_cmpstr(serial.serial, ==, "S?N?");
    }
    {
        g_auto(virSCSIVPDSerial) serial = { 0 };
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDSerialParse, empty,
                                   sizeof(empty), &serial, &err), ==, 0);
        g_assert_cmpstr(serial.serial, ==, "");
    }
    {
        g_auto(virSCSIVPDSerial) serial = { 0 };
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDSerialParse, blank,
                                   sizeof(blank), &serial, &err), ==, 0);
        g_assert_cmpstr(serial.serial, ==, "");
    }
}


static void
testVPDSerialPrefixes(void)
{
    size_t n;

    for (n = 0; n <= sizeof(vpdSerialLio); n++) {
        g_auto(virSCSIVPDSerial) serial = { 0 };
        g_autoptr(GError) err = NULL;
        int rc = TEST_PARSE(virSCSIVPDSerialParse, vpdSerialLio, n,
                            &serial, &err);
        size_t expect;

        if (n < 4) {
            g_assert_cmpint(rc, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            g_assert_null(serial.serial);
            continue;
        }
        g_assert_cmpint(rc, ==, 0);
        g_assert_cmpuint(serial.needed, ==, 41);
        expect = MIN(n - 4, strlen(SERIAL_LIO));
        g_assert_cmpuint(strlen(serial.serial), ==, expect);
        g_assert_cmpint(strncmp(serial.serial, SERIAL_LIO, expect), ==, 0);
    }
}


static void
testVPDSerialLengths(void)
{
    uint8_t vec[sizeof(vpdSerialLio)];

    memcpy(vec, vpdSerialLio, sizeof(vec));

    {
        /* Oversized: 8 characters announced */
        g_auto(virSCSIVPDSerial) serial = { 0 };
        g_autoptr(GError) err = NULL;
        vec[3] = 8;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDSerialParse, vec, sizeof(vec),
                                   &serial, &err), ==, 0);
        g_assert_cmpuint(serial.needed, ==, 12);
        g_assert_cmpstr(serial.serial, ==, "a1b2c3d4");
    }
    {
        /* Lying: 65535 announced */
        g_auto(virSCSIVPDSerial) serial = { 0 };
        g_autoptr(GError) err = NULL;
        vec[2] = 0xFF;
        vec[3] = 0xFF;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDSerialParse, vec, sizeof(vec),
                                   &serial, &err), ==, 0);
        g_assert_cmpuint(serial.needed, ==, 65539);
        g_assert_cmpstr(serial.serial, ==, SERIAL_LIO);
    }
}


/* ---- VPD 0x83 ---- */

/*
 * LIO over iSCSI: the LU's NAA 6 (OUI 00-14-05 and the serial's hex
 * digits), the T10 vendor ID "LIO-ORG " + "IBLOCK:" + serial, then the
 * target port's relative port identifier, its target port group and its
 * SCSI name string.
 */
static const uint8_t vpdDevidLio[] = {
    0x00, 0x83,
    0x00, 0x94,                 /* PAGE LENGTH 148 */
    /* offset 4: NAA, binary, LU */
    0x01,                       /* protocol 0, CODE SET 1 (binary) */
    0x03,                       /* PIV=0, ASSOCIATION 0 (LU), TYPE 3 (NAA) */
    0x00,
    0x10,                       /* 16 bytes */
    0x60, 0x01, 0x40, 0x5a, 0x1b, 0x2c, 0x3d, 0x4e, /* NAA 6, OUI 001405 */
    0x5f, 0x60, 0x71, 0x82, 0x93, 0xa4, 0xb5, 0xc6,
    /* offset 24: T10 vendor ID, ASCII, LU */
    0x02, 0x01, 0x00,
    0x34,                       /* 52 bytes */
    0x4c, 0x49, 0x4f, 0x2d, 0x4f, 0x52, 0x47, 0x20, /* "LIO-ORG " */
    0x49, 0x42, 0x4c, 0x4f, 0x43, 0x4b, 0x3a, 0x61, /* "IBLOCK:a" */
    0x31, 0x62, 0x32, 0x63, 0x33, 0x64, 0x34, 0x2d, /* "1b2c3d4-" */
    0x65, 0x35, 0x66, 0x36, 0x2d, 0x30, 0x37, 0x31, /* "e5f6-071" */
    0x38, 0x2d, 0x32, 0x39, 0x33, 0x61, 0x2d, 0x34, /* "8-293a-4" */
    0x62, 0x35, 0x63, 0x36, 0x64, 0x37, 0x65, 0x38, /* "b5c6d7e8" */
    0x66, 0x39, 0x30, 0x00,                         /* "f90\0" */
    /* offset 80: relative target port 1 */
    0x51,                       /* protocol 5 (iSCSI), binary */
    0x94,                       /* PIV=1, ASSOCIATION 1 (port), TYPE 4 */
    0x00, 0x04,
    0x00, 0x00, 0x00, 0x01,
    /* offset 88: target port group 0 */
    0x51, 0x95, 0x00, 0x04,
    0x00, 0x00, 0x00, 0x00,
    /* offset 96: SCSI name string of the target port, UTF-8 */
    0x53,                       /* protocol 5, CODE SET 3 (UTF-8) */
    0x98,                       /* PIV=1, ASSOCIATION 1 (port), TYPE 8 */
    0x00,
    0x34,                       /* 52 bytes */
    0x69, 0x71, 0x6e, 0x2e, 0x32, 0x30, 0x30, 0x33, /* "iqn.2003" */
    0x2d, 0x30, 0x31, 0x2e, 0x6f, 0x72, 0x67, 0x2e, /* "-01.org." */
    0x6c, 0x69, 0x6e, 0x75, 0x78, 0x2d, 0x69, 0x73, /* "linux-is" */
    0x63, 0x73, 0x69, 0x2e, 0x61, 0x72, 0x72, 0x61, /* "csi.arra" */
    0x79, 0x3a, 0x73, 0x6e, 0x2e, 0x30, 0x31, 0x32, /* "y:sn.012" */
    0x33, 0x2c, 0x74, 0x2c, 0x30, 0x78, 0x30, 0x30, /* "3,t,0x00" */
    0x30, 0x31, 0x00, 0x00,                         /* "01\0\0" */
    /* offset 152: end of page */
};

G_STATIC_ASSERT(sizeof(vpdDevidLio) == 152);
G_STATIC_ASSERT(sizeof(inqLio) == 36);
G_STATIC_ASSERT(sizeof(vpdSerialLio) == 41);

/* Where each designator of vpdDevidLio ends. */
static const size_t vpdDevidLioEnds[] = { 24, 80, 88, 96, 152 };


static void
testVPDDevidLio(void)
{
    g_auto(virSCSIVPDDeviceId) devid = { 0 };
    g_autoptr(GError) err = NULL;
    const virSCSIVPDDesignator *d;
    const virSCSIVPDDesignator *best;
    char *text;

    g_assert_cmpint(TEST_PARSE(virSCSIVPDDeviceIdParse, vpdDevidLio,
                               sizeof(vpdDevidLio), &devid, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(devid.needed, ==, 152);
    g_assert_cmpuint(devid.ndesignators, ==, 5);

    d = &devid.designators[0];
    g_assert_cmpuint(d->codeSet, ==, VIR_SCSI_CODE_SET_BINARY);
    g_assert_cmpuint(d->association, ==, VIR_SCSI_ASSOC_LU);
    g_assert_cmpuint(d->designatorType, ==, VIR_SCSI_DESIG_NAA);
    g_assert_false(d->piv);
    g_assert_cmpuint(d->length, ==, 16);
    g_assert_true(d->valid);
    text = virSCSIVPDDesignatorFormat(d);
    g_assert_cmpstr(text, ==, "naa.6001405a1b2c3d4e5f60718293a4b5c6");
    g_free(text);

    d = &devid.designators[1];
    g_assert_cmpuint(d->codeSet, ==, VIR_SCSI_CODE_SET_ASCII);
    g_assert_cmpuint(d->designatorType, ==, VIR_SCSI_DESIG_T10_VENDOR_ID);
    g_assert_cmpuint(d->length, ==, 52);
    g_assert_true(d->valid);
    text = virSCSIVPDDesignatorFormat(d);
    g_assert_cmpstr(text, ==, "t10.LIO-ORG IBLOCK:" SERIAL_LIO);
    g_free(text);

    d = &devid.designators[2];
    g_assert_cmpuint(d->protocolIdentifier, ==, 5);
    g_assert_true(d->piv);
    g_assert_cmpuint(d->association, ==, VIR_SCSI_ASSOC_TARGET_PORT);
    g_assert_cmpuint(d->designatorType, ==, VIR_SCSI_DESIG_RELATIVE_TARGET_PORT);
    g_assert_true(d->valid);
    text = virSCSIVPDDesignatorFormat(d);
    g_assert_cmpstr(text, ==, "0x00000001");
    g_free(text);

    d = &devid.designators[3];
    g_assert_cmpuint(d->designatorType, ==, VIR_SCSI_DESIG_TARGET_PORT_GROUP);

    d = &devid.designators[4];
    g_assert_cmpuint(d->codeSet, ==, VIR_SCSI_CODE_SET_UTF8);
    g_assert_cmpuint(d->association, ==, VIR_SCSI_ASSOC_TARGET_PORT);
    g_assert_cmpuint(d->designatorType, ==, VIR_SCSI_DESIG_SCSI_NAME);
    g_assert_true(d->valid);
    text = virSCSIVPDDesignatorFormat(d);
    g_assert_cmpstr(text, ==, "iqn.2003-01.org.linux-iscsi.array:sn.0123,t,0x0001");
    g_free(text);

    best = virSCSIVPDDeviceIdBestDesignator(&devid);
    g_assert_true(best == &devid.designators[0]);
}


static void
testVPDDevidPrefixes(void)
{
    size_t n;

    for (n = 0; n <= sizeof(vpdDevidLio); n++) {
        g_auto(virSCSIVPDDeviceId) devid = { 0 };
        g_autoptr(GError) err = NULL;
        int rc = TEST_PARSE(virSCSIVPDDeviceIdParse, vpdDevidLio, n,
                            &devid, &err);
        size_t expect = 0;
        size_t i;

        if (n < 4) {
            g_assert_cmpint(rc, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            continue;
        }
        g_assert_cmpint(rc, ==, 0);
        g_assert_cmpuint(devid.needed, ==, 152);

        for (i = 0; i < G_N_ELEMENTS(vpdDevidLioEnds); i++) {
            if (vpdDevidLioEnds[i] <= n)
                expect++;
        }
        g_assert_cmpuint(devid.ndesignators, ==, expect);
        if (expect > 0) {
            g_assert_cmpuint(devid.designators[0].length, ==, 16);
            g_assert_true(virSCSIVPDDeviceIdBestDesignator(&devid) ==
                          &devid.designators[0]);
        } else {
            g_assert_null(devid.designators);
            g_assert_null(virSCSIVPDDeviceIdBestDesignator(&devid));
        }
    }
}


static void
testVPDDevidLengths(void)
{
    uint8_t vec[sizeof(vpdDevidLio)];

    memcpy(vec, vpdDevidLio, sizeof(vec));

    {
        /* Oversized: the page ends after the NAA designator. */
        g_auto(virSCSIVPDDeviceId) devid = { 0 };
        g_autoptr(GError) err = NULL;
        vec[3] = 20;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDDeviceIdParse, vec, sizeof(vec),
                                   &devid, &err), ==, 0);
        g_assert_cmpuint(devid.needed, ==, 24);
        g_assert_cmpuint(devid.ndesignators, ==, 1);
    }
    {
        /* Oversized, the page ending in the middle of the T10 designator:
         * it overruns the page, the walk ends. */
        g_auto(virSCSIVPDDeviceId) devid = { 0 };
        g_autoptr(GError) err = NULL;
        vec[3] = 40;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDDeviceIdParse, vec, sizeof(vec),
                                   &devid, &err), ==, 0);
        g_assert_cmpuint(devid.ndesignators, ==, 1);
    }
    {
        /* Lying: 0x1000 claimed, 148 returned */
        g_auto(virSCSIVPDDeviceId) devid = { 0 };
        g_autoptr(GError) err = NULL;
        vec[2] = 0x10;
        vec[3] = 0x00;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDDeviceIdParse, vec, sizeof(vec),
                                   &devid, &err), ==, 0);
        g_assert_cmpuint(devid.needed, ==, 0x1004);
        g_assert_cmpuint(devid.ndesignators, ==, 5);
    }
    {
        /* A designator claiming more than the page: the walk ends there,
         * the designators before it are kept. */
        g_auto(virSCSIVPDDeviceId) devid = { 0 };
        g_autoptr(GError) err = NULL;
        vec[2] = 0x00;
        vec[3] = 0x94;
        vec[80 + 3] = 0xF0;
        g_assert_cmpint(TEST_PARSE(virSCSIVPDDeviceIdParse, vec, sizeof(vec),
                                   &devid, &err), ==, 0);
        g_assert_cmpuint(devid.needed, ==, 152);
        g_assert_cmpuint(devid.ndesignators, ==, 2);
    }
}


/*
 * The choice of designator for EXTENDED COPY, one preference at a time:
 * each step disqualifies the current best, the next one must win.
 */
static void
testVPDDevidBest(void)
{
    uint8_t vec[] = {
        0x00, 0x83, 0x00, 0x64,         /* PAGE LENGTH 100 */
        /* 4: T10 vendor ID, 16 bytes, LU */
        0x02, 0x01, 0x00, 0x10,
        'V', 'E', 'N', 'D', 'O', 'R', '0', '1',
        '1', '2', '3', '4', '5', '6', '7', '8',
        /* 24: EUI-64, 8 bytes, LU */
        0x01, 0x02, 0x00, 0x08,
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
        /* 36: EUI-64, 16 bytes, LU */
        0x01, 0x02, 0x00, 0x10,
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
        0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
        /* 56: SCSI name string, 8 bytes, LU */
        0x03, 0x08, 0x00, 0x08,
        'i', 'q', 'n', '.', 'x', 0x00, 0x00, 0x00,
        /* 68: NAA 3 (locally assigned), LU */
        0x01, 0x03, 0x00, 0x08,
        0x3a, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11,
        /* 80: NAA 5, target port: never names the LU */
        0x01, 0x13, 0x00, 0x08,
        0x50, 0x01, 0x40, 0x50, 0x00, 0x00, 0x00, 0x01,
        /* 92: NAA 5, LU */
        0x01, 0x03, 0x00, 0x08,
        0x50, 0x01, 0x40, 0x50, 0x12, 0x34, 0x56, 0x78,
        /* 104: end */
    };
    static const struct {
        size_t disqualify;      /* byte 1 of this designator gets... */
        uint8_t byte1;          /* ...this value */
        size_t expect;          /* then the best is at this offset */
        const char *text;
    } steps[] = {
        { 0, 0, 92, "naa.5001405012345678" },
        { 92, 0x13, 68, "naa.3abbccddeeff0011" },
        { 68, 0x00, 56, "iqn.x" },
        { 56, 0x18, 36, "eui.00112233445566778899aabbccddeeff" },
        { 36, 0x12, 24, "eui.0011223344556677" },
        { 24, 0x22, 4, "t10.VENDOR0112345678" },
        { 4, 0x11, 0, NULL },
    };
    size_t i;

    G_STATIC_ASSERT(sizeof(vec) == 104);

    for (i = 0; i < G_N_ELEMENTS(steps); i++) {
        g_auto(virSCSIVPDDeviceId) devid = { 0 };
        g_autoptr(GError) err = NULL;
        const virSCSIVPDDesignator *best;
        size_t j;

        if (steps[i].disqualify)
            vec[steps[i].disqualify + 1] = steps[i].byte1;

        g_assert_cmpint(TEST_PARSE(virSCSIVPDDeviceIdParse, vec, sizeof(vec),
                                   &devid, &err), ==, 0);
        g_assert_cmpuint(devid.ndesignators, ==, 7);
        for (j = 0; j < devid.ndesignators; j++)
            g_assert_true(devid.designators[j].valid);

        best = virSCSIVPDDeviceIdBestDesignator(&devid);
        if (steps[i].text) {
            g_autofree char *text = NULL;

            g_assert_nonnull(best);
            text = virSCSIVPDDesignatorFormat(best);
            g_assert_cmpstr(text, ==, steps[i].text);
            /* and it is the one at the expected offset */
            g_assert_cmpmem(best->designator, best->length,
                            vec + steps[i].expect + 4, vec[steps[i].expect + 3]);
        } else {
            g_assert_null(best);
        }
    }
}


/*
 * LIO without its NAA (say, a backstore with no unit serial): the T10
 * vendor ID and the SCSI name strings are longer than the 20 bytes an
 * XCOPY CSCD descriptor holds, so nothing can name the LUN.
 */
static void
testVPDDevidTooLong(void)
{
    uint8_t vec[sizeof(vpdDevidLio)];
    g_auto(virSCSIVPDDeviceId) devid = { 0 };
    g_autoptr(GError) err = NULL;

    memcpy(vec, vpdDevidLio, sizeof(vec));
    vec[4 + 1] = 0x13;          /* the NAA now names the target port */
    vec[96 + 1] = 0x08;         /* the SCSI name string now names the LU */
    g_assert_cmpint(TEST_PARSE(virSCSIVPDDeviceIdParse, vec, sizeof(vec),
                               &devid, &err), ==, 0);
    g_assert_cmpuint(devid.ndesignators, ==, 5);
    g_assert_true(devid.designators[1].valid);
    g_assert_true(devid.designators[4].valid);
    g_assert_null(virSCSIVPDDeviceIdBestDesignator(&devid));
}


/* Two equally good designators: the first in the page wins. */
static void
testVPDDevidTie(void)
{
    static const uint8_t vec[] = {
        0x00, 0x83, 0x00, 0x28,
        0x01, 0x03, 0x00, 0x10,
        0x60, 0x01, 0x40, 0x5a, 0x1b, 0x2c, 0x3d, 0x4e,
        0x5f, 0x60, 0x71, 0x82, 0x93, 0xa4, 0xb5, 0xc6,
        0x01, 0x03, 0x00, 0x10,
        0x60, 0x01, 0x40, 0x5f, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    };
    g_auto(virSCSIVPDDeviceId) devid = { 0 };
    g_autoptr(GError) err = NULL;

    G_STATIC_ASSERT(sizeof(vec) == 44);
    g_assert_cmpint(TEST_PARSE(virSCSIVPDDeviceIdParse, vec, sizeof(vec),
                               &devid, &err), ==, 0);
    g_assert_cmpuint(devid.ndesignators, ==, 2);
    g_assert_true(virSCSIVPDDeviceIdBestDesignator(&devid) ==
                  &devid.designators[0]);
}


/* Designators contradicting their own type are never chosen. */
static void
testVPDDevidInvalid(void)
{
    static const uint8_t vec[] = {
        0x00, 0x83, 0x00, 0x6C,         /* PAGE LENGTH 108 */
        /* 4: NAA 6 in 8 bytes (must be 16) */
        0x01, 0x03, 0x00, 0x08,
        0x60, 0x01, 0x40, 0x5a, 0x1b, 0x2c, 0x3d, 0x4e,
        /* 16: NAA 5 in 16 bytes (must be 8) */
        0x01, 0x03, 0x00, 0x10,
        0x50, 0x01, 0x40, 0x50, 0x12, 0x34, 0x56, 0x78,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        /* 36: reserved NAA 1 */
        0x01, 0x03, 0x00, 0x08,
        0x10, 0x01, 0x40, 0x50, 0x12, 0x34, 0x56, 0x78,
        /* 48: NAA 6, right length, but ASCII */
        0x02, 0x03, 0x00, 0x10,
        0x60, 0x01, 0x40, 0x5a, 0x1b, 0x2c, 0x3d, 0x4e,
        0x5f, 0x60, 0x71, 0x82, 0x93, 0xa4, 0xb5, 0xc6,
        /* 68: empty NAA */
        0x01, 0x03, 0x00, 0x00,
        /* 72: EUI-64 in 10 bytes */
        0x01, 0x02, 0x00, 0x0A,
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
        /* 86: SCSI name string not NUL terminated */
        0x03, 0x08, 0x00, 0x04,
        'i', 'q', 'n', '.',
        /* 94: T10 vendor ID shorter than its vendor field */
        0x02, 0x01, 0x00, 0x04,
        'L', 'I', 'O', '-',
        /* 102: NAA 2 (IEEE extended), 8 bytes: the only usable one */
        0x01, 0x03, 0x00, 0x08,
        0x20, 0x00, 0x00, 0x14, 0x05, 0x00, 0x00, 0x01,
        /* 114: end */
    };
    G_STATIC_ASSERT(sizeof(vec) == 114);
    g_auto(virSCSIVPDDeviceId) devid = { 0 };
    g_autoptr(GError) err = NULL;
    const virSCSIVPDDesignator *best;
    g_autofree char *text = NULL;
    size_t i;

    g_assert_cmpint(TEST_PARSE(virSCSIVPDDeviceIdParse, vec, sizeof(vec),
                               &devid, &err), ==, 0);
    g_assert_cmpuint(devid.needed, ==, 112);
    /* page length 108 ends the page at 112, in the middle of the last one */
    g_assert_cmpuint(devid.ndesignators, ==, 8);
    for (i = 0; i < devid.ndesignators; i++)
        g_assert_false(devid.designators[i].valid);
    g_assert_null(virSCSIVPDDeviceIdBestDesignator(&devid));

    {
        g_auto(virSCSIVPDDeviceId) whole = { 0 };
        uint8_t fixed[sizeof(vec)];

        memcpy(fixed, vec, sizeof(fixed));
        fixed[3] = 0x6E;                /* 110: the whole NAA 2 */
        g_assert_cmpint(TEST_PARSE(virSCSIVPDDeviceIdParse, fixed,
                                   sizeof(fixed), &whole, &err), ==, 0);
        g_assert_cmpuint(whole.ndesignators, ==, 9);
        g_assert_true(whole.designators[8].valid);
        best = virSCSIVPDDeviceIdBestDesignator(&whole);
        g_assert_true(best == &whole.designators[8]);
        text = virSCSIVPDDesignatorFormat(best);
        g_assert_cmpstr(text, ==, "naa.2000001405000001");
    }
}


static void
testVPDDesignatorFormatOther(void)
{
    virSCSIVPDDesignator d = { 0 };
    g_autofree char *empty = NULL;
    g_autofree char *ascii = NULL;
    g_autofree char *name = NULL;

    d.codeSet = VIR_SCSI_CODE_SET_BINARY;
    d.designatorType = VIR_SCSI_DESIG_VENDOR_SPECIFIC;
    empty = virSCSIVPDDesignatorFormat(&d);
    g_assert_cmpstr(empty, ==, "0x");

    d.codeSet = VIR_SCSI_CODE_SET_ASCII;
    d.length = 5;
    memcpy(d.designator, "ab\x01  ", 5);
    ascii = virSCSIVPDDesignatorFormat(&d);
    g_assert_cmpstr(ascii, ==, "ab?");

    /* A SCSI name string without a NUL stops at its length. */
    d.codeSet = VIR_SCSI_CODE_SET_UTF8;
    d.designatorType = VIR_SCSI_DESIG_SCSI_NAME;
    d.length = 4;
    memcpy(d.designator, "eui.", 4);
    name = virSCSIVPDDesignatorFormat(&d);
    g_assert_cmpstr(name, ==, "eui.");
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/inquiry/std/lio", testInquiryLio);
    g_test_add_func("/inquiry/std/bits", testInquiryBits);
    g_test_add_func("/inquiry/std/prefixes", testInquiryPrefixes);
    g_test_add_func("/inquiry/std/lengths", testInquiryLengths);
    g_test_add_func("/inquiry/std/strings", testInquiryStrings);
    g_test_add_func("/inquiry/vpd/wrong-page", testVPDWrongPage);
    g_test_add_func("/inquiry/vpd/peripheral", testVPDPeripheral);
    g_test_add_func("/inquiry/supported/lio", testVPDSupportedLio);
    g_test_add_func("/inquiry/supported/prefixes", testVPDSupportedPrefixes);
    g_test_add_func("/inquiry/supported/lengths", testVPDSupportedLengths);
    g_test_add_func("/inquiry/serial/lio", testVPDSerialLio);
    g_test_add_func("/inquiry/serial/text", testVPDSerialText);
    g_test_add_func("/inquiry/serial/prefixes", testVPDSerialPrefixes);
    g_test_add_func("/inquiry/serial/lengths", testVPDSerialLengths);
    g_test_add_func("/inquiry/devid/lio", testVPDDevidLio);
    g_test_add_func("/inquiry/devid/prefixes", testVPDDevidPrefixes);
    g_test_add_func("/inquiry/devid/lengths", testVPDDevidLengths);
    g_test_add_func("/inquiry/devid/best", testVPDDevidBest);
    g_test_add_func("/inquiry/devid/too-long", testVPDDevidTooLong);
    g_test_add_func("/inquiry/devid/tie", testVPDDevidTie);
    g_test_add_func("/inquiry/devid/invalid", testVPDDevidInvalid);
    g_test_add_func("/inquiry/devid/format-other", testVPDDesignatorFormatOther);

    return g_test_run();
}
