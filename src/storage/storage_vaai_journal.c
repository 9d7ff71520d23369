/*
 * storage_vaai_journal.c: the table journal in the lease record
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "storage_vaai_journal.h"


static void
virStorageVaaiJournalPut(virStorageVaaiLease *lease,
                         uint32_t idx)
{
    lease->tableGeneration++;
    lease->journal[lease->tableGeneration % VIR_STORAGE_VAAI_JOURNAL_LEN] = idx;
}


void
virStorageVaaiJournalAppend(virStorageVaaiLease *lease,
                            const uint32_t *idx,
                            size_t n,
                            bool unknown)
{
    size_t i;

    /* Past half the journal, a reader that missed one hold would also
     * miss the next: one "all" costs it one whole read, and no more. */
    if (unknown || n > VIR_STORAGE_VAAI_JOURNAL_LEN / 2) {
        virStorageVaaiJournalPut(lease, VIR_STORAGE_VAAI_JOURNAL_ALL);
        return;
    }
    for (i = 0; i < n; i++)
        virStorageVaaiJournalPut(lease, idx[i]);
}


bool
virStorageVaaiJournalSince(const virStorageVaaiLease *lease,
                           uint64_t since,
                           GArray *out)
{
    uint64_t g;

    if (lease->version != VIR_STORAGE_VAAI_LEASE_VERSION_JOURNAL ||
        since > lease->tableGeneration ||
        lease->tableGeneration - since > VIR_STORAGE_VAAI_JOURNAL_LEN)
        return false;
    for (g = since + 1; g <= lease->tableGeneration; g++) {
        uint32_t idx = lease->journal[g % VIR_STORAGE_VAAI_JOURNAL_LEN];

        if (idx == VIR_STORAGE_VAAI_JOURNAL_ALL)
            return false;
        g_array_append_val(out, idx);
    }
    return true;
}


bool
virStorageVaaiJournalDecode(const uint8_t *block,
                            size_t blockSize,
                            virStorageVaaiLease *lease)
{
    switch (virStorageVaaiLeaseDecode(block, blockSize, lease, NULL)) {
    case VIR_STORAGE_VAAI_RECORD_EMPTY:
        memset(lease, 0, sizeof(*lease));
        lease->version = VIR_STORAGE_VAAI_LEASE_VERSION_JOURNAL;
        return true;
    case VIR_STORAGE_VAAI_RECORD_VALID:
        return lease->version == VIR_STORAGE_VAAI_LEASE_VERSION_JOURNAL;
    case VIR_STORAGE_VAAI_RECORD_CORRUPT:
    case VIR_STORAGE_VAAI_RECORD_FOREIGN:
    case VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION:
    case VIR_STORAGE_VAAI_RECORD_STATUS_LAST:
        break;
    }
    return false;
}
