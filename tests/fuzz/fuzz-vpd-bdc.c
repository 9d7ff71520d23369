/*
 * fuzz-vpd-bdc.c: libFuzzer target for virSCSIVPDBlockCharacteristicsParse()
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
    virSCSIVPDBlockCharacteristics out;
    size_t end;
    g_autoptr(GError) err = NULL;

    if (size)
        memcpy(buf, data, size);

    if (virSCSIVPDBlockCharacteristicsParse(buf, size, &out, &err) < 0) {
        /* A failure must say why, and never claim more than it was given. */
        if (!err)
            abort();
        if (out.hasProductType || out.hasFormFactor || out.hasFlags)
            abort();
        return 0;
    }

    /* Each byte is present only if it was sent, in the page. */
    end = MIN(size, out.needed);
    if ((out.hasFlags && end < 9) || (out.hasFormFactor && end < 8) ||
        (out.hasProductType && end < 7))
        abort();
    return 0;
}
