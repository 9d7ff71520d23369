/*
 * fuzz-vaai-volrecord.c: libFuzzer target for virStorageVaaiVolRecordDecode()
 *
 * The first input byte is a control byte:
 *   bit 0: the block size, 512 or 4096;
 *   bit 1: put the right magic in, so the fuzzer gets past it at once;
 *   bit 2: store the right CRC, so the fuzzer reaches the field checks
 *          (random bytes almost never have a good one);
 *   bit 3: XOR the input into a valid record, so that the field checks
 *          and the round trip are reached without a seed corpus.
 * The rest, cut or zero-padded to the block size, is the block.  A VALID
 * block must encode back to exactly the same bytes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "storage_vaai_crc32c.h"
#include "storage_vaai_format.h"
#include "virscsibytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
fuzzIsZero(const void *p,
           size_t len)
{
    const uint8_t *b = p;
    size_t i;

    for (i = 0; i < len; i++) {
        if (b[i])
            return false;
    }
    return true;
}


static void
fuzzSample(virStorageVaaiVolRecord *v,
           size_t blockSize)
{
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


int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    size_t blockSize;
    g_autofree uint8_t *block = NULL;
    g_autofree uint8_t *again = NULL;
    g_autoptr(GError) err = NULL;
    virStorageVaaiVolRecord rec;
    virStorageVaaiVolRecord expect;
    virStorageVaaiRecordStatus status;
    uint8_t ctl;

    if (size == 0)
        return 0;
    ctl = data[0];
    data++;
    size--;

    /* An exact-size heap block, so that ASan flags any read past it. */
    blockSize = (ctl & 1) ? 4096 : 512;
    block = g_malloc0(blockSize);
    memcpy(block, data, MIN(size, blockSize));

    if (ctl & 8) {
        g_autofree uint8_t *base = g_malloc(blockSize);
        virStorageVaaiVolRecord sample;
        size_t i;

        fuzzSample(&sample, blockSize);
        if (virStorageVaaiVolRecordEncode(&sample, base, blockSize, NULL) < 0)
            abort();
        for (i = 0; i < blockSize; i++)
            block[i] ^= base[i];
    }

    if (ctl & 2)
        memcpy(block, VIR_STORAGE_VAAI_VOLRECORD_MAGIC,
               strlen(VIR_STORAGE_VAAI_VOLRECORD_MAGIC));
    if (ctl & 4) {
        memset(block + VIR_STORAGE_VAAI_VOLRECORD_CRC_OFFSET, 0, 4);
        virScsiPutBE32(block + VIR_STORAGE_VAAI_VOLRECORD_CRC_OFFSET,
                       virStorageVaaiCrc32c(block, blockSize));
    }

    memset(&rec, 0xEE, sizeof(rec));
    status = virStorageVaaiVolRecordDecode(block, blockSize, &rec, &err);

    /* Anything but a VALID record leaves *out zero but for the version. */
    memset(&expect, 0, sizeof(expect));

    switch (status) {
    case VIR_STORAGE_VAAI_RECORD_EMPTY:
        if (err || !fuzzIsZero(block, blockSize) ||
            memcmp(&rec, &expect, sizeof(rec)) != 0)
            abort();
        break;

    case VIR_STORAGE_VAAI_RECORD_CORRUPT:
    case VIR_STORAGE_VAAI_RECORD_FOREIGN:
        if (!err || memcmp(&rec, &expect, sizeof(rec)) != 0)
            abort();
        break;

    case VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION:
        expect.version = block[4];
        if (!err || expect.version == VIR_STORAGE_VAAI_RECORD_VERSION ||
            memcmp(&rec, &expect, sizeof(rec)) != 0)
            abort();
        break;

    case VIR_STORAGE_VAAI_RECORD_VALID:
        if (err || rec.version != VIR_STORAGE_VAAI_RECORD_VERSION)
            abort();
        if (strnlen(rec.name, sizeof(rec.name)) == sizeof(rec.name) ||
            (unsigned int)rec.state >= VIR_STORAGE_VAAI_VOL_STATE_LAST ||
            strcmp(virStorageVaaiVolStateName(rec.state), "unknown") == 0)
            abort();
        again = g_malloc(blockSize);
        memset(again, 0xA5, blockSize);
        if (virStorageVaaiVolRecordEncode(&rec, again, blockSize, NULL) < 0 ||
            memcmp(again, block, blockSize) != 0)
            abort();
        break;

    case VIR_STORAGE_VAAI_RECORD_STATUS_LAST:
        abort();
    }

    return 0;
}
