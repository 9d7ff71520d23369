/*
 * fuzz-vaai-inuse.c: libFuzzer target for virStorageVaaiInUseDecode() and
 * the in-use decisions (storage_vaai_inuse.c)
 *
 * The record harness (fuzz-vaai-record.h) checks the decoder's contract;
 * then, on a record that decodes, the input's bytes drive takes, drops and
 * prunes, and every record they leave must encode: the decisions never
 * make a record the format forbids (two exclusive holders, a shared one
 * beside an exclusive one...).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-vaai-record.h"
#include "storage_vaai_inuse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void
fuzzSample(void *rec,
           size_t blockSize)
{
    virStorageVaaiInUse *u = rec;

    memset(u, 0, sizeof(*u));
    u->generation = 5;
    memset(u->volume, 0x44, sizeof(u->volume));
    u->count = 2;
    memset(u->holders[0].host, 0x11, sizeof(u->holders[0].host));
    u->holders[0].incarnation = 1;
    u->holders[0].mode = VIR_STORAGE_VAAI_INUSE_SHARED;
    memset(u->holders[1].host, 0x22, sizeof(u->holders[1].host));
    u->holders[1].incarnation = 2;
    u->holders[1].mode = VIR_STORAGE_VAAI_INUSE_SHARED;
    u->holders[1].since = 1700000000;
}


static int
fuzzEncode(const void *rec,
           uint8_t *block,
           size_t blockSize,
           GError **error)
{
    return virStorageVaaiInUseEncode(rec, block, blockSize, error);
}


static virStorageVaaiRecordStatus
fuzzDecode(const uint8_t *block,
           size_t blockSize,
           void *out,
           GError **error)
{
    return virStorageVaaiInUseDecode(block, blockSize, out, error);
}


static const fuzzVaaiRecord fuzzRecord = {
    .recSize = sizeof(virStorageVaaiInUse),
    .magic = VIR_STORAGE_VAAI_INUSE_MAGIC,
    .versionOffset = 4,
    .crcOffset = VIR_STORAGE_VAAI_INUSE_CRC_OFFSET,
    .sample = fuzzSample,
    .encode = fuzzEncode,
    .decode = fuzzDecode,
    .validOK = NULL,
};


static bool
fuzzGone(const virStorageVaaiInUseHolder *h,
         void *opaque)
{
    return (h->host[0] ^ *(const uint8_t *)opaque) & 1;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    uint8_t block[512];
    virStorageVaaiInUse rec;
    size_t i;

    fuzzVaaiRecordRun(&fuzzRecord, data, size);

    /* Decisions from the sample record: byte k picks an operation, a
     * host (of 4), a mode and an owner. */
    fuzzSample(&rec, sizeof(block));
    for (i = 0; i < size; i++) {
        virStorageVaaiInUseHolder who = { 0 };
        g_autoptr(GError) err = NULL;
        uint8_t pick = data[i];

        memset(who.host, 0x10 * ((data[i] >> 2) & 3) + 0x11, sizeof(who.host));
        who.incarnation = (data[i] >> 2) & 3;
        who.mode = 1 + (data[i] >> 4) % 3;
        memset(who.owner, 0xD0 + (data[i] >> 6), sizeof(who.owner));  /* 4 domains */
        switch (data[i] & 3) {
        case 0:
        case 1:
            if (virStorageVaaiInUseTake(&rec, &who, NULL, &err) < 0 && !err)
                abort();
            break;
        case 2:
            virStorageVaaiInUseDrop(&rec, &who);
            break;
        case 3:
            virStorageVaaiInUsePrune(&rec, fuzzGone, &pick);
            break;
        }
        if (virStorageVaaiInUseEncode(&rec, block, sizeof(block), NULL) < 0)
            abort();
    }
    return 0;
}
