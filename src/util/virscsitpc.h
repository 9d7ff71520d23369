/*
 * virscsitpc.h: decoders of third-party copy data (SPC-4, SBC-4)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsiconst.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/*
 * Decoders of what the copy manager reports: the Third-party Copy VPD
 * page (8Fh), and the replies of RECEIVE COPY RESULTS / THIRD-PARTY COPY
 * IN (84h): OPERATING PARAMETERS (SA 03h), COPY STATUS(LID1) (SA 00h) and
 * RECEIVE ROD TOKEN INFORMATION (SA 07h).
 *
 * They follow the decoder contract of docs/hacking.md: *out is zeroed
 * first; out->needed is the total the device wants to send (4 + PAGE
 * LENGTH or 4 + AVAILABLE DATA), set as soon as the 4-byte header is
 * there, even when the call then fails; the data is decoded only up to
 * min(len, needed); what lies past that is marked absent, never read.
 */

#define VIR_SCSI_VPD_THIRD_PARTY_COPY 0x8F

/*
 * TRANSFER COUNT UNITS (SPC-4 table 251): 00h-06h are powers of 1024
 * bytes; F1h is "logical blocks of the copy destination".  Everything
 * else is reserved.
 */
#define VIR_SCSI_TRANSFER_UNITS_BYTES 0x00
#define VIR_SCSI_TRANSFER_UNITS_EXBIBYTES 0x06
#define VIR_SCSI_TRANSFER_UNITS_BLOCKS 0xF1

/*
 * Convert a TRANSFER COUNT into bytes.  @blockSize is the logical block
 * length of the copy destination, needed only for units F1h.  Returns
 * false when the units are reserved, or F1h with @blockSize 0; the result
 * saturates at UINT64_MAX instead of wrapping.
 */
bool
virSCSITransferCountToBytes(uint8_t units,
                            uint64_t count,
                            uint32_t blockSize,
                            uint64_t *bytes);


/*
 * RECEIVE COPY RESULTS, OPERATING PARAMETERS (SPC-4 6.22, table 244).
 * The fixed part (bytes 0-43) is mandatory; the list of implemented
 * descriptor type codes is kept only as far as it was returned.
 */
#define VIR_SCSI_COPY_OP_PARAMS_FIXED_LEN 44

typedef struct _virSCSICopyOpParams virSCSICopyOpParams;
struct _virSCSICopyOpParams {
    size_t needed;                        /* 4 + AVAILABLE DATA */
    bool snlid;                           /* LIST ID USAGE 11b accepted */
    uint16_t maxCscdDescriptorCount;
    uint16_t maxSegmentDescriptorCount;
    uint32_t maxDescriptorListLength;     /* bytes */
    uint32_t maxSegmentLength;            /* bytes; 0: no limit */
    uint32_t maxInlineDataLength;         /* bytes; 0: inline data unsupported */
    uint32_t heldDataLimit;               /* bytes */
    uint32_t maxStreamDeviceTransferSize; /* bytes */
    uint16_t totalConcurrentCopies;
    uint8_t maxConcurrentCopies;
    uint8_t dataSegmentGranularityLog2;
    uint8_t inlineDataGranularityLog2;
    uint8_t heldDataGranularityLog2;
    uint8_t implementedDescriptorListLength; /* byte 43, as claimed */
    size_t nDescriptorTypes;              /* the codes actually returned */
    uint8_t descriptorTypes[255];
};

int
virSCSICopyOpParamsParse(const uint8_t *buf,
                         size_t len,
                         virSCSICopyOpParams *out,
                         GError **error);

/* Whether @descType (e.g. 02h block->block, E4h identification CSCD) was listed. */
bool
virSCSICopyOpParamsSupports(const virSCSICopyOpParams *params,
                            uint8_t descType);


/* RECEIVE COPY STATUS(LID1) (SPC-4 6.25, table 253): 12 bytes. */
#define VIR_SCSI_COPY_STATUS_LEN 12

/* COPY COMMAND STATUS (SPC-4 table 254); other values are reserved. */
#define VIR_SCSI_COPY_STATUS_IN_PROGRESS 0x00
#define VIR_SCSI_COPY_STATUS_COMPLETED 0x01
#define VIR_SCSI_COPY_STATUS_COMPLETED_WITH_ERRORS 0x02

typedef struct _virSCSICopyStatus virSCSICopyStatus;
struct _virSCSICopyStatus {
    size_t needed;                        /* 4 + AVAILABLE DATA */
    bool heldDataDiscarded;               /* HDD, byte 4 b7 */
    uint8_t status;                       /* byte 4 b6-0 */
    uint16_t segmentsProcessed;
    uint8_t transferCountUnits;
    uint32_t transferCount;
};

int
virSCSICopyStatusParse(const uint8_t *buf,
                       size_t len,
                       virSCSICopyStatus *out,
                       GError **error);

/* The transfer count in bytes; see virSCSITransferCountToBytes(). */
bool
virSCSICopyStatusTransferBytes(const virSCSICopyStatus *status,
                               uint32_t destBlockSize,
                               uint64_t *bytes);


/*
 * RECEIVE ROD TOKEN INFORMATION (SPC-4 6.26, table 256).  Bytes 0-31
 * are the fixed part shared with RECEIVE COPY STATUS(LID4); the sense
 * data follow from byte 32, then at x = 32 + LENGTH OF THE SENSE DATA
 * FIELD comes the 4-byte ROD TOKEN DESCRIPTORS LENGTH and the ROD token
 * descriptors, each a 2-byte ID FOR CREATING ROD CSCD DESCRIPTOR and a
 * ROD token.  POPULATE TOKEN creates one token, so only the first
 * descriptor is decoded.
 */
#define VIR_SCSI_ROD_TOKEN_INFO_FIXED_LEN 32

/* COPY OPERATION STATUS (SPC-4 table 249); other values are reserved. */
#define VIR_SCSI_COPY_OP_COMPLETED 0x01
#define VIR_SCSI_COPY_OP_COMPLETED_WITH_ERRORS 0x02
#define VIR_SCSI_COPY_OP_COMPLETED_PARTIAL_TOKEN 0x03
#define VIR_SCSI_COPY_OP_COMPLETED_RESIDUAL 0x04
#define VIR_SCSI_COPY_OP_IN_PROGRESS 0x10
#define VIR_SCSI_COPY_OP_IN_PROGRESS_FOREGROUND 0x11
#define VIR_SCSI_COPY_OP_IN_PROGRESS_BACKGROUND 0x12
#define VIR_SCSI_COPY_OP_TERMINATED 0x60

/* "Operation completed without errors" in the sense of SPC-4 table 249. */
bool
virSCSICopyOperationSucceeded(uint8_t copyOperationStatus);

bool
virSCSICopyOperationInProgress(uint8_t copyOperationStatus);

typedef struct _virSCSIRodTokenInfo virSCSIRodTokenInfo;
struct _virSCSIRodTokenInfo {
    size_t needed;                        /* 4 + AVAILABLE DATA */
    uint8_t responseToServiceAction;      /* byte 4 b4-0: 10h POPULATE TOKEN, ... */
    uint8_t copyOperationStatus;          /* byte 5 b6-0 */
    uint16_t operationCounter;
    uint32_t estimatedStatusUpdateDelay;  /* ms; FFFFFFFEh: done; FFFFFFFFh: unknown */
    uint8_t extendedCopyCompletionStatus; /* a SAM status once completed */
    uint8_t senseDataFieldLength;         /* byte 13 */
    uint8_t senseDataLength;              /* byte 14, as claimed */
    uint8_t transferCountUnits;
    uint64_t transferCount;
    uint16_t segmentsProcessed;

    /* The sense data bytes that were returned (at most senseDataLength). */
    size_t senseLen;
    uint8_t sense[255];

    bool hasRodTokenDescriptorsLength;
    uint32_t rodTokenDescriptorsLength;   /* as claimed */

    /* The first ROD token descriptor, when all of it was returned. */
    bool hasToken;
    uint16_t tokenCscdId;                 /* ID FOR CREATING ROD CSCD DESCRIPTOR */
    uint8_t token[VIR_SCSI_ROD_TOKEN_LEN];
};

int
virSCSIRodTokenInfoParse(const uint8_t *buf,
                         size_t len,
                         virSCSIRodTokenInfo *out,
                         GError **error);


/*
 * Third-party Copy VPD page (SPC-4 7.8.17, SBC-4 6.6.9): a list of
 * descriptors {type u16, length u16, parameters}.  The walk stops at the
 * first descriptor that runs past the end of the page; known descriptors
 * too short for their fields, and the types decoded nowhere here, are
 * counted and skipped.
 */
#define VIR_SCSI_TPC_MAX_ROD_TYPES 16

typedef struct _virSCSITpcRodType virSCSITpcRodType;
struct _virSCSITpcRodType {
    uint32_t rodType;
    bool ecpyInt;                         /* usable for internal RODs by EXTENDED COPY */
    bool tokenIn;                         /* tokens of this type accepted */
    bool tokenOut;                        /* tokens of this type created */
    uint16_t preference;
};

typedef struct _virSCSIVPDTpc virSCSIVPDTpc;
struct _virSCSIVPDTpc {
    uint8_t peripheralQualifier;
    uint8_t peripheralDeviceType;
    size_t needed;                        /* 4 + PAGE LENGTH */

    size_t nDescriptors;                  /* descriptors walked, of any type */
    size_t nUnknownDescriptors;           /* types not decoded here */
    size_t nShortDescriptors;             /* known types too short for their fields */
    bool overrun;                         /* the walk stopped at a descriptor that
                                           * does not fit (truncated reply or a lie) */

    /* 0001h Supported Commands */
    bool hasSupportedCommands;
    bool extendedCopyLid1;                /* 83h/00h */
    bool extendedCopyLid4;                /* 83h/01h */
    bool populateToken;                   /* 83h/10h */
    bool writeUsingToken;                 /* 83h/11h */
    bool copyOperationAbort;              /* 83h/1Ch */
    bool receiveCopyStatusLid1;           /* 84h/00h */
    bool receiveCopyOperatingParameters;  /* 84h/03h */
    bool receiveCopyStatusLid4;           /* 84h/05h */
    bool receiveRodTokenInformation;      /* 84h/07h */
    bool reportAllRodTokens;              /* 84h/08h */

    /* 0000h Block Device ROD Token Limits (SBC-4 6.6.9.3) */
    bool hasRodTokenLimits;
    uint16_t maxRangeDescriptors;         /* 0: not reported */
    uint32_t maxInactivityTimeout;        /* s; 0: not reported; FFFFFFFFh: no maximum */
    uint32_t defaultInactivityTimeout;    /* s; 0: not reported */
    uint64_t maxTokenTransferSize;        /* blocks; 0: not reported */
    uint64_t optimalTransferCount;        /* blocks; 0: not reported */

    /* 0004h Parameter Data */
    bool hasParameterData;
    uint16_t maxCscdDescriptorCount;
    uint16_t maxSegmentDescriptorCount;
    uint32_t maxDescriptorListLength;
    uint32_t maxInlineDataLength;

    /* 0008h Supported Descriptors */
    bool hasSupportedDescriptors;
    size_t nSupportedDescriptors;
    uint8_t supportedDescriptors[255];

    /* 0108h Supported ROD Token and ROD Types */
    bool hasRodTypes;
    size_t nRodTypes;                     /* kept, at most VIR_SCSI_TPC_MAX_ROD_TYPES */
    size_t nRodTypesDropped;              /* listed beyond that */
    virSCSITpcRodType rodTypes[VIR_SCSI_TPC_MAX_ROD_TYPES];

    /* 8001h General Copy Operations */
    bool hasGeneralCopyOperations;
    uint32_t totalConcurrentCopies;
    uint32_t maxIdentifiedConcurrentCopies;
    uint32_t maxSegmentLength;            /* bytes; 0: no limit */
    uint8_t dataSegmentGranularityLog2;
    uint8_t inlineDataGranularityLog2;
};

int
virSCSIVPDTpcParse(const uint8_t *buf,
                   size_t len,
                   virSCSIVPDTpc *out,
                   GError **error);

bool
virSCSIVPDTpcSupportsDescriptor(const virSCSIVPDTpc *tpc,
                                uint8_t descType);

/* The entry of @rodType in the Supported ROD Types descriptor, or NULL. */
const virSCSITpcRodType *
virSCSIVPDTpcFindRodType(const virSCSIVPDTpc *tpc,
                         uint32_t rodType);
