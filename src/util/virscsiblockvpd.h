/*
 * virscsiblockvpd.h: decoders of the SBC VPD pages B0h, B1h and B2h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/*
 * All three decoders follow the decoder contract of docs/hacking.md:
 *
 *  - @len is what the device returned, not the allocation length;
 *  - *out is zeroed first;
 *  - byte 1 must be the page code, else VIR_SCSI_ERROR_MALFORMED;
 *  - out->needed is 4 + PAGE LENGTH, the whole page the device wants to
 *    send; it is filled in as soon as the 4-byte header is there, even
 *    when the call then fails, so the caller can re-read with a bigger
 *    allocation;
 *  - the page ends at min(len, needed): a field past that end is never
 *    read, and the group it belongs to is marked absent (has... = false).
 *    An absent field is not a zero field: a Block Limits page from an
 *    SBC-2 device has no unmap fields at all, which is not the same as
 *    "MAXIMUM UNMAP LBA COUNT = 0" (UNMAP not implemented).
 *
 * Values are kept as the standard defines them, including the special
 * meaning of 0 ("not reported" or "no limit", depending on the field):
 * interpreting them is the negotiation layer's job, and each field's
 * comment below says what 0 means.
 */

#define VIR_SCSI_VPD_BLOCK_LIMITS 0xB0
#define VIR_SCSI_VPD_BLOCK_DEVICE_CHARACTERISTICS 0xB1
#define VIR_SCSI_VPD_LOGICAL_BLOCK_PROVISIONING 0xB2

/* Block Limits VPD page (B0h), SBC-4 6.6.4.  All lengths are in logical blocks. */
typedef struct _virSCSIVPDBlockLimits virSCSIVPDBlockLimits;
struct _virSCSIVPDBlockLimits {
    uint8_t peripheralQualifier;          /* byte 0 b7-5 */
    uint8_t peripheralDeviceType;         /* byte 0 b4-0 */
    size_t needed;                        /* 4 + PAGE LENGTH */

    /* Bytes 4-15, present in every version of the page (SBC-2 on). */
    bool wsnz;                            /* 1: WRITE SAME with 0 blocks is refused */
    uint8_t maxCompareAndWriteLength;     /* 0: COMPARE AND WRITE not supported */
    uint16_t optimalTransferLengthGranularity; /* 0: not reported */
    uint32_t maxTransferLength;           /* 0: no limit reported */
    uint32_t optimalTransferLength;       /* 0: not reported */

    /* Bytes 16-19 (SBC-3). */
    bool hasMaxPrefetchLength;
    uint32_t maxPrefetchLength;           /* 0: not reported */

    /* Bytes 20-35 (SBC-3 thin provisioning). */
    bool hasUnmapFields;
    uint32_t maxUnmapLbaCount;            /* 0: UNMAP not implemented; FFFFFFFFh: no limit */
    uint32_t maxUnmapBlockDescriptorCount; /* 0: UNMAP not implemented; FFFFFFFFh: no limit */
    uint32_t optimalUnmapGranularity;     /* 0: not reported */
    bool ugaValid;                        /* byte 32 b7 */
    uint32_t unmapGranularityAlignment;   /* 31 bits; meaningful only when ugaValid,
                                           * and left 0 otherwise */

    /* Bytes 36-43 (SBC-3). */
    bool hasWriteSameLength;
    uint64_t maxWriteSameLength;          /* 0: not reported */

    /* Bytes 44-63 (SBC-4 atomic writes). */
    bool hasAtomicFields;
    uint32_t maxAtomicTransferLength;     /* 0: WRITE ATOMIC not supported */
    uint32_t atomicAlignment;             /* 0: no alignment requirement */
    uint32_t atomicTransferLengthGranularity; /* 0: no granularity requirement */
    uint32_t maxAtomicTransferLengthWithAtomicBoundary; /* 0: boundaries not supported */
    uint32_t maxAtomicBoundarySize;       /* 0: only one boundary per command */
};

int
virSCSIVPDBlockLimitsParse(const uint8_t *buf,
                           size_t len,
                           virSCSIVPDBlockLimits *out,
                           GError **error);


/* Block Device Characteristics VPD page (B1h), SBC-4 6.6.2. */
#define VIR_SCSI_ROTATION_RATE_NOT_REPORTED 0x0000
#define VIR_SCSI_ROTATION_RATE_NON_ROTATING 0x0001

typedef struct _virSCSIVPDBlockCharacteristics virSCSIVPDBlockCharacteristics;
struct _virSCSIVPDBlockCharacteristics {
    uint8_t peripheralQualifier;
    uint8_t peripheralDeviceType;
    size_t needed;

    /* Bytes 4-5: the only mandatory field. */
    uint16_t mediumRotationRate;          /* 0: not reported; 1: non-rotating;
                                           * 0401h-FFFEh: rpm */

    /*
     * The page length is 003Ch in every revision, but bytes 6-8 were
     * reserved in early SBC-3 drafts and a truncated reply may stop
     * before them, so each byte has its own presence flag.
     */
    bool hasProductType;
    uint8_t productType;                  /* byte 6; 0: not indicated */

    bool hasFormFactor;
    uint8_t wabereq;                      /* byte 7 b7-6 */
    uint8_t wacereq;                      /* byte 7 b5-4 */
    uint8_t nominalFormFactor;            /* byte 7 b3-0; 0: not reported */

    bool hasFlags;
    uint8_t zoned;                        /* byte 8 b5-4: 0 not reported,
                                           * 1 host aware, 2 device managed */
    bool rbwz;                            /* byte 8 b3 */
    bool bocs;                            /* byte 8 b2 */
    bool fuab;                            /* byte 8 b1 */
    bool vbuls;                           /* byte 8 b0 */
};

int
virSCSIVPDBlockCharacteristicsParse(const uint8_t *buf,
                                    size_t len,
                                    virSCSIVPDBlockCharacteristics *out,
                                    GError **error);


/* Logical Block Provisioning VPD page (B2h), SBC-4 6.6.7. */
typedef enum {
    VIR_SCSI_PROVISIONING_FULL = 0,       /* or not reported */
    VIR_SCSI_PROVISIONING_RESOURCE = 1,
    VIR_SCSI_PROVISIONING_THIN = 2,
} virSCSIProvisioningType;

/* Values of the 3-bit LBPRZ field (SBC-4 table 280). */
#define VIR_SCSI_LBPRZ_VENDOR_SPECIFIC 0x0
#define VIR_SCSI_LBPRZ_ZEROS 0x1          /* any value with the low bit set */
#define VIR_SCSI_LBPRZ_PATTERN 0x2        /* provisioning initialization pattern */

#define VIR_SCSI_DESIGNATOR_MAX 255

typedef struct _virSCSIVPDLbp virSCSIVPDLbp;
struct _virSCSIVPDLbp {
    uint8_t peripheralQualifier;
    uint8_t peripheralDeviceType;
    size_t needed;

    /* Bytes 4-7, mandatory (PAGE LENGTH is at least 0004h). */
    uint8_t thresholdExponent;            /* 0: threshold sets not supported */
    bool lbpu;                            /* UNMAP supported */
    bool lbpws;                           /* WRITE SAME(16) with UNMAP=1 supported */
    bool lbpws10;                         /* WRITE SAME(10) with UNMAP=1 supported */
    uint8_t lbprzField;                   /* byte 5 b4-2, as sent */
    /*
     * Unmapped blocks read as zeros: the low bit of the field.  SBC-4
     * defines xx1b as "zeros", 010b as "the provisioning initialization
     * pattern" (not necessarily zeros), 000b as vendor specific; SBC-3
     * had a single LBPRZ bit at 0x04, which is that same low bit, so this
     * is right for old and new targets alike.
     */
    bool lbprz;
    bool ancSup;                          /* anchored LBAs supported */
    bool dp;                              /* a provisioning group descriptor follows */
    uint8_t minimumPercentage;            /* byte 6 b7-3; 0: not reported */
    uint8_t provisioningType;             /* byte 6 b2-0, a virSCSIProvisioningType
                                           * or a reserved value */
    uint8_t thresholdPercentage;          /* byte 7, tenths of a percent; 0: unsupported */

    /*
     * The provisioning group descriptor (a designation descriptor, as in
     * VPD 83h) from byte 8: present only when DP is set and the whole
     * descriptor is within the page.
     */
    bool hasProvisioningGroup;
    uint8_t pgCodeSet;                    /* +0 b3-0 */
    uint8_t pgAssociation;                /* +1 b5-4 */
    uint8_t pgDesignatorType;             /* +1 b3-0 */
    uint8_t pgDesignatorLength;           /* +3 */
    uint8_t pgDesignator[VIR_SCSI_DESIGNATOR_MAX];
};

int
virSCSIVPDLbpParse(const uint8_t *buf,
                   size_t len,
                   virSCSIVPDLbp *out,
                   GError **error);
