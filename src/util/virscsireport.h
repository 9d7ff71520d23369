/*
 * virscsireport.h: what an offload operation did, and how to watch or
 *                  stop it while it runs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsiplan.h"
#include "virscsitransport.h"

/* What one method did within an operation. */
typedef struct _virSCSIMethodStats virSCSIMethodStats;
struct _virSCSIMethodStats {
    uint64_t commands;          /* commands of this method sent */
    uint64_t failures;          /* of which failed (and were redone otherwise) */
    uint64_t blocks;            /* blocks this method completed */
    uint64_t hostBytes;         /* data it moved through the host (a WRITE
                                 * SAME's one block is a parameter, not data:
                                 * it shows in the link counters only) */
};

typedef void (*virSCSIProgressFunc)(uint64_t doneBlocks,
                                    uint64_t totalBlocks,
                                    void *opaque);

/*
 * The report of one operation.  The caller zeroes it (or calls
 * virSCSIReportInit) and may set the progress callback and cancel flag;
 * the engine fills in the rest, thread-safely, while it runs.
 */
typedef struct _virSCSIReport virSCSIReport;
struct _virSCSIReport {
    /* set by the caller */
    virSCSIProgressFunc progress;
    void *progressOpaque;
    int cancel;                 /* set non-zero (atomically) to stop */

    /* filled by the engine */
    GMutex lock;
    const char *operation;      /* "zero", "unmap", "copy", "compare-and-write" */
    uint32_t blockSize;
    uint64_t totalBlocks;
    uint64_t doneBlocks;        /* blocks completed by any method */
    uint64_t skippedBlocks;     /* not moved: known zero on both sides */
    /* Every block below startLba + resumeBlocks is known done: where a
     * restarted operation may resume. */
    uint64_t resumeBlocks;
    virSCSIMethodStats methods[VIR_SCSI_METHOD_LAST];
    virSCSIMethod planned;      /* what the plan chose */
    char *plannedReason;
    GPtrArray *events;          /* char *: fallbacks and retries, with why */
    virSCSITransportStats link; /* what crossed the link, all sessions */
    gint64 startUs;
    gint64 elapsedUs;
};

void
virSCSIReportInit(virSCSIReport *report);

void
virSCSIReportClear(virSCSIReport *report);

bool
virSCSIReportCancelled(virSCSIReport *report);

void
virSCSIReportCancel(virSCSIReport *report);

/* Blocks that no host data movement carried. */
uint64_t
virSCSIReportOffloadedBlocks(const virSCSIReport *report);

/* Engine side. */
void
virSCSIReportBegin(virSCSIReport *report,
                   const char *operation,
                   uint32_t blockSize,
                   uint64_t totalBlocks,
                   const virSCSIOpPlan *plan);

void
virSCSIReportAdd(virSCSIReport *report,
                 virSCSIMethod method,
                 uint64_t commands,
                 uint64_t failures,
                 uint64_t blocks,
                 uint64_t hostBytes);

void
virSCSIReportSkip(virSCSIReport *report,
                  uint64_t blocks);

void
virSCSIReportResume(virSCSIReport *report,
                    uint64_t blocks);

void
virSCSIReportEvent(virSCSIReport *report,
                   const char *fmt,
                   ...) G_GNUC_PRINTF(2, 3);

void
virSCSIReportLink(virSCSIReport *report,
                  const virSCSITransportStats *before,
                  const virSCSITransportStats *after);

void
virSCSIReportEnd(virSCSIReport *report);

/* Add what @part counted (one phase of a larger operation) to @into;
 * @part's events are prefixed with its operation. */
void
virSCSIReportMerge(virSCSIReport *into,
                   const virSCSIReport *part);
