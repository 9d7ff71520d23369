/*
 * virscsioffloadfill.c: overwrite a range with one pass of a wipe pattern,
 *                       written by the host
 *
 * There is nothing to offload: WRITE SAME repeats one block, and neither
 * a random pass nor a 3-byte pattern over blocks whose size is not a
 * multiple of 3 repeats per block.  So every pass is plain WRITE
 * commands of at most the host transfer length the plan allows (the
 * LUN's MAXIMUM TRANSFER LENGTH and the path's), counted as host bytes.
 * They go through a session of their own where the LUN allows one, so
 * that the back-to-back transfers of a pass do not starve whoever else
 * uses the main one (a pool's heartbeat, which fences the writer when it
 * falls behind).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "virscsioffloadpriv.h"
#include "virscsibytes.h"
#include "virscsicommands.h"
#include "virscsierror.h"


int
virSCSIOffloadFillKey(uint8_t *key,
                      GError **error)
{
    size_t got = 0;

    while (got < VIR_SCSI_PATTERN_KEY_LEN) {
        ssize_t n = getrandom(key + got, VIR_SCSI_PATTERN_KEY_LEN - got, 0);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                        "cannot get random bytes from the kernel: %s",
                        g_strerror(errno));
            return -1;
        }
        got += n;
    }
    return 0;
}


static int
virSCSIOffloadFillRange(virSCSILun *lun,
                        virSCSITransport *transport,
                        uint64_t lba,
                        uint64_t nblocks,
                        uint64_t first,
                        const virSCSIPatternPass *pass,
                        uint32_t passIndex,
                        const uint8_t *key,
                        virSCSIReport *report,
                        uint64_t *done,
                        GError **error)
{
    uint32_t bs = virSCSILunBlockSize(lun);
    uint64_t chunk = MAX(lun->plan.ops[VIR_SCSI_PLAN_OP_ZERO].hostMaxBlocks, 1);
    size_t bufLen = MIN(chunk, nblocks) * bs;
    g_autofree uint8_t *buf = g_new(uint8_t, bufLen);
    g_autofree uint8_t *back = pass->verify ? g_new(uint8_t, bufLen) : NULL;
    uint64_t pos = first;

    *done = first;
    while (pos < nblocks) {
        uint64_t len = MIN(chunk, nblocks - pos);

        if (virSCSIOffloadCancelled(report, error))
            return -1;
        virSCSIPatternFill(pass, passIndex, key, pos * bs, buf, len * bs);
        if (virSCSICommandWrite(transport, lba + pos, len, bs, buf, error) < 0) {
            virSCSIReportAdd(report, VIR_SCSI_METHOD_HOST, 1, 1, 0, 0);
            return -1;
        }
        if (pass->verify) {
            size_t diff;

            virSCSIReportAdd(report, VIR_SCSI_METHOD_HOST, 1, 0, 0, len * bs);
            if (virSCSICommandRead(transport, lba + pos, len, bs, back, error) < 0) {
                virSCSIReportAdd(report, VIR_SCSI_METHOD_HOST, 1, 1, 0, 0);
                return -1;
            }
            if ((diff = virSCSIFirstDifference(buf, back, len * bs)) < len * bs) {
                virSCSIReportAdd(report, VIR_SCSI_METHOD_HOST, 1, 1, 0, len * bs);
                g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MISCOMPARE,
                            "%s: LBA %llu reads back other data than was just written "
                            "(byte %zu of the block)", lun->caps->target,
                            (unsigned long long)(lba + pos + diff / bs), diff % bs);
                return -1;
            }
            virSCSIReportAdd(report, VIR_SCSI_METHOD_HOST, 1, 0, len, len * bs);
        } else {
            virSCSIReportAdd(report, VIR_SCSI_METHOD_HOST, 1, 0, len, len * bs);
        }
        pos += len;
        *done = pos;
    }
    return 0;
}


int
virSCSIOffloadFill(virSCSILun *lun,
                   uint64_t lba,
                   uint64_t nblocks,
                   const virSCSIPatternPass *pass,
                   uint32_t passIndex,
                   const uint8_t *key,
                   const virSCSIOffloadOptions *opts,
                   virSCSIReport *report,
                   GError **error)
{
    virSCSIOffloadOptions none = { 0 };
    virSCSIOffloadFrame frame;
    virSCSITransport *extra = NULL;
    uint64_t done = 0;
    int ret = -1;

    if (!opts)
        opts = &none;
    virSCSIOffloadBegin(&frame, report, "overwrite", lun,
                        nblocks - MIN(opts->resumeBlocks, nblocks), NULL);

    if (virSCSIOffloadCheckRange(lun, lba, nblocks, error) < 0)
        goto cleanup;
    if (pass->kind == VIR_SCSI_PATTERN_RANDOM && !key) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "a random pass needs a key");
        goto cleanup;
    }
    if (opts->flags & VIR_SCSI_OFFLOAD_NO_HOST) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_NO_OFFLOAD,
                    "%s: an overwrite pattern can only be written by the host, "
                    "and host writes were not allowed", lun->caps->target);
        goto cleanup;
    }
    {
        g_autoptr(GError) err = NULL;

        if (!(extra = virSCSILunOpenExtraTransport(lun, &err)))
            virSCSIReportEvent(report, "writing through the main session: another "
                               "session failed: %s", err->message);
    }
    ret = virSCSIOffloadFillRange(lun, extra ? extra : lun->transport, lba, nblocks,
                                  MIN(opts->resumeBlocks, nblocks), pass, passIndex, key,
                                  report, &done, error);

 cleanup:
    virSCSIReportResume(report, done);
    if (extra) {
        virSCSIOffloadCountClosing(report, extra);
        virSCSITransportFree(extra);
    }
    virSCSIOffloadEnd(&frame);
    return ret;
}
