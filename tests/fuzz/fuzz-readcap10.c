/*
 * fuzz-readcap10.c: libFuzzer target for virSCSIReadCapacity10Parse()
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "virscsicapacity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    /* An exact-size heap copy, so that ASan flags any read past the end. */
    g_autofree uint8_t *buf = g_malloc(size);
    virSCSIReadCapacity10 rc;
    g_autoptr(GError) err = NULL;

    if (size)
        memcpy(buf, data, size);

    if (virSCSIReadCapacity10Parse(buf, size, &rc, &err) < 0) {
        if (!err || rc.blockLength || rc.capacityBlocks)
            abort();
        return 0;
    }

    if (rc.blockLength == 0 || size < 8)
        abort();
    if (rc.needReadCapacity16 ? rc.capacityBlocks != 0 :
        rc.capacityBlocks != (uint64_t)rc.lastLba + 1) {
        abort();
    }
    return 0;
}
