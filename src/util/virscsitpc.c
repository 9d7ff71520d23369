/*
 * virscsitpc.c: decoders of third-party copy data (SPC-4, SBC-4)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsitpc.h"
#include "virscsibytes.h"
#include "virscsierror.h"

#define VIR_SCSI_TPC_HEADER_LEN 4

/* Operation codes and service actions named in the Supported Commands
 * descriptor (SPC-4 table 107, SBC-4 5.12, 5.59). */
#define VIR_SCSI_TPC_OP_OUT 0x83
#define VIR_SCSI_TPC_OP_IN 0x84

/* Third-party copy descriptor types (SPC-4 table 645). */
#define VIR_SCSI_TPC_DESC_ROD_TOKEN_LIMITS 0x0000
#define VIR_SCSI_TPC_DESC_SUPPORTED_COMMANDS 0x0001
#define VIR_SCSI_TPC_DESC_PARAMETER_DATA 0x0004
#define VIR_SCSI_TPC_DESC_SUPPORTED_DESCRIPTORS 0x0008
#define VIR_SCSI_TPC_DESC_ROD_TYPES 0x0108
#define VIR_SCSI_TPC_DESC_GENERAL_COPY_OPERATIONS 0x8001

/* The ROD type descriptor of the 0108h descriptor is 64 bytes (SPC-4
 * table 657: type, flags, reserved, preference, then 56 reserved). */
#define VIR_SCSI_TPC_ROD_TYPE_DESC_LEN 64


/* 4 + a 32-bit length field, without wrapping where size_t is 32 bits. */
static size_t
virSCSITpcNeeded(uint32_t lengthField)
{
#if SIZE_MAX <= UINT32_MAX
    if (lengthField > SIZE_MAX - VIR_SCSI_TPC_HEADER_LEN)
        return SIZE_MAX;
#endif
    return (size_t)lengthField + VIR_SCSI_TPC_HEADER_LEN;
}


/*
 * The 4-byte AVAILABLE DATA header of the THIRD-PARTY COPY IN replies:
 * records what the device wants to send and where the reply really ends,
 * and insists on @minEnd bytes of mandatory fields, telling a short read
 * (TRUNCATED) from an AVAILABLE DATA too small to hold them (MALFORMED).
 */
static int
virSCSITpcReplyHeaderParse(const uint8_t *buf,
                           size_t len,
                           const char *what,
                           size_t minEnd,
                           size_t *needed,
                           size_t *end,
                           GError **error)
{
    if (!buf || len < VIR_SCSI_TPC_HEADER_LEN) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED,
                    "%s: %zu bytes, shorter than the 4-byte header",
                    what, len);
        return -1;
    }

    *needed = virSCSITpcNeeded(virSCSIGetBE32(buf));
    *end = MIN(len, *needed);

    if (*end < minEnd) {
        if (*needed < minEnd) {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                        "%s: AVAILABLE DATA %zu, the reply needs at least %zu",
                        what, *needed - VIR_SCSI_TPC_HEADER_LEN,
                        minEnd - VIR_SCSI_TPC_HEADER_LEN);
        } else {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED,
                        "%s: %zu bytes returned, the mandatory fields need %zu",
                        what, len, minEnd);
        }
        return -1;
    }

    return 0;
}


bool
virSCSITransferCountToBytes(uint8_t units,
                            uint64_t count,
                            uint32_t blockSize,
                            uint64_t *bytes)
{
    *bytes = 0;

    if (units <= VIR_SCSI_TRANSFER_UNITS_EXBIBYTES) {
        unsigned int shift = 10 * units;

        if (shift > 0 && count > (UINT64_MAX >> shift))
            *bytes = UINT64_MAX;
        else
            *bytes = count << shift;
        return true;
    }

    if (units == VIR_SCSI_TRANSFER_UNITS_BLOCKS) {
        if (blockSize == 0)
            return false;
        if (count > UINT64_MAX / blockSize)
            *bytes = UINT64_MAX;
        else
            *bytes = count * blockSize;
        return true;
    }

    return false;
}


int
virSCSICopyOpParamsParse(const uint8_t *buf,
                         size_t len,
                         virSCSICopyOpParams *out,
                         GError **error)
{
    size_t end;
    size_t present;

    memset(out, 0, sizeof(*out));

    if (virSCSITpcReplyHeaderParse(buf, len, "RECEIVE COPY OPERATING PARAMETERS",
                                   VIR_SCSI_COPY_OP_PARAMS_FIXED_LEN,
                                   &out->needed, &end, error) < 0)
        return -1;

    out->snlid = buf[4] & 0x01;
    out->maxCscdDescriptorCount = virSCSIGetBE16(buf + 8);
    out->maxSegmentDescriptorCount = virSCSIGetBE16(buf + 10);
    out->maxDescriptorListLength = virSCSIGetBE32(buf + 12);
    out->maxSegmentLength = virSCSIGetBE32(buf + 16);
    out->maxInlineDataLength = virSCSIGetBE32(buf + 20);
    out->heldDataLimit = virSCSIGetBE32(buf + 24);
    out->maxStreamDeviceTransferSize = virSCSIGetBE32(buf + 28);
    out->totalConcurrentCopies = virSCSIGetBE16(buf + 34);
    out->maxConcurrentCopies = buf[36];
    out->dataSegmentGranularityLog2 = buf[37];
    out->inlineDataGranularityLog2 = buf[38];
    out->heldDataGranularityLog2 = buf[39];
    out->implementedDescriptorListLength = buf[43];

    present = end - VIR_SCSI_COPY_OP_PARAMS_FIXED_LEN;
    out->nDescriptorTypes = MIN(present, out->implementedDescriptorListLength);
    memcpy(out->descriptorTypes, buf + VIR_SCSI_COPY_OP_PARAMS_FIXED_LEN,
           out->nDescriptorTypes);

    return 0;
}


bool
virSCSICopyOpParamsSupports(const virSCSICopyOpParams *params,
                            uint8_t descType)
{
    size_t i;

    for (i = 0; i < params->nDescriptorTypes; i++) {
        if (params->descriptorTypes[i] == descType)
            return true;
    }
    return false;
}


int
virSCSICopyStatusParse(const uint8_t *buf,
                       size_t len,
                       virSCSICopyStatus *out,
                       GError **error)
{
    size_t end;

    memset(out, 0, sizeof(*out));

    if (virSCSITpcReplyHeaderParse(buf, len, "RECEIVE COPY STATUS(LID1)",
                                   VIR_SCSI_COPY_STATUS_LEN,
                                   &out->needed, &end, error) < 0)
        return -1;

    out->heldDataDiscarded = buf[4] & 0x80;
    out->status = buf[4] & 0x7f;
    out->segmentsProcessed = virSCSIGetBE16(buf + 5);
    out->transferCountUnits = buf[7];
    out->transferCount = virSCSIGetBE32(buf + 8);

    return 0;
}


bool
virSCSICopyStatusTransferBytes(const virSCSICopyStatus *status,
                               uint32_t destBlockSize,
                               uint64_t *bytes)
{
    return virSCSITransferCountToBytes(status->transferCountUnits,
                                       status->transferCount,
                                       destBlockSize, bytes);
}


bool
virSCSICopyOperationSucceeded(uint8_t copyOperationStatus)
{
    return copyOperationStatus == VIR_SCSI_COPY_OP_COMPLETED ||
           copyOperationStatus == VIR_SCSI_COPY_OP_COMPLETED_PARTIAL_TOKEN ||
           copyOperationStatus == VIR_SCSI_COPY_OP_COMPLETED_RESIDUAL;
}


bool
virSCSICopyOperationInProgress(uint8_t copyOperationStatus)
{
    return copyOperationStatus == VIR_SCSI_COPY_OP_IN_PROGRESS ||
           copyOperationStatus == VIR_SCSI_COPY_OP_IN_PROGRESS_FOREGROUND ||
           copyOperationStatus == VIR_SCSI_COPY_OP_IN_PROGRESS_BACKGROUND;
}


/* A ROD token descriptor: the 2-byte CSCD ID, then the token. */
#define VIR_SCSI_ROD_TOKEN_DESC_LEN (2 + VIR_SCSI_ROD_TOKEN_LEN)

int
virSCSIRodTokenInfoParse(const uint8_t *buf,
                         size_t len,
                         virSCSIRodTokenInfo *out,
                         GError **error)
{
    size_t end;
    size_t x;

    memset(out, 0, sizeof(*out));

    if (virSCSITpcReplyHeaderParse(buf, len, "RECEIVE ROD TOKEN INFORMATION",
                                   VIR_SCSI_ROD_TOKEN_INFO_FIXED_LEN,
                                   &out->needed, &end, error) < 0)
        return -1;

    out->responseToServiceAction = buf[4] & 0x1f;
    out->copyOperationStatus = buf[5] & 0x7f;
    out->operationCounter = virSCSIGetBE16(buf + 6);
    out->estimatedStatusUpdateDelay = virSCSIGetBE32(buf + 8);
    out->extendedCopyCompletionStatus = buf[12];
    out->senseDataFieldLength = buf[13];
    out->senseDataLength = buf[14];
    out->transferCountUnits = buf[15];
    out->transferCount = virSCSIGetBE64(buf + 16);
    out->segmentsProcessed = virSCSIGetBE16(buf + 24);

    /* SPC-4 6.24: the sense data may be padded, never longer than its field. */
    if (out->senseDataLength > out->senseDataFieldLength) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                    "RECEIVE ROD TOKEN INFORMATION: SENSE DATA LENGTH %u exceeds "
                    "LENGTH OF THE SENSE DATA FIELD %u",
                    out->senseDataLength, out->senseDataFieldLength);
        return -1;
    }

    out->senseLen = MIN(out->senseDataLength, end - VIR_SCSI_ROD_TOKEN_INFO_FIXED_LEN);
    memcpy(out->sense, buf + VIR_SCSI_ROD_TOKEN_INFO_FIXED_LEN, out->senseLen);

    x = VIR_SCSI_ROD_TOKEN_INFO_FIXED_LEN + out->senseDataFieldLength;
    if (x + 4 > end)
        return 0;

    out->hasRodTokenDescriptorsLength = true;
    out->rodTokenDescriptorsLength = virSCSIGetBE32(buf + x);

    /*
     * A descriptors length between 1 and 513 cannot hold a token: it is
     * left absent rather than failing, since the status above is still
     * good and the caller will fall back to another copy method anyway.
     */
    if (out->rodTokenDescriptorsLength >= VIR_SCSI_ROD_TOKEN_DESC_LEN &&
        x + 4 + VIR_SCSI_ROD_TOKEN_DESC_LEN <= end) {
        out->hasToken = true;
        out->tokenCscdId = virSCSIGetBE16(buf + x + 4);
        memcpy(out->token, buf + x + 6, VIR_SCSI_ROD_TOKEN_LEN);
    }

    return 0;
}


static void
virSCSIVPDTpcRecordCommand(virSCSIVPDTpc *out,
                           uint8_t opcode,
                           uint8_t sa)
{
    if (opcode == VIR_SCSI_TPC_OP_OUT) {
        switch (sa) {
        case 0x00:
            out->extendedCopyLid1 = true;
            break;
        case 0x01:
            out->extendedCopyLid4 = true;
            break;
        case 0x10:
            out->populateToken = true;
            break;
        case 0x11:
            out->writeUsingToken = true;
            break;
        case 0x1C:
            out->copyOperationAbort = true;
            break;
        default:
            break;
        }
    } else if (opcode == VIR_SCSI_TPC_OP_IN) {
        switch (sa) {
        case 0x00:
            out->receiveCopyStatusLid1 = true;
            break;
        case 0x03:
            out->receiveCopyOperatingParameters = true;
            break;
        case 0x05:
            out->receiveCopyStatusLid4 = true;
            break;
        case 0x07:
            out->receiveRodTokenInformation = true;
            break;
        case 0x08:
            out->reportAllRodTokens = true;
            break;
        default:
            break;
        }
    }
}


/*
 * Each decoder below gets @d, the start of a descriptor, and @dlen, its
 * THIRD-PARTY COPY DESCRIPTOR LENGTH; the caller has checked that all
 * 4 + @dlen bytes are in the buffer.  A decoder returns false when the
 * descriptor is too short for the fields it reads.
 */

static bool
virSCSIVPDTpcSupportedCommandsParse(const uint8_t *d,
                                    size_t dlen,
                                    virSCSIVPDTpc *out)
{
    const uint8_t *list = d + 5;
    size_t listLen;
    size_t j = 0;

    if (dlen < 1)
        return false;

    /* The list may not claim more than its descriptor holds. */
    listLen = MIN(d[4], dlen - 1);

    /* Command support descriptors: opcode, SA list length, the SAs. */
    while (j + 2 <= listLen) {
        uint8_t opcode = list[j];
        size_t saLen = list[j + 1];
        size_t saEnd = MIN(j + 2 + saLen, listLen);
        size_t k;

        for (k = j + 2; k < saEnd; k++)
            virSCSIVPDTpcRecordCommand(out, opcode, list[k]);

        j += 2 + saLen;
    }

    out->hasSupportedCommands = true;
    return true;
}


static bool
virSCSIVPDTpcRodTokenLimitsParse(const uint8_t *d,
                                 size_t dlen,
                                 virSCSIVPDTpc *out)
{
    /* Bytes 4-9 are vendor specific; the last field ends at byte 35. */
    if (dlen < 32)
        return false;

    out->hasRodTokenLimits = true;
    out->maxRangeDescriptors = virSCSIGetBE16(d + 10);
    out->maxInactivityTimeout = virSCSIGetBE32(d + 12);
    out->defaultInactivityTimeout = virSCSIGetBE32(d + 16);
    out->maxTokenTransferSize = virSCSIGetBE64(d + 20);
    out->optimalTransferCount = virSCSIGetBE64(d + 28);
    return true;
}


static bool
virSCSIVPDTpcParameterDataParse(const uint8_t *d,
                                size_t dlen,
                                virSCSIVPDTpc *out)
{
    /* Bytes 4-7 reserved; the last field read ends at byte 19. */
    if (dlen < 16)
        return false;

    out->hasParameterData = true;
    out->maxCscdDescriptorCount = virSCSIGetBE16(d + 8);
    out->maxSegmentDescriptorCount = virSCSIGetBE16(d + 10);
    out->maxDescriptorListLength = virSCSIGetBE32(d + 12);
    out->maxInlineDataLength = virSCSIGetBE32(d + 16);
    return true;
}


static bool
virSCSIVPDTpcSupportedDescriptorsParse(const uint8_t *d,
                                       size_t dlen,
                                       virSCSIVPDTpc *out)
{
    if (dlen < 1)
        return false;

    out->hasSupportedDescriptors = true;
    out->nSupportedDescriptors = MIN(d[4], dlen - 1);
    memcpy(out->supportedDescriptors, d + 5, out->nSupportedDescriptors);
    return true;
}


static bool
virSCSIVPDTpcRodTypesParse(const uint8_t *d,
                           size_t dlen,
                           virSCSIVPDTpc *out)
{
    size_t listLen;
    size_t count;
    size_t i;

    /* Bytes 4-5 reserved, 6-7 ROD TYPE DESCRIPTORS LENGTH. */
    if (dlen < 4)
        return false;

    listLen = MIN(virSCSIGetBE16(d + 6), dlen - 4);
    count = listLen / VIR_SCSI_TPC_ROD_TYPE_DESC_LEN;

    out->hasRodTypes = true;
    out->nRodTypes = MIN(count, VIR_SCSI_TPC_MAX_ROD_TYPES);
    out->nRodTypesDropped = count - out->nRodTypes;

    for (i = 0; i < out->nRodTypes; i++) {
        const uint8_t *r = d + 8 + i * VIR_SCSI_TPC_ROD_TYPE_DESC_LEN;
        virSCSITpcRodType *rt = &out->rodTypes[i];

        rt->rodType = virSCSIGetBE32(r);
        rt->ecpyInt = r[4] & 0x80;
        rt->tokenIn = r[4] & 0x02;
        rt->tokenOut = r[4] & 0x01;
        rt->preference = virSCSIGetBE16(r + 6);
    }
    return true;
}


static bool
virSCSIVPDTpcGeneralCopyOperationsParse(const uint8_t *d,
                                        size_t dlen,
                                        virSCSIVPDTpc *out)
{
    /* The last field read is INLINE DATA GRANULARITY at byte 17. */
    if (dlen < 14)
        return false;

    out->hasGeneralCopyOperations = true;
    out->totalConcurrentCopies = virSCSIGetBE32(d + 4);
    out->maxIdentifiedConcurrentCopies = virSCSIGetBE32(d + 8);
    out->maxSegmentLength = virSCSIGetBE32(d + 12);
    out->dataSegmentGranularityLog2 = d[16];
    out->inlineDataGranularityLog2 = d[17];
    return true;
}


int
virSCSIVPDTpcParse(const uint8_t *buf,
                   size_t len,
                   virSCSIVPDTpc *out,
                   GError **error)
{
    size_t end;
    size_t off = VIR_SCSI_TPC_HEADER_LEN;

    memset(out, 0, sizeof(*out));

    if (!buf || len < VIR_SCSI_TPC_HEADER_LEN) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED,
                    "Third-party Copy VPD page: %zu bytes, shorter than the 4-byte header",
                    len);
        return -1;
    }

    if (buf[1] != VIR_SCSI_VPD_THIRD_PARTY_COPY) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                    "Third-party Copy VPD page: page code 0x%02x, expected 0x%02x",
                    buf[1], VIR_SCSI_VPD_THIRD_PARTY_COPY);
        return -1;
    }

    out->peripheralQualifier = buf[0] >> 5;
    out->peripheralDeviceType = buf[0] & 0x1f;
    out->needed = VIR_SCSI_TPC_HEADER_LEN + virSCSIGetBE16(buf + 2);
    end = MIN(len, out->needed);

    while (off < end) {
        const uint8_t *d = buf + off;
        uint16_t type;
        size_t dlen;
        bool decoded;

        /* Also catches a stray 1-3 bytes too few for a descriptor header. */
        if (off + VIR_SCSI_TPC_HEADER_LEN > end) {
            out->overrun = true;
            break;
        }

        type = virSCSIGetBE16(d);
        dlen = virSCSIGetBE16(d + 2);
        if (off + VIR_SCSI_TPC_HEADER_LEN + dlen > end) {
            out->overrun = true;
            break;
        }

        out->nDescriptors++;

        switch (type) {
        case VIR_SCSI_TPC_DESC_ROD_TOKEN_LIMITS:
            decoded = virSCSIVPDTpcRodTokenLimitsParse(d, dlen, out);
            break;
        case VIR_SCSI_TPC_DESC_SUPPORTED_COMMANDS:
            decoded = virSCSIVPDTpcSupportedCommandsParse(d, dlen, out);
            break;
        case VIR_SCSI_TPC_DESC_PARAMETER_DATA:
            decoded = virSCSIVPDTpcParameterDataParse(d, dlen, out);
            break;
        case VIR_SCSI_TPC_DESC_SUPPORTED_DESCRIPTORS:
            decoded = virSCSIVPDTpcSupportedDescriptorsParse(d, dlen, out);
            break;
        case VIR_SCSI_TPC_DESC_ROD_TYPES:
            decoded = virSCSIVPDTpcRodTypesParse(d, dlen, out);
            break;
        case VIR_SCSI_TPC_DESC_GENERAL_COPY_OPERATIONS:
            decoded = virSCSIVPDTpcGeneralCopyOperationsParse(d, dlen, out);
            break;
        default:
            /* 000Ch, 0106h, 9101h, C001h and vendor types: not needed here. */
            out->nUnknownDescriptors++;
            decoded = true;
            break;
        }

        if (!decoded)
            out->nShortDescriptors++;

        off += VIR_SCSI_TPC_HEADER_LEN + dlen;
    }

    return 0;
}


bool
virSCSIVPDTpcSupportsDescriptor(const virSCSIVPDTpc *tpc,
                                uint8_t descType)
{
    size_t i;

    for (i = 0; i < tpc->nSupportedDescriptors; i++) {
        if (tpc->supportedDescriptors[i] == descType)
            return true;
    }
    return false;
}


const virSCSITpcRodType *
virSCSIVPDTpcFindRodType(const virSCSIVPDTpc *tpc,
                         uint32_t rodType)
{
    size_t i;

    for (i = 0; i < tpc->nRodTypes; i++) {
        if (tpc->rodTypes[i].rodType == rodType)
            return &tpc->rodTypes[i];
    }
    return NULL;
}
