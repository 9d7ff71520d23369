/*
 * virscsioffloadio.c: host data movement for the engine, and the frame,
 *                     checks and plain I/O every operation shares
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsioffloadpriv.h"
#include "virscsicommands.h"
#include "virscsichunk.h"
#include "virscsierror.h"

int
virSCSIOffloadCheckRange(const virSCSILun *lun,
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
virSCSIOffloadCancelled(virSCSIReport *report,
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
virSCSIOffloadErrorIsPermanent(const GError *err)
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
virSCSIOffloadErrorIsFinal(const GError *err)
{
    return g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_FENCED) ||
           g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_RESERVATION_CONFLICT) ||
           g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_CANCELLED);
}


int
virSCSIOffloadHostZero(virSCSITransport *transport,
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

        if (virSCSIOffloadCancelled(report, error))
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
virSCSIOffloadHostCopy(virSCSITransport *srcTransport,
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

        if (virSCSIOffloadCancelled(report, error))
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


void
virSCSIOffloadBegin(virSCSIOffloadFrame *frame,
                    virSCSIReport *report,
                    const char *operation,
                    virSCSILun *lun,
                    uint64_t nblocks,
                    const virSCSIOpPlan *plan)
{
    memset(frame, 0, sizeof(*frame));
    frame->report = report;
    virSCSIReportBegin(report, operation, virSCSILunBlockSize(lun), nblocks, plan);
    if (!plan)
        report->planned = VIR_SCSI_METHOD_HOST;
    virSCSIOffloadAlsoCount(frame, lun->transport);
}


void
virSCSIOffloadAlsoCount(virSCSIOffloadFrame *frame,
                        virSCSITransport *transport)
{
    size_t i;

    for (i = 0; i < frame->ntransports; i++) {
        if (frame->transports[i] == transport)
            return;
    }
    g_assert(frame->ntransports < G_N_ELEMENTS(frame->transports));
    frame->transports[frame->ntransports] = transport;
    virSCSITransportGetStats(transport, &frame->before[frame->ntransports]);
    frame->ntransports++;
}


void
virSCSIOffloadCountClosing(virSCSIReport *report,
                           virSCSITransport *transport)
{
    virSCSITransportStats zero = { 0 };
    virSCSITransportStats after;

    virSCSITransportGetStats(transport, &after);
    virSCSIReportLink(report, &zero, &after);
}


void
virSCSIOffloadEnd(virSCSIOffloadFrame *frame)
{
    size_t i;

    for (i = 0; i < frame->ntransports; i++) {
        virSCSITransportStats after;

        virSCSITransportGetStats(frame->transports[i], &after);
        virSCSIReportLink(frame->report, &frame->before[i], &after);
    }
    virSCSIReportEnd(frame->report);
}


static int
virSCSIOffloadHostIo(virSCSILun *lun,
                     uint64_t lba,
                     uint64_t nblocks,
                     uint8_t *buf,
                     bool write,
                     virSCSIReport *report,
                     GError **error)
{
    uint32_t bs = virSCSILunBlockSize(lun);
    uint64_t chunk = MAX(lun->plan.ops[VIR_SCSI_PLAN_OP_COPY].hostMaxBlocks, 1);
    virSCSIOffloadFrame frame;
    uint64_t pos = 0;
    int ret = -1;

    virSCSIOffloadBegin(&frame, report, write ? "write" : "read", lun, nblocks, NULL);
    if (virSCSIOffloadCheckRange(lun, lba, nblocks, error) < 0)
        goto cleanup;

    while (pos < nblocks) {
        uint64_t len = MIN(chunk, nblocks - pos);
        int rc;

        if (virSCSIOffloadCancelled(report, error))
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
    virSCSIOffloadEnd(&frame);
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
    return virSCSIOffloadHostIo(lun, lba, nblocks, buf, false, report, error);
}


int
virSCSIOffloadWrite(virSCSILun *lun,
                    uint64_t lba,
                    uint64_t nblocks,
                    const uint8_t *buf,
                    virSCSIReport *report,
                    GError **error)
{
    return virSCSIOffloadHostIo(lun, lba, nblocks, (uint8_t *)buf, true, report, error);
}


GArray *
virSCSIOffloadLbaStatus(virSCSILun *lun,
                        uint64_t lba,
                        GError **error)
{
    g_auto(virSCSILbaStatus) status = { 0 };
    GArray *extents;

    if (virSCSIOffloadCheckRange(lun, lba, 1, error) < 0)
        return NULL;
    if (virSCSICommandGetLbaStatus(lun->transport, lba, &status, error) < 0)
        return NULL;
    extents = g_array_sized_new(FALSE, FALSE, sizeof(virSCSILbaStatusDescriptor),
                                status.ndescriptors);
    g_array_append_vals(extents, status.descriptors, status.ndescriptors);
    return extents;
}
