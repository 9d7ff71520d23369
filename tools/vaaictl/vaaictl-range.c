/*
 * vaaictl-range.c: "vaaictl zero", "unmap" and "copy": one offload
 *                  operation over a raw block range
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "vaaictl.h"
#include "virscsichunk.h"

typedef enum {
    VAAICTL_RANGE_ZERO,
    VAAICTL_RANGE_UNMAP,
    VAAICTL_RANGE_COPY,
} vaaictlRangeKind;

/* The engine call of one command, with everything it needs. */
typedef struct _vaaictlRangeOp vaaictlRangeOp;
struct _vaaictlRangeOp {
    vaaictlRangeKind kind;
    const char *cmd;
    virSCSILun *lun;            /* zero, unmap; copy: the source */
    virSCSILun *dst;            /* copy */
    uint64_t lba;
    uint64_t dstLba;
    uint64_t nblocks;
    virSCSIOffloadOptions opts;
};


static int
vaaictlRangeRun(const vaaictlRangeOp *op,
                bool json)
{
    virSCSIReport report;
    g_autoptr(GError) err = NULL;
    vaaictlWatch *watch;
    int rc = -1;

    virSCSIReportInit(&report);
    watch = vaaictlWatchBegin(&report, virSCSILunBlockSize(op->lun), !json);
    switch (op->kind) {
    case VAAICTL_RANGE_ZERO:
        rc = virSCSIOffloadZero(op->lun, op->lba, op->nblocks, &op->opts, &report, &err);
        break;
    case VAAICTL_RANGE_UNMAP:
        rc = virSCSIOffloadUnmap(op->lun, op->lba, op->nblocks, &op->opts, &report, &err);
        break;
    case VAAICTL_RANGE_COPY:
        rc = virSCSIOffloadCopy(op->lun, op->lba, op->dst, op->dstLba, op->nblocks,
                                &op->opts, &report, &err);
        break;
    }
    vaaictlWatchEnd(watch);

    return vaaictlReportFinish(op->cmd, stdout, &report, NULL, rc, err, json);
}


/* LUN LBA COUNT, checked against the LUN. */
static virSCSILun *
vaaictlRangeOpen(const vaaictlGlobal *global,
                 vaaictlRangeOp *op,
                 char **argv,
                 int *ret)
{
    g_autoptr(virSCSILun) lun = NULL;

    *ret = VAAICTL_EXIT_USAGE;
    if (!vaaictlParseU64(op->cmd, "LBA", argv[2], 0, UINT64_MAX, &op->lba) ||
        !vaaictlParseU64(op->cmd, "COUNT", argv[3], 1, UINT64_MAX, &op->nblocks))
        return NULL;

    if (!(lun = vaaictlOpenLun(global, op->cmd, argv[1]))) {
        *ret = VAAICTL_EXIT_FAILURE;
        return NULL;
    }
    if (!vaaictlCheckRange(op->cmd, lun, op->lba, op->nblocks))
        return NULL;
    return g_steal_pointer(&lun);
}


int
vaaictlCmdZero(const vaaictlGlobal *global,
               int argc,
               char **argv)
{
    g_autofree char *inflight = NULL;
    gboolean noHost = FALSE;
    gboolean hostOnly = FALSE;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        { "inflight", 0, 0, G_OPTION_ARG_STRING, &inflight,
          "WRITE SAME commands in flight at once, each on its session (default 1)", "N" },
        { "no-host", 0, 0, G_OPTION_ARG_NONE, &noHost,
          "fail rather than write zeros through the host", NULL },
        { "host-only", 0, 0, G_OPTION_ARG_NONE, &hostOnly,
          "write zeros through the host, never WRITE SAME", NULL },
        VAAICTL_OPTION_JSON(json),
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN LBA COUNT");
    g_autoptr(virSCSILun) lun = NULL;
    vaaictlRangeOp op = { .kind = VAAICTL_RANGE_ZERO, .cmd = "zero" };
    uint64_t v;
    int ret;

    g_option_context_set_summary(ctx,
        "Make COUNT blocks from LBA on read as zeros: WRITE SAME (with UNMAP\n"
        "where the LUN returns zeros for unmapped blocks) as the LUN's plan\n"
        "says, falling back to writing zeros through the host.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!vaaictlParseArgs(ctx, op.cmd, &argc, &argv, 3, "LUN LBA COUNT") ||
        !vaaictlHostFlags(op.cmd, noHost, hostOnly, &op.opts.flags))
        return VAAICTL_EXIT_USAGE;
    if (inflight) {
        /* The engine runs at most 32. */
        if (!vaaictlParseU64(op.cmd, "--inflight", inflight, 1, 32, &v))
            return VAAICTL_EXIT_USAGE;
        op.opts.inflight = v;
    }
    if (!(lun = vaaictlRangeOpen(global, &op, argv, &ret)))
        return ret;

    op.lun = lun;
    return vaaictlRangeRun(&op, json);
}


int
vaaictlCmdUnmap(const vaaictlGlobal *global,
                int argc,
                char **argv)
{
    gboolean needZeros = FALSE;
    g_autofree char *rate = NULL;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        { "need-zeros", 0, 0, G_OPTION_ARG_NONE, &needZeros,
          "the range must read as zeros afterwards (zero what UNMAP cannot promise)", NULL },
        { "rate", 0, 0, G_OPTION_ARG_STRING, &rate,
          "unmap at most MIBS MiB per second, to spare the array", "MIBS" },
        VAAICTL_OPTION_JSON(json),
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN LBA COUNT");
    g_autoptr(virSCSILun) lun = NULL;
    vaaictlRangeOp op = { .kind = VAAICTL_RANGE_UNMAP, .cmd = "unmap" };
    int ret;

    g_option_context_set_summary(ctx,
        "Give COUNT blocks from LBA on back to a thin-provisioned LUN: UNMAP\n"
        "or WRITE SAME with UNMAP as the LUN's plan says, whole unmap granules\n"
        "only.  Without --need-zeros the blocks may read as anything afterwards.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!vaaictlParseArgs(ctx, op.cmd, &argc, &argv, 3, "LUN LBA COUNT") ||
        (rate && !vaaictlParseRate(op.cmd, rate, &op.opts.rateLimitMiBs)))
        return VAAICTL_EXIT_USAGE;
    if (needZeros)
        op.opts.flags |= VIR_SCSI_OFFLOAD_NEED_ZEROS;
    if (!(lun = vaaictlRangeOpen(global, &op, argv, &ret)))
        return ret;

    op.lun = lun;
    return vaaictlRangeRun(&op, json);
}


/* Same block size, and no overlap within one LUN: the engine would refuse
 * too, but only after opening everything; this says which argument. */
static bool
vaaictlCopyCheck(const vaaictlRangeOp *op)
{
    uint32_t srcBs = virSCSILunBlockSize(op->lun);
    uint32_t dstBs = virSCSILunBlockSize(op->dst);

    if (srcBs != dstBs) {
        fprintf(stderr, "vaaictl copy: SRC has %u-byte blocks but DST has %u-byte blocks\n",
                srcBs, dstBs);
        return false;
    }
    if (!vaaictlCheckRange(op->cmd, op->lun, op->lba, op->nblocks) ||
        !vaaictlCheckRange(op->cmd, op->dst, op->dstLba, op->nblocks))
        return false;
    /* Two names (an address and a host name, say) may reach one LUN. */
    if ((op->lun == op->dst || virSCSILunCapsSameLun(op->lun->caps, op->dst->caps)) &&
        virSCSIChunkOverlap(op->lba, op->dstLba, op->nblocks)) {
        fprintf(stderr, "vaaictl copy: source and destination ranges overlap\n");
        return false;
    }
    return true;
}


int
vaaictlCmdCopy(const vaaictlGlobal *global,
               int argc,
               char **argv)
{
    g_autofree char *inflight = NULL;
    g_autofree char *commandBlocks = NULL;
    g_autofree char *resume = NULL;
    gboolean dstZeroed = FALSE;
    gboolean noHost = FALSE;
    gboolean hostOnly = FALSE;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        { "inflight", 0, 0, G_OPTION_ARG_STRING, &inflight,
          "copy commands in flight at once (default 4)", "N" },
        { "command-blocks", 0, 0, G_OPTION_ARG_STRING, &commandBlocks,
          "at most BLOCKS per offload command (default: the LUN's limits)", "BLOCKS" },
        { "dst-zeroed", 0, 0, G_OPTION_ARG_NONE, &dstZeroed,
          "DST already reads as zeros: do not write what reads as zeros", NULL },
        { "no-host", 0, 0, G_OPTION_ARG_NONE, &noHost,
          "fail rather than move data through the host", NULL },
        { "host-only", 0, 0, G_OPTION_ARG_NONE, &hostOnly,
          "move the data through the host, never EXTENDED COPY", NULL },
        { "resume", 0, 0, G_OPTION_ARG_STRING, &resume,
          "skip the first BLOCKS of the range, done by an earlier run", "BLOCKS" },
        VAAICTL_OPTION_JSON(json),
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("SRC SRC_LBA DST DST_LBA COUNT");
    g_autoptr(virSCSILun) src = NULL;
    g_autoptr(virSCSILun) dst = NULL;
    vaaictlRangeOp op = { .kind = VAAICTL_RANGE_COPY, .cmd = "copy" };
    uint64_t v;

    g_option_context_set_summary(ctx,
        "Copy COUNT blocks from SRC at SRC_LBA to DST at DST_LBA, in the array\n"
        "(EXTENDED COPY or token copy) where the LUNs' plans allow, else through\n"
        "the host.  SRC and DST may be the same LUN (ranges must not overlap).\n"
        "A stopped copy prints how far it got; --resume continues from there.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!vaaictlParseArgs(ctx, op.cmd, &argc, &argv, 5, "SRC SRC_LBA DST DST_LBA COUNT") ||
        !vaaictlHostFlags(op.cmd, noHost, hostOnly, &op.opts.flags) ||
        !vaaictlParseU64(op.cmd, "SRC_LBA", argv[2], 0, UINT64_MAX, &op.lba) ||
        !vaaictlParseU64(op.cmd, "DST_LBA", argv[4], 0, UINT64_MAX, &op.dstLba) ||
        !vaaictlParseU64(op.cmd, "COUNT", argv[5], 1, UINT64_MAX, &op.nblocks))
        return VAAICTL_EXIT_USAGE;
    if (inflight) {
        /* The engine runs at most 32. */
        if (!vaaictlParseU64(op.cmd, "--inflight", inflight, 1, 32, &v))
            return VAAICTL_EXIT_USAGE;
        op.opts.inflight = v;
    }
    if (commandBlocks &&
        !vaaictlParseU64(op.cmd, "--command-blocks", commandBlocks, 1, UINT32_MAX,
                         &op.opts.commandBlocks))
        return VAAICTL_EXIT_USAGE;
    if (resume &&
        !vaaictlParseU64(op.cmd, "--resume", resume, 0, op.nblocks - 1,
                         &op.opts.resumeBlocks))
        return VAAICTL_EXIT_USAGE;
    if (dstZeroed)
        op.opts.flags |= VIR_SCSI_OFFLOAD_DST_ZEROED;

    if (!(src = vaaictlOpenLun(global, op.cmd, argv[1])))
        return VAAICTL_EXIT_FAILURE;
    /* One LUN named twice is one LUN: the copy stays inside it. */
    if (!g_str_equal(argv[1], argv[3]) &&
        !(dst = vaaictlOpenLun(global, op.cmd, argv[3])))
        return VAAICTL_EXIT_FAILURE;

    op.lun = src;
    op.dst = dst ? dst : src;
    if (!vaaictlCopyCheck(&op))
        return VAAICTL_EXIT_USAGE;
    return vaaictlRangeRun(&op, json);
}
