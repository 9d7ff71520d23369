/*
 * storage_backend_vaai_status.c: what a vaai pool's volume operations did
 *                                on this host, and <vaai:offload>
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#define LIBVIRT_STORAGE_BACKEND_VAAI_PRIV_H_ALLOW
#include "storage_backend_vaai_priv.h"
#include "virlog.h"
#include "virthread.h"

#include "storage_vaai_inuse.h"

#define VIR_FROM_THIS VIR_FROM_STORAGE

VIR_LOG_INIT("storage.storage_backend_vaai_status");

/* The pool XML of an active pool ends with <vaai:offload>: what its LUN
 * can do, the plan (the method of each operation, and why), and what this
 * host's volume callbacks did since the pool started here (counted by
 * virStorageBackendVaaiAccount, under the state's statsLock, as the
 * callbacks run without the pool lock). */

static const char *const virStorageBackendVaaiOpNames[VIR_STORAGE_BACKEND_VAAI_OP_LAST] = {
    [VIR_STORAGE_BACKEND_VAAI_OP_CREATE] = "create",
    [VIR_STORAGE_BACKEND_VAAI_OP_CLONE] = "clone",
    [VIR_STORAGE_BACKEND_VAAI_OP_WIPE] = "wipe",
    [VIR_STORAGE_BACKEND_VAAI_OP_RESIZE] = "resize",
    [VIR_STORAGE_BACKEND_VAAI_OP_DELETE] = "delete",
    [VIR_STORAGE_BACKEND_VAAI_OP_UPLOAD] = "upload",
    [VIR_STORAGE_BACKEND_VAAI_OP_DOWNLOAD] = "download",
};


const char *
virStorageBackendVaaiOpName(virStorageBackendVaaiOp op)
{
    if ((unsigned)op >= VIR_STORAGE_BACKEND_VAAI_OP_LAST)
        return "unknown";
    return virStorageBackendVaaiOpNames[op];
}


void
virStorageBackendVaaiVolStatFree(void *opaque)
{
    virStorageBackendVaaiVolStat *stat = opaque;

    if (!stat)
        return;
    g_free(stat->key);
    g_free(stat->name);
    g_free(stat->methods);
    g_free(stat);
}


/* Add what @report says an operation of kind @op on @vol did to the
 * pool's counters, and remember it as the volume's last build, clone or
 * wipe. */
void
virStorageBackendVaaiAccount(virStorageBackendVaaiState *state,
                             virStorageBackendVaaiOp op,
                             const virStorageVolDef *vol,
                             const virSCSIReport *report,
                             bool failed)
{
    virStorageBackendVaaiCounters *c = &state->counters[op];
    virStorageBackendVaaiVolStat *stat;
    g_auto(virBuffer) methods = VIR_BUFFER_INITIALIZER;
    virSCSIMethod best = VIR_SCSI_METHOD_NONE;
    uint64_t hostBytes = 0;
    size_t i;
    VIR_LOCK_GUARD lock = virLockGuardLock(&state->statsLock);

    c->operations++;
    if (failed)
        c->failed++;
    c->blocks += report->doneBlocks;
    c->offloadedBlocks += virSCSIReportOffloadedBlocks(report);
    c->linkCommands += report->link.commands;
    c->linkBytes += report->link.bytesOut + report->link.bytesIn;
    c->reconnects += report->link.reconnects;
    c->resentBytes += report->link.resentBytes;
    for (i = 0; i < VIR_SCSI_METHOD_LAST; i++) {
        const virSCSIMethodStats *m = &report->methods[i];

        c->methods[i].commands += m->commands;
        c->methods[i].failures += m->failures;
        c->methods[i].blocks += m->blocks;
        c->methods[i].hostBytes += m->hostBytes;
        hostBytes += m->hostBytes;
        if (m->blocks) {
            virBufferAsprintf(&methods, "%s,", virSCSIMethodName(i));
            if (best == VIR_SCSI_METHOD_NONE ||
                m->blocks > report->methods[best].blocks)
                best = i;
        }
    }
    c->hostBytes += hostBytes;

    if (!vol || !vol->key)
        return;

    switch (op) {
    case VIR_STORAGE_BACKEND_VAAI_OP_CREATE:
    case VIR_STORAGE_BACKEND_VAAI_OP_CLONE:
        /* A failed build leaves no volume: the driver forgets it. */
        if (failed) {
            g_hash_table_remove(state->volStats, vol->key);
            return;
        }
        break;
    case VIR_STORAGE_BACKEND_VAAI_OP_WIPE:
    case VIR_STORAGE_BACKEND_VAAI_OP_UPLOAD:
    case VIR_STORAGE_BACKEND_VAAI_OP_DOWNLOAD:
        break;
    case VIR_STORAGE_BACKEND_VAAI_OP_DELETE:
        if (!failed)
            g_hash_table_remove(state->volStats, vol->key);
        return;
    case VIR_STORAGE_BACKEND_VAAI_OP_RESIZE:
    case VIR_STORAGE_BACKEND_VAAI_OP_LAST:
        return;
    }

    virBufferTrim(&methods, ",");
    stat = g_new0(virStorageBackendVaaiVolStat, 1);
    stat->key = g_strdup(vol->key);
    stat->name = g_strdup(vol->name);
    stat->op = op;
    stat->failed = failed;
    stat->method = best != VIR_SCSI_METHOD_NONE ? best : report->planned;
    stat->planned = report->planned;
    stat->methods = virBufferContentAndReset(&methods);
    stat->blocks = report->doneBlocks;
    stat->offloadedBlocks = virSCSIReportOffloadedBlocks(report);
    stat->hostBytes = hostBytes;
    stat->linkBytes = report->link.bytesOut + report->link.bytesIn;
    stat->reconnects = report->link.reconnects;
    stat->resentBytes = report->link.resentBytes;
    stat->finished = g_get_real_time();
    stat->elapsedUs = report->elapsedUs;
    g_hash_table_insert(state->volStats, g_strdup(stat->key), stat);
}


/* Forget the records of volumes the table no longer holds (deleted by
 * another host); @table is the table just read. */
void
virStorageBackendVaaiPruneVolStats(virStorageBackendVaaiState *state,
                                   const virStorageVaaiTable *table)
{
    g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                       g_free, NULL);
    GHashTableIter iter;
    gpointer key;
    uint32_t idx;
    VIR_LOCK_GUARD lock = virLockGuardLock(&state->statsLock);

    for (idx = 0; idx < table->count; idx++) {
        if (table->status[idx] == VIR_STORAGE_VAAI_RECORD_VALID &&
            table->recs[idx].state != VIR_STORAGE_VAAI_VOL_FREE)
            g_hash_table_add(keys, virStorageBackendVaaiUUIDFormat(table->recs[idx].uuid));
    }
    g_hash_table_iter_init(&iter, state->volStats);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        if (!g_hash_table_contains(keys, key))
            g_hash_table_iter_remove(&iter);
    }
}


static void
virStorageBackendVaaiFormatTime(virBuffer *buf,
                                const char *attr,
                                gint64 us)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC);
    g_autofree char *str = NULL;

    if (dt && (str = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ")))
        virBufferAsprintf(buf, " %s='%s'", attr, str);
}


static const char *
virStorageBackendVaaiYesNo(bool value)
{
    return value ? "yes" : "no";
}


void
virStorageBackendVaaiFormatHeader(virBuffer *buf,
                                  const virStorageVaaiHeader *hdr)
{
    g_autofree char *poolUuid = virStorageBackendVaaiUUIDFormat(hdr->poolUuid);

    virBufferEscapeString(buf, "<vaai:pool name='%s'", hdr->name);
    virBufferAsprintf(buf, " uuid='%s' formatVersion='%u.%u'", poolUuid,
                      hdr->formatMajor, hdr->formatMinor);
    virBufferAsprintf(buf, " extentAlignment='%u' volumeRecords='%u'",
                      hdr->extentAlignment, hdr->volumeRecords);
    virBufferAsprintf(buf, " dataBlocks='%llu' leaseTimeoutMs='%llu'/>\n",
                      (unsigned long long)(hdr->dataEndLba - hdr->dataLba),
                      (unsigned long long)hdr->leaseTimeoutMs);
}


/* What the LUN reported when it was opened. */
void
virStorageBackendVaaiFormatLun(virBuffer *buf,
                               const virSCSILun *lun)
{
    const virSCSILunCaps *caps = lun->caps;
    const virSCSIInquiry *inq = &caps->inquiry;
    size_t i;

    virBufferAddLit(buf, "<vaai:lun");
    virBufferEscapeString(buf, " transport='%s'", caps->transport);
    if (inq->hasVendor)
        virBufferEscapeString(buf, " vendor='%s'", inq->vendor);
    if (inq->hasProduct)
        virBufferEscapeString(buf, " product='%s'", inq->product);
    if (inq->hasRevision)
        virBufferEscapeString(buf, " revision='%s'", inq->revision);
    virBufferEscapeString(buf, " designator='%s'", caps->designatorText);
    virBufferAsprintf(buf, " blockSize='%u' physicalBlockSize='%llu' blocks='%llu'",
                      caps->blockSize,
                      (unsigned long long)caps->blockSize << caps->lbPerPbExponent,
                      (unsigned long long)caps->capacityBlocks);
    virBufferAsprintf(buf, " thin='%s' unmappedReadsZero='%s'",
                      virStorageBackendVaaiYesNo(caps->lbpme),
                      virStorageBackendVaaiYesNo(caps->lbprzReadCap ||
                                                 (caps->hasLbp && caps->lbp.lbprz)));
    virBufferAsprintf(buf, " copyManager='%s'",
                      virStorageBackendVaaiYesNo(inq->threePC));
    if (caps->hasBlockLimits)
        virBufferAsprintf(buf, " maxCompareAndWriteBlocks='%u' maxTransferBlocks='%u'",
                          caps->blockLimits.maxCompareAndWriteLength,
                          caps->blockLimits.maxTransferLength);
    if (caps->warnings && caps->warnings->len) {
        virBufferAddLit(buf, ">\n");
        virBufferAdjustIndent(buf, 2);
        for (i = 0; i < caps->warnings->len; i++)
            virBufferEscapeString(buf, "<vaai:warning>%s</vaai:warning>\n",
                                  (const char *)g_ptr_array_index(caps->warnings, i));
        virBufferAdjustIndent(buf, -2);
        virBufferAddLit(buf, "</vaai:lun>\n");
    } else {
        virBufferAddLit(buf, "/>\n");
    }
}


void
virStorageBackendVaaiFormatPlan(virBuffer *buf,
                                const virSCSILun *lun)
{
    const virSCSIPlan *plan = &lun->plan;
    size_t i;

    virBufferAddLit(buf, "<vaai:plan>\n");
    virBufferAdjustIndent(buf, 2);
    for (i = 0; i < VIR_SCSI_PLAN_OP_LAST; i++) {
        const virSCSIOpPlan *op = &plan->ops[i];

        virBufferAsprintf(buf, "<vaai:operation name='%s' method='%s' fallback='%s'",
                          virSCSIPlanOpName(i), virSCSIMethodName(op->method),
                          virSCSIMethodName(op->fallback));
        if (op->cdbSize)
            virBufferAsprintf(buf, " cdbSize='%u'", op->cdbSize);
        virBufferAsprintf(buf, " maxBlocks='%llu' limitReported='%s'",
                          (unsigned long long)op->maxBlocks,
                          virStorageBackendVaaiYesNo(op->limitReported));
        if (op->maxDescriptors)
            virBufferAsprintf(buf, " maxDescriptors='%u'", op->maxDescriptors);
        if (op->granularity)
            virBufferAsprintf(buf, " granularity='%u' alignment='%u'",
                              op->granularity, op->alignment);
        if (op->hostMaxBlocks)
            virBufferAsprintf(buf, " hostMaxBlocks='%llu'",
                              (unsigned long long)op->hostMaxBlocks);
        virBufferEscapeString(buf, " reason='%s'", op->reason);
        virBufferAddLit(buf, "/>\n");
    }
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</vaai:plan>\n");
}


static void
virStorageBackendVaaiFormatCounters(virBuffer *buf,
                                    virStorageBackendVaaiState *state)
{
    size_t op;
    size_t i;

    virBufferAddLit(buf, "<vaai:counters");
    virStorageBackendVaaiFormatTime(buf, "since", state->since);
    virBufferAddLit(buf, ">\n");
    virBufferAdjustIndent(buf, 2);
    for (op = 0; op < VIR_STORAGE_BACKEND_VAAI_OP_LAST; op++) {
        const virStorageBackendVaaiCounters *c = &state->counters[op];
        uint64_t commands = 0;
        bool any = false;

        for (i = 0; i < VIR_SCSI_METHOD_LAST; i++)
            commands += c->methods[i].commands;

        virBufferAsprintf(buf, "<vaai:counter operation='%s' count='%llu' failed='%llu'",
                          virStorageBackendVaaiOpName(op),
                          (unsigned long long)c->operations,
                          (unsigned long long)c->failed);
        virBufferAsprintf(buf, " commands='%llu' blocks='%llu' offloadedBlocks='%llu'",
                          (unsigned long long)commands,
                          (unsigned long long)c->blocks,
                          (unsigned long long)c->offloadedBlocks);
        virBufferAsprintf(buf, " hostBytes='%llu' linkCommands='%llu' linkBytes='%llu'",
                          (unsigned long long)c->hostBytes,
                          (unsigned long long)c->linkCommands,
                          (unsigned long long)c->linkBytes);
        virBufferAsprintf(buf, " reconnects='%llu' resentBytes='%llu'",
                          (unsigned long long)c->reconnects,
                          (unsigned long long)c->resentBytes);
        for (i = 0; i < VIR_SCSI_METHOD_LAST; i++) {
            const virSCSIMethodStats *m = &c->methods[i];

            if (!m->commands && !m->blocks)
                continue;
            if (!any) {
                virBufferAddLit(buf, ">\n");
                virBufferAdjustIndent(buf, 2);
                any = true;
            }
            virBufferAsprintf(buf, "<vaai:method name='%s' commands='%llu' failures='%llu'"
                              " blocks='%llu' hostBytes='%llu'/>\n",
                              virSCSIMethodName(i),
                              (unsigned long long)m->commands,
                              (unsigned long long)m->failures,
                              (unsigned long long)m->blocks,
                              (unsigned long long)m->hostBytes);
        }
        if (any) {
            virBufferAdjustIndent(buf, -2);
            virBufferAddLit(buf, "</vaai:counter>\n");
        } else {
            virBufferAddLit(buf, "/>\n");
        }
    }
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</vaai:counters>\n");
}


static gint
virStorageBackendVaaiVolStatCompare(gconstpointer a,
                                    gconstpointer b)
{
    const virStorageBackendVaaiVolStat *x = *(virStorageBackendVaaiVolStat * const *)a;
    const virStorageBackendVaaiVolStat *y = *(virStorageBackendVaaiVolStat * const *)b;

    return strcmp(x->name, y->name);
}


static void
virStorageBackendVaaiFormatVolumes(virBuffer *buf,
                                   virStorageBackendVaaiState *state)
{
    g_autoptr(GPtrArray) stats = g_ptr_array_new();
    GHashTableIter iter;
    gpointer key;
    gpointer value;
    size_t i;

    g_hash_table_iter_init(&iter, state->volStats);
    while (g_hash_table_iter_next(&iter, &key, &value))
        g_ptr_array_add(stats, value);
    if (stats->len == 0) {
        virBufferAddLit(buf, "<vaai:volumes/>\n");
        return;
    }
    g_ptr_array_sort(stats, virStorageBackendVaaiVolStatCompare);

    virBufferAddLit(buf, "<vaai:volumes>\n");
    virBufferAdjustIndent(buf, 2);
    for (i = 0; i < stats->len; i++) {
        const virStorageBackendVaaiVolStat *stat = g_ptr_array_index(stats, i);

        virBufferEscapeString(buf, "<vaai:volume name='%s'", stat->name);
        virBufferAsprintf(buf, " key='%s'", stat->key);
        virBufferAsprintf(buf, " operation='%s' result='%s' method='%s' planned='%s'",
                          virStorageBackendVaaiOpName(stat->op),
                          stat->failed ? "failed" : "done",
                          virSCSIMethodName(stat->method),
                          virSCSIMethodName(stat->planned));
        virBufferEscapeString(buf, " methods='%s'", stat->methods);
        virBufferAsprintf(buf, " blocks='%llu' offloadedBlocks='%llu'",
                          (unsigned long long)stat->blocks,
                          (unsigned long long)stat->offloadedBlocks);
        virBufferAsprintf(buf, " hostBytes='%llu' linkBytes='%llu'",
                          (unsigned long long)stat->hostBytes,
                          (unsigned long long)stat->linkBytes);
        virBufferAsprintf(buf, " reconnects='%llu' resentBytes='%llu'",
                          (unsigned long long)stat->reconnects,
                          (unsigned long long)stat->resentBytes);
        virStorageBackendVaaiFormatTime(buf, "finished", stat->finished);
        virBufferAsprintf(buf, " elapsedMs='%lld'/>\n",
                          (long long)(stat->elapsedUs / 1000));
    }
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</vaai:volumes>\n");
}


void
virStorageBackendVaaiHeldClear(void *opaque)
{
    virStorageBackendVaaiHeld *held = opaque;

    g_free(held->volume);
    g_free(held->key);
}


void
virStorageBackendVaaiReadHolders(virStorageBackendVaaiState *state,
                                 const virStorageVaaiTable *table)
{
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) holders = NULL;
    g_autoptr(GArray) held = NULL;
    g_autoptr(GError) err = NULL;
    guint i;
    /* Over the watcher's session when there is one: these reads must not
     * count in the link traffic of an operation running meanwhile. */
    virStorageVaaiPool *pool = state->watchPool ? state->watchPool : state->pool;

    if (!(holders = virStorageVaaiTableHolders(pool, table, warnings, &err))) {
        VIR_WARN("pool '%s': cannot read who holds its volumes: %s",
                 state->pool->header.name, err->message);
        return;
    }
    for (i = 0; i < warnings->len; i++)
        VIR_WARN("pool '%s': %s", state->pool->header.name,
                 (const char *)g_ptr_array_index(warnings, i));
    held = g_array_new(false, true, sizeof(virStorageBackendVaaiHeld));
    g_array_set_clear_func(held, virStorageBackendVaaiHeldClear);
    for (i = 0; i < holders->len; i++) {
        const virStorageVaaiVolHolder *vh = &g_array_index(holders, virStorageVaaiVolHolder, i);
        virStorageBackendVaaiHeld h = { .info = vh->info };

        h.volume = g_strdup(table->recs[vh->idx].name);
        h.key = virStorageBackendVaaiUUIDFormat(table->recs[vh->idx].uuid);
        g_array_append_val(held, h);
    }
    VIR_WITH_MUTEX_LOCK_GUARD(&state->statsLock) {
        g_clear_pointer(&state->held, g_array_unref);
        state->held = g_steal_pointer(&held);
    }
}


/* <vaai:holders>: who holds the volumes open, on any host. */
static void
virStorageBackendVaaiFormatHolders(virBuffer *buf,
                                   virStorageBackendVaaiState *state)
{
    guint i;

    if (!state->held || state->held->len == 0) {
        virBufferAddLit(buf, "<vaai:holders/>\n");
        return;
    }
    virBufferAddLit(buf, "<vaai:holders>\n");
    virBufferAdjustIndent(buf, 2);
    for (i = 0; i < state->held->len; i++) {
        const virStorageBackendVaaiHeld *h = &g_array_index(state->held,
                                                            virStorageBackendVaaiHeld, i);
        g_autofree char *host = virStorageBackendVaaiUUIDFormat(h->info.holder.host);
        g_autofree char *owner = virStorageBackendVaaiUUIDFormat(h->info.holder.owner);

        virBufferEscapeString(buf, "<vaai:holder volume='%s'", h->volume);
        virBufferAsprintf(buf, " key='%s'", h->key);
        virBufferEscapeString(buf, " host='%s'", h->info.hostName[0] ? h->info.hostName : host);
        virBufferAsprintf(buf, " hostUuid='%s' mode='%s' owner='%s'", host,
                          virStorageVaaiInUseModeToString(h->info.holder.mode), owner);
        virStorageBackendVaaiFormatTime(buf, "since",
                                        (gint64)h->info.holder.since * G_USEC_PER_SEC);
        virBufferAddLit(buf, "/>\n");
    }
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</vaai:holders>\n");
}


/* <vaai:offload> of the started pool @state. */
void
virStorageBackendVaaiFormatOffload(virBuffer *buf,
                                   virStorageBackendVaaiState *state)
{
    virBufferAddLit(buf, "<vaai:offload>\n");
    virBufferAdjustIndent(buf, 2);
    virStorageBackendVaaiFormatHeader(buf, &state->pool->header);
    virStorageBackendVaaiFormatLun(buf, state->lun);
    virStorageBackendVaaiFormatPlan(buf, state->lun);
    VIR_WITH_MUTEX_LOCK_GUARD(&state->statsLock) {
        virStorageBackendVaaiFormatCounters(buf, state);
        virStorageBackendVaaiFormatVolumes(buf, state);
        virStorageBackendVaaiFormatHolders(buf, state);
    }
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</vaai:offload>\n");
}
