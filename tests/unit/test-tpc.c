/*
 * test-tpc.c: unit tests of the third-party copy decoders
 *
 * The byte vectors are worked out by hand from SPC-4 (6.22, 6.24-6.26,
 * 7.8.17) and SBC-4 (6.6.9.3).  Every vector is decoded from a heap block
 * of exactly its size, so that ASan or valgrind flag any read past what
 * the "device" sent.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "virscsitpc.h"
#include "virscsierror.h"
#include "testbytes.h"

/* RECEIVE COPY OPERATING PARAMETERS -------------------------------------- */

static int
testParseOpParams(const uint8_t *data,
                  size_t len,
                  virSCSICopyOpParams *out,
                  GError **error)
{
    g_autofree uint8_t *copy = testDupExact(data, len);

    return virSCSICopyOpParamsParse(copy, len, out, error);
}


/*
 * LIO (Linux 6.1, target_rcr_operating_parameters): it refuses an
 * allocation length under 54 and fills a 54-byte buffer, of which
 * AVAILABLE DATA (42) covers 46 bytes; the last 8 are zero padding.
 * SNLID, 2 CSCD descriptors, 1 segment, list length 1024, segment length
 * 256 MiB, no inline data, 1 concurrent copy, granularities 2^9, and
 * descriptor types 02h (block->block) and E4h (identification CSCD).
 */
static const uint8_t opParamsLio[] = {
    0x00, 0x00, 0x00, 0x2A,     /* 0-3: AVAILABLE DATA 42 */
    0x01,                       /* 4: SNLID */
    0x00, 0x00, 0x00,
    0x00, 0x02,                 /* 8-9: MAXIMUM CSCD DESCRIPTOR COUNT 2 */
    0x00, 0x01,                 /* 10-11: MAXIMUM SEGMENT DESCRIPTOR COUNT 1 */
    0x00, 0x00, 0x04, 0x00,     /* 12-15: MAXIMUM DESCRIPTOR LIST LENGTH 1024 */
    0x10, 0x00, 0x00, 0x00,     /* 16-19: MAXIMUM SEGMENT LENGTH 256 MiB */
    0x00, 0x00, 0x00, 0x00,     /* 20-23: MAXIMUM INLINE DATA LENGTH 0 */
    0x00, 0x00, 0x00, 0x00,     /* 24-27: HELD DATA LIMIT 0 */
    0x00, 0x00, 0x00, 0x00,     /* 28-31: MAXIMUM STREAM DEVICE TRANSFER SIZE 0 */
    0x00, 0x00,                 /* 32-33: reserved */
    0x00, 0x01,                 /* 34-35: TOTAL CONCURRENT COPIES 1 */
    0x01,                       /* 36: MAXIMUM CONCURRENT COPIES 1 */
    0x09, 0x09, 0x09,           /* 37-39: granularities 2^9 */
    0x00, 0x00, 0x00,           /* 40-42: reserved */
    0x02,                       /* 43: IMPLEMENTED DESCRIPTOR LIST LENGTH 2 */
    0x02, 0xE4,                 /* 44-45: the descriptor type codes */
    ZERO8,                      /* 46-53: past AVAILABLE DATA */
};

static void
testOpParamsLio(void)
{
    virSCSICopyOpParams op;
    g_autoptr(GError) err = NULL;

    g_assert_cmpuint(sizeof(opParamsLio), ==, 54);
    g_assert_cmpint(testParseOpParams(opParamsLio, sizeof(opParamsLio), &op, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(op.needed, ==, 46);
    g_assert_true(op.snlid);
    g_assert_cmpuint(op.maxCscdDescriptorCount, ==, 2);
    g_assert_cmpuint(op.maxSegmentDescriptorCount, ==, 1);
    g_assert_cmpuint(op.maxDescriptorListLength, ==, 1024);
    g_assert_cmpuint(op.maxSegmentLength, ==, 256 * 1024 * 1024);
    g_assert_cmpuint(op.maxInlineDataLength, ==, 0);
    g_assert_cmpuint(op.heldDataLimit, ==, 0);
    g_assert_cmpuint(op.maxStreamDeviceTransferSize, ==, 0);
    g_assert_cmpuint(op.totalConcurrentCopies, ==, 1);
    g_assert_cmpuint(op.maxConcurrentCopies, ==, 1);
    g_assert_cmpuint(op.dataSegmentGranularityLog2, ==, 9);
    g_assert_cmpuint(op.inlineDataGranularityLog2, ==, 9);
    g_assert_cmpuint(op.heldDataGranularityLog2, ==, 9);
    g_assert_cmpuint(op.implementedDescriptorListLength, ==, 2);
    g_assert_cmpuint(op.nDescriptorTypes, ==, 2);
    g_assert_cmpuint(op.descriptorTypes[0], ==, 0x02);
    g_assert_cmpuint(op.descriptorTypes[1], ==, 0xE4);
    g_assert_true(virSCSICopyOpParamsSupports(&op, 0x02));
    g_assert_true(virSCSICopyOpParamsSupports(&op, 0xE4));
    /* The zero padding after AVAILABLE DATA is not a descriptor type 00h. */
    g_assert_false(virSCSICopyOpParamsSupports(&op, 0x00));
    g_assert_false(virSCSICopyOpParamsSupports(&op, 0x0A));
}


/* Every prefix: below the 44-byte fixed part, TRUNCATED; then the type
 * codes that came. */
static void
testOpParamsTruncated(void)
{
    size_t n;

    for (n = 0; n <= sizeof(opParamsLio); n++) {
        virSCSICopyOpParams op;
        g_autoptr(GError) err = NULL;
        int rc = testParseOpParams(opParamsLio, n, &op, &err);

        if (n < 44) {
            g_assert_cmpint(rc, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            g_assert_cmpuint(op.needed, ==, n >= 4 ? 46 : 0);
            g_assert_cmpuint(op.maxSegmentLength, ==, 0);
            continue;
        }

        g_assert_cmpint(rc, ==, 0);
        g_assert_cmpuint(op.needed, ==, 46);
        g_assert_cmpuint(op.maxSegmentLength, ==, 0x10000000);
        g_assert_cmpuint(op.implementedDescriptorListLength, ==, 2);
        g_assert_cmpuint(op.nDescriptorTypes, ==, MIN(n - 44, 2));
        g_assert_cmpint(virSCSICopyOpParamsSupports(&op, 0x02), ==, n >= 45);
        g_assert_cmpint(virSCSICopyOpParamsSupports(&op, 0xE4), ==, n >= 46);
    }
}


static void
testOpParamsLying(void)
{
    uint8_t reply[46];
    virSCSICopyOpParams op;
    g_autoptr(GError) err = NULL;

    /* AVAILABLE DATA 48 and 8 type codes claimed; 46 bytes sent. */
    memcpy(reply, opParamsLio, sizeof(reply));
    reply[3] = 0x30;
    reply[43] = 0x08;
    g_assert_cmpint(testParseOpParams(reply, sizeof(reply), &op, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(op.needed, ==, 52);
    g_assert_cmpuint(op.implementedDescriptorListLength, ==, 8);
    g_assert_cmpuint(op.nDescriptorTypes, ==, 2);

    /* The list claims 10 codes, but AVAILABLE DATA (42) ends after 2: the
     * zero padding LIO sends after it must not become 8 more codes. */
    {
        uint8_t padded[sizeof(opParamsLio)];

        memcpy(padded, opParamsLio, sizeof(padded));
        padded[43] = 10;
        g_assert_cmpint(testParseOpParams(padded, sizeof(padded), &op, &err), ==, 0);
        g_assert_cmpuint(op.nDescriptorTypes, ==, 2);
        g_assert_false(virSCSICopyOpParamsSupports(&op, 0x00));
    }
}


static void
testOpParamsMalformed(void)
{
    uint8_t reply[sizeof(opParamsLio)];
    virSCSICopyOpParams op;
    g_autoptr(GError) err = NULL;

    /* AVAILABLE DATA 8: too small for the mandatory fields it comes with. */
    memcpy(reply, opParamsLio, sizeof(reply));
    reply[3] = 0x08;
    g_assert_cmpint(testParseOpParams(reply, sizeof(reply), &op, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
    g_assert_cmpuint(op.needed, ==, 12);
    g_assert_false(op.snlid);
}


/* RECEIVE COPY STATUS(LID1) ---------------------------------------------- */

static int
testParseCopyStatus(const uint8_t *data,
                    size_t len,
                    virSCSICopyStatus *out,
                    GError **error)
{
    g_autofree uint8_t *copy = testDupExact(data, len);

    return virSCSICopyStatusParse(copy, len, out, error);
}


/* Completed without errors, 3 segments, 256 MiB written. */
static const uint8_t copyStatusDone[] = {
    0x00, 0x00, 0x00, 0x08,     /* AVAILABLE DATA 8 */
    0x01,                       /* 4: HDD 0, COPY COMMAND STATUS completed */
    0x00, 0x03,                 /* 5-6: SEGMENTS PROCESSED 3 */
    0x02,                       /* 7: TRANSFER COUNT UNITS: MiB */
    0x00, 0x00, 0x01, 0x00,     /* 8-11: TRANSFER COUNT 256 */
};

static void
testCopyStatusNormal(void)
{
    /* In progress, held data discarded, 65535 destination blocks so far. */
    static const uint8_t inProgress[] = {
        0x00, 0x00, 0x00, 0x08,
        0x80,                   /* HDD, in progress */
        0x00, 0x00,
        0xF1,                   /* units: destination logical blocks */
        0x00, 0x00, 0xFF, 0xFF,
    };
    virSCSICopyStatus st;
    uint64_t bytes;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParseCopyStatus(copyStatusDone, sizeof(copyStatusDone),
                                        &st, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(st.needed, ==, 12);
    g_assert_false(st.heldDataDiscarded);
    g_assert_cmpuint(st.status, ==, VIR_SCSI_COPY_STATUS_COMPLETED);
    g_assert_cmpuint(st.segmentsProcessed, ==, 3);
    g_assert_cmpuint(st.transferCountUnits, ==, 2);
    g_assert_cmpuint(st.transferCount, ==, 256);
    g_assert_true(virSCSICopyStatusTransferBytes(&st, 0, &bytes));
    g_assert_cmpuint(bytes, ==, 256 * 1024 * 1024);

    g_assert_cmpint(testParseCopyStatus(inProgress, sizeof(inProgress), &st, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_true(st.heldDataDiscarded);
    g_assert_cmpuint(st.status, ==, VIR_SCSI_COPY_STATUS_IN_PROGRESS);
    g_assert_cmpuint(st.segmentsProcessed, ==, 0);
    g_assert_cmpuint(st.transferCount, ==, 65535);
    /* Blocks need the destination's block size. */
    g_assert_false(virSCSICopyStatusTransferBytes(&st, 0, &bytes));
    g_assert_cmpuint(bytes, ==, 0);
    g_assert_true(virSCSICopyStatusTransferBytes(&st, 512, &bytes));
    g_assert_cmpuint(bytes, ==, 65535 * 512);
}


static void
testTransferCountToBytes(void)
{
    uint64_t bytes;

    g_assert_true(virSCSITransferCountToBytes(0x00, 12345, 0, &bytes));
    g_assert_cmpuint(bytes, ==, 12345);
    g_assert_true(virSCSITransferCountToBytes(0x01, 3, 0, &bytes));
    g_assert_cmpuint(bytes, ==, 3072);
    g_assert_true(virSCSITransferCountToBytes(0x03, 2, 0, &bytes));
    g_assert_cmpuint(bytes, ==, G_GUINT64_CONSTANT(2) << 30);
    g_assert_true(virSCSITransferCountToBytes(0x04, 5, 0, &bytes));
    g_assert_cmpuint(bytes, ==, G_GUINT64_CONSTANT(5) << 40);
    g_assert_true(virSCSITransferCountToBytes(0x05, 7, 0, &bytes));
    g_assert_cmpuint(bytes, ==, G_GUINT64_CONSTANT(7) << 50);

    /* EiB: 15 fits in 64 bits, 16 does not and saturates. */
    g_assert_true(virSCSITransferCountToBytes(0x06, 15, 0, &bytes));
    g_assert_cmpuint(bytes, ==, G_GUINT64_CONSTANT(15) << 60);
    g_assert_true(virSCSITransferCountToBytes(0x06, 16, 0, &bytes));
    g_assert_cmpuint(bytes, ==, G_MAXUINT64);
    g_assert_true(virSCSITransferCountToBytes(0x02, G_MAXUINT64 >> 19, 0, &bytes));
    g_assert_cmpuint(bytes, ==, G_MAXUINT64);
    g_assert_true(virSCSITransferCountToBytes(0x02, G_MAXUINT64 >> 20, 0, &bytes));
    g_assert_cmpuint(bytes, ==, (G_MAXUINT64 >> 20) << 20);

    /* Destination blocks, saturating too. */
    g_assert_true(virSCSITransferCountToBytes(0xF1, 8, 4096, &bytes));
    g_assert_cmpuint(bytes, ==, 32768);
    g_assert_true(virSCSITransferCountToBytes(0xF1, G_MAXUINT64 / 512 + 1, 512, &bytes));
    g_assert_cmpuint(bytes, ==, G_MAXUINT64);

    /* Reserved units. */
    g_assert_false(virSCSITransferCountToBytes(0x07, 1, 512, &bytes));
    g_assert_false(virSCSITransferCountToBytes(0xF0, 1, 512, &bytes));
    g_assert_false(virSCSITransferCountToBytes(0xF2, 1, 512, &bytes));
    g_assert_false(virSCSITransferCountToBytes(0xFF, 1, 512, &bytes));
    g_assert_cmpuint(bytes, ==, 0);
}


static void
testCopyStatusTruncated(void)
{
    size_t n;

    for (n = 0; n <= sizeof(copyStatusDone); n++) {
        virSCSICopyStatus st;
        g_autoptr(GError) err = NULL;
        int rc = testParseCopyStatus(copyStatusDone, n, &st, &err);

        if (n < 12) {
            g_assert_cmpint(rc, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            g_assert_cmpuint(st.needed, ==, n >= 4 ? 12 : 0);
            g_assert_cmpuint(st.status, ==, 0);
            g_assert_cmpuint(st.transferCount, ==, 0);
        } else {
            g_assert_cmpint(rc, ==, 0);
            g_assert_cmpuint(st.transferCount, ==, 256);
        }
    }
}


static void
testCopyStatusOversizedLying(void)
{
    uint8_t reply[sizeof(copyStatusDone) + 8];
    virSCSICopyStatus st;
    g_autoptr(GError) err = NULL;

    /* Bytes beyond AVAILABLE DATA are ignored. */
    memset(reply, 0xAA, sizeof(reply));
    memcpy(reply, copyStatusDone, sizeof(copyStatusDone));
    g_assert_cmpint(testParseCopyStatus(reply, sizeof(reply), &st, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(st.needed, ==, 12);
    g_assert_cmpuint(st.transferCount, ==, 256);

    /* AVAILABLE DATA 256 claimed, 12 bytes sent. */
    memcpy(reply, copyStatusDone, sizeof(copyStatusDone));
    reply[2] = 0x01;
    reply[3] = 0x00;
    g_assert_cmpint(testParseCopyStatus(reply, sizeof(copyStatusDone), &st, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(st.needed, ==, 260);
    g_assert_cmpuint(st.segmentsProcessed, ==, 3);

    /* AVAILABLE DATA 4 cannot hold the status. */
    reply[2] = 0x00;
    reply[3] = 0x04;
    g_assert_cmpint(testParseCopyStatus(reply, sizeof(copyStatusDone), &st, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
    g_assert_cmpuint(st.needed, ==, 8);
}


/* RECEIVE ROD TOKEN INFORMATION ------------------------------------------ */

static int
testParseRrti(const uint8_t *data,
              size_t len,
              virSCSIRodTokenInfo *out,
              GError **error)
{
    g_autofree uint8_t *copy = testDupExact(data, len);

    return virSCSIRodTokenInfoParse(copy, len, out, error);
}


/*
 * After a POPULATE TOKEN: completed without errors, 2048 destination
 * blocks, no sense data, one ROD token descriptor (2-byte CSCD ID + the
 * 512-byte token).  32 + 0 + 4 + 514 = 550 bytes, AVAILABLE DATA 546.
 * The token's own header (ROD TYPE 0080_0000h "point in time copy,
 * default", ROD TOKEN LENGTH 01F8h) is literal; its 504-byte body is
 * filled in by testRrtiTokenReply() with a counting pattern.
 */
#define RRTI_TOKEN_REPLY_LEN 550

static const uint8_t rrtiTokenHeader[] = {
    0x00, 0x00, 0x02, 0x22,     /* 0-3: AVAILABLE DATA 546 */
    0x10,                       /* 4: RESPONSE TO SERVICE ACTION: POPULATE TOKEN */
    0x01,                       /* 5: COPY OPERATION STATUS: completed */
    0x00, 0x02,                 /* 6-7: OPERATION COUNTER 2 */
    0xFF, 0xFF, 0xFF, 0xFE,     /* 8-11: ESTIMATED STATUS UPDATE DELAY: done */
    0x00,                       /* 12: EXTENDED COPY COMPLETION STATUS: GOOD */
    0x00,                       /* 13: LENGTH OF THE SENSE DATA FIELD 0 */
    0x00,                       /* 14: SENSE DATA LENGTH 0 */
    0xF1,                       /* 15: TRANSFER COUNT UNITS: blocks */
    0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x08, 0x00,     /* 16-23: TRANSFER COUNT 2048 */
    0x00, 0x00,                 /* 24-25: SEGMENTS PROCESSED 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 26-31: reserved */
    0x00, 0x00, 0x02, 0x02,     /* 32-35: ROD TOKEN DESCRIPTORS LENGTH 514 */
    0x00, 0x00,                 /* 36-37: ID FOR CREATING ROD CSCD DESCRIPTOR */
    0x00, 0x80, 0x00, 0x00,     /* 38-41: token: ROD TYPE 0080_0000h */
    0x00, 0x00,                 /* 42-43: reserved */
    0x01, 0xF8,                 /* 44-45: ROD TOKEN LENGTH 504 */
};

static uint8_t *
testRrtiTokenReply(void)
{
    uint8_t *reply = g_new0(uint8_t, RRTI_TOKEN_REPLY_LEN);
    size_t i;

    memcpy(reply, rrtiTokenHeader, sizeof(rrtiTokenHeader));
    for (i = sizeof(rrtiTokenHeader); i < RRTI_TOKEN_REPLY_LEN; i++)
        reply[i] = (i * 7 + 3) & 0xff;
    return reply;
}


static void
testRrtiToken(void)
{
    g_autofree uint8_t *reply = testRrtiTokenReply();
    virSCSIRodTokenInfo ri;
    uint64_t bytes;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParseRrti(reply, RRTI_TOKEN_REPLY_LEN, &ri, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(ri.needed, ==, 550);
    g_assert_cmpuint(ri.responseToServiceAction, ==, 0x10);
    g_assert_cmpuint(ri.copyOperationStatus, ==, VIR_SCSI_COPY_OP_COMPLETED);
    g_assert_true(virSCSICopyOperationSucceeded(ri.copyOperationStatus));
    g_assert_false(virSCSICopyOperationInProgress(ri.copyOperationStatus));
    g_assert_cmpuint(ri.operationCounter, ==, 2);
    g_assert_cmpuint(ri.estimatedStatusUpdateDelay, ==, 0xFFFFFFFE);
    g_assert_cmpuint(ri.extendedCopyCompletionStatus, ==, 0);
    g_assert_cmpuint(ri.transferCountUnits, ==, 0xF1);
    g_assert_cmpuint(ri.transferCount, ==, 2048);
    g_assert_true(virSCSITransferCountToBytes(ri.transferCountUnits, ri.transferCount,
                                              512, &bytes));
    g_assert_cmpuint(bytes, ==, 1024 * 1024);
    g_assert_cmpuint(ri.segmentsProcessed, ==, 0);
    g_assert_cmpuint(ri.senseLen, ==, 0);
    g_assert_true(ri.hasRodTokenDescriptorsLength);
    g_assert_cmpuint(ri.rodTokenDescriptorsLength, ==, 514);
    g_assert_true(ri.hasToken);
    g_assert_cmpuint(ri.tokenCscdId, ==, 0);
    /* The token is bytes 38-549, header and body. */
    g_assert_cmpuint(ri.token[0], ==, 0x00);
    g_assert_cmpuint(ri.token[1], ==, 0x80);
    g_assert_cmpuint(ri.token[6], ==, 0x01);
    g_assert_cmpuint(ri.token[7], ==, 0xF8);
    g_assert_cmpmem(ri.token, VIR_SCSI_ROD_TOKEN_LEN, reply + 38, VIR_SCSI_ROD_TOKEN_LEN);
    g_assert_cmpuint(ri.token[511], ==, (549 * 7 + 3) & 0xff);
}


/*
 * A failed POPULATE TOKEN: completed with errors, CHECK CONDITION, an
 * 18-byte fixed sense (COPY ABORTED, 0Dh/02h) in a 20-byte field (padded
 * to a multiple of four), and no token.  32 + 20 + 4 = 56 bytes.
 */
static const uint8_t rrtiFailed[] = {
    0x00, 0x00, 0x00, 0x34,     /* AVAILABLE DATA 52 */
    0x10, 0x02,                 /* POPULATE TOKEN, completed with errors */
    0x00, 0x01,                 /* OPERATION COUNTER 1 */
    0xFF, 0xFF, 0xFF, 0xFE,
    0x02,                       /* 12: CHECK CONDITION */
    0x14,                       /* 13: LENGTH OF THE SENSE DATA FIELD 20 */
    0x12,                       /* 14: SENSE DATA LENGTH 18 */
    0x00,                       /* 15: units: bytes */
    ZERO8,                      /* 16-23: TRANSFER COUNT 0 */
    0x00, 0x00,                 /* 24-25 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* 32-49: fixed sense, COPY ABORTED, ASC/ASCQ 0Dh/02h */
    0x70, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x0A,
    0x00, 0x00, 0x00, 0x00, 0x0D, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00,                 /* 50-51: pad */
    0x00, 0x00, 0x00, 0x00,     /* 52-55: ROD TOKEN DESCRIPTORS LENGTH 0 */
};

static void
testRrtiFailed(void)
{
    virSCSIRodTokenInfo ri;
    g_autoptr(GError) err = NULL;

    g_assert_cmpuint(sizeof(rrtiFailed), ==, 56);
    g_assert_cmpint(testParseRrti(rrtiFailed, sizeof(rrtiFailed), &ri, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(ri.needed, ==, 56);
    g_assert_cmpuint(ri.copyOperationStatus, ==, VIR_SCSI_COPY_OP_COMPLETED_WITH_ERRORS);
    g_assert_false(virSCSICopyOperationSucceeded(ri.copyOperationStatus));
    g_assert_cmpuint(ri.extendedCopyCompletionStatus, ==, 0x02);
    g_assert_cmpuint(ri.senseDataFieldLength, ==, 20);
    g_assert_cmpuint(ri.senseDataLength, ==, 18);
    g_assert_cmpuint(ri.senseLen, ==, 18);
    g_assert_cmpmem(ri.sense, ri.senseLen, rrtiFailed + 32, 18);
    g_assert_cmpuint(ri.sense[2], ==, 0x0A);
    g_assert_cmpuint(ri.sense[12], ==, 0x0D);
    g_assert_true(ri.hasRodTokenDescriptorsLength);
    g_assert_cmpuint(ri.rodTokenDescriptorsLength, ==, 0);
    g_assert_false(ri.hasToken);
}


static void
testRrtiStatusHelpers(void)
{
    g_assert_true(virSCSICopyOperationSucceeded(0x01));
    g_assert_true(virSCSICopyOperationSucceeded(0x03));
    g_assert_true(virSCSICopyOperationSucceeded(0x04));
    g_assert_false(virSCSICopyOperationSucceeded(0x02));
    g_assert_false(virSCSICopyOperationSucceeded(0x60));
    g_assert_false(virSCSICopyOperationSucceeded(0x00));
    g_assert_false(virSCSICopyOperationSucceeded(0x11));
    g_assert_true(virSCSICopyOperationInProgress(0x10));
    g_assert_true(virSCSICopyOperationInProgress(0x11));
    g_assert_true(virSCSICopyOperationInProgress(0x12));
    g_assert_false(virSCSICopyOperationInProgress(0x01));
    g_assert_false(virSCSICopyOperationInProgress(0x13));
}


/* Every prefix of the token reply, then of the failed one. */
static void
testRrtiTruncated(void)
{
    g_autofree uint8_t *reply = testRrtiTokenReply();
    size_t n;

    for (n = 0; n <= RRTI_TOKEN_REPLY_LEN; n++) {
        virSCSIRodTokenInfo ri;
        g_autoptr(GError) err = NULL;
        int rc = testParseRrti(reply, n, &ri, &err);

        if (n < 32) {
            g_assert_cmpint(rc, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            g_assert_cmpuint(ri.needed, ==, n >= 4 ? 550 : 0);
            g_assert_cmpuint(ri.copyOperationStatus, ==, 0);
            continue;
        }

        g_assert_cmpint(rc, ==, 0);
        g_assert_cmpuint(ri.needed, ==, 550);
        g_assert_cmpuint(ri.transferCount, ==, 2048);
        g_assert_cmpint(ri.hasRodTokenDescriptorsLength, ==, n >= 36);
        g_assert_cmpuint(ri.rodTokenDescriptorsLength, ==, n >= 36 ? 514 : 0);
        g_assert_cmpint(ri.hasToken, ==, n == RRTI_TOKEN_REPLY_LEN);
        g_assert_cmpuint(ri.token[0] | ri.token[1], ==, n == RRTI_TOKEN_REPLY_LEN ? 0x80 : 0);
    }

    for (n = 32; n <= sizeof(rrtiFailed); n++) {
        virSCSIRodTokenInfo ri;

        g_assert_cmpint(testParseRrti(rrtiFailed, n, &ri, NULL), ==, 0);
        g_assert_cmpuint(ri.senseLen, ==, MIN(n - 32, 18));
        g_assert_cmpint(ri.hasRodTokenDescriptorsLength, ==, n == 56);
    }
}


static void
testRrtiOversizedLying(void)
{
    g_autofree uint8_t *reply = testRrtiTokenReply();
    g_autofree uint8_t *big = g_malloc(RRTI_TOKEN_REPLY_LEN + 64);
    virSCSIRodTokenInfo ri;
    g_autoptr(GError) err = NULL;

    /* Extra bytes after AVAILABLE DATA are ignored. */
    memset(big, 0x5A, RRTI_TOKEN_REPLY_LEN + 64);
    memcpy(big, reply, RRTI_TOKEN_REPLY_LEN);
    g_assert_cmpint(testParseRrti(big, RRTI_TOKEN_REPLY_LEN + 64, &ri, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(ri.needed, ==, 550);
    g_assert_true(ri.hasToken);
    g_assert_cmpmem(ri.token, VIR_SCSI_ROD_TOKEN_LEN, reply + 38, VIR_SCSI_ROD_TOKEN_LEN);

    /* AVAILABLE DATA says 32 (36 bytes): the token that follows in the
     * buffer is not part of the reply. */
    memcpy(big, reply, RRTI_TOKEN_REPLY_LEN);
    big[2] = 0x00;
    big[3] = 0x20;
    g_assert_cmpint(testParseRrti(big, RRTI_TOKEN_REPLY_LEN, &ri, &err), ==, 0);
    g_assert_cmpuint(ri.needed, ==, 36);
    g_assert_true(ri.hasRodTokenDescriptorsLength);
    g_assert_cmpuint(ri.rodTokenDescriptorsLength, ==, 514);
    g_assert_false(ri.hasToken);

    /* The whole reply claimed, 100 bytes sent. */
    g_assert_cmpint(testParseRrti(reply, 100, &ri, &err), ==, 0);
    g_assert_cmpuint(ri.needed, ==, 550);
    g_assert_true(ri.hasRodTokenDescriptorsLength);
    g_assert_false(ri.hasToken);

    /* A LENGTH OF THE SENSE DATA FIELD of 252 moves the descriptors length
     * past the 550 bytes sent: it is absent, not read. */
    memcpy(big, reply, RRTI_TOKEN_REPLY_LEN);
    big[13] = 0xFC;
    g_assert_cmpint(testParseRrti(big, 280, &ri, &err), ==, 0);
    g_assert_cmpuint(ri.senseLen, ==, 0);
    g_assert_false(ri.hasRodTokenDescriptorsLength);
    g_assert_false(ri.hasToken);

    /* A descriptors length too small for a token (16): no token, although
     * 514 bytes of something follow. */
    memcpy(big, reply, RRTI_TOKEN_REPLY_LEN);
    big[34] = 0x00;
    big[35] = 0x10;
    g_assert_cmpint(testParseRrti(big, RRTI_TOKEN_REPLY_LEN, &ri, &err), ==, 0);
    g_assert_true(ri.hasRodTokenDescriptorsLength);
    g_assert_cmpuint(ri.rodTokenDescriptorsLength, ==, 16);
    g_assert_false(ri.hasToken);
}


static void
testRrtiMalformed(void)
{
    uint8_t reply[sizeof(rrtiFailed)];
    virSCSIRodTokenInfo ri;
    g_autoptr(GError) err = NULL;

    /* SENSE DATA LENGTH 24 in a 20-byte field. */
    memcpy(reply, rrtiFailed, sizeof(reply));
    reply[14] = 0x18;
    g_assert_cmpint(testParseRrti(reply, sizeof(reply), &ri, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);

    /* AVAILABLE DATA 20: shorter than the fixed part. */
    g_clear_error(&err);
    memcpy(reply, rrtiFailed, sizeof(reply));
    reply[3] = 0x14;
    g_assert_cmpint(testParseRrti(reply, sizeof(reply), &ri, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
    g_assert_cmpuint(ri.needed, ==, 24);
}


/* Third-party Copy VPD page ---------------------------------------------- */

static int
testParseVPDTpc(const uint8_t *data,
                size_t len,
                virSCSIVPDTpc *out,
                GError **error)
{
    g_autofree uint8_t *copy = testDupExact(data, len);

    return virSCSIVPDTpcParse(copy, len, out, error);
}


/*
 * A copy manager with LID1 and token copy (LIO and tgt have no such page;
 * this is a hand-made array).  The descriptors, in ascending type order as
 * SPC-4 requires, and their offsets:
 *     4  0000h ROD token limits       36 bytes
 *    40  0001h supported commands     20 bytes
 *    60  0004h parameter data         32 bytes
 *    92  0008h supported descriptors   8 bytes
 *   100  0108h ROD types             136 bytes
 *   236  8001h general copy ops       36 bytes
 *   272  9101h stream copy ops        16 bytes (not decoded here)
 *   288  end: PAGE LENGTH 284 (011Ch)
 */
static const uint8_t vpdTpcFull[] = {
    0x00, 0x8F, 0x01, 0x1C,
    /* 4: Block Device ROD Token Limits */
    0x00, 0x00, 0x00, 0x20,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* vendor specific */
    0x00, 0x08,                 /* MAXIMUM RANGE DESCRIPTORS 8 */
    0x00, 0x00, 0x70, 0x80,     /* MAXIMUM INACTIVITY TIMEOUT 28800 s */
    0x00, 0x00, 0x00, 0x1E,     /* DEFAULT INACTIVITY TIMEOUT 30 s */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, /* MAX TOKEN TRANSFER 4 Mi blocks */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, /* OPTIMAL TRANSFER COUNT 32768 */
    /* 40: Supported Commands: list of 12 bytes, 3 pad bytes */
    0x00, 0x01, 0x00, 0x10,
    0x0C,                       /* COMMANDS SUPPORTED LIST LENGTH 12 */
    0x83, 0x04, 0x00, 0x01, 0x10, 0x11, /* EXTENDED COPY LID1/LID4, PT, WUT */
    0x84, 0x04, 0x00, 0x03, 0x05, 0x07, /* RCS LID1, OP PARAMS, RCS LID4, RRTI */
    0x00, 0x00, 0x00,
    /* 60: Parameter Data */
    0x00, 0x04, 0x00, 0x1C,
    0x00, 0x00, 0x00, 0x00,
    0x00, 0x02,                 /* MAXIMUM CSCD DESCRIPTOR COUNT 2 */
    0x00, 0x01,                 /* MAXIMUM SEGMENT DESCRIPTOR COUNT 1 */
    0x00, 0x00, 0x04, 0x00,     /* MAXIMUM DESCRIPTOR LIST LENGTH 1024 */
    0x00, 0x00, 0x00, 0x00,     /* MAXIMUM INLINE DATA LENGTH 0 */
    ZERO8, ZERO4,
    /* 92: Supported Descriptors */
    0x00, 0x08, 0x00, 0x04,
    0x03, 0x02, 0xE4, 0xFE,     /* 3 codes: block->block, identification, ROD */
    /* 100: Supported ROD Token and ROD Types: 2 descriptors of 64 bytes */
    0x01, 0x08, 0x00, 0x84,
    0x00, 0x00, 0x00, 0x80,     /* reserved, ROD TYPE DESCRIPTORS LENGTH 128 */
    0x00, 0x80, 0x00, 0x00,     /* point in time copy, default */
    0x83, 0x00, 0x00, 0x00,     /* ECPY_INT, TOKEN_IN, TOKEN_OUT; preference 0 */
    ZERO8, ZERO8, ZERO8, ZERO8, ZERO8, ZERO8, ZERO8,
    0xFF, 0xFF, 0x00, 0x01,     /* block device zero ROD token */
    0x02, 0x00, 0x00, 0x00,     /* TOKEN_IN only */
    ZERO8, ZERO8, ZERO8, ZERO8, ZERO8, ZERO8, ZERO8,
    /* 236: General Copy Operations */
    0x80, 0x01, 0x00, 0x20,
    0x00, 0x00, 0x00, 0x04,     /* TOTAL CONCURRENT COPIES 4 */
    0x00, 0x00, 0x00, 0x02,     /* MAXIMUM IDENTIFIED CONCURRENT COPIES 2 */
    0x01, 0x00, 0x00, 0x00,     /* MAXIMUM SEGMENT LENGTH 16 MiB */
    0x09,                       /* DATA SEGMENT GRANULARITY 2^9 */
    0x00,                       /* INLINE DATA GRANULARITY 2^0 */
    0x00, 0x00, ZERO8, ZERO8,
    /* 272: Stream Copy Operations */
    0x91, 0x01, 0x00, 0x0C,
    0x00, 0x01, 0x00, 0x00, ZERO8,
};

/* Where each descriptor of vpdTpcFull ends. */
static const size_t vpdTpcFullEnds[] = { 40, 60, 92, 100, 236, 272, 288 };

static void
testVPDTpcFull(void)
{
    virSCSIVPDTpc tpc;
    const virSCSITpcRodType *rt;
    g_autoptr(GError) err = NULL;

    g_assert_cmpuint(sizeof(vpdTpcFull), ==, 288);
    g_assert_cmpint(testParseVPDTpc(vpdTpcFull, sizeof(vpdTpcFull), &tpc, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(tpc.needed, ==, 288);
    g_assert_cmpuint(tpc.nDescriptors, ==, 7);
    g_assert_cmpuint(tpc.nUnknownDescriptors, ==, 1);
    g_assert_cmpuint(tpc.nShortDescriptors, ==, 0);
    g_assert_false(tpc.overrun);

    g_assert_true(tpc.hasRodTokenLimits);
    g_assert_cmpuint(tpc.maxRangeDescriptors, ==, 8);
    g_assert_cmpuint(tpc.maxInactivityTimeout, ==, 28800);
    g_assert_cmpuint(tpc.defaultInactivityTimeout, ==, 30);
    g_assert_cmpuint(tpc.maxTokenTransferSize, ==, 4 * 1024 * 1024);
    g_assert_cmpuint(tpc.optimalTransferCount, ==, 32768);

    g_assert_true(tpc.hasSupportedCommands);
    g_assert_true(tpc.extendedCopyLid1);
    g_assert_true(tpc.extendedCopyLid4);
    g_assert_true(tpc.populateToken);
    g_assert_true(tpc.writeUsingToken);
    g_assert_false(tpc.copyOperationAbort);
    g_assert_true(tpc.receiveCopyStatusLid1);
    g_assert_true(tpc.receiveCopyOperatingParameters);
    g_assert_true(tpc.receiveCopyStatusLid4);
    g_assert_true(tpc.receiveRodTokenInformation);
    g_assert_false(tpc.reportAllRodTokens);

    g_assert_true(tpc.hasParameterData);
    g_assert_cmpuint(tpc.maxCscdDescriptorCount, ==, 2);
    g_assert_cmpuint(tpc.maxSegmentDescriptorCount, ==, 1);
    g_assert_cmpuint(tpc.maxDescriptorListLength, ==, 1024);
    g_assert_cmpuint(tpc.maxInlineDataLength, ==, 0);

    g_assert_true(tpc.hasSupportedDescriptors);
    g_assert_cmpuint(tpc.nSupportedDescriptors, ==, 3);
    g_assert_true(virSCSIVPDTpcSupportsDescriptor(&tpc, 0x02));
    g_assert_true(virSCSIVPDTpcSupportsDescriptor(&tpc, 0xE4));
    g_assert_true(virSCSIVPDTpcSupportsDescriptor(&tpc, 0xFE));
    g_assert_false(virSCSIVPDTpcSupportsDescriptor(&tpc, 0x0A));

    g_assert_true(tpc.hasRodTypes);
    g_assert_cmpuint(tpc.nRodTypes, ==, 2);
    g_assert_cmpuint(tpc.nRodTypesDropped, ==, 0);
    rt = virSCSIVPDTpcFindRodType(&tpc, 0x00800000);
    g_assert_nonnull(rt);
    g_assert_true(rt->ecpyInt);
    g_assert_true(rt->tokenIn);
    g_assert_true(rt->tokenOut);
    rt = virSCSIVPDTpcFindRodType(&tpc, VIR_SCSI_ROD_TYPE_BLOCK_ZERO);
    g_assert_nonnull(rt);
    g_assert_false(rt->ecpyInt);
    g_assert_true(rt->tokenIn);
    g_assert_false(rt->tokenOut);
    g_assert_null(virSCSIVPDTpcFindRodType(&tpc, 0x00800001));

    g_assert_true(tpc.hasGeneralCopyOperations);
    g_assert_cmpuint(tpc.totalConcurrentCopies, ==, 4);
    g_assert_cmpuint(tpc.maxIdentifiedConcurrentCopies, ==, 2);
    g_assert_cmpuint(tpc.maxSegmentLength, ==, 16 * 1024 * 1024);
    g_assert_cmpuint(tpc.dataSegmentGranularityLog2, ==, 9);
    g_assert_cmpuint(tpc.inlineDataGranularityLog2, ==, 0);
}


/*
 * Every prefix: the descriptors that came whole are decoded, the walk
 * flags the one cut short, and nothing of it is claimed.
 */
static void
testVPDTpcTruncated(void)
{
    size_t n;

    for (n = 0; n <= sizeof(vpdTpcFull); n++) {
        virSCSIVPDTpc tpc;
        g_autoptr(GError) err = NULL;
        int rc = testParseVPDTpc(vpdTpcFull, n, &tpc, &err);
        size_t whole = 0;
        bool atBoundary = n == 4;
        size_t i;

        if (n < 4) {
            g_assert_cmpint(rc, ==, -1);
            g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
            continue;
        }

        for (i = 0; i < G_N_ELEMENTS(vpdTpcFullEnds); i++) {
            if (vpdTpcFullEnds[i] <= n)
                whole++;
            if (vpdTpcFullEnds[i] == n)
                atBoundary = true;
        }

        g_assert_cmpint(rc, ==, 0);
        g_assert_no_error(err);
        g_assert_cmpuint(tpc.needed, ==, 288);
        g_assert_cmpuint(tpc.nDescriptors, ==, whole);
        g_assert_cmpint(tpc.overrun, ==, !atBoundary);
        g_assert_cmpint(tpc.hasRodTokenLimits, ==, n >= 40);
        g_assert_cmpuint(tpc.maxRangeDescriptors, ==, n >= 40 ? 8 : 0);
        g_assert_cmpint(tpc.hasSupportedCommands, ==, n >= 60);
        g_assert_cmpint(tpc.populateToken, ==, n >= 60);
        g_assert_cmpint(tpc.receiveRodTokenInformation, ==, n >= 60);
        g_assert_cmpint(tpc.hasParameterData, ==, n >= 92);
        g_assert_cmpuint(tpc.maxDescriptorListLength, ==, n >= 92 ? 1024 : 0);
        g_assert_cmpint(tpc.hasSupportedDescriptors, ==, n >= 100);
        g_assert_cmpuint(tpc.nSupportedDescriptors, ==, n >= 100 ? 3 : 0);
        g_assert_cmpint(tpc.hasRodTypes, ==, n >= 236);
        g_assert_cmpuint(tpc.nRodTypes, ==, n >= 236 ? 2 : 0);
        g_assert_cmpint(tpc.hasGeneralCopyOperations, ==, n >= 272);
        g_assert_cmpuint(tpc.maxSegmentLength, ==, n >= 272 ? 16 * 1024 * 1024 : 0);
        g_assert_cmpuint(tpc.nUnknownDescriptors, ==, n >= 288 ? 1 : 0);
    }
}


/* What follows PAGE LENGTH is not read, even if it looks like descriptors. */
static void
testVPDTpcOversized(void)
{
    static const uint8_t page[] = {
        0x00, 0x8F, 0x00, 0x24,     /* page length 36: one descriptor */
        0x80, 0x01, 0x00, 0x20,     /* General Copy Operations */
        0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x00,     /* MAXIMUM SEGMENT LENGTH 0: no limit */
        0x09, 0x00, 0x00, 0x00, ZERO8, ZERO8,
        /* past the page: a Supported Commands listing POPULATE TOKEN */
        0x00, 0x01, 0x00, 0x04,
        0x03, 0x83, 0x01, 0x10,
    };
    virSCSIVPDTpc tpc;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(testParseVPDTpc(page, sizeof(page), &tpc, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(tpc.needed, ==, 40);
    g_assert_cmpuint(tpc.nDescriptors, ==, 1);
    g_assert_false(tpc.overrun);
    g_assert_true(tpc.hasGeneralCopyOperations);
    g_assert_cmpuint(tpc.totalConcurrentCopies, ==, 1);
    g_assert_cmpuint(tpc.maxSegmentLength, ==, 0);
    g_assert_false(tpc.hasSupportedCommands);
    g_assert_false(tpc.populateToken);
}


static void
testVPDTpcLying(void)
{
    /* PAGE LENGTH 1024, the full page's 288 bytes sent. */
    uint8_t claim[sizeof(vpdTpcFull)];
    /* A descriptor claiming 256 bytes, followed by a good one. */
    static const uint8_t overrun[] = {
        0x00, 0x8F, 0x00, 0x20,     /* page length 32 */
        0x00, 0x08, 0x00, 0x04,     /* Supported Descriptors, 1 code */
        0x01, 0x02, 0x00, 0x00,
        0x00, 0x04, 0x01, 0x00,     /* Parameter Data claiming 256 bytes */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
        0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
    };
    /* Lists inside descriptors claiming more than their descriptor. */
    static const uint8_t innerLies[] = {
        0x00, 0x8F, 0x00, 0x5C,     /* page length 92: ends at 96 */
        /* 4: Supported Commands, 8 bytes, list length 200 */
        0x00, 0x01, 0x00, 0x08,
        0xC8, 0x83, 0x02, 0x00, 0x10, 0x84, 0x02, 0x05,
        /* 16: Supported Descriptors, 4 bytes, list length 255 */
        0x00, 0x08, 0x00, 0x04,
        0xFF, 0x02, 0xE4, 0xEE,
        /* 24: ROD types, 68 bytes, descriptors length 4096 */
        0x01, 0x08, 0x00, 0x44,
        0x00, 0x00, 0x10, 0x00,
        0xFF, 0xFF, 0x00, 0x01, 0x02, 0x00, 0x00, 0x05,
        ZERO8, ZERO8, ZERO8, ZERO8, ZERO8, ZERO8, ZERO8,
        /* 96: ROD Token Limits, 8 bytes: too short for its fields */
        0x00, 0x00, 0x00, 0x04,
        0x00, 0x00, 0x00, 0x00,
    };
    virSCSIVPDTpc tpc;
    g_autoptr(GError) err = NULL;

    memcpy(claim, vpdTpcFull, sizeof(claim));
    claim[2] = 0x04;
    claim[3] = 0x00;
    g_assert_cmpint(testParseVPDTpc(claim, sizeof(claim), &tpc, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(tpc.needed, ==, 1028);
    g_assert_cmpuint(tpc.nDescriptors, ==, 7);
    g_assert_true(tpc.hasGeneralCopyOperations);

    g_assert_cmpint(testParseVPDTpc(overrun, sizeof(overrun), &tpc, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(tpc.needed, ==, 36);
    g_assert_cmpuint(tpc.nDescriptors, ==, 1);
    g_assert_true(tpc.overrun);
    g_assert_true(tpc.hasSupportedDescriptors);
    g_assert_cmpuint(tpc.nSupportedDescriptors, ==, 1);
    g_assert_true(virSCSIVPDTpcSupportsDescriptor(&tpc, 0x02));
    g_assert_false(virSCSIVPDTpcSupportsDescriptor(&tpc, 0x00));
    g_assert_false(tpc.hasParameterData);
    g_assert_cmpuint(tpc.maxCscdDescriptorCount, ==, 0);

    /* The page length ends the page after the ROD types descriptor,
     * so the short ROD Token Limits after it is not even walked. */
    g_assert_cmpint(testParseVPDTpc(innerLies, sizeof(innerLies), &tpc, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(tpc.nDescriptors, ==, 3);
    g_assert_false(tpc.overrun);
    /* 7 list bytes: 83h with SAs 00h and 10h, then 84h with 05h; the
     * second SA its SA list length promises is not in the descriptor: the
     * 00h that follows belongs to the next descriptor, and must not be
     * taken for RECEIVE COPY STATUS(LID1). */
    g_assert_true(tpc.extendedCopyLid1);
    g_assert_false(tpc.receiveCopyStatusLid1);
    g_assert_true(tpc.populateToken);
    g_assert_true(tpc.receiveCopyStatusLid4);
    g_assert_false(tpc.receiveRodTokenInformation);
    g_assert_cmpuint(tpc.nSupportedDescriptors, ==, 3);
    g_assert_true(virSCSIVPDTpcSupportsDescriptor(&tpc, 0xEE));
    g_assert_cmpuint(tpc.nRodTypes, ==, 1);
    g_assert_cmpuint(tpc.rodTypes[0].rodType, ==, VIR_SCSI_ROD_TYPE_BLOCK_ZERO);
    g_assert_cmpuint(tpc.rodTypes[0].preference, ==, 5);
    g_assert_false(tpc.hasRodTokenLimits);
    g_assert_cmpuint(tpc.nShortDescriptors, ==, 0);

    /* With the page length covering it, the short descriptor is walked,
     * counted, and not decoded. */
    {
        uint8_t whole[sizeof(innerLies)];

        memcpy(whole, innerLies, sizeof(whole));
        whole[3] = 0x64;
        g_assert_cmpint(testParseVPDTpc(whole, sizeof(whole), &tpc, &err), ==, 0);
        g_assert_cmpuint(tpc.nDescriptors, ==, 4);
        g_assert_cmpuint(tpc.nShortDescriptors, ==, 1);
        g_assert_false(tpc.hasRodTokenLimits);
        g_assert_false(tpc.overrun);
    }
}


/* More ROD types than the structure keeps: counted, not stored. */
static void
testVPDTpcManyRodTypes(void)
{
    const size_t count = VIR_SCSI_TPC_MAX_ROD_TYPES + 3;
    const size_t dlen = 4 + count * 64;
    const size_t total = 4 + 4 + dlen;
    g_autofree uint8_t *page = g_new0(uint8_t, total);
    virSCSIVPDTpc tpc;
    size_t i;

    page[1] = 0x8F;
    page[2] = (total - 4) >> 8;
    page[3] = (total - 4) & 0xff;
    page[4] = 0x01;
    page[5] = 0x08;
    page[6] = dlen >> 8;
    page[7] = dlen & 0xff;
    page[10] = (count * 64) >> 8;
    page[11] = (count * 64) & 0xff;
    for (i = 0; i < count; i++)
        page[12 + i * 64 + 3] = i + 1;      /* ROD TYPE i + 1 */

    g_assert_cmpint(testParseVPDTpc(page, total, &tpc, NULL), ==, 0);
    g_assert_true(tpc.hasRodTypes);
    g_assert_cmpuint(tpc.nRodTypes, ==, VIR_SCSI_TPC_MAX_ROD_TYPES);
    g_assert_cmpuint(tpc.nRodTypesDropped, ==, 3);
    g_assert_cmpuint(tpc.rodTypes[VIR_SCSI_TPC_MAX_ROD_TYPES - 1].rodType, ==,
                     VIR_SCSI_TPC_MAX_ROD_TYPES);
}


static void
testVPDTpcBadPage(void)
{
    uint8_t page[sizeof(vpdTpcFull)];
    virSCSIVPDTpc tpc;
    g_autoptr(GError) err = NULL;

    memcpy(page, vpdTpcFull, sizeof(page));
    page[1] = 0x83;
    g_assert_cmpint(testParseVPDTpc(page, sizeof(page), &tpc, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
    g_assert_cmpuint(tpc.nDescriptors, ==, 0);
    g_assert_false(tpc.hasSupportedCommands);

    /* An empty page is valid: no descriptors. */
    g_clear_error(&err);
    page[1] = 0x8F;
    page[2] = 0x00;
    page[3] = 0x00;
    g_assert_cmpint(testParseVPDTpc(page, sizeof(page), &tpc, &err), ==, 0);
    g_assert_cmpuint(tpc.needed, ==, 4);
    g_assert_cmpuint(tpc.nDescriptors, ==, 0);
    g_assert_false(tpc.overrun);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/tpc/op-params/lio", testOpParamsLio);
    g_test_add_func("/tpc/op-params/truncated", testOpParamsTruncated);
    g_test_add_func("/tpc/op-params/lying", testOpParamsLying);
    g_test_add_func("/tpc/op-params/malformed", testOpParamsMalformed);

    g_test_add_func("/tpc/copy-status/normal", testCopyStatusNormal);
    g_test_add_func("/tpc/copy-status/transfer-bytes", testTransferCountToBytes);
    g_test_add_func("/tpc/copy-status/truncated", testCopyStatusTruncated);
    g_test_add_func("/tpc/copy-status/oversized-lying", testCopyStatusOversizedLying);

    g_test_add_func("/tpc/rod-token-info/token", testRrtiToken);
    g_test_add_func("/tpc/rod-token-info/failed", testRrtiFailed);
    g_test_add_func("/tpc/rod-token-info/status", testRrtiStatusHelpers);
    g_test_add_func("/tpc/rod-token-info/truncated", testRrtiTruncated);
    g_test_add_func("/tpc/rod-token-info/oversized-lying", testRrtiOversizedLying);
    g_test_add_func("/tpc/rod-token-info/malformed", testRrtiMalformed);

    g_test_add_func("/tpc/vpd/full", testVPDTpcFull);
    g_test_add_func("/tpc/vpd/truncated", testVPDTpcTruncated);
    g_test_add_func("/tpc/vpd/oversized", testVPDTpcOversized);
    g_test_add_func("/tpc/vpd/lying", testVPDTpcLying);
    g_test_add_func("/tpc/vpd/many-rod-types", testVPDTpcManyRodTypes);
    g_test_add_func("/tpc/vpd/bad-page", testVPDTpcBadPage);

    return g_test_run();
}
