/*
 * vaaictl-report.c: what an operation did, for people (text) or
 *                   programs (JSON), the same facts in both
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "vaaictl.h"

#define VAAICTL_MIB (1024.0 * 1024.0)

/* The engine ends the report on every path it knows; a failure before it
 * began or ended still deserves a duration. */
static double
vaaictlReportSeconds(const virSCSIReport *report)
{
    gint64 us = report->elapsedUs;

    if (!us && report->startUs)
        us = g_get_monotonic_time() - report->startUs;
    return us / (double)G_USEC_PER_SEC;
}


static bool
vaaictlMethodUsed(const virSCSIMethodStats *stats)
{
    return stats->commands || stats->blocks;
}


/* Not g_format_size(): its no-break space (U+00A0) between number and
 * unit trips up grep, awk and cut in users' scripts. */
char *
vaaictlSize(uint64_t bytes)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    double value = bytes;
    size_t unit = 0;

    if (bytes < 1024)
        return g_strdup_printf("%llu bytes", (unsigned long long)bytes);
    value /= 1024;
    while (value >= 1024 && unit + 1 < G_N_ELEMENTS(units)) {
        value /= 1024;
        unit++;
    }
    return g_strdup_printf("%.1f %s", value, units[unit]);
}


static char *
vaaictlBytes(uint64_t bytes)
{
    g_autofree char *size = vaaictlSize(bytes);

    if (bytes < 1024)
        return g_steal_pointer(&size);
    return g_strdup_printf("%s (%llu bytes)", size, (unsigned long long)bytes);
}


static char *
vaaictlHex(const uint8_t *buf, size_t len)
{
    GString *s = g_string_sized_new(len * 2 + 1);

    for (size_t i = 0; i < len; i++)
        g_string_append_printf(s, "%02x", buf[i]);
    return g_string_free(s, FALSE);
}


void
vaaictlReportJsonMembers(JsonBuilder *b,
                         const virSCSIReport *report,
                         const virSCSIMiscompare *mc,
                         const GError *error)
{
    const virSCSITransportStats *link = &report->link;

    vaaictlJsonStr(b, "operation", report->operation);
    vaaictlJsonInt(b, "block_size", report->blockSize);
    vaaictlJsonInt(b, "total_blocks", report->totalBlocks);
    vaaictlJsonInt(b, "done_blocks", report->doneBlocks);
    vaaictlJsonInt(b, "offloaded_blocks", virSCSIReportOffloadedBlocks(report));
    vaaictlJsonInt(b, "skipped_blocks", report->skippedBlocks);
    vaaictlJsonInt(b, "resume_blocks", report->resumeBlocks);

    vaaictlJsonObject(b, "planned", true);
    vaaictlJsonStr(b, "method", virSCSIMethodName(report->planned));
    vaaictlJsonStr(b, "reason", report->plannedReason);
    json_builder_end_object(b);

    vaaictlJsonObject(b, "methods", true);
    for (size_t i = 0; i < VIR_SCSI_METHOD_LAST; i++) {
        const virSCSIMethodStats *m = &report->methods[i];

        if (!vaaictlMethodUsed(m))
            continue;
        vaaictlJsonObject(b, virSCSIMethodName(i), true);
        vaaictlJsonInt(b, "commands", m->commands);
        vaaictlJsonInt(b, "failures", m->failures);
        vaaictlJsonInt(b, "blocks", m->blocks);
        vaaictlJsonInt(b, "host_bytes", m->hostBytes);
        json_builder_end_object(b);
    }
    json_builder_end_object(b);

    json_builder_set_member_name(b, "events");
    json_builder_begin_array(b);
    for (size_t i = 0; report->events && i < report->events->len; i++)
        json_builder_add_string_value(b, g_ptr_array_index(report->events, i));
    json_builder_end_array(b);

    vaaictlJsonObject(b, "link", true);
    vaaictlJsonInt(b, "commands", link->commands);
    vaaictlJsonInt(b, "failures", link->failures);
    vaaictlJsonInt(b, "bytes_out", link->bytesOut);
    vaaictlJsonInt(b, "bytes_in", link->bytesIn);
    vaaictlJsonInt(b, "reconnects", link->reconnects);
    vaaictlJsonInt(b, "resent_bytes", link->resentBytes);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "elapsed_seconds");
    json_builder_add_double_value(b, vaaictlReportSeconds(report));

    if (mc) {
        vaaictlJsonObject(b, "miscompare", mc->miscompared);
        if (mc->miscompared) {
            g_autofree char *hex = vaaictlHex(mc->current, mc->currentLen);

            json_builder_set_member_name(b, "offset");
            if (mc->offset == UINT64_MAX)
                json_builder_add_null_value(b);
            else
                json_builder_add_int_value(b, (gint64)mc->offset);
            vaaictlJsonStr(b, "current_hex", hex);
            json_builder_end_object(b);
        }
    }

    vaaictlJsonStr(b, "error", error ? error->message : NULL);
}


static void
vaaictlReportJson(FILE *out,
                  const virSCSIReport *report,
                  const virSCSIMiscompare *mc,
                  const GError *error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    vaaictlReportJsonMembers(b, report, mc, error);
    json_builder_end_object(b);
    vaaictlJsonPrint(out, b);
}


static void
vaaictlReportText(FILE *out,
                  const virSCSIReport *report,
                  const virSCSIMiscompare *mc,
                  bool failed)
{
    const virSCSITransportStats *link = &report->link;
    double secs = vaaictlReportSeconds(report);
    g_autofree char *total = vaaictlBytes(report->totalBlocks * report->blockSize);
    g_autofree char *sent = vaaictlBytes(link->bytesOut);
    g_autofree char *received = vaaictlBytes(link->bytesIn);

    fprintf(out, "%s: %llu of %llu blocks done (%u-byte blocks, %s in all)\n",
            report->operation ? report->operation : "operation",
            (unsigned long long)report->doneBlocks,
            (unsigned long long)report->totalBlocks, report->blockSize, total);
    /* The plan's reason starts with the method in words. */
    fprintf(out, "  planned:    %s\n",
            report->plannedReason ? report->plannedReason : virSCSIMethodName(report->planned));
    fprintf(out, "  offloaded:  %llu blocks\n",
            (unsigned long long)virSCSIReportOffloadedBlocks(report));
    if (report->skippedBlocks)
        fprintf(out, "  skipped:    %llu blocks (needed no command)\n",
                (unsigned long long)report->skippedBlocks);

    for (size_t i = 0; i < VIR_SCSI_METHOD_LAST; i++) {
        const virSCSIMethodStats *m = &report->methods[i];
        g_autofree char *label = NULL;
        g_autofree char *host = NULL;

        if (!vaaictlMethodUsed(m))
            continue;
        label = g_strdup_printf("%s:", virSCSIMethodName(i));
        host = vaaictlBytes(m->hostBytes);
        fprintf(out, "  %-11s %llu commands, %llu failed, %llu blocks, %s through the host\n",
                label, (unsigned long long)m->commands,
                (unsigned long long)m->failures, (unsigned long long)m->blocks, host);
    }

    fprintf(out, "  link:       %llu commands, %llu failed, %s out, %s in",
            (unsigned long long)link->commands, (unsigned long long)link->failures,
            sent, received);
    /* A session dropped after a command that did not complete, and logged
     * in again: whatever it carried after that was sent again. */
    if (link->reconnects) {
        g_autofree char *resent = vaaictlBytes(link->resentBytes);

        fprintf(out, ", %llu session%s lost and logged in again, %s moved again",
                (unsigned long long)link->reconnects, link->reconnects == 1 ? "" : "s",
                resent);
    }
    fprintf(out, "\n");
    fprintf(out, "  elapsed:    %.3f s", secs);
    if (secs > 0 && report->doneBlocks) {
        double mibs = report->doneBlocks * (double)report->blockSize / VAAICTL_MIB / secs;

        if (mibs >= 0.1)
            fprintf(out, ", %.1f MiB/s", mibs);
        else
            fprintf(out, ", %.1f KiB/s", mibs * 1024);
    }
    fprintf(out, "\n");

    for (size_t i = 0; report->events && i < report->events->len; i++)
        fprintf(out, "  event:      %s\n", (const char *)g_ptr_array_index(report->events, i));

    /* A miscompare is an answer, not an interruption. */
    if ((failed || report->doneBlocks < report->totalBlocks) && !(mc && mc->miscompared)) {
        fprintf(out, "  stopped:    the first %llu blocks of the range are known done",
                (unsigned long long)report->resumeBlocks);
        if (g_strcmp0(report->operation, "copy") == 0)
            fprintf(out, "; continue with --resume %llu",
                    (unsigned long long)report->resumeBlocks);
        fprintf(out, "\n");
    }

    if (mc && mc->miscompared) {
        if (mc->offset == UINT64_MAX)
            fprintf(out, "  miscompare: the blocks hold other data (offset not reported); "
                    "nothing was written\n");
        else
            fprintf(out, "  miscompare: first difference at byte %llu; nothing was written\n",
                    (unsigned long long)mc->offset);
    }
    fflush(out);
}


void
vaaictlReportPrint(FILE *out,
                   const virSCSIReport *report,
                   const virSCSIMiscompare *mc,
                   const GError *error,
                   bool json)
{
    if (json)
        vaaictlReportJson(out, report, mc, error);
    else
        vaaictlReportText(out, report, mc, error != NULL);
}


int
vaaictlReportFinish(const char *cmd,
                    FILE *out,
                    virSCSIReport *report,
                    const virSCSIMiscompare *mc,
                    int rc,
                    const GError *error,
                    bool json)
{
    if (out)
        vaaictlReportPrint(out, report, mc, rc < 0 ? error : NULL, json);
    virSCSIReportClear(report);

    if (rc < 0) {
        fprintf(stderr, "vaaictl %s: %s\n", cmd,
                error ? error->message : "failed for an unknown reason");
        return VAAICTL_EXIT_FAILURE;
    }
    if (rc > 0)
        return VAAICTL_EXIT_MISCOMPARE;
    return 0;
}
