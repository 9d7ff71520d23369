/*
 * virscsioffloadpriv.h: pieces the offload operations share (private to
 *                       the engine: virscsioffload.h is the API)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsioffload.h"

/* After this many failures of an offload command in a row, the rest of
 * the operation stays on the fallback: the array is not having it. */
#define VIR_SCSI_OFFLOAD_MAX_CONSECUTIVE_FAILURES 3

/* The frame of every offload operation: its report begun with the plan
 * it follows (NULL: the host's own I/O), and what crossed the link
 * counted on each session it uses, from Begin to End. */
typedef struct _virSCSIOffloadFrame virSCSIOffloadFrame;
struct _virSCSIOffloadFrame {
    virSCSIReport *report;
    virSCSITransport *transports[2];
    virSCSITransportStats before[2];
    size_t ntransports;
};

void
virSCSIOffloadBegin(virSCSIOffloadFrame *frame,
                    virSCSIReport *report,
                    const char *operation,
                    virSCSILun *lun,
                    uint64_t nblocks,
                    const virSCSIOpPlan *plan);

/* Count another LUN's session too (a copy's source), from now. */
void
virSCSIOffloadAlsoCount(virSCSIOffloadFrame *frame,
                        virSCSITransport *transport);

/* A session the operation opened for itself, about to be closed: all
 * that it carried. */
void
virSCSIOffloadCountClosing(virSCSIReport *report,
                           virSCSITransport *transport);

void
virSCSIOffloadEnd(virSCSIOffloadFrame *frame);

int
virSCSIOffloadCheckRange(const virSCSILun *lun,
                         uint64_t lba,
                         uint64_t nblocks,
                         GError **error);

/* Sets a CANCELLED error and returns true when the caller asked to stop. */
bool
virSCSIOffloadCancelled(virSCSIReport *report,
                        GError **error);

/* Whether a failed offload command means "never again on this LUN"
 * (unsupported, refused, unreachable) rather than "not this time". */
bool
virSCSIOffloadErrorIsPermanent(const GError *err);

/* Whether @err ends the operation at once, with no retry and no fallback:
 * the caller cancelled it, or the host may no longer write (fenced). */
bool
virSCSIOffloadErrorIsFinal(const GError *err);

/* Host data movement, counted as VIR_SCSI_METHOD_HOST. */
int
virSCSIOffloadHostZero(virSCSITransport *transport,
                       const virSCSILun *lun,
                       uint64_t lba,
                       uint64_t nblocks,
                       virSCSIReport *report,
                       GError **error);

/* Copies through the host; with @dstZeroed, all-zero pieces are not
 * written (skipped), so thin destinations stay thin.  *@done is how many
 * leading blocks are known copied, also on failure. */
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
                       GError **error);

/* Zero [@lba, @lba + @nblocks) following the ZERO plan and its fallbacks,
 * without beginning or ending the report (unmap uses it for ranges that
 * must read as zeros), on up to @inflight sessions at once (0: the
 * default) for ranges long enough to take several; *@done is the longest
 * prefix known zeroed, reported as the resume point (@resumeBase, blocks
 * of the operation done before @lba, plus it) while it runs. */
int
virSCSIOffloadZeroParallel(virSCSILun *lun,
                           uint64_t lba,
                           uint64_t nblocks,
                           uint64_t resumeBase,
                           unsigned int flags,
                           unsigned int inflight,
                           virSCSIReport *report,
                           uint64_t *done,
                           GError **error);
