/*
 * vaaictl-vol.c: "vaaictl vol create|clone|wipe|delete|resize|rename|info"
 *                (and "hold", vaaictl-hold.c):
 *                volumes of a shared pool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "vaaictl.h"
#include "vaaictl-vol.h"
#include "storage_vaai_hold.h"
#include "storage_vaai_volume.h"


void
vaaictlVolJson(JsonBuilder *b,
               const virStorageVaaiPool *pool,
               const virStorageVaaiVolRecord *rec,
               int idx,
               const uint64_t *mappedBlocks)
{
    static const uint8_t none[VIR_STORAGE_VAAI_UUID_LEN] = { 0 };
    g_autofree char *uuid = virStorageVaaiUuidFormat(rec->uuid);
    uint32_t bs = pool->header.blockSize;

    vaaictlJsonStr(b, "name", rec->name);
    vaaictlJsonStr(b, "uuid", uuid);
    if (idx >= 0)
        vaaictlJsonInt(b, "record", idx);
    vaaictlJsonStr(b, "state", virStorageVaaiVolStateName(rec->state));
    vaaictlJsonInt(b, "capacity", rec->capacity);
    vaaictlJsonInt(b, "lba", rec->extentStart);
    vaaictlJsonInt(b, "blocks", rec->extentLength);
    vaaictlJsonInt(b, "block_size", bs);
    json_builder_set_member_name(b, "allocation");
    if (mappedBlocks)
        json_builder_add_int_value(b, (gint64)(*mappedBlocks * bs));
    else
        json_builder_add_null_value(b);
    if (memcmp(rec->parentUuid, none, sizeof(none)) != 0) {
        g_autofree char *parent = virStorageVaaiUuidFormat(rec->parentUuid);

        vaaictlJsonStr(b, "parent", parent);
    }
    if (memcmp(rec->parentPoolUuid, none, sizeof(none)) != 0) {
        g_autofree char *parentPool = virStorageVaaiUuidFormat(rec->parentPoolUuid);

        vaaictlJsonStr(b, "parent_pool", parentPool);
    }
    vaaictlJsonInt(b, "created_at", rec->createdAt);
    vaaictlJsonInt(b, "modified_at", rec->modifiedAt);
    vaaictlJsonInt(b, "sequence", rec->sequence);
    if (virStorageVaaiVolStateBusy(rec->state)) {
        g_autofree char *worker = virStorageVaaiUuidFormat(rec->workerUuid);

        vaaictlJsonObject(b, "operation", true);
        vaaictlJsonStr(b, "worker", worker);
        vaaictlJsonInt(b, "progress_blocks", rec->progress);
        vaaictlJsonInt(b, "intent_lba", rec->intentExtentStart);
        vaaictlJsonInt(b, "intent_blocks", rec->intentExtentLength);
        vaaictlJsonInt(b, "intent_capacity", rec->intentCapacity);
        json_builder_end_object(b);
    }
}


void
vaaictlVolText(FILE *out,
               const virStorageVaaiPool *pool,
               const virStorageVaaiVolRecord *rec,
               const uint64_t *mappedBlocks)
{
    g_autofree char *uuid = virStorageVaaiUuidFormat(rec->uuid);
    g_autofree char *cap = vaaictlSize(rec->capacity);
    uint32_t bs = pool->header.blockSize;

    fprintf(out, "volume %s (%s): %s, %s (%llu bytes) at LBA %llu+%llu",
            rec->name, uuid, virStorageVaaiVolStateName(rec->state), cap,
            (unsigned long long)rec->capacity, (unsigned long long)rec->extentStart,
            (unsigned long long)rec->extentLength);
    if (mappedBlocks)
        fprintf(out, ", %llu bytes allocated", (unsigned long long)(*mappedBlocks * bs));
    if (virStorageVaaiVolStateBusy(rec->state) && rec->extentLength)
        fprintf(out, ", %.0f%% done", 100.0 * rec->progress /
                MAX(rec->extentLength, rec->intentExtentLength));
    fputc('\n', out);
}


/* Print the outcome of a volume operation: the volume (if any) and the
 * engine's report, as text or as one JSON object. */
static int
vaaictlVolFinish(const char *cmd,
                 const vaaictlHostOptions *opts,
                 const vaaictlPoolHandle *h,
                 const virStorageVaaiVolRecord *rec,
                 virSCSIReport *report,
                 int rc,
                 const GError *err)
{
    if (opts->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        vaaictlReportJsonMembers(b, report, NULL, rc < 0 ? err : NULL);
        vaaictlJsonObject(b, "volume", rc == 0 && rec);
        if (rc == 0 && rec) {
            vaaictlVolJson(b, h->pool, rec, -1, NULL);
            json_builder_end_object(b);
        }
        json_builder_end_object(b);
        vaaictlJsonPrint(stdout, b);
        return vaaictlReportFinish(cmd, NULL, report, NULL, rc, err, true);
    }
    if (rc == 0 && rec)
        vaaictlVolText(stdout, h->pool, rec, NULL);
    return vaaictlReportFinish(cmd, stdout, report, NULL, rc, err, false);
}


typedef enum {
    VAAICTL_VOL_CREATE,
    VAAICTL_VOL_CLONE,
    VAAICTL_VOL_WIPE,
    VAAICTL_VOL_DELETE,
    VAAICTL_VOL_RESIZE,
    VAAICTL_VOL_RENAME,
} vaaictlVolOp;

/* Each changing subcommand: its name, its operation and its arguments. */
typedef struct {
    const char *name;
    vaaictlVolOp op;
    const char *args;           /* for the usage line */
    int nargs;
} vaaictlVolCommand;

static const vaaictlVolCommand vaaictlVolCommands[] = {
    { "create", VAAICTL_VOL_CREATE, "LUN NAME SIZE", 3 },
    { "clone", VAAICTL_VOL_CLONE, "LUN SOURCE NAME", 3 },
    { "wipe", VAAICTL_VOL_WIPE, "LUN NAME", 2 },
    { "delete", VAAICTL_VOL_DELETE, "LUN NAME", 2 },
    { "resize", VAAICTL_VOL_RESIZE, "LUN NAME SIZE", 3 },
    { "rename", VAAICTL_VOL_RENAME, "LUN NAME NEWNAME", 3 },
};


static int
vaaictlVolChange(const vaaictlGlobal *global,
                 const vaaictlVolCommand *vc,
                 const char *cmd,
                 int argc,
                 char **argv)
{
    vaaictlVolOp op = vc->op;
    vaaictlHostOptions hopts = { 0 };
    g_autofree char *from = NULL;
    g_autofree char *capacityStr = NULL;
    g_autofree char *algorithm = NULL;
    gboolean trim = FALSE;
    gboolean zero = FALSE;
    gboolean shrink = FALSE;
    gint inflight = 0;
    GOptionEntry cloneEntries[] = {
        { "from", 0, 0, G_OPTION_ARG_STRING, &from,
          "the source volume is in the pool on this LUN (same array)", "LUN" },
        { "capacity", 0, 0, G_OPTION_ARG_STRING, &capacityStr,
          "make the clone this large (not less than the source)", "SIZE" },
        { "inflight", 0, 0, G_OPTION_ARG_INT, &inflight, "copy commands in flight", "N" },
        { NULL }
    };
    GOptionEntry wipeEntries[] = {
        { "trim", 0, 0, G_OPTION_ARG_NONE, &trim,
          "unmap instead of zeroing (the volume may not read as zeros)", NULL },
        { "algorithm", 0, 0, G_OPTION_ARG_STRING, &algorithm,
          "zero (default), trim, or overwrite by the host with scrub's passes: nnsa, "
          "dod, bsi, gutmann, schneier, pfitzner7, pfitzner33, random", "NAME" },
        { NULL }
    };
    GOptionEntry deleteEntries[] = {
        { "zero", 0, 0, G_OPTION_ARG_NONE, &zero, "zero the space instead of unmapping it", NULL },
        { NULL }
    };
    gint count = 0;
    gint n;
    GOptionEntry createEntries[] = {
        { "count", 0, 0, G_OPTION_ARG_INT, &count,
          "create N volumes NAME-1 .. NAME-N in one session (stops at the first failure)",
          "N" },
        { NULL }
    };
    GOptionEntry resizeEntries[] = {
        { "shrink", 0, 0, G_OPTION_ARG_NONE, &shrink,
          "allow a smaller size (the data past it is lost)", NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(vc->args);
    g_autoptr(GError) err = NULL;
    g_autoptr(virSCSILun) srcLun = NULL;
    g_autoptr(virStorageVaaiPool) srcPool = NULL;
    vaaictlPoolHandle h = { 0 };
    virStorageVaaiOpOptions vopts = { 0 };
    virStorageVaaiVolRecord rec = { 0 };
    virSCSIReport report;
    vaaictlWatch *watch = NULL;
    uint64_t size = 0;
    bool hasRec = true;
    int rc = -1;
    int ret = VAAICTL_EXIT_USAGE;

    switch (op) {
    case VAAICTL_VOL_CLONE:
        g_option_context_add_main_entries(ctx, cloneEntries, NULL);
        break;
    case VAAICTL_VOL_WIPE:
        g_option_context_add_main_entries(ctx, wipeEntries, NULL);
        break;
    case VAAICTL_VOL_DELETE:
        g_option_context_add_main_entries(ctx, deleteEntries, NULL);
        break;
    case VAAICTL_VOL_RESIZE:
        g_option_context_add_main_entries(ctx, resizeEntries, NULL);
        break;
    case VAAICTL_VOL_CREATE:
        g_option_context_add_main_entries(ctx, createEntries, NULL);
        break;
    case VAAICTL_VOL_RENAME:
        break;
    }
    vaaictlHostOptionsAdd(ctx, &hopts);
    if (!vaaictlParseArgs(ctx, cmd, &argc, &argv, vc->nargs, vc->args))
        goto cleanup;
    if ((op == VAAICTL_VOL_CREATE || op == VAAICTL_VOL_RESIZE) &&
        !vaaictlParseSize(cmd, argv[3], &size))
        goto cleanup;
    if (capacityStr && !vaaictlParseSize(cmd, capacityStr, &size))
        goto cleanup;
    if (inflight < 0 || count < 0 || hopts.leaseWaitMs < 0) {
        fprintf(stderr, "vaaictl %s: negative values make no sense\n", cmd);
        goto cleanup;
    }

    if (algorithm) {
        if (strcmp(algorithm, "trim") == 0) {
            trim = TRUE;
        } else if (strcmp(algorithm, "zero") != 0 &&
                   !(vopts.algorithm = virSCSIPatternLookup(algorithm))) {
            fprintf(stderr, "vaaictl %s: unknown wipe algorithm '%s' (zero, trim, nnsa, "
                    "dod, bsi, gutmann, schneier, pfitzner7, pfitzner33, random)\n",
                    cmd, algorithm);
            goto cleanup;
        }
        if (trim && vopts.algorithm) {
            fprintf(stderr, "vaaictl %s: --trim and --algorithm %s exclude each other\n",
                    cmd, algorithm);
            goto cleanup;
        }
    }

    ret = VAAICTL_EXIT_FAILURE;
    if (!vaaictlPoolJoin(global, cmd, argv[1], &hopts, &h))
        goto cleanup;
    if (from) {
        if (!(srcLun = vaaictlOpenLun(global, cmd, from)))
            goto cleanup;
        if (!(srcPool = virStorageVaaiPoolOpen(srcLun, false, &err))) {
            fprintf(stderr, "vaaictl %s: %s: %s\n", cmd, from, err->message);
            goto cleanup;
        }
    }

    vopts.leaseWaitMs = hopts.leaseWaitMs;
    vopts.inflight = inflight;
    if (hopts.noHost && hopts.hostOnly) {
        fprintf(stderr, "vaaictl %s: --no-host and --host-only exclude each other\n", cmd);
        goto cleanup;
    }
    if (hopts.noHost)
        vopts.flags |= VIR_STORAGE_VAAI_OP_NO_HOST;
    if (hopts.hostOnly)
        vopts.flags |= VIR_STORAGE_VAAI_OP_HOST_ONLY;
    if (trim)
        vopts.flags |= VIR_STORAGE_VAAI_OP_TRIM;
    if (zero)
        vopts.flags |= VIR_STORAGE_VAAI_OP_ZERO;
    if (shrink)
        vopts.flags |= VIR_STORAGE_VAAI_OP_SHRINK;

    virSCSIReportInit(&report);
    watch = vaaictlWatchBegin(&report, virSCSILunBlockSize(h.lun), !hopts.json);
    switch (op) {
    case VAAICTL_VOL_CREATE:
        if (count == 0) {
            rc = virStorageVaaiVolCreate(h.session, argv[2], size, &vopts, &report, &rec, &err);
            break;
        }
        /* Many volumes in one session (a test farm, a benchmark's full
         * pool): one login and one join for all of them. */
        for (n = 1; n <= count; n++) {
            g_autofree char *name = g_strdup_printf("%s-%d", argv[2], n);

            if ((rc = virStorageVaaiVolCreate(h.session, name, size, &vopts, &report,
                                              &rec, &err)) < 0)
                break;
        }
        break;
    case VAAICTL_VOL_CLONE:
        rc = virStorageVaaiVolClone(h.session, srcPool, argv[2], argv[3], size, &vopts,
                                    &report, &rec, &err);
        break;
    case VAAICTL_VOL_WIPE:
        hasRec = false;
        rc = virStorageVaaiVolWipe(h.session, argv[2], &vopts, &report, &err);
        break;
    case VAAICTL_VOL_DELETE:
        hasRec = false;
        rc = virStorageVaaiVolDelete(h.session, argv[2], &vopts, &report, &err);
        break;
    case VAAICTL_VOL_RESIZE:
        rc = virStorageVaaiVolResize(h.session, argv[2], size, &vopts, &report, &rec, &err);
        break;
    case VAAICTL_VOL_RENAME:
        virSCSIReportBegin(&report, "rename", virSCSILunBlockSize(h.lun), 0, NULL);
        rc = virStorageVaaiVolRename(h.session, argv[2], argv[3], &vopts, &rec, &err);
        virSCSIReportEnd(&report);
        break;
    }
    vaaictlWatchEnd(watch);
    ret = vaaictlVolFinish(cmd, &hopts, &h, hasRec ? &rec : NULL, &report, rc, err);

 cleanup:
    vaaictlPoolLeave(&h);
    vaaictlHostOptionsClear(&hopts);
    return ret;
}


/* Read-only: no session, no lease. */
static int
vaaictlVolInfo(const vaaictlGlobal *global,
               int argc,
               char **argv)
{
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        VAAICTL_OPTION_JSON(json),
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN NAME");
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(virStorageVaaiPool) pool = NULL;
    g_autoptr(virStorageVaaiTable) table = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GError) allocErr = NULL;
    g_autoptr(GArray) holders = NULL;
    uint64_t mapped = 0;
    bool haveMapped;
    int idx;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!vaaictlParseArgs(ctx, "vol info", &argc, &argv, 2, "LUN NAME"))
        return VAAICTL_EXIT_USAGE;
    if (!(lun = vaaictlOpenLun(global, "vol info", argv[1])))
        return VAAICTL_EXIT_FAILURE;
    if (!(pool = virStorageVaaiPoolOpen(lun, false, &err)))
        goto error;
    table = virStorageVaaiTableNew(&pool->header);
    if (virStorageVaaiTableRead(pool, table, &err) < 0)
        goto error;
    if ((idx = virStorageVaaiTableFindName(table, argv[2])) < 0) {
        fprintf(stderr, "vaaictl vol info: no volume '%s' in pool '%s'\n", argv[2],
                pool->header.name);
        return VAAICTL_EXIT_FAILURE;
    }
    haveMapped = virStorageVaaiVolAllocation(pool, &table->recs[idx], &mapped, &allocErr) == 0;
    if (!(holders = virStorageVaaiVolHolders(pool, NULL, idx, table->recs[idx].uuid, &err)))
        goto error;
    if (json) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        vaaictlVolJson(b, pool, &table->recs[idx], idx, haveMapped ? &mapped : NULL);
        if (!haveMapped)
            vaaictlJsonStr(b, "allocation_unknown", allocErr->message);
        vaaictlVolHoldersJson(b, holders);
        json_builder_end_object(b);
        vaaictlJsonPrint(stdout, b);
    } else {
        vaaictlVolText(stdout, pool, &table->recs[idx], haveMapped ? &mapped : NULL);
        if (!haveMapped)
            printf("  allocation unknown: %s\n", allocErr->message);
        vaaictlVolHoldersText(stdout, holders);
    }
    return 0;

 error:
    fprintf(stderr, "vaaictl vol info: %s\n", err->message);
    return VAAICTL_EXIT_FAILURE;
}


int
vaaictlCmdVol(const vaaictlGlobal *global,
              int argc,
              char **argv)
{
    size_t i;

    if (argc >= 2 && strcmp(argv[1], "info") == 0)
        return vaaictlVolInfo(global, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "hold") == 0)
        return vaaictlVolHold(global, argc - 1, argv + 1);
    for (i = 0; argc >= 2 && i < G_N_ELEMENTS(vaaictlVolCommands); i++) {
        const vaaictlVolCommand *vc = &vaaictlVolCommands[i];

        if (strcmp(argv[1], vc->name) == 0) {
            g_autofree char *cmd = g_strdup_printf("vol %s", vc->name);

            return vaaictlVolChange(global, vc, cmd, argc - 1, argv + 1);
        }
    }
    fprintf(stderr,
            "Usage: vaaictl vol create LUN NAME SIZE\n"
            "       vaaictl vol clone LUN SOURCE NAME [--from LUN] [--capacity SIZE]\n"
            "       vaaictl vol wipe LUN NAME [--trim | --algorithm NAME]\n"
            "       vaaictl vol delete LUN NAME [--zero]\n"
            "       vaaictl vol resize LUN NAME SIZE [--shrink]\n"
            "       vaaictl vol rename LUN NAME NEWNAME\n"
            "       vaaictl vol info LUN NAME [--json]\n"
            "       vaaictl vol hold LUN NAME [--owner UUID] [--mode exclusive|shared|incoming]\n"
            "Changing commands also take --host-uuid UUID, --host-name NAME,\n"
            "--single-host, --lease-wait MS, --no-host and --json.\n");
    return VAAICTL_EXIT_USAGE;
}
