/*
 * storage_vaai_erase.c: retiring a pool (libvirt's pool-delete)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "storage_vaai_erase.h"
#include "storage_vaai_table.h"
#include "virscsioffload.h"


int
virStorageVaaiPoolCheckAlone(virStorageVaaiSession *s,
                             GError **error)
{
    virStorageVaaiPool *pool = virStorageVaaiSessionPool(s);
    g_autoptr(virStorageVaaiWatcher) watcher = virStorageVaaiWatcherNew(pool);
    gint64 intervalUs = pool->header.heartbeatIntervalMs * 1000;
    gint64 deadline = g_get_monotonic_time() + pool->header.leaseTimeoutMs * 1000 +
                      2 * intervalUs;
    gint64 settle = g_get_monotonic_time() + 3 * intervalUs;
    uint32_t i;

    for (;;) {
        bool unsure = false;

        if (virStorageVaaiWatcherUpdate(watcher, error) < 0)
            return -1;
        /* The slots as the watcher just read them, all in one command. */
        for (i = 0; i < pool->header.heartbeatSlots; i++) {
            const virStorageVaaiHeartbeat *hb = virStorageVaaiWatcherSlot(watcher, i);

            if (!hb || i == virStorageVaaiSessionSlot(s))
                continue;
            switch (virStorageVaaiWatcherState(watcher, hb->host, hb->incarnation)) {
            case VIR_STORAGE_VAAI_PROCESS_DEAD:
                continue;
            case VIR_STORAGE_VAAI_PROCESS_UNSURE:
                unsure = true;
                continue;
            case VIR_STORAGE_VAAI_PROCESS_ALIVE:
                if (g_get_monotonic_time() < settle) {
                    unsure = true;
                    continue;
                }
                g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY,
                            "pool '%s' is in use by host '%s' (heartbeat slot %u): "
                            "stop the pool on every other host first",
                            pool->header.name, hb->hostName, i);
                return -1;
            }
        }
        if ((!unsure && g_get_monotonic_time() >= settle) ||
            g_get_monotonic_time() >= deadline)
            return 0;
        g_usleep(intervalUs / 2);
    }
}


int
virStorageVaaiPoolErase(virStorageVaaiPool *pool,
                        const virStorageVaaiHost *host,
                        unsigned int leaseWaitMs,
                        GError **error)
{
    virStorageVaaiSession *s = NULL;
    g_autoptr(virStorageVaaiTable) table = virStorageVaaiTableNew(&pool->header);
    virSCSIOffloadOptions zero = { .flags = VIR_SCSI_OFFLOAD_NEED_ZEROS };
    virSCSIReport report;
    uint64_t leaseLba = pool->header.leaseLba;
    uint64_t slotsEnd = pool->header.heartbeatLba + pool->header.heartbeatSlots;
    bool erased = false;
    uint32_t i;
    int ret = -1;

    /* The layout this relies on: headers, lease, slots, table, data. */
    if (leaseLba < 2 || pool->header.heartbeatLba <= leaseLba ||
        pool->header.volumeTableLba < slotsEnd || pool->header.dataLba < slotsEnd) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_UNSUPPORTED,
                    "pool '%s' has a metadata layout this code does not erase",
                    pool->header.name);
        return -1;
    }
    if (!(s = virStorageVaaiSessionJoin(pool, host, error)))
        return -1;
    if (virStorageVaaiSessionAcquire(s, leaseWaitMs, error) < 0 ||
        virStorageVaaiPoolCheckAlone(s, error) < 0 ||
        virStorageVaaiTableRead(pool, table, error) < 0)
        goto cleanup;
    for (i = 0; i < table->count; i++) {
        if (virStorageVaaiTableInUse(table, i)) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY,
                        "pool '%s' still holds volumes (record %u): delete them first",
                        pool->header.name, i);
            goto cleanup;
        }
    }
    if (virStorageVaaiSessionVerify(s, error) < 0 ||
        virStorageVaaiPoolUpdateHeader(pool, 0, VIR_STORAGE_VAAI_INCOMPAT_FORMATTING, 0,
                                       "erased", error) < 0)
        goto cleanup;

    /* The headers and the table, then the lease and the heartbeat slots,
     * the lease still held until then: a host that opened the pool before
     * the mark cannot take the lease and change the table while it is
     * erased. */
    virSCSIReportInit(&report);
    erased = virSCSIOffloadUnmap(pool->lun, 0, leaseLba, &zero, &report, error) == 0 &&
             virSCSIOffloadUnmap(pool->lun, slotsEnd, pool->header.dataLba - slotsEnd,
                                 &zero, &report, error) == 0 &&
             virStorageVaaiSessionVerify(s, error) == 0 &&
             virSCSIOffloadUnmap(pool->lun, leaseLba, slotsEnd - leaseLba,
                                 &zero, &report, error) == 0;
    virSCSIReportClear(&report);
    if (erased)
        ret = 0;

 cleanup:
    if (erased) {
        /* Its slot and the lease are zeros already: nothing to give back. */
        virStorageVaaiSessionAbandon(s);
    } else {
        virStorageVaaiSessionLeave(s);
    }
    return ret;
}
