/*
 * vaaictl-pool.c: "vaaictl pool format|info": a LUN as a shared pool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>
#include <unistd.h>

#include "vaaictl.h"
#include "storage_vaai_check.h"
#include "storage_vaai_upgrade.h"
#include "storage_vaai_volume.h"
#include "vaaictl-vol.h"

static void
vaaictlPoolPrint(const virStorageVaaiPool *pool,
                 bool json)
{
    const virStorageVaaiHeader *h = &pool->header;
    g_autofree char *uuid = virStorageVaaiUuidFormat(h->poolUuid);
    g_autofree char *host = virStorageVaaiUuidFormat(h->formatHostUuid);
    uint64_t dataBytes = (h->dataEndLba - h->dataLba) * h->blockSize;
    size_t i;

    if (json) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        vaaictlJsonStr(b, "name", h->name);
        vaaictlJsonStr(b, "uuid", uuid);
        vaaictlJsonInt(b, "format_major", h->formatMajor);
        vaaictlJsonInt(b, "format_minor", h->formatMinor);
        vaaictlJsonInt(b, "block_size", h->blockSize);
        vaaictlJsonInt(b, "extent_alignment_blocks", h->extentAlignment);
        vaaictlJsonInt(b, "capacity_blocks", h->capacity);
        vaaictlJsonInt(b, "heartbeat_slots", h->heartbeatSlots);
        vaaictlJsonInt(b, "volume_records", h->volumeRecords);
        vaaictlJsonInt(b, "volume_table_lba", h->volumeTableLba);
        vaaictlJsonInt(b, "in_use_lba", virStorageVaaiHeaderInUseLba(h));
        vaaictlJsonInt(b, "data_lba", h->dataLba);
        vaaictlJsonInt(b, "data_end_lba", h->dataEndLba);
        vaaictlJsonInt(b, "data_bytes", dataBytes);
        vaaictlJsonInt(b, "lease_timeout_ms", h->leaseTimeoutMs);
        vaaictlJsonInt(b, "heartbeat_interval_ms", h->heartbeatIntervalMs);
        vaaictlJsonStr(b, "formatted_by", host);
        vaaictlJsonInt(b, "formatted_at", h->formatTime);
        vaaictlJsonBool(b, "single_host", pool->singleHost);
        vaaictlJsonStr(b, "fencing", virStorageVaaiPoolFencing(pool));
        json_builder_set_member_name(b, "warnings");
        json_builder_begin_array(b);
        for (i = 0; i < pool->warnings->len; i++)
            json_builder_add_string_value(b, g_ptr_array_index(pool->warnings, i));
        json_builder_end_array(b);
        json_builder_end_object(b);
        vaaictlJsonPrint(stdout, b);
        return;
    }

    {
        g_autofree char *size = vaaictlSize(dataBytes);

        printf("pool %s (%s), format %u.%u\n", h->name, uuid, h->formatMajor, h->formatMinor);
        printf("  blocks:      %u bytes, extents aligned to %u blocks\n",
               h->blockSize, h->extentAlignment);
        printf("  data area:   LBA %llu to %llu, %s\n", (unsigned long long)h->dataLba,
               (unsigned long long)h->dataEndLba, size);
        printf("  metadata:    %u heartbeat slots, %u volume records from LBA %llu\n",
               h->heartbeatSlots, h->volumeRecords, (unsigned long long)h->volumeTableLba);
        if (virStorageVaaiHeaderInUseLba(h))
            printf("  in use:      one block per record from LBA %llu\n",
                   (unsigned long long)virStorageVaaiHeaderInUseLba(h));
        else
            printf("  in use:      no in-use area (format 1.0): volumes cannot be held open\n");
        printf("  lease:       timeout %llu ms, heartbeat every %llu ms%s\n",
               (unsigned long long)h->leaseTimeoutMs, (unsigned long long)h->heartbeatIntervalMs,
               pool->singleHost ? " (single host: the LUN has no COMPARE AND WRITE)" : "");
        printf("  fencing:     %s\n", virStorageVaaiPoolFencing(pool));
        printf("  formatted:   by host %s\n", host);
        for (i = 0; i < pool->warnings->len; i++)
            printf("warning: %s\n", (const char *)g_ptr_array_index(pool->warnings, i));
    }
}


static int
vaaictlPoolFormat(const vaaictlGlobal *global,
                  int argc,
                  char **argv)
{
    g_autofree char *name = NULL;
    g_autofree char *hostUuid = NULL;
    gboolean force = FALSE;
    gboolean singleHost = FALSE;
    gboolean reservations = FALSE;
    gint volumes = 0;
    gint64 leaseTimeout = 0;
    gint64 heartbeat = 0;
    GOptionEntry entries[] = {
        { "name", 0, 0, G_OPTION_ARG_STRING, &name, "pool name (required)", "NAME" },
        { "force", 0, 0, G_OPTION_ARG_NONE, &force,
          "overwrite whatever the LUN carries (partition table, LVM, filesystem, pool)", NULL },
        { "single-host", 0, 0, G_OPTION_ARG_NONE, &singleHost,
          "allow a LUN without COMPARE AND WRITE, for one host only", NULL },
        { "reservations", 0, 0, G_OPTION_ARG_NONE, &reservations,
          "fence hosts presumed dead at the array by persistent reservation "
          "(every host's sessions must be its own I_T nexuses)", NULL },
        { "host-uuid", 0, 0, G_OPTION_ARG_STRING, &hostUuid, "this host's UUID", "UUID" },
        { "volumes", 0, 0, G_OPTION_ARG_INT, &volumes, "volume records (default 1024)", "N" },
        { "lease-timeout", 0, 0, G_OPTION_ARG_INT64, &leaseTimeout,
          "a dead host's lease is taken over after this long (default 10000)", "MS" },
        { "heartbeat", 0, 0, G_OPTION_ARG_INT64, &heartbeat,
          "heartbeat interval (default 1000)", "MS" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN");
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(virStorageVaaiPool) pool = NULL;
    g_autoptr(GError) err = NULL;
    virStorageVaaiFormatOptions opts = { 0 };
    virStorageVaaiHeader header;
    uint8_t uuid[VIR_STORAGE_VAAI_UUID_LEN];

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!vaaictlParseArgs(ctx, "pool format", &argc, &argv, 1, "LUN"))
        return VAAICTL_EXIT_USAGE;
    if (!name) {
        fprintf(stderr, "vaaictl pool format: --name is required\n");
        return VAAICTL_EXIT_USAGE;
    }
    {
        vaaictlHostOptions hopts = { .hostUuid = hostUuid };
        virStorageVaaiHost self;

        if (!vaaictlHostIdentity("pool format", &hopts, &self))
            return VAAICTL_EXIT_USAGE;
        memcpy(uuid, self.uuid, sizeof(uuid));
    }
    if (volumes < 0 || leaseTimeout < 0 || heartbeat < 0) {
        fprintf(stderr, "vaaictl pool format: negative values make no sense\n");
        return VAAICTL_EXIT_USAGE;
    }

    if (!(lun = vaaictlOpenLun(global, "pool format", argv[1])))
        return VAAICTL_EXIT_FAILURE;
    opts.name = name;
    opts.hostUuid = uuid;
    opts.force = force;
    opts.singleHost = singleHost;
    opts.reservations = reservations;
    opts.volumeRecords = volumes;
    opts.leaseTimeoutMs = leaseTimeout;
    opts.heartbeatIntervalMs = heartbeat;
    if (virStorageVaaiPoolFormat(lun, &opts, &header, &err) < 0) {
        fprintf(stderr, "vaaictl pool format: %s\n", err->message);
        return VAAICTL_EXIT_FAILURE;
    }
    /* The pool as it opens now: another host formatting with --force may
     * have claimed the LUN over it right after (the format of each is
     * atomic, not the pair). */
    if (!(pool = virStorageVaaiPoolOpen(lun, false, &err)) ||
        memcmp(pool->header.poolUuid, header.poolUuid, VIR_STORAGE_VAAI_UUID_LEN) != 0) {
        fprintf(stderr, "vaaictl pool format: pool '%s' was formatted, but another host "
                "formatted the LUN over it right after%s%s\n", name,
                err ? ": " : "", err ? err->message : "");
        return VAAICTL_EXIT_FAILURE;
    }
    vaaictlPoolPrint(pool, false);
    return 0;
}


static int
vaaictlPoolInfo(const vaaictlGlobal *global,
                int argc,
                char **argv)
{
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        VAAICTL_OPTION_JSON(json),
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN");
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(virStorageVaaiPool) pool = NULL;
    g_autoptr(GError) err = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!vaaictlParseArgs(ctx, "pool info", &argc, &argv, 1, "LUN"))
        return VAAICTL_EXIT_USAGE;
    if (!(lun = vaaictlOpenLun(global, "pool info", argv[1])))
        return VAAICTL_EXIT_FAILURE;
    if (!(pool = virStorageVaaiPoolOpen(lun, false, &err))) {
        fprintf(stderr, "vaaictl pool info: %s\n", err->message);
        return VAAICTL_EXIT_FAILURE;
    }
    vaaictlPoolPrint(pool, json);
    return 0;
}


/* Acquire the pool's metadata lease as a host, hold it, release it: for
 * operators checking a pool's coordination and for the lease tests. */
static int
vaaictlPoolLease(const vaaictlGlobal *global,
                 int argc,
                 char **argv)
{
    g_autofree char *hostUuid = NULL;
    g_autofree char *hostName = NULL;
    gint hold = 0;
    gint waitMs = VIR_STORAGE_VAAI_LEASE_WAIT_MS;
    gboolean noRelease = FALSE;
    GOptionEntry entries[] = {
        { "host-uuid", 0, 0, G_OPTION_ARG_STRING, &hostUuid, "this host's UUID (required)", "UUID" },
        { "host-name", 0, 0, G_OPTION_ARG_STRING, &hostName, "shown to other hosts", "NAME" },
        { "hold", 0, 0, G_OPTION_ARG_INT, &hold, "hold the lease this long", "SECONDS" },
        { "wait", 0, 0, G_OPTION_ARG_INT, &waitMs, "give up after this long (default 60000)", "MS" },
        { "no-release", 0, 0, G_OPTION_ARG_NONE, &noRelease,
          "exit holding the lease, as a crashed host would", NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN");
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(virStorageVaaiPool) pool = NULL;
    g_autoptr(GError) err = NULL;
    virStorageVaaiSession *session = NULL;
    virStorageVaaiHost host = { 0 };
    gint64 start;
    int i;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!vaaictlParseArgs(ctx, "pool lease", &argc, &argv, 1, "LUN"))
        return VAAICTL_EXIT_USAGE;
    if (!hostUuid || hold < 0 || waitMs < 0) {
        fprintf(stderr, "vaaictl pool lease: --host-uuid UUID is required, --hold and "
                "--wait are not negative\n");
        return VAAICTL_EXIT_USAGE;
    }
    {
        vaaictlHostOptions hopts = { .hostUuid = hostUuid, .hostName = hostName };

        if (!vaaictlHostIdentity("pool lease", &hopts, &host))
            return VAAICTL_EXIT_USAGE;
    }

    if (!(lun = vaaictlOpenLun(global, "pool lease", argv[1])))
        return VAAICTL_EXIT_FAILURE;
    if (!(pool = virStorageVaaiPoolOpen(lun, true, &err)) ||
        !(session = virStorageVaaiSessionJoin(pool, &host, &err))) {
        fprintf(stderr, "vaaictl pool lease: %s\n", err->message);
        return VAAICTL_EXIT_FAILURE;
    }
    printf("joined slot %u\n", virStorageVaaiSessionSlot(session));
    fflush(stdout);

    start = g_get_monotonic_time();
    if (virStorageVaaiSessionAcquire(session, waitMs, &err) < 0) {
        fprintf(stderr, "vaaictl pool lease: %s\n", err->message);
        virStorageVaaiSessionLeave(session);
        return VAAICTL_EXIT_FAILURE;
    }
    /* The monotonic clock is system-wide: tests compare these between
     * processes on one machine. */
    printf("acquired generation %llu after %.3f s at %lld\n",
           (unsigned long long)virStorageVaaiSessionGeneration(session),
           (g_get_monotonic_time() - start) / 1e6, (long long)g_get_monotonic_time());
    fflush(stdout);

    for (i = 0; i < hold; i++) {
        g_usleep(G_USEC_PER_SEC);
        if (!virStorageVaaiSessionMayWrite(session)) {
            fprintf(stderr, "vaaictl pool lease: lost the right to write after %d s\n", i + 1);
            virStorageVaaiSessionLeave(session);
            return VAAICTL_EXIT_FAILURE;
        }
    }
    if (noRelease) {
        /* Leave the slot and the lease as they are: no heartbeat follows. */
        printf("exiting without releasing\n");
        fflush(stdout);
        _exit(0);
    }
    /* Stamped before the release is sent: the next holder's "acquired"
     * must come after it. */
    printf("releasing at %lld\n", (long long)g_get_monotonic_time());
    fflush(stdout);
    if (virStorageVaaiSessionRelease(session, &err) < 0) {
        fprintf(stderr, "vaaictl pool lease: %s\n", err->message);
        virStorageVaaiSessionLeave(session);
        return VAAICTL_EXIT_FAILURE;
    }
    printf("released\n");
    virStorageVaaiSessionLeave(session);
    return 0;
}


/* ---- list, check, repair ---- */

static bool
vaaictlPoolDead(const virStorageVaaiVolRecord *rec,
                void *opaque)
{
    return virStorageVaaiWatcherState(opaque, rec->workerUuid, rec->workerIncarnation) ==
           VIR_STORAGE_VAAI_PROCESS_DEAD;
}


/* Read the pool's table (and who is alive, watched for @watchMs). */
static virStorageVaaiTable *
vaaictlPoolRead(virStorageVaaiPool *pool,
                virStorageVaaiWatcher *watcher,
                unsigned int watchMs,
                GError **error)
{
    g_autoptr(virStorageVaaiTable) table = virStorageVaaiTableNew(&pool->header);
    gint64 until = g_get_monotonic_time() + (gint64)watchMs * 1000;

    if (watcher) {
        if (virStorageVaaiWatcherUpdate(watcher, error) < 0)
            return NULL;
        while (g_get_monotonic_time() < until) {
            g_usleep(MIN(pool->header.heartbeatIntervalMs * 1000 / 2,
                         (guint64)(until - g_get_monotonic_time())));
            if (virStorageVaaiWatcherUpdate(watcher, error) < 0)
                return NULL;
        }
    }
    if (virStorageVaaiTableRead(pool, table, error) < 0)
        return NULL;
    return g_steal_pointer(&table);
}


static void
vaaictlCheckPrint(const virStorageVaaiPool *pool,
                  const virStorageVaaiCheck *c,
                  GPtrArray *repaired,
                  bool json)
{
    uint32_t bs = pool->header.blockSize;
    size_t i;

    if (json) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        vaaictlJsonStr(b, "pool", pool->header.name);
        vaaictlJsonBool(b, "ok", c->errors->len == 0);
        vaaictlJsonInt(b, "ready", c->ready);
        vaaictlJsonInt(b, "busy", c->busy);
        vaaictlJsonInt(b, "orphans", c->orphans);
        vaaictlJsonInt(b, "broken", c->broken);
        vaaictlJsonInt(b, "unreadable_records", c->opaque);
        vaaictlJsonInt(b, "data_bytes", c->dataBlocks * bs);
        vaaictlJsonInt(b, "used_bytes", c->usedBlocks * bs);
        vaaictlJsonInt(b, "free_bytes", c->freeBlocks * bs);
        vaaictlJsonInt(b, "largest_free_bytes", c->largestFree * bs);
        vaaictlJsonInt(b, "leaked_bytes", c->orphanBlocks * bs);
        json_builder_set_member_name(b, "errors");
        json_builder_begin_array(b);
        for (i = 0; i < c->errors->len; i++)
            json_builder_add_string_value(b, g_ptr_array_index(c->errors, i));
        json_builder_end_array(b);
        json_builder_set_member_name(b, "notes");
        json_builder_begin_array(b);
        for (i = 0; i < c->notes->len; i++)
            json_builder_add_string_value(b, g_ptr_array_index(c->notes, i));
        for (i = 0; i < pool->warnings->len; i++)
            json_builder_add_string_value(b, g_ptr_array_index(pool->warnings, i));
        json_builder_end_array(b);
        json_builder_set_member_name(b, "repaired");
        json_builder_begin_array(b);
        for (i = 0; repaired && i < repaired->len; i++)
            json_builder_add_string_value(b, g_ptr_array_index(repaired, i));
        json_builder_end_array(b);
        json_builder_end_object(b);
        vaaictlJsonPrint(stdout, b);
        return;
    }

    for (i = 0; repaired && i < repaired->len; i++)
        printf("repaired: %s\n", (const char *)g_ptr_array_index(repaired, i));
    for (i = 0; i < c->errors->len; i++)
        printf("error: %s\n", (const char *)g_ptr_array_index(c->errors, i));
    for (i = 0; i < c->notes->len; i++)
        printf("note: %s\n", (const char *)g_ptr_array_index(c->notes, i));
    for (i = 0; i < pool->warnings->len; i++)
        printf("warning: %s\n", (const char *)g_ptr_array_index(pool->warnings, i));
    printf("pool %s: %s; %u volumes ready, %u busy (%u orphaned), %u broken, "
           "%u unreadable records\n", pool->header.name,
           c->errors->len ? "PROBLEMS FOUND" : "consistent",
           c->ready, c->busy, c->orphans, c->broken, c->opaque);
    printf("  space: %llu of %llu bytes used, %llu free (largest %llu), %llu leaked\n",
           (unsigned long long)(c->usedBlocks * bs), (unsigned long long)(c->dataBlocks * bs),
           (unsigned long long)(c->freeBlocks * bs), (unsigned long long)(c->largestFree * bs),
           (unsigned long long)(c->orphanBlocks * bs));
}


static int
vaaictlPoolList(const vaaictlGlobal *global,
                int argc,
                char **argv)
{
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        VAAICTL_OPTION_JSON(json),
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN");
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(virStorageVaaiPool) pool = NULL;
    g_autoptr(virStorageVaaiTable) table = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonBuilder) b = json_builder_new();
    uint32_t i;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!vaaictlParseArgs(ctx, "pool list", &argc, &argv, 1, "LUN"))
        return VAAICTL_EXIT_USAGE;
    if (!(lun = vaaictlOpenLun(global, "pool list", argv[1])))
        return VAAICTL_EXIT_FAILURE;
    if (!(pool = virStorageVaaiPoolOpen(lun, false, &err)) ||
        !(table = vaaictlPoolRead(pool, NULL, 0, &err))) {
        fprintf(stderr, "vaaictl pool list: %s\n", err->message);
        return VAAICTL_EXIT_FAILURE;
    }
    json_builder_begin_array(b);
    for (i = 0; i < table->count; i++) {
        if (table->status[i] == VIR_STORAGE_VAAI_RECORD_VALID &&
            table->recs[i].state != VIR_STORAGE_VAAI_VOL_FREE) {
            if (json) {
                json_builder_begin_object(b);
                vaaictlVolJson(b, pool, &table->recs[i], i, NULL);
                json_builder_end_object(b);
            } else {
                vaaictlVolText(stdout, pool, &table->recs[i], NULL);
            }
        } else if (virStorageVaaiTableOpaque(table, i) && !json) {
            printf("record %u: %s\n", i, virStorageVaaiRecordStatusName(table->status[i]));
        }
    }
    json_builder_end_array(b);
    if (json)
        vaaictlJsonPrint(stdout, b);
    return 0;
}


static int
vaaictlPoolCheck(const vaaictlGlobal *global,
                 int argc,
                 char **argv)
{
    gboolean json = FALSE;
    gint watchMs = 0;
    GOptionEntry entries[] = {
        VAAICTL_OPTION_JSON(json),
        { "watch", 0, 0, G_OPTION_ARG_INT, &watchMs,
          "watch heartbeats this long to tell stopped workers (default: no wait; "
          "only workers gone from every slot count as dead)", "MS" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN");
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(virStorageVaaiPool) pool = NULL;
    g_autoptr(virStorageVaaiTable) table = NULL;
    g_autoptr(virStorageVaaiWatcher) watcher = NULL;
    g_autoptr(GError) err = NULL;
    virStorageVaaiCheck check;
    int ret;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!vaaictlParseArgs(ctx, "pool check", &argc, &argv, 1, "LUN") || watchMs < 0)
        return VAAICTL_EXIT_USAGE;
    if (!(lun = vaaictlOpenLun(global, "pool check", argv[1])))
        return VAAICTL_EXIT_FAILURE;
    if (!(pool = virStorageVaaiPoolOpen(lun, false, &err)))
        goto error;
    watcher = virStorageVaaiWatcherNew(pool);
    if (!(table = vaaictlPoolRead(pool, watcher, watchMs, &err)))
        goto error;
    virStorageVaaiCheckTable(&pool->header, table, vaaictlPoolDead, watcher, &check);
    vaaictlCheckPrint(pool, &check, NULL, json);
    ret = check.errors->len || pool->warnings->len ? VAAICTL_EXIT_FAILURE : 0;
    virStorageVaaiCheckClear(&check);
    return ret;

 error:
    fprintf(stderr, "vaaictl pool check: %s\n", err->message);
    return VAAICTL_EXIT_FAILURE;
}


/* Rewrite a damaged header copy from the good one.  The header is fixed
 * after format, so a plain comparison-guarded write is enough. */
static int
vaaictlPoolRepairHeader(virStorageVaaiPool *pool,
                        GPtrArray *repaired,
                        GError **error)
{
    uint32_t bs = pool->header.blockSize;
    g_autofree uint8_t *good = g_new0(uint8_t, bs);
    g_autofree uint8_t *seen = g_new0(uint8_t, bs);
    uint64_t lba;

    if (virStorageVaaiHeaderEncode(&pool->header, good, bs, error) < 0)
        return -1;
    for (lba = 0; lba < 2; lba++) {
        int rc;

        if (virStorageVaaiPoolReadBlock(pool->lun, lba, seen, error) < 0)
            return -1;
        if (memcmp(seen, good, bs) == 0)
            continue;
        if ((rc = virStorageVaaiPoolSwapBlock(pool, lba, seen, good, error)) < 0)
            return -1;
        if (rc == 0)
            g_ptr_array_add(repaired, g_strdup_printf("rewrote the %s pool header",
                                                      lba == 0 ? "primary" : "backup"));
    }
    return 0;
}


static int
vaaictlPoolRepair(const vaaictlGlobal *global,
                  int argc,
                  char **argv)
{
    vaaictlHostOptions hopts = { 0 };
    gint waitMs = -1;
    gboolean discard = FALSE;
    GOptionEntry entries[] = {
        { "wait", 0, 0, G_OPTION_ARG_INT, &waitMs,
          "watch stopped workers this long before giving up on them (default: the "
          "lease timeout and two heartbeats)", "MS" },
        { "discard-unreadable", 0, 0, G_OPTION_ARG_NONE, &discard,
          "free volume records that cannot be read (their volumes are lost)", NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN");
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) repaired = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(virStorageVaaiTable) table = NULL;
    g_autoptr(virStorageVaaiWatcher) watcher = NULL;
    vaaictlPoolHandle h = { 0 };
    virStorageVaaiPool *pool;
    virStorageVaaiCheck check = { 0 };
    int ret = VAAICTL_EXIT_USAGE;
    uint32_t i;

    g_option_context_add_main_entries(ctx, entries, NULL);
    vaaictlHostOptionsAdd(ctx, &hopts);
    if (!vaaictlParseArgs(ctx, "pool repair", &argc, &argv, 1, "LUN"))
        goto cleanup;
    ret = VAAICTL_EXIT_FAILURE;
    if (!vaaictlPoolJoin(global, "pool repair", argv[1], &hopts, &h))
        goto cleanup;
    pool = h.pool;
    if (waitMs < 0)
        waitMs = pool->header.leaseTimeoutMs + 2 * pool->header.heartbeatIntervalMs;

    if (virStorageVaaiVolRecover(h.session, waitMs, NULL, NULL, repaired, &err) < 0 ||
        vaaictlPoolRepairHeader(pool, repaired, &err) < 0)
        goto error;

    table = virStorageVaaiTableNew(&pool->header);
    if (discard) {
        if (virStorageVaaiSessionAcquire(h.session, hopts.leaseWaitMs ? hopts.leaseWaitMs :
                                         VIR_STORAGE_VAAI_LEASE_WAIT_MS,
                                         &err) < 0 ||
            virStorageVaaiTableRead(pool, table, &err) < 0)
            goto error;
        for (i = 0; i < table->count; i++) {
            int rc;

            if (!virStorageVaaiTableOpaque(table, i))
                continue;
            if ((rc = virStorageVaaiTableDiscard(pool, table, i, &err)) < 0)
                goto error;
            if (rc == 0)
                g_ptr_array_add(repaired, g_strdup_printf("discarded unreadable record %u",
                                                          i));
        }
        if (virStorageVaaiSessionRelease(h.session, &err) < 0)
            goto error;
    }

    watcher = virStorageVaaiWatcherNew(pool);
    if (virStorageVaaiWatcherUpdate(watcher, &err) < 0 ||
        virStorageVaaiTableRead(pool, table, &err) < 0)
        goto error;
    virStorageVaaiCheckTable(&pool->header, table, vaaictlPoolDead, watcher, &check);
    vaaictlCheckPrint(pool, &check, repaired, hopts.json);
    ret = check.errors->len ? VAAICTL_EXIT_FAILURE : 0;
    virStorageVaaiCheckClear(&check);
    goto cleanup;

 error:
    fprintf(stderr, "vaaictl pool repair: %s\n", err->message);
 cleanup:
    vaaictlPoolLeave(&h);
    vaaictlHostOptionsClear(&hopts);
    return ret;
}


/* vaaictl pool upgrade: a pool of format 1.1 to the current format. */
static int
vaaictlPoolUpgrade(const vaaictlGlobal *global,
                   int argc,
                   char **argv)
{
    vaaictlHostOptions hopts = { 0 };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN");
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(virStorageVaaiPool) pool = NULL;
    g_autoptr(GError) err = NULL;
    virStorageVaaiHost host;
    int ret = VAAICTL_EXIT_USAGE;
    int rc;

    vaaictlHostOptionsAdd(ctx, &hopts);
    if (!vaaictlParseArgs(ctx, "pool upgrade", &argc, &argv, 1, "LUN") ||
        !vaaictlHostIdentity("pool upgrade", &hopts, &host))
        goto cleanup;
    ret = VAAICTL_EXIT_FAILURE;
    if (!(lun = vaaictlOpenLun(global, "pool upgrade", argv[1])))
        goto cleanup;
    if (!(pool = virStorageVaaiPoolOpen(lun, true, &err)) ||
        (rc = virStorageVaaiPoolUpgrade(pool, &host, hopts.leaseWaitMs ? hopts.leaseWaitMs :
                                        VIR_STORAGE_VAAI_LEASE_WAIT_MS, &err)) < 0) {
        fprintf(stderr, "vaaictl pool upgrade: %s\n", err->message);
        goto cleanup;
    }
    printf("pool %s: format %u.%u%s\n", pool->header.name, pool->header.formatMajor,
           pool->header.formatMinor, rc == 1 ? " already" : " (upgraded)");
    ret = 0;

 cleanup:
    vaaictlHostOptionsClear(&hopts);
    return ret;
}


int
vaaictlCmdPool(const vaaictlGlobal *global,
               int argc,
               char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "format") == 0)
        return vaaictlPoolFormat(global, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "info") == 0)
        return vaaictlPoolInfo(global, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "lease") == 0)
        return vaaictlPoolLease(global, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return vaaictlPoolList(global, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "check") == 0)
        return vaaictlPoolCheck(global, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "upgrade") == 0)
        return vaaictlPoolUpgrade(global, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "repair") == 0)
        return vaaictlPoolRepair(global, argc - 1, argv + 1);
    fprintf(stderr,
            "Usage: vaaictl pool format LUN --name NAME [--force] [--single-host | --reservations]\n"
            "                           [--host-uuid UUID] [--volumes N]\n"
            "                           [--lease-timeout MS] [--heartbeat MS]\n"
            "       vaaictl pool info LUN [--json]\n"
            "       vaaictl pool list LUN [--json]\n"
            "       vaaictl pool check LUN [--watch MS] [--json]\n"
            "       vaaictl pool repair LUN [--wait MS] [--discard-unreadable] [--host-uuid UUID]\n"
            "       vaaictl pool upgrade LUN [--host-uuid UUID]\n"
            "       vaaictl pool lease LUN --host-uuid UUID [--hold SECONDS] [--wait MS]\n"
            "                          [--no-release]\n");
    return VAAICTL_EXIT_USAGE;
}
