/*
 * fuzz-vaai-lease.c: libFuzzer target for virStorageVaaiLeaseDecode(),
 *                    and the table journal it carries (version 2)
 *
 * (harness: fuzz-vaai-record.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-vaai-record.h"
#include "storage_vaai_journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void
fuzzSample(void *rec,
           size_t blockSize)
{
    virStorageVaaiLease *l = rec;

    memset(l, 0, sizeof(*l));
    memset(l->owner, 0x33, sizeof(l->owner));
    l->ownerIncarnation = 0x0102030405060708ULL;
    l->ownerSlot = 3;
    l->generation = 7;
    l->acquiredAt = 1700000000;
    l->version = VIR_STORAGE_VAAI_LEASE_VERSION_JOURNAL;
    l->tableGeneration = 1000;
    l->journal[1000 % VIR_STORAGE_VAAI_JOURNAL_LEN] = 5;
    l->journal[999 % VIR_STORAGE_VAAI_JOURNAL_LEN] = VIR_STORAGE_VAAI_JOURNAL_ALL;
}


static int
fuzzEncode(const void *rec,
           uint8_t *block,
           size_t blockSize,
           GError **error)
{
    return virStorageVaaiLeaseEncode(rec, block, blockSize, error);
}


static virStorageVaaiRecordStatus
fuzzDecode(const uint8_t *block,
           size_t blockSize,
           void *out,
           GError **error)
{
    virStorageVaaiRecordStatus status = virStorageVaaiLeaseDecode(block, blockSize, out, error);
    const virStorageVaaiLease *l = out;

    /* Whatever a decoded journal says, reading it stays in bounds. */
    if (status == VIR_STORAGE_VAAI_RECORD_VALID) {
        g_autoptr(GArray) idx = g_array_new(false, false, sizeof(uint32_t));
        uint64_t back[] = { 0, 1, 63, 64, 65, UINT64_MAX };
        size_t i;

        for (i = 0; i < G_N_ELEMENTS(back); i++) {
            uint64_t since = l->tableGeneration - MIN(back[i], l->tableGeneration);

            g_array_set_size(idx, 0);
            if (virStorageVaaiJournalSince(l, since, idx) && idx->len > VIR_STORAGE_VAAI_JOURNAL_LEN)
                abort();
        }
    }
    return status;
}


static const fuzzVaaiRecord fuzzRecord = {
    .recSize = sizeof(virStorageVaaiLease),
    .magic = VIR_STORAGE_VAAI_LEASE_MAGIC,
    .versionOffset = 4,
    .crcOffset = VIR_STORAGE_VAAI_LEASE_CRC_OFFSET,
    .sample = fuzzSample,
    .encode = fuzzEncode,
    .decode = fuzzDecode,
    .validOK = NULL,
    .maxVersion = VIR_STORAGE_VAAI_LEASE_VERSION_JOURNAL,
};


int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    return fuzzVaaiRecordRun(&fuzzRecord, data, size);
}
