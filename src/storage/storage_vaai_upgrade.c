/*
 * storage_vaai_upgrade.c: bringing a pool of an earlier format up to the
 *                         current one
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "storage_vaai_upgrade.h"
#include "storage_vaai_erase.h"


/* Header copy @lba, from the exact bytes read, to format 1.2 with the
 * journal flag: a header that changed meanwhile (a repair) stops it. */
static int
virStorageVaaiUpgradeHeader(virStorageVaaiPool *pool,
                            uint64_t lba,
                            GError **error)
{
    uint32_t bs = pool->header.blockSize;
    g_autofree uint8_t *seen = g_new0(uint8_t, bs);
    g_autofree uint8_t *next = g_new0(uint8_t, bs);
    virStorageVaaiHeader h;
    int rc;

    if (virStorageVaaiPoolReadBlock(pool->lun, lba, seen, error) < 0)
        return -1;
    if (virStorageVaaiHeaderDecode(seen, bs, &h, error) != VIR_STORAGE_VAAI_RECORD_VALID) {
        g_prefix_error(error, "cannot upgrade pool '%s': 'pool repair' its header first: ",
                       pool->header.name);
        return -1;
    }
    h.formatMinor = VIR_STORAGE_VAAI_FORMAT_MINOR;
    h.incompat |= VIR_STORAGE_VAAI_INCOMPAT_JOURNAL;
    if (virStorageVaaiHeaderEncode(&h, next, bs, error) < 0)
        return -1;
    if ((rc = virStorageVaaiPoolSwapBlock(pool, lba, seen, next, error)) < 0)
        return -1;
    if (rc == 1) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CHANGED,
                    "the header of pool '%s' changed while it was being upgraded",
                    pool->header.name);
        return -1;
    }
    return 0;
}


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
        virStorageVaaiUpgradeHeader(pool, 1, error) < 0 ||
        virStorageVaaiUpgradeHeader(pool, 0, error) < 0) {
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
