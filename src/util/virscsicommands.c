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
virSCSICommandData(virSCSITransport *transport,
                   const uint8_t *cdb,
                   size_t cdbLen,
                   virSCSIXferDir dir,
                   void *data,
                   size_t dataLen,
                   unsigned int timeoutMs,
                   GError **error)
{
    size_t received = 0;

    if (virSCSITransportRunCdb(transport, cdb, cdbLen, dir, data, dataLen,
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
virSCSICommandRead(virSCSITransport *transport,
                   uint64_t lba,
                   uint32_t nblocks,
                   uint32_t blockSize,
                   uint8_t *buf,
                   GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    size_t cdbLen = virSCSICdbRead16(cdb, lba, nblocks, false, false);

    return virSCSICommandData(transport, cdb, cdbLen, VIR_SCSI_XFER_FROM_DEV,
                              buf, (size_t)nblocks * blockSize, 0, error);
}


int
virSCSICommandWrite(virSCSITransport *transport,
                    uint64_t lba,
                    uint32_t nblocks,
                    uint32_t blockSize,
                    const uint8_t *buf,
                    GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    size_t cdbLen = virSCSICdbWrite16(cdb, lba, nblocks, false, false);

    return virSCSICommandData(transport, cdb, cdbLen, VIR_SCSI_XFER_TO_DEV,
                              (uint8_t *)buf, (size_t)nblocks * blockSize, 0, error);
}


int
virSCSICommandWriteSameZero(virSCSITransport *transport,
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
        cdbLen = virSCSICdbWriteSame10(cdb, lba, nblocks, flags, error);
    else
        cdbLen = virSCSICdbWriteSame16(cdb, lba, nblocks, flags, error);
    if (cdbLen < 0)
        return -1;
    return virSCSICommandData(transport, cdb, cdbLen, VIR_SCSI_XFER_TO_DEV,
                              block, blockSize, 0, error);
}


int
virSCSICommandUnmap(virSCSITransport *transport,
                    const virSCSILbaRange *ranges,
                    size_t nranges,
                    GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    size_t size = virSCSIParamUnmapSize(nranges);
    g_autofree uint8_t *param = NULL;
    ssize_t len;
    size_t cdbLen;

    if (!size) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "cannot encode %zu UNMAP descriptors", nranges);
        return -1;
    }
    param = g_new0(uint8_t, size);
    if ((len = virSCSIParamUnmap(param, size, ranges, nranges, error)) < 0)
        return -1;
    cdbLen = virSCSICdbUnmap(cdb, false, len);
    return virSCSICommandData(transport, cdb, cdbLen, VIR_SCSI_XFER_TO_DEV,
                              param, len, 0, error);
}


int
virSCSICommandCompareAndWrite(virSCSITransport *transport,
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
    virSCSICmd cmd = { 0 };
    virSCSISense sense;
    int cdbLen;

    *offset = UINT64_MAX;
    if ((cdbLen = virSCSICdbCompareAndWrite(cmd.cdb, lba, nblocks, false, false, error)) < 0)
        return -1;
    memcpy(data, expected, half);
    memcpy(data + half, replacement, half);
    cmd.cdbLen = cdbLen;
    cmd.dir = VIR_SCSI_XFER_TO_DEV;
    cmd.data = data;
    cmd.dataLen = 2 * half;

    /* Run without the status check: a MISCOMPARE is an answer, not an
     * error, and its INFORMATION field is the offset we report. */
    if (virSCSITransportExecRetry(transport, &cmd, error) < 0)
        return -1;
    if (cmd.status == VIR_SCSI_STATUS_CHECK_CONDITION &&
        virSCSISenseParse(cmd.sense, cmd.senseLen, &sense, NULL) == 0 &&
        sense.senseKey == VIR_SCSI_SENSE_KEY_MISCOMPARE) {
        /* The offset counts from the start of the data-out buffer, whose
         * first half is the verify data. */
        if (sense.hasInformation && sense.information < half)
            *offset = sense.information;
        return 1;
    }
    if (virSCSICmdCheckStatus(&cmd, error) < 0) {
        g_prefix_error(error, "%s: ", transport->target);
        return -1;
    }
    return 0;
}


/* From a COPY ABORTED sense, how many of the command's segments are
 * known complete: the SEGMENT POINTER (SD=1) gives the byte offset of the
 * descriptor being processed when it failed. */
static size_t
virSCSIXcopySegmentsDone(const virSCSICmd *cmd,
                         size_t ncscds,
                         size_t nsegments)
{
    virSCSISense sense;
    size_t first = VIR_SCSI_XCOPY_HEADER_LEN + ncscds * VIR_SCSI_XCOPY_CSCD_ID_LEN;
    size_t index;

    if (virSCSISenseParse(cmd->sense, cmd->senseLen, &sense, NULL) < 0 ||
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
virSCSICommandExtendedCopy(virSCSITransport *transport,
                           const virSCSIXcopyCscdId *cscds,
                           size_t ncscds,
                           const virSCSIXcopySegment *segments,
                           size_t nsegments,
                           unsigned int timeoutMs,
                           size_t *segmentsDone,
                           GError **error)
{
    size_t size = virSCSIParamExtendedCopyLid1Size(ncscds, nsegments);
    g_autofree uint8_t *param = NULL;
    virSCSICmd cmd = { 0 };
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
    if ((len = virSCSIParamExtendedCopyLid1(param, size, 0, VIR_SCSI_XCOPY_LIST_ID_NONE,
                                            0, 0, cscds, ncscds, segments, nsegments,
                                            error)) < 0)
        return -1;

    cmd.cdbLen = virSCSICdbExtendedCopyLid1(cmd.cdb, len);
    cmd.dir = VIR_SCSI_XFER_TO_DEV;
    cmd.data = param;
    cmd.dataLen = len;
    cmd.timeoutMs = timeoutMs ? timeoutMs : VIR_SCSI_XCOPY_TIMEOUT_MS;
    if (virSCSITransportExecRetry(transport, &cmd, error) < 0)
        return -1;
    if (virSCSICmdCheckStatus(&cmd, error) < 0) {
        *segmentsDone = virSCSIXcopySegmentsDone(&cmd, ncscds, nsegments);
        g_prefix_error(error, "%s: ", transport->target);
        return -1;
    }
    *segmentsDone = nsegments;
    return 0;
}


int
virSCSICommandGetLbaStatus(virSCSITransport *transport,
                           uint64_t lba,
                           virSCSILbaStatus *status,
                           GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    /* 8-byte header and up to 255 extents a round trip. */
    size_t alloc = 8 + 16 * 255;
    g_autofree uint8_t *buf = g_new0(uint8_t, alloc);
    size_t cdbLen = virSCSICdbGetLbaStatus(cdb, lba, alloc);
    size_t received = 0;

    if (virSCSITransportRunCdb(transport, cdb, cdbLen, VIR_SCSI_XFER_FROM_DEV,
                               buf, alloc, 0, &received, error) < 0)
        return -1;
    return virSCSILbaStatusParse(buf, received, status, error);
}


int
virSCSICommandPopulateToken(virSCSITransport *transport,
                            uint32_t listId,
                            const virSCSILbaRange *ranges,
                            size_t nranges,
                            uint8_t *token,
                            GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    size_t size = virSCSIParamPopulateTokenSize(nranges);
    g_autofree uint8_t *param = NULL;
    g_autofree uint8_t *info = g_new0(uint8_t, VIR_SCSI_RRTI_ALLOC);
    virSCSIRodTokenInfo rrti;
    size_t received = 0;
    ssize_t len;
    size_t cdbLen;

    if (!size) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "cannot encode POPULATE TOKEN with %zu ranges", nranges);
        return -1;
    }
    param = g_new0(uint8_t, size);
    if ((len = virSCSIParamPopulateToken(param, size, 0, 0, 0, ranges, nranges, error)) < 0)
        return -1;
    cdbLen = virSCSICdbPopulateToken(cdb, listId, len);
    if (virSCSICommandData(transport, cdb, cdbLen, VIR_SCSI_XFER_TO_DEV,
                           param, len, VIR_SCSI_XCOPY_TIMEOUT_MS, error) < 0)
        return -1;

    cdbLen = virSCSICdbReceiveRodTokenInformation(cdb, listId, VIR_SCSI_RRTI_ALLOC);
    if (virSCSITransportRunCdb(transport, cdb, cdbLen, VIR_SCSI_XFER_FROM_DEV,
                               info, VIR_SCSI_RRTI_ALLOC, 0, &received, error) < 0 ||
        virSCSIRodTokenInfoParse(info, received, &rrti, error) < 0)
        return -1;
    if (!virSCSICopyOperationSucceeded(rrti.copyOperationStatus) || !rrti.hasToken) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_COPY_ABORTED,
                    "%s: POPULATE TOKEN produced no token (copy operation status 0x%02x)",
                    transport->target, rrti.copyOperationStatus);
        return -1;
    }
    memcpy(token, rrti.token, VIR_SCSI_ROD_TOKEN_LEN);
    return 0;
}


int
virSCSICommandWriteUsingToken(virSCSITransport *transport,
                              uint32_t listId,
                              const uint8_t *token,
                              const virSCSILbaRange *ranges,
                              size_t nranges,
                              GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    size_t size = virSCSIParamWriteUsingTokenSize(nranges);
    g_autofree uint8_t *param = NULL;
    ssize_t len;
    size_t cdbLen;

    if (!size) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "cannot encode WRITE USING TOKEN with %zu ranges", nranges);
        return -1;
    }
    param = g_new0(uint8_t, size);
    if ((len = virSCSIParamWriteUsingToken(param, size, 0, 0, token, ranges, nranges,
                                           error)) < 0)
        return -1;
    cdbLen = virSCSICdbWriteUsingToken(cdb, listId, len);
    return virSCSICommandData(transport, cdb, cdbLen, VIR_SCSI_XFER_TO_DEV,
                              param, len, VIR_SCSI_XCOPY_TIMEOUT_MS, error);
}


int
virSCSICommandCscdFromCaps(const virSCSILunCaps *caps,
                           virSCSIXcopyCscdId *cscd,
                           GError **error)
{
    const virSCSIVPDDesignator *d = caps->designator;

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


int
virSCSICommandPersistentReserveOut(virSCSITransport *transport,
                                   virSCSIPrOutAction action,
                                   virSCSIPrType type,
                                   uint64_t key,
                                   uint64_t saKey,
                                   GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    uint8_t param[VIR_SCSI_PROUT_PARAM_LEN];
    size_t len = virSCSIParamPersistentReserveOut(param, key, saKey);
    int cdbLen;

    if ((cdbLen = virSCSICdbPersistentReserveOut(cdb, action, type, len, error)) < 0)
        return -1;
    return virSCSICommandData(transport, cdb, cdbLen, VIR_SCSI_XFER_TO_DEV,
                              param, len, 0, error);
}


int
virSCSICommandRegisterInitiator(virSCSITransport *transport,
                                uint64_t key,
                                const char *iscsiName,
                                GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    uint8_t param[VIR_SCSI_PROUT_NAME_PARAM_MAX];
    ssize_t len;
    int cdbLen;

    if ((len = virSCSIParamPersistentReserveOutName(param, sizeof(param), key,
                                                    iscsiName, error)) < 0 ||
        (cdbLen = virSCSICdbPersistentReserveOut(cdb, VIR_SCSI_PROUT_REGISTER,
                                                 VIR_SCSI_PR_TYPE_NONE, len, error)) < 0)
        return -1;
    return virSCSICommandData(transport, cdb, cdbLen, VIR_SCSI_XFER_TO_DEV,
                              param, len, 0, error);
}


/* One PERSISTENT RESERVE IN: the reply, however long, in *buf. */
static int
virSCSICommandPersistentReserveIn(virSCSITransport *transport,
                                  virSCSIPrInAction action,
                                  uint8_t **buf,
                                  size_t *received,
                                  GError **error)
{
    /* The longest reply there is: ALLOCATION LENGTH is 16 bits. */
    uint16_t alloc = UINT16_MAX;
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    size_t cdbLen = virSCSICdbPersistentReserveIn(cdb, action, alloc);

    *buf = g_new0(uint8_t, alloc);
    *received = 0;
    return virSCSITransportRunCdb(transport, cdb, cdbLen, VIR_SCSI_XFER_FROM_DEV,
                                  *buf, alloc, 0, received, error);
}


int
virSCSICommandReadKeys(virSCSITransport *transport,
                       virSCSIPrKeys *keys,
                       GError **error)
{
    g_autofree uint8_t *buf = NULL;
    size_t received;

    memset(keys, 0, sizeof(*keys));
    if (virSCSICommandPersistentReserveIn(transport, VIR_SCSI_PRIN_READ_KEYS,
                                          &buf, &received, error) < 0)
        return -1;
    return virSCSIPrKeysParse(buf, received, keys, error);
}


int
virSCSICommandReadReservation(virSCSITransport *transport,
                              virSCSIPrReservation *res,
                              GError **error)
{
    g_autofree uint8_t *buf = NULL;
    size_t received;

    memset(res, 0, sizeof(*res));
    if (virSCSICommandPersistentReserveIn(transport, VIR_SCSI_PRIN_READ_RESERVATION,
                                          &buf, &received, error) < 0)
        return -1;
    return virSCSIPrReservationParse(buf, received, res, error);
}


int
virSCSICommandReportPrCapabilities(virSCSITransport *transport,
                                   virSCSIPrCapabilities *caps,
                                   GError **error)
{
    g_autofree uint8_t *buf = NULL;
    size_t received;

    memset(caps, 0, sizeof(*caps));
    if (virSCSICommandPersistentReserveIn(transport, VIR_SCSI_PRIN_REPORT_CAPABILITIES,
                                          &buf, &received, error) < 0)
        return -1;
    return virSCSIPrCapabilitiesParse(buf, received, caps, error);
}
