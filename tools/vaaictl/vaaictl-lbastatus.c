/*
 * vaaictl-lbastatus.c: "vaaictl lba-status": which blocks are mapped
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "vaaictl.h"
#include "virscsicapacity.h"

static void
vaaictlLbaStatusJson(const char *target,
                     uint64_t lba,
                     GArray *extents)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    vaaictlJsonStr(b, "target", target);
    vaaictlJsonInt(b, "lba", lba);
    json_builder_set_member_name(b, "extents");
    json_builder_begin_array(b);
    for (size_t i = 0; i < extents->len; i++) {
        const virSCSILbaStatusDescriptor *d =
            &g_array_index(extents, virSCSILbaStatusDescriptor, i);

        json_builder_begin_object(b);
        vaaictlJsonInt(b, "lba", d->lba);
        vaaictlJsonInt(b, "blocks", d->nblocks);
        vaaictlJsonStr(b, "status", virSCSILbaProvisioningStatusName(d->provisioningStatus));
        vaaictlJsonInt(b, "provisioning_status", d->provisioningStatus);
        vaaictlJsonInt(b, "additional_status", d->additionalStatus);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    vaaictlJsonPrint(stdout, b);
}


static void
vaaictlLbaStatusText(const char *target,
                     uint64_t lba,
                     GArray *extents)
{
    printf("%s from LBA %llu: %u extent%s\n", target, (unsigned long long)lba,
           extents->len, extents->len == 1 ? "" : "s");
    printf("  %-20s %-10s %s\n", "LBA", "BLOCKS", "STATUS");
    for (size_t i = 0; i < extents->len; i++) {
        const virSCSILbaStatusDescriptor *d =
            &g_array_index(extents, virSCSILbaStatusDescriptor, i);

        printf("  %-20llu %-10u %s\n", (unsigned long long)d->lba, d->nblocks,
               virSCSILbaProvisioningStatusName(d->provisioningStatus));
    }
}


int
vaaictlCmdLbaStatus(const vaaictlGlobal *global,
                    int argc,
                    char **argv)
{
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        VAAICTL_OPTION_JSON(json),
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN LBA");
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) extents = NULL;
    uint64_t lba;

    g_option_context_set_summary(ctx,
        "Ask the LUN (GET LBA STATUS) which blocks from LBA on are mapped,\n"
        "deallocated or anchored.  The LUN decides how far its answer goes.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!vaaictlParseArgs(ctx, "lba-status", &argc, &argv, 2, "LUN LBA") ||
        !vaaictlParseU64("lba-status", "LBA", argv[2], 0, UINT64_MAX, &lba))
        return VAAICTL_EXIT_USAGE;

    if (!(lun = vaaictlOpenLun(global, "lba-status", argv[1])))
        return VAAICTL_EXIT_FAILURE;
    if (!vaaictlCheckRange("lba-status", lun, lba, 1))
        return VAAICTL_EXIT_USAGE;
    /* The probe already asked at open: a second refusal would only be a
     * sense code where the operator wants a sentence. */
    if (lun->caps->getLbaStatus == VIR_SCSI_SUPPORT_NO) {
        fprintf(stderr, "vaaictl lba-status: %s does not implement GET LBA STATUS "
                "(see 'vaaictl caps')\n", lun->caps->target);
        return VAAICTL_EXIT_FAILURE;
    }

    if (!(extents = virSCSIOffloadLbaStatus(lun, lba, &err))) {
        fprintf(stderr, "vaaictl lba-status: %s\n", err->message);
        return VAAICTL_EXIT_FAILURE;
    }
    if (json)
        vaaictlLbaStatusJson(lun->caps->target, lba, extents);
    else
        vaaictlLbaStatusText(lun->caps->target, lba, extents);
    return 0;
}
