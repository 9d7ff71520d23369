/*
 * virscsiparam.c: SCSI parameter list (data-out) encoders
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Layouts from SBC-4 (UNMAP, POPULATE TOKEN, WRITE USING TOKEN, COMPARE
 * AND WRITE) and SPC-4 (EXTENDED COPY(LID1)), cross-checked against
 * sg3_utils' sg_xcopy and ddpt's ODX code.  Every encoder validates all
 * of its arguments before writing a byte, so a failure leaves the
 * caller's buffer as it was.
 */

#include <limits.h>
#include <string.h>

#include "virscsiparam.h"
#include "virscsibytes.h"
#include "virscsierror.h"

/* A range is encodable whatever its size, but one whose last block would
 * lie beyond 2^64 - 1 can only come from a caller's arithmetic error. */
static int
virSCSIParamCheckRanges(const char *what,
                        const virSCSILbaRange *ranges,
                        size_t nranges,
                        GError **error)
{
    size_t i;

    for (i = 0; i < nranges; i++) {
        if (ranges[i].nblocks > 0 &&
            ranges[i].lba > UINT64_MAX - (ranges[i].nblocks - 1)) {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                        "%s: range %zu (LBA %" G_GUINT64_FORMAT ", %u blocks) "
                        "runs past the last possible LBA",
                        what, i, ranges[i].lba, ranges[i].nblocks);
            return -1;
        }
    }

    return 0;
}


static int
virSCSIParamCheckCount(const char *what,
                       size_t n,
                       size_t max,
                       GError **error)
{
    if (n == 0 || n > max) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "%s: %zu descriptors, must be 1 to %zu", what, n, max);
        return -1;
    }

    return 0;
}


static int
virSCSIParamCheckBuffer(const char *what,
                        size_t buflen,
                        size_t needed,
                        GError **error)
{
    if (buflen < needed) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "%s: buffer of %zu bytes, %zu needed",
                    what, buflen, needed);
        return -1;
    }

    return 0;
}


/* The 16-byte block descriptor shared by UNMAP and the token commands:
 * LBA (bytes 0-7), NUMBER OF LOGICAL BLOCKS (8-11), reserved (12-15). */
static void
virSCSIParamPutRanges(uint8_t *p,
                      const virSCSILbaRange *ranges,
                      size_t nranges)
{
    size_t i;

    for (i = 0; i < nranges; i++) {
        virSCSIPutBE64(p, ranges[i].lba);
        virSCSIPutBE32(p + 8, ranges[i].nblocks);
        p += VIR_SCSI_BLOCK_RANGE_DESC_LEN;
    }
}


size_t
virSCSIParamUnmapSize(size_t nranges)
{
    if (nranges == 0 || nranges > VIR_SCSI_UNMAP_MAX_DESCRIPTORS)
        return 0;
    return VIR_SCSI_UNMAP_HEADER_LEN + nranges * VIR_SCSI_BLOCK_RANGE_DESC_LEN;
}


ssize_t
virSCSIParamUnmap(uint8_t *buf,
                  size_t buflen,
                  const virSCSILbaRange *ranges,
                  size_t nranges,
                  GError **error)
{
    size_t total;

    if (virSCSIParamCheckCount("UNMAP", nranges,
                               VIR_SCSI_UNMAP_MAX_DESCRIPTORS, error) < 0 ||
        virSCSIParamCheckRanges("UNMAP", ranges, nranges, error) < 0)
        return -1;

    total = virSCSIParamUnmapSize(nranges);
    if (virSCSIParamCheckBuffer("UNMAP", buflen, total, error) < 0)
        return -1;

    memset(buf, 0, total);
    /* UNMAP DATA LENGTH, then UNMAP BLOCK DESCRIPTOR DATA LENGTH */
    virSCSIPutBE16(buf, total - 2);
    virSCSIPutBE16(buf + 2, total - VIR_SCSI_UNMAP_HEADER_LEN);
    /* bytes 4-7 reserved */
    virSCSIParamPutRanges(buf + VIR_SCSI_UNMAP_HEADER_LEN, ranges, nranges);
    return total;
}


size_t
virSCSIParamExtendedCopyLid1Size(size_t ncscds,
                                 size_t nsegments)
{
    uint64_t room;

    if (ncscds == 0 || ncscds > VIR_SCSI_XCOPY_MAX_CSCDS || nsegments == 0)
        return 0;

    /* The whole list must fit the CDB's 32-bit PARAMETER LIST LENGTH,
     * which also bounds the 32-bit SEGMENT DESCRIPTOR LIST LENGTH. */
    room = UINT32_MAX - VIR_SCSI_XCOPY_HEADER_LEN -
        (uint64_t)ncscds * VIR_SCSI_XCOPY_CSCD_ID_LEN;
    if (nsegments > room / VIR_SCSI_XCOPY_SEGMENT_B2B_LEN)
        return 0;

    return VIR_SCSI_XCOPY_HEADER_LEN +
        ncscds * VIR_SCSI_XCOPY_CSCD_ID_LEN +
        nsegments * VIR_SCSI_XCOPY_SEGMENT_B2B_LEN;
}


static int
virSCSIParamCheckCscd(const virSCSIXcopyCscdId *cscd,
                      size_t idx,
                      GError **error)
{
    const char *bad = NULL;

    if (cscd->codeSet > 0x0F)
        bad = "code set";
    else if (cscd->association > 0x03)
        bad = "association";
    else if (cscd->designatorType > 0x0F)
        bad = "designator type";
    else if (cscd->designatorLen == 0 ||
             cscd->designatorLen > VIR_SCSI_XCOPY_DESIGNATOR_MAX)
        bad = "designator length";
    else if (cscd->blockLength == 0 || cscd->blockLength > 0xFFFFFF)
        bad = "block length";

    if (bad) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "EXTENDED COPY: CSCD descriptor %zu: invalid %s",
                    idx, bad);
        return -1;
    }

    return 0;
}


static int
virSCSIParamCheckSegment(const virSCSIXcopySegment *seg,
                         size_t idx,
                         size_t ncscds,
                         GError **error)
{
    virSCSILbaRange ranges[2] = {
        { seg->srcLba, seg->nblocks },
        { seg->dstLba, seg->nblocks },
    };

    if (seg->srcIndex >= ncscds || seg->dstIndex >= ncscds) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "EXTENDED COPY: segment %zu names CSCD %u -> %u, "
                    "only %zu in the list",
                    idx, seg->srcIndex, seg->dstIndex, ncscds);
        return -1;
    }

    /* SPC-4 lets a zero-length segment through as a no-op; for us it can
     * only be a chunking bug, so it is refused like an oversized one. */
    if (seg->nblocks == 0 ||
        seg->nblocks > VIR_SCSI_XCOPY_SEGMENT_MAX_BLOCKS) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "EXTENDED COPY: segment %zu: %u blocks, must be 1 to %u",
                    idx, seg->nblocks, VIR_SCSI_XCOPY_SEGMENT_MAX_BLOCKS);
        return -1;
    }

    return virSCSIParamCheckRanges("EXTENDED COPY segment", ranges, 2, error);
}


/*
 * Identification descriptor CSCD (SPC-4, type 0xE4), 32 bytes:
 *   0      DESCRIPTOR TYPE CODE 0xE4
 *   1      LU ID TYPE (7-6) 0, NUL (5) 0, PERIPHERAL DEVICE TYPE (4-0) 0
 *   2-3    RELATIVE INITIATOR PORT IDENTIFIER 0 (any port)
 *   4      CODE SET (3-0)
 *   5      ASSOCIATION (5-4), DESIGNATOR TYPE (3-0)
 *   6      reserved
 *   7      DESIGNATOR LENGTH
 *   8-27   DESIGNATOR, zero padded
 *   28-31  block device type specific (SBC): 28 PAD (bit 2) 0,
 *          29-31 DISK BLOCK LENGTH
 * Bytes 4 onwards mirror the VPD 0x83 designation descriptor, which is
 * how sg_xcopy builds it.
 */
static void
virSCSIParamPutCscdId(uint8_t *p,
                      const virSCSIXcopyCscdId *cscd)
{
    p[0] = VIR_SCSI_XCOPY_DESC_IDENTIFICATION;
    p[4] = cscd->codeSet;
    p[5] = (cscd->association << 4) | cscd->designatorType;
    p[7] = cscd->designatorLen;
    memcpy(p + 8, cscd->designator, cscd->designatorLen);
    virSCSIPutBE24(p + 29, cscd->blockLength);
}


/*
 * Block device to block device segment descriptor (SPC-4, type 0x02),
 * 28 bytes:
 *   0      DESCRIPTOR TYPE CODE 0x02
 *   1      DC (bit 1), CAT (bit 0)
 *   2-3    DESCRIPTOR LENGTH 0x0018 (bytes that follow)
 *   4-5    SOURCE CSCD DESCRIPTOR ID (index)
 *   6-7    DESTINATION CSCD DESCRIPTOR ID (index)
 *   8-9    reserved
 *   10-11  NUMBER OF BLOCKS
 *   12-19  SOURCE BLOCK DEVICE LOGICAL BLOCK ADDRESS
 *   20-27  DESTINATION BLOCK DEVICE LOGICAL BLOCK ADDRESS
 */
static void
virSCSIParamPutSegmentB2B(uint8_t *p,
                          const virSCSIXcopySegment *seg,
                          unsigned int flags)
{
    p[0] = VIR_SCSI_XCOPY_DESC_BLOCK_TO_BLOCK;
    /* DC=1 by default: with it NUMBER OF BLOCKS counts destination blocks,
     * which is what the caller chunks by. */
    if (!(flags & VIR_SCSI_XCOPY_SOURCE_BLOCKS))
        p[1] |= 0x02;
    if (flags & VIR_SCSI_XCOPY_CAT)
        p[1] |= 0x01;
    virSCSIPutBE16(p + 2, VIR_SCSI_XCOPY_SEGMENT_B2B_LEN - 4);
    virSCSIPutBE16(p + 4, seg->srcIndex);
    virSCSIPutBE16(p + 6, seg->dstIndex);
    virSCSIPutBE16(p + 10, seg->nblocks);
    virSCSIPutBE64(p + 12, seg->srcLba);
    virSCSIPutBE64(p + 20, seg->dstLba);
}


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
                             GError **error)
{
    const unsigned int knownFlags = VIR_SCSI_XCOPY_STR |
        VIR_SCSI_XCOPY_SOURCE_BLOCKS | VIR_SCSI_XCOPY_CAT;
    size_t total;
    size_t cscdLen;
    size_t segLen;
    uint8_t *p;
    size_t i;

    if (flags & ~knownFlags) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "EXTENDED COPY: unsupported flags 0x%x",
                    flags & ~knownFlags);
        return -1;
    }

    /* LIST ID USAGE 01b is reserved. */
    if (listIdUsage != VIR_SCSI_XCOPY_LIST_ID_HOLD &&
        listIdUsage != VIR_SCSI_XCOPY_LIST_ID_DISCARD &&
        listIdUsage != VIR_SCSI_XCOPY_LIST_ID_NONE) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "EXTENDED COPY: list id usage %d", (int)listIdUsage);
        return -1;
    }

    if (priority > 7) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "EXTENDED COPY: priority %u, must be 0 to 7", priority);
        return -1;
    }

    if (virSCSIParamCheckCount("EXTENDED COPY CSCD list", ncscds,
                               VIR_SCSI_XCOPY_MAX_CSCDS, error) < 0)
        return -1;

    total = virSCSIParamExtendedCopyLid1Size(ncscds, nsegments);
    if (total == 0) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "EXTENDED COPY: %zu segment descriptors do not fit "
                    "a parameter list", nsegments);
        return -1;
    }

    for (i = 0; i < ncscds; i++) {
        if (virSCSIParamCheckCscd(&cscds[i], i, error) < 0)
            return -1;
    }

    for (i = 0; i < nsegments; i++) {
        if (virSCSIParamCheckSegment(&segments[i], i, ncscds, error) < 0)
            return -1;
    }

    if (virSCSIParamCheckBuffer("EXTENDED COPY", buflen, total, error) < 0)
        return -1;

    cscdLen = ncscds * VIR_SCSI_XCOPY_CSCD_ID_LEN;
    segLen = nsegments * VIR_SCSI_XCOPY_SEGMENT_B2B_LEN;

    memset(buf, 0, total);
    buf[0] = listId;
    buf[1] = (listIdUsage << 3) | priority;
    if (flags & VIR_SCSI_XCOPY_STR)
        buf[1] |= 0x20;
    virSCSIPutBE16(buf + 2, cscdLen);
    /* bytes 4-7 reserved */
    virSCSIPutBE32(buf + 8, segLen);
    /* bytes 12-15 INLINE DATA LENGTH: 0, block to block needs none */

    p = buf + VIR_SCSI_XCOPY_HEADER_LEN;
    for (i = 0; i < ncscds; i++) {
        virSCSIParamPutCscdId(p, &cscds[i]);
        p += VIR_SCSI_XCOPY_CSCD_ID_LEN;
    }
    for (i = 0; i < nsegments; i++) {
        virSCSIParamPutSegmentB2B(p, &segments[i], flags);
        p += VIR_SCSI_XCOPY_SEGMENT_B2B_LEN;
    }

    return total;
}


size_t
virSCSIParamPopulateTokenSize(size_t nranges)
{
    if (nranges == 0 || nranges > VIR_SCSI_POPULATE_TOKEN_MAX_RANGES)
        return 0;
    return VIR_SCSI_POPULATE_TOKEN_HEADER_LEN +
        nranges * VIR_SCSI_BLOCK_RANGE_DESC_LEN;
}


ssize_t
virSCSIParamPopulateToken(uint8_t *buf,
                          size_t buflen,
                          unsigned int flags,
                          uint32_t inactivityTimeout,
                          uint32_t rodType,
                          const virSCSILbaRange *ranges,
                          size_t nranges,
                          GError **error)
{
    const unsigned int knownFlags = VIR_SCSI_TOKEN_IMMED | VIR_SCSI_TOKEN_RTV;
    size_t total;

    if (flags & ~knownFlags) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "POPULATE TOKEN: unsupported flags 0x%x",
                    flags & ~knownFlags);
        return -1;
    }

    /* Without RTV the device ignores ROD TYPE: a type given without it is
     * a type the caller wanted and would silently not get. */
    if (rodType != 0 && !(flags & VIR_SCSI_TOKEN_RTV)) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "POPULATE TOKEN: ROD type 0x%08x given without RTV",
                    rodType);
        return -1;
    }

    if (virSCSIParamCheckCount("POPULATE TOKEN", nranges,
                               VIR_SCSI_POPULATE_TOKEN_MAX_RANGES, error) < 0 ||
        virSCSIParamCheckRanges("POPULATE TOKEN", ranges, nranges, error) < 0)
        return -1;

    total = virSCSIParamPopulateTokenSize(nranges);
    if (virSCSIParamCheckBuffer("POPULATE TOKEN", buflen, total, error) < 0)
        return -1;

    memset(buf, 0, total);
    virSCSIPutBE16(buf, total - 2);             /* POPULATE TOKEN DATA LENGTH */
    buf[2] = flags;                             /* RTV (bit 1), IMMED (bit 0) */
    /* byte 3 reserved */
    virSCSIPutBE32(buf + 4, inactivityTimeout);
    virSCSIPutBE32(buf + 8, rodType);
    /* bytes 12-13 reserved */
    virSCSIPutBE16(buf + 14, total - VIR_SCSI_POPULATE_TOKEN_HEADER_LEN);
    virSCSIParamPutRanges(buf + VIR_SCSI_POPULATE_TOKEN_HEADER_LEN,
                          ranges, nranges);
    return total;
}


size_t
virSCSIParamWriteUsingTokenSize(size_t nranges)
{
    if (nranges == 0 || nranges > VIR_SCSI_WRITE_USING_TOKEN_MAX_RANGES)
        return 0;
    return VIR_SCSI_WRITE_USING_TOKEN_HEADER_LEN +
        nranges * VIR_SCSI_BLOCK_RANGE_DESC_LEN;
}


ssize_t
virSCSIParamWriteUsingToken(uint8_t *buf,
                            size_t buflen,
                            unsigned int flags,
                            uint64_t offsetIntoRod,
                            const uint8_t *token,
                            const virSCSILbaRange *ranges,
                            size_t nranges,
                            GError **error)
{
    const unsigned int knownFlags = VIR_SCSI_TOKEN_IMMED |
        VIR_SCSI_TOKEN_DEL_TKN;
    size_t total;

    if (flags & ~knownFlags) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "WRITE USING TOKEN: unsupported flags 0x%x",
                    flags & ~knownFlags);
        return -1;
    }

    if (virSCSIParamCheckCount("WRITE USING TOKEN", nranges,
                               VIR_SCSI_WRITE_USING_TOKEN_MAX_RANGES,
                               error) < 0 ||
        virSCSIParamCheckRanges("WRITE USING TOKEN", ranges, nranges,
                                error) < 0)
        return -1;

    total = virSCSIParamWriteUsingTokenSize(nranges);
    if (virSCSIParamCheckBuffer("WRITE USING TOKEN", buflen, total, error) < 0)
        return -1;

    memset(buf, 0, total);
    virSCSIPutBE16(buf, total - 2);     /* WRITE USING TOKEN DATA LENGTH */
    buf[2] = flags;                     /* DEL_TKN (bit 1), IMMED (bit 0) */
    /* bytes 3-7 reserved */
    virSCSIPutBE64(buf + 8, offsetIntoRod);
    memcpy(buf + 16, token, VIR_SCSI_ROD_TOKEN_LEN);
    /* bytes 528-533 reserved */
    virSCSIPutBE16(buf + 534, total - VIR_SCSI_WRITE_USING_TOKEN_HEADER_LEN);
    virSCSIParamPutRanges(buf + VIR_SCSI_WRITE_USING_TOKEN_HEADER_LEN,
                          ranges, nranges);
    return total;
}


void
virSCSIParamRodTokenBlockZero(uint8_t *token)
{
    memset(token, 0, VIR_SCSI_ROD_TOKEN_LEN);
    virSCSIPutBE32(token, VIR_SCSI_ROD_TYPE_BLOCK_ZERO);
    /* ROD TOKEN LENGTH counts the bytes after itself: 512 - 8 */
    virSCSIPutBE16(token + 6, VIR_SCSI_ROD_TOKEN_LEN - 8);
}


ssize_t
virSCSIParamCompareAndWrite(uint8_t *buf,
                            size_t buflen,
                            const uint8_t *expected,
                            const uint8_t *replacement,
                            size_t len,
                            GError **error)
{
    if (len == 0 || len > SSIZE_MAX / 2) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "COMPARE AND WRITE: %zu bytes per half", len);
        return -1;
    }

    if (virSCSIParamCheckBuffer("COMPARE AND WRITE", buflen, 2 * len,
                                error) < 0)
        return -1;

    memcpy(buf, expected, len);
    memcpy(buf + len, replacement, len);
    return 2 * len;
}
