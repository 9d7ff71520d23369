/*
 * fuzz-vaai-header.c: libFuzzer target for virStorageVaaiHeaderDecode()
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
fuzzSample(virStorageVaaiHeader *h,
           size_t blockSize)
{
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


int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    size_t blockSize;
    g_autofree uint8_t *block = NULL;
    g_autofree uint8_t *again = NULL;
    g_autoptr(GError) err = NULL;
    virStorageVaaiHeader rec;
    virStorageVaaiHeader expect;
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
        virStorageVaaiHeader sample;
        size_t i;

        fuzzSample(&sample, blockSize);
        if (virStorageVaaiHeaderEncode(&sample, base, blockSize, NULL) < 0)
            abort();
        for (i = 0; i < blockSize; i++)
            block[i] ^= base[i];
    }

    if (ctl & 2)
        memcpy(block, VIR_STORAGE_VAAI_HEADER_MAGIC,
               strlen(VIR_STORAGE_VAAI_HEADER_MAGIC));
    if (ctl & 4) {
        memset(block + VIR_STORAGE_VAAI_HEADER_CRC_OFFSET, 0, 4);
        virScsiPutBE32(block + VIR_STORAGE_VAAI_HEADER_CRC_OFFSET,
                       virStorageVaaiCrc32c(block, blockSize));
    }

    memset(&rec, 0xEE, sizeof(rec));
    status = virStorageVaaiHeaderDecode(block, blockSize, &rec, &err);

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
        expect.version = block[8];
        if (!err || expect.version == VIR_STORAGE_VAAI_RECORD_VERSION ||
            memcmp(&rec, &expect, sizeof(rec)) != 0)
            abort();
        break;

    case VIR_STORAGE_VAAI_RECORD_VALID:
        if (err || rec.version != VIR_STORAGE_VAAI_RECORD_VERSION)
            abort();
        if (strnlen(rec.name, sizeof(rec.name)) == 0 ||
            strnlen(rec.name, sizeof(rec.name)) == sizeof(rec.name) ||
            rec.blockSize != blockSize)
            abort();
        again = g_malloc(blockSize);
        memset(again, 0xA5, blockSize);
        if (virStorageVaaiHeaderEncode(&rec, again, blockSize, NULL) < 0 ||
            memcmp(again, block, blockSize) != 0)
            abort();
        break;

    case VIR_STORAGE_VAAI_RECORD_STATUS_LAST:
        abort();
    }

    return 0;
}
