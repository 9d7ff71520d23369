/*
 * fuzz-vaai-heartbeat.c: libFuzzer target for virStorageVaaiHeartbeatDecode()
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
    virStorageVaaiHeartbeat *hb = rec;

    memset(hb, 0, sizeof(*hb));
    memset(hb->host, 0x44, sizeof(hb->host));
    hb->incarnation = 0x0102030405060708ULL;
    hb->counter = 1000;
    hb->renewedAt = 1700000000;
    g_strlcpy(hb->hostName, "host", sizeof(hb->hostName));
}


static int
fuzzEncode(const void *rec,
           uint8_t *block,
           size_t blockSize,
           GError **error)
{
    return virStorageVaaiHeartbeatEncode(rec, block, blockSize, error);
}


static virStorageVaaiRecordStatus
fuzzDecode(const uint8_t *block,
           size_t blockSize,
           void *out,
           GError **error)
{
    return virStorageVaaiHeartbeatDecode(block, blockSize, out, error);
}


static bool
fuzzValidOK(const void *rec,
            size_t blockSize G_GNUC_UNUSED)
{
    const virStorageVaaiHeartbeat *h = rec;

    return strnlen(h->hostName, sizeof(h->hostName)) < sizeof(h->hostName);
}


static const fuzzVaaiRecord fuzzRecord = {
    .recSize = sizeof(virStorageVaaiHeartbeat),
    .magic = VIR_STORAGE_VAAI_HEARTBEAT_MAGIC,
    .versionOffset = 4,
    .crcOffset = VIR_STORAGE_VAAI_HEARTBEAT_CRC_OFFSET,
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
