/*
 * virscsireport.c: what an offload operation did
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdarg.h>
#include <string.h>

#include "virscsireport.h"

void
virSCSIReportInit(virSCSIReport *report)
{
    memset(report, 0, sizeof(*report));
    g_mutex_init(&report->lock);
}


void
virSCSIReportClear(virSCSIReport *report)
{
    g_free(report->plannedReason);
    report->plannedReason = NULL;
    if (report->events)
        g_ptr_array_unref(report->events);
    report->events = NULL;
    g_mutex_clear(&report->lock);
}


bool
virSCSIReportCancelled(virSCSIReport *report)
{
    return report && __atomic_load_n(&report->cancel, __ATOMIC_RELAXED) != 0;
}


void
virSCSIReportCancel(virSCSIReport *report)
{
    __atomic_store_n(&report->cancel, 1, __ATOMIC_RELAXED);
}


uint64_t
virSCSIReportOffloadedBlocks(const virSCSIReport *report)
{
    uint64_t blocks = 0;
    size_t i;

    for (i = 0; i < VIR_SCSI_METHOD_LAST; i++) {
        if (i != VIR_SCSI_METHOD_HOST && i != VIR_SCSI_METHOD_NONE)
            blocks += report->methods[i].blocks;
    }
    return blocks;
}


void
virSCSIReportBegin(virSCSIReport *report,
                   const char *operation,
                   uint32_t blockSize,
                   uint64_t totalBlocks,
                   const virSCSIOpPlan *plan)
{
    g_mutex_lock(&report->lock);
    report->operation = operation;
    report->blockSize = blockSize;
    report->totalBlocks = totalBlocks;
    if (plan) {
        report->planned = plan->method;
        g_free(report->plannedReason);
        report->plannedReason = g_strdup(plan->reason);
    }
    if (!report->events)
        report->events = g_ptr_array_new_with_free_func(g_free);
    report->startUs = g_get_monotonic_time();
    g_mutex_unlock(&report->lock);
}


void
virSCSIReportAdd(virSCSIReport *report,
                 virSCSIMethod method,
                 uint64_t commands,
                 uint64_t failures,
                 uint64_t blocks,
                 uint64_t hostBytes)
{
    virSCSIProgressFunc progress;
    uint64_t done;
    uint64_t total;

    g_mutex_lock(&report->lock);
    report->methods[method].commands += commands;
    report->methods[method].failures += failures;
    report->methods[method].blocks += blocks;
    report->methods[method].hostBytes += hostBytes;
    report->doneBlocks += blocks;
    done = report->doneBlocks;
    total = report->totalBlocks;
    progress = report->progress;
    g_mutex_unlock(&report->lock);

    if (progress && blocks)
        progress(done, total, report->progressOpaque);
}


void
virSCSIReportSkip(virSCSIReport *report,
                  uint64_t blocks)
{
    virSCSIProgressFunc progress;
    uint64_t done;

    g_mutex_lock(&report->lock);
    report->skippedBlocks += blocks;
    report->doneBlocks += blocks;
    done = report->doneBlocks;
    progress = report->progress;
    g_mutex_unlock(&report->lock);

    if (progress && blocks)
        progress(done, report->totalBlocks, report->progressOpaque);
}


void
virSCSIReportResume(virSCSIReport *report,
                    uint64_t blocks)
{
    g_mutex_lock(&report->lock);
    report->resumeBlocks = blocks;
    g_mutex_unlock(&report->lock);
}


void
virSCSIReportEvent(virSCSIReport *report,
                   const char *fmt,
                   ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    g_mutex_lock(&report->lock);
    if (!report->events)
        report->events = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(report->events, msg);
    g_mutex_unlock(&report->lock);
}


void
virSCSIReportLink(virSCSIReport *report,
                  const virSCSITransportStats *before,
                  const virSCSITransportStats *after)
{
    g_mutex_lock(&report->lock);
    report->link.commands += after->commands - before->commands;
    report->link.failures += after->failures - before->failures;
    report->link.bytesOut += after->bytesOut - before->bytesOut;
    report->link.bytesIn += after->bytesIn - before->bytesIn;
    report->link.reconnects += after->reconnects - before->reconnects;
    report->link.resentBytes += after->resentBytes - before->resentBytes;
    g_mutex_unlock(&report->lock);
}


void
virSCSIReportEnd(virSCSIReport *report)
{
    g_mutex_lock(&report->lock);
    report->elapsedUs = g_get_monotonic_time() - report->startUs;
    g_mutex_unlock(&report->lock);
}


void
virSCSIReportMerge(virSCSIReport *into,
                   const virSCSIReport *part)
{
    size_t i;

    g_mutex_lock(&into->lock);
    for (i = 0; i < VIR_SCSI_METHOD_LAST; i++) {
        into->methods[i].commands += part->methods[i].commands;
        into->methods[i].failures += part->methods[i].failures;
        into->methods[i].blocks += part->methods[i].blocks;
        into->methods[i].hostBytes += part->methods[i].hostBytes;
    }
    into->totalBlocks += part->totalBlocks;
    into->doneBlocks += part->doneBlocks;
    into->skippedBlocks += part->skippedBlocks;
    into->link.commands += part->link.commands;
    into->link.failures += part->link.failures;
    into->link.bytesOut += part->link.bytesOut;
    into->link.bytesIn += part->link.bytesIn;
    into->link.reconnects += part->link.reconnects;
    into->link.resentBytes += part->link.resentBytes;
    if (!into->events)
        into->events = g_ptr_array_new_with_free_func(g_free);
    if (part->events) {
        for (i = 0; i < part->events->len; i++)
            g_ptr_array_add(into->events,
                            g_strdup_printf("%s: %s", part->operation ? part->operation : "?",
                                            (const char *)g_ptr_array_index(part->events, i)));
    }
    if (!into->plannedReason && part->plannedReason) {
        into->planned = part->planned;
        into->plannedReason = g_strdup(part->plannedReason);
    }
    g_mutex_unlock(&into->lock);
}
