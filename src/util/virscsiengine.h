/*
 * virscsiengine.h: pieces the offload operations share (private to the
 *                  engine: virscsioffload.h is the API)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsioffload.h"

/* After this many failures of an offload command in a row, the rest of
 * the operation stays on the fallback: the array is not having it. */
#define VIR_SCSI_ENGINE_MAX_CONSECUTIVE_FAILURES 3

int
virSCSIEngineCheckRange(const virSCSILun *lun,
                        uint64_t lba,
                        uint64_t nblocks,
                        GError **error);

/* Sets a CANCELLED error and returns true when the caller asked to stop. */
bool
virSCSIEngineCancelled(virSCSIReport *report,
                       GError **error);

/* Whether a failed offload command means "never again on this LUN"
 * (unsupported, refused, unreachable) rather than "not this time". */
bool
virSCSIEngineErrorIsPermanent(const GError *err);

/* Whether @err ends the operation at once, with no retry and no fallback:
 * the caller cancelled it, or the host may no longer write (fenced). */
bool
virSCSIEngineErrorIsFinal(const GError *err);

/* Host data movement, counted as VIR_SCSI_METHOD_HOST. */
int
virSCSIEngineHostZero(virSCSITransport *transport,
                      const virSCSILun *lun,
                      uint64_t lba,
                      uint64_t nblocks,
                      virSCSIReport *report,
                      GError **error);

/* Copies through the host; with @dstZeroed, all-zero pieces are not
 * written (skipped), so thin destinations stay thin.  *@done is how many
 * leading blocks are known copied, also on failure. */
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
                      GError **error);

/* Zero [@lba, @lba + @nblocks) following the ZERO plan and its fallbacks,
 * without beginning or ending the report (unmap uses it for partial
 * granules). */
int
virSCSIEngineZeroRange(virSCSILun *lun,
                       uint64_t lba,
                       uint64_t nblocks,
                       unsigned int flags,
                       virSCSIReport *report,
                       uint64_t *done,
                       GError **error);
