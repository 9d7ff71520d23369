/*
 * storage_vaai_upgrade.c: bringing a pool of an earlier format up to the
 *                         current one
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "storage_vaai_upgrade.h"
#include "storage_vaai_erase.h"


int
virStorageVaaiPoolUpgrade(virStorageVaaiPool *pool,
                          const virStorageVaaiHost *host,
                          unsigned int leaseWaitMs,
                          GError **error)
{
    virStorageVaaiSession *s = NULL;
    int ret = -1;

    if (virStorageVaaiPoolJournaled(pool))
        return 1;
    if (!virStorageVaaiHeaderInUseLba(&pool->header)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_UNSUPPORTED,
                    "pool '%s' is of format %u.%u, without an in-use area: it cannot be "
                    "upgraded in place", pool->header.name, pool->header.formatMajor,
                    pool->header.formatMinor);
        return -1;
    }
    if (!(s = virStorageVaaiSessionJoin(pool, host, error)))
        return -1;
    /* Under the lease, alone: the backup copy first, so that a pool whose
     * primary says 1.2 has both copies so. */
    if (virStorageVaaiSessionAcquire(s, leaseWaitMs, error) < 0)
        goto cleanup;
    if (virStorageVaaiPoolCheckAlone(s, error) < 0 ||
        virStorageVaaiSessionVerify(s, error) < 0 ||
        virStorageVaaiPoolUpdateHeader(pool, 1, VIR_STORAGE_VAAI_INCOMPAT_JOURNAL,
                                       VIR_STORAGE_VAAI_FORMAT_MINOR, "upgraded", error) < 0 ||
        virStorageVaaiPoolUpdateHeader(pool, 0, VIR_STORAGE_VAAI_INCOMPAT_JOURNAL,
                                       VIR_STORAGE_VAAI_FORMAT_MINOR, "upgraded", error) < 0) {
        virStorageVaaiSessionRelease(s, NULL);
        goto cleanup;
    }
    /* The release writes the lease record of version 2, whose journal
     * starts with "any record may have changed" (the version 1 record it
     * replaces had none). */
    pool->header.formatMinor = VIR_STORAGE_VAAI_FORMAT_MINOR;
    pool->header.incompat |= VIR_STORAGE_VAAI_INCOMPAT_JOURNAL;
    if (virStorageVaaiSessionRelease(s, error) < 0)
        goto cleanup;
    ret = 0;

 cleanup:
    virStorageVaaiSessionLeave(s);
    return ret;
}
