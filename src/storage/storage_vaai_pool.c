/*
 * storage_vaai_pool.c: formatting a LUN as a vaai pool and opening it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "storage_vaai_pool.h"
#include "storage_vaai_table.h"
#include "storage_vaai_fence.h"
#include "virscsichunk.h"
#include "virscsioffload.h"

#define VIR_STORAGE_VAAI_MIN_ALIGNMENT_BYTES (1024 * 1024)

static uint32_t
virStorageVaaiPow2Up(uint64_t v)
{
    uint64_t p = 1;

    while (p < v && p < (1ULL << 31))
        p <<= 1;
    return p;
}


uint32_t
virStorageVaaiPoolAlignment(const virSCSILun *lun,
                            uint32_t minBytes)
{
    uint32_t bs = virSCSILunBlockSize(lun);
    uint64_t blocks = MAX(minBytes, VIR_STORAGE_VAAI_MIN_ALIGNMENT_BYTES) / bs;
    const virSCSIOpPlan *unmap = &lun->plan.ops[VIR_SCSI_PLAN_OP_UNMAP];
    const virSCSIOpPlan *copy = &lun->plan.ops[VIR_SCSI_PLAN_OP_COPY];

    /* Extents on these boundaries let every unmap and copy run whole. */
    blocks = MAX(blocks, unmap->granularity);
    blocks = MAX(blocks, copy->granularity);
    return virStorageVaaiPow2Up(MAX(blocks, 1));
}


uint32_t
virStorageVaaiPoolAlignmentOffset(const virSCSILun *lun,
                                  uint32_t alignmentBlocks)
{
    const virSCSIOpPlan *unmap = &lun->plan.ops[VIR_SCSI_PLAN_OP_UNMAP];

    /* Granules start at UNMAP GRANULARITY ALIGNMENT + k * granularity; the
     * alignment (a power of two of at least the granularity) keeps that. */
    if (unmap->method == VIR_SCSI_METHOD_NONE || unmap->granularity <= 1 || !alignmentBlocks)
        return 0;
    return (unmap->alignment % unmap->granularity) % alignmentBlocks;
}


int
virStorageVaaiPoolLayout(virStorageVaaiHeader *header,
                         uint32_t blockSize,
                         uint64_t capacity,
                         uint32_t alignmentBlocks,
                         uint32_t alignmentOffset,
                         uint32_t volumeRecords,
                         GError **error)
{
    uint64_t tableEnd;

    header->blockSize = blockSize;
    header->extentAlignment = alignmentBlocks;
    header->capacity = capacity;
    header->leaseLba = VIR_STORAGE_VAAI_LEASE_LBA;
    header->heartbeatLba = VIR_STORAGE_VAAI_HEARTBEAT_LBA;
    header->heartbeatSlots = VIR_STORAGE_VAAI_HEARTBEAT_SLOTS;
    header->volumeRecords = volumeRecords ? volumeRecords : VIR_STORAGE_VAAI_VOLUME_RECORDS;
    header->volumeTableLba = header->heartbeatLba + header->heartbeatSlots;
    /* the in-use area follows the table, one block per record */
    header->roCompat |= VIR_STORAGE_VAAI_RO_COMPAT_INUSE;
    tableEnd = header->volumeTableLba + 2 * (uint64_t)header->volumeRecords;
    header->dataLba = virSCSIChunkAlignUp(tableEnd, alignmentBlocks,
                                          alignmentOffset % alignmentBlocks);
    header->dataEndLba = virSCSIChunkAlignDown(capacity, alignmentBlocks,
                                               alignmentOffset % alignmentBlocks);
    if (header->dataLba % alignmentBlocks)
        header->incompat |= VIR_STORAGE_VAAI_INCOMPAT_DATA_OFFSET;

    if (header->dataEndLba <= header->dataLba) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "a LUN of %llu blocks of %u bytes is too small for a pool "
                    "(metadata and alignment need %llu blocks)",
                    (unsigned long long)capacity, blockSize,
                    (unsigned long long)header->dataLba + alignmentBlocks);
        return -1;
    }
    return 0;
}


static int
virStorageVaaiLunRead(virSCSILun *lun,
                      uint64_t lba,
                      uint32_t count,
                      uint8_t *buf,
                      GError **error)
{
    virSCSIReport report;
    int ret;

    virSCSIReportInit(&report);
    ret = virSCSIOffloadRead(lun, lba, count, buf, &report, error);
    virSCSIReportClear(&report);
    return ret;
}


/*
 * SBC makes COMPARE AND WRITE atomic against other writes, not against
 * reads: a READ that meets one in flight may return part old and part new
 * bytes.  LIO does (its fileio backstore copies into the page cache as a
 * reader copies out): 88 of 84228 one-block READs under a COMPARE AND
 * WRITE loop came back torn, and a torn lease once failed a vol-wipe with
 * "bad CRC" in the stress test.  Every record carries a CRC, so a torn
 * read never passes for a record; a block that is not whole is read again
 * until it is, or until two reads in a row return the same bytes: then it
 * is what the LUN holds (damaged, foreign), for the caller's decoder to
 * report.  A block still changing after VIR_STORAGE_VAAI_REREADS reads is
 * returned as last read, and reported the same way.
 */
#define VIR_STORAGE_VAAI_REREADS 8

int
virStorageVaaiPoolReadRecords(virSCSILun *lun,
                              uint64_t lba,
                              uint32_t count,
                              uint8_t *buf,
                              GError **error)
{
    uint32_t bs = virSCSILunBlockSize(lun);
    g_autofree uint8_t *again = NULL;
    uint32_t i;

    if (virStorageVaaiLunRead(lun, lba, count, buf, error) < 0)
        return -1;
    for (i = 0; i < count; i++) {
        uint8_t *block = buf + (size_t)i * bs;
        size_t n;

        for (n = 0; n < VIR_STORAGE_VAAI_REREADS &&
                    !virStorageVaaiBlockWhole(block, bs); n++) {
            /* The write it met is one command: give it a moment to end. */
            if (!again)
                again = g_new0(uint8_t, bs);
            g_usleep(1000);
            if (virStorageVaaiLunRead(lun, lba + i, 1, again, error) < 0)
                return -1;
            if (memcmp(again, block, bs) == 0)
                break;
            memcpy(block, again, bs);
        }
    }
    return 0;
}


int
virStorageVaaiPoolReadBlock(virSCSILun *lun,
                            uint64_t lba,
                            uint8_t *block,
                            GError **error)
{
    return virStorageVaaiPoolReadRecords(lun, lba, 1, block, error);
}


/* Replace one block if it still holds @expected; single-host pools write
 * plainly.  Returns 1 on a miscompare. */
static int
virStorageVaaiLunSwapBlock(virSCSILun *lun,
                            bool singleHost,
                            uint64_t lba,
                            const uint8_t *expected,
                            const uint8_t *replacement,
                            GError **error)
{
    virSCSIMiscompare mc = { 0 };
    virSCSIReport report;
    int ret;

    virSCSIReportInit(&report);
    if (singleHost)
        ret = virSCSIOffloadWrite(lun, lba, 1, replacement, &report, error);
    else
        ret = virSCSIOffloadCompareAndWrite(lun, lba, 1, expected, replacement,
                                            &mc, &report, error);
    virSCSIMiscompareClear(&mc);
    virSCSIReportClear(&report);
    return ret;
}


void
virStorageVaaiRandomUuid(uint8_t *uuid)
{
    size_t i;

    for (i = 0; i < VIR_STORAGE_VAAI_UUID_LEN; i += 4) {
        guint32 r = g_random_int();
        memcpy(uuid + i, &r, 4);
    }
    /* RFC 4122 version 4, variant 1. */
    uuid[6] = (uuid[6] & 0x0F) | 0x40;
    uuid[8] = (uuid[8] & 0x3F) | 0x80;
}


int
virStorageVaaiPoolFormat(virSCSILun *lun,
                         const virStorageVaaiFormatOptions *opts,
                         virStorageVaaiHeader *header,
                         GError **error)
{
    uint32_t bs = virSCSILunBlockSize(lun);
    uint64_t sniffBlocks = MIN(virSCSILunBlocks(lun),
                               (VIR_STORAGE_VAAI_SNIFF_BYTES + bs - 1) / bs);
    g_autofree uint8_t *sniff = g_new0(uint8_t, sniffBlocks * bs);
    g_autofree uint8_t *claim = g_new0(uint8_t, bs);
    g_autofree uint8_t *final = g_new0(uint8_t, bs);
    bool singleHost;
    virSCSIOffloadOptions zeroOpts = { 0 };
    virSCSIReport report;
    const char *signature;
    uint32_t alignment;
    int rc;

    memset(header, 0, sizeof(*header));
    virSCSILunProveAtomic(lun);
    singleHost = lun->plan.ops[VIR_SCSI_PLAN_OP_ATOMIC].method !=
        VIR_SCSI_METHOD_COMPARE_AND_WRITE;
    if (opts->reservations && (singleHost || opts->singleHost)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "fencing by reservation is for pools that hosts share; "
                    "a single-host pool has nobody to fence");
        return -1;
    }
    if (opts->reservations && virStorageVaaiFenceCheckLun(lun, error) < 0)
        return -1;
    if (singleHost && !opts->singleHost) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_UNSUPPORTED,
                    "%s cannot coordinate hosts (%s); format it for one host "
                    "only with --single-host", lun->caps->target,
                    lun->plan.ops[VIR_SCSI_PLAN_OP_ATOMIC].reason);
        return -1;
    }

    if (virStorageVaaiLunRead(lun, 0, sniffBlocks, sniff, error) < 0)
        return -1;
    signature = virStorageVaaiDetectSignature(sniff, sniffBlocks * bs, bs);
    if (signature && !opts->force) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FOREIGN,
                    "%s carries a %s; refusing to format it (--force overwrites it)",
                    lun->caps->target, signature);
        return -1;
    }

    header->formatMajor = VIR_STORAGE_VAAI_FORMAT_MAJOR;
    header->formatMinor = VIR_STORAGE_VAAI_FORMAT_MINOR;
    /* Hosts journal which volume records they change (format 1.2). */
    header->incompat |= VIR_STORAGE_VAAI_INCOMPAT_JOURNAL;
    virStorageVaaiRandomUuid(header->poolUuid);
    if (opts->hostUuid)
        memcpy(header->formatHostUuid, opts->hostUuid, VIR_STORAGE_VAAI_UUID_LEN);
    else
        virStorageVaaiRandomUuid(header->formatHostUuid);
    header->formatTime = g_get_real_time() / G_USEC_PER_SEC;
    header->leaseTimeoutMs = opts->leaseTimeoutMs ? opts->leaseTimeoutMs :
        VIR_STORAGE_VAAI_LEASE_TIMEOUT_MS;
    header->heartbeatIntervalMs = opts->heartbeatIntervalMs ? opts->heartbeatIntervalMs :
        VIR_STORAGE_VAAI_HEARTBEAT_INTERVAL_MS;
    if (!opts->name || strlen(opts->name) >= sizeof(header->name)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "a pool name of 1 to %zu bytes is needed", sizeof(header->name) - 1);
        return -1;
    }
    g_strlcpy(header->name, opts->name, sizeof(header->name));
    alignment = virStorageVaaiPoolAlignment(lun, opts->alignmentBytes);
    if (virStorageVaaiPoolLayout(header, bs, virSCSILunBlocks(lun), alignment,
                                 virStorageVaaiPoolAlignmentOffset(lun, alignment),
                                 opts->volumeRecords, error) < 0)
        return -1;

    /*
     * Claim the LUN first, with a header marked "formatting", by COMPARE
     * AND WRITE from the exact bytes read: of two hosts formatting at once
     * only one gets past this, before either has touched anything else.
     */
    header->incompat |= VIR_STORAGE_VAAI_INCOMPAT_FORMATTING;
    if (virStorageVaaiHeaderEncode(header, claim, bs, error) < 0)
        return -1;
    rc = virStorageVaaiLunSwapBlock(lun, singleHost, 0, sniff, claim, error);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "%s changed while it was being formatted: another host is "
                    "formatting it or using it", lun->caps->target);
        return -1;
    }

    /* Now ours: empty every metadata record, clear the "formatting" mark
     * (only if nobody forced over us meanwhile), and only then write the
     * backup header, so a host that lost the race never writes one. */
    virSCSIReportInit(&report);
    rc = virSCSIOffloadZero(lun, 1, header->dataLba - 1, &zeroOpts, &report, error);
    virSCSIReportClear(&report);
    if (rc < 0)
        return -1;

    header->incompat &= ~VIR_STORAGE_VAAI_INCOMPAT_FORMATTING;
    if (opts->reservations)
        header->incompat |= VIR_STORAGE_VAAI_INCOMPAT_RESERVATIONS;
    if (virStorageVaaiHeaderEncode(header, final, bs, error) < 0)
        return -1;
    rc = virStorageVaaiLunSwapBlock(lun, singleHost, 0, claim, final, error);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "%s was formatted over by another host while this format ran",
                    lun->caps->target);
        return -1;
    }
    virSCSIReportInit(&report);
    rc = virSCSIOffloadWrite(lun, 1, 1, final, &report, error);
    virSCSIReportClear(&report);
    return rc;
}


static const char *
virStorageVaaiHeaderCopyName(uint64_t lba)
{
    return lba == 0 ? "primary" : "backup";
}


virStorageVaaiPool *
virStorageVaaiPoolOpen(virSCSILun *lun,
                       bool forWrite,
                       GError **error)
{
    g_autoptr(virStorageVaaiPool) pool = g_new0(virStorageVaaiPool, 1);
    uint32_t bs = virSCSILunBlockSize(lun);
    g_autofree uint8_t *block = g_new0(uint8_t, bs);
    virStorageVaaiRecordStatus status[2];
    virStorageVaaiHeader copies[2];
    GError *errs[2] = { NULL, NULL };
    int use = -1;
    uint64_t lba;

    pool->lun = lun;
    pool->warnings = g_ptr_array_new_with_free_func(g_free);
    g_mutex_init(&pool->fenceLock);
    g_mutex_init(&pool->tableLock);
    pool->tableChanged = g_array_new(false, false, sizeof(uint32_t));

    for (lba = 0; lba < 2; lba++) {
        if (virStorageVaaiPoolReadBlock(lun, lba, block, error) < 0)
            goto error;
        status[lba] = virStorageVaaiHeaderDecode(block, bs, &copies[lba], &errs[lba]);
    }

    if (status[0] == VIR_STORAGE_VAAI_RECORD_VALID)
        use = 0;
    else if (status[1] == VIR_STORAGE_VAAI_RECORD_VALID)
        use = 1;

    if (use < 0) {
        if (status[0] == VIR_STORAGE_VAAI_RECORD_EMPTY ||
            status[0] == VIR_STORAGE_VAAI_RECORD_FOREIGN)
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FOREIGN,
                        "%s is not a vaai pool (no pool header)", lun->caps->target);
        else
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CORRUPT,
                        "%s: both pool header copies are unusable: primary %s (%s), "
                        "backup %s (%s)", lun->caps->target,
                        virStorageVaaiRecordStatusName(status[0]),
                        errs[0] ? errs[0]->message : "no detail",
                        virStorageVaaiRecordStatusName(status[1]),
                        errs[1] ? errs[1]->message : "no detail");
        goto error;
    }
    if (status[!use] != VIR_STORAGE_VAAI_RECORD_VALID ||
        memcmp(&copies[0], &copies[1], sizeof(copies[0])) != 0)
        g_ptr_array_add(pool->warnings,
                        g_strdup_printf("the %s pool header is %s%s%s: 'pool repair' "
                                        "rewrites it from the %s",
                                        virStorageVaaiHeaderCopyName(!use),
                                        status[!use] == VIR_STORAGE_VAAI_RECORD_VALID ?
                                        "different" : virStorageVaaiRecordStatusName(status[!use]),
                                        errs[!use] ? ": " : "",
                                        errs[!use] ? errs[!use]->message : "",
                                        virStorageVaaiHeaderCopyName(use)));
    pool->header = copies[use];
    g_clear_error(&errs[0]);
    g_clear_error(&errs[1]);

    if (pool->header.incompat & VIR_STORAGE_VAAI_INCOMPAT_FORMATTING) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_UNSUPPORTED,
                    "%s is being formatted or erased, or that was interrupted; "
                    "format it again with --force", lun->caps->target);
        return NULL;
    }
    if (!virStorageVaaiHeaderCompatOK(&pool->header, forWrite, error))
        return NULL;
    if (pool->header.blockSize != bs) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CORRUPT,
                    "%s: the pool was formatted with %u-byte blocks, the LUN has %u",
                    lun->caps->target, pool->header.blockSize, bs);
        return NULL;
    }
    if (pool->header.dataEndLba > virSCSILunBlocks(lun)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CORRUPT,
                    "%s: the pool needs %llu blocks but the LUN has only %llu",
                    lun->caps->target, (unsigned long long)pool->header.dataEndLba,
                    (unsigned long long)virSCSILunBlocks(lun));
        return NULL;
    }
    if (forWrite)
        virSCSILunProveAtomic(lun);
    pool->singleHost = lun->plan.ops[VIR_SCSI_PLAN_OP_ATOMIC].method !=
        VIR_SCSI_METHOD_COMPARE_AND_WRITE;
    return g_steal_pointer(&pool);

 error:
    g_clear_error(&errs[0]);
    g_clear_error(&errs[1]);
    return NULL;
}


int
virStorageVaaiPoolSwapBlockVia(virStorageVaaiPool *pool,
                               virSCSILun *lun,
                               uint64_t lba,
                               const uint8_t *expected,
                               const uint8_t *replacement,
                               GError **error)
{
    return virStorageVaaiLunSwapBlock(lun, pool->singleHost, lba,
                                      expected, replacement, error);
}


int
virStorageVaaiPoolSwapBlock(virStorageVaaiPool *pool,
                            uint64_t lba,
                            const uint8_t *expected,
                            const uint8_t *replacement,
                            GError **error)
{
    return virStorageVaaiPoolSwapBlockVia(pool, pool->lun, lba, expected, replacement, error);
}


const char *
virStorageVaaiPoolFencing(const virStorageVaaiPool *pool)
{
    if (pool->singleHost)
        return "single host";
    if (pool->header.incompat & VIR_STORAGE_VAAI_INCOMPAT_RESERVATIONS)
        return "reservation";
    return "heartbeat";
}


void
virStorageVaaiPoolFree(virStorageVaaiPool *pool)
{
    if (!pool)
        return;
    if (pool->warnings)
        g_ptr_array_unref(pool->warnings);
    g_mutex_clear(&pool->fenceLock);
    g_mutex_clear(&pool->tableLock);
    virStorageVaaiTableFree(pool->tableCache);
    if (pool->tableChanged)
        g_array_unref(pool->tableChanged);
    g_free(pool);
}


int
virStorageVaaiPoolUpdateHeader(virStorageVaaiPool *pool,
                               uint64_t lba,
                               uint32_t incompat,
                               uint16_t minor,
                               const char *doing,
                               GError **error)
{
    uint32_t bs = pool->header.blockSize;
    g_autofree uint8_t *seen = g_new0(uint8_t, bs);
    g_autofree uint8_t *next = g_new0(uint8_t, bs);
    virStorageVaaiHeader h;
    int rc;

    if (virStorageVaaiPoolReadBlock(pool->lun, lba, seen, error) < 0)
        return -1;
    if (virStorageVaaiHeaderDecode(seen, bs, &h, error) != VIR_STORAGE_VAAI_RECORD_VALID) {
        g_prefix_error(error, "the %s header of pool '%s' (repair it first): ",
                       virStorageVaaiHeaderCopyName(lba), pool->header.name);
        return -1;
    }
    h.incompat |= incompat;
    if (minor)
        h.formatMinor = MAX(h.formatMinor, minor);
    if (virStorageVaaiHeaderEncode(&h, next, bs, error) < 0)
        return -1;
    if ((rc = virStorageVaaiPoolSwapBlock(pool, lba, seen, next, error)) < 0)
        return -1;
    if (rc == 1) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CHANGED,
                    "the header of pool '%s' changed while it was being %s",
                    pool->header.name, doing);
        return -1;
    }
    return 0;
}


bool
virStorageVaaiPoolJournaled(const virStorageVaaiPool *pool)
{
    return !!(pool->header.incompat & VIR_STORAGE_VAAI_INCOMPAT_JOURNAL);
}
