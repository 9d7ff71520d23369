/*
 * fuzz-lba-status.c: libFuzzer target for virSCSILbaStatusParse()
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
    g_auto(virSCSILbaStatus) st = { 0 };
    g_autoptr(GError) err = NULL;
    size_t i;

    if (size)
        memcpy(buf, data, size);

    if (virSCSILbaStatusParse(buf, size, &st, &err) < 0) {
        if (!err || st.descriptors || st.ndescriptors || st.needed)
            abort();
        return 0;
    }

    /* Descriptors only from bytes both returned and claimed (a claim
     * smaller than the header itself leaves none). */
    if (!st.descriptors != !st.ndescriptors ||
        (st.ndescriptors &&
         8 + st.ndescriptors * 16 > MIN(size, st.needed))) {
        abort();
    }

    /* What callers rely on: non-empty extents, strictly ascending. */
    for (i = 0; i < st.ndescriptors; i++) {
        const virSCSILbaStatusDescriptor *d = &st.descriptors[i];

        if (d->nblocks == 0 || d->nblocks - 1 > G_MAXUINT64 - d->lba)
            abort();
        if (i > 0 &&
            d->lba <= st.descriptors[i - 1].lba + (st.descriptors[i - 1].nblocks - 1)) {
            abort();
        }
        (void)virSCSILbaProvisioningStatusName(d->provisioningStatus);
    }
    return 0;
}
