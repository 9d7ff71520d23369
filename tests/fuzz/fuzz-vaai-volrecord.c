/*
 * fuzz-vaai-volrecord.c: libFuzzer target for virStorageVaaiVolRecordDecode()
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
    virStorageVaaiVolRecord *v = rec;

    memset(v, 0, sizeof(*v));
    v->state = VIR_STORAGE_VAAI_VOL_RESIZING;
    v->flags = VIR_STORAGE_VAAI_VOL_FLAG_THIN;
    v->sequence = 5;
    memset(v->uuid, 0x55, sizeof(v->uuid));
    v->extentStart = 4096;
    v->extentLength = 2048;
    v->capacity = 2048 * (uint64_t)blockSize;
    memset(v->workerUuid, 0x66, sizeof(v->workerUuid));
    v->intentExtentStart = 8192;
    v->intentExtentLength = 4096;
    v->intentCapacity = 4096 * (uint64_t)blockSize;
    g_strlcpy(v->name, "vol", sizeof(v->name));
}


static int
fuzzEncode(const void *rec,
           uint8_t *block,
           size_t blockSize,
           GError **error)
{
    return virStorageVaaiVolRecordEncode(rec, block, blockSize, error);
}


static virStorageVaaiRecordStatus
fuzzDecode(const uint8_t *block,
           size_t blockSize,
           void *out,
           GError **error)
{
    return virStorageVaaiVolRecordDecode(block, blockSize, out, error);
}


static bool
fuzzValidOK(const void *rec,
            size_t blockSize G_GNUC_UNUSED)
{
    const virStorageVaaiVolRecord *v = rec;

    return strnlen(v->name, sizeof(v->name)) < sizeof(v->name) &&
           (unsigned int)v->state < VIR_STORAGE_VAAI_VOL_STATE_LAST &&
           strcmp(virStorageVaaiVolStateName(v->state), "unknown") != 0;
}


static const fuzzVaaiRecord fuzzRecord = {
    .recSize = sizeof(virStorageVaaiVolRecord),
    .magic = VIR_STORAGE_VAAI_VOLRECORD_MAGIC,
    .versionOffset = 4,
    .crcOffset = VIR_STORAGE_VAAI_VOLRECORD_CRC_OFFSET,
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
