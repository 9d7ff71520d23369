/*
 * fuzz-vpd-block-limits.c: libFuzzer target for virSCSIVPDBlockLimitsParse()
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
    virSCSIVPDBlockLimits out;
    size_t end;
    g_autoptr(GError) err = NULL;

    if (size)
        memcpy(buf, data, size);

    if (virSCSIVPDBlockLimitsParse(buf, size, &out, &err) < 0) {
        /* A failure must say why, and never claim more than it was given. */
        if (!err)
            abort();
        if (out.hasUnmapFields || out.hasWriteSameLength || out.hasAtomicFields)
            abort();
        return 0;
    }

    /* A group is present only if all of its bytes were sent, in the page. */
    end = MIN(size, out.needed);
    if ((out.hasAtomicFields && end < 64) ||
        (out.hasWriteSameLength && end < 44) ||
        (out.hasUnmapFields && end < 36) ||
        (out.hasMaxPrefetchLength && end < 20) ||
        (!out.ugaValid && out.unmapGranularityAlignment != 0))
        abort();
    return 0;
}
