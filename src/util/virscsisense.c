/*
 * virscsisense.c: decoding SCSI sense data (fixed and descriptor formats)
 * and naming SCSI status codes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsisense.h"
#include "virscsibytes.h"
#include "virscsierror.h"

/*
 * Fixed format needs byte 2 (the sense key), descriptor format byte 1.
 * Anything after that is optional: transports with small sense buffers,
 * and old devices, return shortened sense, and the key alone still tells
 * the caller most of what it needs.
 */
#define VIR_SCSI_SENSE_FIXED_MIN 3
#define VIR_SCSI_SENSE_DESC_MIN 2

/* Byte 7 is ADDITIONAL SENSE LENGTH in both formats. */
#define VIR_SCSI_SENSE_HEADER_LEN 8


static void
virSCSISenseDecodeSks(const uint8_t *p,
                      uint8_t key,
                      virSCSISenseSks *sks)
{
    memcpy(sks->raw, p, sizeof(sks->raw));
    sks->sksv = !!(p[0] & 0x80);

    /* SPC-4 4.5.2.4.1: with SKSV = 0 the bytes carry nothing. */
    if (!sks->sksv) {
        sks->type = VIR_SCSI_SENSE_SKS_NONE;
        return;
    }

    switch (key) {
    case VIR_SCSI_SENSE_KEY_ILLEGAL_REQUEST:
        sks->type = VIR_SCSI_SENSE_SKS_FIELD_POINTER;
        sks->commandData = !!(p[0] & 0x40);
        sks->bitPointerValid = !!(p[0] & 0x08);
        sks->bitPointer = p[0] & 0x07;
        sks->fieldPointer = virSCSIGetBE16(p + 1);
        break;
    case VIR_SCSI_SENSE_KEY_RECOVERED_ERROR:
    case VIR_SCSI_SENSE_KEY_MEDIUM_ERROR:
    case VIR_SCSI_SENSE_KEY_HARDWARE_ERROR:
        sks->type = VIR_SCSI_SENSE_SKS_RETRY_COUNT;
        sks->retryCount = virSCSIGetBE16(p + 1);
        break;
    case VIR_SCSI_SENSE_KEY_NO_SENSE:
    case VIR_SCSI_SENSE_KEY_NOT_READY:
        sks->type = VIR_SCSI_SENSE_SKS_PROGRESS;
        sks->progress = virSCSIGetBE16(p + 1);
        break;
    case VIR_SCSI_SENSE_KEY_COPY_ABORTED:
        sks->type = VIR_SCSI_SENSE_SKS_SEGMENT_POINTER;
        sks->segmentDescriptor = !!(p[0] & 0x20);
        sks->bitPointerValid = !!(p[0] & 0x08);
        sks->bitPointer = p[0] & 0x07;
        sks->fieldPointer = virSCSIGetBE16(p + 1);
        break;
    case VIR_SCSI_SENSE_KEY_UNIT_ATTENTION:
        sks->type = VIR_SCSI_SENSE_SKS_UA_OVERFLOW;
        sks->overflow = !!(p[0] & 0x01);
        break;
    default:
        sks->type = VIR_SCSI_SENSE_SKS_OTHER;
        break;
    }
}


/*
 * The sense length the device claims, and how much of the buffer to look
 * at: never past what was returned, never past what the device says is
 * sense data (the rest of a transport's sense buffer may be stale).
 */
static size_t
virSCSISenseLimit(const uint8_t *buf,
                  size_t len,
                  size_t *needed)
{
    size_t claimed;

    if (len < VIR_SCSI_SENSE_HEADER_LEN) {
        *needed = len;
        return len;
    }

    claimed = VIR_SCSI_SENSE_HEADER_LEN + (size_t)buf[7];
    *needed = claimed;
    return MIN(len, claimed);
}


static void
virSCSISenseParseFixed(const uint8_t *buf,
                       size_t limit,
                       virSCSISense *out)
{
    out->senseKey = buf[2] & 0x0F;
    out->hasStreamFlags = true;
    out->filemark = !!(buf[2] & 0x80);
    out->eom = !!(buf[2] & 0x40);
    out->ili = !!(buf[2] & 0x20);

    /* The VALID bit is the only way to tell INFORMATION from garbage. */
    if (limit >= 7 && (buf[0] & 0x80)) {
        out->hasInformation = true;
        out->information = virSCSIGetBE32(buf + 3);
    }

    if (limit >= 12) {
        out->hasCommandSpecific = true;
        out->commandSpecific = virSCSIGetBE32(buf + 8);
    }

    if (limit >= 14) {
        out->hasAsc = true;
        out->asc = buf[12];
        out->ascq = buf[13];
    }

    if (limit >= 18) {
        out->hasSenseKeySpecific = true;
        virSCSISenseDecodeSks(buf + 15, out->senseKey, &out->sks);
    }
}


/*
 * One descriptor, @dlen bytes including its 2-byte header, all within the
 * sense data.  A descriptor shorter than its type needs is skipped rather
 * than failing the whole sense: the key and ASC/ASCQ still matter more
 * than a malformed extra.  The first descriptor of each type wins.
 */
static void
virSCSISenseParseDescriptor(const uint8_t *d,
                            size_t dlen,
                            virSCSISense *out)
{
    switch (d[0]) {
    case VIR_SCSI_SENSE_DESC_INFORMATION:
        if (dlen < 12 || out->hasInformation)
            return;
        /* SPC-4 requires VALID = 1 here; honour it all the same. */
        if (!(d[2] & 0x80))
            return;
        out->hasInformation = true;
        out->information = virSCSIGetBE64(d + 4);
        break;

    case VIR_SCSI_SENSE_DESC_COMMAND_SPECIFIC:
        if (dlen < 12 || out->hasCommandSpecific)
            return;
        out->hasCommandSpecific = true;
        out->commandSpecific = virSCSIGetBE64(d + 4);
        break;

    case VIR_SCSI_SENSE_DESC_SENSE_KEY_SPECIFIC:
        if (dlen < 8 || out->hasSenseKeySpecific)
            return;
        out->hasSenseKeySpecific = true;
        virSCSISenseDecodeSks(d + 4, out->senseKey, &out->sks);
        break;

    case VIR_SCSI_SENSE_DESC_STREAM_COMMANDS:
        if (dlen < 4 || out->hasStreamFlags)
            return;
        out->hasStreamFlags = true;
        out->filemark = !!(d[3] & 0x80);
        out->eom = !!(d[3] & 0x40);
        out->ili = !!(d[3] & 0x20);
        break;

    case VIR_SCSI_SENSE_DESC_BLOCK_COMMANDS:
        if (dlen < 4 || out->hasStreamFlags)
            return;
        out->hasStreamFlags = true;
        out->ili = !!(d[3] & 0x20);
        break;

    default:
        /* FRU code, ATA status return, vendor descriptors...: not ours. */
        break;
    }
}


static void
virSCSISenseParseDesc(const uint8_t *buf,
                      size_t limit,
                      virSCSISense *out)
{
    size_t off = VIR_SCSI_SENSE_HEADER_LEN;

    out->senseKey = buf[1] & 0x0F;

    if (limit >= 4) {
        out->hasAsc = true;
        out->asc = buf[2];
        out->ascq = buf[3];
    }

    while (off < limit && limit - off >= 2) {
        size_t dlen = 2 + (size_t)buf[off + 1];

        /* A descriptor that would overrun the sense data ends the walk. */
        if (dlen > limit - off)
            break;

        virSCSISenseParseDescriptor(buf + off, dlen, out);
        off += dlen;
    }
}


int
virSCSISenseParse(const uint8_t *buf,
                  size_t len,
                  virSCSISense *out,
                  GError **error)
{
    size_t limit;

    memset(out, 0, sizeof(*out));

    if (len < 1) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED,
                    "sense data is empty");
        return -1;
    }

    /* Bit 7 is VALID in fixed format and reserved in descriptor format. */
    out->responseCode = buf[0] & 0x7F;

    switch (out->responseCode) {
    case VIR_SCSI_SENSE_FIXED_CURRENT:
    case VIR_SCSI_SENSE_FIXED_DEFERRED:
        if (len < VIR_SCSI_SENSE_FIXED_MIN) {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED,
                        "fixed format sense data too short: %zu bytes, need %d",
                        len, VIR_SCSI_SENSE_FIXED_MIN);
            goto error;
        }
        out->deferred = out->responseCode == VIR_SCSI_SENSE_FIXED_DEFERRED;
        limit = virSCSISenseLimit(buf, len, &out->needed);
        virSCSISenseParseFixed(buf, limit, out);
        return 0;

    case VIR_SCSI_SENSE_DESC_CURRENT:
    case VIR_SCSI_SENSE_DESC_DEFERRED:
        if (len < VIR_SCSI_SENSE_DESC_MIN) {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED,
                        "descriptor format sense data too short: %zu bytes, need %d",
                        len, VIR_SCSI_SENSE_DESC_MIN);
            goto error;
        }
        out->descriptorFormat = true;
        out->deferred = out->responseCode == VIR_SCSI_SENSE_DESC_DEFERRED;
        limit = virSCSISenseLimit(buf, len, &out->needed);
        virSCSISenseParseDesc(buf, limit, out);
        return 0;

    default:
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                    "unknown sense data response code 0x%02x",
                    out->responseCode);
        goto error;
    }

 error:
    memset(out, 0, sizeof(*out));
    return -1;
}


uint16_t
virSCSISenseAscq(const virSCSISense *s)
{
    if (!s->hasAsc)
        return VIR_SCSI_ASC_NO_ADDITIONAL_SENSE;
    return VIR_SCSI_ASCQ(s->asc, s->ascq);
}


static const char *const virSCSISenseKeyNames[16] = {
    [VIR_SCSI_SENSE_KEY_NO_SENSE] = "NO SENSE",
    [VIR_SCSI_SENSE_KEY_RECOVERED_ERROR] = "RECOVERED ERROR",
    [VIR_SCSI_SENSE_KEY_NOT_READY] = "NOT READY",
    [VIR_SCSI_SENSE_KEY_MEDIUM_ERROR] = "MEDIUM ERROR",
    [VIR_SCSI_SENSE_KEY_HARDWARE_ERROR] = "HARDWARE ERROR",
    [VIR_SCSI_SENSE_KEY_ILLEGAL_REQUEST] = "ILLEGAL REQUEST",
    [VIR_SCSI_SENSE_KEY_UNIT_ATTENTION] = "UNIT ATTENTION",
    [VIR_SCSI_SENSE_KEY_DATA_PROTECT] = "DATA PROTECT",
    [VIR_SCSI_SENSE_KEY_BLANK_CHECK] = "BLANK CHECK",
    [VIR_SCSI_SENSE_KEY_VENDOR_SPECIFIC] = "VENDOR SPECIFIC",
    [VIR_SCSI_SENSE_KEY_COPY_ABORTED] = "COPY ABORTED",
    [VIR_SCSI_SENSE_KEY_ABORTED_COMMAND] = "ABORTED COMMAND",
    [VIR_SCSI_SENSE_KEY_EQUAL] = "EQUAL",
    [VIR_SCSI_SENSE_KEY_VOLUME_OVERFLOW] = "VOLUME OVERFLOW",
    [VIR_SCSI_SENSE_KEY_MISCOMPARE] = "MISCOMPARE",
    [VIR_SCSI_SENSE_KEY_COMPLETED] = "COMPLETED",
};


const char *
virSCSISenseKeyName(uint8_t key)
{
    if (key >= G_N_ELEMENTS(virSCSISenseKeyNames))
        return "UNKNOWN SENSE KEY";
    return virSCSISenseKeyNames[key];
}


typedef struct _virSCSISenseAscqEntry virSCSISenseAscqEntry;
struct _virSCSISenseAscqEntry {
    uint16_t ascq;
    const char *text;
};

/* SPC-4 annex D, limited to what this project's commands provoke. */
static const virSCSISenseAscqEntry virSCSISenseAscqTable[] = {
    { VIR_SCSI_ASC_NO_ADDITIONAL_SENSE, "NO ADDITIONAL SENSE INFORMATION" },
    { VIR_SCSI_ASCQ(0x00, 0x16), "OPERATION IN PROGRESS" },
    { VIR_SCSI_ASC_LUN_NOT_READY, "LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE" },
    { VIR_SCSI_ASC_LUN_BECOMING_READY, "LOGICAL UNIT IS IN PROCESS OF BECOMING READY" },
    { VIR_SCSI_ASC_LUN_NOT_READY_INIT_REQUIRED, "LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED" },
    { VIR_SCSI_ASCQ(0x04, 0x03), "LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED" },
    { VIR_SCSI_ASCQ(0x04, 0x04), "LOGICAL UNIT NOT READY, FORMAT IN PROGRESS" },
    { VIR_SCSI_ASC_LUN_NOT_READY_OP_IN_PROGRESS, "LOGICAL UNIT NOT READY, OPERATION IN PROGRESS" },
    { VIR_SCSI_ASC_LUN_ALUA_TRANSITION, "LOGICAL UNIT NOT ACCESSIBLE, ASYMMETRIC ACCESS STATE TRANSITION" },
    { VIR_SCSI_ASC_LUN_ALUA_STANDBY, "LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN STANDBY STATE" },
    { VIR_SCSI_ASC_LUN_ALUA_UNAVAILABLE, "LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN UNAVAILABLE STATE" },
    { VIR_SCSI_ASCQ(0x04, 0x1B), "LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS" },
    { VIR_SCSI_ASC_LUN_COMMUNICATION_FAILURE, "LOGICAL UNIT COMMUNICATION FAILURE" },
    { VIR_SCSI_ASC_WRITE_ERROR, "WRITE ERROR" },
    { VIR_SCSI_ASC_THIRD_PARTY_INITIATOR_ERROR, "ERROR DETECTED BY THIRD PARTY TEMPORARY INITIATOR" },
    { VIR_SCSI_ASC_THIRD_PARTY_DEVICE_FAILURE, "THIRD PARTY DEVICE FAILURE" },
    { VIR_SCSI_ASC_COPY_TARGET_NOT_REACHABLE, "COPY TARGET DEVICE NOT REACHABLE" },
    { VIR_SCSI_ASC_COPY_TARGET_INCORRECT_TYPE, "INCORRECT COPY TARGET DEVICE TYPE" },
    { VIR_SCSI_ASC_COPY_TARGET_DATA_UNDERRUN, "COPY TARGET DEVICE DATA UNDERRUN" },
    { VIR_SCSI_ASC_COPY_TARGET_DATA_OVERRUN, "COPY TARGET DEVICE DATA OVERRUN" },
    { VIR_SCSI_ASC_UNRECOVERED_READ_ERROR, "UNRECOVERED READ ERROR" },
    { VIR_SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR, "PARAMETER LIST LENGTH ERROR" },
    { VIR_SCSI_ASC_MISCOMPARE_DURING_VERIFY, "MISCOMPARE DURING VERIFY OPERATION" },
    { VIR_SCSI_ASC_INVALID_OPCODE, "INVALID COMMAND OPERATION CODE" },
    { VIR_SCSI_ASC_LBA_OUT_OF_RANGE, "LOGICAL BLOCK ADDRESS OUT OF RANGE" },
    { VIR_SCSI_ASC_INVALID_TOKEN_OPERATION, "INVALID TOKEN OPERATION, CAUSE NOT REPORTABLE" },
    { VIR_SCSI_ASCQ(0x23, 0x01), "INVALID TOKEN OPERATION, UNSUPPORTED TOKEN TYPE" },
    { VIR_SCSI_ASCQ(0x23, 0x02), "INVALID TOKEN OPERATION, REMOTE TOKEN USAGE NOT SUPPORTED" },
    { VIR_SCSI_ASCQ(0x23, 0x03), "INVALID TOKEN OPERATION, REMOTE ROD TOKEN CREATION NOT SUPPORTED" },
    { VIR_SCSI_ASCQ(0x23, 0x04), "INVALID TOKEN OPERATION, TOKEN UNKNOWN" },
    { VIR_SCSI_ASCQ(0x23, 0x05), "INVALID TOKEN OPERATION, TOKEN CORRUPT" },
    { VIR_SCSI_ASCQ(0x23, 0x06), "INVALID TOKEN OPERATION, TOKEN REVOKED" },
    { VIR_SCSI_ASCQ(0x23, 0x07), "INVALID TOKEN OPERATION, TOKEN EXPIRED" },
    { VIR_SCSI_ASCQ(0x23, 0x08), "INVALID TOKEN OPERATION, TOKEN CANCELLED" },
    { VIR_SCSI_ASCQ(0x23, 0x09), "INVALID TOKEN OPERATION, TOKEN DELETED" },
    { VIR_SCSI_ASCQ(0x23, 0x0A), "INVALID TOKEN OPERATION, INVALID TOKEN LENGTH" },
    { VIR_SCSI_ASC_INVALID_FIELD_IN_CDB, "INVALID FIELD IN CDB" },
    { VIR_SCSI_ASC_LUN_NOT_SUPPORTED, "LOGICAL UNIT NOT SUPPORTED" },
    { VIR_SCSI_ASC_INVALID_FIELD_IN_PARAM_LIST, "INVALID FIELD IN PARAMETER LIST" },
    { VIR_SCSI_ASC_PARAMETER_NOT_SUPPORTED, "PARAMETER NOT SUPPORTED" },
    { VIR_SCSI_ASC_PARAMETER_VALUE_INVALID, "PARAMETER VALUE INVALID" },
    { VIR_SCSI_ASC_TOO_MANY_TARGET_DESCRIPTORS, "TOO MANY TARGET DESCRIPTORS" },
    { VIR_SCSI_ASC_UNSUPPORTED_TARGET_DESCRIPTOR, "UNSUPPORTED TARGET DESCRIPTOR TYPE CODE" },
    { VIR_SCSI_ASC_TOO_MANY_SEGMENT_DESCRIPTORS, "TOO MANY SEGMENT DESCRIPTORS" },
    { VIR_SCSI_ASC_UNSUPPORTED_SEGMENT_DESCRIPTOR, "UNSUPPORTED SEGMENT DESCRIPTOR TYPE CODE" },
    { VIR_SCSI_ASC_UNEXPECTED_INEXACT_SEGMENT, "UNEXPECTED INEXACT SEGMENT" },
    { VIR_SCSI_ASC_INLINE_DATA_LENGTH_EXCEEDED, "INLINE DATA LENGTH EXCEEDED" },
    { VIR_SCSI_ASC_INVALID_COPY_OPERATION, "INVALID OPERATION FOR COPY SOURCE OR DESTINATION" },
    { VIR_SCSI_ASC_COPY_SEGMENT_GRANULARITY, "COPY SEGMENT GRANULARITY VIOLATION" },
    { VIR_SCSI_ASC_WRITE_PROTECTED, "WRITE PROTECTED" },
    { VIR_SCSI_ASC_SPACE_ALLOCATION_FAILED, "SPACE ALLOCATION FAILED WRITE PROTECT" },
    { VIR_SCSI_ASC_MEDIUM_MAY_HAVE_CHANGED, "NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED" },
    { VIR_SCSI_ASC_POWER_ON_OR_RESET, "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED" },
    { VIR_SCSI_ASCQ(0x29, 0x01), "POWER ON OCCURRED" },
    { VIR_SCSI_ASCQ(0x29, 0x02), "SCSI BUS RESET OCCURRED" },
    { VIR_SCSI_ASCQ(0x29, 0x03), "BUS DEVICE RESET FUNCTION OCCURRED" },
    { VIR_SCSI_ASC_I_T_NEXUS_LOSS, "I_T NEXUS LOSS OCCURRED" },
    { VIR_SCSI_ASC_MODE_PARAMETERS_CHANGED, "MODE PARAMETERS CHANGED" },
    { VIR_SCSI_ASC_RESERVATIONS_PREEMPTED, "RESERVATIONS PREEMPTED" },
    { VIR_SCSI_ASC_ALUA_STATE_CHANGED, "ASYMMETRIC ACCESS STATE CHANGED" },
    { VIR_SCSI_ASC_CAPACITY_DATA_CHANGED, "CAPACITY DATA HAS CHANGED" },
    { VIR_SCSI_ASC_COMMAND_SEQUENCE_ERROR, "COMMAND SEQUENCE ERROR" },
    { VIR_SCSI_ASC_COMMANDS_CLEARED, "COMMANDS CLEARED BY ANOTHER INITIATOR" },
    { VIR_SCSI_ASC_THIN_PROVISIONING_THRESHOLD, "THIN PROVISIONING SOFT THRESHOLD REACHED" },
    { VIR_SCSI_ASC_MEDIUM_NOT_PRESENT, "MEDIUM NOT PRESENT" },
    { VIR_SCSI_ASCQ(0x3E, 0x02), "TIMEOUT ON LOGICAL UNIT" },
    { VIR_SCSI_ASC_INQUIRY_DATA_CHANGED, "INQUIRY DATA HAS CHANGED" },
    { VIR_SCSI_ASC_REPORTED_LUNS_DATA_CHANGED, "REPORTED LUNS DATA HAS CHANGED" },
    { VIR_SCSI_ASC_INTERNAL_TARGET_FAILURE, "INTERNAL TARGET FAILURE" },
    { VIR_SCSI_ASC_INSUFFICIENT_RESOURCES, "INSUFFICIENT RESOURCES" },
    { VIR_SCSI_ASC_INSUFFICIENT_RESOURCES_ROD, "INSUFFICIENT RESOURCES TO CREATE ROD" },
    { VIR_SCSI_ASC_INSUFFICIENT_RESOURCES_ROD_TOKEN, "INSUFFICIENT RESOURCES TO CREATE ROD TOKEN" },
};


const char *
virSCSISenseAscqText(uint8_t asc,
                     uint8_t ascq)
{
    uint16_t key = VIR_SCSI_ASCQ(asc, ascq);
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(virSCSISenseAscqTable); i++) {
        if (virSCSISenseAscqTable[i].ascq == key)
            return virSCSISenseAscqTable[i].text;
    }
    return NULL;
}


static void
virSCSISenseDescribeSks(GString *str,
                        const virSCSISenseSks *sks)
{
    switch (sks->type) {
    case VIR_SCSI_SENSE_SKS_FIELD_POINTER:
        g_string_append_printf(str, ", field: %s byte %u",
                               sks->commandData ? "CDB" : "parameter list",
                               sks->fieldPointer);
        if (sks->bitPointerValid)
            g_string_append_printf(str, " bit %u", sks->bitPointer);
        break;
    case VIR_SCSI_SENSE_SKS_SEGMENT_POINTER:
        g_string_append_printf(str, ", %s parameter list byte %u",
                               sks->segmentDescriptor ?
                               "segment descriptor at" : "field at",
                               sks->fieldPointer);
        if (sks->bitPointerValid)
            g_string_append_printf(str, " bit %u", sks->bitPointer);
        break;
    case VIR_SCSI_SENSE_SKS_RETRY_COUNT:
        g_string_append_printf(str, ", %u retries", sks->retryCount);
        break;
    case VIR_SCSI_SENSE_SKS_PROGRESS:
        /* PROGRESS INDICATION is a fraction of 65536. */
        g_string_append_printf(str, ", %u%% done",
                               (unsigned int)(sks->progress * 100u / 65536u));
        break;
    case VIR_SCSI_SENSE_SKS_UA_OVERFLOW:
        if (sks->overflow)
            g_string_append(str, ", unit attention queue overflowed");
        break;
    case VIR_SCSI_SENSE_SKS_NONE:
    case VIR_SCSI_SENSE_SKS_OTHER:
        break;
    }
}


char *
virSCSISenseDescribe(const virSCSISense *s)
{
    GString *str = g_string_new(NULL);

    if (s->deferred)
        g_string_append(str, "deferred error: ");

    g_string_append(str, virSCSISenseKeyName(s->senseKey));

    if (s->hasAsc) {
        const char *text = virSCSISenseAscqText(s->asc, s->ascq);

        if (text)
            g_string_append_printf(str, ", %s", text);
        g_string_append_printf(str, " (asc 0x%02x, ascq 0x%02x)",
                               s->asc, s->ascq);
    }

    if (s->hasInformation) {
        g_string_append_printf(str, ", information 0x%" G_GINT64_MODIFIER "x",
                               (guint64)s->information);
    }

    if (s->hasSenseKeySpecific)
        virSCSISenseDescribeSks(str, &s->sks);

    return g_string_free(str, FALSE);
}


const char *
virSCSIStatusName(uint8_t status)
{
    switch (status) {
    case VIR_SCSI_STATUS_GOOD:
        return "GOOD";
    case VIR_SCSI_STATUS_CHECK_CONDITION:
        return "CHECK CONDITION";
    case VIR_SCSI_STATUS_CONDITION_MET:
        return "CONDITION MET";
    case VIR_SCSI_STATUS_BUSY:
        return "BUSY";
    case VIR_SCSI_STATUS_INTERMEDIATE:
        return "INTERMEDIATE";
    case VIR_SCSI_STATUS_INTERMEDIATE_CONDITION_MET:
        return "INTERMEDIATE-CONDITION MET";
    case VIR_SCSI_STATUS_RESERVATION_CONFLICT:
        return "RESERVATION CONFLICT";
    case VIR_SCSI_STATUS_COMMAND_TERMINATED:
        return "COMMAND TERMINATED";
    case VIR_SCSI_STATUS_TASK_SET_FULL:
        return "TASK SET FULL";
    case VIR_SCSI_STATUS_ACA_ACTIVE:
        return "ACA ACTIVE";
    case VIR_SCSI_STATUS_TASK_ABORTED:
        return "TASK ABORTED";
    default:
        return "UNKNOWN STATUS";
    }
}
