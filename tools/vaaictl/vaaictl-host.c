/*
 * vaaictl-host.c: this host's identity on a shared pool, and opening a
 *                 pool for writing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <string.h>

#include "vaaictl.h"
#include "storage_vaai_volume.h"
#include "storage_vaai_host.h"


bool
vaaictlParseSize(const char *cmd,
                 const char *str,
                 uint64_t *bytes)
{
    static const char suffixes[] = "KMGTP";
    char *end = NULL;
    guint64 v;
    const char *s;
    int shift = 0;

    if (!str || !g_ascii_isdigit(*str))
        goto bad;
    errno = 0;
    v = g_ascii_strtoull(str, &end, 10);
    if (errno)
        goto bad;
    if (*end) {
        if (!(s = strchr(suffixes, g_ascii_toupper(*end))))
            goto bad;
        shift = 10 * (int)(s - suffixes + 1);
        end++;
        if (*end == 'i' || *end == 'I')
            end++;
        if (*end == 'B' || *end == 'b')
            end++;
        if (*end)
            goto bad;
        if (v > (UINT64_MAX >> shift))
            goto bad;
        v <<= shift;
    }
    *bytes = v;
    return true;

 bad:
    fprintf(stderr, "vaaictl %s: '%s' is not a size (bytes, or K, M, G, T, P)\n",
            cmd, str ? str : "");
    return false;
}


void
vaaictlHostOptionsAdd(GOptionContext *ctx,
                      vaaictlHostOptions *opts)
{
    GOptionEntry entries[] = {
        { "host-uuid", 0, 0, G_OPTION_ARG_STRING, &opts->hostUuid,
          "this host's UUID (default: $VAAI_HOST_UUID, else /etc/machine-id)", "UUID" },
        { "host-name", 0, 0, G_OPTION_ARG_STRING, &opts->hostName,
          "shown to other hosts", "NAME" },
        { "single-host", 0, 0, G_OPTION_ARG_NONE, &opts->singleHost,
          "use a pool on a LUN without COMPARE AND WRITE (no other host may use it)", NULL },
        { "lease-wait", 0, 0, G_OPTION_ARG_INT, &opts->leaseWaitMs,
          "wait this long for the metadata lease (default 60000)", "MS" },
        { "no-host", 0, 0, G_OPTION_ARG_NONE, &opts->noHost,
          "fail rather than move data through the host", NULL },
        { "host-only", 0, 0, G_OPTION_ARG_NONE, &opts->hostOnly,
          "move data through the host even where the array could (for comparison)", NULL },
        VAAICTL_OPTION_JSON(opts->json),
        { NULL }
    };
    GOptionGroup *group = g_option_group_new("pool", "Pool options", "Show pool options",
                                             NULL, NULL);

    g_option_group_add_entries(group, entries);
    g_option_context_add_group(ctx, group);
}


void
vaaictlHostOptionsClear(vaaictlHostOptions *opts)
{
    g_clear_pointer(&opts->hostUuid, g_free);
    g_clear_pointer(&opts->hostName, g_free);
}


bool
vaaictlHostIdentity(const char *cmd,
                    const vaaictlHostOptions *opts,
                    virStorageVaaiHost *host)
{
    g_autoptr(GError) err = NULL;

    if (!virStorageVaaiHostInit(host, opts->hostUuid, opts->hostName, &err)) {
        fprintf(stderr, "vaaictl %s: %s: give --host-uuid\n", cmd, err->message);
        return false;
    }
    return true;
}


bool
vaaictlPoolJoin(const vaaictlGlobal *global,
                const char *cmd,
                const char *spec,
                const vaaictlHostOptions *opts,
                vaaictlPoolHandle *h)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func(g_free);
    virStorageVaaiHost host = { 0 };
    virStorageVaaiPool *pool;
    size_t i;

    memset(h, 0, sizeof(*h));
    if (!vaaictlHostIdentity(cmd, opts, &host))
        return false;
    if (!(h->lun = vaaictlOpenLun(global, cmd, spec)))
        return false;
    if (!(pool = virStorageVaaiPoolOpen(h->lun, true, &err)))
        goto error;
    h->pool = pool;
    if (pool->singleHost && !opts->singleHost) {
        fprintf(stderr, "vaaictl %s: %s has no COMPARE AND WRITE, so hosts cannot "
                "coordinate on it: use --single-host, and only from one host\n",
                cmd, spec);
        vaaictlPoolLeave(h);
        return false;
    }
    if (!(h->session = virStorageVaaiSessionJoin(pool, &host, &err)))
        goto error;
    if (virStorageVaaiVolRecover(h->session, 0, NULL, NULL, log, &err) < 0)
        goto error;
    for (i = 0; i < log->len; i++)
        fprintf(stderr, "vaaictl %s: recovered %s\n", cmd,
                (const char *)g_ptr_array_index(log, i));
    return true;

 error:
    fprintf(stderr, "vaaictl %s: %s\n", cmd, err->message);
    vaaictlPoolLeave(h);
    return false;
}


void
vaaictlPoolLeave(vaaictlPoolHandle *h)
{
    g_clear_pointer(&h->session, virStorageVaaiSessionLeave);
    g_clear_pointer(&h->pool, virStorageVaaiPoolFree);
    g_clear_pointer(&h->lun, virSCSILunFree);
}
