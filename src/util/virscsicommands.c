/*
 * virscsicommands.c: one function per SCSI command the engine sends
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsicommands.h"
#include "virscsicaps.h"
#include "virscsicdb.h"
#include "virscsierror.h"
#include "virscsisense.h"

/* A segment of 65535 blocks on a slow array can take a while: give an
 * EXTENDED COPY more time than an ordinary command before calling the
 * path dead. */
#define VIR_SCSI_XCOPY_TIMEOUT_MS (120 * 1000)

/* RECEIVE ROD TOKEN INFORMATION: the fixed part, sense data and one token
 * descriptor fit in this. */
#define VIR_SCSI_RRTI_ALLOC 1024


static int
virScsiCommandData(virScsiTransport *transport,
                   const uint8_t *cdb,
                   size_t cdbLen,
                   virScsiXferDir dir,
                   void *data,
                   size_t dataLen,
                   unsigned int timeoutMs,
                   GError **error)
{
    size_t received = 0;

    if (virScsiTransportRunCdb(transport, cdb, cdbLen, dir, data, dataLen,
                               timeoutMs, &received, error) < 0)
        return -1;
    /* A short read would leave stale bytes where data was expected. */
    if (dir == VIR_SCSI_XFER_FROM_DEV && received != dataLen) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "%s: command 0x%02x returned %zu bytes of %zu",
                    transport->target, cdb[0], received, dataLen);
        return -1;
    }
    return 0;
}


int
virScsiCommandRead(virScsiTransport *transport,
                   uint64_t lba,
                   uint32_t nblocks,
                   uint32_t blockSize,
                   uint8_t *buf,
                   GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    size_t cdbLen = virScsiCdbRead16(cdb, lba, nblocks, false, false);

    return virScsiCommandData(transport, cdb, cdbLen, VIR_SCSI_XFER_FROM_DEV,
                              buf, (size_t)nblocks * blockSize, 0, error);
}


int
virScsiCommandWrite(virScsiTransport *transport,
                    uint64_t lba,
                    uint32_t nblocks,
                    uint32_t blockSize,
                    const uint8_t *buf,
                    GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    size_t cdbLen = virScsiCdbWrite16(cdb, lba, nblocks, false, false);

    return virScsiCommandData(transport, cdb, cdbLen, VIR_SCSI_XFER_TO_DEV,
                              (uint8_t *)buf, (size_t)nblocks * blockSize, 0, error);
}


int
virScsiCommandWriteSameZero(virScsiTransport *transport,
                            uint8_t cdbSize,
                            uint64_t lba,
                            uint32_t nblocks,
                            uint32_t blockSize,
                            bool unmap,
                            GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    g_autofree uint8_t *block = g_new0(uint8_t, blockSize);
    unsigned int flags = unmap ? VIR_SCSI_WRITE_SAME_UNMAP : 0;
    int cdbLen;

    /* Zero blocks are never sent as NDOB: not every target implements it
     * and one block per command is nothing on the link. */
    if (cdbSize == 10)
        cdbLen = virScsiCdbWriteSame10(cdb, lba, nblocks, flags, error);
    else
        cdbLen = virScsiCdbWriteSame16(cdb, lba, nblocks, flags, error);
    if (cdbLen < 0)
        return -1;
    return virScsiCommandData(transport, cdb, cdbLen, VIR_SCSI_XFER_TO_DEV,
                              block, blockSize, 0, error);
}


int
virScsiCommandUnmap(virScsiTransport *transport,
                    const virScsiLbaRange *ranges,
                    size_t nranges,
                    GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    size_t size = virScsiParamUnmapSize(nranges);
    g_autofree uint8_t *param = NULL;
    ssize_t len;
    size_t cdbLen;

    if (!size) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "cannot encode %zu UNMAP descriptors", nranges);
        return -1;
    }
    param = g_new0(uint8_t, size);
    if ((len = virScsiParamUnmap(param, size, ranges, nranges, error)) < 0)
        return -1;
    cdbLen = virScsiCdbUnmap(cdb, false, len);
    return virScsiCommandData(transport, cdb, cdbLen, VIR_SCSI_XFER_TO_DEV,
                              param, len, 0, error);
}


int
virScsiCommandCompareAndWrite(virScsiTransport *transport,
                              uint64_t lba,
                              uint32_t nblocks,
                              uint32_t blockSize,
                              const uint8_t *expected,
                              const uint8_t *replacement,
                              uint64_t *offset,
                              GError **error)
{
    size_t half = (size_t)nblocks * blockSize;
    g_autofree uint8_t *data = g_new(uint8_t, 2 * half);
    virScsiCmd cmd = { 0 };
    virScsiSense sense;
    int cdbLen;

    *offset = UINT64_MAX;
    if ((cdbLen = virScsiCdbCompareAndWrite(cmd.cdb, lba, nblocks, false, false, error)) < 0)
        return -1;
    memcpy(data, expected, half);
    memcpy(data + half, replacement, half);
    cmd.cdbLen = cdbLen;
    cmd.dir = VIR_SCSI_XFER_TO_DEV;
    cmd.data = data;
    cmd.dataLen = 2 * half;

    /* Run without the status check: a MISCOMPARE is an answer, not an
     * error, and its INFORMATION field is the offset we report. */
    if (virScsiTransportExecRetry(transport, &cmd, error) < 0)
        return -1;
    if (cmd.status == VIR_SCSI_STATUS_CHECK_CONDITION &&
        virScsiSenseParse(cmd.sense, cmd.senseLen, &sense, NULL) == 0 &&
        sense.senseKey == VIR_SCSI_SENSE_KEY_MISCOMPARE) {
        /* The offset counts from the start of the data-out buffer, whose
         * first half is the verify data. */
        if (sense.hasInformation && sense.information < half)
            *offset = sense.information;
        return 1;
    }
    if (virScsiCmdCheckStatus(&cmd, error) < 0) {
        g_prefix_error(error, "%s: ", transport->target);
        return -1;
    }
    return 0;
}


/* From a COPY ABORTED sense, how many of the command's segments are
 * known complete: the SEGMENT POINTER (SD=1) gives the byte offset of the
 * descriptor being processed when it failed. */
static size_t
virScsiXcopySegmentsDone(const virScsiCmd *cmd,
                         size_t ncscds,
                         size_t nsegments)
{
    virScsiSense sense;
    size_t first = VIR_SCSI_XCOPY_HEADER_LEN + ncscds * VIR_SCSI_XCOPY_CSCD_ID_LEN;
    size_t index;

    if (virScsiSenseParse(cmd->sense, cmd->senseLen, &sense, NULL) < 0 ||
        !sense.hasSenseKeySpecific || !sense.sks.sksv ||
        sense.sks.type != VIR_SCSI_SENSE_SKS_SEGMENT_POINTER ||
        !sense.sks.segmentDescriptor ||
        sense.sks.fieldPointer < first ||
        (sense.sks.fieldPointer - first) % VIR_SCSI_XCOPY_SEGMENT_B2B_LEN)
        return 0;
    index = (sense.sks.fieldPointer - first) / VIR_SCSI_XCOPY_SEGMENT_B2B_LEN;
    return MIN(index, nsegments);
}


int
virScsiCommandExtendedCopy(virScsiTransport *transport,
                           const virScsiXcopyCscdId *cscds,
                           size_t ncscds,
                           const virScsiXcopySegment *segments,
                           size_t nsegments,
                           unsigned int timeoutMs,
                           size_t *segmentsDone,
                           GError **error)
{
    size_t size = virScsiParamExtendedCopyLid1Size(ncscds, nsegments);
    g_autofree uint8_t *param = NULL;
    virScsiCmd cmd = { 0 };
    ssize_t len;

    *segmentsDone = 0;
    if (!size) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "cannot encode EXTENDED COPY with %zu CSCDs and %zu segments",
                    ncscds, nsegments);
        return -1;
    }
    param = g_new0(uint8_t, size);
    /* No list identifier: we never ask for this copy's results later,
     * and two hosts must not collide on one. */
    if ((len = virScsiParamExtendedCopyLid1(param, size, 0, VIR_SCSI_XCOPY_LIST_ID_NONE,
                                            0, 0, cscds, ncscds, segments, nsegments,
                                            error)) < 0)
        return -1;

    cmd.cdbLen = virScsiCdbExtendedCopyLid1(cmd.cdb, len);
    cmd.dir = VIR_SCSI_XFER_TO_DEV;
    cmd.data = param;
    cmd.dataLen = len;
    cmd.timeoutMs = timeoutMs ? timeoutMs : VIR_SCSI_XCOPY_TIMEOUT_MS;
    if (virScsiTransportExecRetry(transport, &cmd, error) < 0)
        return -1;
    if (virScsiCmdCheckStatus(&cmd, error) < 0) {
        *segmentsDone = virScsiXcopySegmentsDone(&cmd, ncscds, nsegments);
        g_prefix_error(error, "%s: ", transport->target);
        return -1;
    }
    *segmentsDone = nsegments;
    return 0;
}


int
virScsiCommandGetLbaStatus(virScsiTransport *transport,
                           uint64_t lba,
                           virScsiLbaStatus *status,
                           GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    /* 8-byte header and up to 255 extents a round trip. */
    size_t alloc = 8 + 16 * 255;
    g_autofree uint8_t *buf = g_new0(uint8_t, alloc);
    size_t cdbLen = virScsiCdbGetLbaStatus(cdb, lba, alloc);
    size_t received = 0;

    if (virScsiTransportRunCdb(transport, cdb, cdbLen, VIR_SCSI_XFER_FROM_DEV,
                               buf, alloc, 0, &received, error) < 0)
        return -1;
    return virScsiLbaStatusParse(buf, received, status, error);
}


int
virScsiCommandPopulateToken(virScsiTransport *transport,
                            uint32_t listId,
                            const virScsiLbaRange *ranges,
                            size_t nranges,
                            uint8_t *token,
                            GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    size_t size = virScsiParamPopulateTokenSize(nranges);
    g_autofree uint8_t *param = NULL;
    g_autofree uint8_t *info = g_new0(uint8_t, VIR_SCSI_RRTI_ALLOC);
    virScsiRodTokenInfo rrti;
    size_t received = 0;
    ssize_t len;
    size_t cdbLen;

    if (!size) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "cannot encode POPULATE TOKEN with %zu ranges", nranges);
        return -1;
    }
    param = g_new0(uint8_t, size);
    if ((len = virScsiParamPopulateToken(param, size, 0, 0, 0, ranges, nranges, error)) < 0)
        return -1;
    cdbLen = virScsiCdbPopulateToken(cdb, listId, len);
    if (virScsiCommandData(transport, cdb, cdbLen, VIR_SCSI_XFER_TO_DEV,
                           param, len, VIR_SCSI_XCOPY_TIMEOUT_MS, error) < 0)
        return -1;

    cdbLen = virScsiCdbReceiveRodTokenInformation(cdb, listId, VIR_SCSI_RRTI_ALLOC);
    if (virScsiTransportRunCdb(transport, cdb, cdbLen, VIR_SCSI_XFER_FROM_DEV,
                               info, VIR_SCSI_RRTI_ALLOC, 0, &received, error) < 0 ||
        virScsiRodTokenInfoParse(info, received, &rrti, error) < 0)
        return -1;
    if (!virScsiCopyOperationSucceeded(rrti.copyOperationStatus) || !rrti.hasToken) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_COPY_ABORTED,
                    "%s: POPULATE TOKEN produced no token (copy operation status 0x%02x)",
                    transport->target, rrti.copyOperationStatus);
        return -1;
    }
    memcpy(token, rrti.token, VIR_SCSI_ROD_TOKEN_LEN);
    return 0;
}


int
virScsiCommandWriteUsingToken(virScsiTransport *transport,
                              uint32_t listId,
                              const uint8_t *token,
                              const virScsiLbaRange *ranges,
                              size_t nranges,
                              GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    size_t size = virScsiParamWriteUsingTokenSize(nranges);
    g_autofree uint8_t *param = NULL;
    ssize_t len;
    size_t cdbLen;

    if (!size) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "cannot encode WRITE USING TOKEN with %zu ranges", nranges);
        return -1;
    }
    param = g_new0(uint8_t, size);
    if ((len = virScsiParamWriteUsingToken(param, size, 0, 0, token, ranges, nranges,
                                           error)) < 0)
        return -1;
    cdbLen = virScsiCdbWriteUsingToken(cdb, listId, len);
    return virScsiCommandData(transport, cdb, cdbLen, VIR_SCSI_XFER_TO_DEV,
                              param, len, VIR_SCSI_XCOPY_TIMEOUT_MS, error);
}


int
virScsiCommandCscdFromCaps(const virScsiLunCaps *caps,
                           virScsiXcopyCscdId *cscd,
                           GError **error)
{
    const virScsiVpdDesignator *d = caps->designator;

    if (!d) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_UNSUPPORTED,
                    "%s has no designator to name it in EXTENDED COPY", caps->target);
        return -1;
    }
    memset(cscd, 0, sizeof(*cscd));
    cscd->codeSet = d->codeSet;
    cscd->association = d->association;
    cscd->designatorType = d->designatorType;
    cscd->designatorLen = d->length;
    memcpy(cscd->designator, d->designator, d->length);
    cscd->blockLength = caps->blockSize;
    return 0;
}
