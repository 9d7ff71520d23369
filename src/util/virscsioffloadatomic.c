/*
 * virscsioffloadatomic.c: COMPARE AND WRITE (ATS)
 *
 * There is no fallback: atomicity cannot be emulated from one host, so a
 * LUN without COMPARE AND WRITE is refused here, and a miscompare comes
 * back with what the range holds now so the caller decides by re-reading,
 * never by assuming.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsioffloadpriv.h"
#include "virscsibytes.h"
#include "virscsicommands.h"
#include "virscsierror.h"

void
virSCSIMiscompareClear(virSCSIMiscompare *mc)
{
    if (!mc)
        return;
    g_clear_pointer(&mc->current, g_free);
    memset(mc, 0, sizeof(*mc));
}


int
virSCSIOffloadCompareAndWrite(virSCSILun *lun,
                              uint64_t lba,
                              uint32_t nblocks,
                              const uint8_t *expected,
                              const uint8_t *replacement,
                              virSCSIMiscompare *mc,
                              virSCSIReport *report,
                              GError **error)
{
    const virSCSIOpPlan *op = &lun->plan.ops[VIR_SCSI_PLAN_OP_ATOMIC];
    uint32_t bs = virSCSILunBlockSize(lun);
    virSCSIOffloadFrame frame;
    uint64_t offset = UINT64_MAX;
    int ret = -1;
    int rc;

    memset(mc, 0, sizeof(*mc));
    virSCSIOffloadBegin(&frame, report, "compare-and-write", lun, nblocks, op);

    if (virSCSIOffloadCheckRange(lun, lba, nblocks, error) < 0)
        goto cleanup;
    if (op->method != VIR_SCSI_METHOD_COMPARE_AND_WRITE) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_UNSUPPORTED,
                    "%s: no atomic update: %s", lun->caps->target, op->reason);
        goto cleanup;
    }
    if (nblocks > op->maxBlocks) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "%s: COMPARE AND WRITE of %u blocks exceeds the LUN's limit of %llu",
                    lun->caps->target, nblocks, (unsigned long long)op->maxBlocks);
        goto cleanup;
    }

    rc = virSCSICommandCompareAndWrite(lun->transport, lba, nblocks, bs,
                                       expected, replacement, &offset, error);
    if (rc < 0) {
        virSCSIReportAdd(report, VIR_SCSI_METHOD_COMPARE_AND_WRITE, 1, 1, 0, 0);
        goto cleanup;
    }
    virSCSIReportAdd(report, VIR_SCSI_METHOD_COMPARE_AND_WRITE, 1, 0,
                     rc == 0 ? nblocks : 0, 2ULL * nblocks * bs);
    if (rc == 0) {
        virSCSIReportResume(report, nblocks);
        ret = 0;
        goto cleanup;
    }

    /* Miscompare: say what is there now.  The offset is the device's
     * when it gave one; the re-read may already differ elsewhere, since
     * another host may have written in between. */
    mc->miscompared = true;
    mc->currentLen = (size_t)nblocks * bs;
    mc->current = g_new0(uint8_t, mc->currentLen);
    if (virSCSICommandRead(lun->transport, lba, nblocks, bs, mc->current, error) < 0) {
        g_prefix_error(error, "miscompare at LBA %llu, then the re-read failed: ",
                       (unsigned long long)lba);
        virSCSIMiscompareClear(mc);
        goto cleanup;
    }
    virSCSIReportAdd(report, VIR_SCSI_METHOD_HOST, 1, 0, 0, mc->currentLen);
    if (offset == UINT64_MAX) {
        size_t diff = virSCSIFirstDifference(expected, mc->current, mc->currentLen);

        offset = diff < mc->currentLen ? diff : UINT64_MAX;
    }
    mc->offset = offset;
    virSCSIReportEvent(report, "miscompare at byte %llu of LBA %llu+%u",
                       (unsigned long long)mc->offset, (unsigned long long)lba, nblocks);
    ret = 1;

 cleanup:
    virSCSIOffloadEnd(&frame);
    return ret;
}
