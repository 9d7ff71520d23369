/*
 * virscsisense.h: decoding SCSI sense data (fixed and descriptor formats)
 * and naming SCSI status codes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/* SAM-5 status codes (the byte the target returns with the command). */
#define VIR_SCSI_STATUS_GOOD                 0x00
#define VIR_SCSI_STATUS_CHECK_CONDITION      0x02
#define VIR_SCSI_STATUS_CONDITION_MET        0x04
#define VIR_SCSI_STATUS_BUSY                 0x08
#define VIR_SCSI_STATUS_INTERMEDIATE         0x10 /* obsolete */
#define VIR_SCSI_STATUS_INTERMEDIATE_CONDITION_MET 0x14 /* obsolete */
#define VIR_SCSI_STATUS_RESERVATION_CONFLICT 0x18
#define VIR_SCSI_STATUS_COMMAND_TERMINATED   0x22 /* obsolete */
#define VIR_SCSI_STATUS_TASK_SET_FULL        0x28
#define VIR_SCSI_STATUS_ACA_ACTIVE           0x30
#define VIR_SCSI_STATUS_TASK_ABORTED         0x40

/* SPC-4 4.5.1: sense data response codes (byte 0, bits 6-0). */
#define VIR_SCSI_SENSE_FIXED_CURRENT         0x70
#define VIR_SCSI_SENSE_FIXED_DEFERRED        0x71
#define VIR_SCSI_SENSE_DESC_CURRENT          0x72
#define VIR_SCSI_SENSE_DESC_DEFERRED         0x73

/* SPC-4 table 45: sense keys. */
#define VIR_SCSI_SENSE_KEY_NO_SENSE          0x00
#define VIR_SCSI_SENSE_KEY_RECOVERED_ERROR   0x01
#define VIR_SCSI_SENSE_KEY_NOT_READY         0x02
#define VIR_SCSI_SENSE_KEY_MEDIUM_ERROR      0x03
#define VIR_SCSI_SENSE_KEY_HARDWARE_ERROR    0x04
#define VIR_SCSI_SENSE_KEY_ILLEGAL_REQUEST   0x05
#define VIR_SCSI_SENSE_KEY_UNIT_ATTENTION    0x06
#define VIR_SCSI_SENSE_KEY_DATA_PROTECT      0x07
#define VIR_SCSI_SENSE_KEY_BLANK_CHECK       0x08
#define VIR_SCSI_SENSE_KEY_VENDOR_SPECIFIC   0x09
#define VIR_SCSI_SENSE_KEY_COPY_ABORTED      0x0A
#define VIR_SCSI_SENSE_KEY_ABORTED_COMMAND   0x0B
#define VIR_SCSI_SENSE_KEY_EQUAL             0x0C /* obsolete */
#define VIR_SCSI_SENSE_KEY_VOLUME_OVERFLOW   0x0D
#define VIR_SCSI_SENSE_KEY_MISCOMPARE        0x0E
#define VIR_SCSI_SENSE_KEY_COMPLETED         0x0F /* SPC-5 */

/*
 * ASC/ASCQ pairs this project acts on, as (asc << 8) | ascq so a pair is
 * one comparable value: see virSCSISenseAscq().
 */
#define VIR_SCSI_ASCQ(asc, ascq) ((uint16_t)(((asc) << 8) | (ascq)))

#define VIR_SCSI_ASC_NO_ADDITIONAL_SENSE           VIR_SCSI_ASCQ(0x00, 0x00)
#define VIR_SCSI_ASC_LUN_NOT_READY                 VIR_SCSI_ASCQ(0x04, 0x00)
#define VIR_SCSI_ASC_LUN_BECOMING_READY            VIR_SCSI_ASCQ(0x04, 0x01)
#define VIR_SCSI_ASC_LUN_NOT_READY_INIT_REQUIRED   VIR_SCSI_ASCQ(0x04, 0x02)
#define VIR_SCSI_ASC_LUN_NOT_READY_OP_IN_PROGRESS  VIR_SCSI_ASCQ(0x04, 0x07)
#define VIR_SCSI_ASC_LUN_ALUA_TRANSITION           VIR_SCSI_ASCQ(0x04, 0x0A)
#define VIR_SCSI_ASC_LUN_ALUA_STANDBY              VIR_SCSI_ASCQ(0x04, 0x0B)
#define VIR_SCSI_ASC_LUN_ALUA_UNAVAILABLE          VIR_SCSI_ASCQ(0x04, 0x0C)
#define VIR_SCSI_ASC_LUN_COMMUNICATION_FAILURE     VIR_SCSI_ASCQ(0x08, 0x00)
#define VIR_SCSI_ASC_WRITE_ERROR                   VIR_SCSI_ASCQ(0x0C, 0x00)
#define VIR_SCSI_ASC_THIRD_PARTY_INITIATOR_ERROR   VIR_SCSI_ASCQ(0x0D, 0x00)
#define VIR_SCSI_ASC_THIRD_PARTY_DEVICE_FAILURE    VIR_SCSI_ASCQ(0x0D, 0x01)
#define VIR_SCSI_ASC_COPY_TARGET_NOT_REACHABLE     VIR_SCSI_ASCQ(0x0D, 0x02)
#define VIR_SCSI_ASC_COPY_TARGET_INCORRECT_TYPE    VIR_SCSI_ASCQ(0x0D, 0x03)
#define VIR_SCSI_ASC_COPY_TARGET_DATA_UNDERRUN     VIR_SCSI_ASCQ(0x0D, 0x04)
#define VIR_SCSI_ASC_COPY_TARGET_DATA_OVERRUN      VIR_SCSI_ASCQ(0x0D, 0x05)
#define VIR_SCSI_ASC_UNRECOVERED_READ_ERROR        VIR_SCSI_ASCQ(0x11, 0x00)
#define VIR_SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR   VIR_SCSI_ASCQ(0x1A, 0x00)
#define VIR_SCSI_ASC_MISCOMPARE_DURING_VERIFY      VIR_SCSI_ASCQ(0x1D, 0x00)
#define VIR_SCSI_ASC_INVALID_OPCODE                VIR_SCSI_ASCQ(0x20, 0x00)
#define VIR_SCSI_ASC_LBA_OUT_OF_RANGE              VIR_SCSI_ASCQ(0x21, 0x00)
#define VIR_SCSI_ASC_INVALID_TOKEN_OPERATION       VIR_SCSI_ASCQ(0x23, 0x00)
#define VIR_SCSI_ASC_INVALID_FIELD_IN_CDB          VIR_SCSI_ASCQ(0x24, 0x00)
#define VIR_SCSI_ASC_LUN_NOT_SUPPORTED             VIR_SCSI_ASCQ(0x25, 0x00)
#define VIR_SCSI_ASC_INVALID_FIELD_IN_PARAM_LIST   VIR_SCSI_ASCQ(0x26, 0x00)
#define VIR_SCSI_ASC_PARAMETER_NOT_SUPPORTED       VIR_SCSI_ASCQ(0x26, 0x01)
#define VIR_SCSI_ASC_PARAMETER_VALUE_INVALID       VIR_SCSI_ASCQ(0x26, 0x02)
#define VIR_SCSI_ASC_TOO_MANY_TARGET_DESCRIPTORS   VIR_SCSI_ASCQ(0x26, 0x06)
#define VIR_SCSI_ASC_UNSUPPORTED_TARGET_DESCRIPTOR VIR_SCSI_ASCQ(0x26, 0x07)
#define VIR_SCSI_ASC_TOO_MANY_SEGMENT_DESCRIPTORS  VIR_SCSI_ASCQ(0x26, 0x08)
#define VIR_SCSI_ASC_UNSUPPORTED_SEGMENT_DESCRIPTOR VIR_SCSI_ASCQ(0x26, 0x09)
#define VIR_SCSI_ASC_UNEXPECTED_INEXACT_SEGMENT    VIR_SCSI_ASCQ(0x26, 0x0A)
#define VIR_SCSI_ASC_INLINE_DATA_LENGTH_EXCEEDED   VIR_SCSI_ASCQ(0x26, 0x0B)
#define VIR_SCSI_ASC_INVALID_COPY_OPERATION        VIR_SCSI_ASCQ(0x26, 0x0C)
#define VIR_SCSI_ASC_COPY_SEGMENT_GRANULARITY      VIR_SCSI_ASCQ(0x26, 0x0D)
#define VIR_SCSI_ASC_WRITE_PROTECTED               VIR_SCSI_ASCQ(0x27, 0x00)
#define VIR_SCSI_ASC_SPACE_ALLOCATION_FAILED       VIR_SCSI_ASCQ(0x27, 0x07)
#define VIR_SCSI_ASC_MEDIUM_MAY_HAVE_CHANGED       VIR_SCSI_ASCQ(0x28, 0x00)
#define VIR_SCSI_ASC_POWER_ON_OR_RESET             VIR_SCSI_ASCQ(0x29, 0x00)
#define VIR_SCSI_ASC_I_T_NEXUS_LOSS                VIR_SCSI_ASCQ(0x29, 0x07)
#define VIR_SCSI_ASC_MODE_PARAMETERS_CHANGED       VIR_SCSI_ASCQ(0x2A, 0x01)
#define VIR_SCSI_ASC_RESERVATIONS_PREEMPTED        VIR_SCSI_ASCQ(0x2A, 0x03)
#define VIR_SCSI_ASC_ALUA_STATE_CHANGED            VIR_SCSI_ASCQ(0x2A, 0x06)
#define VIR_SCSI_ASC_CAPACITY_DATA_CHANGED         VIR_SCSI_ASCQ(0x2A, 0x09)
#define VIR_SCSI_ASC_COMMAND_SEQUENCE_ERROR        VIR_SCSI_ASCQ(0x2C, 0x00)
#define VIR_SCSI_ASC_COMMANDS_CLEARED              VIR_SCSI_ASCQ(0x2F, 0x00)
#define VIR_SCSI_ASC_THIN_PROVISIONING_THRESHOLD   VIR_SCSI_ASCQ(0x38, 0x07)
#define VIR_SCSI_ASC_MEDIUM_NOT_PRESENT            VIR_SCSI_ASCQ(0x3A, 0x00)
#define VIR_SCSI_ASC_INQUIRY_DATA_CHANGED          VIR_SCSI_ASCQ(0x3F, 0x03)
#define VIR_SCSI_ASC_REPORTED_LUNS_DATA_CHANGED    VIR_SCSI_ASCQ(0x3F, 0x0E)
#define VIR_SCSI_ASC_INTERNAL_TARGET_FAILURE       VIR_SCSI_ASCQ(0x44, 0x00)
#define VIR_SCSI_ASC_INSUFFICIENT_RESOURCES        VIR_SCSI_ASCQ(0x55, 0x03)
#define VIR_SCSI_ASC_INSUFFICIENT_RESOURCES_ROD    VIR_SCSI_ASCQ(0x55, 0x0C)
#define VIR_SCSI_ASC_INSUFFICIENT_RESOURCES_ROD_TOKEN VIR_SCSI_ASCQ(0x55, 0x0D)

/* SPC-4 4.5.2: descriptor types of descriptor-format sense data. */
#define VIR_SCSI_SENSE_DESC_INFORMATION      0x00
#define VIR_SCSI_SENSE_DESC_COMMAND_SPECIFIC 0x01
#define VIR_SCSI_SENSE_DESC_SENSE_KEY_SPECIFIC 0x02
#define VIR_SCSI_SENSE_DESC_FIELD_REPLACEABLE_UNIT 0x03
#define VIR_SCSI_SENSE_DESC_STREAM_COMMANDS  0x04
#define VIR_SCSI_SENSE_DESC_BLOCK_COMMANDS   0x05

/*
 * SPC-4 4.5.2.4: the meaning of the three SENSE KEY SPECIFIC bytes
 * depends on the sense key.
 */
typedef enum {
    VIR_SCSI_SENSE_SKS_NONE = 0,        /* absent, or SKSV = 0: meaningless */
    VIR_SCSI_SENSE_SKS_FIELD_POINTER,   /* ILLEGAL REQUEST */
    VIR_SCSI_SENSE_SKS_RETRY_COUNT,     /* RECOVERED/MEDIUM/HARDWARE ERROR */
    VIR_SCSI_SENSE_SKS_PROGRESS,        /* NO SENSE, NOT READY */
    VIR_SCSI_SENSE_SKS_SEGMENT_POINTER, /* COPY ABORTED */
    VIR_SCSI_SENSE_SKS_UA_OVERFLOW,     /* UNIT ATTENTION */
    VIR_SCSI_SENSE_SKS_OTHER,           /* a key with no defined format */
} virSCSISenseSksType;

typedef struct _virSCSISenseSks virSCSISenseSks;
struct _virSCSISenseSks {
    uint8_t raw[3];             /* the three bytes as returned */
    bool sksv;                  /* byte 0 b7: the rest is meaningful */
    virSCSISenseSksType type;   /* how the fields below were filled */

    /* FIELD POINTER and SEGMENT POINTER */
    bool commandData;           /* FIELD POINTER: C/D, 1 = error in the CDB,
                                 * 0 = in the parameter list */
    bool segmentDescriptor;     /* SEGMENT POINTER: SD, the pointer is to the
                                 * start of a segment descriptor */
    bool bitPointerValid;       /* BPV */
    uint8_t bitPointer;         /* bit 2-0 */
    uint16_t fieldPointer;      /* byte offset of the offending field */

    /* RETRY COUNT */
    uint16_t retryCount;

    /* PROGRESS: done = progress / 65536 */
    uint16_t progress;

    /* UA_OVERFLOW */
    bool overflow;
};

typedef struct _virSCSISense virSCSISense;
struct _virSCSISense {
    uint8_t responseCode;       /* 0x70..0x73 */
    bool descriptorFormat;      /* 0x72/0x73 */
    bool deferred;              /* 0x71/0x73: about an earlier command */

    /*
     * What the device wants to send: 8 + ADDITIONAL SENSE LENGTH, or the
     * bytes returned when byte 7 is missing.  More than the buffer means
     * the sense was cut short (a small sense buffer in the transport).
     */
    size_t needed;

    uint8_t senseKey;           /* always present */
    bool hasAsc;                /* both ASC and ASCQ returned */
    uint8_t asc;
    uint8_t ascq;

    bool hasInformation;        /* fixed: VALID bit; descriptor: type 0x00 */
    uint64_t information;       /* fixed format: 32 bits */

    bool hasCommandSpecific;
    uint64_t commandSpecific;   /* fixed format: 32 bits */

    bool hasSenseKeySpecific;   /* the three bytes were returned */
    virSCSISenseSks sks;

    bool hasStreamFlags;        /* fixed byte 2, or descriptor 0x04/0x05 */
    bool filemark;
    bool eom;
    bool ili;
};

int
virSCSISenseParse(const uint8_t *buf,
                  size_t len,
                  virSCSISense *out,
                  GError **error);

/* (asc << 8) | ascq, or 0 (NO ADDITIONAL SENSE INFORMATION) if absent */
uint16_t
virSCSISenseAscq(const virSCSISense *s);

const char *
virSCSISenseKeyName(uint8_t key);

/* The text of an ASC/ASCQ pair this project knows about, or NULL. */
const char *
virSCSISenseAscqText(uint8_t asc, uint8_t ascq);

char *
virSCSISenseDescribe(const virSCSISense *s);

const char *
virSCSIStatusName(uint8_t status);
