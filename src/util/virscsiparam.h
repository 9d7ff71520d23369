/*
 * virscsiparam.h: SCSI parameter list (data-out) encoders
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsiconst.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <glib.h>

/*
 * Every encoder writes into a caller's buffer and returns the number of
 * bytes written, which is what goes into the CDB's PARAMETER LIST LENGTH,
 * or -1 with VIR_SCSI_ERROR_INVALID_ARG when the arguments cannot be
 * encoded.  On failure the buffer is left untouched.  Each has a
 * ...Size() helper giving the bytes needed, or 0 when the counts can
 * never be encoded.
 */

/*
 * One range of logical blocks.  UNMAP, POPULATE TOKEN and WRITE USING
 * TOKEN all describe ranges with the same 16-byte descriptor: LBA (8
 * bytes), NUMBER OF LOGICAL BLOCKS (4 bytes), 4 reserved.
 */
typedef struct _virSCSILbaRange virSCSILbaRange;
struct _virSCSILbaRange {
    uint64_t lba;
    uint32_t nblocks;
};

#define VIR_SCSI_BLOCK_RANGE_DESC_LEN 16

/*
 * UNMAP (SBC-4): an 8-byte header, then the descriptors.  Both
 * header lengths are 16 bits: UNMAP DATA LENGTH = 6 + 16 n <= 65535.
 */
#define VIR_SCSI_UNMAP_HEADER_LEN 8
#define VIR_SCSI_UNMAP_MAX_DESCRIPTORS 4095

/*
 * virSCSIParamUnmapSize:
 * @nranges: number of block descriptors
 *
 * Returns the size of the UNMAP parameter list for @nranges descriptors,
 * or 0 when @nranges is 0 or above VIR_SCSI_UNMAP_MAX_DESCRIPTORS.
 */
size_t
virSCSIParamUnmapSize(size_t nranges);

/*
 * virSCSIParamUnmap:
 * @buf: where to write the list
 * @buflen: size of @buf
 * @ranges: the ranges to unmap; a range of 0 blocks is legal and unmaps
 *          nothing
 * @nranges: number of @ranges, 1 to VIR_SCSI_UNMAP_MAX_DESCRIPTORS
 * @error: return location for a GError
 *
 * Encodes the UNMAP parameter list: UNMAP DATA LENGTH (bytes 0-1, total
 * - 2), UNMAP BLOCK DESCRIPTOR DATA LENGTH (bytes 2-3, total - 8), then
 * one 16-byte descriptor per range from byte 8.
 *
 * Returns the bytes written, or -1 when there are no ranges or too many,
 * a range runs past the last possible LBA, or @buflen is too small.
 */
ssize_t
virSCSIParamUnmap(uint8_t *buf,
                  size_t buflen,
                  const virSCSILbaRange *ranges,
                  size_t nranges,
                  GError **error);


/*
 * EXTENDED COPY(LID1) (SPC-4): a 16-byte header, the CSCD (copy
 * source/copy destination) descriptors, then the segment descriptors.
 * CSCD DESCRIPTOR LIST LENGTH is 16 bits, hence at most 2047 CSCDs of 32
 * bytes; the whole list must fit the CDB's 32-bit PARAMETER LIST LENGTH.
 */
#define VIR_SCSI_XCOPY_HEADER_LEN 16
#define VIR_SCSI_XCOPY_CSCD_ID_LEN 32
#define VIR_SCSI_XCOPY_SEGMENT_B2B_LEN 28
#define VIR_SCSI_XCOPY_MAX_CSCDS 2047
#define VIR_SCSI_XCOPY_SEGMENT_MAX_BLOCKS 65535

typedef enum {
    VIR_SCSI_XCOPY_LIST_ID_HOLD = 0,     /* keep the results for RECEIVE COPY RESULTS */
    VIR_SCSI_XCOPY_LIST_ID_DISCARD = 2,  /* results discarded at the end */
    VIR_SCSI_XCOPY_LIST_ID_NONE = 3,     /* no list identifier (needs SNLID=1) */
} virSCSIXcopyListIdUsage;

typedef enum {
    /* STR (header byte 1 bit 5): the segments are sequential striped. */
    VIR_SCSI_XCOPY_STR = (1 << 0),
    /* Clear DC in every segment, so that NUMBER OF BLOCKS counts source
     * blocks rather than destination blocks. */
    VIR_SCSI_XCOPY_SOURCE_BLOCKS = (1 << 1),
    /* Set CAT in every segment: the copy manager may stop at a residue
     * shorter than a destination block instead of failing. */
    VIR_SCSI_XCOPY_CAT = (1 << 2),
} virSCSIXcopyFlags;

/*
 * An identification descriptor CSCD (type 0xE4): names a direct-access
 * logical unit by one designator of its Device Identification VPD page
 * (0x83), with the fields copied from that page's designation descriptor.
 */
typedef struct _virSCSIXcopyCscdId virSCSIXcopyCscdId;
struct _virSCSIXcopyCscdId {
    uint8_t codeSet;            /* CODE SET, 0-15 (VPD 0x83 byte 0 bits 3-0) */
    uint8_t association;        /* ASSOCIATION, 0-3 (byte 1 bits 5-4); 0 = LU */
    uint8_t designatorType;     /* DESIGNATOR TYPE, 0-15 (byte 1 bits 3-0); 3 = NAA */
    uint8_t designatorLen;      /* 1 to VIR_SCSI_XCOPY_DESIGNATOR_MAX */
    uint8_t designator[VIR_SCSI_XCOPY_DESIGNATOR_MAX];
    uint32_t blockLength;       /* DISK BLOCK LENGTH in bytes, 1 to 2^24 - 1 */
};

/* A block device to block device segment (type 0x02). */
typedef struct _virSCSIXcopySegment virSCSIXcopySegment;
struct _virSCSIXcopySegment {
    uint16_t srcIndex;          /* index of the source in the CSCD list */
    uint16_t dstIndex;          /* index of the destination in the CSCD list */
    uint32_t nblocks;           /* 1 to VIR_SCSI_XCOPY_SEGMENT_MAX_BLOCKS */
    uint64_t srcLba;
    uint64_t dstLba;
};

/*
 * virSCSIParamExtendedCopyLid1Size:
 * @ncscds: number of identification CSCD descriptors
 * @nsegments: number of block to block segment descriptors
 *
 * Returns the size of the EXTENDED COPY(LID1) parameter list, or 0 when
 * either count is 0 or the list cannot be encoded.
 */
size_t
virSCSIParamExtendedCopyLid1Size(size_t ncscds,
                                 size_t nsegments);

/*
 * virSCSIParamExtendedCopyLid1:
 * @buf: where to write the list
 * @buflen: size of @buf
 * @listId: LIST IDENTIFIER (byte 0); ignored by the device with
 *          VIR_SCSI_XCOPY_LIST_ID_NONE, written anyway
 * @listIdUsage: LIST ID USAGE (byte 1 bits 4-3)
 * @priority: PRIORITY (byte 1 bits 2-0), 0 (highest) to 7
 * @flags: bitwise OR of virSCSIXcopyFlags
 * @cscds: the CSCD descriptors, in index order
 * @ncscds: number of @cscds, 1 to VIR_SCSI_XCOPY_MAX_CSCDS
 * @segments: the segment descriptors
 * @nsegments: number of @segments, at least 1
 * @error: return location for a GError
 *
 * Encodes the EXTENDED COPY(LID1) parameter list.  Header: byte 0 LIST
 * IDENTIFIER; byte 1 STR (bit 5), LIST ID USAGE, PRIORITY; bytes 2-3 CSCD
 * DESCRIPTOR LIST LENGTH; bytes 8-11 SEGMENT DESCRIPTOR LIST LENGTH; bytes
 * 12-15 INLINE DATA LENGTH (0).  Then 32-byte 0xE4 descriptors, then
 * 28-byte 0x02 segment descriptors with DC=1 unless
 * VIR_SCSI_XCOPY_SOURCE_BLOCKS.
 *
 * Returns the bytes written, or -1 when a count or field is out of range,
 * a segment names a CSCD that is not in the list, a segment runs past the
 * last possible LBA, or @buflen is too small.
 */
ssize_t
virSCSIParamExtendedCopyLid1(uint8_t *buf,
                             size_t buflen,
                             uint8_t listId,
                             virSCSIXcopyListIdUsage listIdUsage,
                             uint8_t priority,
                             unsigned int flags,
                             const virSCSIXcopyCscdId *cscds,
                             size_t ncscds,
                             const virSCSIXcopySegment *segments,
                             size_t nsegments,
                             GError **error);


/* Flags of POPULATE TOKEN and WRITE USING TOKEN: byte 2 of their lists. */
typedef enum {
    VIR_SCSI_TOKEN_IMMED = 0x01,    /* return before the copy manager is done */
    VIR_SCSI_TOKEN_RTV = 0x02,      /* POPULATE TOKEN: ROD TYPE is valid */
    VIR_SCSI_TOKEN_DEL_TKN = 0x02,  /* WRITE USING TOKEN: delete the token after */
} virSCSITokenFlags;

/*
 * POPULATE TOKEN (SBC-4): 16-byte header, range descriptors from
 * byte 16.  POPULATE TOKEN DATA LENGTH = 14 + 16 n <= 65535.
 */
#define VIR_SCSI_POPULATE_TOKEN_HEADER_LEN 16
#define VIR_SCSI_POPULATE_TOKEN_MAX_RANGES 4095

/*
 * virSCSIParamPopulateTokenSize:
 * @nranges: number of block device range descriptors
 *
 * Returns the size of the POPULATE TOKEN parameter list, or 0 when
 * @nranges is 0 or above VIR_SCSI_POPULATE_TOKEN_MAX_RANGES.
 */
size_t
virSCSIParamPopulateTokenSize(size_t nranges);

/*
 * virSCSIParamPopulateToken:
 * @buf: where to write the list
 * @buflen: size of @buf
 * @flags: VIR_SCSI_TOKEN_IMMED, VIR_SCSI_TOKEN_RTV
 * @inactivityTimeout: INACTIVITY TIMEOUT in seconds (bytes 4-7); 0 asks
 *                     for the copy manager's default
 * @rodType: ROD TYPE (bytes 8-11); must be 0 unless VIR_SCSI_TOKEN_RTV
 * @ranges: the source ranges, in the order their data goes into the ROD
 * @nranges: number of @ranges, 1 to VIR_SCSI_POPULATE_TOKEN_MAX_RANGES
 * @error: return location for a GError
 *
 * Encodes the POPULATE TOKEN parameter list: bytes 0-1 POPULATE TOKEN
 * DATA LENGTH (total - 2); byte 2 RTV (bit 1), IMMED (bit 0); bytes 4-7
 * INACTIVITY TIMEOUT; bytes 8-11 ROD TYPE; bytes 14-15 BLOCK DEVICE RANGE
 * DESCRIPTOR LENGTH; 16-byte range descriptors from byte 16.
 *
 * Returns the bytes written, or -1 on unknown flags, a ROD type without
 * RTV, no ranges or too many, a range past the last possible LBA, or a
 * @buflen too small.
 */
ssize_t
virSCSIParamPopulateToken(uint8_t *buf,
                          size_t buflen,
                          unsigned int flags,
                          uint32_t inactivityTimeout,
                          uint32_t rodType,
                          const virSCSILbaRange *ranges,
                          size_t nranges,
                          GError **error);

/*
 * WRITE USING TOKEN (SBC-4): 536-byte header holding the 512-byte
 * ROD token, range descriptors from byte 536.  WRITE USING TOKEN DATA
 * LENGTH = 534 + 16 n <= 65535.
 */
#define VIR_SCSI_WRITE_USING_TOKEN_HEADER_LEN 536
#define VIR_SCSI_WRITE_USING_TOKEN_MAX_RANGES 4062

/*
 * virSCSIParamWriteUsingTokenSize:
 * @nranges: number of block device range descriptors
 *
 * Returns the size of the WRITE USING TOKEN parameter list, or 0 when
 * @nranges is 0 or above VIR_SCSI_WRITE_USING_TOKEN_MAX_RANGES.
 */
size_t
virSCSIParamWriteUsingTokenSize(size_t nranges);

/*
 * virSCSIParamWriteUsingToken:
 * @buf: where to write the list
 * @buflen: size of @buf
 * @flags: VIR_SCSI_TOKEN_IMMED, VIR_SCSI_TOKEN_DEL_TKN
 * @offsetIntoRod: OFFSET INTO ROD in blocks (bytes 8-15): where in the
 *                 token's data the first destination block starts
 * @token: the VIR_SCSI_ROD_TOKEN_LEN bytes of the ROD token, as returned
 *         by RECEIVE ROD TOKEN INFORMATION or virSCSIParamRodTokenBlockZero()
 * @ranges: the destination ranges
 * @nranges: number of @ranges, 1 to VIR_SCSI_WRITE_USING_TOKEN_MAX_RANGES
 * @error: return location for a GError
 *
 * Encodes the WRITE USING TOKEN parameter list: bytes 0-1 WRITE USING
 * TOKEN DATA LENGTH (total - 2); byte 2 DEL_TKN (bit 1), IMMED (bit 0);
 * bytes 8-15 OFFSET INTO ROD; bytes 16-527 ROD TOKEN; bytes 534-535 BLOCK
 * DEVICE RANGE DESCRIPTOR LENGTH; 16-byte range descriptors from byte 536.
 *
 * Returns the bytes written, or -1 on unknown flags, no ranges or too
 * many, a range past the last possible LBA, or a @buflen too small.
 */
ssize_t
virSCSIParamWriteUsingToken(uint8_t *buf,
                            size_t buflen,
                            unsigned int flags,
                            uint64_t offsetIntoRod,
                            const uint8_t *token,
                            const virSCSILbaRange *ranges,
                            size_t nranges,
                            GError **error);

/*
 * virSCSIParamRodTokenBlockZero:
 * @token: buffer of VIR_SCSI_ROD_TOKEN_LEN bytes
 *
 * Builds the well-known "block device zero" ROD token (SBC-3, SBC-4):
 * ROD TYPE 0xFFFF0001 (bytes 0-3), ROD TOKEN LENGTH 0x01F8 (bytes 6-7),
 * the rest zero.  WRITE USING TOKEN with it zeroes the destination ranges
 * without any POPULATE TOKEN.
 */
void
virSCSIParamRodTokenBlockZero(uint8_t *token);


/*
 * virSCSIParamCompareAndWrite:
 * @buf: where to write the data-out buffer
 * @buflen: size of @buf
 * @expected: the data the blocks must hold now
 * @replacement: the data to write if they do
 * @len: bytes in each of @expected and @replacement: the NUMBER OF LOGICAL
 *       BLOCKS of the CDB times the block length
 * @error: return location for a GError
 *
 * Builds the COMPARE AND WRITE data-out buffer: @expected then
 * @replacement (SBC-4).
 *
 * Returns 2 * @len, or -1 when @len is 0 or @buflen is too small.
 */
ssize_t
virSCSIParamCompareAndWrite(uint8_t *buf,
                            size_t buflen,
                            const uint8_t *expected,
                            const uint8_t *replacement,
                            size_t len,
                            GError **error);
