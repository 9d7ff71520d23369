/*
 * fuzz-vaai-header.c: libFuzzer target for virStorageVaaiHeaderDecode()
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
    virStorageVaaiHeader *h = rec;

    memset(h, 0, sizeof(*h));
    h->formatMajor = VIR_STORAGE_VAAI_FORMAT_MAJOR;
    memset(h->poolUuid, 0x11, sizeof(h->poolUuid));
    memset(h->formatHostUuid, 0x22, sizeof(h->formatHostUuid));
    h->blockSize = blockSize;
    h->extentAlignment = (1024 * 1024) / blockSize;
    h->capacity = (1ULL << 30) / blockSize;
    h->leaseLba = VIR_STORAGE_VAAI_LEASE_LBA;
    h->heartbeatLba = VIR_STORAGE_VAAI_HEARTBEAT_LBA;
    h->heartbeatSlots = VIR_STORAGE_VAAI_HEARTBEAT_SLOTS;
    h->volumeRecords = VIR_STORAGE_VAAI_VOLUME_RECORDS;
    h->volumeTableLba = h->heartbeatLba + h->heartbeatSlots;
    h->dataLba = (h->volumeTableLba + h->volumeRecords +
                  h->extentAlignment - 1) /
                 h->extentAlignment * h->extentAlignment;
    h->dataEndLba = h->capacity;
    h->leaseTimeoutMs = VIR_STORAGE_VAAI_LEASE_TIMEOUT_MS;
    h->heartbeatIntervalMs = VIR_STORAGE_VAAI_HEARTBEAT_INTERVAL_MS;
    g_strlcpy(h->name, "pool", sizeof(h->name));
}


static int
fuzzEncode(const void *rec,
           uint8_t *block,
           size_t blockSize,
           GError **error)
{
    return virStorageVaaiHeaderEncode(rec, block, blockSize, error);
}


static virStorageVaaiRecordStatus
fuzzDecode(const uint8_t *block,
           size_t blockSize,
           void *out,
           GError **error)
{
    return virStorageVaaiHeaderDecode(block, blockSize, out, error);
}


static bool
fuzzValidOK(const void *rec,
            size_t blockSize G_GNUC_UNUSED)
{
    const virStorageVaaiHeader *h = rec;

    return strnlen(h->name, sizeof(h->name)) != 0 &&
           strnlen(h->name, sizeof(h->name)) < sizeof(h->name) &&
           h->blockSize == blockSize;
}


static const fuzzVaaiRecord fuzzRecord = {
    .recSize = sizeof(virStorageVaaiHeader),
    .magic = VIR_STORAGE_VAAI_HEADER_MAGIC,
    .versionOffset = 8,
    .crcOffset = VIR_STORAGE_VAAI_HEADER_CRC_OFFSET,
    .sample = fuzzSample,
    .encode = fuzzEncode,
    .decode = fuzzDecode,
    .validOK = fuzzValidOK,
};


int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    return fuzzVaaiRecordRun(&fuzzRecord, data, size);
}
