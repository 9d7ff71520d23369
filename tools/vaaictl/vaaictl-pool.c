/*
 * vaaictl-pool.c: "vaaictl pool format|info": a LUN as a shared pool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>
#include <unistd.h>

#include "vaaictl.h"
#include "storage_vaai_lease.h"

static char *
vaaictlUuidString(const uint8_t *uuid)
{
    return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                           "%02x%02x%02x%02x%02x%02x",
                           uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5],
                           uuid[6], uuid[7], uuid[8], uuid[9], uuid[10], uuid[11],
                           uuid[12], uuid[13], uuid[14], uuid[15]);
}


static bool
vaaictlParseUuid(const char *str,
                 uint8_t *uuid)
{
    size_t n = 0;
    const char *p;

    for (p = str; *p && n < 32; p++) {
        if (*p == '-')
            continue;
        if (!g_ascii_isxdigit(*p))
            return false;
        if (n % 2 == 0)
            uuid[n / 2] = g_ascii_xdigit_value(*p) << 4;
        else
            uuid[n / 2] |= g_ascii_xdigit_value(*p);
        n++;
    }
    return n == 32 && *p == '\0';
}


static void
vaaictlPoolPrint(const virStorageVaaiPool *pool,
                 bool json)
{
    const virStorageVaaiHeader *h = &pool->header;
    g_autofree char *uuid = vaaictlUuidString(h->poolUuid);
    g_autofree char *host = vaaictlUuidString(h->formatHostUuid);
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
        vaaictlJsonInt(b, "data_lba", h->dataLba);
        vaaictlJsonInt(b, "data_end_lba", h->dataEndLba);
        vaaictlJsonInt(b, "data_bytes", dataBytes);
        vaaictlJsonInt(b, "lease_timeout_ms", h->leaseTimeoutMs);
        vaaictlJsonInt(b, "heartbeat_interval_ms", h->heartbeatIntervalMs);
        vaaictlJsonStr(b, "formatted_by", host);
        vaaictlJsonInt(b, "formatted_at", h->formatTime);
        vaaictlJsonBool(b, "single_host", pool->singleHost);
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
        g_autofree char *size = g_format_size_full(dataBytes, G_FORMAT_SIZE_IEC_UNITS);

        printf("pool %s (%s), format %u.%u\n", h->name, uuid, h->formatMajor, h->formatMinor);
        printf("  blocks:      %u bytes, extents aligned to %u blocks\n",
               h->blockSize, h->extentAlignment);
        printf("  data area:   LBA %llu to %llu, %s\n", (unsigned long long)h->dataLba,
               (unsigned long long)h->dataEndLba, size);
        printf("  metadata:    %u heartbeat slots, %u volume records from LBA %llu\n",
               h->heartbeatSlots, h->volumeRecords, (unsigned long long)h->volumeTableLba);
        printf("  lease:       timeout %llu ms, heartbeat every %llu ms%s\n",
               (unsigned long long)h->leaseTimeoutMs, (unsigned long long)h->heartbeatIntervalMs,
               pool->singleHost ? " (single host: the LUN has no COMPARE AND WRITE)" : "");
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
    gint volumes = 0;
    gint64 leaseTimeout = 0;
    gint64 heartbeat = 0;
    GOptionEntry entries[] = {
        { "name", 0, 0, G_OPTION_ARG_STRING, &name, "pool name (required)", "NAME" },
        { "force", 0, 0, G_OPTION_ARG_NONE, &force,
          "overwrite whatever the LUN carries (partition table, LVM, filesystem, pool)", NULL },
        { "single-host", 0, 0, G_OPTION_ARG_NONE, &singleHost,
          "allow a LUN without COMPARE AND WRITE, for one host only", NULL },
        { "host-uuid", 0, 0, G_OPTION_ARG_STRING, &hostUuid, "this host's UUID", "UUID" },
        { "volumes", 0, 0, G_OPTION_ARG_INT, &volumes, "volume records (default 1024)", "N" },
        { "lease-timeout", 0, 0, G_OPTION_ARG_INT64, &leaseTimeout,
          "a dead host's lease is taken over after this long (default 10000)", "MS" },
        { "heartbeat", 0, 0, G_OPTION_ARG_INT64, &heartbeat,
          "heartbeat interval (default 1000)", "MS" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN");
    g_autoptr(virScsiLun) lun = NULL;
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
    if (hostUuid && !vaaictlParseUuid(hostUuid, uuid)) {
        fprintf(stderr, "vaaictl pool format: '%s' is not a UUID\n", hostUuid);
        return VAAICTL_EXIT_USAGE;
    }
    if (volumes < 0 || leaseTimeout < 0 || heartbeat < 0) {
        fprintf(stderr, "vaaictl pool format: negative values make no sense\n");
        return VAAICTL_EXIT_USAGE;
    }

    if (!(lun = vaaictlOpenLun(global, "pool format", argv[1])))
        return VAAICTL_EXIT_FAILURE;
    opts.name = name;
    opts.hostUuid = hostUuid ? uuid : NULL;
    opts.force = force;
    opts.singleHost = singleHost;
    opts.volumeRecords = volumes;
    opts.leaseTimeoutMs = leaseTimeout;
    opts.heartbeatIntervalMs = heartbeat;
    if (virStorageVaaiPoolFormat(lun, &opts, &header, &err) < 0 ||
        !(pool = virStorageVaaiPoolOpen(lun, false, &err))) {
        fprintf(stderr, "vaaictl pool format: %s\n", err->message);
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
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "print JSON for programs", NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN");
    g_autoptr(virScsiLun) lun = NULL;
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
    gint waitMs = 60000;
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
    g_autoptr(virScsiLun) lun = NULL;
    g_autoptr(virStorageVaaiPool) pool = NULL;
    g_autoptr(GError) err = NULL;
    virStorageVaaiSession *session = NULL;
    virStorageVaaiHost host = { 0 };
    gint64 start;
    int i;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!vaaictlParseArgs(ctx, "pool lease", &argc, &argv, 1, "LUN"))
        return VAAICTL_EXIT_USAGE;
    if (!hostUuid || !vaaictlParseUuid(hostUuid, host.uuid) || hold < 0 || waitMs < 0) {
        fprintf(stderr, "vaaictl pool lease: --host-uuid UUID is required, --hold and "
                "--wait are not negative\n");
        return VAAICTL_EXIT_USAGE;
    }
    host.incarnation = ((uint64_t)g_random_int() << 32) | g_random_int();
    g_strlcpy(host.name, hostName ? hostName : g_get_host_name(), sizeof(host.name));

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
    fprintf(stderr,
            "Usage: vaaictl pool format LUN --name NAME [--force] [--single-host]\n"
            "                           [--host-uuid UUID] [--volumes N]\n"
            "                           [--lease-timeout MS] [--heartbeat MS]\n"
            "       vaaictl pool info LUN [--json]\n"
            "       vaaictl pool lease LUN --host-uuid UUID [--hold SECONDS] [--wait MS]\n"
            "                          [--no-release]\n");
    return VAAICTL_EXIT_USAGE;
}
