/*
 * test-sense.c: sense data decoding against vectors worked out from
 * SPC-4 4.5, and sense as LIO returns it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "virscsisense.h"
#include "virscsierror.h"

/*
 * Parse @len bytes of @vec from an exact-size heap copy: any read past
 * @len lands outside the block, where ASan and valgrind see it.
 */
static int
testParse(const uint8_t *vec,
          size_t len,
          virSCSISense *s,
          GError **error)
{
    g_autofree uint8_t *buf = g_malloc(len);
    int ret;

    if (len)
        memcpy(buf, vec, len);
    ret = virSCSISenseParse(buf, len, s, error);
    return ret;
}


static void
testDescribe(const virSCSISense *s,
             const char *expect)
{
    g_autofree char *text = virSCSISenseDescribe(s);

    g_assert_cmpstr(text, ==, expect);
}


/* COMPARE AND WRITE miscompare as LIO reports it: fixed format, VALID=1. */
static const uint8_t senseFixedMiscompare[] = {
    0xF0,                       /* VALID=1, response code 0x70 */
    0x00,                       /* obsolete */
    0x0E,                       /* sense key MISCOMPARE */
    0x00, 0x00, 0x00, 0x1F,     /* INFORMATION: first differing byte is 31 */
    0x0A,                       /* ADDITIONAL SENSE LENGTH: 18 bytes in all */
    0x00, 0x00, 0x00, 0x00,     /* COMMAND-SPECIFIC INFORMATION */
    0x1D, 0x00,                 /* MISCOMPARE DURING VERIFY OPERATION */
    0x00,                       /* FIELD REPLACEABLE UNIT CODE */
    0x00, 0x00, 0x00,           /* SENSE KEY SPECIFIC, SKSV=0 */
};

/* The same miscompare in descriptor format (sense_format=1 targets). */
static const uint8_t senseDescMiscompare[] = {
    0x72,                       /* response code 0x72: current, descriptor */
    0x0E,                       /* sense key MISCOMPARE */
    0x1D, 0x00,                 /* MISCOMPARE DURING VERIFY OPERATION */
    0x00, 0x00, 0x00,           /* reserved */
    0x0C,                       /* ADDITIONAL SENSE LENGTH: one 12-byte desc */
    /* information descriptor */
    0x00, 0x0A,                 /* type 0x00, additional length 10 */
    0x80, 0x00,                 /* VALID=1, reserved */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F, /* INFORMATION */
};


static void
testSenseFixedMiscompare(void)
{
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParse(senseFixedMiscompare,
                              sizeof(senseFixedMiscompare), &s, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(s.responseCode, ==, 0x70);
    g_assert_false(s.descriptorFormat);
    g_assert_false(s.deferred);
    g_assert_cmpuint(s.needed, ==, 18);
    g_assert_cmpuint(s.senseKey, ==, VIR_SCSI_SENSE_KEY_MISCOMPARE);
    g_assert_true(s.hasAsc);
    g_assert_cmpuint(s.asc, ==, 0x1D);
    g_assert_cmpuint(s.ascq, ==, 0x00);
    g_assert_cmpuint(virSCSISenseAscq(&s), ==,
                     VIR_SCSI_ASC_MISCOMPARE_DURING_VERIFY);
    g_assert_true(s.hasInformation);
    g_assert_cmpuint(s.information, ==, 0x1F);
    g_assert_true(s.hasCommandSpecific);
    g_assert_cmpuint(s.commandSpecific, ==, 0);
    g_assert_true(s.hasSenseKeySpecific);
    g_assert_false(s.sks.sksv);
    g_assert_cmpint(s.sks.type, ==, VIR_SCSI_SENSE_SKS_NONE);
    g_assert_true(s.hasStreamFlags);
    g_assert_false(s.filemark || s.eom || s.ili);
    testDescribe(&s, "MISCOMPARE, MISCOMPARE DURING VERIFY OPERATION "
                     "(asc 0x1d, ascq 0x00), information 0x1f");
}


static void
testSenseDescMiscompare(void)
{
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParse(senseDescMiscompare,
                              sizeof(senseDescMiscompare), &s, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(s.responseCode, ==, 0x72);
    g_assert_true(s.descriptorFormat);
    g_assert_false(s.deferred);
    g_assert_cmpuint(s.needed, ==, 20);
    g_assert_cmpuint(s.senseKey, ==, VIR_SCSI_SENSE_KEY_MISCOMPARE);
    g_assert_true(s.hasAsc);
    g_assert_cmpuint(virSCSISenseAscq(&s), ==,
                     VIR_SCSI_ASC_MISCOMPARE_DURING_VERIFY);
    g_assert_true(s.hasInformation);
    g_assert_cmpuint(s.information, ==, 0x1F);
    g_assert_false(s.hasCommandSpecific);
    g_assert_false(s.hasSenseKeySpecific);
    g_assert_false(s.hasStreamFlags);
    testDescribe(&s, "MISCOMPARE, MISCOMPARE DURING VERIFY OPERATION "
                     "(asc 0x1d, ascq 0x00), information 0x1f");
}


/* VALID=0: the INFORMATION bytes are there but mean nothing. */
static void
testSenseFixedInformationNotValid(void)
{
    uint8_t vec[sizeof(senseFixedMiscompare)];
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    memcpy(vec, senseFixedMiscompare, sizeof(vec));
    vec[0] = 0x70;
    g_assert_cmpint(testParse(vec, sizeof(vec), &s, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_false(s.hasInformation);
    g_assert_cmpuint(s.information, ==, 0);
    testDescribe(&s, "MISCOMPARE, MISCOMPARE DURING VERIFY OPERATION "
                     "(asc 0x1d, ascq 0x00)");
}


/* An information descriptor with VALID=0 is ignored too. */
static void
testSenseDescInformationNotValid(void)
{
    uint8_t vec[sizeof(senseDescMiscompare)];
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    memcpy(vec, senseDescMiscompare, sizeof(vec));
    vec[10] = 0x00;
    g_assert_cmpint(testParse(vec, sizeof(vec), &s, &err), ==, 0);
    g_assert_false(s.hasInformation);
}


/* An unsupported XCOPY field: ILLEGAL REQUEST with a CDB field pointer. */
static void
testSenseFixedFieldPointer(void)
{
    static const uint8_t vec[] = {
        0x70, 0x00,
        0x05,                   /* ILLEGAL REQUEST */
        0x00, 0x00, 0x00, 0x00,
        0x0A,
        0x00, 0x00, 0x00, 0x00,
        0x24, 0x00,             /* INVALID FIELD IN CDB */
        0x00,
        0xCB,                   /* SKSV=1, C/D=1 (CDB), BPV=1, bit 3 */
        0x00, 0x02,             /* FIELD POINTER: byte 2 */
    };
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParse(vec, sizeof(vec), &s, &err), ==, 0);
    g_assert_cmpuint(s.senseKey, ==, VIR_SCSI_SENSE_KEY_ILLEGAL_REQUEST);
    g_assert_cmpuint(virSCSISenseAscq(&s), ==, VIR_SCSI_ASC_INVALID_FIELD_IN_CDB);
    g_assert_false(s.hasInformation);
    g_assert_true(s.hasSenseKeySpecific);
    g_assert_true(s.sks.sksv);
    g_assert_cmpint(s.sks.type, ==, VIR_SCSI_SENSE_SKS_FIELD_POINTER);
    g_assert_true(s.sks.commandData);
    g_assert_true(s.sks.bitPointerValid);
    g_assert_cmpuint(s.sks.bitPointer, ==, 3);
    g_assert_cmpuint(s.sks.fieldPointer, ==, 2);
    g_assert_cmpuint(s.sks.raw[0], ==, 0xCB);
    g_assert_cmpuint(s.sks.raw[2], ==, 0x02);
    testDescribe(&s, "ILLEGAL REQUEST, INVALID FIELD IN CDB "
                     "(asc 0x24, ascq 0x00), field: CDB byte 2 bit 3");
}


/* A bad parameter list field, reported through a descriptor. */
static void
testSenseDescFieldPointer(void)
{
    static const uint8_t vec[] = {
        0x72,
        0x05,                   /* ILLEGAL REQUEST */
        0x26, 0x00,             /* INVALID FIELD IN PARAMETER LIST */
        0x00, 0x00, 0x00,
        0x08,
        /* sense key specific descriptor */
        0x02, 0x06, 0x00, 0x00,
        0x80,                   /* SKSV=1, C/D=0 (parameter list), BPV=0 */
        0x00, 0x11,             /* FIELD POINTER: byte 17 */
        0x00,
    };
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParse(vec, sizeof(vec), &s, &err), ==, 0);
    g_assert_true(s.hasSenseKeySpecific);
    g_assert_true(s.sks.sksv);
    g_assert_cmpint(s.sks.type, ==, VIR_SCSI_SENSE_SKS_FIELD_POINTER);
    g_assert_false(s.sks.commandData);
    g_assert_false(s.sks.bitPointerValid);
    g_assert_cmpuint(s.sks.fieldPointer, ==, 17);
    testDescribe(&s, "ILLEGAL REQUEST, INVALID FIELD IN PARAMETER LIST "
                     "(asc 0x26, ascq 0x00), field: parameter list byte 17");
}


/* Deferred, NOT READY with a progress indication of 0x4000/65536. */
static void
testSenseFixedProgressDeferred(void)
{
    static const uint8_t vec[] = {
        0x71,                   /* VALID=0, deferred fixed */
        0x00,
        0x02,                   /* NOT READY */
        0x00, 0x00, 0x00, 0x00,
        0x0A,
        0x00, 0x00, 0x00, 0x00,
        0x04, 0x04,             /* LOGICAL UNIT NOT READY, FORMAT IN PROGRESS */
        0x00,
        0x80, 0x40, 0x00,       /* SKSV=1, PROGRESS INDICATION 0x4000 */
    };
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParse(vec, sizeof(vec), &s, &err), ==, 0);
    g_assert_true(s.deferred);
    g_assert_false(s.descriptorFormat);
    g_assert_cmpuint(s.senseKey, ==, VIR_SCSI_SENSE_KEY_NOT_READY);
    g_assert_cmpint(s.sks.type, ==, VIR_SCSI_SENSE_SKS_PROGRESS);
    g_assert_cmpuint(s.sks.progress, ==, 0x4000);
    testDescribe(&s, "deferred error: NOT READY, LOGICAL UNIT NOT READY, "
                     "FORMAT IN PROGRESS (asc 0x04, ascq 0x04), 25% done");
}


/* The copy manager cannot reach the other LUN: the fall-back case. */
static void
testSenseDescCopyAborted(void)
{
    static const uint8_t vec[] = {
        0x73,                   /* deferred, descriptor */
        0x0A,                   /* COPY ABORTED */
        0x0D, 0x02,             /* COPY TARGET DEVICE NOT REACHABLE */
        0x00, 0x00, 0x00,
        0x14,                   /* 20: two descriptors */
        /* command-specific information descriptor */
        0x01, 0x0A, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
        /* sense key specific descriptor: segment pointer */
        0x02, 0x06, 0x00, 0x00,
        0xA0,                   /* SKSV=1, SD=1, BPV=0 */
        0x00, 0x10,             /* FIELD POINTER: byte 16 */
        0x00,
    };
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParse(vec, sizeof(vec), &s, &err), ==, 0);
    g_assert_true(s.deferred);
    g_assert_true(s.descriptorFormat);
    g_assert_cmpuint(s.senseKey, ==, VIR_SCSI_SENSE_KEY_COPY_ABORTED);
    g_assert_cmpuint(virSCSISenseAscq(&s), ==,
                     VIR_SCSI_ASC_COPY_TARGET_NOT_REACHABLE);
    g_assert_true(s.hasCommandSpecific);
    g_assert_cmpuint(s.commandSpecific, ==, 2);
    g_assert_cmpint(s.sks.type, ==, VIR_SCSI_SENSE_SKS_SEGMENT_POINTER);
    g_assert_true(s.sks.segmentDescriptor);
    g_assert_cmpuint(s.sks.fieldPointer, ==, 16);
    testDescribe(&s, "deferred error: COPY ABORTED, COPY TARGET DEVICE NOT "
                     "REACHABLE (asc 0x0d, ascq 0x02), segment descriptor at "
                     "parameter list byte 16");
}


static void
testSenseSksOtherKeys(void)
{
    uint8_t vec[] = {
        0x70, 0x00, 0x01,       /* RECOVERED ERROR */
        0x00, 0x00, 0x00, 0x00, 0x0A,
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00,
        0x80, 0x00, 0x05,       /* ACTUAL RETRY COUNT 5 */
    };
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParse(vec, sizeof(vec), &s, &err), ==, 0);
    g_assert_cmpint(s.sks.type, ==, VIR_SCSI_SENSE_SKS_RETRY_COUNT);
    g_assert_cmpuint(s.sks.retryCount, ==, 5);
    testDescribe(&s, "RECOVERED ERROR, NO ADDITIONAL SENSE INFORMATION "
                     "(asc 0x00, ascq 0x00), 5 retries");

    /* UNIT ATTENTION, 29/00, queue overflow bit */
    vec[2] = 0x06;
    vec[12] = 0x29;
    vec[15] = 0x81;
    vec[17] = 0x00;
    g_assert_cmpint(testParse(vec, sizeof(vec), &s, &err), ==, 0);
    g_assert_cmpint(s.sks.type, ==, VIR_SCSI_SENSE_SKS_UA_OVERFLOW);
    g_assert_true(s.sks.overflow);

    /* DATA PROTECT has no SKS format */
    vec[2] = 0x07;
    g_assert_cmpint(testParse(vec, sizeof(vec), &s, &err), ==, 0);
    g_assert_cmpint(s.sks.type, ==, VIR_SCSI_SENSE_SKS_OTHER);

    /* SKSV=0: nothing decoded whatever the key */
    vec[2] = 0x05;
    vec[15] = 0x4B;
    vec[17] = 0x09;
    g_assert_cmpint(testParse(vec, sizeof(vec), &s, &err), ==, 0);
    g_assert_true(s.hasSenseKeySpecific);
    g_assert_false(s.sks.sksv);
    g_assert_cmpint(s.sks.type, ==, VIR_SCSI_SENSE_SKS_NONE);
    g_assert_cmpuint(s.sks.fieldPointer, ==, 0);
    g_assert_cmpuint(s.sks.raw[0], ==, 0x4B);
}


static void
testSenseStreamFlags(void)
{
    static const uint8_t fixed[] = {
        0x70, 0x00,
        0xE3,                   /* FILEMARK, EOM, ILI, MEDIUM ERROR */
        0x00, 0x00, 0x00, 0x00, 0x00,
    };
    static const uint8_t desc[] = {
        0x72, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,
        0x04, 0x02, 0x00, 0xA0, /* stream commands: FILEMARK, ILI */
        0x05, 0x02, 0x00, 0x00, /* block commands: ignored, 0x04 came first */
    };
    static const uint8_t block[] = {
        0x72, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
        0x05, 0x02, 0x00, 0x20, /* block commands: ILI */
    };
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParse(fixed, sizeof(fixed), &s, &err), ==, 0);
    g_assert_cmpuint(s.senseKey, ==, VIR_SCSI_SENSE_KEY_MEDIUM_ERROR);
    g_assert_true(s.hasStreamFlags);
    g_assert_true(s.filemark && s.eom && s.ili);
    g_assert_false(s.hasAsc);
    g_assert_cmpuint(s.needed, ==, 8);
    testDescribe(&s, "MEDIUM ERROR");

    g_assert_cmpint(testParse(desc, sizeof(desc), &s, &err), ==, 0);
    g_assert_true(s.hasStreamFlags);
    g_assert_true(s.filemark);
    g_assert_false(s.eom);
    g_assert_true(s.ili);

    g_assert_cmpint(testParse(block, sizeof(block), &s, &err), ==, 0);
    g_assert_true(s.hasStreamFlags);
    g_assert_false(s.filemark);
    g_assert_true(s.ili);
}


static void
testSenseUnknownAsc(void)
{
    static const uint8_t vec[] = {
        0x70, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x06,
        0x00, 0x00, 0x00, 0x00,
        0x99, 0x42,             /* not in our table */
    };
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParse(vec, sizeof(vec), &s, &err), ==, 0);
    g_assert_true(s.hasAsc);
    g_assert_false(s.hasSenseKeySpecific);
    g_assert_null(virSCSISenseAscqText(0x99, 0x42));
    testDescribe(&s, "ILLEGAL REQUEST (asc 0x99, ascq 0x42)");
}


/* A length field larger than the data: decode what is there. */
static void
testSenseLying(void)
{
    uint8_t fixed[sizeof(senseFixedMiscompare)];
    uint8_t desc[sizeof(senseDescMiscompare)];
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    memcpy(fixed, senseFixedMiscompare, sizeof(fixed));
    fixed[7] = 0xF4;
    g_assert_cmpint(testParse(fixed, sizeof(fixed), &s, &err), ==, 0);
    g_assert_cmpuint(s.needed, ==, 252);
    g_assert_true(s.hasInformation);
    g_assert_cmpuint(s.information, ==, 0x1F);
    g_assert_true(s.hasAsc);
    g_assert_true(s.hasSenseKeySpecific);

    /* The information descriptor is whole, a second one would overrun. */
    memcpy(desc, senseDescMiscompare, sizeof(desc));
    desc[7] = 0xFF;
    g_assert_cmpint(testParse(desc, sizeof(desc), &s, &err), ==, 0);
    g_assert_cmpuint(s.needed, ==, 263);
    g_assert_true(s.hasInformation);
    g_assert_cmpuint(s.information, ==, 0x1F);

    /* The descriptor itself claims more than there is: not decoded. */
    desc[7] = 0x0C;
    desc[9] = 0x0C;
    g_assert_cmpint(testParse(desc, sizeof(desc), &s, &err), ==, 0);
    g_assert_cmpuint(s.needed, ==, 20);
    g_assert_false(s.hasInformation);
    g_assert_cmpuint(s.senseKey, ==, VIR_SCSI_SENSE_KEY_MISCOMPARE);

    /* Same, with the ADDITIONAL SENSE LENGTH lying as well. */
    desc[7] = 0xFF;
    desc[9] = 0xF0;
    g_assert_cmpint(testParse(desc, sizeof(desc), &s, &err), ==, 0);
    g_assert_false(s.hasInformation);
}


/* Bytes past ADDITIONAL SENSE LENGTH are stale buffer, not sense. */
static void
testSenseOversized(void)
{
    static const uint8_t fixed[] = {
        0xF0, 0x00, 0x05, 0x00, 0x00, 0x00, 0x07,
        0x06,                   /* only through ASCQ */
        0x00, 0x00, 0x00, 0x00,
        0x24, 0x00,
        0xEE,                   /* stale from here on */
        0xC0, 0x00, 0x01,
        0xDE, 0xAD, 0xBE, 0xEF,
    };
    static const uint8_t desc[] = {
        0x72, 0x0E, 0x1D, 0x00, 0x00, 0x00, 0x00,
        0x00,                   /* no descriptors */
        0x00, 0x0A, 0x80, 0x00, /* stale information descriptor */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F,
    };
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParse(fixed, sizeof(fixed), &s, &err), ==, 0);
    g_assert_cmpuint(s.needed, ==, 14);
    g_assert_true(s.hasInformation);
    g_assert_cmpuint(s.information, ==, 7);
    g_assert_true(s.hasAsc);
    g_assert_false(s.hasSenseKeySpecific);

    g_assert_cmpint(testParse(desc, sizeof(desc), &s, &err), ==, 0);
    g_assert_cmpuint(s.needed, ==, 8);
    g_assert_false(s.hasInformation);
}


/* A descriptor too short for its type is skipped, the walk goes on. */
static void
testSenseDescShortDescriptor(void)
{
    static const uint8_t vec[] = {
        0x72, 0x0E, 0x1D, 0x00, 0x00, 0x00, 0x00,
        0x14,
        0x00, 0x06, 0x80, 0x00, 0x00, 0x00, 0x00, 0x09, /* 8 bytes: short */
        0x00, 0x0A, 0x80, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
    };
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParse(vec, sizeof(vec), &s, &err), ==, 0);
    g_assert_true(s.hasInformation);
    g_assert_cmpuint(s.information, ==, 0x100);
}


/* Two information descriptors: the first one counts. */
static void
testSenseDescDuplicate(void)
{
    static const uint8_t vec[] = {
        0x72, 0x0E, 0x1D, 0x00, 0x00, 0x00, 0x00,
        0x18,
        0x00, 0x0A, 0x80, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F,
        0x00, 0x0A, 0x80, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2F,
    };
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParse(vec, sizeof(vec), &s, &err), ==, 0);
    g_assert_true(s.hasInformation);
    g_assert_cmpuint(s.information, ==, 0x1F);
}


static void
testSenseBad(void)
{
    static const uint8_t zero[] = { 0x00, 0x00, 0x05, 0x00 };
    static const uint8_t vendor[] = { 0x7F, 0x00, 0x05, 0x00 };
    static const uint8_t fixedShort[] = { 0x70, 0x00 };
    static const uint8_t descShort[] = { 0x72 };
    virSCSISense s;

    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(testParse(zero, 0, &s, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
    }
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(testParse(zero, sizeof(zero), &s, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
        g_assert_cmpuint(s.responseCode, ==, 0);
        g_assert_cmpuint(s.senseKey, ==, 0);
    }
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(testParse(vendor, sizeof(vendor), &s, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
        g_assert_cmpuint(s.responseCode, ==, 0);
    }
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(testParse(fixedShort, sizeof(fixedShort), &s, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
        g_assert_cmpuint(s.responseCode, ==, 0);
    }
    {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(testParse(descShort, sizeof(descShort), &s, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
    }
}


/* Every field at its SPC-4 offset, all with distinct values. */
static const uint8_t senseFixedFull[] = {
    0xF0, 0x00,
    0x25,                       /* ILI, ILLEGAL REQUEST */
    0x12, 0x34, 0x56, 0x78,     /* INFORMATION */
    0x0A,
    0xAA, 0xBB, 0xCC, 0xDD,     /* COMMAND-SPECIFIC INFORMATION */
    0x24, 0x00,
    0x00,
    0xC8, 0x00, 0x04,           /* SKSV, C/D, BPV bit 0, field byte 4 */
};

G_STATIC_ASSERT(sizeof(senseFixedFull) == 18);
G_STATIC_ASSERT(sizeof(senseFixedMiscompare) == 18);
G_STATIC_ASSERT(sizeof(senseDescMiscompare) == 20);

static void
testSenseFixedPrefixes(void)
{
    size_t n;

    for (n = 0; n <= sizeof(senseFixedFull); n++) {
        virSCSISense s;
        g_autoptr(GError) err = NULL;
        int rc = testParse(senseFixedFull, n, &s, &err);

        if (n < 3) {
            g_assert_cmpint(rc, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            continue;
        }
        g_assert_cmpint(rc, ==, 0);
        g_assert_no_error(err);
        g_assert_cmpuint(s.senseKey, ==, VIR_SCSI_SENSE_KEY_ILLEGAL_REQUEST);
        g_assert_true(s.ili);
        g_assert_cmpuint(s.needed, ==, n >= 8 ? 18 : n);

        g_assert_cmpint(s.hasInformation, ==, n >= 7);
        g_assert_cmpuint(s.information, ==, n >= 7 ? 0x12345678 : 0);
        g_assert_cmpint(s.hasCommandSpecific, ==, n >= 12);
        g_assert_cmpuint(s.commandSpecific, ==, n >= 12 ? 0xAABBCCDD : 0);
        g_assert_cmpint(s.hasAsc, ==, n >= 14);
        g_assert_cmpuint(s.asc, ==, n >= 14 ? 0x24 : 0);
        g_assert_cmpint(s.hasSenseKeySpecific, ==, n >= 18);
        g_assert_cmpint(s.sks.type, ==,
                        n >= 18 ? VIR_SCSI_SENSE_SKS_FIELD_POINTER :
                        VIR_SCSI_SENSE_SKS_NONE);
        g_assert_cmpuint(s.sks.fieldPointer, ==, n >= 18 ? 4 : 0);
        g_assert_cmpint(s.sks.bitPointerValid, ==, n >= 18);
    }
}


static const uint8_t senseDescFull[] = {
    0x72, 0x05, 0x24, 0x00, 0x00, 0x00, 0x00,
    0x18,                       /* 24: sense data ends at byte 31 */
    /* information, bytes 8-19 */
    0x00, 0x0A, 0x80, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    /* sense key specific, bytes 20-27 */
    0x02, 0x06, 0x00, 0x00, 0xC0, 0x00, 0x0A, 0x00,
    /* stream commands, bytes 28-31 */
    0x04, 0x02, 0x00, 0x40,
    /* bytes 32-35: past ADDITIONAL SENSE LENGTH */
    0x05, 0x02, 0x00, 0x20,
};

G_STATIC_ASSERT(sizeof(senseDescFull) == 36);

static void
testSenseDescPrefixes(void)
{
    size_t n;

    for (n = 0; n <= sizeof(senseDescFull); n++) {
        virSCSISense s;
        g_autoptr(GError) err = NULL;
        int rc = testParse(senseDescFull, n, &s, &err);

        if (n < 2) {
            g_assert_cmpint(rc, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            continue;
        }
        g_assert_cmpint(rc, ==, 0);
        g_assert_cmpuint(s.senseKey, ==, VIR_SCSI_SENSE_KEY_ILLEGAL_REQUEST);
        g_assert_cmpuint(s.needed, ==, n >= 8 ? 32 : n);
        g_assert_cmpint(s.hasAsc, ==, n >= 4);
        g_assert_cmpuint(s.asc, ==, n >= 4 ? 0x24 : 0);
        g_assert_cmpint(s.hasInformation, ==, n >= 20);
        g_assert_cmpuint(s.information, ==, n >= 20 ? 0x100000000ULL : 0);
        g_assert_cmpint(s.hasSenseKeySpecific, ==, n >= 28);
        g_assert_cmpuint(s.sks.fieldPointer, ==, n >= 28 ? 10 : 0);
        g_assert_cmpint(s.hasStreamFlags, ==, n >= 32);
        g_assert_cmpint(s.eom, ==, n >= 32);
        /* the block commands descriptor lies past the sense data */
        g_assert_false(s.ili);
        g_assert_false(s.hasCommandSpecific);
    }
}


static void
testSenseNames(void)
{
    g_assert_cmpstr(virSCSISenseKeyName(0x00), ==, "NO SENSE");
    g_assert_cmpstr(virSCSISenseKeyName(0x05), ==, "ILLEGAL REQUEST");
    g_assert_cmpstr(virSCSISenseKeyName(0x06), ==, "UNIT ATTENTION");
    g_assert_cmpstr(virSCSISenseKeyName(0x0A), ==, "COPY ABORTED");
    g_assert_cmpstr(virSCSISenseKeyName(0x0B), ==, "ABORTED COMMAND");
    g_assert_cmpstr(virSCSISenseKeyName(0x0E), ==, "MISCOMPARE");
    g_assert_cmpstr(virSCSISenseKeyName(0x10), ==, "UNKNOWN SENSE KEY");

    g_assert_cmpstr(virSCSIStatusName(0x00), ==, "GOOD");
    g_assert_cmpstr(virSCSIStatusName(0x02), ==, "CHECK CONDITION");
    g_assert_cmpstr(virSCSIStatusName(0x04), ==, "CONDITION MET");
    g_assert_cmpstr(virSCSIStatusName(0x08), ==, "BUSY");
    g_assert_cmpstr(virSCSIStatusName(0x18), ==, "RESERVATION CONFLICT");
    g_assert_cmpstr(virSCSIStatusName(0x28), ==, "TASK SET FULL");
    g_assert_cmpstr(virSCSIStatusName(0x30), ==, "ACA ACTIVE");
    g_assert_cmpstr(virSCSIStatusName(0x40), ==, "TASK ABORTED");
    g_assert_cmpstr(virSCSIStatusName(0x03), ==, "UNKNOWN STATUS");

    g_assert_cmpstr(virSCSISenseAscqText(0x20, 0x00), ==,
                    "INVALID COMMAND OPERATION CODE");
    g_assert_cmpstr(virSCSISenseAscqText(0x21, 0x00), ==,
                    "LOGICAL BLOCK ADDRESS OUT OF RANGE");
    g_assert_cmpstr(virSCSISenseAscqText(0x0D, 0x02), ==,
                    "COPY TARGET DEVICE NOT REACHABLE");
    g_assert_cmpuint(VIR_SCSI_ASC_INVALID_FIELD_IN_PARAM_LIST, ==, 0x2600);
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/sense/fixed/miscompare", testSenseFixedMiscompare);
    g_test_add_func("/sense/desc/miscompare", testSenseDescMiscompare);
    g_test_add_func("/sense/fixed/information-not-valid",
                    testSenseFixedInformationNotValid);
    g_test_add_func("/sense/desc/information-not-valid",
                    testSenseDescInformationNotValid);
    g_test_add_func("/sense/fixed/field-pointer", testSenseFixedFieldPointer);
    g_test_add_func("/sense/desc/field-pointer", testSenseDescFieldPointer);
    g_test_add_func("/sense/fixed/progress-deferred",
                    testSenseFixedProgressDeferred);
    g_test_add_func("/sense/desc/copy-aborted", testSenseDescCopyAborted);
    g_test_add_func("/sense/sks-other-keys", testSenseSksOtherKeys);
    g_test_add_func("/sense/stream-flags", testSenseStreamFlags);
    g_test_add_func("/sense/unknown-asc", testSenseUnknownAsc);
    g_test_add_func("/sense/lying", testSenseLying);
    g_test_add_func("/sense/oversized", testSenseOversized);
    g_test_add_func("/sense/desc/short-descriptor",
                    testSenseDescShortDescriptor);
    g_test_add_func("/sense/desc/duplicate", testSenseDescDuplicate);
    g_test_add_func("/sense/bad", testSenseBad);
    g_test_add_func("/sense/fixed/prefixes", testSenseFixedPrefixes);
    g_test_add_func("/sense/desc/prefixes", testSenseDescPrefixes);
    g_test_add_func("/sense/names", testSenseNames);

    return g_test_run();
}
