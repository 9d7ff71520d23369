/*
 * fuzz-copy-status.c: libFuzzer target for virSCSICopyStatusParse()
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
    virSCSICopyStatus out;
    uint64_t bytes;
    g_autoptr(GError) err = NULL;

    if (size)
        memcpy(buf, data, size);

    if (virSCSICopyStatusParse(buf, size, &out, &err) < 0) {
        /* A failure must say why, and never claim more than it was given. */
        if (!err)
            abort();
        if (out.transferCount != 0)
            abort();
        return 0;
    }

    /* Exercise the conversion too: it must neither wrap nor trap. */
    if (virSCSICopyStatusTransferBytes(&out, 512, &bytes) &&
        out.transferCountUnits == 0x00 && bytes != out.transferCount)
        abort();
    if (virSCSICopyStatusTransferBytes(&out, 0, &bytes) &&
        out.transferCountUnits == 0xF1)
        abort();
    return 0;
}
