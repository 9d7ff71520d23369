/*
 * fuzz-vpd-lbp.c: libFuzzer target for virSCSIVPDLbpParse()
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "virscsiblockvpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    /* An exact-size heap copy, so that ASan flags any read past the end. */
    g_autofree uint8_t *buf = g_malloc(size);
    virSCSIVPDLbp out;
    g_autoptr(GError) err = NULL;

    if (size)
        memcpy(buf, data, size);

    if (virSCSIVPDLbpParse(buf, size, &out, &err) < 0) {
        /* A failure must say why, and never claim more than it was given. */
        if (!err)
            abort();
        if (out.hasProvisioningGroup)
            abort();
        return 0;
    }

    if (out.hasProvisioningGroup &&
        (!out.dp || 12 + (size_t)out.pgDesignatorLength > size ||
         12 + (size_t)out.pgDesignatorLength > out.needed))
        abort();
    return 0;
}
