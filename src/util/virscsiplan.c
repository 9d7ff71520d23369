/*
 * virscsiplan.c: which method each operation uses on a LUN, and why
 *
 * Pure functions of the probed capabilities: every rule is here, in one
 * place, so "why was this not offloaded?" has one answer, which the plan
 * carries as text for operators.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdarg.h>
#include <string.h>

#include "virscsiplan.h"
#include "virscsiparam.h"

/* The host path moves data in pieces this large at most: big enough to
 * keep the link busy, small enough not to hog memory or a command slot. */
#define VIR_SCSI_HOST_CHUNK_BYTES (8ULL * 1024 * 1024)

/* A WRITE SAME is bounded by time as much as by the LUN's limit: a 1 GiB
 * command finishes well within the default timeout even where the array
 * writes every block. */
#define VIR_SCSI_WRITE_SAME_CAP_BYTES (1024ULL * 1024 * 1024)

/* When MAXIMUM WRITE SAME LENGTH is not reported, stay within what every
 * WRITE SAME(10) can express, as Linux's sd driver does. */
#define VIR_SCSI_WRITE_SAME_DEFAULT_BLOCKS 0xFFFFULL

/* More segments than this in one command buy nothing measurable and
 * make a failure coarser. */
#define VIR_SCSI_XCOPY_SEGMENTS_CAP 64

/* BLOCK DESCRIPTOR DATA LENGTH is 16 bits: (65535 - 8) / 16 = 4095. */
#define VIR_SCSI_UNMAP_DESCRIPTORS_MAX 4095

static const char *const virSCSIMethodNames[VIR_SCSI_METHOD_LAST] = {
    [VIR_SCSI_METHOD_NONE] = "none",
    [VIR_SCSI_METHOD_HOST] = "host",
    [VIR_SCSI_METHOD_WRITE_SAME_UNMAP] = "write-same-unmap",
    [VIR_SCSI_METHOD_WRITE_SAME] = "write-same",
    [VIR_SCSI_METHOD_UNMAP] = "unmap",
    [VIR_SCSI_METHOD_XCOPY_LID1] = "xcopy-lid1",
    [VIR_SCSI_METHOD_TOKEN_COPY] = "token-copy",
    [VIR_SCSI_METHOD_COMPARE_AND_WRITE] = "compare-and-write",
};

static const char *const virSCSIPlanOpNames[VIR_SCSI_PLAN_OP_LAST] = {
    [VIR_SCSI_PLAN_OP_ZERO] = "zero",
    [VIR_SCSI_PLAN_OP_UNMAP] = "unmap",
    [VIR_SCSI_PLAN_OP_COPY] = "copy",
    [VIR_SCSI_PLAN_OP_COPY_REMOTE] = "copy-remote",
    [VIR_SCSI_PLAN_OP_ATOMIC] = "atomic",
};


const char *
virSCSIMethodName(virSCSIMethod method)
{
    if ((unsigned)method >= VIR_SCSI_METHOD_LAST)
        return "unknown";
    return virSCSIMethodNames[method];
}


const char *
virSCSIPlanOpName(virSCSIPlanOp op)
{
    if ((unsigned)op >= VIR_SCSI_PLAN_OP_LAST)
        return "unknown";
    return virSCSIPlanOpNames[op];
}


static uint32_t
virSCSIPlanBlockSize(const virSCSILunCaps *caps)
{
    return caps->blockSize ? caps->blockSize : 512;
}


static uint64_t
virSCSIBytesToBlocks(const virSCSILunCaps *caps,
                     uint64_t bytes)
{
    return MAX(1, bytes / virSCSIPlanBlockSize(caps));
}


/* Largest READ/WRITE for host data movement: MAXIMUM TRANSFER LENGTH when
 * reported, rounded down to the OPTIMAL TRANSFER LENGTH GRANULARITY. */
static uint64_t
virSCSIPlanHostMaxBlocks(const virSCSILunCaps *caps)
{
    uint64_t blocks = virSCSIBytesToBlocks(caps, VIR_SCSI_HOST_CHUNK_BYTES);

    if (caps->hasBlockLimits) {
        const virSCSIVPDBlockLimits *bl = &caps->blockLimits;

        if (bl->maxTransferLength)
            blocks = MIN(blocks, bl->maxTransferLength);
        if (bl->optimalTransferLengthGranularity &&
            blocks >= bl->optimalTransferLengthGranularity)
            blocks -= blocks % bl->optimalTransferLengthGranularity;
    }
    return blocks;
}


/* Where unmap granules start and how large they are: the Block Limits
 * page's view when it has one, else the physical block. */
static void
virSCSIPlanGranularity(const virSCSILunCaps *caps,
                       uint32_t *granularity,
                       uint32_t *alignment)
{
    uint32_t gran = 0;
    uint32_t align = 0;

    if (caps->hasBlockLimits && caps->blockLimits.hasUnmapFields) {
        gran = caps->blockLimits.optimalUnmapGranularity;
        if (caps->blockLimits.ugaValid)
            align = caps->blockLimits.unmapGranularityAlignment;
    }
    if (!gran) {
        gran = caps->lbPerPbExponent < 31 ? 1U << caps->lbPerPbExponent : 1;
        align = caps->lowestAlignedLba;
    }
    *granularity = gran;
    *alignment = align % gran;
}


static bool
virSCSIPlanLbprz(const virSCSILunCaps *caps)
{
    if (caps->hasLbp)
        return caps->lbp.lbprz;
    return caps->lbprzReadCap;
}


/* Blocks per WRITE SAME: the LUN's limit, or the safe default, bounded
 * by the time cap and by what the CDB can carry. */
static uint64_t
virSCSIPlanWriteSameBlocks(const virSCSILunCaps *caps,
                           uint8_t cdbSize)
{
    uint64_t blocks = VIR_SCSI_WRITE_SAME_DEFAULT_BLOCKS;

    if (caps->hasBlockLimits && caps->blockLimits.hasWriteSameLength &&
        caps->blockLimits.maxWriteSameLength)
        blocks = caps->blockLimits.maxWriteSameLength;

    blocks = MIN(blocks, virSCSIBytesToBlocks(caps, VIR_SCSI_WRITE_SAME_CAP_BYTES));
    if (cdbSize == 10)
        blocks = MIN(blocks, 0xFFFFULL);
    else
        blocks = MIN(blocks, 0xFFFFFFFFULL);
    return blocks;
}


static void
virSCSIPlanSet(virSCSIOpPlan *op,
               virSCSIMethod method,
               virSCSIMethod fallback,
               const char *fmt,
               ...) G_GNUC_PRINTF(4, 5);

static void
virSCSIPlanSet(virSCSIOpPlan *op,
               virSCSIMethod method,
               virSCSIMethod fallback,
               const char *fmt,
               ...)
{
    va_list ap;

    op->method = method;
    op->fallback = fallback;
    g_free(op->reason);
    va_start(ap, fmt);
    op->reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}


static bool
virSCSIPlanWriteSameReported(const virSCSILunCaps *caps)
{
    return caps->hasBlockLimits && caps->blockLimits.hasWriteSameLength &&
           caps->blockLimits.maxWriteSameLength;
}


static void
virSCSIPlanZero(const virSCSILunCaps *caps,
                virSCSIOpPlan *op)
{
    bool lbprz = virSCSIPlanLbprz(caps);
    const char *wsnz = caps->hasBlockLimits && caps->blockLimits.wsnz ?
        " (WSNZ=1: a zero length is never sent)" : "";

    virSCSIPlanGranularity(caps, &op->granularity, &op->alignment);
    op->hostMaxBlocks = virSCSIPlanHostMaxBlocks(caps);
    op->limitReported = virSCSIPlanWriteSameReported(caps);

    /* UNMAP alone promises nothing about what reads return; only LBPRZ
     * does, so unmap-as-zero needs both LBPRZ and WRITE SAME with UNMAP. */
    if (lbprz && caps->hasLbp && (caps->lbp.lbpws || caps->lbp.lbpws10)) {
        op->cdbSize = caps->lbp.lbpws ? 16 : 10;
        op->maxBlocks = virSCSIPlanWriteSameBlocks(caps, op->cdbSize);
        virSCSIPlanSet(op, VIR_SCSI_METHOD_WRITE_SAME_UNMAP, VIR_SCSI_METHOD_WRITE_SAME,
                       "WRITE SAME(%u) with UNMAP, because the LUN reports LBPRZ=1 "
                       "(unmapped blocks read as zeros) and LBPWS%s=1; "
                       "up to %llu blocks a command%s",
                       op->cdbSize, op->cdbSize == 16 ? "" : "10",
                       (unsigned long long)op->maxBlocks, wsnz);
        return;
    }

    op->cdbSize = 16;
    op->maxBlocks = virSCSIPlanWriteSameBlocks(caps, 16);
    if (caps->hasBlockLimits && caps->blockLimits.hasWriteSameLength &&
        caps->blockLimits.maxWriteSameLength) {
        virSCSIPlanSet(op, VIR_SCSI_METHOD_WRITE_SAME, VIR_SCSI_METHOD_HOST,
                       "WRITE SAME(16) of a zero block, up to %llu blocks a command%s; "
                       "not unmap, because %s",
                       (unsigned long long)op->maxBlocks, wsnz,
                       !lbprz ? "unmapped blocks need not read as zeros (LBPRZ=0)" :
                       "WRITE SAME with UNMAP is not supported (LBPWS=0)");
        return;
    }

    /* No limit reported: WRITE SAME is optional, so try it and let the
     * first ILLEGAL REQUEST send the operation to the host path. */
    virSCSIPlanSet(op, VIR_SCSI_METHOD_WRITE_SAME, VIR_SCSI_METHOD_HOST,
                   "WRITE SAME(16) of a zero block in pieces of %llu blocks, "
                   "falling back to host writes if refused, because the LUN "
                   "reports no MAXIMUM WRITE SAME LENGTH%s",
                   (unsigned long long)op->maxBlocks,
                   caps->hasBlockLimits ? "" : " (no Block Limits page)");
}


static void
virSCSIPlanUnmap(const virSCSILunCaps *caps,
                 virSCSIOpPlan *op)
{
    const virSCSIVPDBlockLimits *bl = &caps->blockLimits;

    virSCSIPlanGranularity(caps, &op->granularity, &op->alignment);
    op->hostMaxBlocks = virSCSIPlanHostMaxBlocks(caps);

    /* LBPME=0 is the LUN saying it is fully provisioned, whatever an LBP
     * page lists (LIO sends one anyway). */
    if (!caps->lbpme && (caps->hasReadCapacity16 || !caps->hasLbp)) {
        virSCSIPlanSet(op, VIR_SCSI_METHOD_NONE, VIR_SCSI_METHOD_NONE,
                       "none, because the LUN is fully provisioned (LBPME=0)");
        return;
    }
    if (!caps->hasLbp) {
        virSCSIPlanSet(op, VIR_SCSI_METHOD_NONE, VIR_SCSI_METHOD_NONE,
                       "none, because the LUN has no Logical Block Provisioning "
                       "page to say which unmap command it accepts");
        return;
    }

    /* Both limits at 0 mean UNMAP is not implemented, whatever LBPU says. */
    if (caps->lbp.lbpu && caps->hasBlockLimits && bl->hasUnmapFields &&
        bl->maxUnmapLbaCount && bl->maxUnmapBlockDescriptorCount) {
        op->maxBlocks = bl->maxUnmapLbaCount;
        op->maxDescriptors = MIN(bl->maxUnmapBlockDescriptorCount,
                                 VIR_SCSI_UNMAP_DESCRIPTORS_MAX);
        virSCSIPlanSet(op, VIR_SCSI_METHOD_UNMAP, VIR_SCSI_METHOD_NONE,
                       "UNMAP, up to %llu blocks in %u descriptor%s a command, "
                       "in granules of %u block%s aligned at LBA %u",
                       (unsigned long long)op->maxBlocks, op->maxDescriptors,
                       op->maxDescriptors == 1 ? "" : "s",
                       op->granularity, op->granularity == 1 ? "" : "s", op->alignment);
        return;
    }

    if (caps->lbp.lbpws || caps->lbp.lbpws10) {
        op->cdbSize = caps->lbp.lbpws ? 16 : 10;
        op->maxBlocks = virSCSIPlanWriteSameBlocks(caps, op->cdbSize);
        op->maxDescriptors = 1;
        virSCSIPlanSet(op, VIR_SCSI_METHOD_WRITE_SAME_UNMAP, VIR_SCSI_METHOD_NONE,
                       "WRITE SAME(%u) with UNMAP, up to %llu blocks a command, because %s",
                       op->cdbSize, (unsigned long long)op->maxBlocks,
                       !caps->lbp.lbpu ? "the LUN does not support UNMAP (LBPU=0)" :
                       "the LUN reports no UNMAP limits (MAXIMUM UNMAP LBA COUNT or "
                       "BLOCK DESCRIPTOR COUNT is 0 or absent)");
        return;
    }

    virSCSIPlanSet(op, VIR_SCSI_METHOD_NONE, VIR_SCSI_METHOD_NONE,
                   "none, because the LUN supports neither UNMAP nor WRITE SAME "
                   "with UNMAP (LBPU=0, LBPWS=0, LBPWS10=0)");
}


/* Why EXTENDED COPY cannot be used, or NULL when it can. */
static const char *
virSCSIPlanXcopyRefusal(const virSCSILunCaps *caps,
                        unsigned int cscdNeeded)
{
    if (!caps->inquiry.hasByte5 || !caps->inquiry.threePC)
        return "the target reports no copy manager (3PC=0)";
    if (!caps->hasCopyParams)
        return "the copy manager did not answer RECEIVE COPY RESULTS "
               "(OPERATING PARAMETERS)";
    if (!virSCSICopyOpParamsSupports(&caps->copyParams, VIR_SCSI_XCOPY_DESC_BLOCK_TO_BLOCK))
        return "the copy manager does not list block-to-block segment "
               "descriptors (type 0x02)";
    if (!virSCSICopyOpParamsSupports(&caps->copyParams, VIR_SCSI_XCOPY_DESC_IDENTIFICATION))
        return "the copy manager does not list identification CSCD "
               "descriptors (type 0xE4)";
    if (!caps->designator)
        return "the LUN has no designator (VPD page 0x83) to name it in a copy";
    if (caps->copyParams.maxSegmentDescriptorCount < 1)
        return "the copy manager accepts no segment descriptors";
    if (caps->copyParams.maxCscdDescriptorCount < cscdNeeded)
        return cscdNeeded > 1 ?
            "the copy manager accepts fewer than two CSCD descriptors" :
            "the copy manager accepts no CSCD descriptors";
    if (caps->blockSize > 0xFFFFFF)
        return "the block size does not fit a CSCD descriptor";
    return NULL;
}


static void
virSCSIPlanXcopy(const virSCSILunCaps *caps,
                 virSCSIOpPlan *op)
{
    const virSCSICopyOpParams *cp = &caps->copyParams;
    uint64_t blocks = VIR_SCSI_XCOPY_SEGMENT_MAX_BLOCKS;
    uint32_t segments = MIN(cp->maxSegmentDescriptorCount, VIR_SCSI_XCOPY_SEGMENTS_CAP);

    if (cp->maxSegmentLength)
        blocks = MIN(blocks, cp->maxSegmentLength / virSCSIPlanBlockSize(caps));
    if (cp->maxDescriptorListLength) {
        uint64_t room = cp->maxDescriptorListLength;
        uint64_t fixed = 2 * VIR_SCSI_XCOPY_CSCD_ID_LEN;

        room = room > fixed ? (room - fixed) / VIR_SCSI_XCOPY_SEGMENT_B2B_LEN : 0;
        segments = MIN(segments, MAX(room, 1));
    }
    op->maxBlocks = MAX(blocks, 1);
    op->maxDescriptors = MAX(segments, 1);

    /* Segments of whole 4 KiB: 65535 blocks of 512 bytes would start
     * every segment after the first off a 4 KiB boundary, which arrays
     * with 4 KiB (or larger) internal pages handle slowly or not at all. */
    if (virSCSIPlanBlockSize(caps) < 4096) {
        uint64_t page = 4096 / virSCSIPlanBlockSize(caps);

        if (op->maxBlocks > page)
            op->maxBlocks -= op->maxBlocks % page;
    }

    /* A data segment granularity (log2 bytes) larger than a block makes
     * segment lengths multiples of it. */
    op->granularity = 1;
    if (cp->dataSegmentGranularityLog2 < 32) {
        uint64_t gran = (1ULL << cp->dataSegmentGranularityLog2) / virSCSIPlanBlockSize(caps);
        if (gran > 1 && gran <= op->maxBlocks) {
            op->granularity = gran;
            op->maxBlocks -= op->maxBlocks % gran;
        }
    }
    op->alignment = 0;
}


static void
virSCSIPlanCopy(const virSCSILunCaps *caps,
                virSCSIOpPlan *op,
                bool remote)
{
    const char *refusal = virSCSIPlanXcopyRefusal(caps, remote ? 2 : 1);
    const char *what = remote ? "to or from another LUN of the array" : "within the LUN";

    op->hostMaxBlocks = virSCSIPlanHostMaxBlocks(caps);

    if (caps->hasTpc && caps->tpc.hasSupportedCommands &&
        caps->tpc.populateToken && caps->tpc.writeUsingToken &&
        caps->tpc.receiveRodTokenInformation) {
        op->maxBlocks = caps->tpc.hasRodTokenLimits && caps->tpc.maxTokenTransferSize ?
            caps->tpc.maxTokenTransferSize : virSCSIBytesToBlocks(caps, 256ULL << 20);
        op->maxDescriptors = caps->tpc.hasRodTokenLimits && caps->tpc.maxRangeDescriptors ?
            caps->tpc.maxRangeDescriptors : 1;
        op->granularity = 1;
        op->alignment = 0;
        virSCSIPlanSet(op, VIR_SCSI_METHOD_TOKEN_COPY,
                       refusal ? VIR_SCSI_METHOD_HOST : VIR_SCSI_METHOD_XCOPY_LID1,
                       "token copy (POPULATE TOKEN, WRITE USING TOKEN) %s, up to "
                       "%llu blocks a token, because VPD page 0x8F lists both commands",
                       what, (unsigned long long)op->maxBlocks);
        return;
    }

    if (refusal) {
        op->maxBlocks = op->hostMaxBlocks;
        op->granularity = 1;
        virSCSIPlanSet(op, VIR_SCSI_METHOD_HOST, VIR_SCSI_METHOD_NONE,
                       "host, because %s", refusal);
        return;
    }

    virSCSIPlanXcopy(caps, op);
    virSCSIPlanSet(op, VIR_SCSI_METHOD_XCOPY_LID1, VIR_SCSI_METHOD_HOST,
                   "EXTENDED COPY (LID1) %s, segments of up to %llu blocks, "
                   "%u segment%s a command%s",
                   what, (unsigned long long)op->maxBlocks, op->maxDescriptors,
                   op->maxDescriptors == 1 ? "" : "s",
                   remote ? "; host copy where the array cannot reach the other LUN" : "");
}


static void
virSCSIPlanAtomic(const virSCSILunCaps *caps,
                  virSCSIOpPlan *op)
{
    if (!caps->hasBlockLimits) {
        virSCSIPlanSet(op, VIR_SCSI_METHOD_NONE, VIR_SCSI_METHOD_NONE,
                       "none, because the LUN has no Block Limits page to report "
                       "COMPARE AND WRITE: single-host use only");
        return;
    }
    if (!caps->blockLimits.maxCompareAndWriteLength) {
        virSCSIPlanSet(op, VIR_SCSI_METHOD_NONE, VIR_SCSI_METHOD_NONE,
                       "none, because the LUN reports MAXIMUM COMPARE AND WRITE "
                       "LENGTH 0: single-host use only");
        return;
    }
    op->maxBlocks = caps->blockLimits.maxCompareAndWriteLength;
    op->maxDescriptors = 1;
    op->granularity = 1;
    virSCSIPlanSet(op, VIR_SCSI_METHOD_COMPARE_AND_WRITE, VIR_SCSI_METHOD_NONE,
                   "COMPARE AND WRITE of up to %u block%s",
                   caps->blockLimits.maxCompareAndWriteLength,
                   caps->blockLimits.maxCompareAndWriteLength == 1 ? "" : "s");
}


void
virSCSIPlanRefused(virSCSIPlan *plan,
                   virSCSIPlanOp which,
                   const char *why)
{
    virSCSIOpPlan *op = &plan->ops[which];
    g_autofree char *was = g_strdup(virSCSIMethodName(op->method));

    /* What the LUN refused it will refuse again: plan without it. */
    if (op->fallback == op->method)
        op->fallback = VIR_SCSI_METHOD_NONE;
    virSCSIPlanSet(op, op->fallback, VIR_SCSI_METHOD_NONE,
                   "%s, because the LUN advertises %s but refused it (%s)%s",
                   virSCSIMethodName(op->fallback), was, why,
                   which == VIR_SCSI_PLAN_OP_ATOMIC ? ": single-host use only" : "");
}


void
virSCSIPlanFromCaps(const virSCSILunCaps *caps,
                    virSCSIPlan *plan)
{
    memset(plan, 0, sizeof(*plan));
    virSCSIPlanZero(caps, &plan->ops[VIR_SCSI_PLAN_OP_ZERO]);
    virSCSIPlanUnmap(caps, &plan->ops[VIR_SCSI_PLAN_OP_UNMAP]);
    virSCSIPlanCopy(caps, &plan->ops[VIR_SCSI_PLAN_OP_COPY], false);
    virSCSIPlanCopy(caps, &plan->ops[VIR_SCSI_PLAN_OP_COPY_REMOTE], true);
    virSCSIPlanAtomic(caps, &plan->ops[VIR_SCSI_PLAN_OP_ATOMIC]);
}


void
virSCSIPlanClear(virSCSIPlan *plan)
{
    size_t i;

    for (i = 0; i < VIR_SCSI_PLAN_OP_LAST; i++)
        g_clear_pointer(&plan->ops[i].reason, g_free);
}
