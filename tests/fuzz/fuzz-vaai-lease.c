/*
 * fuzz-vaai-lease.c: libFuzzer target for virStorageVaaiLeaseDecode()
 *
 * (harness: fuzz-vaai-record.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-vaai-record.h"

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
    return virStorageVaaiLeaseDecode(block, blockSize, out, error);
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
};


int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    return fuzzVaaiRecordRun(&fuzzRecord, data, size);
}
