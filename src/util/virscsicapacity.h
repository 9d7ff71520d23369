/*
 * virscsicapacity.h: decoding READ CAPACITY(10), READ CAPACITY(16) and
 * GET LBA STATUS parameter data (SBC-4)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/*
 * Block length policy, for both READ CAPACITY replies: a block length of
 * 0 is VIR_SCSI_ERROR_MALFORMED (nothing can be computed from it).  Any
 * other value is accepted, since real devices use 520, 528 or 4160 byte
 * blocks, but one that is not a power of two of at least 512 sets
 * blockLengthUnusual so that callers that do byte arithmetic (or need
 * 512-byte multiples for host I/O) can refuse it.
 */
#define VIR_SCSI_BLOCK_LENGTH_MIN_USUAL 512


/* ---- READ CAPACITY(10) parameter data (SBC-4 5.20.2): 8 bytes ---- */

#define VIR_SCSI_READ_CAPACITY10_LEN 8

/* RETURNED LOGICAL BLOCK ADDRESS meaning "too big, use READ CAPACITY(16)" */
#define VIR_SCSI_READ_CAPACITY10_USE_16 0xFFFFFFFFu

typedef struct _virSCSIReadCapacity10 virSCSIReadCapacity10;
struct _virSCSIReadCapacity10 {
    uint32_t lastLba;               /* RETURNED LOGICAL BLOCK ADDRESS */
    uint32_t blockLength;           /* LOGICAL BLOCK LENGTH IN BYTES */
    bool blockLengthUnusual;        /* see the policy above */
    bool needReadCapacity16;        /* lastLba == 0xFFFFFFFF */
    uint64_t capacityBlocks;        /* lastLba + 1, or 0 when
                                     * needReadCapacity16 (unknown) */
};

/* Fewer than 8 bytes is VIR_SCSI_ERROR_TRUNCATED; extra bytes are ignored. */
int
virSCSIReadCapacity10Parse(const uint8_t *buf,
                           size_t len,
                           virSCSIReadCapacity10 *out,
                           GError **error);


/* ---- READ CAPACITY(16) parameter data (SBC-4 5.21.2): 32 bytes ---- */

/* RETURNED LOGICAL BLOCK ADDRESS and LOGICAL BLOCK LENGTH IN BYTES */
#define VIR_SCSI_READ_CAPACITY16_MIN_LEN 12
#define VIR_SCSI_READ_CAPACITY16_LEN 32

typedef struct _virSCSIReadCapacity16 virSCSIReadCapacity16;
struct _virSCSIReadCapacity16 {
    uint64_t lastLba;               /* bytes 0-7 */
    uint32_t blockLength;           /* bytes 8-11 */
    bool blockLengthUnusual;        /* see the policy above */
    /*
     * lastLba + 1.  A last LBA of 0xFFFFFFFFFFFFFFFF would make 2^64
     * blocks, which no device has and no caller can represent: it is
     * VIR_SCSI_ERROR_MALFORMED.
     */
    uint64_t capacityBlocks;

    bool hasProtection;             /* byte 12 returned */
    uint8_t rcBasis;                /* b5-4 (SBC-4) */
    uint8_t pType;                  /* b3-1: P_TYPE */
    bool protEn;                    /* b0 */

    bool hasExponents;              /* byte 13 returned */
    uint8_t pIExponent;             /* b7-4 */
    uint8_t lbPerPbExponent;        /* b3-0: logical blocks per physical
                                     * block = 1 << this */

    bool hasProvisioning;           /* bytes 14-15 returned */
    bool lbpme;                     /* 14 b7: logical block provisioning */
    bool lbprz;                     /* 14 b6: unmapped blocks read zero */
    uint16_t lowestAlignedLba;      /* 14 b5-0, 15 */
};

/*
 * Fewer than 12 bytes is VIR_SCSI_ERROR_TRUNCATED; bytes 12-15 are each
 * decoded only when returned (many USB bridges return 12 or 16 bytes).
 */
int
virSCSIReadCapacity16Parse(const uint8_t *buf,
                           size_t len,
                           virSCSIReadCapacity16 *out,
                           GError **error);


/* ---- GET LBA STATUS(16) parameter data (SBC-4 5.8.2) ---- */

#define VIR_SCSI_LBA_STATUS_HEADER_LEN 8
#define VIR_SCSI_LBA_STATUS_DESCRIPTOR_LEN 16

/*
 * PROVISIONING STATUS (byte 12 b3-0).  SBC-3 defined 0-2; SBC-4 r12
 * narrowed 0 to "mapped or unknown" and added 3 (certainly mapped) and 4
 * (unknown).  Other values are reserved and kept as returned.
 */
typedef enum {
    VIR_SCSI_LBA_MAPPED_OR_UNKNOWN = 0,
    VIR_SCSI_LBA_DEALLOCATED = 1,
    VIR_SCSI_LBA_ANCHORED = 2,
    VIR_SCSI_LBA_MAPPED = 3,
    VIR_SCSI_LBA_UNKNOWN = 4,
} virSCSILbaProvisioningStatus;

typedef struct _virSCSILbaStatusDescriptor virSCSILbaStatusDescriptor;
struct _virSCSILbaStatusDescriptor {
    uint64_t lba;                   /* bytes 0-7: first LBA of the extent */
    uint32_t nblocks;               /* bytes 8-11, never 0 */
    uint8_t provisioningStatus;     /* byte 12 b3-0 */
    uint8_t additionalStatus;       /* byte 13 (SBC-4) */
};

typedef struct _virSCSILbaStatus virSCSILbaStatus;
struct _virSCSILbaStatus {
    /* 4 + PARAMETER DATA LENGTH, saturated at SIZE_MAX */
    size_t needed;
    size_t ndescriptors;
    virSCSILbaStatusDescriptor *descriptors;
};

/*
 * Fewer than 8 bytes is VIR_SCSI_ERROR_TRUNCATED.  Descriptors are
 * decoded up to the bytes returned and the PARAMETER DATA LENGTH, a
 * partial descriptor at the end is ignored.  VIR_SCSI_ERROR_MALFORMED
 * when a descriptor has no blocks, runs past the last possible LBA, or
 * does not start after the end of the previous one: callers skip ranges
 * by these extents, and overlapping or backward extents would make them
 * loop or skip data.
 * @out must be zeroed or cleared: the parser overwrites it.
 */
int
virSCSILbaStatusParse(const uint8_t *buf,
                      size_t len,
                      virSCSILbaStatus *out,
                      GError **error);

void
virSCSILbaStatusClear(virSCSILbaStatus *status);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virSCSILbaStatus, virSCSILbaStatusClear);

const char *
virSCSILbaProvisioningStatusName(uint8_t status);
