/*
 * fuzz-vaai-signature.c: libFuzzer target for virStorageVaaiDetectSignature()
 *
 * The first input byte picks the block size (0, 256, 512, 4096, 65536 or
 * an odd one); the rest is the start of the LUN, in a heap block of
 * exactly its size so that ASan flags any read past it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "storage_vaai_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    static const uint32_t blockSizes[] = {
        512, 4096, 0, 256, 65536, 520, 1u << 31, UINT32_MAX,
    };
    g_autofree uint8_t *buf = NULL;
    uint32_t blockSize;
    const char *found;

    if (size == 0)
        return 0;
    blockSize = blockSizes[data[0] % G_N_ELEMENTS(blockSizes)];
    data++;
    size--;

    buf = g_malloc(size ? size : 1);
    if (size)
        memcpy(buf, data, size);

    found = virStorageVaaiDetectSignature(buf, size, blockSize);
    if (found && !*found)
        abort();

    /* Nothing can be found in nothing. */
    if (size < 4 && found)
        abort();

    return 0;
}
