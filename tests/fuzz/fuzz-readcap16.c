/*
 * fuzz-readcap16.c: libFuzzer target for virSCSIReadCapacity16Parse()
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
    virSCSIReadCapacity16 rc;
    g_autoptr(GError) err = NULL;

    if (size)
        memcpy(buf, data, size);

    if (virSCSIReadCapacity16Parse(buf, size, &rc, &err) < 0) {
        if (!err || rc.blockLength || rc.hasProvisioning)
            abort();
        return 0;
    }

    if (rc.blockLength == 0 || rc.capacityBlocks == 0 ||
        rc.capacityBlocks != rc.lastLba + 1 ||
        rc.hasProtection != (size > 12) ||
        rc.hasExponents != (size > 13) ||
        rc.hasProvisioning != (size > 15) ||
        rc.lowestAlignedLba > 0x3FFF ||
        rc.pType > 7 || rc.lbPerPbExponent > 15) {
        abort();
    }
    return 0;
}
