/*
 * fuzz-vaai-record.h: the harness the pool-record fuzz targets share
 *
 * The first input byte is a control byte:
 *   bit 0: the block size, 512 or 4096;
 *   bit 1: put the right magic in, so the fuzzer gets past it at once;
 *   bit 2: store the right CRC, so the fuzzer reaches the field checks
 *          (random bytes almost never have a good one);
 *   bit 3: XOR the input into a valid record, so that the field checks
 *          and the round trip are reached without a seed corpus.
 * The rest, cut or zero-padded to the block size, is the block.  Whatever
 * the status, the decoder must keep its contract, and a VALID block must
 * encode back to exactly the same bytes.
 *
 * Each target includes this once and fills a fuzzVaaiRecord.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "storage_vaai_crc32c.h"
#include "storage_vaai_format.h"
#include "virscsibytes.h"

/* Every record struct starts with its uint8_t version. */
typedef struct {
    size_t recSize;
    const char *magic;
    size_t versionOffset;           /* in the block */
    size_t crcOffset;               /* in the block */
    void (*sample)(void *rec, size_t blockSize);
    int (*encode)(const void *rec, uint8_t *block, size_t blockSize, GError **error);
    virStorageVaaiRecordStatus (*decode)(const uint8_t *block, size_t blockSize,
                                         void *out, GError **error);
    /* Record-specific promises of a VALID decode; false aborts. */
    bool (*validOK)(const void *rec, size_t blockSize);
    /* The newest record version the decoder knows (0: 1; the lease: 2). */
    uint8_t maxVersion;
} fuzzVaaiRecord;


static uint8_t
fuzzMaxVersion(const fuzzVaaiRecord *r)
{
    return r->maxVersion ? r->maxVersion : VIR_STORAGE_VAAI_RECORD_VERSION;
}


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


static int
fuzzVaaiRecordRun(const fuzzVaaiRecord *r,
                  const uint8_t *data,
                  size_t size)
{
    g_autofree uint8_t *block = NULL;
    g_autofree uint8_t *again = NULL;
    g_autofree uint8_t *rec = g_malloc(r->recSize);
    g_autofree uint8_t *expect = g_malloc0(r->recSize);
    g_autoptr(GError) err = NULL;
    virStorageVaaiRecordStatus status;
    size_t blockSize;
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
        g_autofree uint8_t *sample = g_malloc0(r->recSize);
        size_t i;

        r->sample(sample, blockSize);
        if (r->encode(sample, base, blockSize, NULL) < 0)
            abort();
        for (i = 0; i < blockSize; i++)
            block[i] ^= base[i];
    }

    if (ctl & 2)
        memcpy(block, r->magic, strlen(r->magic));
    if (ctl & 4) {
        memset(block + r->crcOffset, 0, 4);
        virSCSIPutBE32(block + r->crcOffset, virStorageVaaiCrc32c(block, blockSize));
    }

    memset(rec, 0xEE, r->recSize);
    status = r->decode(block, blockSize, rec, &err);

    /* Anything but a VALID record leaves *out zero but for the version. */
    switch (status) {
    case VIR_STORAGE_VAAI_RECORD_EMPTY:
        if (err || !fuzzIsZero(block, blockSize) || memcmp(rec, expect, r->recSize) != 0 ||
            !virStorageVaaiBlockWhole(block, blockSize))
            abort();
        break;

    case VIR_STORAGE_VAAI_RECORD_CORRUPT:
    case VIR_STORAGE_VAAI_RECORD_FOREIGN:
        if (!err || memcmp(rec, expect, r->recSize) != 0)
            abort();
        break;

    case VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION:
        expect[0] = block[r->versionOffset];
        if (!err || (expect[0] >= 1 && expect[0] <= fuzzMaxVersion(r)) ||
            memcmp(rec, expect, r->recSize) != 0)
            abort();
        break;

    case VIR_STORAGE_VAAI_RECORD_VALID:
        /* A record that decodes is never taken for a torn read. */
        if (err || rec[0] < 1 || rec[0] > fuzzMaxVersion(r) ||
            (r->validOK && !r->validOK(rec, blockSize)) ||
            !virStorageVaaiBlockWhole(block, blockSize))
            abort();
        again = g_malloc(blockSize);
        memset(again, 0xA5, blockSize);
        if (r->encode(rec, again, blockSize, NULL) < 0 ||
            memcmp(again, block, blockSize) != 0)
            abort();
        break;

    case VIR_STORAGE_VAAI_RECORD_STATUS_LAST:
        abort();
    }
    return 0;
}
