/*
 * vaaictl-caps.c: "vaaictl caps": what a LUN is, what each operation
 *                 will do on it, and why
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "vaaictl.h"
#include "virscsicaps.h"
#include "virscsiplan.h"

static const char *
vaaictlProvisioningName(uint8_t type)
{
    switch (type) {
    case VIR_SCSI_PROVISIONING_FULL:
        return "full";
    case VIR_SCSI_PROVISIONING_RESOURCE:
        return "resource";
    case VIR_SCSI_PROVISIONING_THIN:
        return "thin";
    }
    return "reserved";
}


static void
vaaictlCapsJsonIdentity(JsonBuilder *b, const virSCSILunCaps *caps)
{
    const virSCSIInquiry *inq = &caps->inquiry;

    vaaictlJsonObject(b, "identity", true);
    vaaictlJsonInt(b, "peripheral_device_type", inq->peripheralDeviceType);
    vaaictlJsonInt(b, "version", inq->version);
    vaaictlJsonStr(b, "vendor", inq->hasVendor ? inq->vendor : NULL);
    vaaictlJsonStr(b, "product", inq->hasProduct ? inq->product : NULL);
    vaaictlJsonStr(b, "revision", inq->hasRevision ? inq->revision : NULL);
    vaaictlJsonStr(b, "serial", caps->serial);
    vaaictlJsonStr(b, "designator", caps->designatorText);
    vaaictlJsonBool(b, "designator_usable_for_copy", caps->designator != NULL);
    vaaictlJsonBool(b, "3pc", inq->hasByte5 && inq->threePC);
    vaaictlJsonInt(b, "tpgs", inq->hasByte5 ? inq->tpgs : 0);
    vaaictlJsonBool(b, "protect", inq->hasByte5 && inq->protect);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "vpd_pages");
    json_builder_begin_array(b);
    if (caps->hasVPDPages) {
        for (size_t i = 0; i < caps->vpdPages.npages; i++)
            json_builder_add_int_value(b, caps->vpdPages.pages[i]);
    }
    json_builder_end_array(b);
}


static void
vaaictlCapsJsonGeometry(JsonBuilder *b, const virSCSILunCaps *caps)
{
    vaaictlJsonObject(b, "geometry", true);
    vaaictlJsonInt(b, "block_size", caps->blockSize);
    vaaictlJsonInt(b, "capacity_blocks", caps->capacityBlocks);
    vaaictlJsonInt(b, "capacity_bytes", caps->capacityBlocks * caps->blockSize);
    vaaictlJsonInt(b, "logical_blocks_per_physical_block_exponent", caps->lbPerPbExponent);
    vaaictlJsonInt(b, "lowest_aligned_lba", caps->lowestAlignedLba);
    vaaictlJsonBool(b, "read_capacity_16", caps->hasReadCapacity16);
    json_builder_end_object(b);
}


static void
vaaictlCapsJsonProvisioning(JsonBuilder *b, const virSCSILunCaps *caps)
{
    const virSCSIVPDLbp *lbp = &caps->lbp;

    vaaictlJsonObject(b, "provisioning", true);
    vaaictlJsonBool(b, "lbpme", caps->lbpme);
    vaaictlJsonBool(b, "lbprz_read_capacity", caps->lbprzReadCap);
    vaaictlJsonBool(b, "get_lba_status", caps->getLbaStatus == VIR_SCSI_SUPPORT_YES);
    json_builder_end_object(b);

    vaaictlJsonObject(b, "logical_block_provisioning", caps->hasLbp);
    if (!caps->hasLbp)
        return;
    vaaictlJsonInt(b, "threshold_exponent", lbp->thresholdExponent);
    vaaictlJsonBool(b, "lbpu", lbp->lbpu);
    vaaictlJsonBool(b, "lbpws", lbp->lbpws);
    vaaictlJsonBool(b, "lbpws10", lbp->lbpws10);
    vaaictlJsonInt(b, "lbprz_field", lbp->lbprzField);
    vaaictlJsonBool(b, "lbprz", lbp->lbprz);
    vaaictlJsonBool(b, "anc_sup", lbp->ancSup);
    vaaictlJsonBool(b, "dp", lbp->dp);
    vaaictlJsonInt(b, "minimum_percentage", lbp->minimumPercentage);
    vaaictlJsonInt(b, "provisioning_type", lbp->provisioningType);
    vaaictlJsonStr(b, "provisioning_type_name", vaaictlProvisioningName(lbp->provisioningType));
    vaaictlJsonInt(b, "threshold_percentage", lbp->thresholdPercentage);
    json_builder_end_object(b);
}


static void
vaaictlCapsJsonBlockLimits(JsonBuilder *b, const virSCSILunCaps *caps)
{
    const virSCSIVPDBlockLimits *bl = &caps->blockLimits;

    vaaictlJsonObject(b, "block_limits", caps->hasBlockLimits);
    if (!caps->hasBlockLimits)
        return;
    vaaictlJsonInt(b, "page_length", bl->needed - 4);
    vaaictlJsonBool(b, "wsnz", bl->wsnz);
    vaaictlJsonInt(b, "max_compare_and_write_length", bl->maxCompareAndWriteLength);
    vaaictlJsonInt(b, "optimal_transfer_length_granularity", bl->optimalTransferLengthGranularity);
    vaaictlJsonInt(b, "max_transfer_length", bl->maxTransferLength);
    vaaictlJsonInt(b, "optimal_transfer_length", bl->optimalTransferLength);
    if (bl->hasMaxPrefetchLength)
        vaaictlJsonInt(b, "max_prefetch_length", bl->maxPrefetchLength);
    if (bl->hasUnmapFields) {
        vaaictlJsonInt(b, "max_unmap_lba_count", bl->maxUnmapLbaCount);
        vaaictlJsonInt(b, "max_unmap_block_descriptor_count", bl->maxUnmapBlockDescriptorCount);
        vaaictlJsonInt(b, "optimal_unmap_granularity", bl->optimalUnmapGranularity);
        vaaictlJsonBool(b, "unmap_granularity_alignment_valid", bl->ugaValid);
        vaaictlJsonInt(b, "unmap_granularity_alignment", bl->unmapGranularityAlignment);
    }
    if (bl->hasWriteSameLength)
        vaaictlJsonInt(b, "max_write_same_length", bl->maxWriteSameLength);
    if (bl->hasAtomicFields) {
        vaaictlJsonInt(b, "max_atomic_transfer_length", bl->maxAtomicTransferLength);
        vaaictlJsonInt(b, "atomic_alignment", bl->atomicAlignment);
        vaaictlJsonInt(b, "atomic_transfer_length_granularity", bl->atomicTransferLengthGranularity);
        vaaictlJsonInt(b, "max_atomic_transfer_length_with_atomic_boundary",
                       bl->maxAtomicTransferLengthWithAtomicBoundary);
        vaaictlJsonInt(b, "max_atomic_boundary_size", bl->maxAtomicBoundarySize);
    }
    json_builder_end_object(b);

    vaaictlJsonObject(b, "block_device_characteristics", caps->hasBdc);
    if (!caps->hasBdc)
        return;
    vaaictlJsonInt(b, "medium_rotation_rate", caps->bdc.mediumRotationRate);
    if (caps->bdc.hasProductType)
        vaaictlJsonInt(b, "product_type", caps->bdc.productType);
    if (caps->bdc.hasFormFactor)
        vaaictlJsonInt(b, "nominal_form_factor", caps->bdc.nominalFormFactor);
    if (caps->bdc.hasFlags) {
        vaaictlJsonInt(b, "zoned", caps->bdc.zoned);
        vaaictlJsonBool(b, "fuab", caps->bdc.fuab);
        vaaictlJsonBool(b, "vbuls", caps->bdc.vbuls);
    }
    json_builder_end_object(b);
}


static void
vaaictlCapsJsonCopy(JsonBuilder *b, const virSCSILunCaps *caps)
{
    const virSCSICopyOpParams *cp = &caps->copyParams;
    const virSCSIVPDTpc *tpc = &caps->tpc;

    vaaictlJsonObject(b, "copy_manager", caps->hasCopyParams);
    if (caps->hasCopyParams) {
        vaaictlJsonBool(b, "snlid", cp->snlid);
        vaaictlJsonInt(b, "max_cscd_descriptor_count", cp->maxCscdDescriptorCount);
        vaaictlJsonInt(b, "max_segment_descriptor_count", cp->maxSegmentDescriptorCount);
        vaaictlJsonInt(b, "max_descriptor_list_length", cp->maxDescriptorListLength);
        vaaictlJsonInt(b, "max_segment_length", cp->maxSegmentLength);
        vaaictlJsonInt(b, "max_inline_data_length", cp->maxInlineDataLength);
        vaaictlJsonInt(b, "held_data_limit", cp->heldDataLimit);
        vaaictlJsonInt(b, "max_stream_device_transfer_size", cp->maxStreamDeviceTransferSize);
        vaaictlJsonInt(b, "total_concurrent_copies", cp->totalConcurrentCopies);
        vaaictlJsonInt(b, "max_concurrent_copies", cp->maxConcurrentCopies);
        vaaictlJsonInt(b, "data_segment_granularity_log2", cp->dataSegmentGranularityLog2);
        vaaictlJsonInt(b, "inline_data_granularity_log2", cp->inlineDataGranularityLog2);
        vaaictlJsonInt(b, "held_data_granularity_log2", cp->heldDataGranularityLog2);
        json_builder_set_member_name(b, "descriptor_types");
        json_builder_begin_array(b);
        for (size_t i = 0; i < cp->nDescriptorTypes; i++)
            json_builder_add_int_value(b, cp->descriptorTypes[i]);
        json_builder_end_array(b);
        json_builder_end_object(b);
    }

    vaaictlJsonObject(b, "third_party_copy_vpd", caps->hasTpc);
    if (caps->hasTpc) {
        vaaictlJsonBool(b, "extended_copy_lid1", tpc->extendedCopyLid1);
        vaaictlJsonBool(b, "extended_copy_lid4", tpc->extendedCopyLid4);
        vaaictlJsonBool(b, "populate_token", tpc->populateToken);
        vaaictlJsonBool(b, "write_using_token", tpc->writeUsingToken);
        vaaictlJsonBool(b, "receive_rod_token_information", tpc->receiveRodTokenInformation);
        if (tpc->hasRodTokenLimits) {
            vaaictlJsonInt(b, "max_range_descriptors", tpc->maxRangeDescriptors);
            vaaictlJsonInt(b, "max_token_transfer_size", tpc->maxTokenTransferSize);
            vaaictlJsonInt(b, "optimal_transfer_count", tpc->optimalTransferCount);
        }
        vaaictlJsonInt(b, "unknown_descriptors", tpc->nUnknownDescriptors);
        json_builder_end_object(b);
    }
}


static void
vaaictlCapsJsonPlan(JsonBuilder *b, const virSCSIPlan *plan)
{
    vaaictlJsonObject(b, "operations", true);
    for (size_t i = 0; i < VIR_SCSI_PLAN_OP_LAST; i++) {
        const virSCSIOpPlan *op = &plan->ops[i];

        vaaictlJsonObject(b, virSCSIPlanOpName(i), true);
        vaaictlJsonStr(b, "method", virSCSIMethodName(op->method));
        vaaictlJsonStr(b, "fallback", virSCSIMethodName(op->fallback));
        vaaictlJsonStr(b, "reason", op->reason);
        if (op->cdbSize)
            vaaictlJsonInt(b, "cdb_size", op->cdbSize);
        vaaictlJsonInt(b, "max_blocks", op->maxBlocks);
        vaaictlJsonInt(b, "max_descriptors", op->maxDescriptors);
        vaaictlJsonInt(b, "granularity", op->granularity);
        vaaictlJsonInt(b, "alignment", op->alignment);
        vaaictlJsonInt(b, "host_max_blocks", op->hostMaxBlocks);
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
}


static void
vaaictlCapsJsonLink(JsonBuilder *b, virSCSITransport *transport)
{
    virSCSITransportStats stats;

    virSCSITransportGetStats(transport, &stats);
    vaaictlJsonObject(b, "link", true);
    vaaictlJsonInt(b, "commands", stats.commands);
    vaaictlJsonInt(b, "failures", stats.failures);
    vaaictlJsonInt(b, "bytes_out", stats.bytesOut);
    vaaictlJsonInt(b, "bytes_in", stats.bytesIn);
    json_builder_end_object(b);
}


static void
vaaictlCapsPrintJson(const virSCSILunCaps *caps,
                     const virSCSIPlan *plan,
                     virSCSITransport *transport)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    vaaictlJsonStr(b, "target", caps->target);
    vaaictlJsonStr(b, "transport", caps->transport);
    vaaictlCapsJsonIdentity(b, caps);
    vaaictlCapsJsonGeometry(b, caps);
    vaaictlCapsJsonProvisioning(b, caps);
    vaaictlCapsJsonBlockLimits(b, caps);
    vaaictlCapsJsonCopy(b, caps);
    vaaictlCapsJsonPlan(b, plan);

    json_builder_set_member_name(b, "warnings");
    json_builder_begin_array(b);
    for (size_t i = 0; i < caps->warnings->len; i++)
        json_builder_add_string_value(b, g_ptr_array_index(caps->warnings, i));
    json_builder_end_array(b);

    vaaictlCapsJsonLink(b, transport);
    json_builder_end_object(b);

    vaaictlJsonPrint(stdout, b);
}


static char *
vaaictlHumanSize(uint64_t bytes)
{
    return vaaictlSize(bytes);
}


static const char *
vaaictlLimit(uint64_t value, char *buf, size_t buflen)
{
    if (!value)
        return "not reported";
    g_snprintf(buf, buflen, "%llu", (unsigned long long)value);
    return buf;
}


static void
vaaictlCapsPrintText(const virSCSILunCaps *caps,
                     const virSCSIPlan *plan)
{
    const virSCSIInquiry *inq = &caps->inquiry;
    const virSCSIVPDBlockLimits *bl = &caps->blockLimits;
    g_autofree char *size = vaaictlHumanSize(caps->capacityBlocks * caps->blockSize);
    char b1[32];

    printf("LUN %s (%s)\n", caps->target, caps->transport);
    printf("  identity:    %s %s %s, serial %s\n",
           inq->hasVendor ? inq->vendor : "?", inq->hasProduct ? inq->product : "?",
           inq->hasRevision ? inq->revision : "?", caps->serial ? caps->serial : "none");
    printf("  designator:  %s%s\n", caps->designatorText ? caps->designatorText : "none",
           caps->designatorText && !caps->designator ? " (not usable for copies)" : "");
    printf("  capacity:    %s: %llu blocks of %u bytes",
           size, (unsigned long long)caps->capacityBlocks, caps->blockSize);
    if (caps->lbPerPbExponent)
        printf(", %u per physical block", 1U << caps->lbPerPbExponent);
    if (caps->lowestAlignedLba)
        printf(", lowest aligned LBA %u", caps->lowestAlignedLba);
    printf("\n");
    printf("  provisioning: LBPME=%d LBPRZ=%d", caps->lbpme,
           caps->hasLbp ? caps->lbp.lbprz : caps->lbprzReadCap);
    if (caps->hasLbp)
        printf(" LBPU=%d LBPWS=%d LBPWS10=%d, provisioning type %s",
               caps->lbp.lbpu, caps->lbp.lbpws, caps->lbp.lbpws10,
               vaaictlProvisioningName(caps->lbp.provisioningType));
    else
        printf(", no Logical Block Provisioning page");
    printf(", GET LBA STATUS %s\n",
           caps->getLbaStatus == VIR_SCSI_SUPPORT_YES ? "yes" : "no");

    if (caps->hasBlockLimits) {
        printf("  block limits:\n");
        printf("    WSNZ %d, max COMPARE AND WRITE %u blocks\n",
               bl->wsnz, bl->maxCompareAndWriteLength);
        printf("    max transfer %s blocks", vaaictlLimit(bl->maxTransferLength, b1, sizeof(b1)));
        printf(", optimal transfer %s", vaaictlLimit(bl->optimalTransferLength, b1, sizeof(b1)));
        printf(", granularity %s\n", vaaictlLimit(bl->optimalTransferLengthGranularity, b1, sizeof(b1)));
        if (bl->hasUnmapFields) {
            printf("    max unmap %s blocks", vaaictlLimit(bl->maxUnmapLbaCount, b1, sizeof(b1)));
            printf(" in %s descriptors", vaaictlLimit(bl->maxUnmapBlockDescriptorCount, b1, sizeof(b1)));
            printf(", granularity %s", vaaictlLimit(bl->optimalUnmapGranularity, b1, sizeof(b1)));
            if (bl->ugaValid)
                printf(" aligned at %u", bl->unmapGranularityAlignment);
            printf("\n");
        } else {
            printf("    no unmap limits (short page)\n");
        }
        if (bl->hasWriteSameLength)
            printf("    max WRITE SAME %s blocks\n",
                   vaaictlLimit(bl->maxWriteSameLength, b1, sizeof(b1)));
    } else {
        printf("  block limits: no Block Limits page\n");
    }

    if (caps->hasCopyParams) {
        const virSCSICopyOpParams *cp = &caps->copyParams;

        printf("  copy manager: %u CSCD, %u segment descriptors, max segment %s bytes, types",
               cp->maxCscdDescriptorCount, cp->maxSegmentDescriptorCount,
               vaaictlLimit(cp->maxSegmentLength, b1, sizeof(b1)));
        for (size_t i = 0; i < cp->nDescriptorTypes; i++)
            printf(" 0x%02x", cp->descriptorTypes[i]);
        printf("\n");
    } else {
        printf("  copy manager: %s\n", inq->hasByte5 && inq->threePC ?
               "reported (3PC=1) but did not answer" : "none (3PC=0)");
    }
    if (caps->hasTpc)
        printf("  token copy:  POPULATE TOKEN %s, WRITE USING TOKEN %s\n",
               caps->tpc.populateToken ? "yes" : "no",
               caps->tpc.writeUsingToken ? "yes" : "no");

    printf("operations:\n");
    for (size_t i = 0; i < VIR_SCSI_PLAN_OP_LAST; i++) {
        g_autofree char *label = g_strdup_printf("%s:", virSCSIPlanOpName(i));

        /* The reason starts with the method in words. */
        printf("  %-12s %s\n", label, plan->ops[i].reason);
    }

    for (size_t i = 0; i < caps->warnings->len; i++)
        printf("warning: %s\n", (const char *)g_ptr_array_index(caps->warnings, i));
}


int
vaaictlCmdCaps(const vaaictlGlobal *global,
               int argc,
               char **argv)
{
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        VAAICTL_OPTION_JSON(json),
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("DEVICE|ISCSI-URL");
    g_autoptr(GError) err = NULL;
    g_autoptr(virSCSITransport) transport = NULL;
    g_autoptr(virSCSILunCaps) caps = NULL;
    virSCSIPlan plan;

    g_option_context_set_summary(ctx,
        "Probe a LUN's VPD pages, capacity and copy manager, and show which\n"
        "method each operation (zero, unmap, copy, copy to another LUN,\n"
        "atomic update) will use, with what limits, and why.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "vaaictl caps: %s\n", err->message);
        return VAAICTL_EXIT_USAGE;
    }
    if (argc != 2) {
        fprintf(stderr, "vaaictl caps: expected one DEVICE or ISCSI-URL\n");
        return VAAICTL_EXIT_USAGE;
    }

    if (!(transport = vaaictlOpen(global, argv[1], &err)) ||
        !(caps = virSCSILunCapsProbe(transport, &err))) {
        fprintf(stderr, "vaaictl caps: %s\n", err->message);
        return VAAICTL_EXIT_FAILURE;
    }

    virSCSIPlanFromCaps(caps, &plan);
    virSCSIPlanProveAtomic(transport, caps, &plan);
    if (json)
        vaaictlCapsPrintJson(caps, &plan, transport);
    else
        vaaictlCapsPrintText(caps, &plan);
    virSCSIPlanClear(&plan);
    return 0;
}
