/*
 * virscsihostio.c: host data movement for the engine, and the checks and
 *                  plain I/O every operation shares
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsiengine.h"
#include "virscsicommands.h"
#include "virscsichunk.h"
#include "virscsierror.h"

int
virSCSIEngineCheckRange(const virSCSILun *lun,
                        uint64_t lba,
                        uint64_t nblocks,
                        GError **error)
{
    uint64_t cap = virSCSILunBlocks(lun);

    if (nblocks == 0) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "%s: empty range", lun->caps->target);
        return -1;
    }
    if (lba >= cap || nblocks > cap - lba) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "%s: range %llu+%llu goes beyond the LUN's %llu blocks",
                    lun->caps->target, (unsigned long long)lba,
                    (unsigned long long)nblocks, (unsigned long long)cap);
        return -1;
    }
    return 0;
}


bool
virSCSIEngineCancelled(virSCSIReport *report,
                       GError **error)
{
    if (!virSCSIReportCancelled(report))
        return false;
    /* How far it got is in the report: workers still finishing their
     * commands would make a count here stale. */
    g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_CANCELLED,
                "%s cancelled", report->operation ? report->operation : "operation");
    return true;
}


bool
virSCSIEngineErrorIsPermanent(const GError *err)
{
    if (!err || err->domain != VIR_SCSI_ERROR)
        return false;
    switch ((virSCSIErrorCode)err->code) {
    case VIR_SCSI_ERROR_UNSUPPORTED:
    case VIR_SCSI_ERROR_INVALID_FIELD:
    case VIR_SCSI_ERROR_COPY_ABORTED:
    case VIR_SCSI_ERROR_INVALID_ARG:
    case VIR_SCSI_ERROR_MALFORMED:
        return true;
    case VIR_SCSI_ERROR_TRUNCATED:
    case VIR_SCSI_ERROR_TRANSPORT:
    case VIR_SCSI_ERROR_CHECK_CONDITION:
    case VIR_SCSI_ERROR_STATUS:
    case VIR_SCSI_ERROR_MISCOMPARE:
    case VIR_SCSI_ERROR_CANCELLED:
    case VIR_SCSI_ERROR_NO_OFFLOAD:
    case VIR_SCSI_ERROR_FENCED:
    case VIR_SCSI_ERROR_RESERVATION_CONFLICT:
        return false;
    }
    return false;
}


bool
virSCSIEngineErrorIsFinal(const GError *err)
{
    return g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_FENCED) ||
           g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_RESERVATION_CONFLICT) ||
           g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_CANCELLED);
}


int
virSCSIEngineHostZero(virSCSITransport *transport,
                      const virSCSILun *lun,
                      uint64_t lba,
                      uint64_t nblocks,
                      virSCSIReport *report,
                      GError **error)
{
    const virSCSIOpPlan *op = &lun->plan.ops[VIR_SCSI_PLAN_OP_ZERO];
    uint32_t bs = virSCSILunBlockSize(lun);
    uint64_t chunk = MAX(op->hostMaxBlocks, 1);
    g_autofree uint8_t *zeros = g_new0(uint8_t, MIN(chunk, nblocks) * bs);
    uint64_t pos = 0;

    while (pos < nblocks) {
        uint64_t len = MIN(chunk, nblocks - pos);

        if (virSCSIEngineCancelled(report, error))
            return -1;
        if (virSCSICommandWrite(transport, lba + pos, len, bs, zeros, error) < 0) {
            virSCSIReportAdd(report, VIR_SCSI_METHOD_HOST, 1, 1, 0, 0);
            return -1;
        }
        virSCSIReportAdd(report, VIR_SCSI_METHOD_HOST, 1, 0, len, len * bs);
        pos += len;
    }
    return 0;
}


static bool
virSCSIBufferIsZero(const uint8_t *buf,
                    size_t len)
{
    /* Compare the buffer with itself shifted by one: zero iff the first
     * byte is zero and every byte equals its neighbour. */
    return len == 0 || (buf[0] == 0 && memcmp(buf, buf + 1, len - 1) == 0);
}


int
virSCSIEngineHostCopy(virSCSITransport *srcTransport,
                      const virSCSILun *src,
                      uint64_t srcLba,
                      virSCSITransport *dstTransport,
                      const virSCSILun *dst,
                      uint64_t dstLba,
                      uint64_t nblocks,
                      bool dstZeroed,
                      virSCSIReport *report,
                      uint64_t *done,
                      GError **error)
{
    uint32_t bs = virSCSILunBlockSize(src);
    uint64_t chunk = MAX(MIN(src->plan.ops[VIR_SCSI_PLAN_OP_COPY].hostMaxBlocks,
                             dst->plan.ops[VIR_SCSI_PLAN_OP_COPY].hostMaxBlocks), 1);
    g_autofree uint8_t *buf = g_new(uint8_t, MIN(chunk, nblocks) * bs);
    uint64_t pos = 0;

    *done = 0;
    while (pos < nblocks) {
        uint64_t len = MIN(chunk, nblocks - pos);

        if (virSCSIEngineCancelled(report, error))
            return -1;
        if (virSCSICommandRead(srcTransport, srcLba + pos, len, bs, buf, error) < 0) {
            virSCSIReportAdd(report, VIR_SCSI_METHOD_HOST, 1, 1, 0, 0);
            return -1;
        }
        if (dstZeroed && virSCSIBufferIsZero(buf, len * bs)) {
            virSCSIReportAdd(report, VIR_SCSI_METHOD_HOST, 1, 0, 0, len * bs);
            virSCSIReportSkip(report, len);
        } else {
            if (virSCSICommandWrite(dstTransport, dstLba + pos, len, bs, buf, error) < 0) {
                virSCSIReportAdd(report, VIR_SCSI_METHOD_HOST, 2, 1, 0, len * bs);
                return -1;
            }
            virSCSIReportAdd(report, VIR_SCSI_METHOD_HOST, 2, 0, len, 2 * len * bs);
        }
        pos += len;
        *done = pos;
    }
    return 0;
}


static void
virSCSIHostIoBegin(virSCSILun *lun,
                   virSCSIReport *report,
                   const char *operation,
                   uint64_t nblocks,
                   virSCSITransportStats *before)
{
    virSCSIReportBegin(report, operation, virSCSILunBlockSize(lun), nblocks, NULL);
    report->planned = VIR_SCSI_METHOD_HOST;
    virSCSITransportGetStats(lun->transport, before);
}


static void
virSCSIHostIoEnd(virSCSILun *lun,
                 virSCSIReport *report,
                 const virSCSITransportStats *before)
{
    virSCSITransportStats after;

    virSCSITransportGetStats(lun->transport, &after);
    virSCSIReportLink(report, before, &after);
    virSCSIReportEnd(report);
}


static int
virSCSIHostIo(virSCSILun *lun,
              uint64_t lba,
              uint64_t nblocks,
              uint8_t *buf,
              bool write,
              virSCSIReport *report,
              GError **error)
{
    uint32_t bs = virSCSILunBlockSize(lun);
    uint64_t chunk = MAX(lun->plan.ops[VIR_SCSI_PLAN_OP_COPY].hostMaxBlocks, 1);
    virSCSITransportStats before;
    uint64_t pos = 0;
    int ret = -1;

    virSCSIHostIoBegin(lun, report, write ? "write" : "read", nblocks, &before);
    if (virSCSIEngineCheckRange(lun, lba, nblocks, error) < 0)
        goto cleanup;

    while (pos < nblocks) {
        uint64_t len = MIN(chunk, nblocks - pos);
        int rc;

        if (virSCSIEngineCancelled(report, error))
            goto cleanup;
        if (write)
            rc = virSCSICommandWrite(lun->transport, lba + pos, len, bs, buf + pos * bs, error);
        else
            rc = virSCSICommandRead(lun->transport, lba + pos, len, bs, buf + pos * bs, error);
        if (rc < 0) {
            virSCSIReportAdd(report, VIR_SCSI_METHOD_HOST, 1, 1, 0, 0);
            goto cleanup;
        }
        virSCSIReportAdd(report, VIR_SCSI_METHOD_HOST, 1, 0, len, len * bs);
        pos += len;
        virSCSIReportResume(report, pos);
    }
    ret = 0;

 cleanup:
    virSCSIHostIoEnd(lun, report, &before);
    return ret;
}


int
virSCSIOffloadRead(virSCSILun *lun,
                   uint64_t lba,
                   uint64_t nblocks,
                   uint8_t *buf,
                   virSCSIReport *report,
                   GError **error)
{
    return virSCSIHostIo(lun, lba, nblocks, buf, false, report, error);
}


int
virSCSIOffloadWrite(virSCSILun *lun,
                    uint64_t lba,
                    uint64_t nblocks,
                    const uint8_t *buf,
                    virSCSIReport *report,
                    GError **error)
{
    return virSCSIHostIo(lun, lba, nblocks, (uint8_t *)buf, true, report, error);
}


GArray *
virSCSIOffloadLbaStatus(virSCSILun *lun,
                        uint64_t lba,
                        GError **error)
{
    g_auto(virSCSILbaStatus) status = { 0 };
    GArray *extents;

    if (virSCSIEngineCheckRange(lun, lba, 1, error) < 0)
        return NULL;
    if (virSCSICommandGetLbaStatus(lun->transport, lba, &status, error) < 0)
        return NULL;
    extents = g_array_sized_new(FALSE, FALSE, sizeof(virSCSILbaStatusDescriptor),
                                status.ndescriptors);
    g_array_append_vals(extents, status.descriptors, status.ndescriptors);
    return extents;
}
