/*
 * vaaictl-caw.c: "vaaictl caw": COMPARE AND WRITE from two files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "vaaictl.h"

static bool
vaaictlCawLoad(const char *opt,
               const char *path,
               char **data,
               gsize *len)
{
    g_autoptr(GError) err = NULL;

    if (!path) {
        fprintf(stderr, "vaaictl caw: %s FILE is required\n", opt);
        return false;
    }
    if (!g_file_get_contents(path, data, len, &err)) {
        fprintf(stderr, "vaaictl caw: %s: %s\n", opt, err->message);
        return false;
    }
    return true;
}


/* Both files the same whole number of the LUN's blocks, within its limit. */
static bool
vaaictlCawBlocks(const virSCSILun *lun,
                 gsize expectLen,
                 gsize writeLen,
                 uint32_t *nblocks)
{
    const virSCSIOpPlan *op = &lun->plan.ops[VIR_SCSI_PLAN_OP_ATOMIC];
    uint32_t bs = virSCSILunBlockSize(lun);

    if (expectLen != writeLen) {
        fprintf(stderr, "vaaictl caw: --expect has %zu bytes but --write has %zu\n",
                expectLen, writeLen);
        return false;
    }
    if (!expectLen || expectLen % bs) {
        fprintf(stderr, "vaaictl caw: the files have %zu bytes, not a whole number "
                "of %u-byte blocks\n", expectLen, bs);
        return false;
    }
    if (expectLen / bs > UINT32_MAX) {
        fprintf(stderr, "vaaictl caw: the files are too large\n");
        return false;
    }
    *nblocks = expectLen / bs;
    /* Where the LUN has no COMPARE AND WRITE at all, the engine says so. */
    if (op->method == VIR_SCSI_METHOD_COMPARE_AND_WRITE && *nblocks > op->maxBlocks) {
        fprintf(stderr, "vaaictl caw: the files are %u blocks, but %s compares and "
                "writes at most %llu at once\n", *nblocks, lun->caps->target,
                (unsigned long long)op->maxBlocks);
        return false;
    }
    return true;
}


int
vaaictlCmdCaw(const vaaictlGlobal *global,
              int argc,
              char **argv)
{
    g_autofree char *expectPath = NULL;
    g_autofree char *writePath = NULL;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        { "expect", 0, 0, G_OPTION_ARG_FILENAME, &expectPath,
          "what the blocks must hold now", "FILE" },
        { "write", 0, 0, G_OPTION_ARG_FILENAME, &writePath,
          "what to write if they do", "FILE" },
        VAAICTL_OPTION_JSON(json),
        { NULL }
    };
    /* Declared before the LUN, so freed after it: see vaaictl-io.c. */
    g_autofree char *expected = NULL;
    g_autofree char *replacement = NULL;
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN LBA");
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(GError) err = NULL;
    gsize expectLen = 0;
    gsize writeLen = 0;
    virSCSIMiscompare mc = { 0 };
    virSCSIReport report;
    vaaictlWatch *watch;
    uint32_t nblocks;
    uint64_t lba;
    int rc;
    int ret;

    g_option_context_set_summary(ctx,
        "Atomically (COMPARE AND WRITE, the VAAI ATS primitive): if the blocks\n"
        "from LBA on hold the content of the --expect file, replace it with the\n"
        "--write file.  Both files are the same whole number of blocks.\n"
        "Exit status 3 when the blocks hold something else: nothing is written,\n"
        "and the offset of the first difference is printed.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!vaaictlParseArgs(ctx, "caw", &argc, &argv, 2, "LUN LBA") ||
        !vaaictlParseU64("caw", "LBA", argv[2], 0, UINT64_MAX, &lba) ||
        !vaaictlCawLoad("--expect", expectPath, &expected, &expectLen) ||
        !vaaictlCawLoad("--write", writePath, &replacement, &writeLen))
        return VAAICTL_EXIT_USAGE;

    if (!(lun = vaaictlOpenLun(global, "caw", argv[1])))
        return VAAICTL_EXIT_FAILURE;
    /* A LUN may advertise COMPARE AND WRITE and refuse it: say so as
     * such, not as a failed command. */
    virSCSILunProveAtomic(lun);
    if (!vaaictlCawBlocks(lun, expectLen, writeLen, &nblocks) ||
        !vaaictlCheckRange("caw", lun, lba, nblocks))
        return VAAICTL_EXIT_USAGE;

    virSCSIReportInit(&report);
    watch = vaaictlWatchBegin(&report, virSCSILunBlockSize(lun), false);
    rc = virSCSIOffloadCompareAndWrite(lun, lba, nblocks, (const uint8_t *)expected,
                                       (const uint8_t *)replacement, &mc, &report, &err);
    vaaictlWatchEnd(watch);

    ret = vaaictlReportFinish("caw", stdout, &report, &mc, rc, err, json);
    virSCSIMiscompareClear(&mc);
    return ret;
}
