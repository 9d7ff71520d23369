/*
 * test-plan.c: the negotiation rules, on capabilities built by hand
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsiplan.h"

static virSCSIVPDDesignator naa6 = {
    .codeSet = 1, .association = 0, .designatorType = 3, .length = 16,
    .designator = { 0x60, 0x01, 0x40, 0x5a, 0xbc, 0xde, 0xf0, 0x12,
                    0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12 },
    .valid = true,
};

/* What LIO on a fileio backstore reports with every VAAI knob on
 * (../shared/notes/lio-test-array.md). */
static void
testCapsLio(virSCSILunCaps *caps)
{
    memset(caps, 0, sizeof(*caps));
    caps->blockSize = 512;
    caps->capacityBlocks = 2 * 1024 * 1024;
    caps->hasReadCapacity16 = true;
    caps->lbpme = true;

    caps->inquiry.hasByte5 = true;
    caps->inquiry.threePC = true;
    caps->designator = &naa6;

    caps->hasBlockLimits = true;
    caps->blockLimits.wsnz = true;
    caps->blockLimits.maxCompareAndWriteLength = 1;
    caps->blockLimits.optimalTransferLengthGranularity = 1;
    caps->blockLimits.maxTransferLength = 16384;
    caps->blockLimits.optimalTransferLength = 16384;
    caps->blockLimits.hasUnmapFields = true;
    caps->blockLimits.maxUnmapLbaCount = 8192;
    caps->blockLimits.maxUnmapBlockDescriptorCount = 1;
    caps->blockLimits.optimalUnmapGranularity = 1;
    caps->blockLimits.hasWriteSameLength = true;
    caps->blockLimits.maxWriteSameLength = 0x1000;

    caps->hasLbp = true;
    caps->lbp.lbpu = true;
    caps->lbp.lbpws = true;
    caps->lbp.lbpws10 = true;
    caps->lbp.provisioningType = VIR_SCSI_PROVISIONING_THIN;

    caps->hasCopyParams = true;
    caps->copyParams.maxCscdDescriptorCount = 2;
    caps->copyParams.maxSegmentDescriptorCount = 1;
    caps->copyParams.maxDescriptorListLength = 1024;
    caps->copyParams.maxSegmentLength = 256 * 1024 * 1024;
    caps->copyParams.nDescriptorTypes = 2;
    caps->copyParams.descriptorTypes[0] = 0x02;
    caps->copyParams.descriptorTypes[1] = 0xE4;
}


static const virSCSIOpPlan *
testPlan(const virSCSILunCaps *caps, virSCSIPlan *plan, virSCSIPlanOp op)
{
    virSCSIPlanFromCaps(caps, plan);
    g_assert_nonnull(plan->ops[op].reason);
    return &plan->ops[op];
}


static void
testAssertReason(const virSCSIOpPlan *op, const char *needle)
{
    if (!strstr(op->reason, needle))
        g_error("reason '%s' does not mention '%s'", op->reason, needle);
}


static void
testPlanLio(void)
{
    virSCSILunCaps caps;
    virSCSIPlan plan;

    testCapsLio(&caps);
    virSCSIPlanFromCaps(&caps, &plan);

    /* LBPRZ=0: WRITE SAME of zeros, never unmap-as-zero. */
    g_assert_cmpint(plan.ops[VIR_SCSI_PLAN_OP_ZERO].method, ==, VIR_SCSI_METHOD_WRITE_SAME);
    g_assert_cmpint(plan.ops[VIR_SCSI_PLAN_OP_ZERO].fallback, ==, VIR_SCSI_METHOD_HOST);
    g_assert_cmpuint(plan.ops[VIR_SCSI_PLAN_OP_ZERO].cdbSize, ==, 16);
    g_assert_cmpuint(plan.ops[VIR_SCSI_PLAN_OP_ZERO].maxBlocks, ==, 0x1000);
    testAssertReason(&plan.ops[VIR_SCSI_PLAN_OP_ZERO], "LBPRZ=0");
    testAssertReason(&plan.ops[VIR_SCSI_PLAN_OP_ZERO], "WSNZ=1");

    g_assert_cmpint(plan.ops[VIR_SCSI_PLAN_OP_UNMAP].method, ==, VIR_SCSI_METHOD_UNMAP);
    g_assert_cmpuint(plan.ops[VIR_SCSI_PLAN_OP_UNMAP].maxBlocks, ==, 8192);
    g_assert_cmpuint(plan.ops[VIR_SCSI_PLAN_OP_UNMAP].maxDescriptors, ==, 1);
    g_assert_cmpuint(plan.ops[VIR_SCSI_PLAN_OP_UNMAP].granularity, ==, 1);
    g_assert_cmpuint(plan.ops[VIR_SCSI_PLAN_OP_UNMAP].alignment, ==, 0);

    /* 256 MiB segments would be 524288 blocks: the 16-bit field wins,
     * rounded down to whole 4 KiB (65528 blocks of 512 bytes). */
    g_assert_cmpint(plan.ops[VIR_SCSI_PLAN_OP_COPY].method, ==, VIR_SCSI_METHOD_XCOPY_LID1);
    g_assert_cmpint(plan.ops[VIR_SCSI_PLAN_OP_COPY].fallback, ==, VIR_SCSI_METHOD_HOST);
    g_assert_cmpuint(plan.ops[VIR_SCSI_PLAN_OP_COPY].maxBlocks, ==, 65528);
    g_assert_cmpuint(plan.ops[VIR_SCSI_PLAN_OP_COPY].maxDescriptors, ==, 1);
    g_assert_cmpint(plan.ops[VIR_SCSI_PLAN_OP_COPY_REMOTE].method, ==, VIR_SCSI_METHOD_XCOPY_LID1);

    /* Host transfers: 8 MiB, within MAXIMUM TRANSFER LENGTH. */
    g_assert_cmpuint(plan.ops[VIR_SCSI_PLAN_OP_COPY].hostMaxBlocks, ==, 16384);

    g_assert_cmpint(plan.ops[VIR_SCSI_PLAN_OP_ATOMIC].method, ==, VIR_SCSI_METHOD_COMPARE_AND_WRITE);
    g_assert_cmpuint(plan.ops[VIR_SCSI_PLAN_OP_ATOMIC].maxBlocks, ==, 1);
    virSCSIPlanClear(&plan);
}


static void
testPlanLbprz(void)
{
    virSCSILunCaps caps;
    virSCSIPlan plan;
    const virSCSIOpPlan *op;

    testCapsLio(&caps);
    caps.lbp.lbprz = true;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_ZERO);
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_WRITE_SAME_UNMAP);
    g_assert_cmpint(op->fallback, ==, VIR_SCSI_METHOD_WRITE_SAME);
    g_assert_cmpuint(op->cdbSize, ==, 16);
    testAssertReason(op, "LBPRZ=1");
    virSCSIPlanClear(&plan);

    /* Only WRITE SAME(10) may unmap: the 10-byte CDB and its 16-bit count. */
    caps.lbp.lbpws = false;
    caps.blockLimits.maxWriteSameLength = 0x100000;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_ZERO);
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_WRITE_SAME_UNMAP);
    g_assert_cmpuint(op->cdbSize, ==, 10);
    g_assert_cmpuint(op->maxBlocks, ==, 0xFFFF);
    virSCSIPlanClear(&plan);

    /* LBPRZ from READ CAPACITY alone does not count while the LBP page,
     * the authority on unmap commands, says 0. */
    testCapsLio(&caps);
    caps.lbprzReadCap = true;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_ZERO);
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_WRITE_SAME);
    virSCSIPlanClear(&plan);

    /* LBPRZ but no WRITE SAME with UNMAP: zeros must be written. */
    testCapsLio(&caps);
    caps.lbp.lbprz = true;
    caps.lbp.lbpws = false;
    caps.lbp.lbpws10 = false;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_ZERO);
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_WRITE_SAME);
    testAssertReason(op, "LBPWS=0");
    virSCSIPlanClear(&plan);
}


static void
testPlanNoCopyManager(void)
{
    virSCSILunCaps caps;
    virSCSIPlan plan;
    const virSCSIOpPlan *op;

    testCapsLio(&caps);
    caps.inquiry.threePC = false;
    caps.hasCopyParams = false;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_COPY);
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_HOST);
    g_assert_cmpstr(op->reason, ==, "host, because the target reports no copy manager (3PC=0)");
    g_assert_cmpint(plan.ops[VIR_SCSI_PLAN_OP_COPY_REMOTE].method, ==, VIR_SCSI_METHOD_HOST);
    virSCSIPlanClear(&plan);

    /* 3PC=1 but the copy manager does not answer. */
    testCapsLio(&caps);
    caps.hasCopyParams = false;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_COPY);
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_HOST);
    testAssertReason(op, "RECEIVE COPY RESULTS");
    virSCSIPlanClear(&plan);

    /* No identification descriptors: the LUN cannot be named. */
    testCapsLio(&caps);
    caps.copyParams.nDescriptorTypes = 1;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_COPY);
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_HOST);
    testAssertReason(op, "0xE4");
    virSCSIPlanClear(&plan);

    /* No designator. */
    testCapsLio(&caps);
    caps.designator = NULL;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_COPY);
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_HOST);
    testAssertReason(op, "designator");
    virSCSIPlanClear(&plan);

    /* One CSCD descriptor: copies within the LUN only. */
    testCapsLio(&caps);
    caps.copyParams.maxCscdDescriptorCount = 1;
    virSCSIPlanFromCaps(&caps, &plan);
    g_assert_cmpint(plan.ops[VIR_SCSI_PLAN_OP_COPY].method, ==, VIR_SCSI_METHOD_XCOPY_LID1);
    g_assert_cmpint(plan.ops[VIR_SCSI_PLAN_OP_COPY_REMOTE].method, ==, VIR_SCSI_METHOD_HOST);
    testAssertReason(&plan.ops[VIR_SCSI_PLAN_OP_COPY_REMOTE], "two CSCD");
    virSCSIPlanClear(&plan);
}


static void
testPlanCopyLimits(void)
{
    virSCSILunCaps caps;
    virSCSIPlan plan;
    const virSCSIOpPlan *op;

    /* MAXIMUM SEGMENT LENGTH below the 16-bit field's reach. */
    testCapsLio(&caps);
    caps.copyParams.maxSegmentLength = 1024 * 1024;
    caps.copyParams.maxSegmentDescriptorCount = 200;
    caps.copyParams.maxDescriptorListLength = 0;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_COPY);
    g_assert_cmpuint(op->maxBlocks, ==, 2048);
    g_assert_cmpuint(op->maxDescriptors, ==, 64);   /* our cap */
    virSCSIPlanClear(&plan);

    /* The descriptor list length bounds the segments: (400-64)/28 = 12. */
    caps.copyParams.maxDescriptorListLength = 400;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_COPY);
    g_assert_cmpuint(op->maxDescriptors, ==, 12);
    virSCSIPlanClear(&plan);

    /* Data segment granularity of 64 KiB = 128 blocks: segments are
     * multiples of it. */
    testCapsLio(&caps);
    caps.copyParams.dataSegmentGranularityLog2 = 16;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_COPY);
    g_assert_cmpuint(op->granularity, ==, 128);
    g_assert_cmpuint(op->maxBlocks, ==, 65535 - 65535 % 128);
    virSCSIPlanClear(&plan);

    /* 4 KiB blocks: 256 MiB = 65536 blocks, still above the field. */
    testCapsLio(&caps);
    caps.blockSize = 4096;
    caps.blockLimits.maxTransferLength = 1024;
    virSCSIPlanFromCaps(&caps, &plan);
    g_assert_cmpuint(plan.ops[VIR_SCSI_PLAN_OP_COPY].maxBlocks, ==, 65535);
    g_assert_cmpuint(plan.ops[VIR_SCSI_PLAN_OP_COPY].hostMaxBlocks, ==, 1024);
    virSCSIPlanClear(&plan);

    /* No segment limit reported (0). */
    testCapsLio(&caps);
    caps.copyParams.maxSegmentLength = 0;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_COPY);
    g_assert_cmpuint(op->maxBlocks, ==, 65528);
    virSCSIPlanClear(&plan);
}


static void
testPlanTokenCopy(void)
{
    virSCSILunCaps caps;
    virSCSIPlan plan;
    const virSCSIOpPlan *op;

    testCapsLio(&caps);
    caps.hasTpc = true;
    caps.tpc.hasSupportedCommands = true;
    caps.tpc.populateToken = true;
    caps.tpc.writeUsingToken = true;
    caps.tpc.receiveRodTokenInformation = true;
    caps.tpc.hasRodTokenLimits = true;
    caps.tpc.maxRangeDescriptors = 8;
    caps.tpc.maxTokenTransferSize = 131072;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_COPY);
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_TOKEN_COPY);
    g_assert_cmpint(op->fallback, ==, VIR_SCSI_METHOD_XCOPY_LID1);
    g_assert_cmpuint(op->maxBlocks, ==, 131072);
    g_assert_cmpuint(op->maxDescriptors, ==, 8);
    virSCSIPlanClear(&plan);

    /* WRITE USING TOKEN missing: no token copy. */
    caps.tpc.writeUsingToken = false;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_COPY);
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_XCOPY_LID1);
    virSCSIPlanClear(&plan);
}


static void
testPlanThick(void)
{
    virSCSILunCaps caps;
    virSCSIPlan plan;
    const virSCSIOpPlan *op;

    testCapsLio(&caps);
    caps.lbpme = false;
    caps.hasLbp = false;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_UNMAP);
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_NONE);
    testAssertReason(op, "fully provisioned");
    /* Zeroing still offloads. */
    g_assert_cmpint(plan.ops[VIR_SCSI_PLAN_OP_ZERO].method, ==, VIR_SCSI_METHOD_WRITE_SAME);
    virSCSIPlanClear(&plan);

    /* LBP page present but every unmap command off. */
    testCapsLio(&caps);
    caps.lbp.lbpu = caps.lbp.lbpws = caps.lbp.lbpws10 = false;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_UNMAP);
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_NONE);
    testAssertReason(op, "LBPU=0");
    virSCSIPlanClear(&plan);
}


static void
testPlanUnmapLies(void)
{
    virSCSILunCaps caps;
    virSCSIPlan plan;
    const virSCSIOpPlan *op;

    /* LBPU=1 with limits of 0 means UNMAP is not implemented. */
    testCapsLio(&caps);
    caps.blockLimits.maxUnmapLbaCount = 0;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_UNMAP);
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_WRITE_SAME_UNMAP);
    g_assert_cmpuint(op->maxBlocks, ==, 0x1000);
    testAssertReason(op, "no UNMAP limits");
    virSCSIPlanClear(&plan);

    /* An SBC-2 page (length 0x0C) has no unmap fields at all. */
    testCapsLio(&caps);
    caps.blockLimits.hasUnmapFields = false;
    caps.blockLimits.hasWriteSameLength = false;
    caps.blockLimits.maxUnmapLbaCount = 0;
    caps.blockLimits.maxWriteSameLength = 0;
    virSCSIPlanFromCaps(&caps, &plan);
    g_assert_cmpint(plan.ops[VIR_SCSI_PLAN_OP_UNMAP].method, ==, VIR_SCSI_METHOD_WRITE_SAME_UNMAP);
    /* The WRITE SAME length then defaults to what WRITE SAME(10) can carry. */
    g_assert_cmpuint(plan.ops[VIR_SCSI_PLAN_OP_ZERO].maxBlocks, ==, 0xFFFF);
    testAssertReason(&plan.ops[VIR_SCSI_PLAN_OP_ZERO], "no MAXIMUM WRITE SAME LENGTH");
    virSCSIPlanClear(&plan);

    /* "No limit" values are bounded: 0xFFFFFFFF descriptors -> 4095. */
    testCapsLio(&caps);
    caps.blockLimits.maxUnmapBlockDescriptorCount = 0xFFFFFFFF;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_UNMAP);
    g_assert_cmpuint(op->maxDescriptors, ==, 4095);
    virSCSIPlanClear(&plan);

    /* A huge WRITE SAME limit is cut to 1 GiB a command. */
    testCapsLio(&caps);
    caps.blockLimits.maxWriteSameLength = 0xFFFFFFFFFFFFULL;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_ZERO);
    g_assert_cmpuint(op->maxBlocks, ==, 2 * 1024 * 1024);
    virSCSIPlanClear(&plan);
}


static void
testPlanGranularity(void)
{
    virSCSILunCaps caps;
    virSCSIPlan plan;
    const virSCSIOpPlan *op;

    testCapsLio(&caps);
    caps.blockLimits.optimalUnmapGranularity = 8;
    caps.blockLimits.ugaValid = true;
    caps.blockLimits.unmapGranularityAlignment = 11;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_UNMAP);
    g_assert_cmpuint(op->granularity, ==, 8);
    g_assert_cmpuint(op->alignment, ==, 3);
    virSCSIPlanClear(&plan);

    /* UGAVALID=0: the alignment field is ignored. */
    caps.blockLimits.ugaValid = false;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_UNMAP);
    g_assert_cmpuint(op->alignment, ==, 0);
    virSCSIPlanClear(&plan);

    /* Granularity not reported: the physical block decides. */
    testCapsLio(&caps);
    caps.blockLimits.optimalUnmapGranularity = 0;
    caps.lbPerPbExponent = 3;
    caps.lowestAlignedLba = 7;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_UNMAP);
    g_assert_cmpuint(op->granularity, ==, 8);
    g_assert_cmpuint(op->alignment, ==, 7);
    virSCSIPlanClear(&plan);
}


static void
testPlanAtomic(void)
{
    virSCSILunCaps caps;
    virSCSIPlan plan;
    const virSCSIOpPlan *op;

    testCapsLio(&caps);
    caps.blockLimits.maxCompareAndWriteLength = 0;
    op = testPlan(&caps, &plan, VIR_SCSI_PLAN_OP_ATOMIC);
    g_assert_cmpint(op->method, ==, VIR_SCSI_METHOD_NONE);
    testAssertReason(op, "single-host");
    virSCSIPlanClear(&plan);

    testCapsLio(&caps);
    caps.hasBlockLimits = false;
    virSCSIPlanFromCaps(&caps, &plan);
    g_assert_cmpint(plan.ops[VIR_SCSI_PLAN_OP_ATOMIC].method, ==, VIR_SCSI_METHOD_NONE);
    testAssertReason(&plan.ops[VIR_SCSI_PLAN_OP_ATOMIC], "no Block Limits page");
    /* Without Block Limits, WRITE SAME is tried with a host fallback. */
    g_assert_cmpint(plan.ops[VIR_SCSI_PLAN_OP_ZERO].method, ==, VIR_SCSI_METHOD_WRITE_SAME);
    g_assert_cmpint(plan.ops[VIR_SCSI_PLAN_OP_ZERO].fallback, ==, VIR_SCSI_METHOD_HOST);
    g_assert_cmpuint(plan.ops[VIR_SCSI_PLAN_OP_ZERO].hostMaxBlocks, ==, 16384);
    virSCSIPlanClear(&plan);
}


static void
testPlanNames(void)
{
    size_t i;

    for (i = 0; i < VIR_SCSI_METHOD_LAST; i++)
        g_assert_cmpstr(virSCSIMethodName(i), !=, "unknown");
    for (i = 0; i < VIR_SCSI_PLAN_OP_LAST; i++)
        g_assert_cmpstr(virSCSIPlanOpName(i), !=, "unknown");
    g_assert_cmpstr(virSCSIMethodName(VIR_SCSI_METHOD_LAST), ==, "unknown");
    g_assert_cmpstr(virSCSIPlanOpName(VIR_SCSI_PLAN_OP_COPY_REMOTE), ==, "copy-remote");
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/plan/lio", testPlanLio);
    g_test_add_func("/plan/lbprz", testPlanLbprz);
    g_test_add_func("/plan/no-copy-manager", testPlanNoCopyManager);
    g_test_add_func("/plan/copy-limits", testPlanCopyLimits);
    g_test_add_func("/plan/token-copy", testPlanTokenCopy);
    g_test_add_func("/plan/thick", testPlanThick);
    g_test_add_func("/plan/unmap-lies", testPlanUnmapLies);
    g_test_add_func("/plan/granularity", testPlanGranularity);
    g_test_add_func("/plan/atomic", testPlanAtomic);
    g_test_add_func("/plan/names", testPlanNames);
    return g_test_run();
}
