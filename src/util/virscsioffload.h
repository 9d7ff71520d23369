/*
 * virscsioffload.h: the offload engine: zero, unmap, copy and
 *                   compare-and-write, each with its fallbacks inside
 *
 * Every operation follows the LUN's plan (virscsiplan.h), honours every
 * limit the LUN reported, falls back to host data movement where the
 * array refuses or fails, and counts what it did in a virSCSIReport.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsilun.h"
#include "virscsipattern.h"
#include "virscsireport.h"

/* Extra error codes of the engine live in virscsierror.h. */

typedef enum {
    /* UNMAP: the range must read as zeros afterwards: it is zeroed by the
     * zero plan (WRITE SAME with UNMAP on LBPRZ LUNs, which deallocates),
     * never by the UNMAP command, which a target may ignore. */
    VIR_SCSI_OFFLOAD_NEED_ZEROS = (1 << 0),
    /* Never move data through the host: fail instead (vol-clone
     * --reflink semantics). */
    VIR_SCSI_OFFLOAD_NO_HOST = (1 << 1),
    /* Force the host path (for comparison and benchmarks). */
    VIR_SCSI_OFFLOAD_HOST_ONLY = (1 << 2),
    /* COPY: the destination already reads as zeros, so source ranges that
     * read as zeros need not be written. */
    VIR_SCSI_OFFLOAD_DST_ZEROED = (1 << 3),
} virSCSIOffloadFlags;

typedef struct _virSCSIOffloadOptions virSCSIOffloadOptions;
struct _virSCSIOffloadOptions {
    unsigned int flags;         /* virSCSIOffloadFlags */
    double rateLimitMiBs;       /* UNMAP: at most this many MiB/s; 0: none */
    unsigned int inflight;      /* COPY, ZERO: commands (sessions) in flight;
                                 * 0: default (4) */
    uint64_t commandBlocks;     /* COPY: at most this many blocks an offload
                                 * command (all its segments); 0: as many as
                                 * the plan's limits allow */
    uint64_t resumeBlocks;      /* start this many blocks into the range
                                 * (report->resumeBlocks of an earlier run) */
};

int
virSCSIOffloadZero(virSCSILun *lun,
                   uint64_t lba,
                   uint64_t nblocks,
                   const virSCSIOffloadOptions *opts,
                   virSCSIReport *report,
                   GError **error);

int
virSCSIOffloadUnmap(virSCSILun *lun,
                    uint64_t lba,
                    uint64_t nblocks,
                    const virSCSIOffloadOptions *opts,
                    virSCSIReport *report,
                    GError **error);

/* Copy @nblocks from @src at @srcLba to @dst at @dstLba; @src and @dst
 * may be the same LUN (ranges must not overlap) and must have the same
 * block size. */
int
virSCSIOffloadCopy(virSCSILun *src,
                   uint64_t srcLba,
                   virSCSILun *dst,
                   uint64_t dstLba,
                   uint64_t nblocks,
                   const virSCSIOffloadOptions *opts,
                   virSCSIReport *report,
                   GError **error);

/* Write pass @passIndex of an overwrite pattern (virscsipattern.h) over
 * [@lba, @lba + @nblocks) through the host: WRITE commands of at most the
 * plan's host transfer length, the pattern's byte 0 being the range's
 * first byte, each piece read back and compared when the pass says so.
 * @key (VIR_SCSI_PATTERN_KEY_LEN bytes) seeds random passes.  There is no
 * offload: VIR_SCSI_OFFLOAD_NO_HOST makes it fail. */
int
virSCSIOffloadFill(virSCSILun *lun,
                   uint64_t lba,
                   uint64_t nblocks,
                   const virSCSIPatternPass *pass,
                   uint32_t passIndex,
                   const uint8_t *key,
                   const virSCSIOffloadOptions *opts,
                   virSCSIReport *report,
                   GError **error);

/* A key for random passes: VIR_SCSI_PATTERN_KEY_LEN bytes from the
 * kernel's generator (getrandom). */
int
virSCSIOffloadFillKey(uint8_t *key,
                      GError **error);

/* The outcome of a COMPARE AND WRITE that did not write. */
typedef struct _virSCSIMiscompare virSCSIMiscompare;
struct _virSCSIMiscompare {
    bool miscompared;
    uint64_t offset;            /* byte offset of the first difference */
    uint8_t *current;           /* what the range holds now (g_free) */
    size_t currentLen;
};

/* Atomically: if the @nblocks at @lba hold @expected, write @replacement.
 * Returns 0 when written, 1 on a miscompare (@mc filled, with the current
 * content re-read), -1 on error. */
int
virSCSIOffloadCompareAndWrite(virSCSILun *lun,
                              uint64_t lba,
                              uint32_t nblocks,
                              const uint8_t *expected,
                              const uint8_t *replacement,
                              virSCSIMiscompare *mc,
                              virSCSIReport *report,
                              GError **error);

void
virSCSIMiscompareClear(virSCSIMiscompare *mc);

/* Plain host I/O through the engine's accounting: for tools and tests. */
int
virSCSIOffloadRead(virSCSILun *lun,
                   uint64_t lba,
                   uint64_t nblocks,
                   uint8_t *buf,
                   virSCSIReport *report,
                   GError **error);

int
virSCSIOffloadWrite(virSCSILun *lun,
                    uint64_t lba,
                    uint64_t nblocks,
                    const uint8_t *buf,
                    virSCSIReport *report,
                    GError **error);

/* GET LBA STATUS from @lba: the extents the LUN reports, as
 * virSCSILbaStatusDescriptor in a GArray. */
GArray *
virSCSIOffloadLbaStatus(virSCSILun *lun,
                        uint64_t lba,
                        GError **error);
