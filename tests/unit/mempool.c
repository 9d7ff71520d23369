/*
 * mempool.c: a vaai pool on an in-memory LUN (memlun.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "mempool.h"


void
testMemPoolHost(virStorageVaaiHost *host,
                uint8_t id)
{
    memset(host, 0, sizeof(*host));
    memset(host->uuid, id, sizeof(host->uuid));
    host->incarnation = ((uint64_t)g_random_int() << 32) | g_random_int();
    g_snprintf(host->name, sizeof(host->name), "host-%u", id);
}


void
testMemPoolOpen(testMemPool *tp,
                const testMemLunProfile *profile,
                const char *name,
                uint32_t records,
                uint64_t timeoutMs,
                uint64_t intervalMs,
                bool join)
{
    virStorageVaaiFormatOptions fo = {
        .name = name, .volumeRecords = records,
        .leaseTimeoutMs = timeoutMs, .heartbeatIntervalMs = intervalMs,
    };
    virStorageVaaiHost host;
    virStorageVaaiHeader header;
    g_autoptr(GError) err = NULL;

    memset(tp, 0, sizeof(*tp));
    testMemPoolHost(&host, 1);
    fo.hostUuid = host.uuid;
    tp->mem = testMemLunNew(profile);
    tp->lun = testMemLunOpen(tp->mem, &err);
    g_assert_no_error(err);
    g_assert_cmpint(virStorageVaaiPoolFormat(tp->lun, &fo, &header, &err), ==, 0);
    g_assert_no_error(err);
    tp->pool = virStorageVaaiPoolOpen(tp->lun, true, &err);
    g_assert_no_error(err);
    if (join) {
        tp->session = virStorageVaaiSessionJoin(tp->pool, &host, &err);
        g_assert_no_error(err);
    }
}


void
testMemPoolClose(testMemPool *tp)
{
    testMemLunSetHook(tp->mem, NULL, NULL);
    virStorageVaaiSessionLeave(tp->session);
    virStorageVaaiPoolFree(tp->pool);
    virSCSILunFree(tp->lun);
    testMemLunFree(tp->mem);
    memset(tp, 0, sizeof(*tp));
}


void
testMemPoolAssertClean(testMemPool *tp,
                       const char *what,
                       virStorageVaaiCheck *check)
{
    g_autoptr(virStorageVaaiTable) t = virStorageVaaiTableNew(&tp->pool->header);
    g_autoptr(GError) err = NULL;
    virStorageVaaiCheck own = { 0 };
    virStorageVaaiCheck *c = check ? check : &own;
    guint i;

    g_assert_cmpint(virStorageVaaiTableRead(tp->pool, t, &err), ==, 0);
    g_assert_no_error(err);
    virStorageVaaiCheckTable(&tp->pool->header, t, NULL, NULL, c);
    for (i = 0; i < c->errors->len; i++)
        g_printerr("%s: %s\n", what, (char *)c->errors->pdata[i]);
    g_assert_cmpuint(c->errors->len, ==, 0);
    g_assert_cmpuint(c->busy, ==, 0);
    virStorageVaaiCheckClear(&own);
}
