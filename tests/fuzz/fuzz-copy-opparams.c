/*
 * fuzz-copy-opparams.c: libFuzzer target for virSCSICopyOpParamsParse()
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "virscsitpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    /* An exact-size heap copy, so that ASan flags any read past the end. */
    g_autofree uint8_t *buf = g_malloc(size);
    virSCSICopyOpParams out;
    g_autoptr(GError) err = NULL;

    if (size)
        memcpy(buf, data, size);

    if (virSCSICopyOpParamsParse(buf, size, &out, &err) < 0) {
        /* A failure must say why, and never claim more than it was given. */
        if (!err)
            abort();
        if (out.nDescriptorTypes != 0)
            abort();
        return 0;
    }

    if (out.nDescriptorTypes > out.implementedDescriptorListLength ||
        44 + out.nDescriptorTypes > size || 44 + out.nDescriptorTypes > out.needed)
        abort();
    (void)virSCSICopyOpParamsSupports(&out, 0x02);
    return 0;
}
